/**
 * `parley run --check-determinism`: the scenario run twice in this process
 * and once more in a fresh worker thread, the traces compared line by line.
 * A second run in the same process catches state a protocol keeps in module
 * variables between runs (the fresh thread then matches the first run);
 * watching Math.random, Date.now, performance.now, setTimeout and setInterval
 * during the runs names the calls a protocol makes. Node only.
 */
import { Worker } from 'node:worker_threads';
import { type EngineChoice, runScenario, type Scenario, type Trace } from '../sim/index.ts';
import { threadOptions } from './threads.ts';

/** Lines of a fresh thread's trace sent back to compare, at most. */
const WORKER_LINES_MAX = 1_000_000;
/** Characters of a differing line shown. */
const LINE_SHOWN_MAX = 400;

/** What the fresh thread runs: the command's own scenario, variant and overrides. */
export interface FreshRun {
  readonly name: string;
  readonly variant: string | undefined;
  readonly set: readonly string[];
  /** Model agents' `--cassette`, for the fresh thread's run too. */
  readonly cassette?: string | undefined;
}

export interface DeterminismOutcome {
  readonly identical: boolean;
  readonly message: string;
  /** Run 1's trace. */
  readonly trace: Trace;
}

/** A real clock or random source a protocol called during the runs. */
interface Watched {
  calls: number;
  /** The first caller outside parley and its libraries, `file:line:column`. */
  first?: string;
}

const WATCHED = [
  'Math.random',
  'Date.now',
  'performance.now',
  'setTimeout',
  'setInterval',
] as const;
type WatchedName = (typeof WATCHED)[number];

/** The caller of a watched function, when it is not parley's engine or a library. */
function callerOutsideParley(): string | undefined {
  // The first frame past this file's own (the watcher and its wrapper), in
  // whichever file it runs from: cli/determinism.ts, or the compiled build's.
  const frames = String(new Error().stack).split('\n').slice(1);
  const fileOf = (f: string) => /\(?((?:file:\/\/)?[^\s()]+):\d+:\d+\)?$/.exec(f)?.[1];
  const own = fileOf(frames[0] ?? '');
  const frame = frames.find((f) => fileOf(f) !== own) ?? '';
  if (/node_modules|node:internal|[/\\](sim|cli)[/\\][^/\\]+\.ts|[/\\]dist-cli[/\\]/.test(frame))
    return undefined;
  return /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?$/.exec(frame)?.[1]?.replace(/^file:\/\//, '');
}

/** Runs `body` with the watched globals counting the calls from outside parley. */
function watching<T>(body: () => T): { value: T; calls: Map<WatchedName, Watched> } {
  const calls = new Map<WatchedName, Watched>();
  const count = (name: WatchedName) => {
    const where = callerOutsideParley();
    if (where === undefined) return;
    const w = calls.get(name) ?? { calls: 0 };
    w.calls++;
    w.first ??= where;
    calls.set(name, w);
  };
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = {
    random: Math.random,
    now: Date.now,
    perf: performance.now,
    setTimeout: g['setTimeout'],
    setInterval: g['setInterval'],
  };
  const wrap = <F extends (...a: never[]) => unknown>(name: WatchedName, f: F, self: unknown): F =>
    ((...a: Parameters<F>) => {
      count(name);
      return f.apply(self, a);
    }) as F;
  Math.random = wrap('Math.random', saved.random, Math);
  Date.now = wrap('Date.now', saved.now, Date);
  performance.now = wrap('performance.now', saved.perf, performance);
  g['setTimeout'] = wrap('setTimeout', saved.setTimeout as () => unknown, globalThis);
  g['setInterval'] = wrap('setInterval', saved.setInterval as () => unknown, globalThis);
  try {
    return { value: body(), calls };
  } finally {
    Math.random = saved.random;
    Date.now = saved.now;
    performance.now = saved.perf;
    g['setTimeout'] = saved.setTimeout;
    g['setInterval'] = saved.setInterval;
  }
}

/** The first line at which two line sequences differ, 1-based, with both lines (undefined: one ended). */
function firstDifference(
  a: Iterable<string>,
  b: Iterable<string>,
): { line: number; a: string | undefined; b: string | undefined } | undefined {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (let line = 1; ; line++) {
    const x = ia.next();
    const y = ib.next();
    if (x.done && y.done) return undefined;
    if (x.done || y.done || x.value !== y.value)
      return { line, a: x.done ? undefined : x.value, b: y.done ? undefined : y.value };
  }
}

const shown = (line: string | undefined) =>
  line === undefined
    ? '(the trace has ended)'
    : line.length > LINE_SHOWN_MAX
      ? `${line.slice(0, LINE_SHOWN_MAX)}…`
      : line;

/** The fresh thread's run: its hash, and its lines when the hash differs from `hash`. */
function freshRun(
  fresh: FreshRun,
  seed: number,
  hash: string,
  engine: EngineChoice,
): Promise<{ hash: string; lines?: string[]; truncated?: boolean } | { error: string }> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./determinism-worker.mjs', import.meta.url), {
      ...threadOptions(),
      workerData: {
        ...fresh,
        set: [...fresh.set],
        seed,
        hash,
        engine,
        linesMax: WORKER_LINES_MAX,
      },
    });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', (err) => resolve({ error: String(err?.message ?? err) }));
  });
}

