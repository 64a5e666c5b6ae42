/**
 * `parley sweep`: the grid times the seeds on a worker pool, rows written in
 * run order as they finish (so any worker count gives the same file),
 * resumable, shardable. A finished sweep records its row count and SHA-256
 * in its manifest; `parley merge` and `--resume` check them. Node only.
 */
import {
  closeSync,
  existsSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Piscina } from 'piscina';
import { machineFor } from '../sim/fast/index.ts';
import {
  type CheckSpec,
  DEFAULT_CHECKS,
  type EngineChoice,
  type Json,
  ModelHostError,
  PARLEY_VERSION,
  ScenarioLoadError,
  sha256Hex,
} from '../sim/index.ts';
import {
  type Axis,
  axisOf,
  type Cell,
  cellsOfCsvLine,
  cellsOfJsonLine,
  checkColumnsOf,
  columnsOf,
  csvLine,
  csvLineSafe,
  type Grid,
  jsonLine,
  overridesOf,
  parseAxis,
  pointsOf,
  runAt,
  runOfLine,
  runsOf,
  type Shard,
  SWEEP_RUNS_LARGE,
  SWEEP_RUNS_MAX,
  shardRunAt,
  shardRunsOf,
  summaryBuilder,
} from '../sim/sweep/index.ts';
import { loadNamed, scenarioText } from './catalog.ts';
import { UsageError } from './errors.ts';
import { safeStem, writeWhole } from './files.ts';
import {
  changedProtocolFile,
  checkOutputFolder,
  LineReader,
  manifestKey,
  parquetRows,
  protocolFilesOf,
  readManifest,
  type SweepCompletion,
  type SweepFormat,
  type SweepManifest,
  sha256OfFile,
  writeParquet,
} from './sweep-files.ts';
import { MODEL_HOST_TAG, runTask, type SweepTask } from './sweep-task.ts';
import { threadOptions } from './threads.ts';

/** Young generation of each worker thread, in MB (V8's default is about 48). */
const YOUNG_GENERATION_MB = 384;
/** Most worker threads. */
const WORKERS_MAX = 1024;
/** A sweep this short on one worker runs on the main thread whatever its machines: a thread's start-up would cost more. */
const INLINE_RUNS_MAX = 64;
/**
 * How long one batch of runs should take on a worker thread, in ms: long
 * enough that a message per batch costs little, short enough that a Ctrl-C
 * stops the sweep within a few batches.
 */
const BATCH_MS = 100;
/**
 * Batches given to each thread at once. A thread starts its next batch
 * without waiting for the main thread, which hands batches out only between
 * its own: with one batch at a time, a thread sat idle for most of each of
 * them.
 */
const THREAD_QUEUE = 4;
/**
 * A run longer than this, in ms, on the main thread leaves the rest to a
 * thread: the main thread answers a Ctrl-C only between runs. (The tests
 * set PARLEY_SWEEP_HANDOVER=1 to hand over after the first batch.)
 */
const LONG_RUN_MS = 500;
/** Most runs in one batch. */
const BATCH_RUNS_MAX = 64;

export interface SweepOptions {
  readonly vary: readonly string[];
  /** Whole numbers; the command line passes the text, checked here. */
  readonly seeds?: number | string | undefined;
  readonly workers?: number | string | undefined;
  readonly out?: string | undefined;
  readonly shard?: string | undefined;
  readonly resume?: boolean | undefined;
  readonly variant?: string | undefined;
  readonly set: readonly string[];
  /** Neutralise CSV cells a spreadsheet would run as formulas (rows and summary). */
  readonly spreadsheetSafe?: boolean | undefined;
  /** No progress and no summary table on the terminal (benchmarks). */
  readonly quiet?: boolean | undefined;
  /** How protocol machines are stepped (default auto); the rows are the same whichever. */
  readonly engine?: EngineChoice | undefined;
  /** Model agents' cassette (cli/model-host.ts): read by every run, the model's new answers appended. */
  readonly cassette?: string | undefined;
  /** For tests: stop after this many rows were written (simulates an interruption). */
  readonly stopAfter?: number | string | undefined;
}

