/**
 * A run's story: its key moments as short sentences in plain words, computed
 * from the trace and the verdicts alone (no text is written per scenario), for
 * `parley run --story` and the page. Each sentence ends with its tick
 * ("… at tick 40"), except the moments at the end of a run, which say when and
 * why the run stopped. Pure.
 *
 * The moments, each found from records and verdicts:
 * - faults starting and ending: crash, restart, partition, heal, omission,
 *   skew (the same kind at the same tick is one moment naming every agent);
 * - the first message lost on its way into the causal past of a failing
 *   verdict's records: a drop that, delivered instead, would be in its
 *   receiver's part of that past (happens-before over send → deliver and each
 *   agent's own order; an agent a failing termination verdict names as
 *   waiting is in the past until the run stopped);
 * - among honest agents: the first decision, each decision that disagrees
 *   with it, and each decision taken on the smaller side of an active
 *   partition (at most half of all agents, as minority-commit counts);
 * - each hop of the first breach's chain (sim/checkers/breach.ts), and the
 *   first executed act that was destructive or induced by an injected
 *   instruction when a failing verdict says so;
 * - the first act refused (a capability missing, or a mitigation holding);
 * - the first injected instruction followed (a note `{ injected }` or
 *   `{ follows }`);
 * - spend: the first refused charge, each budget first exceeded (failing
 *   budget verdict), and, for a failing runaway verdict, the first charge
 *   and the spend still growing when the run stopped;
 * - convergence: the tick the honest agents came to hold one value, or how
 *   many values they still held at the end; infection: more than half the
 *   agents following, the peak, and the instruction dying out;
 * - a failing termination verdict: who had not decided when the run stopped.
 *
 * Cost: one pass over the trace to index it by kind (RunView, shared with the
 * checkers when the caller passes one), then one pass over the records of
 * each kind read here.
 */

import { namedCapability } from './checkers/attack.ts';
import { findBreaches, TrustView } from './checkers/breach.ts';
import type { Verdict } from './checkers/verdict.ts';
import { valueKey } from './checkers/verdict.ts';
import { RunView } from './checkers/view.ts';
import { num } from './checkers/words.ts';
import type { Json } from './spec.ts';
import { Kind, type Trace, type TraceRecord } from './trace.ts';

/** What a moment is about. Faults keep their record kind's name. */
export type MomentKind =
  | 'crash'
  | 'restart'
  | 'partition'
  | 'heal'
  | 'omission'
  | 'omission.end'
  | 'skew'
  | 'skew.end'
  | 'drop'
  | 'decide'
  | 'disagree'
  | 'alone'
  | 'breach'
  | 'act'
  | 'injection'
  | 'spend'
  | 'refusal'
  | 'budget'
  | 'runaway'
  | 'converge'
  | 'infection'
  | 'undecided'
  | 'more';

/** One key moment of a run. */
export interface Moment {
  /** The record the moment is at (for a moment at the end of the run, the last record). */
  readonly seq: number;
  readonly tick: number;
  readonly kind: MomentKind;
  /** One sentence, tick last. */
  readonly text: string;
  /** The agents the sentence names or counts. */
  readonly agents?: readonly string[];
}

export interface StoryOptions {
  /** Most moments of one repeating kind (faults, decisions) before the rest are counted in one moment; default 8. */
  readonly repeatsMax?: number;
}

/** Most agents a sentence names before it counts the rest. */
const NAMES_MAX = 3;
/** Longest value quoted in a sentence, in characters. */
const VALUE_CHARS_MAX = 40;

/**
 * The key moments of a run, sorted by seq (then in the order found).
 * `verdicts` are the run's verdicts (judged or not); pass the RunView the
 * checkers read to index the trace once. Pure.
 */
export function keyMoments(
  source: Trace | RunView,
  verdicts: readonly Verdict[],
  options: StoryOptions = {},
): Moment[] {
  const view = source instanceof RunView ? source : new RunView(source);
  const story = new Story(view, options.repeatsMax ?? 8);
  const failing = verdicts.filter((v) => v.status === 'fails');
  story.faults();
  story.firstDrop(failing);
  story.decisions();
  story.trust(failing);
  story.injection();
  story.spend(verdicts);
  story.convergence(verdicts);
  story.infection(verdicts);
  story.termination(verdicts);
  return story.moments();
}

/**
 * The moments as lines for a terminal: `tick 40  n3 and n4 were cut off from
 * n0–n2`, the tick taken off the end of the sentence and aligned. Pure.
 */
