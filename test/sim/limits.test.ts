import { describe, expect, it } from 'vitest';
import { emit, enqueueActions, setup } from 'xstate';
import { ackRetransmit } from '../../scenarios/protocols/ack-retransmit.ts';
import {
  createSimulation,
  decide,
  InvariantError,
  note,
  runScenario,
  type Scenario,
  ScenarioError,
  STEP_EFFECTS_MAX,
  send,
  setTimer,
  spend,
} from '../../sim/index.ts';
import { probe } from '../fixtures/probe.ts';
import { lossyAck } from '../fixtures/scenarios.ts';

const chatty: Scenario = {
  name: 'chatty',
  agents: [
    { id: 'a', protocol: probe, params: { targets: ['b'], periodTicks: 1, rounds: 1000 } },
    { id: 'b', protocol: probe },
  ],
};

describe('run limits', () => {
  it('stop at the tick limit and say so', () => {
    const r = runScenario({ ...chatty, limits: { ticksMax: 100 } }, { seed: 1 });
    expect(r.stop).toEqual({ reason: 'ticksMax', tick: 100 });
    expect(r.trace.endLine()).toContain('"stop":"ticksMax"');
    expect(Math.max(...[...r.trace.records()].map((x) => x.tick))).toBe(100);
  });

  it('stop at the event limit after exactly that many events', () => {
    const r = runScenario({ ...chatty, limits: { eventsMax: 250 } }, { seed: 1 });
    expect(r.stop.reason).toBe('eventsMax');
    expect(r.events).toBe(250);
  });

  it('stop at the record limit and the queue limit', () => {
    expect(runScenario({ ...chatty, limits: { recordsMax: 40 } }, { seed: 1 }).stop.reason).toBe(
      'recordsMax',
    );
    const flood: Scenario = {
      ...chatty,
      agents: [
        { id: 'a', protocol: probe, params: { targets: ['b'], periodTicks: 0, rounds: 500 } },
        chatty.agents[1]!,
      ],
      limits: { queueMax: 100 },
    };
    expect(runScenario(flood, { seed: 1 }).stop.reason).toBe('queueMax');
  });

  it('stop once every agent that is up has decided, when asked to', () => {
    const r = runScenario({ ...lossyAck, limits: { untilAllDecided: true } }, { seed: 1 });
    expect(r.stop.reason).toBe('allDecided');
    expect(r.decisions.map((d) => d.agent).sort()).toEqual(['alice', 'bob']);
    expect(r.stop.tick).toBe(Math.max(...r.decisions.map((d) => d.tick)));
  });
});

