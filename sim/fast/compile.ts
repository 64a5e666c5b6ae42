/**
 * The fast path: a protocol's xstate machine compiled into a direct stepper
 * with the interface the engine uses (`getInitialSnapshot(scope, input)`,
 * `transition(snapshot, event, scope)`), which calls the scope exactly as
 * xstate does and so gives the same trace, byte for byte.
 *
 * The supported subset: atomic and compound states nested to any depth;
 * transitions on events (exact, `*` and `prefix.*` descriptors) and eventless
 * (`always`), with targets (by key, `.child` or `#id`), `reenter`, and
 * guards (inline, named with params, `and`/`or`/`not`, others via xstate's
 * check); `after` delays (numbers or named delays); entry, exit, initial and
 * transition actions: custom functions, `assign`, `emit`, `raise` (with or
 * without a delay), `cancel`, `enqueueActions`, `log`; `options.maxIterations`.
 * Outside it (parallel, history and final states, `invoke`, routes,
 * `sendTo`/`spawnChild`/`stopChild` written into the machine, transitions
 * with several targets) `compileMachine` names the first feature it met, and
 * the agent runs on xstate.
 *
 * The order of everything observable follows xstate 5's macrostep: the
 * event's transition (leaf first, then its ancestors, first enabled
 * candidate), exit actions deepest first, transition actions, entry actions
 * outermost first; then eventless transitions until none is enabled or the
 * step changed nothing, then the internal queue, one event per microstep.
 * It mirrors xstate 5.33's code (raise-*.esm.js, StateMachine-*.esm.js): on
 * an upgrade of xstate, the differential tests in test/fast/ say whether it
 * still does.
 */
import type { AnyStateMachine, EventObject } from 'xstate';
import {
  type Act,
  type ActionTable,
  actionTable,
  compileAction,
  runActs,
  spawner,
  UnsupportedAction,
} from './actions.ts';
import { compileGuard, type Guard, UnsupportedGuard } from './guards.ts';
import { FastSnapshot, type NodeRec, type Scope, Step } from './step.ts';

/** Why a machine cannot take the fast path: the first feature outside the subset. */
export interface Unsupported {
  readonly unsupported: string;
}

/** xstate's state node, as far as the compiler reads it. */
interface XNode {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly order: number;
  readonly parent: XNode | undefined;
  readonly states: Readonly<Record<string, XNode>>;
  readonly config: Readonly<Record<string, unknown>>;
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
  readonly invoke: readonly unknown[];
  readonly transitions: ReadonlyMap<string, readonly XTransition[]>;
  readonly always: readonly XTransition[] | undefined;
  readonly initial: { readonly target: readonly XNode[]; readonly actions: readonly unknown[] };
}

interface XTransition {
  readonly source: XNode;
  readonly target: readonly XNode[] | undefined;
  readonly guard: unknown;
  readonly actions: readonly unknown[];
  readonly reenter: boolean;
}

interface Trans {
  readonly source: Node;
  readonly guard: Guard | null;
  /** How xstate names the guard when it throws. */
  readonly guardType: string | undefined;
  readonly actions: readonly Act[];
  readonly targeted: boolean;
  /** Active nodes at this depth and deeper are exited (deepest first). */
  readonly exitFromDepth: number;
  /** Nodes entered, outermost first, each with its entry (and initial) actions. */
  readonly enter: readonly (readonly Act[])[];
  /** The leaf after entering, or null when nothing is entered. */
  readonly leafAfter: Node | null;
}

/** Event types whose candidates each node remembers at most (like xstate's memo, bounded). */
const CANDIDATES_CACHED_MAX = 4096;

class Node implements NodeRec {
  readonly id: string;
  readonly depth: number;
  readonly chain: Node[];
  /** This node, then its ancestors up to the root. */
  readonly up: Node[];
  value: unknown = undefined;
  entry: readonly Act[] = [];
  exit: readonly Act[] = [];
  /** Entry actions then the initial transition's actions: a state entered by default. */
  entryDefault: readonly Act[] = [];
  descriptors: string[] = [];
  byDescriptor = new Map<string, Trans[]>();
  always: Trans[] | null = null;
  /** This node and its ancestors that have eventless transitions, innermost first. */
  alwaysUp: Node[] = [];
  private readonly candidates = new Map<string, readonly Trans[]>();
  /** Set on first use by sortWildcards. */
  private wildcards: readonly string[] | null = null;
  private starOnly: readonly Trans[] | null = null;

