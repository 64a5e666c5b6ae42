/// <reference types="vite/client" />
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { type CheckSpec, loadScenario, runScenario } from '../../sim/index.ts';
import { type Cell, columnsOf, type Grid, gridRows } from '../../sim/sweep/index.ts';
import { CATALOG, loadCatalog } from '../../viz/catalog.ts';
import { installDropZone, type LoadedFile, loadDroppedFile, parseCsv } from '../../viz/files.ts';
import { type RunReply, type RunRequest, runInWorker } from '../../viz/run-client.ts';
import { type RunOk, type RunPlan, sweepPanel } from '../../viz/sweep-panel.ts';
import {
  CELLS_MAX,
  intervalText,
  rateOf,
  type SweepPick,
  sweepView,
} from '../../viz/views/sweep.ts';
import askConfirmCsv from '../fixtures/sweeps/ask-confirm-sweep.csv?raw';
import askConfirmManifest from '../fixtures/sweeps/ask-confirm-sweep.csv.manifest.json?raw';
import gossipCsv from '../fixtures/sweeps/gossip-loss-sweep.csv?raw';
import gossipManifest from '../fixtures/sweeps/gossip-loss-sweep.csv.manifest.json?raw';
import gossipParquetUrl from '../fixtures/sweeps/gossip-loss-sweep.parquet?url';
import gossipParquetManifest from '../fixtures/sweeps/gossip-loss-sweep.parquet.manifest.json?raw';
import gossipSummary from '../fixtures/sweeps/gossip-loss-sweep.summary.csv?raw';
import myHandoffYaml from '../fixtures/sweeps/my-handoff.yaml?raw';
import myHandoffCsv from '../fixtures/sweeps/my-handoff-sweep.csv?raw';
import myHandoffManifest from '../fixtures/sweeps/my-handoff-sweep.csv.manifest.json?raw';

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
        const tip = cell.getAttribute('aria-label') ?? '';
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
    const first = rows.find((r) => r[2] === 0.3 && r[3] === 6 && r[1] === Math.min(...seeds));
    expect(picks, HOW).toEqual([
      {
        values: { 'network.dropRatio': 0.3, 'params.ackTimeoutTicks': 6 },
        seed: Math.min(...seeds),
        run: first?.[0],
      },
    ]);
    expect(Math.min(...seeds)).toBe(1);
    // From the keyboard: Enter on a focused cell picks it too.
    cell.focus();
    cell.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(picks).toHaveLength(2);
    expect(picks[1]).toEqual(picks[0]);
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
    expect(picks).toEqual([{ values: { 'network.dropRatio': DROPS[1] }, seed: 1, run: 1 }]);
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

/** The sweep `test/fixtures/sweeps/make.sh` wrote with `npx parley sweep`, as the page loads a dropped file. */
async function dropped(text: string, name: string): Promise<LoadedFile> {
  return loadDroppedFile(new File([text], name));
}
const GOSSIP_HOW =
  'test/fixtures/sweeps/gossip-loss-sweep.csv (npx parley sweep gossip-loss --variant mitigated --set params.roundsMax=5 --vary agents.count=16,32,64 --vary network.dropRatio=0.1,0.3,0.5 --seeds 10)';

