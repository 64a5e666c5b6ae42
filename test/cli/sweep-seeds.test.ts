import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const parley = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const read = (f: string) => readFileSync(f, 'utf8');
const seedsOf = (f: string) =>
  new Set(
    read(f)
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1])),
  );

describe('parley sweep --seeds START:STOP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-seeds-'));
  const first = join(dir, 'first.csv');
  const second = join(dir, 'second.csv');

  it('runs the seeds of the range, so a second sweep adds new seeds; --seeds N is still 1..N', () => {
    expect(parley('sweep', 'two-generals', '--seeds', '3', '--out', first).code).toBe(0);
    expect([...seedsOf(first)]).toEqual([1, 2, 3]);
    expect(parley('sweep', 'two-generals', '--seeds', '4:6', '--out', second).code).toBe(0);
    expect([...seedsOf(second)]).toEqual([4, 5, 6]);
    const m = JSON.parse(read(`${second}.manifest.json`));
    expect(m.grid).toMatchObject({ seeds: 3, seedStart: 4 });
    // A sweep of seeds 1..N keeps the manifest it had before ranges existed.
    expect(JSON.parse(read(`${first}.manifest.json`)).grid.seedStart).toBeUndefined();
  });

  it('shards, merges and resumes a range to the bytes of the whole sweep', () => {
    const parts = [1, 2].map((i) => join(dir, `part${i}.csv`));
    parts.forEach((p, i) => {
      expect(
        parley('sweep', 'two-generals', '--seeds', '4:6', '--shard', `${i + 1}/2`, '--out', p).code,
      ).toBe(0);
    });
    const merged = join(dir, 'merged.csv');
    expect(parley('merge', ...parts, '--out', merged).code).toBe(0);
    expect(read(merged)).toBe(read(second));
    const resumed = join(dir, 'resumed.csv');
    parley('sweep', 'two-generals', '--seeds', '4:6', '--out', resumed, '--stop-after', '5');
    expect(
      parley('sweep', 'two-generals', '--seeds', '4:6', '--out', resumed, '--resume').code,
    ).toBe(0);
    expect(read(resumed)).toBe(read(second));
    // A resume with another range is another sweep.
    const other = parley('sweep', 'two-generals', '--seeds', '5:7', '--out', resumed, '--resume');
    expect(other.code).toBe(2);
  });

  it('refuses to merge two sweeps that differ only by their seeds, saying what to do instead', () => {
    const r = parley('merge', first, second, '--out', join(dir, 'both.csv'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "are two sweeps with seeds 1:3 and 4:6; merge joins the shards of one sweep; concatenate the CSVs yourself or use DuckDB's union",
    );
  });

  it('takes a range from the scenario file (sweep.seeds: "4:6"), and --seeds over it', () => {
    const file = join(dir, 'ranged.yaml');
    const text = read(
      join(import.meta.dirname, '..', '..', 'scenarios', 'catalog', 'two-generals.yaml'),
    );
    writeFileSync(
      file,
      `${text.replace(/\nsweep:[\s\S]*$/, '')}\nsweep:\n  params: {}\n  seeds: "4:6"\n`,
    );
    const out = join(dir, 'ranged.csv');
    expect(parley('sweep', file, '--out', out).code).toBe(0);
    expect([...seedsOf(out)]).toEqual([4, 5, 6]);
    const flag = join(dir, 'ranged-flag.csv');
    expect(parley('sweep', file, '--seeds', '2', '--out', flag).code).toBe(0);
    expect([...seedsOf(flag)]).toEqual([1, 2]);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"4:6"', '"6:4"'));
    const bad = parley('sweep', file, '--out', join(dir, 'never.csv'));
    expect(bad.code).toBe(2);
    const line = readFileSync(file, 'utf8').split('\n').indexOf('  seeds: "6:4"') + 1;
    expect(bad.err).toContain(
      `${file}:${line}:10: sweep.seeds: a range START:STOP needs 1 <= START <= STOP`,
    );
  });

  it('refuses an empty or reversed range with exit code 2', () => {
    for (const bad of ['5:4', '0:3', '1:', 'a:b']) {
      const r = parley('sweep', 'two-generals', '--seeds', bad, '--out', join(dir, 'bad.csv'));
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--seeds ${bad}`);
    }
  });
});
