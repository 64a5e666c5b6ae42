/** The shipped catalogue and scenario files on disk. Node only. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import { type LoadedScenario, loadScenario } from '../sim/index.ts';
import { didYouMean } from '../sim/scenario/index.ts';
import { UsageError } from './errors.ts';

export const CATALOG_DIR = fileURLToPath(new URL('../scenarios/catalog/', import.meta.url));

/** Names of the catalogue's scenarios, sorted. */
export function catalogNames(): string[] {
  return readdirSync(CATALOG_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A catalogue name or a path to a YAML/JSON file → its path and text. */
export function scenarioText(nameOrPath: string): { file: string; text: string; name: string } {
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
  };
}

/** Loads a catalogue name or file, with a variant and overrides. */
export function loadNamed(
  nameOrPath: string,
  options: { variant?: string | undefined; overrides?: readonly string[] } = {},
): LoadedScenario & { file: string } {
  const { file, text } = scenarioText(nameOrPath);
  const loaded = loadScenario(text, {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file,
    overrides: options.overrides ?? [],
    ...(options.variant === undefined ? {} : { variant: options.variant }),
  });
  return { ...loaded, file };
}

/** The lesson beside a catalogue scenario, or undefined. */
export function lessonOf(name: string): string | undefined {
  const path = join(CATALOG_DIR, `${name}.md`);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
