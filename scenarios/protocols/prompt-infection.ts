/**
 * Prompt infection: a self-replicating injected instruction spreading among
 * LLM agents that talk to each other (Lee and Tiwari 2024, "Prompt Infection:
 * LLM-to-LLM prompt injection within multi-agent systems", arXiv:2410.07283),
 * run as a discrete-time SIS epidemic on the agents' graph (Wang, Chakrabarti,
 * Wang and Faloutsos 2003, "Epidemic spreading in real networks: an
 * eigenvalue viewpoint", SRDS 2003: the NLDS model and its Theorem 1).
 *
 * The model. Agents sit on a directed graph: each sends to its `neighbors`.
 * Some agents read an untrusted data source once at tick 0 (parameter
 * `source`); the source's content carries an injected instruction in its
 * field `instruction`, by convention `{ id, kind: 'replicate' }`. Every
 * `roundTicks` ticks each agent runs one round: it sends one chat message to
 * each of its contacts of the round, and if it follows an instruction of
 * kind 'replicate' the message carries that instruction. The contact model
 * (`contacts`) says who those are: 'all-neighbors', every neighbour every
 * round; or 'random-peers', `peersPerRound` = m neighbours drawn uniformly at
 * random without replacement, afresh each round, from the agent's own
 * stream (all of them when it has m or fewer). An agent that follows
 * nothing and receives a chat carrying an instruction follows it with
 * probability `susceptibility`, or `taggedSusceptibility` when the engine
 * tagged the chat `untrusted: true` (the tagging mitigation: the agent is
 * told the text comes from outside its zone); a reader follows the instruction in the source's
 * content with probability `readSusceptibility` (default 1: the document
 * compromises the agent that reads it, the first step of Lee and Tiwari's
 * attack, so the epidemic starts from the readers). It then notes
 * `{ follows: id }`. After sending in a round, a following agent stops with
 * probability `recoveryRatio` (its context is cleaned, it notices the
 * injection) and notes `{ recovers: id }`; it is susceptible again at once,
 * even to that round's messages. So with β the per-contact probability and
 * δ = recoveryRatio, an agent infected at the start of a round stays
 * infected unless it recovers (probability δ) and no infected neighbour
 * infects it again, and each neighbour it sends to is infected with
 * probability β independently: Wang et al.'s model. With recoveryRatio 0 it
 * is the SI model: nobody recovers.
 *
 * The epidemic threshold, all neighbours: let A be the adjacency matrix
 * (A_ij = 1 when j sends to i; symmetric for an undirected graph) and λ_max
 * its spectral radius. Linearising, the probabilities p_i that agent i is
 * infected after each round evolve as p(t + 1) <= ((1 - δ) I + β A) p(t) (a
 * union bound), a matrix with spectral radius 1 - δ + β λ_max. When
 * β / δ < 1 / λ_max this is below 1 and the expected number infected decays
 * geometrically: the infection dies out quickly. Above the threshold it
 * persists around a steady state. For the complete graph K_n, λ_max = n - 1
 * and the continuous-time mean-field steady state is the fraction
 * 1 - δ / (β (n - 1)); in these discrete rounds the level is higher, since an
 * agent that recovers can be infected again by the same round's messages.
 *
 * Random peers: agent j, with d_j neighbours, sends to each of them with
 * probability m_j / d_j in a round (m_j = min(m, d_j)), so the union bound
 * becomes p(t + 1) <= ((1 - δ) I + β M) p(t) with M_ij = A_ij m_j / d_j.
 * Column j of M sums to m_j: with at least m neighbours each, every column
 * sums to m and the spectral radius of M is exactly m, on any graph. The
 * infection dies out when β m / δ < 1, whatever n and the graph: each
 * infected agent makes m contacts a round, whoever they are. Being contacted
 * by others does not add to it: a chat carries the instruction one way, from
 * sender to receiver, and the chats an agent receives in a round (about
 * Poisson(m) of them on the complete graph) are the other agents' m
 * contacts, already counted. On the complete graph, with i the infected
 * fraction at the start of a round and n large, a clean agent is reached by
 * an infected agent's chat with probability m / (n - 1) per infected agent,
 * so it escapes all (n - 1) i of them with probability
 * (1 - β m / (n - 1))^((n - 1) i) -> e^(-β m i), and the fraction after the
 * round is i' = 1 - (1 - (1 - δ) i) e^(-β m i) (clean at the end: clean or
 * recovered, and not reinfected). Its slope at i = 0 is 1 - δ + β m: the
 * same threshold β m / δ = 1. Above it the plateau i* solves
 * 1 - i* = (1 - (1 - δ) i*) e^(-β m i*), which tends to the continuous-time
 * 1 - δ / (β m) as β and δ shrink at a fixed ratio (di/dt =
 * β m i (1 - i) - δ i). test/protocols/prompt-infection.test.ts measures both
 * sides.
 *
 * Mitigations come from the engine (sim/trust.ts): tagging (with a lower
 * taggedSusceptibility), a gateway that strips or blocks instructions at a
 * zone boundary, and quarantined readers whose messages lose their
 * instructions, so a quarantined reader may follow an instruction but cannot
 * pass it on. Readers must be in a zone above the source's for tagging to
 * apply; with sticky provenance (the default) everything a reader sends later
 * is tagged too.
 *
 * Instructions: an instruction's id is its field `id` (or the instruction
 * itself when it is not an object with an id). Only kind 'replicate' is
 * forwarded; an agent may follow an instruction of another kind, which then
 * spreads no further. An agent follows one instruction at a time and ignores
 * others while it does.
 *
 * Parameters (per agent): `PARAMS` below. Set roundTicks above the largest
 * link latency, so every round's messages arrive before the next round.
 *
 * Records: the notes `{ follows: id }` and `{ recovers: id }` read by the
 * infection checker (sim/checkers/infection.ts). Agents propose, hold and
 * decide nothing: a run ends after roundsMax rounds, when the last round's
 * messages have arrived. A crash wipes what an agent follows (nothing is
 * persistent); the checker counts a crashed agent as recovered.
 * Byzantine agents (`honest: false`) are not modelled: they behave like the
 * others.
 */
