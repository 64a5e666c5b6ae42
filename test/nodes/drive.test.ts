/**
 * The test nodes and the client libraries, driven by hand without the engine: each test spawns a
 * node, writes init, messages and parley/sync lines as docs/process-agents.md says parley does,
 * reads its standard output up to the sync answer, and checks the exact lines.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const HERE = import.meta.dirname;
const PYTHON = process.env.PYTHON ?? 'python3';
// Generous: the machine may be busy with other test suites; a healthy node answers in ms.
const LINE_MS = 15_000;
const TEST_MS = 60_000;

interface Line {
  readonly src: string;
  readonly dest: string;
  readonly body: Record<string, unknown> & { type: string };
}

const children: ChildProcess[] = [];

/** Kills every child still running, by its PID. */
function killChildren(): void {
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGKILL');
    }
  }
}

afterEach(killChildren);

/** One node process, fed and read line by line. */
class Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  private rest = '';
  private nextId = 1;

  constructor(
    readonly id: string,
    file: string,
  ) {
    const path = join(HERE, file);
    const command = file.endsWith('.py') ? PYTHON : process.execPath;
    this.child = spawn(command, [path], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(this.child);
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      this.rest += chunk;
      let nl = this.rest.indexOf('\n');
      while (nl >= 0) {
        this.lines.push(this.rest.slice(0, nl));
        this.rest = this.rest.slice(nl + 1);
        nl = this.rest.indexOf('\n');
      }
      this.wake();
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.wake();
        resolve({ code, signal });
      });
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  write(src: string, body: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify({ src, dest: this.id, body })}\n`);
  }

  /** The next line the node writes, raw; rejects after `ms` of silence or at its exit. */
  async nextLine(ms = LINE_MS): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.lines.length === 0) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`${this.id} exited (${this.child.exitCode}); stderr: ${this.stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.id}: no line within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.lines.shift()!;
  }

  /** Writes a sync; returns the raw lines written before its answer, and the answer. */
  async sync(ms = LINE_MS): Promise<{ raw: string[]; answer: Line }> {
    const k = this.nextId++;
    this.write('parley', { type: 'parley/sync', msg_id: k });
    const raw: string[] = [];
    for (;;) {
      const text = await this.nextLine(ms);
      try {
        const line = JSON.parse(text) as Line;
        if (line.body?.in_reply_to === k && line.dest === 'parley') return { raw, answer: line };
      } catch {
        // not JSON: a line like any other for the caller to judge
      }
      raw.push(text);
    }
  }

  /** One step: a line and its sync. Returns what the node wrote, checking the sync_ok. */
  async step(src: string, body: Record<string, unknown>): Promise<Line[]> {
    this.write(src, body);
    const { raw, answer } = await this.sync();
    expect(answer).toEqual({
      src: this.id,
      dest: 'parley',
      body: { type: 'parley/sync_ok', in_reply_to: this.nextId - 1 },
    });
    return raw.map((t) => JSON.parse(t) as Line);
  }

  /** Writes init as parley does (with a parley block unless `parley` is null), without a sync. */
  sendInit(
    nodeIds: string[],
    params: Record<string, unknown> = {},
    seed = 1234,
    parley: 'parley' | null = 'parley',
  ): void {
    const body: Record<string, unknown> = {
      type: 'init',
      msg_id: this.nextId++,
      node_id: this.id,
      node_ids: nodeIds,
    };
    if (parley) {
      body.parley = { seed, tick: 0, zone: 'default', capabilities: [], budget: null, params };
    }
    this.write('parley', body);
  }

  /** init and its sync; returns what the node wrote for it. */
  async init(
    nodeIds: string[],
    params: Record<string, unknown> = {},
    seed = 1234,
    parley: 'parley' | null = 'parley',
  ): Promise<Line[]> {
    this.sendInit(nodeIds, params, seed, parley);
    const { raw, answer } = await this.sync();
    expect(answer.body).toEqual({ type: 'parley/sync_ok', in_reply_to: this.nextId - 1 });
    return raw.map((t) => JSON.parse(t) as Line);
  }
}

const fx = (src: string, body: Record<string, unknown>): Line =>
  ({ src, dest: 'parley', body }) as Line;
