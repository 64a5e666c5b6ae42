/**
 * What a compromised agent can do to a naive vote. Every honest agent
 * broadcasts its vote once at tick 0, counts the votes it receives, and at
 * `deadlineTicks` decides the value with the most votes (its own included;
 * a tie goes to the value whose JSON text sorts first). A compromised agent
 * (`honest: false` in the scenario) runs one of three attacks:
 *
 * - equivocate: it tells different peers different things. It casts no vote
 *   of its own at first; to every agent whose vote it receives it sends back
 *   a vote for that agent's own value. With three agents, honest inputs x and
 *   y and one such agent, each honest agent counts two votes for its own
 *   value and decides it: agreement fails. Lamport, Shostak and Pease 1982,
 *   "The Byzantine Generals Problem", §2: no protocol reaches agreement with
 *   n <= 3f traitors; with n > 3f oral messages OM(f) does (§3,
 *   byzantine-om.ts), and signed messages expose the two-faced sender (§4).
 * - forge: it sends each peer, before its own vote, a vote for its own value
 *   under the name of every other agent but that peer (the engine's `forge`
 *   effect: the receiver sees `from` as the named agent; the trace keeps a
 *   `{ forge: as }` note and the true sender). Without authenticated senders
 *   a receiver cannot tell; a vote it already counted is counted again, or
 *   the forgery takes the genuine voter's place.
 * - replay: it votes its own value, then resends the vote it received from
 *   `replayFrom`, unchanged, `replays` times to every other peer: an old,
 *   genuine message accepted again (a replay attack: Anderson, "Security
 *   Engineering", 3rd ed. 2020, ch. 4 "Protocols": without a nonce or a
 *   sequence number nothing tells a fresh message from an old one).
 * - none: it votes its value like an honest agent.
 *
 * How honest agents count (`tally`) decides which attacks work:
 * - 'naive': every vote message counts, so a replayed or forged vote counts
 *   on top of the genuine ones.
 * - 'sender': one vote per sender, the first to arrive. A replay comes from
 *   the compromised agent, whose one vote is already in, so it is ignored;
 *   a forgery names another sender, and wins that sender's place when it
 *   arrives first (at equal latency, copies sent first arrive first: list the
 *   compromised agent first). Equivocation survives both: each honest agent
 *   hears one vote from the compromised agent, a different one each.
 *
 * Parameters (per agent): `PARAMS` below. An honest agent's deadline must
 * come after every vote and attack has arrived.
 *
 * Records: honest agents propose their input and decide once; compromised
 * agents neither propose nor decide, so the agreement and validity checkers
 * judge the honest agents only.
 */
