/**
 * Random faults: each is checked against a value derived from its own
 * definition (sim/faults.ts, sim/spec.ts), over enough seeds that the
 * derived value must fall in the 99% interval of the measured one, with the
 * measured values written beside each test; and their draws are checked to
 * leave every other stream of the run alone.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { durationTicks, residualTicks } from '../../sim/faults.ts';
import {
  type FaultSpec,
  loadScenario,
  RANDOM_FAULT_KINDS,
  runScenario,
  type Scenario,
  scenarioJsonSchema,
  type TraceRecord,
} from '../../sim/index.ts';
import { probe } from '../fixtures/probe.ts';
import { faultyAck, lossyAck } from '../fixtures/scenarios.ts';

/** Two-sided 99% normal quantile. */
const Z99 = 2.5758293035489004;

/** Wilson score interval for `k` successes in `n` trials at normal quantile `z`. */
function wilson(k: number, n: number, z = Z99): { lo: number; hi: number } {
  const p = k / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lo: center - half, hi: center + half };
}

/** True when `p` lies in the 99% Wilson interval of k successes in n trials. */
const inWilson = (k: number, n: number, p: number) => {
  const { lo, hi } = wilson(k, n);
  return lo <= p && p <= hi;
};

/** Mean and the half-width of its 99% normal interval (independent samples). */
function meanInterval(xs: readonly number[]): { mean: number; half: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, half: Z99 * Math.sqrt(variance / n) };
}

/** `n` silent agents a0…a(n-1): they send nothing, so only the faults write records. */
function silent(n: number, faults: FaultSpec[], ticksMax?: number): Scenario {
  return {
    name: 'random-faults',
    agents: Array.from({ length: n }, (_, i) => ({ id: `a${i}`, protocol: probe })),
    faults,
    ...(ticksMax === undefined ? {} : { limits: { ticksMax } }),
  };
}

/** Ticks each agent spent down in [0, endTick), from its crash and restart records. */
function downTicks(records: Iterable<TraceRecord>, endTick: number): Map<string, number> {
  const since = new Map<string, number>();
  const total = new Map<string, number>();
  for (const r of records) {
    const a = r.agent as string;
    if (r.kind === 'crash') since.set(a, r.tick);
    else if (r.kind === 'restart') {
      total.set(a, (total.get(a) ?? 0) + r.tick - (since.get(a) as number));
      since.delete(a);
    }
  }
  for (const [a, t] of since) total.set(a, (total.get(a) ?? 0) + endTick - t);
  return total;
}

const reproduce = (what: string) => `reproduce: runScenario(${what}, { seed }) in ${__filename}`;

