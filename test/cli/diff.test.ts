import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNamed } from '../../cli/catalog.ts';
import { runScenario } from '../../sim/index.ts';
import { parley } from '../fixtures/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-diff-'));

/** Writes the trace of `name` at `seed` to DIR/FILE and returns its path and text. */
function traceFile(file: string, name: string, seed: number): { path: string; text: string } {
  const { scenario } = loadNamed(name);
  const text = runScenario(scenario, { seed }).trace.toJSONL();
  const path = join(dir, file);
  writeFileSync(path, text);
  return { path, text };
}

const g2 = traceFile('g2.jsonl', 'two-generals', 2);
const g3 = traceFile('g3.jsonl', 'two-generals', 3);

describe('parley diff of two trace files', () => {
  it('says two copies of one trace are identical, with the hash, and exits 0', () => {
    const copy = join(dir, 'g2-copy.jsonl');
    writeFileSync(copy, g2.text);
    const r = parley('diff', g2.path, copy);
    expect(r.code, r.err).toBe(0);
    const hash = JSON.parse(g2.text.trimEnd().split('\n').at(-1) as string).hash as string;
    expect(r.out).toContain(`identical: every line is the same, hash ${hash}\n`);
    expect(r.out).toContain('no verdict changed');
    expect(r.out.split('\n').filter((l) => l.startsWith('  ≠'))).toEqual([]);
    expect(JSON.parse(parley('diff', g2.path, copy, '--json').out)).toMatchObject({
      identical: true,
      firstDifference: null,
      verdicts: [],
    });
  });

  it('gives two-generals seeds 2 and 3 first differing at seq 9, each record labelled by its file, and exits 1', () => {
    // reproduce: npx parley diff two-generals --seed 2 --seed-b 3
    const r = parley('diff', g2.path, g3.path);
    expect(r.code, r.err).toBe(1);
    const lines = r.out.split('\n');
    expect(lines).toContain('the runs differ');
    expect(lines).toContain('manifest differs at: seed');
    const at = lines.indexOf('first differing record: seq 9');
    expect(at, r.out).toBeGreaterThan(0);
    const w = g2.path.length;
    expect(lines.slice(at + 1, at + 3)).toEqual([
      `  A  ${g2.path.padEnd(w)}  tick 2: {"seq":9,"tick":2,"kind":"deliver","agent":"beta","peer":"alpha","msg":0,"cause":3}`,
      `  B  ${g3.path.padEnd(w)}  tick 1: {"seq":9,"tick":1,"kind":"deliver","agent":"beta","peer":"alpha","msg":0,"cause":3}`,
    ]);
    // The records are the files' own lines.
    expect(g2.text.split('\n')[10]).toBe(
      '{"seq":9,"tick":2,"kind":"deliver","agent":"beta","peer":"alpha","msg":0,"cause":3}',
    );
    expect(g3.text.split('\n')[10]).toBe(
      '{"seq":9,"tick":1,"kind":"deliver","agent":"beta","peer":"alpha","msg":0,"cause":3}',
    );
  });

  it('refuses a cut trace with exit 2 and file:line:column, in one line', () => {
    const cut = join(dir, 'cut.jsonl');
    const lines = g3.text.split('\n');
    writeFileSync(cut, `${lines.slice(0, 12).join('\n')}\n`);
    const r = parley('diff', g2.path, cut);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `parley: ${cut}:12:${(lines[11] as string).length + 1}: the trace ends at line 12 without its end line: the file was cut short\n`,
    );
  });

  it('refuses an edited trace with exit 2 and the line of its end', () => {
    const edited = join(dir, 'edited.jsonl');
    writeFileSync(
      edited,
      g3.text.replace('"tick":1,"kind":"deliver"', '"tick":2,"kind":"deliver"'),
    );
    const r = parley('diff', edited, g2.path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^parley: ${edited}:\\d+:\\d+: .*hash`));
    expect(r.err.split('\n')).toHaveLength(2);
  });

  it('says a missing file in one line and exits 2', () => {
    const missing = join(dir, 'missing.jsonl');
    const r = parley('diff', g2.path, missing);
    expect(r).toEqual({ code: 2, out: '', err: `parley: no such file: ${missing}\n` });
  });

  it('refuses scenario options beside two files, and one trace alone', () => {
    expect(parley('diff', g2.path, g3.path, '--seed-b', '4')).toMatchObject({
      code: 2,
      err: 'parley: --seed-b: for a scenario run twice; two trace files are compared as they are\n',
    });
    const alone = parley('diff', g2.path);
    expect(alone.code).toBe(2);
    expect(alone.err).toContain('one trace alone; compare two: parley diff A.jsonl B.jsonl');
  });
});

describe('parley diff of a scenario run twice', () => {
  it('shows confused-deputy-db mitigated turning destructive-action from fails to holds, and exits 1', () => {
    // The scenario's check expects the failure; its variant mitigated sets checks.0.expect=holds,
    // and both runs meet their expectation at the documented seed 3.
    const r = parley('diff', 'confused-deputy-db', '--variant', 'mitigated');
    expect(r.code, r.err).toBe(1);
    const lines = r.out.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'A  default            confused-deputy-db · seed 3 · 9 records · stopped at tick 1 (quiescent)',
      'B  variant mitigated  confused-deputy-db · seed 3 · 9 records · stopped at tick 1 (quiescent)',
      'the runs differ',
      'manifest differs at: spec.checks.0.expect, spec.trust.mitigations',
    ]);
    expect(lines).toContain('verdicts that changed:');
    expect(lines).toContain('  destructive-action: fails → holds');
    expect(lines).toContain('  ≠ destructive-action.destructive  1          0');
    expect(lines).toContain('  ≠ destructive-action.acts         2          1');
    expect(lines).toContain('    records                         9          9');
    expect(lines.find((l) => l.startsWith('  A  default'))).toContain('"outcome":"done"');
    expect(lines.find((l) => l.startsWith('  B  variant mitigated'))).toContain(
      '"outcome":"refused"',
    );
  });

  it('gives the same as one JSON object with --json', () => {
    const r = parley('diff', 'two-generals', '--seed', '2', '--seed-b', '3', '--json');
    expect(r.code, r.err).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      identical: false,
      a: { label: 'seed 2', seed: 2, records: 19 },
      b: { label: 'seed 3', seed: 3, records: 19 },
      manifest: ['seed'],
      firstDifference: {
        seq: 9,
        a: { tick: 2, record: { seq: 9, tick: 2, kind: 'deliver', agent: 'beta' } },
        b: { tick: 1, record: { seq: 9, tick: 1, kind: 'deliver', agent: 'beta' } },
      },
      verdicts: [],
    });
    expect(j.metrics.map((m: { metric: string }) => m.metric)).toEqual([
      'records',
      'stop',
      'tick',
      'agreement.values',
      'termination.undecided',
    ]);
  });

  it("reports an unknown scenario or variant in the loader's words, exit 2", () => {
    expect(parley('diff', 'no-such-scenario', '--variant', 'mitigated')).toEqual({
      code: 2,
      out: '',
      err: 'parley: no scenario "no-such-scenario" in the catalogue; `npx parley list` shows them\n',
    });
    expect(parley('diff', 'confused-deputy-db', '--variant', 'nope')).toEqual({
      code: 2,
      out: '',
      err: 'scenarios/catalog/confused-deputy-db.yaml: variants: no variant "nope"; variants: mitigated, approval\n',
    });
    expect(parley('diff', 'confused-deputy-db').err).toBe(
      'parley: diff confused-deputy-db: say how the second run differs: --variant NAME, --seed-b N or --set-b path=value (or give two trace files)\n',
    );
  });
});
