/**
 * A retry storm and the metastable failure it can leave behind (Bronson,
 * Aghayev, Charapko and Zhu 2021, "Metastable Failures in Distributed
 * Systems", HotOS: a trigger pushes a system into an overloaded state
 * that a sustaining effect, here retries of timed-out requests, keeps it in
 * after the trigger is gone), with the standard mitigations: jittered
 * exponential backoff (Brooker 2015, "Exponential Backoff And Jitter", AWS
 * Architecture Blog), retry budgets (Finagle, gRPC retry throttling) and
 * circuit breakers (Nygard, Release It!, 2007). The policies themselves are
 * in sim/retry.ts.
 *
 * Agents form a chain of client layers in front of one service: the first
 * client (the origin) issues requests, each layer calls the next and the
 * last calls the service. A layer answers its caller only when its own
 * attempts are over, so with L layers each retrying r times against a
 * service that fails everything, the service sees (r + 1)^L attempts per
 * request.
 *
 * The service serves at most capacityPerTick requests per tick from a FIFO
 * queue: a request that arrives waits, and is served (and answered) one tick
 * later at the earliest. Requests beyond capacity are not rejected, they
 * queue (up to queueMax if set; past it they are answered with a failure at
 * once). Every queued request is served and answered, even one whose caller
 * has already timed out and retried: that wasted work is what sustains the
 * overload. During the trigger window [failTickStart, failTickEnd) every
 * request it serves fails (the answer has ok: false).
 *
 * A client sends attempt k of a call as `{ type: 'request', request,
 * attempt }` (request: the origin's request id, `<origin>:<n>`; attempt: an
 * id unique in the sending client) and waits timeoutTicks for the answer
 * `{ type: 'reply', request, attempt, ok }`; an answer after the timeout is
 * ignored. A failure or a timeout is followed by a retry, at most retriesMax
 * per call, after `backoffTicks(policy, retry, random(), previous)` ticks
 * (sim/retry.ts; a draw only for jittered policies); when the call has
 * failed for good the layer answers its caller ok: false. With a retry
 * budget, each call deposits retryBudgetRatio tokens and each retry needs
 * one, else the call fails at once. With a circuit breaker, each attempt
 * asks the breaker first and each answer or timeout is recorded; a call it
 * refuses fails at once. A client does not know the absolute tick, so it
 * runs its breaker on the time since the breaker last opened: 0 until the
 * timer `breaker`, set for breakerOpenTicks when it opens, fires and moves
 * it to half-open. With costPerAttempt > 0 every attempt is paid first with
 * `spend(costPerAttempt, 'attempt <id>')` and sent at the same tick (a 0-tick
 * timer, after the engine's refusal if any); a refused attempt is not sent
 * and its call fails.
 *
 * Parameters (per agent): `PARAMS` below.
 *
 * Effects: the origin notes every request's end, `note({ request, ok,
 * tries })` (tries: its own attempts) with `why` ('retries' | 'budget' |
 * 'breaker' | 'spend') when it failed; a client notes `{ breaker: state }`
 * whenever its breaker changes state.
 */