describe('a rate with its n and Wilson 95% interval', () => {
  const at4 = (x: number | undefined) => Number((x as number).toFixed(4));
  it('is the Wilson score interval of successes in n, as the sweep summary writes it', () => {
    const cases: [number, number, number, number][] = [
      [8, 10, 0.4902, 0.9433],
      [0, 10, 0, 0.2775],
      [10, 10, 0.7225, 1],
      [1, 10, 0.0179, 0.4042],
      [3, 10, 0.1078, 0.6032],
      [9, 10, 0.5958, 0.9821],
      [6, 10, 0.3127, 0.8318],
      [1, 1, 0.2065, 1],
      [50, 100, 0.4038, 0.5962],
    ];
    for (const [k, n, low, high] of cases) {
      const r = rateOf(k, n);
      expect(r?.rate, `${k} of ${n}`).toBe(k / n);
      expect(r?.n, `${k} of ${n}`).toBe(n);
      expect([at4(r?.low), at4(r?.high)], `${k} of ${n}`).toEqual([low, high]);
    }
    expect(rateOf(0, 0)).toBeUndefined();
    expect(intervalText(rateOf(8, 10) as NonNullable<ReturnType<typeof rateOf>>)).toBe('49–94.3%');
    expect(intervalText(rateOf(0, 10) as NonNullable<ReturnType<typeof rateOf>>)).toBe('0–27.8%');
  });

  it('shows each cell’s n and interval, equal to the sweep’s summary file, in its label, its text and the readout', async () => {
    const loaded = await dropped(gossipCsv, 'gossip-loss-sweep.csv');
    if (loaded.kind !== 'sweep') throw new Error('the fixture did not load as a sweep');
    const view = sweepView(loaded.columns, loaded.rows, { metric: 'termination' });
    document.body.append(view.element);
    const [head, ...summary] = parseCsv(gossipSummary, 'gossip-loss-sweep.summary.csv').map(
      (r) => r.fields,
    );
    const col = (name: string) => (head as string[]).indexOf(name);
    expect(summary, GOSSIP_HOW).toHaveLength(9);
    const readout = view.element.querySelector('.sweep-readout') as HTMLElement;
    for (const row of summary) {
      const [count, drop] = [row[col('agents.count')], row[col('network.dropRatio')]];
      const at = `${GOSSIP_HOW}: cell agents.count=${count}, network.dropRatio=${drop}`;
      const cell = view.element.querySelector<SVGRectElement>(
        `rect.cell[data-x="${count}"][data-y="${drop}"]`,
      );
      if (cell === null) throw new Error(`${at}: no cell`);
      const n = Number(row[col('runs')]);
      const rate = Number(row[col('termination.holds')]);
      const low = Number(row[col('termination.holds.low95')]);
      const high = Number(row[col('termination.holds.high95')]);
      expect(Number(cell.dataset['value']), at).toBe(rate);
      expect(Number(cell.dataset['runs']), at).toBe(n);
      expect(at4(Number(cell.dataset['low'])), at).toBe(low);
      expect(at4(Number(cell.dataset['high'])), at).toBe(high);
      const r = rateOf(Math.round(rate * n), n) as NonNullable<ReturnType<typeof rateOf>>;
      const interval = intervalText(r);
      const label = cell.getAttribute('aria-label') ?? '';
      expect(label, at).toContain(`over ${n} runs (${Math.round(rate * n)} of ${n})`);
      expect(label, at).toContain(`95% interval ${interval}`);
      expect(label, at).toContain(`agents.count = ${count}, network.dropRatio = ${drop}`);
      // In the cell, under its value: the interval and n.
      expect(cell.parentElement?.querySelector('.cell-detail')?.textContent, at).toBe(
        `${interval} · n ${n}`,
      );
      // Hovered: the readout below the chart says the same.
      cell.dispatchEvent(new MouseEvent('mouseenter'));
      expect(readout.textContent, at).toContain(`95% interval ${interval}`);
      expect(readout.textContent, at).toContain(`(${Math.round(rate * n)} of ${n})`);
      cell.dispatchEvent(new MouseEvent('mouseleave'));
    }
    expect(view.element.querySelector('rect.cell-outline')?.getAttribute('visibility')).toBe(
      'hidden',
    );
  });

  it('draws a line chart point’s interval as a whisker from its low to its high', async () => {
    const loaded = await dropped(askConfirmCsv, 'ask-confirm-sweep.csv');
    if (loaded.kind !== 'sweep') throw new Error('the fixture did not load as a sweep');
    const view = sweepView(loaded.columns, loaded.rows, { metric: 'termination' });
    document.body.append(view.element);
    const points = view.element.querySelectorAll<SVGCircleElement>('circle.cell');
    const whiskers = view.element.querySelectorAll<SVGLineElement>('line.interval');
    expect(points.length).toBe(3);
    expect(whiskers.length).toBe(3);
    points.forEach((p, i) => {
      const w = whiskers[i] as SVGLineElement;
      expect(w.getAttribute('x1')).toBe(p.getAttribute('cx'));
      const ys = [Number(w.getAttribute('y1')), Number(w.getAttribute('y2'))];
      // The point lies on its whisker.
      expect(Number(p.getAttribute('cy'))).toBeGreaterThanOrEqual(Math.min(...ys) - 1e-9);
      expect(Number(p.getAttribute('cy'))).toBeLessThanOrEqual(Math.max(...ys) + 1e-9);
      expect(p.getAttribute('aria-label')).toMatch(/over 2 runs \(\d of 2\), 95% interval /);
      // Pointed at or focused, the readout above the chart says the same.
      const readout = view.element.querySelector('.sweep-readout') as HTMLElement;
      p.dispatchEvent(new MouseEvent('mouseenter'));
      expect(readout.textContent?.replaceAll('\n', '; ')).toBe(p.getAttribute('aria-label'));
      p.dispatchEvent(new MouseEvent('mouseleave'));
      expect(readout.textContent).toMatch(/^Point at a point to read its value/);
      p.dispatchEvent(new FocusEvent('focus'));
      expect(readout.textContent?.replaceAll('\n', '; ')).toBe(p.getAttribute('aria-label'));
      p.dispatchEvent(new FocusEvent('blur'));
    });
  });
});

