import { describe, expect, it } from 'vitest';
import { type BenOrContext, benOr } from '../../scenarios/protocols/ben-or.ts';
import { flpAdversary, flpScheduler } from '../../scenarios/protocols/flp-adversary.ts';
import {
  type ChooseLatency,
  InvariantError,
  type Json,
  judge,
  runScenario,
  type Scenario,
  ScenarioError,
  type Scheduler,
} from '../../sim/index.ts';
import { binomialWithin } from '../fixtures/measure.ts';
import { probe } from '../fixtures/probe.ts';

type Coin = 'random' | 'deterministic';

/** n = inputs.length agents, f = 1; under the FLP adversary, or benign uniform 1-20 tick latency. */
function flp(inputs: readonly number[], coin: Coin, adversary: boolean, roundsMax = 500): Scenario {
  return {
    name: 'flp',
    agents: inputs.map((input, i) => ({
      id: `p${i}`,
      protocol: benOr,
      params: { input, faults: 1, coin, roundsMax },
    })),
    network: adversary
      ? { scheduler: flpScheduler }
      : { defaults: { latency: { kind: 'uniform', ticksMin: 1, ticksMax: 20 } } },
    limits: { untilAllDecided: true },
    checks: [
      { property: 'agreement', expect: 'holds' },
      { property: 'validity', expect: 'holds' },
      { property: 'integrity', expect: 'holds' },
      { property: 'termination' },
    ],
  };
}

/** Every input vector of n bits with `ones` ones. */
function splits(n: number, ones: number): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 2 ** n; mask++) {
    const bits = Array.from({ length: n }, (_, i) => (mask >> i) & 1);
    if (bits.reduce((a, b) => a + b, 0) === ones) out.push(bits);
  }
  return out;
}

/** The balanced splits: 2-2 for n = 4 (6 of them), 3-2 and 2-3 for n = 5 (20). */
const BALANCED = [...splits(4, 2), ...splits(5, 2), ...splits(5, 3)];

const contexts = (agents: readonly { context: unknown }[]) =>
  agents.map((a) => a.context as BenOrContext);

const reproduce = (inputs: readonly number[], coin: Coin, adversary: boolean, seed: number) =>
  `reproduce: runScenario(flp([${inputs.join(', ')}], '${coin}', ${adversary}), { seed: ${seed} })`;

describe('FLP: the deterministic protocol under the adversary', () => {
  it('never decides in 500 rounds from any of the 26 balanced splits (seeds 1 to 26), and agreement holds (vacuously)', () => {
    const problems: string[] = [];
    BALANCED.forEach((inputs, i) => {
      const seed = i + 1;
      const run = runScenario(flp(inputs, 'deterministic', true), { seed });
      const why = reproduce(inputs, 'deterministic', true, seed);
      const verdicts = judge(run.trace).verdicts.map((v) => `${v.property}:${v.status}`);
      const expected = [
        'agreement:holds',
        'validity:holds',
        'integrity:holds',
        'termination:fails',
      ];
      if (verdicts.join() !== expected.join()) problems.push(`${why}: ${verdicts.join()}`);
      const states = run.agents.map((a) => `${a.state}@${(a.context as BenOrContext).round}`);
      if (states.some((s) => s !== 'gaveUp@500')) problems.push(`${why}: ${states.join()}`);
      if (run.decisions.length > 0) problems.push(`${why}: ${run.decisions.length} decisions`);
      // The split survives: both values are still held at the end.
      const held = new Set(contexts(run.agents).map((c) => c.x));
      if (held.size !== 2) problems.push(`${why}: everyone holds ${[...held].join()}`);
    });
    expect(problems, problems.slice(0, 5).join('\n')).toEqual([]);
  });

  it('is honest: every message is delivered, none later than 10 ticks, and every proposal is "?"', () => {
    const run = runScenario(flp([0, 0, 1, 1], 'deterministic', true), { seed: 1 });
    const sentAt = new Map<number, number>();
    let sends = 0;
    let delivers = 0;
    let latencyMax = 0;
    const proposals = new Set<string>();
    const reportValues = new Map<number, Set<Json>>();
    for (const r of run.trace.records()) {
      if (r.kind === 'drop' || r.kind === 'crash' || r.kind === 'duplicate')
        throw new Error(`unexpected ${r.kind} record ${r.seq}`);
      if (r.kind === 'send') {
        sends++;
        sentAt.set(r.msg as number, r.tick);
        const m = r.data as { type: string; r: number; v: Json };
        if (m.type === 'proposal') proposals.add(String(m.v));
        else {
          const set = reportValues.get(m.r) ?? new Set();
          set.add(m.v);
          reportValues.set(m.r, set);
        }
      }
      if (r.kind === 'deliver') {
        delivers++;
        latencyMax = Math.max(latencyMax, r.tick - (sentAt.get(r.msg as number) as number));
      }
    }
    expect(run.stop.reason).toBe('quiescent');
    expect({ sends, delivers, latencyMax }).toEqual({
      sends: 16000,
      delivers: 16000,
      latencyMax: 10,
    });
    expect([...proposals]).toEqual(['?']);
    // In each of the 500 rounds the reports carry both values.
    expect([...reportValues.values()].filter((s) => s.size === 2).length).toBe(500);
  });

  it('acts the same at every seed: nothing in the protocol or the adversary is random', () => {
    const lines = (seed: number) =>
      [
        ...runScenario(flp([1, 0, 0, 1, 1], 'deterministic', true, 100), { seed }).trace.lines(),
      ].slice(1, -1);
    expect(lines(7)).toEqual(lines(8));
  });

  it('cannot save univalent inputs: 3-1 (n = 4) decides in round 2, 4-1 (n = 5) in round 1', () => {
    for (const [inputs, round] of [
      [[0, 0, 0, 1], 2],
      [[1, 0, 1, 1], 2],
      [[0, 0, 0, 0, 1], 1],
      [[1, 0, 1, 1, 1], 1],
    ] as const) {
      const run = runScenario(flp(inputs, 'deterministic', true), { seed: 1 });
      const majority = inputs.filter((b) => b === 1).length * 2 > inputs.length ? 1 : 0;
      expect(
        contexts(run.agents).map((c) => [c.decision, c.decidedRound]),
        reproduce(inputs, 'deterministic', true, 1),
      ).toEqual(inputs.map(() => [majority, round]));
    }
  });
});