import { enqueueActions, setup } from 'xstate';
import {
  cancelTimer,
  type Effect,
  note,
  random,
  send,
  setTimer,
  spend,
} from '../../sim/effects.ts';
import {
  BREAKER_CLOSED,
  type Breaker,
  type BreakerSpec,
  backoffTicks,
  breakerAllow,
  breakerAt,
  breakerRecord,
  budgetDeposit,
  budgetWithdraw,
  type RetryBudget,
  type RetryPolicy,
  retryBudget,
} from '../../sim/retry.ts';
import {
  PARAM_REPEATS_MAX,
  PARAM_TICKS_MAX,
  PARAM_VALUE_MAX,
  PARAM_WORK_MAX,
} from '../../sim/scenario/params.ts';
import type { AgentInput, Json, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

/** Ticks-valued parameter of a client or the service. */
const ticks = (def: number, role: string, meaning: string, min = 0) =>
  ({
    type: 'integer',
    min,
    max: PARAM_TICKS_MAX,
    default: def,
    unit: 'ticks',
    role,
    meaning,
  }) as const;

const PARAMS = {
  role: {
    type: 'enum',
    values: ['client', 'service'],
    defaultIs: 'service for the last agent listed, client for the others',
    meaning: 'a layer of clients, or the service at the end of the chain',
  },
  next: {
    type: 'agent',
    defaultIs: 'the next agent listed',
    role: 'client',
    meaning: 'the agent it calls',
  },
  requestsPerTick: {
    type: 'integer',
    min: 0,
    // Each is sent with its timer (and paid) in the tick's one step.
    max: PARAM_WORK_MAX / 10,
    default: 0,
    unit: 'requests',
    role: 'client',
    meaning: 'new requests issued at each tick from tick 0, 0 for a middle layer',
  },
  requestsMax: {
    type: 'integer',
    min: 0,
    max: PARAM_VALUE_MAX,
    default: 0,
    unit: 'requests',
    role: 'client',
    meaning: 'requests issued in all, 0 for no limit',
  },
  retriesMax: {
    type: 'integer',
    min: 0,
    max: PARAM_REPEATS_MAX,
    default: 3,
    role: 'client',
    meaning: 'retries per call',
  },
  backoff: {
    type: 'enum',
    values: ['immediate', 'exponential', 'full-jitter', 'decorrelated-jitter'],
    default: 'immediate',
    role: 'client',
    meaning: 'the wait before a retry (sim/retry.ts)',
  },
  baseTicks: ticks(1, 'client', "the backoff policy's first wait", 1),
  capTicks: ticks(64, 'client', "the backoff policy's longest wait", 1),
  timeoutTicks: ticks(20, 'client', 'how long an attempt waits for its answer', 1),
  retryBudgetRatio: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    unit: 'tokens',
    role: 'client',
    meaning: 'tokens each call deposits, one per retry; 0 for no retry budget',
  },
  retryBudgetTokensMax: {
    type: 'number',
    min: 0,
    max: PARAM_VALUE_MAX,
    default: 10,
    unit: 'tokens',
    role: 'client',
    meaning: "the retry budget's bucket size",
  },
  retryBudgetTokensStart: {
    type: 'number',
    min: 0,
    max: PARAM_VALUE_MAX,
    default: 0,
    unit: 'tokens',
    role: 'client',
    meaning: 'tokens in the bucket at the start',
  },
  breakerFailures: {
    type: 'integer',
    min: 0,
    max: PARAM_REPEATS_MAX,
    default: 0,
    role: 'client',
    meaning: 'consecutive failures that open the circuit breaker, 0 for no breaker',
  },
  breakerOpenTicks: ticks(50, 'client', 'how long the breaker stays open', 1),
  breakerProbes: {
    type: 'integer',
    min: 1,
    max: PARAM_REPEATS_MAX,
    default: 1,
    role: 'client',
    meaning: 'trial attempts when the breaker is half-open',
  },
  costPerAttempt: {
    type: 'number',
    min: 0,
    max: PARAM_VALUE_MAX,
    default: 0,
    unit: 'cost unit',
    role: 'client',
    meaning: 'spent per attempt, 0 for none',
  },
  capacityPerTick: {
    type: 'integer',
    min: 1,
    // All answered in one step.
    max: PARAM_WORK_MAX,
    default: 10,
    unit: 'requests',
    role: 'service',
    meaning: 'requests served per tick',
  },
  failTickStart: ticks(0, 'service', 'start of the window in which every request fails'),
  failTickEnd: ticks(0, 'service', 'end of that window (none when not after its start)'),
  queueMax: {
    type: 'integer',
    min: 0,
    max: PARAM_VALUE_MAX,
    default: 0,
    unit: 'requests',
    role: 'service',
    meaning: 'most requests waiting, 0 for no limit; beyond it a request fails at once',
  },
} as const satisfies ParamSpecs;

/** One call a client makes for a request, across its attempts. */
interface Call {
  readonly request: string;
  /** The caller to answer, or null at the origin. */
  readonly up: string | null;
  /** The caller's attempt id to answer. */
  readonly upAttempt: number;
  /** Attempts sent so far. */
  tries: number;
  /** Retries so far. */
  retries: number;
  /** The last backoff, for decorrelated jitter. */
  previousTicks: number;
}

/**
 * A client's state. Mutated in place by its own steps: a storm keeps
 * hundreds of calls in flight, and copying them at every event would cost
 * more than the rest of the step. Nothing outside the agent sees it.
 */
interface ClientBook {
  issued: number;
  nextAttempt: number;
  nextWait: number;
  /** Attempts awaiting their answer, by attempt id. */
  inFlight: Map<number, Call>;
  /** Calls backing off, by wait id. */
  waiting: Map<number, Call>;
  /** Attempts being paid for, by attempt id, and those refused. */
  paying: Map<number, Call>;
  refused: Set<number>;
  budget: RetryBudget | null;
  breaker: Breaker;
  /** Origin: requests that succeeded and failed. */
  ok: number;
  failed: number;
}

