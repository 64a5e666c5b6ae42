/** Sweeps: grids, rows and summaries (pure; the worker pool lives in cli/). */
export {
  type Axis,
  type Grid,
  type GridRun,
  inShard,
  overridesOf,
  parseAxis,
  pointsOf,
  runAt,
  runsOf,
  type Shard,
  SWEEP_RUNS_MAX,
} from './grid.ts';
export { type Cell, columnsOf, csvLine, jsonLine, METRIC_COLUMNS, rowOf } from './rows.ts';
export { gridRows, runRow } from './run.ts';
export { quantile, summarize, wilson } from './summary.ts';
