/**
 * Three-phase commit (Skeen 1981, "Nonblocking commit protocols", SIGMOD;
 * Bernstein, Hadzilacos and Goodman, Concurrency Control and Recovery in
 * Database Systems, 1987, ch. 7, §7.5 the protocol and its termination
 * protocol), with the termination protocol run in numbered ballots over
 * majorities of the participants (Skeen 1982, "A quorum-based commit
 * protocol"; Keidar and Dolev 1998, "Increasing the resilience of
 * distributed and replicated database systems", E3PC) so that lost messages
 * cannot make it unsafe. One coordinator and the other agents as
 * participants, crash failures; the mitigation of 2PC's blocking.
 *
 * Coordinator: sends canCommit? to every participant (again every
 * `resendTicks` to those that have not voted). A no vote, or
 * `voteTimeoutTicks` without every vote, makes it decide abort. With every
 * vote yes it sends preCommit (ballot 0, again every `resendTicks` to those
 * that have not acknowledged) and waits for the acknowledgements: it decides
 * commit when every participant acknowledged, or, after `ackTimeoutTicks`, as
 * soon as a majority of participants has (BHG §7.5: the coordinator ignores
 * participants that fail to acknowledge). It sends the decision (doCommit or
 * abort) to everyone once: an agent that decided answers every later
 * message of the protocol with its decision, so one that missed it learns it
 * when it asks again (a coordinator by resending, a participant as backup).
 * A coordinator that restarts without a decision aborts if it had not sent
 * preCommit (nothing can have committed), else it resumes waiting for
 * acknowledgements.
 *
 * Participant: chooses its vote at start and proposes it. A no voter decides
 * abort at once; a participant that hears no canCommit? within
 * `decisionTimeoutTicks` aborts on its own (it has not voted yes). A yes voter
 * is uncertain until preCommit makes it precommitted; it then waits for the
 * decision. If it waits `decisionTimeoutTicks + rank × staggerTicks` (rank:
 * its position among the participants, from 0) without hearing from a
 * coordinator, it runs the termination protocol as the backup coordinator,
 * with its own ballot b (ballots rank + 1, rank + 1 + n, … for n
 * participants; 0 is the coordinator's). The stagger elects the first
 * participant as backup; the others defer to it (they restart their wait on
 * each message of a ballot they join), and take over in rank order if it
 * fails too. The backup:
 *  1. asks every agent for its state (ballot b); a participant joins ballot b
 *     unless it joined a higher one, and reports what it last accepted
 *     (precommitted or preaborted, with the ballot); one that never voted
 *     aborts and says so; one that decided says what;
 *  2. with replies from a majority of participants (itself included): if one
 *     decided, it decides the same; else it proposes the value accepted in
 *     the highest ballot among them, and abort if none accepted anything.
 *     While only the coordinator's ballot exists this is Skeen's rule:
 *     commit if some participant is precommitted, abort if all are uncertain
 *     (and abort if one aborted, which it reports in step 1);
 *  3. sends preCommit or preAbort (ballot b) to the participants and decides
 *     when a majority of participants accepted it, then tells everyone.
 * A participant that learns of a higher ballot gives up its own. So, when
 * the coordinator fails, a participant that voted yes and times out before
 * preCommit reached anyone in its majority ends in abort, and a precommitted
 * one that times out first ends in commit (it counts its own state): the
 * simple 3PC timeout rules, reached through a majority.
 *
 * Assumptions and what they buy. Skeen's 3PC lets each backup decide from the
 * states of the participants that are up, which is correct when timeouts
 * detect crashes exactly (a synchronous system without message loss); it is
 * not safe under partitions (nor under loss, which a timeout cannot tell from
 * a partition): two sides decide differently. The ballots and majorities here
 * are Paxos's (Lamport 1998): a value is decided only when a majority of
 * participants accepted it in one ballot, and a later ballot proposes that
 * value, so agreement, integrity and "commit only if every participant voted
 * yes" hold under any loss, duplication, delay, crash and restart, whatever
 * the timeouts. The price: it decides only while a majority of participants
 * is up and connected, and timeouts shorter than the coordinator's round make
 * participants abort transactions a live coordinator would have committed.
 * Every agent decides at most once, and every agent that is up decides once
 * a majority of participants is up and messages get through.
 *
 * Stable storage: `vote`, `voted` (a yes vote was sent), `decision`,
 * `promised` (the highest ballot joined), `accepted` (ballot and value last
 * accepted), `precommitSent` (coordinator). Decisions are 'commit' or
 * 'abort', for every agent including the coordinator; proposals are the
 * votes ('yes' / 'no'). A backup records `note({ leader: ballot })`.
 *
 * Parameters (per agent): `PARAMS` below.
 */
