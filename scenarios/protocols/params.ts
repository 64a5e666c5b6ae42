/** Reading protocol parameters with defaults. Pure. */

/** `value` when it is a number, else `fallback`. */
export function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
