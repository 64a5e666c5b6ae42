/**
 * Trust: zones, capabilities, provenance and the mitigations that guard
 * privileged actions. Pure; the engine calls it at each send, delivery, read
 * and act when the scenario has a `trust` section, and never otherwise, so
 * scenarios without one keep their traces.
 *
 * The model:
 * - Zones are listed from least to most trusted (e.g. web < user <
 *   orchestrator < production). Agents and data sources belong to zones;
 *   an agent without a zone is in the most trusted one.
 * - Provenance: the origins (agents and sources) that influenced a message.
 *   A message carries its sender and, by default (`provenance: 'sticky'`),
 *   everything its sender has consumed so far in the run; with
 *   `provenance: 'message'` only what the step that sent it consumed (the
 *   delivered message or content that triggered the step). Sticky is the
 *   conservative choice an LLM's context window suggests: what it read once
 *   can colour everything it writes later.
 * - Capabilities are named permissions (`db.delete@prod`) granted per agent.
 *   `act(capability)` performs a privileged action; without the capability
 *   it is refused and recorded. A capability's `zone` is the least trusted
 *   zone allowed to influence it (default: the acting agent's zone);
 *   `destructive` marks an irreversible action.
 * - Untrusted content carries an injected instruction in the field
 *   `instruction` of a message or a source's content. Whether an agent
 *   follows it is the protocol's business (a susceptibility parameter).
 *
 * Mitigations (each a switch in `mitigations`):
 * - tagging: delivered messages and contents get `untrusted: true` when their
 *   provenance holds an origin below the receiver's zone; protocols may
 *   lower their susceptibility for tagged input.
 * - gateway: at the boundary into `zone` (agents in it or above), a message
 *   or content whose provenance holds an origin below it is inspected: an
 *   instruction is caught with `detectRatio` and then blocked (dropped,
 *   reason `gateway`) or stripped (delivered without its instruction);
 *   benign input is blocked by mistake with `falsePositiveRatio`.
 * - quarantine: an agent marked `quarantined` may read anything, holds no
 *   capability, and whatever it sends has its instruction stripped: it
 *   returns data, never orders (the dual-LLM / CaMeL pattern).
 * - labels: an act whose provenance holds an origin below the capability's
 *   zone is refused (reason `label`; FIDES-style information-flow control).
 * - leastPrivilege: an agent may use only the capabilities its task `needs`,
 *   whatever it was granted.
 * - approval: destructive acts wait `delayTicks` for a human, who approves a
 *   legitimate act and rejects a tainted one, each wrong with `errorRatio`.
 */
import type { Json } from './spec.ts';
import { JsonText, primitiveJson } from './trace.ts';

export interface SourceSpec {
  readonly id: string;
  readonly zone: string;
  /** What a read returns (merged into the `content` event); may hold `instruction`. */
  readonly content?: Readonly<Record<string, Json>>;
  /** Ticks from a read to its content; default 1. */
  readonly latencyTicks?: number;
}

export interface CapabilitySpec {
  readonly name: string;
  /** The least trusted zone allowed to influence this action; default the acting agent's zone. */
  readonly zone?: string;
  /** Irreversible (deleting production data, paying): human approval applies to these. */
  readonly destructive?: boolean;
}

export interface GatewaySpec {
  /** Agents in this zone or above are behind the gateway. */
  readonly zone: string;
  readonly detectRatio: number;
  readonly falsePositiveRatio: number;
  readonly action: 'block' | 'strip';
}

export interface ApprovalSpec {
  readonly delayTicks: number;
  readonly errorRatio: number;
}

export interface Mitigations {
  readonly tagging?: boolean;
  readonly gateway?: GatewaySpec;
  readonly labels?: boolean;
  readonly leastPrivilege?: boolean;
  readonly approval?: ApprovalSpec;
}