import { and, assign, enqueueActions, setup } from 'xstate';
import {
  broadcast,
  decide,
  type Effect,
  note,
  propose,
  random,
  send,
  setTimer,
} from '../../sim/effects.ts';
import { PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

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
  ackTimeoutTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 30,
    unit: 'ticks',
    role: 'coordinator',
    meaning: 'wait for every preCommit acknowledgement before committing on a majority',
  },
  resendTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    meaning: "period for resending canCommit?, preCommit, and a backup's requests",
  },
  decisionTimeoutTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 30,
    unit: 'ticks',
    role: 'participant',
    meaning: 'wait for canCommit?, for preCommit and for the decision',
  },
  staggerTicks: {
    type: 'integer',
    min: 0,
    // Multiplied by the rank (up to 100,000): the product stays a tick count.
    max: 1000,
    default: 10,
    unit: 'ticks',
    role: 'participant',
    meaning: 'extra wait per participant rank before taking over as backup',
  },
} as const satisfies ParamSpecs;

export type Outcome = 'commit' | 'abort';
type Vote = 'yes' | 'no';
/** A participant's last accepted proposal: preCommit (commit) or preAbort (abort) of a ballot. */
type Accepted = { ballot: number; value: Outcome };

/** What the parameters set; fixed for the run. */
interface Config {
  readonly id: string;
  readonly coordinator: boolean;
  readonly coordinatorId: string;
  readonly participants: readonly string[];
  /** Position among the participants, from 0 (-1 for the coordinator). */
  readonly rank: number;
  /** A majority of the participants. */
  readonly quorum: number;
  readonly vote: Vote;
  readonly noRatio: number;
  readonly voteTimeoutTicks: number;
  readonly ackTimeoutTicks: number;
  readonly resendTicks: number;
  readonly decisionTimeoutTicks: number;
  readonly staggerTicks: number;
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
  /** Stable. Highest ballot this participant joined (0: the coordinator's). */
  promised: number;
  /** Stable. What this participant last accepted. */
  accepted: Accepted | null;
  /** Stable. The coordinator sent preCommit. */
  precommitSent: boolean;
  /** Highest ballot heard of (a backup's next ballot exceeds it). */
  ballotSeen: number;
  /** Coordinator: participants that voted yes. */
  yes: readonly string[];
  /** Coordinator and backup: participants that acknowledged this agent's ballot. */
  acks: readonly string[];
  /** Coordinator: `ackTimeoutTicks` passed. */
  ackTimedOut: boolean;
  /** Backup: its ballot, the participants that reported their state, the highest accepted among them, and its proposal. */
  ballot: number;
  replies: readonly string[];
  best: Accepted | null;
  proposal: Outcome;
}

type Event =
  | { type: 'timeout' }
  | { type: 'resend' }
  | { type: 'voteTimeout' }
  | { type: 'ackTimeout' }
  | { type: 'canCommit'; from: string }
  | { type: 'vote'; vote: Vote; from: string }
  | { type: 'preCommit'; ballot: number; from: string }
  | { type: 'preAbort'; ballot: number; from: string }
  | { type: 'ack'; ballot: number; from: string }
  | { type: 'nack'; ballot: number; promised: number; from: string }
  | { type: 'stateReq'; ballot: number; from: string }
  | { type: 'state'; ballot: number; accepted: Accepted | null; from: string }
  | { type: 'decision'; outcome: Outcome; from: string };

type Enqueue = (e: Effect) => void;

function restored<T>(input: AgentInput, key: string, fallback: T): T {
  const r = input.restored;
  return r !== undefined && key in r ? (r[key] as T) : fallback;
}

function fromOf(event: Event): string {
  return (event as { from: string }).from;
}

function ballotOf(event: Event): number {
  return (event as { ballot: number }).ballot;
}

function added(list: readonly string[], id: string): readonly string[] {
  return list.includes(id) ? list : [...list, id];
}

/** The later of two accepted proposals (by ballot). */
function later(a: Accepted | null, b: Accepted | null): Accepted | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.ballot > a.ballot ? b : a;
}