import { enqueueActions, setup } from 'xstate';
import {
  broadcast,
  decide,
  type Effect,
  forge,
  type Message,
  note,
  propose,
  send,
  setTimer,
} from '../../sim/effects.ts';
import { PARAM_TICKS_MAX, PARAM_WORK_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, Json, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

export type Attack = 'none' | 'equivocate' | 'forge' | 'replay';
export type Tally = 'naive' | 'sender';

const PARAMS = {
  input: { type: 'json', defaultIs: "the agent's id", meaning: "the agent's vote" },
  tally: {
    type: 'enum',
    values: ['naive', 'sender'],
    default: 'naive',
    meaning: 'count every vote message, or one vote per sender (the first to arrive)',
  },
  deadlineTicks: {
    type: 'integer',
    min: 0,
    max: PARAM_TICKS_MAX,
    default: 10,
    unit: 'ticks',
    meaning: 'when an honest agent counts the votes and decides',
  },
  attack: {
    type: 'enum',
    values: ['none', 'equivocate', 'forge', 'replay'],
    default: 'none',
    meaning: 'what a compromised agent does; ignored for honest agents',
  },
  replayFrom: {
    type: 'agent',
    defaultIs: 'the first other agent listed',
    role: 'replay',
    meaning: 'the agent whose vote is replayed',
  },
  replays: {
    type: 'integer',
    min: 0,
    // Sent to every other peer in one step: replays x n copies.
    max: PARAM_WORK_MAX / 100,
    default: 1,
    unit: 'messages',
    role: 'replay',
    meaning: 'copies of the replayed vote sent to each other peer',
  },
} as const satisfies ParamSpecs;

interface Context {
  id: string;
  agents: readonly string[];
  honest: boolean;
  attack: Attack;
  input: Json;
  sender: boolean;
  deadlineTicks: number;
  replayFrom: string;
  replays: number;
  /** Votes counted, in order of arrival (the agent's own first). */
  votes: Json[];
  /** Senders whose vote was counted (tally 'sender'), or answered (equivocate). */
  heard: string[];
}

type Event = { type: 'vote'; value: Json; from: string } | { type: 'count' };

function attackOf(value: Json | undefined): Attack {
  return value === 'equivocate' || value === 'forge' || value === 'replay'
    ? value
    : PARAMS.attack.default;
}

/** The value with the most votes; a tie goes to the value whose JSON text sorts first. */
export function plurality(votes: readonly Json[]): Json {
  const counts = new Map<string, number>();
  for (const v of votes) {
    const key = JSON.stringify(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let best: string | null = null;
  let most = 0;
  for (const [key, count] of counts)
    if (count > most || (count === most && best !== null && key < best)) {
      best = key;
      most = count;
    }
  return best === null ? null : (JSON.parse(best) as Json);
}

const vote = (value: Json): Message => ({ type: 'vote', value });

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
}).createMachine({
  id: 'compromised',
  context: ({ input }) => {
    const first = input.agents.find((a) => a !== input.id) ?? '';
    const replayFrom = input.params['replayFrom'];
    const value = input.params['input'] ?? input.id;
    return {
      id: input.id,
      agents: input.agents,
      honest: input.honest,
      attack: input.honest ? 'none' : attackOf(input.params['attack']),
      input: value,
      sender: input.params['tally'] === 'sender',
      deadlineTicks: numberOr(input.params['deadlineTicks'], PARAMS.deadlineTicks.default),
      replayFrom: typeof replayFrom === 'string' ? replayFrom : first,
      replays: numberOr(input.params['replays'], PARAMS.replays.default),
      votes: [value],
      heard: [],
    };
  },
  entry: enqueueActions(({ context, enqueue }) => {
    if (context.honest) {
      enqueue.emit(propose(context.input));
      enqueue.emit(setTimer('count', context.deadlineTicks));
    }
    if (context.attack === 'forge')
      for (const to of context.agents)
        for (const as of context.agents)
          if (to !== context.id && as !== context.id && as !== to)
            enqueue.emit(forge(to, as, vote(context.input)));
    if (context.attack !== 'equivocate') enqueue.emit(broadcast(vote(context.input)));
  }),
  initial: 'voting',
  states: {
    voting: {
      on: {
        vote: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (context.honest) {
              if (context.sender && context.heard.includes(event.from)) return;
              enqueue.assign({
                votes: [...context.votes, event.value],
                heard: [...context.heard, event.from],
              });
            } else if (context.attack === 'equivocate') {
              if (context.heard.includes(event.from)) return;
              enqueue.assign({ heard: [...context.heard, event.from] });
              enqueue.emit(send(event.from, vote(event.value)));
            } else if (context.attack === 'replay' && event.from === context.replayFrom) {
              if (context.heard.includes(event.from)) return;
              enqueue.assign({ heard: [...context.heard, event.from] });
              // The message as it was received, without the network's `from`.
              const { from: _, ...message } = event;
              enqueue.emit(note({ replay: event.from }));
              for (const to of context.agents)
                if (to !== context.id && to !== event.from)
                  for (let k = 0; k < context.replays; k++) enqueue.emit(send(to, message));
            }
          }),
        },
        count: { target: 'decided' },
      },
    },
    decided: {
      entry: enqueueActions(({ context, enqueue }) => {
        enqueue.emit(decide(plurality(context.votes)));
      }),
    },
  },
});

export const compromised: Protocol = { name: 'compromised', machine, params: PARAMS };