describe('phase durations', () => {
  it('draw whole ticks with the exact distribution each name promises', () => {
    // Exponential with mean m: D = 1 + floor(ln(1 - u) / ln(1 - 1/m)), so D > k
    // exactly when 1 - u < (1 - 1/m)^k: P(D > k) = (1 - 1/m)^k.
    const m = 8;
    for (const k of [1, 5, 20]) {
      const edge = 1 - (1 - 1 / m) ** k;
      expect(durationTicks('exponential', m, edge - 1e-9)).toBeLessThanOrEqual(k);
      expect(durationTicks('exponential', m, edge + 1e-9)).toBeGreaterThan(k);
    }
    expect(durationTicks('exponential', 1, 0.999)).toBe(1);
    expect(durationTicks('constant', 7, 0.3)).toBe(7);
    // Uniform with mean m: every whole number from 1 to 2m - 1 once over an even grid of u.
    const seen = Array.from({ length: 9 }, (_, i) => durationTicks('uniform', 5, (i + 0.5) / 9));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('start a stationary phase with its residual: P(R = k) = P(D >= k) / E[D]', () => {
    // Constant m: P(D >= k) = 1 for k <= m, so R is uniform on 1..m.
    const constant = Array.from({ length: 4 }, (_, i) =>
      residualTicks('constant', 4, (i + 0.5) / 4, 0),
    );
    expect(constant).toEqual([1, 2, 3, 4]);
    // Uniform on 1..N, N = 2m - 1: P(D >= k) = (N + 1 - k) / N, so P(R = k) = 2 (N + 1 - k) / (N (N + 1)).
    // Over the even grid of both draws (N + 1 values of u1, N of u2), R = k exactly 2 (N + 1 - k) times.
    const mean = 3;
    const n = 2 * mean - 1;
    const counts = new Array<number>(n + 1).fill(0);
    for (let i = 0; i <= n; i++)
      for (let j = 0; j < n; j++) {
        const r = residualTicks('uniform', mean, (i + 0.5) / (n + 1), (j + 0.5) / n);
        counts[r] = (counts[r] as number) + 1;
      }
    expect(counts.slice(1)).toEqual([10, 8, 6, 4, 2]);
    // Exponential: memoryless, the residual is a duration.
    expect(residualTicks('exponential', 8, 0.42, 0.9)).toBe(durationTicks('exponential', 8, 0.42));
  });
});

describe('down', () => {
  it('takes each agent down for the whole run with probability downRatio, independently', () => {
    // Each agent's stream fault/0/ID makes one draw u, down iff u < 0.2: over
    // 10 agents and seeds 1-1000 the count of agents down is Binomial(10000, 0.2)
    // (u is a multiple of 2^-32, so P differs from 0.2 by under 2^-32).
    // Measured: 2008 of 10000 (0.2008).
    const scenario = silent(10, [{ kind: 'down', downRatio: 0.2 }]);
    let down = 0;
    const trials = 10 * 1000;
    for (let seed = 1; seed <= 1000; seed++) {
      const records = [...runScenario(scenario, { seed }).trace.records()];
      const crashes = records.filter((r) => r.kind === 'crash');
      expect(
        crashes.every((r) => r.tick === 0),
        reproduce('down'),
      ).toBe(true);
      expect(records.some((r) => r.kind === 'restart')).toBe(false);
      // A down agent never starts.
      const started = new Set(records.filter((r) => r.kind === 'start').map((r) => r.agent));
      expect(crashes.some((r) => started.has(r.agent))).toBe(false);
      down += crashes.length;
    }
    expect(inWilson(down, trials, 0.2), `${down} of ${trials} down vs 0.2`).toBe(true);
  });

  it('draws each interval afresh with intervalTicks: each interval is down with probability downRatio', () => {
    // With intervalTicks 10 over ticks 0-999, each of the 100 intervals of each
    // of 5 agents is down independently with probability 0.3: the count of
    // down intervals over seeds 1-100 is Binomial(50000, 0.3). (The engine
    // draws the length of each run of equal intervals, geometric with
    // P(longer than k more) = r^k for r the probability of the run's state,
    // which is the same law.) An agent down in two intervals in a row stays
    // down, so crashes and restarts fall on interval boundaries only.
    // Measured: 14914 of 50000 (0.2983).
    const scenario = silent(5, [{ kind: 'down', downRatio: 0.3, intervalTicks: 10 }], 999);
    let intervals = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const { trace, stop } = runScenario(scenario, { seed });
      expect(stop.reason).toBe('ticksMax');
      const records = [...trace.records()];
      const changes = records.filter((r) => r.kind === 'crash' || r.kind === 'restart');
      expect(
        changes.every((r) => r.tick % 10 === 0),
        reproduce('down per interval'),
      ).toBe(true);
      for (const t of downTicks(records, 1000).values()) intervals += t / 10;
    }
    expect(inWilson(intervals, 50_000, 0.3), `${intervals} of 50000 intervals down vs 0.3`).toBe(
      true,
    );
  });
});

describe('churn', () => {
  for (const distribution of ['exponential', 'constant', 'uniform'] as const) {
    it(`keeps each agent down a fraction downMean / (upMean + downMean) of the time (${distribution})`, () => {
      // An alternating renewal process of up phases (mean 30) and down phases
      // (mean 10) is down a long-run fraction 10 / (30 + 10) = 0.25 of ticks.
      // The process starts stationary (down with probability 0.25, the first
      // phase the residual P(R = k) = P(D >= k) / E[D]), so every tick, from
      // the first, is down with probability 0.25, and the expected down time
      // of an agent over ticks 0-299 is exactly 0.25 * 300 = 75. Agents and
      // seeds are independent (one stream each): the mean over 20 agents and
      // seeds 1-100 of the fraction down is within its 99% normal interval of
      // 0.25, and so is the share of agents down at tick 0.
      // Measured (fraction down ± 99% half-width; down at tick 0, of 2000):
      // exponential 0.2503 ± 0.0052, constant 0.2503 ± 0.0008, uniform 0.2505 ± 0.0031;
      // 517 at tick 0 for each (0.2585: the first draw of each stream decides it, whatever the distribution).
      const scenario = silent(
        20,
        [{ kind: 'churn', upMeanTicks: 30, downMeanTicks: 10, distribution }],
        299,
      );
      const fractions: number[] = [];
      let downAtStart = 0;
      for (let seed = 1; seed <= 100; seed++) {
        const records = [...runScenario(scenario, { seed }).trace.records()];
        const down = downTicks(records, 300);
        for (let i = 0; i < 20; i++) fractions.push((down.get(`a${i}`) ?? 0) / 300);
        downAtStart += records.filter((r) => r.kind === 'crash' && r.tick === 0).length;
        if (distribution === 'constant') {
          // Whole phases after the first: every restart comes 10 ticks after a crash past tick 0.
          const since = new Map<string, number>();
          for (const r of records) {
            if (r.kind === 'crash') since.set(r.agent as string, r.tick);
            if (r.kind === 'restart' && (since.get(r.agent as string) as number) > 0)
              expect(r.tick - (since.get(r.agent as string) as number)).toBe(10);
          }
        }
      }
      const { mean, half } = meanInterval(fractions);
      expect(
        Math.abs(mean - 0.25) <= half,
        `${distribution}: down ${mean.toFixed(4)} ± ${half.toFixed(4)} vs 0.25`,
      ).toBe(true);
      expect(inWilson(downAtStart, 2000, 0.25), `${downAtStart} of 2000 down at tick 0`).toBe(true);
    });
  }

  it('restarts the agents it holds down at tickEnd and does nothing after', () => {
    const scenario = silent(6, [{ kind: 'churn', upMeanTicks: 5, downMeanTicks: 5, tickEnd: 50 }]);
    for (let seed = 1; seed <= 20; seed++) {
      const { trace, stop } = runScenario(scenario, { seed });
      const records = [...trace.records()];
      expect(stop.reason).toBe('quiescent');
      expect(records.every((r) => r.tick <= 50)).toBe(true);
      expect(
        [...downTicks(records, Number.POSITIVE_INFINITY).values()].every(Number.isFinite),
      ).toBe(true);
    }
  });
});

describe('crash-rate', () => {
  it('crashes each agent for good after a time exponential (geometric) with mean perTicks', () => {
    // Each tick after tickStart an agent crashes with probability h = 1/40,
    // so T = crash tick - tickStart is geometric on 1, 2, …: E[T] = 40 and
    // P(T <= k) = 1 - (39/40)^k. The median is the least k with P(T <= k) >= 1/2:
    // k = ceil(ln(1/2) / ln(39/40)) = 28, where P(T <= 28) = 0.50830; the 90th
    // percentile is ceil(ln(1/10) / ln(39/40)) = 91, P(T <= 91) = 0.90008.
    // Over 20 agents and seeds 1-250 (5000 times): the mean is within its
    // 99% normal interval of 40, and the counts at or below 28 and 91 within
    // their 99% Wilson intervals of those probabilities.
    // Measured: mean 38.91 ± 1.40; 2564 and 4533 of 5000 at or below 28 and 91 (0.5128, 0.9066).
    const h = 1 / 40;
    const scenario = silent(20, [{ kind: 'crash-rate', perTicks: 40, tickStart: 5 }]);
    const times: number[] = [];
    for (let seed = 1; seed <= 250; seed++) {
      const records = [...runScenario(scenario, { seed }).trace.records()];
      expect(
        records.some((r) => r.kind === 'restart'),
        reproduce('crash-rate'),
      ).toBe(false);
      const crashes = records.filter((r) => r.kind === 'crash');
      expect(crashes.length).toBe(20);
      for (const r of crashes) times.push(r.tick - 5);
    }
    expect(Math.min(...times)).toBeGreaterThanOrEqual(1);
    const { mean, half } = meanInterval(times);
    expect(Math.abs(mean - 40) <= half, `mean ${mean} ± ${half} vs 40`).toBe(true);
    for (const q of [0.5, 0.9]) {
      const k = Math.ceil(Math.log(1 - q) / Math.log(1 - h));
      const p = 1 - (1 - h) ** k;
      const within = times.filter((t) => t <= k).length;
      expect(
        inWilson(within, times.length, p),
        `${within} of ${times.length} <= ${k} vs ${p}`,
      ).toBe(true);
    }
  });
});

describe('random partitions, omission and skew', () => {
  it('cut off a random minority for each partition, and lose exactly the messages across it', () => {
    // Seven agents all talking to each other; each partition cuts off a
    // random minority (1 to 3 agents) and heals after a constant 8 ticks.
    const agents = Array.from({ length: 7 }, (_, i) => ({
      id: `a${i}`,
      protocol: probe,
      params: {
        targets: [0, 1, 2, 3, 4, 5, 6].filter((j) => j !== i).map((j) => `a${j}`),
        periodTicks: 1,
        rounds: 150,
      },
    }));
    const scenario: Scenario = {
      name: 'random-partition',
      agents,
      faults: [
        {
          kind: 'random-partition',
          gapMeanTicks: 12,
          durationMeanTicks: 8,
          distribution: 'constant',
        },
      ],
      // Partitions without tickEnd keep coming: the run goes on to its tick limit.
      limits: { ticksMax: 200 },
    };
    const sizes = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const records = [...runScenario(scenario, { seed }).trace.records()];
      const open = new Map<number, TraceRecord>();
      const bySeq = new Map(records.map((r) => [r.seq, r]));
      let cut: Set<string> | undefined;
      for (const r of records) {
        if (r.kind === 'partition') {
          const [side, rest] = (r.data as { groups: string[][] }).groups as [string[], string[]];
          expect(side.length + rest.length).toBe(7);
          expect(side.length).toBeGreaterThanOrEqual(1);
          expect(side.length).toBeLessThanOrEqual(3);
          sizes.add(side.length);
          expect(open.size, 'one partition at a time').toBe(0);
          open.set(r.seq, r);
          cut = new Set(side);
        } else if (r.kind === 'heal') {
          const start = open.get(r.cause as number) as TraceRecord;
          if (start.tick > 0) expect(r.tick - start.tick).toBe(8);
          open.delete(r.cause as number);
          cut = undefined;
        } else if (r.kind === 'drop') {
          // Latency 1: a message sent at t is cut at t or t + 1, so a partition was open or just healed.
          expect(r.data).toBe('partition');
          const sent = bySeq.get(r.cause as number) as TraceRecord;
          expect(r.tick - sent.tick).toBeLessThanOrEqual(1);
        } else if (r.kind === 'deliver' && cut !== undefined) {
          expect(
            cut.has(r.agent as string) === cut.has(r.peer as string),
            `seed ${seed}: ${r.seq}`,
          ).toBe(true);
        }
      }
    }
    expect([...sizes].sort()).toEqual([1, 2, 3]);
  });

  it('open omission windows that lose only inside them, and skew each clock by a rate drawn from its range', () => {
    const scenario: Scenario = {
      ...lossyAck,
      name: 'random-omission',
      network: { defaults: { latency: { kind: 'constant', ticks: 1 } } },
      faults: [
        {
          kind: 'random-omission',
          gapMeanTicks: 6,
          durationMeanTicks: 4,
          sendRatio: 1,
          agents: ['bob'],
        },
        { kind: 'random-skew', rateMin: 0.5, rateMax: 2 },
      ],
      limits: { ticksMax: 300 },
    };
    for (let seed = 1; seed <= 30; seed++) {
      const records = [...runScenario(scenario, { seed }).trace.records()];
      const skews = records.filter((r) => r.kind === 'skew');
      expect(skews.map((r) => r.agent).sort()).toEqual(['alice', 'bob']);
      for (const r of skews) {
        const rate = (r.data as { rate: number }).rate;
        expect(rate >= 0.5 && rate <= 2).toBe(true);
      }
      let omitting = false;
      for (const r of records) {
        if (r.kind === 'omission') {
          expect(r.agent).toBe('bob');
          expect(r.data).toEqual({ sendRatio: 1, receiveRatio: 0 });
          omitting = true;
        } else if (r.kind === 'omission.end') omitting = false;
        else if (r.kind === 'send' && r.agent === 'bob') {
          // sendRatio 1: every message bob sends in a window is lost, and none outside.
          const next = records.find((x) => x.cause === r.seq && x.kind === 'drop');
          expect(next !== undefined, `seed ${seed}: send ${r.seq}`).toBe(omitting);
        }
      }
    }
  });
});

