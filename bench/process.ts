/**
 * Process agents (issue 16): events per second of runs whose agents are
 * programs, stepped in lockstep over pipes, next to the same workload as
 * xstate agents in the same process and the same round; and the cost of one
 * step, taken apart.
 *
 * The workload is the engine benchmark's relay (scenarios/protocols/relay.ts):
 * five agents, one token each, forwarded to a peer picked from the agent's
 * seeded stream, latency uniform 1 to 5 ticks, no loss. The same relay is
 * written below as a Python node (clients/python/parley_node.py) and a
 * JavaScript node (clients/js/parley-node.mjs), put in a temporary folder.
 * Every delivery is one step of a program: a line in, a parley/sync, the
 * forwarded token and the sync answer out. Each program runs twice per
 * round: with steps sent ahead (ProcessHost.ahead: the engine writes the
 * queued steps whose lines cannot depend on the steps before them, so
 * programs work while it waits for another) and one step at a time (a host
 * without `ahead`), the trace the same. A bare relay loop in Python (no
 * client library, one write per step) shows what the library costs; the
 * echo step rows below are the floor of one round trip. A second workload is Maelstrom's
 * broadcast with five test/nodes/broadcast.py servers and the xstate
 * broadcast-client (gossip on virtual timers, under 10 % loss).
 *
 * Each run's rate counts its programs' start (they start at once; Python
 * takes some 50 to 300 ms) as a user would see it; the steady rate is
 * (events of a long run − events of a short one) / (the difference of their
 * times): start and close cancel out. The round trip rows time one step
 * alone through NodeProcessHost (the engine's thread writes the program's
 * pipe and waits for its answer in a blocking read) against an echo node, next to the same
 * round trip driven from an event loop (awaiting the pipe's data events, as
 * a host with a worker thread doing the I/O would, before its thread hop).
 *
 *   npx tsx bench/process.ts          the table (measured in a fresh process, compiled: bench/fresh.ts)
 *   npx tsx bench/process.ts json     the figures as JSON, in this process through tsx
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NodeProcessHost } from '../cli/process-host.ts';
import { tuneV8 } from '../cli/v8.ts';
import { broadcastClient } from '../scenarios/protocols/broadcast-client.ts';
import { relay } from '../scenarios/protocols/relay.ts';
import { PROCESS_PROTOCOL, type ProcessHost, runScenario, type Scenario } from '../sim/index.ts';
import { compileBench, inFreshProcess, isMain } from './fresh.ts';
import { median, printRows, type Row } from './report.ts';

const ROOT = resolve(import.meta.dirname, '..');
/**
 * Debian's interpreter when there is one (the test script installs Debian's
 * packages for it; it is built with PGO and LTO), else python3 on PATH; a
 * pyenv build first on PATH runs a node's step about 1.5 times slower. PYTHON
 * chooses another.
 */
