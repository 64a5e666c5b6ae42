/**
 * Issue 16, faults are data: each way a program can fail, provoked on
 * purpose, is a recorded crash of its agent with the right reason and a line
 * of `parley run` naming the agent, and the run goes on (the healthy servers
 * keep answering); a slow program costs its step budget, not a hang. A crash
 * fault with a restart kills the program and starts a new one (a fresh init,
 * another pid). A plain Maelstrom node runs in lockstep unchanged; a node that
 * never syncs runs with `sync: quiet`, its steps marked. Virtual timers fire
 * exactly `ticks` after they were set.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  awaitNone,
  CLIENT_PY,
  killMarked,
  marker,
  outputLines,
  parley,
  proc,
  type Rec,
  readTrace,
  tmpDir,
  writeIn,
} from './fixture.ts';

const { dir, cleanup } = tmpDir();
const mark = marker('faults');

afterAll(() => {
  killMarked(mark);
  cleanup();
});

const client = (messages: number) =>
  `  - { id: c1, protocol: broadcast-client, params: { messages: ${messages}, everyTicks: 2, readAtTick: 60 } }`;

/** Runs `yaml` (written as NAME.yaml) with --out; returns the command's result and the trace records. */
function run(name: string, yaml: string[], timeoutMs = 90_000) {
  const file = writeIn(dir, `${name}.yaml`, [...yaml, ''].join('\n'));
  const trace = join(dir, `${name}.jsonl`);
  const r = parley(['run', file, '--out', trace], timeoutMs);
  expect(r.signal, r.err).toBeNull();
  expect(r.code, r.out + r.err).toBe(0);
  return { ...r, records: readTrace(trace), trace };
}

const crashOf = (records: readonly Rec[], agent: string) =>
  records.filter((r) => r.kind === 'crash' && r.agent === agent);

const detailOf = (records: readonly Rec[], agent: string): string =>
  (crashOf(records, agent)[0]?.data as { detail?: string } | undefined)?.detail ?? '';