const to = (src: string, dest: string, body: Record<string, unknown>): Line =>
  ({ src, dest, body }) as Line;

const IDS = ['n1', 'n2', 'n3', 'c1'];

describe.each([
  ['python', 'probe.py'],
  ['javascript', 'probe.mjs'],
])('the %s client library', (_lang, file) => {
  it(
    'answers init, echo and syncs in order, and error 10 for an unknown type',
    async () => {
      const n = new Proc('n1', file);
      expect(await n.init(IDS)).toEqual([
        to('n1', 'parley', { type: 'init_ok', in_reply_to: 1, msg_id: 1 }),
      ]);
      expect(await n.step('c1', { type: 'echo', msg_id: 7, echo: 'hi' })).toEqual([
        to('n1', 'c1', { type: 'echo_ok', echo: 'hi', in_reply_to: 7, msg_id: 2 }),
      ]);
      expect(await n.step('c1', { type: 'bogus', msg_id: 8 })).toEqual([
        to('n1', 'c1', {
          type: 'error',
          code: 10,
          text: 'not supported: bogus',
          in_reply_to: 8,
          msg_id: 3,
        }),
      ]);
      // Without a msg_id there is nothing to answer: nothing is written.
      expect(await n.step('parley', { type: 'stray' })).toEqual([]);
      // Several lines, then one sync: the answer comes after all of them.
      n.write('c1', { type: 'echo', msg_id: 9, echo: 1 });
      n.write('c1', { type: 'echo', msg_id: 10, echo: 2 });
      const { raw } = await n.sync();
      expect(raw.map((t) => JSON.parse(t).body.in_reply_to)).toEqual([9, 10]);
    },
    TEST_MS,
  );

  it(
    'writes every effect and virtual timer to parley, and runs timer handlers',
    async () => {
      const n = new Proc('n1', file);
      await n.init(IDS, {}, 42);
      const out = await n.step('c1', {
        type: 'do',
        msg_id: 5,
        ops: [
          ['propose', 'v'],
          ['hold', [1, 2]],
          ['decide', 'v'],
          ['note', { why: 'x' }],
          ['state', 'busy'],
          ['read', 'ticket'],
          ['act', 'db.delete', { id: 1 }],
          ['spend', 2, 'tokens'],
          ['set_timer', 'retry', 3],
          ['cancel_timer', 'retry'],
          ['on_timer', 'gossip'],
          ['set_timer', 'gossip', 1],
        ],
      });
      expect(out).toEqual([
        fx('n1', { type: 'parley/propose', value: 'v' }),
        fx('n1', { type: 'parley/hold', value: [1, 2] }),
        fx('n1', { type: 'parley/decide', value: 'v' }),
        fx('n1', { type: 'parley/note', data: { why: 'x' } }),
        fx('n1', { type: 'parley/state', value: 'busy' }),
        fx('n1', { type: 'parley/read', source: 'ticket' }),
        fx('n1', { type: 'parley/act', capability: 'db.delete', args: { id: 1 } }),
        fx('n1', { type: 'parley/spend', amount: 2, what: 'tokens' }),
        fx('n1', { type: 'parley/set_timer', name: 'retry', ticks: 3 }),
        fx('n1', { type: 'parley/cancel_timer', name: 'retry' }),
        fx('n1', { type: 'parley/set_timer', name: 'gossip', ticks: 1 }),
        to('n1', 'c1', { type: 'do_ok', in_reply_to: 5, msg_id: 2 }),
      ]);
      expect(await n.step('parley', { type: 'parley/timer', name: 'gossip' })).toEqual([
        fx('n1', { type: 'parley/note', data: { fired: 'gossip' } }),
      ]);
      const result = { type: 'act.result', capability: 'db.delete', outcome: 'done' };
      expect(await n.step('parley', result)).toEqual([
        fx('n1', { type: 'parley/note', data: { got: result } }),
      ]);
      // Bad arguments are refused before anything is written.
      expect(await n.step('c1', { type: 'do', msg_id: 6, ops: [['set_timer', 'x', 0]] })).toEqual([
        to('n1', 'c1', {
          type: 'do_error',
          text: 'timer ticks is an integer >= 1, got 0',
          in_reply_to: 6,
          msg_id: 3,
        }),
      ]);
      // The generator is seeded from parley.seed: the same seed, the same draws.
      const draws = async (): Promise<unknown[]> => {
        const m = new Proc('n1', file);
        await m.init(IDS, {}, 42);
        const a = await m.step('c1', { type: 'do', msg_id: 5, ops: [['random'], ['random']] });
        return a.map((l) => l.body);
      };
      const first = await draws();
      expect(await draws()).toEqual(first);
      expect(first).toHaveLength(3);
    },
    TEST_MS,
  );

  it(
    'works under plain Maelstrom: messages yes, timers a clear error, effects silent',
    async () => {
      const n = new Proc('n1', file);
      expect(await n.init(IDS, {}, 0, null)).toEqual([
        to('n1', 'parley', { type: 'init_ok', in_reply_to: 1, msg_id: 1 }),
      ]);
      expect(await n.step('c1', { type: 'echo', msg_id: 3, echo: 'x' })).toEqual([
        to('n1', 'c1', { type: 'echo_ok', echo: 'x', in_reply_to: 3, msg_id: 2 }),
      ]);
      expect(
        await n.step('c1', {
          type: 'do',
          msg_id: 4,
          ops: [
            ['decide', 1],
            ['hold', 2],
          ],
        }),
      ).toEqual([to('n1', 'c1', { type: 'do_ok', in_reply_to: 4, msg_id: 3 })]);
      const [err] = await n.step('c1', { type: 'do', msg_id: 5, ops: [['set_timer', 't', 2]] });
      expect(err?.body.type).toBe('do_error');
      expect(err?.body.text).toMatch(/needs parley.*no virtual timers/);
    },
    TEST_MS,
  );
});

