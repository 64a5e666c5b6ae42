/**
 * Agent state lanes, on a canvas: for each agent two bars over time, its
 * machine state (from `state` records; grey hatching while it is down) and
 * the value it holds (what it last proposed, held or decided), coloured by
 * value with one d3 ordinal scale. The legend lists the values as text.
 * `setTimeDomain` keeps the time axis in step with the Lamport diagram. The
 * run's fault windows (windows.ts) are shaded: partitions and triggers
 * across every lane, omission and skew on their agent's lane, each labelled
 * in the strip above the lanes. The cursor is a line over the canvas, moved
 * by `setCursor` without redrawing the canvas. When every agent stayed in
 * one state and held no value, the view is one line saying so.
 */
import { scaleLinear, scaleOrdinal, schemePastel2, schemeTableau10 } from 'd3';
import type { Trace } from '../../sim/index.ts';
import { type FaultWindow, faultWindows, WINDOW_FILL, WINDOW_INK } from '../windows.ts';
import { el, jsonText, short, sizeCanvas, type TimeDomain } from './common.ts';

export interface LanesOptions {
  /** Width in CSS pixels; default 1000. */
  readonly width?: number;
  /** The run's fault windows, if already read (default: read from the trace). */
  readonly windows?: readonly FaultWindow[];
}

export interface LanesView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  /** Shows ticks [from, to]. */
  setTimeDomain(domain: TimeDomain): void;
  /** The colour of a held value's key (its JSON text). */
  colourOf(valueKey: string): string;
  /** True when the lanes would say nothing and are folded to one line. */
  readonly folded: boolean;
  /** Moves the cursor line to `tick` (null hides it); the canvas is not redrawn. */
  setCursor(tick: number | null): void;
}

/** One stretch of time with one state or value; `key` undefined while down. */
interface Segment {
  readonly from: number;
  to: number;
  readonly key: string | undefined;
}

const LEFT = 110;
const RIGHT = 24;
const BOTTOM = 26;
/** Height of the strip naming the fault windows, when there are any. */
const STRIP = 30;
/** Windows shaded at most; the note says when some are not. */
const WINDOWS_MAX = 60;
/** Most distinct values listed in the legend. */
const LEGEND_MAX = 24;

