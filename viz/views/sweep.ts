/**
 * Sweep results (the rows of `parley sweep`, sim/sweep/rows.ts): a heatmap
 * of a chosen metric over two chosen varied parameters (the columns between
 * `seed` and `stop`), each cell the mean over its runs (the seeds, and any
 * other varied parameter), with a colour legend; with one varied parameter,
 * a line chart. A metric is any numeric column (its mean) or a check column
 * (the rate of `holds`) or a true/false column such as `agreement.met` (the
 * rate of true). A rate is shown with its n and its Wilson 95% interval
 * (`wilson` of sim/sweep, the interval of the `*.summary.csv` that `parley
 * sweep` writes) wherever it is shown: in the cell, in the readout of the
 * hovered or focused cell, in its accessible label, and as whiskers on the
 * line chart. Clicking a cell (or Enter on a focused one) calls `onPick`
 * with the varied values and the first seed of that cell's runs, so the
 * page can re-run it. At most `CELLS_MAX` cells are drawn, and the view says
 * when some are not. Text goes in with textContent or d3's `.text()` only.
 */
import {
  axisBottom,
  axisLeft,
  axisRight,
  format,
  interpolateViridis,
  line,
  scaleLinear,
  scalePoint,
  scaleSequential,
  select,
} from 'd3';
import type { Json } from '../../sim/index.ts';
import { type Cell, wilson } from '../../sim/sweep/index.ts';
import { el, short } from './common.ts';

/** Most cells (or chart points) drawn. */
export const CELLS_MAX = 10_000;
/** Most values of one axis drawn (so a heatmap has at most CELLS_MAX cells). */
export const AXIS_VALUES_MAX = 100;

export interface SweepPick {
  /** The varied values of the picked run, by column (dotted path). */
  readonly values: Record<string, Json>;
  readonly seed: number;
  /** The picked run's id (the `run` column), to find its row. */
  readonly run: number;
}

export interface SweepViewOptions {
  readonly onPick?: (pick: SweepPick) => void;
  /** Width in CSS pixels; default 900. */
  readonly width?: number;
  /** The metric shown first (a column name); default the first check, else the first number. */
  readonly metric?: string;
  /** The parameters on the axes first; default the first two varied columns. */
  readonly x?: string;
  readonly y?: string;
}

export interface SweepView {
  readonly element: HTMLElement;
}

/** How a column becomes a number per run. */
interface Metric {
  readonly column: string;
  readonly kind: 'mean' | 'holds' | 'true';
  readonly label: string;
}

/** A rate of `successes` in `n` runs with its Wilson 95% interval, as the sweep summary gives it. Pure. */
export interface Rate {
  readonly successes: number;
  readonly n: number;
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

/** The rate of `successes` in `n` and its Wilson 95% interval (sim/sweep's `wilson`); undefined when n is 0. Pure. */
export function rateOf(successes: number, n: number): Rate | undefined {
  if (n === 0) return undefined;
  const { low, high } = wilson(successes, n);
  return { successes, n, rate: successes / n, low, high };
}

const percent = format('.1~%');

/** A rate's interval as text, e.g. `49–94.3%` (the bounds at the summary's four decimals). */
export function intervalText(r: Rate): string {
  const round = (x: number) => Number(x.toFixed(4));
  return `${percent(round(r.low)).replace('%', '')}–${percent(round(r.high))}`;
}

/** One drawn cell: the runs at one pair of axis values. */
interface Bin {
  sum: number;
  /** Runs with a value for the metric. */
  n: number;
  /** All runs in the cell. */
  runs: number;
  /** The run with the lowest seed (then run id). */
  first: readonly Cell[];
}

const valueText = (v: Cell): string =>
  v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);

