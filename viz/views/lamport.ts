/**
 * The space-time (Lamport) diagram of a trace, on a canvas: one horizontal
 * lane per agent, time running left to right. Each message copy is an arrow
 * from its send to its delivery; a lost copy ends in a cross halfway; a
 * duplicate copy is dashed. An agent's crash shades its lane until it
 * restarts; a partition shades a band across all lanes until it heals; a
 * decision is a green dot labelled with its value; a read of outside
 * content is a square, a use of a capability a diamond (filled when done).
 * It opens on the stretch where messages, decisions and faults are. Wheel or
 * drag to zoom and pan in time.
 *
 * Crowded runs: when more than `densityMin` messages are in view, single
 * arrows would make a barcode, so each sender's lane becomes a heat strip of
 * the messages it sent per time bucket; losses and decisions are still
 * marked one by one, and the note says so. Zooming in until fewer are in
 * view brings the arrows back. Below that, more than `detailMax` messages
 * are drawn as thin lines without heads. Many agents: the lanes shrink to
 * keep the canvas at most `LANES_PX_MAX` tall (past `LANE_PX_MIN` a lane,
 * the canvas scrolls in its own box); every k-th lane is labelled so labels
 * never overlap, ids are shortened in the middle (`shortIds`), and hovering
 * a lane names it. Hovering a message shows what it carried (and its
 * provenance when the trust model is on); clicking a decision or a message
 * highlights its causal past (see `causalPast`). All text from the trace
 * reaches the page as textContent or canvas text, never as HTML.
 */
import {
  interpolateBlues,
  rgb,
  scaleLinear,
  select,
  type ZoomTransform,
  zoom,
  zoomIdentity,
} from 'd3';
import type { Trace, TraceRecord } from '../../sim/index.ts';
import { el, jsonText, short, shortIds, sizeCanvas, type TimeDomain } from './common.ts';

export interface LamportOptions {
  /** Width in CSS pixels, border included; default 1000. */
  readonly width?: number;
  /** More messages than this in view are drawn thin and headless; default 1,500. */
  readonly detailMax?: number;
  /** Most messages (or marks of lost messages) drawn in one frame; the rest are counted in the note; default 20,000. */
  readonly messagesMax?: number;
  /** More messages than this in view are drawn as density per lane and time; default `DENSITY_PER_PX` times the plot's width. */
  readonly densityMin?: number;
  /** The time axis runs to this tick at least (two diagrams side by side share one axis); default the run's last tick. */
  readonly timeMax?: number;
  /** The lanes' part of the canvas is at most this tall (CSS pixels); default `LANES_PX_MAX`. */
  readonly lanesPxMax?: number;
  /** The canvas's texts this many times their size (presenter mode: 1.3, for a room); default 1. */
  readonly textScale?: number;
}

/** What the last frame drew. */
export interface LamportStats {
  /** Message copies (deliveries and losses) whose span meets the time in view. */
  readonly inView: number;
  /** Copies drawn one by one, or, in the density view, counted in its strips. */
  readonly drawn: number;
  readonly notDrawn: number;
  /** Whether messages were drawn with full detail (arrow heads, normal width). */
  readonly detailed: boolean;
}

/** How the last frame drew the messages, and the marks it drew one by one. */
export interface LamportDrawing {
  /** `messages`: one arrow per copy; `density`: a heat strip per sender lane and time bucket. */
  readonly mode: 'messages' | 'density';
  /** Message copies in view (as `LamportStats.inView`). */
  readonly messages: number;
  /** Lost copies marked with a cross (density: those lost at a tick in view). */
  readonly drops: number;
  /** Decisions marked with a dot (those at a tick in view). */
  readonly decisions: number;
  /** Ticks per density bucket; 0 when drawing messages. */
  readonly bucketTicks: number;
  /** Most copies sent from one lane in one bucket (the darkest cell); 0 when drawing messages. */
  readonly bucketCountMax: number;
  /** Every `laneLabelStep`-th lane is labelled. */
  readonly laneLabelStep: number;
}

/** A lane label as drawn, in CSS pixels from the canvas's top left. */
export interface LaneLabel {
  readonly lane: number;
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface LamportView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  /** What the last frame drew. */
  stats(): LamportStats;
  /** How the last frame drew the messages and which marks it drew. */
  drawing(): LamportDrawing;
  /** The lane labels the last frame drew. */
  labels(): readonly LaneLabel[];
  /** Highlights these records (null or empty clears); redraws. */
  highlight(seqs: Iterable<number> | null): void;
  highlighted(): ReadonlySet<number>;
  /** Where record `seq` sits on the canvas, in CSS pixels from its top left (undefined if it has no place). */
  pointOf(seq: number): { x: number; y: number } | undefined;
  /** The time in view. */
  timeDomain(): TimeDomain;
  /** Zooms and pans to show `domain` (clamped to the run and the zoom limits); listeners hear it. */
  setTimeDomain(domain: TimeDomain): void;
  /** Called with the time in view after every zoom or pan. */
  onTimeChange(listener: (domain: TimeDomain) => void): void;
  /**
   * Marks playback's position: a line at `tick`, the time after it veiled;
   * pans to keep it in view. null removes it.
   */
  setCursor(tick: number | null): void;
  /** The cursor's tick, null when there is none. */
  cursor(): number | null;
  /**
   * Marks record `seq` (a ring at its place and a dashed line at its tick,
   * labelled `label`), e.g. where two runs first differ; null removes it.
   * `tick` places the line when the record is past this trace's end.
   */
  mark(seq: number | null, label?: string, tick?: number): void;
  /** The marked record, if any. */
  marked(): { readonly seq: number; readonly tick: number; readonly label: string } | undefined;
}

