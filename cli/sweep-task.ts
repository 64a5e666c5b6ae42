/** One sweep run, as a worker (or the main thread) does it. Node only through its callers; the work is pure. */
import {
  type EngineChoice,
  hasProcessAgents,
  InvariantError,
  loadScenario,
  type ModelRecord,
  type Scenario,
} from '../sim/index.ts';
import { type Cell, type GridRun, runRow } from '../sim/sweep/index.ts';
import { catalogCassette } from './cassettes.ts';
import { scenarioDir } from './catalog.ts';
import { invariantParagraph, reproduceCommand } from './errors.ts';
import {
  cassetteHost,
  NodeModelHost,
  recordsHost,
  registerModelHost,
  useModelHost,
} from './model-host.ts';
import { registerProcessHost } from './process-host.ts';
import { prepareScenario, type ScenarioSource, scenarioRegistry } from './protocol-files.ts';

// Sweep workers run process agents' programs for real, and ask model agents' model, as the command does.
registerProcessHost();
registerModelHost();

export interface SweepTask {
  readonly text: string;
  readonly file: string;
  readonly variant: string | undefined;
  /** The sweep's fixed overrides, then this run's axis values. */
  readonly overrides: readonly string[];
  readonly run: GridRun;
  /** How protocol machines are stepped (default auto); the row is the same whichever. */
  readonly engine?: EngineChoice | undefined;
  /** Model agents answer from this cassette first; the model's new answers are appended to it. */
  readonly cassette?: string | undefined;
}

const cache = new Map<string, Scenario>();
/** Tasks whose protocol files this thread has imported, by key. */
const prepared = new Set<string>();

const keyOf = (task: SweepTask) =>
  `${task.file}\u0000${task.variant ?? ''}\u0000${task.overrides.join('\u0000')}`;

function sourceOf(task: SweepTask): ScenarioSource {
  return { file: task.file, dir: scenarioDir(task.file), text: task.text };
}

/** Imports, in this thread, the protocol files the tasks name (a worker does it before `runTask`). */
export async function prepareTasks(tasks: readonly SweepTask[]): Promise<void> {
  for (const task of tasks) {
    const key = keyOf(task);
    if (prepared.has(key)) continue;
    await prepareScenario(sourceOf(task), { variant: task.variant, overrides: task.overrides });
    if (prepared.size > 10_000) prepared.clear();
    prepared.add(key);
  }
}

/**
 * Model agents answer from the sweep's --cassette (the model's new answers
 * appended), else from a catalogue scenario's own cassette (as `parley run`
 * does), else from the model.
 */
const catalogRecords = new Map<string, ModelRecord[] | undefined>();
function modelsFor(task: SweepTask): void {
  const cassette = task.cassette;
  if (cassette !== undefined) {
    useModelHost(`cassette:${cassette}`, () => cassetteHost(cassette, () => new NodeModelHost()));
    return;
  }
  const name = /^scenarios\/catalog\/([^/]+)\.yaml$/.exec(task.file)?.[1];
  if (name !== undefined && !catalogRecords.has(name))
    catalogRecords.set(name, catalogCassette(name));
  const records = name === undefined ? undefined : catalogRecords.get(name);
  if (records === undefined) useModelHost('live', () => new NodeModelHost());
  else useModelHost(`catalog:${name}`, () => recordsHost(records));
}

/** Starts the message of a run's ModelHostError, passed on from a worker thread. */
export const MODEL_HOST_TAG = 'ModelHostError: ';

/** Runs one grid run and returns its row. */
export function runTask(task: SweepTask): Cell[] {
  const key = keyOf(task);
  let scenario = cache.get(key);
  if (scenario === undefined) {
    const registry = scenarioRegistry(sourceOf(task), {
      variant: task.variant,
      overrides: task.overrides,
    });
    scenario = loadScenario(task.text, {
      protocols: registry.protocols,
      ...(registry.schedulers === undefined ? {} : { schedulers: registry.schedulers }),
      file: task.file,
      overrides: task.overrides,
      ...(task.variant === undefined ? {} : { variant: task.variant }),
    }).scenario;
    // Process agents' programs are found from the scenario's folder.
    if (hasProcessAgents(scenario)) scenario = { ...scenario, processBase: scenarioDir(task.file) };
    if (cache.size > 10_000) cache.clear();
    cache.set(key, scenario);
  }
  modelsFor(task);
  try {
    return runRow(scenario, task.run, task.engine);
  } catch (err) {
    // A model that cannot be asked (its key unset) is the user's to fix: tagged, as a worker passes on only the message.
    if ((err as Error)?.name === 'ModelHostError')
      throw new Error(`${MODEL_HOST_TAG}${(err as Error).message}`);
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
