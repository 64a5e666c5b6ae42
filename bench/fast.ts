/**
 * The fast path against xstate on every protocol case of bench/protocols:
 * events per second of the same fixed configuration, seeds 1, 2, … up to
 * 200,000 events, trace on, run on xstate machines and on compiled ones in
 * the same process, one after the other in each round (warm-up first), the
 * ratio taken within each round and the median reported. Each protocol runs
 * in a fresh process, compiled (bench/fresh.ts).
 *
 *   npx tsx bench/fast.ts            the table for every protocol case
 *   npx tsx bench/fast.ts NAME       one case, as JSON, in this process through tsx
 *
 * What bounds the ratio (CPU profiles of the fast path, Node 20): a compiled
 * step is about 18 times xstate's, so each case is bounded by what both
 * paths spend alike.
 * - The send record's text. messageJson (sim/trace.ts) writes messages of
 *   strings, numbers, booleans and flat arrays of them from caches of keys',
 *   strings' and types' JSON (relay at 10 agents 1.08 M → 1.30 M events/s,
 *   at 100 agents 1.33 M → 1.45-1.55 M; byzantine-om's paths no longer go
 *   to JSON.stringify). Taking the text later would need a copy that cannot
 *   change.
 * - `assign`'s new context, Object.assign({}, …) as xstate makes it: 10 to
 *   14% of handoff and ben-or. A spread measured slower up to 19 keys, in
 *   the engine where one call site sees every machine's contexts; from 20
 *   keys, where Object.assign falls off V8's fast properties, the fast path
 *   copies by a spread (sim/fast/actions.ts).
 * - The protocols' own code: 20 to 45% of majority-vote, and of byzantine-om
 *   and ben-or before they stopped copying a record or two maps per message
 *   (2.17 → 2.78 and 3.01 → 3.17 times xstate, CPU time, traces unchanged).
 * - Making each run: two-generals has 7 events a run and llm-assistant 39,
 *   and the manifest's JSON of the scenario alone is 7 to 10% of them.
 * - On the relay, the trace: two records an event and each message's text,
 *   where the floor keeps no trace (the table's trace-off row).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine, EventObject } from 'xstate';
import { tuneV8 } from '../cli/v8.ts';
import { relay } from '../scenarios/protocols/relay.ts';
import { SharedScope } from '../sim/agent.ts';
import { bindAgentStream } from '../sim/effects.ts';
import { fastScenario, isFast } from '../sim/fast/diff.ts';
import { compileMachine, type EngineChoice, type FastMachine } from '../sim/fast/index.ts';
import { deriveStream, runScenario, type Scenario } from '../sim/index.ts';
import { runFloor } from './floor.ts';
import { compileBench, inFreshProcess, isMain } from './fresh.ts';
import { type ProtocolBench, protocolBenchNames } from './protocols/case.ts';
import { median, printRows, type Row } from './report.ts';

const EVENTS = 200_000;
/** Untimed rounds of both paths before the timed ones. */
const WARMUP = 2;
const ROUNDS = 5;

export interface FastFigures {
  readonly protocol: string;
  readonly config: string;
  /** Whether every agent of the case runs on the fast path. */
  readonly compiled: boolean;
  readonly xstate: number;
  readonly fast: number;
  /** Median over rounds of fast / xstate within a round. */
  readonly ratio: number;
}

/** A full collection before each timed run, so that one path does not pay for the other's garbage. */
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Events per second of one pass over seeds 1, 2, … until EVENTS events. */
function pass(scenario: Scenario, engine: EngineChoice): number {
  gc();
  const t0 = performance.now();
  let events = 0;
  for (let seed = 1; events < EVENTS; seed++)
    events += runScenario(scenario, { seed, engine }).events;
  return events / ((performance.now() - t0) / 1000);
}

/** Both paths on the named protocol case, in this process. */
export async function measureFast(name: string): Promise<FastFigures> {
  const { bench } = (await import(`./protocols/${name}.ts`)) as { bench: ProtocolBench };
  const xstate = bench.scenario;
  const fast = fastScenario(xstate);
  for (let i = 0; i < WARMUP; i++) {
    pass(xstate, 'xstate');
    pass(fast, 'auto');
  }
  const rounds = Array.from({ length: ROUNDS }, () => {
    const x = pass(xstate, 'xstate');
    const f = pass(fast, 'auto');
    return { x, f };
  });
  return {
    protocol: bench.protocol,
    config: bench.config,
    compiled: fast.agents.every((a) => isFast(a.protocol)),
    xstate: median(rounds.map((r) => r.x)),
    fast: median(rounds.map((r) => r.f)),
    ratio: median(rounds.map((r) => r.f / r.x)),
  };
}

/** Events of one relay run (the engine benchmark's workload). */
const RELAY_EVENTS = 300_000;