  constructor(
    readonly sn: XNode,
    readonly parent: Node | null,
    readonly atomic: boolean,
  ) {
    this.id = sn.id;
    this.depth = parent === null ? 0 : parent.depth + 1;
    this.chain = parent === null ? [this] : [...parent.chain, this];
    this.up = [...this.chain].reverse();
  }

  /** xstate's getCandidates: the exact descriptor's transitions, then wildcards, longest first. */
  candidatesFor(type: string): readonly Trans[] {
    if (this.wildcards === null) this.sortWildcards();
    // No wildcard: the exact descriptor's own list (one lookup; a protocol
    // naming a timer per request misses every cache).
    if (this.starOnly === NO_TRANSITIONS) return this.byDescriptor.get(type) ?? NO_TRANSITIONS;
    const cached = this.candidates.get(type);
    if (cached !== undefined) return cached;
    const exact = this.byDescriptor.get(type);
    // Only wildcards match a type other than their own text; with `*` alone
    // they match every type alike, so a protocol naming a timer per request
    // (past the cache's bound) does not filter and sort on every event.
    const wildcards = this.wildcards as readonly string[];
    let wild: readonly Trans[];
    if (this.starOnly !== null && type !== '*') wild = this.starOnly;
    else
      wild = wildcards
        .filter((d) => d !== type && matchesEventDescriptor(type, d))
        .flatMap((d) => this.byDescriptor.get(d) as Trans[]);
    const found = exact !== undefined ? [...exact, ...wild] : wild;
    if (this.candidates.size < CANDIDATES_CACHED_MAX) this.candidates.set(type, found);
    return found;
  }

  /**
   * The wildcard descriptors, longest first (a stable sort, so in the order
   * written among equals: xstate's order), and `starOnly` when `*` is the
   * only one or there is none.
   */
  private sortWildcards(): readonly string[] {
    const wildcards = this.descriptors
      .filter((d) => d === '*' || d.endsWith('.*'))
      .sort((a, b) => b.length - a.length);
    this.wildcards = wildcards;
    if (wildcards.every((d) => d === '*'))
      this.starOnly =
        wildcards.length === 0 ? NO_TRANSITIONS : (this.byDescriptor.get('*') as Trans[]);
    return wildcards;
  }
}

/** The candidates of a type no transition names. */
const NO_TRANSITIONS: readonly Trans[] = [];

/** xstate's matchesEventDescriptor (production build). */
function matchesEventDescriptor(eventType: string, descriptor: string): boolean {
  if (descriptor === eventType || descriptor === '*') return true;
  if (!descriptor.endsWith('.*')) return false;
  const partial = descriptor.split('.');
  const tokens = eventType.split('.');
  for (let i = 0; i < partial.length; i++) {
    const p = partial[i];
    if (p === '*') return i === partial.length - 1;
    if (p !== tokens[i]) return false;
  }
  return true;
}

/** True when `child` is a strict descendant of `parent` (xstate's isDescendant; every node is below `undefined`). */
function isDescendant(child: Node, parent: Node | undefined): boolean {
  let m = child;
  while (m.parent !== null && m.parent !== parent) m = m.parent;
  return parent === undefined ? m.parent === null : m.parent === parent;
}

class Unsupported_ extends Error {}

/**
 * A compiled machine: the engine steps it as it steps an xstate machine. The
 * snapshots it returns are FastSnapshot objects and only it can step them.
 */
export class FastMachine {
  readonly fast = true;
  private readonly maxIterations: number;
  private spare: Step | null = null;

  constructor(
    /** The xstate machine this was compiled from. */
    readonly source: AnyStateMachine,
    private readonly root: Node,
    private readonly table: ActionTable,
    /** The initial microstep: every node entered by default, outermost first. */
    private readonly initEnter: readonly (readonly Act[])[],
    private readonly initLeaf: Node,
  ) {
    this.maxIterations =
      (source.options as { maxIterations?: number } | undefined)?.maxIterations ?? Infinity;
    this.getInitialSnapshot = this.getInitialSnapshot.bind(this);
    this.transition = this.transition.bind(this);
  }

