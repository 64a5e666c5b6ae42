import { describe, expect, it } from 'vitest';
import { raftElection } from '../../scenarios/protocols/raft-election.ts';
import {
  check,
  deriveStream,
  type FaultSpec,
  judge,
  type Protocol,
  runScenario,
  type Scenario,
  viewOf,
} from '../../sim/index.ts';
import { binomialWithin } from '../fixtures/measure.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);

const ROUGH_PARAMS = { electionTicksMin: 30, electionTicksMax: 60, heartbeatTicks: 20 };
const ROUGH_NETWORK = {
  defaults: {
    dropRatio: 0.1,
    duplicateRatio: 0.1,
    latency: { kind: 'uniform', ticksMin: 1, ticksMax: 15 },
  },
} as const;

/**
 * A rough cluster for seed `seed`: 5 nodes, short timeouts (30-60 ticks, a
 * heartbeat every 20) against 1-15 ticks of latency, so that a late
 * heartbeat starts an election; 10 % loss, 10 % duplication, reordering,
 * two crashes with restart after 1-200 ticks and one partition of 50-300
 * ticks into a random side and the rest, all placed by the seed.
 */
function rough(seed: number): Scenario {
  const nodes = ids(5);
  const r = deriveStream(seed, 'test/raft-election/rough');
  const pick = () => nodes[r.int(0, nodes.length - 1)] as string;
  const faults: FaultSpec[] = [];
  for (let i = 0; i < 2; i++) {
    const tick = r.int(0, 500);
    faults.push({ kind: 'crash', agent: pick(), tick, tickRestart: tick + r.int(1, 200) });
  }
  const side = nodes.filter(() => r.chance(0.5));
  const tickStart = r.int(0, 500);
  faults.push({
    kind: 'partition',
    groups: [side],
    tickStart,
    tickEnd: tickStart + r.int(50, 300),
  });
  return {
    name: 'raft-election-rough',
    agents: nodes.map((id) => ({ id, protocol: raftElection, params: ROUGH_PARAMS })),
    network: ROUGH_NETWORK,
    faults,
    limits: { ticksMax: 800 },
    checks: [{ property: 'leader-per-term', expect: 'holds' }],
  };
}

/**
 * Flicker: 3 nodes of `protocol` on the rough network, crashed 20 times at
 * ticks placed by the seed in [0, 700], each back 1-3 ticks later: a node
 * often restarts between granting a vote and hearing the rival candidate.
 */
function flicker(seed: number, protocol: Protocol): Scenario {
  const nodes = ids(3);
  const r = deriveStream(seed, 'test/raft-election/flicker');
  const faults: FaultSpec[] = [];
  for (let i = 0; i < 20; i++) {
    const tick = r.int(0, 700);
    const agent = nodes[r.int(0, nodes.length - 1)] as string;
    faults.push({ kind: 'crash', agent, tick, tickRestart: tick + r.int(1, 3) });
  }
  return {
    name: `raft-election-flicker-${protocol.name}`,
    agents: nodes.map((id) => ({ id, protocol, params: ROUGH_PARAMS })),
    network: ROUGH_NETWORK,
    faults,
    limits: { ticksMax: 800 },
  };
}

/**
 * First-round test bed: n nodes, constant latency L, no loss, first
 * election timeouts uniform on [T, T + S]. The run stops at T + S + 2L: every
 * term-1 candidacy starts by T + S (a node's second timer is only drawn once
 * it is in term 1 or later) and its votes are back 2L later.
 */
function firstRound(n: number, T: number, S: number, L: number): Scenario {
  return {
    name: 'raft-election-first-round',
    agents: ids(n).map((id) => ({
      id,
      protocol: raftElection,
      params: { electionTicksMin: T, electionTicksMax: T + S, heartbeatTicks: 50 },
    })),
    network: { defaults: { latency: { kind: 'constant', ticks: L } } },
    limits: { ticksMax: T + S + 2 * L },
  };
}

interface Round {
  /** Term 1 got a leader. */
  success: boolean;
  /** The first election timeouts, one per node. */
  timeouts: number[];
}

function round(scenario: Scenario, seed: number): Round {
  const { trace } = runScenario(scenario, { seed });
  const view = viewOf(trace);
  const timeouts = view
    .ofKind('timer.set')
    .filter((r) => r.tick === 0 && r.data === 'election')
    .map((r) => r.at as number);
  const success = view
    .ofKind('note')
    .some((r) => (r.data as { leader?: number } | null)?.leader === 1);
  return { success, timeouts };
}

