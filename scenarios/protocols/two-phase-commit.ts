/**
 * Two-phase commit (Gray 1978, "Notes on Data Base Operating Systems";
 * Bernstein, Hadzilacos and Goodman, Concurrency Control and Recovery in
 * Database Systems, 1987, §7.4 the protocol, §7.5 the cooperative termination
 * protocol). One coordinator and the other agents as participants.
 *
 * Coordinator: sends prepare to every participant (again every `resendTicks`
 * to those that have not voted), collects the votes, and decides commit iff
 * every participant voted yes; a no vote, or `voteTimeoutTicks` without all
 * votes, makes it decide abort. It then sends the decision to every
 * participant, again every `resendTicks` to those that have not acknowledged
 * it. A coordinator that restarts without a decision on record aborts
 * (nothing was committed without it).
 *
 * Participant: chooses its vote at start and proposes it. A no voter decides
 * abort at once (a unilateral abort) and answers prepare with no. A yes voter
 * answers prepare with yes and is then uncertain: it may not decide on its
 * own, whatever the wait (the blocking property, BHG §7.4), and decides only
 * what the coordinator (or, cooperatively, another participant) tells it.
 * With `cooperative`, an uncertain participant asks the other participants
 * every `decisionTimeoutTicks`; one that knows the outcome tells it; one that
 * has not voted yet aborts and says abort; one that is uncertain too says
 * nothing, so if all are uncertain they all stay blocked. A participant that
 * restarts before it voted yes aborts; one that voted yes is uncertain again.
 *
 * Stable storage: `vote`, `voted` (a yes vote was sent) and `decision`.
 * Decisions are 'commit' or 'abort', for every agent including the
 * coordinator. Proposals are the votes ('yes' / 'no'), so the validity
 * checker does not apply: 2PC's validity is "commit only if every
 * participant voted yes".
 *
 * Parameters (per agent): `PARAMS` below.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { decide, type Effect, propose, random, send, setTimer } from '../../sim/effects.ts';
import { PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { booleanOr, numberOr } from './params.ts';

const PARAMS = {
  role: {
    type: 'enum',
    values: ['coordinator', 'participant'],
    defaultIs: 'coordinator for the agent named by coordinator, participant for the others',
    meaning: 'who runs the commit',
  },
  coordinator: {
    type: 'agent',
    defaultIs: 'the first agent listed',
    meaning: "the coordinator's id",
  },
  vote: {
    type: 'enum',
    values: ['yes', 'no'],
    default: 'yes',
    role: 'participant',
    meaning: "the participant's vote",
  },
  noRatio: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    role: 'participant',
    meaning: "probability that a participant whose vote is not 'no' votes no anyway",
  },
  voteTimeoutTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 50,
    unit: 'ticks',
    role: 'coordinator',
    meaning: "the coordinator's wait for the votes before aborting",
  },
  resendTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    role: 'coordinator',
    meaning: 'period for resending prepare and the decision',
  },
  cooperative: {
    type: 'boolean',
    default: false,
    role: 'participant',
    meaning: 'uncertain participants ask each other',
  },
  decisionTimeoutTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 30,
    unit: 'ticks',
    role: 'participant',
    meaning: "an uncertain participant's wait before (each round of) asking",
  },
} as const satisfies ParamSpecs;

export type Outcome = 'commit' | 'abort';
type Vote = 'yes' | 'no';

/** What the parameters set; fixed for the run. */
interface Config {
  readonly id: string;
  readonly coordinator: boolean;
  readonly participants: readonly string[];
  readonly vote: Vote;
  readonly noRatio: number;
  readonly voteTimeoutTicks: number;
  readonly resendTicks: number;
  readonly cooperative: boolean;
  readonly decisionTimeoutTicks: number;
}

interface Context {
  cfg: Config;
  /** True after a crash: the agent starts from stable storage. */
  restarted: boolean;
  /** Stable. A participant's vote, once chosen. */
  vote: Vote | null;
  /** Stable. The participant sent a yes vote. */
  voted: boolean;
  /** Stable. */
  decision: Outcome | null;
  /** Coordinator: participants that voted yes, and that acknowledged the decision. */
  yes: readonly string[];
  acked: readonly string[];
}

type Event =
  | { type: 'voteTimeout' }
  | { type: 'resend' }
  | { type: 'query' }
  | { type: 'prepare'; from: string }
  | { type: 'vote'; vote: Vote; from: string }
  | { type: 'decision'; outcome: Outcome; from: string }
  | { type: 'ack'; from: string }
  | { type: 'ask'; from: string }
  | { type: 'outcome'; outcome: Outcome; from: string };

