/**
 * `parley merge`: joins the shards of a sweep into one file and its summary,
 * the same bytes as the sweep run on one machine. Each shard is checked
 * whole against its manifest (finished, row count, SHA-256, run order), and
 * no run may be missing or doubled. Streams: one line (or one Parquet row
 * group) per shard in memory. Node only.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import {
  type Cell,
  cellsOfCsvLine,
  cellsOfJsonLine,
  checkColumnsOf,
  csvLine,
  csvLineSafe,
  parseCsvLine,
  runOfLine,
  shardRunsOf,
  summaryBuilder,
} from '../sim/sweep/index.ts';
import { UsageError } from './errors.ts';
import { writeWhole } from './files.ts';
import { checkSummaryFree, formatOf, summaryPathOf } from './sweep.ts';
import {
  checkOutputFolder,
  LineReader,
  manifestKey,
  parquetRows,
  parquetRowsOf,
  readManifest,
  type SweepCompletion,
  type SweepManifest,
  sha256OfFile,
  tempBeside,
  writeParquet,
} from './sweep-files.ts';

export interface MergeOptions {
  /** Neutralise CSV cells a spreadsheet would run as formulas (see `spreadsheetSafe` in sim/sweep/rows.ts). */
  readonly spreadsheetSafe?: boolean | undefined;
}

interface ShardFile {
  readonly path: string;
  readonly manifest: SweepManifest;
  readonly complete: SweepCompletion;
}

/** Files a glob such as `part*` also matches that are not shards: summaries, manifests, Parquet journals. */
function companionOf(path: string): boolean {
  if (path.endsWith('.manifest.json')) return true;
  return (
    (path.endsWith('.summary.csv') || path.endsWith('.partial.jsonl')) &&
    !existsSync(`${path}.manifest.json`)
  );
}

const shortName = (m: SweepManifest) =>
  m.shard === null ? 'the whole sweep' : `shard ${m.shard.index}/${m.shard.count}`;

/**
 * Reads and checks the shards' manifests: one sweep, every shard finished,
 * no shard twice, none missing. Returns the shards in shard order.
 */
function shardsOf(paths: readonly string[]): ShardFile[] {
  const shards = paths.map((path): ShardFile => {
    const manifestPath = `${path}.manifest.json`;
    if (!existsSync(path)) throw new UsageError(`${path}: no such file`);
    if (!statSync(path).isFile()) throw new UsageError(`${path}: not a file`);
    if (!existsSync(manifestPath))
      throw new UsageError(
        `${path}: no manifest beside it (${manifestPath}); is it a file written by parley sweep?`,
      );
    const manifest = readManifest(manifestPath);
    if (manifest.complete === undefined)
      throw new UsageError(
        `${path} is unfinished (its manifest records no finished sweep); finish it with its sweep command and --resume`,
      );
    return { path, manifest, complete: manifest.complete };
  });
  const first = shards[0] as ShardFile;
  const same = (m: SweepManifest) => {
    const { shard: _s, ...rest } = JSON.parse(manifestKey(m)) as Record<string, unknown>;
    return JSON.stringify(rest);
  };
  const seedsOf = (m: SweepManifest) => {
    const start = m.grid.seedStart ?? 1;
    return `${start}:${start + m.grid.seeds - 1}`;
  };
  const withoutSeeds = (m: SweepManifest) => {
    const {
      shard: _s,
      runs: _r,
      grid,
      ...rest
    } = JSON.parse(manifestKey(m)) as {
      grid: { axes: unknown };
    } & Record<string, unknown>;
    return JSON.stringify({ ...rest, axes: grid.axes });
  };
  for (const s of shards)
    if (same(s.manifest) !== same(first.manifest)) {
      if (
        withoutSeeds(s.manifest) === withoutSeeds(first.manifest) &&
        seedsOf(s.manifest) !== seedsOf(first.manifest)
      )
        throw new UsageError(
          `${first.path} and ${s.path} are two sweeps with seeds ${seedsOf(first.manifest)} and ${seedsOf(s.manifest)}; merge joins the shards of one sweep; concatenate the CSVs yourself or use DuckDB's union`,
        );
      throw new UsageError(
        `${s.path} belongs to a different sweep than ${first.path} (compare their manifests)`,
      );
    }
  const count = first.manifest.shard?.count ?? 1;
  const byIndex = new Map<number, ShardFile>();
  for (const s of shards) {
    if (
      (s.manifest.shard?.count ?? 1) !== count ||
      (s.manifest.shard === null) !== (first.manifest.shard === null)
    )
      throw new UsageError(
        `${first.path} is ${shortName(first.manifest)} and ${s.path} is ${shortName(s.manifest)}: shards of different splits`,
      );
    const index = s.manifest.shard?.index ?? 1;
    const twin = byIndex.get(index);
    if (twin !== undefined)
      throw new UsageError(
        `${twin.path} and ${s.path} are both ${shortName(s.manifest)}: its runs would appear twice`,
      );
    byIndex.set(index, s);
  }
  const runs = first.manifest.runs;
  if (byIndex.size < count) {
    const missing: number[] = [];
    let absent = 0;
    for (let i = 1; i <= count; i++)
      if (!byIndex.has(i)) absent += shardRunsOf(runs, { index: i, count });
    for (let r = 0; r < runs && missing.length < 10; r++)
      if (!byIndex.has((r % count) + 1)) missing.push(r);
    if (absent > 0)
      throw new UsageError(
        `${absent} of ${runs} runs are missing (runs ${missing.join(', ')}${absent > missing.length ? ', …' : ''}); is a shard absent or unfinished?`,
      );
  }
  return Array.from({ length: count }, (_, i) => byIndex.get(i + 1)).filter(
    (s): s is ShardFile => s !== undefined,
  );
}

