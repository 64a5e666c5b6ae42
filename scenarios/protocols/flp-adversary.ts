/**
 * An adversarial scheduler that keeps Ben-Or's protocol with the
 * deterministic coin (scenarios/protocols/ben-or.ts, coin 'deterministic')
 * undecided forever: the Fischer, Lynch and Paterson impossibility made to
 * run (Fischer, Lynch and Paterson 1985, "Impossibility of distributed
 * consensus with one faulty process", J. ACM 32(2), Lemmas 2 and 3).
 *
 * The FLP argument: call a configuration bivalent when both decisions are
 * still reachable from it. A protocol that tolerates one crash has a
 * bivalent initial configuration (Lemma 2), and from any bivalent
 * configuration, for any pending message, some schedule delivers that
 * message and reaches a bivalent configuration again (Lemma 3). An adversary
 * that repeats this forever builds an admissible run (every message to a
 * correct process is delivered, after a finite delay; nobody needs to crash)
 * in which no process ever decides. The protocol's tolerance of one crash is
 * the adversary's lever: an agent that waits for only n - f messages cannot
 * tell a slow agent from a crashed one, so delaying one message looks, to
 * its receiver, like a crash.
 *
 * The strategy. The adversary sees every message copy as it is sent and
 * picks its latency: `fastTicks` (default 1) or `slowTicks` (default 10). It
 * models each receiver's wait exactly: the agents move in lockstep (every
 * copy of a phase leaves on one tick and the fast ones land together
 * fastTicks later, in send order), so the receiver reads the first n - f fast
 * copies of a round and phase, and a slow copy lands after its phase is over
 * and is ignored. For
 * each copy it compares the best view the receiver can still end with if the
 * copy is fast against the best if the copy is slow, and delays it only when
 * slow is strictly better and the receiver has had fewer than f copies of
 * this round and phase delayed (it must still get n - f). Views are ranked,
 * best first:
 * - phase 1 (reports): no value has more than n/2 of the n - f reports (so the
 *   receiver proposes '?'), and the deterministic coin keeps the split: a tie
 *   (the agent keeps its x), or a majority for the receiver's side (the first
 *   floor(n/2) agents by index are steered to 0, the rest to 1); then: no
 *   value above n/2; last: a proposal;
 * - phase 2 (proposals): all '?' (nobody adopts a value); then: some value,
 *   but fewer than f + 1 of it (the receiver adopts it); last: f + 1 of a
 *   value (a decision).
 * "Can still end with" assumes the copies not yet sent may carry any value:
 * the adversary knows the protocol's rules but not the coins to come.
 *
 * With n = 4, f = 1 and inputs split 2-2, every receiver reads three reports,
 * two of its side's value, and proposes '?'; every coin then restores the 2-2
 * split, round after round. With n = 5, f = 1 and a 3-2 split, every receiver
 * reads a 2-2 tie, and every agent keeps its x. Inputs split 3-1 (n = 4) or
 * 4-1 (n = 5) are univalent for this protocol: no delivery order avoids the
 * decision. Against the random coin the same strategy only slows Ben-Or
 * down: after a round of '?' proposals the coins are fresh, and a unanimous
 * round (n = 4; probability 1/8), or any 4-1 or 5-0 round (n = 5; 3/8),
 * decides whatever the delays. No adversary blocks Ben-Or: each round, all
 * coins agree with probability at least 2^(1-n).
 *
 * Honesty: it only picks finite latencies (every copy is delivered within
 * `slowTicks`), never drops, duplicates or crashes anything; the agent's own
 * copies (Ben-Or broadcasts to itself) go through the network like the rest,
 * as in FLP's message buffer. It assumes Ben-Or's messages ({ type: 'report'
 * | 'proposal', r, v }), a network without loss, and that nobody crashes; a
 * duplicate copy gets the latency its first copy got.
 *
 * Options, beside its name in a scenario's `network.scheduler`:
 * `FLP_ADVERSARY_OPTIONS` below.
 */
import type { Message } from '../../sim/effects.ts';
import { PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { ChooseLatency, ParamSpecs, Scheduler } from '../../sim/spec.ts';

/** The adversary's options, declared for the scenario loader, the JSON Schema and the README. */
export const FLP_ADVERSARY_OPTIONS = {
  faults: {
    type: 'integer',
    min: 0,
    max: 1000,
    default: 1,
    unit: 'agents',
    meaning:
      'f, the crashes the protocol tolerates (its faults parameter): each receiver gets n - f copies fast',
  },
  fastTicks: {
    type: 'integer',
    min: 0,
    max: PARAM_TICKS_MAX,
    default: 1,
    unit: 'ticks',
    meaning: 'latency of a copy the adversary lets through',
  },
  slowTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    meaning: 'latency of a delayed copy; at least fastTicks + 1',
  },
} as const satisfies ParamSpecs;

export interface FlpAdversaryOptions {
  readonly faults?: number;
  readonly fastTicks?: number;
  readonly slowTicks?: number;
}

type Vote = 0 | 1 | '?';

