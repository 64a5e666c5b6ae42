/**
 * Retry policies, retry budgets and circuit breakers as pure functions over
 * plain data, so a protocol can keep their state in its xstate context.
 * Randomness comes in as an argument `u` in [0, 1): protocols pass `random()`
 * (sim/effects.ts); time comes in as a `tick` argument. Nothing here reads a
 * clock or a global.
 *
 * Backoff (Brooker 2015, "Exponential Backoff And Jitter", AWS Architecture
 * Blog): how long to wait before retry number `attempt` (0 for the first
 * retry), in whole ticks:
 * - immediate: 0, always.
 * - exponential: min(cap, base · 2^attempt).
 * - full-jitter: a uniform integer in [0, min(cap, base · 2^attempt)]: with
 *   m = min(cap, base · 2^attempt), floor(u · (m + 1)), so each of the m + 1
 *   integers has probability 1 / (m + 1) and the mean over u is m / 2 exactly.
 * - decorrelated-jitter: min(cap, a uniform integer in [base, 3 · previous]),
 *   i.e. floor(base + u · (3 · previous - base + 1)), where `previous` is the
 *   last wait (base before the first retry, as in Brooker's `sleep = base`).
 * Brooker draws reals; ticks are integers, so every policy rounds down, and
 * the jittered ones draw uniformly among the integers of the closed interval.
 *
 * Retry budget (a token bucket, as in Finagle's RetryBudget and gRPC's retry
 * throttling): each request deposits `ratio` tokens, each retry withdraws one
 * and is refused when less than one token is left; the bucket holds at most
 * `tokensMax`. Like both of them it counts thousandths of a token in
 * integers, so ten deposits of 0.1 pay for exactly one retry. Over any run,
 * retries ≤ tokensStart + ratio · requests (ratio rounded to thousandths).
 *
 * Circuit breaker (Nygard, Release It!, 2007, "Circuit Breaker"):
 * - closed: calls pass; `failuresMax` consecutive failures open it (a success
 *   resets the count).
 * - open: calls are refused at once, until `openTicks` have passed since it
 *   opened; the next call then finds it half-open. Results of calls made
 *   before it opened are ignored while it is open.
 * - half-open: up to `probesMax` trial calls pass, the rest are refused; a
 *   failed trial opens it again (from that tick), `probesMax` successful
 *   trials close it. Nygard's breaker is probesMax = 1.
 */

// ---- backoff ----------------------------------------------------------------

export type RetryPolicy =
  | { readonly kind: 'immediate' }
  | { readonly kind: 'exponential'; readonly baseTicks: number; readonly capTicks: number }
  | { readonly kind: 'full-jitter'; readonly baseTicks: number; readonly capTicks: number }
  | { readonly kind: 'decorrelated-jitter'; readonly baseTicks: number; readonly capTicks: number };

export type RetryPolicyKind = RetryPolicy['kind'];

export const RETRY_POLICY_KINDS: readonly RetryPolicyKind[] = [
  'immediate',
  'exponential',
  'full-jitter',
  'decorrelated-jitter',
];

