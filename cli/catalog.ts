/** The shipped catalogue and scenario files on disk. Node only. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { hasProcessAgents, type LoadedScenario, loadScenario } from '../sim/index.ts';
import { didYouMean, type ProtocolPathOptions } from '../sim/scenario/index.ts';
import { CATALOG_DIR, catalogNames, plainDescription } from './catalog-names.ts';
import { UsageError } from './errors.ts';
import { type FileRegistry, prepareScenario, scenarioRegistry } from './protocol-files.ts';

export { CATALOG_DIR, catalogNames, plainDescription };

/**
 * A scenario's YAML text, as `show` prints it and `shrink` writes it. (The
 * YAML package is bundled as CommonJS: a dynamic import of it gives only its
 * default export, so the commands get it from here.)
 */
export const scenarioYaml = (source: unknown): string => stringify(source);

/**
 * The folder a scenario's relative protocol paths start from, given its file
 * as `scenarioText` names it (a catalogue scenario is named from the checkout).
 */
export function scenarioDir(file: string): string {
  return /^scenarios\/catalog\/[^/\\]+$/.test(file) && !existsSync(file)
    ? CATALOG_DIR
    : dirname(resolve(file));
}

/** A catalogue name or a path to a YAML/JSON file → its path, folder and text. */
export function scenarioText(nameOrPath: string): {
  file: string;
  text: string;
  name: string;
  /** Absolute folder of the file: relative protocol paths start here. */
  dir: string;
} {
  const looksLikePath = /[/\\]|\.(ya?ml|json)$/i.test(nameOrPath);
  const file = looksLikePath ? nameOrPath : join(CATALOG_DIR, `${nameOrPath}.yaml`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new UsageError(`no such file: ${nameOrPath}`);
    throw new UsageError(
      `no scenario "${nameOrPath}" in the catalogue${didYouMean(nameOrPath, catalogNames())}; \`npx parley list\` shows them`,
    );
  }
  return {
    file: looksLikePath ? nameOrPath : `scenarios/catalog/${nameOrPath}.yaml`,
    text: readFileSync(file, 'utf8'),
    name: basename(file).replace(/\.(ya?ml|json)$/i, ''),
    dir: dirname(resolve(file)),
  };
}

/**
 * Imports the protocol files a scenario names (in the file, the variant, the
 * overrides and, for a sweep, its axes): call before `loadNamed`.
 */
export async function prepareNamed(
  nameOrPath: string,
  options: ProtocolPathOptions = {},
): Promise<void> {
  await prepareScenario(scenarioText(nameOrPath), options);
}

/** Loads a catalogue name or file, with a variant and overrides. */
export function loadNamed(
  nameOrPath: string,
  options: { variant?: string | undefined; overrides?: readonly string[] } = {},
): LoadedScenario & { file: string; dir: string; registry: FileRegistry } {
  const source = scenarioText(nameOrPath);
  const { file, text, dir } = source;
  const variant = options.variant === undefined ? {} : { variant: options.variant };
  const registry = scenarioRegistry(source, { ...variant, overrides: options.overrides ?? [] });
  const loaded = loadScenario(text, {
    protocols: registry.protocols,
    ...(registry.schedulers === undefined ? {} : { schedulers: registry.schedulers }),
    file,
    overrides: options.overrides ?? [],
    ...(options.variant === undefined ? {} : { variant: options.variant }),
  });
  // Process agents' programs are found from the scenario's folder.
  const scenario = hasProcessAgents(loaded.scenario)
    ? { ...loaded.scenario, processBase: dir }
    : loaded.scenario;
  return { ...loaded, scenario, file, dir, registry };
}

/**
 * A catalogue scenario's description, as loading it gives it, without
 * loading it (zod, the nesting check, the registry: that was most of `parley
 * list`'s time): from its line when written plainly, else from the parsed
 * YAML. `list` does not check the scenarios; a file that does not parse and
 * has no plain description line is loaded, so its problem is reported at its
 * line and column.
 */
export function catalogDescription(name: string): string | undefined {
  const { text } = scenarioText(name);
  const plain = plainDescription(text);
  if (plain !== undefined) return plain;
  let data: unknown;
  try {
    data = parseYaml(text, { logLevel: 'error', maxAliasCount: 100 });
  } catch {
    loadNamed(name);
    return undefined;
  }
  const description = (data as { description?: unknown } | null)?.description;
  return typeof description === 'string' ? description : undefined;
}

/** The lesson beside a catalogue scenario, or undefined. */
export function lessonOf(name: string): string | undefined {
  const path = join(CATALOG_DIR, `${name}.md`);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
