/**
 * Debate by revision against independent voting among LLM-like agents
 * (Choi et al. 2025, "Debate or Vote: Which Yields Better Decisions in
 * Multi-Agent LLMs?"). Each agent starts with an answer to one question:
 * 'correct' with probability `accuracy`, else a wrong one ('wrong', or with
 * `wrongAnswers` k > 1 one of 'wrong-1' ... 'wrong-k' uniformly). Nothing in
 * the exchange brings new evidence: agents only see each other's answers.
 *
 * Mode 'vote': every agent broadcasts its answer once, waits `roundTicks`,
 * and decides the plurality of all answers it heard, its own included.
 * Ties go to the tied answer held by the agent listed first in the scenario
 * (among the agents heard), which is the same rule for every agent and blind
 * to which answer is correct; so on a lossless network every agent decides
 * the same answer.
 *
 * Mode 'debate': for `rounds` rounds the agent broadcasts its current
 * answer (tagged with the round), waits `roundTicks`, then revises from the
 * answers heard in that round, its own included; answers tagged with another
 * round are ignored. With probability `conformity` it revises (one draw per
 * round), otherwise it keeps its answer:
 * - revision 'majority': it adopts the plurality of the heard answers; on a
 *   tie it keeps its own answer if it is among the tied ones, else takes the
 *   tied answer of the agent listed first;
 * - revision 'random-peer': it adopts the answer of one peer drawn uniformly
 *   from the peers heard this round (the voter model); with no peer heard it
 *   keeps its own. On a complete lossless network the expected number of
 *   correct agents is then a martingale: debate does not raise expected
 *   accuracy.
 * After revising in the last round it decides its answer.
 *
 * Parameters (per agent): `PARAMS` below. Set roundTicks past the largest
 * latency, or late answers are ignored.
 *
 * Effects: propose(answer); hold(answer) on each change, with
 * note({ flip: { round, from, to } }); decide(answer) once.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import {
  broadcast,
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
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

export const CORRECT = 'correct';

const PARAMS = {
  input: {
    type: 'string',
    defaultIs: "'correct' with probability accuracy, else a wrong answer",
    meaning: "the agent's starting answer",
  },
  accuracy: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.6,
    meaning: "probability of starting with 'correct'",
  },
  wrongAnswers: {
    type: 'integer',
    min: 1,
    max: 1000,
    default: 1,
    unit: 'answers',
    meaning: 'number of distinct wrong answers k',
  },
  mode: {
    type: 'enum',
    values: ['vote', 'debate'],
    default: 'debate',
    meaning: 'one round of voting, or rounds of revision',
  },
  rounds: {
    type: 'integer',
    min: 1,
    max: PARAM_ROUNDS_MAX,
    default: 3,
    unit: 'rounds',
    meaning: 'debate rounds',
  },
  roundTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    meaning: 'how long an agent waits for answers in a round',
  },
  revision: {
    type: 'enum',
    values: ['majority', 'random-peer'],
    default: 'majority',
    meaning: 'adopt the plurality heard, or one peer drawn at random (the voter model)',
  },
  conformity: {
    type: 'number',
    min: 0,
    max: 1,
    default: 1,
    meaning: 'probability of revising in a round',
  },
} as const satisfies ParamSpecs;

/** The wrong answers when there are `k` of them. */
export function wrongAnswers(k: number): string[] {
  return k <= 1 ? ['wrong'] : Array.from({ length: k }, (_, i) => `wrong-${i + 1}`);
}

interface Context {
  /** All agent ids in scenario order, and this agent's position. */
  agents: readonly string[];
  self: number;
  input: string | null;
  accuracy: number;
  wrong: readonly string[];
  vote: boolean;
  rounds: number;
  roundTicks: number;
  randomPeer: boolean;
  conformity: number;
  answer: string;
  round: number;
  /** Answers heard this round, by agent position (own included); null when not heard. */
  heard: (string | null)[];
}

type Event = { type: 'answer'; round: number; answer: string; from: string } | { type: 'revise' };

/**
 * The plurality of `heard` (by agent position). Ties: `own` if `preferOwn`
 * and it is tied, else the tied answer at the lowest position.
 */