/** A sweep panel whose runs are recorded; `showRun` records each run shown instead of the page's views. */
function panelWith(runner: (request: RunRequest) => Promise<RunReply> = runInWorker) {
  const requests: RunRequest[] = [];
  const shown: { reply: RunOk; plan: RunPlan }[] = [];
  const panel = sweepPanel({
    catalog: CATALOG,
    run: (request) => {
      requests.push(request);
      return runner(request);
    },
    showRun: (_container, reply, plan) => shown.push({ reply, plan }),
  });
  document.body.append(panel.element);
  const click = async (x: string, y?: string) => {
    const cell = panel.element.querySelector<SVGElement>(
      `.cell[data-x="${x}"]${y === undefined ? '' : `[data-y="${y}"]`}`,
    );
    if (cell === null) throw new Error(`no cell at ${x}, ${y}`);
    cell.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await panel.idle();
  };
  const text = (selector: string) => panel.element.querySelector(selector)?.textContent ?? '';
  /** Loads a file as a drop does and adds it to the panel. */
  const add = async (contents: BlobPart, name: string) => {
    const f = await loadDroppedFile(new File([contents], name));
    if (f.kind !== 'sweep' && f.kind !== 'sweep-manifest')
      throw new Error(`${name} loaded as a ${f.kind}`);
    panel.add(f);
  };
  return { panel, requests, shown, click, text, add };
}

