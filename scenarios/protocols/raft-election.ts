/**
 * Raft leader election alone, without logs (Ongaro and Ousterhout 2014, "In
 * Search of an Understandable Consensus Algorithm", §5.2, with §5.4.1's vote
 * restriction dropped since there is no log to compare). Every node starts as
 * a follower with an election timer drawn uniformly from
 * [electionTicksMin, electionTicksMax]. When it fires, the node becomes a
 * candidate: it increments currentTerm, votes for itself, draws a new timer
 * and sends RequestVote to every other node. A node grants at most one vote
 * per term (votedFor) and resets its timer when it grants one. A candidate
 * with votes from a majority becomes leader, records `note({ leader: term })`
 * and sends AppendEntries heartbeats (empty) every `heartbeatTicks`; a
 * follower resets its timer on each heartbeat of the current term and a
 * candidate that gets one steps down. Any request or response with a higher
 * term makes the receiver adopt the term, forget its vote and become a
 * follower; a request with a lower term is refused with the receiver's term,
 * which is how a stale leader learns to step down.
 *
 * Election Safety (at most one leader per term) needs currentTerm and
 * votedFor on stable storage: both survive a crash (`persistent`). A node
 * that forgot its vote could vote twice in one term.
 *
 * Timers: a node draws an election timer at start (and restart), on each
 * vote it grants, on each heartbeat it accepts and at each election it
 * starts; a candidate that steps down keeps its timer; a leader has none,
 * and draws one when it steps down. Events of one tick run in the order they
 * were scheduled, so a timer and a message due at the same tick are handled
 * in the order they were set and sent.
 *
 * Parameters (per agent): `PARAMS` below.
 *
 * Inputs and decisions: none. Leadership is not a final decision (a later
 * term replaces the leader, and a second decide would break integrity), so
 * nodes never decide: bound runs with `limits.ticksMax`. Each node holds the
 * leader it last learned of (`hold(leaderId)` when it changes), so the
 * convergence checker shows the cluster settling on one leader.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import {
  broadcast,
  cancelTimer,
  type Effect,
  hold,
  note,
  randomInt,
  send,
  setTimer,
} from '../../sim/effects.ts';
import { PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

const PARAMS = {
  electionTicksMin: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 150,
    unit: 'ticks',
    meaning: 'shortest election timeout',
  },
  electionTicksMax: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 300,
    unit: 'ticks',
    meaning: 'longest election timeout (timeouts are uniform between the two)',
  },
  heartbeatTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 50,
    unit: 'ticks',
    meaning: "time between a leader's heartbeats",
  },
} as const satisfies ParamSpecs;

interface Context {
  self: string;
  /** Cluster size. */
  n: number;
  electionTicksMin: number;
  electionTicksMax: number;
  heartbeatTicks: number;
  /** Latest term seen (persistent). */
  currentTerm: number;
  /** Candidate voted for in currentTerm, or null (persistent). */
  votedFor: string | null;
  /** Votes granted to this node in currentTerm, while a candidate. */
  votes: string[];
  /** The leader this node last learned of. */
  leader: string | null;
}

type Event =
  | { type: 'requestVote'; term: number; from: string }
  | { type: 'vote'; term: number; granted: boolean; from: string }
  | { type: 'appendEntries'; term: number; from: string }
  | { type: 'appendReply'; term: number; success: boolean; from: string }
  | { type: 'election' }
  | { type: 'heartbeat' };

type Message = Extract<Event, { from: string }>;

