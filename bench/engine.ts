/**
 * The engine benchmark: events per second of the plain-JS floor, of xstate's
 * own step for the relay machine, of that step driven from a bare event
 * queue, and of parley's engine on the same relay workload with xstate
 * agents, for 10, 100 and 1,000 agents, tracing on and off; and the memory
 * each agent costs beyond its xstate snapshot.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { relay } from '../scenarios/protocols/relay.ts';
import { SharedScope } from '../sim/agent.ts';
import { bindAgentStream, delivered } from '../sim/effects.ts';
import {
  createSimulation,
  deriveStream,
  EventQueue,
  runScenario,
  type Scenario,
  type Stream,
} from '../sim/index.ts';
import { runFloor } from './floor.ts';
import { median, type Row } from './report.ts';

const EVENTS = 300_000;
const REPEATS = 5;
/** Untimed runs first: the engine reaches its steady speed after three to five runs of 300,000 events. */
const WARMUP = 4;
/**
 * Rounds of every case, each case in a fresh process: the speed of one process
 * differs from the next by up to 7 % here (code and heap layout), and the
 * machine's speed drifts over minutes, so each ratio is taken within a round,
 * between processes run one after the other, and the median round reported.
 */
export const ROUNDS = 3;
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
  for (let i = 0; i < WARMUP; i++) fn();
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

/**
 * xstate's step driven from a bare event queue: each emitted send becomes an
 * event (the message copied with its sender, four draws from the sender's
 * stream, a uniform latency of 1 to 5 ticks) on sim's event queue, and each
 * event popped steps its agent, with its own stream bound. No network model
 * beyond that, no checks, no trace: about the least an engine that delivers
 * messages as events can add to the step, so the figure shows how much of the
 * engine's cost any such engine pays (messages in flight are cold in cache
 * when delivered; the step-alone baseline's events are not).
 */
function queueStepRate(agents: number): number {
  interface Ev {
    tick: number;
    seq: number;
    target: number;
    payload: EventObject | null;
  }
  const ids = Array.from({ length: agents }, (_, i) => `a${i}`);
  const index = new Map(ids.map((id, i) => [id, i]));
  const streams = ids.map((id) => deriveStream(1, `agent/${id}`));
  const net = ids.map((id) => deriveStream(1, `net/${id}`));
  const queue = new EventQueue<Ev>();
  const free: Ev[] = [];
  let current = 0;
  let now = 0;
  const shared = new SharedScope({
    effect: (e) => {
      if (e.type !== 'parley.send') return;
      const event = delivered(e.message, ids[current] as string);
      const s = net[current] as Stream;
      s.next();
      s.next();
      const latency = 1 + Math.floor(s.next() * 5);
      s.next();
      const ev = free.pop() ?? { tick: 0, seq: 0, target: 0, payload: null };
      ev.tick = now + latency;
      ev.target = index.get(e.to) as number;
      ev.payload = event as unknown as EventObject;
      queue.push(ev);
    },
    schedule: () => {},
    cancel: () => {},
    unsupported: (what) => {
      throw new Error(what);
    },
  });
  const scope = shared.scope as never;
  const machine = relay.machine;
  const snapshots = ids.map((id, i) => {
    current = i;
    bindAgentStream(streams[i] as Stream);
    const s = machine.getInitialSnapshot(scope, {
      id,
      index: i,
      agents: ids,
      peers: [],
      params: { tokens: TOKENS_PER_AGENT, hopsMax: 1e9 },
    }) as AnyMachineSnapshot;
    shared.flush();
    return s;
  });
  const r = rate(() => {
    for (let i = 0; i < EVENTS; i++) {
      const ev = queue.pop() as Ev;
      now = ev.tick;
      const t = ev.target;
      current = t;
      bindAgentStream(streams[t] as Stream);
      snapshots[t] = machine.transition(
        snapshots[t] as AnyMachineSnapshot,
        ev.payload as EventObject,
        scope,
      ) as AnyMachineSnapshot;
      shared.flush();
      ev.payload = null;
      free.push(ev);
    }
    return EVENTS;
  });
  bindAgentStream(null);
  return r;
}

/** What one benchmark case measures; each runs in a fresh process so JIT state from one does not bias another. */
export type EngineCase = 'xstate' | 'queue' | 'floor' | 'trace-off' | 'trace-on';

/** Events (or steps) per second of one case at `agents` agents. */
export function measureCase(kind: EngineCase, agents: number): number {
  switch (kind) {
    case 'xstate':
      return xstateStepRate(agents);
    case 'queue':
      return queueStepRate(agents);
    case 'floor':
      return rate(() => runFloor(agents, TOKENS_PER_AGENT, EVENTS, 1, 5, 0, 1).events);
    case 'trace-off':
      return rate(
        () =>
          runScenario(relayScenario(agents), { seed: 1, record: false, engine: 'xstate' }).events,
      );
    case 'trace-on':
      return rate(() => runScenario(relayScenario(agents), { seed: 1, engine: 'xstate' }).events);
  }
}

/**
 * The table rows from ROUNDS rounds of every case at 10, 100 and 1,000 agents:
 * rates are the median over rounds, ratios the median of each round's ratio.
 */
export function engineRows(measure: (kind: EngineCase, agents: number) => number): Row[] {
  const rows: Row[] = [];
  const kinds: EngineCase[] = ['xstate', 'queue', 'floor', 'trace-off', 'trace-on'];
  for (const agents of [10, 100, 1000]) {
    const rounds = Array.from({ length: ROUNDS }, () => {
      const r = {} as Record<EngineCase, number>;
      for (const kind of kinds) r[kind] = measure(kind, agents);
      return r;
    });
    const mid = (f: (r: Record<EngineCase, number>) => number) => median(rounds.map(f));
    rows.push(
      { name: `xstate step alone, ${agents} agents`, value: mid((r) => r.xstate), unit: 'steps/s' },
      {
        name: `xstate step from a bare event queue, ${agents} agents`,
        value: mid((r) => r.queue),
        unit: 'steps/s',
      },
      { name: `floor, ${agents} agents`, value: mid((r) => r.floor), unit: 'events/s' },
      {
        name: `parley, ${agents} agents, trace off`,
        value: mid((r) => r['trace-off']),
        unit: 'events/s',
      },
      {
        name: `parley, ${agents} agents, trace on`,
        value: mid((r) => r['trace-on']),
        unit: 'events/s',
      },
      {
        name: `  engine cost over xstate's step, ${agents} agents (target <= 30%)`,
        value: mid((r) => (r.xstate / r['trace-off'] - 1) * 100),
        unit: '%',
      },
      {
        name: `  bare queue's cost over xstate's step, ${agents} agents`,
        value: mid((r) => (r.xstate / r.queue - 1) * 100),
        unit: '%',
      },
      {
        name: `  tracing cost, ${agents} agents (target <= 25%)`,
        value: mid((r) => (r['trace-off'] / r['trace-on'] - 1) * 100),
        unit: '%',
      },
      {
        name: `  parley (trace on) / floor, ${agents} agents`,
        value: mid((r) => r['trace-on'] / r.floor),
        unit: 'x',
      },
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
  const sim = createSimulation(scenario, { seed: 1, record: false, engine: 'xstate' });
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
