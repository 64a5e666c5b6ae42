/**
 * PCT, the randomized priority scheduler of Burckhardt, Kothari, Musuvathi
 * and Nagarakatte ("A randomized scheduler with probabilistic guarantees of
 * finding bugs", ASPLOS 2010), mapped onto parley's choice points
 * (sim/explore.ts) for configurations too large to exhaust.
 *
 * PCT runs n threads by priority: each gets a distinct random priority from
 * d to d + n - 1, and d - 1 change points are drawn among the k steps of a
 * run; at the i-th, the running thread's priority drops to i, below every
 * initial one. The highest-priority thread enabled runs. Any bug of depth d
 * (d ordering constraints among steps) is found by one run with probability
 * at least 1 / (n · k^(d-1)).
 *
 * Here the threads are the agents, and a step is a send that is a choice
 * point: the sender's current rank (0 the highest priority) picks its
 * latency, the highest rank the first latency (delivered soonest), the
 * lowest the last, the ranks between spread over those between. So a high
 * agent's messages overtake a low one's, as its steps would run first.
 * Faults happen only at change points: each change point has a fault kind
 * drawn among those the options allow (a loss, a duplicate, a crash), and
 * at its step, if one is still allowed, the demoted sender's message is
 * lost, or sent twice (the copy at the last latency), or the sender
 * crashes at the next crash point (if it is up). So a bug that needs one loss at the
 * right send is a bug of depth 2 (one change point at the right step).
 * With more than one kind allowed, the chance of the right kind at a
 * change point divides the bound by the number of kinds. Choice points of
 * other kinds take their first option. The choices are written as a
 * schedule's vector, so `scheduleChooser` replays the run (PctChooser, in
 * sim/explore.ts beside the chooser it extends). Pure.
 */
import type { Stream } from './rng.ts';

/** One run's priorities and change points. */
export interface PctPlan {
  /** Initial priority of each agent: distinct, from d to d + n - 1 (higher runs first). */
  readonly priorities: ReadonlyMap<string, number>;
  /** The step (1 to k) of change point i at index i - 1. */
  readonly changeSteps: readonly number[];
  /** The fault of change point i at index i - 1. */
  readonly changeFaults: readonly PctFault[];
}

/** What a change point does besides demoting the sender. */
export type PctFault = 'loss' | 'duplicate' | 'crash' | 'none';

/** What PCT did, for the report. */
export interface PctReport {
  /** Runs made. */
  readonly runs: number;
  /** The bug depth d it targets (d - 1 change points). */
  readonly depth: number;
  /** k: the steps bound the change points are drawn among (explore's `depth`). */
  readonly steps: number;
  /** n: the agents. */
  readonly agents: number;
  /** The documented lower bound on finding a bug of depth d in one run: 1 / (n · k^(d-1)). */
  readonly bound: number;
  /** The run that found the violation (1-based), if one did. */
  readonly foundAt: number | undefined;
  /** Most steps (sends that were choice points) one run made: above k, the bound does not hold. */
  readonly stepsReached: number;
}

/** The documented lower bound on PCT's probability of finding a bug of depth d in one run. Pure. */
export function pctBound(agents: number, steps: number, depth: number): number {
  return 1 / (agents * steps ** (depth - 1));
}

/**
 * A run's plan: a random permutation of the priorities d … d + n - 1 over
 * `agents`, and d - 1 change points, each uniform in 1 … k (independent, as
 * in the paper), each with a fault uniform among `faults` ('none' when it
 * is empty). Draws from `stream`. Pure.
 */
export function pctPlan(
  stream: Stream,
  agents: readonly string[],
  depth: number,
  steps: number,
  faults: readonly PctFault[] = [],
): PctPlan {
  const order = [...agents];
  for (let i = order.length - 1; i > 0; i--) {
    const j = stream.int(0, i);
    const t = order[i] as string;
    order[i] = order[j] as string;
    order[j] = t;
  }
  const priorities = new Map<string, number>();
  order.forEach((id, i) => {
    priorities.set(id, depth + i);
  });
  const changeSteps: number[] = [];
  const changeFaults: PctFault[] = [];
  for (let i = 1; i < depth; i++) {
    changeSteps.push(stream.int(1, Math.max(1, steps)));
    changeFaults.push(
      faults.length === 0 ? 'none' : (faults[stream.int(0, faults.length - 1)] as PctFault),
    );
  }
  return { priorities, changeSteps, changeFaults };
}

/** The option a sender of rank `rank` (0 highest) of `n` takes among `options`. Pure. */
export function optionOfRank(rank: number, n: number, options: number): number {
  if (n <= 1 || options <= 1) return 0;
  if (rank >= n - 1) return options - 1;
  return Math.floor((rank * (options - 1)) / (n - 1));
}
