import { describe, expect, it } from 'vitest';
import { loadNamed } from '../../cli/catalog.ts';
import { check, viewOf } from '../../sim/checkers/index.ts';
import { explore, scheduleChooser } from '../../sim/explore.ts';
import { createSimulation, runScenario } from '../../sim/index.ts';
import type { Scenario } from '../../sim/spec.ts';
import { pingPong } from './ping.ts';
import { replayViolation } from './replay.ts';

const generals = (hops: number) =>
  loadNamed('two-generals', { overrides: [`params.hops=${hops}`, 'network.dropRatio=0'] }).scenario;
const majority = (quorum: 'local' | 'strict', resendsMax: number) =>
  loadNamed('majority-vote-partition', {
    overrides: [`params.quorum=${quorum}`, `params.resendsMax=${resendsMax}`],
  }).scenario;

describe('explore: two generals with k hops and one loss', () => {
  for (const k of [1, 2, 3]) {
    it(`k = ${k}: iterative deepening finds a disagreement with exactly one loss, the last hop, at ${k} choice points; none with fewer`, () => {
      const r = explore(generals(k), { losses: 1, strategy: 'iddfs' });
      const v = r.violation;
      expect(v?.property).toBe('agreement');
      expect(r.depth).toBe(k);
      expect(v?.losses).toBe(1);
      expect(v?.choices.length).toBe(k);
      expect(v?.choices.filter((c) => c.latency === 'lost').length).toBe(1);
      expect(v?.choices.at(-1)?.latency).toBe('lost');
      expect(v?.choices.at(-1)?.type).toBe('hop');
      // Minimal: at depth k - 1 (later choice points take their first option, delivered) there is none.
      const shorter = explore(generals(k), { losses: 1, depth: k - 1 });
      expect(shorter.violation).toBeUndefined();
      expect(shorter.exhausted).toBe(false);
      expect(shorter.bounds).toEqual(['depth']);
    });
  }

  it('the violating trace is an ordinary trace: its manifest keeps the choices, the schedule makes it again, and agreement fails in it', () => {
    const v = explore(generals(2), { losses: 1, strategy: 'iddfs' }).violation;
    if (v === undefined) throw new Error('no violation');
    const spec = { latencies: [1, 2], losses: 1, duplicates: 0, crashes: 0, choices: v.vector };
    expect(v.trace.manifest.choices).toEqual(spec);
    // Stopped at the violating state, the first decision that disagrees.
    expect(v.eventsMax).toBeGreaterThan(0);
    expect(['eventsMax', 'quiescent']).toContain(v.trace.stop?.reason);
    const scenario = generals(2);
    const again = runScenario(
      { ...scenario, limits: { ...scenario.limits, eventsMax: v.eventsMax ?? 0 } },
      { seed: 1, chooser: scheduleChooser(spec) },
    );
    expect(again.trace.hash()).toBe(v.trace.hash());
    expect(check(viewOf(v.trace), 'agreement').status).toBe('fails');
    expect([...v.trace.records()].filter((r) => r.kind === 'drop').map((r) => r.data)).toEqual([
      'loss',
    ]);
  });

  it('without losses, the generals always agree: the space (latencies 1, 2) is exhausted with no violation', () => {
    for (const k of [1, 2, 3]) {
      const r = explore(generals(k), { losses: 0 });
      expect(r.violation).toBeUndefined();
      expect(r.exhausted).toBe(true);
      expect(r.bounds).toEqual([]);
      expect(r.depthReached).toBe(k);
    }
  });
});