/** This participant's smallest ballot above every ballot it has heard of. */
function nextBallot(context: Context): number {
  const n = context.cfg.participants.length;
  const floor = Math.max(context.promised, context.ballotSeen);
  let b = context.cfg.rank + 1;
  if (b <= floor) b += Math.ceil((floor - b + 1) / n) * n;
  return b;
}

/** Every other participant. */
function others(context: Context): string[] {
  return context.cfg.participants.filter((p) => p !== context.cfg.id);
}

function waitTicks(context: Context): number {
  return context.cfg.decisionTimeoutTicks + context.cfg.rank * context.cfg.staggerTicks;
}

function preType(value: Outcome): 'preCommit' | 'preAbort' {
  return value === 'commit' ? 'preCommit' : 'preAbort';
}

/** Decide `outcome` (the caller moves to the final state). */
function decideOutcome(
  outcome: Outcome,
  enqueue: { assign: (a: Partial<Context>) => void; emit: Enqueue },
  announce: boolean,
): void {
  enqueue.assign({ decision: outcome });
  enqueue.emit(decide(outcome));
  if (announce) enqueue.emit(broadcast({ type: 'decision', outcome }));
}

/** The transitions on a decision heard from another agent. */
const ADOPT = [
  { guard: 'toldCommit', target: 'committed', actions: 'decideCommit' },
  { target: 'aborted', actions: 'decideAbort' },
] as const;

/** The coordinator adopts a decision it hears (a no voter answers canCommit? with its abort) and tells everyone. */
const ADOPT_AND_ANNOUNCE = [
  { guard: 'toldCommit', target: 'committed', actions: 'announceCommit' },
  { target: 'aborted', actions: 'announceAbort' },
] as const;

/**
 * How an undecided participant that voted yes treats the messages of
 * ballots, in every state, backups included: it joins or accepts a ballot at
 * least as high as the one it joined, and refuses a lower one.
 */
const ACCEPTOR = {
  canCommit: { actions: 'revoteYes' },
  stateReq: [{ guard: 'ballotOk', target: 'follow', actions: 'joinBallot' }, { actions: 'refuse' }],
  preCommit: [{ guard: 'ballotOk', target: 'follow', actions: 'acceptPre' }, { actions: 'refuse' }],
  preAbort: [{ guard: 'ballotOk', target: 'follow', actions: 'acceptPre' }, { actions: 'refuse' }],
  nack: { actions: 'noteOutbid' },
  decision: ADOPT,
} as const;

/** A participant waiting for a coordinator: after its wait it takes over as backup. */
const WAITING = {
  entry: 'waitForCoordinator',
  on: { ...ACCEPTOR, timeout: { target: 'querying' } },
} as const;

