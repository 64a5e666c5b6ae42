/**
 * Rumour spreading by gossip in synchronous rounds (Demers, Greene, Hauser,
 * Irish, Larson, Shenker, Sturgis, Swinehart and Terry 1987, "Epidemic
 * algorithms for replicated database maintenance": anti-entropy, and §1.4
 * complex epidemics; Karp, Schindelhauer, Shenker and Vöcking 2000,
 * "Randomized rumor spreading", the random phone call model). One rumour
 * starts at the source agent(s); every `roundTicks` ticks each agent runs one
 * round, calling `fanout` peers drawn uniformly at random, without
 * replacement, from all other agents:
 * - push: every informed agent that has not lost interest sends the rumour;
 * - push-pull: every agent calls; an informed caller pushes the rumour, an
 *   uninformed caller sends a pull request, and a callee answers a pull with
 *   the rumour if it was informed before the round began (so a call informs
 *   both ends exactly as in the synchronous model: if either end knew the
 *   rumour at the start of the round, both know it at the end);
 * - anti-entropy: every agent, every round, compares its whole state with
 *   each peer it calls: the caller sends its state, the callee merges it and
 *   always answers with its own state as it was at the start of the round.
 *   The information moves as in push-pull, but every call costs two
 *   messages, even between two agents that both know everything, since
 *   neither can tell before comparing. It never stops before roundsMax, so
 *   nobody is left out (residue 0): Demers' backup for rumour mongering.
 *
 * Losing interest (push only; Demers' "rumor mongering"): with
 * `interestLoss`, an informed agent stops pushing
 * - blind-coin: with probability 1 / k after every call, whoever it called;
 * - feedback-coin: with probability 1 / k after each call to a peer that
 *   already knew the rumour;
 * - feedback-counter: after k calls to peers that already knew it;
 * with k = `interestLossK`. Feedback is a reply: a push asks for it (the
 * message carries `reply: true`) and a callee that was informed before the
 * round began answers `known`, so in the synchronous model a peer told in
 * the same round by someone else still counts as new. A lost feedback
 * message is a lost reply: the caller keeps its interest a little longer.
 * `roundsAfterInformedMax` is the blind counter, in rounds (k calls when
 * fanout is 1); it combines with any interestLoss: the first to stop wins.
 * Demers' continuous-time equations give the residue (the fraction never
 * informed) s = exp(-k (1 - s)) for the blind coin and for the blind counter,
 * and s = exp(-(k + 1) (1 - s)) for the feedback coin; in synchronous rounds
 * the feedback residue is lower (many calls of one round see the same,
 * older state): test/protocols/gossip.test.ts derives both.
 *
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
 * below roundTicks for push, and a round trip (pull and answer, exchange and
 * answer, push and feedback) below roundTicks for the others. A rumour that
 * arrives during round r counts as learnt in round r; the agent pushes it
 * from round r + 1.
 *
 * Parameters (per agent): `PARAMS` below. Set `informed: false` on the
 * first agent to pick other sources.
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
 * Crashes: `informed` is stable storage (a replica keeps its update); the
 * interest in it is not (a restarted agent pushes again). A restarted agent
 * starts its round clock afresh at the restart tick, out of phase with the
 * others, which the synchronous model does not cover.
 * Byzantine agents (`honest: false`) are not modelled: they gossip like the
 * others.
 */
