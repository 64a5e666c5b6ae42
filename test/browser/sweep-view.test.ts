import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { type CheckSpec, loadScenario } from '../../sim/index.ts';
import { type Cell, columnsOf, type Grid, gridRows } from '../../sim/sweep/index.ts';
import { CATALOG } from '../../viz/catalog.ts';
import { CELLS_MAX, type SweepPick, sweepView } from '../../viz/views/sweep.ts';

afterEach(() => {
  document.body.replaceChildren();
});

/** A sweep of lossy-handoff as `parley sweep` computes it. */
function sweepOf(grid: Grid): { columns: string[]; rows: Cell[][] } {
  const text = CATALOG.get('lossy-handoff') as string;
  const load = (overrides: readonly string[]) =>
    loadScenario(text, { protocols: PROTOCOLS, schedulers: SCHEDULERS, overrides });
  const checks = load([]).source.checks as CheckSpec[];
  return { columns: columnsOf(grid, checks), rows: gridRows(grid, (o) => load(o).scenario) };
}

const DROPS = [0.1, 0.3];
const TIMEOUTS = [3, 6, 12];
const SEEDS = 4;
const GRID: Grid = {
  axes: [
    { path: 'network.dropRatio', values: DROPS },
    { path: 'params.ackTimeoutTicks', values: TIMEOUTS },
  ],
  seeds: SEEDS,
};
const HOW =
  'lossy-handoff sweep (npx parley sweep lossy-handoff --vary network.dropRatio=0.1,0.3 --vary params.ackTimeoutTicks=3,6,12 --seeds 4)';

