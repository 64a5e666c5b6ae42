/**
 * A runaway agent loop: an agent calls a paid tool over and over because
 * nothing ever tells it the job is finished, and each call costs money. The
 * failure mode behind the 2025-2026 reports of coding and research agents
 * that ran up large API and cloud bills overnight by retrying the same tool
 * call in a loop; the mitigations are the ones those reports recommend: a
 * hard spend cap enforced outside the agent, loop detection (the "stuck
 * detectors" of agent frameworks: the same action repeated), and a clear
 * termination signal from the task's owner.
 *
 * The agent makes call n = 1, 2, ... at ticks callTicks, 2 callTicks, ...
 * (each gap plus a uniform integer in [0, callJitterTicks]). A call is paid
 * first: the agent emits `spend(cost, 'tool.call')` and, at the same tick
 * (a timer of 0 ticks, which comes after the engine's refusal if there is
 * one), sends `{ type: 'tool.call', n, args }` to its tool, unless the spend was
 * refused. Without mitigations the loop never ends: spend grows linearly
 * with time, costPerCall / callTicks per tick.
 *
 * Mitigations:
 * - hard budget: the scenario gives the agent `budget` (AgentSpec.budget, see
 *   sim/cost.ts); the engine refuses any spend past it and the agent receives
 *   `spend.refused`. With onRefused 'stop' the agent stops there (decides
 *   'budget'); with 'continue' it keeps trying every period, each attempt
 *   refused at no cost, as an agent that does not understand the refusal.
 *   Either way total spend ≤ budget, and ≥ budget - the largest cost.
 * - loopDetection: the agent stops (decides 'loop') right after its
 *   repeatMax-th identical call in a row (same arguments). With
 *   argsVariants = 1 every call is the same, so it makes exactly repeatMax.
 * - terminationSignal (set on the tool): the tool answers every call n with
 *   `{ type: 'result', n, done }`, done from call doneAfterCalls on (without
 *   it, never); the agent stops (decides 'done') at the first done it
 *   receives. Calls and answers cross lossy links: with loss p both ways and
 *   a round trip shorter than callTicks, the agent stops after exactly
 *   doneAfterCalls calls with probability (1 - p)^2, else later.
 *
 * Parameters: `PARAMS` below.
 *
 * Draws from the agent's stream per call, in this order: argsVariants > 1:
 * one for the arguments; costJitterRatio > 0: one for the cost;
 * callJitterTicks > 0: one for the next gap.
 *
 * Effects: propose(task); spend per call; decide('budget' | 'loop' | 'done')
 * when the agent stops; note({ refused: reason }) for each refusal it keeps going after.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import {
  cancelTimer,
  decide,
  type Effect,
  note,
  propose,
  random,
  randomInt,
  send,
  setTimer,
  spend,
} from '../../sim/effects.ts';
import { PARAM_REPEATS_MAX, PARAM_TICKS_MAX, PARAM_VALUE_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { booleanOr, numberOr } from './params.ts';

const PARAMS = {
  role: {
    type: 'enum',
    values: ['agent', 'tool'],
    defaultIs: 'agent for the first agent listed, tool for the others',
    meaning: 'the looping agent, or a tool it calls',
  },
  tool: {
    type: 'string',
    defaultIs: 'the next agent listed, if any',
    role: 'agent',
    meaning: "id of the tool agent it calls, '' for none",
  },
  task: {
    type: 'string',
    default: 'summarise the inbox',
    role: 'agent',
    meaning: 'its input, proposed at the start',
  },
  callTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    role: 'agent',
    meaning: 'time between calls',
  },
  callJitterTicks: {
    type: 'integer',
    min: 0,
    max: PARAM_TICKS_MAX,
    default: 0,
    unit: 'ticks',
    role: 'agent',
    meaning: 'extra time per gap, uniform in [0, callJitterTicks]',
  },
  costPerCall: {
    type: 'number',
    min: 0,
    max: PARAM_VALUE_MAX,
    default: 1,
    unit: 'cost unit',
    role: 'agent',
    meaning: "spent per call, in the scenario's cost unit",
  },
  costJitterRatio: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    role: 'agent',
    meaning: 'each call costs costPerCall x (1 + j (2u - 1)), u uniform in [0, 1)',
  },
  argsVariants: {
    type: 'integer',
    min: 1,
    max: PARAM_REPEATS_MAX,
    default: 1,
    role: 'agent',
    meaning: "a call's arguments are args-k, k uniform in 1..argsVariants",
  },
  loopDetection: {
    type: 'boolean',
    default: false,
    role: 'agent',
    meaning: 'stop after repeatMax identical calls in a row',
  },
  repeatMax: {
    type: 'integer',
    min: 1,
    max: PARAM_REPEATS_MAX,
    default: 5,
    unit: 'calls',
    role: 'agent',
    meaning: 'identical calls in a row that loop detection stops after',
  },
  onRefused: {
    type: 'enum',
    values: ['stop', 'continue'],
    default: 'stop',
    role: 'agent',
    meaning: 'what the agent does after a refused spend',
  },
  terminationSignal: {
    type: 'boolean',
    default: false,
    role: 'tool',
    meaning: 'answer done from call doneAfterCalls on (without it, never)',
  },
  doneAfterCalls: {
    type: 'integer',
    min: 1,
    max: PARAM_REPEATS_MAX,
    default: 10,
    unit: 'calls',
    role: 'tool',
    meaning: 'the first call answered done',
  },
} as const satisfies ParamSpecs;

/** What a call is spent on (the `what` of its spend records). */
export const CALL_WHAT = 'tool.call';

