/**
 * Actions compiled to plain functions that do what xstate's
 * `resolveAndExecuteActionsWithContext` does with them, in the same order
 * and with the same arguments: custom actions run at once; `assign` makes a
 * new context; `emit`, delayed `raise` and `cancel` are deferred on the scope
 * (the engine runs them after the step); a raise without a delay joins the
 * internal queue; `enqueueActions` collects, then runs what it collected;
 * `log` calls the scope's logger. Actions collected at run time that the
 * fast path does not run itself (sendTo, spawnChild, stopChild) go through
 * xstate's own resolve and execute, so they fail or act as they would there.
 */
import type { EventObject } from 'xstate';
import { sendParent, sendTo, spawnChild, stopChild } from 'xstate';
import { compileGuard, type Guard, type GuardTable } from './guards.ts';
import type { Step } from './step.ts';

/** A compiled action. */
export type Act = (st: Step) => void;

type Fn = (...args: unknown[]) => unknown;
type Params = ((st: Step) => unknown) | null;

/** A machine's implementations, and what has been compiled from them. */
export interface ActionTable extends GuardTable {
  readonly machineId: string;
  readonly actions: Readonly<Record<string, unknown>>;
  readonly delays: Readonly<Record<string, unknown>>;
  readonly actors: Readonly<Record<string, unknown>>;
  readonly namedActions: Map<string, Act>;
  readonly enqueuer: Enqueuer;
  /** Whether this machine's contexts are wide (see doAssign); decided at its first assignment. */
  wideContext: boolean | undefined;
}

/** Thrown while compiling an action outside the fast path's subset; the message names it. */
export class UnsupportedAction extends Error {}

interface Builtin {
  readonly type: string;
  resolve: Fn;
  execute?: Fn;
  readonly [field: string]: unknown;
}

/** What an `enqueue` call collected: kinds in the flat list of (kind, a, b) triples. */
const RAW = 0;
const ASSIGN = 1;
const EMIT = 2;
const RAISE = 3;
const CANCEL = 4;

/**
 * The `enqueue` object handed to `enqueueActions` bodies, one per machine.
 * A body's calls go to the list of its depth as (kind, a, b) triples, the
 * fields xstate's builtin would hold, so collecting allocates nothing per
 * action; lists are kept per depth of nesting (a collected action may itself
 * be an enqueueActions) and reused. Calls made after the body returned are
 * dropped, as xstate drops them.
 */
export class Enqueuer {
  /** The list being filled, or null outside a body. */
  list: unknown[] | null = null;
  /** Lists by depth, and the depth of the next body. */
  private readonly lists: unknown[][] = [];
  depth = 0;
  readonly fn: Record<string, Fn> & Fn;

  constructor() {
    const push = (kind: number, a: unknown, b: unknown) => {
      const list = this.list;
      if (list !== null) list.push(kind, a, b);
    };
    const fn = ((action: unknown) => push(RAW, action, undefined)) as Record<string, Fn> & Fn;
    fn['assign'] = (assignment: unknown) => push(ASSIGN, assignment, undefined);
    fn['cancel'] = (sendId: unknown) => push(CANCEL, sendId, undefined);
    fn['raise'] = (event: unknown, options: unknown) => push(RAISE, event, options);
    fn['emit'] = (event: unknown) => push(EMIT, event, undefined);
    fn['sendTo'] = (...args: unknown[]) => push(RAW, (sendTo as Fn)(...args), undefined);
    fn['sendParent'] = (...args: unknown[]) => push(RAW, (sendParent as Fn)(...args), undefined);
    fn['spawnChild'] = (...args: unknown[]) => push(RAW, (spawnChild as Fn)(...args), undefined);
    fn['stopChild'] = (...args: unknown[]) => push(RAW, (stopChild as Fn)(...args), undefined);
    this.fn = fn;
  }

  /** The empty list for the body at the current depth. */
  listAt(depth: number): unknown[] {
    let list = this.lists[depth];
    if (list === undefined) {
      list = [];
      this.lists[depth] = list;
    } else list.length = 0;
    return list;
  }
}

/** A fresh action table for a machine's implementations. */
export function actionTable(
  machineId: string,
  implementations: {
    actions?: Record<string, unknown>;
    guards?: Record<string, unknown>;
    delays?: Record<string, unknown>;
    actors?: Record<string, unknown>;
  },
): ActionTable {
  return {
    machineId,
    actions: implementations.actions ?? {},
    guards: implementations.guards ?? {},
    delays: implementations.delays ?? {},
    actors: implementations.actors ?? {},
    named: new Map<string, Guard>(),
    namedActions: new Map<string, Act>(),
    enqueuer: new Enqueuer(),
    wideContext: undefined,
  };
}

/** Runs a list of compiled actions in order. */
export function runActs(acts: readonly Act[], st: Step): void {
  for (let i = 0; i < acts.length; i++) (acts[i] as Act)(st);
}

/**
 * Compiles one action as a transition, entry or exit lists it. `dynamic`:
 * collected at run time, where a builtin the fast path does not run itself
 * is handed to xstate's code instead of being refused.
 */
