/**
 * The space-time (Lamport) diagram of a trace, on a canvas: one horizontal
 * lane per agent, time running left to right. Each message copy is an arrow
 * from its send to its delivery; a lost copy ends in a cross halfway; a
 * duplicate copy is dashed. An agent's crash shades its lane until it
 * restarts; a partition shades a band across all lanes until it heals; a
 * decision is a green dot labelled with its value; a read of outside
 * content is a square, a use of a capability a diamond (filled when done).
 * It opens on the stretch where messages, decisions and faults are. Wheel or drag to zoom
 * and pan in time. When more than `detailMax` messages are in view they are
 * drawn as thin lines without heads; past `messagesMax` the rest are not
 * drawn and a note says how many. Hovering a message shows what it carried
 * (and its provenance when the trust model is on); clicking a decision or a
 * message highlights its causal past (see `causalPast`). All text from the
 * trace reaches the page as textContent or canvas text, never as HTML.
 */
import { scaleLinear, select, type ZoomTransform, zoom, zoomIdentity } from 'd3';
import type { Trace, TraceRecord } from '../../sim/index.ts';
import { el, jsonText, short, sizeCanvas, type TimeDomain } from './common.ts';

export interface LamportOptions {
  /** Width in CSS pixels; default 1000. */
  readonly width?: number;
  /** More messages than this in view are drawn thin and headless; default 1,500. */
  readonly detailMax?: number;
  /** Most messages drawn in one frame; the rest are counted in the note; default 20,000. */
  readonly messagesMax?: number;
}

/** What the last frame drew. */
export interface LamportStats {
  /** Message copies (deliveries and losses) whose span meets the time in view. */
  readonly inView: number;
  readonly drawn: number;
  readonly notDrawn: number;
  /** Whether messages were drawn with full detail (arrow heads, normal width). */
  readonly detailed: boolean;
}

export interface LamportView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  /** What the last frame drew. */
  stats(): LamportStats;
  /** Highlights these records (null or empty clears); redraws. */
  highlight(seqs: Iterable<number> | null): void;
  highlighted(): ReadonlySet<number>;
  /** Where record `seq` sits on the canvas, in CSS pixels from its top left (undefined if it has no place). */
  pointOf(seq: number): { x: number; y: number } | undefined;
  /** The time in view. */
  timeDomain(): TimeDomain;
  /** Called with the time in view after every zoom or pan. */
  onTimeChange(listener: (domain: TimeDomain) => void): void;
  /**
   * Marks playback's position: a line at `tick`, the time after it veiled;
   * pans to keep it in view. null removes it.
   */
  setCursor(tick: number | null): void;
}

/** Message copy flags. */
const DROPPED = 1;
const DUPLICATE = 2;

const LEFT = 110;
const RIGHT = 24;
const TOP = 28;
const BOTTOM = 30;

const COLOURS = {
  lane: '#c9ccd1',
  label: '#1d232b',
  axis: '#5b6470',
  message: '#2b3440',
  duplicate: '#6b4fa0',
  dropped: '#c0392b',
  crash: 'rgba(120, 120, 120, 0.35)',
  partition: 'rgba(230, 150, 40, 0.13)',
  decide: '#1b7f3b',
  act: '#7b2d8b',
  highlight: '#e8590c',
  cursor: '#1f6feb',
  future: 'rgba(247, 247, 245, 0.72)',
} as const;

/** The send record of each message id, by id. */
export function sendsByMsg(trace: Trace): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < trace.length; i++) {
    if (trace.kindAt(i) !== 1) continue; // Kind.send
    const r = trace.record(i);
    if (r.msg !== undefined) out.set(r.msg, i);
  }
  return out;
}

/**
 * The causal past of record `seq` (Lamport's happened-before, and the record
 * itself): follow `cause` links back, go from a delivery to the send of the
 * same message id, and take every earlier record of an agent once one of its
 * records is in the past (an agent's records are in its own order). Linear in
 * the trace: each agent's records are scanned once.
 */