export function storyLines(moments: readonly Moment[]): string[] {
  const width = Math.max(0, ...moments.map((m) => String(m.tick).length));
  return moments.map((m) => {
    // "…, at tick 9" and "… at tick 9" lose their tail; "… at tick 300 (ticksMax)" keeps its reason.
    const tail = new RegExp(`,? at tick ${m.tick}( \\([^)]*\\))?$`);
    const text = m.text.replace(tail, (_all, reason: string | undefined) => reason ?? '');
    return `tick ${String(m.tick).padStart(width)}  ${text}`;
  });
}

/** A moment being gathered: agents with the same key at the same tick become one sentence. */
interface Draft {
  seq: number;
  tick: number;
  kind: MomentKind;
  agents: string[];
  /** Agents the sentence names besides the gathered ones (e.g. whose decision it goes against). */
  also?: readonly string[];
  /** The sentence for the gathered agents: their names, and whether they are more than one. */
  say: (who: string, many: boolean) => string;
}

class Story {
  private readonly list: Moment[] = [];
  private readonly order: ReadonlyMap<string, number>;
  private trustView: TrustView | undefined;

  constructor(
    private readonly view: RunView,
    private readonly repeatsMax: number,
  ) {
    this.order = new Map(view.agents.map((a, i) => [a, i]));
  }

  moments(): Moment[] {
    // Stable: moments at one record keep the order they were found in.
    return this.list
      .map((m, i) => ({ m, i }))
      .sort((a, b) => a.m.seq - b.m.seq || a.i - b.i)
      .map((x) => x.m);
  }

  private add(
    seq: number,
    tick: number,
    kind: MomentKind,
    text: string,
    agents?: readonly string[],
  ): void {
    this.list.push(
      agents === undefined || agents.length === 0
        ? { seq, tick, kind, text }
        : { seq, tick, kind, text, agents },
    );
  }

  private record(seq: number | undefined): TraceRecord | undefined {
    return seq === undefined || seq < 0 || seq >= this.view.trace.length
      ? undefined
      : this.view.trace.record(seq);
  }

  private get trustOf(): TrustView {
    this.trustView ??= new TrustView(this.view);
    return this.trustView;
  }

  /** Agents by name, runs of numbered or lettered ids as ranges: "d and e", "n0–n2", "a0, a3, a5 and 4 more". */
  private who(ids: readonly string[]): string {
    const sorted = [...new Set(ids)].sort(
      (a, b) =>
        (this.order.get(a) ?? Infinity) - (this.order.get(b) ?? Infinity) || (a < b ? -1 : 1),
    );
    const items: { text: string; count: number }[] = [];
    let i = 0;
    while (i < sorted.length) {
      let j = i + 1;
      while (j < sorted.length && follows(sorted[j - 1] as string, sorted[j] as string, this.order))
        j++;
      if (j - i >= 3) {
        items.push({ text: `${sorted[i]}–${sorted[j - 1]}`, count: j - i });
        i = j;
      } else {
        items.push({ text: sorted[i] as string, count: 1 });
        i++;
      }
    }
    if (items.length <= NAMES_MAX + 1) return joined(items.map((x) => x.text));
    const shown = items.slice(0, NAMES_MAX);
    const rest = sorted.length - shown.reduce((s, x) => s + x.count, 0);
    return `${shown.map((x) => x.text).join(', ')} and ${rest} more`;
  }

  /** Drafts with equal keys at one tick become one moment; past `repeatsMax` moments the rest are counted in one. */
  private gather(drafts: readonly (Draft & { key: string })[], noun: string): void {
    const groups = new Map<string, Draft & { named: Set<string> }>();
    for (const d of drafts) {
      const k = `${d.tick}\u0000${d.key}`;
      const g = groups.get(k);
      if (g === undefined) groups.set(k, { ...d, agents: [...d.agents], named: new Set(d.agents) });
      else
        for (const a of d.agents)
          if (!g.named.has(a)) {
            g.named.add(a);
            g.agents.push(a);
          }
    }
    const all = [...groups.values()];
    for (const g of all.slice(0, this.repeatsMax))
      this.add(g.seq, g.tick, g.kind, g.say(this.who(g.agents), g.agents.length > 1), [
        ...g.agents,
        ...(g.also ?? []).filter((a) => !g.named.has(a)),
      ]);
    const rest = all.slice(this.repeatsMax);
    const first = rest[0];
    const last = rest.at(-1);
    if (first !== undefined && last !== undefined)
      this.add(
        first.seq,
        first.tick,
        'more',
        `${rest.length} more ${noun} followed, the last at tick ${last.tick}`,
      );
  }

  // --- faults ---------------------------------------------------------------

