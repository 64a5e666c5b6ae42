/**
 * Runs process agents' programs for the engine, synchronously, on the
 * engine's own thread: each program's standard input and output are pipes
 * that this thread writes and reads directly, so a lockstep step costs one
 * pipe round trip and no thread hop. On the main thread a lockstep step is
 * waited for in a blocking read (see Waiting below); otherwise the reads
 * are non-blocking, polled, then slept on as a step grows long. Standard
 * error never blocks a program: it is a file, or drained while waiting.
 * Steps the engine sends ahead (`ahead`) are written at once and answered
 * in order.
 *
 * No program outlives its run: `close` kills them all and waits for them;
 * each is started under `setpriv --pdeathsig KILL`, so it dies with the
 * thread that started it even when parley is killed outright; and every
 * program still running when the process exits is killed from an exit hook.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { isMainThread, Worker } from 'node:worker_threads';
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
/** Standard error kept in a file (blocking waits) is emptied past this size, with a note. */
const STDERR_FILE_MAX = 64 << 20;

/*
 * Waiting. A lockstep step ends when the program answers the sync. Polling a
 * non-blocking pipe for that answer keeps a core busy, which on a small
 * machine is the core a program needs; so on the main thread the host
 * waits in a blocking read instead: each lockstep program's standard output
 * is a FIFO that this thread reads in blocking mode (and a second,
 * non-blocking descriptor of it for the waits that must end on their own),
 * and its standard error a file, which nothing ever blocks on. A watchdog
 * thread kills the program a read waits for once the step's time is up, so
 * the read ends and the step is a timeout. Worker threads (sweeps, the
 * determinism check) poll as before: a thread blocked in a read cannot be
 * terminated, and the process would wait for it at exit.
 */
const MKFIFO = ['/usr/bin/mkfifo', '/bin/mkfifo'].find((p) => existsSync(p));
const BLOCKING =
  isMainThread &&
  MKFIFO !== undefined &&
  process.platform === 'linux' &&
  process.env['PARLEY_PROCESS_POLL'] !== '1';

/** Slots of the watchdog's shared memory (Int32Array indices): the armed wait's generation (0: none), its pid, the generation it killed. */
const WD_GEN = 0;
const WD_PID = 1;
const WD_FIRED = 2;
const WD_IDLE = 3;
/** How often the watchdog looks, in ms: a step's timeout is exact to about this. */
const WD_PERIOD_MS = 20;
const WATCHDOG_CODE = `
const { workerData } = require('node:worker_threads');
const i32 = new Int32Array(workerData, 0, 4);
const f64 = new Float64Array(workerData, 16, 1);
for (;;) {
  Atomics.wait(i32, ${WD_IDLE}, 0, ${WD_PERIOD_MS});
  const gen = Atomics.load(i32, ${WD_GEN});
  if (gen === 0) continue;
  const pid = Atomics.load(i32, ${WD_PID});
  const deadline = f64[0];
  if (pid === 0 || Date.now() < deadline || Atomics.load(i32, ${WD_GEN}) !== gen) continue;
  Atomics.store(i32, ${WD_FIRED}, gen);
  try { process.kill(-pid, 'SIGKILL'); } catch { try { process.kill(pid, 'SIGKILL'); } catch {} }
}`;

/** Bounds this thread's blocking reads: kills the program waited for past its deadline. */
class Watchdog {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private gen = 0;

  constructor() {
    const shared = new SharedArrayBuffer(24);
    this.i32 = new Int32Array(shared, 0, 4);
    this.f64 = new Float64Array(shared, 16, 1);
    new Worker(WATCHDOG_CODE, { eval: true, workerData: shared }).unref();
  }

  /** Arms for a read on program `pid` until `deadline` (Date.now() ms); returns the wait's generation. */
  arm(pid: number, deadline: number): number {
    this.gen = (this.gen % 0x7ffffffe) + 1;
    this.f64[0] = deadline;
    Atomics.store(this.i32, WD_PID, pid);
    Atomics.store(this.i32, WD_GEN, this.gen);
    return this.gen;
  }

  disarm(): void {
    Atomics.store(this.i32, WD_GEN, 0);
    Atomics.store(this.i32, WD_PID, 0);
  }

  /** Whether the wait of generation `gen` was cut short by a kill. */
  fired(gen: number): boolean {
    return Atomics.load(this.i32, WD_FIRED) === gen;
  }
}