it(
  'the javascript library waits for an async handler before the next line',
  async () => {
    const n = new Proc('n1', 'probe.mjs');
    await n.init(IDS);
    n.write('c1', { type: 'slow_echo', msg_id: 3, echo: 'a' });
    n.write('c1', { type: 'echo', msg_id: 4, echo: 'b' });
    const { raw } = await n.sync();
    expect(raw.map((t) => JSON.parse(t).body.type)).toEqual(['slow_echo_ok', 'echo_ok']);
  },
  TEST_MS,
);

describe('broadcast.py', () => {
  it(
    'answers the workload, gossips on a virtual timer until acknowledged, then goes quiet',
    async () => {
      const n = new Proc('n1', 'broadcast.py');
      expect(await n.init(IDS, { gossipTicks: 3 })).toEqual([
        to('n1', 'parley', { type: 'init_ok', in_reply_to: 1, msg_id: 1 }),
        fx('n1', { type: 'parley/state', value: 'idle' }),
      ]);
      const topology = { n1: ['n2', 'n3'], n2: ['n1'], n3: ['n1'] };
      expect(await n.step('c1', { type: 'topology', msg_id: 1, topology })).toEqual([
        to('n1', 'c1', { type: 'topology_ok', in_reply_to: 1, msg_id: 2 }),
      ]);
      expect(await n.step('c1', { type: 'broadcast', msg_id: 2, message: 5 })).toEqual([
        fx('n1', { type: 'parley/hold', value: [5] }),
        fx('n1', { type: 'parley/set_timer', name: 'gossip', ticks: 3 }),
        fx('n1', { type: 'parley/state', value: 'gossiping' }),
        to('n1', 'c1', { type: 'broadcast_ok', in_reply_to: 2, msg_id: 3 }),
      ]);
      const timer = { type: 'parley/timer', name: 'gossip' };
      expect(await n.step('parley', timer)).toEqual([
        to('n1', 'n2', { type: 'gossip', messages: [5], msg_id: 4 }),
        to('n1', 'n3', { type: 'gossip', messages: [5], msg_id: 5 }),
        fx('n1', { type: 'parley/set_timer', name: 'gossip', ticks: 3 }),
      ]);
      // n2 acknowledges; n3's answer is lost: only n3 hears it again.
      expect(await n.step('n2', { type: 'gossip_ok', in_reply_to: 4, messages: [5] })).toEqual([]);
      expect(await n.step('parley', timer)).toEqual([
        to('n1', 'n3', { type: 'gossip', messages: [5], msg_id: 6 }),
        fx('n1', { type: 'parley/set_timer', name: 'gossip', ticks: 3 }),
      ]);
      // n3 gossips 7 itself: n1 learns it and owes it to n2 only.
      expect(await n.step('n3', { type: 'gossip', msg_id: 9, messages: [5, 7] })).toEqual([
        fx('n1', { type: 'parley/hold', value: [5, 7] }),
        to('n1', 'n3', { type: 'gossip_ok', messages: [5, 7], in_reply_to: 9, msg_id: 7 }),
      ]);
      expect(await n.step('parley', timer)).toEqual([
        to('n1', 'n2', { type: 'gossip', messages: [7], msg_id: 8 }),
        fx('n1', { type: 'parley/set_timer', name: 'gossip', ticks: 3 }),
      ]);
      expect(await n.step('n2', { type: 'gossip_ok', in_reply_to: 8, messages: [5, 7] })).toEqual(
        [],
      );
      expect(await n.step('parley', timer)).toEqual([
        fx('n1', { type: 'parley/state', value: 'idle' }),
      ]);
      expect(await n.step('c1', { type: 'read', msg_id: 3 })).toEqual([
        to('n1', 'c1', { type: 'read_ok', messages: [5, 7], in_reply_to: 3, msg_id: 9 }),
      ]);
    },
    TEST_MS,
  );
});