/** A whole-number flag from `min` to `max`, or a UsageError naming it. */
/** `--seeds N` (seeds 1..N) or `--seeds START:STOP` (both included). */
function seedRangeOf(
  value: number | string | undefined,
): { start: number; seeds: number } | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const m = /^(\d+):(\d+)$/.exec(text);
  if (m === null) {
    const n = wholeFlag('--seeds', value, 1) as number;
    return { start: 1, seeds: n };
  }
  const start = Number(m[1]);
  const stop = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop) || start < 1 || stop < start)
    throw new UsageError(
      `--seeds ${value}: a count N (seeds 1 to N) or a range START:STOP with 1 <= START <= STOP`,
    );
  return { start, seeds: stop - start + 1 };
}

/** Grids up to this many points are checked point by point before the sweep starts; larger ones value by value. */
const GRID_POINTS_CHECKED_MAX = 2_000;

/**
 * Every grid point must make a valid scenario: checked before any run, so a
 * value (or two values together) that the loader refuses stops the sweep at
 * once, naming where the value came from (the --vary flag or the file's
 * sweep.params). Grids of more than GRID_POINTS_CHECKED_MAX points are
 * checked one value at a time.
 */
function checkGrid(name: string, grid: Grid, o: SweepOptions): void {
  const from = (path: string) => {
    const flag = o.vary.find((v) => v.slice(0, v.indexOf('=')).trim() === path);
    return flag === undefined ? `sweep.params ${path}` : `--vary ${flag}`;
  };
  const load = (overrides: string[]) => {
    try {
      const { scenario } = loadNamed(name, {
        variant: o.variant,
        overrides: [...o.set, ...overrides],
      });
      // A protocol the fast path cannot run, forced onto it: said now, not from a worker.
      if (o.engine === 'fast') for (const a of scenario.agents) machineFor(a.protocol, 'fast');
    } catch (err) {
      if (!(err instanceof ScenarioLoadError)) throw err;
      throw new ScenarioLoadError(
        err.file,
        err.problems.map((p) => {
          const i = overrides.indexOf(p.override ?? '');
          if (i < 0) return p;
          const path = overrides[i]?.slice(0, overrides[i]?.indexOf('=')) as string;
          const others = overrides.filter((_, j) => j !== i);
          return {
            ...p,
            override: `${overrides[i]} (from ${from(path)}${others.length > 0 && points > 1 ? `, at the grid point ${others.join(', ')}` : ''})`,
          };
        }),
      );
    }
  };
  const points = pointsOf(grid);
  if (points <= GRID_POINTS_CHECKED_MAX)
    for (let point = 0; point < points; point++) load(overridesOf(grid, runAt(grid, point)));
  else
    for (const axis of grid.axes)
      for (const value of axis.values) load([`${axis.path}=${JSON.stringify(value)}`]);
}