export function lanesView(trace: Trace, options: LanesOptions = {}): LanesView {
  const width = options.width ?? 1000;
  const agents = trace.agentIds;
  const laneOf = new Map(agents.map((a, i) => [a, i]));
  const lastTick = Math.max(
    1,
    trace.stop?.tick ?? (trace.length > 0 ? trace.record(trace.length - 1).tick : 1),
  );
  const states: Segment[][] = agents.map(() => []);
  const values: Segment[][] = agents.map(() => []);
  const valueKeys: string[] = [];
  const seen = new Set<string>();
  const extend = (list: Segment[], tick: number, key: string | undefined) => {
    const prev = list.at(-1);
    if (prev !== undefined) {
      if (prev.key === key) return;
      prev.to = tick;
    }
    list.push({ from: tick, to: lastTick + 1, key });
  };
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kindAt(i);
    // state, decide, crash, restart, propose, hold
    if (k !== 8 && k !== 9 && k !== 11 && k !== 12 && k !== 19 && k !== 20) continue;
    const r = trace.record(i);
    const lane = laneOf.get(r.agent as string);
    if (lane === undefined) continue;
    switch (r.kind) {
      case 'state':
        extend(
          states[lane] as Segment[],
          r.tick,
          typeof r.data === 'string' ? r.data : jsonText(r.data),
        );
        break;
      case 'crash':
        extend(states[lane] as Segment[], r.tick, undefined);
        break;
      case 'propose':
      case 'hold':
      case 'decide': {
        const key = jsonText(r.data ?? null);
        if (!seen.has(key)) {
          seen.add(key);
          valueKeys.push(key);
        }
        extend(values[lane] as Segment[], r.tick, key);
        break;
      }
    }
  }
  const valueColour = scaleOrdinal<string, string>().domain(valueKeys).range(schemeTableau10);
  const stateNames = [...new Set(states.flat().map((s) => s.key ?? ''))].sort();
  const stateColour = scaleOrdinal<string, string>().domain(stateNames).range(schemePastel2);

  // Crashes already grey their lane's state bar.
  const allWindows = (options.windows ?? faultWindows(trace)).filter((w) => w.kind !== 'crash');
  const windows = allWindows.slice(0, WINDOWS_MAX);
  const top = windows.length > 0 ? STRIP : 6;
  const rowH = Math.max(6, Math.min(34, 420 / Math.max(1, agents.length)));
  const height = top + agents.length * rowH + BOTTOM;
  let x = scaleLinear()
    .domain([0, lastTick + 1])
    .range([LEFT, width - RIGHT]);

  const element = el('div', undefined, 'view lanes');
  const canvas = el('canvas');
  canvas.setAttribute('aria-label', 'agent state lanes');
  const legend = el('ul', undefined, 'legend');
  for (const key of valueKeys.slice(0, LEGEND_MAX)) {
    const item = el('li');
    const swatch = el('span', undefined, 'swatch');
    swatch.style.background = valueColour(key);
    item.append(swatch, el('span', short(key, 40)));
    legend.append(item);
  }
  if (valueKeys.length > LEGEND_MAX)
    legend.append(el('li', `and ${valueKeys.length - LEGEND_MAX} more values`));
  if (valueKeys.length === 0) legend.append(el('li', 'no agent proposed, held or decided a value'));
  const wrap = el('div', undefined, 'canvas-wrap');
  const cursorLine = el('div', undefined, 'cursor-line');
  Object.assign(cursorLine.style, {
    position: 'absolute',
    top: '0',
    width: '2px',
    marginLeft: '-1px',
    height: `${top + agents.length * rowH + 4}px`,
    background: '#1f6feb',
    pointerEvents: 'none',
    display: 'none',
  });
  wrap.append(canvas, cursorLine);
  // Lanes that would show one bar per agent from start to end say nothing: one line instead.
  const folded = valueKeys.length === 0 && states.every((list) => list.length <= 1);
  if (folded)
    element.append(
      el(
        'p',
        'Every agent stayed in one state and held no value, so there are no lanes.',
        'note folded',
      ),
    );
  else
    element.append(
      el('p', 'state (upper bar, named) and held value (lower bar, coloured) per agent', 'note'),
      wrap,
      legend,
    );
  if (!folded && allWindows.length > windows.length)
    element.append(
      el('p', `${windows.length} of ${allWindows.length} fault windows shaded.`, 'note'),
    );
  const ctx = sizeCanvas(canvas, width, height);
  let cursor: number | null = null;
  const placeCursor = () => {
    const [d0, d1] = x.domain() as [number, number];
    if (cursor === null || cursor < d0 || cursor > d1) {
      cursorLine.style.display = 'none';
      return;
    }
    // The canvas has a 1px border: the line sits on the plot's pixel.
    cursorLine.style.left = `${x(cursor) + 1}px`;
    cursorLine.style.display = 'block';
  };

  function draw(): void {
    if (folded) return;
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    const plotW = width - LEFT - RIGHT;
    ctx.save();
    ctx.beginPath();
    ctx.rect(LEFT, 0, plotW, height);
    ctx.clip();
    ctx.font = `${Math.min(11, rowH * 0.45)}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    agents.forEach((_, lane) => {
      const y = top + lane * rowH;
      const half = (rowH - 2) / 2;
      for (const s of states[lane] as Segment[]) {
        const sx = Math.max(LEFT, x(s.from));
        const ex = Math.min(width - RIGHT, x(s.to));
        if (ex < LEFT || sx > width - RIGHT) continue;
        const w = Math.max(1, ex - sx);
        if (s.key === undefined) {
          ctx.fillStyle = '#9a9a9a';
          ctx.fillRect(sx, y, w, half);
          continue;
        }
        ctx.fillStyle = stateColour(s.key);
        ctx.fillRect(sx, y, w, half);
        if (w > 40 && half >= 8) {
          ctx.fillStyle = '#1d232b';
          ctx.fillText(short(s.key, Math.floor(w / 6)), sx + 3, y + half / 2);
        }
      }
      for (const s of values[lane] as Segment[]) {
        const sx = Math.max(LEFT, x(s.from));
        const ex = Math.min(width - RIGHT, x(s.to));
        if (ex < LEFT || sx > width - RIGHT) continue;
        ctx.fillStyle = valueColour(s.key as string);
        ctx.fillRect(sx, y + half, Math.max(1, ex - sx), half);
      }
    });
    // Fault windows over the bars, translucent, with their start marked.
    const laneBottom = top + agents.length * rowH;
    for (const w of windows) {
      const sx = Math.max(LEFT, x(w.fromTick));
      const ex = Math.min(width - RIGHT, x(w.toTick));
      if (ex < LEFT || sx > width - RIGHT) continue;
      const lane = w.agent === undefined || w.kind === 'trigger' ? undefined : laneOf.get(w.agent);
      const y0 = lane === undefined ? top : top + lane * rowH;
      const y1 = lane === undefined ? laneBottom : y0 + rowH;
      ctx.fillStyle = WINDOW_FILL[w.kind];
      ctx.fillRect(sx, y0, Math.max(2, ex - sx), y1 - y0);
      ctx.strokeStyle = WINDOW_INK[w.kind];
      ctx.setLineDash([3, 2]);
      ctx.beginPath();
      ctx.moveTo(sx + 0.5, top - 12);
      ctx.lineTo(sx + 0.5, y1);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.restore();
    // Their names in the strip above, where they fit (two rows).
    ctx.font = '600 11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    const rowEnds = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const w of windows) {
      const sx = x(w.fromTick);
      if (x(w.toTick) < LEFT || sx > width - RIGHT) continue;
      const tx = Math.max(LEFT, sx) + 3;
      const tw = ctx.measureText(w.label).width;
      const row = rowEnds.findIndex((e) => tx >= e + 8);
      if (row < 0 || tx + tw > width - 2) continue;
      rowEnds[row] = tx + tw;
      ctx.fillStyle = WINDOW_INK[w.kind];
      ctx.fillText(w.label, tx, 12 + row * 12);
    }
    if (rowH >= 9) {
      ctx.fillStyle = '#1d232b';
      ctx.font = `${Math.min(13, rowH - 2)}px system-ui, sans-serif`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      agents.forEach((a, lane) => {
        ctx.fillText(short(a, 14), LEFT - 8, top + lane * rowH + rowH / 2 - 1);
      });
    }
    const bottom = top + agents.length * rowH;
    ctx.strokeStyle = '#5b6470';
    ctx.fillStyle = '#5b6470';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.beginPath();
    ctx.moveTo(LEFT, bottom + 2);
    ctx.lineTo(width - RIGHT, bottom + 2);
    for (const t of x.ticks(Math.max(2, Math.floor(plotW / 90)))) {
      if (!Number.isInteger(t)) continue;
      ctx.moveTo(x(t), bottom + 2);
      ctx.lineTo(x(t), bottom + 6);
      ctx.fillText(String(t), x(t), bottom + 8);
    }
    ctx.stroke();
  }

  draw();
  return {
    element,
    canvas,
    setTimeDomain(domain) {
      x = scaleLinear()
        .domain([domain[0], domain[1]])
        .range([LEFT, width - RIGHT]);
      draw();
      placeCursor();
    },
    colourOf: (key) => valueColour(key),
    folded,
    setCursor(tick) {
      cursor = tick;
      placeCursor();
    },
  };
}