/** The engine benchmark's relay workload: one token per agent, uniform 1 to 5 ticks, no loss. */
function relayScenario(agents: number): Scenario {
  return {
    name: `relay-${agents}`,
    agents: Array.from({ length: agents }, (_, i) => ({
      id: `a${i}`,
      protocol: relay,
      params: { tokens: 1, hopsMax: 1_000_000_000 },
    })),
    network: { defaults: { dropRatio: 0, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 5 } } },
    limits: { eventsMax: RELAY_EVENTS },
  };
}

export interface RelayFigures {
  readonly agents: number;
  readonly xstate: number;
  readonly fast: number;
  readonly floor: number;
  /** The relay machine's step alone (no engine), on xstate and on the fast path, steps/s. */
  readonly stepXstate: number;
  readonly stepFast: number;
  /** The fast path without the trace (as the floor, which records nothing). */
  readonly fastUntraced: number;
  /** Medians over rounds of the ratios within a round. */
  readonly fastOverXstate: number;
  readonly fastOverFloor: number;
  readonly stepFastOverXstate: number;
  readonly fastUntracedOverFloor: number;
}

/**
 * The relay machine's step alone, as bench/engine.ts measures xstate's: a
 * token event for an agent picked in a fixed pseudo-random order, through a
 * scope that builds the effects and drops them. Returns the steps run.
 */
function stepper(machine: AnyStateMachine, agents: number): () => number {
  const shared = new SharedScope({
    effect: () => {},
    schedule: () => {},
    cancel: () => {},
    unsupported: (what) => {
      throw new Error(what);
    },
  });
  const scope = shared.scope as never;
  const ids = Array.from({ length: agents }, (_, i) => `a${i}`);
  const stream = deriveStream(1, 'agent/a0');
  bindAgentStream(stream);
  const snapshots = ids.map((id, index) =>
    machine.getInitialSnapshot(scope, {
      id,
      index,
      agents: ids,
      peers: [],
      params: { tokens: 0, hopsMax: 1e9 },
    }),
  );
  shared.flush();
  bindAgentStream(null);
  const order = deriveStream(1, 'order');
  const targets = Int32Array.from({ length: 65536 }, () => order.int(0, agents - 1));
  return () => {
    bindAgentStream(stream);
    for (let i = 0; i < RELAY_EVENTS; i++) {
      const t = targets[i & 65535] as number;
      const event = { type: 'token', hops: i & 1023, from: 'a1' } as EventObject;
      snapshots[t] = machine.transition(snapshots[t] as never, event, scope);
      shared.flush();
    }
    bindAgentStream(null);
    return RELAY_EVENTS;
  };
}

/** Events per second of one run of `f`, which returns its event count. */
function timed(f: () => number): number {
  gc();
  const t0 = performance.now();
  const events = f();
  return events / ((performance.now() - t0) / 1000);
}

/** The relay workload at `agents` agents on xstate, on the fast path and as the floor, in this process. */
export function measureRelay(agents: number): RelayFigures {
  const xstate = relayScenario(agents);
  const fast = fastScenario(xstate);
  const compiled = compileMachine(relay.machine) as FastMachine;
  const cases = [
    () => runScenario(xstate, { seed: 1, engine: 'xstate' }).events,
    () => runScenario(fast, { seed: 1, engine: 'auto' }).events,
    () => runFloor(agents, 1, RELAY_EVENTS, 1, 5, 0, 1).events,
    stepper(relay.machine, agents),
    stepper(compiled as unknown as AnyStateMachine, agents),
    () => runScenario(fast, { seed: 1, engine: 'auto', record: false }).events,
  ];
  for (let i = 0; i < 2 * WARMUP; i++) for (const c of cases) timed(c);
  const rounds = Array.from({ length: ROUNDS }, () => cases.map(timed));
  const mid = (f: (r: number[]) => number) => median(rounds.map(f));
  return {
    agents,
    xstate: mid((r) => r[0] as number),
    fast: mid((r) => r[1] as number),
    floor: mid((r) => r[2] as number),
    stepXstate: mid((r) => r[3] as number),
    stepFast: mid((r) => r[4] as number),
    fastUntraced: mid((r) => r[5] as number),
    fastOverXstate: mid((r) => (r[1] as number) / (r[0] as number)),
    fastOverFloor: mid((r) => (r[1] as number) / (r[2] as number)),
    stepFastOverXstate: mid((r) => (r[4] as number) / (r[3] as number)),
    fastUntracedOverFloor: mid((r) => (r[5] as number) / (r[2] as number)),
  };
}

function inFresh(...args: string[]): unknown {
  return JSON.parse(inFreshProcess(import.meta.url, args));
}

/** Deliveries per SimPy run: SimPy steps about 10 k events/s here, so fewer than parley's runs. */
const SIMPY_EVENTS = 50_000;
const SIMPY_REPEATS = 3;

