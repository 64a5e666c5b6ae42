/**
 * What a sweep accepts: flags checked before any file is written, values
 * of sweep.params used as they are, --vary split at top-level commas only,
 * --spreadsheet-safe, and a word about a large sweep before it starts.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type SweepOptions, sweep } from '../../cli/sweep.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const dir = mkdtempSync(join(tmpdir(), 'parley-sweep-input-'));
const at = (f: string) => join(dir, f);
const text = (f: string) => readFileSync(at(f), 'utf8');
const catalog = join(import.meta.dirname, '..', '..', 'scenarios', 'catalog');
const base = { vary: [] as string[], workers: 1, set: [] as string[], quiet: true };
const generals = readFileSync(join(catalog, 'two-generals.yaml'), 'utf8').replace(
  /sweep:[\s\S]*$/,
  '',
);
const scenario = at('plans.yaml');
writeFileSync(
  scenario,
  `${generals}sweep:
  params:
    params.plan: ["attack, at dawn", '=HYPERLINK("http://example.com","x")', "-0.5"]
    network.latency: [{ kind: constant, ticks: 1 }, { kind: uniform, ticksMin: 1, ticksMax: 3 }]
  seeds: 2
`,
);
const captured = async <T>(f: () => Promise<T>): Promise<{ value: T; err: string }> => {
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

describe('sweep input', () => {
  it('refuses --workers abc with exit code 2 and one line, leaving no file', () => {
    const empty = at('empty');
    mkdirSync(empty);
    const r = spawnSync(
      process.execPath,
      [bin, 'sweep', 'two-generals', '--seeds', '5', '--workers', 'abc', '--out', 'x.csv'],
      { cwd: empty, encoding: 'utf8' },
    );
    expect({ code: r.status, out: r.stdout, err: r.stderr }).toEqual({
      code: 2,
      out: '',
      err: 'parley: --workers abc: a whole number from 1 to 1024\n',
    });
    expect(readdirSync(empty)).toEqual([]);
  });

  it('checks every flag before it writes a file', async () => {
    const out = at('flags.csv');
    const cases: [Partial<SweepOptions>, string][] = [
      [{ workers: '0' }, '--workers 0: a whole number from 1 to 1024'],
      [{ workers: '2.5' }, '--workers 2.5: a whole number from 1 to 1024'],
      [{ seeds: 'ten' }, '--seeds ten: a whole number of at least 1'],
      [{ seeds: '0' }, '--seeds 0: a whole number of at least 1'],
      [{ stopAfter: '-1' }, '--stop-after -1: a whole number of at least 1'],
      [{ shard: '0/2' }, '--shard 0/2: expected I/N with 1 <= I <= N, e.g. --shard 2/3'],
      [
        { out: at('flags-nodir/x.csv') },
        `--out ${at('flags-nodir/x.csv')}: no such folder ${at('flags-nodir')}`,
      ],
      [
        { out: at('flags.xlsx') },
        `--out ${at('flags.xlsx')}: the format comes from the extension: .csv, .jsonl or .parquet`,
      ],
    ];
    for (const [flags, message] of cases)
      await expect(sweep('two-generals', { ...base, out, ...flags })).rejects.toThrow(message);
    expect(readdirSync(dir).filter((f) => f.startsWith('flags'))).toEqual([]);
  });

  it("refuses an --out whose summary would replace another sweep's", async () => {
    await sweep('two-generals', { ...base, seeds: 1, out: at('twin.csv') });
    await expect(
      sweep('two-generals', { ...base, seeds: 2, out: at('twin.jsonl') }),
    ).rejects.toThrow(
      `--out ${at('twin.jsonl')}: its summary ${at('twin.summary.csv')} would replace the summary of ${at('twin.csv')}, another sweep; choose another --out`,
    );
    expect(existsSync(at('twin.jsonl.manifest.json'))).toBe(false);
    // The same sweep in another format has the same summary.
    expect(await sweep('two-generals', { ...base, seeds: 1, out: at('twin.jsonl') })).toEqual({
      interrupted: false,
    });
  });

  it("uses the values of a scenario's sweep.params as they are: strings with commas, objects", async () => {
    await sweep(scenario, { ...base, out: at('plans.jsonl') });
    const rows = text('plans.jsonl')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    // 3 plans x 2 latencies x 2 seeds.
    expect(rows).toHaveLength(12);
    expect(rows.slice(0, 6).map((r) => [r['params.plan'], r['network.latency']])).toEqual([
      ['attack, at dawn', { kind: 'constant', ticks: 1 }],
      ['attack, at dawn', { kind: 'uniform', ticksMin: 1, ticksMax: 3 }],
      ['=HYPERLINK("http://example.com","x")', { kind: 'constant', ticks: 1 }],
      ['=HYPERLINK("http://example.com","x")', { kind: 'uniform', ticksMin: 1, ticksMax: 3 }],
      ['-0.5', { kind: 'constant', ticks: 1 }],
      ['-0.5', { kind: 'uniform', ticksMin: 1, ticksMax: 3 }],
    ]);
    expect(text('plans.summary.csv').split('\n')[1]).toMatch(
      /^"attack, at dawn","\{""kind"":""constant"",""ticks"":1\}",2,/,
    );
  });

  it('splits --vary only at top-level commas, and quotes such values in the resume command it prints', () => {
    const vary = [
      '--vary',
      'params.plan="attack, at dawn",retreat',
      '--vary',
      'network.latency={kind: constant, ticks: 1}',
    ];
    const stopped = spawnSync(
      process.execPath,
      [
        bin,
        'sweep',
        'two-generals',
        ...vary,
        '--seeds',
        '1',
        '--workers',
        '1',
        '--out',
        'vary.csv',
        '--stop-after',
        '1',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(stopped.status).toBe(130);
    const hint = stopped.stderr.trimEnd().split('\n').at(-1) as string;
    expect(hint).toBe(
      `resume with: npx parley sweep two-generals --vary 'params.plan="attack, at dawn",retreat' --vary 'network.latency={kind: constant, ticks: 1}' --seeds 1 --workers 1 --out vary.csv --resume`,
    );
    const resumed = spawnSync(
      '/bin/sh',
      ['-c', hint.replace('resume with: npx parley', `"${process.execPath}" "${bin}"`)],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(
      text('vary.csv')
        .trimEnd()
        .split('\n')
        .map((l) => l.split(',"{')[0]),
    ).toEqual([
      'run,seed,params.plan,network.latency,stop,tick,events,decided,agreement,agreement.met,agreement.values,termination,termination.met,termination.undecided',
      '0,1,"attack, at dawn"',
      '1,1,retreat',
    ]);
  });

  it('writes CSV exactly by default, and neutralises formulas with --spreadsheet-safe, numbers left as numbers', async () => {
    await sweep(scenario, { ...base, out: at('exact.csv') });
    await sweep(scenario, { ...base, out: at('safe.csv'), spreadsheetSafe: true });
    const cells = (f: string) =>
      text(f)
        .split('\n')
        .slice(3, 6)
        .map((l) => l.split(',"{')[0]);
    expect(cells('exact.csv')).toEqual([
      '2,1,"=HYPERLINK(""http://example.com"",""x"")"',
      '3,1,"=HYPERLINK(""http://example.com"",""x"")"',
      '4,1,-0.5',
    ]);
    expect(cells('safe.csv')).toEqual([
      `2,1,"'=HYPERLINK(""http://example.com"",""x"")"`,
      `3,1,"'=HYPERLINK(""http://example.com"",""x"")"`,
      '4,1,-0.5',
    ]);
    expect(text('safe.summary.csv').split('\n')[3]).toMatch(/^"'=HYPERLINK\(/);
    expect(JSON.parse(text('safe.csv.manifest.json')).spreadsheetSafe).toBe(true);
    // A resume must use the same policy: the file is another sweep's otherwise.
    await expect(sweep(scenario, { ...base, out: at('safe.csv'), resume: true })).rejects.toThrow(
      `${at('safe.csv')} was written by a different sweep`,
    );
    const help = spawnSync(process.execPath, [bin, 'sweep', '--help'], { encoding: 'utf8' }).stdout;
    expect(help).toContain('--spreadsheet-safe');
    expect(help).toContain('CSV, JSONL and Parquet hold the values exactly as they are');
  });

  it('says how large a sweep is before it starts, and more above 100,000 runs', async () => {
    const { value, err } = await captured(() =>
      sweep('two-generals', {
        ...base,
        quiet: false,
        vary: ['network.dropRatio=0:0.99:0.01'],
        seeds: 1001,
        stopAfter: 1,
        out: at('large.csv'),
      }),
    );
    expect(value).toEqual({ interrupted: true });
    expect(err.split('\n').slice(0, 2)).toEqual([
      'sweep: 100100 runs (100 grid points × 1001 seeds)',
      'sweep: a large sweep: 100100 runs (100 grid points × 1001 seeds), more than 100000; Ctrl-C stops it after the runs in progress and --resume continues it',
    ]);
  });
});