let watchdog: Watchdog | null = null;

/** What a program started for blocking waits is given, and what this thread keeps. */
interface BlockingStdio {
  /** The FIFO's write end and the error file, for the program (closed here once it started). */
  readonly childOut: number;
  readonly childErr: number;
  /** The FIFO's read end, blocking and non-blocking, and the error file to read. */
  readonly waitFd: number;
  readonly pollFd: number;
  readonly errFd: number;
}

/** A private folder with `count` FIFOs made by one mkfifo (it costs a process start), or undefined. */
function makeFifos(count: number): { dir: string; paths: string[] } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'parley-program-'));
  const paths = Array.from({ length: count }, (_, i) => join(dir, `out${i}`));
  if (spawnSync(MKFIFO as string, ['-m', '600', ...paths]).status === 0) return { dir, paths };
  rmSync(dir, { recursive: true, force: true });
  return undefined;
}

/**
 * A FIFO for standard output (`made`, else one made here) and a file for
 * standard error, their names already gone; undefined when they cannot be made.
 */
function blockingStdio(made: string | undefined): BlockingStdio | undefined {
  if (!BLOCKING) return undefined;
  const opened: number[] = [];
  let dir: string | undefined;
  let fifo = made;
  try {
    if (fifo === undefined) {
      const one = makeFifos(1);
      if (one === undefined) return undefined;
      dir = one.dir;
      fifo = one.paths[0] as string;
    }
    const open = (path: string, flags: number) => {
      const fd = openSync(path, flags, 0o600);
      opened.push(fd);
      return fd;
    };
    // Non-blocking first: opening a FIFO to read blocks until it has a writer.
    const pollFd = open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const childOut = open(fifo, constants.O_WRONLY);
    const waitFd = open(fifo, constants.O_RDONLY);
    const err = `${fifo}.err`;
    const childErr = open(err, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND);
    const errFd = open(err, constants.O_RDWR);
    return { childOut, childErr, waitFd, pollFd, errFd };
  } catch {
    for (const fd of opened) closeSync(fd);
    return undefined;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    else if (fifo !== undefined)
      for (const path of [fifo, `${fifo}.err`]) rmSync(path, { force: true });
  }
}

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
  /** Standard output, non-blocking. */
  outFd: number;
  /** Standard output for blocking reads (a FIFO), or -1 when the host polls. */
  waitFd: number;
  /** Standard error: a non-blocking pipe, or a file (errFile) read from errAt. */
  errFd: number;
  readonly errFile: boolean;
  errAt: number;
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
    // Their FIFOs at once: one mkfifo for all.
    const lockstep = programs.filter((p) => (p.spec.sync ?? PROCESS_DEFAULTS.sync) === 'lockstep');
    const made = BLOCKING && lockstep.length > 1 ? makeFifos(lockstep.length) : undefined;
    try {
      for (const { agent, spec } of programs)
        this.spawn(
          agent,
          spec,
          base,
          true,
          (spec.sync ?? PROCESS_DEFAULTS.sync) === 'lockstep' ? made?.paths.pop() : undefined,
        );
    } finally {
      if (made !== undefined) rmSync(made.dir, { recursive: true, force: true });
    }
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
  private spawn(
    agent: string,
    spec: ProcessSpec,
    base: string | undefined,
    ahead: boolean,
    fifo?: string,
  ): void {
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
    const io =
      missing === undefined && (spec.sync ?? PROCESS_DEFAULTS.sync) === 'lockstep'
        ? blockingStdio(fifo)
        : undefined;
    if (missing === undefined)
      try {
        proc = spawn(
          SETPRIV ?? program,
          SETPRIV === null ? args : ['--pdeathsig', 'KILL', '--', program, ...args],
          {
            cwd,
            env,
            stdio: ['pipe', io?.childOut ?? 'pipe', io?.childErr ?? 'pipe'],
            detached: true,
          },
        );
      } catch (err) {
        spawnError = String((err as Error)?.message ?? err);
      }
    if (io !== undefined) {
      closeSync(io.childOut);
      closeSync(io.childErr);
    }
    if (proc === null || proc.pid === undefined) {
      if (io !== undefined) for (const fd of [io.waitFd, io.pollFd, io.errFd]) closeSync(fd);
      this.programs.set(agent, {
        ...base0,
        proc: null,
        inFd: -1,
        outFd: -1,
        waitFd: -1,
        errFd: -1,
        errFile: false,
        errAt: 0,
        spawnError: spawnError ?? 'it could not be started',
      });
      return;
    }
    if (io !== undefined) watchdog ??= new Watchdog();
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
      outFd: io?.pollFd ?? fd(proc.stdout),
      waitFd: io?.waitFd ?? -1,
      errFd: io?.errFd ?? fd(proc.stderr),
      errFile: io !== undefined,
      errAt: 0,
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
    if (p.errFd < 0) return;
    if (!p.errFile) {
      for (;;) {
        const text = this.readNow(p.errFd);
        if (text === undefined || text === '') return;
        this.note(agent, text);
      }
    }
    for (;;) {
      const n = readSync(p.errFd, this.buffer, 0, CHUNK, p.errAt);
      if (n === 0) break;
      p.errAt += n;
      this.note(agent, this.buffer.toString('utf8', 0, n));
    }
    if (p.errAt > STDERR_FILE_MAX) {
      ftruncateSync(p.errFd, 0);
      p.errAt = 0;
      this.note(
        agent,
        `--- parley: standard error passed ${STDERR_FILE_MAX >> 20} MB; kept the last part\n`,
      );
    }
  }

  /** Adds `chunk`, read from the program's standard output, to its lines not yet taken. */
  private absorb(p: Program, chunk: string, into: string[]): void {
    const parts = (p.partial + chunk).split('\n');
    p.partial = parts.pop() as string;
    for (const l of parts) {
      const line = l.endsWith('\r') ? l.slice(0, -1) : l;
      if (line.trim() !== '') into.push(line);
    }
  }

  /**
   * Writes all of `text` to the program; false when it cannot be written (the
   * program ended). While its input is full, takes in what it writes, so a
   * program blocked on a full output never blocks this write.
   */
  private writeAll(p: Program, text: string): boolean {
    let data = Buffer.from(text);
    while (data.length > 0) {
      try {
        const n = writeSync(p.inFd, data);
        data = data.subarray(n);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') return false;
        const chunk = this.readNow(p.outFd);
        if (chunk !== undefined && chunk !== '') this.absorb(p, chunk, p.lines);
        else sleep(0.1);
      }
    }
    return true;
  }

  /**
   * Waits in a blocking read on the program's standard output (BLOCKING):
   * what it wrote, or undefined when it closed it; `timedOut` when the
   * watchdog killed it at `deadline` (Date.now() ms).
   */
  private readWait(p: Program, deadline: number): { text: string | undefined; timedOut: boolean } {
    const dog = watchdog as Watchdog;
    const gen = dog.arm(p.proc?.pid ?? 0, deadline);
    let n = 0;
    try {
      for (;;) {
        try {
          n = readSync(p.waitFd, this.buffer, 0, CHUNK, null);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EINTR' || code === 'EAGAIN') continue;
          n = 0;
          break;
        }
      }
    } finally {
      dog.disarm();
    }
    return {
      text: n === 0 ? undefined : this.buffer.toString('utf8', 0, n),
      timedOut: dog.fired(gen),
    };
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
        return this.fail(agent, p, p.lines.splice(0), { reason: 'exit', detail: p.ended });
      }
    }
    // Lines written after the last step's end belong to this one.
    const pending = p.lines.splice(0);
    const t0 = process.hrtime.bigint();
    const deadline = Date.now() + timeoutMs;
    const blocking = lockstep && p.waitFd >= 0;
    let lastLine = t0;
    let polls = 0;
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
      let chunk: string | undefined;
      let timedOut = false;
      if (blocking) ({ text: chunk, timedOut } = this.readWait(p, deadline));
      else chunk = this.readNow(p.outFd);
      if (timedOut) {
        this.end(agent, p);
        return this.fail(agent, p, out, {
          reason: 'timeout',
          detail: `did not finish a step within ${timeoutMs} ms (no answer to parley/sync)`,
        });
      }
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
        this.absorb(p, chunk, pending);
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
    // The FIFO's ends and the error file are this host's own descriptors.
    if (p.waitFd >= 0) {
      for (const fd of [p.waitFd, p.outFd]) closeSync(fd);
      p.waitFd = -1;
      p.outFd = -1;
    }
    if (p.errFile && p.errFd >= 0) {
      this.drainStderr(agent, p);
      closeSync(p.errFd);
      p.errFd = -1;
    }
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
