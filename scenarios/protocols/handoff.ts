/**
 * An orchestrator hands tasks to workers with at-least-once delivery: it
 * sends each task to a worker (round robin) and resends it every
 * `ackTimeoutTicks` until the worker's acknowledgement arrives. A worker
 * performs the task's side effect (recorded as `note({ execute: task })`)
 * and acknowledges. When an acknowledgement is lost the task is sent again
 * and, without idempotency keys, performed again (Helland 2012,
 * "Idempotence Is Not a Medical Condition"; Tanenbaum and van Steen,
 * Distributed Systems, §8.3 on at-least-once semantics). With loss p on
 * every link and a timeout longer than the round trip, the duplicates of one
 * task are geometric: mean p / (1 - p).
 *
 * Termination detection (Dijkstra and Scholten 1980, in its simplest form
 * here, acknowledgement counting): the orchestrator decides 'done' when every
 * task is acknowledged and tells the workers, who decide 'done' and confirm.
 * Without it nobody learns that the work is finished: nobody decides.
 *
 * Parameters: `PARAMS` below.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { decide, type Effect, note, send, setTimer } from '../../sim/effects.ts';
import { PARAM_REPEATS_MAX, PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { booleanOr, numberOr } from './params.ts';

const PARAMS = {
  role: {
    type: 'enum',
    values: ['orchestrator', 'worker'],
    defaultIs: 'orchestrator for the first agent listed, worker for the others',
    meaning: 'who hands out the tasks',
  },
  tasks: {
    type: 'integer',
    min: 0,
    // All sent in the first step, each with its timer; every acknowledgement
    // then walks the list: 10,000 keeps a step near 20,000 effects.
    max: 10_000,
    default: 10,
    unit: 'tasks',
    role: 'orchestrator',
    meaning: 'tasks to hand out, named t0, t1, …',
  },
  ackTimeoutTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 20,
    unit: 'ticks',
    role: 'orchestrator',
    meaning: 'wait for an acknowledgement before resending',
  },
  retriesMax: {
    type: 'integer',
    min: 0,
    max: PARAM_REPEATS_MAX,
    default: 100,
    role: 'orchestrator',
    meaning: 'resends of one task before giving up on it',
  },
  idempotent: {
    type: 'boolean',
    default: false,
    role: 'worker',
    meaning: 'keep the ids of performed tasks (stable storage) and only acknowledge a repeat',
  },
  terminationDetection: {
    type: 'boolean',
    default: true,
    meaning: 'the orchestrator decides when every task is acknowledged and tells the workers',
  },
} as const satisfies ParamSpecs;

interface Context {
  orchestrator: boolean;
  /** The orchestrator's id (workers answer it). */
  boss: string;
  workers: string[];
  tasks: number;
  ackTimeoutTicks: number;
  retriesMax: number;
  idempotent: boolean;
  detect: boolean;
  /** Orchestrator: resends so far per task; -1 once acknowledged. */
  retries: number[];
  /** Orchestrator: workers that confirmed the finish. */
  confirmed: string[];
  /** Worker: tasks performed (kept across crashes only when idempotent). */
  performed: string[];
}

type Event =
  | { type: 'task'; task: string; from: string }
  | { type: 'ack'; task: string; from: string }
  | { type: 'finish'; from: string }
  | { type: 'finished'; from: string }
  | { type: `resend-${number}` }
  | { type: 'finish-resend' };

const taskName = (i: number) => `t${i}`;
/** The index i whose taskName(i) is `task`, or -1: a name from a message can be anything. */
const taskIndex = (task: string): number =>
  /^t(?:0|[1-9][0-9]*)$/.test(task) ? Number(task.slice(1)) : -1;
