import { describe, expect, it } from 'vitest';
import { twoPhaseCommit } from '../../scenarios/protocols/two-phase-commit.ts';
import {
  check,
  deriveStream,
  type FaultSpec,
  judge,
  runScenario,
  type Scenario,
  viewOf,
} from '../../sim/index.ts';
import {
  COORDINATOR,
  type CommitOptions,
  commitScenario,
  decided,
  PARTICIPANTS,
} from '../fixtures/commit.ts';

function reproduce(name: string, seed: number): string {
  return `seed ${seed}; reproduce: runScenario(${name}, { seed: ${seed} }) in test/protocols/two-phase-commit.test.ts`;
}

const tpc = (o: CommitOptions = {}): Scenario => commitScenario(twoPhaseCommit, o, 500);

/**
 * The safety test's scenario for one seed: 20 % loss, 10 % duplication,
 * uniform 1-3 tick latency; each participant votes no with probability 0.1;
 * cooperative termination on odd seeds; with probability 1/2 each, the
 * coordinator and one participant crash at ticks 0-30 and restart 5-100
 * ticks later (drawn from the seed).
 */
function stressed(seed: number): Scenario {
  const s = deriveStream(seed, 'test/two-phase-commit/faults');
  const faults: FaultSpec[] = [];
  if (s.chance(0.5)) {
    const tick = s.int(0, 30);
    faults.push({ kind: 'crash', agent: COORDINATOR, tick, tickRestart: tick + s.int(5, 100) });
  }
  if (s.chance(0.5)) {
    const tick = s.int(0, 30);
    const agent = PARTICIPANTS[s.int(0, 2)] as string;
    faults.push({ kind: 'crash', agent, tick, tickRestart: tick + s.int(5, 100) });
  }
  return tpc({
    params: { noRatio: 0.1, cooperative: seed % 2 === 1 },
    dropRatio: 0.2,
    duplicateRatio: 0.1,
    faults,
  });
}

