import { describe, expect, it } from 'vitest';
import { promptInfection } from '../../scenarios/protocols/prompt-infection.ts';
import { infection } from '../../sim/checkers/infection.ts';
import {
  type Json,
  runScenario,
  type Scenario,
  type TraceRecord,
  type TrustSpec,
  viewOf,
} from '../../sim/index.ts';
import { binomialWithin } from '../fixtures/measure.ts';

const WORM = { id: 'worm', kind: 'replicate' };

interface Setup {
  n: number;
  /** Agents that read the poisoned page: a0..a{readers-1}. */
  readers?: number;
  params: Record<string, Json>;
  /** Extra params for the readers only. */
  readerParams?: Record<string, Json>;
  quarantineReaders?: boolean;
  trust?: Partial<TrustSpec>;
}

/**
 * n agents a0..a{n-1} on the complete graph (the default neighbours), the
 * first `readers` reading a web page that carries the worm; the agents sit in
 * the trusted zone above the page's. Constant 1-tick latency < roundTicks.
 */
function epidemic(s: Setup): Scenario {
  const readers = s.readers ?? 1;
  return {
    name: `prompt-infection-${s.n}`,
    agents: Array.from({ length: s.n }, (_, i) => ({
      id: `a${i}`,
      protocol: promptInfection,
      params: i < readers ? { ...s.params, source: 'page', ...s.readerParams } : s.params,
      ...(i < readers && s.quarantineReaders ? { quarantined: true } : {}),
    })),
    network: { defaults: { latency: { kind: 'constant', ticks: 1 } } },
    trust: {
      zones: ['web', 'agents'],
      sources: [{ id: 'page', zone: 'web', content: { body: 'news', instruction: WORM } }],
      ...s.trust,
    },
  };
}

/** Agents following the worm at the end of a run. */
function infectedAtEnd(s: Setup, seed: number): number {
  const { agents } = runScenario(epidemic(s), { seed, record: false });
  return agents.filter((a) => (a.context as { following: Json | null }).following !== null).length;
}

/** [tick, agent, note] of every follows/recovers note. */
function notes(s: Setup, seed = 1): [number, string, Json][] {
  const { trace } = runScenario(epidemic(s), { seed });
  return [...trace.records()]
    .filter((r: TraceRecord) => r.kind === 'note')
    .map((r) => [r.tick, r.agent as string, r.data as Json]);
}

/** Who ever followed the worm, sorted. */
function everInfected(s: Setup, seed = 1): string[] {
  return [...new Set(notes(s, seed).map(([, agent]) => agent))].sort();
}