  get id(): string {
    return this.source.id;
  }

  /** xstate's getInitialSnapshot: context, the initial microstep, then a macrostep on `xstate.init`. */
  getInitialSnapshot(scope: unknown, input: unknown): FastSnapshot {
    const initEvent = { type: 'xstate.init', input } as EventObject;
    const config = this.source.config.context as unknown;
    const st = new Step(
      this.source,
      scope as Scope,
      this.root,
      typeof config !== 'function' && config ? config : {},
      initEvent,
    );
    // The context before the initial microstep: what xstate's snapshot holds if the microstep throws.
    let before = st.context;
    try {
      if (typeof config === 'function') {
        const spawn = spawner(st, this.table);
        const made = (config as (a: unknown) => unknown)({ spawn, input, self: st.self });
        st.context = Object.assign({}, st.context, made);
        before = st.context;
      }
      // xstate's snapshot during the initial microstep: the root alone, its value already the initial one.
      st.committedValue = this.initLeaf.value;
      for (const acts of this.initEnter) runActs(acts, st);
      st.leaf = this.initLeaf;
      st.committed = this.initLeaf;
      st.committedValue = undefined;
      this.macrostep(st, initEvent);
      return new FastSnapshot('active', st.leaf.value, st.context, undefined, st.leaf);
    } catch (error) {
      // xstate's snapshot before the initial microstep: its value already names the initial states.
      return new FastSnapshot('error', this.initLeaf.value, before, error, this.initLeaf);
    }
  }

  /** xstate's transition: one macrostep. Throws what xstate would throw. */
  transition(snapshot: unknown, event: EventObject, scope: unknown): FastSnapshot {
    const from = snapshot as FastSnapshot;
    if (event.type === 'xstate.stop')
      return new FastSnapshot('stopped', from.value, from.context, from.error, from.node);
    const leaf = from.node as Node;
    // One Step serves one call at a time; a call made while another runs (a protocol stepping
    // a machine from inside an action) gets its own.
    const spare = this.spare;
    this.spare = null;
    const st =
      spare === null
        ? new Step(this.source, scope as Scope, leaf, from.context, event)
        : spare.reset(scope as Scope, leaf, from.context, event);
    if (event.type !== 'xstate.init') {
      // Asked before any guard runs, as xstate asks it.
      const isError = event.type.startsWith('xstate.error.actor');
      const t = this.select(event, st);
      if (t === null) {
        if (isError)
          return new FastSnapshot(
            'error',
            from.value,
            from.context,
            (event as { error?: unknown }).error,
            leaf,
          );
      } else this.microstep(t, st, event);
    }
    if (from.status === 'active') this.macrostep(st, event);
    this.spare = st;
    if (st.changes === 0 && st.leaf === leaf) return from;
    return new FastSnapshot(from.status, st.leaf.value, st.context, from.error, st.leaf);
  }

  /** The transition `event` takes from the active leaf (then its ancestors), or null. */
  private select(event: EventObject, st: Step): Trans | null {
    const type = event.type;
    const up = (st.leaf as Node).up;
    for (let i = 0; i < up.length; i++) {
      const node = up[i] as Node;
      const candidates = node.candidatesFor(type);
      for (let j = 0; j < candidates.length; j++) {
        const t = candidates[j] as Trans;
        if (t.guard === null) return t;
        let passed: unknown;
        try {
          passed = t.guard(st.context, event, st);
        } catch (err) {
          throw new Error(
            `Unable to evaluate guard ${t.guardType ? `'${t.guardType}' ` : ''}in transition for event '${type}' in state node '${node.id}':\n${(err as { message: unknown }).message}`,
          );
        }
        if (passed) return t;
      }
    }
    return null;
  }

  /** The first enabled eventless transition from the leaf outwards, or null. */
  private eventless(event: EventObject, st: Step): Trans | null {
    const nodes = (st.leaf as Node).alwaysUp;
    for (let i = 0; i < nodes.length; i++) {
      const always = (nodes[i] as Node).always as Trans[];
      for (let j = 0; j < always.length; j++) {
        const t = always[j] as Trans;
        if (t.guard === null || t.guard(st.context, event, st)) return t;
      }
    }
    return null;
  }