/** A Python that imports simpy (Debian's python3-simpy3 is for /usr/bin/python3), or why there is none. */
export function simpyPython(): { python: string } | { missing: string } {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import simpy'], { stdio: 'ignore', cwd: '/' });
      return { python };
    } catch {}
  }
  return {
    missing:
      'no python3 on PATH imports simpy (install Debian python3-simpy3: node scripts/ensure-system.mjs)',
  };
}

/** SimPy's events/s on bench/simpy.py, the relay written as a SimPy user would, at `agents` agents. */
export function simpyRate(python: string, agents: number): number {
  const script = fileURLToPath(new URL('./simpy.py', import.meta.url));
  const out = execFileSync(
    python,
    [script, String(agents), String(SIMPY_EVENTS), String(SIMPY_REPEATS)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return (JSON.parse(out) as { eventsPerSecond: number }).eventsPerSecond;
}

/** The relay rows: each agent count measured in a fresh Node process, and SimPy beside it when installed. */
export function relayRows(): Row[] {
  const peer = simpyPython();
  if ('missing' in peer) console.log(`\n(SimPy peer skipped: ${peer.missing})`);
  return [10, 100, 1000].flatMap((agents) => {
    const f = inFresh('relay', String(agents)) as RelayFigures;
    const simpy: Row[] = [];
    if ('python' in peer) {
      const rate = simpyRate(peer.python, agents);
      simpy.push(
        { name: `relay, ${agents} agents: SimPy (bench/simpy.py)`, value: rate, unit: 'ev/s' },
        { name: `  relay, ${agents} agents: fast over SimPy`, value: f.fast / rate, unit: 'x' },
      );
    }
    return [
      { name: `relay, ${agents} agents: xstate`, value: f.xstate, unit: 'ev/s' },
      { name: `relay, ${agents} agents: fast`, value: f.fast, unit: 'ev/s' },
      { name: `relay, ${agents} agents: floor`, value: f.floor, unit: 'ev/s' },
      { name: `relay, ${agents} agents: xstate step alone`, value: f.stepXstate, unit: 'steps/s' },
      { name: `relay, ${agents} agents: fast step alone`, value: f.stepFast, unit: 'steps/s' },
      {
        name: `  relay, ${agents} agents: fast step over xstate step`,
        value: f.stepFastOverXstate,
        unit: 'x',
      },
      { name: `  relay, ${agents} agents: fast over xstate`, value: f.fastOverXstate, unit: 'x' },
      {
        name: `  relay, ${agents} agents: fast over floor (target >= 0.5)`,
        value: f.fastOverFloor,
        unit: 'x',
      },
      { name: `relay, ${agents} agents: fast, trace off`, value: f.fastUntraced, unit: 'ev/s' },
      {
        name: `  relay, ${agents} agents: fast, trace off, over floor (which keeps no trace)`,
        value: f.fastUntracedOverFloor,
        unit: 'x',
      },
      ...simpy,
    ];
  });
}

/** The protocol rows: each protocol case measured in a fresh Node process. */
export function fastRows(): Row[] {
  const rows: Row[] = [];
  for (const name of protocolBenchNames()) {
    const f = inFresh(name) as FastFigures;
    const label = f.compiled ? f.protocol : `${f.protocol} (not compiled: xstate on both)`;
    rows.push(
      { name: `${label}: xstate`, value: f.xstate, unit: 'ev/s' },
      { name: `${label}: fast`, value: f.fast, unit: 'ev/s' },
      { name: `  ${f.protocol}: fast over xstate (target >= 3)`, value: f.ratio, unit: 'x' },
    );
  }
  return rows;
}

export const FAST_TITLE = `Fast path over xstate (protocol cases, trace on, seeds 1, 2, … up to ${EVENTS.toLocaleString('en')} events, both paths in one process, median of ${ROUNDS} rounds after ${WARMUP} untimed, fresh process per protocol)`;

export const RELAY_TITLE = `Fast path on the relay workload (one token per agent, ${RELAY_EVENTS.toLocaleString('en')} events, trace on, xstate, fast and floor in one process with the fast path again trace off, median of ${ROUNDS} rounds, fresh process per agent count; SimPy peer: the same workload in bench/simpy.py, ${SIMPY_EVENTS.toLocaleString('en')} deliveries, median of ${SIMPY_REPEATS}, run after parley's process)`;

/** Both tables, as `npm run bench` prints them. */
export function printFast(): void {
  printRows(FAST_TITLE, fastRows());
  printRows(RELAY_TITLE, relayRows());
}

if (isMain(import.meta.url)) {
  tuneV8();
  const [name, agents] = process.argv.slice(2);
  if (name === 'relay') process.stdout.write(JSON.stringify(measureRelay(Number(agents))));
  else if (name !== undefined) process.stdout.write(JSON.stringify(await measureFast(name)));
  else {
    await compileBench();
    printFast();
  }
}
