/**
 * The xstate adapter. Agents are plain machine snapshots (about 0.6 kB each),
 * stepped with `machine.transition(snapshot, event, scope)` through one shared
 * actor scope: no actor, no actor system, no real clock. The scope routes what
 * xstate would do with the outside world into the engine:
 * - `emit(...)` effects go to the engine (send, broadcast, timers, decide, note);
 * - delayed events (`after`, `raise(..., { delay })`) become engine timers on
 *   the simulated clock, and `cancel` cancels them;
 * - anything that needs xstate's runtime (invoke, spawn, sendTo another
 *   actor) is refused with an error naming the protocol, because it would
 *   bypass the simulated network.
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import type { Effect } from './effects.ts';
import type { Stream } from './rng.ts';
import type { AgentInput, Protocol } from './spec.ts';

/** A pending timer of one agent; an engine event carries it until it fires or is replaced. */
export interface TimerEntry {
  readonly name: string;
  readonly event: EventObject;
  /** seq of the timer.set record. */
  readonly setSeq: number;
}

export type AgentStatus = 'pending' | 'up' | 'down';

/** What the engine holds per agent, beyond the xstate snapshot. */
export interface AgentRuntime {
  readonly index: number;
  readonly id: string;
  readonly protocol: Protocol;
  readonly machine: AnyStateMachine;
  readonly input: AgentInput;
  readonly stream: Stream;
  status: AgentStatus;
  snapshot: AnyMachineSnapshot | null;
  /** The state value as a string, to notice state changes. */
  stateKey: string;
  timers: Map<string, TimerEntry> | null;
  /** Context keys saved at the last crash, per `protocol.persistent`. */
  restored: Record<string, unknown> | undefined;
  decided: boolean;
  /** Local ticks per real tick for timers set now. */
  clockRate: number;
  sendOmitRatio: number;
  receiveOmitRatio: number;
  omissionStream: Stream | null;
}

/**
 * Most effects one step of one agent may take (each `emit`, delayed event and
 * message copy sent counts one). A step beyond it is cut short and the agent
 * crashes with the reason: a protocol that loops inside one step would
 * otherwise hold the run, and the memory of every effect it queued, forever.
 */
export const STEP_EFFECTS_MAX = 100_000;

/**
 * Most agent ids all `input.peers` lists of a run may hold together: each
 * agent's list has n - 1 ids, so 100,000 agents reading theirs would need
 * 10^10 (80 GB). Protocols for many agents use `agents` and `index`.
 */
export const PEER_ENTRIES_MAX = 20_000_000;

/** Why the engine cut a step short. */
export type StepLimit = 'step-effects' | 'peer-lists';

/** Thrown inside a step that goes past a limit on its work; the engine turns it into a crash record. */
export class StepLimitError extends Error {
  constructor(
    readonly reason: StepLimit,
    /** The limit that was passed. */
    readonly limit: number,
  ) {
    super(
      reason === 'step-effects'
        ? `took more than ${limit} effects in one step`
        : `read input.peers past ${limit} peer ids in all`,
    );
    this.name = 'StepLimitError';
  }
}

/** What the scope calls back into. */
export interface ScopeHandlers {
  effect(effect: Effect): void;
  schedule(event: EventObject, delay: number, id: string | undefined): void;
  cancel(id: string): void;
  unsupported(what: string): never;
}