export interface TrustSpec {
  /** Zone names, least trusted first. */
  readonly zones: readonly string[];
  readonly sources?: readonly SourceSpec[];
  readonly capabilities?: readonly CapabilitySpec[];
  readonly provenance?: 'sticky' | 'message';
  readonly mitigations?: Mitigations;
}

/** What the trust model needs of an agent (from its AgentSpec). */
export interface TrustAgent {
  readonly id: string;
  readonly zone?: string | undefined;
  readonly capabilities?: readonly string[] | undefined;
  readonly needs?: readonly string[] | undefined;
  readonly quarantined?: boolean | undefined;
}

/** A set of origins, as sorted origin indices (agents first, then sources). Shared, never mutated. */
export type Provenance = readonly number[];

const EMPTY: Provenance = [];

/** The union of two provenances (returns one of them when nothing is new). */
export function unionProvenance(a: Provenance, b: Provenance): Provenance {
  if (b.length === 0 || a === b) return a;
  if (a.length === 0) return b;
  if (b.length <= a.length && includes(a, b)) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? (a[i] as number) : Infinity;
    const y = j < b.length ? (b[j] as number) : Infinity;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out.length === a.length ? a : out.length === b.length ? b : out;
}

/** Whether sorted `a` holds every origin of sorted `b`, without allocating (a delivery's usual case once provenances have spread). */
function includes(a: Provenance, b: Provenance): boolean {
  let i = 0;
  for (let j = 0; j < b.length; j++) {
    const y = b[j] as number;
    while (i < a.length && (a[i] as number) < y) i++;
    if (i === a.length || a[i] !== y) return false;
    i++;
  }
  return true;
}

/** Outcome of an act, before approval. */
export type ActCheck =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'pending' }
  | { readonly outcome: 'refused'; readonly reason: 'capability' | 'label' | 'quarantine' };

/** The trust state of one run. */
export class Trust {
  /** Origin names: agent ids, then source ids. */
  readonly origins: readonly string[];
  /** Zone level of each origin (0 = least trusted). */
  readonly levels: Int32Array;
  readonly sticky: boolean;
  readonly mitigations: Mitigations;
  private readonly sourceIndex: Map<string, number>;
  private readonly capabilities: Map<string, CapabilitySpec>;
  /** Per agent: what it has consumed (sticky mode). */
  private readonly taint: Provenance[];
  private readonly self: Provenance[];
  private readonly granted: ReadonlySet<string>[];
  private readonly gatewayLevel: number;
  /** The payload text of a delivery record per provenance, without and with `stripped`. */
  private readonly deliverTexts = [
    new WeakMap<Provenance, JsonText>(),
    new WeakMap<Provenance, JsonText>(),
  ];

  constructor(
    readonly spec: TrustSpec,
    readonly agents: readonly TrustAgent[],
  ) {
    const zoneLevel = new Map(spec.zones.map((z, i) => [z, i]));
    const top = spec.zones.length - 1;
    const sources = spec.sources ?? [];
    this.origins = [...agents.map((a) => a.id), ...sources.map((s) => s.id)];
    this.levels = new Int32Array(this.origins.length);
    agents.forEach((a, i) => {
      this.levels[i] = a.zone === undefined ? top : (zoneLevel.get(a.zone) ?? top);
    });
    sources.forEach((s, i) => {
      this.levels[agents.length + i] = zoneLevel.get(s.zone) ?? 0;
    });
    this.sourceIndex = new Map(sources.map((s, i) => [s.id, agents.length + i]));
    this.capabilities = new Map((spec.capabilities ?? []).map((c) => [c.name, c]));
    this.sticky = spec.provenance !== 'message';
    this.mitigations = spec.mitigations ?? {};
    this.self = agents.map((_, i) => [i]);
    this.taint = agents.map((_, i) => this.self[i] as Provenance);
    this.granted = agents.map((a) => {
      if (a.quarantined) return new Set<string>();
      const g = a.capabilities ?? [];
      if (!this.mitigations.leastPrivilege || a.needs === undefined) return new Set(g);
      const needs = new Set(a.needs);
      return new Set(g.filter((c) => needs.has(c)));
    });
    const gz = this.mitigations.gateway?.zone;
    this.gatewayLevel = gz === undefined ? -1 : (zoneLevel.get(gz) ?? -1);
  }

