import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARLEY_BIN, parley } from '../fixtures/cli.ts';

describe('parley explore', () => {
  it('exit 1 on a violation: the trace is written, replays identically, and the printed run command makes the same trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-explore-'));
    const out = join(dir, 'v.jsonl');
    const r = parley(
      'explore',
      'two-generals',
      '--set',
      'network.dropRatio=0',
      '--set',
      'params.hops=3',
      '--losses',
      '1',
      '--strategy',
      'iddfs',
      '--out',
      out,
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/violation of agreement/);
    expect(r.out).toMatch(/3 choice points, 1 loss/);
    expect(r.out).toMatch(/3\. tick \d+ alpha -> beta hop: lost/);
    const reproduce = /reproduce: npx parley run (.*)/.exec(r.out)?.[1];
    // The run stops at the violating state: the command sets the events it took.
    expect(reproduce).toMatch(/--set limits\.eventsMax=\d+ /);
    expect(reproduce).toContain(
      '--latencies 1,2 --losses 1 --duplicates 0 --crashes 0 --choices 0,0,2',
    );
    expect(parley('replay', out).code).toBe(0);
    const again = join(dir, 'again.jsonl');
    const args = (reproduce as string).split(' ');
    const run = parley('run', ...args, '--trace', again);
    expect(run.out).toContain('agreement    fails');
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('exit 0 when the exhausted space has no violation, and says so with the counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-explore-'));
    const out = join(dir, 'none.jsonl');
    const r = parley(
      'explore',
      'majority-vote-partition',
      '--variant',
      'mitigated',
      '--set',
      'params.resendsMax=0',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/256 schedules · 1770 distinct states/);
    expect(r.out).toMatch(/no violation: the space is exhausted within the bounds/);
    expect(existsSync(out)).toBe(false);
  });

  it('says which bound was hit', () => {
    const r = parley(
      'explore',
      'majority-vote-partition',
      '--variant',
      'mitigated',
      '--set',
      'params.resendsMax=0',
      '--schedules-max',
      '5',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/not exhausted; bounds hit:\n {2}schedules-max/);
  });

  it('exit 2 on bad flags, naming each', () => {
    const r = parley(
      'explore',
      'two-generals',
      '--depth',
      'x',
      '--losses=-1',
      '--latencies',
      '1,a',
      '--strategy',
      'sideways',
      '--states-max',
      '0',
    );
    expect(r.code).toBe(2);
    for (const flag of ['--depth', '--losses', '--latencies', '--strategy', '--states-max'])
      expect(r.err).toContain(flag);
  });

  it('exit 2 on bad fault flags, one line naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--restarts', 'x'], /^parley: --restarts is a whole number, not "x"\n$/],
      [['--partitions', '1', '--partition', 'a,b/q'], /^parley: --partition names "q"/],
      [['--partition', 'a,b/d'], /^parley: --partition goes with --partitions/],
      [['--partitions', '1', '--partition', 'a,,b'], /^parley: --partition is groups of agent ids/],
    ];
    for (const [flags, message] of cases) {
      const r = parley('explore', 'majority-vote-partition', ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    }
    const none = parley('explore', 'two-generals', '--partitions', '1');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(
      /--partitions needs --partition GROUPS: two-generals has no partition fault/,
    );
  });

  it('a violation found with chosen partition timings: the printed run command makes the same trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-explore-'));
    const out = join(dir, 'v.jsonl');
    const r = parley(
      'explore',
      'majority-vote-partition',
      '--set',
      'params.resendsMax=0',
      '--partitions',
      '1',
      '--latencies',
      '1',
      '--out',
      out,
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/partition a,b,c \| d,e ≤ 1 time \(the scenario’s, its timing chosen\)/);
    expect(r.out).toMatch(/tick \d+ the partition starts/);
    const reproduce = /reproduce: npx parley (.*)/.exec(r.out)?.[1];
    expect(reproduce).toMatch(/--partitions 1 --choices/);
    const again = join(dir, 'again.jsonl');
    const run = parley(...(reproduce as string).split(' '), '--trace', again);
    expect(run.code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('parley run refuses --latencies or --losses without --choices (exit 2)', () => {
    const r = parley('run', 'two-generals', '--losses', '1');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--losses only go with --choices/);
  });

  it('Ctrl-C prints what was covered so far and exits 130', async () => {
    const child = spawn(
      process.execPath,
      [
        PARLEY_BIN,
        'explore',
        'majority-vote-partition',
        '--variant',
        'mitigated',
        '--set',
        'params.resendsMax=6',
        '--depth',
        '80',
      ],
      { env: { ...process.env, NO_COLOR: '1' } },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
      // The first progress line: the search is under way.
      if (/explore: \d+ schedules/.test(err)) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(out).toMatch(/interrupted \(Ctrl-C\): \d+ schedules · \d+ distinct states/);
    expect(out).toMatch(/the space is not exhausted/);
  }, 60_000);
});
