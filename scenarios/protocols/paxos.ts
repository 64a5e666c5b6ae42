/**
 * Single-decree Paxos (Lamport, "Paxos Made Simple", ACM SIGACT News 32(4),
 * 2001, §2). Every agent plays all three roles: proposer, acceptor and
 * learner (`proposer: false` leaves an agent acceptor and learner only).
 *
 * Proposer: ballots are unique per agent, `round * n + index` with n agents.
 * After a random start delay it sends prepare(b) to every agent, itself
 * included (phase 1a); once a quorum of distinct acceptors promised b, it
 * proposes the value of the highest-ballot proposal among the promises, or
 * its own input if none carried one, with accept(b, v) to every agent
 * (phase 2a). If it has not learned a decision `retryTicks` plus a random
 * backoff after starting a ballot, it starts a higher one, above every ballot
 * a rejection (nack) told it of. Its round is stable storage, so a restarted
 * proposer never reuses a ballot (§2.2: "a proposer ... remembers the
 * highest-numbered proposal it has tried to issue").
 *
 * Acceptor: promises b, and answers with its accepted proposal, iff b is at
 * least every ballot it promised (phase 1b); accepts (b, v) iff b is at least
 * every ballot it promised (phase 2b) and then tells every learner with
 * accepted(b, v), and holds v. Otherwise it answers nack(b, promised).
 * ("At least" rather than Lamport's "greater than" for prepare only makes a
 * duplicated prepare get the same answer again.) `promised`,
 * `acceptedBallot` and `acceptedValue` are stable storage; the engine saves
 * the context as it was after the last step, so they are on disk before any
 * reply leaves.
 *
 * Learner: decides v once a quorum of distinct acceptors accepted the same
 * ballot b (each ballot carries one value). `decided` and `decision` are
 * stable storage, so a restarted agent never decides twice. A decided agent
 * answers a prepare with decided(v) instead of a promise, which is how
 * a learner that missed the accepted messages (lost, or it was down) learns
 * the chosen value (§2.3: learners may be told by other learners).
 * Duplicates and stale messages are ignored: promises and acceptances are
 * counted as sets of acceptors per ballot, and old ballots are refused.
 *
 * Parameters (per agent): `PARAMS` below.
 *
 * Defaults suit latencies up to 10 ticks: with no loss and no faults the
 * agent with the highest first-round ballot is decided by every agent within
 * startTicksMax + 4 latencies, before anyone retries (retryTicks >
 * startTicksMax + 3 latencies). Byzantine agents are not modelled: `honest`
 * is ignored.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import {
  broadcast,
  cancelTimer,
  decide,
  type Effect,
  hold,
  propose,
  randomInt,
  send,
  setTimer,
} from '../../sim/effects.ts';
import { PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import {
  AGENTS_MAX,
  type AgentInput,
  type Json,
  type ParamSpecs,
  type Protocol,
} from '../../sim/spec.ts';
import { booleanOr, numberOr } from './params.ts';

const PARAMS = {
  input: { type: 'json', defaultIs: "the agent's id", meaning: 'the value the agent proposes' },
  proposer: { type: 'boolean', default: true, meaning: 'whether the agent proposes' },
  quorum: {
    type: 'integer',
    min: 1,
    max: AGENTS_MAX,
    defaultIs: 'floor(n / 2) + 1',
    unit: 'acceptors',
    meaning: 'acceptors needed for a promise or a decision',
  },
  startTicksMax: {
    type: 'integer',
    min: 0,
    max: PARAM_TICKS_MAX,
    default: 20,
    unit: 'ticks',
    meaning: 'the first ballot starts after a uniform delay in [0, startTicksMax]',
  },
  retryTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 60,
    unit: 'ticks',
    meaning: 'wait after starting a ballot before trying a higher one, if undecided',
  },
  backoffTicksMax: {
    type: 'integer',
    min: 0,
    max: PARAM_TICKS_MAX,
    default: 30,
    unit: 'ticks',
    meaning: 'a uniform extra in [0, backoffTicksMax] added to each retry',
  },
} as const satisfies ParamSpecs;

/** No ballot: below every real ballot (real ballots are at least n). */
export const NO_BALLOT = -1;

/** The acceptors that accepted one ballot, as a learner counts them. */
interface Tally {
  readonly b: number;
  readonly who: readonly string[];
}

/** What the parameters set; fixed for the run. */
interface Config {
  readonly n: number;
  readonly index: number;
  readonly quorum: number;
  readonly input: Json;
  readonly proposer: boolean;
  /** Started again after a crash (its input is on record already). */
  readonly restarted: boolean;
  readonly startTicksMax: number;
  readonly retryTicks: number;
  readonly backoffTicksMax: number;
}