  /** Index of source `id`, or undefined. */
  source(id: string): number | undefined {
    return this.sourceIndex.get(id);
  }

  sourceSpec(index: number): SourceSpec {
    return (this.spec.sources ?? [])[index - this.agents.length] as SourceSpec;
  }

  /** Provenance of what agent `a` sends in a step triggered by input of provenance `trigger`. */
  outgoing(a: number, trigger: Provenance): Provenance {
    return this.sticky
      ? (this.taint[a] as Provenance)
      : unionProvenance(this.self[a] as Provenance, trigger);
  }

  /** Agent `a` consumes input of provenance `p` (sticky mode keeps it). */
  consume(a: number, p: Provenance): void {
    if (this.sticky) this.taint[a] = unionProvenance(this.taint[a] as Provenance, p);
  }

  /** The lowest zone level in `p` (Infinity when empty). */
  lowest(p: Provenance): number {
    let m = Infinity;
    for (const o of p) m = Math.min(m, this.levels[o] as number);
    return m;
  }

  /** True when `p` holds an origin below agent `a`'s zone. */
  untrustedFor(a: number, p: Provenance): boolean {
    return this.lowest(p) < (this.levels[a] as number);
  }

  /** True when the gateway stands between input of provenance `p` and agent `a`. */
  gatewayGuards(a: number, p: Provenance): boolean {
    return (
      this.gatewayLevel >= 0 &&
      (this.levels[a] as number) >= this.gatewayLevel &&
      this.lowest(p) < this.gatewayLevel
    );
  }

  quarantined(a: number): boolean {
    return this.agents[a]?.quarantined === true;
  }

  /** The level an act with `capability` by agent `a` requires of its influences. */
  requiredLevel(a: number, capability: string): number {
    const zone = this.capabilities.get(capability)?.zone;
    const i = zone === undefined ? -1 : this.spec.zones.indexOf(zone);
    return i >= 0 ? i : (this.levels[a] as number);
  }

  destructive(capability: string): boolean {
    return this.capabilities.get(capability)?.destructive === true;
  }

  /** Judges an act before approval. */
  check(a: number, capability: string, p: Provenance): ActCheck {
    if (!(this.granted[a] as ReadonlySet<string>).has(capability))
      return { outcome: 'refused', reason: this.quarantined(a) ? 'quarantine' : 'capability' };
    if (this.mitigations.labels && this.lowest(p) < this.requiredLevel(a, capability))
      return { outcome: 'refused', reason: 'label' };
    if (this.mitigations.approval !== undefined && this.destructive(capability))
      return { outcome: 'pending' };
    return { outcome: 'done' };
  }

  /** Origin names of `p`, for the trace. */
  names(p: Provenance): string[] {
    return p.map((o) => this.origins[o] as string);
  }

  /**
   * The payload of a delivery record of provenance `p`, `{ prov: names(p) }`
   * and `stripped: true` when the gateway stripped the input, as JSON text
   * made once per provenance (copies of one message share theirs).
   */
  deliverData(p: Provenance, stripped: boolean): JsonText {
    const cache = this.deliverTexts[stripped ? 1 : 0] as WeakMap<Provenance, JsonText>;
    let text = cache.get(p);
    if (text === undefined) {
      // Written out: JSON.stringify of the object was a sixteenth of a short run with trust.
      let json = '{"prov":[';
      for (let i = 0; i < p.length; i++)
        json += (i === 0 ? '' : ',') + primitiveJson(this.origins[p[i] as number] ?? null);
      text = new JsonText(stripped ? `${json}],"stripped":true}` : `${json}]}`);
      cache.set(p, text);
    }
    return text;
  }

  static readonly EMPTY = EMPTY;
}
