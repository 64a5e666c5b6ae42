import { describe, expect, it } from 'vitest';
import { ATTACK, byzantineOM, majority, RETREAT } from '../../scenarios/protocols/byzantine-om.ts';
import { check, judge, runScenario, type Scenario, viewOf } from '../../sim/index.ts';

/** n generals g0..g(n-1), g0 the commander, running OM(m); `traitors` by index. */
function generals(
  n: number,
  m: number,
  traitors: readonly number[] = [],
  order: string = ATTACK,
): Scenario {
  return {
    name: 'byzantine-om',
    agents: Array.from({ length: n }, (_, i) => ({
      id: `g${i}`,
      protocol: byzantineOM,
      params: { m, order },
      ...(traitors.includes(i) ? { honest: false } : {}),
    })),
    limits: { untilAllDecided: true },
    checks: [{ property: 'agreement' }, { property: 'validity' }],
  };
}

/** Messages OM(m) sends among n generals: (n-1) + (n-1)(n-2) + ... over m + 1 rounds. */
function omMessages(n: number, m: number): number {
  let total = 0;
  let level = 1;
  for (let k = 1; k <= m + 1; k++) {
    level *= n - k;
    total += level;
  }
  return total;
}

const reproduce = (n: number, m: number, traitors: number[], seed: number) =>
  `n = ${n}, m = ${m}, traitors ${JSON.stringify(traitors)}, seed ${seed}; reproduce: runScenario(generals(${n}, ${m}, ${JSON.stringify(traitors)}), { seed: ${seed} })`;

