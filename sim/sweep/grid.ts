/**
 * Sweep grids: which parameters vary over which values, times how many
 * seeds, numbered so that any worker count or sharding gives the same runs.
 * Run ids interleave the grid: run r is grid point r mod P at seed
 * floor(r / P) + 1, so the first runs cover the whole grid once before any
 * point gets a second seed. Pure.
 */
import { parse as parseYaml } from 'yaml';
import type { Json } from '../spec.ts';

export interface Axis {
  /** Dotted path of the varied value, as in overrides. */
  readonly path: string;
  readonly values: readonly Json[];
}

export interface Grid {
  readonly axes: readonly Axis[];
  readonly seeds: number;
}

export interface GridRun {
  readonly run: number;
  readonly seed: number;
  readonly point: number;
  /** The value of each axis at this run, in axis order. */
  readonly values: readonly Json[];
}

/** Most runs in one sweep. */
export const SWEEP_RUNS_MAX = 100_000_000;

/** Grid points: the product of the axes' lengths (1 with no axis). */
export function pointsOf(grid: Grid): number {
  return grid.axes.reduce((n, a) => n * a.values.length, 1);
}

export function runsOf(grid: Grid): number {
  return pointsOf(grid) * grid.seeds;
}

/** Run `run` of the grid. */
export function runAt(grid: Grid, run: number): GridRun {
  const points = pointsOf(grid);
  const point = run % points;
  const values: Json[] = [];
  let rest = point;
  // The last axis varies fastest.
  for (let i = grid.axes.length - 1; i >= 0; i--) {
    const axis = grid.axes[i] as Axis;
    values[i] = axis.values[rest % axis.values.length] as Json;
    rest = Math.floor(rest / axis.values.length);
  }
  return { run, seed: Math.floor(run / points) + 1, point, values };
}

/** The overrides that set a run's axis values. */
export function overridesOf(grid: Grid, r: GridRun): string[] {
  return grid.axes.map((a, i) => `${a.path}=${JSON.stringify(r.values[i])}`);
}

/** A shard `index` of `count` (1-based, `--shard 2/3`) takes the runs whose id is index - 1 modulo count. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export function inShard(run: number, shard: Shard | undefined): boolean {
  return shard === undefined || run % shard.count === shard.index - 1;
}

/**
 * Parses `path=v1,v2,…` or `path=start:stop:step` (stop included when the
 * steps land on it). Returns the axis or a message.
 */
export function parseAxis(text: string): Axis | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return `expected path=v1,v2,… or path=start:stop:step, got "${text}"`;
  const path = text.slice(0, eq).trim();
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path))
    return `"${path}" is not a dotted path like network.dropRatio`;
  const spec = text.slice(eq + 1).trim();
  const range = /^(-?[\d.]+):(-?[\d.]+):(-?[\d.]+)$/.exec(spec);
  if (range !== null) {
    const [start, stop, step] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (![start, stop, step].every(Number.isFinite) || step <= 0 || stop < start)
      return `the range ${spec} must be start:stop:step with step > 0 and stop >= start`;
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > 100_000) return `the range ${spec} has ${count} values; at most 100000`;
    // Rounded to the step's decimals, so 0:0.3:0.1 gives 0.1, 0.2, 0.3 and not 0.30000000000000004.
    const decimals = Math.max(...[start, step].map((x) => (String(x).split('.')[1] ?? '').length));
    return {
      path,
      values: Array.from({ length: count }, (_, i) => Number((start + i * step).toFixed(decimals))),
    };
  }
  if (spec === '') return `no values for ${path}`;
  const values = spec.split(',').map((v) => {
    try {
      return parseYaml(v) as Json;
    } catch {
      return v;
    }
  });
  return { path, values };
}
