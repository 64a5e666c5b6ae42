/**
 * Development page for the sweep view: runs a small sweep of lossy-handoff
 * in the page (3 loss ratios × 3 resend timeouts × 10 seeds), builds its
 * rows as `parley sweep` does (sim/sweep), and shows the heatmap. Clicking a
 * cell shows what the page would re-run.
 */
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { type CheckSpec, DEFAULT_CHECKS, loadScenario } from '../../sim/index.ts';
import { columnsOf, type Grid, gridRows } from '../../sim/sweep/index.ts';
import { CATALOG } from '../catalog.ts';
import { el } from '../views/common.ts';
import { sweepView } from '../views/sweep.ts';

const NAME = 'lossy-handoff';
const grid: Grid = {
  axes: [
    { path: 'network.dropRatio', values: [0.1, 0.2, 0.3] },
    { path: 'params.ackTimeoutTicks', values: [3, 6, 12] },
  ],
  seeds: 10,
};

const root = document.getElementById('app') as HTMLElement;
const text = CATALOG.get(NAME) as string;
const load = (overrides: readonly string[]) =>
  loadScenario(text, {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file: `${NAME}.yaml`,
    overrides,
  });
const base = load([]);
const columns = columnsOf(grid, (base.source.checks ?? DEFAULT_CHECKS) as readonly CheckSpec[]);
const rows = gridRows(grid, (o) => load(o).scenario);
const picked = el('p', 'Click a cell to pick its first seed.', 'note picked');
const view = sweepView(columns, rows, {
  width: 900,
  metric: 'duplicate-execution.duplicates',
  onPick: ({ values, seed }) => {
    picked.textContent = `picked: seed ${seed} with ${Object.entries(values)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ')}`;
  },
});
root.append(
  el('h2', `${NAME}: ${rows.length} runs`),
  el(
    'p',
    `${grid.axes.map((a) => `${a.path} ∈ {${a.values.join(', ')}}`).join(' × ')} × ${grid.seeds} seeds`,
    'description',
  ),
  view.element,
  picked,
);
