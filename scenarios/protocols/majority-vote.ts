/**
 * Majority vote with a quorum. Every agent proposes its vote (`input`) and
 * broadcasts it, again every `resendTicks` until it decides (so votes survive
 * loss). How it counts is the lesson:
 * - `quorum: 'strict'` — decide v once a strict majority of ALL agents,
 *   floor(n / 2) + 1 distinct voters, voted v. Two strict majorities always
 *   intersect, so no two sides of a partition both decide (Gifford 1979,
 *   "Weighted voting for replicated data"; Lynch §17): the minority side
 *   waits instead.
 * - `quorum: 'local'` — the naive count: after `countTicks`, decide the value
 *   that has a strict majority of the votes this agent has HEARD. On the
 *   minority side of a partition that is a majority of a minority, so both
 *   sides decide: split brain.
 *
 * Parameters (per agent): `PARAMS` below.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { broadcast, decide, type Effect, propose, setTimer } from '../../sim/effects.ts';
import { PARAM_REPEATS_MAX, PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, Json, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

const PARAMS = {
  input: { type: 'json', defaultIs: "the agent's id", meaning: 'the vote' },
  quorum: {
    type: 'enum',
    values: ['strict', 'local'],
    default: 'strict',
    meaning: 'a strict majority of all agents, or a majority of the votes heard',
  },
  resendTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 20,
    unit: 'ticks',
    meaning: 'time between rebroadcasts of the vote',
  },
  resendsMax: {
    type: 'integer',
    min: 0,
    max: PARAM_REPEATS_MAX,
    default: 50,
    meaning: 'rebroadcasts before giving up',
  },
  countTicks: {
    type: 'integer',
    min: 0,
    max: PARAM_TICKS_MAX,
    default: 30,
    unit: 'ticks',
    role: 'local',
    meaning: 'wait before counting the votes heard',
  },
} as const satisfies ParamSpecs;

interface Context {
  input: Json;
  strict: boolean;
  n: number;
  resendTicks: number;
  resendsMax: number;
  countTicks: number;
  resends: number;
  /** Local count: countTicks have passed. */
  counted: boolean;
  /** Vote of each agent heard from (its own included), by id. */
  votes: Record<string, Json>;
}

type Event = { type: 'vote'; value: Json; from: string } | { type: 'resend' } | { type: 'count' };

/** The value with a strict majority of `needed` among `votes`, if any. */
function winner(votes: Record<string, Json>, needed: number): Json | undefined {
  const counts = new Map<string, { value: Json; count: number }>();
  for (const value of Object.values(votes)) {
    const key = JSON.stringify(value);
    const c = counts.get(key) ?? { value, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  for (const c of counts.values()) if (c.count >= needed) return c.value;
  return undefined;
}

const strictNeeded = (ctx: Context) => Math.floor(ctx.n / 2) + 1;
const heardNeeded = (ctx: Context) => Math.floor(Object.keys(ctx.votes).length / 2) + 1;

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  guards: {
    strictQuorum: ({ context }) =>
      context.strict && winner(context.votes, strictNeeded(context)) !== undefined,
    localMajority: ({ context }) =>
      !context.strict &&
      context.counted &&
      winner(context.votes, heardNeeded(context)) !== undefined,
    canResend: ({ context }) => context.resends < context.resendsMax,
  },
}).createMachine({
  id: 'majority-vote',
  context: ({ input }) => ({
    input: input.params['input'] ?? input.id,
    strict: input.params['quorum'] !== 'local',
    n: input.agents.length,
    resendTicks: numberOr(input.params['resendTicks'], PARAMS.resendTicks.default),
    resendsMax: numberOr(input.params['resendsMax'], PARAMS.resendsMax.default),
    countTicks: numberOr(input.params['countTicks'], PARAMS.countTicks.default),
    resends: 0,
    counted: false,
    votes: { [input.id]: input.params['input'] ?? input.id },
  }),
  entry: [
    emit(({ context }) => propose(context.input)),
    emit(({ context }) => broadcast({ type: 'vote', value: context.input })),
    emit(({ context }) => setTimer('resend', context.resendTicks)),
    enqueueActions(({ context, enqueue }) => {
      if (!context.strict) enqueue.emit(setTimer('count', context.countTicks));
    }),
  ],
  // Votes keep going out after a decision too: peers may have lost them.
  on: {
    resend: {
      guard: 'canResend',
      actions: [
        assign({ resends: ({ context }) => context.resends + 1 }),
        emit(({ context }) => broadcast({ type: 'vote', value: context.input })),
        emit(({ context }) => setTimer('resend', context.resendTicks)),
      ],
    },
  },
  initial: 'voting',
  states: {
    voting: {
      always: [
        { guard: 'strictQuorum', target: 'decided' },
        { guard: 'localMajority', target: 'decided' },
      ],
      on: {
        vote: {
          actions: assign({
            votes: ({ context, event }) =>
              event.from in context.votes
                ? context.votes
                : { ...context.votes, [event.from]: event.value },
          }),
        },
        count: { actions: assign({ counted: true }) },
      },
    },
    decided: {
      entry: enqueueActions(({ context, enqueue }) => {
        const needed = context.strict ? strictNeeded(context) : heardNeeded(context);
        enqueue.emit(decide(winner(context.votes, needed) ?? null));
      }),
    },
  },
});

export const majorityVote: Protocol = { name: 'majority-vote', machine, params: PARAMS };
