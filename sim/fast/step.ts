/**
 * The fast path's runtime state: the snapshot it hands the engine, the scope
 * it calls as xstate would, and the state of one step while it runs.
 */
import type { AnyStateMachine, EventObject } from 'xstate';
import { matchesState } from 'xstate';

/** What the fast path calls on the actor scope, the same calls xstate makes. */
export interface Scope {
  readonly self: unknown;
  readonly system: {
    readonly scheduler: {
      schedule(
        source: unknown,
        target: unknown,
        event: EventObject,
        delay: number,
        id: unknown,
      ): void;
      cancel(source: unknown, id: unknown): void;
    };
  };
  defer(fn: () => void): void;
  /** `defer(() => emit(event))` without the closure, when the scope offers it (sim/agent.ts). */
  deferEmit?(event: unknown): void;
  emit(event: unknown): void;
  logger(...args: unknown[]): void;
}

/** One state node of a compiled machine; the active configuration is the chain from the root to a leaf. */
export interface NodeRec {
  /** xstate's own node, for the snapshots built only on rare paths (see Step.shim). */
  readonly sn: unknown;
  readonly id: string;
  readonly depth: number;
  /** The root first, this node last. */
  readonly chain: readonly NodeRec[];
  /** The state value when this node is the active leaf. */
  readonly value: unknown;
}

/**
 * The snapshot the fast path returns: the fields the engine reads (status,
 * value, context, error), plus the active leaf. A new object whenever the
 * value or the context changes, as xstate's, since the engine compares
 * values between steps.
 */
export class FastSnapshot {
  constructor(
    readonly status: 'active' | 'error' | 'stopped',
    readonly value: unknown,
    readonly context: unknown,
    readonly error: unknown,
    /** The active leaf (internal to the fast path). */
    readonly node: NodeRec,
  ) {}
}

/**
 * The state of one `transition` or `getInitialSnapshot` call: the context as
 * actions change it, the event they see, the internal event queue, and how
 * many assignments ran (xstate makes a new snapshot on each, which decides
 * whether eventless transitions are looked at again).
 */
export class Step {
  context: unknown;
  event: EventObject;
  /** The active leaf as actions move it. */
  leaf: NodeRec;
  /** The leaf at the end of the last microstep: what xstate's snapshot says during actions. */
  committed: NodeRec;
  /** The value xstate's snapshot shows when it is not the committed leaf's (the initial microstep). */
  committedValue: unknown = undefined;
  changes = 0;
  queue: EventObject[] | null = null;
  head = 0;
  scope: Scope;
  self: unknown;
  system: unknown;
  /** `spawn` for assign's arguments, made once per Step (it throws whatever it is given). */
  spawn: ((...args: unknown[]) => unknown) | null = null;

  constructor(
    readonly machine: AnyStateMachine,
    scope: Scope,
    leaf: NodeRec,
    context: unknown,
    event: EventObject,
  ) {
    this.scope = scope;
    this.leaf = leaf;
    this.committed = leaf;
    this.context = context;
    this.event = event;
    this.self = scope.self;
    this.system = scope.system;
  }

  /** Makes this object the state of a new call (one Step serves a machine's calls one after another). */
  reset(scope: Scope, leaf: NodeRec, context: unknown, event: EventObject): this {
    this.scope = scope;
    this.leaf = leaf;
    this.committed = leaf;
    this.committedValue = undefined;
    this.context = context;
    this.event = event;
    this.self = scope.self;
    this.system = scope.system;
    this.changes = 0;
    this.queue = null;
    this.head = 0;
    return this;
  }

  /** The argument actions receive, a fresh object per action as in xstate. */
  args(): { context: unknown; event: EventObject; self: unknown; system: unknown } {
    return { context: this.context, event: this.event, self: this.self, system: this.system };
  }

  /** The internal queue, for raised events. */
  internalQueue(): EventObject[] {
    if (this.queue === null) this.queue = [];
    return this.queue;
  }

  /**
   * An xstate-like snapshot of the current state, for the rare builtins the
   * fast path hands to xstate's own code (stateIn and other guards with a
   * `check`, sendTo, spawnChild, stopChild). Pure.
   */
  shim(context: unknown = this.context): Record<string, unknown> {
    const leaf = this.committed;
    return {
      status: 'active',
      context,
      machine: this.machine,
      _nodes: leaf.chain.map((n) => n.sn),
      value: this.committedValue ?? leaf.value,
      children: {},
      historyValue: {},
      tags: new Set(),
      matches(this: { value: unknown }, testValue: unknown) {
        return matchesState(testValue as never, this.value as never);
      },
    };
  }
}
