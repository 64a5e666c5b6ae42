import { describe, expect, it } from 'vitest';
import { paxosConfig } from '../../bench/explore.ts';
import { loadNamed } from '../../cli/catalog.ts';
import { explore } from '../../sim/explore.ts';
import { pctBound, pctPlan } from '../../sim/pct.ts';
import { deriveStream } from '../../sim/rng.ts';
import { replayViolation } from './replay.ts';

const generals = (hops: number) =>
  loadNamed('two-generals', { overrides: [`params.hops=${hops}`, 'network.dropRatio=0'] }).scenario;
const majority = (quorum: 'local' | 'strict', resendsMax: number) =>
  loadNamed('majority-vote-partition', {
    overrides: [`params.quorum=${quorum}`, `params.resendsMax=${resendsMax}`],
  }).scenario;
const byzantine = (roundTicks: number) =>
  loadNamed('byzantine-generals', {
    variant: 'mitigated',
    overrides: [`params.roundTicks=${roundTicks}`],
  }).scenario;

describe('explore --strategy bfs: breadth-first over the schedules, with state hashing', () => {
  for (const k of [1, 2, 3])
    it(`two-generals k = ${k}, one loss: a violation at the same minimal depth as iterative deepening (${k} choice point${k === 1 ? '' : 's'}, the last hop lost), in fewer schedules`, () => {
      const bfs = explore(generals(k), { losses: 1, strategy: 'bfs' });
      const iddfs = explore(generals(k), { losses: 1, strategy: 'iddfs' });
      expect(bfs.violation?.property).toBe('agreement');
      expect(bfs.depth).toBe(iddfs.depth);
      expect(bfs.depth).toBe(k);
      expect(bfs.violation?.choices.length).toBe(k);
      expect(bfs.violation?.vector).toEqual(iddfs.violation?.vector);
      expect(bfs.violation?.choices.at(-1)?.latency).toBe('lost');
      // Iterative deepening runs the shallow levels again; breadth-first runs each schedule once.
      expect(bfs.schedules).toBeLessThan(iddfs.schedules);
    });

  it('byzantine generals n = 4 with 1-tick rounds: the same minimal depth as iterative deepening (2: one message late)', () => {
    const bfs = explore(byzantine(1), { strategy: 'bfs' });
    const iddfs = explore(byzantine(1), { strategy: 'iddfs' });
    expect(bfs.violation?.property).toBe('agreement');
    expect(bfs.depth).toBe(2);
    expect(iddfs.depth).toBe(2);
    expect(bfs.violation?.vector).toEqual(iddfs.violation?.vector);
  });

  it('the violating trace replays from its manifest, as depth-first ones do', () => {
    const v = explore(generals(2), { losses: 1, strategy: 'bfs' }).violation;
    if (v === undefined) throw new Error('no violation');
    const bounds = { latencies: [1, 2], losses: 1, duplicates: 0, crashes: 0 };
    const again = replayViolation(generals(2), v, bounds);
    expect(again.trace.hash()).toBe(v.trace.hash());
  });

  // Both strategies cut a state already explored with as many choices left and
  // run every other; when no depth bound binds, each reaches every state its
  // fingerprint tells apart, so the distinct states are the same set. The
  // schedules differ: the order decides which path reaches a state first.
  const exhausted: [string, () => ReturnType<typeof majority>, object, number, number, number][] = [
    ['majority vote, strict quorum, resendsMax 0', () => majority('strict', 0), {}, 1770, 256, 256],
    [
      'majority vote, strict quorum, resendsMax 1',
      () => majority('strict', 1),
      {},
      14730,
      2299,
      2299,
    ],
    ['byzantine generals n = 4, 2-tick rounds', () => byzantine(2), {}, 1826, 497, 497],
    [
      'paxos, 3 agents, 1 loss, 1 duplicate, latency 1',
      () => paxosConfig().scenario,
      paxosConfig().options,
      4756,
      925,
      617,
    ],
  ];
  for (const [name, scenario, options, states, dfsSchedules, bfsSchedules] of exhausted)
    it(`${name}: exhausted, ${states} distinct states as depth-first counts (${bfsSchedules} schedules against ${dfsSchedules})`, () => {
      const dfs = explore(scenario(), { ...options, strategy: 'dfs' });
      const bfs = explore(scenario(), { ...options, strategy: 'bfs' });
      expect(dfs.exhausted).toBe(true);
      expect(bfs.exhausted).toBe(true);
      expect(bfs.states).toBe(states);
      expect(dfs.states).toBe(states);
      expect(dfs.schedules).toBe(dfsSchedules);
      expect(bfs.schedules).toBe(bfsSchedules);
    });

  it('reports the depth bound when a schedule has more choice points than --depth, and the frontier bound at states-max prefixes waiting', () => {
    const d = explore(generals(3), { losses: 1, strategy: 'bfs', depth: 2 });
    expect(d.violation).toBeUndefined();
    expect(d.bounds).toEqual(['depth']);
    // Without hashing no state is kept: the frontier is what grows.
    const f = explore(majority('strict', 1), { strategy: 'bfs', prune: false, statesMax: 20 });
    expect(f.exhausted).toBe(false);
    expect(f.bounds).toEqual(['frontierMax']);
  });
});