describe('two-phase commit', () => {
  // The coordinator sends prepare at tick 0 and latencies are 1-3 ticks, so a
  // vote reaches it at tick 2 at the earliest: crashing it at tick 1 comes
  // after every prepare left and before any vote, hence before any decision.
  const crashAfterPrepare: FaultSpec[] = [{ kind: 'crash', agent: COORDINATOR, tick: 1 }];

  for (const cooperative of [false, true]) {
    it(`blocks when the coordinator crashes after prepare${cooperative ? ', even with cooperative termination' : ''}`, () => {
      const scenario: Scenario = {
        ...tpc({
          params: { cooperative, decisionTimeoutTicks: 20 },
          faults: crashAfterPrepare,
          ticksMax: 300,
        }),
        checks: [
          { property: 'termination', expect: 'fails' },
          { property: 'agreement', expect: 'holds' },
        ],
      };
      for (let seed = 1; seed <= 20; seed++) {
        const why = reproduce(
          `tpc({ cooperative: ${cooperative} }) with the coordinator crash`,
          seed,
        );
        const run = runScenario(scenario, { seed });
        expect(run.decisions, why).toEqual([]);
        const { verdicts, met } = judge(run.trace);
        expect(met, why).toBe(true);
        const [termination, agreement] = verdicts;
        expect(termination?.status, why).toBe('fails');
        expect(agreement?.status, why).toBe('holds');

        const shown = (termination?.records ?? []).map((seq) => run.trace.record(seq));
        expect(
          shown.map((r) => [r.kind, r.agent, r.data ?? null]),
          why,
        ).toEqual([
          ['crash', COORDINATOR, null],
          ...PARTICIPANTS.map(() => ['state', expect.any(String), 'uncertain']),
        ]);
        expect(
          shown
            .filter((r) => r.kind === 'state')
            .map((r) => r.agent)
            .sort(),
          why,
        ).toEqual([...PARTICIPANTS]);
        for (const p of PARTICIPANTS)
          expect(termination?.summary, why).toContain(`${p} (in uncertain)`);
        expect(termination?.summary, why).toContain('3 of 3 agents had not decided');

        // The cooperative participants did ask each other, and nobody knew.
        const asks = [...run.trace.records()].filter(
          (r) => r.kind === 'send' && (r.data as { type: string }).type === 'ask',
        ).length;
        if (cooperative) expect(asks, why).toBeGreaterThan(0);
        else expect(asks, why).toBe(0);
      }
    });
  }

  it('lets uncertain participants learn the outcome from one that knows when the cooperative protocol is on', () => {
    // Constant 2-tick latency: prepares arrive at tick 2, votes at tick 4,
    // where the coordinator decides commit. From tick 3 its messages to p2
    // and p3 are lost, so only p1 hears the decision (tick 6); the
    // coordinator crashes at tick 20. Without cooperation p2 and p3 block;
    // with it they ask at tick 2 + decisionTimeoutTicks = 22, p1 answers
    // commit, and they commit at tick 26.
    const faults: FaultSpec[] = [
      { kind: 'partition', from: [COORDINATOR], to: ['p2', 'p3'], tickStart: 3 },
      { kind: 'crash', agent: COORDINATOR, tick: 20 },
    ];
    for (const cooperative of [false, true]) {
      const seed = 1;
      const { decisions } = runScenario(
        tpc({
          params: { cooperative, decisionTimeoutTicks: 20 },
          latency: { kind: 'constant', ticks: 2 },
          faults,
        }),
        { seed, record: false },
      );
      const why = reproduce(`tpc({ cooperative: ${cooperative} }) with p2, p3 cut off`, seed);
      expect(
        decisions.map((d) => [d.agent, d.value, d.tick]),
        why,
      ).toEqual([
        ['coord', 'commit', 4],
        ['p1', 'commit', 6],
        ...(cooperative
          ? [
              ['p2', 'commit', 26],
              ['p3', 'commit', 26],
            ]
          : []),
      ]);
    }
  });

  it('commits when every participant votes yes and nothing fails', () => {
    for (let seed = 1; seed <= 50; seed++)
      expect(decided(tpc(), seed), reproduce('tpc()', seed)).toEqual({
        coord: 'commit',
        p1: 'commit',
        p2: 'commit',
        p3: 'commit',
      });
  });

  it('aborts everywhere when one participant votes no', () => {
    for (let seed = 1; seed <= 50; seed++)
      expect(
        decided(tpc({ participant: { p2: { vote: 'no' } } }), seed),
        reproduce("tpc({ participant: { p2: { vote: 'no' } } })", seed),
      ).toEqual({ coord: 'abort', p1: 'abort', p2: 'abort', p3: 'abort' });
  });

  it('aborts by the vote timeout when a participant crashes before voting', () => {
    // p3 is down from tick 0, before it starts: it never votes. The
    // coordinator set its vote timer at tick 0, so it aborts at exactly
    // voteTimeoutTicks; the others follow; termination excuses p3.
    const voteTimeoutTicks = 40;
    for (let seed = 1; seed <= 50; seed++) {
      const scenario = tpc({
        params: { voteTimeoutTicks },
        faults: [{ kind: 'crash', agent: 'p3', tick: 0 }],
      });
      const why = reproduce('tpc() with p3 down from tick 0', seed);
      const run = runScenario(scenario, { seed });
      const byAgent = Object.fromEntries(run.decisions.map((d) => [d.agent, d]));
      expect(byAgent['coord']?.value, why).toBe('abort');
      expect(byAgent['coord']?.tick, why).toBe(voteTimeoutTicks);
      expect(Object.keys(byAgent).sort(), why).toEqual(['coord', 'p1', 'p2']);
      expect(
        run.decisions.every((d) => d.value === 'abort'),
        why,
      ).toBe(true);
      expect(judge(run.trace).met, why).toBe(true);
    }
  });

  it('never disagrees over 10,000 seeds with loss, duplication, random no votes and crashes', () => {
    const runs = 10_000;
    const failures: string[] = [];
    const outcomes = { commit: 0, abort: 0, allDecided: 0 };
    for (let seed = 1; seed <= runs; seed++) {
      const run = runScenario(stressed(seed), { seed });
      const view = viewOf(run.trace);
      const why = reproduce('stressed(seed)', seed);
      for (const property of ['agreement', 'integrity']) {
        const v = check(view, property);
        if (v.status !== 'holds') failures.push(`${property} fails: ${v.summary}; ${why}`);
      }
      const votes = view.ofKind('propose').map((r) => r.data);
      const values = new Set(run.decisions.map((d) => d.value));
      if (values.has('commit') && (votes.length !== 3 || votes.some((v) => v !== 'yes')))
        failures.push(`committed with votes ${JSON.stringify(votes)}; ${why}`);
      if (values.has('commit')) outcomes.commit++;
      else if (values.has('abort')) outcomes.abort++;
      if (run.stop.reason === 'allDecided') outcomes.allDecided++;
    }
    expect(failures).toEqual([]);
    console.info(`two-phase-commit over ${runs} seeds: ${JSON.stringify(outcomes)}`);
  });

  it('keeps its golden trace hash, and two runs of one seed give the same trace', () => {
    const scenario = tpc({
      params: { cooperative: true, decisionTimeoutTicks: 20 },
      dropRatio: 0.2,
      duplicateRatio: 0.1,
      faults: [{ kind: 'crash', agent: COORDINATOR, tick: 3, tickRestart: 60 }],
    });
    const first = runScenario(scenario, { seed: 3 });
    expect(first.trace.hash(), reproduce('the golden scenario', 3)).toBe(
      '10c012b25ed18e3d0ebce1ccebc979915e7393a268066ca64cbc0920cd940735',
    );
    expect(runScenario(scenario, { seed: 3 }).trace.toJSONL()).toBe(first.trace.toJSONL());
  });
});