function metricsOf(columns: readonly string[], rows: readonly (readonly Cell[])[]): Metric[] {
  const seed = columns.indexOf('seed');
  const stop = columns.indexOf('stop');
  const out: Metric[] = [];
  columns.forEach((c, i) => {
    if (i <= stop || i <= seed) return;
    const present = rows.map((r) => r[i]).filter((v) => v !== undefined && v !== null);
    if (present.length === 0) return;
    if (present.every((v) => typeof v === 'number'))
      out.push({ column: c, kind: 'mean', label: `mean ${c}` });
    else if (present.every((v) => typeof v === 'boolean'))
      out.push({ column: c, kind: 'true', label: `rate of ${c} true` });
    else if (columns[i + 1] === `${c}.met` || present.some((v) => v === 'holds' || v === 'fails'))
      out.push({ column: c, kind: 'holds', label: `rate of ${c} holds` });
  });
  // Check rates first: they are what a sweep is usually for.
  return [...out.filter((m) => m.kind === 'holds'), ...out.filter((m) => m.kind !== 'holds')];
}

/** The metric's number for one run, or undefined when the run has none. */
function measure(m: Metric, v: Cell): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (m.kind === 'mean') return typeof v === 'number' ? v : undefined;
  if (m.kind === 'true') return v === true ? 1 : v === false ? 0 : undefined;
  return v === 'holds' ? 1 : 0;
}

/** An axis's distinct values: ascending when all are numbers, else in order of appearance. */
function axisValues(rows: readonly (readonly Cell[])[], i: number): Cell[] {
  const seen = new Map<string, Cell>();
  for (const r of rows) {
    const k = JSON.stringify(r[i] ?? null);
    if (!seen.has(k)) seen.set(k, r[i]);
  }
  const values = [...seen.values()];
  if (values.every((v) => typeof v === 'number')) (values as number[]).sort((a, b) => a - b);
  return values;
}

function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const o = el('option', label);
  o.value = value;
  o.selected = selected;
  return o;
}

let gradients = 0;

const HOVER_HINT =
  'Point at a cell to read its value, its runs and, for a rate, its 95% interval; click it to run its first seed.';

