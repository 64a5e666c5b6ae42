import { describe, expect, it } from 'vitest';
import { CORRECT, debate } from '../../scenarios/protocols/debate.ts';
import { type Json, judge, runScenario, type Scenario } from '../../sim/index.ts';
import { binomialWithin } from '../fixtures/measure.ts';

const REPRO = 'reproduce with runScenario(panel(...), { seed })';

/**
 * n agents on a lossless network (constant latency 1 tick, below the default
 * roundTicks of 10, so every answer of a round arrives within the round).
 * `inputs`, when given, fixes each agent's starting answer.
 */
function panel(n: number, params: Record<string, Json> = {}, inputs?: readonly string[]): Scenario {
  return {
    name: 'debate',
    agents: Array.from({ length: n }, (_, i) => ({
      id: `agent-${i}`,
      protocol: debate,
      params: inputs?.[i] === undefined ? params : { ...params, input: inputs[i] as string },
    })),
    limits: { untilAllDecided: true },
  };
}

/** P(Binomial(n, p) > n / 2). */
function majorityProbability(n: number, p: number): number {
  let total = 0;
  let choose = 1;
  for (let k = 0; k <= n; k++) {
    if (k > n / 2) total += choose * p ** k * (1 - p) ** (n - k);
    choose = (choose * (n - k)) / (k + 1);
  }
  return total;
}

