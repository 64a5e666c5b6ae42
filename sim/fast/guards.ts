/**
 * Guards compiled to plain functions, evaluated exactly as xstate's
 * `evaluateGuard` would: inline functions, named guards (with static or
 * computed params), names that alias other guards, and the `and`, `or`, `not`
 * combinators; any other guard with a `check` (stateIn) runs xstate's own
 * check on a snapshot built for it.
 */
import type { EventObject } from 'xstate';
import { and, not, or } from 'xstate';
import type { Step } from './step.ts';

/** A compiled guard: truthy when it passes, as xstate reads it. */
export type Guard = (context: unknown, event: EventObject, st: Step) => unknown;

type Fn = (...args: unknown[]) => unknown;
interface CheckGuard {
  check: (snapshot: unknown, args: unknown, guard: unknown) => unknown;
  guards?: readonly unknown[];
}

const CHECK_AND = (and([]) as unknown as CheckGuard).check;
const CHECK_OR = (or([]) as unknown as CheckGuard).check;
const CHECK_NOT = (not(() => true) as unknown as CheckGuard).check;

/** Named guards deeper than this alias one another in a cycle: refused. */
const ALIAS_DEPTH_MAX = 64;

/** The implementations a machine's guards are looked up in, and compiled named guards. */
export interface GuardTable {
  readonly guards: Readonly<Record<string, unknown>>;
  readonly named: Map<string, Guard>;
}

/** Thrown while compiling a guard the fast path cannot run like xstate. */
export class UnsupportedGuard extends Error {}

function paramsOf(guard: unknown): ((context: unknown, event: EventObject) => unknown) | null {
  if (typeof guard !== 'object' || guard === null || !('params' in guard)) return null;
  const p = (guard as { params: unknown }).params;
  if (typeof p === 'function') return (context, event) => (p as Fn)({ context, event });
  return () => p;
}

/**
 * Compiles `guard` as it appears in a transition or is passed to `check`.
 * Throws UnsupportedGuard for a shape xstate itself would not evaluate.
 */
export function compileGuard(guard: unknown, table: GuardTable, depth = 0): Guard {
  if (depth > ALIAS_DEPTH_MAX)
    throw new UnsupportedGuard(`guards that alias each other more than ${ALIAS_DEPTH_MAX} deep`);
  if (typeof guard === 'function') {
    if (!('check' in guard)) {
      const fn = guard as Fn;
      return (context, event) => fn({ context, event }, undefined);
    }
    return compileCheck(guard as unknown as CheckGuard, null, table, depth);
  }
  if (typeof guard === 'string') {
    const cached = table.named.get(guard);
    if (cached !== undefined) return cached;
    const compiled = compileNamed(guard, guard, table, depth);
    table.named.set(guard, compiled);
    return compiled;
  }
  if (typeof guard === 'object' && guard !== null && 'type' in guard) {
    return compileNamed(guard, String((guard as { type: unknown }).type), table, depth);
  }
  throw new UnsupportedGuard(`a guard that is ${guard === null ? 'null' : typeof guard}`);
}

function compileNamed(guard: unknown, name: string, table: GuardTable, depth: number): Guard {
  const resolved = table.guards[name];
  if (!resolved) {
    return () => {
      throw new Error(`Guard '${name}' is not implemented.'.`);
    };
  }
  if (typeof resolved !== 'function') return compileGuard(resolved, table, depth + 1);
  const params = paramsOf(guard);
  if (!('check' in resolved)) {
    const fn = resolved as Fn;
    if (params === null) return (context, event) => fn({ context, event }, undefined);
    return (context, event) => fn({ context, event }, params(context, event));
  }
  return compileCheck(resolved as unknown as CheckGuard, params, table, depth);
}

/** A builtin guard: xstate computes its params (and drops them), then runs its check. */
function compileCheck(
  builtin: CheckGuard,
  params: ((context: unknown, event: EventObject) => unknown) | null,
  table: GuardTable,
  depth: number,
): Guard {
  const check = builtin.check;
  if (check === CHECK_AND || check === CHECK_OR || check === CHECK_NOT) {
    const subs = (builtin.guards ?? []).map((g) => compileGuard(g, table, depth + 1));
    if (check === CHECK_NOT) {
      const sub = subs[0] as Guard;
      return (context, event, st) => {
        if (params !== null) params(context, event);
        return !sub(context, event, st);
      };
    }
    const every = check === CHECK_AND;
    return (context, event, st) => {
      if (params !== null) params(context, event);
      for (const sub of subs) if (!sub(context, event, st) === every) return !every;
      return every;
    };
  }
  return (context, event, st) => {
    if (params !== null) params(context, event);
    return check(st.shim(context), { context, event }, builtin);
  };
}
