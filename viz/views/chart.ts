/**
 * A small SVG time chart the chart views share: step lines over ticks
 * [0, endTick], the run's fault windows as shaded bands with a label,
 * horizontal reference lines (a budget), and a cursor line with the first
 * line's value beside it. `setCursor` moves two elements and sets one text:
 * cheap enough for every frame of playback. Text goes in with d3's `.text()`
 * (textContent) only.
 */
import { axisBottom, axisLeft, curveStepAfter, format, line, max, scaleLinear, select } from 'd3';
import { type FaultWindow, WINDOW_FILL, WINDOW_INK } from '../windows.ts';

export type Series = readonly (readonly [number, number])[];

export interface ChartLine {
  /** [tick, value] steps: each value holds until the next point; a NaN value leaves a gap. */
  readonly points: Series;
  readonly colour: string;
  readonly dashed?: boolean;
  /** Named in the chart's key when the chart has more than one line. */
  readonly name?: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly width: number;
  readonly height?: number;
  /** The x axis runs over ticks [0, endTick]. */
  readonly endTick: number;
  readonly lines: readonly ChartLine[];
  readonly yFormat: (n: number) => string;
  /** The cursor's value label; default yFormat. */
  readonly valueFormat?: (n: number) => string;
  /** Only whole numbers on the y axis. */
  readonly integral?: boolean;
  /** The top of the y axis; default the data's maximum. */
  readonly yMax?: number;
  readonly windows?: readonly FaultWindow[];
  /** Horizontal reference lines, such as a budget. */
  readonly rules?: readonly { readonly value: number; readonly label: string }[];
}

export interface Chart {
  readonly node: SVGSVGElement;
  /**
   * Moves the cursor line to `tick` (null hides it), labelled with `value`
   * (default: the first line's value at that tick).
   */
  setCursor(tick: number | null, value?: number): void;
  /** The x pixel of `tick`. */
  x(tick: number): number;
}

export const CHART_H = 120;
const M = { top: 20, right: 16, bottom: 22, left: 48 };
/** Bands drawn per chart at most; the title says when some are not. */
const BANDS_MAX = 40;
const CURSOR = '#1f6feb';
const RULE = '#b3261e';

/** The value of steps `points` at `tick` (undefined before the first). Pure, O(log n). */
export function valueAt(points: Series, tick: number): number | undefined {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((points[mid] as readonly [number, number])[0] <= tick) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : (points[lo - 1] as readonly [number, number])[1];
}

