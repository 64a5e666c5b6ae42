/**
 * Issue 16, no process outlives its run: the programs of a run are counted in
 * /proc (by a marker argument on their command lines) after a plain run, after
 * a run whose nodes flood and time out, after Ctrl-C (SIGINT) to a `parley
 * run` blocked in a slow step, and after SIGKILL of a `parley sweep` (which
 * leaves no exit hook to run: setpriv's parent-death signal takes them down).
 * Each wait is bounded; whatever a failure leaves is killed by its marker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PARLEY_BIN } from '../fixtures/cli.ts';
import {
  alive,
  awaitNone,
  killMarked,
  marker,
  parley,
  proc,
  ROOT,
  tmpDir,
  until,
  writeIn,
} from './fixture.ts';

const { dir, cleanup } = tmpDir();
const marks: string[] = [];
const started: ChildProcess[] = [];

function newMark(name: string): string {
  const m = marker(name);
  marks.push(m);
  return m;
}

afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      process.kill(child.pid, 'SIGKILL');
});

afterAll(() => {
  for (const m of marks) killMarked(m);
  cleanup();
});

/** Broadcast servers (and the client) that keep gossiping for `ticks` ticks under loss. */
function busy(mark: string, servers: number, ticks: number, extra: string[] = []): string[] {
  return [
    'agents:',
    ...Array.from(
      { length: servers },
      (_, i) => `  - { id: n${i + 1}, process: ${proc('broadcast.py', mark)} }`,
    ),
    ...extra,
    '  - { id: c1, protocol: broadcast-client, params: { messages: 400, everyTicks: 1, readAtTick: 100000 } }',
    'network: { dropRatio: 0.3, latency: { kind: uniform, ticksMin: 1, ticksMax: 4 } }',
    `limits: { ticksMax: ${ticks} }`,
    '',
  ];
}

/** `parley ARGS` in the background, its output collected. */
function background(args: string[]): {
  child: ChildProcess;
  exited: Promise<number | null>;
  out: () => string;
} {
  const child = spawn(process.execPath, [PARLEY_BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    text += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    text += c;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, exited, out: () => text };
}

/** Resolves with true when `p` settles within `ms`, else false. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);
}

describe('no process outlives its run', () => {
  it('after a run, and after a run whose nodes flood and time out', async () => {
    const mark = newMark('plain');
    const plain = writeIn(dir, 'plain.yaml', ['name: plain', ...busy(mark, 3, 60)].join('\n'));
    const r = parley(['run', plain], 60_000);
    expect(r.code, r.out + r.err).toBe(0);
    expect(await awaitNone(mark, 2000)).toEqual([]);

    const badMark = newMark('bad');
    const bad = writeIn(
      dir,
      'bad.yaml',
      [
        'name: bad',
        'agents:',
        `  - { id: n1, process: ${proc('bad/flood.py', badMark)} }`,
        `  - { id: n2, process: ${proc('bad/slow.py', badMark, ', stepTimeoutMs: 500')} }`,
        `  - { id: n3, process: ${proc('broadcast.py', badMark)} }`,
        '  - { id: c1, protocol: broadcast-client, params: { messages: 6, everyTicks: 1 } }',
        'limits: { ticksMax: 40 }',
        '',
      ].join('\n'),
    );
    const b = parley(['run', bad], 60_000);
    expect(b.code, b.out + b.err).toBe(0);
    expect(b.out).toMatch(/n1's program failed at tick \d+ \(flood\)/);
    expect(b.out).toMatch(/n2's program failed at tick \d+ \(timeout\)/);
    // slow.py sleeps 30 s: it was killed at its timeout, not left sleeping.
    expect(await awaitNone(badMark, 2000)).toEqual([]);
  }, 120_000);

  it('after Ctrl-C to a parley run waiting on a slow step', async () => {
    const mark = newMark('sigint');
    // n1 sleeps 30 s in its first step with a 25 s budget: the run is blocked in that step when the signal comes.
    const file = writeIn(
      dir,
      'sigint.yaml',
      [
        'name: sigint',
        ...busy(mark, 3, 100000, [
          `  - { id: s1, process: ${proc('bad/slow.py', mark, ', stepTimeoutMs: 25000')} }`,
        ]),
      ]
        .join('\n')
        // the client's servers are n*: send to s1 too
        .replace('readAtTick: 100000 }', "readAtTick: 100000, serverPrefix: '' }"),
    );
    const run = background(['run', file]);
    // All four programs up, then a moment for s1 to be in its sleep.
    expect(await until(() => alive(mark).length >= 4, 30_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    const before = alive(mark).length;
    expect(before).toBeGreaterThanOrEqual(4);
    run.child.kill('SIGINT');
    expect(await within(run.exited, 5000), run.out()).toBe(true);
    // It was stopped, not finished: no verdicts, no trace hash.
    expect(run.out()).not.toMatch(/trace hash/);
    expect(await awaitNone(mark, 3000)).toEqual([]);
  }, 90_000);

  it('after SIGKILL of a parley sweep (the parent-death signal)', async () => {
    const mark = newMark('sweep');
    const file = writeIn(
      dir,
      'sweep.yaml',
      ['name: sweep-kill', ...busy(mark, 3, 100000)].join('\n'),
    );
    const sweep = background([
      'sweep',
      file,
      '--seeds',
      '50',
      '--workers',
      '2',
      '--out',
      join(dir, 'k.csv'),
    ]);
    expect(await until(() => alive(mark).length >= 3, 60_000), sweep.out()).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    sweep.child.kill('SIGKILL');
    expect(await within(sweep.exited, 5000)).toBe(true);
    expect(sweep.child.signalCode).toBe('SIGKILL');
    expect(await awaitNone(mark, 2000)).toEqual([]);
  }, 120_000);
});
