/**
 * Rumour spreading by gossip in synchronous rounds: push, and push-pull
 * (Demers, Greene, Hauser, Irish, Larson, Shenker, Sturgis, Swinehart and
 * Terry 1987, "Epidemic algorithms for replicated database maintenance",
 * §1.4 complex epidemics, rumour spreading; Karp, Schindelhauer, Shenker and
 * Vöcking 2000, "Randomized rumor spreading", the random phone call model). One rumour starts at the source agent(s); every `roundTicks` ticks
 * each agent runs one round:
 * - push: every informed agent sends the rumour to `fanout` peers drawn
 *   uniformly at random, without replacement, from all other agents;
 * - push-pull: every agent calls `fanout` peers drawn the same way; an
 *   informed caller pushes the rumour, an uninformed caller sends a pull
 *   request, and a callee answers a pull with the rumour if it was informed
 *   before the round began (so a call informs both ends exactly as in the
 *   synchronous model: if either end knew the rumour at the start of the
 *   round, both know it at the end).
 * With fanout 1 and no loss, push informs all n agents in log2 n + ln n + O(1)
 * rounds (Frieze and Grimmett 1985; Pittel 1987), push-pull in
 * log3 n + O(log log n) (Karp et al. 2000); with each message arriving with
 * probability q, push needs about log_{1+q} n + (1/q) ln n rounds, to a
 * factor 1 + o(1) (Doerr, Huber and Levavi 2009, "Strong robustness of
 * randomized rumor spreading protocols").
 *
 * Timing: agent clocks start together at tick 0 and round r runs at tick
 * r x roundTicks (r = 1, 2, ...). The rounds are synchronous only if every
 * message of a round arrives before the next round: link latency must be
 * below roundTicks for push, and a pull's round trip (request plus answer)
 * below roundTicks for push-pull. A rumour that arrives during round r counts
 * as learnt in round r; the agent pushes it from round r + 1.
 *
 * Parameters (per agent): `PARAMS` below. Set `informed: false` on the
 * first agent to pick other sources. roundsAfterInformedMax is Demers' blind
 * counter: an agent that lost interest stops pushing, so the rumour can die
 * out before everyone has it.
 *
 * Records: each agent proposes 'informed' or 'uninformed' at start (the
 * proposal is its first held value), holds 'informed' when it learns the
 * rumour, and decides 'informed' at the same moment. The decision is there
 * for the checkers: termination holds exactly when every agent learnt the
 * rumour, validity holds because the decided value is a source's input, and
 * `limits.untilAllDecided` stops a run as soon as everyone is informed. An
 * agent that never learns it never decides. The convergence checker's
 * `distinct` series goes from 2 to 1 when the last agent is informed.
 *
 * Crashes: `informed` is stable storage (a replica keeps its update). A
 * restarted agent starts its round clock afresh at the restart tick, out of
 * phase with the others, which the synchronous model does not cover.
 * Byzantine agents (`honest: false`) are not modelled: they gossip like the
 * others.
 */
