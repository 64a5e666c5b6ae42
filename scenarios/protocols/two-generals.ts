/**
 * The Two Generals' acknowledged exchange (Gray 1978, "Notes on Data Base
 * Operating Systems"; Lynch, Distributed Algorithms, §5.1). The first general
 * sends the plan (hop 1); each general that receives hop i < hops answers
 * with hop i + 1, once, without retransmission. At `deadlineTicks` each
 * general decides: it attacks (decides the plan) if it received every hop
 * addressed to it, else it retreats. If the chain breaks at hop j < hops both
 * retreat; if only the last hop is lost they disagree; so with loss p per
 * hop, P(both attack) = (1 - p)^hops and P(disagree) = (1 - p)^(hops - 1) p.
 * More hops lower the odds of disagreement but never to zero: no
 * deterministic protocol guarantees agreement over a lossy link.
 *
 * Parameters (per agent): `PARAMS` below. Set deadlineTicks past hops x the
 * largest latency.
 *
 * Inputs: the first proposes the plan, the second proposes 'retreat'.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { decide, type Effect, hold, propose, send } from '../../sim/effects.ts';
import { PARAM_REPEATS_MAX, PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, Json, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

const PARAMS = {
  role: {
    type: 'enum',
    values: ['first', 'second'],
    defaultIs: 'first for the first agent listed, second for the other',
    meaning: 'the first general sends the plan',
  },
  peer: { type: 'agent', defaultIs: 'the other agent', meaning: 'the other general' },
  hops: {
    type: 'integer',
    min: 1,
    max: PARAM_REPEATS_MAX,
    default: 2,
    unit: 'messages',
    meaning: 'messages in the acknowledgement chain',
  },
  plan: {
    type: 'json',
    default: 'attack at dawn',
    role: 'first',
    meaning: 'the value the first general proposes',
  },
  deadlineTicks: {
    type: 'integer',
    min: 0,
    max: PARAM_TICKS_MAX,
    default: 1000,
    unit: 'ticks',
    meaning: 'when both decide',
  },
} as const satisfies ParamSpecs;

export const RETREAT = 'retreat';

interface Context {
  first: boolean;
  peer: string;
  hops: number;
  deadlineTicks: number;
  plan: Json;
  /** Highest hop received. */
  heard: number;
}

type Event = { type: 'hop'; n: number; plan: Json; from: string };

/** The last hop addressed to a general: odd hops go to the second, even hops to the first. */
function lastHopFor(first: boolean, hops: number): number {
  const parity = first ? 0 : 1;
  return hops % 2 === parity ? hops : hops - 1;
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  delays: {
    deadline: ({ context }) => context.deadlineTicks,
  },
  guards: {
    heardAll: ({ context }) => context.heard >= lastHopFor(context.first, context.hops),
  },
}).createMachine({
  id: 'two-generals',
  context: ({ input }) => {
    const role = input.params['role'];
    return {
      first: role === undefined ? input.index === 0 : role === 'first',
      peer: String(input.params['peer'] ?? input.peers[0] ?? ''),
      hops: Math.max(1, numberOr(input.params['hops'], PARAMS.hops.default)),
      deadlineTicks: numberOr(input.params['deadlineTicks'], PARAMS.deadlineTicks.default),
      plan: input.params['plan'] ?? PARAMS.plan.default,
      heard: 0,
    };
  },
  initial: 'waiting',
  entry: [
    emit(({ context }) => propose(context.first ? context.plan : RETREAT)),
    enqueueActions(({ context, enqueue }) => {
      if (context.first)
        enqueue.emit(send(context.peer, { type: 'hop', n: 1, plan: context.plan }));
    }),
  ],
  states: {
    waiting: {
      on: {
        hop: {
          actions: [
            assign({
              heard: ({ context, event }) => Math.max(context.heard, event.n),
              plan: ({ event }) => event.plan,
            }),
            emit(({ event }) => hold(event.plan)),
            enqueueActions(({ context, event, enqueue }) => {
              if (event.n < context.hops)
                enqueue.emit(send(context.peer, { type: 'hop', n: event.n + 1, plan: event.plan }));
            }),
          ],
        },
      },
      after: {
        deadline: [{ guard: 'heardAll', target: 'attack' }, { target: 'retreat' }],
      },
    },
    attack: { entry: emit(({ context }) => decide(context.plan)) },
    retreat: { entry: emit(decide(RETREAT)) },
  },
});

export const twoGenerals: Protocol = { name: 'two-generals', machine, params: PARAMS };
