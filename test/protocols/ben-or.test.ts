import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { type BenOrContext, benOr } from '../../scenarios/protocols/ben-or.ts';
import {
  type AgentInput,
  deriveStream,
  type FaultSpec,
  type Json,
  judge,
  runScenario,
  type Scenario,
} from '../../sim/index.ts';

const IDS = ['p0', 'p1', 'p2', 'p3', 'p4'];
const LATENCY = { kind: 'uniform', ticksMin: 1, ticksMax: 20 } as const;
const CHECKS = [
  { property: 'agreement', expect: 'holds' },
  { property: 'validity', expect: 'holds' },
  { property: 'integrity', expect: 'holds' },
  { property: 'termination', expect: 'holds' },
] as const;

function benOrScenario(inputs: readonly number[], faults: readonly FaultSpec[]): Scenario {
  return {
    name: 'ben-or',
    agents: inputs.map((input, i) => ({
      id: IDS[i] as string,
      protocol: benOr,
      params: { input, faults: 2 },
    })),
    network: { defaults: { latency: LATENCY } },
    faults,
    limits: { untilAllDecided: true },
    checks: [...CHECKS],
  };
}

/** Seed-drawn crashes: one or two distinct agents, each at a tick from 0 to 200. */
function crashes(seed: number): FaultSpec[] {
  const s = deriveStream(seed, 'test/ben-or/crashes');
  const count = s.int(1, 2);
  const victims = [...IDS];
  const out: FaultSpec[] = [];
  for (let k = 0; k < count; k++) {
    const [agent] = victims.splice(s.int(0, victims.length - 1), 1);
    out.push({ kind: 'crash', agent: agent as string, tick: s.int(0, 200) });
  }
  return out;
}

/** Seed-drawn inputs, a fair bit each. */
function inputs(seed: number): number[] {
  const s = deriveStream(seed, 'test/ben-or/inputs');
  return IDS.map(() => s.int(0, 1));
}

const reproduce = (seed: number) =>
  `seed ${seed}; reproduce: runScenario(benOrScenario(inputs(${seed}), crashes(${seed})), { seed: ${seed} })`;

/** The round of the latest decision among the agents that decided (0 when none did). */
function lastDecidedRound(agents: readonly { context: unknown }[]): number {
  return Math.max(
    0,
    ...agents.map((a) => (a.context as BenOrContext | undefined)?.decidedRound ?? 0),
  );
}

/**
 * The 2,000 runs of n = 5, f = 2 with seed-drawn inputs and crashes: safety
 * failures, runs that did not terminate, and each run's last decision round.
 */
const sweep = (() => {
  let memo: { failures: string[]; undecided: string[]; rounds: number[] } | undefined;
  return () => {
    if (memo !== undefined) return memo;
    const failures: string[] = [];
    const undecided: string[] = [];
    const rounds: number[] = [];
    for (let seed = 1; seed <= 2000; seed++) {
      const run = runScenario(benOrScenario(inputs(seed), crashes(seed)), { seed });
      const [agreement, validity, integrity, termination] = judge(run.trace).verdicts;
      for (const v of [agreement, validity, integrity])
        if (v?.status !== 'holds') failures.push(`${reproduce(seed)}: ${v?.summary}`);
      if (termination?.status !== 'holds')
        undecided.push(`${reproduce(seed)}: ${termination?.summary}`);
      rounds.push(lastDecidedRound(run.agents));
    }
    memo = { failures, undecided, rounds };
    return memo;
  };
})();

describe('Ben-Or randomized consensus (n = 5, f = 2, crash faults)', () => {
  it('keeps agreement, validity and integrity over 2,000 seeds with one or two agents crashed', () => {
    const { failures } = sweep();
    expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
  });

  it('terminates with probability 1 when n > 2f: every one of the 2,000 runs decides', () => {
    const { undecided, rounds } = sweep();
    expect(undecided, undecided.slice(0, 5).join('\n')).toEqual([]);
    const mean = rounds.reduce((a, b) => a + b, 0) / rounds.length;
    const max = Math.max(...rounds);
    expect(max, 'well inside roundsMax (1000)').toBeLessThan(1000);
    // The figures of these 2,000 seeds (exact: the runs are deterministic).
    expect({ mean, max }).toEqual({ mean: 3.3095, max: 22 });
  });

  it('decides in round 1 when the inputs are unanimous, crashes or not', () => {
    const late: string[] = [];
    for (const v of [0, 1]) {
      for (let seed = 1; seed <= 500; seed++) {
        const run = runScenario(benOrScenario([v, v, v, v, v], crashes(seed)), {
          seed,
          record: false,
        });
        const down = new Set(run.agents.filter((a) => a.status === 'down').map((a) => a.id));
        for (const a of run.agents) {
          const c = a.context as BenOrContext | undefined;
          if (down.has(a.id)) continue;
          if (c?.decision !== v || c.decidedRound !== 1)
            late.push(
              `input ${v}, ${a.id}: decision ${String(c?.decision)} in round ${c?.decidedRound} (seed ${seed})`,
            );
        }
      }
    }
    expect(late, late.slice(0, 5).join('\n')).toEqual([]);
  });

  it('gives the golden trace hash, and the same trace twice for one seed', () => {
    const scenario = benOrScenario([0, 1, 0, 1, 1], [{ kind: 'crash', agent: 'p4', tick: 30 }]);
    const a = runScenario(scenario, { seed: 1 });
    const b = runScenario(scenario, { seed: 1 });
    expect(a.trace.toJSONL()).toBe(b.trace.toJSONL());
    expect(a.decisions.map((d) => d.value)).toEqual([1, 1, 1, 1]);
    expect(a.trace.hash()).toBe('08e194251ac991e1d31c6ce377fea4fb7f638e5e446d6ff1f9b2d3f4fcd46658');
  });
});

