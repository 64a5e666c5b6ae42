import { describe, expect, it } from 'vitest';
import { runScenario, sampleLatency } from '../../sim/index.ts';
import { binomialWithin, burst, burstFates, fates } from '../fixtures/measure.ts';

// 40 seeds × 1000 messages: every bound below is 5 standard deviations of the model.
const SEEDS = 40;
const MESSAGES = 1000;
const N = SEEDS * MESSAGES;

describe('the lossy network, measured over many seeds', () => {
  it('drops messages with the configured probability', () => {
    for (const p of [0.05, 0.3, 0.7]) {
      const f = burstFates(MESSAGES, { dropRatio: p }, SEEDS);
      expect(f.sent).toBe(N);
      const lost = f.dropped.get('loss') ?? 0;
      expect(binomialWithin(lost, N, p), `p=${p}: lost ${lost} of ${N}`).toBe(true);
      expect(f.latencies.length).toBe(N - lost);
    }
  });

  it('duplicates a delivered message with the configured probability, both copies arriving', () => {
    const p = 0.2;
    const q = 0.25;
    const f = burstFates(MESSAGES, { dropRatio: p, duplicateRatio: q }, SEEDS);
    const lost = f.dropped.get('loss') ?? 0;
    const kept = N - lost;
    // A message is either lost whole or kept; a kept one is duplicated with probability q.
    expect(binomialWithin(f.duplicated, kept, q), `duplicated ${f.duplicated} of ${kept}`).toBe(
      true,
    );
    expect(f.latencies.length).toBe(kept + f.duplicated);
  });

  it('draws uniform latencies with every value in range equally likely', () => {
    const f = burstFates(
      MESSAGES,
      { latency: { kind: 'uniform', ticksMin: 2, ticksMax: 9 } },
      SEEDS,
    );
    const counts = new Map<number, number>();
    for (const l of f.latencies) counts.set(l, (counts.get(l) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    for (const [value, c] of counts)
      expect(binomialWithin(c, N, 1 / 8), `latency ${value}: ${c}`).toBe(true);
  });

  it('draws exponential latencies: geometric tails and the configured mean', () => {
    const mean = 4;
    const min = 1;
    const f = burstFates(
      MESSAGES,
      { latency: { kind: 'exponential', ticksMin: min, ticksMean: mean } },
      SEEDS,
    );
    const q = mean / (mean + 1);
    for (const k of [0, 1, 2, 4, 8, 12]) {
      const tail = f.latencies.filter((l) => l - min >= k).length;
      expect(binomialWithin(tail, N, q ** k), `P(extra >= ${k})`).toBe(true);
    }
    // Geometric with success 1/(mean+1): variance mean (mean + 1).
    const avg = f.latencies.reduce((s, l) => s + l, 0) / N;
    expect(Math.abs(avg - (min + mean))).toBeLessThan(5 * Math.sqrt((mean * (mean + 1)) / N));
  });

  it('draws Pareto latencies with tail (ticksMin / k)^alpha', () => {
    const xm = 3;
    const alpha = 1.5;
    const f = burstFates(MESSAGES, { latency: { kind: 'pareto', ticksMin: xm, alpha } }, SEEDS);
    expect(Math.min(...f.latencies)).toBe(xm);
    for (const k of [3, 4, 6, 12, 30, 90]) {
      const tail = f.latencies.filter((l) => l >= k).length;
      expect(binomialWithin(tail, N, (xm / k) ** alpha), `P(latency >= ${k}) = ${tail / N}`).toBe(
        true,
      );
    }
  });

  it('caps heavy-tailed draws at ticksCap', () => {
    expect(sampleLatency({ kind: 'pareto', ticksMin: 1, alpha: 0.5, ticksCap: 40 }, 0.999999)).toBe(
      40,
    );
    expect(sampleLatency({ kind: 'exponential', ticksMean: 10, ticksCap: 7 }, 0.999999)).toBe(7);
    expect(sampleLatency({ kind: 'exponential', ticksMean: 0 }, 0.9)).toBe(0);
  });

  it('reorders messages through jitter, and never on a FIFO link', () => {
    const jitter = { latency: { kind: 'uniform', ticksMin: 1, ticksMax: 10 } } as const;
    const order = (fifo: boolean) =>
      fates(burst(200, { ...jitter, fifo }), 5)
        .records.filter((r) => r.kind === 'deliver')
        .map((r) => r.msg as number);
    const loose = order(false);
    const strict = order(true);
    expect(strict).toEqual([...strict].sort((a, b) => a - b));
    expect(loose).not.toEqual([...loose].sort((a, b) => a - b));
    expect(strict.length).toBe(200);
  });

  it('drops copies beyond the in-flight limit as overflow', () => {
    const f = fates(burst(10, { inFlightMax: 3, latency: { kind: 'constant', ticks: 5 } }), 1);
    expect(f.latencies.length).toBe(3);
    expect(f.dropped.get('overflow')).toBe(7);
  });

  it('applies per-link overrides to their link only', () => {
    const scenario = {
      ...burst(100, {}),
      network: { defaults: {}, links: [{ source: 'a', target: 'b', dropRatio: 1 }] },
    };
    const { trace } = runScenario(scenario, { seed: 1 });
    const kinds = [...trace.records()].map((r) => r.kind);
    expect(kinds.filter((k) => k === 'drop').length).toBe(100);
    expect(kinds.filter((k) => k === 'deliver').length).toBe(0);
  });
});