  /** One microstep; true when it changed the snapshot (an assignment, or another leaf). */
  private microstep(t: Trans, st: Step, event: EventObject): boolean {
    st.event = event;
    const before = st.changes;
    const old = st.leaf as Node;
    if (t.targeted) {
      const chain = old.chain;
      for (let i = chain.length - 1; i >= t.exitFromDepth; i--)
        runActs((chain[i] as Node).exit, st);
    }
    runActs(t.actions, st);
    if (t.targeted) {
      for (const acts of t.enter) runActs(acts, st);
      if (t.leafAfter !== null) st.leaf = t.leafAfter;
    }
    st.committed = st.leaf;
    return st.changes !== before || st.leaf !== old;
  }

  /** The rest of xstate's macrostep: eventless transitions, then the internal queue. */
  private macrostep(st: Step, event: EventObject): void {
    let next = event;
    let selectEventless = true;
    let iterations = 0;
    const max = this.maxIterations;
    for (;;) {
      iterations++;
      if (iterations > max) {
        throw new Error(
          `Infinite loop detected: the machine has processed more than ${max} microsteps without reaching a stable state. This usually happens when there's a cycle of transitions (e.g., eventless transitions or raised events causing state A -> B -> C -> A).`,
        );
      }
      let t: Trans | null = null;
      if (selectEventless && (st.leaf as Node).alwaysUp.length > 0) t = this.eventless(next, st);
      const eventless = t !== null;
      if (!eventless) {
        const q = st.queue;
        if (q === null || st.head >= q.length) break;
        next = q[st.head++] as EventObject;
        t = this.select(next, st);
      }
      const changed = t !== null && this.microstep(t, st, next);
      selectEventless = eventless ? changed : true;
    }
  }
}

/** Compiled machines by source, so a machine is compiled once per process. */
const compiled = new WeakMap<object, FastMachine | Unsupported>();

/**
 * Compiles `machine` into a FastMachine, or says why it cannot: `{ unsupported }`
 * names the first feature outside the subset. Cached per machine. Pure.
 */
export function compileMachine(machine: AnyStateMachine | FastMachine): FastMachine | Unsupported {
  if (machine instanceof FastMachine) return machine;
  const cached = compiled.get(machine);
  if (cached !== undefined) return cached;
  let result: FastMachine | Unsupported;
  try {
    result = build(machine);
  } catch (err) {
    if (
      err instanceof Unsupported_ ||
      err instanceof UnsupportedAction ||
      err instanceof UnsupportedGuard
    )
      result = { unsupported: err.message };
    else throw err;
  }
  compiled.set(machine, result);
  return result;
}

function refuse(what: string): never {
  throw new Unsupported_(what);
}

function build(machine: AnyStateMachine): FastMachine {
  const m = machine as unknown as {
    root?: XNode;
    id: string;
    implementations?: Record<string, Record<string, unknown>>;
  };
  if (m.root === undefined || m.implementations === undefined)
    refuse('a machine that is not an xstate v5 StateMachine');
  const table = actionTable(m.id, m.implementations);
  const nodes = new Map<XNode, Node>();
  const walk = (sn: XNode, parent: Node | null): void => {
    if (sn.type !== 'atomic' && sn.type !== 'compound') refuse(`${sn.type} states (#${sn.id})`);
    if (sn.invoke.length > 0) refuse(`invoke (#${sn.id})`);
    if (sn.config['route'] !== undefined) refuse(`route transitions (#${sn.id})`);
    const node = new Node(sn, parent, sn.type === 'atomic');
    nodes.set(sn, node);
    for (const key of Object.keys(sn.states)) walk(sn.states[key] as XNode, node);
  };
  walk(m.root, null);
  const all = [...nodes.values()];
  const nodeOf = (sn: XNode): Node => nodes.get(sn) ?? refuse(`a target outside the machine`);
  const compileActs = (actions: readonly unknown[]) =>
    actions.map((a) => compileAction(a, table, false));

  for (const node of all) {
    node.value = stateValueOf(node);
    node.entry = compileActs(node.sn.entry);
    node.exit = compileActs(node.sn.exit);
    node.entryDefault = [...node.entry, ...compileActs(node.sn.initial.actions)];
  }
  const transOf = (t: XTransition): Trans => compileTransition(t, nodeOf, table, compileActs);
  for (const node of all) {
    for (const [descriptor, ts] of node.sn.transitions) {
      node.descriptors.push(descriptor);
      node.byDescriptor.set(descriptor, ts.map(transOf));
    }
    if (node.sn.always !== undefined) node.always = node.sn.always.map(transOf);
  }
  for (const node of all) node.alwaysUp = node.up.filter((n) => n.always !== null);

  // The initial microstep enters the root and its initial states, all by default.
  const root = nodes.get(m.root) as Node;
  let leaf = root;
  const initEnter: (readonly Act[])[] = [root.entryDefault];
  while (!leaf.atomic) {
    leaf = nodeOf(leaf.sn.initial.target[0] ?? refuse(`a compound state without initial state`));
    initEnter.push(leaf.entryDefault);
  }
  return new FastMachine(machine, root, table, initEnter, leaf);
}