  faults(): void {
    const v = this.view;
    const records = [
      ...v.ofKind('crash'),
      ...v.ofKind('restart'),
      ...v.ofKind('partition'),
      ...v.ofKind('heal'),
      ...v.ofKind('omission'),
      ...v.ofKind('omission.end'),
      ...v.ofKind('skew'),
      ...v.ofKind('skew.end'),
    ].sort((a, b) => a.seq - b.seq);
    const drafts: (Draft & { key: string })[] = [];
    for (const r of records) {
      const agent = r.agent;
      const d = (r.data ?? null) as Record<string, Json> | null;
      const at = ` at tick ${r.tick}`;
      const one = (key: string, say: Draft['say']) =>
        drafts.push({
          seq: r.seq,
          tick: r.tick,
          kind: r.kind as MomentKind,
          agents: agent === undefined ? [] : [agent],
          key,
          say,
        });
      switch (r.kind) {
        case 'crash': {
          const why =
            d?.['reason'] === 'step-effects'
              ? ', one step having gone past its effects limit'
              : d?.['reason'] === 'peer-lists'
                ? ', its peer lists having gone past their limit'
                : '';
          one(`crash${why}`, (w) => `${w} crashed${why}${at}`);
          break;
        }
        case 'restart':
          one('restart', (w) => `${w} restarted${at}`);
          break;
        case 'omission': {
          const send = typeof d?.['sendRatio'] === 'number' ? d['sendRatio'] : 0;
          const receive = typeof d?.['receiveRatio'] === 'number' ? d['receiveRatio'] : 0;
          const parts = (them: string) => [
            ...(send > 0 ? [`${percent(send)} of ${them} outgoing messages`] : []),
            ...(receive > 0 ? [`${percent(receive)} of ${them} incoming messages`] : []),
          ];
          const what = (them: string) =>
            parts(them).length === 0 ? 'no message yet' : parts(them).join(' and ');
          one(
            `omission ${what('its')}`,
            (w, many) => `${w} began to drop ${what(many ? 'their' : 'its')}${at}`,
          );
          break;
        }
        case 'omission.end':
          one('omission.end', (w) => `${w} stopped dropping messages${at}`);
          break;
        case 'skew': {
          const rate = typeof d?.['rate'] === 'number' ? d['rate'] : 1;
          const pace = rate > 1 ? `${num(rate)} times as fast` : `at ${num(rate)} of the true rate`;
          one(
            `skew ${rate}`,
            (w, many) => `${w}'s clock${many ? 's' : ''} began to run ${pace}${at}`,
          );
          break;
        }
        case 'skew.end':
          one('skew.end', (w, many) => `${w}'s clock${many ? 's' : ''} ran true again${at}`);
          break;
        case 'partition': {
          const { text, agents } = this.partitionText(d);
          drafts.push({
            seq: r.seq,
            tick: r.tick,
            kind: 'partition',
            agents,
            key: `partition ${r.seq}`,
            say: () => `${text}${at}`,
          });
          break;
        }
        case 'heal': {
          const cause = this.record(r.cause);
          const { text, agents } =
            cause?.kind === 'partition'
              ? this.healText((cause.data ?? null) as Record<string, Json> | null)
              : { text: 'a partition healed', agents: [] };
          drafts.push({
            seq: r.seq,
            tick: r.tick,
            kind: 'heal',
            agents,
            key: `heal ${r.seq}`,
            say: () => `${text}${at}`,
          });
          break;
        }
      }
    }
    this.gather(drafts, 'faults');
  }

  /** The sides of a partition's groups, the agents no group names making one more side (as the engine does). */
  private sides(d: Record<string, Json> | null): string[][] | undefined {
    const groups = d?.['groups'];
    if (!Array.isArray(groups)) return undefined;
    const sides = groups.map((g) => (Array.isArray(g) ? g.map(String) : []));
    const named = new Set(sides.flat());
    const rest = this.view.agents.filter((a) => !named.has(a));
    if (rest.length > 0) sides.push(rest);
    return sides;
  }

  private partitionText(d: Record<string, Json> | null): { text: string; agents: string[] } {
    const sides = this.sides(d);
    if (sides === undefined) {
      const from = strings(d?.['from']);
      const to = strings(d?.['to']);
      return {
        text: `messages from ${this.who(from)} to ${this.who(to)} were cut`,
        agents: [...from, ...to],
      };
    }
    if (sides.length === 2) {
      // The smaller side is cut off from the larger (the second from the first on a tie).
      const [big, small] = [...sides].sort((a, b) => b.length - a.length) as [string[], string[]];
      return {
        text: `${this.who(small)} ${small.length === 1 ? 'was' : 'were'} cut off from ${this.who(big)}`,
        agents: [...small, ...big],
      };
    }
    return {
      text: `the network split into ${sides.length} sides (${sides.map((s) => this.who(s)).join('; ')})`,
      agents: sides.flat(),
    };
  }

