import { describe, expect, it } from 'vitest';
import { CALL_WHAT, runawayLoop } from '../../scenarios/protocols/runaway-loop.ts';
import { budget, runaway } from '../../sim/checkers/spend.ts';
import {
  type AgentSpec,
  type Json,
  runScenario,
  type Scenario,
  type Trace,
  viewOf,
} from '../../sim/index.ts';
import { binomialWithin } from '../fixtures/measure.ts';

interface Setup {
  agent?: Record<string, Json>;
  tool?: Record<string, Json>;
  budget?: number;
  dropRatio?: number;
  ticksMax?: number;
}

/** The looping agent and its tool, one tick apart. */
function loop(s: Setup = {}): Scenario {
  const agent: AgentSpec = {
    id: 'agent',
    protocol: runawayLoop,
    params: s.agent ?? {},
    ...(s.budget === undefined ? {} : { budget: s.budget }),
  };
  return {
    name: 'runaway-loop',
    agents: [agent, { id: 'tool', protocol: runawayLoop, params: s.tool ?? {} }],
    network: { defaults: { dropRatio: s.dropRatio ?? 0 } },
    limits: { ticksMax: s.ticksMax ?? 1000 },
  };
}

/** Done spends as [tick, amount], and the refused ones. */
function spends(trace: Trace): { done: [number, number][]; refused: number } {
  const done: [number, number][] = [];
  let refused = 0;
  for (const r of trace.records()) {
    if (r.kind !== 'spend') continue;
    const d = r.data as { amount: number; outcome: string; what: string };
    expect(d.what).toBe(CALL_WHAT);
    if (d.outcome === 'done') done.push([r.tick, d.amount]);
    else refused++;
  }
  return { done, refused };
}

const total = (done: [number, number][], tickMax = Infinity) =>
  done.filter(([t]) => t <= tickMax).reduce((s, [, a]) => s + a, 0);

const repro = (seed: number, what: string) =>
  `seed ${seed} (${what}; rerun with runScenario(loop(...), { seed: ${seed} }))`;