import { enqueueActions, setup } from 'xstate';
import {
  cancelTimer,
  decide,
  type Effect,
  hold,
  propose,
  random,
  send,
  setTimer,
} from '../../sim/effects.ts';
import { PARAM_ROUNDS_MAX, PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';
import { drawPeers, PEERS_PER_DRAW_MAX } from './peers.ts';

export const INFORMED = 'informed';
export const UNINFORMED = 'uninformed';

const PARAMS = {
  mode: {
    type: 'enum',
    values: ['push', 'push-pull', 'anti-entropy'],
    default: 'push',
    meaning:
      'informed agents push; or every agent calls, pushing or pulling; or every agent exchanges its whole state with each peer it calls, every round',
  },
  fanout: {
    type: 'integer',
    min: 1,
    max: PEERS_PER_DRAW_MAX,
    default: 1,
    unit: 'peers',
    meaning: 'peers called per round (all others if fanout >= n - 1)',
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
    onlyWhen: { param: 'mode', in: ['push'] },
    meaning: 'rounds an informed agent keeps pushing after it learnt the rumour (blind counter)',
  },
  interestLoss: {
    type: 'enum',
    values: ['never', 'blind-coin', 'feedback-coin', 'feedback-counter'],
    default: 'never',
    role: 'push',
    onlyWhen: { param: 'mode', in: ['push'] },
    meaning:
      "when an informed agent stops pushing (Demers' rumour mongering): after any call with probability 1/k, after a call to a peer that knew the rumour with probability 1/k, or after k such calls",
  },
  interestLossK: {
    type: 'integer',
    min: 1,
    // A coin compares a 32-bit draw times k with 2^32: exact while k < 2^21.
    max: 1_000_000,
    default: 2,
    unit: 'calls',
    role: 'push',
    onlyWhen: { param: 'interestLoss', in: ['blind-coin', 'feedback-coin', 'feedback-counter'] },
    meaning:
      "Demers' k: a coin stops with probability 1/k per call it counts, a counter after k calls to peers that knew the rumour",
  },
} as const satisfies ParamSpecs;

export type GossipMode = 'push' | 'push-pull' | 'anti-entropy';
export type InterestLoss = 'never' | 'blind-coin' | 'feedback-coin' | 'feedback-counter';

interface Context {
  mode: GossipMode;
  fanout: number;
  roundTicks: number;
  roundsMax: number;
  roundsAfterInformedMax: number;
  interestLoss: InterestLoss;
  interestLossK: number;
  /** All agent ids, shared by every agent; peers are drawn by index from it. */
  agents: readonly string[];
  index: number;
  informed: boolean;
  /** The round in which the agent learnt the rumour (0 for a source), or -1. */
  informedRound: number;
  /** Still pushing the rumour: false once it lost interest. */
  interested: boolean;
  /** Calls answered `known` so far (the feedback counter). */
  knownCount: number;
  /** Rounds run so far. */
  round: number;
  /** Restarted with the rumour already held: do not propose or decide again. */
  restored: boolean;
}

type Event =
  | { type: 'round' }
  | { type: 'rumour'; from: string; reply?: boolean }
  | { type: 'pull'; from: string }
  | { type: 'known'; from: string }
  | { type: 'exchange'; from: string; informed: boolean }
  | { type: 'exchange-answer'; from: string; informed: boolean };

function modeOf(value: unknown): GossipMode {
  return value === 'push-pull' || value === 'anti-entropy' ? value : PARAMS.mode.default;
}

function interestLossOf(value: unknown): InterestLoss {
  return value === 'blind-coin' || value === 'feedback-coin' || value === 'feedback-counter'
    ? value
    : PARAMS.interestLoss.default;
}

const asksFeedback = (c: Context) =>
  c.mode === 'push' &&
  (c.interestLoss === 'feedback-coin' || c.interestLoss === 'feedback-counter');

/** True with probability ceil(2^32 / k) / 2^32 (1/k within 2^-32), from the agent's stream. */
const coin = (k: number) => random() * k < 1;

/** Whether the agent still takes part in rounds after round `round`, given its interest. */
function active(c: Context, round: number, interested: boolean): boolean {
  if (round >= c.roundsMax) return false;
  if (c.mode === 'push' && c.informed)
    return interested && round - c.informedRound < c.roundsAfterInformedMax;
  return true;
}

/** Whether the agent knew the rumour when its current round began. */
const knewAtRoundStart = (c: Context) => c.informed && c.informedRound < c.round;

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  actions: {
    /** Learn the rumour (once): hold and decide 'informed'. */
    learn: enqueueActions(({ context, enqueue }) => {
      if (context.informed) return;
      enqueue.assign({ informed: true, informedRound: context.round });
      enqueue.emit(hold(INFORMED));
      enqueue.emit(decide(INFORMED));
    }),
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
      interestLoss: interestLossOf(input.params['interestLoss']),
      interestLossK: Math.max(
        1,
        numberOr(input.params['interestLossK'], PARAMS.interestLossK.default),
      ),
      agents: input.agents,
      index: input.index,
      informed: source || restored,
      informedRound: source || restored ? 0 : -1,
      interested: true,
      knownCount: 0,
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
    if (active(context, 0, true)) enqueue.emit(setTimer('round', context.roundTicks));
  }),
  states: {
    running: {
      on: {
        round: {
          actions: enqueueActions(({ context, enqueue }) => {
            const round = context.round + 1;
            let interested = context.interested;
            if (context.mode === 'push') {
              if (context.informed && interested) {
                const message = asksFeedback(context)
                  ? { type: 'rumour', reply: true }
                  : { type: 'rumour' };
                const peers = drawPeers(context.agents, context.index, context.fanout);
                for (const to of peers) enqueue.emit(send(to, message));
                if (context.interestLoss === 'blind-coin')
                  for (let i = 0; i < peers.length && interested; i++)
                    if (coin(context.interestLossK)) interested = false;
              }
            } else if (context.mode === 'push-pull') {
              const message = { type: context.informed ? 'rumour' : 'pull' };
              for (const to of drawPeers(context.agents, context.index, context.fanout))
                enqueue.emit(send(to, message));
            } else {
              const message = { type: 'exchange', informed: context.informed };
              for (const to of drawPeers(context.agents, context.index, context.fanout))
                enqueue.emit(send(to, message));
            }
            enqueue.assign({ round, interested });
            if (active(context, round, interested))
              enqueue.emit(setTimer('round', context.roundTicks));
          }),
        },
        rumour: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (event.reply === true && knewAtRoundStart(context))
              enqueue.emit(send(event.from, { type: 'known' }));
            enqueue('learn');
          }),
        },
        known: {
          actions: enqueueActions(({ context, enqueue }) => {
            if (!asksFeedback(context) || !context.interested) return;
            const knownCount = context.knownCount + 1;
            const stops =
              context.interestLoss === 'feedback-counter'
                ? knownCount >= context.interestLossK
                : coin(context.interestLossK);
            enqueue.assign({ knownCount, interested: !stops });
            if (stops) enqueue.emit(cancelTimer('round'));
          }),
        },
        pull: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (knewAtRoundStart(context)) enqueue.emit(send(event.from, { type: 'rumour' }));
          }),
        },
        exchange: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            enqueue.emit(
              send(event.from, { type: 'exchange-answer', informed: knewAtRoundStart(context) }),
            );
            if (event.informed) enqueue('learn');
          }),
        },
        'exchange-answer': {
          actions: enqueueActions(({ event, enqueue }) => {
            if (event.informed) enqueue('learn');
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
