/**
 * Byzantine agreement with oral messages, algorithm OM(m) (Lamport, Shostak
 * and Pease 1982, "The Byzantine Generals Problem", §3), run as messages: a
 * commander sends its order to n - 1 lieutenants, who relay what they heard
 * for m rounds and decide by recursive majority. With at most m traitors and
 * n > 3m, every loyal lieutenant decides the same value (IC1), and that value
 * is the loyal commander's order when the commander is loyal (IC2). With
 * n <= 3m a traitor can split the loyal generals: the paper's three-general
 * impossibility.
 *
 * The commander sends (order, path = [commander]) to every lieutenant. A
 * lieutenant that receives (value, path p) with |p| <= m relays
 * (value, p + itself) to every lieutenant neither in p nor itself. Each
 * lieutenant stores the values by path (the EIG tree of Lynch, Distributed
 * Algorithms, §6.3) and, once every round is over, decides
 * resolve([commander]), where resolve(p) is the value received along p when
 * |p| = m + 1, else the majority of that value and resolve(p + j) over every
 * lieutenant j neither in p nor itself: OM(m - |p| + 1) with p's last general
 * as commander. A missing value and a majority without a strict winner both
 * count as 'retreat' (the paper's default).
 *
 * The algorithm assumes a synchronous network: every message arrives, once,
 * within a known bound, and the receiver knows the sender (the paper's A1-A3).
 * Run it with no loss or duplication and with link latency at most
 * `roundTicks`; a late message counts as missing.
 *
 * Traitors (`honest: false`) send exactly the messages a loyal general sends,
 * to the same generals with the same paths, but each value is drawn at random
 * ('attack' or 'retreat', each with probability 1/2, from the agent's own
 * stream): a traitorous commander tells each lieutenant its own random order,
 * a traitorous lieutenant relays random values. So the number of messages is
 * exact: (n - 1) + (n - 1)(n - 2) + ... + (n - 1)(n - 2)...(n - m - 1).
 *
 * Parameters (per agent; give every agent the same values): `PARAMS` below.
 *
 * Inputs and decisions: a loyal commander proposes its order and decides it
 * at once; loyal lieutenants propose nothing (only the commander's order is
 * an input, so validity is IC2) and hold the order the commander sent them
 * until they decide at tick (m + 1) x roundTicks + 1. Traitors neither
 * propose nor decide.
 */
import { assign, emit, enqueueActions, setup } from 'xstate';
import { decide, type Effect, hold, propose, random, send, setTimer } from '../../sim/effects.ts';
import { PARAM_TICKS_MAX } from '../../sim/scenario/params.ts';
import type { AgentInput, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

export const ATTACK = 'attack';
export const RETREAT = 'retreat';

const PARAMS = {
  commander: {
    type: 'agent',
    defaultIs: 'the first agent listed',
    meaning: 'id of the commander',
  },
  order: {
    type: 'enum',
    values: [ATTACK, RETREAT],
    default: ATTACK,
    meaning: "the commander's order",
  },
  m: {
    type: 'integer',
    min: 0,
    // Messages grow as n^(m + 1) and a decision walks a tree as large: m = 4
    // already needs n >= 13 and about 100,000 messages.
    max: 4,
    default: 1,
    unit: 'rounds',
    meaning: 'rounds of relaying: the traitors tolerated when n > 3m',
  },
  roundTicks: {
    type: 'integer',
    min: 1,
    max: PARAM_TICKS_MAX,
    default: 1,
    unit: 'ticks',
    meaning: 'length of a round, at least the largest link latency',
  },
} as const satisfies ParamSpecs;

interface Context {
  self: string;
  agents: readonly string[];
  commander: string;
  order: string;
  honest: boolean;
  m: number;
  roundTicks: number;
  /** Values received, by path (the JSON of the path: commander first, sender last). */
  received: Record<string, string>;
}

type Event = { type: 'om'; value: string; path: string[]; from: string } | { type: 'decide' };

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** A traitor's value: 'attack' or 'retreat', each with probability 1/2. */
function lie(): string {
  return random() < 0.5 ? ATTACK : RETREAT;
}

/** The value held by a strict majority of `values`, else 'retreat'. */
export function majority(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const [v, c] of counts) if (2 * c > values.length) return v;
  return RETREAT;
}

