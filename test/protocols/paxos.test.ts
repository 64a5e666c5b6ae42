import { describe, expect, it } from 'vitest';
import { paxos } from '../../scenarios/protocols/paxos.ts';
import {
  deriveStream,
  type FaultSpec,
  judge,
  runScenario,
  type Scenario,
  type Stream,
} from '../../sim/index.ts';

const IDS = ['a', 'b', 'c', 'd', 'e'] as const;
const LATENCY_MAX_TICKS = 10;
/** The protocol's defaults, restated for the liveness bound. */
const START_TICKS_MAX = 20;

function reproduce(name: string, seed: number): string {
  return `seed ${seed}; reproduce: runScenario(${name}, { seed: ${seed} }) in test/protocols/paxos.test.ts`;
}

/** How the fault tests build their scenario, for reproduction messages. */
const FAULTY = 'paxosScenario({ dropRatio: 0.2, duplicateRatio: 0.1, faults: faultsFor(seed) })';

function paxosScenario(opts: {
  dropRatio: number;
  duplicateRatio: number;
  faults?: readonly FaultSpec[];
  ticksMax?: number;
}): Scenario {
  return {
    name: 'paxos',
    agents: IDS.map((id) => ({ id, protocol: paxos, params: { input: `value-${id}` } })),
    network: {
      defaults: {
        dropRatio: opts.dropRatio,
        duplicateRatio: opts.duplicateRatio,
        latency: { kind: 'uniform', ticksMin: 1, ticksMax: LATENCY_MAX_TICKS },
      },
    },
    faults: opts.faults ?? [],
    limits: { ticksMax: opts.ticksMax ?? 2000, untilAllDecided: true },
    checks: [
      { property: 'agreement', expect: 'holds' },
      { property: 'validity', expect: 'holds' },
      { property: 'integrity', expect: 'holds' },
    ],
  };
}

function shuffled(s: Stream): string[] {
  const out: string[] = [...IDS];
  for (let i = out.length - 1; i > 0; i--) {
    const j = s.int(0, i);
    [out[i], out[j]] = [out[j] as string, out[i] as string];
  }
  return out;
}

/**
 * The fault schedule of one seed, built from the seed alone: a partition
 * window that starts while the first ballots are running (ticks 0-60) and
 * lasts 20-300 ticks, cutting either one or two agents off from the rest, or
 * (one seed in three) splitting them 1/2/2 so that no side has a quorum; and
 * 0, 1 or 2 distinct agents (a minority) crashing at ticks 0-100 and
 * restarting 10-300 ticks later.
 */
function faultsFor(seed: number): FaultSpec[] {
  const s = deriveStream(seed, 'test/paxos/faults');
  const order = shuffled(s);
  const tickStart = s.int(0, 60);
  const tickEnd = tickStart + s.int(20, 300);
  const groups =
    s.int(0, 2) === 0
      ? [order.slice(0, 1), order.slice(1, 3), order.slice(3)]
      : ((cut: number) => [order.slice(0, cut), order.slice(cut)])(s.int(1, 2));
  const faults: FaultSpec[] = [{ kind: 'partition', groups, tickStart, tickEnd }];
  const crashed = shuffled(s).slice(0, s.int(0, 2));
  for (const agent of crashed) {
    const tick = s.int(0, 100);
    faults.push({ kind: 'crash', agent, tick, tickRestart: tick + s.int(10, 300) });
  }
  return faults;
}

