import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { loadNamed } from '../../cli/catalog.ts';
import { benOr } from '../../scenarios/protocols/ben-or.ts';
import { bindAgentStream, choose, coin, random } from '../../sim/effects.ts';
import { explore, scheduleChooser } from '../../sim/explore.ts';
import { createSimulation, runScenario } from '../../sim/index.ts';
import { deriveStream } from '../../sim/rng.ts';
import type { AgentInput, Scenario } from '../../sim/spec.ts';
import { pingPong } from './ping.ts';
import { replayViolation } from './replay.ts';

/** Ben-Or, n = 3, f = 1 (each wait is for 2 of 3), no safety limit within reach. */
const benOr3 = (coinKind: 'random' | 'deterministic', inputs: string): Scenario => ({
  name: `ben-or-3-${coinKind}-${inputs}`,
  agents: [...inputs].map((input, i) => ({
    id: `p${i}`,
    protocol: benOr,
    params: { input: Number(input), coin: coinKind, faults: 1, roundsMax: 10_000 },
  })),
});

describe('marked draws: choose and coin', () => {
  it('outside exploration, choose(options) is one draw, floor(random() * options): choose(2) is random() < 0.5 ? 0 : 1 bit for bit', () => {
    const draws = (f: () => number) => {
      bindAgentStream(deriveStream(7, 'agent/x'));
      try {
        return Array.from({ length: 1000 }, f);
      } finally {
        bindAgentStream(null);
      }
    };
    expect(draws(() => coin())).toEqual(draws(() => (random() < 0.5 ? 0 : 1)));
    expect(draws(() => choose(3, 'three'))).toEqual(draws(() => Math.floor(random() * 3)));
    expect(() => draws(() => choose(0, 'none'))).toThrow(/options is a whole number from 1/);
  });

  it('draw points by hand: two agents each tossing one coin when they start, 4 schedules and 7 states; a three-sided draw, 9 schedules', () => {
    // States: before anything (1); after a starts, a's coin 0 or 1 (2); after b starts,
    // both coins (4): 1 + 2 + 4 = 7, and a schedule per pair of coins.
    const tossing = (sides: number): Scenario => {
      const machine = setup({
        types: { context: {} as { x: number }, input: {} as AgentInput },
      }).createMachine({
        context: { x: -1 },
        entry: assign({ x: () => (sides === 2 ? coin('toss') : choose(sides, 'toss')) }),
      });
      const protocol = { name: 'toss', machine };
      return {
        name: `toss-${sides}`,
        agents: [
          { id: 'a', protocol },
          { id: 'b', protocol },
        ],
      };
    };
    const r = explore(tossing(2), {});
    expect(r.schedules).toBe(4);
    expect(r.states).toBe(7);
    expect(r.exhausted).toBe(true);
    expect(explore(tossing(3), { prune: false }).schedules).toBe(9);
  });

  it("Ben-Or's random coin is a choice point: the draws are in the schedule, labelled coin, and the schedule makes them again", () => {
    // Inputs 0, 1, 1 and latency 1: every agent reads p0's and p1's reports first,
    // proposes '?', and tosses its coin at the end of round 1.
    const chooser = scheduleChooser({ latencies: [1], losses: 0, choices: [1, 1, 1] });
    const r = runScenario(benOr3('random', '011'), { seed: 1, chooser });
    const draws = chooser.made.filter((c) => c.kind === 'draw');
    expect(draws.slice(0, 3).map((c) => [c.from, c.type, c.latency])).toEqual([
      ['p0', 'coin', 1],
      ['p1', 'coin', 1],
      ['p2', 'coin', 1],
    ]);
    // All three coins 1: round 2 is unanimous, everyone decides 1.
    expect(r.decisions.map((d) => d.value)).toEqual([1, 1, 1]);
  });

  it('the fast path takes the same chosen coins: 200 coin schedules of inputs 0, 1, 1 give the same trace on xstate and on the fast path', () => {
    const scenario = benOr3('random', '011');
    for (let k = 0; k < 200; k++) {
      // The k-th coin vector: its bits, one per draw, the rest taking 0.
      const choices = Array.from({ length: 8 }, (_, i) => (k >> i) & 1);
      const spec = { latencies: [1], losses: 0, choices };
      const xstate = runScenario(scenario, {
        seed: 1,
        engine: 'xstate',
        chooser: scheduleChooser(spec),
      });
      const fast = runScenario(scenario, {
        seed: 1,
        engine: 'fast',
        chooser: scheduleChooser(spec),
      });
      expect(fast.trace.hash()).toBe(xstate.trace.hash());
    }
  });
});

