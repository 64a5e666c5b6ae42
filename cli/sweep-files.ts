/**
 * The files of a sweep: its manifest, its rows read back line by line with
 * a bounded buffer, their SHA-256, and Parquet written and read one row
 * group at a time, so no file is ever held whole in memory. Node only.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
// The Parquet reader and writer (about 230 kB) are loaded when a Parquet file
// is read or written, not at every command's start.
import type { Scenario } from '../sim/index.ts';
import { type Axis, type Cell, columnKind, type Shard } from '../sim/sweep/index.ts';
import { UsageError } from './errors.ts';

export type SweepFormat = 'csv' | 'jsonl' | 'parquet';

/** What a finished sweep file holds: its row count and the SHA-256 of its bytes. */
export interface SweepCompletion {
  readonly rows: number;
  readonly sha256: string;
}

/** The manifest beside every sweep file (`FILE.manifest.json`). */
export interface SweepManifest {
  readonly parley: string;
  readonly scenario: string;
  readonly scenarioHash: string;
  readonly variant: string | null;
  readonly overrides: readonly string[];
  readonly grid: {
    readonly axes: readonly Axis[];
    readonly seeds: number;
    readonly seedStart?: number;
  };
  readonly runs: number;
  readonly shard: Shard | null;
  readonly columns: readonly string[];
  readonly format: SweepFormat;
  readonly spreadsheetSafe: boolean;
  /**
   * The protocols read from files, by name: the path as the scenario wrote it
   * and the SHA-256 of the file's text. Present only when there are some, so
   * the manifests of other sweeps stay as they were.
   */
  readonly protocolFiles?: Readonly<
    Record<string, { readonly path: string; readonly sha256: string }>
  >;
  /** Written when the sweep finished, never before: a manifest without it is an unfinished sweep. */
  readonly complete?: SweepCompletion;
}

/** `{ protocolFiles }` of the protocols `scenario` read from files, or `{}` when it read none. */
export function protocolFilesOf(scenario: Scenario): Pick<SweepManifest, 'protocolFiles'> {
  const files: Record<string, { path: string; sha256: string }> = {};
  for (const a of scenario.agents)
    if (a.protocol.file !== undefined)
      files[a.protocol.name] = { path: a.protocol.file.path, sha256: a.protocol.file.sha256 };
  return Object.keys(files).length > 0 ? { protocolFiles: files } : {};
}

/** Which protocol file differs between the manifest a sweep `found` and the one it would write `now`, in words. */
export function changedProtocolFile(found: SweepManifest, now: SweepManifest): string | undefined {
  const before = found.protocolFiles ?? {};
  const after = now.protocolFiles ?? {};
  for (const [name, f] of Object.entries(after)) {
    const old = before[name];
    if (old === undefined) continue;
    if (old.sha256 !== f.sha256)
      return `protocol file ${f.path} changed since the sweep started (SHA-256 ${old.sha256.slice(0, 12)}… then, ${f.sha256.slice(0, 12)}… now)`;
  }
  return undefined;
}

/** The manifest's text without its completion record: what a resume must find unchanged. */
export function manifestKey(m: SweepManifest): string {
  const { complete: _c, ...rest } = m;
  return JSON.stringify(rest);
}

export function manifestText(m: SweepManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/** `path`'s 1-based line and column of character `position` of `text`. */
function lineColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return `${line}:${position - before.lastIndexOf('\n')}`;
}