const PYTHON =
  process.env['PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const AGENTS = 5;
/** Events of the long and the short relay run; the steady rate is taken between them. */
const EVENTS_LONG = 20_000;
const EVENTS_SHORT = 2_000;
const ROUNDS = 3;
/** Steps timed alone for the round trip rows. */
const STEPS = 5_000;

const RELAY_PY = `import sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'clients', 'python'))})
from parley_node import Node
node = Node()
peers = []
def pick():
    return peers[node.random.randrange(len(peers))]
@node.on_init
def init():
    peers.extend(n for n in node.node_ids if n != node.node_id)
    for _ in range(node.params.get('tokens', 1)):
        node.send(pick(), {'type': 'token', 'hops': 0})
@node.on('token')
def token(msg):
    hops = msg['body']['hops']
    if hops + 1 < node.params.get('hopsMax', 100):
        node.send(pick(), {'type': 'token', 'hops': hops + 1})
node.run()
`;

const RELAY_MJS = `import { Node } from ${JSON.stringify(join(ROOT, 'clients', 'js', 'parley-node.mjs'))};
const node = new Node();
let peers = [];
const pick = () => peers[node.randomInt(peers.length)];
node.onInit(() => {
  peers = node.nodeIds.filter((n) => n !== node.nodeId);
  for (let i = 0; i < (node.params.tokens ?? 1); i++) node.send(pick(), { type: 'token', hops: 0 });
});
node.on('token', (msg) => {
  const hops = msg.body.hops;
  if (hops + 1 < (node.params.hopsMax ?? 100)) node.send(pick(), { type: 'token', hops: hops + 1 });
});
node.run();
`;

/** The relay as a bare loop, no client library, one write per step: the least a Python relay does. */
const RELAY_BARE_PY = `import sys, json, random
me = None
peers = []
rng = None
hops_max = 100
out = sys.stdout
def send(dest, hops):
    out.write(json.dumps({'src': me, 'dest': dest, 'body': {'type': 'token', 'hops': hops}}) + '\\n')
for line in iter(sys.stdin.readline, ''):
    msg = json.loads(line)
    body = msg['body']
    t = body['type']
    if t == 'parley/sync':
        out.write('{"src":%s,"dest":"parley","body":{"type":"parley/sync_ok","in_reply_to":%d}}\\n' % (json.dumps(me), body['msg_id']))
        out.flush()
    elif t == 'token':
        if body['hops'] + 1 < hops_max:
            send(peers[rng.randrange(len(peers))], body['hops'] + 1)
    elif t == 'init':
        me = body['node_id']
        peers = [n for n in body['node_ids'] if n != me]
        rng = random.Random(body['parley']['seed'])
        params = body['parley']['params']
        hops_max = params.get('hopsMax', 100)
        out.write(json.dumps({'src': me, 'dest': 'parley', 'body': {'type': 'init_ok', 'in_reply_to': body['msg_id']}}) + '\\n')
        for _ in range(params.get('tokens', 1)):
            send(peers[rng.randrange(len(peers))], 0)
`;

/** A bare echo, no client library: the least a program can do per step. */
const ECHO_PY = `import sys, json
me = None
for line in iter(sys.stdin.readline, ''):
    msg = json.loads(line)
    body = msg['body']
    t = body['type']
    if t == 'init':
        me = body['node_id']
        out = {'type': 'init_ok', 'in_reply_to': body['msg_id']}
    elif t == 'parley/sync':
        out = {'type': 'parley/sync_ok', 'in_reply_to': body['msg_id']}
    else:
        out = {'type': 'echo_ok', 'in_reply_to': body.get('msg_id'), 'echo': body.get('echo')}
    sys.stdout.write(json.dumps({'src': me, 'dest': msg['src'], 'body': out}) + '\\n')
    sys.stdout.flush()
`;

type Kind = 'xstate' | 'python' | 'js' | 'bare';

function relayScenario(kind: Kind, dir: string, eventsMax: number): Scenario {
  const params = { tokens: 1, hopsMax: 1_000_000_000 };
  const command =
    kind === 'python'
      ? [PYTHON, join(dir, 'relay.py')]
      : kind === 'bare'
        ? [PYTHON, join(dir, 'relay-bare.py')]
        : [process.execPath, join(dir, 'relay.mjs')];
  return {
    name: `relay-${kind}`,
    agents: Array.from({ length: AGENTS }, (_, i) =>
      kind === 'xstate'
        ? { id: `a${i}`, protocol: relay, params }
        : { id: `a${i}`, protocol: PROCESS_PROTOCOL, params, process: { command } },
    ),
    network: { defaults: { dropRatio: 0, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 5 } } },
    limits: { eventsMax },
  };
}

