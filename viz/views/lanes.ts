/**
 * Agent state lanes, on a canvas: for each agent two bars over time, its
 * machine state (from `state` records; grey hatching while it is down) and
 * the value it holds (what it last proposed, held or decided), coloured by
 * value with one d3 ordinal scale. The legend lists the values as text.
 * `setTimeDomain` keeps the time axis in step with the Lamport diagram.
 */
import { scaleLinear, scaleOrdinal, schemePastel2, schemeTableau10 } from 'd3';
import type { Trace } from '../../sim/index.ts';
import { el, jsonText, short, sizeCanvas, type TimeDomain } from './common.ts';

export interface LanesOptions {
  /** Width in CSS pixels; default 1000. */
  readonly width?: number;
}

export interface LanesView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  /** Shows ticks [from, to]. */
  setTimeDomain(domain: TimeDomain): void;
  /** The colour of a held value's key (its JSON text). */
  colourOf(valueKey: string): string;
}

/** One stretch of time with one state or value; `key` undefined while down. */
interface Segment {
  readonly from: number;
  to: number;
  readonly key: string | undefined;
}

const LEFT = 110;
const RIGHT = 24;
const TOP = 6;
const BOTTOM = 26;
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

  const rowH = Math.max(6, Math.min(34, 420 / Math.max(1, agents.length)));
  const height = TOP + agents.length * rowH + BOTTOM;
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
  element.append(
    el('p', 'state (upper bar, named) and held value (lower bar, coloured) per agent', 'note'),
    canvas,
    legend,
  );
  const ctx = sizeCanvas(canvas, width, height);

  function draw(): void {
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
      const y = TOP + lane * rowH;
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
    ctx.restore();
    if (rowH >= 9) {
      ctx.fillStyle = '#1d232b';
      ctx.font = `${Math.min(13, rowH - 2)}px system-ui, sans-serif`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      agents.forEach((a, lane) => {
        ctx.fillText(short(a, 14), LEFT - 8, TOP + lane * rowH + rowH / 2 - 1);
      });
    }
    const bottom = TOP + agents.length * rowH;
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
    },
    colourOf: (key) => valueColour(key),
  };
}