/** Kept flat and short: xstate copies the context on every assign. */
interface Context {
  cfg: Config;
  // Proposer.
  /** Stable: the last round this agent started. */
  round: number;
  /** The ballot being run, NO_BALLOT before the first. */
  ballot: number;
  /** Acceptors that promised `ballot`. */
  promisers: readonly string[];
  /** The highest accepted ballot reported in those promises, and its value. */
  bestBallot: number;
  bestValue: Json;
  /** The highest ballot a nack reported. */
  seen: number;
  // Acceptor (all stable).
  promised: number;
  acceptedBallot: number;
  acceptedValue: Json;
  // Learner.
  tallies: readonly Tally[];
  /** Stable. */
  decided: boolean;
  /** Stable. */
  decision: Json;
}

type Event =
  | { type: 'start' }
  | { type: 'retry' }
  | { type: 'prepare'; b: number; from: string }
  | { type: 'promise'; b: number; ab: number; av: Json; from: string }
  | { type: 'accept'; b: number; v: Json; from: string }
  | { type: 'accepted'; b: number; v: Json; from: string }
  | { type: 'nack'; b: number; promised: number; from: string }
  | { type: 'decided'; v: Json; from: string };

/** Whether adding `from` to the tally of ballot `b` reaches the quorum. */
function reachesQuorum(c: Context, b: number, from: string): boolean {
  const t = c.tallies.find((x) => x.b === b);
  if (t === undefined) return c.cfg.quorum <= 1;
  return !t.who.includes(from) && t.who.length + 1 >= c.cfg.quorum;
}

/** The tallies with `from` counted for ballot `b`. */
function counted(tallies: readonly Tally[], b: number, from: string): readonly Tally[] {
  const i = tallies.findIndex((x) => x.b === b);
  if (i < 0) return [...tallies, { b, who: [from] }];
  const t = tallies[i] as Tally;
  if (t.who.includes(from)) return tallies;
  const out = tallies.slice();
  out[i] = { b, who: [...t.who, from] };
  return out;
}

