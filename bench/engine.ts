/**
 * The engine benchmark: events per second of the plain-JS floor, of xstate's
 * own step for the relay machine, and of parley's engine on the same relay
 * workload with xstate agents, for 10, 100 and 1,000 agents, tracing on and
 * off; and the memory each agent costs beyond its xstate snapshot.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { relay } from '../scenarios/protocols/relay.ts';
import { SharedScope } from '../sim/agent.ts';
import { bindAgentStream } from '../sim/effects.ts';
import { createSimulation, deriveStream, runScenario, type Scenario } from '../sim/index.ts';
import { runFloor } from './floor.ts';
import { median, type Row } from './report.ts';

const EVENTS = 300_000;
const REPEATS = 5;
/** Tokens each agent starts with: one message in flight per agent. */
const TOKENS_PER_AGENT = 1;

function relayScenario(agents: number): Scenario {
  return {
    name: `relay-${agents}`,
    agents: Array.from({ length: agents }, (_, i) => ({
      id: `a${i}`,
      protocol: relay,
      params: { tokens: TOKENS_PER_AGENT, hopsMax: 1_000_000_000 },
    })),
    network: { defaults: { dropRatio: 0, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 5 } } },
    limits: { eventsMax: EVENTS },
  };
}

/** A scope that runs a machine's actions and drops every effect: xstate with nothing around it. */
function idleScope(): SharedScope {
  return new SharedScope({
    effect: () => {},
    schedule: () => {},
    cancel: () => {},
    unsupported: (what) => {
      throw new Error(what);
    },
  });
}

/** Events per second of `fn`, which returns how many events it processed; median of REPEATS after a warm-up. */
function rate(fn: () => number): number {
  fn();
  const rates: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const events = fn();
    rates.push(events / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

/**
 * xstate's own cost for the relay machine: `agents` snapshots, each step a
 * fresh token event for an agent picked in a fixed pseudo-random order, as in
 * a run, through a scope that does nothing else (effects are built, then
 * discarded). What the engine adds is measured against this.
 */
function xstateStepRate(agents: number): number {
  const shared = idleScope();
  const scope = shared.scope as never;
  const machine = relay.machine;
  const ids = Array.from({ length: agents }, (_, i) => `a${i}`);
  bindAgentStream(deriveStream(1, 'agent/a0'));
  const snapshots = ids.map(
    (id, index) =>
      machine.getInitialSnapshot(scope, {
        id,
        index,
        agents: ids,
        peers: [],
        params: { tokens: 0, hopsMax: 1e9 },
      }) as AnyMachineSnapshot,
  );
  shared.flush();
  const order = deriveStream(1, 'order');
  const targets = Int32Array.from({ length: 65536 }, () => order.int(0, agents - 1));
  const steps = EVENTS;
  const r = rate(() => {
    for (let i = 0; i < steps; i++) {
      const t = targets[i & 65535] as number;
      snapshots[t] = machine.transition(
        snapshots[t] as AnyMachineSnapshot,
        { type: 'token', hops: i & 1023, from: 'a1' },
        scope,
      ) as AnyMachineSnapshot;
      shared.flush();
    }
    return steps;
  });
  bindAgentStream(null);
  return r;
}

/** What one benchmark case measures; each runs in a fresh process so JIT state from one does not bias another. */
export type EngineCase = 'xstate' | 'floor' | 'trace-off' | 'trace-on';

/** Events (or steps) per second of one case at `agents` agents. */
export function measureCase(kind: EngineCase, agents: number): number {
  switch (kind) {
    case 'xstate':
      return xstateStepRate(agents);
    case 'floor':
      return rate(() => runFloor(agents, TOKENS_PER_AGENT, EVENTS, 1, 5, 0, 1).events);
    case 'trace-off':
      return rate(() => runScenario(relayScenario(agents), { seed: 1, record: false }).events);
    case 'trace-on':
      return rate(() => runScenario(relayScenario(agents), { seed: 1 }).events);
  }
}

/** The table rows from the measured rates of every case at 10, 100 and 1,000 agents. */
export function engineRows(measure: (kind: EngineCase, agents: number) => number): Row[] {
  const rows: Row[] = [];
  for (const agents of [10, 100, 1000]) {
    const xstate = measure('xstate', agents);
    const floor = measure('floor', agents);
    const off = measure('trace-off', agents);
    const on = measure('trace-on', agents);
    rows.push(
      { name: `xstate step alone, ${agents} agents`, value: xstate, unit: 'steps/s' },
      { name: `floor, ${agents} agents`, value: floor, unit: 'events/s' },
      { name: `parley, ${agents} agents, trace off`, value: off, unit: 'events/s' },
      { name: `parley, ${agents} agents, trace on`, value: on, unit: 'events/s' },
      {
        name: `  engine cost over xstate's step, ${agents} agents (target <= 30%)`,
        value: (xstate / off - 1) * 100,
        unit: '%',
      },
      {
        name: `  tracing cost, ${agents} agents (target <= 25%)`,
        value: (off / on - 1) * 100,
        unit: '%',
      },
      { name: `  parley (trace on) / floor, ${agents} agents`, value: on / floor, unit: 'x' },
    );
  }
  return rows;
}

/** Bytes per agent: the engine's agents versus bare xstate snapshots, both with all agents started. */
export function memoryRows(): Row[] {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined)
    return [{ name: 'memory per agent (run with --expose-gc)', value: Number.NaN, unit: 'B' }];
  const n = 20_000;
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const shared = idleScope();
  const ids = Array.from({ length: n }, (_, i) => `a${i}`);
  let before = heap();
  bindAgentStream(deriveStream(1, 'agent/x'));
  const snapshots = Array.from({ length: n }, (_, i) =>
    relay.machine.getInitialSnapshot(shared.scope as never, {
      id: `a${i}`,
      index: i,
      agents: ids,
      peers: [],
      params: { tokens: 0 },
    }),
  );
  bindAgentStream(null);
  shared.flush();
  const snapshotBytes = (heap() - before) / n;
  snapshots.length = 0;

  const scenario: Scenario = {
    name: 'memory',
    agents: Array.from({ length: n }, (_, i) => ({
      id: `a${i}`,
      protocol: relay,
      params: { tokens: 0 },
    })),
  };
  before = heap();
  const sim = createSimulation(scenario, { seed: 1, record: false });
  sim.run();
  const engineBytes = (heap() - before) / n;
  const up = sim.result().agents.filter((a) => a.status === 'up').length;
  return [
    { name: 'xstate snapshot per agent', value: snapshotBytes, unit: 'B' },
    { name: 'engine per agent, snapshot included (trace off)', value: engineBytes, unit: 'B' },
    {
      name: '  engine per agent beyond the snapshot (target <= 1024 B)',
      value: engineBytes - snapshotBytes,
      unit: 'B',
    },
    { name: '  agents up when measured', value: up, unit: 'agents' },
  ];
}