describe('explore --strategy pct: the randomized priority scheduler (Burckhardt et al., ASPLOS 2010)', () => {
  it('its documented bound per run is 1 / (n · k^(d-1))', () => {
    expect(pctBound(2, 10, 2)).toBe(1 / 20);
    expect(pctBound(3, 30, 3)).toBe(1 / 2700);
    expect(pctBound(5, 7, 1)).toBe(1 / 5);
  });

  it('a plan gives each agent a distinct priority from d to d + n - 1 and d - 1 change points among the k steps', () => {
    for (let run = 0; run < 50; run++) {
      const plan = pctPlan(deriveStream(9, `run-${run}`), ['a', 'b', 'c'], 3, 12, ['loss']);
      expect([...plan.priorities.values()].sort()).toEqual([3, 4, 5]);
      expect(plan.changeSteps.length).toBe(2);
      for (const s of plan.changeSteps) expect(s >= 1 && s <= 12).toBe(true);
      expect(plan.changeFaults).toEqual(['loss', 'loss']);
    }
  });

  // A loss at the last hop needs one change point at the last send: depth 2.
  // With n = 2 agents and k = 10 steps the bound is 1/20 per run; at seed 1
  // these are the runs that find it.
  const found: [number, number][] = [
    [1, 4],
    [2, 7],
    [3, 29],
  ];
  for (const [k, run] of found)
    it(`two-generals k = ${k}, one loss, d = 2, k = 10 steps, seed 1: the violation in run ${run}, reported with the bound 1/20`, () => {
      const r = explore(generals(k), {
        losses: 1,
        strategy: 'pct',
        pctDepth: 2,
        depth: 10,
        runs: 200,
      });
      expect(r.violation?.property).toBe('agreement');
      expect(r.pct).toMatchObject({ runs: run, foundAt: run, depth: 2, steps: 10, agents: 2 });
      expect(r.pct?.bound).toBe(1 / (2 * 10 ** (2 - 1)));
      expect(r.schedules).toBe(run);
      expect(r.exhausted).toBe(false);
      // Seeded from --seed: the same runs again.
      const again = explore(generals(k), {
        losses: 1,
        strategy: 'pct',
        pctDepth: 2,
        depth: 10,
        runs: 200,
      });
      expect(again.violation?.vector).toEqual(r.violation?.vector);
      expect(again.violation?.trace.hash()).toBe(r.violation?.trace.hash());
    });

  it('a crash at a change point: two-phase commit (no scripted crash), one crash, liveness, d = 2, k = 30: the coordinator blocks the participants, in run 1, 6 and 35 at seeds 1, 2 and 3; three-phase commit none in 200 runs', () => {
    const twoPhase = (variant?: string) =>
      loadNamed('two-phase-commit', { variant, overrides: ['faults=[]'] }).scenario;
    const found = [1, 2, 3].map((seed) => {
      const r = explore(twoPhase(), {
        seed,
        crashes: 1,
        liveness: true,
        strategy: 'pct',
        pctDepth: 2,
      });
      expect(r.violation?.kind).toBe('termination');
      expect(r.violation?.crashed).toEqual(['coord']);
      expect(r.pct?.bound).toBe(1 / (4 * 30));
      return r.pct?.foundAt;
    });
    expect(found).toEqual([1, 6, 35]);
    const three = explore(twoPhase('mitigated'), {
      crashes: 1,
      liveness: true,
      strategy: 'pct',
      pctDepth: 2,
      latencies: [1],
      runs: 200,
    });
    expect(three.violation).toBeUndefined();
    expect(three.bounds).toEqual(['runs']);
  });

  it('its violating schedule is an ordinary one: the vector replays to the same trace', () => {
    const r = explore(generals(3), {
      losses: 1,
      strategy: 'pct',
      pctDepth: 2,
      depth: 10,
      runs: 200,
    });
    const v = r.violation;
    if (v === undefined) throw new Error('no violation');
    const bounds = { latencies: [1, 2], losses: 1, duplicates: 0, crashes: 0 };
    const again = replayViolation(generals(3), v, bounds);
    expect(again.trace.hash()).toBe(v.trace.hash());
    expect(v.choices.filter((c) => c.latency === 'lost').length).toBe(1);
  });

  it('with d = 1 (no change point) it makes no fault, so the generals always agree; all runs done is the bound it reports', () => {
    const r = explore(generals(3), { losses: 1, strategy: 'pct', pctDepth: 1, runs: 25 });
    expect(r.violation).toBeUndefined();
    expect(r.pct).toMatchObject({ runs: 25, foundAt: undefined, bound: 1 / 2 });
    expect(r.bounds).toEqual(['runs']);
    expect(r.exhausted).toBe(false);
  });
});

describe('explore: bounds of the caller (time, memory) through shouldStop', () => {
  it('stops before the schedule at which shouldStop names a bound, and reports it', () => {
    for (const strategy of ['dfs', 'bfs', 'iddfs', 'pct'] as const) {
      let asked = 0;
      const r = explore(majority('strict', 1), {
        strategy,
        shouldStop: () => (++asked > 7 ? 'timeMax' : undefined),
      });
      expect(r.schedules).toBe(7);
      expect(r.bounds).toEqual(['timeMax']);
      expect(r.exhausted).toBe(false);
    }
  });

  it('refuses bad PCT options, naming each', () => {
    expect(() => explore(generals(1), { runs: 0, pctDepth: 0.5 })).toThrow(/--runs.*--pct-depth/);
  });
});