/** What the adversary knows of one receiver's wait in one round and phase. */
interface Wait {
  /** Values of the fast copies, in arrival order. */
  readonly fast: Vote[];
  /** Copies delayed so far. */
  slow: number;
}

/** 2 best, 0 worst: how a finished phase-1 view of zeros and ones serves the adversary. */
function reportRank(zeros: number, ones: number, n: number, side: 0 | 1): number {
  if (zeros * 2 > n || ones * 2 > n) return 0;
  if (zeros === ones) return 2;
  return (zeros > ones ? 0 : 1) === side ? 2 : 1;
}

/** Best rank of a phase-1 view that starts with `fast` and gets `more` reports of any value. */
function bestReports(fast: readonly Vote[], more: number, n: number, side: 0 | 1): number {
  let zeros = 0;
  let ones = 0;
  for (const v of fast) {
    if (v === 0) zeros++;
    else if (v === 1) ones++;
  }
  let best = 0;
  for (let extraZeros = 0; extraZeros <= more; extraZeros++)
    best = Math.max(best, reportRank(zeros + extraZeros, ones + more - extraZeros, n, side));
  return best;
}

/** Best rank of a phase-2 view that starts with `fast` (the rest '?', the best filler). */
function bestProposals(fast: readonly Vote[], f: number): number {
  let zeros = 0;
  let ones = 0;
  for (const v of fast) {
    if (v === 0) zeros++;
    else if (v === 1) ones++;
  }
  if (zeros >= f + 1 || ones >= f + 1) return 0;
  return zeros + ones > 0 ? 1 : 2;
}

/** The FLP adversary for Ben-Or (see the file's comment). */
export function flpAdversary(options: FlpAdversaryOptions = {}): Scheduler {
  const f = options.faults ?? 1;
  const fastTicks = options.fastTicks ?? 1;
  const slowTicks = options.slowTicks ?? 10;
  // Its search of the views a receiver could still get runs over quorum - f values: f must be small and whole.
  if (!(Number.isSafeInteger(f) && f >= 0 && f <= 1000))
    throw new Error(`flp-adversary: faults must be a whole number from 0 to 1000, got ${f}`);
  if (!(Number.isSafeInteger(fastTicks) && fastTicks >= 0))
    throw new Error(`flp-adversary: fastTicks must be a whole number, got ${fastTicks}`);
  if (!(Number.isSafeInteger(slowTicks) && slowTicks > fastTicks))
    throw new Error(`flp-adversary: slowTicks must be a whole number above fastTicks`);
  return {
    name: `flp-adversary(faults=${f}, fastTicks=${fastTicks}, slowTicks=${slowTicks})`,
    create(agents: readonly string[]): ChooseLatency {
      const n = agents.length;
      // With f >= n no quorum of n - f can form; the adversary then has nothing to wait for.
      const quorum = Math.max(1, n - f);
      const side = new Map(
        agents.map((id, i): [string, 0 | 1] => [id, i < Math.floor(n / 2) ? 0 : 1]),
      );
      // For each receiver: its waits, by round * 2 + phase - 1.
      const waits = new Map<string, Map<number, Wait>>();
      // Latency already chosen for a copy (source, target, round, phase): duplicates get the same.
      const chosen = new Map<string, number>();
      return (source: string, target: string, message: Message): number | undefined => {
        const phase = message.type === 'report' ? 1 : message.type === 'proposal' ? 2 : 0;
        const r = message['r'];
        const value = message['v'];
        if (phase === 0 || typeof r !== 'number' || !(value === 0 || value === 1 || value === '?'))
          return undefined;
        const v = value as Vote;
        const key = r * 2 + phase - 1;
        const copy = `${source}|${target}|${key}`;
        const again = chosen.get(copy);
        if (again !== undefined) return again;

        let mine = waits.get(target);
        if (mine === undefined) {
          mine = new Map();
          waits.set(target, mine);
        }
        let wait = mine.get(key);
        if (wait === undefined) {
          wait = { fast: [], slow: 0 };
          mine.set(key, wait);
          // Forget waits two rounds old: their phases are over.
          mine.delete(key - 4);
          for (const s of agents) chosen.delete(`${s}|${target}|${key - 4}`);
        }
        let latency = fastTicks;
        if (wait.fast.length < quorum) {
          const more = quorum - wait.fast.length - 1;
          const withIt = [...wait.fast, v];
          const ifFast =
            phase === 1
              ? bestReports(withIt, more, n, side.get(target) ?? 0)
              : bestProposals(withIt, f);
          const ifSlow =
            phase === 1
              ? bestReports(wait.fast, more + 1, n, side.get(target) ?? 0)
              : bestProposals(wait.fast, f);
          if (wait.slow < f && ifSlow > ifFast) {
            wait.slow++;
            latency = slowTicks;
          } else wait.fast.push(v);
        }
        chosen.set(copy, latency);
        return latency;
      };
    },
  };
}

/** The adversary with its defaults: f = 1, fast 1 tick, slow 10 ticks. */
export const flpScheduler: Scheduler = flpAdversary();