function restored<T>(input: AgentInput, key: string, fallback: T): T {
  const r = input.restored;
  return r !== undefined && key in r ? (r[key] as T) : fallback;
}

/** Sends the decision to every participant that has not acknowledged it, and sets the resend timer. */
function announce(context: Context, emitEffect: (e: Effect) => void): void {
  const { decision, acked } = context;
  if (decision === null) return;
  let pending = false;
  for (const p of context.cfg.participants) {
    if (acked.includes(p)) continue;
    emitEffect(send(p, { type: 'decision', outcome: decision }));
    pending = true;
  }
  if (pending) emitEffect(setTimer('resend', context.cfg.resendTicks));
}

/** What both final states do on each event. */
const FINAL = {
  resend: { actions: 'announce' },
  ack: { actions: 'recordAck' },
  decision: { actions: 'ackDecision' },
  prepare: { actions: 'revote' },
  ask: { actions: 'answerAsk' },
} as const;

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  guards: {
    isCoordinator: ({ context }) => context.cfg.coordinator,
    committed: ({ context }) => context.decision === 'commit',
    aborted: ({ context }) => context.decision === 'abort',
    restarted: ({ context }) => context.restarted,
    restartedCoordinator: ({ context }) => context.restarted && context.cfg.coordinator,
    votedYes: ({ context }) => context.voted,
    votesNo: ({ context }) => context.vote === 'no',
    lastYes: ({ context, event }) =>
      event.type === 'vote' &&
      event.vote === 'yes' &&
      !context.yes.includes(event.from) &&
      context.yes.length + 1 >= context.cfg.participants.length,
    yesVote: ({ event }) => event.type === 'vote' && event.vote === 'yes',
    noVote: ({ event }) => event.type === 'vote' && event.vote === 'no',
    toldCommit: ({ event }) =>
      (event.type === 'decision' || event.type === 'outcome') && event.outcome === 'commit',
  },
  actions: {
    /** Coordinator: send the decision to every participant that has not acknowledged it. */
    announce: enqueueActions(({ context, enqueue }) => {
      announce(context, enqueue.emit);
    }),
    decideCommit: enqueueActions(({ enqueue }) => {
      enqueue.assign({ decision: 'commit' });
      enqueue.emit(decide('commit'));
    }),
    decideAbort: enqueueActions(({ enqueue }) => {
      enqueue.assign({ decision: 'abort' });
      enqueue.emit(decide('abort'));
    }),
    announceIfCoordinator: enqueueActions(({ context, enqueue }) => {
      if (context.cfg.coordinator) announce(context, enqueue.emit);
    }),
    recordAck: assign({
      acked: ({ context, event }) => {
        const from = (event as { from: string }).from;
        return context.acked.includes(from) ? context.acked : [...context.acked, from];
      },
    }),
    /** Tell a peer that asks (cooperative termination) the outcome this agent decided. */
    answerAsk: emit(({ context, event }) =>
      send((event as { from: string }).from, {
        type: 'outcome',
        outcome: context.decision ?? 'abort',
      }),
    ),
    ackDecision: emit(({ event }) => send((event as { from: string }).from, { type: 'ack' })),
    revote: emit(({ context, event }) =>
      send((event as { from: string }).from, {
        type: 'vote',
        vote: context.voted ? 'yes' : 'no',
      }),
    ),
    scheduleQuery: enqueueActions(({ context, enqueue }) => {
      if (context.cfg.cooperative)
        enqueue.emit(setTimer('query', context.cfg.decisionTimeoutTicks));
    }),
  },
}).createMachine({
  id: 'two-phase-commit',
  context: ({ input }) => {
    const coordinatorId = String(input.params['coordinator'] ?? input.agents[0] ?? '');
    const role = input.params['role'];
    return {
      cfg: {
        id: input.id,
        coordinator: role === undefined ? input.id === coordinatorId : role === 'coordinator',
        participants: input.agents.filter((id) => id !== coordinatorId),
        vote: input.params['vote'] === 'no' ? 'no' : PARAMS.vote.default,
        noRatio: numberOr(input.params['noRatio'], PARAMS.noRatio.default),
        voteTimeoutTicks: numberOr(
          input.params['voteTimeoutTicks'],
          PARAMS.voteTimeoutTicks.default,
        ),
        resendTicks: numberOr(input.params['resendTicks'], PARAMS.resendTicks.default),
        cooperative: booleanOr(input.params['cooperative'], PARAMS.cooperative.default),
        decisionTimeoutTicks: numberOr(
          input.params['decisionTimeoutTicks'],
          PARAMS.decisionTimeoutTicks.default,
        ),
      },
      restarted: input.restored !== undefined,
      vote: restored<Vote | null>(input, 'vote', null),
      voted: restored(input, 'voted', false),
      decision: restored<Outcome | null>(input, 'decision', null),
      yes: [],
      acked: [],
    };
  },
  initial: 'boot',
  states: {
    boot: {
      always: [
        // Restarts: resume from stable storage.
        { guard: 'committed', target: 'committed' },
        { guard: 'aborted', target: 'aborted' },
        // A coordinator with no decision on record presumes abort.
        { guard: 'restartedCoordinator', target: 'aborted', actions: 'decideAbort' },
        { guard: 'isCoordinator', target: 'collecting' },
        // A participant that voted yes is uncertain again; one that had not voted aborts.
        { guard: 'votedYes', target: 'uncertain' },
        { guard: 'restarted', target: 'aborted', actions: 'decideAbort' },
        { target: 'choosing' },
      ],
    },
    choosing: {
      entry: [
        assign({
          vote: ({ context }) =>
            context.cfg.vote === 'no' || (context.cfg.noRatio > 0 && random() < context.cfg.noRatio)
              ? 'no'
              : 'yes',
        }),
        emit(({ context }) => propose(context.vote)),
      ],
      always: [
        { guard: 'votesNo', target: 'aborted', actions: 'decideAbort' },
        { target: 'working' },
      ],
    },
    collecting: {
      entry: [
        enqueueActions(({ context, enqueue }) => {
          for (const p of context.cfg.participants) enqueue.emit(send(p, { type: 'prepare' }));
        }),
        emit(({ context }) => setTimer('voteTimeout', context.cfg.voteTimeoutTicks)),
        emit(({ context }) => setTimer('resend', context.cfg.resendTicks)),
      ],
      on: {
        vote: [
          { guard: 'lastYes', target: 'committed', actions: 'decideCommit' },
          {
            guard: 'yesVote',
            actions: assign({
              yes: ({ context, event }) =>
                context.yes.includes(event.from) ? context.yes : [...context.yes, event.from],
            }),
          },
          { guard: 'noVote', target: 'aborted', actions: 'decideAbort' },
        ],
        voteTimeout: { target: 'aborted', actions: 'decideAbort' },
        resend: {
          actions: enqueueActions(({ context, enqueue }) => {
            for (const p of context.cfg.participants)
              if (!context.yes.includes(p)) enqueue.emit(send(p, { type: 'prepare' }));
            enqueue.emit(setTimer('resend', context.cfg.resendTicks));
          }),
        },
      },
    },
    working: {
      on: {
        prepare: {
          target: 'uncertain',
          actions: [
            assign({ voted: true }),
            emit(({ event }) => send(event.from, { type: 'vote', vote: 'yes' })),
          ],
        },
        decision: [
          { guard: 'toldCommit', target: 'committed', actions: ['decideCommit', 'ackDecision'] },
          { target: 'aborted', actions: ['decideAbort', 'ackDecision'] },
        ],
        // Cooperative termination: not having voted, it may abort, and says so.
        ask: {
          target: 'aborted',
          actions: [
            'decideAbort',
            emit(({ event }) => send(event.from, { type: 'outcome', outcome: 'abort' })),
          ],
        },
      },
    },
    uncertain: {
      entry: 'scheduleQuery',
      on: {
        prepare: { actions: 'revote' },
        decision: [
          { guard: 'toldCommit', target: 'committed', actions: ['decideCommit', 'ackDecision'] },
          { target: 'aborted', actions: ['decideAbort', 'ackDecision'] },
        ],
        outcome: [
          { guard: 'toldCommit', target: 'committed', actions: 'decideCommit' },
          { target: 'aborted', actions: 'decideAbort' },
        ],
        query: {
          actions: [
            enqueueActions(({ context, enqueue }) => {
              for (const p of context.cfg.participants)
                if (p !== context.cfg.id) enqueue.emit(send(p, { type: 'ask' }));
            }),
            'scheduleQuery',
          ],
        },
      },
    },
    // Final states of both roles: the coordinator keeps announcing, a
    // participant keeps acknowledging and answering.
    committed: { entry: 'announceIfCoordinator', on: FINAL },
    aborted: { entry: 'announceIfCoordinator', on: FINAL },
  },
});

export const twoPhaseCommit: Protocol = {
  name: 'two-phase-commit',
  machine,
  persistent: ['vote', 'voted', 'decision'],
  params: PARAMS,
};