describe('FLP: the same deterministic protocol under a benign scheduler', () => {
  it('decides from every balanced split at every one of 20 seeds (520 runs), in agreement', () => {
    const problems: string[] = [];
    const rounds: number[] = [];
    for (const inputs of BALANCED) {
      for (let seed = 1; seed <= 20; seed++) {
        const run = runScenario(flp(inputs, 'deterministic', false), { seed });
        const { verdicts } = judge(run.trace);
        if (verdicts.some((v) => v.status !== 'holds'))
          problems.push(
            `${reproduce(inputs, 'deterministic', false, seed)}: ${verdicts.map((v) => v.summary).join('; ')}`,
          );
        rounds.push(Math.max(...contexts(run.agents).map((c) => c.decidedRound)));
      }
    }
    expect(problems, problems.slice(0, 5).join('\n')).toEqual([]);
    // Exact figures of these 520 runs: how many decided in rounds 1, 2, 3, ...
    const histogram = new Map<number, number>();
    for (const r of rounds) histogram.set(r, (histogram.get(r) ?? 0) + 1);
    expect(Object.fromEntries([...histogram].sort((a, b) => a[0] - b[0]))).toEqual({
      1: 156,
      2: 260,
      3: 68,
      4: 24,
      5: 6,
      6: 6,
    });
  });
});

describe("FLP: Ben-Or's random coin under the same adversary", () => {
  // After round 1 (blocked: all '?') every coin is fresh. The adversary blocks a round
  // unless its x values are unanimous (n = 4: p = 2/16) or 4-1 or 5-0 (n = 5: p = 12/32);
  // such a round decides. So the decision round R has P(R = 1 + k) = (1 - p)^(k - 1) p.
  const FIGURES: Record<number, { mean: number; max: number }> = {
    4: { mean: 9.235, max: 57 },
    5: { mean: 3.727, max: 21 },
  };
  for (const [inputs, p, runs] of [
    [[0, 0, 1, 1], 1 / 8, 1000],
    [[0, 0, 0, 1, 1], 3 / 8, 2000],
  ] as const) {
    it(`terminates at every one of ${runs} seeds from ${inputs.join('')}, deciding in round 1 + Geometric(${p})`, () => {
      const rounds: number[] = [];
      const undecided: string[] = [];
      for (let seed = 1; seed <= runs; seed++) {
        const run = runScenario(flp(inputs, 'random', true), { seed, record: false });
        const cs = contexts(run.agents);
        if (cs.some((c) => c.decision === null))
          undecided.push(reproduce(inputs, 'random', true, seed));
        rounds.push(Math.max(...cs.map((c) => c.decidedRound)));
      }
      expect(undecided, undecided.slice(0, 5).join('\n')).toEqual([]);
      const at = (r: number) => rounds.filter((x) => x === r).length;
      expect(at(1), 'round 1 is always blocked').toBe(0);
      expect(binomialWithin(at(2), runs, p), `${at(2)}/${runs} in round 2 vs p = ${p}`).toBe(true);
      expect(
        binomialWithin(at(3), runs, (1 - p) * p),
        `${at(3)}/${runs} in round 3 vs ${(1 - p) * p}`,
      ).toBe(true);
      const mean = rounds.reduce((a, b) => a + b, 0) / runs;
      // Mean 1 + 1/p; the standard deviation of R is sqrt(1 - p)/p, so 5 standard errors:
      const se = Math.sqrt(1 - p) / p / Math.sqrt(runs);
      expect(Math.abs(mean - (1 + 1 / p)), `mean ${mean} vs ${1 + 1 / p}`).toBeLessThanOrEqual(
        5 * se,
      );
      // The figures of these seeds (exact: the runs are deterministic).
      expect({ mean, max: Math.max(...rounds) }).toEqual(FIGURES[inputs.length]);
    });
  }
});