export function compileAction(action: unknown, table: ActionTable, dynamic: boolean): Act {
  if (typeof action === 'string') {
    const cached = table.namedActions.get(action);
    if (cached !== undefined) return cached;
    const compiled = compileResolved(table.actions[action], null, action, table, dynamic);
    table.namedActions.set(action, compiled);
    return compiled;
  }
  if (typeof action === 'function') {
    return compileResolved(action, null, action.name || '(anonymous)', table, dynamic);
  }
  if (typeof action === 'object' && action !== null && 'type' in action) {
    const type = String((action as { type: unknown }).type);
    let params: Params = null;
    if ('params' in action) {
      const p = (action as { params: unknown }).params;
      params =
        typeof p === 'function'
          ? (st) => (p as Fn)({ context: st.context, event: st.event })
          : () => p;
    }
    return compileResolved(table.actions[type], params, type, table, dynamic);
  }
  throw new UnsupportedAction(`an action that is ${action === null ? 'null' : typeof action}`);
}

function compileResolved(
  resolved: unknown,
  params: Params,
  name: string,
  table: ActionTable,
  dynamic: boolean,
): Act {
  if (!resolved) {
    // xstate hands the executor an action without `exec`: nothing runs but its params.
    return params === null ? () => {} : (st) => void params(st);
  }
  if (typeof resolved !== 'function')
    throw new UnsupportedAction(`action "${name}" implemented by a ${typeof resolved}`);
  if (!('resolve' in resolved)) {
    const fn = resolved as Fn;
    if (params === null) return (st) => void fn(st.args(), undefined);
    return (st) => {
      const args = st.args();
      fn(args, params(st));
    };
  }
  const b = resolved as unknown as Builtin;
  const p = params ?? noParams;
  switch (b.type) {
    case 'xstate.assign': {
      const assignment = b['assignment'];
      return (st) => doAssign(st, assignment, p(st), table);
    }
    case 'xstate.emit': {
      const expr = b['event'];
      if (typeof expr !== 'function' && params === null) return (st) => deferEmit(st, expr);
      return (st) => doEmit(st, expr, p(st));
    }
    case 'xstate.raise': {
      const { event, id, delay } = b as unknown as { event: unknown; id: unknown; delay: unknown };
      return (st) => doRaise(st, event, id, delay, p(st), table);
    }
    case 'xstate.cancel': {
      const sendId = b['sendId'];
      return (st) => doCancel(st, sendId, p(st));
    }
    case 'xstate.enqueueActions': {
      const collect = b['collect'] as Fn;
      return (st) => doEnqueue(st, collect, p(st), table);
    }
    case 'xstate.log': {
      const { value, label } = b as unknown as { value: unknown; label: unknown };
      return (st) => doLog(st, value, label, p(st));
    }
    default:
      if (!dynamic) throw new UnsupportedAction(`the ${b.type} action ("${name}")`);
      return (st) => doBuiltin(st, b, p(st), table);
  }
}

function noParams(): undefined {
  return undefined;
}

/** Runs the action collected at `list[i]` (a triple) by `enqueueActions`. */
function runCollected(list: readonly unknown[], i: number, st: Step, table: ActionTable): void {
  const a = list[i + 1];
  switch (list[i]) {
    case ASSIGN:
      doAssign(st, a, undefined, table);
      return;
    case EMIT:
      if (typeof a === 'function') doEmit(st, a, undefined);
      else deferEmit(st, a);
      return;
    case RAISE: {
      const options = list[i + 2] as { id?: unknown; delay?: unknown } | undefined;
      doRaise(st, a, options?.id, options?.delay, undefined, table);
      return;
    }
    case CANCEL:
      doCancel(st, a, undefined);
      return;
    default:
      compileAction(a, table, true)(st);
  }
}

function doAssign(st: Step, assignment: unknown, params: unknown, table: ActionTable): void {
  if (!st.context) {
    throw new Error(
      'Cannot assign to undefined `context`. Ensure that `context` is defined in the machine config.',
    );
  }
  const args = {
    context: st.context,
    event: st.event,
    spawn: st.spawn ?? (st.spawn = spawner(st, table)),
    self: st.self,
    system: st.system,
  };
  let partial: unknown;
  if (typeof assignment === 'function') partial = (assignment as Fn)(args, params);
  else {
    const update: Record<string, unknown> = {};
    const fields = assignment as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      const v = fields[key];
      update[key] = typeof v === 'function' ? (v as Fn)(args, params) : v;
    }
    partial = update;
  }
  const context = st.context as object;
  table.wideContext ??= Object.keys(context).length > WIDE_CONTEXT_KEYS;
  // The same object as xstate's Object.assign({}, context, partial): the same
  // keys in the same order, the same values and prototype. A spread would
  // copy an own __proto__ key, which Object.assign drops (it sets the
  // prototype there); a machine's initial context given as an object keeps one.
  st.context =
    table.wideContext && !Object.hasOwn(context, '__proto__')
      ? Object.assign({ ...context }, partial)
      : Object.assign({}, context, partial);
  st.changes++;
}

