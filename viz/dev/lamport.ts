/**
 * A development page for the space-time diagram alone:
 * `/viz/dev/lamport.html?scenario=prompt-infection&seed=1` (optional
 * `variant=`, `set=` as on the main page, and `densityMin=`) runs a
 * catalogue scenario and draws its diagram; `window.parleyLamport` and
 * `window.parleyTrace` hold the view and the trace for scripts (the benchmark measures the density threshold here).
 * Text from scenarios is set as textContent only.
 */
import { runScenario } from '../../sim/index.ts';
import { loadCatalog } from '../catalog.ts';
import { el } from '../views/common.ts';
import { lamportView } from '../views/lamport.ts';

const root = document.getElementById('app') as HTMLElement;
try {
  const url = new URLSearchParams(location.search);
  const name = url.get('scenario') ?? 'prompt-infection';
  const variant = url.get('variant') ?? undefined;
  const { scenario, source } = loadCatalog(name, variant, url.getAll('set'));
  const seedParam = url.get('seed');
  const seed = seedParam === null ? (source.seed ?? 1) : Number(seedParam);
  const { trace } = runScenario(scenario, { seed });
  const densityParam = url.get('densityMin');
  const width = Math.max(640, Math.min(1400, root.clientWidth || 1000));
  const view = lamportView(trace, {
    width,
    ...(densityParam === null ? {} : { densityMin: Number(densityParam) }),
  });
  root.append(
    el(
      'h2',
      `space-time diagram: ${name}${variant === undefined ? '' : ` (${variant})`} at seed ${seed}`,
    ),
    view.element,
  );
  Object.assign(window, { parleyLamport: view, parleyTrace: trace });
} catch (e) {
  root.append(el('pre', e instanceof Error ? e.message : String(e), 'error'));
}