export function causalPast(
  trace: Trace,
  seq: number,
  sends: ReadonlyMap<number, number> = sendsByMsg(trace),
): Set<number> {
  const agents = new Map(trace.agentIds.map((a, i) => [a, i]));
  // Records of each agent in order, and records about no agent.
  const byAgent: number[][] = trace.agentIds.map(() => []);
  const agentOf = new Int32Array(trace.length).fill(-1);
  for (let i = 0; i < trace.length; i++) {
    const a = trace.record(i).agent;
    const lane = a === undefined ? undefined : agents.get(a);
    if (lane === undefined) continue;
    agentOf[i] = lane;
    (byAgent[lane] as number[]).push(i);
  }
  const out = new Set<number>();
  /** How many of each agent's records (a prefix) are already in the past. */
  const done = new Int32Array(trace.agentIds.length);
  const stack = [seq];
  const visit = (s: number) => {
    const r = trace.record(s);
    if (r.cause !== undefined) stack.push(r.cause);
    if ((r.kind === 'deliver' || r.kind === 'drop') && r.msg !== undefined) {
      const send = sends.get(r.msg);
      if (send !== undefined) stack.push(send);
    }
  };
  while (stack.length > 0) {
    const s = stack.pop() as number;
    const lane = agentOf[s] as number;
    if (lane < 0) {
      if (!out.has(s)) {
        out.add(s);
        visit(s);
      }
      continue;
    }
    const list = byAgent[lane] as number[];
    let k = done[lane] as number;
    for (; k < list.length && (list[k] as number) <= s; k++) {
      const t = list[k] as number;
      out.add(t);
      visit(t);
    }
    done[lane] = k;
  }
  return out;
}

interface Span {
  readonly lane: number;
  readonly from: number;
  readonly to: number;
}

