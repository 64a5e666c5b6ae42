/**
 * `parley diff`: two runs side by side, either two trace files or one
 * scenario run twice (its default against a variant, another seed or other
 * overrides). The comparison itself is sim/diff.ts; this file gets the two
 * runs and words the result. Node only.
 */

import { isCheckerName } from '../sim/checkers/index.ts';
import { diffRuns, type RunDifference, type RunSide } from '../sim/diff.ts';
import { CHECKER_NAMES, type Json, judge, runScenario, type Trace } from '../sim/index.ts';
import { loadNamed, prepareNamed } from './catalog.ts';
import { UsageError } from './errors.ts';
import { readTrace } from './trace-file.ts';

/** The options of `parley diff`, as the command line parses them. */
export interface DiffOptions {
  readonly seed?: number | undefined;
  readonly seedB?: number | undefined;
  readonly variant?: string | undefined;
  readonly set: readonly string[];
  readonly setB: readonly string[];
}

/** One run of the comparison: where it came from, its trace and its verdicts. */
export interface DiffRun extends RunSide {
  /** The file name, or what was run: "default", "variant mitigated", "seed 3"… */
  readonly label: string;
}

/** Longest metric value shown in the text table; --json keeps every value whole. */
const CELL_CHARS_MAX = 40;

/** The verdicts of a trace read from a file: its manifest's checks, judged again. */
function judgedFile(file: string, trace: Trace): DiffRun {
  // Verdicts are not stored in a trace; the manifest's checks say what the run was judged on.
  const checks = (trace.manifest.spec as { checks?: { property?: unknown }[] } | null)?.checks;
  for (const c of Array.isArray(checks) ? checks : []) {
    if (!isCheckerName(c?.property as string))
      throw new UsageError(
        `${file}: its manifest checks "${String(c?.property)}", which this parley does not know (it knows ${CHECKER_NAMES.join(', ')})`,
      );
  }
  return { label: file, trace, verdicts: judge(trace).verdicts };
}

/** Reads two trace files and judges each. Throws a UsageError for a missing, cut or edited file. */
export function filesToDiff(fileA: string, fileB: string, o: DiffOptions): [DiffRun, DiffRun] {
  const scenarioOptions = [
    o.seed === undefined ? undefined : '--seed',
    o.seedB === undefined ? undefined : '--seed-b',
    o.variant === undefined ? undefined : '--variant',
    o.set.length === 0 ? undefined : '--set',
    o.setB.length === 0 ? undefined : '--set-b',
  ].filter((x) => x !== undefined);
  if (scenarioOptions.length > 0)
    throw new UsageError(
      `${scenarioOptions.join(', ')}: for a scenario run twice; two trace files are compared as they are`,
    );
  return [judgedFile(fileA, readTrace(fileA)), judgedFile(fileB, readTrace(fileB))];
}

/**
 * Runs `name` twice: A with --seed and --set, B the same changed by
 * --variant, --seed-b and --set-b. Throws a UsageError when nothing tells B
 * apart, and the loader's errors for an unknown scenario or variant.
 */
export async function scenarioToDiff(name: string, o: DiffOptions): Promise<[DiffRun, DiffRun]> {
  if (/\.jsonl$/i.test(name))
    throw new UsageError(
      `diff ${name}: one trace alone; compare two: parley diff A.jsonl B.jsonl (or run a scenario twice: parley diff SCENARIO --variant NAME)`,
    );
  if (o.variant === undefined && o.seedB === undefined && o.setB.length === 0)
    throw new UsageError(
      `diff ${name}: say how the second run differs: --variant NAME, --seed-b N or --set-b path=value (or give two trace files)`,
    );
  const setB = [...o.set, ...o.setB];
  await prepareNamed(name, { overrides: o.set });
  await prepareNamed(name, { variant: o.variant, overrides: setB });
  const a = loadNamed(name, { overrides: o.set });
  const b = loadNamed(name, { variant: o.variant, overrides: setB });
  const seedA = o.seed ?? a.source.seed ?? 1;
  const seedB = o.seedB ?? o.seed ?? b.source.seed ?? 1;
  const seedsDiffer = seedA !== seedB;
  const labelA = [
    o.variant !== undefined || o.setB.length > 0 || !seedsDiffer ? 'default' : undefined,
    seedsDiffer ? `seed ${seedA}` : undefined,
  ];
  const labelB = [
    o.variant === undefined ? undefined : `variant ${o.variant}`,
    seedsDiffer ? `seed ${seedB}` : undefined,
    o.setB.length === 0 ? undefined : `set ${o.setB.join(' ')}`,
  ];
  const side = (label: (string | undefined)[], scenario: typeof a.scenario, seed: number) => {
    const words = label.filter((x) => x !== undefined).join(' · ');
    const trace = runScenario(scenario, { seed }).trace;
    return {
      // The same seed again with nothing else changed: a determinism check.
      label: words === '' ? 'default, again' : words,
      trace,
      verdicts: judge(trace).verdicts,
    };
  };
  return [side(labelA, a.scenario, seedA), side(labelB, b.scenario, seedB)];
}