describe('single-decree Paxos', () => {
  it('never violates agreement over 10,000 seeds with drop, duplication, reordering, partitions and crashes of a minority', () => {
    const runs = 10_000;
    const failures: string[] = [];
    let terminated = 0;
    let decidedThenRestarted = 0;
    let restartedUndecided = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const scenario = paxosScenario({
        dropRatio: 0.2,
        duplicateRatio: 0.1,
        faults: faultsFor(seed),
      });
      const run = runScenario(scenario, { seed });
      for (const v of judge(run.trace).verdicts)
        if (v.status !== 'holds')
          failures.push(`${v.property} fails: ${v.summary}; ${reproduce(FAULTY, seed)}`);
      if (run.stop.reason === 'allDecided') terminated++;
      // Coverage: restarts of agents that had decided (integrity at stake) and of undecided ones.
      const decidedAt = new Map(run.decisions.map((d) => [d.agent, d.tick]));
      for (const f of scenario.faults ?? []) {
        if (f.kind !== 'crash' || f.tickRestart === undefined || f.tickRestart > run.stop.tick)
          continue;
        const at = decidedAt.get(f.agent);
        if (at !== undefined && at < f.tick) decidedThenRestarted++;
        else restartedUndecided++;
      }
    }
    expect(failures).toEqual([]);
    console.info(
      `paxos: ${terminated}/${runs} runs had every up agent decided by tick 2000; ` +
        `${decidedThenRestarted} restarts of decided agents, ${restartedUndecided} of undecided ones`,
    );
    expect(decidedThenRestarted).toBeGreaterThan(0);
    expect(restartedUndecided).toBeGreaterThan(0);
  });

  it('decides the same input at every agent within startTicksMax + 4 latencies when nothing fails', () => {
    // With no loss, the agent with the highest first-round ballot starts by
    // tick 20 (startTicksMax); its prepare, the promises, its accept and the
    // accepted messages each take at most 10 ticks, and nobody retries before
    // tick 60 (retryTicks 60 > 20 + 3 x 10), so every acceptor accepts its
    // ballot and every learner hears all of them by tick 20 + 4 x 10 = 60.
    // A learner that decides earlier does so on a chosen ballot whose
    // accepted messages reach everyone within one more latency.
    const bound = START_TICKS_MAX + 4 * LATENCY_MAX_TICKS;
    const inputs = new Set<unknown>(IDS.map((id) => `value-${id}`));
    let latest = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const { decisions, stop } = runScenario(paxosScenario({ dropRatio: 0, duplicateRatio: 0 }), {
        seed,
        record: false,
      });
      const why = reproduce('paxosScenario({ dropRatio: 0, duplicateRatio: 0 })', seed);
      expect(stop.reason, why).toBe('allDecided');
      expect(decisions.map((d) => d.agent).sort(), why).toEqual([...IDS]);
      expect(new Set(decisions.map((d) => d.value)).size, why).toBe(1);
      expect(inputs.has(decisions[0]?.value), why).toBe(true);
      for (const d of decisions) latest = Math.max(latest, d.tick);
      expect(latest, why).toBeLessThanOrEqual(bound);
    }
    console.info(
      `paxos: latest decision over 1000 fault-free runs at tick ${latest} (bound ${bound})`,
    );
  });

  it('does disagree under the same faults when the quorum is 2 of 5, not a majority, so the check above has teeth', () => {
    // Two quorums of 2 need not intersect: two ballots can be chosen with
    // different values. Seed found by search over the fault schedules above.
    const minority = (seed: number): Scenario => {
      const s = paxosScenario({ dropRatio: 0.2, duplicateRatio: 0.1, faults: faultsFor(seed) });
      return {
        ...s,
        agents: s.agents.map((a) => ({ ...a, params: { ...a.params, quorum: 2 } })),
      };
    };
    const seed = Array.from({ length: 200 }, (_, i) => i + 1).find(
      (k) =>
        new Set(runScenario(minority(k), { seed: k, record: false }).decisions.map((d) => d.value))
          .size > 1,
    );
    expect(seed, 'no disagreement in seeds 1-200 with quorum 2').toBeDefined();
    const run = runScenario(minority(seed as number), { seed: seed as number });
    const agreement = judge(run.trace).verdicts[0];
    expect(agreement?.status).toBe('fails');
    const shown = agreement?.records.map((seq) => run.trace.record(seq));
    expect(shown?.map((r) => r.kind)).toEqual(['decide', 'decide']);
    expect(new Set(shown?.map((r) => r.data)).size).toBe(2);
  });

  it('keeps its golden trace hash, and two runs of one seed give the same trace', () => {
    const scenario = paxosScenario({ dropRatio: 0.2, duplicateRatio: 0.1, faults: faultsFor(7) });
    const first = runScenario(scenario, { seed: 7 });
    expect(first.trace.hash(), reproduce(FAULTY, 7)).toBe(
      'c0ef893cca53ffe55433e38a6e52f835a24448c5be167c8664fb608dbd787cff',
    );
    expect(runScenario(scenario, { seed: 7 }).trace.toJSONL()).toBe(first.trace.toJSONL());
  });
});
