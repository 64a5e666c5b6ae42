import { describe, expect, it } from 'vitest';
import {
  BREAKER_CLOSED,
  type Breaker,
  type BreakerSpec,
  backoffTicks,
  breakerAllow,
  breakerAt,
  breakerRecord,
  budgetDeposit,
  budgetTokens,
  budgetWithdraw,
  type RetryPolicy,
  retryBudget,
} from '../../sim/retry.ts';

const exponential: RetryPolicy = { kind: 'exponential', baseTicks: 2, capTicks: 100 };
const fullJitter: RetryPolicy = { kind: 'full-jitter', baseTicks: 2, capTicks: 100 };
const decorrelated: RetryPolicy = { kind: 'decorrelated-jitter', baseTicks: 2, capTicks: 100 };

describe('backoff', () => {
  it('waits nothing with immediate retries, whatever the attempt or draw', () => {
    for (const attempt of [0, 1, 7, 5000])
      for (const u of [0, 0.5, 0.999])
        expect(backoffTicks({ kind: 'immediate' }, attempt, u)).toBe(0);
  });

  it('doubles from the base up to the cap with exponential backoff, ignoring the draw', () => {
    const waits = [0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffTicks(exponential, a, 0.73));
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 100, 100]);
    // 2^5000 overflows to Infinity; the cap still applies, and a zero base stays zero.
    expect(backoffTicks(exponential, 5000, 0)).toBe(100);
    expect(backoffTicks({ kind: 'exponential', baseTicks: 0, capTicks: 9 }, 5000, 0)).toBe(0);
  });

  it('draws full jitter as floor(u (m + 1)) with m = min(cap, base 2^attempt)', () => {
    // attempt 3: m = 16
    expect(backoffTicks(fullJitter, 3, 0)).toBe(0);
    expect(backoffTicks(fullJitter, 3, 0.5)).toBe(8);
    expect(backoffTicks(fullJitter, 3, 0.999)).toBe(16);
    // attempt 9: m = min(100, 1024) = 100
    expect(backoffTicks(fullJitter, 9, 0.25)).toBe(25);
    expect(backoffTicks(fullJitter, 9, 0.9999)).toBe(100);
  });

  it('spreads full jitter evenly over [0, m], so its mean over u is exactly m / 2', () => {
    for (let attempt = 0; attempt <= 8; attempt++) {
      const m = Math.min(100, 2 * 2 ** attempt);
      // u at the middle of each of 3 (m + 1) equal cells: each integer 0..m comes up 3 times.
      const cells = 3 * (m + 1);
      const waits = Array.from({ length: cells }, (_, i) =>
        backoffTicks(fullJitter, attempt, (i + 0.5) / cells),
      );
      expect(Math.min(...waits), `attempt ${attempt}`).toBe(0);
      expect(Math.max(...waits), `attempt ${attempt}`).toBe(m);
      expect(waits.reduce((s, w) => s + w, 0) / cells, `attempt ${attempt}`).toBe(m / 2);
      for (let k = 0; k <= m; k++) expect(waits.filter((w) => w === k).length).toBe(3);
    }
  });

  it('draws decorrelated jitter in [base, 3 previous], capped, starting from previous = base', () => {
    // previous = base = 2: floor(2 + u 5), in [2, 6]
    expect(backoffTicks(decorrelated, 0, 0)).toBe(2);
    expect(backoffTicks(decorrelated, 0, 0.5)).toBe(4);
    expect(backoffTicks(decorrelated, 0, 0.99)).toBe(6);
    // previous = 30: floor(2 + u 89); previous = 40: min(100, floor(2 + 0.9 · 119)) = 100
    expect(backoffTicks(decorrelated, 4, 0.5, 30)).toBe(46);
    expect(backoffTicks(decorrelated, 4, 0.9, 40)).toBe(100);
    // The attempt number does not matter, only the previous wait.
    expect(backoffTicks(decorrelated, 17, 0.5, 30)).toBe(46);
    for (let i = 0; i < 1000; i++) {
      const previous = i % 60;
      const w = backoffTicks(decorrelated, 1, i / 1000, previous);
      expect(w).toBeGreaterThanOrEqual(2);
      expect(w).toBeLessThanOrEqual(Math.min(100, Math.max(2, 3 * previous)));
    }
  });

  it('refuses draws outside [0, 1), negative attempts and fractional ticks', () => {
    expect(() => backoffTicks(fullJitter, 0, 1)).toThrow(/\[0, 1\)/);
    expect(() => backoffTicks(fullJitter, -1, 0)).toThrow(/count from 0/);
    expect(() => backoffTicks({ kind: 'exponential', baseTicks: 1.5, capTicks: 9 }, 0, 0)).toThrow(
      /whole number/,
    );
  });
});

