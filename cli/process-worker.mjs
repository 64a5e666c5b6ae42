// The thread that runs process agents' programs for cli/process-host.ts.
// The engine is synchronous: the main thread posts one request and sleeps on
// a shared flag (Atomics.wait) until this thread, whose event loop does the
// pipe I/O, posts the answer and wakes it. Plain JavaScript, so it loads the
// same from the TypeScript sources and from the compiled command line.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { workerData } from 'node:worker_threads';

const { port, flag } = workerData;
const flags = new Int32Array(flag);
/** Kill the program if parley itself dies: SIGKILL on the death of this thread. */
const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;
const STDERR_MAX = 1 << 20;
/** Silence that ends a quiet program's first step: its start-up (an interpreter loading) is not silence. */
const FIRST_QUIET_MS = 1000;

/** @type {Map<string, any>} agent id → its running program */
const children = new Map();
/** @type {Map<string, string>} agent id → everything its programs wrote on standard error */
const stderr = new Map();

function answer(value) {
  port.postMessage(value);
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
}

function note(agent, text) {
  const all = (stderr.get(agent) ?? '') + text;
  stderr.set(agent, all.length > STDERR_MAX ? all.slice(all.length - STDERR_MAX) : all);
}

function kill(child) {
  if (child.exit !== null) return;
  try {
    process.kill(-child.proc.pid, 'SIGKILL');
  } catch {
    try {
      child.proc.kill('SIGKILL');
    } catch {}
  }
}

function exitText(exit) {
  return exit.signal !== null
    ? `the program was killed by ${exit.signal}`
    : `the program exited with code ${exit.code}`;
}

/** Why `program` cannot start in folder `cwd`, or undefined. */
function whyNot(program, cwd, env) {
  if (!existsSync(cwd)) return `the working folder ${cwd} does not exist`;
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : join(cwd, program);
    return existsSync(path) ? undefined : `no such program: ${path}`;
  }
  const dirs = (env?.PATH ?? process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  return dirs.some((d) => existsSync(join(d, program))) ? undefined : `${program} is not on PATH`;
}

