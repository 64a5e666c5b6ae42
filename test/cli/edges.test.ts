/**
 * The command line at its edges: names from a file never choose where parley
 * writes, terminals never receive control characters, a closed pipe or a
 * missing folder is one line and the right exit code, a bug is one paragraph
 * with the command that reproduces it.
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
import { describe, expect, it } from 'vitest';
import { internalErrorText, reproduceCommand, shellWord } from '../../cli/errors.ts';
import { safeStem } from '../../cli/files.ts';
import { terminalSafe } from '../../cli/terminal.ts';
import { InvariantError } from '../../sim/index.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'parley.js');
const parley = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const sandbox = () => {
  const root = mkdtempSync(join(tmpdir(), 'parley-edges-'));
  const work = join(root, 'a', 'b', 'work');
  mkdirSync(work, { recursive: true });
  return { root, work };
};

describe('names that come from a file', () => {
  it('make one safe path segment', () => {
    expect(safeStem('../../target/owned')).toBe('target-owned');
    expect(safeStem('/tmp/abs/owned')).toBe('tmp-abs-owned');
    expect(safeStem('..')).toBe('scenario');
    expect(safeStem('C:\\evil\\x')).toBe('C-evil-x');
    expect(safeStem('two-generals')).toBe('two-generals');
    expect(safeStem('\u001b]0;t\u0007')).toBe('0-t');
  });

  it('never choose where sweep and shrink write: ../../target/owned stays in the working folder', () => {
    const { root, work } = sandbox();
    const catalogued = readFileSync(
      join(import.meta.dirname, '..', '..', 'scenarios', 'catalog', 'two-generals.yaml'),
      'utf8',
    );
    writeFileSync(
      join(work, 's.yaml'),
      catalogued.replace('name: two-generals', 'name: ../../target/owned'),
    );
    expect(parley(work, 'sweep', 's.yaml', '--seeds', '2', '--workers', '1').code).toBe(0);
    const shrunk = parley(work, 'shrink', 's.yaml');
    expect(shrunk.code, shrunk.err).toBe(0);
    expect(readdirSync(work).sort()).toEqual([
      's.yaml',
      'target-owned-shrunk.yaml',
      'target-owned-sweep.csv',
      'target-owned-sweep.csv.manifest.json',
      'target-owned-sweep.summary.csv',
    ]);
    expect(existsSync(join(root, 'a', 'target'))).toBe(false);
    // A second shrink does not overwrite the first without --force.
    const again = parley(work, 'shrink', 's.yaml');
    expect(again.code).toBe(2);
    expect(again.err).toBe(
      'parley: target-owned-shrunk.yaml exists: add --force to overwrite it, or choose --out\n',
    );
  });
});

describe('what reaches the terminal', () => {
  it('shows control characters and direction overrides as \\u escapes, keeping tab, newline and \\r', () => {
    expect(terminalSafe('a\u001b]0;owned\u0007b\u001b[2J\tc\nd\re\u202ef\u009bg')).toBe(
      'a\\u001b]0;owned\\u0007b\\u001b[2J\tc\nd\re\\u202ef\\u009bg',
    );
  });

  it('never carries an escape sequence from a scenario name, on stdout or stderr', () => {
    const { work } = sandbox();
    writeFileSync(
      join(work, 's.yaml'),
      'name: "x\\u001b]0;owned\\u0007"\nprotocol: two-generals\nagents: [{id: "a\\u001b[2J"}, {id: b}]\n',
    );
    const r = parley(work, 'run', 's.yaml');
    expect(r.code).toBe(0);
    expect(r.out).toContain('x\\u001b]0;owned\\u0007 · seed 1 ·');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(r.out + r.err).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
  });
});

describe('errors of the world around a run', () => {
  it('refuses a trace in a folder that does not exist, in one line with exit 2, before the run', () => {
    const { work } = sandbox();
    const r = parley(work, 'run', 'two-generals', '--out', 'missing-dir/t.jsonl');
    expect(r).toEqual({
      code: 2,
      out: '',
      err: 'parley: missing-dir/t.jsonl: no such folder missing-dir\n',
    });
  });

  it('ends quietly when the reader of its output goes away (run --json | head -c 20)', () => {
    const { work } = sandbox();
    const r = spawnSync(
      '/bin/sh',
      [
        '-c',
        `"${process.execPath}" "${bin}" run gossip-loss --json | head -c 20; echo " status \${PIPESTATUS:-}"`,
      ],
      { cwd: work, encoding: 'utf8' },
    );
    expect(r.stdout.slice(0, 20)).toBe('{"scenario":"gossip-');
    expect(r.stderr).toBe('');
  });
});

describe('a bug, told in one paragraph', () => {
  it('quotes what a shell would not read back as it is', () => {
    expect(shellWord('network.dropRatio=0.3')).toBe('network.dropRatio=0.3');
    expect(shellWord("params.plan=attack at dawn's")).toBe(`'params.plan=attack at dawn'\\''s'`);
    expect(reproduceCommand('paxos-lossy', 9, 'mitigated', ['a.b=1', 'c=d e'])).toBe(
      "npx parley run paxos-lossy --seed 9 --variant mitigated --set a.b=1 --set 'c=d e'",
    );
  });

  it('names the scenario, the seed and the whole command for a broken invariant, with no stack', () => {
    const err = new InvariantError('time ran backwards: event at tick 3 after tick 9', 'x', 7);
    expect(
      internalErrorText(err, { name: 'two-generals', variant: 'mitigated', set: ['params.k=3'] }),
    ).toBe(
      [
        'parley: an invariant of the engine broke, which is a bug in parley or in a protocol: time ran backwards: event at tick 3 after tick 9.',
        '  scenario: x, seed: 7',
        '  reproduce: npx parley run two-generals --seed 7 --variant mitigated --set params.k=3',
        '  Please report it with that command.',
      ].join('\n'),
    );
    expect(internalErrorText(new TypeError('x is not a function'), undefined)).toBe(
      [
        'parley: an unexpected error, which is a bug in parley: x is not a function',
        '  Run again with PARLEY_DEBUG=1 to see where it happened, and please report it.',
      ].join('\n'),
    );
  });
});