/** Final states: tell whoever asks or answers what was decided. */
const FINAL = {
  on: {
    canCommit: { actions: 'tellDecision' },
    vote: { actions: 'tellDecision' },
    preCommit: { actions: 'tellDecision' },
    preAbort: { actions: 'tellDecision' },
    ack: { actions: 'tellDecision' },
    nack: { actions: 'tellDecision' },
    stateReq: { actions: 'tellDecision' },
    state: { actions: 'tellDecision' },
  },
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
    resumesPrecommit: ({ context }) =>
      context.restarted && context.cfg.coordinator && context.precommitSent,
    restartedCoordinator: ({ context }) => context.restarted && context.cfg.coordinator,
    votedYes: ({ context }) => context.voted,
    votesNo: ({ context }) => context.vote === 'no',
    acceptedCommit: ({ context }) => context.accepted?.value === 'commit',
    acceptedAbort: ({ context }) => context.accepted?.value === 'abort',
    lastYes: ({ context, event }) =>
      event.type === 'vote' &&
      event.vote === 'yes' &&
      !context.yes.includes(event.from) &&
      context.yes.length + 1 >= context.cfg.participants.length,
    yesVote: ({ event }) => event.type === 'vote' && event.vote === 'yes',
    noVote: ({ event }) => event.type === 'vote' && event.vote === 'no',
    toldCommit: ({ event }) => event.type === 'decision' && event.outcome === 'commit',
    /** The message's ballot is one this participant may join: it joined none higher. */
    ballotOk: ({ context, event }) => ballotOf(event) >= context.promised,
    /** The coordinator may commit: every participant acknowledged, or a majority after the ack timeout. */
    mayCommit: ({ context }) =>
      context.acks.length >= context.cfg.participants.length ||
      (context.ackTimedOut && context.acks.length >= context.cfg.quorum),
    ackOfZero: ({ event }) => event.type === 'ack' && event.ballot === 0,
    quorumReplies: ({ context }) => context.replies.length >= context.cfg.quorum,
    quorumAcks: ({ context }) => context.acks.length >= context.cfg.quorum,
    proposesCommit: ({ context }) => context.proposal === 'commit',
    /** A participant refused this backup's ballot: it joined a higher one. */
    outbid: ({ context, event }) =>
      event.type === 'nack' && event.ballot === context.ballot && event.promised > context.ballot,
    ownBallot: ({ context, event }) => ballotOf(event) === context.ballot,
  },
  actions: {
    decideCommit: enqueueActions(({ enqueue }) => decideOutcome('commit', enqueue, false)),
    decideAbort: enqueueActions(({ enqueue }) => decideOutcome('abort', enqueue, false)),
    announceCommit: enqueueActions(({ enqueue }) => decideOutcome('commit', enqueue, true)),
    announceAbort: enqueueActions(({ enqueue }) => decideOutcome('abort', enqueue, true)),
    tellDecision: enqueueActions(({ context, event, enqueue }) => {
      if (context.decision !== null)
        enqueue.emit(send(fromOf(event), { type: 'decision', outcome: context.decision }));
    }),
    /** A participant that has not voted yes aborts when a backup asks, and says so. */
    abortAndTell: enqueueActions(({ event, enqueue }) => {
      decideOutcome('abort', enqueue, false);
      enqueue.emit(send(fromOf(event), { type: 'decision', outcome: 'abort' }));
    }),
    revoteYes: enqueueActions(({ event, enqueue }) => {
      enqueue.emit(send(fromOf(event), { type: 'vote', vote: 'yes' }));
    }),
    waitForCoordinator: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(setTimer('timeout', waitTicks(context)));
    }),
    /** Join the asker's ballot and report what this participant last accepted. */
    joinBallot: enqueueActions(({ context, event, enqueue }) => {
      const ballot = ballotOf(event);
      enqueue.assign({ promised: ballot, ballotSeen: Math.max(context.ballotSeen, ballot) });
      enqueue.emit(send(fromOf(event), { type: 'state', ballot, accepted: context.accepted }));
    }),
    /** Accept a preCommit or preAbort and acknowledge it. */
    acceptPre: enqueueActions(({ context, event, enqueue }) => {
      const ballot = ballotOf(event);
      const value: Outcome = event.type === 'preCommit' ? 'commit' : 'abort';
      enqueue.assign({
        promised: ballot,
        accepted: { ballot, value },
        ballotSeen: Math.max(context.ballotSeen, ballot),
      });
      enqueue.emit(send(fromOf(event), { type: 'ack', ballot }));
    }),
    /** Refuse a ballot lower than the one joined, saying which. */
    refuse: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(fromOf(event), { type: 'nack', ballot: ballotOf(event), promised: context.promised }),
      );
    }),
    noteOutbid: assign({
      ballotSeen: ({ context, event }) =>
        event.type === 'nack' ? Math.max(context.ballotSeen, event.promised) : context.ballotSeen,
    }),
  },
}).createMachine({
  id: 'three-phase-commit',
  context: ({ input }) => {
    const coordinatorId = String(input.params['coordinator'] ?? input.agents[0] ?? '');
    const role = input.params['role'];
    const participants = input.agents.filter((id) => id !== coordinatorId);
    return {
      cfg: {
        id: input.id,
        coordinator: role === undefined ? input.id === coordinatorId : role === 'coordinator',
        coordinatorId,
        participants,
        rank: participants.indexOf(input.id),
        quorum: Math.floor(participants.length / 2) + 1,
        vote: input.params['vote'] === 'no' ? 'no' : PARAMS.vote.default,
        noRatio: numberOr(input.params['noRatio'], PARAMS.noRatio.default),
        voteTimeoutTicks: numberOr(
          input.params['voteTimeoutTicks'],
          PARAMS.voteTimeoutTicks.default,
        ),
        ackTimeoutTicks: numberOr(input.params['ackTimeoutTicks'], PARAMS.ackTimeoutTicks.default),
        resendTicks: numberOr(input.params['resendTicks'], PARAMS.resendTicks.default),
        decisionTimeoutTicks: numberOr(
          input.params['decisionTimeoutTicks'],
          PARAMS.decisionTimeoutTicks.default,
        ),
        staggerTicks: numberOr(input.params['staggerTicks'], PARAMS.staggerTicks.default),
      },
      restarted: input.restored !== undefined,
      vote: restored<Vote | null>(input, 'vote', null),
      voted: restored(input, 'voted', false),
      decision: restored<Outcome | null>(input, 'decision', null),
      promised: restored(input, 'promised', 0),
      accepted: restored<Accepted | null>(input, 'accepted', null),
      precommitSent: restored(input, 'precommitSent', false),
      ballotSeen: 0,
      yes: [],
      acks: [],
      ackTimedOut: false,
      ballot: 0,
      replies: [],
      best: null,
      proposal: 'abort',
    };
  },
  initial: 'boot',
  states: {
    boot: {
      always: [
        // Restarts: resume from stable storage.
        { guard: 'committed', target: 'committed' },
        { guard: 'aborted', target: 'aborted' },
        // A coordinator that sent preCommit may not presume abort: it collects acknowledgements again.
        { guard: 'resumesPrecommit', target: 'precommitting' },
        // One that had not sent it presumes abort: nothing can have committed.
        { guard: 'restartedCoordinator', target: 'aborted', actions: 'announceAbort' },
        { guard: 'isCoordinator', target: 'collecting' },
        // A participant that voted yes waits again; one that had not voted aborts.
        { guard: 'votedYes', target: 'follow' },
        { guard: 'restarted', target: 'aborted', actions: 'decideAbort' },
        { target: 'choosing' },
      ],
    },

    // ---- coordinator ----------------------------------------------------------

    collecting: {
      entry: enqueueActions(({ context, enqueue }) => {
        for (const p of context.cfg.participants) enqueue.emit(send(p, { type: 'canCommit' }));
        enqueue.emit(setTimer('voteTimeout', context.cfg.voteTimeoutTicks));
        enqueue.emit(setTimer('resend', context.cfg.resendTicks));
      }),
      on: {
        vote: [
          {
            guard: 'lastYes',
            target: 'precommitting',
            actions: assign({ yes: ({ context, event }) => added(context.yes, event.from) }),
          },
          {
            guard: 'yesVote',
            actions: assign({ yes: ({ context, event }) => added(context.yes, event.from) }),
          },
          { guard: 'noVote', target: 'aborted', actions: 'announceAbort' },
        ],
        voteTimeout: { target: 'aborted', actions: 'announceAbort' },
        decision: ADOPT_AND_ANNOUNCE,
        resend: {
          actions: enqueueActions(({ context, enqueue }) => {
            for (const p of context.cfg.participants)
              if (!context.yes.includes(p)) enqueue.emit(send(p, { type: 'canCommit' }));
            enqueue.emit(setTimer('resend', context.cfg.resendTicks));
          }),
        },
      },
    },
    precommitting: {
      entry: enqueueActions(({ context, enqueue }) => {
        enqueue.assign({ precommitSent: true, acks: [], ackTimedOut: false });
        for (const p of context.cfg.participants)
          enqueue.emit(send(p, { type: 'preCommit', ballot: 0 }));
        enqueue.emit(setTimer('ackTimeout', context.cfg.ackTimeoutTicks));
        enqueue.emit(setTimer('resend', context.cfg.resendTicks));
      }),
      always: { guard: 'mayCommit', target: 'committed', actions: 'announceCommit' },
      on: {
        ack: {
          guard: 'ackOfZero',
          actions: assign({ acks: ({ context, event }) => added(context.acks, event.from) }),
        },
        ackTimeout: { actions: assign({ ackTimedOut: true }) },
        decision: ADOPT_AND_ANNOUNCE,
        resend: {
          actions: enqueueActions(({ context, enqueue }) => {
            for (const p of context.cfg.participants)
              if (!context.acks.includes(p))
                enqueue.emit(send(p, { type: 'preCommit', ballot: 0 }));
            enqueue.emit(setTimer('resend', context.cfg.resendTicks));
          }),
        },
      },
    },

    // ---- participant ----------------------------------------------------------

    choosing: {
      entry: [
        assign({
          vote: ({ context }) =>
            context.cfg.vote === 'no' || (context.cfg.noRatio > 0 && random() < context.cfg.noRatio)
              ? 'no'
              : 'yes',
        }),
        enqueueActions(({ context, enqueue }) => enqueue.emit(propose(context.vote))),
      ],
      always: [
        { guard: 'votesNo', target: 'aborted', actions: 'decideAbort' },
        { target: 'working' },
      ],
    },
    working: {
      entry: enqueueActions(({ context, enqueue }) =>
        enqueue.emit(setTimer('timeout', context.cfg.decisionTimeoutTicks)),
      ),
      on: {
        canCommit: { target: 'follow', actions: [assign({ voted: true }), 'revoteYes'] },
        // Not having voted yes, it may abort on its own: when a backup asks, or when no canCommit? comes.
        stateReq: { target: 'aborted', actions: 'abortAndTell' },
        timeout: { target: 'aborted', actions: 'decideAbort' },
        decision: ADOPT,
      },
    },
    // Routes a participant that voted yes to the state its last accepted proposal puts it in.
    follow: {
      always: [
        { guard: 'acceptedCommit', target: 'precommitted' },
        { guard: 'acceptedAbort', target: 'preaborted' },
        { target: 'uncertain' },
      ],
    },
    uncertain: WAITING,
    precommitted: WAITING,
    preaborted: WAITING,
    // Backup, phase 1: ask everyone for its state under a new ballot.
    querying: {
      entry: enqueueActions(({ context, enqueue }) => {
        const ballot = nextBallot(context);
        enqueue.assign({
          ballot,
          promised: ballot,
          ballotSeen: Math.max(context.ballotSeen, ballot),
          replies: [context.cfg.id],
          best: context.accepted,
        });
        enqueue.emit(note({ leader: ballot }));
        for (const p of [...others(context), context.cfg.coordinatorId])
          enqueue.emit(send(p, { type: 'stateReq', ballot }));
        enqueue.emit(setTimer('resend', context.cfg.resendTicks));
      }),
      always: { guard: 'quorumReplies', target: 'proposing' },
      on: {
        ...ACCEPTOR,
        state: {
          guard: 'ownBallot',
          actions: assign({
            replies: ({ context, event }) => added(context.replies, event.from),
            best: ({ context, event }) => later(context.best, event.accepted),
          }),
        },
        nack: [
          { guard: 'outbid', target: 'follow', actions: 'noteOutbid' },
          { actions: 'noteOutbid' },
        ],
        resend: {
          actions: enqueueActions(({ context, enqueue }) => {
            for (const p of [...others(context), context.cfg.coordinatorId])
              if (!context.replies.includes(p))
                enqueue.emit(send(p, { type: 'stateReq', ballot: context.ballot }));
            enqueue.emit(setTimer('resend', context.cfg.resendTicks));
          }),
        },
      },
    },
    // Backup, phase 2: propose the value the 3PC rule picks, and decide it once a majority accepted.
    proposing: {
      entry: enqueueActions(({ context, enqueue }) => {
        const proposal = context.best?.value ?? 'abort';
        enqueue.assign({
          proposal,
          accepted: { ballot: context.ballot, value: proposal },
          acks: [context.cfg.id],
        });
        for (const p of others(context))
          enqueue.emit(send(p, { type: preType(proposal), ballot: context.ballot }));
        enqueue.emit(setTimer('resend', context.cfg.resendTicks));
      }),
      always: [
        {
          guard: and(['quorumAcks', 'proposesCommit']),
          target: 'committed',
          actions: 'announceCommit',
        },
        { guard: 'quorumAcks', target: 'aborted', actions: 'announceAbort' },
      ],
      on: {
        ...ACCEPTOR,
        ack: {
          guard: 'ownBallot',
          actions: assign({ acks: ({ context, event }) => added(context.acks, event.from) }),
        },
        nack: [
          { guard: 'outbid', target: 'follow', actions: 'noteOutbid' },
          { actions: 'noteOutbid' },
        ],
        resend: {
          actions: enqueueActions(({ context, enqueue }) => {
            for (const p of others(context))
              if (!context.acks.includes(p))
                enqueue.emit(send(p, { type: preType(context.proposal), ballot: context.ballot }));
            enqueue.emit(setTimer('resend', context.cfg.resendTicks));
          }),
        },
      },
    },
    committed: FINAL,
    aborted: FINAL,
  },
});

export const threePhaseCommit: Protocol = {
  name: 'three-phase-commit',
  machine,
  persistent: ['vote', 'voted', 'decision', 'promised', 'accepted', 'precommitSent'],
  params: PARAMS,
};
