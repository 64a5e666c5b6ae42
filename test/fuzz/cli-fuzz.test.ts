/**
 * The command line against thousands of hostile inputs: catalogue scenarios
 * mutated as text and as data, hostile names and values, malformed override
 * strings, through run, show, sweep and shrink (test/fuzz/generate.ts).
 * Every case must end with exit 0, 1 or 2, print no stack trace, name a
 * position for a problem in its file, finish within its time and memory, and
 * write nothing outside the folder it runs in. Cases that ever failed are
 * kept in test/fuzz/corpus/ and run first.
 *
 * Reproduce a case: PARLEY_FUZZ_SEED=S and the case's index, printed on
 * failure with its files and command line; or drop it into the corpus.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SEED = Number(process.env['PARLEY_FUZZ_SEED'] ?? 20261128);
const CASES = Number(process.env['PARLEY_FUZZ_CASES'] ?? 2000);
/** Wall time the generated cases may take in all (the corpus always runs whole). */
const BUDGET_MS = Number(process.env['PARLEY_FUZZ_BUDGET_MS'] ?? 240_000);
/** Fewest generated cases a run must reach within its budget. */
const CASES_MIN = Math.min(CASES, 1500);
const ABSOLUTE_TARGET = '/tmp/parley-fuzz-absolute';
const ARTIFACTS = join(import.meta.dirname, '..', '.artifacts');

interface Outcome {
  index: number;
  argv: string[];
  how: string;
  files: Record<string, string>;
  code: number | string;
  out: string;
  err: string;
  ms: number;
}

/** Files under `dir`, recursively, as paths relative to `root`. */
function filesUnder(dir: string, root: string, skip: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === skip) continue;
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, root, skip));
    else out.push(relative(root, path));
  }
  return out;
}

const STACK =
  /\n\s+at .+:\d+:\d+\)?(\n|$)|node:internal|file:\/\/\/|\bTypeError\b|\bRangeError\b|\bSyntaxError\b|InvariantError/;

/** Why an outcome breaks the contract, or undefined. */
function violation(o: Outcome): string | undefined {
  if (o.code === 'timeout') return 'ran past its time';
  if (o.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'ran out of memory';
  if (o.code !== 0 && o.code !== 1 && o.code !== 2) return `exited ${o.code}`;
  if (STACK.test(o.err) || STACK.test(o.out)) return 'printed a stack trace or a raw error';
  if (o.code === 2 && o.err.trim() === '') return 'exit 2 with no message';
  if (o.code === 2) {
    // A problem in the case's own file names its line and column (or the override it came from).
    const file = Object.keys(o.files)[0];
    // The runner keeps the first 4,000 characters: a cut last line is not judged.
    const lines = o.err.split('\n');
    if (o.err.length >= 4000) lines.pop();
    for (const line of file === undefined ? [] : lines) {
      const m = new RegExp(`^(case-?\\d+/)?${(file as string).replace('.', '\\.')}(:.*)$`).exec(
        line,
      );
      if (m !== null && !/^:\d+:\d+: |^: override /.test(m[2] as string))
        return `a problem without a position: ${line}`;
    }
  }
  return undefined;
}

describe('the command line under fuzzing', () => {
  it(`ends every one of ${CASES} hostile command lines (seed ${SEED}) with exit 0, 1 or 2, no stack trace, nothing written outside its folder`, () => {
    rmSync(ABSOLUTE_TARGET, { recursive: true, force: true });
    const root = mkdtempSync(join(tmpdir(), 'parley-fuzz-'));
    // Deep enough that "../../x" from work/ stays inside root, where it is seen.
    const work = join(root, 'a', 'b', 'work');
    mkdirSync(work, { recursive: true });
    const tsx = import.meta.resolve('tsx');
    const runner = join(import.meta.dirname, 'runner.ts');
    const corpus = join(import.meta.dirname, 'corpus');
    const r = spawnSync(
      process.execPath,
      ['--import', tsx, runner, String(SEED), String(CASES), String(BUDGET_MS), corpus],
      { cwd: work, encoding: 'utf8', maxBuffer: 1 << 30, timeout: BUDGET_MS + 300_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    // Kept for a look after a failure (ignored by git).
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'fuzz.jsonl'), r.stdout);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const done = lines.at(-1) as { done: boolean; ran: number; of: number; ms: number };
    const outcomes = lines.slice(0, -1) as Outcome[];
    expect(done.done).toBe(true);
    const generated = outcomes.filter((o) => o.index >= 0);
    const corpusRun = outcomes.filter((o) => o.index < 0);
    expect(corpusRun.length).toBe(readdirSync(corpus).filter((f) => f.endsWith('.json')).length);
    expect(generated.length).toBeGreaterThanOrEqual(CASES_MIN);

    const bad = outcomes
      .map((o) => ({ o, why: violation(o) }))
      .filter((x) => x.why !== undefined)
      .map(
        ({ o, why }) =>
          `case ${o.index} (${o.how}): ${why}\n  parley ${o.argv.join(' ')}\n  stderr: ${o.err.slice(0, 600)}\n  files: ${JSON.stringify(o.files).slice(0, 2000)}`,
      );
    const escaped = filesUnder(root, root, work);
    const counts = new Map<string, number>();
    for (const o of outcomes) counts.set(String(o.code), (counts.get(String(o.code)) ?? 0) + 1);
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    console.log(
      `fuzz seed ${SEED}: ${outcomes.length} cases (${corpusRun.length} from the corpus) in ${(done.ms / 1000).toFixed(0)} s; exit codes ${JSON.stringify(Object.fromEntries(counts))}; slowest ${(slowest / 1000).toFixed(1)} s`,
    );
    rmSync(root, { recursive: true, force: true });
    expect(bad, bad.join('\n\n')).toEqual([]);
    expect(escaped).toEqual([]);
    expect(existsSync(ABSOLUTE_TARGET)).toBe(false);
  });
});