function start(req) {
  const old = children.get(req.agent);
  // A program started ahead (prepare) and never stepped is this start's.
  if (!req.ahead && old?.ahead === true && old.exit === null && old.spawnError === null) {
    old.ahead = false;
    return { ok: true, pid: old.proc.pid };
  }
  if (old !== undefined) kill(old);
  const [program, ...args] = req.command;
  const argv =
    SETPRIV === null ? [program, ...args] : ['--pdeathsig', 'KILL', '--', program, ...args];
  const child = {
    proc: null,
    exit: null,
    spawnError: null,
    lines: [],
    partial: '',
    step: null,
    syncId: 1000,
    spec: req,
    ahead: req.ahead === true,
    stepped: false,
  };
  note(req.agent, `--- parley started: ${req.command.join(' ')}\n`);
  // What setpriv would only report on standard error, said as the reason instead.
  const missing = whyNot(program, req.cwd, req.env);
  if (missing !== undefined) {
    child.spawnError = missing;
    children.set(req.agent, child);
    return { ok: true };
  }
  try {
    child.proc = spawn(SETPRIV ?? program, SETPRIV === null ? args : argv, {
      cwd: req.cwd,
      env: { ...process.env, ...req.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (err) {
    child.spawnError = String(err?.message ?? err);
    children.set(req.agent, child);
    return { ok: true };
  }
  const proc = child.proc;
  proc.on('error', (err) => {
    child.spawnError = String(err?.message ?? err);
    finish(child, { reason: 'spawn', detail: `cannot start ${program}: ${child.spawnError}` });
  });
  proc.stdin.on('error', () => {}); // a closed pipe shows as the exit
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk) => {
    let text = child.partial + chunk;
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      const line = text.slice(0, nl).replace(/\r$/, '');
      text = text.slice(nl + 1);
      if (line.trim() !== '') take(child, line);
      nl = text.indexOf('\n');
    }
    child.partial = text;
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => note(req.agent, chunk));
  // 'close' comes after the last line on standard output: what the program wrote before it ended counts.
  proc.on('close', (code, signal) => {
    child.exit = { code, signal };
    finish(child, { reason: 'exit', detail: exitText(child.exit) });
  });
  children.set(req.agent, child);
  return { ok: true, pid: proc.pid };
}

/** One line from the program: the end of the step, or one of its lines. */
function take(child, line) {
  const step = child.step;
  if (step === null) {
    // Written outside a step (after its sync answer): it belongs to the next one.
    child.lines.push(line);
    return;
  }
  if (step.sync !== null && line.includes('in_reply_to')) {
    let o;
    try {
      o = JSON.parse(line);
    } catch {}
    const body = o?.body;
    if (
      o?.dest === 'parley' &&
      body?.in_reply_to === step.sync &&
      (body.type === 'parley/sync_ok' || body.type === 'error')
    ) {
      finish(child, undefined);
      return;
    }
  }
  step.lines.push(line);
  if (step.lines.length > step.max) {
    finish(child, {
      reason: 'flood',
      detail: `wrote more than ${step.max} lines in one step`,
    });
    kill(child);
    return;
  }
  if (step.quiet !== null) {
    clearTimeout(step.quiet);
    step.quiet = setTimeout(() => finish(child, undefined, true), child.spec.quietMs);
  }
}

function finish(child, fault, quiet = false) {
  const step = child.step;
  if (step === null) return;
  child.step = null;
  clearTimeout(step.timer);
  if (step.quiet !== null) clearTimeout(step.quiet);
  const out = { lines: step.lines };
  if (fault !== undefined) out.fault = fault;
  if (quiet) out.quiet = true;
  answer(out);
}

function step(req) {
  const child = children.get(req.agent);
  if (child === undefined)
    return answer({ lines: [], fault: { reason: 'exit', detail: 'not running' } });
  if (child.spawnError !== null)
    return answer({
      lines: [],
      fault: {
        reason: 'spawn',
        detail: `cannot start ${child.spec.command[0]}: ${child.spawnError}`,
      },
    });
  if (child.exit !== null)
    return answer({
      lines: child.lines.splice(0),
      fault: { reason: 'exit', detail: exitText(child.exit) },
    });
  const spec = child.spec;
  const lockstep = spec.sync === 'lockstep';
  const s = {
    lines: child.lines.splice(0),
    sync: lockstep ? ++child.syncId : null,
    max: spec.linesPerStepMax,
    quiet: null,
    timer: null,
  };
  child.step = s;
  s.timer = setTimeout(() => {
    finish(child, {
      reason: 'timeout',
      detail: `did not finish a step within ${spec.stepTimeoutMs} ms${lockstep ? ' (no answer to parley/sync)' : ''}`,
    });
    kill(child);
  }, spec.stepTimeoutMs);
  let text = '';
  for (const line of req.lines) text += `${line}\n`;
  if (lockstep)
    text += `${JSON.stringify({ src: 'parley', dest: req.agent, body: { type: 'parley/sync', msg_id: s.sync } })}\n`;
  // A program's first step (its init) waits longer: it is still starting.
  else
    s.quiet = setTimeout(
      () => finish(child, undefined, true),
      child.stepped ? spec.quietMs : Math.max(spec.quietMs, FIRST_QUIET_MS),
    );
  child.stepped = true;
  child.proc.stdin.write(text);
}

function waitExit(child) {
  if (child.exit !== null || child.proc === null || child.spawnError !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 2000);
    child.proc.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

port.on('message', async (req) => {
  switch (req.op) {
    case 'start':
      answer(start(req));
      break;
    case 'step':
      step(req);
      break;
    case 'stop': {
      const child = children.get(req.agent);
      children.delete(req.agent);
      if (child !== undefined) {
        kill(child);
        await waitExit(child);
      }
      answer({ ok: true });
      break;
    }
    case 'stderr':
      answer({ text: stderr.get(req.agent) ?? '' });
      break;
    case 'close': {
      const all = [...children.values()];
      children.clear();
      for (const child of all) kill(child);
      await Promise.all(all.map(waitExit));
      answer({ stderr: Object.fromEntries(stderr) });
      break;
    }
    default:
      answer({ error: `unknown request ${req.op}` });
  }
});
