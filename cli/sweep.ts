/**
 * `parley sweep`: the grid times the seeds on a worker pool, rows written in
 * run order as they finish (so any worker count gives the same file),
 * resumable, shardable. Node only.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { Piscina } from 'piscina';
import { type CheckSpec, DEFAULT_CHECKS, PARLEY_VERSION, sha256Hex } from '../sim/index.ts';
import {
  type Axis,
  type Cell,
  columnsOf,
  csvLine,
  type Grid,
  inShard,
  jsonLine,
  overridesOf,
  parseAxis,
  runAt,
  runsOf,
  type Shard,
  SWEEP_RUNS_MAX,
  summarize,
} from '../sim/sweep/index.ts';
import { loadNamed, scenarioText } from './catalog.ts';
import { UsageError } from './errors.ts';
import { runTask, type SweepTask } from './sweep-task.ts';

/** Young generation of each worker thread, in MB (V8's default is about 48). */
const YOUNG_GENERATION_MB = 384;
/** Sweeps this short run on the main thread when one worker is asked for: a worker's start-up would cost more. */
const INLINE_RUNS_MAX = 64;

export interface SweepOptions {
  readonly vary: readonly string[];
  readonly seeds?: number | undefined;
  readonly workers?: number | undefined;
  readonly out?: string | undefined;
  readonly shard?: string | undefined;
  readonly resume?: boolean | undefined;
  readonly variant?: string | undefined;
  readonly set: readonly string[];
  /** No progress and no summary table on the terminal (benchmarks). */
  readonly quiet?: boolean | undefined;
  /** For tests: stop after this many rows were written (simulates an interruption). */
  readonly stopAfter?: number | undefined;
}

function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index < 1 || index > count)
    throw new UsageError(`--shard ${text}: expected I/N with 1 <= I <= N, e.g. --shard 2/3`);
  return { index, count };
}

function formatOf(out: string): 'csv' | 'jsonl' | 'parquet' {
  if (out.endsWith('.csv')) return 'csv';
  if (out.endsWith('.jsonl')) return 'jsonl';
  if (out.endsWith('.parquet')) return 'parquet';
  throw new UsageError(
    `--out ${out}: the format comes from the extension: .csv, .jsonl or .parquet`,
  );
}

/** Writes rows as a Parquet file, each column typed by its values (numbers as DOUBLE, whole numbers as INT64). */
function writeParquet(path: string, columns: readonly string[], rows: readonly Cell[][]): void {
  const columnData = columns.map((name, i) => {
    const values = rows.map((r) => r[i] ?? null);
    const present = values.filter((v) => v !== null);
    let type: 'BOOLEAN' | 'INT64' | 'DOUBLE' | 'STRING' = 'STRING';
    if (present.length > 0 && present.every((v) => typeof v === 'boolean')) type = 'BOOLEAN';
    else if (present.length > 0 && present.every((v) => Number.isSafeInteger(v))) type = 'INT64';
    else if (present.length > 0 && present.every((v) => typeof v === 'number')) type = 'DOUBLE';
    const data =
      type === 'INT64'
        ? values.map((v) => (v === null ? null : BigInt(v as number)))
        : type === 'STRING'
          ? values.map((v) => (v === null ? null : typeof v === 'string' ? v : JSON.stringify(v)))
          : values;
    return { name, data, type };
  });
  const buffer = parquetWriteBuffer({ columnData });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, new Uint8Array(buffer));
  renameSync(tmp, path);
}