interface Band {
  readonly seq: number;
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

interface Mark {
  readonly seq: number;
  readonly lane: number;
  readonly tick: number;
  readonly label: string;
}

export function lamportView(trace: Trace, options: LamportOptions = {}): LamportView {
  const width = options.width ?? 1000;
  const detailMax = options.detailMax ?? 1500;
  const messagesMax = options.messagesMax ?? 20_000;
  const agents = trace.agentIds;
  const laneOf = new Map(agents.map((a, i) => [a, i]));
  const lastTick = Math.max(
    1,
    trace.stop?.tick ?? (trace.length > 0 ? trace.record(trace.length - 1).tick : 1),
  );

  // ---- read the trace once into columns ----
  const sends = sendsByMsg(trace);
  const copies: {
    seq: number;
    send: number;
    from: number;
    to: number;
    t0: number;
    t1: number;
    flags: number;
  }[] = [];
  const crashes: Span[] = [];
  const bands: Band[] = [];
  const decisions: Mark[] = [];
  /** Outside reads (`content`) and capability uses (`act`). */
  const acts: (Mark & { readonly act: boolean; readonly done: boolean; readonly row: number })[] =
    [];
  /** How many reads and acts already sit at one agent and tick, so labels stack. */
  const actRows = new Map<string, number>();
  const down = new Map<number, number>();
  const partitionAt = new Map<number, { tick: number; text: string }>();
  const laneOfRecord = new Map<number, { lane: number; tick: number }>();
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kindAt(i);
    // Skip the kinds the diagram does not draw without building them.
    if (k === 5 || k === 7 || k === 6 || k === 8) {
      // timer.set, timer.cancel, timer.fire, state: only placed, for highlights.
      continue;
    }
    const r: TraceRecord = trace.record(i);
    switch (r.kind) {
      case 'deliver':
      case 'drop': {
        if (r.msg === undefined || r.cause === undefined) break;
        const origin = trace.record(r.cause);
        const sendSeq = sends.get(r.msg);
        if (sendSeq === undefined) break;
        const send = trace.record(sendSeq);
        const dropped = r.kind === 'drop';
        const fromId = send.agent;
        const toId = send.peer;
        const from = laneOf.get(fromId as string);
        const to = laneOf.get(toId as string);
        if (from === undefined || to === undefined) break;
        copies.push({
          seq: i,
          send: sendSeq,
          from,
          to,
          t0: send.tick,
          t1: dropped ? Math.max(r.tick, send.tick + 1) : r.tick,
          flags: (dropped ? DROPPED : 0) | (origin.kind === 'duplicate' ? DUPLICATE : 0),
        });
        break;
      }
      case 'crash': {
        const lane = laneOf.get(r.agent as string);
        if (lane !== undefined) down.set(lane, r.tick);
        break;
      }
      case 'restart': {
        const lane = laneOf.get(r.agent as string);
        const from = lane === undefined ? undefined : down.get(lane);
        if (lane !== undefined && from !== undefined) {
          crashes.push({ lane, from, to: r.tick });
          down.delete(lane);
        }
        break;
      }
      case 'partition':
        partitionAt.set(i, { tick: r.tick, text: `partition ${jsonText(r.data)}` });
        break;
      case 'heal': {
        const p = r.cause === undefined ? undefined : partitionAt.get(r.cause);
        if (p !== undefined && r.cause !== undefined) {
          bands.push({ seq: r.cause, from: p.tick, to: r.tick, text: p.text });
          partitionAt.delete(r.cause);
        }
        break;
      }
      case 'content':
      case 'act': {
        const lane = laneOf.get(r.agent as string);
        const d = (r.data ?? {}) as Record<string, unknown>;
        const at = `${lane}@${r.tick}`;
        const row = actRows.get(at) ?? 0;
        actRows.set(at, row + 1);
        if (lane !== undefined)
          acts.push({
            row,
            seq: i,
            lane,
            tick: r.tick,
            act: r.kind === 'act',
            done: d['outcome'] === 'done',
            label: short(
              r.kind === 'act'
                ? `${String(d['capability'])} ${String(d['outcome'])}`
                : `read ${String(d['source'])}`,
              28,
            ),
          });
        break;
      }
      case 'decide': {
        const lane = laneOf.get(r.agent as string);
        if (lane !== undefined)
          decisions.push({ seq: i, lane, tick: r.tick, label: short(jsonText(r.data), 18) });
        break;
      }
    }
  }
  for (const [lane, from] of down) crashes.push({ lane, from, to: lastTick });
  for (const [seq, p] of partitionAt) bands.push({ seq, from: p.tick, to: lastTick, text: p.text });
  const n = copies.length;
  const t0 = new Float64Array(n);
  const t1 = new Float64Array(n);
  const fromLane = new Int32Array(n);
  const toLane = new Int32Array(n);
  const flags = new Uint8Array(n);
  const copySeq = new Int32Array(n);
  const copySend = new Int32Array(n);
  copies.forEach((c, j) => {
    t0[j] = c.t0;
    t1[j] = c.t1;
    fromLane[j] = c.from;
    toLane[j] = c.to;
    flags[j] = c.flags;
    copySeq[j] = c.seq;
    copySend[j] = c.send;
  });

  // ---- layout ----
  const laneH = Math.max(6, Math.min(48, 520 / Math.max(1, agents.length)));
  const height = TOP + agents.length * laneH + BOTTOM;
  const laneY = (lane: number) => TOP + (lane + 0.5) * laneH;
  const x0 = scaleLinear()
    .domain([0, lastTick + 1])
    .range([LEFT, width - RIGHT]);
  let x = x0.copy();

  const element = el('div', undefined, 'view lamport');
  const note = el('p', '', 'note lod');
  const wrap = el('div', undefined, 'canvas-wrap');
  const canvas = el('canvas');
  canvas.setAttribute('aria-label', 'space-time diagram');
  const tooltip = el('div', '', 'tooltip');
  tooltip.hidden = true;
  wrap.append(canvas, tooltip);
  element.append(note, wrap);
  const ctx = sizeCanvas(canvas, width, height);

  let highlight = new Set<number>();
  let cursor: number | null = null;
  let last: LamportStats = { inView: 0, drawn: 0, notDrawn: 0, detailed: true };
  /** Indices of the copies drawn in the last frame, for hit tests. */
  let drawnIdx = new Int32Array(0);
  const listeners: ((d: TimeDomain) => void)[] = [];

