import { describe, expect, it } from 'vitest';
import { threePhaseCommit } from '../../scenarios/protocols/three-phase-commit.ts';
import {
  check,
  deriveStream,
  type FaultSpec,
  judge,
  runScenario,
  type Scenario,
  type TraceRecord,
  viewOf,
} from '../../sim/index.ts';
import {
  COORDINATOR,
  type CommitOptions,
  commitScenario,
  decided,
  LATENCY,
  PARTICIPANTS,
} from '../fixtures/commit.ts';

/** The protocol's defaults, which the derivations below use. */
const DECISION_TIMEOUT_TICKS = 30;
const STAGGER_TICKS = 10;

function reproduce(name: string, seed: number): string {
  return `seed ${seed}; reproduce: runScenario(${name}, { seed: ${seed} }) in test/protocols/three-phase-commit.test.ts`;
}

const tpc = (o: CommitOptions = {}): Scenario => commitScenario(threePhaseCommit, o, 1000);

/** [agent, ballot] of every backup's `note({ leader: ballot })`. */
function leaders(records: Iterable<TraceRecord>): [string, number][] {
  const out: [string, number][] = [];
  for (const r of records)
    if (r.kind === 'note') out.push([r.agent as string, (r.data as { leader: number }).leader]);
  return out;
}

/** The states one agent went through, in order. */
function statesOf(records: Iterable<TraceRecord>, agent: string): string[] {
  const out: string[] = [];
  for (const r of records) if (r.kind === 'state' && r.agent === agent) out.push(String(r.data));
  return out;
}

/**
 * The safety test's scenario for one seed: 20 % loss, 10 % duplication,
 * uniform 1-3 tick latency; each participant votes no with probability 0.1;
 * with probability 1/2 each, the coordinator and one participant crash for
 * good (crash-stop) at ticks 0-40 (drawn from the seed). With `extra`, each
 * crash restarts 5-100 ticks later with probability 1/2, and 0-3 symmetric
 * partitions of random groups start at ticks 0-60 and last 1-200 ticks.
 */
function stressed(seed: number, extra = false): Scenario {
  const s = deriveStream(seed, `test/three-phase-commit/faults${extra ? '/extra' : ''}`);
  const faults: FaultSpec[] = [];
  const crash = (agent: string) => {
    const tick = s.int(0, 40);
    faults.push(
      extra && s.chance(0.5)
        ? { kind: 'crash', agent, tick, tickRestart: tick + s.int(5, 100) }
        : { kind: 'crash', agent, tick },
    );
  };
  if (s.chance(0.5)) crash(COORDINATOR);
  if (s.chance(0.5)) crash(PARTICIPANTS[s.int(0, 2)] as string);
  if (extra)
    for (let i = s.int(0, 3); i > 0; i--) {
      const a: string[] = [];
      const b: string[] = [];
      for (const id of [COORDINATOR, ...PARTICIPANTS]) (s.chance(0.5) ? a : b).push(id);
      const tickStart = s.int(0, 60);
      faults.push({
        kind: 'partition',
        groups: [a, b],
        tickStart,
        tickEnd: tickStart + s.int(1, 200),
      });
    }
  return tpc({ params: { noRatio: 0.1 }, dropRatio: 0.2, duplicateRatio: 0.1, faults });
}

/** Runs `scenario` over `runs` seeds and returns every safety violation, with counts of outcomes. */
function safetyOver(runs: number, scenario: (seed: number) => Scenario, name: string) {
  const failures: string[] = [];
  const outcomes = { commit: 0, abort: 0, undecided: 0, allDecided: 0 };
  for (let seed = 1; seed <= runs; seed++) {
    const run = runScenario(scenario(seed), { seed });
    const view = viewOf(run.trace);
    const why = reproduce(name, seed);
    for (const property of ['agreement', 'integrity', 'leader-per-term']) {
      const v = check(view, property);
      if (v.status !== 'holds') failures.push(`${property} fails: ${v.summary}; ${why}`);
    }
    const votes = view.ofKind('propose').map((r) => r.data);
    const values = new Set(run.decisions.map((d) => d.value));
    if (values.has('commit') && (votes.length !== 3 || votes.some((v) => v !== 'yes')))
      failures.push(`committed with votes ${JSON.stringify(votes)}; ${why}`);
    if (values.has('commit')) outcomes.commit++;
    else if (values.has('abort')) outcomes.abort++;
    else outcomes.undecided++;
    if (run.stop.reason === 'allDecided') outcomes.allDecided++;
  }
  return { failures, outcomes };
}