describe('each fault of a program is a crash with its reason, and the run goes on', () => {
  it('exit, bad-json, unknown-node, flood, timeout and a missing program', async () => {
    const missing = join(dir, 'no-such-node.py');
    const t0 = Date.now();
    const { out, records } = run('faults', [
      'name: faults',
      'agents:',
      `  - { id: n1, process: ${proc('bad/exits.py', mark)} }`,
      `  - { id: n2, process: ${proc('bad/not-json.py', mark)} }`,
      `  - { id: n3, process: ${proc('bad/unknown-node.py', mark)} }`,
      `  - { id: n4, process: ${proc('bad/flood.py', mark)} }`,
      `  - { id: n5, process: ${proc('bad/slow.py', mark, ', stepTimeoutMs: 500')} }`,
      `  - { id: n6, process: { command: [${JSON.stringify(missing)}, ${JSON.stringify(mark)}] } }`,
      `  - { id: n7, process: ${proc('broadcast.py', mark)} }`,
      `  - { id: n8, process: ${proc('broadcast.py', mark)} }`,
      client(16),
      'limits: { ticksMax: 200 }',
    ]);
    // slow.py sleeps 30 s in its step: the run took its 500 ms budget, not the sleep.
    expect(Date.now() - t0).toBeLessThan(25_000);
    const expected: Record<string, RegExp> = {
      n1: /^exit$/,
      n2: /^bad-json$/,
      n3: /^unknown-node$/,
      n4: /^flood$/,
      n5: /^timeout$/,
      n6: /^(spawn|exit)$/,
    };
    const crashTicks: number[] = [];
    for (const [agent, reason] of Object.entries(expected)) {
      const crashes = crashOf(records, agent);
      expect(crashes, agent).toHaveLength(1);
      const crash = crashes[0] as Rec;
      const data = crash.data as { reason: string; detail: string };
      expect(data.reason, agent).toMatch(reason);
      expect(data.detail.length, agent).toBeGreaterThan(0);
      crashTicks.push(crash.tick);
      // The crash is caused by the step that failed: an output record of that agent.
      const cause = records.find((r) => r.seq === crash.cause) as Rec;
      expect([cause.kind, cause.agent], agent).toEqual(['output', agent]);
      // Nothing more from it: no output record after its crash.
      expect(
        records.some((r) => r.kind === 'output' && r.agent === agent && r.seq > crash.seq),
        agent,
      ).toBe(false);
      // `parley run` names the agent and the reason in one line.
      expect(out).toMatch(
        new RegExp(`${agent}'s program failed at tick ${crash.tick} \\(${data.reason}\\)`),
      );
    }
    expect(detailOf(records, 'n1')).toMatch(/code 3/);
    expect(detailOf(records, 'n2')).toMatch(/hello/);
    expect(detailOf(records, 'n3')).toMatch(/nobody/);
    expect(detailOf(records, 'n5')).toMatch(/500 ms/);
    // The missing program's standard error (setpriv's or the spawn error) is shown under the run.
    expect(out).toMatch(/n6's standard error ends:|cannot start/);
    // The healthy servers keep working after the last failure: they take deliveries and answer them.
    const last = Math.max(...crashTicks);
    for (const agent of ['n7', 'n8']) {
      expect(crashOf(records, agent)).toEqual([]);
      const later = records.filter(
        (r) => r.kind === 'output' && r.agent === agent && r.tick > last,
      );
      expect(later.length, agent).toBeGreaterThan(3);
    }
    // And the client's reads of them are answered.
    const reads = records.filter(
      (r) => r.kind === 'note' && r.agent === 'c1' && /n[78]/.test(JSON.stringify(r.data)),
    );
    expect(reads.length).toBeGreaterThan(0);
    expect(await awaitNone(mark)).toEqual([]);
  }, 120_000);
});

describe('a crash fault with a restart', () => {
  it('kills the program and starts a new one with a fresh init', async () => {
    const pidNode = writeIn(
      dir,
      'pid-node.py',
      [
        'import os, sys',
        `sys.path.insert(0, ${JSON.stringify(CLIENT_PY)})`,
        'from parley_node import Node',
        'node = Node()',
        '@node.on_init',
        'def init():',
        "    node.note({'pid': os.getpid()})",
        'node.run()',
        '',
      ].join('\n'),
    );
    const { records, out } = run('restart', [
      'name: restart',
      'agents:',
      `  - { id: n1, process: ${proc(pidNode, mark)} }`,
      `  - { id: n2, process: ${proc('broadcast.py', mark)} }`,
      client(20),
      'faults:',
      '  - { kind: crash, agent: n1, tick: 20, tickRestart: 40 }',
      'limits: { ticksMax: 150 }',
    ]);
    const inits = records.filter(
      (r) =>
        r.kind === 'output' &&
        r.agent === 'n1' &&
        outputLines(r).some((l) => l.body['type'] === 'init_ok'),
    );
    expect(inits.map((r) => r.tick)).toEqual([0, 40]);
    const pids = records
      .filter((r) => r.kind === 'note' && r.agent === 'n1')
      .map((r) => (r.data as { pid: number }).pid);
    expect(pids).toHaveLength(2);
    expect(pids[0]).not.toBe(pids[1]);
    // The crash at tick 20 is the fault's, not the program's: no reason of a failed program.
    const crashes = crashOf(records, 'n1');
    expect(crashes.map((r) => r.tick)).toEqual([20]);
    expect(out).not.toMatch(/n1's program failed/);
    // While down it answers nothing; after the restart it answers again.
    const outputs = records.filter((r) => r.kind === 'output' && r.agent === 'n1');
    expect(outputs.some((r) => r.tick > 20 && r.tick < 40)).toBe(false);
    expect(outputs.some((r) => r.tick > 40)).toBe(true);
    expect(await awaitNone(mark)).toEqual([]);
  }, 120_000);
});

describe('nodes written for Maelstrom', () => {
  it('a plain Maelstrom node runs in lockstep: parley/sync answered by error 10', async () => {
    const { records } = run('maelstrom', [
      'name: maelstrom',
      'agents:',
      `  - { id: n1, process: ${proc('bad/maelstrom-echo.py', mark)} }`,
      client(4),
      'limits: { ticksMax: 80 }',
    ]);
    expect(crashOf(records, 'n1')).toEqual([]);
    const outputs = records.filter((r) => r.kind === 'output' && r.agent === 'n1');
    expect(outputs.length).toBeGreaterThan(4);
    for (const r of outputs) {
      expect((r.data as { quiet?: boolean }).quiet).toBeUndefined();
      // The answer to the sync ends the step and is not one of its lines.
      expect(outputLines(r).some((l) => l.dest === 'parley' && l.body['type'] === 'error')).toBe(
        false,
      );
    }
    // Each broadcast delivered gets its answer (error 10: the echo node does not broadcast) in the same step.
    const delivered = records.filter((r) => r.kind === 'deliver' && r.agent === 'n1');
    expect(delivered.length).toBeGreaterThan(0);
    for (const d of delivered) {
      const step = records.find((r) => r.kind === 'output' && r.cause === d.seq) as Rec;
      expect(step, `output for delivery ${d.seq}`).toBeDefined();
      const lines = outputLines(step);
      expect(lines.map((l) => [l.dest, l.body['type'], l.body['code']])).toEqual([
        ['c1', 'error', 10],
      ]);
    }
    expect(await awaitNone(mark)).toEqual([]);
  }, 120_000);

  it('a node that never syncs runs with sync: quiet, its steps marked quiet', async () => {
    const { records } = run('quiet', [
      'name: quiet',
      'agents:',
      `  - { id: n1, process: ${proc('bad/no-sync.py', mark, ', sync: quiet, quietMs: 300')} }`,
      client(3),
      'limits: { ticksMax: 40 }',
    ]);
    expect(crashOf(records, 'n1')).toEqual([]);
    const outputs = records.filter((r) => r.kind === 'output' && r.agent === 'n1');
    expect(outputs.length).toBeGreaterThan(1);
    for (const r of outputs) expect((r.data as { quiet?: boolean }).quiet).toBe(true);
    // Its init_ok is taken (in the step that was quiet long enough after it: Python may start slower than quietMs).
    const types = outputs.flatMap((r) => outputLines(r).map((l) => l.body['type']));
    expect(types).toContain('init_ok');
    expect(await awaitNone(mark)).toEqual([]);
  }, 120_000);
});

describe('parley/timer', () => {
  it('a timer set for k ticks fires at exactly tick + k', async () => {
    const timerNode = writeIn(
      dir,
      'timer-node.py',
      [
        'import sys',
        `sys.path.insert(0, ${JSON.stringify(CLIENT_PY)})`,
        'from parley_node import Node',
        'node = Node()',
        '@node.on_init',
        'def init():',
        "    node.set_timer('a', 3)",
        "    node.set_timer('b', 7)",
        "    node.set_timer('c', 5)",
        "    node.cancel_timer('c')",
        "    node.set_timer('d', 4)",
        "    node.set_timer('d', 9)",
        'def fired(name):',
        "    node.note({'fired': name})",
        "    if name == 'a':",
        "        node.set_timer('e', 11)",
        "for name in 'abcde':",
        '    node.on_timer(name, fired)',
        'node.run()',
        '',
      ].join('\n'),
    );
    const { records } = run('timers', [
      'name: timers',
      'agents:',
      `  - { id: n1, process: ${proc(timerNode, mark)} }`,
      'limits: { ticksMax: 100 }',
    ]);
    const fires = records.filter((r) => r.kind === 'timer.fire' && r.agent === 'n1');
    expect(fires.map((r) => [r.data, r.tick])).toEqual([
      ['a', 3],
      ['b', 7],
      ['d', 9],
      ['e', 14],
    ]);
    // In general: each fire is at the tick of the set_timer line that armed it, plus its ticks.
    for (const fire of fires) {
      const set = records.find((r) => r.seq === fire.cause) as Rec;
      expect(set.kind).toBe('timer.set');
      const step = records.find((r) => r.seq === set.cause) as Rec;
      const line = outputLines(step)
        .filter((l) => l.body['type'] === 'parley/set_timer' && l.body['name'] === fire.data)
        .at(-1);
      expect(fire.tick).toBe(step.tick + (line?.body['ticks'] as number));
      expect(set.at).toBe(fire.tick);
    }
    // The node hears each timer in the step answering it.
    const notes = records.filter((r) => r.kind === 'note' && r.agent === 'n1');
    expect(notes.map((r) => [(r.data as { fired: string }).fired, r.tick])).toEqual([
      ['a', 3],
      ['b', 7],
      ['d', 9],
      ['e', 14],
    ]);
    expect(await awaitNone(mark)).toEqual([]);
  }, 60_000);
});