  /** Where a copy's line ends: the receiver, or halfway for a lost copy. */
  const endOf = (j: number): [number, number, number, number] => {
    const ax = x(t0[j] as number);
    const ay = laneY(fromLane[j] as number);
    let bx = x(t1[j] as number);
    let by = laneY(toLane[j] as number);
    if ((flags[j] as number) & DROPPED) {
      bx = (ax + bx) / 2;
      by = (ay + by) / 2;
    }
    return [ax, ay, bx, by];
  };

  const arrowHead = (ax: number, ay: number, bx: number, by: number, size: number) => {
    const angle = Math.atan2(by - ay, bx - ax);
    ctx.moveTo(bx, by);
    ctx.lineTo(bx - size * Math.cos(angle - 0.45), by - size * Math.sin(angle - 0.45));
    ctx.lineTo(bx - size * Math.cos(angle + 0.45), by - size * Math.sin(angle + 0.45));
    ctx.closePath();
  };

  const cross = (cx: number, cy: number, s: number) => {
    ctx.moveTo(cx - s, cy - s);
    ctx.lineTo(cx + s, cy + s);
    ctx.moveTo(cx - s, cy + s);
    ctx.lineTo(cx + s, cy - s);
  };

  function draw(): void {
    const [d0, d1] = x.domain() as [number, number];
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    const plotW = width - RIGHT - LEFT;
    const lanesBottom = TOP + agents.length * laneH;

    // Partitions and crashes under everything else.
    ctx.save();
    ctx.beginPath();
    ctx.rect(LEFT, 0, plotW, height);
    ctx.clip();
    ctx.fillStyle = COLOURS.partition;
    for (const b of bands) {
      const bx = x(b.from);
      ctx.fillRect(bx, TOP, Math.max(2, x(b.to) - bx), lanesBottom - TOP);
    }
    ctx.fillStyle = COLOURS.crash;
    for (const c of crashes) {
      const cx = x(c.from);
      ctx.fillRect(cx, laneY(c.lane) - laneH * 0.3, Math.max(2, x(c.to) - cx), laneH * 0.6);
    }
    ctx.restore();

    // Lanes and labels.
    ctx.strokeStyle = COLOURS.lane;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < agents.length; i++) {
      ctx.moveTo(LEFT, laneY(i));
      ctx.lineTo(width - RIGHT, laneY(i));
    }
    ctx.stroke();
    if (laneH >= 9) {
      ctx.fillStyle = COLOURS.label;
      ctx.font = `${Math.min(13, laneH - 2)}px system-ui, sans-serif`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      agents.forEach((a, i) => {
        ctx.fillText(short(a, 14), LEFT - 8, laneY(i));
      });
    }

    // Time axis.
    ctx.fillStyle = COLOURS.axis;
    ctx.strokeStyle = COLOURS.axis;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.beginPath();
    ctx.moveTo(LEFT, lanesBottom + 4);
    ctx.lineTo(width - RIGHT, lanesBottom + 4);
    for (const t of x.ticks(Math.max(2, Math.floor(plotW / 90)))) {
      if (!Number.isInteger(t)) continue;
      ctx.moveTo(x(t), lanesBottom + 4);
      ctx.lineTo(x(t), lanesBottom + 8);
      ctx.fillText(String(t), x(t), lanesBottom + 10);
    }
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText('tick', LEFT - 8, lanesBottom + 10);

    // Messages.
    let inView = 0;
    for (let j = 0; j < n; j++) if ((t0[j] as number) <= d1 && (t1[j] as number) >= d0) inView++;
    const detailed = inView <= detailMax;
    const dim = highlight.size > 0;
    const picked = new Int32Array(Math.min(inView, messagesMax));
    // Past messagesMax, an even sample across the view: no stretch of time looks empty.
    let drawn = 0;
    for (let j = 0, c = 0; j < n && drawn < picked.length; j++) {
      if ((t0[j] as number) > d1 || (t1[j] as number) < d0) continue;
      if (Math.floor(((c + 1) * picked.length) / inView) > Math.floor((c * picked.length) / inView))
        picked[drawn++] = j;
      c++;
    }
    drawnIdx = picked;

