import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineReader, readManifest } from '../../cli/sweep-files.ts';
import {
  cellsOfCsvLine,
  csvLine,
  csvLineSafe,
  metricColumnsOf,
  parseAxis,
  parseCsvLine,
  quantile,
  runOfLine,
  shardRunAt,
  shardRunsOf,
  spreadsheetSafe,
  summarize,
  summaryBuilder,
} from '../../sim/sweep/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-sweep-files-'));

describe('the streaming line reader', () => {
  // Rows longer than the chunks, with two- and three-byte characters, so lines and characters straddle chunk boundaries.
  const lines = ['run,seed,params.plan', '0,1,"attack, at dawn"', '1,1,é→ü', '2,1,'];
  const file = join(dir, 'rows.csv');
  const text = `${lines.join('\n')}\n3,1,tor`;
  writeFileSync(file, text);

  for (const chunkBytes of [1, 3, 7, 64]) {
    it(`returns every whole line read ${chunkBytes} bytes at a time, and reports the torn tail`, () => {
      const reader = new LineReader(file, chunkBytes);
      const got: string[] = [];
      for (let l = reader.next(); l !== undefined; l = reader.next()) got.push(l);
      expect(got).toEqual(lines);
      expect(reader.lineNumber).toBe(4);
      expect(reader.wholeBytes).toBe(Buffer.byteLength(`${lines.join('\n')}\n`));
      expect(reader.tailBytes).toBe(7);
      expect(reader.hash.digest('hex')).toBe(
        createHash('sha256').update(readFileSync(file)).digest('hex'),
      );
    });
  }

  it('reports no tail for a file that ends with a newline', () => {
    const whole = join(dir, 'whole.jsonl');
    writeFileSync(whole, '{"run":0}\n{"run":1}\n');
    const reader = new LineReader(whole, 4);
    expect([reader.next(), reader.next(), reader.next()]).toEqual([
      '{"run":0}',
      '{"run":1}',
      undefined,
    ]);
    expect(reader.tailBytes).toBe(0);
  });
});

describe('sweep rows', () => {
  it('reads the run id at the start of a CSV or JSONL row, and nothing from a torn or foreign line', () => {
    expect(runOfLine('csv', '12,3,0.1')).toBe(12);
    expect(runOfLine('jsonl', '{"run":12,"seed":3}')).toBe(12);
    expect(runOfLine('csv', 'run,seed')).toBeUndefined();
    expect(runOfLine('jsonl', '{"seed":3,"run":12}')).toBeUndefined();
  });

  it('numbers the runs of a shard', () => {
    expect(shardRunsOf(10, { index: 1, count: 3 })).toBe(4);
    expect(shardRunsOf(10, { index: 3, count: 3 })).toBe(3);
    expect(shardRunsOf(2, { index: 3, count: 3 })).toBe(0);
    expect(shardRunsOf(10, undefined)).toBe(10);
    expect([0, 1, 2].map((k) => shardRunAt(k, { index: 2, count: 3 }))).toEqual([1, 4, 7]);
  });

  it('neutralises formulas for spreadsheets, but leaves numbers such as -0.5 as numbers', () => {
    const cells = [
      -0.5,
      '-0.5',
      '=HYPERLINK("http://x","y")',
      '+1',
      '-x',
      '@SUM(A1)',
      '\tx',
      '\rx',
      'plain',
      1e-7,
      '+5e3',
    ];
    expect(csvLineSafe(cells)).toBe(
      `-0.5,-0.5,"'=HYPERLINK(""http://x"",""y"")",+1,'-x,'@SUM(A1),'\tx,"'\rx",plain,1e-7,+5e3`,
    );
    expect(csvLine(cells)).toBe(
      `-0.5,-0.5,"=HYPERLINK(""http://x"",""y"")",+1,-x,@SUM(A1),"\tx","\rx",plain,1e-7,+5e3`,
    );
    expect(spreadsheetSafe('=1+2')).toBe("'=1+2");
    expect(spreadsheetSafe("'=1+2")).toBe("'=1+2");
    // A safe line reads back with its quotes, and makes the same line again.
    const safe = csvLineSafe(cells);
    expect(csvLineSafe(parseCsvLine(safe))).toBe(csvLineSafe(parseCsvLine(csvLine(cells))));
  });

  it('reads CSV cells back with numbers as numbers and empty cells as no value', () => {
    expect(cellsOfCsvLine('3,1,"a, b",,-0.5,true')).toEqual([
      3,
      1,
      'a, b',
      undefined,
      -0.5,
      'true',
    ]);
  });
});

describe('axes', () => {
  it('splits --vary values only at top-level commas', () => {
    expect(parseAxis('params.plan="attack, at dawn",retreat')).toEqual({
      path: 'params.plan',
      values: ['attack, at dawn', 'retreat'],
    });
    expect(
      parseAxis('network.latency={kind: constant, ticks: 1},{kind: constant, ticks: 2}'),
    ).toEqual({
      path: 'network.latency',
      values: [
        { kind: 'constant', ticks: 1 },
        { kind: 'constant', ticks: 2 },
      ],
    });
    expect(parseAxis('x=[1,2],[3]')).toEqual({ path: 'x', values: [[1, 2], [3]] });
    expect(parseAxis('x=0.1,true,text with spaces')).toEqual({
      path: 'x',
      values: [0.1, true, 'text with spaces'],
    });
    expect(parseAxis('x=0:0.3:0.1')).toEqual({ path: 'x', values: [0, 0.1, 0.2, 0.3] });
  });

  it('says what is wrong with values it cannot read', () => {
    expect(parseAxis('x=1,,2')).toBe(
      'cannot read "1,,2" as a list of values: Unexpected , in flow sequence (column 3 of the values); quote a value that holds a comma, a bracket or " #"',
    );
    expect(parseAxis('x= ')).toBe('no values for x');
  });
});

