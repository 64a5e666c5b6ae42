/**
 * Acknowledged delivery with retransmission (stop-and-wait ARQ; Bertsekas and
 * Gallager, Data Networks, §2.4). A sender sends `count` numbered messages to
 * one receiver, one at a time, resending the current one every `timeoutTicks`
 * until it is acknowledged or `retriesMax` resends were spent. The receiver
 * acknowledges every copy it gets and keeps each number once.
 *
 * Parameters (per agent): `PARAMS` below.
 *
 * Decisions: the sender decides 'delivered' when all are acknowledged, or
 * 'gave-up'; the receiver decides 'received' when it holds all `count`.
 * The receiver's `received` count is stable storage: it survives a crash.
 */
import { assign, emit, setup } from 'xstate';
import { decide, type Effect, send } from '../../sim/effects.ts';
import { PARAM_REPEATS_MAX, PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

const PARAMS = {
  role: {
    type: 'enum',
    values: ['sender', 'receiver'],
    default: 'receiver',
    meaning: 'the sender sends, the receiver acknowledges',
  },
  peer: { type: 'agent', defaultIs: 'the first other agent', meaning: "the other agent's id" },
  count: {
    type: 'integer',
    min: 1,
    max: PARAM_REPEATS_MAX,
    default: 3,
    unit: 'messages',
    role: 'sender',
    meaning: 'messages to deliver, one at a time',
  },
  timeoutTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    role: 'sender',
    meaning: 'wait before resending the current message',
  },
  retriesMax: {
    type: 'integer',
    min: 0,
    max: PARAM_REPEATS_MAX,
    default: 20,
    role: 'sender',
    meaning: 'resends of one message before giving up',
  },
} as const satisfies ParamSpecs;

interface Context {
  role: 'sender' | 'receiver';
  peer: string;
  count: number;
  timeoutTicks: number;
  retriesMax: number;
  /** Sender: number of the message in flight, from 1. */
  next: number;
  retries: number;
  /** Receiver: how many distinct messages arrived, in order. */
  received: number;
}

type Event = { type: 'data'; n: number; from: string } | { type: 'ack'; n: number; from: string };

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  delays: {
    retransmit: ({ context }) => context.timeoutTicks,
  },
  guards: {
    isSender: ({ context }) => context.role === 'sender',
    acksCurrent: ({ context, event }) => event.type === 'ack' && event.n === context.next,
    lastAcked: ({ context, event }) => event.type === 'ack' && event.n === context.count,
    canRetry: ({ context }) => context.retries < context.retriesMax,
    isNextData: ({ context, event }) => event.type === 'data' && event.n === context.received + 1,
    allReceived: ({ context }) => context.received >= context.count,
  },
}).createMachine({
  id: 'ack-retransmit',
  context: ({ input }) => ({
    role: input.params['role'] === 'sender' ? 'sender' : PARAMS.role.default,
    peer: String(input.params['peer'] ?? input.peers[0] ?? ''),
    count: numberOr(input.params['count'], PARAMS.count.default),
    timeoutTicks: numberOr(input.params['timeoutTicks'], PARAMS.timeoutTicks.default),
    retriesMax: numberOr(input.params['retriesMax'], PARAMS.retriesMax.default),
    next: 1,
    retries: 0,
    received: numberOr(input.restored?.['received'], 0),
  }),
  initial: 'boot',
  states: {
    boot: {
      always: [{ guard: 'isSender', target: 'sending' }, { target: 'receiving' }],
    },
    sending: {
      entry: emit(({ context }) => send(context.peer, { type: 'data', n: context.next })),
      after: {
        retransmit: [
          {
            guard: 'canRetry',
            target: 'sending',
            reenter: true,
            actions: assign({ retries: ({ context }) => context.retries + 1 }),
          },
          { target: 'gaveUp' },
        ],
      },
      on: {
        ack: [
          { guard: 'lastAcked', target: 'delivered' },
          {
            guard: 'acksCurrent',
            target: 'sending',
            reenter: true,
            actions: assign({ next: ({ context }) => context.next + 1, retries: 0 }),
          },
        ],
      },
    },
    delivered: { entry: emit(decide('delivered')) },
    gaveUp: { entry: emit(decide('gave-up')) },
    receiving: {
      on: {
        data: [
          {
            guard: 'isNextData',
            target: 'receiving',
            actions: [
              assign({ received: ({ context }) => context.received + 1 }),
              emit(({ event }) => send(event.from, { type: 'ack', n: event.n })),
            ],
          },
          { actions: emit(({ event }) => send(event.from, { type: 'ack', n: event.n })) },
        ],
      },
      always: { guard: 'allReceived', target: 'complete' },
    },
    complete: {
      entry: emit(decide('received')),
      on: {
        // Keep acknowledging resends whose acknowledgement was lost.
        data: { actions: emit(({ event }) => send(event.from, { type: 'ack', n: event.n })) },
      },
    },
  },
});

export const ackRetransmit: Protocol = {
  name: 'ack-retransmit',
  machine,
  persistent: ['received'],
  params: PARAMS,
};