/** Reads and checks a sweep manifest; a missing, corrupt or incomplete one is a UsageError naming it (and the line). */
export function readManifest(path: string): SweepManifest {
  if (!existsSync(path)) throw new UsageError(`${path}: no such manifest`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.replace(/, ".*" is not valid JSON$/s, '');
    const at = /at position (\d+)/.exec(message);
    const where = at
      ? lineColumn(text, Number(at[1]))
      : /end of JSON input/.test(message)
        ? `${text.split('\n').length}`
        : undefined;
    throw new UsageError(
      `${path}${where === undefined ? '' : `:${where}`}: not a valid manifest (${message.replace(/ in JSON at position \d+$/, '')}); was the file cut or edited?`,
    );
  }
  const o = m as Record<string, unknown>;
  const bad = (field: string, want: string) =>
    new UsageError(`${path}: not a valid manifest: "${field}" should be ${want}`);
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw bad('(the whole file)', 'an object');
  for (const f of ['parley', 'scenario', 'scenarioHash'])
    if (typeof o[f] !== 'string') throw bad(f, 'a string');
  if (!Number.isSafeInteger(o['runs']) || (o['runs'] as number) < 0)
    throw bad('runs', 'a whole number');
  const grid = o['grid'] as { axes?: unknown; seeds?: unknown } | undefined;
  if (typeof grid !== 'object' || grid === null || !Array.isArray(grid.axes))
    throw bad('grid', 'an object with axes and seeds');
  const shard = o['shard'] as { index?: unknown; count?: unknown } | null;
  if (
    shard !== null &&
    !(
      typeof shard === 'object' &&
      Number.isSafeInteger(shard.index) &&
      Number.isSafeInteger(shard.count) &&
      (shard.index as number) >= 1 &&
      (shard.index as number) <= (shard.count as number)
    )
  )
    throw bad('shard', 'null or { index, count } with 1 <= index <= count');
  if (!Array.isArray(o['columns']) || !o['columns'].every((c) => typeof c === 'string'))
    throw bad('columns', 'a list of names');
  if (!['csv', 'jsonl', 'parquet'].includes(o['format'] as string))
    throw bad('format', 'csv, jsonl or parquet');
  if (typeof o['spreadsheetSafe'] !== 'boolean') throw bad('spreadsheetSafe', 'true or false');
  const complete = o['complete'] as { rows?: unknown; sha256?: unknown } | undefined;
  if (
    complete !== undefined &&
    !(
      typeof complete === 'object' &&
      complete !== null &&
      Number.isSafeInteger(complete.rows) &&
      typeof complete.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(complete.sha256)
    )
  )
    throw bad('complete', '{ rows, sha256 }');
  const files = o['protocolFiles'];
  if (
    files !== undefined &&
    !(
      typeof files === 'object' &&
      files !== null &&
      !Array.isArray(files) &&
      Object.values(files).every(
        (f) =>
          typeof f === 'object' &&
          f !== null &&
          typeof (f as { path?: unknown }).path === 'string' &&
          /^[0-9a-f]{64}$/.test(String((f as { sha256?: unknown }).sha256)),
      )
    )
  )
    throw bad('protocolFiles', '{ name: { path, sha256 } }');
  return m as SweepManifest;
}