import { enqueueActions, setup } from 'xstate';
import {
  decide,
  type Effect,
  hold,
  propose,
  randomInt,
  send,
  setTimer,
} from '../../sim/effects.ts';
import { PARAM_ROUNDS_MAX, PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

export const INFORMED = 'informed';
export const UNINFORMED = 'uninformed';

const PARAMS = {
  mode: {
    type: 'enum',
    values: ['push', 'push-pull'],
    default: 'push',
    meaning: 'informed agents push; or every agent calls, pushing or pulling',
  },
  fanout: {
    type: 'integer',
    min: 1,
    // Floyd's draw compares each pick with those before it: fanout^2 work per round.
    max: 300,
    default: 1,
    unit: 'peers',
    meaning: 'peers contacted per round (all others if fanout >= n - 1)',
  },
  informed: {
    type: 'boolean',
    defaultIs: 'true for the first agent listed only',
    meaning: 'a source of the rumour',
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
    default: 40,
    unit: 'rounds',
    meaning: 'rounds each agent runs before it stops',
  },
  roundsAfterInformedMax: {
    type: 'integer',
    min: 0,
    max: PARAM_ROUNDS_MAX,
    defaultIs: 'roundsMax (no limit)',
    unit: 'rounds',
    role: 'push',
    meaning: 'rounds an informed agent keeps pushing after it learnt the rumour',
  },
} as const satisfies ParamSpecs;

export type GossipMode = 'push' | 'push-pull';

interface Context {
  mode: GossipMode;
  fanout: number;
  roundTicks: number;
  roundsMax: number;
  roundsAfterInformedMax: number;
  /** All agent ids, shared by every agent; peers are drawn by index from it. */
  agents: readonly string[];
  index: number;
  informed: boolean;
  /** The round in which the agent learnt the rumour (0 for a source), or -1. */
  informedRound: number;
  /** Rounds run so far. */
  round: number;
  /** Restarted with the rumour already held: do not propose or decide again. */
  restored: boolean;
}

type Event = { type: 'round' } | { type: 'rumour'; from: string } | { type: 'pull'; from: string };

function modeOf(value: unknown): GossipMode {
  return value === 'push-pull' ? 'push-pull' : PARAMS.mode.default;
}

/**
 * `count` distinct peers of agent `index`, uniformly at random without
 * replacement (Floyd's algorithm: exactly `count` draws), as ids.
 */
function pickPeers(agents: readonly string[], index: number, count: number): string[] {
  const others = agents.length - 1;
  const out: string[] = [];
  if (count >= others) {
    for (let i = 0; i < agents.length; i++) if (i !== index) out.push(agents[i] as string);
    return out;
  }
  const chosen: number[] = [];
  for (let j = others - count; j < others; j++) {
    const t = randomInt(0, j);
    chosen.push(chosen.includes(t) ? j : t);
  }
  for (const c of chosen) out.push(agents[c >= index ? c + 1 : c] as string);
  return out;
}

/** Whether the agent still takes part in rounds after round `round`. */
function active(c: Context, round: number): boolean {
  if (round >= c.roundsMax) return false;
  if (c.mode === 'push' && c.informed) return round - c.informedRound < c.roundsAfterInformedMax;
  return true;
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
}).createMachine({
  id: 'gossip',
  context: ({ input }) => {
    const restored = input.restored?.['informed'] === true;
    const source =
      typeof input.params['informed'] === 'boolean' ? input.params['informed'] : input.index === 0;
    const roundsMax = numberOr(input.params['roundsMax'], PARAMS.roundsMax.default);
    return {
      mode: modeOf(input.params['mode']),
      fanout: Math.max(1, numberOr(input.params['fanout'], PARAMS.fanout.default)),
      roundTicks: numberOr(input.params['roundTicks'], PARAMS.roundTicks.default),
      roundsMax,
      roundsAfterInformedMax: numberOr(input.params['roundsAfterInformedMax'], roundsMax),
      agents: input.agents,
      index: input.index,
      informed: source || restored,
      informedRound: source || restored ? 0 : -1,
      round: 0,
      restored,
    };
  },
  initial: 'running',
  entry: enqueueActions(({ context, enqueue }) => {
    if (!context.restored) {
      enqueue.emit(propose(context.informed ? INFORMED : UNINFORMED));
      if (context.informed) enqueue.emit(decide(INFORMED));
    }
    if (active(context, 0)) enqueue.emit(setTimer('round', context.roundTicks));
  }),
  states: {
    running: {
      on: {
        round: {
          actions: enqueueActions(({ context, enqueue }) => {
            const round = context.round + 1;
            enqueue.assign({ round });
            if (context.mode === 'push') {
              if (context.informed)
                for (const to of pickPeers(context.agents, context.index, context.fanout))
                  enqueue.emit(send(to, { type: 'rumour' }));
            } else {
              const message = { type: context.informed ? 'rumour' : 'pull' };
              for (const to of pickPeers(context.agents, context.index, context.fanout))
                enqueue.emit(send(to, message));
            }
            if (active(context, round)) enqueue.emit(setTimer('round', context.roundTicks));
          }),
        },
        rumour: {
          actions: enqueueActions(({ context, enqueue }) => {
            if (context.informed) return;
            enqueue.assign({ informed: true, informedRound: context.round });
            enqueue.emit(hold(INFORMED));
            enqueue.emit(decide(INFORMED));
          }),
        },
        pull: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (context.informed && context.informedRound < context.round)
              enqueue.emit(send(event.from, { type: 'rumour' }));
          }),
        },
      },
    },
  },
});

export const gossip: Protocol = {
  name: 'gossip',
  machine,
  persistent: ['informed'],
  params: PARAMS,
};
