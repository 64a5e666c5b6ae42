/**
 * Files dropped on the page or picked with a file input, read as text and
 * never executed or inserted as HTML: a JSONL trace (read a chunk at a time,
 * rebuilt and its end line and hash checked by sim/trace-read.ts: a file cut
 * short or changed is refused), a scenario file (YAML or JSON, through the
 * same loader and protocol registry as the command line), sweep results
 * as written by `parley sweep` (CSV with its header row, RFC 4180 quoting,
 * JSONL rows, or Parquet read with hyparquet, each cell typed as the CSV
 * reader types it), or a sweep's manifest (`FILE.manifest.json`: the
 * scenario, variant and overrides the sweep ran). A file that cannot be read
 * gives an Error whose message starts `file:line:column:` (or `file:` when
 * no line applies).
 */
import { parquetMetadata, parquetRead } from 'hyparquet';
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import {
  type Json,
  type LoadedScenario,
  loadScenario,
  ScenarioLoadError,
  type Trace,
} from '../sim/index.ts';
import { protocolPathsIn } from '../sim/scenario/index.ts';
import type { Cell } from '../sim/sweep/index.ts';
import { errorColumn, TraceReadError, traceFromChunks, traceFromJsonl } from '../sim/trace-read.ts';
import { el, short } from './views/common.ts';

/** Largest file read, in bytes (a trace of about eight million records). */
export const FILE_BYTES_MAX = 512 * 1024 * 1024;
/** Bytes read first to tell what a file holds: room for a large manifest line. */
const HEAD_BYTES = 1024 * 1024;
/** Most agent ids listed in a file's summary. */
const SUMMARY_IDS_MAX = 40;

export type LoadedFile =
  | { readonly kind: 'trace'; readonly file: string; readonly trace: Trace }
  | {
      readonly kind: 'scenario';
      readonly file: string;
      readonly text: string;
      readonly loaded: LoadedScenario;
    }
  | {
      readonly kind: 'sweep';
      readonly file: string;
      readonly format: 'csv' | 'jsonl' | 'parquet';
      readonly columns: readonly string[];
      readonly rows: readonly (readonly Cell[])[];
    }
  | { readonly kind: 'sweep-manifest'; readonly file: string; readonly manifest: SweepManifest };

/**
 * The manifest `parley sweep` writes beside a sweep file (cli/sweep-files.ts
 * writes it; the page reads the fields it needs to re-run a cell). The
 * scenario is named, not embedded: `scenarioHash` is the SHA-256 of the
 * scenario file's text the sweep ran.
 */
export interface SweepManifest {
  readonly parley: string;
  /** The scenario's name (its `name:`), a catalogue name or a file of the user's. */
  readonly scenario: string;
  readonly scenarioHash: string;
  readonly variant: string | null;
  /** The sweep's `--set` overrides, before each run's own axis values. */
  readonly overrides: readonly string[];
  readonly grid: {
    readonly axes: readonly { readonly path: string; readonly values: readonly Json[] }[];
    readonly seeds: number;
    readonly seedStart?: number;
  };
  readonly runs: number;
  readonly columns: readonly string[];
  readonly format: 'csv' | 'jsonl' | 'parquet';
  /** The protocols read from files, by name: present only when there are some. */
  readonly protocolFiles?: Readonly<
    Record<string, { readonly path: string; readonly sha256: string }>
  >;
}

