/**
 * Shared by the process-agent tests (issue 16): scenario files written to a
 * temporary folder with absolute paths to test/nodes, the command line, and
 * a count of the programs still alive, found in /proc by a marker argument
 * each test puts on its programs' command lines (the test nodes ignore their
 * arguments), so runs of other tests on the same machine are not counted.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PARLEY_BIN } from '../fixtures/cli.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const NODES = join(ROOT, 'test', 'nodes');
export const PYTHON = process.env['PYTHON'] ?? 'python3';
export const CLIENT_PY = join(ROOT, 'clients', 'python');

/** A fresh temporary folder, removed by `cleanup`. */
export function tmpDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-process-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A marker no other run on the machine has on its command lines. */
export function marker(name: string): string {
  return `parley-test-${name}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The YAML of a process spec running `file` (a path under test/nodes, or absolute) with python3 or node. */
export function proc(file: string, mark: string, extra = ''): string {
  const path = file.startsWith('/') ? file : join(NODES, file);
  const program = path.endsWith('.py') ? PYTHON : process.execPath;
  return `{ command: [${JSON.stringify(program)}, ${JSON.stringify(path)}, ${JSON.stringify(mark)}]${extra} }`;
}

/** Writes `text` to `dir/name` and returns its path. */
export function writeIn(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface Cli {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** `parley ARGS`, bounded in wall-clock time (the child is killed past `timeoutMs`). */
export function parley(args: readonly string[], timeoutMs = 120_000): Cli {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [PARLEY_BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** The pids of live processes whose command line contains `mark` (zombies excluded). */
export function alive(mark: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!cmd.includes(mark)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z') pids.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

/** Polls until no process carries `mark`, at most `boundMs`; returns those still alive then. */
export async function awaitNone(mark: string, boundMs = 3000): Promise<number[]> {
  const end = Date.now() + boundMs;
  let left = alive(mark);
  while (left.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    left = alive(mark);
  }
  return left;
}

/** Polls until `cond` holds, at most `boundMs`; returns whether it did. */
export async function until(cond: () => boolean, boundMs: number): Promise<boolean> {
  const end = Date.now() + boundMs;
  while (!cond()) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** SIGKILLs every process carrying `mark`: a test's last resort, so that a failure leaves nothing behind. */
export function killMarked(mark: string): void {
  for (const pid of alive(mark)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export interface Rec {
  readonly seq: number;
  readonly tick: number;
  readonly kind: string;
  readonly agent?: string;
  readonly cause?: number;
  readonly at?: number;
  readonly data?: unknown;
  readonly [k: string]: unknown;
}

/** The records of a JSONL trace (the manifest line left out). */
export function readTrace(path: string): Rec[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Rec)
    .filter((r) => r.kind !== undefined);
}

/** The lines an output record holds, parsed. */
export function outputLines(r: Rec): { dest: string; body: Record<string, unknown> }[] {
  const lines = (r.data as { lines: string[] }).lines;
  return lines.map((l) => JSON.parse(l));
}