/** The state value as a stable string: itself for flat machines, JSON for nested ones. */
export function stateKeyOf(snapshot: AnyMachineSnapshot): string {
  const v = snapshot.value as unknown;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A deferred built-in action (a function to call) or an emitted effect (for the engine), in `SharedScope`'s list. */
const CALL = 0;
const EFFECT = 1;

/**
 * The actor's `self` as xstate sees it: anything that would reach an actor
 * is refused. Methods on the prototype, so a run's scope is a few small
 * objects rather than a dozen closures (a sweep makes thousands).
 */
class ScopeSelf {
  readonly id = 'agent';
  readonly sessionId = 'agent';
  constructor(private readonly handlers: ScopeHandlers) {}
  send(): never {
    return this.handlers.unsupported('sending to self through xstate (use raise)');
  }
  getSnapshot(): never {
    return this.handlers.unsupported('reading an actor snapshot');
  }
  // Child actors reach the system through their parent: refuse them here.
  get system(): never {
    return this.handlers.unsupported('invoking or spawning actors');
  }
}

/** The scheduler: delayed events become engine timers. */
class ScopeScheduler {
  constructor(private readonly handlers: ScopeHandlers) {}
  schedule(
    _source: unknown,
    _target: unknown,
    event: EventObject,
    delay: number,
    id: string | undefined,
  ): void {
    this.handlers.schedule(event, delay, id);
  }
  cancel(_source: unknown, id: string): void {
    this.handlers.cancel(id);
  }
  cancelAll(): void {}
}

/** The actor system: only the scheduler and ids; anything reaching another actor is refused. */
class ScopeSystem {
  private bookId = 0;
  readonly scheduler: ScopeScheduler;
  constructor(private readonly handlers: ScopeHandlers) {
    this.scheduler = new ScopeScheduler(handlers);
  }
  _bookId(): string {
    return `x:${this.bookId++}`;
  }
  _register(): never {
    return this.handlers.unsupported('spawning or invoking actors');
  }
  _unregister(): void {}
  _set(): never {
    return this.handlers.unsupported('actors with a systemId');
  }
  get(): never {
    return this.handlers.unsupported('looking up actors in the system');
  }
  getAll(): never {
    return this.handlers.unsupported('looking up actors in the system');
  }
  inspect(): never {
    return this.handlers.unsupported('inspection');
  }
  _sendInspectionEvent(): void {}
  _relay(): never {
    return this.handlers.unsupported(
      'sending events to other actors (send through the simulated network)',
    );
  }
  getSnapshot(): { _scheduledEvents: Record<string, never> } {
    return { _scheduledEvents: {} };
  }
  start(): void {}
  _logger(): void {}
}

/**
 * The deferred actions of one step as (kind, value) pairs in `items[0,
 * length)`. The array is not truncated between steps (setting an array's
 * length is a call into V8's runtime, 2 to 3% of a fast run): entries are
 * overwritten, and cleared as they run so they hold nothing alive.
 */
class DeferredList {
  readonly items: unknown[] = [];
  length = 0;

  add(kind: number, value: unknown): void {
    const n = this.length;
    if (n >= 2 * STEP_EFFECTS_MAX) throw new StepLimitError('step-effects', STEP_EFFECTS_MAX);
    this.items[n] = kind;
    this.items[n + 1] = value;
    this.length = n + 2;
  }
}

/** The actor scope xstate's transition functions are given. */
class ActorScope {
  readonly id = 'agent';
  readonly sessionId = 'agent';
  readonly self: ScopeSelf;
  readonly system: ScopeSystem;
  constructor(
    private readonly handlers: ScopeHandlers,
    /** The owner's list of deferred actions. */
    private readonly deferred: DeferredList,
  ) {
    this.self = new ScopeSelf(handlers);
    this.system = new ScopeSystem(handlers);
  }
  logger(): void {}
  defer(fn: () => void): void {
    this.deferred.add(CALL, fn);
  }
  /**
   * `defer(() => emit(effect))` without the closure: the fast path defers
   * its emits so. Run by `flush` in the same order as every deferred action.
   */
  deferEmit(effect: unknown): void {
    this.deferred.add(EFFECT, effect);
  }
  stopChild(): never {
    return this.handlers.unsupported('stopping child actors');
  }
  emit(e: Effect): void {
    this.handlers.effect(e);
  }
  actionExecutor(action: {
    exec?: (info: unknown, params: unknown) => void;
    info: unknown;
    params: unknown;
  }): void {
    if (action.exec !== undefined) action.exec(action.info, action.params);
  }
}

/**
 * One actor scope shared by every agent of a simulation. Custom actions run at
 * once; built-in actions (emit, delayed raise, cancel) are deferred by xstate
 * and run by `flush()` after the transition, in the order they were taken.
 */
export class SharedScope {
  /** Deferred actions as (kind, value) pairs: CALL and a function, or EFFECT and an emitted effect. */
  private readonly deferred = new DeferredList();
  private readonly handlers: ScopeHandlers;
  readonly scope: Record<string, unknown>;

  constructor(handlers: ScopeHandlers) {
    this.handlers = handlers;
    this.scope = new ActorScope(handlers, this.deferred) as unknown as Record<string, unknown>;
  }

  /** Runs the deferred built-in actions of the last transition, in order. */
  flush(): void {
    const d = this.deferred;
    const items = d.items;
    // d.length read at each turn: an action may defer more (they run too).
    for (let i = 0; i < d.length; i += 2) {
      const value = items[i + 1];
      items[i + 1] = undefined;
      if (items[i] === CALL) (value as () => void)();
      else this.handlers.effect(value as Effect);
    }
    d.length = 0;
  }

  /** Drops deferred actions (after a failed transition). */
  discard(): void {
    this.deferred.items.length = 0;
    this.deferred.length = 0;
  }
}
