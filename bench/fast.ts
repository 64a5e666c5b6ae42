/**
 * The fast path against xstate on every protocol case of bench/protocols:
 * events per second of the same fixed configuration, seeds 1, 2, … up to
 * 200,000 events, trace on, run on xstate machines and on compiled ones in
 * the same process, one after the other in each round (warm-up first), the
 * ratio taken within each round and the median reported. Each protocol runs
 * in a fresh process.
 *
 *   npx tsx bench/fast.ts            the table for every protocol case
 *   npx tsx bench/fast.ts NAME       one case, as JSON (what the table runs)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tuneV8 } from '../cli/v8.ts';
import { relay } from '../scenarios/protocols/relay.ts';
import { fastScenario, isFast } from '../sim/fast/diff.ts';
import { runScenario, type Scenario } from '../sim/index.ts';
import { runFloor } from './floor.ts';
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
function pass(scenario: Scenario): number {
  gc();
  const t0 = performance.now();
  let events = 0;
  for (let seed = 1; events < EVENTS; seed++) events += runScenario(scenario, { seed }).events;
  return events / ((performance.now() - t0) / 1000);
}

/** Both paths on the named protocol case, in this process. */
export async function measureFast(name: string): Promise<FastFigures> {
  const { bench } = (await import(`./protocols/${name}.ts`)) as { bench: ProtocolBench };
  const xstate = bench.scenario;
  const fast = fastScenario(xstate);
  for (let i = 0; i < WARMUP; i++) {
    pass(xstate);
    pass(fast);
  }
  const rounds = Array.from({ length: ROUNDS }, () => {
    const x = pass(xstate);
    const f = pass(fast);
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
  /** Medians over rounds of the ratios within a round. */
  readonly fastOverXstate: number;
  readonly fastOverFloor: number;
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
  const cases = [
    () => runScenario(xstate, { seed: 1 }).events,
    () => runScenario(fast, { seed: 1 }).events,
    () => runFloor(agents, 1, RELAY_EVENTS, 1, 5, 0, 1).events,
  ];
  for (let i = 0; i < 2 * WARMUP; i++) for (const c of cases) timed(c);
  const rounds = Array.from({ length: ROUNDS }, () => cases.map(timed) as [number, number, number]);
  return {
    agents,
    xstate: median(rounds.map((r) => r[0])),
    fast: median(rounds.map((r) => r[1])),
    floor: median(rounds.map((r) => r[2])),
    fastOverXstate: median(rounds.map((r) => r[1] / r[0])),
    fastOverFloor: median(rounds.map((r) => r[1] / r[2])),
  };
}

function inFreshProcess(...args: string[]): unknown {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(out);
}

/** The relay rows: each agent count measured in a fresh Node process. */
export function relayRows(): Row[] {
  return [10, 100, 1000].flatMap((agents) => {
    const f = inFreshProcess('relay', String(agents)) as RelayFigures;
    return [
      { name: `relay, ${agents} agents: xstate`, value: f.xstate, unit: 'ev/s' },
      { name: `relay, ${agents} agents: fast`, value: f.fast, unit: 'ev/s' },
      { name: `relay, ${agents} agents: floor`, value: f.floor, unit: 'ev/s' },
      { name: `  relay, ${agents} agents: fast over xstate`, value: f.fastOverXstate, unit: 'x' },
      {
        name: `  relay, ${agents} agents: fast over floor (target >= 0.5)`,
        value: f.fastOverFloor,
        unit: 'x',
      },
    ];
  });
}

/** The protocol rows: each protocol case measured in a fresh Node process. */
export function fastRows(): Row[] {
  const rows: Row[] = [];
  for (const name of protocolBenchNames()) {
    const f = inFreshProcess(name) as FastFigures;
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

export const RELAY_TITLE = `Fast path on the relay workload (one token per agent, ${RELAY_EVENTS.toLocaleString('en')} events, trace on, xstate, fast and floor in one process, median of ${ROUNDS} rounds, fresh process per agent count)`;

/** Both tables, as `npm run bench` prints them. */
export function printFast(): void {
  printRows(FAST_TITLE, fastRows());
  printRows(RELAY_TITLE, relayRows());
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  tuneV8();
  const [name, agents] = process.argv.slice(2);
  if (name === 'relay') process.stdout.write(JSON.stringify(measureRelay(Number(agents))));
  else if (name !== undefined) process.stdout.write(JSON.stringify(await measureFast(name)));
  else printFast();
}