describe('retry budget', () => {
  it('pays one retry for every ten requests at ratio 0.1, exactly (thousandths, not floats)', () => {
    let b = retryBudget({ ratio: 0.1, tokensMax: 5 });
    for (let i = 0; i < 9; i++) b = budgetDeposit(b);
    expect(budgetWithdraw(b).allowed).toBe(false);
    b = budgetDeposit(b);
    expect(budgetTokens(b)).toBe(1);
    const w = budgetWithdraw(b);
    expect(w.allowed).toBe(true);
    expect(budgetTokens(w.budget)).toBe(0);
    expect(budgetWithdraw(w.budget).allowed).toBe(false);
  });

  it('caps the bucket at tokensMax and starts from tokensStart', () => {
    let b = retryBudget({ ratio: 0.5, tokensMax: 2, tokensStart: 1 });
    expect(budgetTokens(b)).toBe(1);
    for (let i = 0; i < 100; i++) b = budgetDeposit(b);
    expect(budgetTokens(b)).toBe(2);
    let allowed = 0;
    for (let i = 0; i < 5; i++) {
      const w = budgetWithdraw(b);
      b = w.budget;
      if (w.allowed) allowed++;
    }
    expect(allowed).toBe(2);
  });

  it('never allows more than tokensStart + ratio x requests retries, over any interleaving', () => {
    for (let seed = 1; seed <= 50; seed++) {
      // A fixed pseudo-random interleaving (an LCG), different per seed.
      let x = seed;
      const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      let b = retryBudget({ ratio: 0.2, tokensMax: 3, tokensStart: 2 });
      let requests = 0;
      let retries = 0;
      let firstBreach = -1;
      for (let i = 0; i < 2000; i++) {
        if (next() < 0.4) {
          requests++;
          b = budgetDeposit(b);
        } else {
          const w = budgetWithdraw(b);
          b = w.budget;
          if (w.allowed) retries++;
        }
        if (firstBreach < 0 && retries > 2 + 0.2 * requests + 1e-9) firstBreach = i;
      }
      expect(firstBreach, `seed ${seed}: retries passed the bound at step ${firstBreach}`).toBe(-1);
      expect(retries, `seed ${seed}`).toBeGreaterThan(0);
    }
  });
});

describe('circuit breaker', () => {
  const spec: BreakerSpec = { failuresMax: 3, openTicks: 10, probesMax: 2 };
  const fail = (b: Breaker, tick: number) => breakerRecord(b, spec, tick, false);
  const succeed = (b: Breaker, tick: number) => breakerRecord(b, spec, tick, true);

  it('opens after exactly failuresMax consecutive failures; a success resets the count', () => {
    let b = fail(fail(BREAKER_CLOSED, 1), 2);
    expect(b).toMatchObject({ state: 'closed', failures: 2 });
    b = succeed(b, 3);
    expect(b).toMatchObject({ state: 'closed', failures: 0 });
    b = fail(fail(b, 4), 5);
    expect(b.state).toBe('closed');
    b = fail(b, 6);
    expect(b).toEqual({ state: 'open', failures: 0, openedTick: 6, probes: 0, successes: 0 });
  });

  it('refuses calls while open and ignores late results, then lets probesMax trials through', () => {
    let b = fail(fail(fail(BREAKER_CLOSED, 0), 0), 0);
    for (const tick of [0, 5, 9]) expect(breakerAllow(b, spec, tick).allowed).toBe(false);
    expect(succeed(b, 9)).toBe(b);
    expect(fail(b, 9)).toBe(b);
    expect(breakerAt(b, spec, 10).state).toBe('half-open');
    const first = breakerAllow(b, spec, 10);
    expect(first.allowed).toBe(true);
    const second = breakerAllow(first.breaker, spec, 10);
    expect(second.allowed).toBe(true);
    const third = breakerAllow(second.breaker, spec, 11);
    expect(third).toMatchObject({ allowed: false, breaker: { state: 'half-open', probes: 2 } });
    b = succeed(third.breaker, 12);
    expect(b).toMatchObject({ state: 'half-open', successes: 1 });
    expect(succeed(b, 13)).toBe(BREAKER_CLOSED);
  });

  it('opens again, from the tick of the failure, when a trial fails', () => {
    let b = fail(fail(fail(BREAKER_CLOSED, 0), 0), 0);
    b = breakerAllow(b, spec, 10).breaker;
    b = fail(b, 14);
    expect(b).toMatchObject({ state: 'open', openedTick: 14 });
    expect(breakerAllow(b, spec, 23).allowed).toBe(false);
    expect(breakerAllow(b, spec, 24).allowed).toBe(true);
  });

  it('is Nygard’s breaker with the default of one probe', () => {
    const nygard: BreakerSpec = { failuresMax: 1, openTicks: 5 };
    let b = breakerRecord(BREAKER_CLOSED, nygard, 0, false);
    const probe = breakerAllow(b, nygard, 5);
    expect(probe.allowed).toBe(true);
    expect(breakerAllow(probe.breaker, nygard, 5).allowed).toBe(false);
    b = breakerRecord(probe.breaker, nygard, 6, true);
    expect(b).toBe(BREAKER_CLOSED);
    expect(() => breakerAllow(b, { failuresMax: 0, openTicks: 5 }, 0)).toThrow(/at least 1/);
  });
});