import { enqueueActions, setup } from 'xstate';
import {
  type Effect,
  type Message,
  note,
  random,
  read,
  send,
  setTimer,
} from '../../sim/effects.ts';
import { PARAM_ROUNDS_MAX, PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, Json, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';
import { drawFrom, drawPeers, PEERS_PER_DRAW_MAX } from './peers.ts';

export const REPLICATE = 'replicate';

const PARAMS = {
  neighbors: {
    type: 'agents',
    defaultIs: 'all other agents',
    meaning: 'the agents this agent sends to',
  },
  source: {
    type: 'string',
    defaultIs: 'none',
    meaning: 'id of a data source (trust.sources) this agent reads at tick 0',
  },
  contacts: {
    type: 'enum',
    values: ['all-neighbors', 'random-peers'],
    default: 'all-neighbors',
    meaning:
      'whom the agent chats with each round: every neighbour, or peersPerRound neighbours drawn at random afresh each round',
  },
  peersPerRound: {
    type: 'integer',
    min: 1,
    max: PEERS_PER_DRAW_MAX,
    default: 1,
    unit: 'peers',
    role: 'random-peers',
    onlyWhen: { param: 'contacts', in: ['random-peers'] },
    meaning:
      'neighbours chatted with per round (m), drawn uniformly without replacement; all of them if m >= their number',
  },
  readSusceptibility: {
    type: 'number',
    min: 0,
    max: 1,
    default: 1,
    meaning: 'probability of following the instruction in the content read, tagged or not',
  },
  susceptibility: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.3,
    meaning: 'probability of following an instruction in one untagged chat (β)',
  },
  taggedSusceptibility: {
    type: 'number',
    min: 0,
    max: 1,
    defaultIs: 'susceptibility (the agent ignores tags)',
    meaning: 'the same for a chat tagged untrusted',
  },
  recoveryRatio: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.1,
    meaning: 'probability per round that a following agent stops (δ); 0 for SI',
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
    default: 20,
    unit: 'rounds',
    meaning: 'rounds each agent runs',
  },
} as const satisfies ParamSpecs;

export type Contacts = 'all-neighbors' | 'random-peers';

interface Context {
  /** Ids this agent sends to, or null for all other agents. */
  neighbors: readonly string[] | null;
  contacts: Contacts;
  peersPerRound: number;
  agents: readonly string[];
  index: number;
  source: string | null;
  readSusceptibility: number;
  susceptibility: number;
  taggedSusceptibility: number;
  recoveryRatio: number;
  roundTicks: number;
  roundsMax: number;
  round: number;
  /** The instruction this agent follows, or null. */
  following: Json | null;
}

