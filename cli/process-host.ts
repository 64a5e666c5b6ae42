/**
 * Runs process agents' programs for the engine, synchronously, on the
 * engine's own thread: each program's standard input and output are pipes
 * that this thread writes and reads directly (non-blocking reads, polled,
 * then slept on as a step grows long), so a lockstep step costs one pipe
 * round trip and no thread hop. Standard error is drained while waiting, so
 * a chatty program never blocks on it.
 *
 * No program outlives its run: `close` kills them all and waits for them;
 * each is started under `setpriv --pdeathsig KILL`, so it dies with the
 * thread that started it even when parley is killed outright; and every
 * program still running when the process exits is killed from an exit hook.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import {
  PROCESS_DEFAULTS,
  type ProcessFault,
  type ProcessHost,
  type ProcessSpec,
  type ProcessStep,
  type RunView,
  type Scenario,
  setProcessHostFactory,
} from '../sim/index.ts';
import { terminalSafe } from './terminal.ts';

/** Every program started and not yet known to be ended, by pid: killed at exit. */
const live = new Set<number>();
let hooked = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function killAll(): void {
  for (const pid of live) killGroup(pid);
  live.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
}

/** Kill the program if the thread that started it dies: parley killed outright, a sweep worker ended. */
const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;
const STDERR_MAX = 1 << 20;
/** Silence that ends a quiet program's first step: its start-up (an interpreter loading) is not silence. */
const FIRST_QUIET_MS = 1000;
/** Polling: spin this long, then sleep 0.1 ms between polls, and 2 ms after SLOW_MS. */
const SPIN_NS = 2_000_000n;
const SLOW_MS = 1000;
const CHUNK = 1 << 16;

