/**
 * Each catalogue scenario reproduces its known result, run from its YAML file
 * (with overrides where the result is stated for other parameters), over
 * many seeds, against bounds derived from the model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import {
  check,
  judge,
  loadScenario,
  type RunResult,
  runScenario,
  type Scenario,
  viewOf,
} from '../../sim/index.ts';
import { binomialWithin } from '../fixtures/measure.ts';

const dir = join(import.meta.dirname, '..', '..', 'scenarios', 'catalog');
function scenario(name: string, overrides: string[] = [], variant?: string): Scenario {
  return loadScenario(readFileSync(join(dir, `${name}.yaml`), 'utf8'), {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file: `${name}.yaml`,
    overrides,
    ...(variant === undefined ? {} : { variant }),
  }).scenario;
}
/** How many of seeds 1..n satisfy `pred`. */
function count(s: Scenario, n: number, pred: (r: RunResult) => boolean, record = false): number {
  let k = 0;
  for (let seed = 1; seed <= n; seed++) if (pred(runScenario(s, { seed, record }))) k++;
  return k;
}
const values = (r: RunResult) => new Set(r.decisions.map((d) => JSON.stringify(d.value)));
const status = (r: RunResult, property: string, options?: Record<string, never>) =>
  check(viewOf(r.trace), property, options).status;

