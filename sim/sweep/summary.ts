/**
 * The summary of a sweep per grid point: how often each check held, with a
 * Wilson 95% interval (Wilson 1927; Brown, Cai and DasGupta 2001 on why not
 * the normal interval), and quantiles of the stopping tick and events. Pure.
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
  const axisAt = (i: number) => 2 + i;
  const groups = new Map<string, Cell[][]>();
  for (const r of rows) {
    const key = JSON.stringify(r.slice(2, 2 + axisCount));
    const g = groups.get(key) ?? [];
    g.push(r as Cell[]);
    groups.set(key, g);
  }
  const col = (name: string) => columns.indexOf(name);
  const out: Cell[][] = [];
  for (const g of groups.values()) {
    const first = g[0] as Cell[];
    const row: Cell[] = [
      ...Array.from({ length: axisCount }, (_, i) => first[axisAt(i)]),
      g.length,
    ];
    for (const c of checkColumns) {
      const k = g.filter((r) => r[col(c)] === 'holds').length;
      const { low, high } = wilson(k, g.length);
      row.push(round(k / g.length), round(low), round(high));
    }
    for (const c of ['tick', 'events']) {
      const xs = g.map((r) => r[col(c)] as number).sort((a, b) => a - b);
      row.push(round(quantile(xs, 0.1)), round(quantile(xs, 0.5)), round(quantile(xs, 0.9)));
    }
    out.push(row);
  }
  const names = [
    ...columns.slice(2, 2 + axisCount),
    'runs',
    ...checkColumns.flatMap((c) => [`${c}.holds`, `${c}.holds.low95`, `${c}.holds.high95`]),
    ...['tick', 'events'].flatMap((c) => [`${c}.p10`, `${c}.p50`, `${c}.p90`]),
  ];
  return { columns: names, rows: out };
}