describe('random faults in the trace', () => {
  /** Every record but the manifest's spec: what checkers, the page and the story read. */
  const records = (s: Scenario, seed: number) =>
    [...runScenario(s, { seed }).trace.records()].map((r) => JSON.stringify(r));

  it('write the same records as the fixed fault they amount to', () => {
    // downRatio 1 over [15, 40) is faulty-ack's crash of bob; a skew range of one rate is its skew.
    const fixed = faultyAck.faults ?? [];
    const drawn: Scenario = {
      ...faultyAck,
      faults: [
        { kind: 'down', downRatio: 1, agents: ['bob'], tickStart: 15, tickEnd: 40 },
        fixed[1] as FaultSpec,
        { kind: 'random-skew', rateMin: 1.5, rateMax: 1.5, agents: ['alice'], tickEnd: 60 },
        fixed[3] as FaultSpec,
      ],
    };
    for (const seed of [1, 7, 9]) expect(records(drawn, seed)).toEqual(records(faultyAck, seed));
  });

  it('leave every other draw alone: the link a → b loses and delivers the same with a random fault on a silent agent', () => {
    // a sends to b over a lossy, duplicating, jittery link; c sends nothing.
    // Random faults on c draw only from fault/K/c (K their position among the
    // random faults), never from net/a, so the fate of every a → b message is
    // the same, record for record, with or without them.
    const base: Scenario = {
      name: 'independence',
      agents: [
        { id: 'a', protocol: probe, params: { targets: ['b'], periodTicks: 1, rounds: 200 } },
        { id: 'b', protocol: probe },
        { id: 'c', protocol: probe },
      ],
      network: {
        defaults: {
          dropRatio: 0.2,
          duplicateRatio: 0.1,
          latency: { kind: 'uniform', ticksMin: 1, ticksMax: 9 },
        },
      },
      limits: { ticksMax: 400 },
    };
    const fates = (s: Scenario) =>
      [...runScenario(s, { seed: 5 }).trace.records()]
        .filter((r) => ['send', 'drop', 'duplicate', 'deliver'].includes(r.kind))
        .map((r) => `${r.kind}@${r.tick}:${r.agent}>${r.peer}#${r.msg}:${String(r.data)}`);
    const before = fates(base);
    expect(before.length).toBeGreaterThan(400);
    for (const fault of [
      { kind: 'churn', upMeanTicks: 20, downMeanTicks: 10, agents: ['c'] },
      { kind: 'crash-rate', perTicks: 30, agents: ['c'] },
      {
        kind: 'random-omission',
        gapMeanTicks: 5,
        durationMeanTicks: 5,
        sendRatio: 1,
        agents: ['c'],
      },
      { kind: 'random-skew', rateMin: 0.1, rateMax: 10, agents: ['c'] },
      { kind: 'down', downRatio: 0.5, intervalTicks: 7, agents: ['c'] },
    ] as FaultSpec[]) {
      const s = { ...base, faults: [fault] };
      const changed = [...runScenario(s, { seed: 5 }).trace.records()].some(
        (r) => r.agent === 'c' && r.kind !== 'start' && r.kind !== 'state',
      );
      expect(changed, `${fault.kind} did something to c`).toBe(true);
      expect(fates(s), fault.kind).toEqual(before);
    }
  });

  it("keep a random fault's own draws when a fault, fixed or random, is added after it or an agent is added", () => {
    // Each agent draws from fault/0/ID, whatever else the scenario holds.
    const downOf = (s: Scenario, seed: number) =>
      [...runScenario(s, { seed }).trace.records()]
        .filter((r) => r.kind === 'crash' && r.tick === 0)
        .map((r) => r.agent as string)
        .sort();
    const base = silent(12, [{ kind: 'down', downRatio: 0.4 }], 50);
    const grown: Scenario = {
      ...base,
      agents: [...base.agents, { id: 'extra', protocol: probe }],
      faults: [
        { kind: 'crash', agent: 'extra', tick: 3 },
        { kind: 'down', downRatio: 0.4 },
        { kind: 'churn', upMeanTicks: 10, downMeanTicks: 10, agents: ['extra'], tickStart: 1 },
      ],
    };
    for (let seed = 1; seed <= 20; seed++)
      expect(
        downOf(grown, seed).filter((a) => a !== 'extra'),
        `seed ${seed}`,
      ).toEqual(downOf(base, seed));
  });
});

