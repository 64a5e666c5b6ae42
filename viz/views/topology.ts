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
 * boundaries. Infected agents (following an injected instruction at the end:
 * a `note {follows}` not undone by `{recovers}` or a crash, the infection
 * checker's convention) are ringed in red.
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
  type Selection,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
  scaleLinear,
  scaleSqrt,
  select,
} from 'd3';
import { check, type Json, type Trace, viewOf } from '../../sim/index.ts';
import { el, short } from './common.ts';

export interface TopologyOptions {
  /** Width in CSS pixels; default 1000. */
  readonly width?: number;
  /** Most nodes (agents and sources) drawn; default 2000. */
  readonly nodesMax?: number;
  /** Most links drawn (the busiest first); default 3000. */
  readonly linksMax?: number;
}

export interface TopologyNode {
  readonly id: string;
  readonly kind: 'agent' | 'source';
  readonly zone: string;
  /** Zone level: 0 is the least trusted. */
  readonly level: number;
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
const AGENT_FILL = '#4e79a7';
const SOURCE_FILL = '#f28e2b';
const INFECTED = '#d62728';
const BREACH = '#c2185b';
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

/** Agents following an injected instruction at the end (the infection checker's convention). */
function infectedAtEnd(trace: Trace): Set<string> {
  const following = new Map<string, Set<string>>();
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kindAt(i);
    if (k !== 10 && k !== 11) continue; // note, crash
    const r = trace.record(i);
    const agent = r.agent;
    if (agent === undefined) continue;
    if (r.kind === 'crash') {
      following.delete(agent);
      continue;
    }
    const d = r.data;
    if (d === null || typeof d !== 'object' || Array.isArray(d)) continue;
    const held = following.get(agent) ?? new Set<string>();
    if ('follows' in d) held.add(JSON.stringify(d['follows'] ?? null));
    else if ('recovers' in d) held.delete(JSON.stringify(d['recovers'] ?? null));
    else continue;
    if (held.size === 0) following.delete(agent);
    else following.set(agent, held);
  }
  return new Set(following.keys());
}

