import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../sim/index.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const parley = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('the parley command', () => {
  it('lists the catalogue one line each', () => {
    const { code, out } = parley('list');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.find((l) => l.startsWith('two-generals '))).toMatch(/Two generals agree/);
  });

  it('runs a catalogue scenario at its documented seed and judges it', () => {
    const { code, out } = parley('run', 'two-generals');
    expect(code).toBe(0);
    expect(out).toContain('two-generals · seed 2 ·');
    expect(out).toContain('✓ agreement    fails (expected fails)');
    expect(out).toContain('every expectation met');
    expect(out).toContain('reproduce: npx parley run two-generals --seed 2\n');
  });

  it('exits 1 when an expectation is not met, and writes a whole trace with --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const file = join(dir, 'trace.jsonl');
    const { code, out } = parley('run', 'two-generals', '--seed', '1', '--out', file);
    // At seed 1 the generals agree: the expected failure does not show.
    expect(code).toBe(1);
    expect(out).toContain('some expectations were not met');
    const lines = readFileSync(file, 'utf8').split('\n');
    const end = JSON.parse(lines.at(-2) as string);
    // The hash covers the file up to the end line's `,"hash":"` (`head -c -76 trace.jsonl | sha256sum`).
    expect(end.hash).toBe(sha256Hex(lines.join('\n').slice(0, -76)));
    expect(out).toContain(`trace hash ${end.hash}`);
  });

  it('reports a bad scenario file with file:line:column and exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'name: x\nagents:\n  - id: a\n    protocol: paxos\nnetwork: { dropRatio: 2 }\n',
    );
    const { code, err, out } = parley('run', file, '--out', join(dir, 'never.jsonl'));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`${file}:5:23: network.dropRatio: must be at most 1, got the number 2\n`);
    expect(existsSync(join(dir, 'never.jsonl'))).toBe(false);
  });

  it('refuses bad flags, unknown scenarios and unknown commands with exit code 2', () => {
    expect(parley('run', 'two-generals', '--seed', '-1')).toMatchObject({ code: 2 });
    expect(parley('run', 'two-generals', '--seed', 'x').err).toContain(
      "option '--seed <n>' argument 'x' is invalid",
    );
    expect(parley('run', 'two-generls')).toMatchObject({
      code: 2,
      err: 'parley: no scenario "two-generls" in the catalogue (did you mean "two-generals"?); `npx parley list` shows them\n',
    });
    expect(parley('frobnicate').code).toBe(2);
  });

  it('shows a lesson with the resolved parameters, overrides included', () => {
    const { code, out } = parley(
      'show',
      'lossy-handoff',
      '--variant',
      'mitigated',
      '--set',
      'network.dropRatio=0.4',
    );
    expect(code).toBe(0);
    expect(out).toContain('# lossy-handoff');
    expect(out).toContain('## Resolved parameters');
    expect(out).toContain('dropRatio: 0.4');
    expect(out).toContain('idempotent: true');
  });

  it('prints the JSON Schema of scenario files', () => {
    const { code, out } = parley('schema');
    expect(code).toBe(0);
    expect(JSON.parse(out).required).toEqual(['name', 'agents']);
  });
});

describe('the command line and the page', () => {
  it('print the same trace hash for a catalogue run', async () => {
    const { CATALOG_GOLDEN } = await import('../fixtures/golden.ts');
    for (const [key, hash] of Object.entries(CATALOG_GOLDEN)) {
      const [name, seed] = key.split('@') as [string, string];
      expect(parley('run', name, '--seed', seed).out).toContain(`trace hash ${hash}`);
    }
  });
});

describe('parley replay', () => {
  it('re-runs a trace from its manifest alone and finds it identical, adversarial scheduler included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const file = join(dir, 'flp.jsonl');
    expect(parley('run', 'flp-scheduler', '--out', file).code).toBe(0);
    const { code, out } = parley('replay', file);
    expect(code).toBe(0);
    expect(out).toMatch(/^.*flp\.jsonl: identical: \d+ lines, hash [0-9a-f]{64}\n$/);
  });

  it('names the first line that differs, and refuses a file that is not a trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const file = join(dir, 't.jsonl');
    parley('run', 'two-generals', '--out', file);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[5] = (lines[5] as string).replace('"tick":', '"tick":7');
    writeFileSync(file, lines.join('\n'));
    const { code, out } = parley('replay', file);
    expect(code).toBe(1);
    expect(out).toContain(`${file}: the file is not intact: ${file}:`);
    expect(out).toContain('\nline 6 differs:\n  in the file: {"seq":4,"tick":7');
    writeFileSync(join(dir, 'x.jsonl'), '{"x":1}\n');
    expect(parley('replay', join(dir, 'x.jsonl'))).toMatchObject({
      code: 2,
      err: `parley: ${join(dir, 'x.jsonl')}:1:1: the first line is not a parley manifest\n`,
    });
    expect(parley('replay', join(dir, 'missing.jsonl')).code).toBe(2);
  });
});

