/** One sweep run, as a worker (or the main thread) does it. Node only through its callers; the work is pure. */
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import { loadScenario, type Scenario } from '../sim/index.ts';
import { type Cell, type GridRun, runRow } from '../sim/sweep/index.ts';

export interface SweepTask {
  readonly text: string;
  readonly file: string;
  readonly variant: string | undefined;
  /** The sweep's fixed overrides, then this run's axis values. */
  readonly overrides: readonly string[];
  readonly run: GridRun;
}

const cache = new Map<string, Scenario>();

/** Runs one grid run and returns its row. */
export function runTask(task: SweepTask): Cell[] {
  const key = `${task.file}\u0000${task.variant ?? ''}\u0000${task.overrides.join('\u0000')}`;
  let scenario = cache.get(key);
  if (scenario === undefined) {
    scenario = loadScenario(task.text, {
      protocols: PROTOCOLS,
      schedulers: SCHEDULERS,
      file: task.file,
      overrides: task.overrides,
      ...(task.variant === undefined ? {} : { variant: task.variant }),
    }).scenario;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, scenario);
  }
  return runRow(scenario, task.run);
}
