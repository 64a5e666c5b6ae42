/** The explore tests' smallest scenario, whose schedules are counted by hand. */
import { assign, emit, setup } from 'xstate';
import { send } from '../../sim/effects.ts';
import type { AgentInput, Scenario } from '../../sim/spec.ts';

/** Two agents; each sends one ping to the other when it starts and moves to done on the other's. */
export const pingMachine = setup({
  types: {
    context: {} as { peer: string },
    input: {} as AgentInput,
    events: {} as { type: 'ping' },
  },
}).createMachine({
  context: ({ input }) => ({ peer: input.peers[0] as string }),
  initial: 'waiting',
  entry: emit(({ context }) => send(context.peer, { type: 'ping' })),
  states: { waiting: { on: { ping: { target: 'done', actions: assign({}) } } }, done: {} },
});
export const pingPong: Scenario = {
  name: 'ping-each-way',
  agents: [
    { id: 'a', protocol: { name: 'ping', machine: pingMachine } },
    { id: 'b', protocol: { name: 'ping', machine: pingMachine } },
  ],
};