describe('debate or vote', () => {
  it('votes the correct answer with probability P(Binomial(n, a) > n / 2), every agent alike', () => {
    // Binary answers, odd n, lossless: every agent hears all n answers, so each
    // decides the same strict majority, which is correct iff more than n / 2
    // agents started correct (each independently with probability a = 0.6).
    const runs = 2000;
    for (const n of [5, 9]) {
      const scenario = panel(n, { mode: 'vote' });
      let correct = 0;
      for (let seed = 1; seed <= runs; seed++) {
        const { decisions } = runScenario(scenario, { seed, record: false });
        expect(decisions.length, `seed ${seed}, n = ${n}: ${REPRO}`).toBe(n);
        const values = new Set(decisions.map((d) => d.value));
        expect(values.size, `seed ${seed}, n = ${n}: ${REPRO}`).toBe(1);
        if (values.has(CORRECT)) correct++;
      }
      // Measured at seeds 1-2000: n = 5 1319 (expected 1365.1 +- 104.1 at 5 sd),
      // n = 9 1431 (expected 1466.9 +- 98.9).
      const p = majorityProbability(n, 0.6);
      expect(binomialWithin(correct, runs, p), `n = ${n}: ${correct}/${runs} vs ${p}`).toBe(true);
    }
  });

  it('reaches the vote of the initial answers after one round of majority debate, seed for seed', () => {
    // Lossless, conformity 1: in round 1 every agent hears the same n answers
    // and adopts their strict majority, so all hold it from then on. Both modes
    // draw the starting answer first from the agent's own stream, so the
    // starting answers, and hence the outcomes, are the same at every seed.
    for (let seed = 1; seed <= 200; seed++) {
      const voted = runScenario(panel(9, { mode: 'vote' }), { seed, record: false });
      const debated = runScenario(panel(9, { mode: 'debate', rounds: 3 }), {
        seed,
        record: false,
      });
      expect(
        debated.decisions.map((d) => d.value),
        `seed ${seed}: ${REPRO}`,
      ).toEqual(voted.decisions.map((d) => d.value));
    }
  });

  it('keeps the expected share of correct agents at the starting accuracy under random-peer debate', () => {
    // The voter model on a complete lossless graph: in each round every agent
    // copies the previous answer of a peer drawn uniformly from the other
    // n - 1. Given C correct agents, agent i becomes correct with probability
    // (C - [i correct]) / (n - 1), and summing over i gives C: the share F_r
    // of correct agents is a martingale, so E[F_R] = E[F_0] = a. Each F_R lies
    // in [0, 1], so by Hoeffding the mean of m runs is within
    // t = sqrt(ln(2 / delta) / (2 m)) of a except with probability delta.
    // With delta = 1e-6 and m = 3000, t = 0.0492.
    const a = 0.6;
    const n = 9;
    const m = 3000;
    const delta = 1e-6;
    const t = Math.sqrt(Math.log(2 / delta) / (2 * m));
    const scenario = panel(n, { mode: 'debate', rounds: 3, revision: 'random-peer', accuracy: a });
    let sum = 0;
    for (let seed = 1; seed <= m; seed++) {
      const { decisions } = runScenario(scenario, { seed, record: false });
      expect(decisions.length, `seed ${seed}: ${REPRO}`).toBe(n);
      sum += decisions.filter((d) => d.value === CORRECT).length / n;
    }
    const mean = sum / m;
    // Measured at seeds 1-3000: 0.5873 (0.5941 over seeds 1-10000).
    expect(Math.abs(mean - a), `mean share ${mean} over seeds 1-${m} vs ${a} +- ${t}`).toBeLessThan(
      t,
    );
    // The bound can tell debate rules apart: majority revision ends at the
    // initial majority (seed for seed the vote, tested above), whose mean share
    // is P(Binomial(9, 0.6) > 4.5) = 0.733, more than t away.
    const amplified = majorityProbability(n, a);
    expect(Math.abs(mean - amplified), `mean share ${mean} vs ${amplified}`).toBeGreaterThan(t);
  });

  it('flips correct agents to wrong under the pressure of a wrong majority', () => {
    // 2 correct against 3 wrong, majority revision, conformity 1: in round 1
    // both correct agents hear 3 wrong against 2 correct and flip; no one flips
    // back, and all decide 'wrong'.
    const inputs = [CORRECT, CORRECT, 'wrong', 'wrong', 'wrong'];
    const run = runScenario(panel(5, {}, inputs), { seed: 1 });
    const flips = [...run.trace.records()]
      .filter((r) => r.kind === 'note')
      .map((r) => ({ agent: r.agent, ...(r.data as { flip: Record<string, Json> }).flip }));
    expect(flips).toEqual([
      { agent: 'agent-0', round: 1, from: CORRECT, to: 'wrong' },
      { agent: 'agent-1', round: 1, from: CORRECT, to: 'wrong' },
    ]);
    expect(run.decisions.map((d) => d.value)).toEqual(Array(5).fill('wrong'));
  });

  it('breaks a tie in a vote by the answer of the agent listed first', () => {
    // Three wrong answers: 'wrong-2' and 'correct' have two votes each; the
    // first agent listed holds 'wrong-2', so every agent decides it.
    const inputs = ['wrong-2', CORRECT, 'wrong-1', 'wrong-2', CORRECT];
    const run = runScenario(panel(5, { mode: 'vote', wrongAnswers: 3 }, inputs), { seed: 1 });
    expect(run.decisions.map((d) => d.value)).toEqual(Array(5).fill('wrong-2'));
  });

  it('replays a fixed debate to the same trace, with a golden hash', () => {
    const scenario: Scenario = {
      ...panel(7, { mode: 'debate', rounds: 3, revision: 'random-peer', conformity: 0.7 }),
      network: {
        defaults: { dropRatio: 0.1, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 3 } },
      },
    };
    const first = runScenario(scenario, { seed: 42 });
    const again = runScenario(scenario, { seed: 42 });
    expect(again.trace.toJSONL()).toBe(first.trace.toJSONL());
    // The voter model needs more than 3 rounds to agree: here 4 of 7 decide
    // 'correct' and 3 'wrong', so agreement fails while the rest holds.
    expect(judge(first.trace).verdicts.map((v) => v.status)).toEqual([
      'fails',
      'holds',
      'holds',
      'holds',
    ]);
    expect(first.trace.hash()).toBe(
      'f2e59f004bd661a72ab4622cadbee898c34bce547cd1d11640a313e6b1df00a5',
    );
  });
});
