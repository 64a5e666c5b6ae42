/**
 * The visualizer's first page: runs a catalogue scenario in the browser with
 * the same loader and engine as the command line and shows its verdicts and
 * what happened: a space-time diagram, the agents' states and values, convergence
 * charts beside the verdicts (click one to see its records in the diagram), and
 * the records one by one. The scenario, variant and seed come from
 * the URL (`?scenario=two-generals&seed=2`), so a link reproduces a run.
 * Text from scenarios and traces is only ever set as textContent.
 */
import { judge, runScenario, ScenarioLoadError, type TraceRecord } from '../sim/index.ts';
import { CATALOG, loadCatalog } from './catalog.ts';
import { convergenceView } from './views/convergence.ts';
import { lamportView } from './views/lamport.ts';
import { lanesView } from './views/lanes.ts';

/** The scenario shown when the URL names none. */
export const DEFAULT_SCENARIO = 'two-generals';

const RECORDS_SHOWN_MAX = 2000;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

function picker(
  current: string,
  seed: number,
  variant: string | undefined,
  variants: readonly string[],
  overrides: readonly string[],
): HTMLElement {
  const form = el('form', undefined, 'picker');
  const select = el('select');
  select.name = 'scenario';
  for (const name of CATALOG.keys()) {
    const option = el('option', name);
    option.value = name;
    option.selected = name === current;
    select.append(option);
  }
  const seedInput = el('input');
  seedInput.name = 'seed';
  seedInput.type = 'number';
  seedInput.min = '0';
  seedInput.value = String(seed);
  const go = el('button', 'run');
  go.type = 'submit';
  const variantSelect = el('select');
  variantSelect.name = 'variant';
  for (const v of ['', ...variants]) {
    const option = el('option', v === '' ? '(default)' : v);
    option.value = v;
    option.selected = v === (variant ?? '');
    variantSelect.append(option);
  }
  const sets = el('input');
  sets.name = 'sets';
  sets.placeholder = 'network.dropRatio=0.2; agents.count=8';
  sets.value = overrides.join('; ');
  sets.className = 'sets';
  form.append(
    el('label', 'scenario '),
    select,
    el('label', ' variant '),
    variantSelect,
    el('label', ' seed '),
    seedInput,
    el('label', ' set '),
    sets,
    go,
  );
  // Empty fields stay out of the URL, and overrides become one `set` each, as on the command line.
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ scenario: select.value, seed: seedInput.value });
    if (variantSelect.value !== '') q.set('variant', variantSelect.value);
    for (const o of sets.value
      .split(';')
      .map((x) => x.trim())
      .filter((x) => x !== ''))
      q.append('set', o);
    location.search = q.toString();
  });
  return form;
}

function render(root: HTMLElement): void {
  const url = new URLSearchParams(location.search);
  const name = url.get('scenario') ?? DEFAULT_SCENARIO;
  const variant = url.get('variant') ?? undefined;
  const overrides = url.getAll('set');
  const { scenario, source } = loadCatalog(name, variant, overrides);
  const seedParam = url.get('seed');
  const seed = seedParam === null ? (source.seed ?? 1) : Number(seedParam);
  root.append(picker(name, seed, variant, Object.keys(source.variants ?? {}), overrides));
  if (source.description !== undefined) root.append(el('p', source.description, 'description'));
  const result = runScenario(scenario, { seed });
  const { trace } = result;

  const summary = el('dl', undefined, 'summary');
  const row = (label: string, value: string) => {
    summary.append(el('dt', label), el('dd', value));
  };
  row('scenario', variant === undefined ? scenario.name : `${scenario.name} (${variant})`);
  row('seed', String(seed));
  row('stopped', `${result.stop.reason} at tick ${result.stop.tick}`);
  row('events', String(result.events));
  row(
    'decisions',
    result.decisions.map((d) => `${d.agent} → ${JSON.stringify(d.value)} @${d.tick}`).join(', ') ||
      'none',
  );
  row('trace hash', trace.hash());
  root.append(summary);

  // The views, above the records: the diagram, the agents' lanes in step with its time, the charts and verdicts.
  const width = Math.max(640, Math.min(1400, root.clientWidth || 1000));
  const lamport = lamportView(trace, { width });
  const lanes = lanesView(trace, { width });
  lanes.setTimeDomain(lamport.timeDomain());
  lamport.onTimeChange((domain) => lanes.setTimeDomain(domain));
  const verdicts = judge(trace).verdicts;
  const convergence = convergenceView(trace, {
    width,
    verdicts,
    onVerdict: (v) => lamport.highlight(v.records),
  });
  root.append(
    el('h2', 'space-time diagram'),
    lamport.element,
    el('h2', 'agent states and values'),
    lanes.element,
    el('h2', 'convergence and verdicts'),
    convergence.element,
    el('h2', 'records'),
  );

  const shown = Math.min(trace.length, RECORDS_SHOWN_MAX);
  if (shown < trace.length) {
    root.append(el('p', `Showing the first ${shown} of ${trace.length} records.`, 'note'));
  }
  const table = el('table');
  const head = el('tr');
  for (const h of ['seq', 'tick', 'kind', 'agent', 'peer', 'msg', 'cause', 'data'])
    head.append(el('th', h));
  table.append(head);
  for (let i = 0; i < shown; i++) {
    const r: TraceRecord = trace.record(i);
    const tr = el(
      'tr',
      undefined,
      r.kind === 'drop' ? 'drop' : r.kind === 'decide' ? 'decide' : undefined,
    );
    const cells = [
      r.seq,
      r.tick,
      r.kind,
      r.agent,
      r.peer,
      r.msg,
      r.cause,
      r.data === undefined ? '' : JSON.stringify(r.data),
    ];
    for (const c of cells) tr.append(el('td', c === undefined ? '' : String(c)));
    table.append(tr);
  }
  root.append(table);
}

const root = document.getElementById('app') as HTMLElement;
try {
  render(root);
} catch (err) {
  if (err instanceof ScenarioLoadError) root.append(el('pre', err.message, 'error'));
  else
    root.append(el('p', `parley could not run this scenario: ${(err as Error).message}`, 'error'));
}
