/**
 * my-protocol: one agent asks the others to confirm a value, and resends the
 * question until every one of them has confirmed (or it runs out of
 * retries). Written by `parley new protocol`: change it to your own.
 *
 * A protocol is an xstate v5 machine plus the parameters it reads. The
 * machine touches the world only through effects it emits (send, broadcast,
 * propose, decide, …: see scenarios/protocols/README.md in parley). Keep it
 * deterministic: no Math.random, Date.now or setTimeout, and no state in
 * module variables; draw randomness from `random()` and `randomInt()`.
 * `npx parley run my-protocol.yaml --check-determinism` checks it.
 */
import {
  type AgentInput,
  broadcast,
  decide,
  type Effect,
  type ParamSpecs,
  type Protocol,
  propose,
  send,
} from 'parley';
import { assign, emit, setup } from 'xstate';

/** Every parameter the machine reads: the loader refuses others, and values out of range. */
const PARAMS = {
  role: {
    type: 'enum',
    values: ['asker', 'confirmer'],
    defaultIs: 'asker for the first agent listed, confirmer for the others',
    meaning: 'the asker asks; confirmers confirm',
  },
  value: { type: 'json', default: 'go', role: 'asker', meaning: 'the value the asker proposes' },
  timeoutTicks: {
    type: 'integer',
    min: 1,
    max: 1_000_000,
    default: 10,
    unit: 'ticks',
    role: 'asker',
    meaning: 'wait for confirmations before asking again',
  },
  retriesMax: {
    type: 'integer',
    min: 0,
    max: 1000,
    default: 20,
    role: 'asker',
    meaning: 'questions asked again before giving up',
  },
} as const satisfies ParamSpecs;

interface Context {
  asker: boolean;
  value: AgentInput['params'][string];
  timeoutTicks: number;
  retriesMax: number;
  retries: number;
  /** Asker: the agents that confirmed, in the order their answers arrived. */
  confirmed: string[];
  /** How many confirmations the asker waits for: every other agent. */
  needed: number;
}

type Event =
  | { type: 'ask'; value: AgentInput['params'][string]; from: string }
  | { type: 'confirm'; from: string };

const numberOr = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  // Timers run on the simulated clock: `after` delays are in ticks.
  delays: { timeout: ({ context }) => context.timeoutTicks },
  guards: {
    isAsker: ({ context }) => context.asker,
    allConfirmed: ({ context }) => context.confirmed.length >= context.needed,
    canRetry: ({ context }) => context.retries < context.retriesMax,
  },
}).createMachine({
  id: 'my-protocol',
  context: ({ input }) => ({
    asker: (input.params['role'] ?? (input.index === 0 ? 'asker' : 'confirmer')) === 'asker',
    value: input.params['value'] ?? PARAMS.value.default,
    timeoutTicks: numberOr(input.params['timeoutTicks'], PARAMS.timeoutTicks.default),
    retriesMax: numberOr(input.params['retriesMax'], PARAMS.retriesMax.default),
    retries: 0,
    confirmed: [],
    needed: input.agents.length - 1,
  }),
  initial: 'start',
  states: {
    start: {
      always: [
        {
          guard: 'isAsker',
          target: 'asking',
          actions: emit(({ context }) => propose(context.value)),
        },
        { target: 'waiting' },
      ],
    },
    // The asker: ask everyone, count confirmations, ask again after a timeout.
    asking: {
      entry: emit(({ context }) => broadcast({ type: 'ask', value: context.value })),
      always: { guard: 'allConfirmed', target: 'decided' },
      on: {
        confirm: {
          // A confirmation can arrive twice (the question was resent): count each agent once.
          guard: ({ context, event }) => !context.confirmed.includes(event.from),
          actions: assign({
            confirmed: ({ context, event }) => [...context.confirmed, event.from],
          }),
        },
      },
      after: {
        timeout: [
          {
            guard: 'canRetry',
            target: 'asking',
            reenter: true,
            actions: assign({ retries: ({ context }) => context.retries + 1 }),
          },
          { target: 'gaveUp' },
        ],
      },
    },
    decided: { entry: emit(({ context }) => decide(context.value)) },
    gaveUp: {},
    // A confirmer: confirm the first question and decide its value; confirm repeats too.
    waiting: {
      on: {
        ask: {
          target: 'confirmed',
          actions: [
            assign({ value: ({ event }) => event.value }),
            emit(({ event }) => send(event.from, { type: 'confirm' })),
            emit(({ event }) => decide(event.value)),
          ],
        },
      },
    },
    confirmed: {
      on: { ask: { actions: emit(({ event }) => send(event.from, { type: 'confirm' })) } },
    },
  },
});

const protocol: Protocol = { name: 'my-protocol', machine, params: PARAMS };
export default protocol;