describe('FLP: Ben-Or, n = 3, f = 1, inputs 0, 0, 1, latencies 1, 2, rounds taken relative to the lowest', () => {
  it('with the deterministic coin, exploration finds a schedule that never decides: a cycle of states (34531 states, every schedule of at most 13 choice points)', () => {
    const scenario = benOr3('deterministic', '001');
    const r = explore(scenario, { liveness: true, latencies: [1, 2], depth: 13 });
    const v = r.violation;
    if (v === undefined) throw new Error('no cycle found');
    expect(r.states).toBe(34531);
    expect(v.kind).toBe('cycle');
    expect(v.property).toBe('termination');
    expect(v.cycleFrom).toBe(20);
    expect(v.eventsMax).toBe(38);
    // The schedule goes round: the state after 20 events comes back after 38 (a round
    // later: every round is shifted by one), and nobody decided.
    const sim = createSimulation(scenario, {
      seed: 1,
      chooser: scheduleChooser({ latencies: [1, 2], losses: 0, choices: v.vector }),
    });
    const at: string[] = [];
    while (sim.events < 38 && sim.step()) if (sim.events === 20) at.push(sim.fingerprint());
    at.push(sim.fingerprint());
    expect(at[0]).toBe(at[1]);
    expect(sim.result().decisions).toEqual([]);
    // The trace is an ordinary one: the schedule, stopped at eventsMax 38, makes it again.
    const again = replayViolation(scenario, v, {
      latencies: [1, 2],
      losses: 0,
      duplicates: 0,
      crashes: 0,
    });
    expect(again.trace.hash()).toBe(v.trace.hash());
  });

  it("with Ben-Or's coin marked as a choice: no fair non-deciding cycle and every complete run decided, within 13 choice points (34267 states; past them each choice takes its first option)", () => {
    const r = explore(benOr3('random', '001'), { liveness: true, latencies: [1, 2], depth: 13 });
    expect(r.violation).toBeUndefined();
    expect(r.states).toBe(34267);
    expect(r.bounds).toEqual(['depth']);
  });

  it('with the coin a choice and latency 1, inputs 0, 1, 1: the space is exhausted, 243 states; 12 cycles through a coin, none a fair coin stays in; every complete run decided', () => {
    // Each round every agent reads p0's and p1's reports first: with x = 0, 1, * it proposes
    // '?' and tosses; coins giving back 0, 1, * repeat the round (a cycle through the coins,
    // unfair), a coin that makes p0 and p1 agree ends it.
    const r = explore(benOr3('random', '011'), { liveness: true, latencies: [1], depth: 100 });
    expect(r.violation).toBeUndefined();
    expect(r.exhausted).toBe(true);
    expect(r.states).toBe(243);
    expect(r.unfairCycles).toBe(12);
    // The deterministic coin keeps the split with no choice at all: x stays 0, 1, 1.
    const d = explore(benOr3('deterministic', '011'), { liveness: true, latencies: [1] });
    expect(d.violation?.kind).toBe('cycle');
    expect(d.violation?.vector).toEqual([]);
  });
});