/** The origins along the breach verdict's chain: the source read first, then each agent. */
function breachHops(trace: Trace): string[] {
  const verdict = check(viewOf(trace), 'breach');
  if (verdict.status !== 'fails') return [];
  const hops: string[] = [];
  verdict.records.forEach((seq, i) => {
    const r = trace.record(seq);
    const source = (r.data as { source?: unknown } | undefined)?.source;
    if (i === 0 && (r.kind === 'read' || r.kind === 'content') && typeof source === 'string')
      hops.push(source);
    if (r.agent !== undefined && hops.at(-1) !== r.agent) hops.push(r.agent);
  });
  return hops;
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
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kindAt(i);
    if (k !== 1 && k !== 21) continue; // send, read
    const r = trace.record(i);
    if (r.agent === undefined) continue;
    if (r.kind === 'send' && r.peer !== undefined) bump(r.agent, r.peer, i);
    else if (r.kind === 'read') {
      const s = (r.data as { source?: unknown } | undefined)?.source;
      if (typeof s === 'string' && sourceIds.has(s)) bump(s, r.agent, i);
    }
  }
  const defaultDrop = spec.network?.defaults?.dropRatio ?? 0;
  const overrides = new Map<string, number>();
  for (const o of spec.network?.links ?? [])
    if (typeof o.dropRatio === 'number')
      overrides.set(JSON.stringify([o.source, o.target]), o.dropRatio);
  const allLinks: Link[] = [...counts.entries()].map(([key, c]) => ({
    ...c,
    dropRatio: sourceIds.has(c.source) ? undefined : (overrides.get(key) ?? defaultDrop),
  }));

  const infectedSet = infectedAtEnd(trace);
  const hops = breachHops(trace);
  const onPath = new Set(hops);

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

  // Grid placement: each zone a column band as wide as its grid needs.
  const byZone = zones.map((_, z) => drawn.filter((n) => n.level === z));
  // Grids twice as wide as tall: the page is wider than it is tall.
  const cols = byZone.map((list) => (list.length <= 1 ? 1 : Math.ceil(Math.sqrt(list.length * 2))));
  const rows = byZone.map((list, z) => Math.max(1, Math.ceil(list.length / (cols[z] as number))));
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
  byZone.forEach((list, z) => {
    const band = bands[z] as { x0: number; x1: number };
    const c = cols[z] as number;
    const rz = rows[z] as number;
    const cx = (band.x0 + band.x1) / 2;
    const y0 = plotTop + PAD + ((rowsMax - rz) * cell) / 2;
    list.forEach((n, i) => {
      const col = i % c;
      const row = Math.floor(i / c);
      const x = cx + (col - (c - 1) / 2) * (cell + spare);
      const y = y0 + (row + 0.5) * cell;
      nodes.push({ ...n, homeX: x, homeY: y, x, y });
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

  const maxCount = Math.max(1, ...links.map((l) => l.count));
  // Dense graphs get thinner, fainter links so the nodes stay readable.
  const dense = links.length > 60;
  const linkWidth = scaleSqrt()
    .domain([1, maxCount])
    .range(dense ? [0.5, 2.5] : [1, 7])
    .clamp(true);
  const arrows = !dense;
  const linkG = svg.append('g').attr('class', 'links').attr('fill', 'none');
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
    } else {
      const p = bend(a, b, radius + 1, radius + 2, 0.12);
      g.append('path')
        .attr('d', `M${p.sx},${p.sy}Q${p.cx},${p.cy} ${p.ex},${p.ey}`)
        .attr('stroke', colour)
        .attr('stroke-width', w)
        .attr('stroke-opacity', dense && l.dropRatio !== undefined ? 0.35 : 0.8)
        .attr('stroke-dasharray', l.dropRatio === undefined ? '5 3' : null);
      if (arrows)
        g.append('path')
          .attr('d', arrowHead(p.ex, p.ey, p.ex - p.cx, p.ey - p.cy, 5 + w))
          .attr('fill', colour);
    }
    g.append('title').text(
      l.dropRatio === undefined
        ? `${l.source} → ${l.target}: ${l.count} reads`
        : `${l.source} → ${l.target}: ${l.count} messages, drop ratio ${l.dropRatio}`,
    );
  }

  // The breach path, over the links.
  const pathG = svg.append('g').attr('class', 'breach-path').attr('fill', 'none');
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
  }

  const nodeG = svg.append('g').attr('class', 'nodes');
  const labelAll = nodes.length <= LABELS_MAX;
  for (const n of nodes) {
    const infected = n.kind === 'agent' && infectedSet.has(n.id);
    const g: Selection<SVGGElement, unknown, null, undefined> = nodeG
      .append('g')
      .attr(
        'class',
        `node ${n.kind}${infected ? ' infected' : ''}${onPath.has(n.id) ? ' on-path' : ''}`,
      );
    if (onPath.has(n.id))
      g.append('circle')
        .attr('cx', n.x)
        .attr('cy', n.y)
        .attr('r', radius + 4)
        .attr('fill', 'none')
        .attr('stroke', BREACH)
        .attr('stroke-width', 2);
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
    else
      g.append('circle')
        .attr('cx', n.x)
        .attr('cy', n.y)
        .attr('r', radius)
        .attr('fill', infected ? INFECTED : AGENT_FILL)
        .attr('stroke', infected ? '#7a0f10' : '#ffffff')
        .attr('stroke-width', infected ? 2.5 : 1.5);
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
    const zone = zones[n.level] ?? '?';
    g.append('title').text(
      `${n.kind} ${n.id} in zone ${zone}${infected ? ', infected at the end' : ''}${onPath.has(n.id) ? ', on the breach path' : ''}`,
    );
  }

  // Notes and legend, as text.
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
  const pathText =
    hops.length === 0
      ? 'no breach'
      : `breach path: ${hops.map((h) => `${h} (${zones[originLevel(h)] ?? '?'})`).join(' → ')}`;
  element.append(
    el('p', pathText, 'note breach-text'),
    el('p', `${infectedList.length} of ${agentsN} agents infected at the end.`, 'note'),
  );
  for (const n of notes) element.append(el('p', n, 'note'));
  element.append(svgNode);
  const legend = el('ul', undefined, 'legend');
  const item = (colour: string, text: string, shape: 'dot' | 'square' | 'line' | 'ring') => {
    const li = el('li');
    const sw = el('span', undefined, 'swatch');
    sw.style.display = 'inline-block';
    sw.style.marginRight = '0.3rem';
    sw.style.verticalAlign = 'middle';
    if (shape === 'line') {
      sw.style.width = '18px';
      sw.style.height = '4px';
      sw.style.background = colour;
    } else {
      sw.style.width = '11px';
      sw.style.height = '11px';
      sw.style.borderRadius = shape === 'square' ? '2px' : '50%';
      if (shape === 'ring') sw.style.border = `2px solid ${colour}`;
      else sw.style.background = colour;
    }
    li.append(sw, el('span', text));
    legend.append(li);
  };
  item(AGENT_FILL, 'agent', 'dot');
  item(SOURCE_FILL, 'data source', 'square');
  item(INFECTED, 'infected at the end', 'dot');
  item(BREACH, 'breach path (source → agent → agent)', 'line');
  item(dropColour(0), 'link, drop ratio 0', 'line');
  item(dropColour(0.2), 'drop ratio 0.2', 'line');
  item(dropColour(1), 'drop ratio 1', 'line');
  item('#9aa1a9', 'source read (dashed)', 'line');
  legend.append(el('li', `width: messages on the link, up to ${maxCount}`));
  element.append(legend);

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
  };
}
