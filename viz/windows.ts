/**
 * The fault windows of a run, read from its trace, for views to shade:
 * - partition: from a `partition` record to the `heal` whose cause it is;
 * - crash: from an agent's `crash` to its next `restart`;
 * - omission and skew: from the record to the same agent's `.end` record;
 * - trigger: a protocol's timer named `NAME.start` firing at an agent opens
 *   the window NAME there, its timer `NAME.end` closes it (retry-storm's
 *   service fails every request from `fail.start` to `fail.end`); an `.end`
 *   without a `.start` closes a window open from the first record.
 * A window still open at the end of the trace runs to its end.
 */
import type { Json, Trace } from '../sim/index.ts';
import { jsonText } from './views/common.ts';

export type WindowKind = 'partition' | 'crash' | 'omission' | 'skew' | 'trigger';

export interface FaultWindow {
  readonly kind: WindowKind;
  /** The record that opened it. */
  readonly fromSeq: number;
  /** The record that closed it; undefined while open at the end of the trace. */
  readonly toSeq: number | undefined;
  readonly fromTick: number;
  /** The tick it closed; the last tick + 1 when it was still open. */
  readonly toTick: number;
  /** The agent it is about (crash, omission, skew, trigger); undefined for a partition. */
  readonly agent: string | undefined;
  /** A short label: "partition a b c | d e", "a down", "trigger: fail at service". */
  readonly label: string;
  /** A partition's sides: its groups, or [from, to] when it is one-way. */
  readonly sides?: readonly (readonly string[])[];
  /** True for a one-way partition (messages from sides[0] to sides[1] are lost). */
  readonly oneWay?: boolean;
}

/** Shading of each kind of window, as CSS colours with alpha (views share them). */
export const WINDOW_FILL: Readonly<Record<WindowKind, string>> = {
  partition: 'rgba(230, 150, 40, 0.2)',
  crash: 'rgba(110, 110, 110, 0.18)',
  omission: 'rgba(123, 97, 255, 0.16)',
  skew: 'rgba(0, 140, 130, 0.16)',
  trigger: 'rgba(214, 39, 40, 0.16)',
};

/** The edge and label colour of each kind of window. */
export const WINDOW_INK: Readonly<Record<WindowKind, string>> = {
  partition: '#a35f00',
  crash: '#4d4d4d',
  omission: '#5a3fc0',
  skew: '#00695f',
  trigger: '#b3261e',
};

const sideText = (side: readonly string[]) =>
  side.length <= 4 ? side.join(' ') : `${side.slice(0, 3).join(' ')} +${side.length - 3}`;

/** Every fault window of `trace`, ordered by the record that opened it. Pure; O(records). */
export function faultWindows(trace: Trace): FaultWindow[] {
  const endTick =
    (trace.stop?.tick ?? (trace.length === 0 ? 0 : trace.record(trace.length - 1).tick)) + 1;
  const out: FaultWindow[] = [];
  type Open = Omit<FaultWindow, 'toSeq' | 'toTick'>;
  const partitions = new Map<number, Open>();
  const byAgent = new Map<string, Open>();
  const close = (w: Open, seq: number | undefined, tick: number) =>
    out.push({ ...w, toSeq: seq, toTick: tick });
  for (let seq = 0; seq < trace.length; seq++) {
    const k = trace.kindAt(seq);
    // timer.fire, crash, restart, partition, heal, omission, omission.end, skew, skew.end
    if (k !== 6 && (k < 11 || k > 18)) continue;
    const r = trace.record(seq);
    const agent = r.agent;
    switch (r.kind) {
      case 'partition': {
        const d = (r.data ?? {}) as { groups?: string[][]; from?: string[]; to?: string[] };
        const oneWay = d.groups === undefined;
        const sides = oneWay ? [d.from ?? [], d.to ?? []] : (d.groups ?? []);
        partitions.set(seq, {
          kind: 'partition',
          fromSeq: seq,
          fromTick: r.tick,
          agent: undefined,
          label: `partition ${sides.map(sideText).join(oneWay ? ' → ' : ' | ')}`,
          sides,
          oneWay,
        });
        break;
      }
      case 'heal': {
        const w = r.cause === undefined ? undefined : partitions.get(r.cause);
        if (w === undefined) break;
        partitions.delete(r.cause as number);
        close(w, seq, r.tick);
        break;
      }
      case 'crash':
      case 'omission':
      case 'skew': {
        if (agent === undefined) break;
        const key = `${r.kind}\u0000${agent}`;
        if (byAgent.has(key)) break;
        const rate = (r.data as { rate?: Json } | undefined)?.rate;
        byAgent.set(key, {
          kind: r.kind,
          fromSeq: seq,
          fromTick: r.tick,
          agent,
          label:
            r.kind === 'crash'
              ? `${agent} down`
              : r.kind === 'omission'
                ? `${agent} omits`
                : `${agent} clock ×${jsonText(rate)}`,
        });
        break;
      }
      case 'restart':
      case 'omission.end':
      case 'skew.end': {
        if (agent === undefined) break;
        const kind =
          r.kind === 'restart' ? 'crash' : r.kind === 'omission.end' ? 'omission' : 'skew';
        const key = `${kind}\u0000${agent}`;
        const w = byAgent.get(key);
        if (w === undefined) break;
        byAgent.delete(key);
        close(w, seq, r.tick);
        break;
      }
      case 'timer.fire': {
        const name = r.data;
        if (agent === undefined || typeof name !== 'string') break;
        const start = name.endsWith('.start');
        if (!start && !name.endsWith('.end')) break;
        const base = name.slice(0, name.lastIndexOf('.'));
        if (base === '') break;
        const key = `trigger\u0000${agent}\u0000${base}`;
        const open: Open = {
          kind: 'trigger',
          fromSeq: seq,
          fromTick: r.tick,
          agent,
          label: `trigger: ${base} at ${agent}`,
        };
        if (start) {
          if (!byAgent.has(key)) byAgent.set(key, open);
          break;
        }
        const w = byAgent.get(key) ?? { ...open, fromSeq: 0, fromTick: 0 };
        byAgent.delete(key);
        close(w, seq, r.tick);
        break;
      }
    }
  }
  for (const w of partitions.values()) close(w, undefined, endTick);
  for (const w of byAgent.values()) close(w, undefined, endTick);
  return out.sort((a, b) => a.fromSeq - b.fromSeq);
}

/** The windows open at record `seq`: opened at or before it, not yet closed. Pure. */
export function openAt(windows: readonly FaultWindow[], seq: number): FaultWindow[] {
  return windows.filter((w) => w.fromSeq <= seq && (w.toSeq === undefined || seq < w.toSeq));
}
