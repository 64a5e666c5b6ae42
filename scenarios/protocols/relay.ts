/**
 * Token relay: a workload, not an algorithm from the literature. Each agent
 * starts `tokens` tokens; whoever receives a token forwards it to a peer
 * chosen uniformly at random (from the agent's own stream) until it has made
 * `hopsMax` hops, then decides how many tokens it retired. It exercises
 * sends, deliveries, randomness and state changes at a steady rate, which is
 * why the engine benchmark uses it.
 *
 * Parameters (per agent): `PARAMS` below.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { decide, type Effect, randomInt, send } from '../../sim/effects.ts';
import { PARAM_REPEATS_MAX, PARAM_WORK_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

const PARAMS = {
  tokens: {
    type: 'integer',
    min: 0,
    // All sent in the agent's first step.
    max: PARAM_WORK_MAX,
    default: 1,
    unit: 'tokens',
    meaning: 'tokens the agent starts',
  },
  hopsMax: {
    type: 'integer',
    min: 1,
    max: PARAM_REPEATS_MAX,
    default: 100,
    unit: 'hops',
    meaning: 'hops a token makes before it is retired',
  },
} as const satisfies ParamSpecs;

interface Context {
  agents: readonly string[];
  self: number;
  tokens: number;
  hopsMax: number;
  retired: number;
}

type Event = { type: 'token'; hops: number; from: string };

/** A peer other than `self`, uniformly, from the agent's own stream. */
const pickPeer = (c: Context) => {
  const j = randomInt(0, c.agents.length - 2);
  return c.agents[j >= c.self ? j + 1 : j] as string;
};

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  guards: {
    lastHop: ({ context, event }) => event.hops + 1 >= context.hopsMax,
  },
}).createMachine({
  id: 'relay',
  context: ({ input }) => ({
    agents: input.agents,
    self: input.index,
    tokens: numberOr(input.params['tokens'], PARAMS.tokens.default),
    hopsMax: numberOr(input.params['hopsMax'], PARAMS.hopsMax.default),
    retired: 0,
  }),
  initial: 'starting',
  states: {
    starting: {
      entry: enqueueActions(({ context, enqueue }) => {
        for (let i = 0; i < context.tokens; i++) {
          enqueue.emit(send(pickPeer(context), { type: 'token', hops: 0 }));
        }
      }),
      always: 'idle',
    },
    idle: {
      on: {
        token: [
          {
            guard: 'lastHop',
            target: 'retiring',
            actions: assign({ retired: ({ context }) => context.retired + 1 }),
          },
          {
            actions: emit(({ context, event }) =>
              send(pickPeer(context), { type: 'token', hops: event.hops + 1 }),
            ),
          },
        ],
      },
    },
    retiring: {
      entry: emit(({ context }) => decide(context.retired)),
      always: 'idle',
    },
  },
});

export const relay: Protocol = { name: 'relay', machine, params: PARAMS };