describe('runaway loop', () => {
  it('A hard budget bounds spend at the budget in every seed; without it, spend grows linearly with simulated time in the runaway scenario', () => {
    // 1,000 seeds, random costs in [0.5, 1.5) and gaps in [10, 15] ticks, budgets 5..34.
    const costMax = 1.5;
    for (let seed = 1; seed <= 1000; seed++) {
      const cap = 5 + (seed % 30);
      const run = runScenario(
        loop({
          agent: { costJitterRatio: 0.5, callJitterTicks: 5 },
          budget: cap,
          ticksMax: 1_000_000,
        }),
        { seed },
      );
      const { done, refused } = spends(run.trace);
      const spent = total(done);
      const at = repro(seed, `budget ${cap}`);
      // Exactly: the engine refuses what would pass the cap, and the agent stops at the first refusal.
      expect(spent, at).toBeLessThanOrEqual(cap);
      expect(spent, at).toBeGreaterThan(cap - costMax);
      expect(refused, at).toBe(1);
      expect(run.decisions.map((d) => d.value)).toEqual(['budget']);
      if (seed <= 100) {
        const view = viewOf(run.trace);
        expect(budget.check(view).status, at).toBe('holds');
        expect(runaway.check(view).status, at).toBe('holds');
      }
    }

    // Without a budget, periodic calls at cost 1 every 10 ticks: S(t) = floor(t / 10), exactly.
    const free = runScenario(loop({ ticksMax: 1000 }), { seed: 1 });
    const { done } = spends(free.trace);
    const T = 250;
    expect([T, 2 * T, 4 * T].map((t) => total(done, t))).toEqual([25, 50, 100]);
    const verdict = runaway.check(viewOf(free.trace));
    // The last tenth of the run, ticks (900, 1000], holds 10 calls: slope 10 / 100 = cost / callTicks.
    expect(verdict).toMatchObject({ status: 'fails', metrics: { total: 100, slope: 0.1 } });
    expect(budget.check(viewOf(free.trace))).toMatchObject({
      status: 'holds',
      summary: 'no budgets set; total spend 100',
    });
  });

  it('grows between the bounds the jitter allows, for random costs and gaps, in every seed', () => {
    // N(t) calls by tick t with gaps in [10, 15]: floor(t / 15) <= N(t) <= floor(t / 10);
    // each costs in [0.5, 1.5), so 0.5 N(t) <= S(t) < 1.5 N(t).
    for (let seed = 1; seed <= 200; seed++) {
      const run = runScenario(
        loop({ agent: { costJitterRatio: 0.5, callJitterTicks: 5 }, ticksMax: 1000 }),
        { seed },
      );
      const { done } = spends(run.trace);
      for (const t of [250, 500, 1000]) {
        const n = done.filter(([tick]) => tick <= t).length;
        const s = total(done, t);
        const at = repro(seed, `tick ${t}`);
        expect(n, at).toBeGreaterThanOrEqual(Math.floor(t / 15));
        expect(n, at).toBeLessThanOrEqual(Math.floor(t / 10));
        expect(s, at).toBeGreaterThanOrEqual(0.5 * n);
        expect(s, at).toBeLessThan(1.5 * n);
      }
      expect(runaway.check(viewOf(run.trace)).status, repro(seed, 'runaway')).toBe('fails');
    }
  });

  it('keeps spend at the budget when the agent keeps trying after the refusal: refusals cost nothing', () => {
    // Calls at 10, 20, ..., 1000: 100 attempts, the first 20 paid, 80 refused.
    const run = runScenario(loop({ budget: 20, agent: { onRefused: 'continue' } }), { seed: 4 });
    const { done, refused } = spends(run.trace);
    expect(total(done)).toBe(20);
    expect(refused).toBe(80);
    expect(run.stop.reason).toBe('ticksMax');
    const view = viewOf(run.trace);
    expect(budget.check(view)).toMatchObject({
      status: 'holds',
      metrics: { total: 20, refusals: 80, agentsOverBudget: 0 },
    });
    expect(runaway.check(view)).toMatchObject({ status: 'holds', metrics: { slope: 0 } });
    // The tool got only the paid calls.
    const calls = [...run.trace.records()].filter((r) => r.kind === 'send' && r.agent === 'agent');
    expect(calls.length).toBe(20);
  });

  it('stops after exactly repeatMax identical calls with loop detection', () => {
    for (const repeatMax of [1, 3, 7]) {
      for (let seed = 1; seed <= 20; seed++) {
        const run = runScenario(
          loop({
            agent: { loopDetection: true, repeatMax, costJitterRatio: 0.3, callJitterTicks: 4 },
          }),
          { seed },
        );
        const at = repro(seed, `repeatMax ${repeatMax}`);
        expect(spends(run.trace).done.length, at).toBe(repeatMax);
        expect(
          run.decisions.map((d) => d.value),
          at,
        ).toEqual(['loop']);
        expect(run.stop.reason, at).toBe('quiescent');
      }
    }
  });

  it('stops at the first run of repeatMax identical calls when the arguments vary: after exactly 3 with probability 1/4', () => {
    // Two argument variants, repeatMax 3: the 2nd and 3rd calls must repeat the 1st, (1/2)^2.
    const runs = 2000;
    let exact = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const run = runScenario(
        loop({ agent: { loopDetection: true, repeatMax: 3, argsVariants: 2 } }),
        { seed },
      );
      const calls = spends(run.trace).done.length;
      expect(calls, repro(seed, 'variants 2')).toBeGreaterThanOrEqual(3);
      if (calls === 3) exact++;
    }
    expect(binomialWithin(exact, runs, 1 / 4), `${exact}/${runs} vs 1/4`).toBe(true);
  });

  it('stops after exactly doneAfterCalls calls on a termination signal, unless the call or its answer is lost', () => {
    const D = 5;
    // Lossless: exactly D calls in every seed.
    for (let seed = 1; seed <= 20; seed++) {
      const run = runScenario(loop({ tool: { terminationSignal: true, doneAfterCalls: D } }), {
        seed,
      });
      expect(spends(run.trace).done.length, repro(seed, 'lossless')).toBe(D);
      expect(run.decisions.map((d) => d.value)).toEqual(['done']);
    }
    // Loss p on both links: call n >= D ends the loop when it and its answer both arrive
    // (probability q = (1 - p)^2) before the next call (round trip 2 < callTicks 10);
    // so the calls number D + G with G geometric: P(G = 0) = q, P(G = 1) = (1 - q) q.
    const p = 0.2;
    const q = (1 - p) ** 2;
    const runs = 2000;
    let g0 = 0;
    let g1 = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const run = runScenario(
        loop({
          tool: { terminationSignal: true, doneAfterCalls: D },
          dropRatio: p,
          ticksMax: 100_000,
        }),
        { seed },
      );
      const calls = spends(run.trace).done.length;
      expect(calls, repro(seed, 'lossy')).toBeGreaterThanOrEqual(D);
      expect(
        run.decisions.map((d) => d.value),
        repro(seed, 'lossy'),
      ).toEqual(['done']);
      if (calls === D) g0++;
      if (calls === D + 1) g1++;
    }
    expect(binomialWithin(g0, runs, q), `${g0}/${runs} vs ${q}`).toBe(true);
    expect(binomialWithin(g1, runs, (1 - q) * q), `${g1}/${runs} vs ${(1 - q) * q}`).toBe(true);
  });

  it('keeps its golden trace hash and replays byte for byte', () => {
    const scenario = loop({
      agent: {
        costJitterRatio: 0.5,
        callJitterTicks: 5,
        argsVariants: 3,
        loopDetection: true,
        repeatMax: 4,
      },
      tool: { terminationSignal: true, doneAfterCalls: 6 },
      budget: 6,
      dropRatio: 0.3,
    });
    const first = runScenario(scenario, { seed: 21 }).trace;
    expect(runScenario(scenario, { seed: 21 }).trace.toJSONL()).toBe(first.toJSONL());
    // Seed 21: four paid calls (5.24 spent), the fifth refused: the agent decides 'budget'.
    expect(first.hash()).toBe('d6711c662a03a1fea3ffe31c3d89226375a89b71eaf6b1e353538e85b7aae1d5');
  });
});