describe('gset.mjs', () => {
  it(
    'echoes, adds, reads and replicates the set on a virtual timer until acknowledged',
    async () => {
      const n = new Proc('n2', 'gset.mjs');
      await n.init(['n1', 'n2', 'c1'], { gossipTicks: 4 });
      expect(await n.step('c1', { type: 'echo', msg_id: 1, echo: 'e' })).toEqual([
        to('n2', 'c1', { type: 'echo_ok', echo: 'e', in_reply_to: 1, msg_id: 2 }),
      ]);
      expect(await n.step('c1', { type: 'add', msg_id: 2, element: 3 })).toEqual([
        fx('n2', { type: 'parley/hold', value: [3] }),
        fx('n2', { type: 'parley/set_timer', name: 'gossip', ticks: 4 }),
        fx('n2', { type: 'parley/state', value: 'replicating' }),
        to('n2', 'c1', { type: 'add_ok', in_reply_to: 2, msg_id: 3 }),
      ]);
      expect(await n.step('n1', { type: 'replicate', msg_id: 5, value: [1] })).toEqual([
        fx('n2', { type: 'parley/hold', value: [1, 3] }),
        to('n2', 'n1', { type: 'replicate_ok', value: [1, 3], in_reply_to: 5, msg_id: 4 }),
      ]);
      const timer = { type: 'parley/timer', name: 'gossip' };
      expect(await n.step('parley', timer)).toEqual([
        to('n2', 'n1', { type: 'replicate', value: [3], msg_id: 5 }),
        fx('n2', { type: 'parley/set_timer', name: 'gossip', ticks: 4 }),
      ]);
      expect(await n.step('n1', { type: 'replicate_ok', in_reply_to: 5, value: [1, 3] })).toEqual(
        [],
      );
      expect(await n.step('parley', timer)).toEqual([
        fx('n2', { type: 'parley/state', value: 'idle' }),
      ]);
      expect(await n.step('c1', { type: 'read', msg_id: 3 })).toEqual([
        to('n2', 'c1', { type: 'read_ok', value: [1, 3], in_reply_to: 3, msg_id: 6 }),
      ]);
    },
    TEST_MS,
  );
});