/**
 * Past this many message copies in view per pixel of the plot's width, the
 * diagram draws density instead of arrows (1,730 on a 1,000 px diagram).
 * Measured (`npm run bench`, and screenshots) on gossip-loss with 200 agents
 * and on retry-storm: at about 1 message per pixel (1,029 and 1,082 in
 * view) single arrows can still be followed; at 2.4 to 3.4 per pixel (2,200
 * to 3,100) the 200 lanes are a mesh and retry-storm's two lanes a solid
 * hatch where neither a message nor the rate can be read, the barcode the
 * density view replaces. Cost does not decide it there (both take 9 to
 * 17 ms a frame up to 5 per pixel), but it backs it further out: arrows take
 * 51 to 88 ms a frame at 21,000 in view, density 18 to 34 ms (three runs on
 * a shared two-core machine).
 * Two per pixel switches before the barcode and keeps arrows wherever they
 * can be told apart.
 */
export const DENSITY_PER_PX = 2;
/**
 * The lanes' part of the canvas is at most this tall (CSS pixels) until lanes reach `LANE_PX_MIN`:
 * with the page's playback bar, heading and note, the whole diagram fits a 700 px high window.
 */
export const LANES_PX_MAX = 460;
/** Lanes are never thinner than this (CSS pixels): past it, the canvas scrolls in its own box. */
export const LANE_PX_MIN = 2;
/** A density bucket is at least this wide (CSS pixels), so a cell can be seen and hovered. */
const BUCKET_PX_MIN = 4;
/** Space between two lane labels, in CSS pixels. */
const LABEL_GAP_PX = 3;

/** Message copy flags. */
const DROPPED = 1;
const DUPLICATE = 2;

const LEFT = 110;
const RIGHT = 24;
/** Room above the lanes for the cursor's and the mark's labels, at text scale 1 (CSS pixels). */
const TOP_PX = 28;
const BOTTOM = 30;
/** The canvas's border (style.css: 1px each side), inside the width the caller gives. */
const BORDER = 2;

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
  mark: '#c2187a',
  future: 'rgba(247, 247, 245, 0.72)',
} as const;

/** The density strips' colours, from one message to the most in a bucket (light to dark blue). */
const RAMP = Array.from({ length: 64 }, (_, i) => interpolateBlues(0.2 + (0.8 * i) / 63));
/** The same colours as pixels for ImageData (RGBA bytes in memory order, little-endian). */
const RAMP_RGBA = RAMP.map((colour) => {
  const { r, g, b } = rgb(colour);
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
});

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

