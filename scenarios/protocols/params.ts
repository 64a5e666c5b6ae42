/**
 * Reading protocol parameters with defaults. Pure. The loader has already
 * checked each value against the protocol's declaration; these fall back to
 * the default for a value that is missing (or of another type, when a
 * scenario is built in code without the loader).
 */

/** `value` when it is a number, else `fallback`. */
export function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

/** `value` when it is a boolean, else `fallback`. */
export function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}
