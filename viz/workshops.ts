/** The shipped workshops in the page: scenarios/workshops/*.yaml bundled by Vite, read by sim/workshop.ts against the catalogue. */
/// <reference types="vite/client" />
import { loadWorkshop, type Workshop } from '../sim/workshop.ts';
import { CATALOG, loadCatalog } from './catalog.ts';

const files = import.meta.glob('../scenarios/workshops/*.yaml', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Workshop texts by name (the file's name without `.yaml`). */
export const WORKSHOPS: ReadonlyMap<string, string> = new Map(
  Object.entries(files)
    .map(([path, text]) => [path.replace(/^.*\//, '').replace(/\.yaml$/, ''), text] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
);

const variants = new Map<string, readonly string[]>();

/** Workshop `name`, its steps checked against the catalogue (throws WorkshopError or Error). */
export function loadPageWorkshop(name: string): Workshop {
  const text = WORKSHOPS.get(name);
  if (text === undefined)
    throw new Error(
      `no workshop "${name}"; workshops: ${[...WORKSHOPS.keys()].join(', ') || 'none'}`,
    );
  return loadWorkshop(text, `${name}.yaml`, {
    scenarios: [...CATALOG.keys()],
    variantsOf(scenario) {
      let v = variants.get(scenario);
      if (v === undefined) {
        v = Object.keys(loadCatalog(scenario).source.variants ?? {});
        variants.set(scenario, v);
      }
      return v;
    },
  });
}