/**
 * OM's decision at lieutenant `self` for the subtree at `path`: the value
 * received along it at depth m + 1, else the majority of that value and of
 * the decisions of the sub-instances commanded by each other lieutenant.
 */
function resolve(context: Context, path: string[]): string {
  const own = context.received[JSON.stringify(path)] ?? RETREAT;
  if (path.length > context.m) return own;
  const values = [own];
  for (const j of context.agents) {
    if (j === context.self || path.includes(j)) continue;
    values.push(resolve(context, [...path, j]));
  }
  return majority(values);
}

/**
 * A message as OM sends it: the path starts at the commander, ends at the
 * sender, repeats nobody, leaves out the receiver, and is at most m + 1 long.
 * Anything else is ignored (oral messages: the receiver knows the sender).
 */
function wellFormed(context: Context, path: readonly string[], from: string): boolean {
  return (
    path.length >= 1 &&
    path.length <= context.m + 1 &&
    path[0] === context.commander &&
    path[path.length - 1] === from &&
    !path.includes(context.self) &&
    new Set(path).size === path.length &&
    path.every((g) => context.agents.includes(g))
  );
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  guards: {
    isCommander: ({ context }) => context.self === context.commander,
    isLoyal: ({ context }) => context.honest,
    fresh: ({ context, event }) =>
      event.type === 'om' &&
      wellFormed(context, event.path, event.from) &&
      context.received[JSON.stringify(event.path)] === undefined,
  },
}).createMachine({
  id: 'byzantine-om',
  context: ({ input }) => ({
    self: input.id,
    agents: input.agents,
    commander: stringOr(input.params['commander'], input.agents[0] ?? ''),
    order: stringOr(input.params['order'], PARAMS.order.default),
    honest: input.honest,
    m: Math.max(0, numberOr(input.params['m'], PARAMS.m.default)),
    roundTicks: Math.max(1, numberOr(input.params['roundTicks'], PARAMS.roundTicks.default)),
    received: {},
  }),
  initial: 'boot',
  states: {
    boot: {
      always: [{ guard: 'isCommander', target: 'commanding' }, { target: 'listening' }],
    },
    commanding: {
      entry: enqueueActions(({ context, enqueue }) => {
        if (context.honest) enqueue.emit(propose(context.order));
        for (const j of context.agents) {
          if (j === context.self) continue;
          const value = context.honest ? context.order : lie();
          enqueue.emit(send(j, { type: 'om', value, path: [context.self] }));
        }
      }),
      always: [{ guard: 'isLoyal', target: 'decided' }, { target: 'done' }],
    },
    listening: {
      // Round k's messages arrive by tick k x roundTicks, the last at (m + 1) x
      // roundTicks. This timer was set at tick 0, before any of them was sent,
      // and events of one tick run in the order they were scheduled: without
      // the + 1 it would fire ahead of the last round's deliveries and count
      // them as missing.
      entry: emit(({ context }) => setTimer('decide', (context.m + 1) * context.roundTicks + 1)),
      on: {
        om: {
          guard: 'fresh',
          actions: [
            assign({
              received: ({ context, event }) => ({
                ...context.received,
                [JSON.stringify(event.path)]: event.value,
              }),
            }),
            enqueueActions(({ context, event, enqueue }) => {
              if (context.honest && event.path.length === 1) enqueue.emit(hold(event.value));
              if (event.path.length > context.m) return;
              const path = [...event.path, context.self];
              for (const j of context.agents) {
                if (j === context.self || event.path.includes(j)) continue;
                const value = context.honest ? event.value : lie();
                enqueue.emit(send(j, { type: 'om', value, path }));
              }
            }),
          ],
        },
        decide: [{ guard: 'isLoyal', target: 'decided' }, { target: 'done' }],
      },
    },
    decided: {
      entry: emit(({ context }) =>
        decide(
          context.self === context.commander
            ? context.order
            : resolve(context, [context.commander]),
        ),
      ),
    },
    done: {},
  },
});

export const byzantineOM: Protocol = { name: 'byzantine-om', machine, params: PARAMS };
