/**
 * Negotiation among LLM-like agents: a stochastic model of the "can AI
 * agents agree?" experiments (Berdoz et al. 2026, "Can AI Agents Agree?"),
 * where language-model agents exchange proposals in rounds, sometimes give
 * in to a peer, sometimes hold on, sometimes invent an option nobody put on
 * the table, and sometimes never notice that the negotiation is over. The
 * behaviour of a model is reduced to the named probabilities below; apart
 * from them only the input draw is random, and there are no hidden constants.
 *
 * Each agent proposes a value: its `input`, else one drawn uniformly from
 * `values`. It runs rounds r = 1, 2, ... at ticks 0, roundTicks,
 * 2 roundTicks, ... of its clock; at the start of a round it first
 * hallucinates with probability `hallucinationRatio` (it now holds the value
 * `h-<id>-<r>`, which nobody proposed), then broadcasts its current value.
 * On receiving a peer's value different from its own it draws twice: with
 * probability `stubbornness` it holds its own; otherwise, with probability
 * `conformity`, it adopts the peer's value. So each differing value heard is
 * adopted with probability exactly (1 - stubbornness) x conformity, and
 * ignored otherwise. The round a message carries is informational: a late
 * value from an earlier round counts like a fresh one. A hallucinated value
 * travels like any other and peers may adopt it. Draws from the agent's
 * stream: one for the input (unless given), one per round for hallucination
 * (only when hallucinationRatio > 0), and per differing value heard one for
 * stubbornness plus, when not stubborn, one for conformity.
 *
 * Termination. A termination-aware agent decides its current value once it
 * went `quietTicks` ticks without changing it (a timer restarted by every
 * change; with a quiet timer and a round due at the same tick, the quiet
 * timer fires first because it was set earlier), or when round
 * `roundsMax + 1` is due, i.e. after broadcasting in `roundsMax` rounds;
 * after deciding it stops sending. A termination-unaware agent
 * (`terminationAware: false`) never detects the quiet period: it decides
 * only after `roundsMax` rounds, and keeps broadcasting its decided value
 * every round after that (it does not know the negotiation ended), so such
 * runs stop by `untilAllDecided` or the tick limit. `roundsMax: 0` means no
 * round cap: an unaware agent then never decides (termination fails).
 *
 * Parameters (per agent): `PARAMS` below.
 *
 * Effects: propose(input); hold(v) on each change; note({ hallucination: v })
 * when a value is invented; decide(v) once.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import {
  broadcast,
  cancelTimer,
  decide,
  type Effect,
  hold,
  note,
  propose,
  random,
  randomInt,
  setTimer,
} from '../../sim/effects.ts';
import { PARAM_ROUNDS_MAX, PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, Json, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { booleanOr, numberOr } from './params.ts';

const PARAMS = {
  input: {
    type: 'json',
    defaultIs: 'drawn uniformly from values',
    meaning: "the agent's proposal, compared as text",
  },
  values: {
    type: 'strings',
    itemsMin: 1,
    default: ['A', 'B', 'C'],
    meaning: 'the options an agent without input draws from',
  },
  roundTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    meaning: 'time between two broadcasts',
  },
  stubbornness: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.3,
    meaning: "probability of keeping one's own value on hearing a different one",
  },
  conformity: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.5,
    meaning: 'probability of adopting the heard value when not stubborn',
  },
  quietTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 40,
    unit: 'ticks',
    meaning: 'time without a change after which an aware agent decides',
  },
  roundsMax: {
    type: 'integer',
    min: 0,
    max: PARAM_ROUNDS_MAX,
    default: 20,
    unit: 'rounds',
    meaning: 'broadcast rounds after which every agent decides, 0 for no cap',
  },
  hallucinationRatio: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    meaning: 'probability per round of switching to an invented value',
  },
  terminationAware: {
    type: 'boolean',
    default: true,
    meaning: 'the agent detects the quiet period, and stops after deciding',
  },
} as const satisfies ParamSpecs;

export const DEFAULT_VALUES: readonly string[] = PARAMS.values.default;

interface Context {
  id: string;
  /** Value proposed by the `input` parameter, or null to draw one. */
  input: string | null;
  values: readonly string[];
  roundTicks: number;
  stubbornness: number;
  conformity: number;
  quietTicks: number;
  roundsMax: number;
  hallucinationRatio: number;
  terminationAware: boolean;
  /** The value held now. */
  value: string;
  /** Rounds broadcast so far. */
  round: number;
}