export function sweepView(
  columns: readonly string[],
  rows: readonly (readonly Cell[])[],
  options: SweepViewOptions = {},
): SweepView {
  const width = options.width ?? 900;
  const element = el('div', undefined, 'view sweep');
  const seedAt = columns.indexOf('seed');
  const stopAt = columns.indexOf('stop');
  const params = seedAt >= 0 && stopAt > seedAt ? columns.slice(seedAt + 1, stopAt) : [];
  const metrics = metricsOf(columns, rows);
  if (rows.length === 0 || metrics.length === 0) {
    element.append(
      el('p', rows.length === 0 ? 'The sweep has no rows.' : 'The sweep has no metric.', 'note'),
    );
    return { element };
  }
  const state = {
    metric: metrics.find((m) => m.column === options.metric) ?? (metrics[0] as Metric),
    x: options.x !== undefined && params.includes(options.x) ? options.x : params[0],
    y: options.y !== undefined && params.includes(options.y) ? options.y : params[1],
  };
  if (state.x === state.y) state.y = params.find((p) => p !== state.x);

  const controls = el('form', undefined, 'picker sweep-controls');
  const metricSelect = el('select');
  metricSelect.name = 'metric';
  for (const m of metrics) metricSelect.append(option(m.column, m.label, m === state.metric));
  controls.append(el('label', 'metric '), metricSelect);
  const axisSelect = (name: string, current: string | undefined) => {
    const s = el('select');
    s.name = name;
    for (const p of params) s.append(option(p, p, p === current));
    return s;
  };
  const xSelect = axisSelect('x', state.x);
  const ySelect = axisSelect('y', state.y);
  if (params.length >= 2)
    controls.append(el('label', ' across '), xSelect, el('label', ' and '), ySelect);
  const body = el('div', undefined, 'sweep-body');
  element.append(controls, body);

  const pick = (first: readonly Cell[]) => {
    const values: Record<string, Json> = {};
    params.forEach((p, k) => {
      values[p] = (first[seedAt + 1 + k] ?? null) as Json;
    });
    options.onPick?.({ values, seed: first[seedAt] as number, run: first[0] as number });
  };

  const draw = () => {
    body.replaceChildren();
    const m = state.metric;
    const mi = columns.indexOf(m.column);
    const rate = m.kind !== 'mean';
    const fmt = rate ? format('.1~%') : format('.4~r');
    const xi = state.x === undefined ? -1 : columns.indexOf(state.x);
    const yi = state.y === undefined ? -1 : columns.indexOf(state.y);
    const others = params.filter((p) => p !== state.x && p !== state.y);
    const allX = xi < 0 ? [undefined] : axisValues(rows, xi);
    const allY = yi < 0 ? [undefined] : axisValues(rows, yi);
    const xs = allX.slice(0, yi < 0 ? CELLS_MAX : AXIS_VALUES_MAX);
    const ys = allY.slice(0, AXIS_VALUES_MAX);
    const key = (v: Cell) => JSON.stringify(v ?? null);
    const xIndex = new Map(xs.map((v, i) => [key(v), i]));
    const yIndex = new Map(ys.map((v, i) => [key(v), i]));
    const bins: (Bin | undefined)[] = new Array(xs.length * ys.length);
    for (const r of rows) {
      const cx = xi < 0 ? 0 : xIndex.get(key(r[xi]));
      const cy = yi < 0 ? 0 : yIndex.get(key(r[yi]));
      if (cx === undefined || cy === undefined) continue;
      const at = cy * xs.length + cx;
      let b = bins[at];
      if (b === undefined) bins[at] = b = { sum: 0, n: 0, runs: 0, first: r };
      b.runs++;
      const s = r[seedAt] as number;
      const f = b.first[seedAt] as number;
      if (s < f || (s === f && (r[0] as number) < (b.first[0] as number))) b.first = r;
      const v = measure(m, r[mi]);
      if (v !== undefined) {
        b.sum += v;
        b.n++;
      }
    }
    const notes: string[] = [];
    if (xs.length < allX.length)
      notes.push(`Showing the first ${xs.length} of ${allX.length} values of ${state.x}.`);
    if (ys.length < allY.length)
      notes.push(`Showing the first ${ys.length} of ${allY.length} values of ${state.y}.`);
    const seeds = new Set(rows.map((r) => r[seedAt])).size;
    notes.push(
      `Each ${yi < 0 ? 'point' : 'cell'} is the ${rate ? 'rate' : 'mean'} over its runs (${seeds} seed${seeds === 1 ? '' : 's'}${others.length > 0 ? `, and every value of ${others.join(', ')}` : ''})${rate ? `, with its 95% Wilson interval and n${yi < 0 ? ' (the whisker)' : ''}` : ''}; click one to run its first seed.`,
    );
    for (const n of notes) body.append(el('p', n, 'note'));

    const means = bins.map((b) => (b === undefined || b.n === 0 ? undefined : b.sum / b.n));
    const present = means.filter((v): v is number => v !== undefined);
    let lo = rate ? 0 : Math.min(...present);
    let hi = rate ? 1 : Math.max(...present);
    if (!(lo < hi)) {
      lo = Number.isFinite(lo) ? lo - 0.5 : 0;
      hi = Number.isFinite(hi) ? hi + 0.5 : 1;
    }
    const colour = scaleSequential(interpolateViridis).domain([lo, hi]);
    // A rate's interval: from its successes (the sum of 0s and 1s) and n, as the summary computes it.
    const rates = bins.map((b) => (!rate || b === undefined ? undefined : rateOf(b.sum, b.n)));
    const runsText = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
    const tip = (b: Bin, at: number, where: string) => {
      const mean = means[at];
      const r = rates[at];
      const value =
        mean === undefined
          ? `no value over ${runsText(b.n)}`
          : r === undefined
            ? `${fmt(mean)} over ${runsText(b.n)}`
            : `${fmt(mean)} over ${runsText(b.n)} (${r.successes} of ${r.n}), 95% interval ${intervalText(r)}`;
      return `${where}\n${m.label}: ${value}${b.runs !== b.n ? ` (${b.runs} runs in the cell)` : ''}\nclick: run seed ${b.first[seedAt] as number}`;
    };
    // The hovered or focused cell's text in full, above the chart (a tooltip the eye and a screenshot can read).
    const hint = HOVER_HINT.replace('a cell', yi < 0 ? 'a point' : 'a cell');
    const readout = el('p', hint, 'note sweep-readout');
    const show = (node: Element | null, text: string | undefined) => {
      for (const c of body.querySelectorAll('.cell.hover')) c.classList.remove('hover');
      node?.classList.add('hover');
      readout.textContent = text ?? hint;
      // A heatmap's cell outlined above its neighbours (moving the cell itself would lose its focus).
      const outline = svgNode.querySelector('.cell-outline');
      if (outline === null) return;
      outline.setAttribute('visibility', node?.tagName === 'rect' ? 'visible' : 'hidden');
      if (node?.tagName === 'rect')
        for (const a of ['x', 'y', 'width', 'height'])
          outline.setAttribute(a, node.getAttribute(a) ?? '0');
    };
    const interactive = (node: Element, b: Bin, text: string) => {
      select(node)
        .attr('tabindex', 0)
        .attr('role', 'button')
        .attr('aria-label', text.replaceAll('\n', '; '))
        .style('cursor', 'pointer')
        .on('click', () => pick(b.first))
        .on('keydown', (e: KeyboardEvent) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            pick(b.first);
          }
        })
        .on('mouseenter focus', () => show(node, text))
        .on('mouseleave blur', () => show(null, undefined));
    };
    const svgNode = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    const svg = select(svgNode).attr('class', 'chart sweep-chart');

    if (yi < 0) {
      // One varied parameter (or none): a line chart of the metric over it.
      const H = 320;
      const M = { top: 16, right: 24, bottom: 48, left: 64 };
      svg.attr('width', width).attr('height', H);
      const numeric = xs.every((v) => typeof v === 'number');
      const lin = scaleLinear()
        .domain(numeric && xs.length > 0 ? [xs[0] as number, xs.at(-1) as number] : [0, 1])
        .range([M.left, width - M.right]);
      const pt = scalePoint<string>()
        .domain(xs.map(key))
        .range([M.left, width - M.right])
        .padding(0.5);
      const xOf = (i: number) => (numeric ? lin(xs[i] as number) : (pt(key(xs[i])) ?? M.left));
      const y = scaleLinear()
        .domain(rate ? [0, 1] : [Math.min(0, lo), hi])
        .nice()
        .range([H - M.bottom, M.top]);
      svg
        .append('g')
        .attr('transform', `translate(0,${H - M.bottom})`)
        .call(
          numeric
            ? axisBottom(lin).ticks(Math.max(2, Math.floor(width / 80)))
            : axisBottom(pt).tickFormat((k) => short(valueText(JSON.parse(k) as Json), 14)),
        );
      svg
        .append('g')
        .attr('transform', `translate(${M.left},0)`)
        .call(
          axisLeft(y)
            .ticks(5)
            .tickFormat((d) => fmt(Number(d))),
        );
      svg
        .append('text')
        .attr('class', 'axis-title')
        .attr('x', (M.left + width - M.right) / 2)
        .attr('y', H - 10)
        .attr('text-anchor', 'middle')
        .text(state.x ?? 'all runs');
      const points: [number, number, number][] = [];
      means.forEach((v, i) => {
        if (v !== undefined) points.push([xOf(i), y(v), i]);
      });
      svg
        .append('path')
        .datum(points)
        .attr('fill', 'none')
        .attr('stroke', '#2f6fb0')
        .attr('stroke-width', 1.8)
        .attr(
          'd',
          line<[number, number, number]>()
            .x((p) => p[0])
            .y((p) => p[1]),
        );
      // A rate's 95% interval as a whisker through its point.
      for (const [px, , i] of points) {
        const r = rates[i];
        if (r === undefined) continue;
        svg
          .append('line')
          .attr('class', 'interval')
          .attr('x1', px)
          .attr('x2', px)
          .attr('y1', y(r.low))
          .attr('y2', y(r.high))
          .attr('stroke', '#2f6fb0')
          .attr('stroke-opacity', 0.45)
          .attr('stroke-width', points.length > 200 ? 1 : 3);
      }
      for (const [px, py, i] of points) {
        const b = bins[i] as Bin;
        const r = rates[i];
        const c = svg
          .append('circle')
          .attr('class', 'cell point')
          .attr('cx', px)
          .attr('cy', py)
          .attr('r', points.length > 200 ? 2.5 : 5)
          .attr('fill', '#2f6fb0')
          .attr('data-x', key(xs[i]))
          .attr('data-value', String(means[i]))
          .attr('data-runs', String(b.n))
          .attr('data-seed', String(b.first[seedAt]));
        if (r !== undefined) c.attr('data-low', String(r.low)).attr('data-high', String(r.high));
        interactive(
          c.node() as Element,
          b,
          tip(b, i, state.x === undefined ? 'all runs' : `${state.x} = ${valueText(xs[i])}`),
        );
      }
      body.append(readout, svgNode);
      return;
    }

    // Two or more varied parameters: a heatmap over the chosen two.
    const M = { top: 30, right: 100, bottom: 56, left: 110 };
    const cw = Math.max(4, Math.min(110, Math.floor((width - M.left - M.right) / xs.length)));
    const ch = Math.max(4, Math.min(56, Math.floor(480 / ys.length)));
    const plotW = cw * xs.length;
    const plotH = ch * ys.length;
    svg
      .attr('width', M.left + plotW + M.right)
      .attr('height', M.top + Math.max(plotH, 80) + M.bottom);
    svg.append('text').attr('class', 'chart-title').attr('x', M.left).attr('y', 16).text(m.label);
    const labelsIn = cw >= 38 && ch >= 16;
    // Room for a second line in the cell: the rate's interval and n.
    const detailIn = rate && cw >= 84 && ch >= 40;
    const cells = svg.append('g').attr('class', 'cells');
    bins.forEach((b, at) => {
      if (b === undefined) return;
      const cx = at % xs.length;
      const cy = Math.floor(at / xs.length);
      const mean = means[at];
      const px = M.left + cx * cw;
      // The first y value at the bottom, as on a chart.
      const py = M.top + (ys.length - 1 - cy) * ch;
      const r = rates[at];
      const g = cells.append('g');
      const rect = g
        .append('rect')
        .attr('class', 'cell')
        .attr('x', px)
        .attr('y', py)
        .attr('width', Math.max(1, cw - 1))
        .attr('height', Math.max(1, ch - 1))
        .attr('fill', mean === undefined ? '#d7d7d2' : colour(mean))
        .attr('data-x', key(xs[cx]))
        .attr('data-y', key(ys[cy]))
        .attr('data-value', mean === undefined ? '' : String(mean))
        .attr('data-runs', String(b.n))
        .attr('data-seed', String(b.first[seedAt]));
      if (r !== undefined) rect.attr('data-low', String(r.low)).attr('data-high', String(r.high));
      interactive(
        rect.node() as Element,
        b,
        tip(b, at, `${state.x} = ${valueText(xs[cx])}, ${state.y} = ${valueText(ys[cy])}`),
      );
      if (labelsIn && mean !== undefined) {
        const ink = (mean - lo) / (hi - lo) < 0.55 ? '#fff' : '#111';
        const two = detailIn && r !== undefined;
        g.append('text')
          .attr('class', 'cell-label')
          .attr('x', px + cw / 2)
          .attr('y', py + ch / 2 - (two ? 8 : 0))
          .attr('text-anchor', 'middle')
          .attr('dominant-baseline', 'central')
          .attr('pointer-events', 'none')
          .attr('font-size', 13)
          .attr('font-weight', 600)
          .attr('fill', ink)
          .text(fmt(mean));
        if (two)
          g.append('text')
            .attr('class', 'cell-detail')
            .attr('x', px + cw / 2)
            .attr('y', py + ch / 2 + 9)
            .attr('text-anchor', 'middle')
            .attr('dominant-baseline', 'central')
            .attr('pointer-events', 'none')
            .attr('font-size', 10)
            .attr('fill', ink)
            .text(`${intervalText(r)} · n ${r.n}`);
      }
    });
    svg
      .append('rect')
      .attr('class', 'cell-outline')
      .attr('fill', 'none')
      .attr('stroke', '#e8590c')
      .attr('stroke-width', 3)
      .attr('pointer-events', 'none')
      .attr('visibility', 'hidden');
    // Axis labels: every k-th value, so labels do not overlap.
    const xEvery = Math.max(1, Math.ceil(44 / cw));
    const yEvery = Math.max(1, Math.ceil(14 / ch));
    const xAxis = svg.append('g').attr('class', 'x-labels');
    xs.forEach((v, i) => {
      if (i % xEvery !== 0) return;
      xAxis
        .append('text')
        .attr('x', M.left + i * cw + cw / 2)
        .attr('y', M.top + plotH + 16)
        .attr('text-anchor', 'middle')
        .text(short(valueText(v), Math.max(4, Math.floor((cw * xEvery) / 7))));
    });
    const yAxis = svg.append('g').attr('class', 'y-labels');
    ys.forEach((v, i) => {
      if (i % yEvery !== 0) return;
      yAxis
        .append('text')
        .attr('x', M.left - 6)
        .attr('y', M.top + (ys.length - 1 - i) * ch + ch / 2)
        .attr('text-anchor', 'end')
        .attr('dominant-baseline', 'central')
        .text(short(valueText(v), 14));
    });
    svg
      .append('text')
      .attr('class', 'axis-title')
      .attr('x', M.left + plotW / 2)
      .attr('y', M.top + plotH + 42)
      .attr('text-anchor', 'middle')
      .text(state.x ?? '');
    svg
      .append('text')
      .attr('class', 'axis-title')
      .attr('transform', `translate(${M.left - 64},${M.top + plotH / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .text(short(state.y ?? '', 40));
    // The colour legend: a gradient bar with its scale.
    const id = `sweep-gradient-${++gradients}`;
    const grad = svg
      .append('defs')
      .append('linearGradient')
      .attr('id', id)
      .attr('x1', 0)
      .attr('y1', 1)
      .attr('x2', 0)
      .attr('y2', 0);
    for (let k = 0; k <= 10; k++)
      grad
        .append('stop')
        .attr('offset', `${k * 10}%`)
        .attr('stop-color', colour(lo + ((hi - lo) * k) / 10));
    const lx = M.left + plotW + 24;
    const legendH = Math.max(80, Math.min(plotH, 240));
    const legend = svg.append('g').attr('class', 'legend');
    legend
      .append('rect')
      .attr('x', lx)
      .attr('y', M.top)
      .attr('width', 14)
      .attr('height', legendH)
      .attr('fill', `url(#${id})`);
    const ly = scaleLinear()
      .domain([lo, hi])
      .range([M.top + legendH, M.top]);
    legend
      .append('g')
      .attr('transform', `translate(${lx + 14},0)`)
      .call(
        axisRight(ly)
          .ticks(5)
          .tickFormat((d) => fmt(Number(d))),
      );
    body.append(readout, svgNode);
  };

  metricSelect.addEventListener('change', () => {
    state.metric = metrics.find((m) => m.column === metricSelect.value) ?? state.metric;
    draw();
  });
  const onAxis = (changed: 'x' | 'y') => {
    const nx = xSelect.value;
    const ny = ySelect.value;
    // Choosing the other axis's parameter swaps the two.
    if (nx === ny) {
      if (changed === 'x') ySelect.value = state.x as string;
      else xSelect.value = state.y as string;
    }
    state.x = xSelect.value;
    state.y = ySelect.value;
    draw();
  };
  xSelect.addEventListener('change', () => onAxis('x'));
  ySelect.addEventListener('change', () => onAxis('y'));
  controls.addEventListener('submit', (e) => e.preventDefault());
  draw();
  return { element };
}
