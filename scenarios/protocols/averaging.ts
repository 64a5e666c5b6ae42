/**
 * Iterative averaging in synchronous rounds, plain or with W-MSR filtering
 * (LeBlanc, Zhang, Koutsoukos and Sundaram 2013, "Resilient Asymptotic
 * Consensus in Robust Networks", IEEE Journal on Selected Areas in
 * Communications 31(4): the W-MSR algorithm and r-robust graphs). Each
 * agent holds a real value, starting from its input. Every round it sends
 * its value to its neighbours and then replaces it by the average, with
 * equal weights, of its own value and the values it received in the round:
 * - plain: all received values (DeGroot 1974, "Reaching a consensus");
 * - W-MSR with parameter F (`trimF`): first drop up to F received values
 *   larger than its own (the largest ones) and up to F smaller than its own
 *   (the smallest ones).
 * With at most F malicious in-neighbours per agent, every value W-MSR keeps
 * lies within the range of that round's honest values, so the honest values
 * never leave the hull of the honest inputs (safety); they also converge to one value if the
 * graph is (2F + 1)-robust, which the complete graph K_n is for
 * n >= 4F + 1 (K_n is ceil(n / 2)-robust). On a graph that is not, e.g. two
 * cliques joined by one edge per agent, the trimming can cut the clusters
 * apart for good. Plain averaging has no defence: one agent that keeps
 * sending an extreme value drags every honest value towards it.
 *
 * Timing: agent clocks start together at tick 0; the agent sends its input
 * at tick 0 and updates at tick r x roundTicks (r = 1..roundsMax), then sends
 * the new value unless it was the last round. Messages carry their round; a
 * value that arrives after its round is over is ignored, so link latency must
 * be below roundTicks for every value to count. A lost value is simply left
 * out of that round's average (an agent that hears nothing keeps its value).
 *
 * Parameters (per agent): `PARAMS` below. `neighbors` are the agent's
 * out-neighbours (an agent averages whatever its in-neighbours send it): give
 * symmetric lists for an undirected graph.
 *
 * Byzantine agents (`honest: false`) ignore what they receive and send the
 * same value to every neighbour each round (LeBlanc et al.'s malicious
 * agent); they propose and hold nothing.
 *
 * Crashes are outside the model: nothing is stable storage, so a restarted
 * agent starts again from its input at round 0, out of phase with the
 * others; its round tags no longer match theirs, so each side ignores the
 * other's values from then on.
 *
 * Records: an honest agent proposes its input and holds its value after
 * every round (numbers, for the convergence checker with `tolerance`). It
 * decides nothing: averaging reaches one value only in the limit, and an
 * exact decision would fail agreement (values differ in the last bits) and
 * validity (the average is nobody's input) by construction. Judge runs with
 * convergence and a tolerance; the final value is also the agent's
 * `context.value`. Arithmetic is plain doubles; each average sums its values
 * in ascending order, so agents that average the same multiset get the same
 * bits whatever order the messages arrived in, and is clamped to the range of
 * the values averaged, so rounding never carries it outside.
 */
import { assign, enqueueActions, setup } from 'xstate';
import { type Effect, hold, propose, send, setTimer } from '../../sim/effects.ts';
import { PARAM_ROUNDS_MAX, PARAM_TICKS_MAX, PARAM_VALUE_MAX } from '../../sim/scenario/params.ts';
import {
  AGENTS_MAX,
  type AgentInput,
  type Json,
  type ParamSpecs,
  type Protocol,
} from '../../sim/spec.ts';
import { numberOr } from './params.ts';

const PARAMS = {
  input: {
    type: 'number',
    min: -PARAM_VALUE_MAX,
    max: PARAM_VALUE_MAX,
    defaultIs: "the agent's index (0, 1, …)",
    meaning: 'the initial value',
  },
  neighbors: {
    type: 'agents',
    defaultIs: 'all other agents',
    meaning: 'the agents this one sends its value to',
  },
  rule: {
    type: 'enum',
    values: ['plain', 'w-msr'],
    default: 'plain',
    meaning: 'average everything heard, or trim F values on each side first (W-MSR)',
  },
  trimF: {
    type: 'integer',
    min: 0,
    max: AGENTS_MAX,
    default: 1,
    unit: 'values',
    meaning: 'F, the values W-MSR trims on each side',
  },
  roundTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    meaning: 'length of a round',
  },
  roundsMax: {
    type: 'integer',
    min: 0,
    max: PARAM_ROUNDS_MAX,
    default: 50,
    unit: 'rounds',
    meaning: 'updates before the agent stops',
  },
  byzantineValue: {
    type: 'number',
    min: -PARAM_VALUE_MAX,
    max: PARAM_VALUE_MAX,
    default: 1000,
    meaning: 'what a Byzantine agent sends',
  },
  byzantineDriftPerRound: {
    type: 'number',
    min: -PARAM_VALUE_MAX,
    max: PARAM_VALUE_MAX,
    default: 0,
    meaning: 'added to byzantineValue each round: round r sends byzantineValue + r x drift',
  },
} as const satisfies ParamSpecs;