/** Looks up the send record of a message id (a Map from `sendsByMsg` is one). */
export interface SendLookup {
  get(msg: number): number | undefined;
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
  sends: SendLookup = sendsByMsg(trace),
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

/** The smallest of 1, 2, 5, 10, 20, 50 … ticks that is at least `ticks`. */
function niceTicks(ticks: number): number {
  if (ticks <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(ticks));
  for (const m of [1, 2, 5, 10]) if (m * p >= ticks) return m * p;
  return 10 * p;
}

/** `n` with thousands separators, as the notes print counts. */
function count(n: number): string {
  return n.toLocaleString('en');
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

/** A text's box on the canvas, to keep texts from overlapping. */
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** `text` filled over a white outline, so it reads over lanes, strips and arrows. */
function haloText(c: CanvasRenderingContext2D, text: string, x: number, y: number): void {
  c.save();
  c.strokeStyle = 'rgba(255, 255, 255, 0.85)';
  c.lineWidth = 3;
  c.lineJoin = 'round';
  c.strokeText(text, x, y);
  c.restore();
  c.fillText(text, x, y);
}

/** Sends by message id: in typed arrays for the engine's dense ids, in a map for others. */
class SendTable implements SendLookup {
  private readonly dense: Int32Array;
  private readonly sparse = new Map<number, number>();
  constructor(size: number) {
    this.dense = new Int32Array(size).fill(-1);
  }
  set(msg: number, seq: number): void {
    if (msg >= 0 && msg < this.dense.length) this.dense[msg] = seq;
    else this.sparse.set(msg, seq);
  }
  get(msg: number): number | undefined {
    if (msg >= 0 && msg < this.dense.length) {
      const s = this.dense[msg] as number;
      return s < 0 ? undefined : s;
    }
    return this.sparse.get(msg);
  }
}

export function lamportView(trace: Trace, options: LamportOptions = {}): LamportView {
  const textScale = options.textScale ?? 1;
  /** Larger texts need more room above the lanes: the mark's label over the cursor's. */
  const TOP = textScale === 1 ? TOP_PX : Math.round((TOP_PX + 2) * textScale);
  const width = (options.width ?? 1000) - BORDER;
  const detailMax = options.detailMax ?? 1500;
  const messagesMax = options.messagesMax ?? 20_000;
  const agents = trace.agentIds;
  const laneOf = new Map(agents.map((a, i) => [a, i]));
  const lastTick = Math.max(
    1,
    options.timeMax ?? 0,
    trace.stop?.tick ?? (trace.length > 0 ? trace.record(trace.length - 1).tick : 1),
  );

  // ---- read the trace into columns: each send and each copy's end built once ----
  let copyCount = 0;
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kindAt(i);
    if (k === 2 || k === 4) copyCount++; // drop, deliver
  }
  const sends = new SendTable(trace.length + 1);
  const sendTick = new Int32Array(trace.length + 1);
  const sendFrom = new Int32Array(trace.length + 1).fill(-1);
  const sendTo = new Int32Array(trace.length + 1).fill(-1);
  for (let i = 0; i < trace.length; i++) {
    if (trace.kindAt(i) !== 1) continue; // send
    const r = trace.record(i);
    if (r.msg === undefined) continue;
    sends.set(r.msg, i);
    sendTick[i] = r.tick;
    sendFrom[i] = laneOf.get(r.agent as string) ?? -1;
    sendTo[i] = laneOf.get(r.peer as string) ?? -1;
  }
  const t0 = new Int32Array(copyCount);
  const t1 = new Int32Array(copyCount);
  /** The tick of a lost copy's drop record (where the density view marks it). */
  const lostAt = new Int32Array(copyCount);
  const fromLane = new Int32Array(copyCount);
  const toLane = new Int32Array(copyCount);
  const flags = new Uint8Array(copyCount);
  const copySeq = new Int32Array(copyCount);
  const copySend = new Int32Array(copyCount);
  let n = 0;
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
    // Only the kinds the diagram draws are built: sends are read above; timers and states are placed for highlights only.
    if (k === 1 || k === 5 || k === 6 || k === 7 || k === 8) continue;
    const r: TraceRecord = trace.record(i);
    switch (r.kind) {
      case 'deliver':
      case 'drop': {
        if (r.msg === undefined || r.cause === undefined) break;
        const sendSeq = sends.get(r.msg);
        if (sendSeq === undefined) break;
        const from = sendFrom[sendSeq] as number;
        const to = sendTo[sendSeq] as number;
        if (from < 0 || to < 0) break;
        const dropped = r.kind === 'drop';
        const sentAt = sendTick[sendSeq] as number;
        t0[n] = sentAt;
        t1[n] = dropped ? Math.max(r.tick, sentAt + 1) : r.tick;
        lostAt[n] = r.tick;
        fromLane[n] = from;
        toLane[n] = to;
        flags[n] =
          (dropped ? DROPPED : 0) |
          (r.cause < trace.length && trace.kindAt(r.cause) === 3 ? DUPLICATE : 0);
        copySeq[n] = i;
        copySend[n] = sendSeq;
        n++;
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

  // ---- layout ----
  const laneCount = Math.max(1, agents.length);
  const lanesPxMax = options.lanesPxMax ?? LANES_PX_MAX;
  const laneH = Math.max(LANE_PX_MIN, Math.min(48, lanesPxMax / laneCount));
  const lanesBottom = TOP + agents.length * laneH;
  const height = Math.ceil(lanesBottom + BOTTOM);
  const laneY = (lane: number) => TOP + (lane + 0.5) * laneH;
  const laneAt = (py: number) => {
    const lane = Math.floor((py - TOP) / laneH);
    return lane >= 0 && lane < agents.length ? lane : undefined;
  };
  /** Sizes of the marks, smaller on thin lanes so a dot covers at most its neighbours. */
  const dotR = Math.max(2.5, Math.min(5, laneH * 0.45));
  const actR = Math.max(3, Math.min(6, laneH * 0.5));
  const densityMin = options.densityMin ?? Math.round(DENSITY_PER_PX * (width - LEFT - RIGHT));
  const x0 = scaleLinear()
    .domain([0, lastTick + 1])
    .range([LEFT, width - RIGHT]);
  let x = x0.copy();

  const element = el('div', undefined, 'view lamport');
  const note = el('p', '', 'note lod');
  const key = el('p', undefined, 'note density-key');
  key.style.cssText = 'display:none;align-items:center;gap:0.4rem;margin:0 0 0.2rem;';
  const keyLow = el('span', '1');
  const keyRamp = el('span');
  keyRamp.style.cssText = `display:inline-block;width:120px;height:10px;border:1px solid #c9ccd1;background:linear-gradient(to right, ${RAMP[0]}, ${RAMP[21]}, ${RAMP[42]}, ${RAMP[63]});`;
  const keyHigh = el('span', '');
  const keyText = el('span', '');
  key.append(keyText, keyLow, keyRamp, keyHigh);
  const wrap = el('div', undefined, 'canvas-wrap');
  const canvas = el('canvas');
  canvas.setAttribute('aria-label', 'space-time diagram');
  const tooltip = el('div', '', 'tooltip');
  tooltip.hidden = true;
  wrap.append(canvas, tooltip);
  if (height > TOP + lanesPxMax + BOTTOM + 1) {
    // Too many lanes to fit at LANE_PX_MIN: the diagram scrolls in its own box, never the page sideways.
    wrap.style.maxHeight = `${TOP + lanesPxMax + BOTTOM + BORDER}px`;
    wrap.style.overflowY = 'auto';
    wrap.style.overflowX = 'hidden';
  }
  element.append(note, key, wrap);
  const ctx = sizeCanvas(canvas, width, height);
  // Everything but the playback cursor, drawn again only when the view changes: scrubbing copies it.
  const base = document.createElement('canvas');
  const baseCtx = sizeCanvas(base, width, height);
  let baseValid = false;
  /** The density cells, one pixel each, before they are scaled onto the plot. */
  const cellCanvas = document.createElement('canvas');

  // ---- lane labels: every k-th lane, ids shortened in the middle to fit the margin ----
  /** A canvas font of `px` CSS pixels, scaled. */
  const font = (px: number, bold = false) =>
    `${bold ? 'bold ' : ''}${Math.round(px * textScale)}px system-ui, sans-serif`;
  const labelPx = Math.round((laneH >= 15 ? 13 : 11) * textScale);
  const labelFont = `${labelPx}px system-ui, sans-serif`;
  const labelStep = Math.max(1, Math.ceil((labelPx + LABEL_GAP_PX) / laneH));
  const labelRoom = LEFT - 12;
  baseCtx.font = labelFont;
  let laneTexts = agents.map((a) => a);
  for (let chars = 16; chars >= 4; chars--) {
    laneTexts = shortIds(agents, chars);
    let widest = 0;
    for (let i = 0; i < laneTexts.length; i += labelStep)
      widest = Math.max(widest, baseCtx.measureText(laneTexts[i] as string).width);
    if (widest <= labelRoom) break;
  }

  let highlight = new Set<number>();
  let cursor: number | null = null;
  let markAt: { seq: number; tick: number; label: string } | undefined;
  let last: LamportStats = { inView: 0, drawn: 0, notDrawn: 0, detailed: true };
  let drawingNow: LamportDrawing = {
    mode: 'messages',
    messages: 0,
    drops: 0,
    decisions: 0,
    bucketTicks: 0,
    bucketCountMax: 0,
    laneLabelStep: labelStep,
  };
  let labelBoxes: LaneLabel[] = [];
  /** Indices of the copies drawn in the last frame, for hit tests (density: the lost copies marked). */
  let drawnIdx = new Int32Array(0);
  let bucketTicks = 0;
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
  /** Where the density view marks a lost copy: on its sender's lane, when it was lost. */
  const lossPoint = (j: number): [number, number] => [
    x(lostAt[j] as number),
    laneY(fromLane[j] as number),
  ];

  function drawBase(c: CanvasRenderingContext2D): void {
    const [d0, d1] = x.domain() as [number, number];
    c.clearRect(0, 0, width, height);
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, width, height);
    const plotW = width - RIGHT - LEFT;
    /** Texts placed so far, so that none is drawn over another. */
    const placed: Box[] = [];
    const free = (b: Box) => !placed.some((p) => overlaps(p, b));

    const arrowHead = (ax: number, ay: number, bx: number, by: number, size: number) => {
      const angle = Math.atan2(by - ay, bx - ax);
      c.moveTo(bx, by);
      c.lineTo(bx - size * Math.cos(angle - 0.45), by - size * Math.sin(angle - 0.45));
      c.lineTo(bx - size * Math.cos(angle + 0.45), by - size * Math.sin(angle + 0.45));
      c.closePath();
    };
    const cross = (cx: number, cy: number, s: number) => {
      c.moveTo(cx - s, cy - s);
      c.lineTo(cx + s, cy + s);
      c.moveTo(cx - s, cy + s);
      c.lineTo(cx + s, cy - s);
    };

    // Partitions and crashes under everything else.
    c.save();
    c.beginPath();
    c.rect(LEFT, 0, plotW, height);
    c.clip();
    c.fillStyle = COLOURS.partition;
    for (const b of bands) {
      const bx = x(b.from);
      c.fillRect(bx, TOP, Math.max(2, x(b.to) - bx), lanesBottom - TOP);
    }
    c.fillStyle = COLOURS.crash;
    for (const s of crashes) {
      const cx = x(s.from);
      c.fillRect(cx, laneY(s.lane) - laneH * 0.3, Math.max(2, x(s.to) - cx), laneH * 0.6);
    }
    c.restore();

    // Lanes (every one while they are apart, else only the labelled ones) and labels.
    c.strokeStyle = COLOURS.lane;
    c.lineWidth = 1;
    c.beginPath();
    for (let i = 0; i < agents.length; i += laneH >= 5 ? 1 : labelStep) {
      c.moveTo(LEFT, laneY(i));
      c.lineTo(width - RIGHT, laneY(i));
    }
    c.stroke();
    c.fillStyle = COLOURS.label;
    c.font = labelFont;
    c.textAlign = 'right';
    c.textBaseline = 'middle';
    labelBoxes = [];
    for (let i = 0; i < agents.length; i += labelStep) {
      const text = laneTexts[i] as string;
      const w = Math.min(labelRoom, c.measureText(text).width);
      c.fillText(text, LEFT - 8, laneY(i), labelRoom);
      const box = { x: LEFT - 8 - w, y: laneY(i) - labelPx / 2, w, h: labelPx };
      placed.push(box);
      labelBoxes.push({ lane: i, text, x: box.x, y: box.y, width: w, height: labelPx });
    }

    // Time axis.
    c.fillStyle = COLOURS.axis;
    c.strokeStyle = COLOURS.axis;
    c.font = font(11);
    c.textBaseline = 'top';
    c.beginPath();
    c.moveTo(LEFT, lanesBottom + 4);
    c.lineTo(width - RIGHT, lanesBottom + 4);
    c.textAlign = 'right';
    c.fillText('tick', LEFT - 8, lanesBottom + 10);
    placed.push({ x: LEFT - 8 - c.measureText('tick').width, y: lanesBottom + 10, w: 30, h: 12 });
    c.textAlign = 'center';
    for (const t of x.ticks(Math.max(2, Math.floor(plotW / 90)))) {
      if (!Number.isInteger(t)) continue;
      const text = String(t);
      const w = c.measureText(text).width;
      const box = { x: x(t) - w / 2 - 2, y: lanesBottom + 10, w: w + 4, h: 12 };
      c.moveTo(x(t), lanesBottom + 4);
      c.lineTo(x(t), lanesBottom + 8);
      if (!free(box)) continue;
      placed.push(box);
      c.fillText(text, x(t), lanesBottom + 10);
    }
    c.stroke();

    // Messages: arrows, or density past densityMin.
    let inView = 0;
    for (let j = 0; j < n; j++) if ((t0[j] as number) <= d1 && (t1[j] as number) >= d0) inView++;
    const density = inView > densityMin;
    const detailed = inView <= detailMax;
    const dim = highlight.size > 0;
    let drawn = 0;
    let drops = 0;
    let bucketCountMax = 0;
    c.save();
    c.beginPath();
    c.rect(LEFT - 2, 0, plotW + 4, height);
    c.clip();
    if (density) {
      // Copies each lane sent per bucket of `bucketTicks` ticks, the buckets aligned on multiples of it.
      bucketTicks = niceTicks(((d1 - d0) * BUCKET_PX_MIN) / plotW);
      const first = Math.floor(d0 / bucketTicks);
      const buckets = Math.floor(d1 / bucketTicks) - first + 1;
      const cells = new Uint32Array(agents.length * buckets);
      for (let j = 0; j < n; j++) {
        const t = t0[j] as number;
        if (t < d0 || t > d1) continue;
        const cell = (fromLane[j] as number) * buckets + Math.floor(t / bucketTicks) - first;
        const v = (cells[cell] as number) + 1;
        cells[cell] = v;
        if (v > bucketCountMax) bucketCountMax = v;
        drawn++;
      }
      // One pixel per cell, scaled up without smoothing: one image instead of a rectangle per cell.
      // Each lane is ROWS rows, the outer ones empty while lanes are tall enough to leave a gap.
      const rows = laneH >= 6 ? 8 : 1;
      const image = new ImageData(buckets, agents.length * rows);
      const px = new Uint32Array(image.data.buffer);
      for (let lane = 0; lane < agents.length; lane++) {
        for (let b = 0; b < buckets; b++) {
          const v = cells[lane * buckets + b] as number;
          if (v === 0) continue;
          // Square root: a lane sending a tenth of the busiest still shows, and the busiest stand out.
          const colour = RAMP_RGBA[
            Math.round(63 * Math.sqrt((v - 1) / Math.max(1, bucketCountMax - 1)))
          ] as number;
          for (let r = rows === 1 ? 0 : 1; r < (rows === 1 ? 1 : rows - 1); r++)
            px[(lane * rows + r) * buckets + b] = colour;
        }
      }
      cellCanvas.width = buckets;
      cellCanvas.height = agents.length * rows;
      (cellCanvas.getContext('2d') as CanvasRenderingContext2D).putImageData(image, 0, 0);
      c.globalAlpha = dim ? 0.3 : 1;
      c.imageSmoothingEnabled = false;
      const left = x(first * bucketTicks);
      c.drawImage(
        cellCanvas,
        left,
        TOP,
        x((first + buckets) * bucketTicks) - left,
        lanesBottom - TOP,
      );
      c.imageSmoothingEnabled = true;
      c.globalAlpha = 1;
      // Each loss in view, marked on its sender's lane where it was lost.
      const lost: number[] = [];
      for (let j = 0; j < n && lost.length < messagesMax; j++)
        if (
          (flags[j] as number) & DROPPED &&
          (lostAt[j] as number) >= d0 &&
          (lostAt[j] as number) <= d1
        )
          lost.push(j);
      c.strokeStyle = COLOURS.dropped;
      // Thinner when many, so that the strips under them still show.
      c.lineWidth = lost.length > 500 ? 1 : 1.5;
      c.beginPath();
      const s = Math.max(2, Math.min(4, laneH * 0.4));
      for (const j of lost) {
        const [lx, ly] = lossPoint(j);
        cross(lx, ly, s);
      }
      c.stroke();
      drops = lost.length;
      drawnIdx = Int32Array.from(lost);
    } else {
      bucketTicks = 0;
      const picked = new Int32Array(Math.min(inView, messagesMax));
      // Past messagesMax, an even sample across the view: no stretch of time looks empty.
      for (let j = 0, k = 0; j < n && drawn < picked.length; j++) {
        if ((t0[j] as number) > d1 || (t1[j] as number) < d0) continue;
        if (
          Math.floor(((k + 1) * picked.length) / inView) > Math.floor((k * picked.length) / inView)
        )
          picked[drawn++] = j;
        k++;
      }
      drawnIdx = picked;
      c.globalAlpha = dim ? 0.25 : detailed ? 1 : 0.35;
      const width1 = detailed ? 1 : 0.5;
      const pass = (want: number, colour: string, dash: number[]) => {
        c.strokeStyle = colour;
        c.fillStyle = colour;
        c.lineWidth = width1;
        c.setLineDash(dash);
        c.beginPath();
        for (let p = 0; p < drawn; p++) {
          const j = picked[p] as number;
          if (((flags[j] as number) & 3) !== want) continue;
          const [ax, ay, bx, by] = endOf(j);
          c.moveTo(ax, ay);
          c.lineTo(bx, by);
        }
        c.stroke();
        c.setLineDash([]);
        c.beginPath();
        for (let p = 0; p < drawn; p++) {
          const j = picked[p] as number;
          if (((flags[j] as number) & 3) !== want) continue;
          const [ax, ay, bx, by] = endOf(j);
          if (want & DROPPED) {
            cross(bx, by, detailed ? 4 : 2);
            drops++;
          } else if (detailed) arrowHead(ax, ay, bx, by, 7);
        }
        if (want & DROPPED) c.stroke();
        else c.fill();
      };
      pass(0, COLOURS.message, []);
      pass(DUPLICATE, COLOURS.duplicate, [4, 3]);
      pass(DROPPED, COLOURS.dropped, [3, 2]);
      pass(DROPPED | DUPLICATE, COLOURS.dropped, [1, 3]);
      c.globalAlpha = 1;
    }

    // Highlighted messages and records on top.
    if (dim) {
      c.strokeStyle = COLOURS.highlight;
      c.fillStyle = COLOURS.highlight;
      c.lineWidth = 2.2;
      let shown = 0;
      for (let j = 0; j < n && shown < messagesMax; j++) {
        if (!highlight.has(copySeq[j] as number)) continue;
        if ((t0[j] as number) > d1 || (t1[j] as number) < d0) continue;
        shown++;
        const [ax, ay, bx, by] = endOf(j);
        c.beginPath();
        c.moveTo(ax, ay);
        c.lineTo(bx, by);
        c.stroke();
        c.beginPath();
        if ((flags[j] as number) & DROPPED) {
          cross(bx, by, 5);
          c.stroke();
        } else {
          arrowHead(ax, ay, bx, by, 9);
          c.fill();
        }
      }
      for (const seq of highlight) {
        const p = pointOf(seq);
        if (p === undefined || p.x < LEFT - 5 || p.x > width - RIGHT + 5) continue;
        c.beginPath();
        c.arc(p.x, p.y, 3.5, 0, 2 * Math.PI);
        c.fill();
      }
    }

    // Reads of outside content (squares) and capability uses (diamonds; filled when done).
    c.font = font(10);
    c.textAlign = 'left';
    c.textBaseline = 'top';
    for (const a of acts) {
      const ax = x(a.tick);
      if (ax < LEFT - 5 || ax > width - RIGHT + 5) continue;
      const ay = laneY(a.lane);
      c.strokeStyle = highlight.has(a.seq) ? COLOURS.highlight : COLOURS.act;
      c.fillStyle = c.strokeStyle;
      c.lineWidth = 1.5;
      c.beginPath();
      if (a.act) {
        c.moveTo(ax, ay - actR);
        c.lineTo(ax + actR, ay);
        c.lineTo(ax, ay + actR);
        c.lineTo(ax - actR, ay);
        c.closePath();
        if (a.done) c.fill();
        c.stroke();
      } else {
        c.strokeRect(ax - actR * 0.7, ay - actR * 0.7, actR * 1.4, actR * 1.4);
      }
      const rowPx = Math.round(11 * textScale);
      const box = {
        x: ax + 7,
        y: ay + 3 + a.row * rowPx,
        w: c.measureText(a.label).width,
        h: rowPx,
      };
      if (free(box)) {
        placed.push(box);
        haloText(c, a.label, box.x, box.y);
      }
    }

    // Decisions: each dot, and its value where the text has room.
    c.font = font(11);
    c.textAlign = 'left';
    c.textBaseline = 'bottom';
    let decided = 0;
    for (const d of decisions) if (d.tick >= d0 && d.tick <= d1) decided++;
    // Values are written beside their dots on roomy lanes or when few: a hundred "informed" say less than the dots.
    const valued = laneH >= 14 || decided <= 30;
    for (const d of decisions) {
      const dx = x(d.tick);
      if (d.tick < d0 || d.tick > d1) continue;
      const dy = laneY(d.lane);
      c.fillStyle = highlight.has(d.seq) ? COLOURS.highlight : COLOURS.decide;
      c.beginPath();
      c.arc(dx, dy, dotR, 0, 2 * Math.PI);
      c.fill();
      const box = { x: dx + dotR + 1, y: dy - 3 - 12, w: c.measureText(d.label).width, h: 12 };
      if (valued && free(box)) {
        placed.push(box);
        c.fillStyle = COLOURS.decide;
        haloText(c, d.label, box.x, dy - 3);
      }
    }
    c.restore();

    last = {
      inView,
      drawn,
      notDrawn: density ? 0 : inView - drawn,
      detailed: !density && detailed,
    };
    drawingNow = {
      mode: density ? 'density' : 'messages',
      messages: inView,
      drops,
      decisions: decided,
      bucketTicks,
      bucketCountMax,
      laneLabelStep: labelStep,
    };
    element.dataset['mode'] = drawingNow.mode;
    const where = `ticks ${Math.max(0, Math.floor(d0))}–${Math.ceil(Math.min(d1, lastTick))} of ${lastTick}`;
    const lanesNote =
      labelStep > 1
        ? ` · every ${labelStep === 2 ? 'other' : `${labelStep}th`} lane labelled (hover a lane for its agent)`
        : '';
    const marked = [
      ...(drops > 0 ? [`${count(drops)} lost message${drops === 1 ? '' : 's'}`] : []),
      ...(decided > 0 ? [`${count(decided)} decision${decided === 1 ? '' : 's'}`] : []),
    ];
    const marks = marked.length > 0 ? ` · ${marked.join(' and ')} marked one by one` : '';
    note.textContent = density
      ? `${count(inView)} messages: drawn as density per lane and time; zoom in to see single messages${marks} · ${where}${lanesNote}`
      : last.notDrawn > 0
        ? `${count(last.notDrawn)} messages not drawn (an even sample of ${count(drawn)} of the ${count(inView)} in view is drawn thin; zoom in to see all) · ${where}${lanesNote}`
        : !detailed
          ? `${count(inView)} messages in view, drawn thin without heads; zoom in for detail · ${where}${lanesNote}`
          : `${count(inView)} messages in view · ${where} · wheel or drag to zoom and pan; click a decision for its causal past${lanesNote}`;
    note.classList.toggle('warn', !density && last.notDrawn > 0);
    key.style.display = density ? 'flex' : 'none';
    if (density) {
      keyText.textContent = `messages sent by a lane per ${bucketTicks === 1 ? 'tick' : `${count(bucketTicks)} ticks`}:`;
      keyHigh.textContent = count(bucketCountMax);
    }
  }

  /** The marked record: a dashed line at its tick across the lanes, a ring at its place, its label. */
  function drawMark(): void {
    if (markAt === undefined) return;
    const mx = x(markAt.tick);
    if (mx < LEFT - 1 || mx > width - RIGHT + 1) return;
    ctx.save();
    ctx.strokeStyle = COLOURS.mark;
    ctx.fillStyle = COLOURS.mark;
    ctx.lineWidth = 2;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(mx, TOP - 2);
    ctx.lineTo(mx, lanesBottom + 4);
    ctx.stroke();
    ctx.setLineDash([]);
    const p = markAt.seq < trace.length ? pointOf(markAt.seq) : undefined;
    if (p !== undefined) {
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(p.x, p.y, Math.max(7, dotR + 4), 0, Math.PI * 2);
      ctx.stroke();
    }
    ctx.font = font(12, true);
    ctx.textBaseline = 'top';
    ctx.textAlign = mx > width - RIGHT - 160 ? 'right' : 'left';
    ctx.fillText(markAt.label, mx + (ctx.textAlign === 'right' ? -5 : 5), 0);
    ctx.restore();
  }

  /** Draws the frame: the view from the cache (redrawn if the view changed), then the cursor. */
  function draw(): void {
    if (!baseValid) {
      drawBase(baseCtx);
      baseValid = true;
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(base, 0, 0);
    ctx.restore();
    drawCursor();
    drawMark();
  }

  /** Playback's position: a line at its tick, what comes after it veiled. */
  function drawCursor(): void {
    if (cursor === null) return;
    const cx = x(cursor);
    // The veil starts half a tick on: the labels of what happened at the cursor's tick stay clear.
    const veil = Math.max(cx + 1, (cx + x(cursor + 1)) / 2);
    if (veil <= width - RIGHT) {
      const from = Math.max(LEFT, veil);
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
      ctx.font = font(11);
      ctx.textBaseline = 'bottom';
      ctx.textAlign = cx > width - RIGHT - 60 ? 'right' : 'left';
      ctx.fillText(`tick ${cursor}`, cx + (ctx.textAlign === 'right' ? -4 : 4), TOP - 4);
    }
  }
  const redraw = () => {
    baseValid = false;
    draw();
  };

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
    const density = drawingNow.mode === 'density';
    for (let p = 0; p < drawnIdx.length; p++) {
      const j = drawnIdx[p] as number;
      let d: number;
      if (density) {
        const [lx, ly] = lossPoint(j);
        d = (lx - px) ** 2 + (ly - py) ** 2;
      } else {
        const [ax, ay, bx, by] = endOf(j);
        const dx = bx - ax;
        const dy = by - ay;
        const len = dx * dx + dy * dy;
        const u = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len));
        d = (ax + u * dx - px) ** 2 + (ay + u * dy - py) ** 2;
      }
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    return best;
  };

  const nearestDecision = (px: number, py: number): Mark | undefined => {
    let best: Mark | undefined;
    let bestD = Math.max(dotR + 3, 6) ** 2;
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

  /** What one density cell holds: copies `lane` sent in the bucket at tick `t`, and to whom. */
  const describeCell = (lane: number, t: number): string | undefined => {
    const [d0, d1] = x.domain() as [number, number];
    const from = Math.max(d0, Math.floor(t / bucketTicks) * bucketTicks);
    const to = Math.min(d1, Math.floor(t / bucketTicks) * bucketTicks + bucketTicks - 1);
    let sent = 0;
    let lost = 0;
    const peers = new Map<number, number>();
    for (let j = 0; j < n; j++) {
      const s = t0[j] as number;
      if (fromLane[j] !== lane || s < from || s > to) continue;
      sent++;
      if ((flags[j] as number) & DROPPED) lost++;
      peers.set(toLane[j] as number, (peers.get(toLane[j] as number) ?? 0) + 1);
    }
    if (sent === 0) return undefined;
    const top = [...peers]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 4)
      .map(([p, k]) => `${short(agents[p] as string, 40)} ×${count(k)}`);
    const span =
      Math.ceil(from) === Math.floor(to)
        ? `tick ${Math.ceil(from)}`
        : `ticks ${Math.ceil(from)}–${Math.floor(to)}`;
    return [
      `${short(agents[lane] as string, 80)} sent ${count(sent)} message${sent === 1 ? '' : 's'} in ${span}${lost > 0 ? ` (${count(lost)} lost)` : ''}`,
      `to ${top.join(', ')}${peers.size > 4 ? ` and ${peers.size - 4} more` : ''}`,
      'zoom in to see them one by one',
    ].join('\n');
  };

  const show = (text: string, px: number, py: number) => {
    tooltip.textContent = text;
    tooltip.hidden = false;
    // Inside the canvas's width, whatever the text: a tooltip must not make the page scroll sideways.
    tooltip.style.maxWidth = `${Math.min(420, width - 8)}px`;
    tooltip.style.left = '0px';
    const w = tooltip.offsetWidth;
    tooltip.style.left = `${Math.max(0, Math.min(px + 14, width - w))}px`;
    tooltip.style.top = `${py + 14}px`;
  };

  canvas.addEventListener('mousemove', (e) => {
    const { px, py } = local(e);
    const lane = laneAt(py);
    if (px < LEFT && lane !== undefined) {
      show(`${short(agents[lane] as string, 200)}\nlane ${lane + 1} of ${agents.length}`, px, py);
      return;
    }
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
    if (drawingNow.mode === 'density' && lane !== undefined && px >= LEFT) {
      const text = describeCell(lane, t);
      if (text !== undefined) {
        show(text, px, py);
        return;
      }
    }
    const band = bands.find((b) => b.from <= t && t <= b.to);
    if (band !== undefined && py >= TOP && py <= lanesBottom) {
      show(`${short(band.text, 400)}\nticks ${band.from}–${band.to}`, px, py);
      return;
    }
    if (lane !== undefined && labelStep > 1) {
      show(short(agents[lane] as string, 200), px, py);
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
      redraw();
      const domain = x.domain() as [number, number];
      for (const l of listeners) l(domain);
    });
  // Start on the stretch where things happen: a run often idles on timers long after.
  let activeEnd = 0;
  for (let j = 0; j < n; j++) activeEnd = Math.max(activeEnd, t1[j] as number);
  for (const m of [...decisions, ...acts]) activeEnd = Math.max(activeEnd, m.tick);
  for (const s of crashes) activeEnd = Math.max(activeEnd, s.from);
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
    drawing: () => drawingNow,
    labels: () => labelBoxes,
    highlight(seqs) {
      highlight = new Set(seqs ?? []);
      redraw();
    },
    highlighted: () => highlight,
    pointOf,
    timeDomain: () => x.domain() as [number, number],
    setTimeDomain([from, to]) {
      const scale = Math.max(1, Math.min(maxScale, (lastTick + 1) / Math.max(1e-9, to - from)));
      select(canvas).call(
        zoomer.transform,
        zoomIdentity.translate(LEFT - scale * x0(from), 0).scale(scale),
      );
    },
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
    mark(seq, label = 'first difference', tick) {
      if (seq === null) markAt = undefined;
      else {
        const at = seq < trace.length ? trace.record(seq).tick : (tick ?? lastTick);
        markAt = { seq, tick: at, label };
      }
      draw();
    },
    marked: () => markAt,
    cursor: () => cursor,
  };
  draw();
  return view;
}