describe('random faults in scenario files', () => {
  const load = (faults: string) =>
    loadScenario(`name: f\nprotocol: majority-vote\nagents: { count: 5 }\nfaults:\n${faults}`, {
      protocols: PROTOCOLS,
      schedulers: SCHEDULERS,
    });

  it('are read with their defaults, and refused with a reason where they cannot work', () => {
    expect(load('  - { kind: down, downRatio: 0.1 }').scenario.faults).toEqual([
      { kind: 'down', downRatio: 0.1, tickStart: 0 },
    ]);
    const problems = (faults: string) => {
      try {
        load(faults);
        return [];
      } catch (err) {
        return ((err as { problems?: { message: string; path: string }[] }).problems ?? []).map(
          (p) => `${p.path}: ${p.message}`,
        );
      }
    };
    expect(problems('  - { kind: down, downRatio: 0.1, agents: [a1, a9] }')).toEqual([
      expect.stringMatching(/^faults\.0\.agents\.1: unknown agent "a9"/),
    ]);
    expect(
      problems('  - { kind: random-partition, gapMeanTicks: 5, durationMeanTicks: 5, size: 5 }'),
    ).toEqual([
      expect.stringMatching(/^faults\.0\.size: must be a whole number of agents from 1 to 4/),
    ]);
    expect(problems('  - { kind: random-skew, rateMin: 2, rateMax: 1 }')).toEqual([
      expect.stringMatching(/^faults\.0\.rateMax: must be at least rateMin/),
    ]);
    expect(problems('  - { kind: churn, upMeanTicks: 0.5, downMeanTicks: 3 }')).toHaveLength(1);
    expect(
      problems('  - { kind: churn, upMeanTicks: 5, downMeanTicks: 3, tickStart: 9, tickEnd: 4 }'),
    ).toEqual([expect.stringMatching(/^faults\.0\.tickEnd: must be after tickStart/)]);
  });

  it('document every field in the JSON Schema, and require only what has no default', () => {
    const defs = (
      scenarioJsonSchema() as {
        properties: { faults: { items: { anyOf?: unknown[]; oneOf?: unknown[] } } };
      }
    ).properties.faults.items;
    const options = (defs.oneOf ?? defs.anyOf ?? []) as {
      properties: Record<string, { const?: string; description?: string }>;
      required: string[];
    }[];
    for (const kind of RANDOM_FAULT_KINDS) {
      const o = options.find((x) => x.properties['kind']?.const === kind);
      expect(o, kind).toBeDefined();
      for (const [key, p] of Object.entries(o?.properties ?? {}))
        if (key !== 'kind') expect(p.description, `${kind}.${key}`).toBeTypeOf('string');
      expect(o?.required, kind).not.toContain('tickStart');
    }
    expect(options.find((x) => x.properties['kind']?.const === 'churn')?.required).toEqual([
      'kind',
      'upMeanTicks',
      'downMeanTicks',
    ]);
  });
});