export function plurality(heard: readonly (string | null)[], own: string, preferOwn: boolean) {
  const count = new Map<string, number>();
  const first = new Map<string, number>();
  heard.forEach((a, i) => {
    if (a === null) return;
    count.set(a, (count.get(a) ?? 0) + 1);
    if (!first.has(a)) first.set(a, i);
  });
  let best = 0;
  for (const c of count.values()) best = Math.max(best, c);
  if (preferOwn && count.get(own) === best) return own;
  let pick = own;
  let at = Number.POSITIVE_INFINITY;
  for (const [a, c] of count) {
    const i = first.get(a) as number;
    if (c === best && i < at) {
      pick = a;
      at = i;
    }
  }
  return pick;
}

/** The answer after this round's revision. */
function revised(c: Context): string {
  if (random() >= c.conformity) return c.answer;
  if (!c.randomPeer) return plurality(c.heard, c.answer, true);
  const peers = c.heard.filter((a, i): a is string => a !== null && i !== c.self);
  if (peers.length === 0) return c.answer;
  return peers[randomInt(0, peers.length - 1)] as string;
}

/** Heard-answers array with only the agent's own answer. */
function onlyOwn(c: Context, answer: string): (string | null)[] {
  const heard: (string | null)[] = new Array(c.agents.length).fill(null);
  heard[c.self] = answer;
  return heard;
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  actions: {
    /** Broadcast the current answer for this round and wait for the others. */
    startRound: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ heard: onlyOwn(context, context.answer) });
      enqueue.emit(broadcast({ type: 'answer', round: context.round, answer: context.answer }));
      enqueue.emit(setTimer('revise', context.roundTicks));
    }),
    listen: assign({
      heard: ({ context, event }) => {
        if (event.type !== 'answer' || event.round !== context.round) return context.heard;
        const i = context.agents.indexOf(event.from);
        if (i < 0) return context.heard;
        const heard = context.heard.slice();
        heard[i] = event.answer;
        return heard;
      },
    }),
    revise: enqueueActions(({ context, enqueue }) => {
      const next = revised(context);
      if (next === context.answer) return;
      enqueue.assign({ answer: next });
      enqueue.emit(hold(next));
      enqueue.emit(note({ flip: { round: context.round, from: context.answer, to: next } }));
    }),
  },
  guards: {
    isVote: ({ context }) => context.vote,
    lastRound: ({ context }) => context.round >= context.rounds,
  },
}).createMachine({
  id: 'debate',
  context: ({ input }) => {
    const p = input.params;
    return {
      agents: input.agents,
      self: input.index,
      input: typeof p['input'] === 'string' ? p['input'] : null,
      accuracy: numberOr(p['accuracy'], PARAMS.accuracy.default),
      wrong: wrongAnswers(numberOr(p['wrongAnswers'], PARAMS.wrongAnswers.default)),
      vote: p['mode'] === 'vote',
      rounds: Math.max(1, numberOr(p['rounds'], PARAMS.rounds.default)),
      roundTicks: Math.max(1, numberOr(p['roundTicks'], PARAMS.roundTicks.default)),
      randomPeer: p['revision'] === 'random-peer',
      conformity: numberOr(p['conformity'], PARAMS.conformity.default),
      answer: '',
      round: 1,
      heard: [],
    };
  },
  entry: [
    assign({
      answer: ({ context }) => {
        if (context.input !== null) return context.input;
        if (random() < context.accuracy) return CORRECT;
        return context.wrong[randomInt(0, context.wrong.length - 1)] as string;
      },
    }),
    emit(({ context }) => propose(context.answer)),
    'startRound',
  ],
  initial: 'round',
  states: {
    round: {
      on: {
        answer: { actions: 'listen' },
        revise: [
          { guard: 'isVote', target: 'voted' },
          { guard: 'lastRound', target: 'done', actions: 'revise' },
          {
            actions: [
              'revise',
              assign({ round: ({ context }) => context.round + 1 }),
              'startRound',
            ],
          },
        ],
      },
    },
    voted: {
      entry: emit(({ context }) => decide(plurality(context.heard, context.answer, false))),
    },
    done: { entry: emit(({ context }) => decide(context.answer)) },
  },
});

export const debate: Protocol = { name: 'debate', machine, params: PARAMS };