/** A tiny deterministic network for three Paxos nodes: routes their messages and fires their timers. */
async function runPaxos(opts: {
  seed: number;
  loss: number;
  dup: number;
  /** Until this tick, n3 is cut off from n1 and n2. */
  partitionUntil: number;
  /** Deliver a random message of those in flight rather than the oldest, and sometimes fire
   * the next timer while messages are in flight. */
  reorder: boolean;
  params?: Record<string, unknown>;
}): Promise<{
  decisions: Map<string, unknown[]>;
  proposals: Map<string, unknown>;
  starts: string[];
  steps: number;
}> {
  const ids = ['n1', 'n2', 'n3'];
  let s = opts.seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const procs = new Map(ids.map((id) => [id, new Proc(id, 'paxos.py')]));
  const timers = new Map<string, Map<string, number>>(ids.map((id) => [id, new Map()]));
  const decisions = new Map<string, unknown[]>(ids.map((id) => [id, []]));
  const proposals = new Map<string, unknown>();
  const queue: Line[] = [];
  const starts: string[] = [];
  let now = 0;
  let steps = 0;
  const take = (id: string, out: Line[]): void => {
    for (const line of out) {
      expect(line.src).toBe(id);
      const b = line.body;
      if (line.dest === 'parley') {
        if (b.type === 'parley/set_timer')
          timers.get(id)!.set(b.name as string, now + (b.ticks as number));
        else if (b.type === 'parley/cancel_timer') timers.get(id)!.delete(b.name as string);
        else if (b.type === 'parley/decide') decisions.get(id)!.push(b.value);
        else if (b.type === 'parley/propose') proposals.set(id, b.value);
      } else {
        expect(ids).toContain(line.dest);
        queue.push(line);
      }
    }
  };
  let i = 0;
  for (const [id, p] of procs) take(id, await p.init(ids, opts.params ?? {}, opts.seed * 7 + i++));
  for (; steps < 3000; steps++) {
    if ([...decisions.values()].every((d) => d.length > 0) && queue.length === 0) break;
    const early = opts.reorder && rand() < 0.15;
    const at = opts.reorder ? Math.floor(rand() * queue.length) : 0;
    const line = early ? undefined : queue.splice(at, 1)[0];
    if (line) {
      const cut = now < opts.partitionUntil && (line.src === 'n3') !== (line.dest === 'n3');
      if (cut || rand() < opts.loss) continue;
      const copies = rand() < opts.dup ? 2 : 1;
      for (let c = 0; c < copies; c++)
        take(line.dest, await procs.get(line.dest)!.step(line.src, line.body));
      continue;
    }
    let next: [string, string, number] | null = null;
    for (const [id, ts] of timers) {
      for (const [name, due] of ts) if (!next || due < next[2]) next = [id, name, due];
    }
    if (!next) {
      if (queue.length > 0) continue;
      break;
    }
    const [id, name, due] = next;
    now = Math.max(now, due);
    timers.get(id)!.delete(name);
    if (name === 'start') starts.push(id);
    take(id, await procs.get(id)!.step('parley', { type: 'parley/timer', name }));
  }
  return { decisions, proposals, starts, steps };
}

