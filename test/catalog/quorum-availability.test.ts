/**
 * quorum-availability reproduces the availability of a strict majority,
 * run from its catalogue file with overrides for n and p, against the
 * binomial sum derived from the model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { judge, loadScenario, runScenario, type Scenario } from '../../sim/index.ts';
import { columnsOf, gridRows, parseAxis } from '../../sim/sweep/index.ts';

const file = join(
  import.meta.dirname,
  '..',
  '..',
  'scenarios',
  'catalog',
  'quorum-availability.yaml',
);
const text = readFileSync(file, 'utf8');
const load = (overrides: string[]) =>
  loadScenario(text, {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file: 'quorum-availability.yaml',
    overrides,
  });
const scenario = (n: number, p: number): Scenario =>
  load([`agents.count=${n}`, `faults.0.downRatio=${p}`]).scenario;

/** Two-sided 99% normal quantile. */
const Z99 = 2.5758293035489004;

/** Wilson score interval for `k` successes in `n` trials at the 99% quantile. */
function wilson99(k: number, n: number): { lo: number; hi: number } {
  const p = k / n;
  const z2 = Z99 * Z99;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z99 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lo: center - half, hi: center + half };
}

/** P[Bin(n, q) > n / 2]: a strict majority of n agents, each up with probability q, is up. */
function majorityUp(n: number, q: number): number {
  let choose = 1;
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) choose = (choose * (n - k + 1)) / k;
    if (2 * k > n) sum += choose * q ** k * (1 - q) ** (n - k);
  }
  return sum;
}

describe('quorum-availability', () => {
  it('decides with probability P[Bin(n, 1 - p) > n/2] for n = 3, 5, 7 at p = 0.1 and 0.3', () => {
    // Model: each of n agents is down for the whole run with probability p,
    // independently (one draw from each agent's stream fault/0/ID); the rest
    // start, broadcast their vote X once over a loss-free link, and an agent
    // decides once floor(n/2) + 1 distinct agents voted X. So a run decides
    // iff the number up, Binomial(n, 1 - p), exceeds n/2: P = sum over
    // k > n/2 of C(n, k) (1 - p)^k p^(n - k). Over seeds 1-2000 per point the
    // derived value lies in the 99% Wilson interval of the measured rate.
    // Derived / measured (of 2000):
    //   p = 0.1: n = 3 0.9720 / 1938 (0.9690), n = 5 0.9914 / 1975 (0.9875), n = 7 0.9973 / 1995 (0.9975)
    //   p = 0.3: n = 3 0.7840 / 1583 (0.7915), n = 5 0.8369 / 1658 (0.8290), n = 7 0.8740 / 1744 (0.8720)
    const runs = 2000;
    for (const p of [0.1, 0.3])
      for (const n of [3, 5, 7]) {
        const s = scenario(n, p);
        let decided = 0;
        for (let seed = 1; seed <= runs; seed++) {
          const r = runScenario(s, { seed, record: false });
          const deciders = new Set(r.decisions.map((d) => d.agent)).size;
          // All or none: every agent up decides when a majority is up.
          const up = r.agents.filter((a) => a.status === 'up').length;
          expect(deciders === 0 || deciders === up, `n=${n} p=${p} seed ${seed}`).toBe(true);
          if (deciders > 0) decided++;
        }
        const derived = majorityUp(n, 1 - p);
        const { lo, hi } = wilson99(decided, runs);
        expect(
          lo <= derived && derived <= hi,
          `n=${n}, p=${p}: ${decided}/${runs} decided [${lo.toFixed(4)}, ${hi.toFixed(4)}] vs ${derived.toFixed(4)}; npx parley sweep quorum-availability --vary agents.count=${n} --vary faults.0.downRatio=${p} --seeds ${runs}`,
        ).toBe(true);
      }
  });

  it('holds termination exactly when it decides or every agent is down', () => {
    // Termination asks only the agents up at the end to decide (crash-stop),
    // so a run where nobody is up holds it with nobody waiting: its rate is
    // the availability plus p^n. The agreement metric `values` is 1 in a run
    // that decided and 0 in one that did not: the sweep's decide rate.
    const s = scenario(3, 0.5);
    let allDown = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = runScenario(s, { seed });
      const verdicts = judge(r.trace).verdicts;
      const decided = r.decisions.length > 0;
      const none = r.agents.every((a) => a.status === 'down');
      if (none) allDown++;
      const termination = verdicts.find((v) => v.property === 'termination');
      const agreement = verdicts.find((v) => v.property === 'agreement');
      expect(termination?.status === 'holds', `seed ${seed}`).toBe(decided || none);
      expect(agreement?.metrics?.['values'], `seed ${seed}`).toBe(decided ? 1 : 0);
    }
    expect(allDown).toBeGreaterThan(0);
  });

  it('sweeps over faults.0.downRatio with the same draws at every value', () => {
    // `--vary faults.0.downRatio=0:0.3:0.05`: an agent is down iff its one draw
    // u < p, the same u at every p, so the agents down at p are among those
    // down at any larger p, and in each seed the decided count can only fall.
    const axis = parseAxis('faults.0.downRatio=0:0.3:0.05');
    if (typeof axis === 'string') throw new Error(axis);
    expect(axis.values).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    const grid = { axes: [axis], seeds: 40 };
    const rows = gridRows(grid, (overrides) => load(overrides).scenario);
    const columns = columnsOf(grid, load([]).scenario.checks ?? []);
    const at = (name: string) => columns.indexOf(name);
    const bySeed = new Map<number, number[]>();
    for (const row of rows) {
      const seed = row[at('seed')] as number;
      const list = bySeed.get(seed) ?? [];
      list[axis.values.indexOf(row[at('faults.0.downRatio')] as number)] = row[
        at('decided')
      ] as number;
      bySeed.set(seed, list);
    }
    expect(bySeed.size).toBe(40);
    for (const [seed, decided] of bySeed) {
      expect(decided[0], `seed ${seed}: nobody down at p = 0`).toBe(5);
      for (let i = 1; i < decided.length; i++)
        expect((decided[i] as number) <= (decided[i - 1] as number), `seed ${seed}`).toBe(true);
    }
    const atEnd = [...bySeed.values()].filter((d) => (d.at(-1) as number) < 5).length;
    expect(atEnd).toBeGreaterThan(0);
  });
});
