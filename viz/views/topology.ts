/**
 * The topology of a run, in SVG: agents (circles) and data sources (squares,
 * `trust.sources` in the manifest) inside their trust zones, one rounded
 * region per zone, least trusted on the left. Zones, and each origin's zone,
 * are read from the manifest exactly as the engine and the breach checker
 * read them (an agent without a zone is in the most trusted one; a run
 * without `trust` has one zone, `default`).
 *
 * Links: only those that carried messages in the trace (`send` records per
 * directed link; a source's link counts its `read`s), width by count, colour
 * by the link's drop ratio in the scenario's network (`network.defaults`
 * with per-link overrides in `network.links`; source links are not on the
 * network and are drawn grey and dashed). The breach path is the chain of
 * records of the breach checker's verdict (`check(viewOf(trace), 'breach')`):
 * source → agent → agent, drawn as a highlighted arrow path across the zone
 * boundaries.
 *
 * The picture follows a cursor (`setCursor(seq)`, the last record at first):
 * each agent up, not started or down (crashed), infected (following an
 * injected instruction at that record, the infection checker's definition,
 * cursor.ts InfectionIndex), and what it decided (a ring and a label in the
 * decided value's colour); the messages in flight on each link (sent, not
 * yet delivered or dropped: a dot on the link, with the count); the links
 * cut by the partitions open at the cursor (a red bar across each, the
 * sides shaded and named); and the breach path hop by hop, each hop shown
 * once the cursor passes the record that carried the influence across it.
 * Everything that moves is made once; a cursor move only changes the
 * attributes of what changed (binary searches in indexes built once), and
 * the layout is never computed again.
 *
 * Layout is deterministic and draws on no simulation stream: nodes start on
 * a grid in their zone's column, then a fixed number of ticks of a
 * d3-force simulation (stopped, ticked by hand, with its own fixed-seed
 * random source for jiggling coincident nodes) settles them, and they are
 * clamped back inside their zone. The same trace gives the same picture.
 * At most `nodesMax` nodes and `linksMax` links are drawn; the note says
 * what is not. Text goes in with d3's `.text()` (textContent) only.
 */
import {
  forceCollide,
  forceLink,
  forceSimulation,
  forceX,
  forceY,
  interpolateRgb,
  polygonHull,
  type Selection,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
  scaleLinear,
  scaleOrdinal,
  scaleSqrt,
  schemeTableau10,
  select,
} from 'd3';
import { check, type Json, type Trace, viewOf } from '../../sim/index.ts';
import { CursorIndex, InfectionIndex } from '../cursor.ts';
import { type FaultWindow, faultWindows } from '../windows.ts';
import { el, jsonText, short } from './common.ts';

export interface TopologyOptions {
  /** Width in CSS pixels; default 1000. */
  readonly width?: number;
  /** Most nodes (agents and sources) drawn; default 2000. */
  readonly nodesMax?: number;
  /** Most links drawn (the busiest first); default 3000. */
  readonly linksMax?: number;
  /** The colour of a decided value's key (its JSON text), to match other views. */
  readonly valueColour?: (valueKey: string) => string;
  /** The trace's cursor index, if already built. */
  readonly index?: CursorIndex;
  /** The run's fault windows, if already read. */
  readonly windows?: readonly FaultWindow[];
}

export interface TopologyNode {
  readonly id: string;
  readonly kind: 'agent' | 'source';
  readonly zone: string;
  /** Zone level: 0 is the least trusted. */
  readonly level: number;
  /** Infected at the end of the run. */
  readonly infected: boolean;
  readonly x: number;
  readonly y: number;
}

export interface TopologyLink {
  readonly source: string;
  readonly target: string;
  /** Messages sent on the link (reads for a source link). */
  readonly count: number;
  /** The network's drop ratio on the link; undefined for a source link. */
  readonly dropRatio: number | undefined;
}

export interface TopologyStats {
  readonly nodes: number;
  readonly nodesDrawn: number;
  readonly links: number;
  readonly linksDrawn: number;
}

/** What the picture shows at the cursor. */
export interface TopologyAt {
  readonly seq: number;
  readonly tick: number;
  /** Agents infected there, in trace order (all agents, drawn or not). */
  readonly infected: readonly string[];
  /** Agents down (crashed, not restarted). */
  readonly down: readonly string[];
  /** Agents that had not started. */
  readonly pending: readonly string[];
  /** Decisions made by then, agent → the decided value's JSON text. */
  readonly decided: ReadonlyMap<string, string>;
  /** Messages in flight on each drawn link with any, `source → target` → count. */
  readonly inFlight: ReadonlyMap<string, number>;
  /** Messages in flight in all. */
  readonly inFlightTotal: number;
  /** Drawn links cut by an open partition, as [source, target]. */
  readonly cut: readonly (readonly [string, string])[];
  /** Breach hops shown, as [from, to]. */
  readonly hops: readonly (readonly [string, string])[];
}

export interface TopologyView {
  readonly element: HTMLElement;
  readonly svg: SVGSVGElement;
  /** Zone names, least trusted first. */
  zones(): readonly string[];
  /** The nodes drawn, with their places. */
  nodes(): readonly TopologyNode[];
  /** The links drawn. */
  links(): readonly TopologyLink[];
  /** The breach path's origins in order (source, then agents), empty without a breach. */
  breachPath(): readonly string[];
  /** Agents infected at the end of the run, in trace order of the agents. */
  infected(): readonly string[];
  stats(): TopologyStats;
  /** Shows the run as it is at record `seq` (clamped to the trace). */
  setCursor(seq: number): void;
  /** What the picture shows at the cursor. */
  at(): TopologyAt;
}

const NODES_MAX = 2000;
const LINKS_MAX = 3000;
/** Labels under every node up to this many nodes; beyond, only sources and the breach path. */
const LABELS_MAX = 150;
/** Force-layout ticks: fixed, so the picture depends on the trace only. */
const TICKS = 160;
const MARGIN = 12;
const GAP = 14;
const PAD = 18;
const HEAD = 44;
const CELL_MAX = 120;
const CELL_MIN = 9;

const SVG_NS = 'http://www.w3.org/2000/svg';
const AGENT_FILL = '#46505c';
const SOURCE_FILL = '#f28e2b';
const INFECTED = '#d62728';
const DOWN_FILL = '#a3a3a3';
const BREACH = '#c2185b';
const CUT = '#d62728';
const IN_FLIGHT = '#0b7285';
/** Shading of the sides of a partition, in order. */
const SIDE_COLOURS = ['#e8590c', '#7048e8', '#0c8599', '#5c940d', '#c2255c', '#495057'];
/** Drop ratio to link colour: grey-blue when lossless, through amber to red. */
const dropColour = scaleLinear<string>()
  .domain([0, 0.2, 1])
  .range(['#8a9bb0', '#e0902c', '#b3261e'])
  .interpolate(interpolateRgb)
  .clamp(true);

