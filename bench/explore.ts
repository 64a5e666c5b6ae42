/**
 * Exploration (sim/explore.ts): distinct states per CPU second with state
 * hashing, and the schedules run with and without it, on three exhausted
 * configurations: majority-vote-partition (strict quorum, one resend,
 * latencies 1 and 2), paxos (three agents, two proposers, one loss, one
 * duplicate, latency 1) and two-phase commit (one crash, latencies 1, 2).
 * Each is measured in CPU time (the bench machine may be shared) twice: the
 * first run in the process, while V8 still compiles the engine's paths, and
 * a run after it (warmed); then where the time of a warmed run goes.
 *
 * Fingerprints were about 40 % of the time (SHA-256 of their JSON 27 %),
 * then a 64-bit hash of text built piece by piece (3,677 → 5,012 states/s
 * on paxos). Now the state is fed into one incremental hash (Hash64)
 * without building any text: each context's and message's JSON structure
 * hashed once, by identity, without JSON.stringify, each key's text once,
 * and the queue read in (tick, seq) order without sorting (a fingerprint of
 * the paxos state went from 16 to under 3 µs); and safety is judged at new
 * states only, not again along each replayed prefix. Measured with this
 * bench on a shared two-core machine, the sources before and after: paxos
 * 8,295 → 12,600 states per CPU second on the first run and 11,600 →
 * 23,600 warmed (fingerprints 61 % → 29 % of a warmed run); majority vote
 * 10,100 → 16,300 and 21,400 → 38,900; two-phase commit 4,283 → 5,863 and
 * 4,719 → 6,481. The machine was shared (load 4 on 2 cores): runs of
 * this bench after the change gave paxos 8,600 to 12,600 on the first run
 * and 13,300 to 25,400 warmed (now the median of three), and alone in a
 * fresh process, while V8 still compiles the engine, 5,900 to 8,000.
 * The engine runs on the fast path (compiled steppers, `engine: 'auto'`)
 * for these protocols. What costs most now is stepping the engine, half of
 * it running each schedule's prefix again from the start (stateless
 * search: about 2 events stepped per state fingerprinted on paxos, 6 on
 * two-phase commit), then the rest (making a simulation per schedule, whose
 * manifest describes the scenario as JSON each time; judging safety, a
 * view of the whole trace at each decision; the keys), then fingerprints.
 * Hashing saves little on paxos (925 schedules against 937 without) and
 * costs twice the time there; on majority vote it saves 28 times the
 * schedules, on two-phase commit at least 3.85 times.
 */
import { loadNamed } from '../cli/catalog.ts';
import { type ExploreOptions, type ExploreResult, explore } from '../sim/explore.ts';
import { createSimulation } from '../sim/simulation.ts';
import type { Scenario } from '../sim/spec.ts';
import { compileBench, inFreshProcess, isMain } from './fresh.ts';
import { median, printRows, type Row } from './report.ts';

export const EXPLORE_TITLE =
  'Exploration, exhausted, CPU time (majority-vote-partition strict, resendsMax 1, latencies 1,2; paxos 3 agents, 2 proposers, 1 loss, 1 duplicate, latency 1; two-phase-commit, 1 crash, latencies 1,2)';

/** Warmed runs of each configuration; the median is reported. */
const WARMED_RUNS = 3;

/** Most schedules a run without hashing makes: two-phase commit has more than a million. */
const PLAIN_SCHEDULES_MAX = 100_000;

/** CPU milliseconds of `f` (the bench machine may be shared) and what it returned. */
function cpuTimed<T>(f: () => T): { ms: number; value: T } {
  const c = process.cpuUsage();
  const value = f();
  const u = process.cpuUsage(c);
  return { ms: Math.max(1e-3, (u.user + u.system) / 1000), value };
}

/** Three agents (p2 accepts and learns only), two proposers from tick 0, one loss and one duplicate, latency 1: 4756 states, exhausted. */
export function paxosConfig(): { scenario: Scenario; options: ExploreOptions } {
  const { scenario } = loadNamed('paxos-lossy', {
    overrides: [
      'agents.count=3',
      'faults=[]',
      'agents.agents={p2: {params: {proposer: false}}}',
      'params.startTicksMax=0',
      'params.backoffTicksMax=0',
      'params.retryTicks=8',
    ],
  });
  return { scenario, options: { losses: 1, duplicates: 1, latencies: [1], depth: 100 } };
}

/** Two-phase commit without its scripted crash, at most one crash, latencies 1, 2: 13101 states, exhausted (safety only). */
export function twoPhaseConfig(): { scenario: Scenario; options: ExploreOptions } {
  const { scenario } = loadNamed('two-phase-commit', { overrides: ['faults=[]'] });
  return { scenario, options: { crashes: 1, depth: 40 } };
}