describe('explore: majority vote under the catalogue partition (losses 0, latencies 1, 2)', () => {
  it('the local count splits the brain in some schedule', () => {
    const r = explore(majority('local', 0), {});
    expect(r.violation?.property).toBe('agreement');
    expect(r.violation?.summary).toMatch(/decided "X".*decided "Y"/);
  });

  it('the strict quorum never splits: resendsMax 0, 256 schedules, 1770 distinct states, exhausted', () => {
    const r = explore(majority('strict', 0), {});
    expect(r.violation).toBeUndefined();
    expect(r.exhausted).toBe(true);
    expect(r.schedules).toBe(256);
    expect(r.states).toBe(1770);
  });

  it('the strict quorum never splits: resendsMax 1, 2299 schedules, 14730 distinct states, exhausted', () => {
    const r = explore(majority('strict', 1), {});
    expect(r.violation).toBeUndefined();
    expect(r.exhausted).toBe(true);
    expect(r.schedules).toBe(2299);
    expect(r.states).toBe(14730);
  });
});

describe('explore: the distinct state count of a tiny configuration', () => {
  it('two agents, one ping each way, latencies 1, 2: 11 states by hand, 4 schedules', () => {
    // By hand (a state is counted between events; ticks relative to now; a sent
    // before b, so a's ping comes first at equal ticks):
    //   1  before anything: both pending, start a and start b queued;
    //   2  after start a: a waiting, b pending, a→b due in la ∈ {1, 2};
    //   4  after start b: both waiting, a→b in la, b→a in lb, (la, lb) ∈ {1, 2}²;
    //   3  after the first delivery: (1,1) and (2,2) both leave "b done, b→a due now";
    //      (1,2) leaves "b done, b→a due in 1"; (2,1) leaves "a done, a→b due in 1";
    //   1  after the second: both done, nothing queued.
    //   1 + 2 + 4 + 3 + 1 = 11.
    const r = explore(pingPong, {});
    expect(r.states).toBe(11);
    expect(r.schedules).toBe(4);
    expect(r.exhausted).toBe(true);
    // Cut at a state already explored: (1,2) and (2,1) at the last state, (2,2)
    // after its first delivery (the state (1,1) left).
    expect(r.pruned).toBe(3);
  });

  it('the fingerprint is the same for the same state and changes as the run moves', () => {
    const fingerprints = () => {
      const sim = createSimulation(pingPong, {
        seed: 1,
        chooser: scheduleChooser({ latencies: [1, 2], losses: 0, choices: [0, 0] }),
      });
      const out = [sim.fingerprint()];
      while (sim.step()) out.push(sim.fingerprint());
      return out;
    };
    const a = fingerprints();
    expect(fingerprints()).toEqual(a);
    expect(new Set(a).size).toBe(a.length);
    // 64 bits, two 32-bit lanes (hash64Hex).
    expect(a[0]).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('explore: pruning never changes the verdict', () => {
  const cases: [string, Scenario, number][] = [
    ['two-generals k=1, 1 loss', generals(1), 1],
    ['two-generals k=3, 1 loss', generals(3), 1],
    ['two-generals k=3, no loss', generals(3), 0],
    ['two-generals k=6, no loss', generals(6), 0],
    ['majority local', majority('local', 0), 0],
    ['majority strict', majority('strict', 0), 0],
    ['ping each way', pingPong, 1],
  ];
  for (const [name, scenario, losses] of cases)
    it(name, () => {
      for (const strategy of ['dfs', 'iddfs'] as const) {
        const on = explore(scenario, { losses, strategy });
        const off = explore(scenario, { losses, strategy, prune: false });
        expect(on.violation?.property).toBe(off.violation?.property);
        expect(on.exhausted).toBe(off.exhausted);
        expect(on.schedules).toBeLessThanOrEqual(off.schedules);
      }
    });

  it('it saves schedules: two-generals k=6 without loss, 32 schedules with fingerprints against 64 without', () => {
    expect(explore(generals(6), {}).schedules).toBe(32);
    expect(explore(generals(6), { prune: false }).schedules).toBe(64);
  });
});

describe('explore: bounds', () => {
  it('reports schedules-max and states-max when hit, and then does not claim exhaustion', () => {
    const s = explore(majority('strict', 0), { schedulesMax: 10 });
    expect(s).toMatchObject({ schedules: 10, exhausted: false, bounds: ['schedulesMax'] });
    const t = explore(majority('strict', 0), { statesMax: 100 });
    expect(t.exhausted).toBe(false);
    expect(t.bounds).toEqual(['statesMax']);
    expect(t.states).toBe(100);
  });

  it('refuses bad options, naming each', () => {
    expect(() =>
      explore(pingPong, { depth: -1, latencies: [], losses: 1.5, strategy: 'sideways' as 'dfs' }),
    ).toThrow(/--depth.*--losses.*--latencies needs at least one.*--strategy/);
  });
});

describe('explore: byzantine generals, OM(1), latencies 1, 2 (the traitor’s values stay seeded draws, not choices)', () => {
  const byzantine = (variant: string | undefined, roundTicks: number) =>
    loadNamed('byzantine-generals', {
      ...(variant === undefined ? {} : { variant }),
      overrides: [`params.roundTicks=${roundTicks}`],
    }).scenario;

  it('n = 3, f = 1, rounds of 2 ticks: a disagreement at seed 1', () => {
    const r = explore(byzantine(undefined, 2), { seed: 1 });
    expect(r.violation?.property).toBe('agreement');
  });

  it('n = 4, f = 1, rounds of 2 ticks: no disagreement in the exhausted space, 1826 states, at seeds 1, 2 and 3', () => {
    for (const seed of [1, 2, 3]) {
      const r = explore(byzantine('mitigated', 2), { seed });
      expect(r.violation).toBeUndefined();
      expect(r.exhausted).toBe(true);
      expect(r.states).toBe(1826);
    }
  });

  it('n = 4 with the catalogue’s 1-tick rounds: a message of latency 2 is late, counts as missing, and the loyal generals split (the synchrony OM assumes, broken)', () => {
    const r = explore(byzantine('mitigated', 1), { strategy: 'iddfs' });
    expect(r.violation?.property).toBe('agreement');
    expect(r.violation?.choices.some((c) => c.latency === 2)).toBe(true);
  });
});

const twoPhase = (variant?: string, overrides: string[] = []) =>
  loadNamed('two-phase-commit', { variant, overrides: ['faults=[]', ...overrides] }).scenario;
/** Three agents (p2 only accepts and learns): two proposers duel from tick 0, retrying after 8 ticks. */
const paxos3 = () =>
  loadNamed('paxos-lossy', {
    overrides: [
      'agents.count=3',
      'faults=[]',
      'agents.agents={p2: {params: {proposer: false}}}',
      'params.startTicksMax=0',
      'params.backoffTicksMax=0',
      'params.retryTicks=8',
    ],
  }).scenario;

describe('explore: crashes and duplicates as choices', () => {
  it('crash points by hand: one ping each way, latency 1, at most one crash, is 6 schedules', () => {
    // Before start b: none or a (b is not up yet) -> crash a: 1 schedule.
    // Before the ping reaches b: none, a or b -> 2 schedules crash; none goes on.
    // Before the ping reaches a: none, a or b -> 3 schedules. Quiescent: no point.
    const r = explore(pingPong, { crashes: 1, latencies: [1], prune: false });
    expect(r.schedules).toBe(6);
    expect(r.exhausted).toBe(true);
  });

  it('duplicate points by hand: one ping each way, latency 1, at most one duplicate, is 3 schedules', () => {
    // The first ping: a copy or not; if not, the second: a copy or not.
    const r = explore(pingPong, { duplicates: 1, latencies: [1], prune: false });
    expect(r.schedules).toBe(3);
    const dup = scheduleChooser({
      latencies: [1],
      losses: 0,
      duplicates: 1,
      crashes: 0,
      choices: [1],
    });
    const t = runScenario(pingPong, { seed: 1, chooser: dup }).trace;
    expect([...t.records()].filter((x) => x.kind === 'duplicate').length).toBe(1);
    expect([...t.records()].filter((x) => x.kind === 'deliver').length).toBe(3);
  });

  it('two-phase commit without its scripted crash: one crash, chosen by the search, blocks the participants (the coordinator, after the votes); the trace replays', () => {
    const scenario = twoPhase();
    const r = explore(scenario, { crashes: 1, liveness: true });
    const v = r.violation;
    if (v === undefined) throw new Error('no violation');
    expect(v.kind).toBe('termination');
    expect(v.property).toBe('termination');
    expect(v.crashed).toEqual(['coord']);
    // The crash comes after every vote was sent: each participant is uncertain, none can decide.
    const crashAt = v.choices.findIndex((c) => c.latency === 'crash');
    expect(v.choices.slice(0, crashAt).filter((c) => c.type === 'vote').length).toBe(3);
    const end = replayViolation(scenario, v, {
      latencies: [1, 2],
      losses: 0,
      duplicates: 0,
      crashes: 1,
    });
    expect(end.trace.hash()).toBe(v.trace.hash());
    const up = end.agents.filter((a) => a.status === 'up');
    expect(up.map((a) => a.id)).toEqual(['p1', 'p2', 'p3']);
    expect(up.map((a) => a.state)).toEqual(['uncertain', 'uncertain', 'uncertain']);
    expect(end.decisions).toEqual([]);
    // Without a crash every schedule terminates.
    const none = explore(scenario, { crashes: 0, liveness: true });
    expect(none.violation).toBeUndefined();
    expect(none.exhausted).toBe(true);
  });

  it('three-phase commit: no blocked state with one crash of any agent before any event (latency 1, exhausted: 390 states)', () => {
    const r = explore(twoPhase('mitigated'), {
      crashes: 1,
      liveness: true,
      latencies: [1],
      depth: 40,
    });
    expect(r.violation).toBeUndefined();
    expect(r.exhausted).toBe(true);
    expect(r.states).toBe(390);
  });

  it('paxos, three acceptors and two proposers, one loss and one duplicate, latency 1: no agreement, validity or integrity violation, exhausted (4756 states)', () => {
    const r = explore(paxos3(), { losses: 1, duplicates: 1, latencies: [1], depth: 100 });
    expect(r.properties).toEqual(['agreement', 'validity', 'integrity']);
    expect(r.violation).toBeUndefined();
    expect(r.exhausted).toBe(true);
    expect(r.states).toBe(4756);
  });

  it('paxos as above with latencies 1 and 2: no violation in every schedule of at most 8 choice points (19982 states)', () => {
    const r = explore(paxos3(), { losses: 1, duplicates: 1, latencies: [1, 2], depth: 8 });
    expect(r.violation).toBeUndefined();
    expect(r.bounds).toEqual(['depth']);
    expect(r.states).toBe(19982);
  });
});

describe('explore: liveness', () => {
  it('a cycle: cooperative two-phase commit after the coordinator crash (scripted at tick 1), the participants ask each other for ever; found at the first repeated state (21 events), not at ticksMax 1000', () => {
    const { scenario } = loadNamed('two-phase-commit', { variant: 'cooperative' });
    const r = explore(scenario, { liveness: true, latencies: [1] });
    const v = r.violation;
    expect(v?.kind).toBe('cycle');
    expect(v?.property).toBe('termination');
    expect(v?.summary).toMatch(/with p1, p2, p3 up and undecided/);
    expect(v?.eventsMax).toBe(21);
    expect(v?.trace.stop?.reason).toBe('eventsMax');
    // Without liveness the repetition is cut (its future is the run's own) and nothing fails.
    const safe = explore(scenario, { latencies: [1] });
    expect(safe.violation).toBeUndefined();
    expect(safe.exhausted).toBe(true);
  });

  it('no cycle where a repeated state has every agent up decided: two-phase commit, a participant crashed, the coordinator resends the decision for ever', () => {
    const r = explore(twoPhase(), { liveness: true, latencies: [1], crashes: 1 });
    // Depth-first tries the late crashes first (a participant's, after the decisions):
    // those runs repeat with everyone up decided, no cycle; the first violation is the
    // coordinator's crash (termination).
    expect(r.schedules).toBeGreaterThan(10);
    expect(r.violation?.kind).toBe('termination');
    expect(r.violation?.crashed).toEqual(['coord']);
  });
});