  private healText(d: Record<string, Json> | null): { text: string; agents: string[] } {
    const sides = this.sides(d);
    if (sides === undefined) {
      const from = strings(d?.['from']);
      const to = strings(d?.['to']);
      return {
        text: `messages from ${this.who(from)} to ${this.who(to)} got through again`,
        agents: [...from, ...to],
      };
    }
    if (sides.length === 2) {
      const [big, small] = [...sides].sort((a, b) => b.length - a.length) as [string[], string[]];
      return {
        text: `${this.who(small)} and ${this.who(big)} were joined again`,
        agents: [...small, ...big],
      };
    }
    return {
      text: `the ${sides.length} sides of the network were joined again`,
      agents: sides.flat(),
    };
  }

  // --- the first drop behind a failure --------------------------------------

  firstDrop(failing: readonly Verdict[]): void {
    const trace = this.view.trace;
    // The causal past of the failing verdicts' records, as each agent's last record in it:
    // an agent's own records are ordered, so its part of the past is a prefix.
    // A failing termination verdict names each waiting agent's last state: the agent waited
    // until the run stopped, so its part of the past runs to the end.
    const frontier = new Map<string, number>();
    const end = trace.length - 1;
    for (const v of failing)
      for (const seq of v.records) {
        const r = this.record(seq);
        if (r?.agent === undefined) continue;
        const upTo = v.property === 'termination' && r.kind === 'state' ? end : seq;
        if (upTo > (frontier.get(r.agent) ?? -1)) frontier.set(r.agent, upTo);
      }
    if (frontier.size === 0) return;
    // Deliveries from the last back: a delivery in the past puts its send in it. A send comes
    // before its delivery, so one backward pass settles every delivery.
    const delivers = this.view.ofKind('deliver');
    for (let i = delivers.length - 1; i >= 0; i--) {
      const d = delivers[i] as TraceRecord;
      if (d.agent === undefined || d.peer === undefined || d.seq > (frontier.get(d.agent) ?? -1))
        continue;
      const sent = this.sendOf(d.cause);
      if (sent !== undefined && sent > (frontier.get(d.peer) ?? -1)) frontier.set(d.peer, sent);
    }
    // A message lost on its way into the past: had it been delivered instead, the delivery
    // (at the drop's place) would be in its receiver's part of the past.
    for (const r of this.view.ofKind('drop')) {
      if (r.msg === undefined || r.agent === undefined || r.peer === undefined) continue;
      if (r.seq > (frontier.get(r.peer) ?? -1)) continue;
      const sent = this.sendOf(r.cause);
      if (sent === undefined) continue;
      const send = trace.record(sent);
      const type = (send.data as { type?: Json } | null | undefined)?.type;
      const what = `${r.agent}'s ${typeof type === 'string' ? type : 'message'} to ${r.peer}`;
      this.add(
        r.seq,
        r.tick,
        'drop',
        `${what} ${dropWords(String(r.data), r.peer)} at tick ${r.tick}`,
        [r.agent, r.peer],
      );
      return;
    }
  }

  /** The seq of the send a delivery or drop comes from, through a duplicate. */
  private sendOf(cause: number | undefined): number | undefined {
    const trace = this.view.trace;
    if (cause === undefined || cause < 0 || cause >= trace.length) return undefined;
    const k = trace.kindAt(cause);
    if (k === Kind.send) return cause;
    if (k === Kind.duplicate) return this.sendOf(trace.record(cause).cause);
    return undefined;
  }

  // --- decisions ------------------------------------------------------------

  decisions(): void {
    const v = this.view;
    const n = v.agents.length;
    const events = [...v.ofKind('partition'), ...v.ofKind('heal'), ...v.ofKind('decide')].sort(
      (a, b) => a.seq - b.seq,
    );
    /** Active symmetric partitions by record seq: agent -> size of its side. */
    const active = new Map<number, Map<string, number>>();
    let firstDecision: { agent: string; value: Json | undefined } | undefined;
    const drafts: (Draft & { key: string })[] = [];
    for (const r of events) {
      if (r.kind === 'partition') {
        const sides = this.sides((r.data ?? null) as Record<string, Json> | null);
        if (sides === undefined) continue;
        const size = new Map<string, number>();
        for (const s of sides) for (const a of s) size.set(a, s.length);
        active.set(r.seq, size);
        continue;
      }
      if (r.kind === 'heal') {
        if (r.cause !== undefined) active.delete(r.cause);
        continue;
      }
      const agent = r.agent;
      if (agent === undefined || !v.honest.has(agent)) continue;
      const key = valueKey(r.data);
      const value = valueText(r.data);
      let side = n;
      for (const size of active.values()) side = Math.min(side, size.get(agent) ?? n);
      const alone =
        2 * side <= n
          ? 2 * side < n
            ? ' alone on the minority side'
            : ' alone on half of the network'
          : '';
      // A decision disagrees when it differs from the first honest decision (of another agent).
      const against =
        firstDecision !== undefined &&
        firstDecision.agent !== agent &&
        valueKey(firstDecision.value) !== key
          ? firstDecision
          : undefined;
      const first = firstDecision === undefined;
      firstDecision ??= { agent, value: r.data };
      const at = ` at tick ${r.tick}`;
      if (against !== undefined) {
        const them = against;
        drafts.push({
          seq: r.seq,
          tick: r.tick,
          kind: 'disagree',
          agents: [agent],
          also: [them.agent],
          key: `disagree ${key} ${alone} ${them.agent}`,
          say: (w) =>
            `${w} decided ${value}${alone}, against ${them.agent}'s ${valueText(them.value)}${at}`,
        });
      } else if (first || alone !== '')
        drafts.push({
          seq: r.seq,
          tick: r.tick,
          kind: alone !== '' ? 'alone' : 'decide',
          agents: [agent],
          key: `decide ${key} ${alone} ${first}`,
          say: (w) => `${w} decided ${value}${alone}${at}`,
        });
    }
    this.gather(drafts, 'decisions');
  }

