import { describe, expect, it } from 'vitest';
import { createSimulation, runScenario, type Scenario, sha256Hex } from '../../sim/index.ts';
import { GOLDEN } from '../fixtures/golden.ts';
import { probe } from '../fixtures/probe.ts';
import { faultyAck, goldenScenarios, lossyAck } from '../fixtures/scenarios.ts';

const reproduce = (name: string, seed: number) =>
  `reproduce: npx tsx -e "runScenario(${name}, { seed: ${seed} })"`;

describe('determinism', () => {
  for (const { scenario, seed } of goldenScenarios) {
    const key = `${scenario.name}@${seed}`;
    it(`keeps the golden trace hash of ${key}`, () => {
      const { trace } = runScenario(scenario, { seed });
      expect(trace.hash(), reproduce(scenario.name, seed)).toBe(GOLDEN[key]);
    });
  }

  it('replays a protocol with timeouts and retransmissions byte for byte', () => {
    for (const scenario of [lossyAck, faultyAck]) {
      for (const seed of [1, 2, 3, 99]) {
        const first = runScenario(scenario, { seed }).trace.toJSONL();
        const again = runScenario(scenario, { seed }).trace.toJSONL();
        expect(again, reproduce(scenario.name, seed)).toBe(first);
        // The retransmission timer really fired in these runs.
        if (seed === 1) expect(first).toContain('"kind":"timer.fire"');
      }
    }
  });

  it('writes a JSONL trace whose end line holds the SHA-256 of the file up to its `,"hash":"`', () => {
    const { trace } = runScenario(faultyAck, { seed: 7 });
    const text = trace.toJSONL();
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    const end = JSON.parse(lines.at(-2) as string);
    // `head -c -76 trace.jsonl | sha256sum`: the 76 bytes are `,"hash":"`, 64 hex digits, `"}` and "\n".
    expect(end).toMatchObject({
      type: 'end',
      records: trace.length,
      stop: 'quiescent',
      hash: sha256Hex(text.slice(0, -76)),
    });
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      type: 'manifest',
      parley: '0.1.0',
      scenario: 'faulty-ack',
      seed: 7,
    });
  });

  it('gives different traces for different seeds', () => {
    expect(runScenario(lossyAck, { seed: 1 }).trace.hash()).not.toBe(
      runScenario(lossyAck, { seed: 2 }).trace.hash(),
    );
  });

  it('reaches the same decisions and states with the trace off', () => {
    const on = runScenario(faultyAck, { seed: 7 });
    const off = runScenario(faultyAck, { seed: 7, record: false });
    expect(off.trace.length).toBe(0);
    expect(off.decisions.map((d) => [d.agent, d.value, d.tick])).toEqual(
      on.decisions.map((d) => [d.agent, d.value, d.tick]),
    );
    expect(off.agents).toEqual(on.agents);
    expect(off.events).toBe(on.events);
  });

  it('steps one event at a time to the same end as run()', () => {
    const sim = createSimulation(faultyAck, { seed: 7 });
    let steps = 0;
    while (sim.step()) steps++;
    expect(steps).toBe(sim.events);
    expect(sim.trace.hash()).toBe(GOLDEN['faulty-ack@7']);
    expect(sim.step()).toBe(false);
  });

  it('leaves the draws of a link unchanged when an agent or a fault is added elsewhere', () => {
    const base: Scenario = {
      name: 'independence',
      agents: [
        { id: 'a', protocol: probe, params: { targets: ['b'], periodTicks: 1, rounds: 200 } },
        { id: 'b', protocol: probe },
      ],
      network: {
        defaults: {
          dropRatio: 0.2,
          duplicateRatio: 0.1,
          latency: { kind: 'uniform', ticksMin: 1, ticksMax: 9 },
        },
      },
    };
    const grown: Scenario = {
      ...base,
      agents: [
        ...base.agents,
        { id: 'c', protocol: probe, params: { targets: ['a', 'b'], periodTicks: 2, rounds: 100 } },
      ],
      faults: [{ kind: 'omission', agent: 'c', sendRatio: 0.5, tickStart: 10 }],
    };
    // Fate of every a → b message: which copies arrived when, and why any was dropped.
    const fatesAB = (s: Scenario) => {
      const out: string[] = [];
      for (const r of runScenario(s, { seed: 5 }).trace.records()) {
        const ab =
          (r.kind === 'deliver' && r.agent === 'b' && r.peer === 'a') ||
          (r.kind === 'drop' && r.agent === 'a');
        if (ab || (r.kind === 'duplicate' && r.agent === 'a'))
          out.push(`${r.kind}@${r.tick}:${String(r.data)}`);
      }
      return out;
    };
    const before = fatesAB(base);
    expect(before.length).toBeGreaterThan(200);
    expect(fatesAB(grown)).toEqual(before);
  });
});
