/**
 * The client of Maelstrom's broadcast workload (Kingsbury, Maelstrom,
 * doc/03-broadcast), as an xstate agent beside server nodes that are
 * programs (docs/process-agents.md): every `everyTicks` ticks it asks one
 * server, in turn, to broadcast the next of `messages` values (0, 1, 2, …);
 * broadcasts not acknowledged go again, every 5 × everyTicks ticks, each
 * to the next server. It holds the values acknowledged so far, sorted, which is what every
 * server should come to hold too (the convergence checker compares them).
 * `readAtTick` ticks after it starts it reads every server and notes what
 * each one misses (reading again, every 5 × everyTicks, the servers that
 * have not answered). The servers are every other agent
 * whose id starts with `serverPrefix`.
 *
 * Parameters (per agent): `PARAMS` below.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { cancelTimer, type Effect, hold, note, send, setTimer } from '../../sim/effects.ts';
import { PARAM_REPEATS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

const PARAMS = {
  messages: {
    type: 'integer',
    min: 1,
    max: PARAM_REPEATS_MAX,
    default: 5,
    unit: 'messages',
    meaning: 'values broadcast, one at a time',
  },
  everyTicks: {
    type: 'integer',
    min: 1,
    max: 1_000_000,
    default: 2,
    unit: 'ticks',
    meaning: 'ticks between two broadcasts',
  },
  readAtTick: {
    type: 'integer',
    min: 1,
    max: 1_000_000,
    default: 100,
    unit: 'ticks',
    meaning: 'when the client reads every server',
  },
  serverPrefix: {
    type: 'string',
    default: 'n',
    meaning: 'the servers are the other agents whose id starts with this',
  },
} as const satisfies ParamSpecs;

interface Context {
  servers: readonly string[];
  messages: number;
  everyTicks: number;
  readAtTick: number;
  next: number;
  acked: number[];
  answered: string[];
  retries: number;
}

type Event =
  | { type: 'tick' }
  | { type: 'read' }
  | { type: 'retry' }
  | { type: 'broadcast_ok'; in_reply_to: number; from: string }
  | { type: 'read_ok'; messages: unknown[]; from: string };

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  actions: {
    readMissing: enqueueActions(({ context, enqueue }) => {
      for (const [i, to] of context.servers.entries())
        if (!context.answered.includes(to))
          enqueue.emit(send(to, { type: 'read', msg_id: 1_000_000 + i }));
      enqueue.emit(setTimer('read', context.everyTicks * 5));
    }),
  },
}).createMachine({
  id: 'broadcast-client',
  context: ({ input }) => {
    const prefix = (input.params['serverPrefix'] as string | undefined) ?? 'n';
    return {
      servers: input.agents.filter((id, i) => i !== input.index && id.startsWith(prefix)),
      messages: numberOr(input.params['messages'], PARAMS.messages.default),
      everyTicks: numberOr(input.params['everyTicks'], PARAMS.everyTicks.default),
      readAtTick: numberOr(input.params['readAtTick'], PARAMS.readAtTick.default),
      next: 0,
      acked: [],
      answered: [],
      retries: 0,
    };
  },
  initial: 'broadcasting',
  entry: enqueueActions(({ context, enqueue }) => {
    enqueue.emit(setTimer('tick', 1));
    enqueue.emit(setTimer('retry', context.everyTicks * 5));
    enqueue.emit(setTimer('read', context.readAtTick));
  }),
  states: {
    broadcasting: {
      on: {
        tick: {
          actions: [
            enqueueActions(({ context, enqueue }) => {
              const to = context.servers[context.next % context.servers.length];
              if (to === undefined) return;
              enqueue.emit(
                send(to, { type: 'broadcast', message: context.next, msg_id: context.next + 1 }),
              );
              if (context.next + 1 < context.messages)
                enqueue.emit(setTimer('tick', context.everyTicks));
            }),
            assign({ next: ({ context }) => context.next + 1 }),
          ],
        },
        // Broadcasts not yet acknowledged go again, each to the next server, as a Maelstrom client retries.
        retry: {
          actions: [
            enqueueActions(({ context, enqueue }) => {
              const unacked = [];
              for (let m = 0; m < context.next; m++)
                if (!context.acked.includes(m)) unacked.push(m);
              for (const m of unacked) {
                const to = context.servers[(m + context.retries + 1) % context.servers.length];
                if (to !== undefined)
                  enqueue.emit(send(to, { type: 'broadcast', message: m, msg_id: m + 1 }));
              }
              if (unacked.length > 0 || context.next < context.messages)
                enqueue.emit(setTimer('retry', context.everyTicks * 5));
            }),
            assign({ retries: ({ context }) => context.retries + 1 }),
          ],
        },
        broadcast_ok: {
          guard: ({ context, event }) => !context.acked.includes(event.in_reply_to - 1),
          actions: [
            assign({
              acked: ({ context, event }) =>
                [...context.acked, event.in_reply_to - 1].sort((a, b) => a - b),
            }),
            // What a server that knows every acknowledged broadcast holds: convergence compares.
            emit(({ context }) => hold(context.acked)),
          ],
        },
        read: { target: 'reading' },
      },
    },
    reading: {
      // Reads every server that has not answered, again every everyTicks ticks: reads get lost too.
      entry: 'readMissing',
      on: {
        read: { actions: 'readMissing' },
        read_ok: {
          guard: ({ context, event }) => !context.answered.includes(event.from),
          actions: [
            assign({ answered: ({ context, event }) => [...context.answered, event.from] }),
            emit(({ event, context }) =>
              note({
                read: event.from,
                missing: context.acked.filter((m) => !event.messages.includes(m)),
              }),
            ),
            enqueueActions(({ context, enqueue }) => {
              if (context.answered.length === context.servers.length)
                enqueue.emit(cancelTimer('read'));
            }),
          ],
        },
      },
    },
  },
});

export const broadcastClient: Protocol = { name: 'broadcast-client', machine, params: PARAMS };
