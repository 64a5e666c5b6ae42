/**
 * `--engine xstate|fast|auto` on run, replay and sweep: the same traces
 * (exact hash equality) and the same sweep rows whichever engine steps the
 * machines; forcing the fast path on a machine outside its subset, or naming
 * an engine that does not exist, is a usage error (exit 2) in one line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parleyIn } from '../fixtures/cli.ts';

const ENGINES = ['xstate', 'fast', 'auto'] as const;
const dir = mkdtempSync(join(tmpdir(), 'parley-engine-'));
const parley = (...args: string[]) => parleyIn(dir, ...args);
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

/** A protocol outside the fast path's subset: parallel states. */
const PARALLEL_PROTOCOL = `
import { decide, type Protocol } from 'parley';
import { emit, setup } from 'xstate';

const machine = setup({}).createMachine({
  id: 'regions',
  type: 'parallel',
  states: { a: { entry: emit(() => decide('yes')) }, b: {} },
});
export const protocol: Protocol = { name: 'two-regions', machine };
`;
const REFUSAL =
  'parley: protocol two-regions cannot run on the fast path: it uses parallel states (#regions); run it with --engine auto or xstate\n';

describe('parley --engine', () => {
  it.each([
    ['two-phase-commit', []],
    ['paxos-lossy', ['--seed', '9']],
    ['lossy-handoff', ['--variant', 'mitigated']],
  ])('runs %s to the same trace hash on xstate, the fast path and auto', (name, args) => {
    const hashes = ENGINES.map((engine) => {
      const r = parley('run', name, ...args, '--engine', engine, '--json');
      expect(r.err).toBe('');
      expect([0, 1]).toContain(r.code);
      return JSON.parse(r.out).hash as string;
    });
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(hashes).size).toBe(1);
  });

  it('replays a trace identically on each engine', () => {
    expect([0, 1]).toContain(
      parley('run', 'paxos-lossy', '--seed', '9', '--trace', 't.jsonl').code,
    );
    const end = JSON.parse(read('t.jsonl').trimEnd().split('\n').at(-1) as string);
    for (const engine of ENGINES) {
      const r = parley('replay', 't.jsonl', '--engine', engine);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`identical: `);
      expect(r.out).toContain(`hash ${end.hash}`);
    }
  });

  it('writes the same sweep rows on each engine, inline and on workers', () => {
    const sweep = (engine: string, out: string, workers: string) =>
      parley(
        'sweep',
        'lossy-handoff',
        '--seeds',
        '4',
        '--vary',
        'network.dropRatio=0,0.3',
        '--engine',
        engine,
        '--workers',
        workers,
        '--out',
        out,
      );
    const runs = [
      ['xstate', 'x.csv', '1'],
      ['fast', 'f.csv', '1'],
      ['fast', 'f2.csv', '2'],
      ['auto', 'a.csv', '2'],
    ] as const;
    for (const [engine, out, workers] of runs) expect(sweep(engine, out, workers).code).toBe(0);
    const rows = read('x.csv');
    expect(rows.split('\n')).toHaveLength(1 + 8 + 1);
    for (const [, out] of runs) expect(read(out)).toBe(rows);
    const complete = JSON.parse(read('x.csv.manifest.json')).complete;
    for (const [, out] of runs)
      expect(JSON.parse(read(`${out}.manifest.json`)).complete).toEqual(complete);
  });

  it('refuses to force the fast path on a protocol outside its subset: exit 2 naming the protocol and the feature', () => {
    writeFileSync(join(dir, 'two-regions.ts'), PARALLEL_PROTOCOL);
    writeFileSync(
      join(dir, 'regions.yaml'),
      'name: regions\nprotocol: ./two-regions.ts\nagents:\n  count: 2\n',
    );
    const fine = parley('run', 'regions.yaml', '--engine', 'auto', '--trace', 'r.jsonl');
    expect(fine.err).toBe('');
    expect(fine.code).toBe(0);
    for (const args of [
      ['run', 'regions.yaml'],
      ['run', 'regions.yaml', '--check-determinism'],
      ['replay', 'r.jsonl'],
      ['sweep', 'regions.yaml', '--seeds', '2', '--out', 'regions.csv'],
    ]) {
      const r = parley(...args, '--engine', 'fast');
      expect(r.code).toBe(2);
      expect(r.err.split('\n').filter((l) => !l.startsWith('sweep: '))).toEqual([
        REFUSAL.trimEnd(),
        '',
      ]);
      expect(r.out).toBe('');
    }
    expect(parley('replay', 'r.jsonl', '--engine', 'xstate').code).toBe(0);
  });

  it('refuses an engine that does not exist: exit 2 naming the flag and the choices', () => {
    for (const command of [
      ['run', 'two-phase-commit'],
      ['replay', 'x.jsonl'],
      ['sweep', 'two-generals'],
    ]) {
      const r = parley(...command, '--engine', 'turbo');
      expect(r.code).toBe(2);
      expect(r.err).toContain("option '--engine <engine>' argument 'turbo' is invalid");
      expect(r.err).toContain('xstate, fast, auto');
      expect(r.out).toBe('');
    }
  });
});
