import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const parley = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const SWEEP = [
  'sweep',
  'lossy-handoff',
  '--seeds',
  '6',
  '--vary',
  'network.dropRatio=0:0.3:0.1',
  '--vary',
  'params.idempotent=false,true',
];
const read = (f: string) => readFileSync(f, 'utf8');

describe('parley sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-sweep-'));
  const one = join(dir, 'one.csv');

  it('writes one tidy row per run, a manifest beside it, and a summary per grid point', () => {
    const { code, out } = parley(...SWEEP, '--workers', '1', '--out', one);
    expect(code).toBe(0);
    const lines = read(one).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'run,seed,network.dropRatio,params.idempotent,stop,tick,events,decided,duplicate-execution,duplicate-execution.met,duplicate-execution.tasks,duplicate-execution.duplicates,termination,termination.met,termination.undecided',
    );
    // 4 loss values x 2 x 6 seeds, interleaved: the first 8 runs cover the grid at seed 1.
    expect(lines).toHaveLength(1 + 48);
    expect(lines.slice(1, 9).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      '0,1,0,false',
      '1,1,0,true',
      '2,1,0.1,false',
      '3,1,0.1,true',
      '4,1,0.2,false',
      '5,1,0.2,true',
      '6,1,0.3,false',
      '7,1,0.3,true',
    ]);
    const manifest = JSON.parse(read(`${one}.manifest.json`));
    expect(manifest).toMatchObject({
      parley: '0.1.0',
      scenario: 'lossy-handoff',
      runs: 48,
      shard: null,
    });
    expect(read(join(dir, 'one.summary.csv')).split('\n')[0]).toMatch(
      /^network\.dropRatio,params\.idempotent,runs,duplicate-execution\.holds,/,
    );
    expect(out).toContain('48 runs in');
  });

  it('gives the same bytes when the command hands its runs over to a thread, as it does with long runs', () => {
    // PARLEY_SWEEP_HANDOVER=1: the main thread stops running runs after its
    // first, as after one longer than half a second, and a thread takes them.
    for (const workers of ['1', '2']) {
      const out = join(dir, `handover${workers}.csv`);
      const r = spawnSync(process.execPath, [bin, ...SWEEP, '--workers', workers, '--out', out], {
        encoding: 'utf8',
        env: { ...process.env, PARLEY_SWEEP_HANDOVER: '1' },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(read(out), `${workers} workers`).toBe(read(one));
    }
  });

  it('gives the same bytes with 2 workers, and with 3 shards merged', () => {
    const two = join(dir, 'two.csv');
    expect(parley(...SWEEP, '--workers', '2', '--out', two).code).toBe(0);
    expect(read(two)).toBe(read(one));
    const parts = [1, 2, 3].map((i) => join(dir, `part${i}.csv`));
    parts.forEach((p, i) => {
      expect(parley(...SWEEP, '--workers', '1', '--shard', `${i + 1}/3`, '--out', p).code).toBe(0);
    });
    const merged = join(dir, 'merged.csv');
    expect(parley('merge', ...parts, '--out', merged)).toMatchObject({
      code: 0,
      out: `48 runs merged into ${merged}; summary in ${join(dir, 'merged.summary.csv')}\n`,
    });
    expect(read(merged)).toBe(read(one));
    expect(read(`${merged}.manifest.json`)).toBe(read(`${one}.manifest.json`));
    expect(read(join(dir, 'merged.summary.csv'))).toBe(read(join(dir, 'one.summary.csv')));
    // A missing shard is found.
    expect(
      parley('merge', parts[0] as string, parts[2] as string, '--out', join(dir, 'x.csv')),
    ).toMatchObject({
      code: 2,
      err: 'parley: 16 of 48 runs are missing (runs 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, …); is a shard absent or unfinished?\n',
    });
  });

  it('resumes an interrupted sweep, even one cut mid-line, to the same file', () => {
    const cut = join(dir, 'cut.csv');
    const stopped = parley(...SWEEP, '--workers', '2', '--out', cut, '--stop-after', '20');
    expect(stopped.code).toBe(130);
    expect(stopped.err).toContain(`sweep: interrupted after 20 of 48 runs; ${cut} holds them.`);
    expect(stopped.err).toContain('resume with: npx parley sweep lossy-handoff --seeds 6');
    // Kill mid-write: half a line at the end.
    truncateSync(cut, statSync(cut).size - 7);
    expect(parley(...SWEEP, '--workers', '2', '--out', cut).code).toBe(2);
    expect(parley(...SWEEP, '--workers', '2', '--out', cut, '--resume').code).toBe(0);
    expect(read(cut)).toBe(read(one));
  });

  it('stops cleanly on Ctrl-C, survives a kill, and resumes both to the same file', async () => {
    const BIG = [
      'sweep',
      'lossy-handoff',
      '--seeds',
      '60',
      '--vary',
      'network.dropRatio=0:0.3:0.1',
      '--vary',
      'params.idempotent=false,true',
      '--workers',
      '1',
    ];
    const whole = join(dir, 'whole.csv');
    expect(parley(...BIG, '--out', whole).code).toBe(0);
    for (const signal of ['SIGINT', 'SIGKILL'] as const) {
      const out = join(dir, `${signal}.csv`);
      const child = spawn(process.execPath, [bin, ...BIG, '--out', out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => {
        err += String(d);
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      // Wait until some rows are written, then interrupt.
      for (let i = 0; i < 400; i++) {
        await new Promise((r) => setTimeout(r, 25));
        let rows = 0;
        try {
          rows = read(out).split('\n').length;
        } catch {}
        if (rows > 20) break;
      }
      child.kill(signal);
      const code = await exited;
      if (signal === 'SIGINT') {
        expect(code).toBe(130);
        expect(err).toContain(
          'sweep: stopping after the runs in progress (Ctrl-C again to stop now)\n',
        );
        expect(err).toMatch(/sweep: interrupted after \d+ of 480 runs/);
        expect(err).toContain(`resume with: npx parley sweep lossy-handoff --seeds 60`);
      }
      const rowsBefore = read(out).split('\n').length;
      expect(rowsBefore).toBeLessThan(481);
      expect(parley(...BIG, '--out', out, '--resume').code).toBe(0);
      expect(read(out)).toBe(read(whole));
    }
  });

  it('refuses bad axes, shards and a resume of a different sweep with exit code 2', () => {
    expect(parley('sweep', 'lossy-handoff', '--vary', 'network.dropRatio')).toMatchObject({
      code: 2,
      err: 'parley: --vary network.dropRatio: expected path=v1,v2,… or path=start:stop:step, got "network.dropRatio"\n',
    });
    expect(
      parley(
        'sweep',
        'lossy-handoff',
        '--vary',
        'network.dropRatio=0,2',
        '--out',
        join(dir, 'y.csv'),
      ).code,
    ).toBe(2);
    expect(parley('sweep', 'lossy-handoff', '--shard', '4/3').err).toContain(
      '--shard 4/3: expected I/N',
    );
    const other = parley('sweep', 'lossy-handoff', '--seeds', '7', '--out', one, '--resume');
    expect(other.code).toBe(2);
    expect(other.err).toContain('was written by a different sweep');
  });

  it('writes Parquet, the same bytes for any worker count, typed columns in DuckDB', async () => {
    const a = join(dir, 'a.parquet');
    const b = join(dir, 'b.parquet');
    expect(parley(...SWEEP, '--workers', '1', '--out', a).code).toBe(0);
    expect(parley(...SWEEP, '--workers', '2', '--out', b).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const types = (await c.runAndReadAll(`describe select * from '${a}'`)).getRowObjects();
    expect(
      Object.fromEntries(types.map((t) => [t['column_name'], t['column_type']])),
    ).toMatchObject({
      run: 'BIGINT',
      seed: 'BIGINT',
      'network.dropRatio': 'DOUBLE',
      'params.idempotent': 'BOOLEAN',
      stop: 'VARCHAR',
      'duplicate-execution.duplicates': 'BIGINT',
    });
    const csv = (
      await c.runAndReadAll(
        `select sum("duplicate-execution.duplicates")::int d from read_csv_auto('${one}')`,
      )
    ).getRowObjects();
    const pq = (
      await c.runAndReadAll(`select sum("duplicate-execution.duplicates")::int d from '${a}'`)
    ).getRowObjects();
    expect(pq).toEqual(csv);
  });

  it('gives the same column types in DuckDB for the Parquet and the CSV of one sweep, an all-empty metric column included', async () => {
    const a = join(dir, 'a.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const typesOf = async (from: string) =>
      (await c.runAndReadAll(`describe select * from ${from}`))
        .getRowObjects()
        .map((t) => `${t['column_name']}:${t['column_type']}`);
    const pq = await typesOf(`'${a}'`);
    expect(pq).toEqual(await typesOf(`read_csv_auto('${one}')`));
    // No run reports termination.undecided: 0 when it holds, so both read it as BIGINT.
    expect(pq).toContain('termination.undecided:BIGINT');
  });

  it('types a metric column by its metric in Parquet, even when no run of the sweep gave it', async () => {
    const r = join(dir, 'raft.parquet');
    // Stopped at tick 5, before any leader: convergence never comes.
    expect(
      parley('sweep', 'raft-election', '--vary', 'limits.ticksMax=5', '--seeds', '2', '--out', r)
        .code,
    ).toBe(0);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const rows = (
      await c.runAndReadAll(
        `select count(*)::int n, count("convergence.ticksToConverge")::int given from '${r}'`,
      )
    ).getRowObjects();
    // The column is empty in every run…
    expect(rows).toEqual([{ n: 2, given: 0 }]);
    const types = (await c.runAndReadAll(`describe select * from '${r}'`)).getRowObjects();
    // …and still typed as the tick it would hold.
    expect(
      types.find((t) => t['column_name'] === 'convergence.ticksToConverge')?.['column_type'],
    ).toBe('BIGINT');
  });

  it('loads in pandas (Debian python3-pandas)', () => {
    const script = [
      'import sys, pandas as pd',
      'df = pd.read_csv(sys.argv[1])',
      'g = df.groupby("params.idempotent")["duplicate-execution.duplicates"].sum()',
      'print(len(df), df["run"].is_monotonic_increasing, int(g[True]), int(g[False]) > 0, str(df["network.dropRatio"].dtype))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', script, one], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('48 True 0 True float64\n');
  });

  it('loads in DuckDB', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const result = await c.runAndReadAll(
      `select "params.idempotent" as keys, sum("duplicate-execution.duplicates")::int as dups, count(*)::int as runs
       from read_csv_auto('${one}') group by all order by keys`,
    );
    const rows = result.getRowObjects();
    expect(rows.map((r) => [r['keys'], r['runs']])).toEqual([
      [false, 24],
      [true, 24],
    ]);
    expect(rows[1]?.['dups']).toBe(0);
    expect(Number(rows[0]?.['dups'])).toBeGreaterThan(0);
    writeFileSync(join(dir, 'done'), '');
  });
});