/** Five broadcast.py servers (or, for 'xstate', nothing to compare: only the programs' run). */
function broadcastScenario(ticksMax: number): Scenario {
  const command = [PYTHON, join(ROOT, 'test', 'nodes', 'broadcast.py')];
  return {
    name: 'broadcast-python',
    agents: [
      ...Array.from({ length: AGENTS }, (_, i) => ({
        id: `n${i + 1}`,
        protocol: PROCESS_PROTOCOL,
        params: {},
        process: { command },
      })),
      {
        id: 'c1',
        protocol: broadcastClient,
        params: { messages: 1_000_000, everyTicks: 1, readAtTick: 1_000_000 },
      },
    ],
    network: {
      defaults: { dropRatio: 0.1, latency: { kind: 'uniform', ticksMin: 1, ticksMax: 5 } },
    },
    limits: { ticksMax },
  };
}

/** `host` without `ahead`: the engine then writes each step at its turn and waits for it. */
function oneAtATime(host: ProcessHost): ProcessHost {
  return {
    start: (agent, spec, base) => host.start(agent, spec, base),
    step: (agent, lines) => host.step(agent, lines),
    stop: (agent) => host.stop(agent),
    close: () => host.close(),
  };
}

/** One run: its events and wall-clock seconds, programs started and ended included. */
function timedRun(scenario: Scenario, ahead = true): { events: number; seconds: number } {
  const t0 = performance.now();
  const host = new NodeProcessHost(tmpdir());
  try {
    const r = runScenario(scenario, {
      seed: 1,
      engine: 'xstate',
      processes: ahead ? host : oneAtATime(host),
    });
    return { events: r.events, seconds: (performance.now() - t0) / 1000 };
  } finally {
    host.close();
  }
}

interface Rate {
  /** Events per second of the long run, start-up included. */
  readonly run: number;
  /** Events per second between the short and the long run. */
  readonly steady: number;
}

function rate(make: (size: 'long' | 'short') => Scenario, ahead = true): Rate {
  const short = timedRun(make('short'), ahead);
  const long = timedRun(make('long'), ahead);
  return {
    run: long.events / long.seconds,
    steady: (long.events - short.events) / (long.seconds - short.seconds),
  };
}

/** Median and mean µs of one NodeProcessHost step against `command`, an echo-like program. */
function hostStep(command: string[]): { median: number; mean: number } {
  const host = new NodeProcessHost(tmpdir());
  try {
    host.start('n1', { command }, undefined);
    host.step('n1', [
      JSON.stringify({
        src: 'parley',
        dest: 'n1',
        body: { type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n1', 'c1'], parley: null },
      }),
    ]);
    const times: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const line = JSON.stringify({
        src: 'c1',
        dest: 'n1',
        body: { type: 'echo', echo: i, msg_id: i + 2 },
      });
      const t0 = performance.now();
      host.step('n1', [line]);
      times.push(performance.now() - t0);
    }
    return {
      median: median(times) * 1000,
      mean: (times.reduce((a, b) => a + b, 0) / STEPS) * 1000,
    };
  } finally {
    host.close();
  }
}

/**
 * Median µs of the same step (the echo and the sync, answered) driven from
 * this thread's event loop: the pipe and the program, as an asynchronous host sees them.
 */
async function pipeAlone(command: string[]): Promise<number> {
  const [program, ...args] = command as [string, ...string[]];
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  let buffered = '';
  let want = 0;
  let wake: (() => void) | null = null;
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      buffered = buffered.slice(nl + 1);
      want--;
      nl = buffered.indexOf('\n');
    }
    if (want <= 0 && wake !== null) {
      const w = wake;
      wake = null;
      w();
    }
  });
  const exchange = (text: string, lines: number) =>
    new Promise<void>((r) => {
      want += lines;
      wake = r;
      child.stdin.write(text);
    });
  try {
    await exchange(
      `${JSON.stringify({ src: 'parley', dest: 'n1', body: { type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n1'] } })}\n`,
      1,
    );
    const times: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const text =
        `${JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'echo', echo: i, msg_id: i + 2 } })}\n` +
        `${JSON.stringify({ src: 'parley', dest: 'n1', body: { type: 'parley/sync', msg_id: 100000 + i } })}\n`;
      const t0 = performance.now();
      await exchange(text, 2);
      times.push(performance.now() - t0);
    }
    return median(times) * 1000;
  } finally {
    child.kill('SIGKILL');
  }
}

