/** What a checker returns, and what a checker is. */
import type { Json } from '../spec.ts';
import type { RunView } from './view.ts';

/**
 * A checker's judgement of one run. `records` are the seqs of the trace
 * records that prove it: for a failure, the counterexample a user can jump to.
 */
export interface Verdict {
  readonly property: string;
  readonly status: 'holds' | 'fails';
  /** One sentence a person can read. */
  readonly summary: string;
  readonly records: readonly number[];
  readonly metrics?: Readonly<Record<string, Json>>;
}

/** One property of runs. `check` is pure: it reads the view and nothing else. */
export interface Checker {
  readonly property: string;
  /** What the property means, in one line, for help texts. */
  readonly description: string;
  check(view: RunView, options?: Readonly<Record<string, Json>>): Verdict;
}

/** The canonical text of a JSON value, to compare values by content. */
export function valueKey(value: Json | undefined): string {
  return JSON.stringify(value ?? null);
}