function wholeFlag(
  flag: string,
  value: number | string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(
      `${flag} ${value}: ${max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`}`,
    );
  return n;
}

function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count))
    throw new UsageError(`--shard ${text}: expected I/N with 1 <= I <= N, e.g. --shard 2/3`);
  return { index, count };
}

/** The format of a sweep file, from its extension; a UsageError naming `flag` otherwise. */
export function formatOf(out: string, flag = '--out'): SweepFormat {
  if (out.endsWith('.csv')) return 'csv';
  if (out.endsWith('.jsonl')) return 'jsonl';
  if (out.endsWith('.parquet')) return 'parquet';
  throw new UsageError(
    `${flag} ${out}: the format comes from the extension: .csv, .jsonl or .parquet`,
  );
}

/** Where the summary of sweep file `out` goes. */
export function summaryPathOf(out: string): string {
  return out.replace(/\.(csv|jsonl|parquet)$/, '.summary.csv');
}

/**
 * Refuses an output whose summary would replace the summary of another
 * sweep beside it (`x.csv` and `x.jsonl` share `x.summary.csv`), unless
 * that is the same sweep in another format, whose summary is the same.
 */
export function checkSummaryFree(out: string, flag: string, manifest: SweepManifest): void {
  const summary = summaryPathOf(out);
  if (!existsSync(summary)) return;
  const stem = out.replace(/\.(csv|jsonl|parquet)$/, '');
  const sweepOf = (m: SweepManifest) => {
    const { format: _f, shard: _s, ...rest } = JSON.parse(manifestKey(m)) as SweepManifest;
    return JSON.stringify(rest);
  };
  for (const ext of ['csv', 'jsonl', 'parquet']) {
    const other = `${stem}.${ext}`;
    if (other === out || !existsSync(`${other}.manifest.json`)) continue;
    let same = false;
    try {
      same = sweepOf(readManifest(`${other}.manifest.json`)) === sweepOf(manifest);
    } catch {}
    if (!same)
      throw new UsageError(
        `${flag} ${out}: its summary ${summary} would replace the summary of ${other}, another sweep; choose another --out`,
      );
  }
}

/** The axes of the sweep: `--vary` flags, else the scenario file's `sweep.params`, their values used as they are. */
function axesOf(
  vary: readonly string[],
  params: Record<string, Json[]> | undefined,
  file: string,
): Axis[] {
  if (vary.length > 0)
    return vary.map((v) => {
      const axis = parseAxis(v);
      if (typeof axis === 'string') throw new UsageError(`--vary ${v}: ${axis}`);
      return axis;
    });
  return Object.entries(params ?? {}).map(([path, values]) => {
    const axis = axisOf(path, values);
    if (typeof axis === 'string') throw new UsageError(`${file}: sweep.params: ${axis}`);
    return axis;
  });
}

/** The paths an override fixes, each with who fixed it (`--variant mitigated`, `--set`). */
function fixedPaths(
  variant: string | undefined,
  variants: Record<string, { readonly overrides?: readonly string[] | undefined }> | undefined,
  set: readonly string[],
): { path: string; by: string; text: string }[] {
  const pathOf = (o: string) => o.slice(0, o.indexOf('=') < 0 ? o.length : o.indexOf('=')).trim();
  const out = (variant === undefined ? [] : (variants?.[variant]?.overrides ?? [])).map((t) => ({
    path: pathOf(t),
    by: `--variant ${variant}`,
    text: t,
  }));
  for (const t of set) out.push({ path: pathOf(t), by: '--set', text: t });
  return out;
}

/** Whether `a` and `b` name the same value or one lies inside the other (`trust.mitigations` and `trust.mitigations.approval`). */
const overlaps = (a: string, b: string) =>
  a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/**
 * The rule when a sweep axis varies a path that `--variant` or `--set`
 * fixes: the explicit choice wins. An axis from the scenario's `sweep` is
 * dropped, with one line on stderr naming it; an explicit `--vary` on such
 * a path contradicts the override and is refused (exit 2), naming both.
 */
function withoutFixedAxes(
  axes: Axis[],
  explicit: boolean,
  fixed: readonly { path: string; by: string; text: string }[],
): Axis[] {
  return axes.filter((a) => {
    const f = fixed.find((x) => overlaps(a.path, x.path));
    if (f === undefined) return true;
    if (explicit)
      throw new UsageError(
        `--vary ${a.path} contradicts ${f.by === '--set' ? `--set ${f.text}` : `${f.by} (which sets ${f.text})`}: a path cannot be both varied and fixed; drop one of them`,
      );
    process.stderr.write(
      `${f.by} sets ${f.path}; the scenario's sweep axis on ${a.path === f.path ? 'it' : a.path} is dropped\n`,
    );
    return false;
  });
}

/** Progress on stderr: a live line on a terminal, a plain line every few seconds otherwise. The rate counts this session's runs only. */
function progress(
  total: number,
  before: number,
): { tick(done: number): void; end(done: number): void } {
  const t0 = Date.now();
  // The first line after one interval: a rate measured over the pool's start-up alone says nothing.
  let last = t0;
  const tty = process.stderr.isTTY === true;
  const line = (done: number) => {
    const s = (Date.now() - t0) / 1000;
    const ran = done - before;
    const rate = ran / Math.max(s, 1e-3);
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    const pace =
      ran === 0
        ? 'no new runs'
        : `${rate.toFixed(1)} runs/s${done < total ? `, ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '?'}` : ` (${ran} runs in ${s.toFixed(1)} s)`}`;
    return `sweep: ${done}/${total} runs (${((100 * done) / Math.max(total, 1)).toFixed(0)}%), ${pace}`;
  };
  return {
    tick(done) {
      const now = Date.now();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      process.stderr.write(tty ? `\r${line(done)}` : `${line(done)}\n`);
    },
    end(done) {
      process.stderr.write(tty ? `\r${line(done)}\n` : `${line(done)}\n`);
    },
  };
}