const mismatch = (s: ShardFile, what: string) =>
  new UsageError(
    `${s.path} does not match its manifest (${s.complete.rows} rows, sha256 ${s.complete.sha256.slice(0, 12)}…): ${what}; it was cut or changed after its sweep finished, so run that shard again`,
  );

/** Merges the shard files into `out`, with its manifest and summary; returns the row count. */
export async function merge(
  files: readonly string[],
  out: string,
  o: MergeOptions = {},
): Promise<{ rows: number; summaryPath: string }> {
  const format = formatOf(out, '--out');
  checkOutputFolder(out, '--out');
  const skipped = files.filter(companionOf);
  const paths = files.filter((f) => !companionOf(f));
  if (skipped.length > 0)
    process.stderr.write(
      `merge: skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'} that ${skipped.length === 1 ? 'is a summary or manifest' : 'are summaries or manifests'}, not shards: ${skipped.slice(0, 4).join(', ')}${skipped.length > 4 ? ', …' : ''}\n`,
    );
  if (paths.length === 0) throw new UsageError('merge needs the shard files');
  if (existsSync(out)) throw new UsageError(`${out} exists; choose another --out`);
  const shards = shardsOf(paths);
  const first = (shards[0] as ShardFile).manifest;
  if (first.format !== format)
    throw new UsageError(
      `--out ${out}: the shards are ${first.format} files; the merged file must be .${first.format} too`,
    );
  for (const s of shards) {
    const want = shardRunsOf(first.runs, s.manifest.shard ?? undefined);
    if (s.complete.rows !== want)
      throw new UsageError(
        `${s.path}: its manifest records ${s.complete.rows} rows where ${shortName(s.manifest)} has ${want} runs; was it edited?`,
      );
  }
  checkSummaryFree(out, '--out', { ...first, shard: null });
  const count = first.shard?.count ?? 1;
  const shardOfRun = (r: number) => shards[r % count] as ShardFile;
  const safe = first.spreadsheetSafe || o.spreadsheetSafe === true;
  const summary = summaryBuilder(
    first.columns,
    first.grid.axes.length,
    checkColumnsOf(first.columns),
  );
  const summaryPath = summaryPathOf(out);
  let complete: SweepCompletion;

  if (format === 'parquet') {
    for (const s of shards) {
      if (sha256OfFile(s.path) !== s.complete.sha256) throw mismatch(s, 'its SHA-256 differs');
      const rows = await parquetRowsOf(s.path);
      if (rows !== s.complete.rows) throw mismatch(s, `it holds ${rows} rows`);
    }
    async function* merged(): AsyncGenerator<Cell[]> {
      const iterators = shards.map((s) => parquetRows(s.path, first.columns));
      for (let r = 0; r < first.runs; r++) {
        const i = r % count;
        const next = await (iterators[i] as AsyncGenerator<Cell[]>).next();
        if (next.done === true) throw mismatch(shardOfRun(r), `it ends before run ${r}`);
        if (next.value[0] !== r)
          throw mismatch(shardOfRun(r), `run ${String(next.value[0])} is where run ${r} belongs`);
        yield next.value;
      }
    }
    const rows = await writeParquet(out, first.columns, merged, (cells) => summary.add(cells));
    complete = { rows, sha256: sha256OfFile(out) };
  } else {
    complete = mergeText(shards, out, safe, (cells) => summary.add(cells));
  }

  const { complete: _c, ...rest } = first;
  writeWhole(`${out}.manifest.json`, [
    JSON.stringify({ ...rest, shard: null, spreadsheetSafe: safe, complete }, null, 2),
  ]);
  const s = summary.result();
  const line = safe ? csvLineSafe : csvLine;
  writeWhole(summaryPath, [line(s.columns), ...s.rows.map((r) => line(r))]);
  return { rows: complete.rows, summaryPath };
}

