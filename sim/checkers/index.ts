/**
 * Checkers: each turns a run's trace into a verdict on one property, with the
 * records that prove it. `judge` applies a scenario's checks and compares
 * each verdict with what the scenario expects. Pure.
 */
import type { CheckSpec, Json } from '../spec.ts';
import type { Trace } from '../trace.ts';
import { agreement } from './agreement.ts';
import { attackSuccess, utility } from './attack.ts';
import { breach } from './breach.ts';
import { convergence } from './convergence.ts';
import { destructiveAction } from './destructive.ts';
import { duplicateExecution } from './duplicate-execution.ts';
import { infection } from './infection.ts';
import { integrity } from './integrity.ts';
import { leaderPerTerm } from './leader-per-term.ts';
import { minorityCommit } from './minority-commit.ts';
import { CHECKER_NAMES, type CheckerName, isCheckerName } from './names.ts';
import { budget, loadAmplification, runaway } from './spend.ts';
import { termination } from './termination.ts';
import { validity } from './validity.ts';
import type { Checker, Verdict } from './verdict.ts';
import { RunView, viewOf } from './view.ts';

export const CHECKERS: Readonly<Record<CheckerName, Checker>> = {
  agreement,
  validity,
  termination,
  integrity,
  convergence,
  'leader-per-term': leaderPerTerm,
  'minority-commit': minorityCommit,
  'duplicate-execution': duplicateExecution,
  infection,
  budget,
  runaway,
  'load-amplification': loadAmplification,
  breach,
  'destructive-action': destructiveAction,
  'attack-success': attackSuccess,
  utility,
};

/** The checks a scenario without `checks` gets: the four properties of consensus, not judged. */
export const DEFAULT_CHECKS: readonly CheckSpec[] = [
  { property: 'agreement' },
  { property: 'validity' },
  { property: 'termination' },
  { property: 'integrity' },
];

/** One verdict next to what the scenario expected of it. */
export interface Judged extends Verdict {
  readonly expect: 'holds' | 'fails' | undefined;
  /** True when there was no expectation or the verdict matched it. */
  readonly met: boolean;
}

export interface Judgement {
  readonly verdicts: readonly Judged[];
  /** Every expectation met. */
  readonly met: boolean;
}

/** Runs one checker by name on `view`. Throws on an unknown name. */
export function check(
  view: RunView,
  property: string,
  options?: Readonly<Record<string, Json>>,
): Verdict {
  if (!isCheckerName(property))
    throw new Error(`unknown property "${property}"; use one of ${CHECKER_NAMES.join(', ')}`);
  return CHECKERS[property].check(view, options);
}

/**
 * Judges a run: `checks` (default: those in the trace's manifest, else
 * DEFAULT_CHECKS), each verdict with its expectation.
 */
export function judge(source: Trace | RunView, checks?: readonly CheckSpec[]): Judgement {
  const view = source instanceof RunView ? source : viewOf(source);
  const fromManifest = (view.manifest.spec as { checks?: CheckSpec[] } | null)?.checks;
  const list = checks ?? fromManifest ?? DEFAULT_CHECKS;
  const verdicts = list.map((c): Judged => {
    const v = check(view, c.property, c.options);
    return { ...v, expect: c.expect, met: c.expect === undefined || c.expect === v.status };
  });
  return { verdicts, met: verdicts.every((v) => v.met) };
}

export { CHECKER_NAMES, type CheckerName, isCheckerName } from './names.ts';
export { type Checker, type Verdict, valueKey } from './verdict.ts';
export { RunView, viewOf } from './view.ts';
export {
  agreement,
  attackSuccess,
  breach,
  budget,
  convergence,
  destructiveAction,
  duplicateExecution,
  infection,
  integrity,
  leaderPerTerm,
  loadAmplification,
  minorityCommit,
  runaway,
  termination,
  utility,
  validity,
};