function checkTicks(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} is ${String(value)}; it must be a whole number of ticks from 0`);
}

/** min(cap, base · 2^attempt) without overflow (2^attempt is Infinity past 1023). */
function exponentialTicks(baseTicks: number, capTicks: number, attempt: number): number {
  if (baseTicks === 0) return 0;
  return Math.min(capTicks, baseTicks * 2 ** attempt);
}

/**
 * Ticks to wait before retry `attempt` (0 for the first retry) under
 * `policy`; `u` is a uniform draw in [0, 1) (pass `random()`), read only by
 * the jittered policies; `previousTicks` is the last wait, read only by
 * decorrelated jitter (default baseTicks).
 */
export function backoffTicks(
  policy: RetryPolicy,
  attempt: number,
  u: number,
  previousTicks?: number,
): number {
  if (!Number.isSafeInteger(attempt) || attempt < 0)
    throw new Error(`attempt is ${String(attempt)}; retries count from 0`);
  if (!(u >= 0 && u < 1)) throw new Error(`u is ${String(u)}; it must be a draw in [0, 1)`);
  if (policy.kind === 'immediate') return 0;
  const { baseTicks, capTicks } = policy;
  checkTicks('baseTicks', baseTicks);
  checkTicks('capTicks', capTicks);
  switch (policy.kind) {
    case 'exponential':
      return Math.floor(exponentialTicks(baseTicks, capTicks, attempt));
    case 'full-jitter': {
      const m = Math.floor(exponentialTicks(baseTicks, capTicks, attempt));
      return Math.floor(u * (m + 1));
    }
    case 'decorrelated-jitter': {
      const previous = previousTicks ?? baseTicks;
      checkTicks('previousTicks', previous);
      const high = Math.max(baseTicks, 3 * previous);
      return Math.min(capTicks, Math.floor(baseTicks + u * (high - baseTicks + 1)));
    }
  }
}

// ---- retry budget -----------------------------------------------------------

/** Tokens are counted in thousandths, as Finagle and gRPC do. */
const MILLI = 1000;

export interface RetryBudgetSpec {
  /** Tokens each request deposits (retries allowed per request, in the long run). */
  readonly ratio: number;
  /** Most tokens the bucket holds. */
  readonly tokensMax: number;
  /** Tokens at the start; default 0. */
  readonly tokensStart?: number;
}

/** A retry budget's state: plain data, in thousandths of a token. */
export interface RetryBudget {
  readonly milliTokens: number;
  readonly depositMilli: number;
  readonly capMilli: number;
}

/** A fresh retry budget. */
export function retryBudget(spec: RetryBudgetSpec): RetryBudget {
  const { ratio, tokensMax } = spec;
  const start = spec.tokensStart ?? 0;
  for (const [name, v] of [
    ['ratio', ratio],
    ['tokensMax', tokensMax],
    ['tokensStart', start],
  ] as const)
    if (!(Number.isFinite(v) && v >= 0))
      throw new Error(`retry budget ${name} is ${String(v)}; it must be a number from 0`);
  const capMilli = Math.round(tokensMax * MILLI);
  return {
    milliTokens: Math.min(capMilli, Math.round(start * MILLI)),
    depositMilli: Math.round(ratio * MILLI),
    capMilli,
  };
}

/** The tokens left in `budget`. */
export function budgetTokens(budget: RetryBudget): number {
  return budget.milliTokens / MILLI;
}

/** A request deposits its share (up to the cap). */
export function budgetDeposit(budget: RetryBudget): RetryBudget {
  const milliTokens = Math.min(budget.capMilli, budget.milliTokens + budget.depositMilli);
  return milliTokens === budget.milliTokens ? budget : { ...budget, milliTokens };
}

/** A retry asks for one token: allowed (and withdrawn) when one is there. */
export function budgetWithdraw(budget: RetryBudget): {
  readonly budget: RetryBudget;
  readonly allowed: boolean;
} {
  if (budget.milliTokens < MILLI) return { budget, allowed: false };
  return { budget: { ...budget, milliTokens: budget.milliTokens - MILLI }, allowed: true };
}

// ---- circuit breaker ----------------------------------------------------------

export interface BreakerSpec {
  /** Consecutive failures that open a closed breaker. */
  readonly failuresMax: number;
  /** Ticks an open breaker refuses calls before it lets trials through. */
  readonly openTicks: number;
  /** Trial calls in the half-open state; that many successes close it. Default 1. */
  readonly probesMax?: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** A circuit breaker's state: plain data. */
export interface Breaker {
  readonly state: BreakerState;
  /** Closed: consecutive failures so far. */
  readonly failures: number;
  /** Open: the tick it opened. */
  readonly openedTick: number;
  /** Half-open: trial calls let through so far. */
  readonly probes: number;
  /** Half-open: trial calls that succeeded so far. */
  readonly successes: number;
}

export const BREAKER_CLOSED: Breaker = {
  state: 'closed',
  failures: 0,
  openedTick: 0,
  probes: 0,
  successes: 0,
};

function checkBreaker(spec: BreakerSpec): number {
  const probesMax = spec.probesMax ?? 1;
  if (!Number.isSafeInteger(spec.failuresMax) || spec.failuresMax < 1)
    throw new Error(`breaker failuresMax is ${String(spec.failuresMax)}; it must be at least 1`);
  checkTicks('breaker openTicks', spec.openTicks);
  if (!Number.isSafeInteger(probesMax) || probesMax < 1)
    throw new Error(`breaker probesMax is ${String(probesMax)}; it must be at least 1`);
  return probesMax;
}

function opened(tick: number): Breaker {
  return { state: 'open', failures: 0, openedTick: tick, probes: 0, successes: 0 };
}

/**
 * The breaker as seen at `tick`: an open breaker whose `openTicks` have
 * passed is half-open. Calls and results go through this first.
 */
export function breakerAt(breaker: Breaker, spec: BreakerSpec, tick: number): Breaker {
  checkBreaker(spec);
  if (breaker.state === 'open' && tick >= breaker.openedTick + spec.openTicks)
    return {
      state: 'half-open',
      failures: 0,
      openedTick: breaker.openedTick,
      probes: 0,
      successes: 0,
    };
  return breaker;
}

/** May a call go out at `tick`? Half-open, an allowed call is a trial and counts. */
export function breakerAllow(
  breaker: Breaker,
  spec: BreakerSpec,
  tick: number,
): { readonly breaker: Breaker; readonly allowed: boolean } {
  const probesMax = checkBreaker(spec);
  const b = breakerAt(breaker, spec, tick);
  switch (b.state) {
    case 'closed':
      return { breaker: b, allowed: true };
    case 'open':
      return { breaker: b, allowed: false };
    case 'half-open':
      if (b.probes >= probesMax) return { breaker: b, allowed: false };
      return { breaker: { ...b, probes: b.probes + 1 }, allowed: true };
  }
}

/** The result of a call, at `tick`: `ok` for a success, false for a failure or a timeout. */
export function breakerRecord(
  breaker: Breaker,
  spec: BreakerSpec,
  tick: number,
  ok: boolean,
): Breaker {
  const probesMax = checkBreaker(spec);
  const b = breakerAt(breaker, spec, tick);
  switch (b.state) {
    case 'closed':
      if (ok) return b.failures === 0 ? b : { ...b, failures: 0 };
      return b.failures + 1 >= spec.failuresMax ? opened(tick) : { ...b, failures: b.failures + 1 };
    case 'open':
      return b;
    case 'half-open': {
      if (!ok) return opened(tick);
      const successes = b.successes + 1;
      return successes >= probesMax ? BREAKER_CLOSED : { ...b, successes };
    }
  }
}