/** A fresh election timeout, uniform on [electionTicksMin, electionTicksMax]. */
function electionTimer(context: Context): Effect {
  return setTimer('election', randomInt(context.electionTicksMin, context.electionTicksMax));
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  guards: {
    higherTerm: ({ context, event }) =>
      'term' in event && (event as Message).term > context.currentTerm,
    currentLeader: ({ context, event }) =>
      event.type === 'appendEntries' && event.term >= context.currentTerm,
    grantedNow: ({ context, event }) =>
      event.type === 'vote' && event.granted && event.term === context.currentTerm,
    staleTerm: ({ context, event }) =>
      'term' in event && (event as Message).term < context.currentTerm,
    majority: ({ context }) => 2 * context.votes.length > context.n,
  },
  actions: {
    resetElectionTimer: emit(({ context }) => electionTimer(context)),
    /** Adopt a higher term from any message: forget the vote. */
    adoptTerm: assign(({ context, event }) => {
      const term = (event as Message).term;
      return term > context.currentTerm ? { currentTerm: term, votedFor: null, votes: [] } : {};
    }),
    /** RequestVote: grant if the term is current and no other candidate has this term's vote. */
    answerVote: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'requestVote') return;
      const newer = event.term > context.currentTerm;
      const term = Math.max(event.term, context.currentTerm);
      const votedFor = newer ? null : context.votedFor;
      const granted = event.term === term && (votedFor === null || votedFor === event.from);
      if (newer || granted)
        enqueue.assign({
          currentTerm: term,
          votedFor: granted ? event.from : votedFor,
          ...(newer ? { votes: [] } : {}),
        });
      enqueue.emit(send(event.from, { type: 'vote', term, granted }));
      if (granted) enqueue.emit(electionTimer(context));
    }),
    /** AppendEntries: accept a leader of the current term or later, refuse a stale one. */
    answerHeartbeat: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'appendEntries') return;
      if (event.term < context.currentTerm) {
        enqueue.emit(
          send(event.from, { type: 'appendReply', term: context.currentTerm, success: false }),
        );
        return;
      }
      const newer = event.term > context.currentTerm;
      enqueue.assign({
        leader: event.from,
        ...(newer ? { currentTerm: event.term, votedFor: null, votes: [] } : {}),
      });
      if (context.leader !== event.from) enqueue.emit(hold(event.from));
      enqueue.emit(electionTimer(context));
      enqueue.emit(send(event.from, { type: 'appendReply', term: event.term, success: true }));
    }),
  },
}).createMachine({
  id: 'raft-election',
  context: ({ input }) => {
    const restored = input.restored;
    const votedFor = restored?.['votedFor'];
    return {
      self: input.id,
      n: input.agents.length,
      electionTicksMin: numberOr(input.params['electionTicksMin'], PARAMS.electionTicksMin.default),
      electionTicksMax: numberOr(input.params['electionTicksMax'], PARAMS.electionTicksMax.default),
      heartbeatTicks: numberOr(input.params['heartbeatTicks'], PARAMS.heartbeatTicks.default),
      currentTerm: numberOr(restored?.['currentTerm'], 0),
      votedFor: typeof votedFor === 'string' ? votedFor : null,
      votes: [],
      leader: null,
    };
  },
  // At start and at every restart: the first election timer.
  entry: 'resetElectionTimer',
  initial: 'follower',
  states: {
    follower: {
      on: {
        election: { target: 'candidate' },
        requestVote: { actions: 'answerVote' },
        appendEntries: { actions: 'answerHeartbeat' },
        vote: { actions: 'adoptTerm' },
        appendReply: { actions: 'adoptTerm' },
      },
    },
    candidate: {
      entry: [
        assign({
          currentTerm: ({ context }) => context.currentTerm + 1,
          votedFor: ({ context }) => context.self,
          votes: ({ context }) => [context.self],
        }),
        emit(({ context }) => electionTimer(context)),
        emit(({ context }) => broadcast({ type: 'requestVote', term: context.currentTerm })),
      ],
      always: { guard: 'majority', target: 'leader' },
      on: {
        // A new election: the timer ran out before a majority or a leader.
        election: { target: 'candidate', reenter: true },
        requestVote: [
          { guard: 'higherTerm', target: 'follower', actions: 'answerVote' },
          { actions: 'answerVote' },
        ],
        appendEntries: [
          { guard: 'currentLeader', target: 'follower', actions: 'answerHeartbeat' },
          { actions: 'answerHeartbeat' },
        ],
        vote: [
          { guard: 'higherTerm', target: 'follower', actions: 'adoptTerm' },
          {
            guard: 'grantedNow',
            actions: assign({
              votes: ({ context, event }) =>
                context.votes.includes(event.from) ? context.votes : [...context.votes, event.from],
            }),
          },
        ],
        appendReply: { guard: 'higherTerm', target: 'follower', actions: 'adoptTerm' },
      },
    },
    leader: {
      entry: [
        assign({ leader: ({ context }) => context.self }),
        emit(cancelTimer('election')),
        emit(({ context }) => note({ leader: context.currentTerm })),
        emit(({ context }) => hold(context.self)),
        emit(({ context }) => broadcast({ type: 'appendEntries', term: context.currentTerm })),
        emit(({ context }) => setTimer('heartbeat', context.heartbeatTicks)),
      ],
      exit: emit(cancelTimer('heartbeat')),
      on: {
        heartbeat: {
          actions: [
            emit(({ context }) => broadcast({ type: 'appendEntries', term: context.currentTerm })),
            emit(({ context }) => setTimer('heartbeat', context.heartbeatTicks)),
          ],
        },
        requestVote: [
          { guard: 'higherTerm', target: 'follower', actions: 'answerVote' },
          { actions: 'answerVote' },
        ],
        // One leader per term: a leader hears only a stale leader or a newer
        // one (answerHeartbeat resets the election timer for the newer one).
        appendEntries: [
          { guard: 'higherTerm', target: 'follower', actions: 'answerHeartbeat' },
          { guard: 'staleTerm', actions: 'answerHeartbeat' },
        ],
        // A leader has no election timer: stepping down on a reply starts one.
        vote: {
          guard: 'higherTerm',
          target: 'follower',
          actions: ['adoptTerm', 'resetElectionTimer'],
        },
        appendReply: {
          guard: 'higherTerm',
          target: 'follower',
          actions: ['adoptTerm', 'resetElectionTimer'],
        },
      },
    },
  },
});

export const raftElection: Protocol = {
  name: 'raft-election',
  machine,
  persistent: ['currentTerm', 'votedFor'],
  params: PARAMS,
};