/** Opens `path` for reading; a file that cannot be read is a UsageError naming it. */
function openOrSay(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw new UsageError(
      `${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** Checks that the folder of output file `path` exists, before anything is written; a UsageError naming `flag` otherwise. */
export function checkOutputFolder(path: string, flag: string): void {
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(`${flag} ${path}: no such folder ${folder}`);
  if (existsSync(path) && statSync(path).isDirectory())
    throw new UsageError(`${flag} ${path}: a folder, not a file`);
}

/** Longest line the reader accepts: far beyond any row, so a file that is not a sweep file fails fast. */
const LINE_BYTES_MAX = 64 << 20;

/**
 * A file read line by line, `chunkBytes` at a time: memory stays at one
 * chunk plus one line whatever the file's size. Splits at '\n' bytes (never
 * inside a UTF-8 character). After the last line, `tailBytes` is the length
 * of a torn last line (text after the last newline, 0 when the file ends
 * with one), and `hash` the SHA-256 of every byte read.
 */
export class LineReader {
  private fd: number | undefined;
  private buffer = Buffer.alloc(0);
  private at = 0;
  /** Lines returned so far. */
  lineNumber = 0;
  /** Bytes of the lines returned so far, newlines included. */
  wholeBytes = 0;
  /** Bytes after the last newline, known at the end. */
  tailBytes = 0;
  readonly hash: Hash = createHash('sha256');

  constructor(
    readonly path: string,
    private readonly chunkBytes = 1 << 20,
  ) {
    this.fd = openOrSay(path);
  }

  /** The next whole line without its newline, or undefined at the end (the torn tail is not returned). */
  next(): string | undefined {
    for (;;) {
      const nl = this.buffer.indexOf(10, this.at);
      if (nl >= 0) {
        const line = this.buffer.toString('utf8', this.at, nl);
        this.wholeBytes += nl + 1 - this.at;
        this.at = nl + 1;
        this.lineNumber++;
        return line;
      }
      if (this.fd === undefined) {
        this.tailBytes = this.buffer.length - this.at;
        return undefined;
      }
      const rest = this.buffer.subarray(this.at);
      if (rest.length > LINE_BYTES_MAX)
        throw new UsageError(
          `${this.path}:${this.lineNumber + 1}: a line of more than ${LINE_BYTES_MAX} bytes; is this a sweep file?`,
        );
      const chunk = Buffer.allocUnsafe(this.chunkBytes);
      const n = readSync(this.fd, chunk, 0, this.chunkBytes, null);
      if (n === 0) this.close();
      else this.hash.update(chunk.subarray(0, n));
      this.buffer = Buffer.concat([rest, chunk.subarray(0, n)]);
      this.at = 0;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The SHA-256 (hex) of a file, read in chunks. */
export function sha256OfFile(path: string): string {
  const hash = createHash('sha256');
  const fd = openOrSay(path);
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk))
      hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** A temporary name beside `path`, removed or renamed into place by the caller. */
export function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Rows per Parquet row group: the rows held in memory at once while writing or reading Parquet. */
export const PARQUET_GROUP_ROWS = 50_000;

type ParquetType = 'BOOLEAN' | 'INT64' | 'DOUBLE' | 'STRING';

/**
 * Tracks which Parquet type fits every value of a column: its declared kind
 * when every value fits it (a metric's type even when no run gave it),
 * else BOOLEAN, INT64, DOUBLE or STRING by its values.
 */
class ColumnType {
  constructor(private readonly declared: 'integer' | 'number' | undefined) {}
  private present = 0;
  private booleans = true;
  private integers = true;
  private numbers = true;
  add(v: Cell): void {
    if (v === null || v === undefined) return;
    this.present++;
    if (typeof v !== 'boolean') this.booleans = false;
    if (!Number.isSafeInteger(v)) this.integers = false;
    if (typeof v !== 'number') this.numbers = false;
  }
  get type(): ParquetType {
    if (this.declared === 'integer' && this.integers) return 'INT64';
    if (this.declared === 'number' && this.numbers) return 'DOUBLE';
    if (this.present === 0) return 'STRING';
    return this.booleans ? 'BOOLEAN' : this.integers ? 'INT64' : this.numbers ? 'DOUBLE' : 'STRING';
  }
}

function parquetValue(type: ParquetType, v: Cell): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'INT64') return BigInt(v as number);
  if (type === 'STRING') return typeof v === 'string' ? v : JSON.stringify(v);
  return v;
}

/**
 * Writes rows as a Parquet file, each metric column typed by its metric
 * (sim/sweep/rows.ts METRIC_KINDS) and every other column by its values
 * (whole numbers as INT64, other numbers as DOUBLE, booleans, else text), one row
 * group of PARQUET_GROUP_ROWS at a time. `rows` is called twice (a pass for
 * the types, a pass for the data), and must give the same rows both times;
 * `onRow` sees each row of the first pass. Written beside and renamed into
 * place, so the file is whole or absent. Returns the row count.
 */
export async function writeParquet(
  path: string,
  columns: readonly string[],
  rows: () => AsyncIterable<Cell[]> | Iterable<Cell[]>,
  onRow: (cells: Cell[]) => void = () => {},
): Promise<number> {
  const types = columns.map((c) => new ColumnType(columnKind(c)));
  let count = 0;
  for await (const cells of rows()) {
    types.forEach((t, i) => {
      t.add(cells[i]);
    });
    onRow(cells);
    count++;
  }
  const kinds = types.map((t) => t.type);
  const { fileWriter, ParquetWriter, schemaFromColumnData } = await import('hyparquet-writer');
  const schema = schemaFromColumnData({
    columnData: columns.map((name, i) => ({ name, data: [], type: kinds[i] as ParquetType })),
  });
  const tmp = tempBeside(path);
  try {
    const pq = new ParquetWriter({ writer: fileWriter(tmp), schema });
    let group: Cell[][] = [];
    const flush = () => {
      if (group.length === 0) return;
      const g = group;
      pq.write({
        columnData: columns.map((name, i) => ({
          name,
          data: g.map((r) => parquetValue(kinds[i] as ParquetType, r[i])),
        })),
        rowGroupSize: PARQUET_GROUP_ROWS,
      });
      group = [];
    };
    let again = 0;
    for await (const cells of rows()) {
      group.push(cells);
      again++;
      if (group.length === PARQUET_GROUP_ROWS) flush();
    }
    flush();
    if (again !== count) throw new Error(`${path}: the rows changed between two passes`);
    pq.finish();
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return count;
}

/** The row count of a Parquet file, from its footer. */
export async function parquetRowsOf(path: string): Promise<number> {
  const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
  try {
    const file = await asyncBufferFromFile(path);
    return Number((await parquetMetadataAsync(file)).num_rows);
  } catch (err) {
    throw new UsageError(`${path}: not a readable Parquet file (${(err as Error).message})`);
  }
}

/** The rows of a Parquet file written by `writeParquet`, a row group's worth at a time, aligned with `columns`. */
export async function* parquetRows(
  path: string,
  columns: readonly string[],
): AsyncGenerator<Cell[]> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead } = await import('hyparquet');
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new UsageError(`${path}: not a readable Parquet file (${(err as Error).message})`);
  }
  const names = metadata.schema.slice(1).map((s) => s.name);
  if (JSON.stringify(names) !== JSON.stringify(columns))
    throw new UsageError(`${path}: its columns differ from its manifest's`);
  const total = Number(metadata.num_rows);
  for (let start = 0; start < total; start += PARQUET_GROUP_ROWS) {
    let chunk: unknown[][] = [];
    await parquetRead({
      file,
      metadata,
      rowStart: start,
      rowEnd: Math.min(total, start + PARQUET_GROUP_ROWS),
      onComplete: (rows: unknown[][]) => {
        chunk = rows;
      },
    });
    for (const row of chunk)
      yield row.map((v) =>
        v === null || v === undefined ? undefined : typeof v === 'bigint' ? Number(v) : (v as Cell),
      );
  }
}