type Event =
  | { type: 'value'; value: string; round: number; from: string }
  | { type: 'round' }
  | { type: 'quiet' };

/** `value` as a list of strings when it is a non-empty array, else `fallback`. */
function stringsOr(value: Json | undefined, fallback: readonly string[]): readonly string[] {
  return Array.isArray(value) && value.length > 0 ? value.map((v) => String(v)) : fallback;
}

/** The value agent `id` invents in round `round` (proposed by no one unless listed as an input). */
export function hallucinated(id: string, round: number): string {
  return `h-${id}-${round}`;
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  actions: {
    /** Start the next round: maybe hallucinate, broadcast, schedule the round after. */
    startRound: enqueueActions(({ context, enqueue }) => {
      const round = context.round + 1;
      let value = context.value;
      if (context.hallucinationRatio > 0 && random() < context.hallucinationRatio) {
        value = hallucinated(context.id, round);
        enqueue.emit(hold(value));
        enqueue.emit(note({ hallucination: value }));
        if (context.terminationAware) enqueue.emit(setTimer('quiet', context.quietTicks));
      }
      enqueue.assign({ round, value });
      enqueue.emit(broadcast({ type: 'value', value, round }));
      enqueue.emit(setTimer('round', context.roundTicks));
    }),
    /** After deciding, unaware: broadcast the decided value now and every roundTicks. */
    chatter: enqueueActions(({ context, enqueue }) => {
      const round = context.round + 1;
      enqueue.assign({ round });
      enqueue.emit(broadcast({ type: 'value', value: context.value, round }));
      enqueue.emit(setTimer('round', context.roundTicks));
    }),
    /** On a differing value: stubborn with p = stubbornness, else adopt with p = conformity. */
    consider: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'value' || event.value === context.value) return;
      if (random() < context.stubbornness) return;
      if (random() >= context.conformity) return;
      enqueue.assign({ value: event.value });
      enqueue.emit(hold(event.value));
      if (context.terminationAware) enqueue.emit(setTimer('quiet', context.quietTicks));
    }),
  },
  guards: {
    roundsDone: ({ context }) => context.roundsMax > 0 && context.round >= context.roundsMax,
    aware: ({ context }) => context.terminationAware,
  },
}).createMachine({
  id: 'llm-negotiation',
  context: ({ input }) => {
    const p = input.params;
    return {
      id: input.id,
      input: p['input'] === undefined || p['input'] === null ? null : String(p['input']),
      values: stringsOr(p['values'], DEFAULT_VALUES),
      roundTicks: Math.max(1, numberOr(p['roundTicks'], PARAMS.roundTicks.default)),
      stubbornness: numberOr(p['stubbornness'], PARAMS.stubbornness.default),
      conformity: numberOr(p['conformity'], PARAMS.conformity.default),
      quietTicks: Math.max(1, numberOr(p['quietTicks'], PARAMS.quietTicks.default)),
      roundsMax: Math.max(0, numberOr(p['roundsMax'], PARAMS.roundsMax.default)),
      hallucinationRatio: numberOr(p['hallucinationRatio'], PARAMS.hallucinationRatio.default),
      terminationAware: booleanOr(p['terminationAware'], PARAMS.terminationAware.default),
      value: '',
      round: 0,
    };
  },
  entry: [
    assign({
      value: ({ context }) =>
        context.input ?? (context.values[randomInt(0, context.values.length - 1)] as string),
    }),
    emit(({ context }) => propose(context.value)),
    enqueueActions(({ context, enqueue }) => {
      if (context.terminationAware) enqueue.emit(setTimer('quiet', context.quietTicks));
    }),
    'startRound',
  ],
  initial: 'negotiating',
  states: {
    negotiating: {
      on: {
        value: { actions: 'consider' },
        round: [{ guard: 'roundsDone', target: 'decided' }, { actions: 'startRound' }],
        quiet: { guard: 'aware', target: 'decided' },
      },
    },
    decided: {
      entry: [
        emit(({ context }) => decide(context.value)),
        emit(cancelTimer('quiet')),
        emit(cancelTimer('round')),
        enqueueActions(({ context, enqueue }) => {
          if (!context.terminationAware) enqueue({ type: 'chatter' });
        }),
      ],
      // Only an unaware agent sets the round timer here.
      on: { round: { actions: 'chatter' } },
    },
  },
});

export const llmNegotiation: Protocol = { name: 'llm-negotiation', machine, params: PARAMS };
