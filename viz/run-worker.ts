/**
 * The engine in a module worker, so a long run does not freeze the page. It
 * receives a RunRequest (a catalogue scenario by name, or a scenario's YAML
 * text), loads it with the same loader as the command line, runs it, and
 * posts back a RunReply: the trace as JSONL text plus the run's summary.
 * One request per worker; see run-client.ts.
 */
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import { scheduleChooser } from '../sim/explore.ts';
import {
  hasProcessAgents,
  type LoadedScenario,
  loadScenario,
  type ProcessHost,
  runScenario,
  type Scenario,
  ScenarioLoadError,
} from '../sim/index.ts';
import { cassetteHost } from './cassettes.ts';
import { loadCatalog } from './catalog.ts';
import { recordedRuns, recordingHost } from './recordings.ts';
import type { RunReply, RunRequest } from './run-client.ts';

function load(req: RunRequest): LoadedScenario {
  const overrides = req.overrides ?? [];
  if (req.scenarioText !== undefined)
    return loadScenario(req.scenarioText, {
      protocols: PROTOCOLS,
      schedulers: SCHEDULERS,
      file: req.file ?? 'scenario.yaml',
      overrides,
      ...(req.variant === undefined ? {} : { variant: req.variant }),
    });
  if (req.scenarioName === undefined) throw new Error('the request names no scenario');
  return loadCatalog(req.scenarioName, req.variant, overrides);
}

/**
 * The recorded programs of a catalogue scenario whose agents are programs;
 * throws, saying what the page can replay, when this run was not recorded.
 */
async function programs(
  req: RunRequest,
  scenario: Scenario,
  seed: number,
): Promise<ProcessHost | undefined> {
  if (!hasProcessAgents(scenario)) return undefined;
  const ids = scenario.agents.filter((a) => a.process !== undefined).map((a) => a.id);
  const name = req.scenarioName;
  const host =
    name === undefined || (req.overrides ?? []).length > 0
      ? undefined
      : await recordingHost(name, req.variant, seed);
  if (host !== undefined) return host;
  const recorded =
    name === undefined
      ? []
      : recordedRuns(name).map(
          (r) => `${r.variant === '' ? 'the scenario' : r.variant} at seed ${r.seed}`,
        );
  throw new Error(
    `agents ${ids.join(', ')} of ${scenario.name} are programs, which a page cannot start; it replays the runs recorded with the catalogue${recorded.length > 0 ? ` (${recorded.join(', ')})` : ''}. Run this one on the command line: npx parley run ${name ?? 'FILE'}${req.variant === undefined ? '' : ` --variant ${req.variant}`} --seed ${seed} --out run.jsonl, then drop run.jsonl on the page`,
  );
}

async function handle(req: RunRequest): Promise<RunReply> {
  try {
    const { scenario, source } = load(req);
    const seed = req.seed ?? source.seed ?? 1;
    const processes = await programs(req, scenario, seed);
    // A catalogue scenario whose agents ask a model answers from its cassette.
    const models =
      req.scenarioName === undefined ? undefined : await cassetteHost(req.scenarioName);
    const result = runScenario(scenario, {
      seed,
      ...(processes === undefined ? {} : { processes }),
      ...(models === undefined ? {} : { models }),
      ...(req.schedule === undefined ? {} : { chooser: scheduleChooser(req.schedule) }),
    });
    return {
      ok: true,
      jsonl: result.trace.toJSONL(),
      summary: {
        scenario: scenario.name,
        seed,
        stop: result.stop,
        events: result.events,
        decisions: result.decisions.map((d) => ({ ...d })),
        hash: result.trace.hash(),
        records: result.trace.length,
        variants: Object.keys(source.variants ?? {}),
        ...(source.description === undefined ? {} : { description: source.description }),
      },
    };
  } catch (err) {
    return {
      ok: false,
      load: err instanceof ScenarioLoadError,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

self.onmessage = async (e: MessageEvent<RunRequest>) => {
  postMessage(await handle(e.data));
};
