import { describe, expect, it } from 'vitest';
import {
  type Attack,
  compromised,
  plurality,
  type Tally,
} from '../../scenarios/protocols/compromised.ts';
import { type Json, judge, runScenario, type Scenario } from '../../sim/index.ts';

/**
 * The compromised agent `c` listed first (so at equal latency its copies
 * arrive first), then honest agents with the given votes; constant 1-tick
 * latency, so every vote arrives by tick 2 and the deadline is tick 10.
 */
function election(
  attack: Attack,
  tally: Tally,
  votes: Record<string, Json>,
  c: Record<string, Json> = {},
): Scenario {
  return {
    name: `compromised-${attack}-${tally}`,
    agents: [
      { id: 'c', protocol: compromised, honest: false, params: { tally, attack, ...c } },
      ...Object.entries(votes).map(([id, input]) => ({
        id,
        protocol: compromised,
        params: { tally, input },
      })),
    ],
    network: { defaults: { latency: { kind: 'constant', ticks: 1 } } },
    checks: [{ property: 'agreement' }, { property: 'validity' }],
  };
}

/** Each honest agent's decision, and the agreement and validity verdicts. */
function outcome(s: Scenario, seed = 1) {
  const run = runScenario(s, { seed });
  const decided = Object.fromEntries(run.decisions.map((d) => [d.agent, d.value]));
  const [agreement, validity] = judge(run.trace).verdicts.map((v) => v.status);
  return { decided, agreement, validity, trace: run.trace };
}

describe('a compromised agent against a naive vote', () => {
  it('decides by plurality with ties to the first JSON text', () => {
    expect(plurality(['y', 'x', 'y'])).toBe('y');
    expect(plurality(['y', 'x'])).toBe('x');
    expect(plurality([])).toBe(null);
  });

  it('leaves the honest majority alone when it does not attack', () => {
    for (const tally of ['naive', 'sender'] as const) {
      const o = outcome(election('none', tally, { a: 'x', b: 'x', d: 'y' }, { input: 'z' }));
      expect(o.decided, `tally ${tally}, seed 1`).toEqual({ a: 'x', b: 'x', d: 'x' });
      expect([o.agreement, o.validity]).toEqual(['holds', 'holds']);
    }
  });

  it('splits three agents by equivocating, under either tally (n <= 3f)', () => {
    for (const tally of ['naive', 'sender'] as const) {
      const o = outcome(election('equivocate', tally, { a: 'x', b: 'y' }));
      // c echoes each agent's own vote back to it: 2 votes to 1 for each side.
      expect(o.decided, `tally ${tally}, seed 1`).toEqual({ a: 'x', b: 'y' });
      expect(o.agreement).toBe('fails');
      const sends = [...o.trace.records()].filter((r) => r.kind === 'send' && r.agent === 'c');
      expect(sends.map((r) => [r.peer, r.data])).toEqual([
        ['a', { type: 'vote', value: 'x' }],
        ['b', { type: 'vote', value: 'y' }],
      ]);
    }
  });

  it('makes every honest agent decide a value no honest agent proposed by forging votes', () => {
    // Honest x, x, y; c forges z as the two others to each honest agent, then votes z.
    const votes = { a: 'x', b: 'x', d: 'y' };
    // Naive: a counts x (own), z z (forged), z (c), x (b), y (d): z 3, x 2.
    // Sender: the forgeries arrive first and take b's and d's places: z 3, x 1.
    for (const tally of ['naive', 'sender'] as const) {
      const o = outcome(election('forge', tally, votes, { input: 'z' }));
      expect(o.decided, `tally ${tally}, seed 1`).toEqual({ a: 'z', b: 'z', d: 'z' });
      expect([o.agreement, o.validity]).toEqual(['holds', 'fails']);
    }
    const run = runScenario(election('forge', 'naive', votes, { input: 'z' }), { seed: 1 });
    const records = [...run.trace.records()];
    // 3 receivers x 2 impersonated agents: each forged send follows its note.
    const forged = records.filter((r) => r.kind === 'note' && r.agent === 'c');
    expect(forged).toHaveLength(6);
    for (const n of forged) expect(records[n.seq + 1]).toMatchObject({ kind: 'send', agent: 'c' });
    // The trace names the true sender of what a received; a saw the first two as from b and d.
    const toA = records.filter((r) => r.kind === 'deliver' && r.agent === 'a').map((r) => r.peer);
    expect(toA).toEqual(['c', 'c', 'c', 'b', 'd']);
    expect(forged.filter((r) => records[r.seq + 1]?.peer === 'a').map((r) => r.data)).toEqual([
      { forge: 'b' },
      { forge: 'd' },
    ]);
  });

  it('splits the honest agents by replaying one vote under the naive tally, and not under the sender tally', () => {
    // Honest x, y, y; c votes y, then replays a's x three times to b and d.
    const votes = { a: 'x', b: 'y', d: 'y' };
    const c = { input: 'y', replayFrom: 'a', replays: 3 };
    const naive = outcome(election('replay', 'naive', votes, c));
    // b and d count x 4 times (a + 3 replays) against y 3 times; a never sees the replays.
    expect(
      naive.decided,
      "seed 1; reproduce with outcome(election('replay', 'naive', votes, c))",
    ).toEqual({ a: 'y', b: 'x', d: 'x' });
    expect([naive.agreement, naive.validity]).toEqual(['fails', 'holds']);
    const replayed = [...naive.trace.records()].filter((r) => r.kind === 'send' && r.tick === 1);
    expect(replayed.map((r) => [r.agent, r.peer, r.data])).toEqual([
      ...Array.from({ length: 3 }, () => ['c', 'b', { type: 'vote', value: 'x' }]),
      ...Array.from({ length: 3 }, () => ['c', 'd', { type: 'vote', value: 'x' }]),
    ]);
    // One vote per sender: c's own vote arrived at tick 1, its replays at tick 2.
    const sender = outcome(election('replay', 'sender', votes, c));
    expect(
      sender.decided,
      "seed 1; reproduce with outcome(election('replay', 'sender', votes, c))",
    ).toEqual({ a: 'y', b: 'y', d: 'y' });
    expect([sender.agreement, sender.validity]).toEqual(['holds', 'holds']);
  });

  it('ignores the attack parameter of an honest agent', () => {
    const s = election('none', 'naive', { a: 'x' });
    const honest: Scenario = {
      ...s,
      agents: s.agents.map((a) =>
        a.id === 'c' ? { ...a, honest: true, params: { attack: 'forge' } } : a,
      ),
    };
    // c votes its id like any honest agent; a ties x and c and takes 'c', the first JSON text.
    expect(outcome(honest).decided).toEqual({ a: 'c', c: 'c' });
  });

  it('keeps its golden trace hash and replays byte for byte', () => {
    const scenario: Scenario = {
      ...election('replay', 'naive', { a: 'x', b: 'y', d: 'y' }, { input: 'y', replays: 2 }),
      network: { defaults: { latency: { kind: 'uniform', ticksMin: 1, ticksMax: 3 } } },
    };
    const first = runScenario(scenario, { seed: 3 }).trace;
    expect(runScenario(scenario, { seed: 3 }).trace.toJSONL()).toBe(first.toJSONL());
    expect(first.hash()).toBe('12aac57f2d60427a38856b3324336df8db11785d443f54e3703dc8b04b320143');
  });
});