/** Why `program` cannot start in folder `cwd`, or undefined. */
function whyNot(
  program: string,
  cwd: string,
  env: Readonly<Record<string, string>>,
): string | undefined {
  if (!existsSync(cwd)) return `the working folder ${cwd} does not exist`;
  if (program.includes('/')) return existsSync(program) ? undefined : `no such program: ${program}`;
  const dirs = (env['PATH'] ?? process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  return dirs.some((d) => existsSync(join(d, program))) ? undefined : `${program} is not on PATH`;
}

/** How a program ended, from /proc while it is a zombie nobody reaped yet (this thread is busy). */
function exitText(pid: number): string {
  const end = Date.now() + 200;
  for (;;) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return 'the program ended';
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') {
      const status = Number(fields.at(-1));
      if (!Number.isInteger(status)) return 'the program ended';
      const signal = status & 0x7f;
      return signal !== 0
        ? `the program was killed by signal ${signal}`
        : `the program exited with code ${(status >> 8) & 0xff}`;
    }
    if (Date.now() > end) return 'the program closed its standard output';
    sleep(1);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

interface Program {
  readonly spec: ProcessSpec;
  readonly proc: ChildProcess | null;
  readonly inFd: number;
  readonly outFd: number;
  readonly errFd: number;
  /** Why it could not start, when it could not. */
  readonly spawnError: string | undefined;
  /** Started by `prepare` and not yet taken by `start`. */
  ahead: boolean;
  stepped: boolean;
  /** Text read past the last full line. */
  partial: string;
  /** Full lines read and not yet taken by a step. */
  lines: string[];
  ended: string | undefined;
  syncId: number;
  /** Steps written ahead (`ahead`) and not yet taken, oldest first: their lines and sync id. */
  sent: { text: string; sync: number }[];
}

export class NodeProcessHost implements ProcessHost {
  private readonly programs = new Map<string, Program>();
  private readonly buffer = Buffer.alloc(CHUNK);
  private readonly errors = new Map<string, string>();
  private closed = false;
  /** Standard error of every program, by agent, once closed. */
  stderr: Record<string, string> = {};

  constructor(private readonly base: string = process.cwd()) {
    hook();
  }

  prepare(
    programs: readonly { agent: string; spec: ProcessSpec }[],
    base: string | undefined,
  ): void {
    for (const { agent, spec } of programs) this.spawn(agent, spec, base, true);
  }

  start(agent: string, spec: ProcessSpec, base: string | undefined): void {
    const old = this.programs.get(agent);
    // A program started ahead (prepare) and never stepped is this start's.
    if (old?.ahead === true && old.ended === undefined) {
      old.ahead = false;
      return;
    }
    this.spawn(agent, spec, base, false);
  }

  /** Starts `agent`'s program; `ahead`: before its turn (a later `start` takes it, once). */
  private spawn(agent: string, spec: ProcessSpec, base: string | undefined, ahead: boolean): void {
    const old = this.programs.get(agent);
    if (old !== undefined) this.end(agent, old);
    const root = base ?? this.base;
    const cwd = spec.cwd === undefined ? root : resolve(root, spec.cwd);
    const [first, ...args] = spec.command as [string, ...string[]];
    // A program named by a relative path (./node.py, nodes/x) is found from the scenario's folder.
    const program = !isAbsolute(first) && first.includes('/') ? resolve(root, first) : first;
    const env = { ...process.env, ...spec.env } as Record<string, string>;
    this.note(agent, `--- parley started: ${[program, ...args].join(' ')}\n`);
    const base0 = {
      spec,
      ahead,
      stepped: false,
      partial: '',
      lines: [],
      ended: undefined,
      syncId: 1000,
      sent: [],
    };
    const missing = whyNot(program, cwd, env);
    let proc: ChildProcess | null = null;
    let spawnError = missing;
    if (missing === undefined)
      try {
        proc = spawn(
          SETPRIV ?? program,
          SETPRIV === null ? args : ['--pdeathsig', 'KILL', '--', program, ...args],
          {
            cwd,
            env,
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true,
          },
        );
      } catch (err) {
        spawnError = String((err as Error)?.message ?? err);
      }
    if (proc === null || proc.pid === undefined) {
      this.programs.set(agent, {
        ...base0,
        proc: null,
        inFd: -1,
        outFd: -1,
        errFd: -1,
        spawnError: spawnError ?? 'it could not be started',
      });
      return;
    }
    // This thread reads the pipes itself: the event loop must not.
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.pause();
      (stream as unknown as { _handle?: { readStop?: () => void } })?._handle?.readStop?.();
    }
    proc.on('error', () => {});
    proc.stdin?.on('error', () => {});
    const fd = (s: unknown) => (s as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    live.add(proc.pid);
    this.programs.set(agent, {
      ...base0,
      proc,
      inFd: fd(proc.stdin),
      outFd: fd(proc.stdout),
      errFd: fd(proc.stderr),
      spawnError: undefined,
    });
  }

  private note(agent: string, text: string): void {
    const all = (this.errors.get(agent) ?? '') + text;
    this.errors.set(agent, all.length > STDERR_MAX ? all.slice(all.length - STDERR_MAX) : all);
  }

  /** Reads what is there on `fd` without waiting: the text, '' when nothing, undefined at its end. */
  private readNow(fd: number): string | undefined {
    try {
      const n = readSync(fd, this.buffer, 0, CHUNK, null);
      return n === 0 ? undefined : this.buffer.toString('utf8', 0, n);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return '';
      return undefined;
    }
  }

  private drainStderr(agent: string, p: Program): void {
    for (;;) {
      const text = this.readNow(p.errFd);
      if (text === undefined || text === '') return;
      this.note(agent, text);
    }
  }

  /** Writes all of `text` to the program; false when it cannot be written (the program ended). */
  private writeAll(p: Program, text: string): boolean {
    let data = Buffer.from(text);
    while (data.length > 0) {
      try {
        const n = writeSync(p.inFd, data);
        data = data.subarray(n);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') return false;
        sleep(0.1);
      }
    }
    return true;
  }

  ahead(agent: string, lines: readonly string[]): boolean {
    const p = this.programs.get(agent);
    if (p === undefined || p.spawnError !== undefined || p.ended !== undefined) return false;
    if ((p.spec.sync ?? PROCESS_DEFAULTS.sync) !== 'lockstep') return false;
    p.stepped = true;
    const sync = ++p.syncId;
    const text = stepText(agent, lines, sync);
    if (!this.writeAll(p, text)) {
      p.ended = exitText(p.proc?.pid ?? -1);
      return false;
    }
    p.sent.push({ text, sync });
    return true;
  }

  step(agent: string, lines: readonly string[]): ProcessStep {
    const p = this.programs.get(agent);
    if (p === undefined) return { lines: [], fault: { reason: 'exit', detail: 'not running' } };
    if (p.spawnError !== undefined)
      return this.fail(agent, p, [], {
        reason: 'spawn',
        detail: `cannot start ${p.spec.command[0]}: ${p.spawnError}`,
      });
    if (p.ended !== undefined)
      return this.fail(agent, p, p.lines.splice(0), { reason: 'exit', detail: p.ended });
    const spec = p.spec;
    const lockstep = (spec.sync ?? PROCESS_DEFAULTS.sync) === 'lockstep';
    const max = spec.linesPerStepMax ?? PROCESS_DEFAULTS.linesPerStepMax;
    const timeoutMs = spec.stepTimeoutMs ?? PROCESS_DEFAULTS.stepTimeoutMs;
    const quietMs = p.stepped
      ? (spec.quietMs ?? PROCESS_DEFAULTS.quietMs)
      : Math.max(spec.quietMs ?? PROCESS_DEFAULTS.quietMs, FIRST_QUIET_MS);
    p.stepped = true;
    const out: string[] = [];
    // Lines written after the last step's end belong to this one.
    const taken = p.lines.splice(0);
    const early = p.sent.shift();
    let sync: number;
    if (early !== undefined) {
      // Written ahead: the engine sends ahead exactly the steps it then asks for, in order.
      sync = early.sync;
      if (early.text !== stepText(agent, lines, sync))
        throw new Error(`${agent}: the step asked for is not the one written ahead`);
    } else {
      sync = lockstep ? ++p.syncId : -1;
      if (!this.writeAll(p, stepText(agent, lines, sync))) {
        p.ended = exitText(p.proc?.pid ?? -1);
        return this.fail(agent, p, taken, { reason: 'exit', detail: p.ended });
      }
    }
    const t0 = process.hrtime.bigint();
    let lastLine = t0;
    let polls = 0;
    const pending = taken;
    for (;;) {
      // Take the lines read so far, in order, up to the sync answer.
      while (pending.length > 0) {
        const line = pending.shift() as string;
        if (lockstep && line.includes('in_reply_to') && isSyncAnswer(line, sync)) {
          p.lines.push(...pending);
          return { lines: out };
        }
        out.push(line);
        if (out.length > max) {
          this.end(agent, p);
          return this.fail(agent, p, out, {
            reason: 'flood',
            detail: `wrote more than ${max} lines in one step`,
          });
        }
      }
      const chunk = this.readNow(p.outFd);
      if (chunk === undefined) {
        // Its standard output closed: the program ended. What it wrote before counts.
        p.ended = exitText(p.proc?.pid ?? -1);
        this.drainStderr(agent, p);
        if (p.partial.trim() !== '') out.push(p.partial);
        p.partial = '';
        return this.fail(agent, p, out, { reason: 'exit', detail: p.ended });
      }
      const now = process.hrtime.bigint();
      if (chunk !== '') {
        lastLine = now;
        const parts = (p.partial + chunk).split('\n');
        p.partial = parts.pop() as string;
        for (const l of parts) {
          const line = l.endsWith('\r') ? l.slice(0, -1) : l;
          if (line.trim() !== '') pending.push(line);
        }
        continue;
      }
      const waited = Number(now - t0) / 1e6;
      if (!lockstep && Number(now - lastLine) / 1e6 >= quietMs) return { lines: out, quiet: true };
      if (waited >= timeoutMs) {
        this.end(agent, p);
        return this.fail(agent, p, out, {
          reason: 'timeout',
          detail: `did not finish a step within ${timeoutMs} ms${lockstep ? ' (no answer to parley/sync)' : ''}`,
        });
      }
      if ((++polls & 63) === 0) this.drainStderr(agent, p);
      if (now - t0 > SPIN_NS) sleep(waited > SLOW_MS ? 2 : 0.1);
    }
  }

  /** The step's answer for a fault: the program is forgotten (the engine stops it). */
  private fail(agent: string, p: Program, lines: string[], fault: ProcessFault): ProcessStep {
    this.drainStderr(agent, p);
    return { lines, fault };
  }

  /** Kills `p` and waits (bounded) until it is gone. */
  private end(agent: string, p: Program): void {
    const proc = p.proc;
    if (proc === null || proc.pid === undefined) return;
    if (p.errFd >= 0) this.drainStderr(agent, p);
    killGroup(proc.pid);
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      let state: string | undefined;
      try {
        state = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
      } catch {
        break;
      }
      if (state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) === 'Z') break;
      sleep(1);
    }
    live.delete(proc.pid);
    proc.stdin?.destroy();
    proc.stdout?.destroy();
    proc.stderr?.destroy();
    proc.unref();
    p.ended ??= 'stopped by parley';
  }

  stop(agent: string): void {
    const p = this.programs.get(agent);
    if (p === undefined) return;
    this.end(agent, p);
    this.programs.delete(agent);
  }

  /** What agent `agent`'s programs wrote on standard error so far. */
  stderrOf(agent: string): string {
    if (this.closed) return this.stderr[agent] ?? '';
    const p = this.programs.get(agent);
    if (p !== undefined && p.errFd >= 0 && p.proc !== null) this.drainStderr(agent, p);
    return this.errors.get(agent) ?? '';
  }

  close(): void {
    if (this.closed) return;
    for (const [agent, p] of this.programs) this.end(agent, p);
    this.programs.clear();
    this.closed = true;
    this.stderr = Object.fromEntries(this.errors);
  }
}

