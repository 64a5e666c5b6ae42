/**
 * Load on a service, read from any trace that has requests: the requests
 * arriving at the service per tick, and how many of them succeeded, both
 * per bucket of ticks. Conventions read (those of the load-amplification
 * checker, sim/checkers/spend.ts, and of scenarios/protocols/retry-storm.ts):
 * - a request is a message whose data holds the field `idField` (the
 *   load-amplification check's option, default 'request');
 * - the service is that check's `service` option when the scenario lists the
 *   check and names an agent of the run; else the agent that received the
 *   most requests among those that sent none (the end of a chain of callers);
 * - an answer is a message the service sends whose data holds a boolean `ok`;
 * - a request's end is a note whose data holds `idField` and a boolean `ok`
 *   (the caller's view: an answer that came after the caller gave up is no
 *   success there).
 * Pure apart from building the DOM; O(records) once.
 */
import { format } from 'd3';
import type { CheckSpec, Json, Trace } from '../../sim/index.ts';
import type { FaultWindow } from '../windows.ts';
import { type Chart, type Series, timeChart } from './chart.ts';

export interface LoadData {
  readonly service: string;
  /** Ticks per bucket. */
  readonly bucketTicks: number;
  /** Requests that arrived at the service in all. */
  readonly requests: number;
  /** [bucket's first tick, requests arriving per tick in it]. */
  readonly arrivals: Series;
  /** [bucket's first tick, fraction of the requests ending in it that ended ok]; NaN when none ended. */
  readonly endedOk: Series;
  /** [bucket's first tick, fraction of the service's answers in it that were ok]; NaN when none. */
  readonly answeredOk: Series;
}

/** Bucket widths the charts choose from: a round number of ticks. */
const BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

/** The smallest round bucket that gives at most `bucketsMax` buckets over [0, endTick). Pure. */
export function bucketTicksFor(endTick: number, bucketsMax: number): number {
  const raw = Math.max(1, Math.ceil(endTick / Math.max(1, bucketsMax)));
  return BUCKETS.find((b) => b >= raw) ?? raw;
}

const isObject = (d: Json | undefined): d is Record<string, Json> =>
  d !== null && d !== undefined && typeof d === 'object' && !Array.isArray(d);

/**
 * The service's load in `trace`, in buckets of `bucketTicks` over ticks
 * [0, endTick); undefined when no message carried a request id. Pure.
 */
