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

/** The scalar metrics of each checker that become columns. */
export const METRIC_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  agreement: ['values'],
  termination: ['undecided'],
  convergence: ['ticksToConverge', 'flipFlopsTotal'],
  'leader-per-term': ['terms'],
  'duplicate-execution': ['tasks', 'duplicates'],
  infection: ['peakFraction', 'finalFraction', 'ticksToPeak'],
  budget: ['total', 'refusals', 'agentsOverBudget'],
  runaway: ['total', 'slope'],
  'load-amplification': ['attempts', 'requests', 'ratio'],
  breach: ['breaches', 'acts'],
  'destructive-action': ['destructive', 'acts'],
  'attack-success': ['attackSuccess', 'induced'],
  utility: ['utility'],
};

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

/** A CSV field (RFC 4180): empty for no value, quoted when it must be. */
function csvField(c: Cell): string {
  if (c === undefined || c === null) return '';
  const s = typeof c === 'object' ? JSON.stringify(c) : String(c);
  return /[",\n\r]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(cells: readonly Cell[]): string {
  return cells.map(csvField).join(',');
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