/** Interleaves CSV or JSONL shards line by line into `out` (written beside, renamed at the end), checking each shard as it goes. */
function mergeText(
  shards: readonly ShardFile[],
  out: string,
  safe: boolean,
  onCells: (cells: Cell[]) => void,
): SweepCompletion {
  const first = (shards[0] as ShardFile).manifest;
  const format = first.format as 'csv' | 'jsonl';
  const count = first.shard?.count ?? 1;
  // Shards written without --spreadsheet-safe are made safe cell by cell when the merge asks for it.
  const rewrite = format === 'csv' && safe && !first.spreadsheetSafe;
  const readers = shards.map((s) => new LineReader(s.path));
  const tmp = tempBeside(out);
  const fd = openSync(tmp, 'w');
  const hash = createHash('sha256');
  let chunk = '';
  const put = (line: string) => {
    chunk += `${line}\n`;
    if (chunk.length >= 1 << 20) {
      hash.update(chunk);
      writeSync(fd, chunk);
      chunk = '';
    }
  };
  try {
    if (format === 'csv') {
      const header = (first.spreadsheetSafe ? csvLineSafe : csvLine)(first.columns);
      shards.forEach((s, i) => {
        if ((readers[i] as LineReader).next() !== header)
          throw mismatch(s, 'its first line is not the header of its columns');
      });
      put((safe ? csvLineSafe : csvLine)(first.columns));
    }
    for (let r = 0; r < first.runs; r++) {
      const i = r % count;
      const reader = readers[i] as LineReader;
      const s = shards[i] as ShardFile;
      const line = reader.next();
      if (line === undefined)
        throw mismatch(
          s,
          `it ends before run ${r}${reader.tailBytes > 0 ? `, in a torn line of ${reader.tailBytes} bytes` : ''}`,
        );
      const run = runOfLine(format, line);
      if (run !== r)
        throw mismatch(
          s,
          `line ${reader.lineNumber} holds ${run === undefined ? 'no row' : `run ${run}`} where run ${r} belongs`,
        );
      onCells(format === 'csv' ? cellsOfCsvLine(line) : cellsOfJsonLine(first.columns, line));
      put(rewrite ? csvLineSafe(parseCsvLine(line)) : line);
    }
    shards.forEach((s, i) => {
      const reader = readers[i] as LineReader;
      if (reader.next() !== undefined) throw mismatch(s, 'it holds more rows');
      if (reader.tailBytes > 0)
        throw mismatch(s, `it ends in a torn line of ${reader.tailBytes} bytes`);
      if (reader.hash.digest('hex') !== s.complete.sha256) throw mismatch(s, 'its SHA-256 differs');
    });
    hash.update(chunk);
    writeSync(fd, chunk);
    closeSync(fd);
    renameSync(tmp, out);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {}
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    for (const reader of readers) reader.close();
  }
  return { rows: first.runs, sha256: hash.digest('hex') };
}
