/**
 * A sweep killed at any moment resumes to the same bytes as one never
 * interrupted, in every format: the kill is real (SIGKILL while rows are
 * being written), and the last line is torn on top of it.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { sweep } from '../../cli/sweep.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const parley = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const dir = mkdtempSync(join(tmpdir(), 'parley-sweep-resume-'));
// 12 grid points x 150 seeds = 1,800 runs: about half a second of work, long enough to be killed midway.
const SEEDS = 150;
const RUNS = 12 * SEEDS;
const ARGS = ['sweep', 'two-generals', '--seeds', String(SEEDS), '--workers', '1'];
const bytes = (f: string) => readFileSync(f);
const lineCount = (f: string) => {
  try {
    return readFileSync(f, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
};

/** The sweep of ARGS into `out`, in this process (a spawn costs a second and a half); returns its outcome and what it wrote on stderr. */
async function inProcess(
  out: string,
  resume: boolean,
): Promise<{ interrupted: boolean | undefined; err: string; thrown: string | undefined }> {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    const r = await sweep('two-generals', {
      vary: [],
      seeds: SEEDS,
      workers: 1,
      out,
      set: [],
      quiet: true,
      resume,
    });
    return { interrupted: r.interrupted, err, thrown: undefined };
  } catch (e) {
    return { interrupted: undefined, err, thrown: (e as Error).message };
  } finally {
    spy.mockRestore();
  }
}

/** Starts the sweep, waits until `watch` holds at least `rows` lines, then sends `signals` to it; resolves with its exit code and stderr. */
async function interrupt(
  args: string[],
  watch: string,
  rows: number,
  signals: readonly NodeJS.Signals[],
): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 3000 && lineCount(watch) < rows; i++)
    await new Promise((r) => setTimeout(r, 5));
  for (const s of signals) child.kill(s);
  return { code: await exited, err };
}

describe('a sweep killed midway', () => {
  const reference = (ext: string) => join(dir, `ref.${ext}`);
  beforeAll(async () => {
    for (const ext of ['csv', 'jsonl', 'parquet'])
      await sweep('two-generals', {
        vary: [],
        seeds: SEEDS,
        workers: 1,
        out: reference(ext),
        set: [],
        quiet: true,
      });
  }, 60_000);

  for (const ext of ['csv', 'jsonl', 'parquet'] as const) {
    it(`resumes a ${ext} sweep, killed and its last line torn, to the bytes of an uninterrupted one`, async () => {
      const out = join(dir, `killed.${ext}`);
      const rows = ext === 'parquet' ? `${out}.partial.jsonl` : out;
      const { code } = await interrupt([...ARGS, '--out', out], rows, 100, ['SIGKILL']);
      expect(code).toBe(null);
      const before = lineCount(rows);
      expect(before).toBeGreaterThanOrEqual(100);
      expect(before).toBeLessThan(RUNS);
      expect(existsSync(out)).toBe(ext !== 'parquet');
      truncateSync(rows, statSync(rows).size - 3);
      if (ext === 'parquet') {
        // The same sweep again without --resume would append to the journal: refused.
        expect((await inProcess(out, false)).thrown).toBe(
          `${rows} exists: add --resume to continue or finish that sweep, or choose another --out`,
        );
      }
      const resumed = await inProcess(out, true);
      expect(resumed.thrown).toBeUndefined();
      expect(resumed.interrupted).toBe(false);
      expect(resumed.err).toMatch(
        new RegExp(
          `^sweep: dropped the torn last line of ${rows} \\(\\d+ bytes, cut when the sweep was stopped\\); it runs again\n`,
        ),
      );
      expect(bytes(out).equals(bytes(reference(ext)))).toBe(true);
      expect(
        bytes(join(dir, 'killed.summary.csv')).equals(bytes(join(dir, 'ref.summary.csv'))),
      ).toBe(true);
      expect(readFileSync(`${out}.manifest.json`, 'utf8')).toBe(
        readFileSync(`${reference(ext)}.manifest.json`, 'utf8'),
      );
      expect(existsSync(`${out}.partial.jsonl`)).toBe(false);
      rmSync(join(dir, 'killed.summary.csv'));
    });
  }

  it('stops after the runs in progress on Ctrl-C, at once on a second one, and resumes', async () => {
    const out = join(dir, 'twice.csv');
    const { code, err } = await interrupt([...ARGS, '--out', out], out, 100, ['SIGINT', 'SIGINT']);
    expect(code).toBe(130);
    expect(err).toContain(
      'sweep: stopping after the runs in progress (Ctrl-C again to stop now)\n',
    );
    expect(err).toMatch(
      new RegExp(`sweep: interrupted after \\d+ of ${RUNS} runs; ${out} holds them`),
    );
    expect(lineCount(out)).toBeLessThan(RUNS + 1);
    expect((await inProcess(out, true)).interrupted).toBe(false);
    expect(bytes(out).equals(bytes(reference('csv')))).toBe(true);
  });

  it('says a finished sweep is complete on --resume, checks it and writes its summary again', () => {
    const summary = join(dir, 'ref.summary.csv');
    const expected = readFileSync(summary, 'utf8');
    rmSync(summary);
    const r = parley(...ARGS, '--out', reference('csv'), '--resume');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `${reference('csv')} is already complete (${RUNS} runs); summary in ${summary}\n`,
    );
    expect(r.err).toBe(`sweep: ${RUNS} runs (12 grid points × ${SEEDS} seeds)\n`);
    expect(readFileSync(summary, 'utf8')).toBe(expected);
  });

  it('treats a sweep stopped after its last run as finished', async () => {
    const out = join(dir, 'last.csv');
    const r = await sweep('two-generals', {
      vary: [],
      seeds: 5,
      workers: 1,
      out,
      set: [],
      quiet: true,
      stopAfter: 60,
    });
    expect(r).toEqual({ interrupted: false });
    expect(lineCount(out)).toBe(61);
    expect(JSON.parse(readFileSync(`${out}.manifest.json`, 'utf8')).complete.rows).toBe(60);
    expect(existsSync(join(dir, 'last.summary.csv'))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