describe('Ben-Or message handling (one agent stepped by hand)', () => {
  /** Agent p0 of five, f = 2, deterministic coin, input 0; returns a sender and the effects it emitted. */
  function agent() {
    const input: AgentInput = {
      id: 'p0',
      index: 0,
      agents: IDS,
      peers: IDS.slice(1),
      params: { input: 0, faults: 2, coin: 'deterministic' },
      honest: true,
    };
    const actor = createActor(benOr.machine, { input });
    const out: Json[] = [];
    actor.on('*', (e) => {
      out.push(e as unknown as Json);
    });
    actor.start();
    const send = (type: 'report' | 'proposal', r: number, v: Json, from: string) =>
      actor.send({ type, r, v, from });
    return { actor, out, send };
  }
  const bcast = (type: string, r: number, v: Json) => ({
    type: 'parley.broadcast',
    message: { type, r, v },
    self: true,
  });

  it('counts a sender once per round and phase, however often its message arrives', () => {
    const { out, send } = agent();
    expect(out).toEqual([{ type: 'parley.propose', value: 0 }, bcast('report', 1, 0)]);
    out.length = 0;
    send('report', 1, 1, 'p1');
    send('report', 1, 1, 'p1');
    send('report', 1, 1, 'p2');
    expect(out, 'two distinct reports of three needed: still waiting').toEqual([]);
    send('report', 1, 1, 'p3');
    expect(out, 'three of three carry 1, more than n/2').toEqual([bcast('proposal', 1, 1)]);
  });

  it('buffers messages of later rounds and uses them when the round comes', () => {
    const { actor, out, send } = agent();
    out.length = 0;
    for (const p of ['p1', 'p2', 'p3']) send('report', 2, 1, p);
    for (const p of ['p1', 'p2', 'p3']) send('proposal', 1, 1, p);
    expect(out, 'round 1 has not started its phase 2 yet').toEqual([]);
    for (const p of ['p1', 'p2', 'p3']) send('report', 1, 1, p);
    // Phase 1 of round 1, then the buffered proposals (f + 1 = 3 carry 1): decide 1, hold 1,
    // report in round 2, and the buffered round-2 reports complete its phase 1 at once.
    expect(out).toEqual([
      bcast('proposal', 1, 1),
      { type: 'parley.decide', value: 1 },
      { type: 'parley.hold', value: 1 },
      bcast('report', 2, 1),
      bcast('proposal', 2, 1),
    ]);
    expect(actor.getSnapshot().context).toMatchObject({ round: 2, phase: 2, decidedRound: 1 });
  });

  it('ignores messages of phases it has finished, and stops two rounds after deciding', () => {
    const { actor, out, send } = agent();
    for (const r of [1, 2, 3]) {
      for (const p of ['p1', 'p2', 'p3']) send('report', r, 1, p);
      send('report', r, 0, 'p4'); // late: phase 1 of round r is over
      for (const p of ['p1', 'p2', 'p3']) send('proposal', r, 1, p);
    }
    const decides = out.filter((e) => (e as { type: string }).type === 'parley.decide');
    expect(decides).toEqual([{ type: 'parley.decide', value: 1 }]);
    expect(actor.getSnapshot().value).toBe('done');
    const last = out.filter((e) => (e as { type: string }).type === 'parley.broadcast').at(-1);
    expect(last, 'its last message is its proposal of round 3').toEqual(bcast('proposal', 3, 1));
  });

  it('gives up without deciding after roundsMax rounds', () => {
    const input: AgentInput = {
      id: 'p0',
      index: 0,
      agents: IDS,
      peers: IDS.slice(1),
      params: { input: 0, faults: 2, coin: 'deterministic', roundsMax: 2 },
      honest: true,
    };
    const actor = createActor(benOr.machine, { input });
    actor.start();
    for (const r of [1, 2]) {
      for (const [p, v] of [
        ['p0', 0],
        ['p1', 1],
        ['p2', 0],
      ] as const)
        actor.send({ type: 'report', r, v, from: p });
      for (const p of ['p0', 'p1', 'p2']) actor.send({ type: 'proposal', r, v: '?', from: p });
    }
    expect(actor.getSnapshot().value).toBe('gaveUp');
    expect(actor.getSnapshot().context.decision).toBeNull();
  });
});