describe('the streamed summary', () => {
  it('gives the summary of all rows, added one at a time', () => {
    const columns = [
      'run',
      'seed',
      'p',
      'stop',
      'tick',
      'events',
      'decided',
      'agreement',
      'agreement.met',
    ];
    const rows = [
      [0, 1, 'a', 'quiet', 10, 4, 2, 'holds', true],
      [1, 1, 'b', 'quiet', 20, 6, 2, 'fails', false],
      [2, 2, 'a', 'quiet', 30, 8, 2, 'fails', false],
      [3, 2, 'b', 'quiet', 40, 10, 2, 'holds', true],
      [4, 3, 'a', 'quiet', 50, 12, 2, 'holds', true],
    ];
    const b = summaryBuilder(columns, 1, ['agreement']);
    for (const r of rows) b.add(r);
    const s = b.result();
    expect(s).toEqual(summarize(columns, rows, 1, ['agreement']));
    expect(s.columns).toEqual([
      'p',
      'runs',
      'agreement.holds',
      'agreement.holds.low95',
      'agreement.holds.high95',
      'tick.mean',
      'tick.p10',
      'tick.p50',
      'tick.p90',
      'events.mean',
      'events.p10',
      'events.p50',
      'events.p90',
    ]);
    expect(s.rows).toEqual([
      ['a', 3, 0.6667, 0.2077, 0.9385, 30, 14, 30, 46, 8, 4.8, 8, 11.2],
      ['b', 2, 0.5, 0.0945, 0.9055, 30, 22, 30, 38, 8, 6.4, 8, 9.6],
    ]);
  });
});

describe('the summary of metric columns', () => {
  it('gives the mean beside p50 and p90 of each numeric check metric, empty when no run reported it', () => {
    const columns = [
      'run',
      'seed',
      'stop',
      'tick',
      'events',
      'decided',
      'duplicate-execution',
      'duplicate-execution.met',
      'duplicate-execution.tasks',
      'duplicate-execution.duplicates',
    ];
    expect(metricColumnsOf(columns, ['duplicate-execution'])).toEqual([
      'duplicate-execution.tasks',
      'duplicate-execution.duplicates',
    ]);
    const rows = [0, 1, 2, 3].map((i) => [
      i,
      i + 1,
      'quiet',
      10,
      5,
      1,
      'holds',
      true,
      undefined,
      i,
    ]);
    const s = summarize(columns, rows, 0, ['duplicate-execution']);
    expect(s.columns.slice(-6)).toEqual([
      'duplicate-execution.tasks.mean',
      'duplicate-execution.tasks.p50',
      'duplicate-execution.tasks.p90',
      'duplicate-execution.duplicates.mean',
      'duplicate-execution.duplicates.p50',
      'duplicate-execution.duplicates.p90',
    ]);
    expect(s.columns).toContain('tick.mean');
    expect(s.rows[0]?.slice(-6)).toEqual([undefined, undefined, undefined, 1.5, 1.5, 2.7]);
  });
});

describe('the streamed summary, counted', () => {
  it('gives the quantiles of the sorted values from counts of repeated ticks and events', () => {
    const columns = [
      'run',
      'seed',
      'stop',
      'tick',
      'events',
      'decided',
      'termination',
      'termination.met',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -3, max: 3 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (runs) => {
          const b = summaryBuilder(columns, 0, ['termination']);
          runs.forEach(([tick, events], i) => {
            b.add([i, 1, 'quiet', tick, events, 1, i % 3 === 0 ? 'holds' : 'fails', true]);
          });
          const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
          const ticks = sorted(runs.map((r) => r[0]));
          const events = sorted(runs.map((r) => r[1]));
          const round = (x: number) => Number(x.toFixed(4));
          const mean = (xs: number[]) => round(xs.reduce((a, x) => a + x, 0) / xs.length);
          const q = (xs: number[]) => [
            mean(xs),
            ...[0.1, 0.5, 0.9].map((p) => round(quantile(xs, p))),
          ];
          expect(b.result().rows[0]?.slice(-8)).toEqual([...q(ticks), ...q(events)]);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('manifests', () => {
  it('names the line of a corrupt manifest, and a field that is wrong', () => {
    const cut = join(dir, 'cut.manifest.json');
    writeFileSync(cut, '{\n  "parley": "0.1.0",\n  "runs": 60\n  "shard": null\n}\n');
    expect(() => readManifest(cut)).toThrow(
      `${cut}:4:3: not a valid manifest (Expected ',' or '}' after property value); was the file cut or edited?`,
    );
    const wrong = join(dir, 'wrong.manifest.json');
    writeFileSync(wrong, '{"parley": "0.1.0", "scenario": "x", "scenarioHash": "h", "runs": "60"}');
    expect(() => readManifest(wrong)).toThrow(
      `${wrong}: not a valid manifest: "runs" should be a whole number`,
    );
  });
});