/** Progress on stderr: a live line on a terminal, a plain line every few seconds otherwise. */
function progress(total: number): { tick(done: number): void; end(done: number): void } {
  const t0 = Date.now();
  let last = 0;
  const tty = process.stderr.isTTY === true;
  const line = (done: number) => {
    const s = (Date.now() - t0) / 1000;
    const rate = done / Math.max(s, 1e-3);
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    return `sweep: ${done}/${total} runs (${((100 * done) / Math.max(total, 1)).toFixed(0)}%), ${rate.toFixed(1)} runs/s, ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '?'}`;
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

export async function sweep(name: string, o: SweepOptions): Promise<{ interrupted: boolean }> {
  const { text, file } = scenarioText(name);
  const base = loadNamed(name, { variant: o.variant, overrides: o.set });
  const shard = parseShard(o.shard);
  const axes: Axis[] = [];
  const vary =
    o.vary.length > 0
      ? o.vary
      : Object.entries(base.source.sweep?.params ?? {}).map(
          ([path, values]) => `${path}=${values.map((v) => JSON.stringify(v)).join(',')}`,
        );
  for (const v of vary) {
    const axis = parseAxis(v);
    if (typeof axis === 'string') throw new UsageError(`--vary ${v}: ${axis}`);
    axes.push(axis);
  }
  const seeds = o.seeds ?? base.source.sweep?.seeds ?? 10;
  if (!(Number.isSafeInteger(seeds) && seeds >= 1))
    throw new UsageError(`--seeds ${seeds}: a whole number of at least 1`);
  const grid: Grid = { axes, seeds };
  const total = runsOf(grid);
  if (total > SWEEP_RUNS_MAX)
    throw new UsageError(`the sweep has ${total} runs; at most ${SWEEP_RUNS_MAX}`);
  // Each axis value must make a valid scenario: checked here, once, naming the flag.
  for (const axis of axes)
    for (const value of axis.values)
      loadNamed(name, {
        variant: o.variant,
        overrides: [...o.set, `${axis.path}=${JSON.stringify(value)}`],
      });

  const checks = (base.source.checks ?? DEFAULT_CHECKS) as readonly CheckSpec[];
  const columns = columnsOf(grid, checks);
  const out =
    o.out ??
    `${base.scenario.name}-sweep${shard === undefined ? '' : `-${shard.index}of${shard.count}`}.csv`;
  const format = formatOf(out);
  // Parquet is written whole at the end; until then rows go to a JSONL journal beside it.
  const rowsPath = format === 'parquet' ? `${out}.partial.jsonl` : out;
  const rowFormat = format === 'parquet' ? 'jsonl' : format;
  if (format === 'parquet' && existsSync(out))
    throw new UsageError(`${out} exists: choose another --out`);
  const manifestPath = `${out}.manifest.json`;
  const manifest = {
    parley: PARLEY_VERSION,
    scenario: base.scenario.name,
    scenarioHash: sha256Hex(text),
    variant: o.variant ?? null,
    overrides: o.set,
    grid: { axes, seeds },
    runs: total,
    shard: shard ?? null,
    columns,
    format,
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;

  // The runs of this shard, in run order, and how many are already written.
  const mine: number[] = [];
  for (let r = 0; r < total; r++) if (inShard(r, shard)) mine.push(r);
  let done = 0;
  if (existsSync(out)) {
    if (!o.resume)
      throw new UsageError(`${out} exists: add --resume to continue it, or choose another --out`);
    if (!existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== manifestText)
      throw new UsageError(
        `${out} was written by a different sweep (see ${manifestPath}); it cannot be resumed with these options`,
      );
    const content = readFileSync(rowsPath, 'utf8');
    // Keep whole lines only: a run killed mid-write leaves at most one partial line.
    const whole = content.lastIndexOf('\n') + 1;
    if (whole < content.length) truncateSync(rowsPath, Buffer.byteLength(content.slice(0, whole)));
    const lines = content
      .slice(0, whole)
      .split('\n')
      .filter((l) => l !== '');
    done = rowFormat === 'csv' ? Math.max(0, lines.length - 1) : lines.length;
  } else {
    const tmp = `${manifestPath}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, manifestText);
    closeSync(fd);
    renameSync(tmp, manifestPath);
  }

  const fd = openSync(rowsPath, 'a');
  if (done === 0 && rowFormat === 'csv' && readFileSync(rowsPath, 'utf8').length === 0)
    writeSync(fd, `${csvLine(columns)}\n`);
  const rows: Cell[][] = [];
  const encode = (cells: Cell[]) =>
    rowFormat === 'csv' ? csvLine(cells) : jsonLine(columns, cells);

  const todo = mine.slice(done);
  const bar = o.quiet ? { tick() {}, end() {} } : progress(mine.length);
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const workers = Math.max(1, Math.min(o.workers ?? availableParallelism(), todo.length || 1));
  const task = (r: number): SweepTask => {
    const run = runAt(grid, r);
    return {
      text,
      file,
      variant: o.variant,
      overrides: [...o.set, ...overridesOf(grid, run)],
      run,
    };
  };
  // Completed rows wait here until every earlier run of the shard is written.
  const pending = new Map<number, Cell[]>();
  let next = 0;
  let written = done;
  const flush = () => {
    let chunk = '';
    while (pending.has(todo[next] as number)) {
      const cells = pending.get(todo[next] as number) as Cell[];
      pending.delete(todo[next] as number);
      chunk += `${encode(cells)}\n`;
      rows.push(cells);
      next++;
      written++;
      if (o.stopAfter !== undefined && written >= o.stopAfter) {
        interrupted = true;
        break;
      }
    }
    if (chunk !== '') writeSync(fd, chunk);
    bar.tick(written);
  };

  try {
    if (
      workers === 1 &&
      process.env['PARLEY_SWEEP_INLINE'] !== '0' &&
      todo.length < INLINE_RUNS_MAX
    ) {
      for (const r of todo) {
        if (interrupted) break;
        pending.set(r, runTask(task(r)));
        flush();
        // Let a Ctrl-C reach us between runs.
        if (next % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } else {
      const pool = new Piscina({
        filename: new URL('./sweep-worker.mjs', import.meta.url).href,
        minThreads: workers,
        maxThreads: workers,
        // A young generation large enough that a run's short-lived objects die
        // young: the default made the garbage collector the bottleneck, and
        // measured 1.2x on 2 workers instead of 1.6x.
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      });
      try {
        let issued = 0;
        const inflight = new Set<Promise<void>>();
        const window = workers * 4;
        // Runs go to workers in batches, so a short run does not pay a message round trip of its own.
        const batch = Math.max(1, Math.min(64, Math.ceil(todo.length / (workers * 32))));
        while (issued < todo.length && !interrupted) {
          while (inflight.size < window && issued < todo.length) {
            const runs = todo.slice(issued, issued + batch);
            issued += runs.length;
            const p: Promise<void> = pool.run(runs.map(task)).then((rows: Cell[][]) => {
              inflight.delete(p);
              if (interrupted) return;
              runs.forEach((r, i) => {
                pending.set(r, rows[i] as Cell[]);
              });
              flush();
            });
            inflight.add(p);
          }
          await Promise.race(inflight);
        }
        await Promise.all(inflight);
      } finally {
        await pool.destroy();
      }
    }
  } finally {
    closeSync(fd);
    process.off('SIGINT', onSigint);
  }
  bar.end(written);

  const args = process.argv.slice(4);
  const kept = args.filter(
    (a, i) => a !== '--resume' && a !== '--stop-after' && args[i - 1] !== '--stop-after',
  );
  const resumeHint = `npx parley sweep ${name} ${kept.join(' ')} --resume`.replace(/\s+/g, ' ');
  if (interrupted) {
    process.stderr.write(
      `sweep: interrupted after ${written} of ${mine.length} runs; ${rowsPath} holds them.\nresume with: ${resumeHint}\n`,
    );
    return { interrupted: true };
  }
  // The summary reads the whole file, so a resumed sweep summarizes every run.
  const all = readRows(rowsPath, rowFormat, columns);
  if (format === 'parquet') {
    writeParquet(out, columns, all);
    rmSync(rowsPath);
  }
  const checkColumns = columns.filter((c, i) => i > 0 && columns[i + 1] === `${c}.met`);
  const summary = summarize(columns, all, axes.length, checkColumns);
  const summaryText = [csvLine(summary.columns), ...summary.rows.map(csvLine)].join('\n');
  const summaryPath = out.replace(/\.(csv|jsonl|parquet)$/, '.summary.csv');
  const sfd = openSync(`${summaryPath}.tmp`, 'w');
  writeSync(sfd, `${summaryText}\n`);
  closeSync(sfd);
  renameSync(`${summaryPath}.tmp`, summaryPath);
  if (!o.quiet)
    process.stdout.write(
      `${printTable(summary.columns, summary.rows)}\n${written} runs in ${out}; summary in ${summaryPath}\n`,
    );
  return { interrupted: false };
}

/** Rows back from a sweep file (numbers as numbers), for the summary. */
export function readRows(
  out: string,
  format: 'csv' | 'jsonl',
  columns: readonly string[],
): Cell[][] {
  const lines = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  if (format === 'jsonl') {
    return lines.map((l) => {
      const o = JSON.parse(l) as Record<string, Cell>;
      return columns.map((c) => o[c]);
    });
  }
  return lines
    .slice(1)
    .map((l) =>
      parseCsvLine(l).map((f) =>
        f === '' ? undefined : /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(f) ? Number(f) : f,
      ),
    );
}

/** One CSV line into its fields (RFC 4180 quoting). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          s += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else s += line[i++];
      }
      out.push(s);
      i++;
    } else {
      const j = line.indexOf(',', i);
      const end = j < 0 ? line.length : j;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

function printTable(columns: readonly string[], rows: readonly Cell[][]): string {
  const text = [columns, ...rows.map((r) => r.map((c) => (c === undefined ? '' : String(c))))];
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
