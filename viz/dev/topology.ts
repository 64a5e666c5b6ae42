/**
 * A development page for the topology view alone:
 * `/viz/dev/topology.html?scenario=taint-boundary&seed=2` (optional
 * `variant=` and `set=` as on the main page) runs a catalogue scenario and
 * draws its topology. Text from scenarios is set as textContent only.
 */
import { runScenario } from '../../sim/index.ts';
import { loadCatalog } from '../catalog.ts';
import { el } from '../views/common.ts';
import { topologyView } from '../views/topology.ts';

const root = document.getElementById('app') as HTMLElement;
try {
  const url = new URLSearchParams(location.search);
  const name = url.get('scenario') ?? 'taint-boundary';
  const variant = url.get('variant') ?? undefined;
  const { scenario, source } = loadCatalog(name, variant, url.getAll('set'));
  const seedParam = url.get('seed');
  const seed = seedParam === null ? (source.seed ?? 1) : Number(seedParam);
  const { trace } = runScenario(scenario, { seed });
  const width = Math.max(640, Math.min(1400, root.clientWidth || 1000));
  root.append(
    el('h2', `topology: ${name}${variant === undefined ? '' : ` (${variant})`} at seed ${seed}`),
    topologyView(trace, { width }).element,
  );
} catch (e) {
  root.append(el('pre', e instanceof Error ? e.message : String(e), 'error'));
}
