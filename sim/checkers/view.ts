/**
 * A run as checkers read it: the trace with its records indexed by kind, and
 * the honest agents taken from the manifest (so a trace read back from a file
 * is judged exactly like the run that wrote it). Records are built on first
 * use. Pure.
 */
import type { Json } from '../spec.ts';
import {
  KIND_NAMES,
  type KindName,
  type Manifest,
  type Trace,
  type TraceRecord,
} from '../trace.ts';

export class RunView {
  readonly manifest: Manifest;
  readonly agents: readonly string[];
  /** Agents the scenario did not make Byzantine. */
  readonly honest: ReadonlySet<string>;
  /** Why and when the run stopped; undefined while it runs. */
  readonly stop: { readonly reason: string; readonly tick: number } | undefined;
  private readonly seqsByKind: Map<number, number[]> = new Map();
  private readonly cache: Map<number, TraceRecord[]> = new Map();

  constructor(readonly trace: Trace) {
    this.manifest = trace.manifest;
    this.agents = trace.agentIds;
    this.stop = trace.stop;
    const spec = trace.manifest.spec as { agents?: { id: string; honest?: Json }[] } | null;
    const dishonest = new Set(
      (spec?.agents ?? []).filter((a) => a.honest === false).map((a) => a.id),
    );
    this.honest = new Set(this.agents.filter((id) => !dishonest.has(id)));
    for (let i = 0; i < trace.length; i++) {
      const k = trace.kindAt(i);
      let list = this.seqsByKind.get(k);
      if (list === undefined) {
        list = [];
        this.seqsByKind.set(k, list);
      }
      list.push(i);
    }
  }

  /** Records of one kind, in trace order. */
  ofKind(kind: KindName): readonly TraceRecord[] {
    const code = KIND_NAMES.indexOf(kind);
    let out = this.cache.get(code);
    if (out === undefined) {
      out = (this.seqsByKind.get(code) ?? []).map((seq) => this.trace.record(seq));
      this.cache.set(code, out);
    }
    return out;
  }

  /** The last tick of the run: where it stopped, or the last record's tick. */
  get lastTick(): number {
    if (this.stop !== undefined) return this.stop.tick;
    return this.trace.length === 0 ? 0 : this.trace.record(this.trace.length - 1).tick;
  }

  /** Agents down (crashed, not restarted) when the run ended. */
  downAtEnd(): ReadonlySet<string> {
    const down = new Set<string>();
    const events = [...this.ofKind('crash'), ...this.ofKind('restart')].sort(
      (a, b) => a.seq - b.seq,
    );
    for (const r of events) {
      if (r.kind === 'crash') down.add(r.agent as string);
      else down.delete(r.agent as string);
    }
    return down;
  }
}

/** A view of `trace` for checkers. */
export function viewOf(trace: Trace): RunView {
  return new RunView(trace);
}
