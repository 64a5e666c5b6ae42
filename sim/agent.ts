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

/**
 * One actor scope shared by every agent of a simulation. Custom actions run at
 * once; built-in actions (emit, delayed raise, cancel) are deferred by xstate
 * and run by `flush()` after the transition, in the order they were taken.
 */
export class SharedScope {
  private readonly deferred: (() => void)[] = [];
  private bookId = 0;
  readonly scope: Record<string, unknown>;

  constructor(handlers: ScopeHandlers) {
    const refuse = (what: string) => () => handlers.unsupported(what);
    const self = {
      id: 'agent',
      sessionId: 'agent',
      send: refuse('sending to self through xstate (use raise)'),
      getSnapshot: refuse('reading an actor snapshot'),
      // Child actors reach the system through their parent: refuse them here.
      get system(): never {
        return handlers.unsupported('invoking or spawning actors');
      },
    };
    const system = {
      _bookId: () => `x:${this.bookId++}`,
      _register: refuse('spawning or invoking actors'),
      _unregister: () => {},
      _set: refuse('actors with a systemId'),
      get: refuse('looking up actors in the system'),
      getAll: refuse('looking up actors in the system'),
      inspect: refuse('inspection'),
      _sendInspectionEvent: () => {},
      _relay: refuse('sending events to other actors (send through the simulated network)'),
      scheduler: {
        schedule: (
          _source: unknown,
          _target: unknown,
          event: EventObject,
          delay: number,
          id: string | undefined,
        ) => handlers.schedule(event, delay, id),
        cancel: (_source: unknown, id: string) => handlers.cancel(id),
        cancelAll: () => {},
      },
      getSnapshot: () => ({ _scheduledEvents: {} }),
      start: () => {},
      _logger: () => {},
    };
    this.scope = {
      self,
      id: 'agent',
      sessionId: 'agent',
      logger: () => {},
      defer: (fn: () => void) => {
        if (this.deferred.length >= STEP_EFFECTS_MAX)
          throw new StepLimitError('step-effects', STEP_EFFECTS_MAX);
        this.deferred.push(fn);
      },
      system,
      stopChild: refuse('stopping child actors'),
      emit: (e: Effect) => handlers.effect(e),
      actionExecutor: (action: {
        exec?: (info: unknown, params: unknown) => void;
        info: unknown;
        params: unknown;
      }) => {
        if (action.exec !== undefined) action.exec(action.info, action.params);
      },
    };
  }

  /** Runs the deferred built-in actions of the last transition, in order. */
  flush(): void {
    const d = this.deferred;
    for (let i = 0; i < d.length; i++) (d[i] as () => void)();
    d.length = 0;
  }

  /** Drops deferred actions (after a failed transition). */
  discard(): void {
    this.deferred.length = 0;
  }
}
