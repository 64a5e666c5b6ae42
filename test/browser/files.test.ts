/// <reference types="vite/client" />
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { type CheckSpec, loadScenario, runScenario } from '../../sim/index.ts';
import {
  type Cell,
  columnsOf,
  csvLine,
  type Grid,
  gridRows,
  jsonLine,
} from '../../sim/sweep/index.ts';
import { CATALOG, loadCatalog } from '../../viz/catalog.ts';
import {
  installDropZone,
  type LoadedFile,
  loadDroppedFile,
  loadedSummary,
} from '../../viz/files.ts';
import { lamportView } from '../../viz/views/lamport.ts';
import { lanesView } from '../../viz/views/lanes.ts';
import gossipCsv from '../fixtures/sweeps/gossip-loss-sweep.csv?raw';
import gossipManifest from '../fixtures/sweeps/gossip-loss-sweep.csv.manifest.json?raw';
import gossipParquetUrl from '../fixtures/sweeps/gossip-loss-sweep.parquet?url';
import gossipSummary from '../fixtures/sweeps/gossip-loss-sweep.summary.csv?raw';

const SEED = 2;

afterEach(() => {
  document.body.replaceChildren();
});

/** The error `loadDroppedFile` rejects with, or fails the test. */
async function errorOf(file: File): Promise<Error> {
  try {
    await loadDroppedFile(file);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${file.name} loaded although it is malformed`);
}

/** A sweep of lossy-handoff as `parley sweep` computes it: its columns and rows. */
function sweepOf(grid: Grid): { columns: string[]; rows: Cell[][] } {
  const text = CATALOG.get('lossy-handoff') as string;
  const load = (overrides: readonly string[]) =>
    loadScenario(text, { protocols: PROTOCOLS, schedulers: SCHEDULERS, overrides });
  const checks = load([]).source.checks as CheckSpec[];
  return { columns: columnsOf(grid, checks), rows: gridRows(grid, (o) => load(o).scenario) };
}

const GRID: Grid = {
  axes: [
    { path: 'network.dropRatio', values: [0, 0.2] },
    { path: 'params.idempotent', values: [false, true] },
  ],
  seeds: 2,
};

describe('loading dropped files in the browser', () => {
  it('loads a JSONL trace file with the same hash and records as the run', async () => {
    const { scenario } = loadCatalog('two-phase-commit');
    const { trace } = runScenario(scenario, { seed: SEED });
    const loaded = await loadDroppedFile(new File([trace.toJSONL()], 'run.jsonl'));
    expect(loaded.kind).toBe('trace');
    if (loaded.kind !== 'trace') return;
    const how = `two-phase-commit at seed ${SEED} (?scenario=two-phase-commit&seed=${SEED})`;
    expect(loaded.file).toBe('run.jsonl');
    expect(loaded.trace.hash(), how).toBe(trace.hash());
    expect([...loaded.trace.records()], how).toEqual([...trace.records()]);
    expect(loaded.trace.stop, how).toEqual(trace.stop);
  });

  it('loads a catalogue scenario YAML with the protocol registry', async () => {
    const text = CATALOG.get('lossy-handoff') as string;
    const loaded = await loadDroppedFile(new File([text], 'lossy-handoff.yaml'));
    expect(loaded.kind).toBe('scenario');
    if (loaded.kind !== 'scenario') return;
    expect(loaded.loaded.scenario.name).toBe('lossy-handoff');
    expect(loaded.loaded.scenario.agents.map((a) => a.id)).toEqual(['boss', 'w1', 'w2']);
    expect(loaded.loaded.scenario).toEqual(loadCatalog('lossy-handoff').scenario);
  });

  it('loads a sweep CSV and JSONL in the format of parley sweep, cells typed as written', async () => {
    const sweep = sweepOf(GRID);
    const { columns } = sweep;
    // The last metric column given by no run (as a metric a check did not report is), so one column is all empty.
    const rows = sweep.rows.map((r) => r.map((c, i) => (i === columns.length - 1 ? undefined : c)));
    const csv = `${[csvLine(columns), ...rows.map(csvLine)].join('\n')}\n`;
    expect(csv.split('\n')[0]).toMatch(
      /^run,seed,network\.dropRatio,params\.idempotent,stop,tick,events,decided,duplicate-execution,/,
    );
    const fromCsv = await loadDroppedFile(new File([csv], 'lossy-handoff-sweep.csv'));
    expect(fromCsv).toEqual({
      kind: 'sweep',
      file: 'lossy-handoff-sweep.csv',
      format: 'csv',
      columns,
      rows,
    } satisfies LoadedFile);
    const jsonl = rows.map((r) => `${jsonLine(columns, r)}\n`).join('');
    const fromJsonl = await loadDroppedFile(new File([jsonl], 'lossy-handoff-sweep.jsonl'));
    // JSONL leaves absent cells out, so a column no row has a value in cannot come back.
    const kept = columns.flatMap((_, i) => (rows.some((r) => r[i] !== undefined) ? [i] : []));
    expect(kept.length).toBeLessThan(columns.length);
    expect(fromJsonl).toEqual({
      kind: 'sweep',
      file: 'lossy-handoff-sweep.jsonl',
      format: 'jsonl',
      columns: kept.map((i) => columns[i] as string),
      rows: rows.map((r) => kept.map((i) => r[i])),
    } satisfies LoadedFile);
  });

  it('reads RFC 4180 quoting: commas, doubled quotes and line breaks inside quoted fields', async () => {
    const csv =
      'run,seed,params.label,stop,tick\n0,1,"a, ""b""\nc",allDecided,4\n1,1,plain,quiescent,5\n';
    const loaded = await loadDroppedFile(new File([csv], 'quoted.csv'));
    expect(loaded.kind === 'sweep' && loaded.rows).toEqual([
      [0, 1, 'a, "b"\nc', 'allDecided', 4],
      [1, 1, 'plain', 'quiescent', 5],
    ]);
  });

  it('reads a Parquet sweep of parley sweep with the columns and cells of its CSV, whole numbers as numbers', async () => {
    const bytes = await (await fetch(gossipParquetUrl)).arrayBuffer();
    const fromParquet = await loadDroppedFile(new File([bytes], 'gossip-loss-sweep.parquet'));
    const fromCsv = await loadDroppedFile(new File([gossipCsv], 'gossip-loss-sweep.csv'));
    if (fromParquet.kind !== 'sweep' || fromCsv.kind !== 'sweep')
      throw new Error('the fixtures did not load as sweeps');
    expect(fromParquet.format).toBe('parquet');
    expect(fromParquet.columns).toEqual(fromCsv.columns);
    expect(fromParquet.rows).toEqual(fromCsv.rows);
    expect(fromParquet.rows).toHaveLength(90);
    // hyparquet gives INT64 as BigInt: the page has numbers, as from the CSV.
    const types = new Set(fromParquet.rows.flatMap((r) => r.map((c) => typeof c)));
    expect(types).not.toContain('bigint');
    expect(types).toContain('number');
    // Known by its bytes (PAR1) under any name.
    const renamed = await loadDroppedFile(new File([bytes], 'rows.bin'));
    expect(renamed.kind === 'sweep' && renamed.rows).toEqual(fromCsv.rows);
  });

  it('says a broken Parquet file is not readable Parquet, not a YAML error', async () => {
    const bytes = new Uint8Array([0x50, 0x41, 0x52, 0x31, 0, 1, 2, 0x50, 0x41, 0x52, 0x31]);
    const message = (await errorOf(new File([bytes], 'sweep.parquet'))).message;
    expect(message).toMatch(/^sweep\.parquet: not a readable Parquet file \(/);
    expect(message).not.toMatch(/YAML|scenario/);
  });

  it('reads a sweep manifest, and says what a summary file is', async () => {
    const loaded = await loadDroppedFile(
      new File([gossipManifest], 'gossip-loss-sweep.csv.manifest.json'),
    );
    expect(loaded.kind).toBe('sweep-manifest');
    if (loaded.kind !== 'sweep-manifest') return;
    expect(loaded.manifest).toEqual(JSON.parse(gossipManifest));
    expect(loaded.manifest.scenario).toBe('gossip-loss');
    expect(loaded.manifest.variant).toBe('mitigated');
    expect(loaded.manifest.overrides).toEqual(['params.roundsMax=5']);
    // Renamed, it is still known by its fields.
    expect((await loadDroppedFile(new File([gossipManifest], 'm.json'))).kind).toBe(
      'sweep-manifest',
    );
    const cut = gossipManifest.replace('"overrides": [', '"overrides": 3, "x": [');
    expect((await errorOf(new File([cut], 'g.csv.manifest.json'))).message).toBe(
      'g.csv.manifest.json: not a sweep manifest: "overrides" should be a list of path=value',
    );
    expect((await errorOf(new File([gossipSummary], 'g.summary.csv'))).message).toBe(
      "g.summary.csv: a sweep's summary: the page draws a sweep from its rows; drop the rows file beside it (g.csv, .jsonl or .parquet) and its manifest",
    );
  });

  it('names the file and the line of a malformed trace, scenario or sweep', async () => {
    const { trace } = runScenario(loadCatalog('two-generals').scenario, { seed: SEED });
    const lines = trace.toJSONL().split('\n');
    lines[2] = (lines[2] as string).slice(0, 15);
    expect((await errorOf(new File([lines.join('\n')], 'cut.jsonl'))).message).toMatch(
      /^cut\.jsonl:3:16: not a JSON line/,
    );
    const wrongHash = trace.toJSONL().replace(trace.hash(), 'f'.repeat(64));
    expect((await errorOf(new File([wrongHash], 'edited.jsonl'))).message).toMatch(
      new RegExp(`^edited\\.jsonl:${trace.length + 2}:1: the end line's hash`),
    );

    const yaml = (CATALOG.get('lossy-handoff') as string).replace(
      'dropRatio: 0.2',
      'dropRatio: lots',
    );
    const dropLine = yaml.split('\n').findIndex((l) => l.includes('dropRatio: lots')) + 1;
    expect((await errorOf(new File([yaml], 'bad.yaml'))).message).toMatch(
      new RegExp(`^bad\\.yaml:${dropLine}:\\d+: network\\.dropRatio: `),
    );

    const { columns, rows } = sweepOf({ ...GRID, seeds: 1 });
    const csv = [csvLine(columns), ...rows.map(csvLine)];
    csv[3] = (csv[3] as string).split(',').slice(0, -2).join(',');
    expect((await errorOf(new File([csv.join('\n')], 'short.csv'))).message).toBe(
      `short.csv:4:1: ${columns.length - 2} fields where the header has ${columns.length}`,
    );
    const unclosed = `${csvLine(columns)}\n0,1,"0.2,true\n`;
    expect((await errorOf(new File([unclosed], 'open.csv'))).message).toBe(
      'open.csv:2:5: a quoted field is never closed',
    );
    const jsonl = rows.map((r) => jsonLine(columns, r));
    jsonl[1] = `${(jsonl[1] as string).slice(0, -1)},}`;
    expect((await errorOf(new File([jsonl.join('\n')], 'rows.jsonl'))).message).toMatch(
      new RegExp(`^rows\\.jsonl:2:${(jsonl[1] as string).length}: not a JSON line`),
    );
  });

  it('shows an agent id holding markup as text: no img element is created', async () => {
    const id = '<img src=x onerror=alert(1)>';
    const text = (CATALOG.get('lossy-handoff') as string).replace(
      '{ id: w1 }',
      `{ id: ${JSON.stringify(id)} }`,
    );
    const { scenario } = loadScenario(text, { protocols: PROTOCOLS, schedulers: SCHEDULERS });
    const { trace } = runScenario(scenario, { seed: SEED });
    expect(trace.agentIds).toContain(id);
    const loaded = await loadDroppedFile(new File([trace.toJSONL()], 'markup.jsonl'));
    if (loaded.kind !== 'trace') throw new Error('markup.jsonl did not load as a trace');
    expect(loaded.trace.hash()).toBe(trace.hash());
    const summary = loadedSummary(loaded);
    document.body.append(
      summary,
      lamportView(loaded.trace, { width: 800 }).element,
      lanesView(loaded.trace, { width: 800 }).element,
      loadedSummary(await loadDroppedFile(new File([text], 'markup.yaml'))),
    );
    expect(summary.textContent).toContain(id);
    expect(document.querySelectorAll('img')).toHaveLength(0);
  });

  it('loads files dropped on the drop zone or picked with its input, and reports errors', async () => {
    const target = document.createElement('div');
    document.body.append(target);
    const loaded: LoadedFile[] = [];
    const errors: Error[] = [];
    const done = () =>
      new Promise<void>((resolve) => {
        const wait = () => (loaded.length + errors.length >= 2 ? resolve() : setTimeout(wait, 5));
        wait();
      });
    const zone = installDropZone(
      target,
      (f) => loaded.push(f),
      (e) => errors.push(e),
    );
    const dt = new DataTransfer();
    dt.items.add(new File([CATALOG.get('two-generals') as string], 'two-generals.yaml'));
    dt.items.add(new File(['run,seed,stop\n0,1\n'], 'broken.csv'));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true }));
    await done();
    expect(loaded.map((f) => [f.kind, f.file])).toEqual([['scenario', 'two-generals.yaml']]);
    expect(errors.map((e) => e.message)).toEqual([
      'broken.csv:2:1: 2 fields where the header has 3',
    ]);
    const picked = new DataTransfer();
    picked.items.add(new File([CATALOG.get('two-generals') as string], 'picked.yaml'));
    zone.input.files = picked.files;
    zone.input.dispatchEvent(new Event('change'));
    await new Promise<void>((resolve) => {
      const wait = () => (loaded.length >= 2 ? resolve() : setTimeout(wait, 5));
      wait();
    });
    expect(loaded.map((f) => f.file)).toEqual(['two-generals.yaml', 'picked.yaml']);
    expect(zone.picker.contains(zone.input)).toBe(true);
    zone.dispose();
  });
});
