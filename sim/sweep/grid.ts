/**
 * Sweep grids: which parameters vary over which values, times how many
 * seeds, numbered so that any worker count or sharding gives the same runs.
 * Run ids interleave the grid: run r is grid point r mod P at seed
 * floor(r / P) + S (S the first seed, 1 unless a range 1001:2000 is asked), so the first runs cover the whole grid once before any
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
  /** The first seed (default 1): the seeds are seedStart … seedStart + seeds - 1. */
  readonly seedStart?: number;
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
  return { run, seed: Math.floor(run / points) + (grid.seedStart ?? 1), point, values };
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

/** How many of `total` runs fall in `shard` (all of them with no shard). Pure. */
export function shardRunsOf(total: number, shard: Shard | undefined): number {
  if (shard === undefined) return total;
  return Math.max(0, Math.ceil((total - (shard.index - 1)) / shard.count));
}

/** The run id of the `k`-th run (0-based) of `shard`, in run order. Pure. */
export function shardRunAt(k: number, shard: Shard | undefined): number {
  return shard === undefined ? k : shard.index - 1 + k * shard.count;
}

/** Sweeps with more runs than this are announced on the terminal before they start. */
export const SWEEP_RUNS_LARGE = 100_000;

/** Most values on one axis. */
export const AXIS_VALUES_MAX = 100_000;

const PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * The axis of `path` over `values`, used as they are (from a scenario file's
 * `sweep.params`, where a value may be an object or a string with commas).
 * Returns the axis or a message. Pure.
 */
export function axisOf(path: string, values: readonly Json[]): Axis | string {
  if (!PATH.test(path)) return `"${path}" is not a dotted path like network.dropRatio`;
  if (values.length === 0) return `no values for ${path}`;
  if (values.length > AXIS_VALUES_MAX)
    return `${path} has ${values.length} values; at most ${AXIS_VALUES_MAX}`;
  return { path, values };
}

/**
 * Parses `path=v1,v2,…` or `path=start:stop:step` (stop included when the
 * steps land on it). The values are read as a YAML flow sequence, so a comma
 * splits them only at the top level: `"a,b"`, `[1,2]` and `{a: 1, b: 2}` are
 * one value each. Returns the axis or a message. Pure.
 */
export function parseAxis(text: string): Axis | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return `expected path=v1,v2,… or path=start:stop:step, got "${text}"`;
  const path = text.slice(0, eq).trim();
  if (!PATH.test(path)) return `"${path}" is not a dotted path like network.dropRatio`;
  const spec = text.slice(eq + 1).trim();
  const range = /^(-?[\d.]+):(-?[\d.]+):(-?[\d.]+)$/.exec(spec);
  if (range !== null) {
    const [start, stop, step] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (![start, stop, step].every(Number.isFinite) || step <= 0 || stop < start)
      return `the range ${spec} must be start:stop:step with step > 0 and stop >= start`;
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > AXIS_VALUES_MAX)
      return `the range ${spec} has ${count} values; at most ${AXIS_VALUES_MAX}`;
    // Rounded to the step's decimals, so 0:0.3:0.1 gives 0.1, 0.2, 0.3 and not 0.30000000000000004.
    const decimals = Math.max(...[start, step].map((x) => (String(x).split('.')[1] ?? '').length));
    return {
      path,
      values: Array.from({ length: count }, (_, i) => Number((start + i * step).toFixed(decimals))),
    };
  }
  let values: unknown;
  try {
    values = parseYaml(`[${spec}]`);
  } catch (err) {
    // The message's column counts the '[' we added.
    const message = ((err as Error).message.split('\n')[0] ?? '').replace(
      /at line 1, column (\d+):?$/,
      (_, c: string) => `(column ${Number(c) - 1} of the values)`,
    );
    return `cannot read "${spec}" as a list of values: ${message}; quote a value that holds a comma, a bracket or " #"`;
  }
  if (!Array.isArray(values)) return `cannot read "${spec}" as a list of values`;
  return axisOf(path, values as Json[]);
}
