/**
 * Ben-Or's randomized binary consensus for crash faults (Ben-Or 1983,
 * "Another advantage of free choice: completely asynchronous agreement
 * protocols", PODC '83, protocol A; Aguilera and Toueg 2012, "The correctness
 * proof of Ben-Or's randomized consensus algorithm"). n agents, at most f of
 * which crash, n > 2f; the network is reliable but asynchronous, and the
 * protocol uses no timer.
 *
 * Round r of an agent holding x:
 * 1. broadcast (report, r, x) to all, itself included; wait for the reports
 *    of round r from n - f distinct agents; if more than n/2 of them carry
 *    the same v, propose v, else propose '?';
 * 2. broadcast (proposal, r, v or '?') to all; wait for the proposals of
 *    round r from n - f distinct agents; if at least f + 1 carry v, decide v
 *    (once) and x := v; else if at least one carries v, x := v; else x := the
 *    coin.
 * The waits read the first n - f distinct senders in arrival order. Messages
 * of later rounds are buffered by round and phase; those of past phases are
 * ignored; a second message from the same sender in the same round and phase
 * is not counted. `hold(x)` records every change of x.
 *
 * Why it is safe: two majorities of reports intersect, so the proposals of a
 * round other than '?' all carry one value; an agent that decides v saw f + 1
 * proposals of v, and every n - f proposals another agent reads include one
 * of them, so every agent leaves the round holding v, and from then on every
 * report and proposal is v.
 *
 * Stopping: an agent that decides in round d goes on through rounds d + 1 and
 * d + 2, then stops (state `done`). Every correct agent starts round d + 1
 * holding v, so in round d + 1 each sees only reports of v, proposes v, sees
 * n - f >= f + 1 proposals of v and decides; what it needs is n - f agents
 * taking part in round d + 1, and the deciders of round d do. Round d + 2 is
 * the margin for the deciders of round d + 1, who go on to d + 3 and may wait
 * there for agents that stopped: they have decided, and the run ends when
 * the network is quiet.
 *
 * The coin: 'random' draws x from the agent's own stream (a fair coin),
 * marked as a choice point (`coin`), so `parley explore` tries both sides.
 * 'deterministic' makes the protocol deterministic, for the FLP
 * demonstration (scenarios/protocols/flp-adversary.ts): x := the majority
 * value of the n - f phase-1 reports it read this round, its own x on a tie.
 *
 * Parameters (per agent): `PARAMS` below. After roundsMax rounds without
 * deciding the agent gives up (state `gaveUp`, a note) without deciding.
 *
 * Persistent (across a crash): `decision`, `decidedRound`. The model is crash
 * stop; an agent restarted after deciding stays `done` and sends nothing, so
 * it never decides twice; one restarted before deciding starts over from
 * round 1, where the others have left it, and waits.
 */
import { emit, enqueueActions, setup } from 'xstate';
import { broadcast, coin, decide, type Effect, hold, note, propose } from '../../sim/effects.ts';
import { PARAM_ROUNDS_MAX } from '../../sim/scenario/params.ts';
import {
  AGENTS_MAX,
  type AgentInput,
  type Json,
  type ParamSpecs,
  type Protocol,
  type ProtocolAbstraction,
} from '../../sim/spec.ts';
import { numberOr } from './params.ts';

const PARAMS = {
  input: {
    type: 'integer',
    min: 0,
    max: 1,
    defaultIs: 'index % 2',
    meaning: "the agent's input bit",
  },
  faults: {
    type: 'integer',
    min: 0,
    max: AGENTS_MAX,
    defaultIs: 'floor((n - 1) / 2)',
    unit: 'agents',
    meaning: 'f, the most agents that may crash; each wait is for n - f messages',
  },
  roundsMax: {
    type: 'integer',
    min: 1,
    max: PARAM_ROUNDS_MAX,
    default: 1000,
    unit: 'rounds',
    meaning: 'a safety limit: rounds without deciding before the agent gives up',
  },
  coin: {
    type: 'enum',
    values: ['random', 'deterministic'],
    default: 'random',
    meaning: "a fair coin from the agent's stream, or the majority of the reports read (FLP)",
  },
} as const satisfies ParamSpecs;

export type Bit = 0 | 1;
export type Vote = Bit | '?';
export type Coin = 'random' | 'deterministic';

export interface BenOrContext {
  n: number;
  f: number;
  roundsMax: number;
  coin: Coin;
  input: Bit;
  x: Bit;
  /** Current round, from 1. */
  round: number;
  /** 1 while collecting reports, 2 while collecting proposals. */
  phase: 1 | 2;
  /** The phase-1 reports read this round (for the deterministic coin). */
  view: readonly Bit[];
  decision: Bit | null;
  /** Round of the decision, 0 before it. */
  decidedRound: number;
  status: 'running' | 'done' | 'gaveUp';
  /** Reports of the current and later rounds, at most one per sender and round, in arrival order. */
  reports: readonly Ballot<Bit>[];
  /** Proposals of the current and later rounds, likewise. */
  proposals: readonly Ballot<Vote>[];
}