describe('prompt infection', () => {
  it('passes the worm from the reader to its one peer at the first round (n = 2, susceptibility 1)', () => {
    const si: Setup = { n: 2, params: { susceptibility: 1, recoveryRatio: 0, roundsMax: 3 } };
    expect(notes(si), 'seed 1; reproduce with notes(si)').toEqual([
      [1, 'a0', { follows: 'worm' }], // the page's content arrives 1 tick after the read
      [11, 'a1', { follows: 'worm' }], // round 1 at tick 10, 1 tick of latency
    ]);
    const run = runScenario(epidemic(si), { seed: 1 });
    // Every agent chats to the other in each of the 3 rounds.
    expect([...run.trace.records()].filter((r) => r.kind === 'send')).toHaveLength(6);
    const v = infection.check(viewOf(run.trace));
    expect(v).toMatchObject({
      status: 'fails',
      records: [8, 16],
      metrics: {
        infected: [
          [1, 0.5],
          [11, 1],
        ],
        peakFraction: 1,
        finalFraction: 1,
        ticksToPeak: 11,
      },
    });
  });

  it('bounces the worm back and forth when every follower recovers each round (n = 2, recoveryRatio 1)', () => {
    const sis: Setup = { n: 2, params: { susceptibility: 1, recoveryRatio: 1, roundsMax: 3 } };
    // A follower sends the worm, then recovers; its peer follows one tick later,
    // and infects it again in the next round.
    expect(notes(sis), 'seed 1; reproduce with notes(sis)').toEqual([
      [1, 'a0', { follows: 'worm' }],
      [10, 'a0', { recovers: 'worm' }],
      [11, 'a1', { follows: 'worm' }],
      [20, 'a1', { recovers: 'worm' }],
      [21, 'a0', { follows: 'worm' }],
      [30, 'a0', { recovers: 'worm' }],
      [31, 'a1', { follows: 'worm' }],
    ]);
    const v = infection.check(viewOf(runScenario(epidemic(sis), { seed: 1 }).trace));
    expect(v.status).toBe('holds');
    expect(v.metrics?.['infected']).toEqual([
      [1, 0.5],
      [10, 0],
      [11, 0.5],
      [20, 0],
      [21, 0.5],
      [30, 0],
      [31, 0.5],
    ]);
  });

  it('moves the worm one hop per round along a directed chain of neighbours', () => {
    const s: Setup = { n: 4, params: { susceptibility: 1, recoveryRatio: 0, roundsMax: 3 } };
    const scenario = epidemic(s);
    const chain: Scenario = {
      ...scenario,
      agents: scenario.agents.map((a, i) => ({
        ...a,
        params: { ...a.params, neighbors: i < 3 ? [`a${i + 1}`] : [] },
      })),
    };
    const run = runScenario(chain, { seed: 1 });
    const follows = [...run.trace.records()]
      .filter((r) => r.kind === 'note')
      .map((r) => [r.tick, r.agent]);
    expect(follows, 'seed 1; reproduce with runScenario(chain, { seed: 1 })').toEqual([
      [1, 'a0'],
      [11, 'a1'],
      [21, 'a2'],
      [31, 'a3'],
    ]);
    // 3 senders x 3 rounds.
    expect([...run.trace.records()].filter((r) => r.kind === 'send')).toHaveLength(9);
  });

  it('infects only the reader with an instruction that does not replicate', () => {
    const s: Setup = { n: 5, params: { susceptibility: 1, recoveryRatio: 0, roundsMax: 3 } };
    const scenario = epidemic(s);
    const act: Scenario = {
      ...scenario,
      trust: {
        zones: ['web', 'agents'],
        sources: [
          { id: 'page', zone: 'web', content: { instruction: { id: 'pay', kind: 'act' } } },
        ],
      },
    };
    const rs = [...runScenario(act, { seed: 1 }).trace.records()];
    expect(rs.filter((r) => r.kind === 'note').map((r) => [r.tick, r.agent, r.data])).toEqual([
      [1, 'a0', { follows: 'pay' }],
    ]);
    expect(
      rs.filter((r) => r.kind === 'send').every((r) => !('instruction' in (r.data as object))),
    ).toBe(true);
  });

  it('infects 1 + (n - 1) β agents on average after round 1 of SI on the complete graph', () => {
    // One reader follows the page for sure (readSusceptibility 1); in round 1
    // it sends the worm to each of the n - 1 others, each following with β
    // independently, so the newly infected count over all seeds is
    // Binomial(seeds (n - 1), β).
    const n = 20;
    const beta = 0.3;
    const seeds = 300;
    const s: Setup = { n, params: { susceptibility: beta, recoveryRatio: 0, roundsMax: 1 } };
    let infected = 0;
    for (let seed = 1; seed <= seeds; seed++) infected += infectedAtEnd(s, seed);
    const fresh = infected - seeds;
    expect(
      binomialWithin(fresh, seeds * (n - 1), beta),
      `mean infected ${infected / seeds} vs 1 + (n - 1) β = ${1 + (n - 1) * beta} over seeds 1..${seeds}; reproduce with infectedAtEnd(${JSON.stringify(s)}, seed)`,
    ).toBe(true);
  });

  describe('the epidemic threshold β / δ = 1 / λ_max on K_10 (λ_max = 9)', () => {
    const n = 10;
    const seeds = 200;

    it('dies out well below the threshold, as fast as the linearised model allows', () => {
      // β / δ = 0.02 is a fifth of 1 / 9. With p(t + 1) <= ((1 - δ) I + β A) p(t)
      // and A regular, the expected number infected after r rounds is at most
      // ρ^r with ρ = 1 - δ + β λ_max = 0.59 (one infected reader at round 0);
      // so a run is still infected after R rounds with probability at most
      // ρ^R (Markov), and the count of such runs is at most a
      // Binomial(seeds, ρ^R) count.
      const beta = 0.01;
      const delta = 0.5;
      const rounds = 20;
      const rho = 1 - delta + beta * (n - 1);
      const pAlive = rho ** rounds;
      const s: Setup = {
        n,
        params: { susceptibility: beta, recoveryRatio: delta, roundsMax: rounds },
      };
      let alive = 0;
      let infected = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const k = infectedAtEnd(s, seed);
        infected += k;
        if (k > 0) alive++;
      }
      const aliveMax = seeds * pAlive + 5 * Math.sqrt(seeds * pAlive * (1 - pAlive));
      const message = `${alive} of ${seeds} runs still infected after ${rounds} rounds, at most ${aliveMax.toFixed(2)} allowed (ρ = ${rho}); reproduce with infectedAtEnd(${JSON.stringify(s)}, seed)`;
      expect(alive, message).toBeLessThanOrEqual(aliveMax);
      // The mean final fraction is then at most aliveMax / seeds as well.
      expect(infected / seeds / n, message).toBeLessThanOrEqual(aliveMax / seeds);
    });

    it('persists well above the threshold, near the mean-field steady state 1 - δ / (β (n - 1))', () => {
      // β / δ = 1 is nine times 1 / 9. The mean-field steady state is
      // 1 - δ / (β (n - 1)) = 0.889. The bound on the distance to it is
      // generous because three effects move the mean: discrete rounds let an
      // agent that just recovered be infected again by that round's messages,
      // which raises the level to the fixed point iD of
      // i = 1 - (1 - (1 - δ) i)(1 - β i)^(n - 1) (0.967 here: an agent is clean
      // at the end of a round when it was clean or recovered, and none of its
      // infected peers infected it, treated as independent); a run can die out early
      // (the reader recovers before infecting anyone with probability about
      // δ (1 - β)^(n - 1) / (1 - (1 - δ)(1 - β)^(n - 1)) = 0.03), which lowers
      // the mean; and the sampling error of a mean of seeds values in [0, 1] is
      // at most 5 x 0.5 / sqrt(seeds) = 0.18 at 5 standard deviations.
      const beta = 0.2;
      const delta = 0.2;
      const rounds = 30;
      const s: Setup = {
        n,
        params: { susceptibility: beta, recoveryRatio: delta, roundsMax: rounds },
      };
      const meanField = 1 - delta / (beta * (n - 1));
      let iD = 1;
      for (let k = 0; k < 1000; k++) iD = 1 - (1 - (1 - delta) * iD) * (1 - beta * iD) ** (n - 1);
      const q = (1 - beta) ** (n - 1);
      const extinction = (delta * q) / (1 - (1 - delta) * q);
      const tolerance = Math.abs(iD - meanField) + extinction + (5 * 0.5) / Math.sqrt(seeds);
      let infected = 0;
      for (let seed = 1; seed <= seeds; seed++) infected += infectedAtEnd(s, seed);
      const mean = infected / seeds / n;
      const message = `mean final fraction ${mean} over seeds 1..${seeds} vs mean field ${meanField.toFixed(3)} ± ${tolerance.toFixed(3)} (discrete fixed point ${iD.toFixed(3)}); reproduce with infectedAtEnd(${JSON.stringify(s)}, seed)`;
      expect(Math.abs(mean - meanField), message).toBeLessThanOrEqual(tolerance);
      expect(mean, message).toBeGreaterThan(meanField / 2);
    });
  });

  describe('mitigations', () => {
    const all = { susceptibility: 1, recoveryRatio: 0, roundsMax: 5 };
    const readers = 2;
    const n = 8;

    it('infects everyone at round 1 without a mitigation', () => {
      const s: Setup = { n, readers, params: all };
      expect(everInfected(s)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
      expect(
        notes(s)
          .filter(([, agent]) => agent >= 'a2')
          .map(([tick]) => tick),
      ).toEqual([11, 11, 11, 11, 11, 11]);
    });

    it('keeps the worm with the readers when tagged chats are never followed', () => {
      // Tagging marks what the readers send (sticky provenance carries the
      // page), and taggedSusceptibility 0 makes the others ignore it.
      const s: Setup = {
        n,
        readers,
        params: { ...all, taggedSusceptibility: 0 },
        trust: { mitigations: { tagging: true } },
      };
      expect(everInfected(s), `seed 1; reproduce with everInfected(${JSON.stringify(s)})`).toEqual([
        'a0',
        'a1',
      ]);
    });

    it('loses the tag at the first hop with per-message provenance, and the worm spreads', () => {
      // With provenance: 'message' a chat carries only what the step that sent
      // it consumed; a round is started by a timer, so the readers' chats carry
      // no trace of the page and are not tagged.
      const s: Setup = {
        n,
        readers,
        params: { ...all, taggedSusceptibility: 0 },
        trust: { provenance: 'message', mitigations: { tagging: true } },
      };
      expect(
        everInfected(s),
        `seed 1; reproduce with everInfected(${JSON.stringify(s)})`,
      ).toHaveLength(n);
    });

    it('keeps the worm with quarantined readers, whose chats lose their instructions', () => {
      const s: Setup = { n, readers, params: all, quarantineReaders: true };
      expect(everInfected(s), `seed 1; reproduce with everInfected(${JSON.stringify(s)})`).toEqual([
        'a0',
        'a1',
      ]);
    });

    it('stops the worm at a gateway that strips every instruction', () => {
      const s: Setup = {
        n,
        readers,
        params: all,
        trust: {
          mitigations: {
            gateway: { zone: 'agents', detectRatio: 1, falsePositiveRatio: 0, action: 'strip' },
          },
        },
      };
      expect(everInfected(s), `seed 1; reproduce with everInfected(${JSON.stringify(s)})`).toEqual(
        [],
      );
    });
  });

  it('keeps its golden trace hash and replays byte for byte', () => {
    const s: Setup = {
      n: 6,
      params: { susceptibility: 0.3, recoveryRatio: 0.2, roundsMax: 8 },
    };
    const scenario: Scenario = {
      ...epidemic(s),
      network: { defaults: { latency: { kind: 'uniform', ticksMin: 1, ticksMax: 3 } } },
    };
    const first = runScenario(scenario, { seed: 7 }).trace;
    expect(runScenario(scenario, { seed: 7 }).trace.toJSONL()).toBe(first.toJSONL());
    expect(first.hash()).toBe('ba572d0ead69791eeb7015bb64ff70543c83b099cddf6d98d10c7ce558af8974');
  });
});
