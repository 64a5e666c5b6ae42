import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { handoff } from '../../scenarios/protocols/handoff.ts';
import { type AgentInput, check, runScenario, type Scenario, viewOf } from '../../sim/index.ts';

const TASKS = 20;

function scenario(dropRatio: number, worker: Record<string, boolean> = {}): Scenario {
  return {
    name: 'lossy-handoff',
    agents: [
      { id: 'boss', protocol: handoff, params: { tasks: TASKS, ...worker } },
      { id: 'w1', protocol: handoff, params: worker },
      { id: 'w2', protocol: handoff, params: worker },
    ],
    network: { defaults: { dropRatio, latency: { kind: 'constant', ticks: 2 } } },
    limits: { ticksMax: 20_000 },
  };
}

const duplicates = (s: Scenario, seed: number) => {
  const v = check(viewOf(runScenario(s, { seed }).trace), 'duplicate-execution');
  return v.metrics as { tasks: number; duplicates: number };
};

describe('lossy hand-off', () => {
  for (const p of [0.1, 0.3]) {
    it(`executes a task again p / (1 - p) times on average when acknowledgements are lost (p = ${p})`, () => {
      // Duplicates of one task: failures before the first success of a
      // Bernoulli(1 - p) sequence (each delivered copy's ack is lost with p):
      // geometric with mean p / (1 - p) and variance p / (1 - p)^2.
      const seeds = 200;
      let total = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const m = duplicates(scenario(p), seed);
        expect(m.tasks, `seed ${seed}: every task ran`).toBe(TASKS);
        total += m.duplicates;
      }
      const n = seeds * TASKS;
      const mean = p / (1 - p);
      const sd = Math.sqrt(n * (p / (1 - p) ** 2));
      expect(Math.abs(total - n * mean), `${total} duplicates over ${n} tasks`).toBeLessThanOrEqual(
        5 * sd,
      );
    });
  }

  it('executes every task exactly once with idempotency keys, whatever is lost', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const run = runScenario(scenario(0.3, { idempotent: true }), { seed });
      const v = check(viewOf(run.trace), 'duplicate-execution');
      expect(v.status, `seed ${seed}`).toBe('holds');
      expect(v.metrics).toEqual({ tasks: TASKS, duplicates: 0 });
    }
  });

  it('lets everyone decide with termination detection, and nobody without it', () => {
    const seed = 4;
    const withDetection = runScenario(scenario(0.2), { seed });
    expect(withDetection.decisions.map((d) => d.agent).sort()).toEqual(['boss', 'w1', 'w2']);
    expect(check(viewOf(withDetection.trace), 'termination').status).toBe('holds');
    const without = runScenario(scenario(0.2, { terminationDetection: false }), { seed });
    expect(without.decisions).toEqual([]);
    const t = check(viewOf(without.trace), 'termination');
    expect(t.status).toBe('fails');
    expect(t.summary).toContain('3 of 3 agents had not decided');
    // The work itself was all done: only the knowledge of it is missing.
    expect(check(viewOf(without.trace), 'duplicate-execution').metrics?.['tasks']).toBe(TASKS);
  });

  it('executes each task once on a lossless link, even without idempotency keys', () => {
    expect(duplicates(scenario(0), 1)).toEqual({ tasks: TASKS, duplicates: 0 });
  });

  it('keeps its golden trace hash and replays byte for byte', () => {
    const s = scenario(0.2);
    const first = runScenario(s, { seed: 9 }).trace;
    expect(runScenario(s, { seed: 9 }).trace.toJSONL()).toBe(first.toJSONL());
    expect(first.hash()).toBe('7cb4b1afa89d4a9fe1972cd622b0727885f1d0b4becb5a262a34c9228a4d4513');
  });

  it('takes an acknowledgement only for a task it named, whatever name a message carries', () => {
    const input: AgentInput = {
      id: 'boss',
      index: 0,
      agents: ['boss', 'w1'],
      peers: ['w1'],
      params: { tasks: 12 },
      honest: true,
    };
    const actor = createActor(handoff.machine, { input });
    actor.start();
    const retries = () => (actor.getSnapshot().context as { retries: number[] }).retries;
    // Names that only look like t1 or t10, and one past the last task.
    for (const task of ['t01', 't1.0', ' t1', 't+1', 't1e1', 'T1', '1', 't', 't12', 't-1'])
      actor.send({ type: 'ack', task, from: 'w1' });
    expect(retries()).toEqual(Array(12).fill(0));
    actor.send({ type: 'ack', task: 't10', from: 'w1' });
    actor.send({ type: 'ack', task: 't0', from: 'w1' });
    actor.send({ type: 'ack', task: 't10', from: 'w1' });
    expect(retries()).toEqual([-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0]);
  });
});
