/**
 * The engine in a module worker, so a long run does not freeze the page. It
 * receives a RunRequest (a catalogue scenario by name, or a scenario's YAML
 * text), loads it with the same loader as the command line, runs it, and
 * posts back a RunReply: the trace as JSONL text plus the run's summary.
 * One request per worker; see run-client.ts.
 */
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import { type LoadedScenario, loadScenario, runScenario, ScenarioLoadError } from '../sim/index.ts';
import { loadCatalog } from './catalog.ts';
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

function handle(req: RunRequest): RunReply {
  try {
    const { scenario, source } = load(req);
    const seed = req.seed ?? source.seed ?? 1;
    const result = runScenario(scenario, { seed });
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

self.onmessage = (e: MessageEvent<RunRequest>) => {
  postMessage(handle(e.data));
};