const workerFor = (ctx: Context, i: number) => ctx.workers[i % ctx.workers.length] as string;
const allAcked = (ctx: Context) => ctx.retries.every((r) => r < 0);

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
}).createMachine({
  id: 'handoff',
  context: ({ input }) => {
    const role = input.params['role'];
    const orchestrator = role === undefined ? input.index === 0 : role === 'orchestrator';
    const boss = input.agents[0] as string;
    return {
      orchestrator,
      boss,
      workers: input.agents.filter((id) => id !== boss),
      tasks: numberOr(input.params['tasks'], PARAMS.tasks.default),
      ackTimeoutTicks: numberOr(input.params['ackTimeoutTicks'], PARAMS.ackTimeoutTicks.default),
      retriesMax: numberOr(input.params['retriesMax'], PARAMS.retriesMax.default),
      idempotent: booleanOr(input.params['idempotent'], PARAMS.idempotent.default),
      detect: booleanOr(input.params['terminationDetection'], PARAMS.terminationDetection.default),
      retries: Array.from(
        { length: orchestrator ? numberOr(input.params['tasks'], PARAMS.tasks.default) : 0 },
        () => 0,
      ),
      confirmed: [],
      performed: (input.restored?.['performed'] as string[] | undefined) ?? [],
    };
  },
  initial: 'boot',
  states: {
    boot: {
      always: [
        { guard: ({ context }) => context.orchestrator, target: 'handing' },
        { target: 'working' },
      ],
    },
    handing: {
      entry: enqueueActions(({ context, enqueue }) => {
        for (let i = 0; i < context.tasks; i++) {
          enqueue.emit(send(workerFor(context, i), { type: 'task', task: taskName(i) }));
          enqueue.emit(setTimer(`resend-${i}`, context.ackTimeoutTicks));
        }
      }),
      always: { guard: ({ context }) => context.detect && allAcked(context), target: 'finishing' },
      on: {
        ack: {
          actions: assign({
            retries: ({ context, event }) => {
              const acked = taskIndex(event.task);
              return context.retries.map((r, i) => (i === acked ? -1 : r));
            },
          }),
        },
        '*': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (!event.type.startsWith('resend-')) return;
            const i = Number(event.type.slice('resend-'.length));
            const r = context.retries[i] as number;
            if (r < 0 || r >= context.retriesMax) return;
            enqueue.assign({ retries: context.retries.map((x, j) => (j === i ? x + 1 : x)) });
            enqueue.emit(send(workerFor(context, i), { type: 'task', task: taskName(i) }));
            enqueue.emit(setTimer(`resend-${i}`, context.ackTimeoutTicks));
          }),
        },
      },
    },
    finishing: {
      entry: [
        emit(decide('done')),
        enqueueActions(({ context, enqueue }) => {
          for (const w of context.workers) enqueue.emit(send(w, { type: 'finish' }));
          enqueue.emit(setTimer('finish-resend', context.ackTimeoutTicks));
        }),
      ],
      on: {
        finished: {
          actions: assign({
            confirmed: ({ context, event }) =>
              context.confirmed.includes(event.from)
                ? context.confirmed
                : [...context.confirmed, event.from],
          }),
        },
        'finish-resend': {
          actions: enqueueActions(({ context, enqueue }) => {
            const waiting = context.workers.filter((w) => !context.confirmed.includes(w));
            if (waiting.length === 0) return;
            for (const w of waiting) enqueue.emit(send(w, { type: 'finish' }));
            enqueue.emit(setTimer('finish-resend', context.ackTimeoutTicks));
          }),
        },
      },
    },
    working: {
      on: {
        task: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const repeat = context.performed.includes(event.task);
            if (!(context.idempotent && repeat)) {
              enqueue.emit(note({ execute: event.task }));
              if (!repeat) enqueue.assign({ performed: [...context.performed, event.task] });
            }
            enqueue.emit(send(event.from, { type: 'ack', task: event.task }));
          }),
        },
        finish: {
          target: 'done',
          actions: emit(({ event }) => send(event.from, { type: 'finished' })),
        },
      },
    },
    done: {
      entry: emit(decide('done')),
      on: {
        // Keep confirming: the orchestrator resends until it hears back.
        finish: { actions: emit(({ event }) => send(event.from, { type: 'finished' })) },
        task: { actions: emit(({ event }) => send(event.from, { type: 'ack', task: event.task })) },
      },
    },
  },
});

export const handoff: Protocol = {
  name: 'handoff',
  machine,
  persistent: ['performed'],
  params: PARAMS,
};
