/**
 * `parley merge`: the README's commands as written, shards checked whole
 * against their manifests (torn, short, unfinished, corrupt), Parquet
 * shards, and the merged summary equal to the single-machine one.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { merge } from '../../cli/merge.ts';
import { type SweepOptions, sweep } from '../../cli/sweep.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const dir = mkdtempSync(join(tmpdir(), 'parley-merge-'));
const at = (f: string) => join(dir, f);
const text = (f: string) => readFileSync(at(f), 'utf8');
const bytes = (f: string) => readFileSync(at(f));
/** Runs `command` in a shell in `cwd`, with `parley` standing for this checkout's command. */
const shell = (command: string, cwd = dir) => {
  const r = spawnSync(
    '/bin/sh',
    ['-c', command.replace(/^npx parley/, `"${process.execPath}" "${bin}"`)],
    {
      cwd,
      encoding: 'utf8',
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const run = (out: string, o: Partial<SweepOptions> = {}) =>
  sweep('two-generals', {
    vary: [],
    seeds: 5,
    workers: 1,
    set: [],
    quiet: true,
    out: at(out),
    ...o,
  });
/** A copy of `files` (with their manifests) in a folder of their own, to damage. */
const copy = (folder: string, files: string[]) => {
  mkdirSync(at(folder));
  for (const f of files)
    for (const g of [f, `${f}.manifest.json`]) copyFileSync(at(g), at(`${folder}/${g}`));
  return (f: string) => at(`${folder}/${f}`);
};
const quietly = async <T>(f: () => Promise<T>): Promise<{ value: T; err: string }> => {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
    err += String(c);
    return true;
  });
  try {
    return { value: await f(), err };
  } finally {
    spy.mockRestore();
  }
};

describe('parley merge', () => {
  beforeAll(async () => {
    // two-generals' own sweep: 12 grid points x 5 seeds = 60 runs, as 3 CSV shards and 2 Parquet shards.
    await run('single.csv');
    await run('single.parquet');
    for (const i of [1, 2, 3]) await run(`part${i}.csv`, { shard: `${i}/3` });
    for (const i of [1, 2]) await run(`p${i}.parquet`, { shard: `${i}/2` });
  }, 60_000);

  it("joins the README's `merge part*.csv --out all.csv` into the single-machine file and summary, skipping the summaries", () => {
    const r = shell('npx parley merge part*.csv --out all.csv');
    expect(r).toEqual({
      code: 0,
      out: '60 runs merged into all.csv; summary in all.summary.csv\n',
      err: 'merge: skipped 3 files that are summaries or manifests, not shards: part1.summary.csv, part2.summary.csv, part3.summary.csv\n',
    });
    expect(bytes('all.csv').equals(bytes('single.csv'))).toBe(true);
    expect(text('all.summary.csv')).toBe(text('single.summary.csv'));
    expect(text('all.csv.manifest.json')).toBe(text('single.csv.manifest.json'));
  });

  it('skips the manifests a wider glob matches too', async () => {
    const files = readdirSync(dir)
      .filter((f) => f.startsWith('part'))
      .sort()
      .map(at);
    expect(files).toHaveLength(9);
    const { value, err } = await quietly(() => merge(files, at('wide.csv')));
    expect(value).toEqual({ rows: 60, summaryPath: at('wide.summary.csv') });
    expect(err).toBe(
      `merge: skipped 6 files that are summaries or manifests, not shards: ${at('part1.csv.manifest.json')}, ${at('part1.summary.csv')}, ${at('part2.csv.manifest.json')}, ${at('part2.summary.csv')}, …\n`,
    );
    expect(bytes('wide.csv').equals(bytes('single.csv'))).toBe(true);
  });

  it('merges Parquet shards into the bytes of the single-machine Parquet file', () => {
    const r = shell('npx parley merge p1.parquet p2.parquet --out both.parquet');
    expect(r).toEqual({
      code: 0,
      out: '60 runs merged into both.parquet; summary in both.summary.csv\n',
      err: '',
    });
    expect(bytes('both.parquet').equals(bytes('single.parquet'))).toBe(true);
    expect(text('both.summary.csv')).toBe(text('single.summary.csv'));
    expect(text('both.parquet.manifest.json')).toBe(text('single.parquet.manifest.json'));
  });

  it('refuses a torn shard with exit code 2, naming it, and writes nothing', () => {
    const path = copy('torn', ['part1.csv', 'part2.csv', 'part3.csv']);
    truncateSync(path('part2.csv'), statSync(path('part2.csv')).size - 5);
    const m = JSON.parse(readFileSync(`${path('part2.csv')}.manifest.json`, 'utf8'));
    const torn = readFileSync(path('part2.csv'), 'utf8');
    const tail = torn.length - (torn.lastIndexOf('\n') + 1);
    expect(shell('npx parley merge part*.csv --out all.csv', at('torn'))).toEqual({
      code: 2,
      out: '',
      err: `parley: part2.csv does not match its manifest (20 rows, sha256 ${m.complete.sha256.slice(0, 12)}…): it ends before run 58, in a torn line of ${tail} bytes; it was cut or changed after its sweep finished, so run that shard again\n`,
    });
    expect(readdirSync(at('torn')).filter((f) => f.startsWith('all') || f.startsWith('.'))).toEqual(
      [],
    );
  });

  it('refuses a shard cut at a line end, an unfinished shard and an edited one, each by name', async () => {
    const path = copy('cut', ['p1.parquet', 'p2.parquet', 'part1.csv', 'part2.csv', 'part3.csv']);
    const csv = readFileSync(path('part3.csv'), 'utf8');
    writeFileSync(path('part3.csv'), csv.slice(0, csv.lastIndexOf('\n', csv.length - 2) + 1));
    const parts = ['part1.csv', 'part2.csv', 'part3.csv'].map(path);
    const sha = (f: string) =>
      JSON.parse(readFileSync(`${path(f)}.manifest.json`, 'utf8')).complete.sha256.slice(0, 12);
    await expect(merge(parts, path('all.csv'))).rejects.toThrow(
      `${path('part3.csv')} does not match its manifest (20 rows, sha256 ${sha('part3.csv')}…): it ends before run 59; it was cut or changed after its sweep finished, so run that shard again`,
    );
    // A changed value in a whole line: found by the hash.
    writeFileSync(path('part3.csv'), csv.replace('\n2,1,', '\n2,7,'));
    await expect(merge(parts, path('all.csv'))).rejects.toThrow(
      `${path('part3.csv')} does not match its manifest (20 rows, sha256 ${sha('part3.csv')}…): its SHA-256 differs; it was cut or changed after its sweep finished, so run that shard again`,
    );
    const manifest = JSON.parse(readFileSync(`${path('part1.csv')}.manifest.json`, 'utf8'));
    delete manifest.complete;
    writeFileSync(`${path('part1.csv')}.manifest.json`, JSON.stringify(manifest, null, 2));
    await expect(merge(parts, path('all.csv'))).rejects.toThrow(
      `${path('part1.csv')} is unfinished (its manifest records no finished sweep); finish it with its sweep command and --resume`,
    );
    const pq = readFileSync(path('p2.parquet'));
    writeFileSync(path('p2.parquet'), pq.subarray(0, pq.length - 100));
    await expect(
      merge([path('p1.parquet'), path('p2.parquet')], path('all.parquet')),
    ).rejects.toThrow(
      `${path('p2.parquet')} does not match its manifest (30 rows, sha256 ${sha('p2.parquet')}…): its SHA-256 differs; it was cut or changed after its sweep finished, so run that shard again`,
    );
    expect(existsSync(path('all.csv')) || existsSync(path('all.parquet'))).toBe(false);
  });

  it('reports a corrupt manifest in one line with exit code 2', () => {
    const path = copy('corrupt', ['part1.csv', 'part2.csv']);
    const good = readFileSync(`${path('part2.csv')}.manifest.json`, 'utf8');
    writeFileSync(`${path('part2.csv')}.manifest.json`, good.slice(0, 200));
    const line = good.slice(0, 200).split('\n').length;
    expect(shell('npx parley merge part1.csv part2.csv --out all.csv', at('corrupt'))).toEqual({
      code: 2,
      out: '',
      err: `parley: part2.csv.manifest.json:${line}: not a valid manifest (Unexpected end of JSON input); was the file cut or edited?\n`,
    });
  });

  it('refuses a missing shard, a doubled one and a shard of another sweep', async () => {
    await expect(merge([at('part1.csv'), at('part3.csv')], at('x.csv'))).rejects.toThrow(
      '20 of 60 runs are missing (runs 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, …); is a shard absent or unfinished?',
    );
    await expect(
      merge([at('part1.csv'), at('part1.csv'), at('part3.csv')], at('x.csv')),
    ).rejects.toThrow(
      `${at('part1.csv')} and ${at('part1.csv')} are both shard 1/3: its runs would appear twice`,
    );
    await expect(merge([at('part1.csv'), at('part2.csv')], at('nowhere/x.csv'))).rejects.toThrow(
      `--out ${at('nowhere/x.csv')}: no such folder ${at('nowhere')}`,
    );
    mkdirSync(at('folder.csv'));
    await expect(merge([at('folder.csv'), at('part2.csv')], at('x.csv'))).rejects.toThrow(
      `${at('folder.csv')}: not a file`,
    );
    await expect(merge([at('p1.parquet'), at('part2.csv')], at('x.parquet'))).rejects.toThrow(
      `${at('part2.csv')} belongs to a different sweep than ${at('p1.parquet')} (compare their manifests)`,
    );
  });

  it('makes the merged CSV spreadsheet-safe on request, as the same sweep with --spreadsheet-safe', async () => {
    const scenario = at('plans.yaml');
    writeFileSync(
      scenario,
      `${readFileSync(join(import.meta.dirname, '..', '..', 'scenarios', 'catalog', 'two-generals.yaml'), 'utf8').replace(/sweep:[\s\S]*$/, '')}sweep:
  params:
    params.plan: ['=HYPERLINK("http://example.com","x")', "-0.5", "@SUM(1)"]
  seeds: 2
`,
    );
    const o = { vary: [], seeds: 2, workers: 1, set: [], quiet: true };
    await sweep(scenario, { ...o, out: at('plans.csv'), spreadsheetSafe: true });
    for (const i of [1, 2])
      await sweep(scenario, { ...o, out: at(`plans${i}.csv`), shard: `${i}/2` });
    await merge([at('plans1.csv'), at('plans2.csv')], at('plans-merged.csv'), {
      spreadsheetSafe: true,
    });
    expect(text('plans-merged.csv')).toBe(text('plans.csv'));
    expect(text('plans-merged.summary.csv')).toBe(text('plans.summary.csv'));
    expect(text('plans-merged.csv.manifest.json')).toBe(text('plans.csv.manifest.json'));
    expect(
      text('plans.csv')
        .split('\n')
        .slice(1, 4)
        .map((l) => l.split(',').slice(0, 3).join(',')),
    ).toEqual([`0,1,"'=HYPERLINK(""http://example.com""`, '1,1,-0.5', "2,1,'@SUM(1)"]);
    // Without the flag the shard is exact.
    expect(text('plans1.csv').split('\n')[1]).toMatch(
      /^0,1,"=HYPERLINK\(""http:\/\/example.com"",""x""\)",/,
    );
  });
});
