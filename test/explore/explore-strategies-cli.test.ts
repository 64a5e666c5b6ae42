import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNamed } from '../../cli/catalog.ts';
import { scheduleChooser } from '../../sim/explore.ts';
import { runScenario } from '../../sim/index.ts';
import { scheduleOfQuery } from '../../sim/schedule-query.ts';
import { parleyIn } from '../fixtures/cli.ts';

/** parley in a fresh folder of its own. */
const parley = (...args: string[]) =>
  parleyIn(mkdtempSync(join(tmpdir(), 'parley-explore-')), ...args);
const generals3 = ['two-generals', '--set', 'network.dropRatio=0', '--set', 'params.hops=3'];
/** A space far larger than a test runs: the search stops at a bound of the caller. */
const large = [
  'majority-vote-partition',
  '--variant',
  'mitigated',
  '--set',
  'params.resendsMax=6',
  '--depth',
  '80',
];

describe('parley explore --strategy bfs and pct', () => {
  it('bfs: the violation with the fewest explored choice points, the run command and the page link at the violating record', () => {
    const r = parley('explore', ...generals3, '--losses', '1', '--strategy', 'bfs');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/ · depth ≤ 30 · bfs\n/);
    expect(r.out).toMatch(/breadth-first: none with fewer than 3 explored choice points/);
    expect(r.out).toContain('--choices 0,0,2');
    const link =
      /open it in the page at the violating record \(seq (\d+), tick \d+\): npx parley serve, then (\S+)/.exec(
        r.out,
      );
    expect(link).not.toBeNull();
    const url = new URL(link?.[2] ?? '');
    expect(url.origin).toBe('http://127.0.0.1:4173');
    expect(url.searchParams.get('scenario')).toBe('two-generals');
    expect(url.searchParams.get('seed')).toBe('2');
    expect(url.searchParams.getAll('set')).toEqual([
      'network.dropRatio=0',
      'params.hops=3',
      'limits.eventsMax=6',
    ]);
    expect(url.searchParams.get('at')).toBe(link?.[1]);
    expect(scheduleOfQuery(url.searchParams)).toEqual({
      latencies: [1, 2],
      losses: 1,
      duplicates: 0,
      crashes: 0,
      choices: [0, 0, 2],
    });
  });

  it('pct: the run that found it, the runs done and the documented bound 1/(n·k^(d-1))', () => {
    const r = parley(
      'explore',
      ...generals3,
      '--losses',
      '1',
      '--strategy',
      'pct',
      '--pct-depth',
      '2',
      '--depth',
      '10',
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/pct, d = 2, k = 10 steps, runs ≤ 1000/);
    expect(r.out).toMatch(/^11 runs · /m);
    expect(r.out).toContain(
      'pct: each run finds a bug of depth 2 with probability at least 1/(n·k^(d-1)) = 1/(2·10^1) = 0.0500; 11 runs done, so at least 0.431',
    );
    expect(r.out).toMatch(/\(pct: found in run 11\)/);
    expect(r.out).toMatch(/3\. tick \d+ alpha -> beta hop: lost/);
  });

  it('pct with no violation in its runs reports the runs bound, not exhaustion (exit 0)', () => {
    const r = parley('explore', ...generals3, '--strategy', 'pct', '--runs', '5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^5 runs · /m);
    expect(r.out).toMatch(/not exhausted; bounds hit:\n {2}runs \(pct/);
  });

  it("the page link carries an explored partition's timing: the query's schedule makes the trace explore wrote", () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-explore-'));
    const out = join(dir, 'v.jsonl');
    const args = ['majority-vote-partition', '--set', 'params.resendsMax=0'];
    const r = parley('explore', ...args, '--partitions', '1', '--latencies', '1', '--out', out);
    expect(r.code).toBe(1);
    const link = /npx parley serve, then (\S+)/.exec(r.out);
    const url = new URL(link?.[1] ?? '');
    const spec = scheduleOfQuery(url.searchParams);
    if (spec === undefined || typeof spec === 'string') throw new Error(String(spec));
    // The scenario's own partition (fault 0, groups a,b,c | d,e), its start chosen at choice 13.
    expect(spec.partitions).toBe(1);
    expect(spec.partitionGroups).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect(spec.partitionFault).toBe(0);
    expect(spec.choices.indexOf(1)).toBe(12);
    const { scenario } = loadNamed('majority-vote-partition', {
      overrides: url.searchParams.getAll('set'),
    });
    const trace = runScenario(scenario, { seed: 1, chooser: scheduleChooser(spec) }).trace;
    expect(`${[...trace.lines()].join('\n')}\n`).toBe(readFileSync(out, 'utf8'));
  });
});

describe('parley explore --time-max and --memory-max', () => {
  it('stops at --time-max seconds and says so', () => {
    const r = parley('explore', ...large, '--time-max', '0.2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /not exhausted; bounds hit:\n {2}time-max \(the search ran for --time-max seconds\)/,
    );
  });

  it('stops at --memory-max MB of heap and says so (1 MB: before the first schedule)', () => {
    const r = parley('explore', ...large, '--memory-max', '1');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^0 schedules · /m);
    expect(r.out).toMatch(
      /bounds hit:\n {2}memory-max \(the JavaScript heap reached --memory-max MB\)/,
    );
  });

  it('exit 2 on bad bounds and PCT flags, one line naming each flag', () => {
    const r = parley(
      'explore',
      'two-generals',
      '--time-max',
      'soon',
      '--memory-max',
      '0',
      '--runs',
      '10',
      '--pct-depth',
      '2',
    );
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    for (const flag of [
      '--time-max',
      '--memory-max',
      '--runs only goes with --strategy pct',
      '--pct-depth',
    ])
      expect(r.err).toContain(flag);
    const z = parley('explore', 'two-generals', '--strategy', 'pct', '--runs', '0');
    expect(z.code).toBe(2);
    expect(z.err).toMatch(/--runs is a whole number from 1/);
  });
});

describe('parley shrink on a trace of parley explore', () => {
  it('shrinks the schedule: each choice off its first option set to the first while the run still violates the same way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-explore-'));
    const out = join(dir, 'v.jsonl');
    // PCT's first violation takes a longer latency on the first hop as well as losing the last.
    const found = parley(
      'explore',
      ...generals3,
      '--losses',
      '1',
      '--strategy',
      'pct',
      '--out',
      out,
    );
    expect(found.code).toBe(1);
    expect(found.out).toContain('--choices 1,0,2');
    const shrunk = join(dir, 'small.yaml');
    const r = parley('shrink', out, '--out', shrunk);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('agreement still fails the same way at seed 2 after 3 runs');
    expect(r.out).toContain('  choices off their first option  2 -> 1\n');
    expect(r.out).toContain('  choice 1: option 1 -> the first\n');
    const command = /the shrunk schedule runs with: npx parley run \S+ (.*)$/m.exec(r.out)?.[1];
    expect(command).toBe('--latencies 1,2 --losses 1 --duplicates 0 --crashes 0 --choices 0,0,2');
    const again = parley('run', shrunk, ...(command ?? '').split(' '));
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/agreement +fails \(expected fails\)/);
  });
});