describe('invalid input and broken protocols', () => {
  it('reports every problem of a scenario at once, with its path', () => {
    const bad: Scenario = {
      name: 'bad',
      agents: [
        { id: 'a', protocol: ackRetransmit },
        { id: 'a', protocol: ackRetransmit },
      ],
      network: {
        defaults: { dropRatio: 1.5, latency: { kind: 'uniform', ticksMin: 5, ticksMax: 2 } },
      },
      faults: [{ kind: 'crash', agent: 'zed', tick: 10, tickRestart: 5 }],
      limits: { ticksMax: 0 },
    };
    let error: unknown;
    try {
      createSimulation(bad, { seed: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).problems.map((p) => p.path)).toEqual([
      'agents.1.id',
      'network.defaults.dropRatio',
      'network.defaults.latency.ticksMax',
      'faults.0.agent',
      'faults.0.tickRestart',
      'limits.ticksMax',
    ]);
  });

  it('refuses a bad seed', () => {
    expect(() => createSimulation(lossyAck, { seed: -3 })).toThrow(/seed must be an integer/);
  });

  it('names the scenario, the seed and the command to reproduce when a protocol breaks an invariant', () => {
    const machine = setup({}).createMachine({ entry: emit(spend(-1)) });
    const scenario: Scenario = {
      name: 'stray',
      agents: [{ id: 'a', protocol: { name: 'stray', machine } }],
    };
    expect(() => runScenario(scenario, { seed: 9 })).toThrow(InvariantError);
    expect(() => runScenario(scenario, { seed: 9 })).toThrow(
      /agent a spent -1[\s\S]*seed: 9[\s\S]*npx parley run stray --seed 9/,
    );
  });

  it('records a message to an unknown agent as an error of the sender, and goes on', () => {
    const machine = setup({}).createMachine({
      entry: [emit(send('nobody', { type: 'hello' })), emit(decide('done'))],
    });
    const scenario: Scenario = {
      name: 'stray',
      agents: [{ id: 'a', protocol: { name: 'stray', machine } }],
    };
    const run = runScenario(scenario, { seed: 9 });
    const lines = [...run.trace.lines()].slice(1, -1).map((l) => JSON.parse(l));
    expect(lines.filter((r) => r.kind === 'error')).toEqual([
      {
        seq: 2,
        tick: 0,
        kind: 'error',
        agent: 'a',
        cause: 0,
        data: { error: 'unknown-agent', to: 'nobody', type: 'hello' },
      },
    ]);
    expect(lines.filter((r) => r.kind === 'send')).toEqual([]);
    expect(run.decisions.map((d) => d.value)).toEqual(['done']);
  });

  it('crashes an agent whose one step takes more than STEP_EFFECTS_MAX effects, and goes on', () => {
    // One broadcast to 100,001 others would be one effect but 100,001 sends; a loop of emits
    // is the other way past the limit. Both end the same: the step is cut short and recorded.
    const looping = setup({}).createMachine({
      entry: enqueueActions(({ enqueue }) => {
        for (let i = 0; i <= STEP_EFFECTS_MAX; i++) enqueue(emit(note({ i })));
      }),
    });
    const quiet = setup({}).createMachine({ entry: emit(decide('calm')) });
    const scenario: Scenario = {
      name: 'looper',
      agents: [
        { id: 'loop', protocol: { name: 'looping', machine: looping } },
        { id: 'calm', protocol: { name: 'quiet', machine: quiet } },
      ],
    };
    const run = runScenario(scenario, { seed: 1 });
    const records = [...run.trace.lines()].slice(1, -1).map((l) => JSON.parse(l));
    expect(records.filter((r) => r.kind === 'crash')).toEqual([
      {
        seq: 1,
        tick: 0,
        kind: 'crash',
        agent: 'loop',
        cause: 0,
        data: { reason: 'step-effects', limit: STEP_EFFECTS_MAX },
      },
    ]);
    expect(records.filter((r) => r.kind === 'note')).toEqual([]);
    expect(run.agents.map((a) => a.status)).toEqual(['down', 'up']);
    expect(run.decisions.map((d) => d.agent)).toEqual(['calm']);
  });

  it('lets a timer due after the last tick never fire, and says no tick for it', () => {
    const machine = setup({}).createMachine({
      entry: emit(setTimer('late', 9e15)),
      on: { late: { actions: emit(decide('too late')) } },
    });
    const scenario: Scenario = {
      name: 'late',
      agents: [{ id: 'a', protocol: { name: 'late', machine } }],
      limits: { ticksMax: 100 },
    };
    const run = runScenario(scenario, { seed: 1 });
    const records = [...run.trace.lines()].slice(1, -1).map((l) => JSON.parse(l));
    expect(records.find((r) => r.kind === 'timer.set')).toEqual({
      seq: 2,
      tick: 0,
      kind: 'timer.set',
      agent: 'a',
      cause: 0,
      data: 'late',
    });
    expect(run.decisions).toEqual([]);
    expect(run.stop).toEqual({ reason: 'ticksMax', tick: 0 });
  });

  it('refuses xstate features that would bypass the simulated network', () => {
    const child = setup({}).createMachine({});
    const machine = setup({ actors: { child } }).createMachine({ invoke: { src: 'child' } });
    const scenario: Scenario = {
      name: 'invoker',
      agents: [{ id: 'a', protocol: { name: 'invoker', machine } }],
    };
    expect(() => runScenario(scenario, { seed: 1 })).toThrow(
      /not supported inside a simulated agent/,
    );
  });
});
