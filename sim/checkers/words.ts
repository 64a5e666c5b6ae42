/**
 * Numbers and lists in the words of a verdict: what a person reads on a
 * terminal or a projected page. The metrics keep the exact values. Pure.
 */

/** `n noun`, with the noun's plural when n is not 1 (`pluralNoun` for irregular ones). */
export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : pluralNoun}`;
}

/** A number for reading: whole numbers as they are, others to four significant digits (17.05, 0.08566). */
export function num(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(4)));
}

/** The first `max` names, then how many more: "a0, a1, a2 and 997 more". */
export function someOf(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** "3 of 5 agents", or "the only agent" when there is one in all (and `m` is 1). */
export function mOfN(m: number, n: number, noun: string, pluralNoun = `${noun}s`): string {
  return n === 1 && m === 1 ? `the only ${noun}` : `${m} of ${n} ${n === 1 ? noun : pluralNoun}`;
}