interface Waiting {
  readonly to: string;
  readonly request: string;
  readonly attempt: number;
}

/** The service's state, mutated in place like a client's. */
interface ServiceBook {
  failing: boolean;
  serving: boolean;
  queue: Waiting[];
  head: number;
  served: number;
  queueLengthMax: number;
}

interface Context {
  id: string;
  isService: boolean;
  next: string;
  requestsPerTick: number;
  requestsMax: number;
  retriesMax: number;
  policy: RetryPolicy;
  timeoutTicks: number;
  breakerSpec: BreakerSpec | null;
  costPerAttempt: number;
  capacityPerTick: number;
  failTickStart: number;
  failTickEnd: number;
  queueMax: number;
  client: ClientBook;
  service: ServiceBook;
}

type Event =
  | { type: 'request'; request: string; attempt: number; from: string }
  | { type: 'reply'; request: string; attempt: number; ok: boolean; from: string }
  | { type: 'spend.refused'; reason: string; what?: string }
  | { type: string };

function policyOf(params: Readonly<Record<string, Json>>): RetryPolicy {
  const kind = params['backoff'] ?? PARAMS.backoff.default;
  const baseTicks = numberOr(params['baseTicks'], PARAMS.baseTicks.default);
  const capTicks = numberOr(params['capTicks'], PARAMS.capTicks.default);
  switch (kind) {
    case 'immediate':
      return { kind };
    case 'exponential':
    case 'full-jitter':
    case 'decorrelated-jitter':
      return { kind, baseTicks, capTicks };
    default:
      throw new Error(
        `retry-storm backoff ${JSON.stringify(kind)}; use immediate, exponential, full-jitter or decorrelated-jitter`,
      );
  }
}

// ---- client -------------------------------------------------------------------

function issuing(c: Context): boolean {
  return c.requestsPerTick > 0 && (c.requestsMax === 0 || c.client.issued < c.requestsMax);
}

/** The time the breaker is told: ticks since it opened, which the client only learns from its timer. */
const BREAKER_NOW = 0;

function setBreaker(c: Context, b: Breaker, out: Effect[]): void {
  const book = c.client;
  if (b.state !== book.breaker.state) {
    out.push(note({ breaker: b.state }));
    if (b.state === 'open') out.push(setTimer('breaker', (c.breakerSpec as BreakerSpec).openTicks));
  }
  book.breaker = b;
}

function finish(c: Context, call: Call, ok: boolean, why: string, out: Effect[]): void {
  if (call.up !== null) {
    out.push(send(call.up, { type: 'reply', request: call.request, attempt: call.upAttempt, ok }));
    return;
  }
  if (ok) c.client.ok++;
  else c.client.failed++;
  out.push(
    note(
      ok
        ? { request: call.request, ok, tries: call.tries }
        : { request: call.request, ok, tries: call.tries, why },
    ),
  );
}

function dispatch(c: Context, id: number, call: Call, out: Effect[]): void {
  out.push(send(c.next, { type: 'request', request: call.request, attempt: id }));
  out.push(setTimer(`timeout-${id}`, c.timeoutTicks));
  c.client.inFlight.set(id, call);
}

function attempt(c: Context, call: Call, retry: boolean, out: Effect[]): void {
  const book = c.client;
  let breaker = book.breaker;
  if (c.breakerSpec !== null) {
    const asked = breakerAllow(breaker, c.breakerSpec, BREAKER_NOW);
    if (!asked.allowed) {
      setBreaker(c, asked.breaker, out);
      finish(c, call, false, 'breaker', out);
      return;
    }
    breaker = asked.breaker;
  }
  if (retry && book.budget !== null) {
    const w = budgetWithdraw(book.budget);
    if (!w.allowed) {
      finish(c, call, false, 'budget', out);
      return;
    }
    book.budget = w.budget;
  }
  setBreaker(c, breaker, out);
  const id = book.nextAttempt++;
  call.tries++;
  if (c.costPerAttempt > 0) {
    out.push(spend(c.costPerAttempt, `attempt ${id}`));
    out.push(setTimer(`send-${id}`, 0));
    book.paying.set(id, call);
    return;
  }
  dispatch(c, id, call, out);
}

function newCall(c: Context, call: Call, out: Effect[]): void {
  if (c.client.budget !== null) c.client.budget = budgetDeposit(c.client.budget);
  attempt(c, call, false, out);
}