const CAUSES =
  'likely causes: Math.random (use random() or randomInt() from parley, the agent’s seeded stream); Date.now or performance.now (use ticks); setTimeout or setInterval (use after delays or setTimer); state kept in module variables between runs (keep it in the machine’s context); iteration order of objects keyed by something unstable';

/**
 * Runs `scenario` at `seed` twice here and, with `fresh`, once in a fresh
 * worker thread; compares the traces line by line. The message names the
 * first differing line of each run and the likely causes.
 */
export async function checkDeterminism(
  scenario: Scenario,
  seed: number,
  fresh: FreshRun | undefined,
  /** How protocol machines are stepped, in every run. */
  engine: EngineChoice = 'auto',
): Promise<DeterminismOutcome> {
  const { value: one, calls } = watching(() => runScenario(scenario, { seed, engine }));
  const two = watching(() => runScenario(scenario, { seed, engine }));
  for (const [name, w] of two.calls) {
    const had = calls.get(name) ?? { calls: 0 };
    calls.set(name, {
      calls: had.calls + w.calls,
      ...((had.first ?? w.first) ? { first: (had.first ?? w.first) as string } : {}),
    });
  }
  const hash = one.trace.hash();
  const lines: string[] = [];
  const sameHere = two.value.trace.hash() === hash;
  if (!sameHere) {
    const d = firstDifference(one.trace.lines(), two.value.trace.lines());
    if (d !== undefined)
      lines.push(
        `not deterministic: run 1 and run 2 (both in this process) differ at line ${d.line}`,
        `  run 1: ${shown(d.a)}`,
        `  run 2: ${shown(d.b)}`,
      );
  }
  let freshSame: boolean | undefined;
  if (fresh !== undefined) {
    const r = await freshRun(fresh, seed, hash, engine);
    if ('error' in r) lines.push(`the run in a fresh thread failed: ${r.error}`);
    else {
      freshSame = r.hash === hash;
      if (!freshSame && sameHere) {
        const d = r.lines === undefined ? undefined : firstDifference(one.trace.lines(), r.lines);
        lines.push(
          d === undefined
            ? `not deterministic: a run in a fresh thread differs from run 1 (hash ${r.hash}, not ${hash}) after the lines it sent back`
            : `not deterministic: run 1 and run 3 (in a fresh thread) differ at line ${d.line}`,
          ...(d === undefined ? [] : [`  run 1: ${shown(d.a)}`, `  run 3: ${shown(d.b)}`]),
        );
      }
    }
  }
  const runs = fresh === undefined ? 2 : 3;
  if (sameHere && freshSame !== false && lines.length === 0)
    return {
      identical: true,
      trace: one.trace,
      message: `identical over ${runs} runs (${runs === 3 ? 'two in this process, one in a fresh thread' : 'both in this process'}): hash ${hash}`,
    };
  if (!sameHere && freshSame === true)
    lines.push(
      'run 3, in a fresh thread, matches run 1: the protocol keeps state in module variables from one run to the next (a counter, a cache, a Map outside the machine); keep it in the machine’s context',
    );
  for (const name of WATCHED) {
    const w = calls.get(name);
    if (w !== undefined)
      lines.push(
        `the protocol called ${name} ${w.calls} time${w.calls === 1 ? '' : 's'} in runs 1 and 2${w.first === undefined ? '' : `, first at ${w.first}`}`,
      );
  }
  lines.push(CAUSES);
  return { identical: false, trace: one.trace, message: lines.join('\n') };
}