describe('parley export', () => {
  it('writes a ShiViz log with vector clocks and an SVG space-time diagram', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const file = join(dir, 'g.jsonl');
    parley('run', 'two-generals', '--trace', file);
    expect(parley('export', file, '--format', 'shiviz')).toMatchObject({
      code: 0,
      out: `${join(dir, 'g.shiviz.log')}\n`,
    });
    const log = readFileSync(join(dir, 'g.shiviz.log'), 'utf8').split('\n');
    expect(log.slice(0, 2)).toEqual(['(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})', '']);
    // alpha sends hop 1; beta receives it with alpha's clock merged into its own.
    expect(log.slice(2, 4)).toEqual([
      'send #0 to beta {"type":"hop","n":1,"plan":"attack at dawn"}',
      'alpha {"alpha":1}',
    ]);
    const receive = log.indexOf('receive #0 from alpha');
    expect(log[receive + 1]).toBe('beta {"alpha":1,"beta":1}');
    expect(parley('export', file, '--format', 'svg', '--out', join(dir, 'g.svg')).code).toBe(0);
    const svg = readFileSync(join(dir, 'g.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('marker-end="url(#arrow)"');
  });

  it('refuses an unknown format and a trace whose hash does not match', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const file = join(dir, 'g.jsonl');
    parley('run', 'two-generals', '--trace', file);
    expect(parley('export', file, '--format', 'png')).toMatchObject({
      code: 2,
      err: 'parley: --format png: use shiviz or svg\n',
    });
    writeFileSync(file, readFileSync(file, 'utf8').replace('"tick":0,', '"tick":1,'));
    expect(parley('export', file, '--format', 'svg').err).toMatch(
      /g\.jsonl:\d+:1: the end line's hash "[0-9a-f]{64}" does not match the lines before it/,
    );
  });
});

describe('parley shrink', () => {
  it('finds a smaller scenario that fails the same way, and keeps what the failure needs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const out = join(dir, 'small.yaml');
    const { code, out: text } = parley('shrink', 'paxos-lossy', '--out', out);
    expect(code).toBe(0);
    // Paxos stalls here because the partition leaves no majority: without the
    // partition and the loss it decides. A lone agent would stall without
    // them too, a different failure, so no step that makes one is kept.
    expect(text).toMatch(
      /^termination still fails the same way at seed \d+ after \d+ runs; agents 5 -> 5\n/,
    );
    expect(text).toContain('  faults          2 (570 ticks in windows) -> 2 (');
    const small = readFileSync(out, 'utf8');
    expect(small).not.toContain('variants:');
    // The shrunk file stands alone and still shows the failure, at its own seed.
    const rerun = parley('run', out);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toContain('✓ termination  fails (expected fails)');
  });

  it('shrinks a probabilistic failure by trying the next seeds: llm-negotiation at seed 3 loses agents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const out = join(dir, 'ln.yaml');
    const { code, out: text } = parley('shrink', 'llm-negotiation', '--seed', '3', '--out', out);
    expect(code).toBe(0);
    const m = /agents 12 -> (\d+)\n/.exec(text);
    expect(Number(m?.[1])).toBeLessThan(12);
    expect(text).toMatch(/ {2}seed {12}3 -> \d+\n/);
    expect(parley('run', out).out).toContain('✓ agreement    fails (expected fails)');
  });

  it('shrinks each catalogue scenario that names agents in its parameters without breaking it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    for (const name of [
      'two-generals',
      'lossy-handoff',
      'retry-storm',
      'runaway-loop',
      'taint-boundary',
    ]) {
      const out = join(dir, `${name}.yaml`);
      const r = parley('shrink', name, '--out', out);
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      const property = /^(\S+) still fails the same way/.exec(r.out)?.[1] as string;
      const rerun = parley('run', out);
      expect(rerun.err, name).toBe('');
      expect(rerun.out, name).toMatch(new RegExp(`✓ ${property} +fails \\(expected fails\\)`));
      expect(rerun.out, name).not.toContain(' ! ');
    }
  });

  it('shrinks the run of a trace file, rebuilt from its manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const trace = join(dir, 'tpc.jsonl');
    expect(parley('run', 'two-phase-commit', '--seed', '4', '--trace', trace).code).toBe(0);
    const out = join(dir, 'tpc.yaml');
    const { code, out: text } = parley('shrink', trace, '--out', out);
    expect(code).toBe(0);
    expect(text).toMatch(
      /^termination still fails the same way at seed 4 after \d+ runs; agents 4 -> 2\n/,
    );
    expect(parley('run', out).out).toContain(
      '✓ termination  fails (expected fails): the only agent had not decided',
    );
  });

  it('removes an agent from the agents a random fault strikes, and the fault once it strikes nobody', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-'));
    const file = join(dir, 'down.yaml');
    writeFileSync(
      file,
      [
        'name: down-shrink',
        'protocol: majority-vote',
        'params: { quorum: strict, input: X, resendsMax: 0 }',
        'agents: [{ id: a0 }, { id: a1 }, { id: a2 }, { id: a3 }, { id: a4 }]',
        'faults:',
        '  - { kind: down, downRatio: 0.9, agents: [a1, a2, a3, a4] }',
        'checks:',
        '  - { property: termination, expect: fails }',
        'seed: 1',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'shrunk.yaml');
    const { code, out: text } = parley('shrink', file, '--out', out);
    expect(code, text).toBe(0);
    expect(text).toMatch(/agents 5 -> 2\n/);
    const shrunk = readFileSync(out, 'utf8');
    // a2..a4 went, and with them their places in the fault's list; a1 is still struck.
    expect(shrunk).toContain('agents:\n  - id: a0\n  - id: a1\nfaults:');
    expect(shrunk).toMatch(/agents:\n {6}- a1\n/);
    expect(parley('run', out).out).toContain('✓ termination  fails (expected fails)');
  });

  it('says when there is nothing to shrink', () => {
    expect(
      parley('shrink', 'two-generals', '--seed', '1', '--property', 'agreement'),
    ).toMatchObject({
      code: 2,
      err: 'parley: two-generals at seed 1 does not violate agreement: nothing to shrink\n',
    });
  });
});