describe('FLP golden traces', () => {
  it('gives the golden hashes, and the same trace twice for one seed', () => {
    const blocked = flp([0, 1, 0, 1], 'deterministic', true, 20);
    const coin = flp([0, 0, 0, 1, 1], 'random', true);
    for (const s of [blocked, coin])
      expect(runScenario(s, { seed: 3 }).trace.toJSONL()).toBe(
        runScenario(s, { seed: 3 }).trace.toJSONL(),
      );
    expect(runScenario(blocked, { seed: 3 }).trace.hash()).toBe(
      '6d48e2a01875bcf47622d83f72ec45b83c6f1acd1d204c2371ef694c3f1171c6',
    );
    expect(runScenario(coin, { seed: 3 }).trace.hash()).toBe(
      'a84a43bec93e24a3efa6f2a3cbaec64e76cf02ead258d6d38ee685b7cfe75429',
    );
  });
});

describe('the network scheduler hook', () => {
  const chatter = (scheduler?: Scheduler): Scenario => ({
    name: 'chatter',
    agents: [
      { id: 'a', protocol: probe, params: { targets: ['b', 'c'], periodTicks: 2, rounds: 30 } },
      { id: 'b', protocol: probe, params: { targets: ['a'], periodTicks: 3, rounds: 20 } },
      { id: 'c', protocol: probe },
    ],
    network: {
      defaults: {
        dropRatio: 0.2,
        duplicateRatio: 0.2,
        latency: { kind: 'uniform', ticksMin: 1, ticksMax: 9 },
      },
      ...(scheduler === undefined ? {} : { scheduler }),
    },
  });
  const fates = (s: Scenario) =>
    [...runScenario(s, { seed: 5 }).trace.records()]
      .filter((r) => r.kind === 'send' || r.kind === 'drop' || r.kind === 'duplicate')
      .map((r) => `${r.kind} ${r.agent}>${r.peer} #${r.msg} ${String(r.data)}`);

  it('leaves the run unchanged when it always answers undefined, manifest aside', () => {
    const idle: Scheduler = { name: 'idle', create: () => () => undefined };
    const lines = (s: Scenario) => [...runScenario(s, { seed: 5 }).trace.lines()].slice(1, -1);
    expect(lines(chatter(idle))).toEqual(lines(chatter()));
    const spec = runScenario(chatter(idle), { seed: 5 }).trace.manifest.spec as {
      network: Record<string, Json>;
    };
    expect(spec.network['scheduler']).toBe('idle');
    const plain = runScenario(chatter(), { seed: 5 }).trace.manifest.spec as {
      network: Record<string, Json>;
    };
    expect('scheduler' in plain.network).toBe(false);
  });

  it('replaces only latencies: losses and duplicates fall on the same messages', () => {
    const calls: [string, string, number][] = [];
    const constant: Scheduler = {
      name: 'constant 4',
      create: (): ChooseLatency => (source, target, _message, tick) => {
        calls.push([source, target, tick]);
        return 4;
      },
    };
    const run = runScenario(chatter(constant), { seed: 5 });
    const called = calls.length;
    expect(fates(chatter(constant))).toEqual(fates(chatter()));
    const sent = new Map<number, number>();
    const latencies = new Set<number>();
    for (const r of run.trace.records()) {
      if (r.kind === 'send') sent.set(r.msg as number, r.tick);
      if (r.kind === 'deliver') latencies.add(r.tick - (sent.get(r.msg as number) as number));
    }
    expect([...latencies]).toEqual([4]);
    // One call per scheduled copy: sends not lost, plus duplicates.
    const records = [...run.trace.records()];
    const lost = records.filter((r) => r.kind === 'drop').length;
    const dups = records.filter((r) => r.kind === 'duplicate').length;
    expect(called).toBe(sent.size - lost + dups);
  });

  it('is checked: a scheduler without create is invalid, a fractional latency is an engine error', () => {
    const broken = { name: 'broken' } as unknown as Scheduler;
    expect(() => runScenario(chatter(broken), { seed: 1 })).toThrow(ScenarioError);
    const fractional: Scheduler = { name: 'half', create: () => () => 0.5 };
    expect(() => runScenario(chatter(fractional), { seed: 1 })).toThrow(InvariantError);
  });

  it('gives the adversary its options in its name', () => {
    expect(flpAdversary({ slowTicks: 30 }).name).toBe(
      'flp-adversary(faults=1, fastTicks=1, slowTicks=30)',
    );
  });
});
