/**
 * The summary of a sweep per grid point: how often each check held, with a
 * Wilson 95% interval (Wilson 1927; Brown, Cai and DasGupta 2001 on why not
 * the normal interval), the mean and quantiles of the stopping tick and events,
 * and the mean, p50 and p90 of each check's numeric metric columns. Pure.
 */
import type { Cell } from './rows.ts';

/** The Wilson score interval for `k` successes in `n` trials at normal quantile `z`. */
export function wilson(k: number, n: number, z = 1.959963984540054): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/** The q-quantile (0..1) of sorted numbers, by linear interpolation (type 7, as R and numpy). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(4)) : x);

/** The check columns of a sweep's columns: those followed by their `.met` column. Pure. */
export function checkColumnsOf(columns: readonly string[]): string[] {
  return columns.filter((c, i) => i > 0 && columns[i + 1] === `${c}.met`);
}

/** The tallies of one grid point: its axis values, runs, `holds` per check, ticks and events. */
interface PointTally {
  readonly values: Cell[];
  runs: number;
  readonly holds: number[];
  /** How many runs stopped at each tick, and had each event count: exact quantiles in memory bounded by the distinct values, not the runs. */
  readonly ticks: Map<number, number>;
  readonly events: Map<number, number>;
  /** Per metric column: the counts of its numeric values, and their sum (for the mean). */
  readonly metrics: Map<number, number>[];
  readonly sums: number[];
  /** The sums of ticks and events, for their means. */
  tickSum: number;
  eventsSum: number;
}

/** The metric columns of each check (`agreement.values`…): those after its `.met` column that start with its name. Pure. */
export function metricColumnsOf(
  columns: readonly string[],
  checkColumns: readonly string[],
): string[] {
  const out: string[] = [];
  for (const c of checkColumns) {
    let i = columns.indexOf(`${c}.met`) + 1;
    while (i > 0 && i < columns.length) {
      const m = columns[i] as string;
      if (!m.startsWith(`${c}.`) || checkColumns.includes(m)) break;
      out.push(m);
      i++;
    }
  }
  return out;
}

/** The mean of the values counted in `counts` whose sum is `sum`; NaN when none. */
function countedMean(counts: ReadonlyMap<number, number>, sum: number): number {
  let n = 0;
  for (const c of counts.values()) n += c;
  return n === 0 ? Number.NaN : sum / n;
}

/** The q-quantile (type 7, as `quantile`) of the values counted in `counts`. */
function countedQuantile(counts: ReadonlyMap<number, number>, q: number): number {
  const values = [...counts.keys()].sort((a, b) => a - b);
  let n = 0;
  for (const c of counts.values()) n += c;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  // The values at sorted positions lo and hi.
  let seen = 0;
  let atLo: number | undefined;
  let atHi = Number.NaN;
  for (const v of values) {
    seen += counts.get(v) as number;
    if (atLo === undefined && seen > lo) atLo = v;
    if (seen > hi) {
      atHi = v;
      break;
    }
  }
  return (atLo as number) + (h - lo) * (atHi - (atLo as number));
}

const count = (counts: Map<number, number>, v: number) => {
  counts.set(v, (counts.get(v) ?? 0) + 1);
};

export interface SummaryBuilder {
  /** Adds one row (aligned with the sweep's columns). */
  add(row: readonly Cell[]): void;
  /** The summary of the rows added so far, grid points in the order they first appeared. */
  result(): { columns: string[]; rows: Cell[][] };
}

/**
 * A summary built one row at a time, so a rows file of any size is
 * summarised in one streamed pass: it keeps per grid point the counts of
 * `holds` and of each tick and event value (for exact quantiles), never the
 * rows. Pure.
 */
export function summaryBuilder(
  columns: readonly string[],
  axisCount: number,
  checkColumns: readonly string[],
): SummaryBuilder {
  const points = new Map<string, PointTally>();
  const checkAt = checkColumns.map((c) => columns.indexOf(c));
  const tickAt = columns.indexOf('tick');
  const eventsAt = columns.indexOf('events');
  const metricColumns = metricColumnsOf(columns, checkColumns);
  const metricAt = metricColumns.map((c) => columns.indexOf(c));
  return {
    add(r) {
      const values = r.slice(2, 2 + axisCount) as Cell[];
      const key = JSON.stringify(values);
      let p = points.get(key);
      if (p === undefined) {
        p = {
          values,
          runs: 0,
          holds: checkAt.map(() => 0),
          ticks: new Map(),
          events: new Map(),
          metrics: metricAt.map(() => new Map()),
          sums: metricAt.map(() => 0),
          tickSum: 0,
          eventsSum: 0,
        };
        points.set(key, p);
      }
      p.runs++;
      checkAt.forEach((at, i) => {
        if (r[at] === 'holds') (p.holds[i] as number)++;
      });
      count(p.ticks, r[tickAt] as number);
      count(p.events, r[eventsAt] as number);
      p.tickSum += r[tickAt] as number;
      p.eventsSum += r[eventsAt] as number;
      metricAt.forEach((at, i) => {
        const v = r[at];
        if (typeof v !== 'number' || !Number.isFinite(v)) return;
        count(p.metrics[i] as Map<number, number>, v);
        (p.sums as number[])[i] = (p.sums[i] as number) + v;
      });
    },
    result() {
      const out: Cell[][] = [];
      for (const p of points.values()) {
        const row: Cell[] = [...p.values, p.runs];
        for (const k of p.holds) {
          const { low, high } = wilson(k, p.runs);
          row.push(round(k / p.runs), round(low), round(high));
        }
        for (const [xs, sum] of [
          [p.ticks, p.tickSum],
          [p.events, p.eventsSum],
        ] as const)
          row.push(
            round(countedMean(xs, sum)),
            round(countedQuantile(xs, 0.1)),
            round(countedQuantile(xs, 0.5)),
            round(countedQuantile(xs, 0.9)),
          );
        p.metrics.forEach((xs, i) => {
          // A metric no run of this point reported stays empty, not NaN.
          const none = xs.size === 0;
          const cell = (x: number) => (none ? undefined : round(x));
          row.push(
            cell(countedMean(xs, p.sums[i] as number)),
            cell(countedQuantile(xs, 0.5)),
            cell(countedQuantile(xs, 0.9)),
          );
        });
        out.push(row);
      }
      const names = [
        ...columns.slice(2, 2 + axisCount),
        'runs',
        ...checkColumns.flatMap((c) => [`${c}.holds`, `${c}.holds.low95`, `${c}.holds.high95`]),
        ...['tick', 'events'].flatMap((c) => [`${c}.mean`, `${c}.p10`, `${c}.p50`, `${c}.p90`]),
        ...metricColumns.flatMap((c) => [`${c}.mean`, `${c}.p50`, `${c}.p90`]),
      ];
      return { columns: names, rows: out };
    },
  };
}

/**
 * One summary row per grid point: the axis values, runs, and for each check
 * column the rate of `holds` with its interval; ticks and events quantiles.
 */
export function summarize(
  columns: readonly string[],
  rows: readonly (readonly Cell[])[],
  axisCount: number,
  checkColumns: readonly string[],
): { columns: string[]; rows: Cell[][] } {
  const builder = summaryBuilder(columns, axisCount, checkColumns);
  for (const r of rows) builder.add(r);
  return builder.result();
}