  // --- trust: breach chains, harmful acts -----------------------------------

  trust(failing: readonly Verdict[]): void {
    const v = this.view;
    const acts = v.ofKind('act');
    if (acts.length === 0) return;
    const trust = this.trustOf;
    const done = new Set<number>();
    // The first act refused: a missing capability, or a mitigation holding.
    const refused = acts.find((r) => (r.data as { outcome?: Json } | null)?.outcome === 'refused');
    if (refused?.agent !== undefined) {
      const d = (refused.data ?? {}) as { capability?: Json; reason?: Json };
      const why =
        d.reason === 'label'
          ? 'having been influenced from below its zone'
          : d.reason === 'approval'
            ? 'the approver said no'
            : d.reason === 'quarantine'
              ? 'its agent being quarantined'
              : d.reason === 'capability'
                ? 'not being among its capabilities'
                : `(${String(d.reason)})`;
      this.add(
        refused.seq,
        refused.tick,
        'refusal',
        `${refused.agent}'s ${String(d.capability)} was refused, ${why}, at tick ${refused.tick}`,
        [refused.agent],
      );
    }
    const breach = findBreaches(v, trust)[0];
    if (breach !== undefined) {
      const origin = breach.origin;
      for (const seq of breach.chain) {
        const r = v.trace.record(seq);
        const agent = r.agent as string;
        const at = ` at tick ${r.tick}`;
        if (r.kind === 'content' && origin !== null) {
          const source = String((r.data as { source?: Json } | null)?.source ?? origin);
          const carries = this.carriesInstruction(source)
            ? ', which carries an injected instruction,'
            : '';
          this.add(
            seq,
            r.tick,
            'breach',
            `${agent} (${trust.zoneName(agent)}) read ${source} (${trust.zoneName(source)})${carries}${at}`,
            [agent],
          );
        } else if (r.kind === 'deliver' && origin !== null) {
          const from = r.peer as string;
          const sent = this.record(this.sendOf(r.cause));
          const instruction = (sent?.data as { instruction?: Json } | null | undefined)
            ?.instruction;
          const what = instruction !== undefined ? 'injected instruction' : 'influence';
          this.add(
            seq,
            r.tick,
            'breach',
            `${from} (${trust.zoneName(from)}) passed ${this.ofOrigin(origin)} ${what} to ${agent} (${trust.zoneName(agent)})${at}`,
            [from, agent],
          );
        } else if (r.kind === 'act' && seq !== breach.act.seq) {
          const cap = String((r.data as { capability?: Json } | null)?.capability);
          this.add(seq, r.tick, 'breach', `${agent} asked for approval to use ${cap}${at}`, [
            agent,
          ]);
        }
      }
      const act = breach.act;
      const agent = act.agent as string;
      let why: string;
      const induced = this.inducedBy(act);
      if (induced !== undefined) why = `induced by ${induced}`;
      else if (origin !== null)
        why = `influenced by ${origin} (${trust.zoneName(origin)}) below its zone ${trust.zones[trust.requiredLevel(agent, breach.capability)] ?? '?'}`;
      else why = `beyond what it needs (${[...(trust.needs.get(agent) ?? [])].join(', ')})`;
      this.add(
        act.seq,
        act.tick,
        'breach',
        `${agent} executed ${breach.capability}, ${why}, at tick ${act.tick}`,
        [agent],
      );
      done.add(act.seq);
    }
    // The first act a failing destructive-action or attack-success verdict names, when not told above.
    for (const verdict of failing) {
      if (verdict.property !== 'destructive-action' && verdict.property !== 'attack-success')
        continue;
      const act = this.record(verdict.records[0]);
      if (act?.kind !== 'act' || act.agent === undefined || done.has(act.seq)) continue;
      done.add(act.seq);
      const cap = String((act.data as { capability?: Json } | null)?.capability);
      const induced = this.inducedBy(act);
      const why =
        induced !== undefined
          ? `induced by ${induced}`
          : verdict.property === 'attack-success'
            ? 'induced by an injected instruction'
            : 'a destructive act';
      this.add(
        act.seq,
        act.tick,
        'act',
        `${act.agent} executed ${cap}, ${why}, at tick ${act.tick}`,
        [act.agent],
      );
    }
  }