/** A metric value as the text table shows it: exact, long JSON shortened. */
function cell(x: Json | undefined): string {
  if (x === undefined) return '—';
  const text = typeof x === 'string' ? x : JSON.stringify(x);
  return text.length > CELL_CHARS_MAX ? `${text.slice(0, CELL_CHARS_MAX - 1)}…` : text;
}

/** What one run is, in one line: scenario, seed, records, stop. */
function about(run: DiffRun): string {
  const m = run.trace.manifest;
  const stop = run.trace.stop;
  return `${m.scenario} · seed ${m.seed} · ${run.trace.length} records${stop === undefined ? '' : ` · stopped at tick ${stop.tick} (${stop.reason})`}`;
}

/** The comparison as lines of text for a terminal. */
export function diffText(a: DiffRun, b: DiffRun, d: RunDifference): string[] {
  const width = Math.max(a.label.length, b.label.length);
  const out = [
    `A  ${a.label.padEnd(width)}  ${about(a)}`,
    `B  ${b.label.padEnd(width)}  ${about(b)}`,
  ];
  if (d.identical) {
    out.push(`identical: every line is the same, hash ${a.trace.hash()}`);
  } else {
    out.push('the runs differ');
    if (d.manifest.length > 0)
      out.push(
        `manifest differs at: ${d.manifest.join(', ')}${d.manifestMore > 0 ? ` and ${d.manifestMore} more` : ''}`,
      );
    if (d.record === undefined) out.push('every record is the same');
    else {
      const r = d.record;
      const side = (tag: string, label: string, at: typeof r.a, trace: Trace) =>
        at === undefined
          ? `  ${tag}  ${label.padEnd(width)}  no record: the trace ends after ${trace.length} records`
          : `  ${tag}  ${label.padEnd(width)}  tick ${at.tick}: ${at.line}`;
      out.push(
        `first differing record: seq ${r.seq}`,
        side('A', a.label, r.a, a.trace),
        side('B', b.label, r.b, b.trace),
      );
    }
  }
  if (d.verdicts.length === 0) out.push('no verdict changed');
  else {
    out.push('verdicts that changed:');
    for (const v of d.verdicts)
      out.push(`  ${v.check}: ${v.a ?? 'not checked'} → ${v.b ?? 'not checked'}`);
  }
  const rows = d.metrics.map((m) => [m.differs ? '≠' : ' ', m.metric, cell(m.a), cell(m.b)]);
  const w = [1, 2, 3].map((i) =>
    Math.max(['', 'metric', 'A', 'B'][i]?.length ?? 0, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (r: string[]) =>
    `  ${r[0]} ${(r[1] as string).padEnd(w[0] as number)}  ${(r[2] as string).padEnd(w[1] as number)}  ${r[3]}`.trimEnd();
  out.push('metrics (≠ marks a difference):', line([' ', 'metric', 'A', 'B']), ...rows.map(line));
  return out;
}

/** The comparison as one JSON object: the same as the text, values exact, records as objects. */
export function diffJson(a: DiffRun, b: DiffRun, d: RunDifference): unknown {
  const run = (r: DiffRun) => ({
    label: r.label,
    scenario: r.trace.manifest.scenario,
    seed: r.trace.manifest.seed,
    records: r.trace.length,
    stop: r.trace.stop ?? null,
    hash: r.trace.hash(),
  });
  const at = (x: { tick: number; line: string } | undefined) =>
    x === undefined ? null : { tick: x.tick, record: JSON.parse(x.line) as Json };
  return {
    identical: d.identical,
    a: run(a),
    b: run(b),
    manifest: d.manifest,
    manifestMore: d.manifestMore,
    firstDifference:
      d.record === undefined ? null : { seq: d.record.seq, a: at(d.record.a), b: at(d.record.b) },
    verdicts: d.verdicts.map((v) => ({ check: v.check, a: v.a ?? null, b: v.b ?? null })),
    metrics: d.metrics.map((m) => ({
      metric: m.metric,
      a: m.a ?? null,
      b: m.b ?? null,
      differs: m.differs,
    })),
  };
}

/**
 * `parley diff A [B]`: two trace files when B is given, else scenario A run
 * twice. The output (text, or one JSON line with `json`) and whether the runs
 * are identical. Throws a UsageError for bad input.
 */
export async function diff(
  a: string,
  b: string | undefined,
  o: DiffOptions & { readonly json?: boolean | undefined },
): Promise<{ output: string; identical: boolean }> {
  const [ra, rb] = b === undefined ? await scenarioToDiff(a, o) : filesToDiff(a, b, o);
  const d = diffRuns(ra, rb);
  const output =
    o.json === true
      ? `${JSON.stringify(diffJson(ra, rb, d))}\n`
      : `${diffText(ra, rb, d).join('\n')}\n`;
  return { output, identical: d.identical };
}
