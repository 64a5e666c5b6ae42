/**
 * What a click on a sweep's cell runs: the sweep's own scenario, variant and
 * overrides, as its manifest records them, with the cell's values and seed;
 * never the scenario open on the page. The manifest names the scenario and
 * the SHA-256 of the text the sweep ran (it does not embed the text), so a
 * catalogue scenario is run when its text has that hash, a scenario file the
 * user dropped when its text has it, and otherwise the page asks for the
 * file. A scenario with protocol files runs on the command line only: the
 * plan then is the command. Pure: no DOM.
 */
import { type Json, sha256Hex } from '../sim/index.ts';
import type { SweepManifest } from './files.ts';
import type { RunRequest } from './run-client.ts';

/** A scenario file the user gave the page: its name and text. */
export interface ScenarioFile {
  readonly file: string;
  readonly text: string;
}

/** Where the scenario text of a run comes from. */
export type CellSource =
  | { readonly kind: 'catalog'; readonly name: string }
  | { readonly kind: 'file'; readonly file: string; readonly text: string };

export type CellPlan =
  | {
      readonly kind: 'run';
      readonly source: CellSource;
      /** The scenario's name as the manifest gives it. */
      readonly scenario: string;
      readonly variant: string | undefined;
      /** The sweep's overrides, then the cell's values, as `parley sweep` applied them. */
      readonly overrides: readonly string[];
      readonly seed: number;
      readonly request: RunRequest;
      /** The command that runs the same on the command line. */
      readonly command: string;
      /** The page's query (`?scenario=…`) for a catalogue scenario, so the run has a link. */
      readonly query?: string;
    }
  | { readonly kind: 'no-manifest' }
  | {
      readonly kind: 'protocol-files';
      /** The protocol files' paths as the scenario wrote them. */
      readonly files: readonly string[];
      readonly command: string;
    }
  | {
      readonly kind: 'need-file';
      readonly scenario: string;
      readonly hash: string;
      /** Whether the catalogue has a scenario of that name, with another text. */
      readonly catalogDiffers: boolean;
      readonly command: string;
    };

/** A command-line word as a shell reads it back (as cli/errors.ts quotes it). */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `npx parley run FILE --seed N [--variant V] --set …`: the run on the command line. */
export function runCommand(
  scenario: string,
  seed: number,
  variant: string | undefined,
  overrides: readonly string[],
): string {
  return [
    'npx parley run',
    shellWord(scenario),
    `--seed ${seed}`,
    ...(variant === undefined ? [] : [`--variant ${shellWord(variant)}`]),
    ...overrides.map((o) => `--set ${shellWord(o)}`),
  ].join(' ');
}

/** The overrides of one cell's run: the sweep's, then each varied value, as `parley sweep` gives them. */
export function cellOverrides(
  manifest: SweepManifest,
  values: Readonly<Record<string, Json>>,
): string[] {
  return [
    ...manifest.overrides,
    ...Object.entries(values).map(([path, v]) => `${path}=${JSON.stringify(v)}`),
  ];
}

/** Whether `text` is the text whose SHA-256 is `hash` (a file's byte-order mark, which the browser drops when reading, counted). */
export function textHasHash(text: string, hash: string): boolean {
  return sha256Hex(text) === hash || sha256Hex(`\uFEFF${text}`) === hash;
}

/**
 * The plan for a click on a cell with `values` at `seed`: run the sweep's
 * scenario (from the catalogue or a dropped file whose text has the
 * manifest's hash), or say what is missing.
 */
export function planCell(
  manifest: SweepManifest | undefined,
  values: Readonly<Record<string, Json>>,
  seed: number,
  catalog: ReadonlyMap<string, string>,
  files: readonly ScenarioFile[],
): CellPlan {
  if (manifest === undefined) return { kind: 'no-manifest' };
  const variant = manifest.variant ?? undefined;
  const overrides = cellOverrides(manifest, values);
  const catalogText = catalog.get(manifest.scenario);
  const fromCatalog = catalogText !== undefined && textHasHash(catalogText, manifest.scenarioHash);
  const file = fromCatalog
    ? undefined
    : files.find((f) => textHasHash(f.text, manifest.scenarioHash));
  // The scenario file as the command line names it: the dropped file, else one named for the scenario.
  const fileName = file?.file ?? `${manifest.scenario}.yaml`;
  const protocolFiles = Object.values(manifest.protocolFiles ?? {}).map((f) => f.path);
  if (protocolFiles.length > 0)
    return {
      kind: 'protocol-files',
      files: protocolFiles,
      command: runCommand(fileName, seed, variant, overrides),
    };
  const request = (source: RunRequest): RunRequest => ({
    ...source,
    overrides,
    seed,
    ...(variant === undefined ? {} : { variant }),
  });
  if (fromCatalog) {
    const q = new URLSearchParams({ scenario: manifest.scenario, seed: String(seed) });
    if (variant !== undefined) q.set('variant', variant);
    for (const o of overrides) q.append('set', o);
    return {
      kind: 'run',
      source: { kind: 'catalog', name: manifest.scenario },
      scenario: manifest.scenario,
      variant,
      overrides,
      seed,
      request: request({ scenarioName: manifest.scenario }),
      command: runCommand(manifest.scenario, seed, variant, overrides),
      query: `?${q.toString()}`,
    };
  }
  if (file !== undefined)
    return {
      kind: 'run',
      source: { kind: 'file', file: file.file, text: file.text },
      scenario: manifest.scenario,
      variant,
      overrides,
      seed,
      request: request({ scenarioText: file.text, file: file.file }),
      command: runCommand(file.file, seed, variant, overrides),
    };
  return {
    kind: 'need-file',
    scenario: manifest.scenario,
    hash: manifest.scenarioHash,
    catalogDiffers: catalogText !== undefined,
    command: runCommand(fileName, seed, variant, overrides),
  };
}