export function loadData(trace: Trace, endTick: number, bucketTicks: number): LoadData | undefined {
  const checks = (trace.manifest.spec as { checks?: CheckSpec[] } | null)?.checks ?? [];
  const options = checks.find((c) => c.property === 'load-amplification')?.options;
  const idField = typeof options?.['idField'] === 'string' ? options['idField'] : 'request';
  const named = typeof options?.['service'] === 'string' ? options['service'] : undefined;

  const requestMsgs = new Set<number>();
  const senders = new Set<string>();
  /** Per receiving agent, the ticks of the requests delivered to it. */
  const arrivedAt = new Map<string, number[]>();
  /** Sends with a boolean ok, per sender: [tick, ok]. */
  const answersBy = new Map<string, [number, boolean][]>();
  const ends: [number, boolean][] = [];
  for (let seq = 0; seq < trace.length; seq++) {
    const k = trace.kindAt(seq);
    if (k !== 1 && k !== 4 && k !== 10) continue; // send, deliver, note
    const r = trace.record(seq);
    if (r.kind === 'send') {
      const d = r.data;
      if (!isObject(d) || r.msg === undefined || r.agent === undefined) continue;
      if (idField in d) {
        requestMsgs.add(r.msg);
        senders.add(r.agent);
      }
      if (typeof d['ok'] === 'boolean') {
        const list = answersBy.get(r.agent) ?? [];
        list.push([r.tick, d['ok']]);
        answersBy.set(r.agent, list);
      }
    } else if (r.kind === 'deliver') {
      if (r.msg === undefined || r.agent === undefined || !requestMsgs.has(r.msg)) continue;
      const list = arrivedAt.get(r.agent) ?? [];
      list.push(r.tick);
      arrivedAt.set(r.agent, list);
    } else {
      const d = r.data;
      if (isObject(d) && idField in d && typeof d['ok'] === 'boolean') ends.push([r.tick, d['ok']]);
    }
  }
  if (requestMsgs.size === 0) return undefined;
  let service = named !== undefined && trace.agentIds.includes(named) ? named : undefined;
  if (service === undefined) {
    let best = -1;
    for (const [agent, ticks] of arrivedAt) {
      const score = ticks.length + (senders.has(agent) ? 0 : trace.length + 1);
      if (score > best) {
        best = score;
        service = agent;
      }
    }
  }
  if (service === undefined) return undefined;

  const n = Math.max(1, Math.ceil(endTick / bucketTicks));
  const bucketOf = (tick: number) => Math.min(n - 1, Math.floor(tick / bucketTicks));
  const starts = Array.from({ length: n }, (_, b) => b * bucketTicks);
  const widths = starts.map((s) => Math.max(1, Math.min(bucketTicks, endTick - s)));
  const arrived = new Array<number>(n).fill(0);
  for (const t of arrivedAt.get(service) ?? [])
    arrived[bucketOf(t)] = (arrived[bucketOf(t)] ?? 0) + 1;
  const fractions = (list: readonly [number, boolean][]): Series => {
    const ok = new Array<number>(n).fill(0);
    const all = new Array<number>(n).fill(0);
    for (const [t, good] of list) {
      const b = bucketOf(t);
      all[b] = (all[b] ?? 0) + 1;
      if (good) ok[b] = (ok[b] ?? 0) + 1;
    }
    return starts.map((s, b) => [
      s,
      (all[b] ?? 0) === 0 ? Number.NaN : (ok[b] ?? 0) / (all[b] ?? 1),
    ]);
  };
  return {
    service,
    bucketTicks,
    requests: (arrivedAt.get(service) ?? []).length,
    arrivals: starts.map((s, b) => [s, (arrived[b] ?? 0) / (widths[b] ?? 1)]),
    endedOk: ends.length === 0 ? [] : fractions(ends),
    answeredOk: fractions(answersBy.get(service) ?? []),
  };
}

export interface LoadCharts {
  readonly data: LoadData;
  /** The charts, load first. */
  readonly charts: readonly { readonly title: string; readonly chart: Chart }[];
}

/** The load and success-rate charts of `trace`, or undefined without requests. */
export function loadCharts(
  trace: Trace,
  options: { width: number; endTick: number; windows: readonly FaultWindow[] },
): LoadCharts | undefined {
  const bucketTicks = bucketTicksFor(options.endTick, Math.max(10, Math.floor(options.width / 6)));
  const data = loadData(trace, options.endTick, bucketTicks);
  if (data === undefined) return undefined;
  const per =
    data.bucketTicks === 1 ? 'per tick' : `per tick, over ${data.bucketTicks}-tick buckets`;
  const loadTitle = `requests arriving at ${data.service} ${per}`;
  const load = timeChart({
    title: loadTitle,
    width: options.width,
    endTick: options.endTick,
    lines: [{ points: data.arrivals, colour: '#2f6fb0' }],
    yFormat: format('~r'),
    valueFormat: (v) => `${format('.3~r')(v)} per tick`,
    windows: options.windows,
  });
  const lines = [];
  if (data.endedOk.length > 0)
    lines.push({ points: data.endedOk, colour: '#1b7f3b', name: 'requests that ended ok' });
  lines.push({
    points: data.answeredOk,
    colour: '#8a5a00',
    dashed: true,
    name: `${data.service}'s answers ok`,
  });
  const rateTitle = 'success rate';
  const rate = timeChart({
    title: rateTitle,
    width: options.width,
    endTick: options.endTick,
    lines,
    yFormat: format('.0%'),
    valueFormat: (v) =>
      `${format('.0%')(v)} ${data.endedOk.length > 0 ? 'ended ok' : 'answered ok'}`,
    yMax: 1,
    windows: options.windows,
  });
  return {
    data,
    charts: [
      { title: loadTitle, chart: load },
      { title: rateTitle, chart: rate },
    ],
  };
}