function issue(c: Context, out: Effect[]): void {
  const book = c.client;
  for (let k = 0; k < c.requestsPerTick && issuing(c); k++) {
    book.issued++;
    newCall(
      c,
      {
        request: `${c.id}:${book.issued}`,
        up: null,
        upAttempt: -1,
        tries: 0,
        retries: 0,
        previousTicks: c.policy.kind === 'immediate' ? 0 : c.policy.baseTicks,
      },
      out,
    );
  }
}

/** An attempt failed (an error answer or a timeout): retry, or give up. */
function failed(c: Context, call: Call, out: Effect[]): void {
  if (call.retries >= c.retriesMax) {
    finish(c, call, false, 'retries', out);
    return;
  }
  const jittered = c.policy.kind === 'full-jitter' || c.policy.kind === 'decorrelated-jitter';
  const wait = backoffTicks(c.policy, call.retries, jittered ? random() : 0, call.previousTicks);
  call.retries++;
  call.previousTicks = wait;
  if (wait === 0) {
    attempt(c, call, true, out);
    return;
  }
  const key = c.client.nextWait++;
  c.client.waiting.set(key, call);
  out.push(setTimer(`retry-${key}`, wait));
}

function recordResult(c: Context, ok: boolean, out: Effect[]): void {
  if (c.breakerSpec === null) return;
  setBreaker(c, breakerRecord(c.client.breaker, c.breakerSpec, BREAKER_NOW, ok), out);
}

function clientOn(c: Context, event: Event, out: Effect[]): void {
  const book = c.client;
  const type = event.type;
  if (type === 'request') {
    const e = event as Extract<Event, { type: 'request' }>;
    newCall(
      c,
      {
        request: e.request,
        up: e.from,
        upAttempt: e.attempt,
        tries: 0,
        retries: 0,
        previousTicks: c.policy.kind === 'immediate' ? 0 : c.policy.baseTicks,
      },
      out,
    );
  } else if (type === 'reply') {
    const e = event as Extract<Event, { type: 'reply' }>;
    const call = book.inFlight.get(e.attempt);
    if (call === undefined) return; // timed out already: a late answer
    book.inFlight.delete(e.attempt);
    out.push(cancelTimer(`timeout-${e.attempt}`));
    recordResult(c, e.ok, out);
    if (e.ok) finish(c, call, true, '', out);
    else failed(c, call, out);
  } else if (type === 'tick') {
    issue(c, out);
    if (issuing(c)) out.push(setTimer('tick', 1));
  } else if (type === 'breaker') {
    const spec = c.breakerSpec as BreakerSpec;
    setBreaker(c, breakerAt(book.breaker, spec, book.breaker.openedTick + spec.openTicks), out);
  } else if (type === 'spend.refused') {
    const what = (event as Extract<Event, { type: 'spend.refused' }>).what ?? '';
    if (what.startsWith('attempt ')) book.refused.add(Number(what.slice('attempt '.length)));
  } else if (type.startsWith('timeout-')) {
    const id = Number(type.slice('timeout-'.length));
    const call = book.inFlight.get(id);
    if (call === undefined) return;
    book.inFlight.delete(id);
    recordResult(c, false, out);
    failed(c, call, out);
  } else if (type.startsWith('retry-')) {
    const key = Number(type.slice('retry-'.length));
    const call = book.waiting.get(key);
    if (call === undefined) return;
    book.waiting.delete(key);
    attempt(c, call, true, out);
  } else if (type.startsWith('send-')) {
    const id = Number(type.slice('send-'.length));
    const call = book.paying.get(id);
    if (call === undefined) return;
    book.paying.delete(id);
    if (book.refused.delete(id)) finish(c, call, false, 'spend', out);
    else dispatch(c, id, call, out);
  }
}

// ---- service ------------------------------------------------------------------