describe('the sweep view', () => {
  it('draws a heatmap of drops × timeouts cells, each the mean over its seeds', () => {
    const { columns, rows } = sweepOf(GRID);
    const view = sweepView(columns, rows, { metric: 'duplicate-execution.duplicates' });
    document.body.append(view.element);
    const cells = [...view.element.querySelectorAll<SVGRectElement>('rect.cell')];
    expect(cells, HOW).toHaveLength(DROPS.length * TIMEOUTS.length);
    const d = columns.indexOf('duplicate-execution.duplicates');
    const t = columns.indexOf('termination');
    for (const drop of DROPS)
      for (const timeout of TIMEOUTS) {
        const mine = rows.filter((r) => r[2] === drop && r[3] === timeout);
        expect(mine, HOW).toHaveLength(SEEDS);
        const mean = mine.reduce((s, r) => s + (r[d] as number), 0) / SEEDS;
        const cell = cells.find(
          (c) => c.dataset['x'] === String(drop) && c.dataset['y'] === String(timeout),
        ) as SVGRectElement;
        const at = `${HOW}: cell dropRatio=${drop}, ackTimeoutTicks=${timeout}`;
        expect(Number(cell.dataset['value']), at).toBeCloseTo(mean, 12);
        expect(cell.dataset['runs'], at).toBe(String(SEEDS));
        const tip = cell.querySelector('title')?.textContent ?? '';
        expect(tip, at).toContain(`over ${SEEDS} runs`);
        expect(tip, at).toContain(
          `network.dropRatio = ${drop}, params.ackTimeoutTicks = ${timeout}`,
        );
      }
    // Switching the metric to the termination check shows its rate of holds.
    const select = view.element.querySelector('select[name=metric]') as HTMLSelectElement;
    select.value = 'termination';
    select.dispatchEvent(new Event('change'));
    for (const c of view.element.querySelectorAll<SVGRectElement>('rect.cell')) {
      const mine = rows.filter(
        (r) => JSON.stringify(r[2]) === c.dataset['x'] && JSON.stringify(r[3]) === c.dataset['y'],
      );
      const rate = mine.filter((r) => r[t] === 'holds').length / mine.length;
      expect(Number(c.dataset['value']), HOW).toBeCloseTo(rate, 12);
    }
    expect(view.element.querySelector('.legend rect')).not.toBeNull();
  });

  it('calls onPick with the clicked cell’s values and its first seed', () => {
    const { columns, rows } = sweepOf(GRID);
    const picks: SweepPick[] = [];
    const view = sweepView(columns, rows, { onPick: (p) => picks.push(p) });
    document.body.append(view.element);
    const cell = [...view.element.querySelectorAll<SVGRectElement>('rect.cell')].find(
      (c) => c.dataset['x'] === '0.3' && c.dataset['y'] === '6',
    ) as SVGRectElement;
    cell.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    const seeds = rows.filter((r) => r[2] === 0.3 && r[3] === 6).map((r) => r[1] as number);
    expect(picks, HOW).toEqual([
      {
        values: { 'network.dropRatio': 0.3, 'params.ackTimeoutTicks': 6 },
        seed: Math.min(...seeds),
      },
    ]);
    expect(Math.min(...seeds)).toBe(1);
  });

  it('swaps the axes when one is set to the other’s parameter', () => {
    const { columns, rows } = sweepOf({ ...GRID, seeds: 1 });
    const view = sweepView(columns, rows);
    document.body.append(view.element);
    const x = view.element.querySelector('select[name=x]') as HTMLSelectElement;
    x.value = 'params.ackTimeoutTicks';
    x.dispatchEvent(new Event('change'));
    const y = view.element.querySelector('select[name=y]') as HTMLSelectElement;
    expect(y.value).toBe('network.dropRatio');
    const xs = new Set(
      [...view.element.querySelectorAll<SVGRectElement>('rect.cell')].map((c) => c.dataset['x']),
    );
    expect(xs).toEqual(new Set(TIMEOUTS.map(String)));
  });

  it('draws a line chart with one point per value when one parameter varies', () => {
    const { columns, rows } = sweepOf({
      axes: [{ path: 'network.dropRatio', values: DROPS }],
      seeds: 3,
    });
    const picks: SweepPick[] = [];
    const view = sweepView(columns, rows, {
      metric: 'duplicate-execution.duplicates',
      onPick: (p) => picks.push(p),
    });
    document.body.append(view.element);
    const points = [...view.element.querySelectorAll<SVGCircleElement>('circle.cell')];
    expect(points).toHaveLength(DROPS.length);
    expect(view.element.querySelector('rect.cell')).toBeNull();
    const d = columns.indexOf('duplicate-execution.duplicates');
    points.forEach((p, i) => {
      const mine = rows.filter((r) => r[2] === DROPS[i]);
      const mean = mine.reduce((s, r) => s + (r[d] as number), 0) / mine.length;
      expect(Number(p.dataset['value'])).toBeCloseTo(mean, 12);
    });
    points[1]?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(picks).toEqual([{ values: { 'network.dropRatio': DROPS[1] }, seed: 1 }]);
  });

  it('draws at most CELLS_MAX cells and says which values are left out', () => {
    const columns = ['run', 'seed', 'a', 'b', 'stop', 'tick'];
    const rows: Cell[][] = [];
    for (let a = 0; a < 150; a++)
      for (let b = 0; b < 120; b++) rows.push([rows.length, 1, a, b, 'quiescent', a + b]);
    const view = sweepView(columns, rows);
    document.body.append(view.element);
    expect(view.element.querySelectorAll('rect.cell')).toHaveLength(CELLS_MAX);
    const notes = [...view.element.querySelectorAll('.note')].map((n) => n.textContent);
    expect(notes).toContain('Showing the first 100 of 150 values of a.');
    expect(notes).toContain('Showing the first 100 of 120 values of b.');
  });

  it('shows a check column holding markup as text', () => {
    const columns = ['run', 'seed', '<img src=x onerror=alert(1)>', 'stop', 'tick'];
    const rows: Cell[][] = [
      [0, 1, '<img src=x>', 'quiescent', 3],
      [1, 1, '<b>bold</b>', 'quiescent', 5],
    ];
    const view = sweepView(columns, rows);
    document.body.append(view.element);
    expect(document.querySelectorAll('img, b')).toHaveLength(0);
    expect(view.element.textContent).toContain('<img src=x>');
  });
});