describe('restarts and partition timings as choices', () => {
  it('partition points by hand: one ping each way, latency 1, groups a | b, at most one start: 8 schedules; two starts: 9', () => {
    // Events: start a, start b, a's ping delivered, b's ping delivered; before each, start
    // (or, in force, heal). A partition in force at a send drops the copy then (no delivery).
    //   start before start a: a's ping dropped; before start b, heal (b's ping goes, no point
    //     after a heal) or not (b's dropped, quiescent): 2.
    //   not: before start b, start (b's ping dropped; before a's delivery heal or not: 2)
    //     or not (before a's delivery start, then heal or not before b's: 2; or not, then
    //     start or not before b's: 2): 2 + 4.
    //   2 + 6 = 8. With two starts, a heal before start b leaves a start point before b's
    //   delivery (the last event): one more, 9.
    const groups = [['a'], ['b']];
    expect(
      explore(pingPong, { partitions: 1, partition: groups, latencies: [1], prune: false })
        .schedules,
    ).toBe(8);
    expect(
      explore(pingPong, { partitions: 2, partition: groups, latencies: [1], prune: false })
        .schedules,
    ).toBe(9);
  });

  it('restart points by hand: one ping each way, latency 1, one crash and one restart: 15 schedules', () => {
    // The 6 crash schedules (crash a before start b; a or b before each delivery; none),
    // each crash followed, before each later event and right after it, by a restart point:
    //   a before start b: restart now (1), or before a's delivery (1), or before b's (1), or never (1): 4;
    //   a before a's delivery: now, before b's, never: 3;  b likewise: 3;
    //   a before b's delivery: now or never: 2;  b likewise: 2;  no crash: 1.
    //   4 + 3 + 3 + 2 + 2 + 1 = 15.
    const r = explore(pingPong, { crashes: 1, restarts: 1, latencies: [1], prune: false });
    expect(r.schedules).toBe(15);
    expect(r.exhausted).toBe(true);
    // A restart is recorded as a crash fault's would be, and replays.
    const chooser = scheduleChooser({
      latencies: [1],
      losses: 0,
      crashes: 1,
      restarts: 1,
      choices: [1, 1],
    });
    const t = runScenario(pingPong, { seed: 1, chooser }).trace;
    const kinds = [...t.records()].map((x) => x.kind);
    expect(kinds.filter((k) => k === 'crash' || k === 'restart')).toEqual(['crash', 'restart']);
    expect(t.manifest.choices).toMatchObject({ crashes: 1, restarts: 1, choices: [1, 1] });
  });
});

describe('majority vote over the exhausted space of partition timings (the scenario’s groups a, b, c | d, e; latency 1)', () => {
  const majority = (quorum: 'local' | 'strict', resendsMax: number) =>
    loadNamed('majority-vote-partition', {
      overrides: [`params.quorum=${quorum}`, `params.resendsMax=${resendsMax}`],
    }).scenario;
  const timings = { partitions: 1, latencies: [1], depth: 100 } as const;

  it('the local count splits the brain: the partition starting after the votes left, before they land', () => {
    const r = explore(majority('local', 0), timings);
    expect(r.violation?.property).toBe('agreement');
    const starts = r.violation?.choices.filter((c) => c.latency === 'start') ?? [];
    expect(starts.length).toBe(1);
    // Replayed from the manifest's choices: the scenario's fixed partition is not scheduled.
    expect(r.violation?.trace.manifest.choices).toMatchObject({
      partitions: 1,
      partitionGroups: [
        ['a', 'b', 'c'],
        ['d', 'e'],
      ],
      partitionFault: 0,
    });
  });

  it('the strict quorum never splits: resendsMax 0, 828 states; resendsMax 1, 2146 states; one start and heal, exhausted', () => {
    for (const [resends, states] of [
      [0, 828],
      [1, 2146],
    ] as const) {
      const r = explore(majority('strict', resends), timings);
      expect(r.violation).toBeUndefined();
      expect(r.exhausted).toBe(true);
      expect(r.states).toBe(states);
    }
  });

  it('refuses --partitions without groups, and groups naming no agent', () => {
    expect(() => explore(pingPong, { partitions: 1 })).toThrow(/--partitions needs --partition/);
    expect(() => explore(pingPong, { partitions: 1, partition: [['a'], ['z']] })).toThrow(
      /--partition names "z"/,
    );
  });
});