export function timeChart(o: ChartOptions): Chart {
  const width = o.width;
  const height = o.height ?? CHART_H;
  const svg = select(document.createElementNS('http://www.w3.org/2000/svg', 'svg'))
    .attr('width', width)
    .attr('height', height)
    .attr('class', 'chart');
  const end = Math.max(1, o.endTick);
  const x = scaleLinear()
    .domain([0, end])
    .range([M.left, width - M.right]);
  // Steps hold their value to the end of the run.
  const drawn = o.lines.map((l) => {
    const pts: [number, number][] = l.points.map(([t, v]) => [t, v]);
    const last = pts.at(-1);
    if (last !== undefined && last[0] < end) pts.push([end, last[1]]);
    return pts;
  });
  const dataMax = max(drawn.flat(), (p) => (Number.isFinite(p[1]) ? p[1] : 0)) ?? 1;
  const ruleMax = max(o.rules ?? [], (r) => r.value) ?? 0;
  const top = o.yMax ?? Math.max(1, dataMax, ruleMax);
  const y = scaleLinear()
    .domain([0, top])
    .nice()
    .range([height - M.bottom, M.top]);
  const plotTop = M.top;
  const plotBottom = height - M.bottom;

  // Bands under everything, labels in up to two rows where they fit.
  const windows = o.windows ?? [];
  const bandG = svg.append('g').attr('class', 'bands');
  const rowEnds = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const w of windows.slice(0, BANDS_MAX)) {
    const x0 = x(Math.min(end, w.fromTick));
    const x1 = Math.max(x0 + 2, x(Math.min(end, w.toTick)));
    const g = bandG
      .append('g')
      .attr('class', `band band-${w.kind}`)
      .attr('data-from', w.fromTick)
      .attr('data-to', w.toTick);
    g.append('rect')
      .attr('x', x0)
      .attr('y', plotTop)
      .attr('width', x1 - x0)
      .attr('height', plotBottom - plotTop)
      .attr('fill', WINDOW_FILL[w.kind]);
    g.append('line')
      .attr('x1', x0)
      .attr('x2', x0)
      .attr('y1', plotTop)
      .attr('y2', plotBottom)
      .attr('stroke', WINDOW_INK[w.kind])
      .attr('stroke-width', 1)
      .attr('stroke-dasharray', '3 2');
    g.append('title').text(
      `${w.label}: ticks ${w.fromTick} to ${w.toSeq === undefined ? 'the end' : w.toTick}`,
    );
    const textW = w.label.length * 6.2;
    const row = rowEnds.findIndex((e) => x0 + 3 >= e + 6);
    if (row >= 0 && x0 + 3 + textW <= width - M.right) {
      rowEnds[row] = x0 + 3 + textW;
      g.append('text')
        .attr('class', 'band-label')
        .attr('x', x0 + 3)
        .attr('y', plotTop + 11 + row * 12)
        .attr('font-size', 10.5)
        .attr('font-weight', 600)
        .attr('fill', WINDOW_INK[w.kind])
        .attr('paint-order', 'stroke')
        .attr('stroke', '#ffffff')
        .attr('stroke-width', 3)
        .text(w.label);
    }
  }

  const more =
    windows.length > BANDS_MAX ? ` (${BANDS_MAX} of ${windows.length} windows shaded)` : '';
  const titleText = svg
    .append('text')
    .attr('x', M.left)
    .attr('y', 13)
    .attr('class', 'chart-title')
    .text(`${o.title}${more}`);
  // A key when there are several lines, after the title.
  if (o.lines.length > 1) {
    let kx = M.left + (titleText.node()?.getComputedTextLength?.() || o.title.length * 6.5) + 16;
    for (const l of o.lines) {
      if (l.name === undefined) continue;
      svg
        .append('line')
        .attr('x1', kx)
        .attr('x2', kx + 18)
        .attr('y1', 9)
        .attr('y2', 9)
        .attr('stroke', l.colour)
        .attr('stroke-width', 2)
        .attr('stroke-dasharray', l.dashed ? '5 3' : null);
      const t = svg
        .append('text')
        .attr('x', kx + 22)
        .attr('y', 13)
        .attr('font-size', 11)
        .attr('fill', '#33404d')
        .text(l.name);
      kx += 22 + (t.node()?.getComputedTextLength?.() || l.name.length * 6) + 14;
    }
  }

  svg
    .append('g')
    .attr('transform', `translate(0,${plotBottom})`)
    .call(
      axisBottom(x)
        .tickValues(x.ticks(Math.max(2, Math.floor(width / 90))).filter((t) => Number.isInteger(t)))
        .tickFormat(format('d')),
    )
    .attr('font-size', 11);
  svg
    .append('g')
    .attr('transform', `translate(${M.left},0)`)
    .call(
      axisLeft(y)
        .tickValues(y.ticks(4).filter((t) => !o.integral || Number.isInteger(t)))
        .tickFormat((d) => o.yFormat(Number(d))),
    )
    .attr('font-size', 11);
  for (const r of o.rules ?? []) {
    svg
      .append('line')
      .attr('class', 'rule')
      .attr('x1', M.left)
      .attr('x2', width - M.right)
      .attr('y1', y(r.value))
      .attr('y2', y(r.value))
      .attr('stroke', RULE)
      .attr('stroke-width', 1.5)
      .attr('stroke-dasharray', '6 3');
    svg
      .append('text')
      .attr('x', width - M.right - 4)
      .attr('y', y(r.value) - 4)
      .attr('text-anchor', 'end')
      .attr('font-size', 11)
      .attr('font-weight', 600)
      .attr('fill', RULE)
      .attr('paint-order', 'stroke')
      .attr('stroke', '#ffffff')
      .attr('stroke-width', 3)
      .text(r.label);
  }
  o.lines.forEach((l, i) => {
    svg
      .append('path')
      .datum(drawn[i] as [number, number][])
      .attr('class', 'series')
      .attr('fill', 'none')
      .attr('stroke', l.colour)
      .attr('stroke-width', 2)
      .attr('stroke-dasharray', l.dashed ? '5 3' : null)
      .attr(
        'd',
        line<[number, number]>()
          .defined((p) => Number.isFinite(p[1]))
          .x((p) => x(p[0]))
          .y((p) => y(p[1]))
          .curve(curveStepAfter),
      );
  });
  if (drawn.every((d) => d.length === 0))
    svg
      .append('text')
      .attr('x', M.left + 8)
      .attr('y', height / 2)
      .attr('class', 'chart-empty')
      .text('no data');

  const cursor = svg
    .append('line')
    .attr('class', 'cursor')
    .attr('y1', plotTop - 4)
    .attr('y2', plotBottom)
    .attr('stroke', CURSOR)
    .attr('stroke-width', 2)
    .attr('display', 'none');
  const cursorValue = svg
    .append('text')
    .attr('class', 'cursor-value')
    .attr('y', plotTop + 36)
    .attr('font-size', 13)
    .attr('font-weight', 700)
    .attr('fill', CURSOR)
    .attr('paint-order', 'stroke')
    .attr('stroke', '#ffffff')
    .attr('stroke-width', 3)
    .attr('display', 'none');
  const first = o.lines[0]?.points ?? [];
  const cursorNode = cursor.node() as SVGLineElement;
  const valueNode = cursorValue.node() as SVGTextElement;
  const mid = (M.left + width - M.right) / 2;

  return {
    node: svg.node() as SVGSVGElement,
    x: (tick) => x(tick),
    setCursor(tick, value) {
      if (tick === null) {
        cursorNode.setAttribute('display', 'none');
        valueNode.setAttribute('display', 'none');
        return;
      }
      const cx = x(Math.min(end, Math.max(0, tick)));
      cursorNode.setAttribute('x1', String(cx));
      cursorNode.setAttribute('x2', String(cx));
      cursorNode.setAttribute('data-tick', String(tick));
      cursorNode.removeAttribute('display');
      const v = value ?? valueAt(first, tick);
      if (v === undefined || !Number.isFinite(v)) {
        valueNode.setAttribute('display', 'none');
        return;
      }
      const text = (o.valueFormat ?? o.yFormat)(v);
      if (valueNode.textContent !== text) valueNode.textContent = text;
      valueNode.setAttribute('x', String(cx < mid ? cx + 5 : cx - 5));
      valueNode.setAttribute('text-anchor', cx < mid ? 'start' : 'end');
      valueNode.removeAttribute('display');
    },
  };
}