/** What a step writes to `agent`'s program: its lines, then the sync `sync` (none when -1: quiet). */
function stepText(agent: string, lines: readonly string[], sync: number): string {
  let text = '';
  for (const line of lines) text += `${line}\n`;
  if (sync >= 0)
    text += `{"src":"parley","dest":${JSON.stringify(agent)},"body":{"type":"parley/sync","msg_id":${sync}}}\n`;
  return text;
}

/** Whether `line` is the program's answer to parley's sync `id` (parley/sync_ok, or a Maelstrom error). */
function isSyncAnswer(line: string, id: number): boolean {
  let o: { dest?: unknown; body?: { in_reply_to?: unknown; type?: unknown } };
  try {
    o = JSON.parse(line);
  } catch {
    return false;
  }
  const body = o?.body;
  return (
    o?.dest === 'parley' &&
    body?.in_reply_to === id &&
    (body.type === 'parley/sync_ok' || body.type === 'error')
  );
}

/** The hosts the registered factory made, newest last: the command line reads their standard error. */
export const hostsMade: NodeProcessHost[] = [];

/**
 * Makes every run of this thread start its process agents' programs for
 * real, from the scenario's folder (`processBase`, else the working folder).
 */
export function registerProcessHost(): void {
  setProcessHostFactory((scenario: Scenario) => {
    const host = new NodeProcessHost(scenario.processBase ?? process.cwd());
    hostsMade.push(host);
    if (hostsMade.length > 64) hostsMade.shift();
    return host;
  });
}