    ctx.save();
    ctx.beginPath();
    ctx.rect(LEFT - 2, 0, plotW + 4, height);
    ctx.clip();
    ctx.globalAlpha = dim ? 0.25 : detailed ? 1 : 0.35;
    const width1 = detailed ? 1 : 0.5;
    const pass = (want: number, colour: string, dash: number[]) => {
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.lineWidth = width1;
      ctx.setLineDash(dash);
      ctx.beginPath();
      for (let p = 0; p < drawn; p++) {
        const j = picked[p] as number;
        if (((flags[j] as number) & 3) !== want) continue;
        const [ax, ay, bx, by] = endOf(j);
        ctx.moveTo(ax, ay);
        ctx.lineTo(bx, by);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      for (let p = 0; p < drawn; p++) {
        const j = picked[p] as number;
        if (((flags[j] as number) & 3) !== want) continue;
        const [ax, ay, bx, by] = endOf(j);
        if (want & DROPPED) cross(bx, by, detailed ? 4 : 2);
        else if (detailed) arrowHead(ax, ay, bx, by, 7);
      }
      if (want & DROPPED) ctx.stroke();
      else ctx.fill();
    };
    pass(0, COLOURS.message, []);
    pass(DUPLICATE, COLOURS.duplicate, [4, 3]);
    pass(DROPPED, COLOURS.dropped, [3, 2]);
    pass(DROPPED | DUPLICATE, COLOURS.dropped, [1, 3]);
    ctx.globalAlpha = 1;

    // Highlighted messages and records on top.
    if (dim) {
      ctx.strokeStyle = COLOURS.highlight;
      ctx.fillStyle = COLOURS.highlight;
      ctx.lineWidth = 2.2;
      for (let j = 0; j < n; j++) {
        if (!highlight.has(copySeq[j] as number)) continue;
        const [ax, ay, bx, by] = endOf(j);
        ctx.beginPath();
        ctx.moveTo(ax, ay);
        ctx.lineTo(bx, by);
        ctx.stroke();
        ctx.beginPath();
        if ((flags[j] as number) & DROPPED) {
          cross(bx, by, 5);
          ctx.stroke();
        } else {
          arrowHead(ax, ay, bx, by, 9);
          ctx.fill();
        }
      }
      for (const seq of highlight) {
        const p = pointOf(seq);
        if (p === undefined) continue;
        ctx.beginPath();
        ctx.arc(p.x, p.y, 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }

    // Reads of outside content (squares) and capability uses (diamonds; filled when done).
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    for (const a of acts) {
      const ax = x(a.tick);
      if (ax < LEFT - 5 || ax > width - RIGHT + 5) continue;
      const ay = laneY(a.lane);
      ctx.strokeStyle = highlight.has(a.seq) ? COLOURS.highlight : COLOURS.act;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      if (a.act) {
        ctx.moveTo(ax, ay - 6);
        ctx.lineTo(ax + 6, ay);
        ctx.lineTo(ax, ay + 6);
        ctx.lineTo(ax - 6, ay);
        ctx.closePath();
        if (a.done) ctx.fill();
        ctx.stroke();
      } else {
        ctx.strokeRect(ax - 4, ay - 4, 8, 8);
      }
      if (laneH >= 14 || acts.length <= 30) ctx.fillText(a.label, ax + 7, ay + 3 + a.row * 11);
    }

    // Decisions.
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    for (const d of decisions) {
      const dx = x(d.tick);
      if (dx < LEFT - 5 || dx > width - RIGHT + 5) continue;
      const dy = laneY(d.lane);
      ctx.fillStyle = highlight.has(d.seq) ? COLOURS.highlight : COLOURS.decide;
      ctx.beginPath();
      ctx.arc(dx, dy, 5, 0, 2 * Math.PI);
      ctx.fill();
      if (laneH >= 14 || decisions.length <= 30) {
        ctx.fillStyle = COLOURS.decide;
        ctx.fillText(d.label, dx + 6, dy - 3);
      }
    }
    ctx.restore();

    // Playback's position: what comes after it is veiled.
    if (cursor !== null) {
      const cx = x(cursor);
      if (cx <= width - RIGHT) {
        const from = Math.max(LEFT, cx + 1);
        ctx.fillStyle = COLOURS.future;
        ctx.fillRect(from, 0, width - RIGHT + 2 - from, lanesBottom + 2);
      }
      if (cx >= LEFT && cx <= width - RIGHT) {
        ctx.strokeStyle = COLOURS.cursor;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(cx, TOP - 6);
        ctx.lineTo(cx, lanesBottom + 4);
        ctx.stroke();
        ctx.fillStyle = COLOURS.cursor;
        ctx.font = '11px system-ui, sans-serif';
        ctx.textBaseline = 'bottom';
        ctx.textAlign = cx > width - RIGHT - 60 ? 'right' : 'left';
        ctx.fillText(`tick ${cursor}`, cx + (ctx.textAlign === 'right' ? -4 : 4), TOP - 4);
      }
    }

    last = { inView, drawn, notDrawn: inView - drawn, detailed };
    const where = `ticks ${Math.max(0, Math.floor(d0))}–${Math.ceil(Math.min(d1, lastTick))} of ${lastTick}`;
    note.textContent =
      inView - drawn > 0
        ? `${inView - drawn} messages not drawn (an even sample of ${drawn} of the ${inView} in view is drawn thin; zoom in to see all) · ${where}`
        : !detailed
          ? `${inView} messages in view, drawn thin without heads; zoom in for detail · ${where}`
          : `${inView} messages in view · ${where} · wheel or drag to zoom and pan; click a decision for its causal past`;
    note.classList.toggle('warn', inView - drawn > 0);
  }

  function pointOf(seq: number): { x: number; y: number } | undefined {
    if (seq < 0 || seq >= trace.length) return undefined;
    let place = laneOfRecord.get(seq);
    if (place === undefined) {
      const r = trace.record(seq);
      const lane = r.agent === undefined ? undefined : laneOf.get(r.agent);
      if (lane === undefined) return undefined;
      place = { lane, tick: r.tick };
      laneOfRecord.set(seq, place);
    }
    return { x: x(place.tick), y: laneY(place.lane) };
  }

  // ---- interaction ----
  const local = (e: MouseEvent) => {
    const rect = canvas.getBoundingClientRect();
    return { px: e.clientX - rect.left, py: e.clientY - rect.top };
  };

  const nearestCopy = (px: number, py: number): number | undefined => {
    let best: number | undefined;
    let bestD = 36; // 6 px, squared
    for (let p = 0; p < drawnIdx.length; p++) {
      const j = drawnIdx[p] as number;
      const [ax, ay, bx, by] = endOf(j);
      const dx = bx - ax;
      const dy = by - ay;
      const len = dx * dx + dy * dy;
      const u = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len));
      const ex = ax + u * dx - px;
      const ey = ay + u * dy - py;
      const d = ex * ex + ey * ey;
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    return best;
  };

  const nearestDecision = (px: number, py: number): Mark | undefined => {
    let best: Mark | undefined;
    let bestD = 81; // 9 px, squared
    for (const d of decisions) {
      const dx = x(d.tick) - px;
      const dy = laneY(d.lane) - py;
      if (dx * dx + dy * dy < bestD) {
        bestD = dx * dx + dy * dy;
        best = d;
      }
    }
    return best;
  };

  const describeCopy = (j: number): string => {
    const send = trace.record(copySend[j] as number);
    const end = trace.record(copySeq[j] as number);
    const f = flags[j] as number;
    const lines = [
      `message #${send.msg ?? ''}${f & DUPLICATE ? ' (duplicate copy)' : ''}: ${send.agent ?? ''} → ${send.peer ?? ''}`,
      f & DROPPED
        ? `sent at tick ${send.tick}, lost at tick ${end.tick} (${jsonText(end.data)})`
        : `sent at tick ${send.tick}, delivered at tick ${end.tick}`,
      short(jsonText(send.data), 400),
    ];
    const prov = (end.data as { prov?: unknown } | undefined)?.prov;
    if (end.kind === 'deliver' && prov !== undefined)
      lines.push(`provenance: ${Array.isArray(prov) ? prov.join(', ') : jsonText(prov)}`);
    if (end.kind === 'deliver' && (end.data as { stripped?: unknown } | undefined)?.stripped)
      lines.push('instruction stripped by the gateway');
    return lines.join('\n');
  };

  const show = (text: string, px: number, py: number) => {
    tooltip.textContent = text;
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(px + 14, width - 260)}px`;
    tooltip.style.top = `${py + 14}px`;
  };

  canvas.addEventListener('mousemove', (e) => {
    const { px, py } = local(e);
    const d = nearestDecision(px, py);
    if (d !== undefined) {
      const r = trace.record(d.seq);
      show(
        `${r.agent ?? ''} decided ${short(jsonText(r.data), 400)} at tick ${r.tick}\nclick for its causal past`,
        px,
        py,
      );
      return;
    }
    const j = nearestCopy(px, py);
    if (j !== undefined) {
      show(describeCopy(j), px, py);
      return;
    }
    const t = x.invert(px);
    const band = bands.find((b) => b.from <= t && t <= b.to);
    if (band !== undefined && py >= TOP && py <= TOP + agents.length * laneH) {
      show(`${short(band.text, 400)}\nticks ${band.from}–${band.to}`, px, py);
      return;
    }
    tooltip.hidden = true;
  });
  canvas.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
  });
  canvas.addEventListener('click', (e) => {
    const { px, py } = local(e);
    const d = nearestDecision(px, py);
    if (d !== undefined) {
      view.highlight(causalPast(trace, d.seq, sends));
      return;
    }
    const j = nearestCopy(px, py);
    view.highlight(j === undefined ? null : causalPast(trace, copySeq[j] as number, sends));
  });

  const maxScale = Math.max(1, (lastTick * 60) / (width - LEFT - RIGHT));
  const zoomer = zoom<HTMLCanvasElement, unknown>()
    .scaleExtent([1, maxScale])
    .translateExtent([
      [LEFT, 0],
      [width - RIGHT, height],
    ])
    .extent([
      [LEFT, 0],
      [width - RIGHT, height],
    ])
    .on('zoom', (e: { transform: ZoomTransform }) => {
      x = e.transform.rescaleX(x0);
      tooltip.hidden = true;
      draw();
      const domain = x.domain() as [number, number];
      for (const l of listeners) l(domain);
    });
  // Start on the stretch where things happen: a run often idles on timers long after.
  let activeEnd = 0;
  for (let j = 0; j < n; j++) activeEnd = Math.max(activeEnd, t1[j] as number);
  for (const m of [...decisions, ...acts]) activeEnd = Math.max(activeEnd, m.tick);
  for (const c of crashes) activeEnd = Math.max(activeEnd, c.from);
  for (const b of bands) activeEnd = Math.max(activeEnd, b.from);
  const shown = Math.ceil(activeEnd * 1.15) + 2;
  const k = shown < 0.6 * (lastTick + 1) ? Math.min(maxScale, (lastTick + 1) / shown) : 1;
  select(canvas)
    .call(zoomer)
    .call(zoomer.transform, zoomIdentity.translate(LEFT, 0).scale(k).translate(-LEFT, 0));

  const view: LamportView = {
    element,
    canvas,
    stats: () => last,
    highlight(seqs) {
      highlight = new Set(seqs ?? []);
      draw();
    },
    highlighted: () => highlight,
    pointOf,
    timeDomain: () => x.domain() as [number, number],
    onTimeChange(listener) {
      listeners.push(listener);
    },
    setCursor(tick) {
      cursor = tick;
      const [d0, d1] = x.domain() as [number, number];
      if (tick !== null && (tick < d0 || tick > d1)) {
        // Pan (keeping the zoom) so the cursor sits a fifth of the way in.
        const span = d1 - d0;
        select(canvas).call(zoomer.translateTo, x0(tick + 0.3 * span), height / 2);
      } else draw();
    },
  };
  draw();
  return view;
}