  /** "the ticket's" for a source, "mallory's" for an agent. */
  private ofOrigin(origin: string): string {
    return this.trustOf.sources.some((s) => s.id === origin) ? `the ${origin}'s` : `${origin}'s`;
  }

  private carriesInstruction(source: string): boolean {
    const s = this.trustOf.sources.find((x) => x.id === source);
    return s?.content !== undefined && 'instruction' in s.content;
  }

  /**
   * Whose injected instruction an executed act followed: the act names its
   * instruction (`args.instruction`), or a source in its provenance carries
   * an instruction naming its capability (as attack-success reads them).
   */
  private inducedBy(act: TraceRecord): string | undefined {
    const d = (act.data ?? {}) as { capability?: Json; prov?: Json; args?: Json };
    const prov = strings(d.prov);
    for (const s of this.trustOf.sources)
      if (
        prov.includes(s.id) &&
        s.content !== undefined &&
        namedCapability(s.content['instruction']) === d.capability
      )
        return `${this.ofOrigin(s.id)} injected instruction`;
    const args = d.args;
    if (args !== null && typeof args === 'object' && !Array.isArray(args) && 'instruction' in args)
      return 'an injected instruction';
    return undefined;
  }

  // --- injection --------------------------------------------------------------

  injection(): void {
    for (const r of this.view.ofKind('note')) {
      const d = r.data;
      if (d === null || typeof d !== 'object' || Array.isArray(d)) continue;
      if (!('injected' in d) && !('follows' in d)) continue;
      const agent = r.agent as string;
      const cause = this.record(r.cause);
      let whose = 'an injected instruction';
      if (cause?.kind === 'content') {
        const source = (cause.data as { source?: Json } | null)?.source;
        if (typeof source === 'string') whose = `${this.ofOrigin(source)} injected instruction`;
      } else if (cause?.kind === 'deliver' && cause.peer !== undefined)
        whose = `an injected instruction passed on by ${cause.peer}`;
      this.add(r.seq, r.tick, 'injection', `${agent} followed ${whose} at tick ${r.tick}`, [agent]);
      return;
    }
  }

  // --- spend ------------------------------------------------------------------

