/**
 * What each agent was at a point of a trace: up or down, its machine state,
 * the value it held and its decision, and whether it was infected, as the
 * records up to and including seq `at` say. The indexes read the trace once
 * into per-agent change lists, so a look-up is a binary search per agent,
 * fast enough for every frame of playback.
 */
import { type Json, type Trace, valueKey } from '../sim/index.ts';

export interface AgentAt {
  readonly agent: string;
  /** `pending` before its start record, `down` from a crash to its restart. */
  readonly status: 'pending' | 'up' | 'down';
  /** Its last `state` record's state ('' before any). */
  readonly state: string;
  /** What it last proposed, held or decided (undefined before any). */
  readonly value: Json | undefined;
  /** Its decision, once made (undefined before). */
  readonly decided: Json | undefined;
}

/** One change of one field, at record `seq`. */
interface Change<T> {
  readonly seq: number;
  readonly value: T;
}

/** The last change at or before `seq` (undefined when none). */
function lastAt<T>(list: readonly Change<T>[], seq: number): Change<T> | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as Change<T>).seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : list[lo - 1];
}

export class CursorIndex {
  private readonly status: Change<'up' | 'down'>[][];
  private readonly state: Change<string>[][];
  private readonly value: Change<Json>[][];
  private readonly decided: Change<Json>[][];

  constructor(readonly trace: Trace) {
    const n = trace.agentIds.length;
    const lists = <T>() => Array.from({ length: n }, (): Change<T>[] => []);
    this.status = lists();
    this.state = lists();
    this.value = lists();
    this.decided = lists();
    const laneOf = new Map(trace.agentIds.map((a, i) => [a, i]));
    for (let seq = 0; seq < trace.length; seq++) {
      const k = trace.kindAt(seq);
      // start, state, decide, crash, restart, propose, hold
      if (k !== 0 && k !== 8 && k !== 9 && k !== 11 && k !== 12 && k !== 19 && k !== 20) continue;
      const r = trace.record(seq);
      const lane = r.agent === undefined ? undefined : laneOf.get(r.agent);
      if (lane === undefined) continue;
      const data = (r.data ?? null) as Json;
      switch (r.kind) {
        case 'start':
        case 'restart':
          (this.status[lane] as Change<'up' | 'down'>[]).push({ seq, value: 'up' });
          break;
        case 'crash':
          (this.status[lane] as Change<'up' | 'down'>[]).push({ seq, value: 'down' });
          break;
        case 'state':
          (this.state[lane] as Change<string>[]).push({
            seq,
            value: typeof data === 'string' ? data : JSON.stringify(data),
          });
          break;
        case 'decide':
          (this.decided[lane] as Change<Json>[]).push({ seq, value: data });
          (this.value[lane] as Change<Json>[]).push({ seq, value: data });
          break;
        default:
          (this.value[lane] as Change<Json>[]).push({ seq, value: data });
      }
    }
  }

  /** Agent `lane`'s status at `seq` (`pending` before its start). O(log n), pure. */
  statusOf(lane: number, seq: number): 'pending' | 'up' | 'down' {
    const list = this.status[lane];
    return list === undefined ? 'pending' : (lastAt(list, seq)?.value ?? 'pending');
  }

  /** What agent `lane` last proposed, held or decided at `seq` (undefined before any). O(log n), pure. */
  valueOf(lane: number, seq: number): Json | undefined {
    const list = this.value[lane];
    return list === undefined ? undefined : lastAt(list, seq)?.value;
  }

  /** Agent `lane`'s decision at `seq`, undefined before it decides. O(log n), pure. */
  decidedOf(lane: number, seq: number): Json | undefined {
    const list = this.decided[lane];
    return list === undefined ? undefined : lastAt(list, seq)?.value;
  }

  /** Every agent, in the trace's order, as the records up to and including `seq` say. */
  at(seq: number): AgentAt[] {
    return this.trace.agentIds.map((agent, lane) => ({
      agent,
      status: lastAt(this.status[lane] as Change<'up' | 'down'>[], seq)?.value ?? 'pending',
      state: lastAt(this.state[lane] as Change<string>[], seq)?.value ?? '',
      value: lastAt(this.value[lane] as Change<Json>[], seq)?.value,
      decided: lastAt(this.decided[lane] as Change<Json>[], seq)?.value,
    }));
  }
}

/**
 * Who is infected at each record, by the infection checker's definition
 * (sim/checkers/infection.ts): an agent is infected while it follows at
 * least one instruction, from its note `{ follows: id }` to `{ recovers: id }`
 * for every id it follows (ids compared by content), and a crash ends all of
 * its following. Built once in O(records); a look-up is a binary search.
 */
export class InfectionIndex {
  /** Per agent lane: when it became infected (true) or stopped being (false). */
  private readonly changes: Change<boolean>[][];
  /** The number of infected agents after each change of it. */
  private readonly counts: Change<number>[] = [];
  /** Agents that were ever infected. */
  readonly ever: number;

  constructor(readonly trace: Trace) {
    const n = trace.agentIds.length;
    this.changes = Array.from({ length: n }, (): Change<boolean>[] => []);
    const laneOf = new Map(trace.agentIds.map((a, i) => [a, i]));
    const following = new Map<string, Set<string>>();
    const everSet = new Set<string>();
    for (let seq = 0; seq < trace.length; seq++) {
      const k = trace.kindAt(seq);
      if (k !== 10 && k !== 11) continue; // note, crash
      const r = trace.record(seq);
      const agent = r.agent;
      if (agent === undefined) continue;
      const before = following.has(agent);
      if (r.kind === 'crash') following.delete(agent);
      else {
        const d = r.data;
        if (d === null || typeof d !== 'object' || Array.isArray(d)) continue;
        const held = following.get(agent) ?? new Set<string>();
        if ('follows' in d) held.add(valueKey(d['follows']));
        else if ('recovers' in d) held.delete(valueKey(d['recovers']));
        else continue;
        if (held.size === 0) following.delete(agent);
        else following.set(agent, held);
      }
      const after = following.has(agent);
      if (before === after) continue;
      if (after) everSet.add(agent);
      const lane = laneOf.get(agent);
      if (lane !== undefined) (this.changes[lane] as Change<boolean>[]).push({ seq, value: after });
      this.counts.push({ seq, value: following.size });
    }
    this.ever = everSet.size;
  }

  /** Whether agent `lane` is infected at `seq`. O(log n), pure. */
  infectedOf(lane: number, seq: number): boolean {
    const list = this.changes[lane];
    return list === undefined ? false : (lastAt(list, seq)?.value ?? false);
  }

  /** How many agents are infected at `seq`. O(log n), pure. */
  countAt(seq: number): number {
    return lastAt(this.counts, seq)?.value ?? 0;
  }
}