/** The state value with `node` the active leaf, as xstate's getStateValue builds it. */
function stateValueOf(node: Node): unknown {
  if (node.depth === 0) return {};
  let value: unknown = node.sn.key;
  for (let n = node.parent; n !== null && n.depth > 0; n = n.parent) value = { [n.sn.key]: value };
  return value;
}

function compileTransition(
  t: XTransition,
  nodeOf: (sn: XNode) => Node,
  table: ActionTable,
  compileActs: (actions: readonly unknown[]) => Act[],
): Trans {
  const source = nodeOf(t.source);
  const raw = t.guard;
  const guard = raw === undefined ? null : compileGuard(raw, table);
  const guardType =
    typeof raw === 'string'
      ? raw
      : typeof raw === 'object' && raw !== null
        ? String((raw as { type: unknown }).type)
        : undefined;
  const actions = compileActs(t.actions);
  const targets = t.target ?? [];
  const base = { source, guard, guardType, actions };
  if (targets.length === 0)
    return { ...base, targeted: false, exitFromDepth: 0, enter: [], leafAfter: null };
  if (targets.length > 1) refuse(`a transition with several targets (#${source.id})`);
  const target = nodeOf(targets[0] as XNode);
  const reenter = t.reenter;

  // xstate's getTransitionDomain.
  let domain: Node | undefined;
  if (!reenter && (target === source || isDescendant(target, source))) domain = source;
  else {
    for (let a = target.parent; a !== null; a = a.parent) {
      if (isDescendant(source, a) && isDescendant(target, a)) {
        domain = a;
        break;
      }
    }
    if (domain === undefined && !reenter) domain = target.chain[0];
  }
  const exitFromDepth =
    domain === undefined ? 0 : reenter && source === domain ? domain.depth : domain.depth + 1;

  // xstate's computeEntrySet for one target without history or parallel states.
  const entered = new Set<Node>();
  const byDefault = new Set<Node>();
  if (source !== target || source !== domain || reenter) {
    entered.add(target);
    byDefault.add(target);
  }
  for (let n = target; !n.atomic; ) {
    n = nodeOf(n.sn.initial.target[0] ?? refuse(`a compound state without initial state`));
    entered.add(n);
    byDefault.add(n);
  }
  // getProperAncestors(target, domain): none when the domain is the target itself.
  if (domain !== target)
    for (let a = target.parent; a !== null && a !== domain; a = a.parent) entered.add(a);
  const order = [...entered].sort((x, y) => x.sn.order - y.sn.order);

  // The entered nodes continue the chain kept above the exited ones.
  order.forEach((n, i) => {
    if (n.depth !== exitFromDepth + i || (i > 0 && n.parent !== order[i - 1]))
      refuse(`a transition whose states do not form one chain (#${source.id})`);
  });
  const last = order[order.length - 1];
  if (last === undefined) {
    if (!(target === source && target.atomic))
      refuse(`a transition that exits states and enters none (#${source.id})`);
  } else if (!last.atomic) refuse(`a transition that ends in a compound state (#${source.id})`);
  return {
    ...base,
    targeted: true,
    exitFromDepth,
    enter: order.map((n) => (byDefault.has(n) ? n.entryDefault : n.entry)),
    leafAfter: last ?? null,
  };
}