  spend(verdicts: readonly Verdict[]): void {
    const v = this.view;
    const spec = (v.manifest.spec ?? {}) as {
      agents?: { id: string; budget?: number }[];
      cost?: { unit?: string; budgetRun?: number; perMessage?: number };
    };
    const unit = spec.cost?.unit ?? 'usd';
    const budgets = new Map<string, number>();
    for (const a of spec.agents ?? [])
      if (typeof a.budget === 'number') budgets.set(a.id, a.budget);
    // The first refusal: a refused spend, or a send dropped unpaid.
    const spends = v.ofKind('spend');
    const refused = spends.find(
      (r) => (r.data as { outcome?: Json } | null)?.outcome === 'refused',
    );
    const unpaid = v.ofKind('drop').find((r) => r.data === 'budget');
    const refusal =
      refused === undefined
        ? unpaid
        : unpaid === undefined || refused.seq < unpaid.seq
          ? refused
          : unpaid;
    if (refusal !== undefined && refusal.agent !== undefined) {
      const agent = refusal.agent;
      const d = (refusal.data ?? null) as { reason?: Json; what?: Json } | string | null;
      const reason =
        refusal.kind === 'drop' ? 'budget' : String((d as { reason?: Json } | null)?.reason);
      const what =
        refusal.kind === 'drop'
          ? `${agent}'s message to ${refusal.peer}`
          : typeof (d as { what?: Json } | null)?.what === 'string'
            ? `${agent}'s ${(d as { what: string }).what}`
            : `a spend of ${agent}`;
      const over =
        reason === 'budget'
          ? budgets.has(agent)
            ? `over its budget of ${num(budgets.get(agent) as number)} ${unit}`
            : 'over its budget'
          : reason === 'budgetRun'
            ? `over the run's budget${spec.cost?.budgetRun === undefined ? '' : ` of ${num(spec.cost.budgetRun)} ${unit}`}`
            : reason === 'rate'
              ? 'over its rate limit'
              : `(${reason})`;
      this.add(
        refusal.seq,
        refusal.tick,
        'refusal',
        `${what} was refused, ${over}, at tick ${refusal.tick}`,
        [agent],
      );
    }
    for (const verdict of verdicts) {
      if (verdict.status !== 'fails') continue;
      if (verdict.property === 'budget')
        for (const seq of verdict.records) {
          const r = this.record(seq);
          if (r?.agent === undefined) continue;
          const cap = budgets.get(r.agent);
          const text =
            cap !== undefined
              ? `${r.agent} went past its budget of ${num(cap)} ${unit}`
              : `the run went past its budget${spec.cost?.budgetRun === undefined ? '' : ` of ${num(spec.cost.budgetRun)} ${unit}`}`;
          this.add(r.seq, r.tick, 'budget', `${text} at tick ${r.tick}`, [r.agent]);
        }
      if (verdict.property === 'runaway') {
        const charge =
          spends.find((r) => (r.data as { outcome?: Json } | null)?.outcome !== 'refused') ??
          ((spec.cost?.perMessage ?? 0) > 0 ? v.ofKind('send')[0] : undefined);
        if (charge?.agent !== undefined) {
          const d = (charge.data ?? null) as { amount?: Json; what?: Json } | null;
          const amount = charge.kind === 'spend' ? d?.amount : spec.cost?.perMessage;
          const on =
            charge.kind === 'spend'
              ? typeof d?.what === 'string'
                ? ` on ${d.what}`
                : ''
              : ' on a message';
          this.add(
            charge.seq,
            charge.tick,
            'spend',
            `${charge.agent} first spent ${typeof amount === 'number' ? num(amount) : '?'} ${unit}${on} at tick ${charge.tick}`,
            [charge.agent],
          );
        }
        const m = verdict.metrics ?? {};
        const slope = typeof m['slope'] === 'number' ? m['slope'] : 0;
        const windowTicks = typeof m['windowTicks'] === 'number' ? m['windowTicks'] : 0;
        this.atEnd(
          'runaway',
          `spend was still growing, ${num(slope * windowTicks)} ${unit} in the last ${windowTicks} ticks, ${this.whenStopped()}`,
        );
      }
    }
  }

  // --- convergence and infection ----------------------------------------------

  convergence(verdicts: readonly Verdict[]): void {
    for (const verdict of verdicts) {
      if (verdict.property !== 'convergence') continue;
      if (verdict.status === 'holds') {
        const r = this.record(verdict.records[0]);
        if (r === undefined) continue;
        this.add(
          r.seq,
          r.tick,
          'converge',
          `the honest agents came to hold one value, ${valueText(r.data)}, at tick ${r.tick}`,
        );
      } else {
        const distinct = verdict.metrics?.['distinct'];
        const last = Array.isArray(distinct) ? distinct.at(-1) : undefined;
        const count = Array.isArray(last) && typeof last[1] === 'number' ? last[1] : 0;
        if (count > 1)
          this.atEnd(
            'converge',
            `the honest agents still held ${count} values ${this.whenStopped()}`,
          );
        else if (count === 0)
          this.atEnd('converge', `no honest agent held a value ${this.whenStopped()}`);
      }
    }
  }

  infection(verdicts: readonly Verdict[]): void {
    if (!verdicts.some((x) => x.property === 'infection')) return;
    const v = this.view;
    const n = v.agents.length;
    if (n === 0) return;
    // As the infection checker counts: an agent follows from a `follows` note to its
    // `recovers` note (instructions compared by content) or to a crash.
    const changes = [...v.ofKind('note'), ...v.ofKind('crash')].sort((a, b) => a.seq - b.seq);
    const following = new Map<string, Set<string>>();
    let half: TraceRecord | undefined;
    let peak: { r: TraceRecord; count: number } | undefined;
    let out: TraceRecord | undefined;
    let i = 0;
    while (i < changes.length) {
      const tick = (changes[i] as TraceRecord).tick;
      let last: TraceRecord | undefined;
      for (; i < changes.length && (changes[i] as TraceRecord).tick === tick; i++) {
        const r = changes[i] as TraceRecord;
        const agent = r.agent as string;
        if (r.kind === 'crash') {
          if (following.delete(agent)) last = r;
          continue;
        }
        const d = r.data;
        if (d === null || typeof d !== 'object' || Array.isArray(d)) continue;
        const held = following.get(agent) ?? new Set<string>();
        if ('follows' in d) held.add(valueKey(d['follows']));
        else if ('recovers' in d) held.delete(valueKey(d['recovers']));
        else continue;
        last = r;
        if (held.size === 0) following.delete(agent);
        else following.set(agent, held);
      }
      if (last === undefined) continue;
      const count = following.size;
      if (half === undefined && 2 * count > n) half = last;
      if (count > (peak?.count ?? 0)) peak = { r: last, count };
      if (count === 0 && peak !== undefined) out = last;
      else out = undefined;
    }
    if (peak === undefined) return;
    const whole = peak.count === n ? 'every agent' : `${peak.count} of ${n} agents`;
    if (half !== undefined && half.tick !== peak.r.tick)
      this.add(
        half.seq,
        half.tick,
        'infection',
        `more than half the agents followed an injected instruction at tick ${half.tick}`,
      );
    this.add(
      peak.r.seq,
      peak.r.tick,
      'infection',
      `${whole} followed an injected instruction, the most at once, at tick ${peak.r.tick}`,
    );
    if (out !== undefined)
      this.add(
        out.seq,
        out.tick,
        'infection',
        `no agent followed an injected instruction any more at tick ${out.tick}`,
      );
  }