/** Where a warmed run's time goes: fingerprints and engine steps timed around each call. */
function costShares(
  scenario: Scenario,
  options: ExploreOptions,
): { fingerprint: number; step: number; events: number; fingerprints: number } {
  const proto = Object.getPrototypeOf(createSimulation(scenario, { seed: 1 })) as {
    fingerprint(): string;
    step(): boolean;
  };
  const { fingerprint, step } = proto;
  let fpNs = 0n;
  let stepNs = 0n;
  let fingerprints = 0;
  proto.fingerprint = function (this: unknown) {
    const t = process.hrtime.bigint();
    const out = fingerprint.call(this);
    fpNs += process.hrtime.bigint() - t;
    fingerprints++;
    return out;
  };
  proto.step = function (this: unknown) {
    const t = process.hrtime.bigint();
    const out = step.call(this);
    stepNs += process.hrtime.bigint() - t;
    return out;
  };
  try {
    const t = process.hrtime.bigint();
    const r = explore(scenario, options);
    const all = Number(process.hrtime.bigint() - t);
    return {
      fingerprint: (Number(fpNs) / all) * 100,
      step: (Number(stepNs) / all) * 100,
      events: r.events,
      fingerprints,
    };
  } finally {
    proto.fingerprint = fingerprint;
    proto.step = step;
  }
}

function configRows(label: string, scenario: Scenario, options: ExploreOptions): Row[] {
  const first = cpuTimed(() => explore(scenario, options));
  // The median of a few warmed runs: the machine may be shared, and one run varies.
  const warmed = Array.from({ length: WARMED_RUNS }, () =>
    cpuTimed(() => explore(scenario, options)),
  );
  const hashed = {
    ms: median(warmed.map((w) => w.ms)),
    value: (warmed[0] as (typeof warmed)[0]).value,
  };
  const plain = cpuTimed(
    (): ExploreResult =>
      explore(scenario, { ...options, prune: false, schedulesMax: PLAIN_SCHEDULES_MAX }),
  );
  const capped = plain.value.bounds.includes('schedulesMax');
  const shares = costShares(scenario, options);
  const perSecond = (r: { ms: number; value: ExploreResult }) => (r.value.states / r.ms) * 1000;
  return [
    {
      name: `${label}: distinct states per CPU second, with hashing, first run`,
      value: perSecond(first),
      unit: 'states/s',
    },
    {
      name: `${label}: distinct states per CPU second, with hashing, warmed (median of ${WARMED_RUNS})`,
      value: perSecond(hashed),
      unit: 'states/s',
    },
    { name: `${label}: distinct states`, value: hashed.value.states, unit: 'states' },
    { name: `${label}: schedules, with hashing`, value: hashed.value.schedules, unit: 'schedules' },
    {
      name: `${label}: schedules, without hashing${capped ? ` (stopped at ${PLAIN_SCHEDULES_MAX}: at least)` : ''}`,
      value: plain.value.schedules,
      unit: 'schedules',
    },
    {
      name: `${label}: schedules without hashing per schedule with it${capped ? ' (at least)' : ''}`,
      value: plain.value.schedules / hashed.value.schedules,
      unit: 'x',
    },
    {
      name: `${label}: CPU time, with hashing, warmed (median of ${WARMED_RUNS})`,
      value: hashed.ms,
      unit: 'ms',
    },
    {
      name: `${label}: CPU time, without hashing${capped ? ` (${PLAIN_SCHEDULES_MAX} schedules)` : ''}`,
      value: plain.ms,
      unit: 'ms',
    },
    {
      name: `${label}: events stepped (prefixes replayed included) per state fingerprinted`,
      value: shares.events / Math.max(1, shares.fingerprints),
      unit: 'x',
    },
    {
      name: `${label}: share of a warmed run, stepping the engine`,
      value: shares.step,
      unit: '% of time',
    },
    {
      name: `${label}: share of a warmed run, fingerprints`,
      value: shares.fingerprint,
      unit: '% of time',
    },
    {
      name: `${label}: share of a warmed run, the rest (judging safety, keys, making simulations)`,
      value: 100 - shares.step - shares.fingerprint,
      unit: '% of time',
    },
  ];
}

/** The rows measured in this process (every one but the fresh-process paxos row). */
export function exploreRows(): Row[] {
  const { scenario } = loadNamed('majority-vote-partition', {
    overrides: ['params.quorum=strict', 'params.resendsMax=1'],
  });
  const paxos = paxosConfig();
  const twoPhase = twoPhaseConfig();
  return [
    ...configRows('majority vote', scenario, {}),
    ...configRows('paxos', paxos.scenario, paxos.options),
    ...configRows('two-phase commit', twoPhase.scenario, twoPhase.options),
  ];
}

/** The table, its rows measured in a fresh process, as `npm run bench` prints it (compileBench first). */
export function printExplore(): void {
  printRows(EXPLORE_TITLE, [
    {
      name: 'paxos: distinct states per CPU second, with hashing, alone in a fresh process',
      value: paxosFresh(),
      unit: 'states/s',
    },
    ...(JSON.parse(inFreshProcess(import.meta.url, [ROWS])) as Row[]),
  ]);
}

/** Arguments of this file run as a child: the rows as JSON; one paxos search, its states per CPU second printed. */
const ROWS = '--rows';
const PAXOS_ONCE = '--paxos-once';

/** The paxos search as the first thing a process does (V8 compiling as it goes), in a child process. */
function paxosFresh(): number {
  return Number(inFreshProcess(import.meta.url, [PAXOS_ONCE]).trim());
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === PAXOS_ONCE) {
    const { scenario, options } = paxosConfig();
    const r = cpuTimed(() => explore(scenario, options));
    process.stdout.write(`${(r.value.states / r.ms) * 1000}\n`);
  } else if (process.argv[2] === ROWS) {
    process.stdout.write(JSON.stringify(exploreRows()));
  } else {
    await compileBench();
    printExplore();
  }
}
