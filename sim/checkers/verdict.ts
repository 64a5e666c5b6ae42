/** What a checker returns, and what a checker is. */
import type { Json, JsonParam, ParamSpec } from '../spec.ts';
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

/**
 * Largest magnitude of a numeric option (a tolerance, a rate): as for
 * protocol parameters (PARAM_VALUE_MAX), integers are exact up to here.
 */
export const OPTION_VALUE_MAX = 1e15;

/** A list of any JSON values, compared by content (the valid decisions, say). */
export interface ListOption extends Omit<JsonParam, 'type' | 'default'> {
  readonly type: 'list';
  /** Fewest items; default 0. */
  readonly itemsMin?: number;
  readonly default?: readonly Json[];
}

/**
 * One option of a checker or a network scheduler: declared like a protocol
 * parameter (type, range or values, default, unit, meaning), or a list of values.
 */
export type OptionSpec = ParamSpec | ListOption;

/** Options by name: everything a checker or a scheduler reads from its `options`. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** One property of runs. `check` is pure: it reads the view and nothing else. */
export interface Checker {
  readonly property: string;
  /** What the property means, in one line, for help texts. */
  readonly description: string;
  /**
   * Every option `check` reads, by name (`{}` for none): the scenario loader
   * refuses any other, and values of the wrong type or out of range.
   */
  readonly options: OptionSpecs;
  /**
   * Options that, given together, leave one of them without effect: the
   * ignored option's name and why, for the loader to refuse. Each option is
   * checked on its own against `options` first.
   */
  ignoredOption?(
    options: Readonly<Record<string, Json>>,
  ): { option: string; why: string } | undefined;
  check(view: RunView, options?: Readonly<Record<string, Json>>): Verdict;
}

/** The canonical text of a JSON value, to compare values by content. */
export function valueKey(value: Json | undefined): string {
  return JSON.stringify(value ?? null);
}
