/**
 * The difference between two runs: given two traces and their verdicts,
 * whether they are identical, where their manifests differ, the first
 * record that differs, the verdicts that changed and each metric in both.
 * Shared by `parley diff` and the page's compare view. Pure.
 */
import type { Verdict } from './checkers/verdict.ts';
import type { Json } from './spec.ts';
import type { Trace } from './trace.ts';

/** Differing manifest paths reported, at most; the rest are counted. */
export const MANIFEST_PATHS_MAX = 20;

/** One side's record at the first difference: its tick and its JSONL line. */
export interface RecordAt {
  readonly tick: number;
  /** The record as the trace file writes it (no newline). */
  readonly line: string;
}

/** The first record that differs; a side is undefined when its trace has ended before `seq`. */
export interface RecordDifference {
  readonly seq: number;
  readonly a: RecordAt | undefined;
  readonly b: RecordAt | undefined;
}

/** A check whose verdict is not the same in both runs; undefined where a run does not check it. */
export interface VerdictChange {
  /** The property, with #2, #3… for the same property checked again (as sweep columns). */
  readonly check: string;
  readonly a: Verdict['status'] | undefined;
  readonly b: Verdict['status'] | undefined;
}

/** One metric in both runs; undefined where a run has no such metric. */
export interface MetricRow {
  /** `records`, `stop` and `tick` of the run, then `check.metric` (`destructive-action.acts`). */
  readonly metric: string;
  readonly a: Json | undefined;
  readonly b: Json | undefined;
  /** The values' JSON texts differ. */
  readonly differs: boolean;
}

export interface RunDifference {
  /** Manifest, every record and the end line are the same: the files are byte for byte equal. */
  readonly identical: boolean;
  /** Dotted paths where the manifests differ (`seed`, `spec.checks.0.expect`), at most MANIFEST_PATHS_MAX. */
  readonly manifest: readonly string[];
  /** Differing manifest paths beyond those listed. */
  readonly manifestMore: number;
  /** The first record whose line differs, or undefined when every record is the same. */
  readonly record: RecordDifference | undefined;
  readonly verdicts: readonly VerdictChange[];
  readonly metrics: readonly MetricRow[];
}

/** One side of a comparison: a trace and the verdicts judged on it. */
export interface RunSide {
  readonly trace: Trace;
  readonly verdicts: readonly Verdict[];
}

/**
 * The seq of the first record whose JSONL line differs between `a` and `b`
 * (kinds compared first from the columns, lines only when kinds match), or
 * the shorter length when one is a prefix of the other, or undefined when
 * every record is the same. Pure; builds no record object.
 */
export function firstDifferingSeq(a: Trace, b: Trace): number | undefined {
  const n = Math.min(a.length, b.length);
  for (let seq = 0; seq < n; seq++) {
    if (a.kindAt(seq) !== b.kindAt(seq) || a.recordLine(seq) !== b.recordLine(seq)) return seq;
  }
  return a.length === b.length ? undefined : n;
}

/** The record at `seq`, or undefined past the end. */
function recordAt(trace: Trace, seq: number): RecordAt | undefined {
  if (seq >= trace.length) return undefined;
  return { tick: trace.record(seq).tick, line: trace.recordLine(seq) };
}

/** Collects the dotted paths where two JSON values differ, stopping the list at `max`. */
function jsonPaths(a: Json | undefined, b: Json | undefined, path: string, out: string[]): number {
  if (a === b) return 0;
  const isObj = (v: Json | undefined): v is { [key: string]: Json } =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const push = () => {
    if (out.length < MANIFEST_PATHS_MAX) out.push(path);
    return 1;
  };
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  if (Array.isArray(a) && Array.isArray(b)) {
    let count = 0;
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      count += jsonPaths(a[i], b[i], at(String(i)), out);
    return count;
  }
  if (isObj(a) && isObj(b)) {
    let count = 0;
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
    for (const k of keys)
      count += jsonPaths(
        Object.hasOwn(a, k) ? a[k] : undefined,
        Object.hasOwn(b, k) ? b[k] : undefined,
        at(k),
        out,
      );
    return count;
  }
  return push();
}

/** Verdicts by check name: the property, then #2, #3… for the same property again. */
function byCheck(verdicts: readonly Verdict[]): Map<string, Verdict> {
  const seen = new Map<string, number>();
  const out = new Map<string, Verdict>();
  for (const v of verdicts) {
    const n = (seen.get(v.property) ?? 0) + 1;
    seen.set(v.property, n);
    out.set(n === 1 ? v.property : `${v.property}#${n}`, v);
  }
  return out;
}

/** The names of both maps, `a`'s first, then those only `b` has. */
function union<T>(a: Map<string, T>, b: Map<string, T>): string[] {
  return [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))];
}

/** The run's own numbers, then every metric of every check, by `check.metric`. */
function metricsOf(side: RunSide, checks: Map<string, Verdict>): Map<string, Json> {
  const stop = side.trace.stop;
  const out = new Map<string, Json>([
    ['records', side.trace.length],
    ['stop', stop === undefined ? null : stop.reason],
    ['tick', stop === undefined ? null : stop.tick],
  ]);
  for (const [check, v] of checks)
    for (const [m, x] of Object.entries(v.metrics ?? {})) out.set(`${check}.${m}`, x);
  return out;
}

/**
 * How run `b` differs from run `a`: identical when manifest, records and end
 * line are the same (what equal trace hashes say, without hashing). Pure.
 */
export function diffRuns(a: RunSide, b: RunSide): RunDifference {
  const manifest: string[] = [];
  const sameManifest = a.trace.headerLine() === b.trace.headerLine();
  let manifestCount = sameManifest
    ? 0
    : jsonPaths(
        a.trace.manifest as unknown as Json,
        b.trace.manifest as unknown as Json,
        '',
        manifest,
      );
  // Equal values written in another key order: still not the same file.
  if (!sameManifest && manifestCount === 0) {
    manifest.push('(the order of its keys)');
    manifestCount = 1;
  }
  const seq = firstDifferingSeq(a.trace, b.trace);
  const record =
    seq === undefined ? undefined : { seq, a: recordAt(a.trace, seq), b: recordAt(b.trace, seq) };
  const identical =
    sameManifest && seq === undefined && a.trace.endPrefix() === b.trace.endPrefix();

  const checksA = byCheck(a.verdicts);
  const checksB = byCheck(b.verdicts);
  const verdicts: VerdictChange[] = [];
  for (const check of union(checksA, checksB)) {
    const va = checksA.get(check)?.status;
    const vb = checksB.get(check)?.status;
    if (va !== vb) verdicts.push({ check, a: va, b: vb });
  }

  const ma = metricsOf(a, checksA);
  const mb = metricsOf(b, checksB);
  const metrics: MetricRow[] = union(ma, mb).map((metric) => {
    const x = ma.get(metric);
    const y = mb.get(metric);
    return {
      metric,
      a: x,
      b: y,
      differs: x === undefined || y === undefined || JSON.stringify(x) !== JSON.stringify(y),
    };
  });

  return {
    identical,
    manifest,
    manifestMore: manifestCount - manifest.length,
    record,
    verdicts,
    metrics,
  };
}