describe('clicking a cell of a dropped sweep', () => {
  it('runs the sweep’s own catalogue scenario, variant and overrides with the cell’s values, not the page’s scenario', async () => {
    const p = panelWith();
    await p.add(gossipCsv, 'gossip-loss-sweep.csv');
    await p.add(gossipManifest, 'gossip-loss-sweep.csv.manifest.json');
    expect(p.text('.sweep-status')).toContain(
      "A click runs the cell's first seed of gossip-loss (the page's catalogue, variant mitigated) with params.roundsMax=5 and the cell's values",
    );
    await p.click('32', '0.3');
    const overrides = ['params.roundsMax=5', 'agents.count=32', 'network.dropRatio=0.3'];
    expect(p.requests, GOSSIP_HOW).toEqual([
      { scenarioName: 'gossip-loss', variant: 'mitigated', overrides, seed: 1 },
    ]);
    // The run is the one `parley run gossip-loss --seed 1 --variant mitigated --set …` makes.
    const { trace } = runScenario(loadCatalog('gossip-loss', 'mitigated', overrides).scenario, {
      seed: 1,
    });
    expect(p.shown.map((s) => s.reply.summary.hash)).toEqual([trace.hash()]);
    expect(p.shown[0]?.reply.summary.scenario).toBe('gossip-loss');
    expect(p.text('.cell-ran')).toBe(
      "Ran gossip-loss (the page's catalogue), variant mitigated, seed 1, with params.roundsMax=5; agents.count=32; network.dropRatio=0.3: the sweep's scenario, variant and overrides (from gossip-loss-sweep.csv.manifest.json) and the cell's values.",
    );
    expect(p.text('.cell-run code')).toBe(
      'npx parley run gossip-loss --seed 1 --variant mitigated --set params.roundsMax=5 --set agents.count=32 --set network.dropRatio=0.3',
    );
    expect(p.panel.element.querySelector<HTMLAnchorElement>('.cell-run a')?.search).toBe(
      `?scenario=gossip-loss&seed=1&variant=mitigated&set=params.roundsMax%3D5&set=agents.count%3D32&set=network.dropRatio%3D0.3`,
    );
    // It stopped where the sweep's row of that run says.
    expect(p.text('.row-check')).toMatch(
      /^As in the sweep's row of run \d+: quiescent at tick \d+/,
    );
  });

  it('says the manifest is needed, and runs nothing, when the sweep came without it', async () => {
    const p = panelWith();
    await p.add(gossipCsv, 'gossip-loss-sweep.csv');
    expect(p.text('.sweep-status')).toContain(
      "To run a cell, drop this sweep's manifest too (gossip-loss-sweep.csv.manifest.json",
    );
    await p.click('32', '0.3');
    expect(p.requests).toEqual([]);
    expect(p.text('.cell-blocked')).toBe(
      'The page cannot tell which scenario this sweep ran: drop its manifest (gossip-loss-sweep.csv.manifest.json) to run the cell.',
    );
    // The manifest dropped first, the rows after: they pair.
    const q = panelWith(async () => ({ ok: false, load: false, error: 'not run in this test' }));
    await q.add(gossipManifest, 'gossip-loss-sweep.csv.manifest.json');
    expect(q.text('.sweep-status')).toContain('drop its rows file (gossip-loss-sweep.csv)');
    await q.add(gossipCsv, 'gossip-loss-sweep.csv');
    await q.click('16', '0.5');
    expect(q.requests.map((r) => r.scenarioName)).toEqual(['gossip-loss']);
  });

  it('asks for the user’s scenario file the sweep ran, refuses another text, and runs the cell once given it', async () => {
    const p = panelWith();
    await p.add(myHandoffCsv, 'my-handoff-sweep.csv');
    await p.add(myHandoffManifest, 'my-handoff-sweep.csv.manifest.json');
    const hash = JSON.parse(myHandoffManifest).scenarioHash as string;
    expect(p.text('.sweep-status')).toBe(
      `This sweep ran my-handoff from a scenario file the page does not have (SHA-256 ${hash.slice(0, 12)}…). Drop or open that scenario file here to run its cells.`,
    );
    await p.click('0.3', 'true');
    expect(p.requests).toEqual([]);
    expect(p.text('.cell-blocked')).toContain(
      'npx parley run my-handoff.yaml --seed 1 --set network.dropRatio=0.3 --set params.idempotent=true',
    );
    // Another text (the catalogue's lossy-handoff, of which my-handoff is a copy) is not it.
    expect(
      p.panel.offerScenario({
        file: 'lossy-handoff.yaml',
        text: CATALOG.get('lossy-handoff') as string,
      }),
    ).toBe(true);
    expect(p.requests).toEqual([]);
    expect(p.text('.sweep-status')).toMatch(
      /^lossy-handoff\.yaml is not the scenario this sweep ran \(its text's SHA-256 differs\)\./,
    );
    // The file itself: the waiting cell runs with it.
    expect(p.panel.offerScenario({ file: 'my-handoff.yaml', text: myHandoffYaml })).toBe(true);
    await p.panel.idle();
    const overrides = ['network.dropRatio=0.3', 'params.idempotent=true'];
    expect(p.requests).toEqual([
      { scenarioText: myHandoffYaml, file: 'my-handoff.yaml', overrides, seed: 1 },
    ]);
    const { scenario } = loadScenario(myHandoffYaml, {
      protocols: PROTOCOLS,
      schedulers: SCHEDULERS,
      overrides,
    });
    expect(p.shown.map((s) => s.reply.summary.hash)).toEqual([
      runScenario(scenario, { seed: 1 }).trace.hash(),
    ]);
    expect(p.text('.cell-ran')).toContain(
      'Ran my-handoff (from my-handoff.yaml), default variant, seed 1, with network.dropRatio=0.3; params.idempotent=true',
    );
    expect(p.text('.row-check')).toMatch(/^As in the sweep's row of run \d+/);
    expect(p.text('.sweep-status')).toContain(
      "A click runs the cell's first seed of my-handoff (my-handoff.yaml)",
    );
  });

  it('says in one line that a sweep of protocol files runs on the command line, with the command', async () => {
    const p = panelWith();
    await p.add(askConfirmCsv, 'ask-confirm-sweep.csv');
    await p.add(askConfirmManifest, 'ask-confirm-sweep.csv.manifest.json');
    expect(p.text('.sweep-status')).toContain(
      "This sweep's scenario runs protocol files (./ask-confirm.ts), which the page cannot run",
    );
    await p.click('0.2');
    expect(p.requests).toEqual([]);
    const line = p.text('.cell-blocked');
    expect(line).toBe(
      "This sweep's scenario runs protocol files (./ask-confirm.ts), which the page cannot run; run the cell from the scenario's folder with: npx parley run ask-confirm.yaml --seed 1 --set network.dropRatio=0.2",
    );
    expect(line).not.toContain('\n');
  });
});

describe('a Parquet sweep dropped on the page', () => {
  /** The cells of the heatmap a drop of `files` on the page shows: value, n and interval by position. */
  async function heatmapOfDrop(files: File[]): Promise<Record<string, string[]>> {
    const p = panelWith();
    const errors: Error[] = [];
    let loaded = 0;
    const zone = installDropZone(
      document.body,
      (f) => {
        if (f.kind === 'sweep' || f.kind === 'sweep-manifest') p.panel.add(f);
        loaded++;
      },
      (e) => errors.push(e),
    );
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(f);
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true }));
    await new Promise<void>((resolve) => {
      const wait = () => (loaded + errors.length >= files.length ? resolve() : setTimeout(wait, 5));
      wait();
    });
    zone.dispose();
    expect(errors.map((e) => e.message)).toEqual([]);
    const select = p.panel.element.querySelector('select[name=metric]') as HTMLSelectElement;
    const out: Record<string, string[]> = {};
    for (const metric of ['termination', 'events', 'termination.undecided']) {
      select.value = metric;
      select.dispatchEvent(new Event('change'));
      for (const c of p.panel.element.querySelectorAll<SVGRectElement>('rect.cell'))
        out[`${metric} ${c.dataset['x']} ${c.dataset['y']}`] = [
          c.dataset['value'] ?? '',
          c.dataset['runs'] ?? '',
          c.dataset['low'] ?? '',
          c.dataset['high'] ?? '',
          c.getAttribute('aria-label') ?? '',
        ];
    }
    p.panel.element.remove();
    return out;
  }

  it('shows the same heatmap as the CSV of the same sweep, its manifest read as for CSV', async () => {
    const bytes = await (await fetch(gossipParquetUrl)).arrayBuffer();
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe('PAR1');
    const fromParquet = await heatmapOfDrop([
      new File([bytes], 'gossip-loss-sweep.parquet'),
      new File([gossipParquetManifest], 'gossip-loss-sweep.parquet.manifest.json'),
    ]);
    const fromCsv = await heatmapOfDrop([
      new File([gossipCsv], 'gossip-loss-sweep.csv'),
      new File([gossipManifest], 'gossip-loss-sweep.csv.manifest.json'),
    ]);
    expect(Object.keys(fromCsv)).toHaveLength(27);
    expect(fromParquet, GOSSIP_HOW.replace('.csv', '.parquet')).toEqual(fromCsv);
    // And its cells run the sweep's scenario, as from the CSV.
    const p = panelWith(async () => ({ ok: false, load: false, error: 'not run in this test' }));
    await p.add(bytes, 'gossip-loss-sweep.parquet');
    await p.add(gossipParquetManifest, 'gossip-loss-sweep.parquet.manifest.json');
    await p.click('64', '0.5');
    expect(p.requests).toEqual([
      {
        scenarioName: 'gossip-loss',
        variant: 'mitigated',
        overrides: ['params.roundsMax=5', 'agents.count=64', 'network.dropRatio=0.5'],
        seed: 1,
      },
    ]);
  });
});