function serviceOn(c: Context, event: Event, out: Effect[]): void {
  const s = c.service;
  const type = event.type;
  if (type === 'request') {
    const e = event as Extract<Event, { type: 'request' }>;
    const waiting = s.queue.length - s.head;
    if (c.queueMax > 0 && waiting >= c.queueMax) {
      out.push(send(e.from, { type: 'reply', request: e.request, attempt: e.attempt, ok: false }));
      return;
    }
    s.queue.push({ to: e.from, request: e.request, attempt: e.attempt });
    s.queueLengthMax = Math.max(s.queueLengthMax, waiting + 1);
    if (!s.serving) {
      s.serving = true;
      out.push(setTimer('serve', 1));
    }
  } else if (type === 'serve') {
    const end = Math.min(s.queue.length, s.head + c.capacityPerTick);
    for (; s.head < end; s.head++) {
      const w = s.queue[s.head] as Waiting;
      out.push(
        send(w.to, { type: 'reply', request: w.request, attempt: w.attempt, ok: !s.failing }),
      );
      s.served++;
    }
    // Drop the served prefix now and then, so the array does not grow forever.
    if (s.head >= 1024 && s.head * 2 >= s.queue.length) {
      s.queue.splice(0, s.head);
      s.head = 0;
    }
    s.serving = s.head < s.queue.length;
    if (s.serving) out.push(setTimer('serve', 1));
  } else if (type === 'fail.start') {
    s.failing = true;
  } else if (type === 'fail.end') {
    s.failing = false;
  }
}

function serviceStart(c: Context, out: Effect[]): void {
  if (c.failTickEnd <= c.failTickStart) return;
  if (c.failTickStart <= 0) c.service.failing = true;
  else out.push(setTimer('fail.start', c.failTickStart));
  out.push(setTimer('fail.end', c.failTickEnd));
}

function clientStart(c: Context, out: Effect[]): void {
  if (!issuing(c)) return;
  issue(c, out);
  if (issuing(c)) out.push(setTimer('tick', 1));
}

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
}).createMachine({
  id: 'retry-storm',
  context: ({ input }) => {
    const p = input.params;
    const role = p['role'];
    const isService =
      role === undefined ? input.index === input.agents.length - 1 : role === 'service';
    const ratio = numberOr(p['retryBudgetRatio'], PARAMS.retryBudgetRatio.default);
    const breakerFailures = numberOr(p['breakerFailures'], PARAMS.breakerFailures.default);
    const next = p['next'];
    return {
      id: input.id,
      isService,
      next: typeof next === 'string' ? next : (input.agents[input.index + 1] ?? ''),
      requestsPerTick: numberOr(p['requestsPerTick'], PARAMS.requestsPerTick.default),
      requestsMax: numberOr(p['requestsMax'], PARAMS.requestsMax.default),
      retriesMax: numberOr(p['retriesMax'], PARAMS.retriesMax.default),
      policy: policyOf(p),
      timeoutTicks: numberOr(p['timeoutTicks'], PARAMS.timeoutTicks.default),
      breakerSpec:
        breakerFailures > 0
          ? {
              failuresMax: breakerFailures,
              openTicks: numberOr(p['breakerOpenTicks'], PARAMS.breakerOpenTicks.default),
              probesMax: numberOr(p['breakerProbes'], PARAMS.breakerProbes.default),
            }
          : null,
      costPerAttempt: numberOr(p['costPerAttempt'], PARAMS.costPerAttempt.default),
      capacityPerTick: numberOr(p['capacityPerTick'], PARAMS.capacityPerTick.default),
      failTickStart: numberOr(p['failTickStart'], PARAMS.failTickStart.default),
      failTickEnd: numberOr(p['failTickEnd'], PARAMS.failTickEnd.default),
      queueMax: numberOr(p['queueMax'], PARAMS.queueMax.default),
      client: {
        issued: 0,
        nextAttempt: 0,
        nextWait: 0,
        inFlight: new Map(),
        waiting: new Map(),
        paying: new Map(),
        refused: new Set(),
        budget:
          ratio > 0
            ? retryBudget({
                ratio,
                tokensMax: numberOr(p['retryBudgetTokensMax'], PARAMS.retryBudgetTokensMax.default),
                tokensStart: numberOr(
                  p['retryBudgetTokensStart'],
                  PARAMS.retryBudgetTokensStart.default,
                ),
              })
            : null,
        breaker: BREAKER_CLOSED,
        ok: 0,
        failed: 0,
      },
      service: { failing: false, serving: false, queue: [], head: 0, served: 0, queueLengthMax: 0 },
    };
  },
  entry: enqueueActions(({ context, enqueue }) => {
    const out: Effect[] = [];
    if (context.isService) serviceStart(context, out);
    else clientStart(context, out);
    for (const e of out) enqueue.emit(e);
  }),
  on: {
    '*': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const out: Effect[] = [];
        if (context.isService) serviceOn(context, event, out);
        else clientOn(context, event, out);
        for (const e of out) enqueue.emit(e);
      }),
    },
  },
});

export const retryStorm: Protocol = { name: 'retry-storm', machine, params: PARAMS };