function restored<T>(input: AgentInput, key: string, fallback: T): T {
  const r = input.restored;
  return r !== undefined && key in r ? (r[key] as T) : fallback;
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  guards: {
    isDecided: ({ context }) => context.decided,
    isProposer: ({ context }) => context.cfg.proposer,
    freshPromise: ({ context, event }) =>
      event.type === 'promise' &&
      event.b === context.ballot &&
      !context.promisers.includes(event.from),
    promiseQuorum: ({ context, event }) =>
      event.type === 'promise' &&
      event.b === context.ballot &&
      !context.promisers.includes(event.from) &&
      context.promisers.length + 1 >= context.cfg.quorum,
    canPromise: ({ context, event }) => event.type === 'prepare' && event.b >= context.promised,
    canAccept: ({ context, event }) => event.type === 'accept' && event.b >= context.promised,
    learns: ({ context, event }) =>
      event.type === 'accepted' && !context.decided && reachesQuorum(context, event.b, event.from),
    undecided: ({ context }) => !context.decided,
  },
  actions: {
    countPromise: assign(({ context, event }) => {
      if (event.type !== 'promise') return {};
      const better = event.ab > context.bestBallot;
      return {
        promisers: [...context.promisers, event.from],
        bestBallot: better ? event.ab : context.bestBallot,
        bestValue: better ? event.av : context.bestValue,
      };
    }),
  },
}).createMachine({
  id: 'paxos',
  context: ({ input }) => {
    const n = input.agents.length;
    return {
      cfg: {
        n,
        index: input.index,
        quorum: numberOr(input.params['quorum'], Math.floor(n / 2) + 1),
        input: input.params['input'] ?? input.id,
        proposer: booleanOr(input.params['proposer'], PARAMS.proposer.default),
        restarted: input.restored !== undefined,
        startTicksMax: numberOr(input.params['startTicksMax'], PARAMS.startTicksMax.default),
        retryTicks: numberOr(input.params['retryTicks'], PARAMS.retryTicks.default),
        backoffTicksMax: numberOr(input.params['backoffTicksMax'], PARAMS.backoffTicksMax.default),
      },
      round: restored(input, 'round', 0),
      ballot: NO_BALLOT,
      promisers: [],
      bestBallot: NO_BALLOT,
      bestValue: null,
      seen: NO_BALLOT,
      promised: restored(input, 'promised', NO_BALLOT),
      acceptedBallot: restored(input, 'acceptedBallot', NO_BALLOT),
      acceptedValue: restored<Json>(input, 'acceptedValue', null),
      tallies: [],
      decided: restored(input, 'decided', false),
      decision: restored<Json>(input, 'decision', null),
    };
  },
  entry: enqueueActions(({ context, enqueue }) => {
    if (!context.cfg.restarted) enqueue.emit(propose(context.cfg.input));
  }),
  initial: 'boot',
  on: {
    // Acceptor, phase 1b and 2b.
    prepare: [
      {
        guard: 'canPromise',
        actions: [
          assign({ promised: ({ event }) => event.b }),
          emit(({ context, event }) =>
            send(event.from, {
              type: 'promise',
              b: event.b,
              ab: context.acceptedBallot,
              av: context.acceptedValue,
            }),
          ),
        ],
      },
      {
        actions: emit(({ context, event }) =>
          send(event.from, { type: 'nack', b: event.b, promised: context.promised }),
        ),
      },
    ],
    accept: [
      {
        guard: 'canAccept',
        actions: enqueueActions(({ context, event, enqueue }) => {
          const changed =
            context.acceptedBallot === NO_BALLOT ||
            JSON.stringify(context.acceptedValue) !== JSON.stringify(event.v);
          enqueue.assign({ promised: event.b, acceptedBallot: event.b, acceptedValue: event.v });
          enqueue.emit(broadcast({ type: 'accepted', b: event.b, v: event.v }, true));
          if (changed) enqueue.emit(hold(event.v));
        }),
      },
      {
        actions: emit(({ context, event }) =>
          send(event.from, { type: 'nack', b: event.b, promised: context.promised }),
        ),
      },
    ],
    // Learner.
    accepted: [
      {
        guard: 'learns',
        target: '.decided',
        actions: [
          assign({ decided: true, decision: ({ event }) => event.v, tallies: [] }),
          emit(({ event }) => decide(event.v)),
          emit(cancelTimer('retry')),
        ],
      },
      {
        guard: 'undecided',
        actions: assign({
          tallies: ({ context, event }) => counted(context.tallies, event.b, event.from),
        }),
      },
    ],
    decided: {
      guard: 'undecided',
      target: '.decided',
      actions: [
        assign({ decided: true, decision: ({ event }) => event.v, tallies: [] }),
        emit(({ event }) => decide(event.v)),
        emit(cancelTimer('retry')),
      ],
    },
    // Proposer: remember how high the competition went.
    nack: {
      actions: assign({ seen: ({ context, event }) => Math.max(context.seen, event.promised) }),
    },
  },
  states: {
    boot: {
      always: [
        { guard: 'isDecided', target: 'decided' },
        {
          guard: 'isProposer',
          target: 'idle',
          actions: emit(({ context }) =>
            setTimer('start', randomInt(0, context.cfg.startTicksMax)),
          ),
        },
        { target: 'idle' },
      ],
    },
    idle: {
      on: { start: 'preparing' },
    },
    preparing: {
      entry: [
        assign(({ context }) => {
          const round = Math.max(context.round + 1, Math.floor(context.seen / context.cfg.n) + 1);
          return {
            round,
            ballot: round * context.cfg.n + context.cfg.index,
            promisers: [],
            bestBallot: NO_BALLOT,
            bestValue: null,
          };
        }),
        emit(({ context }) => broadcast({ type: 'prepare', b: context.ballot }, true)),
        emit(({ context }) =>
          setTimer('retry', context.cfg.retryTicks + randomInt(0, context.cfg.backoffTicksMax)),
        ),
      ],
      on: {
        promise: [
          { guard: 'promiseQuorum', target: 'accepting', actions: 'countPromise' },
          { guard: 'freshPromise', actions: 'countPromise' },
        ],
        retry: { target: 'preparing', reenter: true },
      },
    },
    accepting: {
      entry: emit(({ context }) =>
        broadcast(
          {
            type: 'accept',
            b: context.ballot,
            v: context.bestBallot === NO_BALLOT ? context.cfg.input : context.bestValue,
          },
          true,
        ),
      ),
      on: {
        retry: 'preparing',
      },
    },
    decided: {
      on: {
        // Tell a proposer that is still trying what was chosen.
        prepare: {
          actions: emit(({ context, event }) =>
            send(event.from, { type: 'decided', v: context.decision }),
          ),
        },
      },
    },
  },
});

export const paxos: Protocol = {
  name: 'paxos',
  machine,
  persistent: ['round', 'promised', 'acceptedBallot', 'acceptedValue', 'decided', 'decision'],
  params: PARAMS,
};