interface SpecData {
  agents?: { id: string; zone?: string; honest?: Json }[];
  trust?: { zones?: string[]; sources?: { id: string; zone?: string }[] };
  network?: {
    defaults?: { dropRatio?: number };
    links?: { source: string; target: string; dropRatio?: number }[];
  };
}

interface Node extends SimulationNodeDatum {
  readonly id: string;
  readonly kind: 'agent' | 'source';
  readonly level: number;
  readonly homeX: number;
  readonly homeY: number;
  x: number;
  y: number;
}

interface Link {
  readonly source: string;
  readonly target: string;
  readonly count: number;
  readonly dropRatio: number | undefined;
  /** First record on the link, to break ties in a fixed order. */
  readonly first: number;
}

/** A fixed linear congruential generator: d3-force's jiggle, never a simulation stream. */
function fixedRandom(): () => number {
  let s = 1;
  return () => {
    s = (1664525 * s + 1013904223) % 4294967296;
    return s / 4294967296;
  };
}

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K): SVGElementTagNameMap[K] {
  return document.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
}

/** A hop of the breach path: `to` reached at record `seq`. */
interface Hop {
  readonly origin: string;
  readonly seq: number;
}

/**
 * The origins along the breach verdict's chain: the source read first, then
 * each agent, each with the chain's first record that reached it.
 */
function breachHops(trace: Trace): Hop[] {
  const verdict = check(viewOf(trace), 'breach');
  if (verdict.status !== 'fails') return [];
  const hops: Hop[] = [];
  verdict.records.forEach((seq, i) => {
    const r = trace.record(seq);
    const source = (r.data as { source?: unknown } | undefined)?.source;
    if (i === 0 && (r.kind === 'read' || r.kind === 'content') && typeof source === 'string')
      hops.push({ origin: source, seq });
    if (r.agent !== undefined && hops.at(-1)?.origin !== r.agent)
      hops.push({ origin: r.agent, seq });
  });
  return hops;
}