export type AveragingRule = 'plain' | 'w-msr';

interface Context {
  honest: boolean;
  rule: AveragingRule;
  trimF: number;
  roundTicks: number;
  roundsMax: number;
  byzantineValue: number;
  byzantineDriftPerRound: number;
  neighbors: readonly string[];
  value: number;
  /** Updates done so far; the value sent now belongs to this round. */
  round: number;
  /** Values received for the current round. */
  inbox: readonly number[];
}

type Event = { type: 'round' } | { type: 'value'; round: number; value: number; from: string };

function neighborsOf(input: AgentInput): readonly string[] {
  const listed = input.params['neighbors'];
  if (Array.isArray(listed)) return listed.map(String);
  return input.peers;
}

function ruleOf(value: Json | undefined): AveragingRule {
  return value === 'w-msr' ? 'w-msr' : 'plain';
}

const ascending = (a: number, b: number) => a - b;

/**
 * The mean of `values`, summed in ascending order and clamped to their range:
 * rounding could otherwise carry the mean of equal values an ulp past them,
 * and the safety of W-MSR is a statement about that range.
 */
function mean(values: number[]): number {
  values.sort(ascending);
  let sum = 0;
  for (const v of values) sum += v;
  const m = sum / values.length;
  return Math.min(Math.max(m, values[0] as number), values[values.length - 1] as number);
}

/**
 * The next value of an agent holding `own` that received `inbox`: the mean
 * of own and the received values, after W-MSR trimming when `rule` says so.
 */
export function nextValue(
  own: number,
  inbox: readonly number[],
  rule: AveragingRule,
  trimF: number,
): number {
  const sorted = [...inbox].sort(ascending);
  let lo = 0;
  let hi = sorted.length;
  if (rule === 'w-msr') {
    let smaller = 0;
    let larger = 0;
    for (const v of sorted) {
      if (v < own) smaller++;
      else if (v > own) larger++;
    }
    lo = Math.min(trimF, smaller);
    hi -= Math.min(trimF, larger);
  }
  const kept = sorted.slice(lo, hi);
  kept.push(own);
  return mean(kept);
}

/**
 * The effects of starting round `round`: the agent's value (honest) or its
 * lie (Byzantine) to every neighbour, and the timer that ends the round.
 */
function startRound(c: Context, round: number, value: number): Effect[] {
  const sent = c.honest ? value : c.byzantineValue + round * c.byzantineDriftPerRound;
  const message = { type: 'value', round, value: sent };
  const out = c.neighbors.map((to) => send(to, message));
  out.push(setTimer('round', c.roundTicks));
  return out;
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  guards: {
    lastRound: ({ context }) => context.round >= context.roundsMax,
    thisRound: ({ context, event }) => event.type === 'value' && event.round === context.round,
  },
}).createMachine({
  id: 'averaging',
  context: ({ input }) => ({
    honest: input.honest,
    rule: ruleOf(input.params['rule']),
    trimF: numberOr(input.params['trimF'], PARAMS.trimF.default),
    roundTicks: numberOr(input.params['roundTicks'], PARAMS.roundTicks.default),
    roundsMax: numberOr(input.params['roundsMax'], PARAMS.roundsMax.default),
    byzantineValue: numberOr(input.params['byzantineValue'], PARAMS.byzantineValue.default),
    byzantineDriftPerRound: numberOr(
      input.params['byzantineDriftPerRound'],
      PARAMS.byzantineDriftPerRound.default,
    ),
    neighbors: neighborsOf(input),
    value: numberOr(input.params['input'], input.index),
    round: 0,
    inbox: [],
  }),
  initial: 'running',
  entry: enqueueActions(({ context, enqueue }) => {
    if (context.honest) enqueue.emit(propose(context.value));
    if (context.roundsMax > 0)
      for (const e of startRound(context, 0, context.value)) enqueue.emit(e);
  }),
  states: {
    running: {
      always: { guard: 'lastRound', target: 'done' },
      on: {
        value: {
          guard: 'thisRound',
          actions: assign({
            inbox: ({ context, event }) => [...context.inbox, (event as { value: number }).value],
          }),
        },
        round: {
          actions: enqueueActions(({ context, enqueue }) => {
            const value = context.honest
              ? nextValue(context.value, context.inbox, context.rule, context.trimF)
              : context.value;
            const round = context.round + 1;
            enqueue.assign({ value, round, inbox: [] });
            if (context.honest) enqueue.emit(hold(value));
            if (round < context.roundsMax)
              for (const e of startRound(context, round, value)) enqueue.emit(e);
          }),
        },
      },
    },
    done: {},
  },
});

export const averaging: Protocol = { name: 'averaging', machine, params: PARAMS };