/** One report or proposal buffered: its round, its sender and its value. */
interface Ballot<V> {
  readonly r: number;
  readonly from: string;
  readonly v: V;
}

type Event =
  | { type: 'report'; r: number; v: Bit; from: string }
  | { type: 'proposal'; r: number; v: Vote; from: string };

function bitOr(value: unknown, fallback: Bit): Bit {
  return value === 0 || value === 1 ? value : fallback;
}

function coinOr(value: unknown): Coin {
  return value === 'deterministic' ? 'deterministic' : PARAMS.coin.default;
}

function initial(input: AgentInput): BenOrContext {
  const n = input.agents.length;
  const bit = bitOr(input.params['input'], (input.index % 2) as Bit);
  const saved = input.restored?.['decision'];
  const decision: Bit | null = saved === 0 || saved === 1 ? saved : null;
  return {
    n,
    f: numberOr(input.params['faults'], Math.floor((n - 1) / 2)),
    roundsMax: numberOr(input.params['roundsMax'], PARAMS.roundsMax.default),
    coin: coinOr(input.params['coin']),
    input: bit,
    x: decision ?? bit,
    round: 1,
    phase: 1,
    view: [],
    decision,
    decidedRound: decision === null ? 0 : numberOr(input.restored?.['decidedRound'], 0),
    status: decision === null ? 'running' : 'done',
    reports: [],
    proposals: [],
  };
}

/**
 * `ballots` with `value` added for `from` in `round`, or `ballots` itself
 * when that sender was already counted in that round. (A list, not maps by
 * round and sender: copying two maps per message cost a tenth of a run.)
 */
function withVote<V>(
  ballots: readonly Ballot<V>[],
  round: number,
  from: string,
  value: V,
): readonly Ballot<V>[] {
  for (const b of ballots) if (b.r === round && b.from === from) return ballots;
  return [...ballots, { r: round, from, v: value }];
}

function without<V>(ballots: readonly Ballot<V>[], round: number): readonly Ballot<V>[] {
  return ballots.filter((b) => b.r !== round);
}

/** The values of the first `count` ballots of `round`, in arrival order, or null when fewer came. */
function first<V>(ballots: readonly Ballot<V>[], round: number, count: number): V[] | null {
  const out: V[] = [];
  for (const b of ballots) {
    if (out.length === count) break;
    if (b.r === round) out.push(b.v);
  }
  return out.length < count ? null : out;
}

function countOf<V>(values: readonly V[], v: V): number {
  let c = 0;
  for (const x of values) if (x === v) c++;
  return c;
}

/** The deterministic coin: the majority of the reports read, the agent's own x on a tie. */
export function majorityOr(view: readonly Bit[], own: Bit): Bit {
  const ones = countOf(view, 1);
  const zeros = view.length - ones;
  return ones > zeros ? 1 : zeros > ones ? 0 : own;
}

/**
 * Runs every phase the buffered messages complete, pushing the effects.
 * Pure but for the random coin.
 */
function advance(ctx: BenOrContext, out: Effect[]): BenOrContext {
  const quorum = ctx.n - ctx.f;
  for (;;) {
    if (ctx.status !== 'running') return ctx;
    if (ctx.phase === 1) {
      const view = first(ctx.reports, ctx.round, quorum);
      if (view === null) return ctx;
      const zeros = countOf(view, 0);
      const ones = view.length - zeros;
      const v: Vote = zeros * 2 > ctx.n ? 0 : ones * 2 > ctx.n ? 1 : '?';
      out.push(broadcast({ type: 'proposal', r: ctx.round, v }, true));
      ctx = { ...ctx, phase: 2, view, reports: without(ctx.reports, ctx.round) };
      continue;
    }
    const votes = first(ctx.proposals, ctx.round, quorum);
    if (votes === null) return ctx;
    const zeros = countOf(votes, 0);
    const ones = countOf(votes, 1);
    const seen: Bit | null = zeros === 0 && ones === 0 ? null : ones > zeros ? 1 : 0;
    let { decision, decidedRound } = ctx;
    let x: Bit;
    if (seen !== null) {
      x = seen;
      if ((seen === 0 ? zeros : ones) >= ctx.f + 1 && decision === null) {
        decision = seen;
        decidedRound = ctx.round;
        out.push(decide(seen));
      }
    } else x = ctx.coin === 'random' ? coin('coin') : majorityOr(ctx.view, ctx.x);
    if (x !== ctx.x) out.push(hold(x));
    const round = ctx.round + 1;
    const base = {
      ...ctx,
      x,
      decision,
      decidedRound,
      proposals: without(ctx.proposals, ctx.round),
      view: [],
    };
    if (decision !== null && ctx.round >= decidedRound + 2) return { ...base, status: 'done' };
    if (decision === null && ctx.round >= ctx.roundsMax) {
      out.push(note({ gaveUp: ctx.roundsMax }));
      return { ...base, status: 'gaveUp' };
    }
    out.push(broadcast({ type: 'report', r: round, v: x }, true));
    ctx = { ...base, round, phase: 1 };
  }
}