/** Lines of a failed program's standard error shown by `parley run`. */
const STDERR_TAIL_LINES = 5;

/**
 * Writes each program's standard error beside the trace (`T.stderr/AGENT.log`
 * for trace `T`), and returns, for `parley run` to print, the last lines of
 * it for each agent whose program failed.
 */
export function programStderr(
  stderr: Readonly<Record<string, string>>,
  view: RunView,
  tracePath: string | undefined,
  quiet: boolean,
): string[] {
  if (tracePath !== undefined) {
    const dir = `${tracePath}.stderr`;
    mkdirSync(dir, { recursive: true });
    for (const [agent, text] of Object.entries(stderr))
      writeFileSync(join(dir, `${agent.replace(/[^A-Za-z0-9._-]/g, '_')}.log`), text);
  }
  if (quiet) return [];
  const failed = new Set<string>();
  for (const r of view.ofKind('crash')) {
    const d = r.data as Record<string, unknown> | undefined;
    if (typeof d?.['detail'] === 'string' && r.agent !== undefined) failed.add(r.agent);
  }
  const out: string[] = [];
  for (const agent of failed) {
    const lines = (stderr[agent] ?? '')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('--- parley started'));
    if (lines.length === 0) continue;
    out.push(`    ${agent}'s standard error ends:`);
    for (const l of lines.slice(-STDERR_TAIL_LINES)) out.push(`      ${terminalSafe(l)}`);
  }
  return out;
}