/** What the steps of one sweep share. */
interface SweepFiles {
  readonly out: string;
  readonly format: SweepFormat;
  /** The rows as they are written: `out` itself, or a JSONL journal beside a Parquet file. */
  readonly rowsPath: string;
  readonly rowFormat: 'csv' | 'jsonl';
  readonly manifestPath: string;
  readonly summaryPath: string;
  readonly manifest: SweepManifest;
  readonly columns: readonly string[];
  readonly header: string;
  readonly shard: Shard | undefined;
  /** Runs of this shard. */
  readonly count: number;
  readonly safe: boolean;
  readonly axisCount: number;
}

/**
 * Reads the rows already written for a resume: checks each is the run
 * expected at its place, drops a torn last line (a kill mid-write) and
 * returns how many rows are whole.
 */
function rowsWritten(f: SweepFiles): number {
  const reader = new LineReader(f.rowsPath);
  let k = 0;
  try {
    if (f.rowFormat === 'csv') {
      const header = reader.next();
      if (header !== undefined && header !== f.header)
        throw new UsageError(
          `${f.rowsPath}:1: the header is not this sweep's columns; it cannot be resumed`,
        );
    }
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
      const want = shardRunAt(k, f.shard);
      const run = runOfLine(f.rowFormat, line);
      if (run !== want || k >= f.count)
        throw new UsageError(
          `${f.rowsPath}:${reader.lineNumber}: expected the row of run ${want}, found ${run === undefined ? 'a line that is not a row' : `run ${run}`}; the file was changed and cannot be resumed`,
        );
      k++;
    }
  } finally {
    reader.close();
  }
  if (reader.tailBytes > 0) {
    truncateSync(f.rowsPath, reader.wholeBytes);
    process.stderr.write(
      `sweep: dropped the torn last line of ${f.rowsPath} (${reader.tailBytes} bytes, cut when the sweep was stopped); it runs again\n`,
    );
  }
  return k;
}

/** Streams the rows file once: each row's cells to `onCells`; returns the row count and the file's SHA-256. */
function scanRows(
  f: SweepFiles,
  onCells: (cells: Cell[]) => void,
): { rows: number; sha256: string; tailBytes: number } {
  const reader = new LineReader(f.rowsPath);
  let rows = 0;
  try {
    if (f.rowFormat === 'csv') reader.next();
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
      onCells(f.rowFormat === 'csv' ? cellsOfCsvLine(line) : cellsOfJsonLine(f.columns, line));
      rows++;
    }
  } finally {
    reader.close();
  }
  return { rows, sha256: reader.hash.digest('hex'), tailBytes: reader.tailBytes };
}

/** The journal's rows, for the Parquet writer. */
function* journalRows(f: SweepFiles): Generator<Cell[]> {
  const reader = new LineReader(f.rowsPath);
  try {
    for (let line = reader.next(); line !== undefined; line = reader.next())
      yield cellsOfJsonLine(f.columns, line);
  } finally {
    reader.close();
  }
}

type Summary = { columns: string[]; rows: Cell[][] };

function writeSummary(f: SweepFiles, s: Summary): void {
  const line = f.safe ? csvLineSafe : csvLine;
  writeWhole(f.summaryPath, [line(s.columns), ...s.rows.map((r) => line(r))]);
}

/**
 * Finishes a sweep whose rows are all written: the Parquet file from the
 * journal, the completion record (rows and SHA-256) in the manifest, then
 * the summary, each in one streamed pass. Ordered so that a kill at any
 * point leaves a sweep that `--resume` finishes.
 */
