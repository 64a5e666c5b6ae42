/**
 * The JavaScript g-set node (test/nodes/gset.mjs, on clients/js/parley-node.mjs)
 * through the engine, and shrink on a scenario whose agents are programs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  awaitNone,
  killMarked,
  marker,
  parley,
  proc,
  ROOT,
  readTrace,
  tmpDir,
  writeIn,
} from './fixture.ts';

const { dir, cleanup } = tmpDir();
const marks: string[] = [];
const mark = (name: string) => {
  const m = marker(name);
  marks.push(m);
  return m;
};
afterEach(() => {
  for (const m of marks.splice(0)) killMarked(m);
});
afterAll(cleanup);

/** A client program: adds 1 to n1 and 2 to n2 at its start, reads both at tick 40, notes what they answer. */
const CLIENT = `import { Node } from ${JSON.stringify(join(ROOT, 'clients', 'js', 'parley-node.mjs'))};
const node = new Node();
node.onInit(() => {
  node.send('n1', { type: 'add', element: 1 });
  node.send('n2', { type: 'add', element: 2 });
  node.setTimer('read', 40);
});
node.on('add_ok', () => {});
node.onTimer('read', () => {
  node.send('n1', { type: 'read' });
  node.send('n2', { type: 'read' });
});
node.on('read_ok', (msg) => node.note({ read: msg.src, value: msg.body.value }));
node.run();
`;

describe('the g-set node in the engine', () => {
  it.each([0, 0.2])(
    'replicates both elements to both nodes with loss %s (acknowledged gossip)',
    (dropRatio) => {
      const m = mark('gset');
      const client = writeIn(dir, 'client.mjs', CLIENT);
      const file = writeIn(
        dir,
        `gset-${dropRatio}.yaml`,
        [
          'name: gset',
          'agents:',
          `  - { id: n1, process: ${proc('gset.mjs', m)} }`,
          `  - { id: n2, process: ${proc('gset.mjs', m)} }`,
          `  - { id: c1, process: ${proc(client, m)} }`,
          `network: { dropRatio: ${dropRatio} }`,
          'checks: [{ property: convergence, expect: holds }]',
          'limits: { ticksMax: 200 }',
          '',
        ].join('\n'),
      );
      const trace = join(dir, `gset-${dropRatio}.jsonl`);
      const r = parley(['run', file, '--seed', '3', '--out', trace], 60_000);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain('✓ convergence  holds (expected holds)');
      const records = readTrace(trace);
      const held = (agent: string) =>
        records.filter((x) => x.kind === 'hold' && x.agent === agent).at(-1)?.data;
      expect(held('n1')).toEqual([1, 2]);
      expect(held('n2')).toEqual([1, 2]);
      // The client's reads at tick 40 were answered with the whole set (each read may be lost once at 0.2).
      const reads = records.filter((x) => x.kind === 'note' && x.agent === 'c1').map((x) => x.data);
      for (const read of reads) expect(read).toMatchObject({ value: [1, 2] });
      expect(records.some((x) => x.kind === 'crash')).toBe(false);
    },
    60_000,
  );
});

describe('shrink with programs', () => {
  it('re-runs the programs live and cuts agents the failure does not need', async () => {
    const m = mark('shrink');
    const node = join(ROOT, 'scenarios', 'catalog', 'nodes', 'broadcast.py');
    const file = writeIn(
      dir,
      'ff.yaml',
      [
        'name: fire-and-forget',
        'agents:',
        ...['n1', 'n2', 'n3', 'n4'].map((id) => `  - { id: ${id}, process: ${proc(node, m)} }`),
        '  - { id: c1, protocol: broadcast-client, params: { messages: 4, readAtTick: 30 } }',
        'params: { acks: false }',
        'faults: [{ kind: partition, groups: [[n1], [n2, n3, n4, c1]], tickStart: 4 }]',
        'checks: [{ property: convergence, expect: fails }]',
        'limits: { ticksMax: 100 }',
        'seed: 1',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'ff-shrunk.yaml');
    const r = parley(['shrink', file, '--out', out], 110_000);
    expect(r.code, r.out + r.err).toBe(0);
    const first = r.out.split('\n')[0] as string;
    expect(first).toMatch(
      /^convergence still fails the same way at seed \d+ after \d+ runs; agents 5 -> [23]$/,
    );
    const shrunk = readFileSync(out, 'utf8');
    expect(shrunk).toContain('broadcast.py');
    const again = parley(['run', out], 60_000);
    expect(again.out).toContain('✓ convergence  fails (expected fails)');
    expect(await awaitNone(m)).toEqual([]);
  }, 120_000);
});