describe('byzantine generals, OM(m)', () => {
  it('takes a strict majority and falls back to retreat on ties and on nothing', () => {
    expect(majority([ATTACK, ATTACK, RETREAT])).toBe(ATTACK);
    expect(majority([ATTACK, RETREAT])).toBe(RETREAT);
    expect(majority([])).toBe(RETREAT);
  });

  it('sends exactly 9, 156 and 3,609 messages for (n, m) = (4, 1), (7, 2), (10, 3)', () => {
    for (const [n, m, expected] of [
      [4, 1, 9],
      [7, 2, 156],
      [10, 3, 3609],
    ] as const) {
      expect(omMessages(n, m)).toBe(expected);
      // Loyal, a traitorous commander, and m traitorous lieutenants: a traitor
      // lies in its values, never in how many messages it sends.
      const lieutenants = Array.from({ length: m }, (_, i) => n - 1 - i);
      for (const traitors of [[], [0], lieutenants]) {
        const seed = 7;
        const run = runScenario(generals(n, m, traitors), { seed });
        const view = viewOf(run.trace);
        const where = reproduce(n, m, traitors, seed);
        expect(view.ofKind('send').length, where).toBe(expected);
        expect(view.ofKind('deliver').length, where).toBe(expected);
        expect(view.ofKind('drop').length, where).toBe(0);
        // Every loyal general decides (n - |traitors|, the loyal commander included).
        expect(run.decisions.length, where).toBe(n - traitors.length);
        // n > 3m in all three, so OM(m) masks up to m traitors.
        const statuses = judge(run.trace).verdicts.map((v) => `${v.property} ${v.status}`);
        expect(statuses, where).toEqual(['agreement holds', 'validity holds']);
        if (traitors.length === 0)
          expect(
            run.decisions.every((d) => d.value === ATTACK),
            where,
          ).toBe(true);
      }
    }
  });

  it('with n = 3, f = 1 parley finds a run where loyal agents disagree', () => {
    // The traitor's place turns with the seed: g0 (commander), g1, g2.
    const seedsMax = 50;
    const found: { seed: number; traitor: number; summary: string; ic2: string }[] = [];
    for (let seed = 1; seed <= seedsMax && found.length === 0; seed++) {
      const traitor = seed % 3;
      const run = runScenario(generals(3, 1, [traitor]), { seed });
      const view = viewOf(run.trace);
      const agreement = check(view, 'agreement');
      if (agreement.status === 'fails') {
        found.push({
          seed,
          traitor,
          summary: agreement.summary,
          ic2: check(view, 'validity').summary,
        });
        // A loyal commander ordered attack and a loyal lieutenant retreated:
        // IC2 (validity: loyal lieutenants obey a loyal commander) fails too.
        expect(traitor, `seed ${seed}`).not.toBe(0);
        expect(check(view, 'validity').status, `seed ${seed}`).toBe('fails');
      }
    }
    expect(found.length, `no disagreement among 3 generals in seeds 1..${seedsMax}`).toBe(1);
    const [first] = found;
    console.info(
      `n = 3, f = 1: first disagreement at seed ${first?.seed} (traitor g${first?.traitor}): ${first?.summary}; IC2: ${first?.ic2}`,
    );
  });

  it('with n = 3, f = 1 a traitorous commander alone cannot split the lieutenants, since both take the majority of the same two values', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const run = runScenario(generals(3, 1, [0]), { seed, record: false });
      const values = new Set(run.decisions.map((d) => d.value));
      expect(values.size, reproduce(3, 1, [0], seed)).toBe(1);
    }
  });

  it('with n = 4, f = 1 none in 10,000 seeds', () => {
    const checks = [
      { property: 'agreement', expect: 'holds' },
      { property: 'validity', expect: 'holds' },
    ] as const;
    let byCommander = 0;
    for (let seed = 1; seed <= 10_000; seed++) {
      const traitor = seed % 4;
      const run = runScenario(generals(4, 1, [traitor]), { seed });
      const { met, verdicts } = judge(run.trace, checks);
      // Validity holds vacuously with a traitorous commander (no loyal input).
      if (!met)
        expect.fail(
          `${verdicts.map((v) => `${v.property}: ${v.summary}`).join('; ')} (${reproduce(4, 1, [traitor], seed)})`,
        );
      expect(run.decisions.length, reproduce(4, 1, [traitor], seed)).toBe(3);
      if (traitor === 0) byCommander++;
    }
    expect(byCommander).toBe(2500);
  });

  it('with n = 7, m = 2 and two traitors agreement and validity hold in every seed', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const traitors = [seed % 7, (seed + 1 + (seed % 5)) % 7];
      const run = runScenario(generals(7, 2, traitors, seed % 2 === 0 ? ATTACK : RETREAT), {
        seed,
      });
      const { met, verdicts } = judge(run.trace);
      if (!met || verdicts.some((v) => v.status !== 'holds'))
        expect.fail(
          `${verdicts.map((v) => `${v.property}: ${v.summary}`).join('; ')} (${reproduce(7, 2, traitors, seed)})`,
        );
    }
  });

  it('needs every message within roundTicks: with latency 1-3 it agrees at roundTicks = 3 and can break at roundTicks = 1', () => {
    const withLatency = (roundTicks: number): Scenario => {
      const base = generals(4, 1);
      return {
        ...base,
        agents: base.agents.map((a) => ({ ...a, params: { m: 1, roundTicks } })),
        network: { defaults: { latency: { kind: 'uniform', ticksMin: 1, ticksMax: 3 } } },
      };
    };
    let late = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const slow = runScenario(withLatency(3), { seed, record: false });
      expect(
        slow.decisions.map((d) => d.value),
        `roundTicks 3, seed ${seed}`,
      ).toEqual([ATTACK, ATTACK, ATTACK, ATTACK]);
      const fast = runScenario(withLatency(1), { seed, record: false });
      if (fast.decisions.some((d) => d.value === RETREAT)) late++;
    }
    // At roundTicks = 1 the deadline is tick 3: a lieutenant misses the
    // commander's order or a relay and counts it as 'retreat'.
    expect(late).toBeGreaterThan(0);
  });

  it('gives the golden trace for n = 4, m = 1 with a traitorous lieutenant at seed 6, and the same trace twice', () => {
    // At seed 6 the traitor g2 relays 'retreat' to both loyal lieutenants,
    // who still decide 'attack': 2 of their 3 values say attack.
    const scenario = generals(4, 1, [2]);
    const a = runScenario(scenario, { seed: 6 });
    const b = runScenario(scenario, { seed: 6 });
    expect(a.trace.toJSONL()).toBe(b.trace.toJSONL());
    const lies = viewOf(a.trace)
      .ofKind('send')
      .filter((r) => r.agent === 'g2' && (r.data as { value: string }).value === RETREAT);
    expect(lies.length).toBe(2);
    expect(a.decisions.map((d) => `${d.agent} ${String(d.value)}`)).toEqual([
      'g0 attack',
      'g1 attack',
      'g3 attack',
    ]);
    expect(a.trace.hash()).toBe('39023e17dad36e0c2e1930d94002c884b358a2f027e54eee9ebe5cce09c3f126');
  });
});