async function finish(f: SweepFiles): Promise<Summary> {
  const summary = summaryBuilder(f.columns, f.axisCount, checkColumnsOf(f.columns));
  let complete: SweepCompletion;
  if (f.format === 'parquet') {
    const rows = await writeParquet(
      f.out,
      f.columns,
      () => journalRows(f),
      (cells) => summary.add(cells),
    );
    complete = { rows, sha256: sha256OfFile(f.out) };
  } else {
    const s = scanRows(f, (cells) => summary.add(cells));
    complete = { rows: s.rows, sha256: s.sha256 };
  }
  if (complete.rows !== f.count)
    throw new Error(`${f.rowsPath} holds ${complete.rows} rows where ${f.count} were written`);
  writeWhole(f.manifestPath, [JSON.stringify({ ...f.manifest, complete }, null, 2)]);
  if (f.format === 'parquet') rmSync(f.rowsPath, { force: true });
  const result = summary.result();
  writeSummary(f, result);
  return result;
}

/** A resume of a finished sweep: checks the file against its manifest and writes the summary again. */
async function alreadyComplete(f: SweepFiles, complete: SweepCompletion): Promise<Summary> {
  const summary = summaryBuilder(f.columns, f.axisCount, checkColumnsOf(f.columns));
  const mismatch = () =>
    new UsageError(
      `${f.out} does not match its manifest (${complete.rows} rows, sha256 ${complete.sha256.slice(0, 12)}…): it changed after the sweep finished; move it away and run the sweep again`,
    );
  if (!existsSync(f.out))
    throw new UsageError(`${f.manifestPath} records a finished sweep but ${f.out} is missing`);
  if (f.format === 'parquet') {
    if (sha256OfFile(f.out) !== complete.sha256) throw mismatch();
    for await (const cells of parquetRows(f.out, f.columns)) summary.add(cells);
    rmSync(f.rowsPath, { force: true });
  } else {
    const s = scanRows(f, (cells) => summary.add(cells));
    if (s.rows !== complete.rows || s.sha256 !== complete.sha256) throw mismatch();
  }
  const result = summary.result();
  writeSummary(f, result);
  return result;
}

