/**
 * Convergence over time, as small SVG step charts sharing one time axis:
 * the number of distinct values the honest agents hold (the convergence
 * checker's `metrics.distinct`), the fraction of agents infected (the
 * infection checker's `metrics.infected`) when any agent ever followed an
 * injected instruction, and the cumulative spend when the run spent
 * anything. Beside them, the run's verdicts with their status; clicking one
 * calls `onVerdict` (the page highlights its records in the Lamport
 * diagram). Text goes in with d3's `.text()` (textContent) only.
 */
import { axisBottom, axisLeft, curveStepAfter, format, line, max, scaleLinear, select } from 'd3';
import type { CheckSpec, Json, Judged, Trace, Verdict } from '../../sim/index.ts';
import { check, viewOf } from '../../sim/index.ts';
import { el } from './common.ts';

export interface ConvergenceOptions {
  /** Width of the whole view in CSS pixels; default 1000. */
  readonly width?: number;
  /** The verdicts to list (normally `judge(trace).verdicts`); none when absent. */
  readonly verdicts?: readonly Judged[];
  /** Called when a verdict is clicked. */
  readonly onVerdict?: (verdict: Judged) => void;
}

export interface ConvergenceView {
  readonly element: HTMLElement;
  /** Titles of the charts drawn, in order. */
  readonly charts: readonly string[];
}

type Series = readonly (readonly [number, number])[];

const CHART_H = 110;
const M = { top: 20, right: 16, bottom: 22, left: 44 };

function series(v: Json | undefined): Series {
  if (!Array.isArray(v)) return [];
  const out: [number, number][] = [];
  for (const p of v)
    if (Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number')
      out.push([p[0], p[1]]);
  return out;
}

function chart(
  title: string,
  data: Series,
  lastTick: number,
  width: number,
  yFormat: (n: number) => string,
  integral: boolean,
  yMax?: number,
): SVGSVGElement {
  const svg = select(document.createElementNS('http://www.w3.org/2000/svg', 'svg'))
    .attr('width', width)
    .attr('height', CHART_H)
    .attr('class', 'chart');
  const last = data.at(-1);
  // Steps hold their value to the end of the run.
  const points: [number, number][] = data.map(([t, v]) => [t, v]);
  const end = lastTick + 1;
  if (last !== undefined && last[0] < end) points.push([end, last[1]]);
  const x = scaleLinear()
    .domain([0, end])
    .range([M.left, width - M.right]);
  const top = yMax ?? Math.max(1, max(points, (p) => p[1]) ?? 1);
  const y = scaleLinear()
    .domain([0, top])
    .nice()
    .range([CHART_H - M.bottom, M.top]);
  svg.append('text').attr('x', M.left).attr('y', 12).attr('class', 'chart-title').text(title);
  svg
    .append('g')
    .attr('transform', `translate(0,${CHART_H - M.bottom})`)
    .call(
      axisBottom(x)
        .tickValues(x.ticks(Math.max(2, Math.floor(width / 90))).filter((t) => Number.isInteger(t)))
        .tickFormat(format('d')),
    );
  svg
    .append('g')
    .attr('transform', `translate(${M.left},0)`)
    .call(
      axisLeft(y)
        .tickValues(y.ticks(4).filter((t) => !integral || Number.isInteger(t)))
        .tickFormat((d) => yFormat(Number(d))),
    );
  svg
    .append('path')
    .datum(points)
    .attr('fill', 'none')
    .attr('stroke', '#2f6fb0')
    .attr('stroke-width', 1.8)
    .attr(
      'd',
      line<[number, number]>()
        .x((p) => x(p[0]))
        .y((p) => y(p[1]))
        .curve(curveStepAfter),
    );
  if (points.length === 0)
    svg
      .append('text')
      .attr('x', M.left + 8)
      .attr('y', CHART_H / 2)
      .attr('class', 'chart-empty')
      .text('no data');
  return svg.node() as SVGSVGElement;
}

export function convergenceView(trace: Trace, options: ConvergenceOptions = {}): ConvergenceView {
  const width = options.width ?? 1000;
  const view = viewOf(trace);
  const lastTick = view.lastTick;
  const checks = (trace.manifest.spec as { checks?: CheckSpec[] } | null)?.checks ?? [];
  const optionsOf = (property: string) => checks.find((c) => c.property === property)?.options;
  const converge: Verdict = check(view, 'convergence', optionsOf('convergence'));
  const infection: Verdict = check(view, 'infection', optionsOf('infection'));

  const element = el('div', undefined, 'view convergence');
  const plots = el('div', undefined, 'plots');
  const side = el('div', undefined, 'side');
  element.append(plots, side);
  const plotW = Math.max(320, width - 340);
  const titles: string[] = [];
  const add = (title: string, node: SVGSVGElement) => {
    titles.push(title);
    plots.append(node);
  };

  const whole = format('d');
  const distinct = series(converge.metrics?.['distinct']);
  add(
    'distinct values held by honest agents',
    chart('distinct values held by honest agents', distinct, lastTick, plotW, whole, true),
  );
  const infected = series(infection.metrics?.['infected']);
  if (infected.some(([, f]) => f > 0))
    add(
      'fraction of agents infected',
      chart('fraction of agents infected', infected, lastTick, plotW, format('.0%'), false, 1),
    );
  const spend: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < trace.length; i++) {
    if (trace.kindAt(i) !== 24) continue; // Kind.spend
    const r = trace.record(i);
    const d = r.data as { amount?: Json; outcome?: Json } | undefined;
    if (d?.outcome !== 'done' || typeof d.amount !== 'number') continue;
    total += d.amount;
    if (spend.at(-1)?.[0] === r.tick) (spend.at(-1) as [number, number])[1] = total;
    else spend.push([r.tick, total]);
  }
  if (spend.length > 0)
    add('cumulative spend', chart('cumulative spend', spend, lastTick, plotW, format('~s'), false));

  side.append(el('h3', 'verdicts'));
  const list = el('ul', undefined, 'verdicts');
  for (const v of options.verdicts ?? []) {
    const mark = v.expect === undefined ? '·' : v.met ? '✓' : '✗';
    const item = el('li', undefined, v.met ? 'met' : 'unmet');
    const button = el('button', undefined, 'verdict');
    button.type = 'button';
    button.title = `${v.records.length} records; click to highlight them in the diagram`;
    button.append(
      el('span', `${mark} ${v.property}: `, 'property'),
      el('span', v.status, `status ${v.status}`),
      el('span', v.expect === undefined ? '' : ` (expected ${v.expect})`),
    );
    item.append(button, el('div', v.summary, 'summary-line'));
    button.addEventListener('click', () => {
      for (const b of list.querySelectorAll('button.verdict')) b.classList.remove('active');
      button.classList.add('active');
      options.onVerdict?.(v);
    });
    list.append(item);
  }
  if ((options.verdicts ?? []).length === 0) list.append(el('li', 'no checks'));
  side.append(list);
  return { element, charts: titles };
}