interface Context {
  isAgent: boolean;
  tool: string | null;
  task: string;
  callTicks: number;
  callJitterTicks: number;
  costPerCall: number;
  costJitterRatio: number;
  argsVariants: number;
  /** Loop detection: identical calls in a row before stopping, or 0 when off. */
  repeatMax: number;
  stopOnRefused: boolean;
  /** Termination signal: first call answered done, or 0 when off. */
  doneAfterCalls: number;
  /** Calls made (paid and sent). */
  calls: number;
  /** Spends refused. */
  refusals: number;
  /** Arguments of the call being paid for. */
  pendingArgs: string;
  /** The call being paid for was refused. */
  pendingRefused: boolean;
  /** Arguments of the last call made, and how many identical calls in a row ended with it. */
  lastArgs: string;
  streak: number;
}

type Event =
  | { type: 'call' }
  | { type: 'dispatch' }
  | { type: 'spend.refused'; reason: string; what?: string }
  | { type: 'result'; n: number; done: boolean; from: string }
  | { type: 'tool.call'; n: number; args: string; from: string };

const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

/** Ticks to the next call. */
function gap(context: Context): number {
  return context.callJitterTicks > 0
    ? context.callTicks + randomInt(0, context.callJitterTicks)
    : context.callTicks;
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  guards: {
    isAgent: ({ context }) => context.isAgent,
  },
  actions: {
    makeCall: enqueueActions(({ context, enqueue }) => {
      const calls = context.calls + 1;
      const streak = context.pendingArgs === context.lastArgs ? context.streak + 1 : 1;
      enqueue.assign({ calls, streak, lastArgs: context.pendingArgs });
      if (context.tool !== null)
        enqueue.emit(
          send(context.tool, { type: 'tool.call', n: calls, args: context.pendingArgs }),
        );
    }),
  },
}).createMachine({
  id: 'runaway-loop',
  context: ({ input }) => {
    const role = input.params['role'];
    const isAgent = role === undefined ? input.index === 0 : role === 'agent';
    const next = input.agents[input.index + 1];
    const tool = str(input.params['tool'], next ?? '');
    return {
      isAgent,
      tool: tool === '' ? null : tool,
      task: str(input.params['task'], PARAMS.task.default),
      callTicks: numberOr(input.params['callTicks'], PARAMS.callTicks.default),
      callJitterTicks: numberOr(input.params['callJitterTicks'], PARAMS.callJitterTicks.default),
      costPerCall: numberOr(input.params['costPerCall'], PARAMS.costPerCall.default),
      costJitterRatio: numberOr(input.params['costJitterRatio'], PARAMS.costJitterRatio.default),
      argsVariants: Math.max(
        1,
        numberOr(input.params['argsVariants'], PARAMS.argsVariants.default),
      ),
      repeatMax: booleanOr(input.params['loopDetection'], PARAMS.loopDetection.default)
        ? Math.max(1, numberOr(input.params['repeatMax'], PARAMS.repeatMax.default))
        : 0,
      stopOnRefused: input.params['onRefused'] !== 'continue',
      doneAfterCalls: booleanOr(input.params['terminationSignal'], PARAMS.terminationSignal.default)
        ? Math.max(1, numberOr(input.params['doneAfterCalls'], PARAMS.doneAfterCalls.default))
        : 0,
      calls: 0,
      refusals: 0,
      pendingArgs: '',
      pendingRefused: false,
      lastArgs: '',
      streak: 0,
    };
  },
  initial: 'boot',
  states: {
    boot: {
      always: [{ guard: 'isAgent', target: 'looping' }, { target: 'tool' }],
    },
    looping: {
      entry: [
        emit(({ context }) => propose(context.task)),
        emit(({ context }) => setTimer('call', context.callTicks)),
      ],
      on: {
        call: {
          actions: enqueueActions(({ context, enqueue }) => {
            const args =
              context.argsVariants > 1 ? `args-${randomInt(1, context.argsVariants)}` : 'args-1';
            const j = context.costJitterRatio;
            const cost =
              j > 0 ? context.costPerCall * (1 + j * (2 * random() - 1)) : context.costPerCall;
            enqueue.assign({ pendingArgs: args, pendingRefused: false });
            enqueue.emit(spend(cost, CALL_WHAT));
            enqueue.emit(setTimer('dispatch', 0));
          }),
        },
        'spend.refused': [
          {
            guard: ({ context }) => context.stopOnRefused,
            target: 'budget',
            actions: assign({ refusals: ({ context }) => context.refusals + 1 }),
          },
          {
            actions: [
              assign({
                refusals: ({ context }) => context.refusals + 1,
                pendingRefused: true,
              }),
              emit(({ event }) => note({ refused: event.reason })),
            ],
          },
        ],
        dispatch: [
          {
            guard: ({ context }) => context.pendingRefused,
            actions: emit(({ context }) => setTimer('call', gap(context))),
          },
          {
            guard: ({ context }) =>
              context.repeatMax > 0 &&
              (context.pendingArgs === context.lastArgs ? context.streak + 1 : 1) >=
                context.repeatMax,
            target: 'loop',
            actions: 'makeCall',
          },
          {
            actions: ['makeCall', emit(({ context }) => setTimer('call', gap(context)))],
          },
        ],
        result: {
          guard: ({ event }) => event.done,
          target: 'done',
        },
      },
    },
    budget: {
      entry: [emit(cancelTimer('dispatch')), emit(decide('budget'))],
    },
    loop: {
      entry: emit(decide('loop')),
    },
    done: {
      entry: [emit(cancelTimer('call')), emit(cancelTimer('dispatch')), emit(decide('done'))],
    },
    tool: {
      on: {
        'tool.call': {
          actions: emit(({ context, event }) =>
            send(event.from, {
              type: 'result',
              n: event.n,
              done: context.doneAfterCalls > 0 && event.n >= context.doneAfterCalls,
            }),
          ),
        },
      },
    },
  },
});

export const runawayLoop: Protocol = { name: 'runaway-loop', machine, params: PARAMS };
