/**
 * Sweep results as tidy rows: one row per run with its seed, each varied
 * value, how the run stopped, each check's verdict and whether it met the
 * scenario's expectation, and each check's scalar metrics. Columns are fixed
 * by the grid and the checks, so every shard writes the same header. Pure.
 */
import type { Judgement } from '../checkers/index.ts';
import type { RunResult } from '../simulation.ts';
import type { CheckSpec, Json } from '../spec.ts';
import type { Grid, GridRun } from './grid.ts';

/**
 * The scalar metrics of each checker that become columns, with their kind:
 * a count or a tick (`integer`) or any number (`number`). Typed files
 * (Parquet) take a column's type from here, not from its values, so a column
 * that is empty in every run of a sweep still has its metric's type.
 */
export const METRIC_KINDS: Readonly<
  Record<string, Readonly<Record<string, 'integer' | 'number'>>>
> = {
  agreement: { values: 'integer' },
  termination: { undecided: 'integer' },
  convergence: { ticksToConverge: 'integer', flipFlopsTotal: 'integer' },
  'leader-per-term': { terms: 'integer' },
  'duplicate-execution': { tasks: 'integer', duplicates: 'integer' },
  infection: { peakFraction: 'number', finalFraction: 'number', ticksToPeak: 'integer' },
  budget: { total: 'number', refusals: 'integer', agentsOverBudget: 'integer' },
  runaway: { total: 'number', slope: 'number' },
  'load-amplification': { attempts: 'integer', requests: 'integer', ratio: 'number' },
  breach: { breaches: 'integer', acts: 'integer' },
  'destructive-action': { destructive: 'integer', acts: 'integer' },
  'attack-success': { attackSuccess: 'integer', induced: 'integer' },
  utility: { utility: 'integer' },
};

/** The scalar metrics of each checker that become columns. */
export const METRIC_COLUMNS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(METRIC_KINDS).map(([property, kinds]) => [property, Object.keys(kinds)]),
);

/** Columns every sweep has whose values are whole numbers. */
const INTEGER_COLUMNS: ReadonlySet<string> = new Set(['run', 'seed', 'tick', 'events', 'decided']);

/**
 * The declared kind of a sweep column from its name alone (`termination.undecided`,
 * `agreement#2.values`, `tick`), or undefined for a varied value, a verdict or text.
 */
export function columnKind(column: string): 'integer' | 'number' | undefined {
  if (INTEGER_COLUMNS.has(column)) return 'integer';
  const dot = column.lastIndexOf('.');
  if (dot < 0) return undefined;
  const property = column.slice(0, dot).replace(/#\d+$/, '');
  return METRIC_KINDS[property]?.[column.slice(dot + 1)];
}

export type Cell = Json | undefined;

/** Column names of each check, the same check twice getting #2, #3… */
function checkNames(checks: readonly CheckSpec[]): string[] {
  const seen = new Map<string, number>();
  return checks.map((c) => {
    const n = (seen.get(c.property) ?? 0) + 1;
    seen.set(c.property, n);
    return n === 1 ? c.property : `${c.property}#${n}`;
  });
}

export function columnsOf(grid: Grid, checks: readonly CheckSpec[]): string[] {
  const cols = [
    'run',
    'seed',
    ...grid.axes.map((a) => a.path),
    'stop',
    'tick',
    'events',
    'decided',
  ];
  checkNames(checks).forEach((name, i) => {
    const property = (checks[i] as CheckSpec).property;
    cols.push(name, `${name}.met`, ...(METRIC_COLUMNS[property] ?? []).map((m) => `${name}.${m}`));
  });
  return cols;
}

/** The row of one run, aligned with `columnsOf`. */
export function rowOf(r: GridRun, result: RunResult, judged: Judgement): Cell[] {
  const cells: Cell[] = [
    r.run,
    r.seed,
    ...r.values,
    result.stop.reason,
    result.stop.tick,
    result.events,
    new Set(result.decisions.map((d) => d.agent)).size,
  ];
  for (const v of judged.verdicts) {
    cells.push(v.status, v.expect === undefined ? undefined : v.met);
    for (const m of METRIC_COLUMNS[v.property] ?? []) {
      const x = v.metrics?.[m];
      cells.push(x === null || typeof x !== 'object' ? x : JSON.stringify(x));
    }
  }
  return cells;
}

/** A plain number as text (`-0.5`, `1e-7`): a spreadsheet reads it as a number, never as a formula. */
const PLAIN_NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * The text of a CSV cell made safe for a spreadsheet: a cell that starts
 * with `=`, `+`, `-`, `@`, a tab or a carriage return (a formula to Excel,
 * LibreOffice and Google Sheets) gets a leading single quote, except a
 * plain number such as -0.5, which stays a number (OWASP's CSV injection
 * advice). Pure.
 */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** A CSV field (RFC 4180): empty for no value, quoted when it must be. */
function csvField(c: Cell, safe: boolean): string {
  if (c === undefined || c === null) return '';
  const raw = typeof c === 'object' ? JSON.stringify(c) : String(c);
  const s = safe ? spreadsheetSafe(raw) : raw;
  return /[",\n\r]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line of `cells`, without its newline, every value exact. Pure. */
export function csvLine(cells: readonly Cell[]): string {
  return cells.map((c) => csvField(c, false)).join(',');
}

/** One CSV line of `cells` with each text cell made spreadsheet-safe (`spreadsheetSafe`). Pure. */
export function csvLineSafe(cells: readonly Cell[]): string {
  return cells.map((c) => csvField(c, true)).join(',');
}

/** One CSV line into its fields (RFC 4180 quoting), as text. Pure. */
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

/** The cells of a CSV row line: empty fields as no value, numbers as numbers, the rest as text. Pure. */
export function cellsOfCsvLine(line: string): Cell[] {
  return parseCsvLine(line).map((f) =>
    f === '' ? undefined : /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(f) ? Number(f) : f,
  );
}

/** The cells of a JSONL row line, aligned with `columns`. Throws on a line that is not JSON. Pure. */
export function cellsOfJsonLine(columns: readonly string[], line: string): Cell[] {
  const o = JSON.parse(line) as Record<string, Cell>;
  return columns.map((c) => o[c]);
}

/**
 * The run id at the start of a row line (`12,…` in CSV, `{"run":12,…` in
 * JSONL, as this file writes them), or undefined when the line does not
 * start like a row. Pure.
 */
export function runOfLine(format: 'csv' | 'jsonl', line: string): number | undefined {
  const m = (format === 'csv' ? /^(\d+)(,|$)/ : /^\{"run":(\d+)[,}]/).exec(line);
  return m === null ? undefined : Number(m[1]);
}

/** A JSONL row: the columns as keys, absent cells left out. */
export function jsonLine(columns: readonly string[], cells: readonly Cell[]): string {
  const o: Record<string, Json> = {};
  columns.forEach((c, i) => {
    const v = cells[i];
    if (v !== undefined) o[c] = v;
  });
  return JSON.stringify(o);
}
