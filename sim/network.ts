/**
 * The network as data: directed links with loss, latency, duplication,
 * reordering (jitter, or FIFO), a cap on copies in flight, and partitions.
 * Each sender's messages draw from the sender's own stream `net/<source>`,
 * always four draws per message (loss, duplication, two latencies), so
 * changing one parameter leaves every other draw of the run where it was, and
 * an agent added to the scenario changes no draw of a sender that does not
 * send to it. (A stream per link would isolate more, but costs n² streams.)
 * A scheduler (`NetworkSpec.scheduler`) replaces only the latency of the
 * copies it is asked about; the draws are made all the same.
 */
import { deriveStream, type Stream } from './rng.ts';
import {
  type ChooseLatency,
  type Latency,
  LINK_DEFAULTS,
  type LinkSpec,
  type NetworkSpec,
} from './spec.ts';

/** Per-link state, kept only for links that need it (FIFO or an in-flight limit). */
export interface LinkState {
  inFlight: number;
  /** Latest delivery tick scheduled so far (for FIFO links). */
  deliveryTickLast: number;
}

/**
 * Latency in ticks for a uniform draw u in [0, 1). Pure. Uses Math.log and
 * Math.pow for the heavy-tailed kinds; the cross-engine hash test covers them.
 */
export function sampleLatency(latency: Latency, u: number): number {
  switch (latency.kind) {
    case 'constant':
      return latency.ticks;
    case 'uniform':
      return latency.ticksMin + Math.floor(u * (latency.ticksMax - latency.ticksMin + 1));
    case 'exponential': {
      // Geometric on {0, 1, ...} with success probability 1 / (mean + 1): mean is exactly ticksMean.
      const q = latency.ticksMean / (latency.ticksMean + 1);
      const extra = q === 0 ? 0 : Math.floor(Math.log(1 - u) / Math.log(q));
      return Math.min((latency.ticksMin ?? 0) + extra, latency.ticksCap ?? LATENCY_CAP_TICKS);
    }
    case 'pareto': {
      const x = Math.floor(latency.ticksMin * (1 - u) ** (-1 / latency.alpha));
      return Math.min(x, latency.ticksCap ?? LATENCY_CAP_TICKS);
    }
  }
}

/** The least latency in ticks `latency` can draw. Pure. */
export function latencyTicksLeast(latency: Latency): number {
  switch (latency.kind) {
    case 'constant':
      return latency.ticks;
    case 'uniform':
      return latency.ticksMin;
    case 'exponential':
      return Math.min(latency.ticksMin ?? 0, latency.ticksCap ?? LATENCY_CAP_TICKS);
    case 'pareto':
      return Math.min(Math.floor(latency.ticksMin), latency.ticksCap ?? LATENCY_CAP_TICKS);
  }
}

/** Cap on any latency draw when the scenario sets none. */
export const LATENCY_CAP_TICKS = 1_000_000;

export class Network {
  private readonly defaults: LinkSpec;
  private readonly overrides = new Map<number, LinkSpec>();
  private readonly states = new Map<number, LinkState>();
  private readonly streams: (Stream | undefined)[];
  private readonly count: number;
  /** The scenario's scheduler for this run, if it has one. */
  readonly choose: ChooseLatency | undefined;

  constructor(
    private readonly agentIds: readonly string[],
    spec: NetworkSpec | undefined,
    private readonly seed: number,
  ) {
    this.count = agentIds.length;
    this.streams = new Array<Stream | undefined>(this.count);
    this.defaults = { ...LINK_DEFAULTS, ...spec?.defaults };
    this.choose = spec?.scheduler?.create(agentIds);
    const index = new Map(agentIds.map((id, i) => [id, i]));
    for (const o of spec?.links ?? []) {
      const { source, target, ...rest } = o;
      const s = index.get(source) as number;
      const t = index.get(target) as number;
      this.overrides.set(s * this.count + t, { ...this.defaults, ...rest });
    }
  }

  /** How the link from agent index `source` to `target` treats messages. */
  spec(source: number, target: number): LinkSpec {
    if (this.overrides.size === 0) return this.defaults;
    return this.overrides.get(source * this.count + target) ?? this.defaults;
  }

  /** The stream the messages of agent `source` draw from. */
  stream(source: number): Stream {
    let s = this.streams[source];
    if (s === undefined) {
      s = deriveStream(this.seed, `net/${this.agentIds[source] as string}`);
      this.streams[source] = s;
    }
    return s;
  }

  /** State of a link that needs it (FIFO or in-flight limit), created on first use. */
  state(source: number, target: number): LinkState {
    const key = source * this.count + target;
    let link = this.states.get(key);
    if (link === undefined) {
      link = { inFlight: 0, deliveryTickLast: 0 };
      this.states.set(key, link);
    }
    return link;
  }
}

/** One active partition: which directed links it cuts. */
interface Cut {
  readonly id: number;
  /** Symmetric: group of each agent; links between different groups are cut. */
  readonly group?: Int32Array;
  /** Asymmetric: links from a `from` agent to a `to` agent are cut. */
  readonly from?: Uint8Array;
  readonly to?: Uint8Array;
}

/** The partitions in force. Few at a time, so a list is the fastest lookup. */
export class Partitions {
  private cuts: Cut[] = [];

  constructor(private readonly agentIndex: ReadonlyMap<string, number>) {}

  get active(): number {
    return this.cuts.length;
  }

  /** Starts a symmetric partition; agents in no group share one more group. */
  splitGroups(id: number, groups: readonly (readonly string[])[]): void {
    const group = new Int32Array(this.agentIndex.size).fill(groups.length);
    groups.forEach((members, g) => {
      for (const m of members) group[this.agentIndex.get(m) as number] = g;
    });
    this.cuts.push({ id, group });
  }

  /** Starts an asymmetric partition cutting every link from `from` to `to`. */
  splitOneWay(id: number, from: readonly string[], to: readonly string[]): void {
    const f = new Uint8Array(this.agentIndex.size);
    const t = new Uint8Array(this.agentIndex.size);
    for (const m of from) f[this.agentIndex.get(m) as number] = 1;
    for (const m of to) t[this.agentIndex.get(m) as number] = 1;
    this.cuts.push({ id, from: f, to: t });
  }

  /** The ids of the partitions in force, in the order they started. */
  ids(): number[] {
    return this.cuts.map((c) => c.id);
  }

  heal(id: number): void {
    this.cuts = this.cuts.filter((c) => c.id !== id);
  }

  /** True when some active partition cuts the link source → target. */
  isCut(source: number, target: number): boolean {
    for (const c of this.cuts) {
      if (c.group !== undefined) {
        if (c.group[source] !== c.group[target]) return true;
      } else if (c.from?.[source] === 1 && c.to?.[target] === 1) {
        return true;
      }
    }
    return false;
  }
}