/** A file that could not be read; `line` is 1-based, absent when the problem is the whole file. */
export class FileLoadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}:${column ?? 1}: ${reason}`);
    this.name = 'FileLoadError';
  }
}

/** A CSV field's value: empty is absent, numbers and booleans as such, JSON arrays and objects parsed. */
function csvValue(f: string): Cell {
  if (f === '') return undefined;
  if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(f)) return Number(f);
  if (f === 'true') return true;
  if (f === 'false') return false;
  if (f.startsWith('[') || f.startsWith('{')) {
    try {
      return JSON.parse(f) as Json;
    } catch {
      return f;
    }
  }
  return f;
}

/** Records of CSV text (RFC 4180: quoted fields may hold commas, quotes doubled, and line breaks), with the line each starts on. */
export function parseCsv(text: string, file: string): { line: number; fields: string[] }[] {
  const out: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let col = 1;
  let i = 0;
  let quotedField = false;
  const endField = () => {
    fields.push(field);
    field = '';
    quotedField = false;
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: start, fields });
    fields = [];
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' && field === '' && !quotedField) {
      const openLine = line;
      const openCol = col;
      i++;
      col++;
      for (;;) {
        if (i >= text.length)
          throw new FileLoadError(file, 'a quoted field is never closed', openLine, openCol);
        const q = text[i] as string;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            col += 2;
            continue;
          }
          i++;
          col++;
          break;
        }
        if (q === '\n') {
          line++;
          col = 1;
        } else col++;
        field += q;
        i++;
      }
      quotedField = true;
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r')
        throw new FileLoadError(file, 'text after a closing quote', line, col);
      continue;
    }
    if (c === ',') {
      endField();
    } else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
      line++;
      col = 0;
      start = line;
    } else if (c === '"') {
      throw new FileLoadError(file, 'a quote inside an unquoted field', line, col);
    } else field += c;
    i++;
    col++;
  }
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return out;
}

/** The sweep's column layout: `run`, `seed`, the varied paths, then `stop`. */
function checkColumns(columns: readonly string[], file: string, line: number | undefined): void {
  const seed = columns.indexOf('seed');
  const stop = columns.indexOf('stop');
  if (columns[0] !== 'run' || seed !== 1 || stop < seed)
    throw new FileLoadError(
      file,
      `not a parley sweep: the columns must start run,seed and have a stop column after the varied parameters (got ${short(columns.slice(0, 6).join(','), 80)})`,
      line,
    );
}

/** Sweep rows from CSV text written by `parley sweep`. */
export function sweepFromCsv(
  text: string,
  file: string,
): { columns: string[]; rows: Cell[][]; lines: number[] } {
  const records = parseCsv(text, file);
  const head = records[0];
  if (head === undefined) throw new FileLoadError(file, 'the file is empty, not a parley sweep');
  const columns = head.fields;
  checkColumns(columns, file, head.line);
  const rows: Cell[][] = [];
  const lines: number[] = [];
  for (const r of records.slice(1)) {
    if (r.fields.length !== columns.length)
      throw new FileLoadError(
        file,
        `${r.fields.length} fields where the header has ${columns.length}`,
        r.line,
      );
    const row = r.fields.map(csvValue);
    if (typeof row[1] !== 'number')
      throw new FileLoadError(file, 'the seed is not a number', r.line);
    rows.push(row);
    lines.push(r.line);
  }
  return { columns, rows, lines };
}

/**
 * Sweep rows from JSONL text written by `parley sweep`. Absent cells are left
 * out of a line, so the columns are those some row has a value in, in the
 * file's order.
 */
export function sweepFromJsonl(text: string, file: string): { columns: string[]; rows: Cell[][] } {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const objects: Record<string, Json>[] = [];
  const columns: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new FileLoadError(
        file,
        `not a JSON line (${(e as Error).message})`,
        i + 1,
        errorColumn(line),
      );
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o))
      throw new FileLoadError(file, 'not a JSON object', i + 1);
    const keys = Object.keys(o);
    if (typeof (o as Record<string, unknown>)['seed'] !== 'number')
      throw new FileLoadError(file, 'the row has no numeric seed', i + 1);
    // A column first seen here goes after the column before it in this row, keeping the file's order.
    keys.forEach((k, j) => {
      if (columns.includes(k)) return;
      const before = j === 0 ? -1 : columns.indexOf(keys[j - 1] as string);
      columns.splice(before + 1, 0, k);
    });
    objects.push(o as Record<string, Json>);
  });
  if (objects.length === 0) throw new FileLoadError(file, 'the file has no rows');
  checkColumns(columns, file, undefined);
  return { columns, rows: objects.map((o) => columns.map((c) => o[c])) };
}

/** A Parquet cell as the CSV reader gives it: INT64 (a BigInt) as a number, null as absent, text typed as a CSV field. */
function parquetCell(v: unknown): Cell {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'bigint') return Number(v);
  // `parley sweep` writes a column of mixed values (and every array or object) as text: typed as CSV types it.
  if (typeof v === 'string') return csvValue(v);
  return v as Cell;
}

/** Sweep rows from the bytes of a Parquet file written by `parley sweep` (hyparquet-writer), typed as `sweepFromCsv` types them. */
export async function sweepFromParquet(
  bytes: ArrayBuffer,
  file: string,
): Promise<{ columns: string[]; rows: Cell[][] }> {
  let columns: string[];
  let raw: unknown[][] = [];
  try {
    const metadata = parquetMetadata(bytes);
    columns = metadata.schema.slice(1).map((s) => s.name);
    await parquetRead({
      file: bytes,
      metadata,
      onComplete: (rows: unknown[][]) => {
        raw = rows;
      },
    });
  } catch (e) {
    throw new FileLoadError(file, `not a readable Parquet file (${(e as Error).message})`);
  }
  checkColumns(columns, file, undefined);
  const rows = raw.map((r) => r.map(parquetCell));
  rows.forEach((r, i) => {
    if (typeof r[1] !== 'number')
      throw new FileLoadError(file, `row ${i + 1}: the seed is not a number`);
  });
  return { columns, rows };
}

const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A sweep manifest from its JSON text (`FILE.manifest.json`); a FileLoadError naming the field that is wrong. */
export function sweepManifestFromJson(text: string, file: string): SweepManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new FileLoadError(file, `not a sweep manifest: not JSON (${(e as Error).message})`);
  }
  const bad = (field: string, want: string) =>
    new FileLoadError(file, `not a sweep manifest: "${field}" should be ${want}`);
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw bad('(the whole file)', 'an object');
  const o = m as Record<string, unknown>;
  for (const f of ['parley', 'scenario', 'scenarioHash'])
    if (typeof o[f] !== 'string') throw bad(f, 'a string');
  if (o['variant'] !== null && typeof o['variant'] !== 'string')
    throw bad('variant', 'a name or null');
  if (!isStrings(o['overrides'])) throw bad('overrides', 'a list of path=value');
  const grid = o['grid'] as { axes?: unknown; seeds?: unknown } | null | undefined;
  if (
    typeof grid !== 'object' ||
    grid === null ||
    !Array.isArray(grid.axes) ||
    !grid.axes.every(
      (a: unknown) =>
        typeof a === 'object' &&
        a !== null &&
        typeof (a as { path?: unknown }).path === 'string' &&
        Array.isArray((a as { values?: unknown }).values),
    ) ||
    !Number.isSafeInteger(grid.seeds)
  )
    throw bad('grid', 'an object with axes and seeds');
  if (!isStrings(o['columns'])) throw bad('columns', 'a list of names');
  if (!['csv', 'jsonl', 'parquet'].includes(o['format'] as string))
    throw bad('format', 'csv, jsonl or parquet');
  const files = o['protocolFiles'];
  if (
    files !== undefined &&
    (typeof files !== 'object' ||
      files === null ||
      Array.isArray(files) ||
      !Object.values(files).every(
        (f: unknown) =>
          typeof f === 'object' && f !== null && typeof (f as { path?: unknown }).path === 'string',
      ))
  )
    throw bad('protocolFiles', '{ name: { path, sha256 } }');
  return m as SweepManifest;
}

type Guess = 'trace' | 'scenario' | 'sweep-csv' | 'sweep-jsonl' | 'sweep-manifest';

/** What a file holds, from its name and first line. */
function guess(name: string, text: string): Guess {
  const lower = name.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'scenario';
  if (lower.endsWith('.manifest.json')) return 'sweep-manifest';
  // A manifest renamed: a JSON object with the fields only a sweep manifest has.
  if (lower.endsWith('.json') && /"scenarioHash"\s*:/.test(text) && /"grid"\s*:/.test(text))
    return 'sweep-manifest';
  if (lower.endsWith('.csv')) return 'sweep-csv';
  const first = text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')).trim();
  if (/^"?run"?,"?seed"?(,|$)/.test(first)) return 'sweep-csv';
  if (first.startsWith('{')) {
    try {
      const o = JSON.parse(first) as Record<string, unknown>;
      if (o['type'] === 'manifest') return 'trace';
      if ('run' in o && 'seed' in o) return 'sweep-jsonl';
    } catch {
      if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson'))
        return first.includes('"manifest"') || !first.includes('"run"') ? 'trace' : 'sweep-jsonl';
    }
    if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'trace';
  }
  return 'scenario';
}

/** A trace reader's error as the page reports it. */
function traceError(name: string, e: unknown): FileLoadError {
  if (e instanceof TraceReadError) return new FileLoadError(name, e.reason, e.line, e.column);
  return new FileLoadError(name, (e as Error).message);
}

/** Reads `text` as the file `name` holds it; throws FileLoadError, or ScenarioLoadError for a scenario. */
export function loadText(name: string, text: string): LoadedFile {
  // A Parquet file (its bytes start with PAR1) is read from its bytes (loadDroppedFile), never as text.
  if (isParquetName(name) || text.startsWith('PAR1'))
    throw new FileLoadError(
      name,
      'a Parquet sweep is read from its bytes: drop the file itself on the page, not its text',
    );
  if (name.toLowerCase().endsWith('.summary.csv'))
    throw new FileLoadError(
      name,
      `a sweep's summary: the page draws a sweep from its rows; drop the rows file beside it (${name.slice(0, -'.summary.csv'.length)}.csv, .jsonl or .parquet) and its manifest`,
    );
  const kind = guess(name, text);
  if (kind === 'sweep-manifest')
    return { kind: 'sweep-manifest', file: name, manifest: sweepManifestFromJson(text, name) };
  if (kind === 'trace') {
    try {
      return { kind: 'trace', file: name, trace: traceFromJsonl(text, name) };
    } catch (e) {
      throw traceError(name, e);
    }
  }
  if (kind === 'sweep-csv') {
    const { columns, rows } = sweepFromCsv(text, name);
    return { kind: 'sweep', file: name, format: 'csv', columns, rows };
  }
  if (kind === 'sweep-jsonl') {
    const { columns, rows } = sweepFromJsonl(text, name);
    return { kind: 'sweep', file: name, format: 'jsonl', columns, rows };
  }
  // A protocol file cannot be imported by the page: say so plainly rather than as a loader error.
  const protocolFile = protocolPathsIn(text)[0];
  if (protocolFile !== undefined)
    throw new FileLoadError(
      name,
      `this scenario's protocol is a file, ${protocolFile.value}: run it with npx parley run ${name}; the page runs the catalogue's protocols`,
      protocolFile.line,
      protocolFile.column,
    );
  try {
    const loaded = loadScenario(text, { protocols: PROTOCOLS, schedulers: SCHEDULERS, file: name });
    return { kind: 'scenario', file: name, text, loaded };
  } catch (e) {
    if (e instanceof ScenarioLoadError) throw e;
    throw new FileLoadError(name, `not a parley scenario: ${(e as Error).message}`);
  }
}

