/**
 * Issue 16, recorded so every run replays: the same seed gives the same trace
 * hash twice from the command line and once more in a worker thread (the
 * library with registerProcessHost(), as a sweep worker runs it); `parley
 * replay` rebuilds the run from the trace after the program is gone;
 * `replay --live` runs the programs again and finds the same trace; and
 * `run --check-determinism` catches a node that reads the wall clock.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import {
  awaitNone,
  CLIENT_PY,
  killMarked,
  marker,
  NODES,
  parley,
  proc,
  ROOT,
  readTrace,
  tmpDir,
  writeIn,
} from './fixture.ts';

const { dir, cleanup } = tmpDir();
const mark = marker('determinism');

afterAll(() => {
  killMarked(mark);
  cleanup();
});

/** Three broadcast.py servers gossiping under loss and duplication, and the xstate client. */
function broadcast(node: string, extra = ''): string {
  return [
    'name: broadcast-process',
    'agents:',
    ...['n1', 'n2', 'n3'].map((id) => `  - { id: ${id}, process: ${proc(node, mark, extra)} }`),
    '  - { id: c1, protocol: broadcast-client, params: { messages: 8, everyTicks: 2, readAtTick: 60 } }',
    'network:',
    '  dropRatio: 0.15',
    '  duplicateRatio: 0.1',
    '  latency: { kind: uniform, ticksMin: 1, ticksMax: 6 }',
    'limits: { ticksMax: 400 }',
    '',
  ].join('\n');
}

function hashOf(out: string): string {
  return (JSON.parse(out) as { hash: string }).hash;
}

function inWorker(file: string, seed: number): Promise<{ hash: string; events: number }> {
  const worker = new Worker(join(ROOT, 'test', 'fixtures', 'ts-worker.mjs'), {
    workerData: { entry: join(import.meta.dirname, 'run-worker.ts'), file, seed },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)));
  });
}

describe('the same seed, the same trace', () => {
  it('twice from the command line and once in a worker thread', async () => {
    const file = writeIn(dir, 'broadcast.yaml', broadcast('broadcast.py'));
    const a = parley(['run', file, '--seed', '7', '--json'], 60_000);
    expect(a.code, a.err).toBe(0);
    const b = parley(['run', file, '--seed', '7', '--json'], 60_000);
    expect(b.code, b.err).toBe(0);
    expect(hashOf(b.out)).toBe(hashOf(a.out));
    const w = await inWorker(file, 7);
    expect(w.hash).toBe(hashOf(a.out));
    // Another seed is another run: the hash says something.
    const c = parley(['run', file, '--seed', '8', '--json'], 60_000);
    expect(hashOf(c.out)).not.toBe(hashOf(a.out));
    expect(await awaitNone(mark)).toEqual([]);
  }, 120_000);

  it('replays from the trace without the program, and live with it', () => {
    // The node is a copy in the temporary folder (finding the client library by PYTHONPATH), removed before the replay.
    const nodes = join(dir, 'copy');
    mkdirSync(nodes, { recursive: true });
    const copy = join(nodes, 'broadcast.py');
    copyFileSync(join(NODES, 'broadcast.py'), copy);
    const file = writeIn(
      dir,
      'copy.yaml',
      broadcast(copy, `, env: { PYTHONPATH: ${JSON.stringify(CLIENT_PY)} }`),
    );
    const trace = join(dir, 'copy.jsonl');
    const run = parley(['run', file, '--seed', '3', '--out', trace], 60_000);
    expect(run.code, run.err).toBe(0);
    const records = readTrace(trace);
    expect(records.filter((r) => r.kind === 'output').length).toBeGreaterThan(10);
    expect(records.some((r) => r.kind === 'crash')).toBe(false);

    const live = parley(['replay', trace, '--live'], 60_000);
    expect(live.code, live.out + live.err).toBe(0);
    expect(live.out).toMatch(/identical/);

    rmSync(copy);
    const replay = parley(['replay', trace], 60_000);
    expect(replay.code, replay.out + replay.err).toBe(0);
    expect(replay.out).toMatch(/identical/);
    // Live, without the program, the first step differs: the program cannot start.
    const gone = parley(['replay', trace, '--live'], 60_000);
    expect(gone.code).not.toBe(0);
    expect(gone.out + gone.err).toMatch(
      /record \d+: agent n1's program wrote something else at tick 0/,
    );
  }, 120_000);
});

describe('--check-determinism', () => {
  it('catches a node that reads the wall clock, naming the first differing record', () => {
    const file = writeIn(
      dir,
      'wallclock.yaml',
      [
        'name: wallclock',
        'agents:',
        `  - { id: n1, process: ${proc('bad/wallclock.py', mark)} }`,
        `  - { id: n2, process: ${proc('broadcast.py', mark)} }`,
        '',
      ].join('\n'),
    );
    const r = parley(['run', file, '--check-determinism'], 60_000);
    expect(r.code).toBe(1);
    const text = r.out + r.err;
    expect(text).toMatch(/not deterministic/);
    expect(text).toMatch(/differ at line \d+/);
    // The differing lines shown are n1's output record with its decision of the time.
    expect(text).toMatch(/run 1: .*"kind":"output","agent":"n1".*parley\/decide/);
    expect(text).toMatch(/run 2: .*"kind":"output","agent":"n1".*parley\/decide/);
  }, 60_000);

  it('passes a deterministic node', () => {
    const file = writeIn(dir, 'det.yaml', broadcast('broadcast.py'));
    const r = parley(['run', file, '--check-determinism'], 90_000);
    expect(r.code, r.out + r.err).toBe(0);
  }, 120_000);
});
