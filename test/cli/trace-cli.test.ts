import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNamed } from '../../cli/catalog.ts';
import { runScenario } from '../../sim/index.ts';
import { oddIdsRun } from '../fixtures/odd-ids.ts';
import { xmlProblem } from '../fixtures/xml-check.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const parley = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** A directory holding a trace as `t.jsonl` (by default the odd-ids run's), and that trace's text. */
function traceDir(trace = oddIdsRun()): { dir: string; file: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-trace-cli-'));
  const file = join(dir, 't.jsonl');
  const text = trace.toJSONL();
  writeFileSync(file, text);
  return { dir, file, text };
}

describe('parley export of a trace that is not whole', () => {
  it('refuses a trace cut at a line boundary, a manifest alone and an edited end line, with exit code 2 and no file written', () => {
    const { dir, file, text } = traceDir();
    const lines = text.split('\n');
    const cases: [string, string, string][] = [
      [
        `${lines.slice(0, 12).join('\n')}\n`,
        'svg',
        `:12:${(lines[11] as string).length + 1}: the trace ends at line 12 without its end line: the file was cut short`,
      ],
      [
        `${lines[0]}\n`,
        'shiviz',
        `:1:${(lines[0] as string).length + 1}: the trace ends at line 1, its manifest, without its end line: the file was cut short`,
      ],
      [
        text.replace('"stop":"quiescent"', '"stop":"allDecided"'),
        'svg',
        `:${lines.length - 1}:1: the end line's hash`,
      ],
    ];
    for (const [content, format, reason] of cases) {
      writeFileSync(file, content);
      const r = parley('export', file, '--format', format);
      expect(r.code, reason).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.startsWith(`parley: ${file}${reason}`), r.err).toBe(true);
      expect(r.err.split('\n')).toHaveLength(2);
      expect(readdirSync(dir)).toEqual(['t.jsonl']);
    }
  });
});

describe('parley export of a trace with odd agent ids', () => {
  it('writes an SVG that is well-formed XML, and its hash checks by hand', () => {
    const { dir, file } = traceDir();
    const end = JSON.parse(readFileSync(file, 'utf8').trimEnd().split('\n').at(-1) as string);
    const byHand = spawnSync('sh', ['-c', `head -c -76 '${file}' | sha256sum`], {
      encoding: 'utf8',
    });
    expect(byHand.stdout).toBe(`${end.hash}  -\n`);
    expect(parley('export', file, '--format', 'svg')).toMatchObject({
      code: 0,
      out: `${join(dir, 't.svg')}\n`,
    });
    const svg = readFileSync(join(dir, 't.svg'), 'utf8');
    expect(xmlProblem(svg)).toBe(undefined);
    expect(svg).toContain('>a\\u0001b</text>');
    expect(readdirSync(dir).sort()).toEqual(['t.jsonl', 't.svg']);
  });
});

describe('parley replay of an edited trace', () => {
  it('says whether the file is intact before naming the line that differs, each side by where it came from', () => {
    // Plain ids: what the command prints is made safe for a terminal, control characters escaped.
    const { file, text } = traceDir(
      runScenario(loadNamed('two-generals').scenario, { seed: 2 }).trace,
    );
    const lines = text.split('\n');
    const edited = [...lines];
    edited[5] = (edited[5] as string).replace('"tick":', '"tick":7');
    writeFileSync(file, edited.join('\n'));
    const r = parley('replay', file);
    expect(r.code).toBe(1);
    const out = r.out.split('\n');
    expect(out[0]).toMatch(
      new RegExp(
        `^${file.replaceAll('.', '\\.')}: the file is not intact: ${file.replaceAll('.', '\\.')}:${lines.length - 1}:1: the end line's hash`,
      ),
    );
    expect(out.slice(1)).toEqual([
      'line 6 differs:',
      `  in the file: ${edited[5]}`,
      `  re-run:      ${lines[5]}`,
      '',
    ]);
  });
});