/** The context after `event`, buffering it unless it is stale or a repeat. */
function receive(ctx: BenOrContext, event: Event, out: Effect[]): BenOrContext {
  if (ctx.status !== 'running') return ctx;
  if (event.type === 'report') {
    if (event.r < ctx.round || (event.r === ctx.round && ctx.phase === 2)) return ctx;
    const reports = withVote(ctx.reports, event.r, event.from, event.v);
    if (reports === ctx.reports) return ctx;
    return advance({ ...ctx, reports }, out);
  }
  if (event.r < ctx.round) return ctx;
  const proposals = withVote(ctx.proposals, event.r, event.from, event.v);
  if (proposals === ctx.proposals) return ctx;
  return advance({ ...ctx, proposals }, out);
}

const machine = setup({
  types: {
    context: {} as BenOrContext,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  actions: {
    step: enqueueActions(({ context, event, enqueue }) => {
      const out: Effect[] = [];
      const next = receive(context, event, out);
      if (next !== context) enqueue.assign(() => next);
      for (const e of out) enqueue.emit(e);
    }),
  },
}).createMachine({
  id: 'ben-or',
  context: ({ input }) => initial(input),
  initial: 'running',
  entry: [
    emit(({ context }) => propose(context.input)),
    enqueueActions(({ context, enqueue }) => {
      if (context.status === 'running')
        enqueue.emit(broadcast({ type: 'report', r: 1, v: context.x }, true));
    }),
  ],
  states: {
    running: {
      always: [
        { guard: ({ context }) => context.status === 'done', target: 'done' },
        { guard: ({ context }) => context.status === 'gaveUp', target: 'gaveUp' },
      ],
      on: {
        report: { actions: 'step' },
        proposal: { actions: 'step' },
      },
    },
    // Not final states: late messages still arrive, and are ignored.
    done: {},
    gaveUp: {},
  },
});

/** The buffered ballots by round relative to `base`, rounds sorted; senders in arrival order (the waits read it). */
function votesFrom<V>(ballots: readonly Ballot<V>[], base: number): Json {
  const rounds = [...new Set(ballots.map((b) => b.r))].sort((x, y) => x - y);
  return rounds.map((r) => [
    r - base,
    ballots.filter((b) => b.r === r).map((b) => [b.from, b.v]) as Json,
  ]);
}

/**
 * Rounds within this many of roundsMax make the round-relative fingerprint
 * throw: the abstraction is of Ben-Or without the limit (see `abstraction`).
 */
const ROUNDS_MARGIN = 2;

/**
 * The state relative to the lowest round (Protocol.abstraction), for
 * `parley explore`. Ben-Or's rules never read a round's value, only how
 * rounds compare (a message of the current round, of a past one, of a later
 * one buffered; the decider's round + 2 to stop), so shifting every round of
 * a state (contexts, buffered votes, messages in flight, the decided round)
 * by k gives a state with the same futures, shifted: a run that comes back
 * to the same x's, phases and messages a round later is one state, and a
 * schedule that keeps the split for ever is a cycle. The one rule that reads
 * a round is the roundsMax safety limit: the abstraction is of the protocol
 * without it, and to keep every explored run one of that protocol it throws
 * when an agent comes within ROUNDS_MARGIN rounds of roundsMax (raise
 * params.roundsMax). What it leaves out: the parameters (the same in every
 * state of a run) and `input`, read only at the start; a crashed agent's
 * saved decidedRound (persistent) stays absolute in the engine's part of
 * the fingerprint.
 */
const abstraction: ProtocolAbstraction = {
  offset: (context) => (context as BenOrContext).round,
  context(context, base) {
    const c = context as BenOrContext;
    if (c.status === 'running' && c.round + ROUNDS_MARGIN >= c.roundsMax)
      throw new RangeError(
        `ben-or's round-relative fingerprint (parley explore) is of the protocol without its roundsMax limit, and an agent reached round ${c.round} of ${c.roundsMax}: raise params.roundsMax`,
      );
    return [
      c.status,
      c.x,
      c.round - base,
      c.phase,
      [...c.view],
      c.decision,
      c.decision === null ? null : c.decidedRound - base,
      votesFrom(c.reports, base),
      votesFrom(c.proposals, base),
    ];
  },
  message: (event, base) => [
    event['type'] as string,
    (event['r'] as number) - base,
    event['v'] as Json,
    event['from'] as string,
  ],
};

export const benOr: Protocol = {
  name: 'ben-or',
  machine,
  persistent: ['decision', 'decidedRound'],
  params: PARAMS,
  abstraction,
};
