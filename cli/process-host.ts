/**
 * Runs process agents' programs for the engine, synchronously: each call
 * posts a request to a worker thread (cli/process-worker.mjs), whose event
 * loop does the pipe I/O, and sleeps on a shared flag until it answers. One
 * thread per host; a host per run.
 *
 * No program outlives its run: `close` kills them all and waits for them;
 * each is started under `setpriv --pdeathsig KILL`, so it dies with parley
 * even when parley is killed outright; and every program still running when
 * the process exits (Ctrl-C, an error) is killed from an exit hook.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  PROCESS_DEFAULTS,
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

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
}

/** Extra wall-clock time the host thread gets past a step's own budget before parley gives up on it. */
const HOST_GRACE_MS = 5000;

export class NodeProcessHost implements ProcessHost {
  private readonly worker: Worker;
  private readonly port: MessageChannel['port1'];
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly pids = new Map<string, number>();
  private readonly timeouts = new Map<string, number>();
  private closed = false;
  /** Standard error of every program, by agent, once closed. */
  stderr: Record<string, string> = {};

  constructor(private readonly base: string = process.cwd()) {
    hook();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./process-worker.mjs', import.meta.url), {
      workerData: { port: port2, flag: this.flag.buffer },
      transferList: [port2],
    });
    this.worker.unref();
  }

  private call<T>(request: Record<string, unknown>, waitMs: number): T {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    const end = Date.now() + waitMs;
    // The thread answers with postMessage, then sets the flag, then notifies. When this thread
    // finds the flag already set, it takes the answer and may start its next call before that
    // notify happens: the late notify then wakes the next wait with no answer yet. So a wake
    // without a message is waited again (the flag, reset above, is set only after the answer).
    for (;;) {
      const got = receiveMessageOnPort(this.port);
      if (got !== undefined) return got.message as T;
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(
          `the thread that runs programs did not answer ${String(request['op'])} within ${waitMs} ms`,
        );
      Atomics.wait(this.flag, 0, 0, left);
    }
  }

  prepare(
    programs: readonly { agent: string; spec: ProcessSpec }[],
    base: string | undefined,
  ): void {
    for (const { agent, spec } of programs) this.spawn(agent, spec, base, true);
  }

  start(agent: string, spec: ProcessSpec, base: string | undefined): void {
    this.spawn(agent, spec, base, false);
  }

  /** Starts `agent`'s program; `ahead`: before its turn (a later `start` takes it, once). */
  private spawn(agent: string, spec: ProcessSpec, base: string | undefined, ahead: boolean): void {
    const root = base ?? this.base;
    const cwd = spec.cwd === undefined ? root : resolve(root, spec.cwd);
    const [program, ...args] = spec.command as [string, ...string[]];
    // A program named by a relative path (./node.py, nodes/x) is found from the scenario's folder.
    const command =
      !isAbsolute(program) && program.includes('/')
        ? [resolve(root, program), ...args]
        : [program, ...args];
    const stepTimeoutMs = spec.stepTimeoutMs ?? PROCESS_DEFAULTS.stepTimeoutMs;
    this.timeouts.set(agent, stepTimeoutMs);
    const old = this.pids.get(agent);
    if (old !== undefined) live.delete(old);
    const answer = this.call<{ pid?: number }>(
      {
        op: 'start',
        ahead,
        agent,
        command,
        cwd,
        env: spec.env ?? {},
        sync: spec.sync ?? PROCESS_DEFAULTS.sync,
        stepTimeoutMs,
        quietMs: spec.quietMs ?? PROCESS_DEFAULTS.quietMs,
        linesPerStepMax: spec.linesPerStepMax ?? PROCESS_DEFAULTS.linesPerStepMax,
      },
      30_000,
    );
    if (answer.pid !== undefined) {
      this.pids.set(agent, answer.pid);
      live.add(answer.pid);
    }
  }

  step(agent: string, lines: readonly string[]): ProcessStep {
    const budget = this.timeouts.get(agent) ?? PROCESS_DEFAULTS.stepTimeoutMs;
    const out = this.call<ProcessStep>({ op: 'step', agent, lines }, budget + HOST_GRACE_MS);
    if (out.fault !== undefined) this.forget(agent);
    return out;
  }

  stop(agent: string): void {
    this.call({ op: 'stop', agent }, 10_000);
    this.forget(agent);
  }

  private forget(agent: string): void {
    const pid = this.pids.get(agent);
    if (pid !== undefined) live.delete(pid);
    this.pids.delete(agent);
  }

  /** What agent `agent`'s programs wrote on standard error so far. */
  stderrOf(agent: string): string {
    if (this.closed) return this.stderr[agent] ?? '';
    return this.call<{ text: string }>({ op: 'stderr', agent }, 10_000).text;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.stderr = this.call<{ stderr: Record<string, string> }>({ op: 'close' }, 10_000).stderr;
    } finally {
      for (const pid of this.pids.values()) live.delete(pid);
      this.pids.clear();
      void this.worker.terminate();
    }
  }
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
