/** Sweeps: grids, rows and summaries (pure; the worker pool lives in cli/). */
export {
  AXIS_VALUES_MAX,
  type Axis,
  axisOf,
  type Grid,
  type GridRun,
  inShard,
  overridesOf,
  parseAxis,
  pointsOf,
  runAt,
  runsOf,
  type Shard,
  SWEEP_RUNS_LARGE,
  SWEEP_RUNS_MAX,
  shardRunAt,
  shardRunsOf,
} from './grid.ts';
export {
  type Cell,
  cellsOfCsvLine,
  cellsOfJsonLine,
  columnsOf,
  csvLine,
  csvLineSafe,
  jsonLine,
  METRIC_COLUMNS,
  parseCsvLine,
  rowOf,
  runOfLine,
  spreadsheetSafe,
} from './rows.ts';
export { gridRows, runRow } from './run.ts';
export {
  checkColumnsOf,
  metricColumnsOf,
  quantile,
  type SummaryBuilder,
  summarize,
  summaryBuilder,
  wilson,
} from './summary.ts';