const isParquetName = (name: string) => name.toLowerCase().endsWith('.parquet');

/** Reads a dropped or picked file (a Parquet sweep as bytes, the rest as text) and loads what it holds. */
export async function loadDroppedFile(file: File): Promise<LoadedFile> {
  if (file.size > FILE_BYTES_MAX)
    throw new FileLoadError(
      file.name,
      `${file.size} bytes; the page reads files up to ${FILE_BYTES_MAX} bytes (use the command line for larger ones)`,
    );
  // A Parquet sweep (its bytes start with PAR1) is read from its bytes.
  const magic = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  if (isParquetName(file.name) || String.fromCharCode(...magic) === 'PAR1') {
    const { columns, rows } = await sweepFromParquet(await file.arrayBuffer(), file.name);
    return { kind: 'sweep', file: file.name, format: 'parquet', columns, rows };
  }
  // A trace is read a chunk at a time, never as one string; the rest whole, once its kind is known.
  const head = await file.slice(0, HEAD_BYTES).text();
  const headLineWhole = head.includes('\n') || file.size <= HEAD_BYTES;
  if (!headLineWhole || guess(file.name, head) !== 'trace')
    return loadText(file.name, await file.text());
  try {
    return {
      kind: 'trace',
      file: file.name,
      trace: await traceFromChunks(textChunks(file), file.name),
    };
  } catch (e) {
    throw traceError(file.name, e);
  }
}