/**
 * P(the earliest of n iid uniform integers on [0, S] is unique and more than
 * L below every other): n / K × Σ_u ((#values above u + L) / K)^(n-1), K = S + 1.
 */
function uniqueEarliest(n: number, S: number, L: number): number {
  const K = S + 1;
  let p = 0;
  for (let u = 0; u <= S; u++) p += (Math.max(0, S - u - L) / K) ** (n - 1);
  return (n / K) * p;
}

/** P(max - min <= L) for n iid uniform integers on [0, S]: Σ_a P(min = a, max <= a + L). */
function allWithin(n: number, S: number, L: number): number {
  const K = S + 1;
  const count = (lo: number, hi: number) => Math.max(0, Math.min(hi, S) - lo + 1);
  let p = 0;
  for (let a = 0; a <= S; a++) p += (count(a, a + L) ** n - count(a + 1, a + L) ** n) / K ** n;
  return p;
}

describe('raft leader election', () => {
  it('never elects two leaders in one term', () => {
    const seeds = 2000;
    let terms = 0;
    let crashes = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const run = runScenario(rough(seed), { seed });
      const verdict = judge(run.trace).verdicts[0];
      if (verdict?.status !== 'holds')
        expect.fail(
          `seed ${seed}: ${verdict?.summary}; reproduce: runScenario(rough(${seed}), { seed: ${seed} })`,
        );
      terms += Number(verdict.metrics?.['terms'] ?? 0);
      crashes += viewOf(run.trace).ofKind('restart').length;
    }
    console.info(
      `leader per term over ${seeds} rough runs: ${terms} terms with a leader, ${crashes} restarts, never two leaders`,
    );
    // Not vacuous: elections happened, many per run.
    expect(terms).toBeGreaterThan(seeds);
  });

  it('keeps one leader per term through short crashes only because currentTerm and votedFor survive them', () => {
    // The same machine with nothing on stable storage: a node that restarts
    // forgets its vote and may vote again in the same term.
    const amnesiac: Protocol = { ...raftElection, name: 'raft-election-amnesiac', persistent: [] };
    const seeds = 300;
    let firstDouble: { seed: number; summary: string } | undefined;
    let doubles = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const kept = check(
        viewOf(runScenario(flicker(seed, raftElection), { seed }).trace),
        'leader-per-term',
      );
      if (kept.status !== 'holds')
        expect.fail(
          `seed ${seed}: ${kept.summary}; reproduce: runScenario(flicker(${seed}, raftElection), { seed: ${seed} })`,
        );
      const forgot = check(
        viewOf(runScenario(flicker(seed, amnesiac), { seed }).trace),
        'leader-per-term',
      );
      if (forgot.status === 'fails') {
        doubles++;
        firstDouble ??= { seed, summary: forgot.summary };
      }
    }
    console.info(
      `flicker, ${seeds} seeds: 0 double leaders with stable storage, ${doubles} without; first at seed ${firstDouble?.seed}: ${firstDouble?.summary}`,
    );
    expect(doubles, `no double leader without stable storage in seeds 1..${seeds}`).toBeGreaterThan(
      0,
    );
  });

  it('first-round success falls as the spread shrinks', () => {
    const n = 5;
    const T = 150;
    const L = 5;
    const runs = 2000;
    const rates: number[] = [];
    for (const S of [0, 10, 50, 150]) {
      const scenario = firstRound(n, T, S, L);
      let success = 0;
      let unique = 0;
      let within = 0;
      for (let seed = 1; seed <= runs; seed++) {
        const r = round(scenario, seed);
        const where = `n = ${n}, T = ${T}, S = ${S}, L = ${L}, seed ${seed}; reproduce: round(firstRound(${n}, ${T}, ${S}, ${L}), ${seed})`;
        expect(r.timeouts.length, where).toBe(n);
        const sorted = [...r.timeouts].sort((a, b) => a - b);
        const [first = 0, second = Infinity] = sorted;
        // The earliest node's RequestVote reaches every other node before its
        // own timer fires: all vote for it. A timer due the same tick as the
        // delivery was set at tick 0, before the send, so it fires first.
        const isUnique = second > first + L;
        // Every timer fires before any RequestVote lands: n candidates, one vote each.
        const isWithin = (sorted.at(-1) ?? 0) - first <= L;
        if (isUnique) {
          unique++;
          expect(
            r.success,
            `earliest timeout unique by more than L, yet no leader in term 1: ${where}`,
          ).toBe(true);
        }
        if (isWithin) {
          within++;
          expect(r.success, `all timeouts within L, yet a leader in term 1: ${where}`).toBe(false);
        }
        if (r.success) success++;
      }
      const pLow = uniqueEarliest(n, S, L);
      const pHigh = 1 - allWithin(n, S, L);
      // The draws behave as iid uniform integers on [T, T + S].
      expect(
        binomialWithin(unique, runs, pLow),
        `unique earliest ${unique}/${runs} vs ${pLow}, S = ${S}`,
      ).toBe(true);
      expect(
        binomialWithin(within, runs, 1 - pHigh),
        `all within L ${within}/${runs} vs ${1 - pHigh}, S = ${S}`,
      ).toBe(true);
      // Success lies between the two bounds, up to a 5-sigma binomial margin.
      const margin = (p: number) => 5 * Math.sqrt(runs * p * (1 - p));
      expect(
        success,
        `S = ${S}: ${success}/${runs} below the bound ${pLow}`,
      ).toBeGreaterThanOrEqual(runs * pLow - margin(pLow));
      expect(success, `S = ${S}: ${success}/${runs} above the bound ${pHigh}`).toBeLessThanOrEqual(
        runs * pHigh + margin(pHigh),
      );
      if (S === 0) expect(success, 'no spread: every node is a candidate for itself').toBe(0);
      rates.push(success / runs);
      console.info(
        `n = ${n}, T = ${T}, L = ${L}, S = ${S}: term-1 success ${success}/${runs} = ${(success / runs).toFixed(4)}; bounds [${pLow.toFixed(4)}, ${pHigh.toFixed(4)}]`,
      );
    }
    for (let i = 1; i < rates.length; i++)
      expect(rates[i] as number, `success rates ${rates.join(', ')}`).toBeGreaterThan(
        rates[i - 1] as number,
      );
  });

  it('never succeeds in term 1 without spread, for n = 3, 4, 7 and 9', () => {
    for (const n of [3, 4, 7, 9]) {
      for (let seed = 1; seed <= 200; seed++) {
        const r = round(firstRound(n, 150, 0, 5), seed);
        expect(
          r.success,
          `n = ${n}, seed ${seed}: round(firstRound(${n}, 150, 0, 5), ${seed})`,
        ).toBe(false);
      }
    }
  });

  it('gives the golden trace for 5 nodes with loss and a crash of the leader at seed 11, and the same trace twice', () => {
    const scenario: Scenario = {
      name: 'raft-election',
      agents: ids(5).map((id) => ({ id, protocol: raftElection })),
      network: {
        defaults: { dropRatio: 0.05, latency: { kind: 'uniform', ticksMin: 2, ticksMax: 12 } },
      },
      faults: [{ kind: 'crash', agent: 'n3', tick: 400, tickRestart: 700 }],
      limits: { ticksMax: 1500 },
      checks: [{ property: 'leader-per-term', expect: 'holds' }],
    };
    const a = runScenario(scenario, { seed: 11 });
    const b = runScenario(scenario, { seed: 11 });
    expect(a.trace.toJSONL()).toBe(b.trace.toJSONL());
    expect(judge(a.trace).met).toBe(true);
    // n3 leads term 1, crashes, n2 leads term 2; n3 comes back in term 1
    // (kept on stable storage) and learns of term 2 from n2's heartbeats.
    const leaders = viewOf(a.trace)
      .ofKind('note')
      .map((r) => `${r.agent} ${JSON.stringify(r.data)}`);
    expect(leaders).toEqual(['n3 {"leader":1}', 'n2 {"leader":2}']);
    const n3 = a.agents.find((x) => x.id === 'n3');
    const context = n3?.context as { currentTerm: number; leader: string } | undefined;
    expect(n3?.state).toBe('follower');
    expect(context?.currentTerm).toBe(2);
    expect(context?.leader).toBe('n2');
    expect(a.trace.hash()).toBe('6a69ac703aad1a6e123f799d1657e3cb21e1e07afcc73bd3aadf9ee00771f14b');
  });
});
