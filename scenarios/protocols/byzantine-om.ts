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
import { emit, enqueueActions, setup } from 'xstate';
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
  /** Values received, in the order they came, each with its path (commander first, sender last). */
  received: readonly Received[];
}

interface Received {
  readonly path: readonly string[];
  readonly value: string;
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

/** Whether paths `a` and `b` name the same generals in the same order. */
function samePath(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether a value came along `path`. A scan: a lieutenant holds at most one
 * value per path of the EIG tree, and copying a record keyed by path on each
 * message (as this protocol did) cost more than the scan.
 */
function heardAlong(received: readonly Received[], path: readonly string[]): boolean {
  for (const r of received) if (samePath(r.path, path)) return true;
  return false;
}

/** What came along one path of the EIG tree, and the paths that extend it, by the general each adds. */
interface Heard {
  value: string | undefined;
  readonly next: Map<string, Heard>;
}

/** The values received as a tree of paths (every path starts at the commander). */
function heardTree(received: readonly Received[]): Heard {
  const root: Heard = { value: undefined, next: new Map() };
  for (const { path, value } of received) {
    let node = root;
    for (let i = 1; i < path.length; i++) {
      const g = path[i] as string;
      let child = node.next.get(g);
      if (child === undefined) {
        child = { value: undefined, next: new Map() };
        node.next.set(g, child);
      }
      node = child;
    }
    node.value = value;
  }
  return root;
}

/**
 * OM's decision at lieutenant `self` for the subtree at `path`: the value
 * received along it at depth m + 1, else the majority of that value and of
 * the decisions of the sub-instances commanded by each other lieutenant.
 * `heard` is what came along `path` (undefined when nothing did).
 */
function resolve(context: Context, heard: Heard | undefined, path: string[]): string {
  const own = heard?.value ?? RETREAT;
  if (path.length > context.m) return own;
  const votes = [own];
  for (const j of context.agents) {
    if (j === context.self || path.includes(j)) continue;
    path.push(j);
    votes.push(resolve(context, heard?.next.get(j), path));
    path.pop();
  }
  return majority(votes);
}

/**
 * A message as OM sends it: the path starts at the commander, ends at the
 * sender, repeats nobody, leaves out the receiver, and is at most m + 1 long.
 * Anything else is ignored (oral messages: the receiver knows the sender).
 */
function wellFormed(context: Context, path: readonly string[], from: string): boolean {
  const length = path.length;
  if (length < 1 || length > context.m + 1) return false;
  if (path[0] !== context.commander || path[length - 1] !== from) return false;
  for (let i = 0; i < length; i++) {
    const g = path[i] as string;
    if (g === context.self || !context.agents.includes(g)) return false;
    for (let k = 0; k < i; k++) if (path[k] === g) return false;
  }
  return true;
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
  },
  actions: {
    // One action rather than a guard and two actions: the path is checked and
    // looked up once. A message already heard, or not as OM sends it, changes
    // nothing.
    receive: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'om') return;
      const heard = event.path;
      if (!wellFormed(context, heard, event.from) || heardAlong(context.received, heard)) return;
      enqueue.assign({ received: [...context.received, { path: heard, value: event.value }] });
      if (context.honest && heard.length === 1) enqueue.emit(hold(event.value));
      if (heard.length > context.m) return;
      const path = [...heard, context.self];
      for (const j of context.agents) {
        if (j === context.self || heard.includes(j)) continue;
        const value = context.honest ? event.value : lie();
        enqueue.emit(send(j, { type: 'om', value, path }));
      }
    }),
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
    received: [],
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
        om: { actions: 'receive' },
        decide: [{ guard: 'isLoyal', target: 'decided' }, { target: 'done' }],
      },
    },
    decided: {
      entry: emit(({ context }) =>
        decide(
          context.self === context.commander
            ? context.order
            : resolve(context, heardTree(context.received), [context.commander]),
        ),
      ),
    },
    done: {},
  },
});

export const byzantineOM: Protocol = { name: 'byzantine-om', machine, params: PARAMS };