/** The text of `file`, decoded as UTF-8 a chunk at a time (a character may straddle chunks). */
async function* textChunks(file: Blob): AsyncIterable<string> {
  const reader = file.stream().getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    yield decoder.decode(value, { stream: true });
  }
  const last = decoder.decode();
  if (last !== '') yield last;
}

export interface DropZone {
  /** A label with a file input: place it where files can be picked. */
  readonly picker: HTMLLabelElement;
  readonly input: HTMLInputElement;
  /** Removes the listeners from the target. */
  dispose(): void;
}

/**
 * Lets files be dropped on `target` (it gets the class `dropping` while a
 * drag is over it) or picked with the returned picker; each file is loaded
 * in turn and handed to `onLoaded`, or its error to `onError`.
 */
export function installDropZone(
  target: HTMLElement,
  onLoaded: (loaded: LoadedFile) => void,
  onError: (error: Error) => void,
): DropZone {
  const load = async (files: FileList | null | undefined) => {
    // Scenario files last, so one dropped with a sweep and its manifest finds them shown.
    const scenarioLast = (f: File) => (/\.(ya?ml)$/i.test(f.name) ? 1 : 0);
    const ordered = [...(files ?? [])].sort((a, b) => scenarioLast(a) - scenarioLast(b));
    for (const f of ordered) {
      try {
        onLoaded(await loadDroppedFile(f));
      } catch (e) {
        onError(e instanceof Error ? e : new Error(String(e)));
      }
    }
  };
  const over = (e: DragEvent) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    target.classList.add('dropping');
  };
  const leave = (e: DragEvent) => {
    if (e.target === target) target.classList.remove('dropping');
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    target.classList.remove('dropping');
    void load(e.dataTransfer?.files);
  };
  target.addEventListener('dragover', over);
  target.addEventListener('dragleave', leave);
  target.addEventListener('drop', drop);
  const picker = el('label', 'open a trace, scenario or sweep file ', 'file-picker');
  const input = el('input');
  input.type = 'file';
  input.accept = '.jsonl,.ndjson,.json,.yaml,.yml,.csv,.parquet';
  input.multiple = true;
  input.addEventListener('change', () => {
    void load(input.files).then(() => {
      input.value = '';
    });
  });
  picker.append(input);
  return {
    picker,
    input,
    dispose() {
      target.removeEventListener('dragover', over);
      target.removeEventListener('dragleave', leave);
      target.removeEventListener('drop', drop);
    },
  };
}