export async function sweep(name: string, o: SweepOptions): Promise<{ interrupted: boolean }> {
  // Every flag is checked before anything is written.
  const workersAsked = wholeFlag('--workers', o.workers, 1, WORKERS_MAX);
  const seedRange = seedRangeOf(o.seeds);
  const stopAfter = wholeFlag('--stop-after', o.stopAfter, 1);
  const shard = parseShard(o.shard);
  if (o.out !== undefined) formatOf(o.out);
  const { text, file } = scenarioText(name);
  const base = loadNamed(name, { variant: o.variant, overrides: o.set });
  const axes = withoutFixedAxes(
    axesOf(o.vary, base.source.sweep?.params as Record<string, Json[]> | undefined, file),
    o.vary.length > 0,
    fixedPaths(o.variant, base.source.variants, o.set),
  );
  // --seeds over the file's sweep.seeds (checked by the loader), over 10.
  const range = seedRange ?? seedRangeOf(base.source.sweep?.seeds) ?? { start: 1, seeds: 10 };
  const seeds = range.seeds;
  const seedStart = range.start;
  // The first seed is written only when it is not 1, so the manifests of earlier sweeps stay the same.
  const grid: Grid = seedStart === 1 ? { axes, seeds } : { axes, seeds, seedStart };
  const total = runsOf(grid);
  if (total > SWEEP_RUNS_MAX)
    throw new UsageError(
      `the sweep has ${total} runs (${pointsOf(grid)} grid points × ${seeds} seeds); at most ${SWEEP_RUNS_MAX}`,
    );
  // The size first: checking every axis value below takes a while on a large grid.
  const points = pointsOf(grid);
  const size = `${total} runs (${points} grid point${points === 1 ? '' : 's'} × ${seeds} seed${seeds === 1 ? '' : 's'})`;
  const shardRuns = shardRunsOf(total, shard);
  if (!o.quiet)
    process.stderr.write(
      `sweep: ${shard === undefined ? size : `shard ${shard.index}/${shard.count}: ${shardRuns} of ${size}`}\n`,
    );
  if (total > SWEEP_RUNS_LARGE)
    process.stderr.write(
      `sweep: a large sweep: ${size}, more than ${SWEEP_RUNS_LARGE}; Ctrl-C stops it after the runs in progress and --resume continues it\n`,
    );
  checkGrid(name, grid, o);

  const checks = (base.source.checks ?? DEFAULT_CHECKS) as readonly CheckSpec[];
  const columns = columnsOf(grid, checks);
  const out =
    o.out ??
    // From the scenario's text: one safe path segment, in the working folder.
    `${safeStem(base.scenario.name)}-sweep${shard === undefined ? '' : `-${shard.index}of${shard.count}`}.csv`;
  const format = formatOf(out);
  checkOutputFolder(out, '--out');
  const safe = o.spreadsheetSafe === true;
  const manifest: SweepManifest = {
    parley: PARLEY_VERSION,
    scenario: base.scenario.name,
    scenarioHash: sha256Hex(text),
    variant: o.variant ?? null,
    overrides: o.set,
    grid,
    runs: total,
    shard: shard ?? null,
    columns,
    format,
    spreadsheetSafe: safe,
    ...protocolFilesOf(base.scenario),
  };
  const f: SweepFiles = {
    out,
    format,
    // Parquet is written whole at the end; until then rows go to a JSONL journal beside it.
    rowsPath: format === 'parquet' ? `${out}.partial.jsonl` : out,
    rowFormat: format === 'parquet' ? 'jsonl' : format,
    manifestPath: `${out}.manifest.json`,
    summaryPath: summaryPathOf(out),
    manifest,
    columns,
    header: (safe ? csvLineSafe : csvLine)(columns),
    shard,
    count: shardRuns,
    safe,
    axisCount: axes.length,
  };
  const report = (s: Summary, line: string) => {
    if (!o.quiet) process.stdout.write(`${printTable(s.columns, s.rows)}\n${line}\n`);
  };

  // What an earlier sweep left here: refused without --resume, checked with it.
  const present = [f.rowsPath, out, f.manifestPath].filter(
    (p, i, all) => all.indexOf(p) === i && existsSync(p),
  );
  let done = 0;
  const fresh = present.length === 0;
  if (fresh) checkSummaryFree(out, '--out', manifest);
  if (!fresh) {
    if (!o.resume)
      throw new UsageError(
        `${present[0]} exists: add --resume to continue or finish that sweep, or choose another --out`,
      );
    if (!existsSync(f.manifestPath))
      throw new UsageError(
        `${present[0]} exists without its manifest ${f.manifestPath}, so it cannot be resumed; choose another --out`,
      );
    const found = readManifest(f.manifestPath);
    const changed = changedProtocolFile(found, manifest);
    if (changed !== undefined)
      throw new UsageError(
        `${out} cannot be resumed: ${changed}; the rows so far came from the old file: restore it, or move ${out} away and run the sweep again`,
      );
    if (manifestKey(found) !== manifestKey(manifest))
      throw new UsageError(
        `${out} was written by a different sweep (see ${f.manifestPath}); it cannot be resumed with these options`,
      );
    if (found.complete !== undefined) {
      const s = await alreadyComplete(f, found.complete);
      report(
        s,
        `${out} is already complete (${found.complete.rows} runs); summary in ${f.summaryPath}`,
      );
      return { interrupted: false };
    }
    done = existsSync(f.rowsPath) ? rowsWritten(f) : 0;
  }

  if (done > 0 && !o.quiet)
    process.stderr.write(
      `sweep: resuming: ${done} runs already in ${f.rowsPath}, ${f.count - done} to go\n`,
    );

  if (fresh) writeWhole(f.manifestPath, [JSON.stringify(manifest, null, 2)]);
  const fd = openSync(f.rowsPath, 'a');
  if (f.rowFormat === 'csv' && statSync(f.rowsPath).size === 0) writeSync(fd, `${f.header}\n`);
  const encode = (cells: Cell[]) =>
    f.rowFormat === 'csv' ? (safe ? csvLineSafe : csvLine)(cells) : jsonLine(columns, cells);

  const bar = o.quiet ? { tick() {}, end() {} } : progress(f.count, done);
  const args = process.argv.slice(4);
  const kept = args.filter(
    (a, i) =>
      a !== '--resume' &&
      a !== '--stop-after' &&
      !a.startsWith('--stop-after=') &&
      args[i - 1] !== '--stop-after',
  );
  // Quoted for the shell, so a value with a space, a comma in quotes or braces pastes back as it was given.
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  const resumeHint = ['npx parley sweep', quote(name), ...kept.map(quote), '--resume'].join(' ');
  const interruptedLine = (n: number) =>
    `sweep: interrupted after ${n} of ${f.count} runs; ${f.rowsPath} holds them.\nresume with: ${resumeHint}\n`;

  // Rows are written in run order: a finished row waits here for every earlier one (keyed by its place in the shard).
  const pending = new Map<number, Cell[]>();
  let next = done;
  let written = done;
  let stopping = false;
  const flush = () => {
    let chunk = '';
    while (pending.has(next) && (stopAfter === undefined || written < stopAfter)) {
      chunk += `${encode(pending.get(next) as Cell[])}\n`;
      pending.delete(next);
      next++;
      written++;
    }
    if (stopAfter !== undefined && written >= stopAfter) stopping = true;
    if (chunk !== '') writeSync(fd, chunk);
    bar.tick(written);
  };
  let sigints = 0;
  const onSigint = () => {
    sigints++;
    if (sigints === 1) {
      stopping = true;
      // On a terminal the progress line is still open.
      process.stderr.write(
        `${process.stderr.isTTY === true ? '\n' : ''}sweep: stopping after the runs in progress (Ctrl-C again to stop now)\n`,
      );
      return;
    }
    // Every row so far is written whole (writes are synchronous), so the file resumes.
    process.stderr.write(interruptedLine(written));
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const task = (k: number): SweepTask => {
    const run = runAt(grid, shardRunAt(k, shard));
    return {
      text,
      file,
      variant: o.variant,
      overrides: [...o.set, ...overridesOf(grid, run)],
      run,
      ...(o.engine === undefined ? {} : { engine: o.engine }),
      ...(o.cassette === undefined ? {} : { cassette: resolvePath(o.cassette) }),
    };
  };
  const todo = f.count - done;
  const workers = Math.max(1, Math.min(workersAsked ?? availableParallelism(), todo || 1));

  try {
    // The main thread runs runs too, between handing out batches, where every
    // machine is compiled: a sweep on one worker then starts no thread, and on
    // N it starts N - 1, so the first rows come before any thread has started.
    // xstate's garbage, in the main thread's young generation (V8's default,
    // where a thread here gets 384 MB), doubled the collector's time, so
    // sweeps on xstate leave their runs to N threads, unless the sweep is
    // short and on one worker. Runs so long that the main thread would
    // answer a Ctrl-C late are left to one more thread.
    const compiled =
      o.engine !== 'xstate' &&
      base.scenario.agents.every((a) => machineFor(a.protocol, 'auto') !== a.protocol.machine);
    let mainRuns = compiled || (workers === 1 && todo < INLINE_RUNS_MAX);
    const handOver = process.env['PARLEY_SWEEP_HANDOVER'] === '1';
    const pools: { pool: Piscina; window: number; out: number }[] = [];
    const addPool = (threads: number) => {
      const pool = new Piscina({
        filename: new URL('./sweep-worker.mjs', import.meta.url).href,
        minThreads: threads,
        maxThreads: threads,
        concurrentTasksPerWorker: THREAD_QUEUE,
        ...threadOptions(),
        // A young generation large enough that a run's short-lived objects die
        // young: the default made the garbage collector the bottleneck, and
        // measured 1.2x on 2 workers instead of 1.6x.
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      });
      pools.push({ pool, window: threads * THREAD_QUEUE, out: 0 });
    };
    try {
      const threads = mainRuns ? workers - 1 : workers;
      if (threads > 0 && todo > 0) addPool(threads);
      let issued = done;
      // Batches start at one run and grow to BATCH_MS of work (measured where they ran), never past an even share.
      const batchMax = Math.max(1, Math.min(BATCH_RUNS_MAX, Math.ceil(todo / (workers * 32))));
      const sized = (ms: number, runs: number, target: number) =>
        Math.max(1, Math.min(batchMax, Math.floor(target / Math.max(ms / runs, 0.001))));
      let batch = 1;
      let threadsTimed = false;
      let mainBatch = 1;
      const inflight = new Set<Promise<void>>();
      const take = (size: number): number[] => {
        const ks: number[] = [];
        for (const end = Math.min(f.count, issued + size); issued < end; issued++) ks.push(issued);
        return ks;
      };
      let failure: { err: unknown } | undefined;
      const going = () => issued < f.count && !stopping && failure === undefined;
      while (going()) {
        for (const p of pools) {
          while (p.out < p.window && going()) {
            const ks = take(batch);
            p.out++;
            const settled: Promise<void> = p.pool
              .run(ks.map(task))
              .then(({ rows, ms }: { rows: Cell[][]; ms: number }) => {
                // Rows finished after a Ctrl-C are kept too.
                ks.forEach((k, i) => {
                  pending.set(k, rows[i] as Cell[]);
                });
                batch = sized(ms, ks.length, BATCH_MS);
                threadsTimed = true;
                flush();
              })
              .finally(() => {
                p.out--;
                inflight.delete(settled);
              });
            // A thread's failure stops the loop; a batch still out when a run fails is dropped with its pool.
            settled.catch((err: unknown) => {
              failure ??= { err };
            });
            inflight.add(settled);
          }
        }
        if (mainRuns && going()) {
          const ks = take(mainBatch);
          const t0 = performance.now();
          try {
            for (const k of ks) pending.set(k, runTask(task(k)));
          } finally {
            // The rows before a run that failed are written.
            flush();
          }
          const ms = performance.now() - t0;
          // Shorter than a thread's queue of work, which it hands out again after each.
          mainBatch = sized(ms, ks.length, BATCH_MS / 2);
          // Until a thread has timed a batch, its batches are sized by the main thread's runs.
          if (!threadsTimed) batch = sized(ms, ks.length, BATCH_MS);
          if (ms / ks.length > LONG_RUN_MS || handOver) {
            mainRuns = false;
            addPool(1);
          }
          // Lets the threads' rows and a Ctrl-C reach us between batches.
          await new Promise((resolve) => setImmediate(resolve));
        } else if (inflight.size > 0) {
          await Promise.race(inflight).catch(() => {});
        }
      }
      if (failure !== undefined) throw failure.err;
      await Promise.all(inflight);
    } finally {
      await Promise.all(pools.map((p) => p.pool.destroy()));
    }
  } catch (err) {
    // A sweep that failed before its first row leaves nothing that looks like a sweep.
    if (fresh && written === 0) {
      closeSync(fd);
      rmSync(f.rowsPath, { force: true });
      rmSync(f.manifestPath, { force: true });
    }
    // A run's ModelHostError, which a worker passes on as a plain Error: bad input, not a bug.
    if (err instanceof Error && err.message.startsWith(MODEL_HOST_TAG))
      throw new ModelHostError(err.message.slice(MODEL_HOST_TAG.length));
    throw err;
  } finally {
    try {
      closeSync(fd);
    } catch {}
    process.off('SIGINT', onSigint);
  }
  bar.end(written);

  // A sweep whose every run is written is finished, whatever stopped the loop.
  if (written < f.count) {
    process.stderr.write(interruptedLine(written));
    return { interrupted: true };
  }
  const s = await finish(f);
  report(s, `${written} runs in ${out}; summary in ${f.summaryPath}`);
  return { interrupted: false };
}

function printTable(columns: readonly string[], rows: readonly Cell[][]): string {
  const text = [
    columns,
    ...rows.map((r) =>
      r.map((c) =>
        c === undefined || c === null ? '' : typeof c === 'object' ? JSON.stringify(c) : String(c),
      ),
    ),
  ];
  const widths = columns.map((_, i) => Math.max(...text.map((r) => String(r[i] ?? '').length)));
  return text
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
