/** The shipped catalogue in the page: the YAML files bundled by Vite, loaded with the same loader as the CLI. */
/// <reference types="vite/client" />
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import { type LoadedScenario, loadScenario } from '../sim/index.ts';

const files = import.meta.glob('../scenarios/catalog/*.yaml', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Catalogue scenario texts by name. */
export const CATALOG: ReadonlyMap<string, string> = new Map(
  Object.entries(files)
    .map(([path, text]) => [path.replace(/^.*\//, '').replace(/\.yaml$/, ''), text] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
);

const lessons = import.meta.glob('../scenarios/catalog/*.md', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** The lesson beside each catalogue scenario, by name (Markdown text). */
export const LESSONS: ReadonlyMap<string, string> = new Map(
  Object.entries(lessons).map(
    ([path, text]) => [path.replace(/^.*\//, '').replace(/\.md$/, ''), text] as const,
  ),
);

/** Loads catalogue scenario `name` (throws ScenarioLoadError or Error). */
export function loadCatalog(
  name: string,
  variant?: string,
  overrides: readonly string[] = [],
): LoadedScenario {
  const text = CATALOG.get(name);
  if (text === undefined) throw new Error(`no scenario "${name}" in the catalogue`);
  return loadScenario(text, {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file: `${name}.yaml`,
    overrides,
    ...(variant === undefined ? {} : { variant }),
  });
}