/** A short description of a loaded file, every text set as textContent. */
export function loadedSummary(loaded: LoadedFile): HTMLElement {
  const dl = el('dl', undefined, 'summary loaded-file');
  const row = (label: string, value: string) => dl.append(el('dt', label), el('dd', value));
  row('file', loaded.file);
  if (loaded.kind === 'trace') {
    const { trace } = loaded;
    row('trace of', `${trace.manifest.scenario} at seed ${trace.manifest.seed}`);
    const ids = trace.agentIds;
    row(
      'agents',
      ids.slice(0, SUMMARY_IDS_MAX).join(', ') +
        (ids.length > SUMMARY_IDS_MAX ? ` … and ${ids.length - SUMMARY_IDS_MAX} more` : ''),
    );
    row('records', String(trace.length));
    row(
      'stopped',
      trace.stop === undefined
        ? 'not yet: written before the run stopped'
        : `${trace.stop.reason} at tick ${trace.stop.tick}`,
    );
    row('trace hash', trace.hash());
  } else if (loaded.kind === 'scenario') {
    const { scenario, source } = loaded.loaded;
    row('scenario', scenario.name);
    if (source.description !== undefined) row('description', source.description);
    row('agents', String(scenario.agents.length));
  } else if (loaded.kind === 'sweep-manifest') {
    const m = loaded.manifest;
    row('manifest of', `a sweep of ${m.scenario}`);
    row('variant', m.variant ?? '(default)');
    row('overrides', m.overrides.join('; ') || 'none');
    row('runs', String(m.runs));
  } else {
    const seed = loaded.columns.indexOf('seed');
    const stop = loaded.columns.indexOf('stop');
    row('sweep rows', String(loaded.rows.length));
    row('varied', loaded.columns.slice(seed + 1, stop).join(', ') || 'nothing');
  }
  return dl;
}
