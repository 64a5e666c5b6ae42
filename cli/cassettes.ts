/**
 * The catalogue's recorded model replies (issue 17): a catalogue scenario
 * whose agents ask a language model ships a cassette,
 * scenarios/catalog/cassettes/NAME.jsonl, one ModelRecord `{hash, reply}` a
 * line, so it runs with no model. The command line answers from it by
 * default; `--cassette FILE` replaces it. Node only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defaultModelHost,
  type ModelHost,
  type ModelRecord,
  recordedModelHost,
  type Scenario,
} from '../sim/index.ts';
import { CATALOG_DIR } from './catalog.ts';

/** The lines of a cassette's text: one JSON record each, blank lines skipped. */
export function parseCassette(text: string): ModelRecord[] {
  const out: ModelRecord[] = [];
  for (const line of text.split('\n')) if (line.trim() !== '') out.push(JSON.parse(line));
  return out;
}

/** The records of catalogue scenario `name`'s cassette, or undefined when it has none. */
export function catalogCassette(name: string): ModelRecord[] | undefined {
  if (!/^[\w.-]+$/.test(name)) return undefined;
  const file = join(CATALOG_DIR, 'cassettes', `${name}.jsonl`);
  return existsSync(file) ? parseCassette(readFileSync(file, 'utf8')) : undefined;
}

/**
 * The host a command-line run of catalogue scenario `name` answers from: its
 * cassette, then the live model (the registered host, made at the first
 * request the cassette lacks, e.g. with another `model.model`); undefined
 * when the scenario has no cassette. The caller closes it after the run.
 */
export function catalogModels(name: string, scenario: Scenario): ModelHost | undefined {
  const cassette = catalogCassette(name);
  if (cassette === undefined) return undefined;
  let live: ModelHost | undefined;
  const fallback: ModelHost = {
    complete(agent, request, hash, spec) {
      live ??= defaultModelHost(scenario.model, scenario.name);
      return live.complete(agent, request, hash, spec);
    },
    close() {
      live?.close();
    },
  };
  return recordedModelHost(cassette, fallback);
}