describe('paxos.py', () => {
  it(
    'one round by hand: prepare, promise, accept, accepted, decide, decided',
    async () => {
      const ids = ['n1', 'n2', 'n3', 'c1'];
      const [n1, n2, n3] = ['n1', 'n2', 'n3'].map((id) => new Proc(id, 'paxos.py'));
      const init = await n1!.init(ids, { value: 'x' }, 7);
      expect(init.slice(0, 3)).toEqual([
        to('n1', 'parley', { type: 'init_ok', in_reply_to: 1, msg_id: 1 }),
        fx('n1', { type: 'parley/propose', value: 'x' }),
        fx('n1', { type: 'parley/state', value: 'waiting' }),
      ]);
      expect(init[3]?.body).toMatchObject({ type: 'parley/set_timer', name: 'start' });
      await n2!.init(ids, { value: 'y' }, 8);
      await n3!.init(ids, { value: 'z' }, 9);
      const start = await n1!.step('parley', { type: 'parley/timer', name: 'start' });
      const b1 = [1, 'n1'];
      expect(start).toEqual([
        fx('n1', { type: 'parley/state', value: 'preparing' }),
        fx('n1', { type: 'parley/set_timer', name: 'retry', ticks: expect.any(Number) }),
        to('n1', 'n2', { type: 'prepare', ballot: b1, msg_id: 2 }),
        to('n1', 'n3', { type: 'prepare', ballot: b1, msg_id: 3 }),
      ]);
      const promise = await n2!.step('n1', start[2]!.body);
      expect(promise).toEqual([
        to('n2', 'n1', {
          type: 'promise',
          ballot: b1,
          accepted_ballot: null,
          accepted_value: null,
          in_reply_to: 2,
          msg_id: 2,
        }),
      ]);
      // n1's own promise and n2's make a quorum of the three: the accept phase, its value.
      const accept = await n1!.step('n2', promise[0]!.body);
      expect(accept).toEqual([
        fx('n1', { type: 'parley/state', value: 'accepting' }),
        to('n1', 'n2', { type: 'accept', ballot: b1, value: 'x', msg_id: 4 }),
        to('n1', 'n3', { type: 'accept', ballot: b1, value: 'x', msg_id: 5 }),
      ]);
      // n3 never saw the prepare; it accepts all the same (it promised nothing higher).
      const accepted = await n3!.step('n1', accept[2]!.body);
      expect(accepted).toEqual([
        to('n3', 'n1', { type: 'accepted', ballot: b1, value: 'x', in_reply_to: 5, msg_id: 2 }),
      ]);
      const decided = await n1!.step('n3', accepted[0]!.body);
      expect(decided).toEqual([
        fx('n1', { type: 'parley/cancel_timer', name: 'retry' }),
        fx('n1', { type: 'parley/decide', value: 'x' }),
        fx('n1', { type: 'parley/state', value: 'decided' }),
        to('n1', 'n2', { type: 'decided', value: 'x', msg_id: 6 }),
        to('n1', 'n3', { type: 'decided', value: 'x', msg_id: 7 }),
      ]);
      // A duplicate accepted changes nothing; the decided message makes n2 decide, once.
      expect(await n1!.step('n3', accepted[0]!.body)).toEqual([]);
      const learnt = await n2!.step('n1', decided[3]!.body);
      expect(learnt.slice(1, 3)).toEqual([
        fx('n2', { type: 'parley/decide', value: 'x' }),
        fx('n2', { type: 'parley/state', value: 'decided' }),
      ]);
      expect(await n2!.step('n1', decided[3]!.body)).toEqual([]);
      // A late prepare of a lower ballot is refused, and answered with the decision.
      expect(await n2!.step('n3', { type: 'prepare', ballot: [1, 'n0'], msg_id: 9 })).toEqual([
        to('n2', 'n3', {
          type: 'nack',
          ballot: [1, 'n0'],
          promised: b1,
          in_reply_to: 9,
          msg_id: 5,
        }),
        to('n2', 'n3', { type: 'decided', value: 'x', msg_id: 6 }),
      ]);
    },
    TEST_MS,
  );

  it(
    'three nodes routed by a tiny network agree on the first proposer that starts',
    async () => {
      const run = { seed: 1, loss: 0, dup: 0, partitionUntil: 0, reorder: false };
      const { decisions, proposals, starts } = await runPaxos(run);
      expect(Object.fromEntries(proposals)).toEqual({ n1: 'n1', n2: 'n2', n3: 'n3' });
      // Messages are delivered before any later timer: the first to start carries its value
      // through both phases, and the others learn it from its decided messages.
      expect(starts).toHaveLength(1);
      expect(Object.fromEntries(decisions)).toEqual({ n1: starts, n2: starts, n3: starts });
    },
    TEST_MS,
  );

  it(
    'keeps agreement under loss, duplication and a partition',
    async () => {
      for (let seed = 1; seed <= 12; seed++) {
        const { decisions, proposals } = await runPaxos({
          seed,
          loss: 0.3,
          dup: 0.3,
          partitionUntil: 30,
          reorder: true,
          // Half the runs start every proposer on the same tick: duelling ballots.
          params: seed % 2 === 0 ? { startTicks: 1, retryTicks: 2 } : {},
        });
        const values = [...decisions.values()];
        expect([...proposals.values()], `seed ${seed}`).toContain(values[0]![0]);
        // Each decides at most once, never two values; with the retries every node gets there.
        expect(
          values.map((d) => d.length),
          `seed ${seed}`,
        ).toEqual([1, 1, 1]);
        expect(new Set(values.flat()).size, `seed ${seed}`).toBe(1);
        killChildren();
      }
    },
    TEST_MS * 2,
  );
  it(
    'paxos-stress.py: agreement over 200 seeds of 3 and 5 nodes, in one process',
    () => {
      const r = spawnSync(PYTHON, [join(HERE, 'paxos-stress.py'), '200'], {
        encoding: 'utf8',
        timeout: TEST_MS,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(
        'paxos-stress: agreement in 400 of 400 runs; every node decided in 400',
      );
      expect(r.status).toBe(0);
    },
    TEST_MS,
  );
});

describe('misbehaving nodes', () => {
  it(
    'exits.py exits with code 3 on its first message after init',
    async () => {
      const n = new Proc('n1', 'bad/exits.py');
      await n.init(IDS);
      n.write('c1', { type: 'echo', msg_id: 2, echo: 1 });
      expect(await n.exited).toEqual({ code: 3, signal: null });
    },
    TEST_MS,
  );

  it(
    'not-json.py writes hello; unknown-node.py writes to nobody; flood.py writes 5000 lines in a step',
    async () => {
      const a = new Proc('n1', 'bad/not-json.py');
      await a.init(IDS);
      a.write('c1', { type: 'echo', msg_id: 2, echo: 1 });
      expect((await a.sync()).raw).toEqual(['hello']);

      const b = new Proc('n1', 'bad/unknown-node.py');
      await b.init(IDS);
      expect(await b.step('c1', { type: 'echo', msg_id: 2, echo: 1 })).toEqual([
        to('n1', 'nobody', { type: 'hi', msg_id: 1 }),
      ]);

      const c = new Proc('n1', 'bad/flood.py');
      await c.init(IDS);
      const flood = await c.step('c1', { type: 'echo', msg_id: 2, echo: 1 });
      expect(flood).toHaveLength(5000);
      expect(flood[4999]).toEqual(to('n1', 'c1', { type: 'flood', msg_id: 5000 }));
    },
    TEST_MS,
  );

  it(
    'slow.py and no-sync.py leave a sync unanswered (no-sync.py still echoes)',
    async () => {
      const slow = new Proc('n1', 'bad/slow.py');
      await slow.init(IDS);
      slow.write('c1', { type: 'echo', msg_id: 2, echo: 1 });
      await expect(slow.sync(1000)).rejects.toThrow(/no line within 1000 ms/);

      const quiet = new Proc('n1', 'bad/no-sync.py');
      quiet.sendInit(IDS);
      expect(JSON.parse(await quiet.nextLine())).toEqual(
        to('n1', 'parley', { type: 'init_ok', msg_id: 1, in_reply_to: 1 }),
      );
      await expect(quiet.sync(500)).rejects.toThrow(/no line within 500 ms/);
      quiet.write('c1', { type: 'echo', msg_id: 5, echo: 'q' });
      expect(JSON.parse(await quiet.nextLine())).toEqual(
        to('n1', 'c1', { type: 'echo_ok', echo: 'q', msg_id: 2, in_reply_to: 5 }),
      );
    },
    TEST_MS,
  );

  it(
    'wallclock.py decides the wall clock, so two runs differ',
    async () => {
      const decided = async (): Promise<unknown> => {
        const n = new Proc('n1', 'bad/wallclock.py');
        const out = await n.init(IDS);
        expect(out[1]?.body.type).toBe('parley/decide');
        return out[1]?.body.value;
      };
      const first = await decided();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await decided();
      expect(typeof first).toBe('number');
      expect(second).not.toEqual(first);
    },
    TEST_MS,
  );

  it(
    'maelstrom-echo.py, a plain Maelstrom node, answers a sync with error 10 and echoes',
    async () => {
      const n = new Proc('n1', 'bad/maelstrom-echo.py');
      n.sendInit(IDS);
      const init = await n.sync();
      expect(init.raw.map((t) => JSON.parse(t))).toEqual([
        to('n1', 'parley', { type: 'init_ok', msg_id: 1, in_reply_to: 1 }),
      ]);
      expect(init.answer).toEqual(
        to('n1', 'parley', {
          type: 'error',
          code: 10,
          text: 'not supported: parley/sync',
          msg_id: 2,
          in_reply_to: 2,
        }),
      );
      n.write('c1', { type: 'echo', msg_id: 4, echo: 'm' });
      const echo = await n.sync();
      expect(echo.raw.map((t) => JSON.parse(t))).toEqual([
        to('n1', 'c1', { type: 'echo_ok', echo: 'm', msg_id: 3, in_reply_to: 4 }),
      ]);
      expect(echo.answer.body).toMatchObject({ type: 'error', code: 10, in_reply_to: 3 });
    },
    TEST_MS,
  );
});