export interface ProcessFigures {
  /** The interpreter the Python programs ran on, and its version. */
  readonly python3: string;
  readonly xstate: Rate;
  readonly python: Rate;
  readonly pythonOneAtATime: Rate;
  readonly bare: Rate;
  readonly js: Rate;
  readonly jsOneAtATime: Rate;
  readonly broadcast: Rate;
  readonly stepPython: { median: number; mean: number };
  readonly stepJs: { median: number; mean: number };
  readonly pipePython: number;
  readonly pipeJs: number;
  /** Medians over rounds of the ratios within a round. */
  readonly pythonOverXstate: number;
  readonly jsOverXstate: number;
  /** Medians over rounds of sent ahead over one at a time, within a round. */
  readonly pythonAheadGain: number;
  readonly jsAheadGain: number;
}

export async function measureProcess(): Promise<ProcessFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-process-'));
  try {
    writeFileSync(join(dir, 'relay.py'), RELAY_PY);
    writeFileSync(join(dir, 'relay.mjs'), RELAY_MJS);
    writeFileSync(join(dir, 'relay-bare.py'), RELAY_BARE_PY);
    writeFileSync(join(dir, 'echo.py'), ECHO_PY);
    const relayOf = (kind: Kind) => (size: 'long' | 'short') =>
      relayScenario(kind, dir, size === 'long' ? EVENTS_LONG : EVENTS_SHORT);
    // Warm-up: the xstate path's JIT, the programs' files in the page cache.
    rate(relayOf('xstate'));
    timedRun(relayScenario('python', dir, 200));
    timedRun(relayScenario('js', dir, 200));
    const rounds = Array.from({ length: ROUNDS }, () => ({
      xstate: rate(relayOf('xstate')),
      python: rate(relayOf('python')),
      pythonOneAtATime: rate(relayOf('python'), false),
      bare: rate(relayOf('bare')),
      js: rate(relayOf('js')),
      jsOneAtATime: rate(relayOf('js'), false),
      broadcast: rate((size) => broadcastScenario(size === 'long' ? 400 : 40)),
    }));
    const mid = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
    const rateOf = (k: Exclude<keyof (typeof rounds)[number], never>): Rate => ({
      run: mid((r) => r[k].run),
      steady: mid((r) => r[k].steady),
    });
    const echoPy = [PYTHON, join(dir, 'echo.py')];
    const echoJs = [process.execPath, join(ROOT, 'test', 'nodes', 'gset.mjs')];
    const version = execFileSync(
      PYTHON,
      ['-c', 'import sys; print(sys.executable, sys.version.split()[0])'],
      {
        encoding: 'utf8',
      },
    ).trim();
    return {
      python3: `${PYTHON} (${version})`,
      xstate: rateOf('xstate'),
      python: rateOf('python'),
      pythonOneAtATime: rateOf('pythonOneAtATime'),
      bare: rateOf('bare'),
      js: rateOf('js'),
      jsOneAtATime: rateOf('jsOneAtATime'),
      broadcast: rateOf('broadcast'),
      stepPython: hostStep(echoPy),
      stepJs: hostStep(echoJs),
      pipePython: await pipeAlone(echoPy),
      pipeJs: await pipeAlone(echoJs),
      pythonOverXstate: mid((r) => r.python.steady / r.xstate.steady),
      jsOverXstate: mid((r) => r.js.steady / r.xstate.steady),
      pythonAheadGain: mid((r) => r.python.steady / r.pythonOneAtATime.steady),
      jsAheadGain: mid((r) => r.js.steady / r.jsOneAtATime.steady),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PROCESS_TITLE = `Process agents (relay workload, ${AGENTS} agents, one token each, ${EVENTS_LONG.toLocaleString('en')} events; steady = between a ${EVENTS_SHORT.toLocaleString('en')}-event and a ${EVENTS_LONG.toLocaleString('en')}-event run, so start-up cancels out; broadcast: ${AGENTS} broadcast.py servers and the xstate client, 400 ticks; median of ${ROUNDS} rounds, all in one process; step rows: median of ${STEPS.toLocaleString('en')} steps against an echo node)`;

export function processRows(f: ProcessFigures): Row[] {
  return [
    { name: 'relay, xstate agents: run', value: f.xstate.run, unit: 'ev/s' },
    {
      name: `relay, ${AGENTS} Python programs: run (start-up included)`,
      value: f.python.run,
      unit: 'ev/s',
    },
    {
      name: `relay, ${AGENTS} Python programs: steady (target >= 20,000)`,
      value: f.python.steady,
      unit: 'ev/s',
    },
    {
      name: `relay, ${AGENTS} Python programs, one step at a time: steady`,
      value: f.pythonOneAtATime.steady,
      unit: 'ev/s',
    },
    {
      name: `relay, ${AGENTS} bare Python loops (no client library): steady`,
      value: f.bare.steady,
      unit: 'ev/s',
    },
    {
      name: `relay, ${AGENTS} JS programs: run (start-up included)`,
      value: f.js.run,
      unit: 'ev/s',
    },
    { name: `relay, ${AGENTS} JS programs: steady`, value: f.js.steady, unit: 'ev/s' },
    {
      name: `relay, ${AGENTS} JS programs, one step at a time: steady`,
      value: f.jsOneAtATime.steady,
      unit: 'ev/s',
    },
    { name: '  Python steady over xstate', value: f.pythonOverXstate, unit: 'x' },
    { name: '  JS steady over xstate', value: f.jsOverXstate, unit: 'x' },
    { name: '  Python: sent ahead over one at a time', value: f.pythonAheadGain, unit: 'x' },
    { name: '  JS: sent ahead over one at a time', value: f.jsAheadGain, unit: 'x' },
    {
      name: `broadcast, ${AGENTS} Python servers + xstate client: run`,
      value: f.broadcast.run,
      unit: 'ev/s',
    },
    {
      name: `broadcast, ${AGENTS} Python servers + xstate client: steady`,
      value: f.broadcast.steady,
      unit: 'ev/s',
    },
    {
      name: 'one step, Python echo, through the host: median',
      value: f.stepPython.median,
      unit: 'µs',
    },
    { name: 'one step, Python echo, through the host: mean', value: f.stepPython.mean, unit: 'µs' },
    { name: 'one step, JS node, through the host: median', value: f.stepJs.median, unit: 'µs' },
    { name: 'one step, JS node, through the host: mean', value: f.stepJs.mean, unit: 'µs' },
    {
      name: '  the same Python step awaited on an event loop: median',
      value: f.pipePython,
      unit: 'µs',
    },
    { name: '  the same JS step awaited on an event loop: median', value: f.pipeJs, unit: 'µs' },
  ];
}

/** The table, measured in a fresh Node process, as `npm run bench` prints it. */
export function printProcess(): void {
  const loadBefore = loadavg()[0] as number;
  const out = inFreshProcess(import.meta.url, ['json'], { cwd: ROOT });
  const figures = JSON.parse(out) as ProcessFigures;
  printRows(
    `${PROCESS_TITLE}; Python: ${figures.python3}; load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] as number).toFixed(2)} after`,
    processRows(figures),
  );
}

if (isMain(import.meta.url)) {
  tuneV8();
  if (process.argv[2] === 'json') process.stdout.write(JSON.stringify(await measureProcess()));
  else {
    await compileBench();
    printProcess();
  }
}
