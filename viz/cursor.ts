/**
 * What each agent was at a point of a trace: up or down, its machine state,
 * the value it held and its decision, as the records up to and including seq
 * `at` say. The index reads the trace once into per-agent change lists, so a
 * look-up is a binary search per agent, fast enough for every frame of playback.
 */
import type { Json, Trace } from '../sim/index.ts';

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
