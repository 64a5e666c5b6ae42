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

/** z for the sampling bounds of the random-peer tests: a false alarm about once in 1.7 million per bound. */
const Z = 5;

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

  describe('random peers: each agent chats with m peers drawn afresh each round', () => {
    const random = (m: number, more: Record<string, Json> = {}) => ({
      contacts: 'random-peers',
      peersPerRound: m,
      ...more,
    });

    it('sends m chats a round to m distinct peers, uniformly, never to itself', () => {
      const n = 10;
      const m = 3;
      const rounds = 200;
      const s: Setup = { n, params: random(m, { susceptibility: 0, roundsMax: rounds }) };
      const sends = [...runScenario(epidemic(s), { seed: 4 }).trace.records()].filter(
        (r) => r.kind === 'send',
      );
      const byRound = new Map<string, string[]>();
      for (const r of sends) {
        const key = `${r.agent} ${r.tick}`;
        byRound.set(key, [...(byRound.get(key) ?? []), r.peer as string]);
      }
      expect(byRound.size, 'seed 4').toBe(n * rounds);
      for (const [key, peers] of byRound) {
        expect(peers, `${key}, seed 4`).toHaveLength(m);
        expect(new Set(peers).size, `${key}, seed 4`).toBe(m);
        expect(peers, `${key}, seed 4`).not.toContain(key.split(' ')[0]);
      }
      // a0 reaches each of the 9 others in a round with probability m / (n - 1),
      // independently from round to round: Binomial(rounds, 1/3) chats each.
      for (let i = 1; i < n; i++) {
        const got = sends.filter((r) => r.agent === 'a0' && r.peer === `a${i}`).length;
        expect(binomialWithin(got, rounds, m / (n - 1)), `a0 -> a${i}: ${got}, seed 4`).toBe(true);
      }
    });

    it('draws from its neighbours, and chats with all of them when it has m or fewer', () => {
      const NEIGHBORS: (string[] | undefined)[] = [
        ['a1', 'a2', 'a3'],
        ['a4', 'a5'],
      ];
      const s: Setup = { n: 6, params: random(2, { susceptibility: 0, roundsMax: 20 }) };
      const scenario = epidemic(s);
      const few: Scenario = {
        ...scenario,
        agents: scenario.agents.map((a, i) => ({
          ...a,
          params: {
            ...a.params,
            ...(NEIGHBORS[i] === undefined ? {} : { neighbors: NEIGHBORS[i] }),
          },
        })),
      };
      const sends = [...runScenario(few, { seed: 2 }).trace.records()].filter(
        (r) => r.kind === 'send',
      );
      const of = (agent: string) => sends.filter((r) => r.agent === agent).map((r) => r.peer);
      expect(of('a0'), 'seed 2').toHaveLength(40);
      expect(new Set(of('a0')), 'seed 2').toEqual(new Set(['a1', 'a2', 'a3']));
      expect(of('a1'), 'seed 2').toEqual(Array.from({ length: 20 }, () => ['a4', 'a5']).flat());
    });

    it('infects Binomial(m, β) peers of the reader in round 1', () => {
      // The reader follows the page for sure and chats with m peers in round 1,
      // each following with β: over all seeds, Binomial(seeds m, β) newly infected.
      const n = 20;
      const m = 3;
      const beta = 0.3;
      const seeds = 300;
      const s: Setup = {
        n,
        params: random(m, { susceptibility: beta, recoveryRatio: 0, roundsMax: 1 }),
      };
      let fresh = 0;
      for (let seed = 1; seed <= seeds; seed++) fresh += infectedAtEnd(s, seed) - 1;
      expect(
        binomialWithin(fresh, seeds * m, beta),
        `${fresh} newly infected over seeds 1..${seeds}, expected ${seeds * m * beta}; reproduce with infectedAtEnd(${JSON.stringify(s)}, seed)`,
      ).toBe(true);
    });

    it('dies out below β m / δ = 1, where all neighbours on the same graph are far above threshold', () => {
      // Agent j chats with each of its d_j neighbours with probability m / d_j a
      // round, so the union bound of the header reads p(t + 1) <=
      // ((1 - δ) I + β M) p(t) with every column of M summing to m: the expected
      // number infected after R rounds is at most ρ^R, ρ = 1 - δ + β m, from one
      // reader. Here β m / δ = 0.5, ρ = 0.8: a run is still infected after 40
      // rounds with probability at most 0.8^40 = 1.3e-4 (Markov), and the count
      // of such runs is bounded as a Binomial(seeds, ρ^R) count. With every
      // neighbour each round the same β and δ give β (n - 1) / δ = 4.75: the
      // reader dies out before infecting anyone with probability about
      // δ (1 - β)^19 / (1 - (1 - δ)(1 - β)^19) = 0.06, and afterwards the
      // infection holds most agents; so well over half the runs are still infected
      // (20 seeds: at most 10 alive has probability below 1e-9 at 0.94 each).
      const n = 20;
      const beta = 0.1;
      const delta = 0.4;
      const m = 2;
      const rounds = 40;
      const seeds = 100;
      const rho = 1 - delta + beta * m;
      const pAlive = rho ** rounds;
      const base = { susceptibility: beta, recoveryRatio: delta, roundsMax: rounds };
      const sparse: Setup = { n, params: random(m, base) };
      const dense: Setup = { n, params: base };
      let aliveSparse = 0;
      let aliveDense = 0;
      const denseSeeds = 20;
      for (let seed = 1; seed <= seeds; seed++) {
        if (infectedAtEnd(sparse, seed) > 0) aliveSparse++;
        if (seed <= denseSeeds && infectedAtEnd(dense, seed) > 0) aliveDense++;
      }
      const aliveMax = seeds * pAlive + Z * Math.sqrt(seeds * pAlive * (1 - pAlive));
      expect(
        aliveSparse,
        `${aliveSparse} of ${seeds} runs with random peers still infected, at most ${aliveMax.toFixed(2)} allowed (ρ = ${rho}); reproduce with infectedAtEnd(${JSON.stringify(sparse)}, seed)`,
      ).toBeLessThanOrEqual(aliveMax);
      expect(
        aliveDense,
        `${aliveDense} of ${denseSeeds} runs with all neighbours still infected; reproduce with infectedAtEnd(${JSON.stringify(dense)}, seed)`,
      ).toBeGreaterThan(denseSeeds / 2);
    });

    it('persists above it at the plateau of the discrete rounds, not at the continuous-time 1 - δ / (β m)', () => {
      // With I infected at the start of a round, a clean agent escapes each
      // infected agent's chats with probability 1 - q, q = β m / (n - 1) (that
      // agent picks it with probability m / (n - 1), independently of the
      // others), and an infected one stays so unless it recovers (δ) and
      // escapes the I - 1 others; exactly,
      //   E[I' | I] = (n - I)(1 - (1 - q)^I) + I (1 - δ (1 - q)^(I - 1)) = n f(I / n),
      // f(i) -> 1 - (1 - (1 - δ) i) e^(-β m i) as n grows. The plateau is the
      // fixed point i* of f: 0.841 here, against 1 - δ / (β m) = 0.75 for
      // the continuous-time equation di/dt = β m i (1 - i) - δ i, since a
      // round lets an agent that just recovered be infected again and many
      // infections of one round each count in full. Around i* the fraction
      // moves as i' = f(i) + ε with Var ε = v / n, v = (1 - i) p (1 - p) +
      // i r (1 - r), p = 1 - e^(-β m i), r = 1 - δ e^(-β m i) (agents treated as
      // independent); so at stationarity Var i = v / (n (1 - f'^2)) and the
      // mean sits f'' Var i / (2 (1 - f')) from i*, -0.0006 at n = 200 (the
      // curvature of f, second order). Half the agents read the page, so a run
      // starts near the plateau and reaches it within a few rounds (|f'| = 0.48
      // a round; 0.48^20 < 1e-6).
      const n = 200;
      const beta = 0.5;
      const m = 2;
      const delta = 0.25;
      const seeds = 30;
      const s: Setup = {
        n,
        readers: n / 2,
        params: random(m, { susceptibility: beta, recoveryRatio: delta, roundsMax: 20 }),
      };
      const q = (beta * m) / (n - 1);
      const f = (i: number) => {
        const I = i * n;
        return ((n - I) * (1 - (1 - q) ** I) + I * (1 - delta * (1 - q) ** (I - 1))) / n;
      };
      let plateau = 0.5;
      for (let k = 0; k < 1000; k++) plateau = f(plateau);
      const h = 1e-4;
      const slope = (f(plateau + h) - f(plateau - h)) / (2 * h);
      const curvature = (f(plateau + h) - 2 * f(plateau) + f(plateau - h)) / (h * h);
      const p = 1 - Math.exp(-beta * m * plateau);
      const r = 1 - delta * Math.exp(-beta * m * plateau);
      const v = (1 - plateau) * p * (1 - p) + plateau * r * (1 - r);
      const variance = v / (n * (1 - slope * slope));
      const bias = (curvature * variance) / (2 * (1 - slope));
      const continuous = 1 - delta / (beta * m);
      const fractions = Array.from({ length: seeds }, (_, i) => infectedAtEnd(s, i + 1) / n);
      const mean = fractions.reduce((x, y) => x + y, 0) / seeds;
      const sd = Math.sqrt(fractions.reduce((x, y) => x + (y - mean) ** 2, 0) / (seeds - 1));
      // The sampling bound takes the larger of the measured and the derived sd.
      const tolerance = (Z * Math.max(sd, Math.sqrt(variance))) / Math.sqrt(seeds) + Math.abs(bias);
      const how = `mean final fraction ${mean.toFixed(4)} (sd ${sd.toFixed(4)}, derived ${Math.sqrt(variance).toFixed(4)}) over seeds 1..${seeds} vs plateau ${plateau.toFixed(4)} ± ${tolerance.toFixed(4)} (bias ${bias.toFixed(5)}), continuous time ${continuous}; reproduce with infectedAtEnd(${JSON.stringify(s)}, seed)`;
      expect(Math.abs(mean - plateau), how).toBeLessThanOrEqual(tolerance);
      expect(mean - tolerance, how).toBeGreaterThan(continuous);
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
