/** One sweep run, as a worker (or the main thread) does it. Node only through its callers; the work is pure. */
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import { InvariantError, loadScenario, type Scenario } from '../sim/index.ts';
import { type Cell, type GridRun, runRow } from '../sim/sweep/index.ts';
import { invariantParagraph, reproduceCommand } from './errors.ts';

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
  try {
    return runRow(scenario, task.run);
  } catch (err) {
    if (!(err instanceof InvariantError)) throw err;
    // Told as a paragraph in the message: a worker thread passes on no other field.
    const name = /^scenarios\/catalog\/([^/]+)\.yaml$/.exec(task.file)?.[1] ?? task.file;
    throw new Error(
      invariantParagraph(
        err.detail,
        err.scenario,
        err.seed,
        reproduceCommand(name, task.run.seed, task.variant, task.overrides),
      ),
    );
  }
}