describe('known results, from the catalogue files', () => {
  it('two-generals: the generals split with probability (1 - p)^(k - 1) p', () => {
    for (const [k, p] of [
      [2, 0.3],
      [4, 0.1],
    ] as const) {
      const s = scenario('two-generals', [`params.hops=${k}`, `network.dropRatio=${p}`]);
      const n = 2000;
      const split = count(s, n, (r) => values(r).size === 2);
      expect(
        binomialWithin(split, n, (1 - p) ** (k - 1) * p),
        `${split}/${n}, k=${k}, p=${p}`,
      ).toBe(true);
    }
  });

  it('llm-negotiation: without conformity, N agents agree with probability 3^(1 - N)', () => {
    for (const agents of [2, 3]) {
      const s = scenario('llm-negotiation', [`agents.count=${agents}`, 'params.conformity=0']);
      const n = 1500;
      const agreed = count(s, n, (r) => values(r).size === 1);
      expect(binomialWithin(agreed, n, 3 ** (1 - agents)), `${agreed}/${n} for N=${agents}`).toBe(
        true,
      );
    }
  });

  it('debate-conformity: the vote of 9 agents of accuracy 0.6 is right with P(Bin(9, 0.6) >= 5)', () => {
    const s = scenario('debate-conformity', [], 'vote');
    let p = 0;
    const choose = (n: number, k: number): number =>
      k === 0 ? 1 : (choose(n, k - 1) * (n - k + 1)) / k;
    for (let k = 5; k <= 9; k++) p += choose(9, k) * 0.6 ** k * 0.4 ** (9 - k);
    const n = 1500;
    const right = count(s, n, (r) => values(r).size === 1 && values(r).has('"correct"'));
    expect(binomialWithin(right, n, p), `${right}/${n} vs ${p}`).toBe(true);
  });

  it('majority-vote-partition and paxos-lossy: no two decisions differ over 300 seeds', () => {
    const strict = scenario('majority-vote-partition', [], 'mitigated');
    expect(count(strict, 300, (r) => values(r).size <= 1)).toBe(300);
    const paxos = scenario('paxos-lossy', ['limits.ticksMax=3000', 'faults.1.tickEnd=200']);
    expect(count(paxos, 300, (r) => status(r, 'agreement') === 'holds', true)).toBe(300);
  });

  it('two-phase-commit: the participants block in every run once the coordinator has crashed', () => {
    const s = scenario('two-phase-commit');
    expect(count(s, 200, (r) => r.decisions.length === 0)).toBe(200);
  });

  it('raft-election: never two leaders in a term; with no spread, no leader ever', () => {
    const s = scenario('raft-election', ['network.dropRatio=0.1', 'params.electionTicksMax=200']);
    expect(count(s, 300, (r) => status(r, 'leader-per-term') === 'holds', true)).toBe(300);
    const flat = scenario('raft-election');
    expect(
      count(
        flat,
        100,
        (r) =>
          status(r, 'leader-per-term') === 'holds' &&
          judge(r.trace).verdicts[0]?.metrics?.['terms'] === 0,
        true,
      ),
    ).toBe(100);
  });

  it('byzantine-generals: OM(1) with four generals sends exactly 9 messages, and the loyal agree', () => {
    const s = scenario('byzantine-generals', [], 'mitigated');
    for (let seed = 1; seed <= 100; seed++) {
      const r = runScenario(s, { seed });
      expect([...r.trace.records()].filter((x) => x.kind === 'send')).toHaveLength(9);
      expect(status(r, 'agreement')).toBe('holds');
    }
  });

  it('flp-scheduler: the deterministic protocol never decides; the random coin always does', () => {
    expect(count(scenario('flp-scheduler'), 20, (r) => r.decisions.length === 0)).toBe(20);
    expect(
      count(scenario('flp-scheduler', [], 'mitigated'), 200, (r) => r.decisions.length === 4),
    ).toBe(200);
  });

  it('gossip-loss: push informs 64 agents in log2 n + ln n rounds plus a constant (Pittel 1987)', () => {
    const s = scenario('gossip-loss', [
      'network.dropRatio=0',
      'network.latency={kind: constant, ticks: 1}',
      'params.roundsMax=60',
    ]);
    const n = 200;
    let sum = 0;
    for (let seed = 1; seed <= n; seed++) {
      const r = runScenario(s, { seed, record: false });
      expect(r.decisions).toHaveLength(64);
      sum += (Math.max(...r.decisions.map((d) => d.tick)) - 1) / 10;
    }
    // The exact mean from the Markov chain of informed counts is 11.158 rounds
    // (sd 1.336); log2 64 + ln 64 = 10.16, Pittel's O(1) gap about 1.
    expect(Math.abs(sum / n - 11.158)).toBeLessThan((5 * 1.336) / Math.sqrt(n));
  });

  it('lossy-handoff: a task runs p / (1 - p) extra times on average, and exactly once with keys', () => {
    const p = 0.2;
    const s = scenario('lossy-handoff');
    const n = 300;
    let dups = 0;
    for (let seed = 1; seed <= n; seed++)
      dups += check(viewOf(runScenario(s, { seed }).trace), 'duplicate-execution').metrics?.[
        'duplicates'
      ] as number;
    const tasks = n * 20;
    // Duplicates per task: geometric, mean p / (1 - p), variance p / (1 - p)^2.
    expect(Math.abs(dups - tasks * (p / (1 - p)))).toBeLessThan(
      5 * Math.sqrt((tasks * p) / (1 - p) ** 2),
    );
  });

  it('prompt-infection: the first round infects each other agent with probability beta', () => {
    const s = scenario('prompt-infection', ['params.roundsMax=1']);
    const n = 400;
    let infected = 0;
    for (let seed = 1; seed <= n; seed++) {
      const r = runScenario(s, { seed });
      infected += [...r.trace.records()].filter(
        (x) =>
          x.kind === 'note' &&
          x.tick === 11 &&
          (x.data as { follows?: unknown })?.follows !== undefined,
      ).length;
    }
    expect(binomialWithin(infected, n * 19, 0.3), `${infected} of ${n * 19}`).toBe(true);
  });

  it('resilient-consensus: plain averaging leaves the honest range in every run, W-MSR never', () => {
    expect(
      count(
        scenario('resilient-consensus', ['network.dropRatio=0.1']),
        100,
        (r) => status(r, 'validity', { hull: true } as never) === 'fails',
        true,
      ),
    ).toBe(100);
    expect(
      count(
        scenario('resilient-consensus', ['network.dropRatio=0.1'], 'mitigated'),
        100,
        (r) => status(r, 'validity', { hull: true } as never) === 'holds',
        true,
      ),
    ).toBe(100);
  });

  it('taint-boundary and confused-deputy-db: breaches at the susceptibility, none with labels or least privilege', () => {
    const n = 3000;
    const breaches = count(
      scenario('taint-boundary'),
      n,
      (r) => status(r, 'breach') === 'fails',
      true,
    );
    expect(binomialWithin(breaches, n, 0.3), `${breaches}/${n}`).toBe(true);
    expect(
      count(
        scenario('taint-boundary', [], 'mitigated'),
        n,
        (r) => status(r, 'breach') === 'holds',
        true,
      ),
    ).toBe(n);
    const deletes = count(
      scenario('confused-deputy-db'),
      n,
      (r) => status(r, 'destructive-action') === 'fails',
      true,
    );
    expect(binomialWithin(deletes, n, 1 - 0.7 * 0.95), `${deletes}/${n}`).toBe(true);
    expect(
      count(
        scenario('confused-deputy-db', [], 'mitigated'),
        n,
        (r) => status(r, 'destructive-action') === 'holds',
        true,
      ),
    ).toBe(n);
  });

  it('runaway-loop: spend is bounded by the budget in every seed and keeps growing without one', () => {
    const capped = scenario('runaway-loop', [], 'mitigated');
    for (let seed = 1; seed <= 100; seed++) {
      const r = runScenario(capped, { seed });
      const spent = [...r.trace.records()]
        .filter((x) => x.kind === 'spend' && (x.data as { outcome: string }).outcome === 'done')
        .reduce((a, x) => a + (x.data as { amount: number }).amount, 0);
      expect(spent).toBeLessThanOrEqual(30);
    }
    expect(count(scenario('runaway-loop'), 50, (r) => status(r, 'runaway') === 'fails', true)).toBe(
      50,
    );
  });

  it('retry-storm: one layer retrying 3 times sends (3 + 1)^1 attempts per request to a failed service', () => {
    const s = scenario('retry-storm', [
      'agents.1.params.failTickEnd=100000',
      'agents.1.params.failTickStart=0',
      'agents.0.params.requestsMax=20',
      'agents.0.params.requestsPerTick=1',
      'checks.1.options.service=service',
    ]);
    const r = runScenario(s, { seed: 1 });
    expect(
      check(viewOf(r.trace), 'load-amplification', { service: 'service' } as never).metrics,
    ).toMatchObject({ attempts: 80, requests: 20, ratio: 4 });
  });
});