/**
 * Keys past which a context is copied by a spread. Object.assign into an
 * empty object falls off V8's fast path from 20 keys here (Node 20):
 * copying a context of 20 keys measured 5.4 µs that way and 0.38 µs as a
 * spread (24 keys: 7.1 and 0.45 µs). Up to 19 keys the two cost about the
 * same, and in the engine, where the spread's call site sees every
 * machine's contexts, Object.assign measured faster (runaway-loop, 17 keys:
 * 5% slower as a spread; ben-or, 14 keys: 20%).
 */
const WIDE_CONTEXT_KEYS = 19;

/** `spawn` inside `assign` or a context function: xstate would create a child of the agent, which the engine refuses. */
export function spawner(st: Step, table: ActionTable): Fn {
  return (src: unknown) => {
    if (typeof src === 'string' && !table.actors[src])
      throw new Error(`Actor logic '${src}' not implemented in machine '${table.machineId}'`);
    // The child reaches the actor system through its parent, as in xstate; the engine's scope refuses it.
    void (st.self as { system: unknown }).system;
    throw new Error('spawning actors is not supported on the fast path');
  };
}

function deferEmit(st: Step, event: unknown): void {
  const scope = st.scope;
  // The engine's scope takes the effect itself, in order with the other deferred actions; any other, a closure.
  if (scope.deferEmit !== undefined) scope.deferEmit(event);
  else scope.defer(() => scope.emit(event));
}

function doEmit(st: Step, expr: unknown, params: unknown): void {
  deferEmit(st, typeof expr === 'function' ? (expr as Fn)(st.args(), params) : expr);
}

function doRaise(
  st: Step,
  eventOrExpr: unknown,
  id: unknown,
  delay: unknown,
  params: unknown,
  table: ActionTable,
): void {
  if (typeof eventOrExpr === 'string') {
    throw new Error(
      `Only event objects may be used with raise; use raise({ type: "${eventOrExpr}" }) instead`,
    );
  }
  const args = st.args();
  const event = (
    typeof eventOrExpr === 'function' ? (eventOrExpr as Fn)(args, params) : eventOrExpr
  ) as EventObject;
  let resolved: unknown;
  if (typeof delay === 'string') {
    const configured = table.delays[delay];
    resolved = typeof configured === 'function' ? (configured as Fn)(args, params) : configured;
  } else resolved = typeof delay === 'function' ? (delay as Fn)(args, params) : delay;
  if (typeof resolved !== 'number') {
    st.internalQueue().push(event);
    return;
  }
  const scope = st.scope;
  scope.defer(() => {
    const self = scope.self;
    scope.system.scheduler.schedule(self, self, event, resolved, id);
  });
}

function doCancel(st: Step, sendId: unknown, params: unknown): void {
  const id = typeof sendId === 'function' ? (sendId as Fn)(st.args(), params) : sendId;
  const scope = st.scope;
  scope.defer(() => scope.system.scheduler.cancel(scope.self, id));
}

function doLog(st: Step, value: unknown, label: unknown, params: unknown): void {
  const v = typeof value === 'function' ? (value as Fn)(st.args(), params) : value;
  if (label) st.scope.logger(label, v);
  else st.scope.logger(v);
}

function doEnqueue(st: Step, collect: Fn, params: unknown, table: ActionTable): void {
  const context = st.context;
  const event = st.event;
  const enqueuer = table.enqueuer;
  const outer = enqueuer.list;
  const depth = enqueuer.depth;
  const list = enqueuer.listAt(depth);
  enqueuer.list = list;
  enqueuer.depth = depth + 1;
  try {
    try {
      collect(
        {
          context,
          event,
          enqueue: enqueuer.fn,
          check: checker(table, context, event, st),
          self: st.self,
          system: st.system,
        },
        params,
      );
    } finally {
      enqueuer.list = outer;
    }
    for (let i = 0; i < list.length; i += 3) runCollected(list, i, st, table);
  } finally {
    enqueuer.depth = depth;
  }
}

/**
 * `check` for one enqueueActions body: the guard against the context and
 * event as the body was called with them. Made by a function so that no
 * name is given to each new closure at run time.
 */
function checker(table: ActionTable, context: unknown, event: EventObject, st: Step): Fn {
  return (guard: unknown) => compileGuard(guard, table)(context, event, st);
}

/** A builtin the fast path does not run itself, through xstate's own resolve and execute. */
function doBuiltin(st: Step, b: Builtin, params: unknown, table: ActionTable): void {
  const shim = st.shim();
  const [next, resolved, more] = b.resolve(st.scope, shim, st.args(), params, b, {
    internalQueue: st.internalQueue(),
    deferredActorIds: undefined,
  }) as [{ context: unknown } | undefined, unknown, unknown[] | undefined];
  if (next !== undefined && next !== shim) {
    st.context = next.context;
    st.changes++;
  }
  if (b.execute !== undefined) b.execute(st.scope, resolved);
  if (more) for (const action of more) compileAction(action, table, true)(st);
}