describe('three-phase commit', () => {
  it('does not block when the coordinator crashes after prepare: every participant aborts within the derived bound', () => {
    // The fault of scenarios/catalog/two-phase-commit.yaml: canCommit? leaves
    // at tick 0, the coordinator crashes at tick 1, before any vote (tick 2
    // at the earliest) reaches it, so nobody is ever precommitted. With L = 3
    // the largest latency and D = decisionTimeoutTicks: p1 (rank 0) votes at
    // t1 in [1, L] and takes over as backup at T = t1 + D (ballot 1). Its
    // state requests reach p2 and p3 by T + L <= D + 2L, before their own
    // waits end (at >= 1 + D + rank × staggerTicks >= D + 11), so they join
    // ballot 1 and wait again. The first reply reaches p1 in [T + 2, T + 2L]
    // and makes a majority with p1 itself; all are uncertain, so p1
    // proposes abort, has a majority of acceptances in [T + 4, T + 4L] and
    // decides abort; p2 and p3 decide when its decision arrives, 1 to L
    // ticks later. So p1 decides in [D + 5, D + 5L] and everyone by D + 6L.
    const L = 3;
    const D = DECISION_TIMEOUT_TICKS;
    expect(1 + D + STAGGER_TICKS).toBeGreaterThan(D + 2 * L);
    const scenario = tpc({ faults: [{ kind: 'crash', agent: COORDINATOR, tick: 1 }] });
    let latest = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const why = reproduce('tpc() with the coordinator crash at tick 1', seed);
      const run = runScenario(scenario, { seed });
      const byAgent = Object.fromEntries(run.decisions.map((d) => [d.agent, d]));
      expect(Object.keys(byAgent).sort(), why).toEqual([...PARTICIPANTS]);
      for (const d of run.decisions) {
        expect(d.value, why).toBe('abort');
        expect(d.tick, why).toBeLessThanOrEqual(D + 6 * L);
        latest = Math.max(latest, d.tick);
      }
      expect(byAgent['p1']?.tick, why).toBeGreaterThanOrEqual(D + 5);
      expect(byAgent['p1']?.tick, why).toBeLessThanOrEqual(D + 5 * L);
      expect(leaders(run.trace.records()), why).toEqual([['p1', 1]]);
      const { verdicts, met } = judge(run.trace);
      expect(met, why).toBe(true);
      expect(
        verdicts.map((v) => [v.property, v.status]),
        why,
      ).toEqual([
        ['termination', 'holds'],
        ['agreement', 'holds'],
      ]);
    }
    console.info(
      `three-phase-commit, coordinator crash at tick 1: last decision at tick ${latest} (bound ${D + 6 * L})`,
    );
  });

  it('commits everywhere when the coordinator crashes after only some preCommits got through', () => {
    // Constant 2-tick latency: canCommit? arrives at tick 2 (each participant
    // votes yes), the votes at 4, where the coordinator sends preCommit. From
    // tick 3 its messages to p2 and p3 are lost, so only p1 is precommitted
    // (tick 6); the coordinator crashes at 5. p1's wait ends at 6 + 30 = 36:
    // as backup (ballot 1) it asks p2 and p3 (tick 38, they join, uncertain),
    // has their replies at 40, proposes what it accepted itself (commit),
    // has their acceptances at 44 and decides commit; they decide at 46.
    const run = runScenario(
      tpc({
        latency: { kind: 'constant', ticks: 2 },
        faults: [
          { kind: 'partition', from: [COORDINATOR], to: ['p2', 'p3'], tickStart: 3 },
          { kind: 'crash', agent: COORDINATOR, tick: 5 },
        ],
      }),
      { seed: 1 },
    );
    const why = reproduce('tpc() with p2, p3 cut off from the coordinator at tick 3', 1);
    expect(
      run.decisions.map((d) => [d.agent, d.value, d.tick]),
      why,
    ).toEqual([
      ['p1', 'commit', 44],
      ['p2', 'commit', 46],
      ['p3', 'commit', 46],
    ]);
    const records = [...run.trace.records()];
    expect(statesOf(records, 'p1'), why).toEqual([
      'working',
      'uncertain',
      'precommitted',
      'querying',
      'proposing',
      'committed',
    ]);
    for (const p of ['p2', 'p3'])
      expect(statesOf(records, p), why).toEqual([
        'working',
        'uncertain',
        'precommitted',
        'committed',
      ]);
    expect(judge(run.trace).met, why).toBe(true);
  });

  it('commits everywhere when the coordinator crashes after every preCommit left', () => {
    // As above without the loss: everyone is precommitted at tick 6; p1's
    // wait ends first (36) and it commits on the same schedule.
    const run = runScenario(
      tpc({
        latency: { kind: 'constant', ticks: 2 },
        faults: [{ kind: 'crash', agent: COORDINATOR, tick: 5 }],
      }),
      { seed: 1 },
    );
    expect(
      run.decisions.map((d) => [d.agent, d.value, d.tick]),
      reproduce('tpc() with the coordinator crash at tick 5', 1),
    ).toEqual([
      ['p1', 'commit', 44],
      ['p2', 'commit', 46],
      ['p3', 'commit', 46],
    ]);
  });

  it('hands over to the next participant when the first backup crashes too', () => {
    // Constant 2-tick latency; the coordinator crashes at tick 1, everyone
    // votes yes at 2. p1's wait ends at 32 (ballot 1); it crashes at 33 but
    // its state requests arrive at 34: p2 and p3 join ballot 1 and wait
    // again, p2 until 34 + 30 + 10 = 74, p3 until 34 + 30 + 20 = 84. p2 takes
    // over with ballot 2: p3 joins at 76, replies at 78; p2 proposes abort
    // (nobody accepted anything), p3's acceptance arrives at 82; p2 decides
    // abort, p3 hears it at 84. The crashed agents are excused.
    const run = runScenario(
      tpc({
        latency: { kind: 'constant', ticks: 2 },
        faults: [
          { kind: 'crash', agent: COORDINATOR, tick: 1 },
          { kind: 'crash', agent: 'p1', tick: 33 },
        ],
      }),
      { seed: 1 },
    );
    const why = reproduce('tpc() with the coordinator and then p1 crashing', 1);
    expect(
      run.decisions.map((d) => [d.agent, d.value, d.tick]),
      why,
    ).toEqual([
      ['p2', 'abort', 82],
      ['p3', 'abort', 84],
    ]);
    expect(leaders(run.trace.records()), why).toEqual([
      ['p1', 1],
      ['p2', 2],
    ]);
    expect(judge(run.trace).met, why).toBe(true);
  });

  it('commits when every participant votes yes and nothing fails', () => {
    for (let seed = 1; seed <= 50; seed++)
      expect(decided(tpc(), seed), reproduce('tpc()', seed)).toEqual({
        coord: 'commit',
        p1: 'commit',
        p2: 'commit',
        p3: 'commit',
      });
    // Constant 2-tick latency: votes at 4, acknowledgements of preCommit at 8
    // (the coordinator commits), doCommit at 10.
    const { decisions } = runScenario(tpc({ latency: { kind: 'constant', ticks: 2 } }), {
      seed: 1,
      record: false,
    });
    expect(decisions.map((d) => [d.agent, d.value, d.tick])).toEqual([
      ['coord', 'commit', 8],
      ['p1', 'commit', 10],
      ['p2', 'commit', 10],
      ['p3', 'commit', 10],
    ]);
  });

  it('aborts everywhere when one participant votes no', () => {
    for (let seed = 1; seed <= 50; seed++)
      expect(
        decided(tpc({ participant: { p2: { vote: 'no' } } }), seed),
        reproduce("tpc({ participant: { p2: { vote: 'no' } } })", seed),
      ).toEqual({ coord: 'abort', p1: 'abort', p2: 'abort', p3: 'abort' });
  });

  it('commits on a majority of acknowledgements after the ack timeout when a participant crashed', () => {
    // Constant 2-tick latency: p3 votes yes at 2 and crashes at 3; the
    // coordinator sends preCommit at 4, has p1's and p2's acknowledgements
    // at 8 but not p3's, and at 4 + ackTimeoutTicks = 24 commits on the
    // majority; p1 and p2 hear it at 26.
    const run = runScenario(
      tpc({
        params: { ackTimeoutTicks: 20 },
        latency: { kind: 'constant', ticks: 2 },
        faults: [{ kind: 'crash', agent: 'p3', tick: 3 }],
      }),
      { seed: 1 },
    );
    const why = reproduce('tpc({ ackTimeoutTicks: 20 }) with p3 crashing at tick 3', 1);
    expect(
      run.decisions.map((d) => [d.agent, d.value, d.tick]),
      why,
    ).toEqual([
      ['coord', 'commit', 24],
      ['p1', 'commit', 26],
      ['p2', 'commit', 26],
    ]);
    expect(judge(run.trace).met, why).toBe(true);
  });

  it('never disagrees over 10,000 seeds with loss, duplication, random no votes and crash-stop failures', () => {
    const runs = 10_000;
    const { failures, outcomes } = safetyOver(runs, (seed) => stressed(seed), 'stressed(seed)');
    expect(failures).toEqual([]);
    console.info(`three-phase-commit over ${runs} seeds: ${JSON.stringify(outcomes)}`);
  });

  it('stays safe over 10,000 seeds when crashed agents restart and partitions come and go', () => {
    // Beyond the crash-stop model 3PC assumes: the ballots keep it safe.
    const runs = 10_000;
    const { failures, outcomes } = safetyOver(
      runs,
      (seed) => stressed(seed, true),
      'stressed(seed, true)',
    );
    expect(failures).toEqual([]);
    console.info(
      `three-phase-commit with restarts and partitions over ${runs} seeds: ${JSON.stringify(outcomes)}`,
    );
  });

  it('decides everywhere without loss whenever a majority of participants stays up', () => {
    // No loss: the coordinator and at most one participant crash for good,
    // so two of the three participants (a majority) remain and every agent
    // that is up decides.
    for (let seed = 1; seed <= 2_000; seed++) {
      const s = stressed(seed);
      const scenario: Scenario = {
        ...s,
        network: { defaults: { dropRatio: 0, duplicateRatio: 0.1, latency: LATENCY } },
      };
      const run = runScenario(scenario, { seed });
      const why = reproduce('stressed(seed) without loss', seed);
      expect(run.stop.reason, why).toBe('allDecided');
      expect(check(viewOf(run.trace), 'termination').status, why).toBe('holds');
    }
  });

  it('keeps its golden trace hash, and two runs of one seed give the same trace', () => {
    // At seed 19 the coordinator sends preCommit at tick 6 and crashes at 8;
    // only p3 got it, and p3 crashes at 20. p1 and p2, a majority without a
    // precommitted participant, abort (ballot 1); the coordinator restarts
    // at 60, resends preCommit, is refused (nack) or told abort, and aborts.
    const scenario = tpc({
      dropRatio: 0.2,
      duplicateRatio: 0.1,
      faults: [
        { kind: 'crash', agent: COORDINATOR, tick: 8, tickRestart: 60 },
        { kind: 'crash', agent: 'p3', tick: 20 },
      ],
    });
    const first = runScenario(scenario, { seed: 19 });
    const why = reproduce('the golden scenario', 19);
    expect(
      first.decisions.map((d) => [d.agent, d.value, d.tick]),
      why,
    ).toEqual([
      ['p1', 'abort', 50],
      ['coord', 'abort', 72],
      ['p2', 'abort', 73],
    ]);
    expect(first.trace.hash(), why).toBe(
      'c91ac89b429bb77126087048ecf38db5988c3ee5589620b1d45aaf838a3d79a9',
    );
    expect(runScenario(scenario, { seed: 19 }).trace.toJSONL()).toBe(first.trace.toJSONL());
  });
});