interface Input {
  type: 'content' | 'chat';
  instruction?: Json;
  untrusted?: boolean;
}

type Event = Input | { type: 'round' };

/** The id of an instruction: its field `id`, else the instruction itself. */
export function instructionId(instruction: Json): Json {
  if (instruction !== null && typeof instruction === 'object' && !Array.isArray(instruction))
    return instruction['id'] ?? instruction;
  return instruction;
}

function replicates(instruction: Json): boolean {
  return (
    instruction !== null &&
    typeof instruction === 'object' &&
    !Array.isArray(instruction) &&
    instruction['kind'] === REPLICATE
  );
}

function neighborsOf(value: Json | undefined): readonly string[] | null {
  return Array.isArray(value) ? value.map(String) : null;
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  actions: {
    /** Input that may carry an instruction: follow it with the agent's susceptibility. */
    exposed: enqueueActions(({ context, event, enqueue }) => {
      const { type, instruction, untrusted } = event as Input;
      if (context.following !== null || instruction === undefined) return;
      const p =
        type === 'content'
          ? context.readSusceptibility
          : untrusted === true
            ? context.taggedSusceptibility
            : context.susceptibility;
      if (p <= 0 || random() >= p) return;
      enqueue.assign({ following: instruction });
      enqueue.emit(note({ follows: instructionId(instruction) }));
    }),
  },
}).createMachine({
  id: 'prompt-infection',
  context: ({ input }) => {
    const susceptibility = numberOr(input.params['susceptibility'], PARAMS.susceptibility.default);
    const source = input.params['source'];
    return {
      neighbors: neighborsOf(input.params['neighbors']),
      contacts: input.params['contacts'] === 'random-peers' ? 'random-peers' : 'all-neighbors',
      peersPerRound: Math.max(
        1,
        numberOr(input.params['peersPerRound'], PARAMS.peersPerRound.default),
      ),
      agents: input.agents,
      index: input.index,
      source: typeof source === 'string' ? source : null,
      readSusceptibility: numberOr(
        input.params['readSusceptibility'],
        PARAMS.readSusceptibility.default,
      ),
      susceptibility,
      taggedSusceptibility: numberOr(input.params['taggedSusceptibility'], susceptibility),
      recoveryRatio: numberOr(input.params['recoveryRatio'], PARAMS.recoveryRatio.default),
      roundTicks: numberOr(input.params['roundTicks'], PARAMS.roundTicks.default),
      roundsMax: numberOr(input.params['roundsMax'], PARAMS.roundsMax.default),
      round: 0,
      following: null,
    };
  },
  entry: enqueueActions(({ context, enqueue }) => {
    if (context.source !== null) enqueue.emit(read(context.source));
    if (context.roundsMax > 0) enqueue.emit(setTimer('round', context.roundTicks));
  }),
  on: {
    round: {
      actions: enqueueActions(({ context, enqueue }) => {
        const round = context.round + 1;
        const message: Message =
          context.following !== null && replicates(context.following)
            ? { type: 'chat', round, instruction: context.following }
            : { type: 'chat', round };
        if (context.contacts === 'random-peers') {
          const peers =
            context.neighbors !== null
              ? drawFrom(context.neighbors, context.peersPerRound)
              : drawPeers(context.agents, context.index, context.peersPerRound);
          for (const to of peers) enqueue.emit(send(to, message));
        } else if (context.neighbors !== null)
          for (const to of context.neighbors) enqueue.emit(send(to, message));
        else
          for (let i = 0; i < context.agents.length; i++)
            if (i !== context.index) enqueue.emit(send(context.agents[i] as string, message));
        const recovers =
          context.following !== null &&
          context.recoveryRatio > 0 &&
          random() < context.recoveryRatio;
        if (recovers) enqueue.emit(note({ recovers: instructionId(context.following as Json) }));
        enqueue.assign({ round, following: recovers ? null : context.following });
        if (round < context.roundsMax) enqueue.emit(setTimer('round', context.roundTicks));
      }),
    },
    content: { actions: 'exposed' },
    chat: { actions: 'exposed' },
  },
});

export const promptInfection: Protocol = { name: 'prompt-infection', machine, params: PARAMS };