/** The last entry of `seqs` at or before `seq`, as an index (-1 when none). */
function lastIndexAt(seqs: Int32Array, seq: number): number {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((seqs[mid] as number) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Messages in flight over time, per key: +1 at each send or duplicate,
 * -1 at each delivery or drop of a copy, as the running count after each
 * change. Built once; `at` is a binary search.
 */
class FlightIndex {
  private readonly seqs = new Map<string, Int32Array>();
  private readonly counts = new Map<string, Int32Array>();

  constructor(changes: Map<string, number[]>) {
    for (const [key, list] of changes) {
      const seqs = new Int32Array(list.length / 2);
      const counts = new Int32Array(list.length / 2);
      let c = 0;
      for (let i = 0; i < list.length; i += 2) {
        c += list[i + 1] as number;
        seqs[i / 2] = list[i] as number;
        counts[i / 2] = c;
      }
      this.seqs.set(key, seqs);
      this.counts.set(key, counts);
    }
  }

  at(key: string, seq: number): number {
    const seqs = this.seqs.get(key);
    if (seqs === undefined) return 0;
    const i = lastIndexAt(seqs, seq);
    return i < 0 ? 0 : ((this.counts.get(key) as Int32Array)[i] as number);
  }
}

/** The sides' hull as a path: a polygon, a segment or a point, padded by a round, wide stroke. */
function hullPath(points: [number, number][]): string {
  if (points.length === 0) return '';
  const hull = points.length >= 3 ? polygonHull(points) : null;
  const ring = hull ?? [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const [first, ...rest] = ring as [number, number][];
  if (first === undefined) return '';
  if (rest.length === 0) return `M${first[0]},${first[1]}L${first[0] + 0.01},${first[1]}`;
  return `M${first[0]},${first[1]}${rest.map((p) => `L${p[0]},${p[1]}`).join('')}${hull === null ? '' : 'Z'}`;
}

/** Start, control and end points of a link bent to its right, trimmed to the nodes' edges. */
function bend(
  a: { x: number; y: number },
  b: { x: number; y: number },
  trimA: number,
  trimB: number,
  amount: number,
): { sx: number; sy: number; cx: number; cy: number; ex: number; ey: number } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const cx = (a.x + b.x) / 2 - (dy / len) * len * amount;
  const cy = (a.y + b.y) / 2 + (dx / len) * len * amount;
  const unit = (px: number, py: number) => {
    const l = Math.hypot(px, py) || 1;
    return [px / l, py / l] as const;
  };
  const [ux, uy] = unit(cx - a.x, cy - a.y);
  const [vx, vy] = unit(b.x - cx, b.y - cy);
  return {
    sx: a.x + ux * trimA,
    sy: a.y + uy * trimA,
    cx,
    cy,
    ex: b.x - vx * trimB,
    ey: b.y - vy * trimB,
  };
}

/** An arrowhead at (x, y) pointing along (dx, dy). */
function arrowHead(x: number, y: number, dx: number, dy: number, size: number): string {
  const l = Math.hypot(dx, dy) || 1;
  const ux = dx / l;
  const uy = dy / l;
  const bx = x - ux * size;
  const by = y - uy * size;
  const w = size * 0.55;
  return `M${x},${y}L${bx - uy * w},${by + ux * w}L${bx + uy * w},${by - ux * w}Z`;
}

export function topologyView(trace: Trace, options: TopologyOptions = {}): TopologyView {
  const width = options.width ?? 1000;
  const nodesMax = Math.max(1, options.nodesMax ?? NODES_MAX);
  const linksMax = Math.max(0, options.linksMax ?? LINKS_MAX);
  const spec = (trace.manifest.spec ?? {}) as SpecData;
  const zones = spec.trust?.zones ?? ['default'];
  const top = zones.length - 1;
  const levelOf = (z: string | undefined) => (z === undefined ? -1 : zones.indexOf(z));
  const agentLevel = new Map<string, number>();
  for (const a of spec.agents ?? []) {
    const l = levelOf(a.zone);
    agentLevel.set(a.id, l >= 0 ? l : top);
  }
  const sources = (spec.trust?.sources ?? []).map((s) => ({
    id: s.id,
    level: Math.max(0, levelOf(s.zone)),
  }));
  const sourceLevel = new Map(sources.map((s) => [s.id, s.level]));
  /** An origin's zone level, as the breach checker reads it. */
  const originLevel = (id: string) => agentLevel.get(id) ?? sourceLevel.get(id) ?? top;

  // What the trace carried: messages per directed agent link, reads per source link.
  const agentIds = trace.agentIds;
  const sourceIds = new Set(sources.map((s) => s.id));
  const counts = new Map<
    string,
    { source: string; target: string; count: number; first: number }
  >();
  const bump = (source: string, target: string, seq: number) => {
    const key = JSON.stringify([source, target]);
    const c = counts.get(key);
    if (c === undefined) counts.set(key, { source, target, count: 1, first: seq });
    else c.count++;
  };
  // Copies of each message in flight: +1 at its send and each duplicate, -1 at each delivery or drop.
  const linkOfMsg = new Map<number, string>();
  const flightChanges = new Map<string, number[]>();
  const allFlight: number[] = [];
  const flight = (key: string, seq: number, delta: number) => {
    const list = flightChanges.get(key);
    if (list === undefined) flightChanges.set(key, [seq, delta]);
    else list.push(seq, delta);
    allFlight.push(seq, delta);
  };
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kindAt(i);
    if (k !== 1 && k !== 2 && k !== 3 && k !== 4 && k !== 21) continue; // send, drop, duplicate, deliver, read
    const r = trace.record(i);
    if (r.kind === 'send') {
      if (r.agent === undefined || r.peer === undefined) continue;
      bump(r.agent, r.peer, i);
      if (r.msg === undefined) continue;
      const key = JSON.stringify([r.agent, r.peer]);
      linkOfMsg.set(r.msg, key);
      flight(key, i, 1);
    } else if (r.kind === 'read') {
      const s = (r.data as { source?: unknown } | undefined)?.source;
      if (r.agent !== undefined && typeof s === 'string' && sourceIds.has(s)) bump(s, r.agent, i);
    } else {
      const key = r.msg === undefined ? undefined : linkOfMsg.get(r.msg);
      if (key !== undefined) flight(key, i, r.kind === 'duplicate' ? 1 : -1);
    }
  }
  const inFlight = new FlightIndex(flightChanges);
  const inFlightAll = new FlightIndex(new Map([['', allFlight]]));
  const defaultDrop = spec.network?.defaults?.dropRatio ?? 0;
  const overrides = new Map<string, number>();
  for (const o of spec.network?.links ?? [])
    if (typeof o.dropRatio === 'number')
      overrides.set(JSON.stringify([o.source, o.target]), o.dropRatio);
  const allLinks: Link[] = [...counts.entries()].map(([key, c]) => ({
    ...c,
    dropRatio: sourceIds.has(c.source) ? undefined : (overrides.get(key) ?? defaultDrop),
  }));

  const last = trace.length - 1;
  const index = options.index ?? new CursorIndex(trace);
  const infection = new InfectionIndex(trace);
  const infectedSet = new Set(agentIds.filter((_, lane) => infection.infectedOf(lane, last)));
  const hopList = breachHops(trace);
  const hops = hopList.map((h) => h.origin);
  const onPath = new Set(hops);
  /** The record at which the breach path first reached each origin on it. */
  const reachedAt = new Map<string, number>();
  for (const h of hopList) if (!reachedAt.has(h.origin)) reachedAt.set(h.origin, h.seq);
  const windowsAll = options.windows ?? faultWindows(trace);
  const partitions = windowsAll.filter((w) => w.kind === 'partition');

  // Which nodes are drawn: the breach path's, then sources, then agents in trace order.
  const candidates: { id: string; kind: 'agent' | 'source'; level: number }[] = [
    ...sources.map((s) => ({ id: s.id, kind: 'source' as const, level: s.level })),
    ...agentIds.map((id) => ({ id, kind: 'agent' as const, level: agentLevel.get(id) ?? top })),
  ];
  const chosen = new Set<number>();
  candidates.forEach((c, i) => {
    if (onPath.has(c.id) && chosen.size < nodesMax) chosen.add(i);
  });
  for (let i = 0; i < candidates.length && chosen.size < nodesMax; i++) chosen.add(i);
  const drawn = candidates.filter((_, i) => chosen.has(i));
  const drawnIds = new Set(drawn.map((n) => n.id));

  // Grid placement: each zone a column band as wide as its grids need. The
  // sides of the run's first partition get grids of their own, side by side
  // with an empty column between them, so a cut runs between two blocks.
  const firstCut = partitions[0];
  const sideIndex = new Map<string, number>();
  (firstCut?.sides ?? []).forEach((members, i) => {
    for (const a of members) if (!sideIndex.has(a)) sideIndex.set(a, i);
  });
  const restSide = firstCut?.sides?.length ?? 0;
  const sideOf = (n: { id: string; kind: 'agent' | 'source' }) =>
    n.kind === 'source' ? -1 : (sideIndex.get(n.id) ?? restSide);
  const byZone = zones.map((_, z) => drawn.filter((n) => n.level === z));
  const groupsByZone = byZone.map((list) => {
    const keys = [...new Set(list.map(sideOf))].sort((a, b) => a - b);
    return keys.map((k) => list.filter((n) => sideOf(n) === k));
  });
  // Grids twice as wide as tall, the page being wider than it is tall; square
  // when sides stand side by side, which widens the zone already.
  const gridOf = (n: number, square: boolean) => {
    const c = n <= 1 ? 1 : Math.ceil(Math.sqrt(square ? n : n * 2));
    return { c, r: Math.max(1, Math.ceil(n / c)) };
  };
  const grids = groupsByZone.map((groups) =>
    groups.map((g) => gridOf(g.length, groups.length > 1)),
  );
  const cols = grids.map((gs) =>
    Math.max(1, gs.reduce((a, g) => a + g.c, 0) + Math.max(0, gs.length - 1)),
  );
  const rows = grids.map((gs) => Math.max(1, ...gs.map((g) => g.r)));
  const colSum = cols.reduce((a, b) => a + b, 0);
  const usable = width - 2 * MARGIN - (zones.length - 1) * GAP - zones.length * 2 * PAD;
  const cell = Math.max(CELL_MIN, Math.min(CELL_MAX, usable / colSum));
  // Width left over goes to the zones in proportion to their grids.
  const spare = Math.max(0, usable - colSum * cell) / colSum;
  const rowsMax = Math.max(...rows);
  const radius = Math.max(3, Math.min(14, cell * 0.2));
  const plotTop = HEAD;
  const plotH = rowsMax * cell + 2 * PAD;
  const height = plotTop + plotH + MARGIN;
  const bands: { x0: number; x1: number }[] = [];
  let bx = MARGIN;
  for (let z = 0; z < zones.length; z++) {
    const w = (cols[z] as number) * (cell + spare) + 2 * PAD;
    bands.push({ x0: bx, x1: bx + w });
    bx += w + GAP;
  }
  const nodes: Node[] = [];
  groupsByZone.forEach((groups, z) => {
    const band = bands[z] as { x0: number; x1: number };
    let colAt = 0;
    groups.forEach((list, gi) => {
      const { c, r } = (grids[z] as { c: number; r: number }[])[gi] as { c: number; r: number };
      const y0 = plotTop + PAD + ((rowsMax - r) * cell) / 2;
      list.forEach((n, i) => {
        const col = colAt + (i % c);
        const row = Math.floor(i / c);
        const x = band.x0 + PAD + (col + 0.5) * (cell + spare);
        const y = y0 + (row + 0.5) * cell;
        nodes.push({ ...n, homeX: x, homeY: y, x, y });
      });
      colAt += c + 1;
    });
  });
  const nodeById = new Map(nodes.map((n) => [n.id, n]));

  // Links drawn: between drawn nodes, the busiest first (ties by first record).
  const between = allLinks.filter((l) => drawnIds.has(l.source) && drawnIds.has(l.target));
  const links = [...between]
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .slice(0, linksMax)
    .sort((a, b) => a.first - b.first);

  // A few fixed force ticks pull talking nodes together inside their zones.
  const forceLinks: SimulationLinkDatum<Node>[] = links
    .filter((l) => l.source !== l.target)
    .map((l) => ({ source: l.source, target: l.target }));
  const degrees = new Map<string, number>();
  for (const l of forceLinks)
    for (const end of [l.source, l.target] as string[])
      degrees.set(end, (degrees.get(end) ?? 0) + 1);
  const degree = (end: string | number | Node) =>
    degrees.get(typeof end === 'object' ? end.id : String(end)) ?? 1;
  const sim = forceSimulation<Node>(nodes)
    .randomSource(fixedRandom())
    .force('x', forceX<Node>((n) => n.homeX).strength(0.25))
    .force('y', forceY<Node>((n) => n.homeY).strength(0.25))
    .force(
      'link',
      forceLink<Node, SimulationLinkDatum<Node>>(forceLinks)
        .id((n) => n.id)
        .distance(cell)
        .strength((l) => 0.2 / Math.max(1, Math.min(degree(l.source), degree(l.target)))),
    )
    .force('collide', forceCollide<Node>(Math.min(cell * 0.45, radius + 6)))
    .stop();
  sim.tick(TICKS);
  for (const n of nodes) {
    const band = bands[n.level] as { x0: number; x1: number };
    n.x = Math.min(band.x1 - PAD / 2 - radius, Math.max(band.x0 + PAD / 2 + radius, n.x));
    n.y = Math.min(plotTop + plotH - PAD / 2 - radius, Math.max(plotTop + PAD / 2 + radius, n.y));
  }

  // Drawing.
  const svgNode = svgEl('svg');
  const svg = select(svgNode)
    .attr('width', width)
    .attr('height', height)
    .attr('class', 'topology')
    .attr('role', 'img')
    .attr('aria-label', 'topology: agents and sources in trust zones');
  svg.append('rect').attr('width', width).attr('height', height).attr('fill', '#ffffff');
  const zoneTint = scaleLinear<string>()
    .domain([0, Math.max(1, top)])
    .range(['#fbe3e0', '#e2f1e4'])
    .interpolate(interpolateRgb);
  const zoneG = svg.append('g').attr('class', 'zones');
  zones.forEach((name, z) => {
    const band = bands[z] as { x0: number; x1: number };
    const g = zoneG.append('g').attr('class', 'zone');
    g.append('rect')
      .attr('x', band.x0)
      .attr('y', plotTop - 30)
      .attr('width', band.x1 - band.x0)
      .attr('height', plotH + 30)
      .attr('rx', 14)
      .attr('fill', zones.length === 1 ? '#eef1f4' : zoneTint(z))
      .attr('stroke', '#b9c0c8')
      .attr('stroke-dasharray', (byZone[z] as unknown[]).length === 0 ? '4 3' : null);
    const rank =
      zones.length === 1
        ? 'one zone'
        : z === 0
          ? 'least trusted'
          : z === top
            ? 'most trusted'
            : `trust ${z + 1} of ${zones.length}`;
    g.append('text')
      .attr('class', 'zone-name')
      .attr('x', (band.x0 + band.x1) / 2)
      .attr('y', plotTop - 14)
      .attr('text-anchor', 'middle')
      .attr('font-size', 14)
      .attr('font-weight', 600)
      .attr('fill', '#1d232b')
      .text(short(name, Math.max(4, Math.floor((band.x1 - band.x0) / 8))));
    g.append('text')
      .attr('x', (band.x0 + band.x1) / 2)
      .attr('y', plotTop - 1)
      .attr('text-anchor', 'middle')
      .attr('font-size', 10)
      .attr('fill', '#5b6470')
      .text(rank);
    g.append('title').text(`zone ${name}: ${rank}`);
  });
  // Arrows of trust order between neighbouring zones.
  for (let z = 0; z + 1 < zones.length; z++) {
    const x = ((bands[z] as { x1: number }).x1 + (bands[z + 1] as { x0: number }).x0) / 2;
    svg
      .append('text')
      .attr('x', x)
      .attr('y', plotTop - 14)
      .attr('text-anchor', 'middle')
      .attr('font-size', 12)
      .attr('fill', '#8a939d')
      .text('<');
  }

  // The sides of open partitions, under the links: redrawn only when the open set changes.
  const sidesG = svg.append('g').attr('class', 'partition-sides');

  const maxCount = Math.max(1, ...links.map((l) => l.count));
  // Dense graphs get thinner, fainter links so the nodes stay readable.
  const dense = links.length > 60;
  const linkWidth = scaleSqrt()
    .domain([1, maxCount])
    .range(dense ? [0.5, 2.5] : [1, 7])
    .clamp(true);
  const arrows = !dense;
  const linkG = svg.append('g').attr('class', 'links').attr('fill', 'none');
  /** Each drawn agent link's curve, for the cuts and the messages in flight. */
  const curves: {
    readonly link: Link;
    readonly key: string;
    readonly mid: { x: number; y: number };
    readonly normal: { x: number; y: number };
    readonly d: string;
    /** The link's group, faded while the link is cut. */
    readonly g: SVGGElement;
  }[] = [];
  for (const l of links) {
    const a = nodeById.get(l.source) as Node;
    const b = nodeById.get(l.target) as Node;
    const colour = l.dropRatio === undefined ? '#9aa1a9' : dropColour(l.dropRatio);
    const w = l.dropRatio === undefined ? Math.max(1.5, linkWidth(l.count)) : linkWidth(l.count);
    const g = linkG.append('g').attr('class', 'link');
    if (a === b) {
      g.append('circle')
        .attr('cx', a.x)
        .attr('cy', a.y - radius * 1.6)
        .attr('r', radius * 0.9)
        .attr('stroke', colour)
        .attr('stroke-width', w);
      if (l.dropRatio !== undefined)
        curves.push({
          link: l,
          key: JSON.stringify([l.source, l.target]),
          mid: { x: a.x, y: a.y - radius * 2.5 },
          normal: { x: 0, y: -1 },
          d: '',
          g: g.node() as SVGGElement,
        });
    } else {
      const p = bend(a, b, radius + 1, radius + 2, 0.12);
      const d = `M${p.sx},${p.sy}Q${p.cx},${p.cy} ${p.ex},${p.ey}`;
      g.append('path')
        .attr('d', d)
        .attr('stroke', colour)
        .attr('stroke-width', w)
        .attr('stroke-opacity', dense && l.dropRatio !== undefined ? 0.35 : 0.8)
        .attr('stroke-dasharray', l.dropRatio === undefined ? '5 3' : null);
      if (arrows)
        g.append('path')
          .attr('d', arrowHead(p.ex, p.ey, p.ex - p.cx, p.ey - p.cy, 5 + w))
          .attr('fill', colour);
      if (l.dropRatio !== undefined) {
        // The curve's middle, and the direction across it there.
        const mx = 0.25 * p.sx + 0.5 * p.cx + 0.25 * p.ex;
        const my = 0.25 * p.sy + 0.5 * p.cy + 0.25 * p.ey;
        const len = Math.hypot(p.ex - p.sx, p.ey - p.sy) || 1;
        curves.push({
          link: l,
          key: JSON.stringify([l.source, l.target]),
          mid: { x: mx, y: my },
          normal: { x: -(p.ey - p.sy) / len, y: (p.ex - p.sx) / len },
          d,
          g: g.node() as SVGGElement,
        });
      }
    }
    g.append('title').text(
      l.dropRatio === undefined
        ? `${l.source} → ${l.target}: ${l.count} reads`
        : `${l.source} → ${l.target}: ${l.count} messages, drop ratio ${l.dropRatio}`,
    );
  }

  // Cuts of open partitions, over the links.
  const cutG = svg.append('g').attr('class', 'partition-cuts');

  // Messages in flight: one dot per drawn agent link, shown while it has any.
  const flightG = svg.append('g').attr('class', 'in-flight');
  const flightLabels = !dense;
  const flights = curves.map((c) => {
    const g = flightG
      .append('g')
      .attr('class', 'flight')
      .attr('data-from', c.link.source)
      .attr('data-to', c.link.target)
      .attr('display', 'none');
    const dot = g
      .append('circle')
      .attr('cx', c.mid.x)
      .attr('cy', c.mid.y)
      .attr('r', 3)
      .attr('fill', IN_FLIGHT)
      .attr('fill-opacity', dense ? 0.5 : 1)
      .attr('stroke', dense ? 'none' : '#ffffff')
      .attr('stroke-width', 1.5);
    const label = flightLabels
      ? g
          .append('text')
          .attr('x', c.mid.x + c.normal.x * 14)
          .attr('y', c.mid.y + c.normal.y * 14 + 4)
          .attr('text-anchor', 'middle')
          .attr('font-size', 12)
          .attr('font-weight', 700)
          .attr('fill', IN_FLIGHT)
          .attr('paint-order', 'stroke')
          .attr('stroke', '#ffffff')
          .attr('stroke-width', 3)
          .node()
      : null;
    const title = g.append('title').node() as unknown as SVGTitleElement;
    return {
      g: g.node() as SVGGElement,
      dot: dot.node() as SVGCircleElement,
      label,
      title,
      shown: 0,
    };
  });

  // The breach path, over the links, each hop shown once the cursor reaches it.
  const pathG = svg.append('g').attr('class', 'breach-path').attr('fill', 'none');
  const hopEls: { g: SVGGElement; seq: number; from: string; to: string }[] = [];
  for (let i = 0; i + 1 < hops.length; i++) {
    const a = nodeById.get(hops[i] as string);
    const b = nodeById.get(hops[i + 1] as string);
    if (a === undefined || b === undefined) continue;
    const p = bend(a, b, radius + 4, radius + 5, 0.06);
    const d = `M${p.sx},${p.sy}Q${p.cx},${p.cy} ${p.ex},${p.ey}`;
    const g = pathG
      .append('g')
      .attr('class', 'breach-hop')
      .attr('data-from', a.id)
      .attr('data-to', b.id);
    g.append('path').attr('d', d).attr('stroke', '#ffffff').attr('stroke-width', 9);
    g.append('path')
      .attr('d', d)
      .attr('stroke', BREACH)
      .attr('stroke-width', 4)
      .attr('stroke-linecap', 'round');
    g.append('path')
      .attr('d', arrowHead(p.ex, p.ey, p.ex - p.cx, p.ey - p.cy, 13))
      .attr('fill', BREACH)
      .attr('stroke', '#ffffff')
      .attr('stroke-width', 1.5);
    g.append('title').text(`breach path: ${a.id} → ${b.id}`);
    hopEls.push({
      g: g.node() as SVGGElement,
      seq: (hopList[i + 1] as Hop).seq,
      from: a.id,
      to: b.id,
    });
  }

  // Decided values: the page's colours when given, else an ordinal scale in order of decision.
  const decidedKeys: string[] = [];
  for (let i = 0; i < trace.length; i++) {
    if (trace.kindAt(i) !== 9) continue; // decide
    const key = jsonText(trace.record(i).data ?? null);
    if (!decidedKeys.includes(key)) decidedKeys.push(key);
  }
  const ownColour = scaleOrdinal<string, string>().domain(decidedKeys).range(schemeTableau10);
  const valueColour = options.valueColour ?? ((key: string) => ownColour(key));

  const nodeG = svg.append('g').attr('class', 'nodes');
  const decidedG = svg.append('g').attr('class', 'decided-labels');
  const sideLabelG = svg.append('g').attr('class', 'partition-side-labels');
  const labelAll = nodes.length <= LABELS_MAX;
  const laneOf = new Map(agentIds.map((a, i) => [a, i]));
  interface NodeEls {
    readonly node: Node;
    readonly lane: number | undefined;
    readonly g: SVGGElement;
    readonly shape: SVGCircleElement | undefined;
    readonly ring: SVGCircleElement | undefined;
    readonly cross: SVGPathElement | undefined;
    readonly pathRing: SVGCircleElement | undefined;
    readonly decidedText: SVGTextElement | undefined;
    readonly title: SVGTitleElement;
    state: string;
  }
  const nodeEls: NodeEls[] = [];
  for (const n of nodes) {
    const g: Selection<SVGGElement, unknown, null, undefined> = nodeG
      .append('g')
      .attr('class', `node ${n.kind}${onPath.has(n.id) ? ' on-path' : ''}`)
      .attr('data-id', n.id);
    const pathRing = onPath.has(n.id)
      ? (g
          .append('circle')
          .attr('cx', n.x)
          .attr('cy', n.y)
          .attr('r', radius + 7)
          .attr('fill', 'none')
          .attr('stroke', BREACH)
          .attr('stroke-width', 2.5)
          .node() as SVGCircleElement)
      : undefined;
    let shape: SVGCircleElement | undefined;
    let ring: SVGCircleElement | undefined;
    let cross: SVGPathElement | undefined;
    if (n.kind === 'source')
      g.append('rect')
        .attr('x', n.x - radius)
        .attr('y', n.y - radius)
        .attr('width', 2 * radius)
        .attr('height', 2 * radius)
        .attr('rx', 3)
        .attr('fill', SOURCE_FILL)
        .attr('stroke', '#ffffff')
        .attr('stroke-width', 1.5);
    else {
      ring = g
        .append('circle')
        .attr('class', 'decided-ring')
        .attr('cx', n.x)
        .attr('cy', n.y)
        .attr('r', radius + 3)
        .attr('fill', 'none')
        .attr('stroke-width', Math.max(2, Math.min(4, radius * 0.3)))
        .attr('display', 'none')
        .node() as SVGCircleElement;
      shape = g
        .append('circle')
        .attr('cx', n.x)
        .attr('cy', n.y)
        .attr('r', radius)
        .node() as SVGCircleElement;
      const k = radius * 0.55;
      cross = g
        .append('path')
        .attr('class', 'down-cross')
        .attr(
          'd',
          `M${n.x - k},${n.y - k}L${n.x + k},${n.y + k}M${n.x - k},${n.y + k}L${n.x + k},${n.y - k}`,
        )
        .attr('stroke', '#ffffff')
        .attr('stroke-width', Math.max(1.5, radius * 0.25))
        .attr('stroke-linecap', 'round')
        .attr('display', 'none')
        .node() as SVGPathElement;
    }
    if (labelAll || n.kind === 'source' || onPath.has(n.id))
      g.append('text')
        .attr('x', n.x)
        .attr('y', n.y + radius + 12)
        .attr('text-anchor', 'middle')
        .attr('font-size', 11)
        .attr('fill', '#1d232b')
        .attr('paint-order', 'stroke')
        .attr('stroke', '#ffffff')
        .attr('stroke-width', 3)
        .text(short(n.id, Math.max(6, Math.floor(cell / 6.5))));
    const decidedText =
      n.kind === 'agent' && labelAll
        ? (decidedG
            .append('text')
            .attr('x', n.x)
            .attr('y', n.y + radius + 25)
            .attr('text-anchor', 'middle')
            .attr('font-size', 11)
            .attr('font-weight', 700)
            .attr('paint-order', 'stroke')
            .attr('stroke', '#ffffff')
            .attr('stroke-width', 3)
            .attr('display', 'none')
            .node() as SVGTextElement)
        : undefined;
    const title = g.append('title').node() as unknown as SVGTitleElement;
    nodeEls.push({
      node: n,
      lane: n.kind === 'agent' ? laneOf.get(n.id) : undefined,
      g: g.node() as SVGGElement,
      shape,
      ring,
      cross,
      pathRing,
      decidedText,
      title,
      state: '',
    });
  }

  // Notes, the cursor's line, and the legend, as text.
  const element = el('div', undefined, 'view topology');
  const notes: string[] = [];
  if (drawn.length < candidates.length)
    notes.push(
      `${drawn.length} of ${candidates.length} nodes drawn (at most ${nodesMax}); ${candidates.length - drawn.length} not drawn.`,
    );
  if (links.length < allLinks.length)
    notes.push(
      `${links.length} of ${allLinks.length} links drawn (the busiest among the nodes drawn); ${allLinks.length - links.length} not drawn.`,
    );
  if (!labelAll)
    notes.push(`Over ${LABELS_MAX} nodes: only sources and the breach path are named.`);
  const agentsN = agentIds.length;
  const infectedList = agentIds.filter((a) => infectedSet.has(a));
  const trusted = spec.trust !== undefined;
  const pathText =
    hops.length === 0
      ? trusted
        ? 'no breach'
        : 'No trust section in this scenario: one zone, so no breach path.'
      : `breach path: ${hops.map((h) => `${h} (${zones[originLevel(h)] ?? '?'})`).join(' → ')}`;
  const cursorText = el('p', '', 'note cursor-text');
  cursorText.style.fontWeight = '600';
  cursorText.style.color = '#1d232b';
  element.append(el('p', pathText, 'note breach-text'), cursorText);
  for (const n of notes) element.append(el('p', n, 'note'));
  element.append(svgNode);
  const legend = el('ul', undefined, 'legend');
  const item = (
    colour: string,
    text: string,
    shape: 'dot' | 'square' | 'line' | 'ring' | 'dashed' | 'cross' | 'hollow',
  ) => {
    const li = el('li');
    const sw = el('span', undefined, 'swatch');
    sw.style.display = 'inline-block';
    sw.style.marginRight = '0.3rem';
    sw.style.verticalAlign = 'middle';
    sw.style.boxSizing = 'border-box';
    if (shape === 'line' || shape === 'dashed') {
      sw.style.width = '18px';
      sw.style.height = shape === 'line' ? '4px' : '0';
      sw.style.background = shape === 'line' ? colour : 'none';
      if (shape === 'dashed') sw.style.borderTop = `3px dashed ${colour}`;
    } else {
      sw.style.width = '12px';
      sw.style.height = '12px';
      sw.style.borderRadius = shape === 'square' ? '2px' : '50%';
      if (shape === 'ring') sw.style.border = `3px solid ${colour}`;
      else if (shape === 'hollow') sw.style.border = `2px dashed ${colour}`;
      else sw.style.background = colour;
      if (shape === 'cross') sw.textContent = '×';
      sw.style.color = '#ffffff';
      sw.style.fontSize = '11px';
      sw.style.lineHeight = '12px';
      sw.style.textAlign = 'center';
    }
    li.append(sw, el('span', text));
    legend.append(li);
  };
  legend.append(el('li', 'at the cursor:'));
  item(AGENT_FILL, 'agent up', 'dot');
  item('#9aa1a9', 'not started', 'hollow');
  if (windowsAll.some((w) => w.kind === 'crash')) item(DOWN_FILL, 'down (crashed)', 'cross');
  if (infection.ever > 0) item(INFECTED, 'infected', 'dot');
  for (const key of decidedKeys.slice(0, 12))
    item(valueColour(key), `decided ${short(key, 24)}`, 'ring');
  if (decidedKeys.length > 12)
    legend.append(el('li', `and ${decidedKeys.length - 12} more decided values`));
  if (curves.length > 0)
    item(
      IN_FLIGHT,
      dense ? 'a message in flight on the link' : 'messages in flight (count)',
      'dot',
    );
  if (partitions.length > 0) {
    item(CUT, 'link cut by a partition', 'line');
    item(SIDE_COLOURS[0] as string, 'sides of the partition (shaded)', 'dot');
  }
  if (hops.length > 0) item(BREACH, 'breach path so far (source → agent → agent)', 'line');
  const legend2 = el('ul', undefined, 'legend');
  const item2 = (colour: string, text: string, square = false) => {
    const li = el('li');
    const sw = el('span', undefined, 'swatch');
    Object.assign(sw.style, {
      display: 'inline-block',
      width: square ? '12px' : '18px',
      height: square ? '12px' : '4px',
      borderRadius: square ? '2px' : '0',
      marginRight: '0.3rem',
      verticalAlign: 'middle',
      background: colour,
    });
    li.append(sw, el('span', text));
    legend2.append(li);
  };
  legend2.append(el('li', 'the whole run:'));
  if (sources.length > 0) item2(SOURCE_FILL, 'data source', true);
  item2(dropColour(0), 'link, drop ratio 0');
  item2(dropColour(0.2), 'drop ratio 0.2');
  item2(dropColour(1), 'drop ratio 1');
  if (sources.length > 0) item2('#9aa1a9', 'source read (dashed)');
  legend2.append(el('li', `width: messages on the link, up to ${maxCount}`));
  element.append(legend, legend2);

  // ---- the cursor ----
  let cursorSeq = -2;
  let openKey = '';
  let cutPairs: [string, string][] = [];
  let current: TopologyAt | undefined;

  /** Redraws the sides and cuts for the partitions open at `seq` (only when they change). */
  const showPartitions = (seq: number) => {
    const open = partitions.filter(
      (w) => w.fromSeq <= seq && (w.toSeq === undefined || seq < w.toSeq),
    );
    const key = open.map((w) => w.fromSeq).join(',');
    if (key === openKey) return;
    openKey = key;
    sidesG.selectAll('*').remove();
    sideLabelG.selectAll('*').remove();
    cutG.selectAll('*').remove();
    for (const c of curves) c.g.removeAttribute('opacity');
    cutPairs = [];
    if (open.length === 0) return;
    // Per partition, each agent's side: its group's index; agents in no group are one more side.
    const sideMaps = open.map((w) => {
      const sides = w.sides ?? [];
      const m = new Map<string, number>();
      sides.forEach((members, i) => {
        for (const a of members) m.set(a, i);
      });
      return { w, m, rest: sides.length };
    });
    const cutBy = (a: string, b: string) =>
      sideMaps.some(({ w, m, rest }) =>
        w.oneWay === true
          ? m.get(a) === 0 && m.get(b) === 1
          : (m.get(a) ?? rest) !== (m.get(b) ?? rest),
      );
    // The first open partition's sides are shaded and named.
    const first = sideMaps[0] as (typeof sideMaps)[number];
    const sideLists = (first.w.sides ?? []).map((s) => [...s]);
    const unlisted = agentIds.filter((a) => !first.m.has(a));
    if (first.w.oneWay !== true && unlisted.length > 0) sideLists.push(unlisted);
    const pad = radius + 12;
    sideLists.forEach((members, i) => {
      const colour = SIDE_COLOURS[i % SIDE_COLOURS.length] as string;
      const pts = members
        .map((a) => nodeById.get(a))
        .filter((n): n is Node => n !== undefined)
        .map((n) => [n.x, n.y] as [number, number]);
      if (pts.length === 0) return;
      const g = sidesG
        .append('g')
        .attr('class', 'partition-side')
        .attr('data-side', i)
        .attr('data-members', members.join(' '));
      g.append('path')
        .attr('d', hullPath(pts))
        .attr('fill', colour)
        .attr('fill-opacity', 0.16)
        .attr('stroke', colour)
        .attr('stroke-opacity', 0.16)
        .attr('stroke-width', 2 * pad)
        .attr('stroke-linejoin', 'round')
        .attr('stroke-linecap', 'round');
      const name =
        first.w.oneWay === true ? (i === 0 ? 'sending side' : 'cut-off side') : `side ${i + 1}`;
      // Named above the side, clear of self-loops, over the links and nodes.
      const xs = pts.map((p) => p[0]);
      const topY = Math.min(...pts.map((p) => p[1]));
      sideLabelG
        .append('text')
        .attr('class', 'side-label')
        .attr('x', (Math.min(...xs) + Math.max(...xs)) / 2)
        .attr('y', Math.max(plotTop + 12, topY - Math.max(pad, radius * 3.4) - 2))
        .attr('text-anchor', 'middle')
        .attr('font-size', 12)
        .attr('font-weight', 700)
        .attr('fill', colour)
        .attr('paint-order', 'stroke')
        .attr('stroke', '#ffffff')
        .attr('stroke-width', 3)
        .text(`${name}: ${short(members.join(' '), 40)}`)
        .append('title')
        .text(`${first.w.label}: ${name}: ${members.join(', ')}`);
      g.append('title').text(`${first.w.label}: ${name}: ${members.join(', ')}`);
    });
    const bar = Math.max(8, Math.min(16, cell * 0.14));
    for (const c of curves) {
      if (!cutBy(c.link.source, c.link.target)) continue;
      cutPairs.push([c.link.source, c.link.target]);
      c.g.setAttribute('opacity', '0.3');
      const g = cutG
        .append('g')
        .attr('class', 'cut')
        .attr('data-from', c.link.source)
        .attr('data-to', c.link.target);
      g.append('line')
        .attr('x1', c.mid.x - c.normal.x * bar)
        .attr('y1', c.mid.y - c.normal.y * bar)
        .attr('x2', c.mid.x + c.normal.x * bar)
        .attr('y2', c.mid.y + c.normal.y * bar)
        .attr('stroke', CUT)
        .attr('stroke-width', dense ? 2 : 3.5)
        .attr('stroke-linecap', 'round');
      g.append('title').text(
        `${c.link.source} → ${c.link.target} cut: ${open.map((w) => w.label).join('; ')}`,
      );
    }
  };

  const setCursor = (at: number) => {
    const seq = trace.length === 0 ? -1 : Math.max(0, Math.min(last, Math.round(at)));
    if (seq === cursorSeq && current !== undefined) return;
    cursorSeq = seq;
    const tick = seq < 0 ? 0 : trace.record(seq).tick;
    // Every agent, drawn or not, for the counts; the drawn ones change only when their state does.
    const infectedNow: string[] = [];
    const down: string[] = [];
    const pending: string[] = [];
    const decided = new Map<string, string>();
    agentIds.forEach((a, lane) => {
      const status = index.statusOf(lane, seq);
      if (status === 'down') down.push(a);
      else if (status === 'pending') pending.push(a);
      if (infection.infectedOf(lane, seq)) infectedNow.push(a);
      const d = index.decidedOf(lane, seq);
      if (d !== undefined) decided.set(a, jsonText(d));
    });
    const downSet = new Set(down);
    const pendingSet = new Set(pending);
    const infectedNowSet = new Set(infectedNow);
    for (const e of nodeEls) {
      const n = e.node;
      if (n.kind === 'source' || e.shape === undefined) {
        if (e.pathRing !== undefined) {
          const reached = (reachedAt.get(n.id) ?? Infinity) <= seq;
          e.pathRing.setAttribute('display', reached ? 'inline' : 'none');
        }
        continue;
      }
      const status = downSet.has(n.id) ? 'down' : pendingSet.has(n.id) ? 'pending' : 'up';
      const infected = infectedNowSet.has(n.id);
      const value = decided.get(n.id);
      const reached = onPath.has(n.id) && (reachedAt.get(n.id) ?? Infinity) <= seq;
      const state = `${status}|${infected}|${value ?? ''}|${reached}`;
      if (state === e.state) continue;
      e.state = state;
      const fill =
        status === 'down'
          ? DOWN_FILL
          : status === 'pending'
            ? '#ffffff'
            : infected
              ? INFECTED
              : AGENT_FILL;
      e.shape.setAttribute('fill', fill);
      e.shape.setAttribute(
        'stroke',
        status === 'pending' ? '#9aa1a9' : infected ? '#7a0f10' : '#ffffff',
      );
      e.shape.setAttribute('stroke-width', infected ? '2.5' : status === 'pending' ? '2' : '1.5');
      if (status === 'pending') e.shape.setAttribute('stroke-dasharray', '3 2');
      else e.shape.removeAttribute('stroke-dasharray');
      e.cross?.setAttribute('display', status === 'down' ? 'inline' : 'none');
      e.g.setAttribute(
        'class',
        `node agent status-${status}${infected ? ' infected' : ''}${value === undefined ? '' : ' decided'}${onPath.has(n.id) ? ' on-path' : ''}`,
      );
      if (value === undefined) {
        e.ring?.setAttribute('display', 'none');
        e.decidedText?.setAttribute('display', 'none');
      } else {
        const colour = valueColour(value);
        e.ring?.setAttribute('stroke', colour);
        e.ring?.setAttribute('display', 'inline');
        if (e.decidedText !== undefined) {
          e.decidedText.textContent = `decided ${short(value, 14)}`;
          e.decidedText.setAttribute('fill', colour);
          e.decidedText.setAttribute('display', 'inline');
        }
      }
      e.pathRing?.setAttribute('display', reached ? 'inline' : 'none');
      const zone = zones[n.level] ?? '?';
      const words = [
        status === 'up' ? 'up' : status === 'down' ? 'down (crashed)' : 'not started',
        ...(infected ? ['infected'] : []),
        ...(value === undefined ? [] : [`decided ${value}`]),
        ...(reached ? ['on the breach path'] : []),
      ];
      e.title.textContent = `agent ${n.id} in zone ${zone}; at the cursor: ${words.join(', ')}`;
    }
    const inFlightNow = new Map<string, number>();
    curves.forEach((c, i) => {
      const f = flights[i] as (typeof flights)[number];
      const count = inFlight.at(c.key, seq);
      if (count > 0) inFlightNow.set(`${c.link.source} → ${c.link.target}`, count);
      if (count === f.shown) return;
      f.shown = count;
      if (count <= 0) {
        f.g.setAttribute('display', 'none');
        return;
      }
      f.g.removeAttribute('display');
      f.dot.setAttribute(
        'r',
        String(dense ? 2 : Math.min(radius * 0.8, 3.5 + Math.sqrt(count) * 0.8)),
      );
      if (f.label !== null) f.label.textContent = count > 1 ? String(count) : '';
      f.title.textContent = `${c.link.source} → ${c.link.target}: ${count} in flight at the cursor`;
    });
    const shownHops: [string, string][] = [];
    for (const h of hopEls) {
      const on = h.seq <= seq;
      h.g.setAttribute('display', on ? 'inline' : 'none');
      if (on) shownHops.push([h.from, h.to]);
    }
    if (seq >= 0) showPartitions(seq);
    const inFlightTotal = seq < 0 ? 0 : inFlightAll.at('', seq);
    current = {
      seq,
      tick,
      infected: infectedNow,
      down,
      pending,
      decided,
      inFlight: inFlightNow,
      inFlightTotal,
      cut: cutPairs,
      hops: shownHops,
    };
    const parts = [`At the cursor (tick ${tick}):`];
    if (infection.ever > 0) parts.push(`${infectedNow.length} of ${agentsN} agents infected`);
    if (down.length > 0) parts.push(`${down.length} down`);
    if (pending.length > 0) parts.push(`${pending.length} not started`);
    parts.push(`${decided.size} of ${agentsN} decided`);
    parts.push(`${inFlightTotal} message${inFlightTotal === 1 ? '' : 's'} in flight`);
    if (openKey !== '') parts.push(`${cutPairs.length} links cut by a partition`);
    if (hopEls.length > 0) parts.push(`breach path ${shownHops.length} of ${hopEls.length} hops`);
    const text = `${parts[0]} ${parts.slice(1).join(' · ')}`;
    if (cursorText.textContent !== text) cursorText.textContent = text;
  };
  setCursor(last);

  const out: TopologyNode[] = nodes.map((n) => ({
    id: n.id,
    kind: n.kind,
    zone: zones[n.level] ?? '?',
    level: n.level,
    infected: n.kind === 'agent' && infectedSet.has(n.id),
    x: n.x,
    y: n.y,
  }));
  const outLinks: TopologyLink[] = links.map((l) => ({
    source: l.source,
    target: l.target,
    count: l.count,
    dropRatio: l.dropRatio,
  }));
  return {
    element,
    svg: svgNode,
    zones: () => zones,
    nodes: () => out,
    links: () => outLinks,
    breachPath: () => hops,
    infected: () => infectedList,
    stats: () => ({
      nodes: candidates.length,
      nodesDrawn: drawn.length,
      links: allLinks.length,
      linksDrawn: links.length,
    }),
    setCursor,
    at: () => current as TopologyAt,
  };
}