  // --- the end of the run ---------------------------------------------------------

  termination(verdicts: readonly Verdict[]): void {
    for (const verdict of verdicts) {
      if (verdict.property !== 'termination' || verdict.status !== 'fails') continue;
      const undecided = verdict.metrics?.['undecided'];
      const count = typeof undecided === 'number' ? undecided : undefined;
      // The verdict points at each waiting agent's last state record (and at crashes).
      const waiting = [
        ...new Set(
          verdict.records.flatMap((seq) => {
            const r = this.record(seq);
            return r?.kind === 'state' && r.agent !== undefined ? [r.agent] : [];
          }),
        ),
      ].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
      // "no agent had decided" only when that is the whole story; else who was waiting.
      const text =
        this.view.ofKind('decide').length === 0 && waiting.length === this.view.agents.length
          ? 'no agent had decided'
          : waiting.length > 0 && (count === undefined || count === waiting.length)
            ? `${this.who(waiting)} had not decided`
            : `${count ?? waiting.length} agents had not decided`;
      this.atEnd('undecided', `${text} ${this.whenStopped()}`, waiting);
    }
  }

  private atEnd(kind: MomentKind, text: string, agents?: readonly string[]): void {
    const last = Math.max(0, this.view.trace.length - 1);
    this.add(last, this.view.lastTick, kind, text, agents);
  }

  /** "when the run stopped at tick 300 (ticksMax)", "when nothing was left to happen at tick 50". */
  private whenStopped(): string {
    const stop = this.view.stop;
    if (stop === undefined) return `when the trace ended at tick ${this.view.lastTick}`;
    if (stop.reason === 'quiescent') return `when nothing was left to happen at tick ${stop.tick}`;
    const limit = stop.reason === 'allDecided' ? 'untilAllDecided' : stop.reason;
    return `when the run stopped at tick ${stop.tick} (${limit})`;
  }
}

/** Whether `b` comes right after `a`, both in the run's order and by name (n1 → n2, c → d). */
function follows(a: string, b: string, order: ReadonlyMap<string, number>): boolean {
  const ia = order.get(a);
  const ib = order.get(b);
  if (ia === undefined || ib === undefined || ib !== ia + 1) return false;
  const ma = /^(.*?)(\d+)$/.exec(a);
  const mb = /^(.*?)(\d+)$/.exec(b);
  if (ma !== null && mb !== null) return ma[1] === mb[1] && Number(mb[2]) === Number(ma[2]) + 1;
  return a.length === 1 && b.length === 1 && b.charCodeAt(0) === a.charCodeAt(0) + 1;
}

/** "a", "a and b", "a, b and c". */
function joined(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function percent(ratio: number): string {
  return `${num(ratio * 100)} %`;
}

function strings(v: Json | undefined): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

/** A decided or held value as a sentence quotes it: strings bare, others as JSON, long ones cut. */
function valueText(v: Json | undefined): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v ?? null);
  return text.length > VALUE_CHARS_MAX ? `${text.slice(0, VALUE_CHARS_MAX - 1)}…` : text;
}

/** What happened to a dropped message, by the drop's reason. */
function dropWords(reason: string, receiver: string): string {
  switch (reason) {
    case 'loss':
      return 'was lost';
    case 'partition':
      return 'was blocked by the partition';
    case 'crashed':
      return `was lost, ${receiver} being down,`;
    case 'omission':
      return 'was lost to an omission fault';
    case 'overflow':
      return 'was dropped, the link being full,';
    case 'gateway':
      return 'was stopped by the gateway';
    case 'budget':
      return 'was not sent, its sender having no budget left,';
    default:
      return `was dropped (${reason})`;
  }
}
