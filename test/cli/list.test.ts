/**
 * `parley list` reads each description without loading the scenario: from
 * its line when written plainly, else from the parsed YAML; either way the
 * text loading the scenario gives.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  catalogDescription,
  catalogNames,
  loadNamed,
  plainDescription,
  scenarioText,
} from '../../cli/catalog.ts';
import { PARLEY_BIN } from '../fixtures/cli.ts';

/** The packages `parley ARGS` resolves (imports by name), in order, and its exit code and output. */
function packagesResolved(...args: string[]): {
  code: number | null;
  out: string;
  packages: string[];
} {
  const dir = mkdtempSync(join(tmpdir(), 'parley-resolve-'));
  const log = join(dir, 'resolved.txt');
  try {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        join(import.meta.dirname, '..', 'fixtures', 'resolve-log.mjs'),
        PARLEY_BIN,
        ...args,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', RESOLVE_LOG: log },
        timeout: 60_000,
      },
    );
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {}
    return { code: r.status, out: r.stdout, packages: text.split('\n').filter((l) => l !== '') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the YAML parser reads as the description, or undefined (no string, or no parse). */
function parsed(text: string): string | undefined {
  try {
    const d = (parse(text, { logLevel: 'error' }) as { description?: unknown } | null)?.description;
    return typeof d === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}

describe('parley list', () => {
  it("gives each catalogue scenario's description as loading the scenario gives it", () => {
    const names = catalogNames();
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const text = loadNamed(name).source.description;
      expect(catalogDescription(name), name).toBe(text);
    }
  });

  it('reads the catalogue as it is written: each description on a plain line', () => {
    for (const name of catalogNames())
      expect(plainDescription(scenarioText(name).text), name).toBeDefined();
  });

  it('reads a plain line as the parser does, and leaves every other spelling to the parser', () => {
    const piece = fc.constantFrom(
      'a',
      'Z',
      ' ',
      '\t',
      ':',
      '#',
      '-',
      "'",
      '"',
      '1',
      '.',
      '~',
      '[',
      '{',
      '&',
      '!',
      '|',
      '>',
      '%',
      '@',
      '`',
      ',',
      '?',
      '*',
      'é',
      'null',
      'true',
      'no',
      ': ',
      ' #',
      '\\n',
    );
    const value = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));
    const next = fc.constantFrom(
      '',
      '\n',
      'protocol: x\n',
      '  more\n',
      '\n  more\n',
      '# c\n',
      '---\n',
    );
    const seed = Number(process.env['PARLEY_FUZZ_SEED'] ?? 20261129);
    fc.assert(
      fc.property(value, next, fc.boolean(), (v, rest, crlf) => {
        let text = `name: n\ndescription: ${v}\n${rest}`;
        if (crlf) text = text.replaceAll('\n', '\r\n');
        const plain = plainDescription(text);
        if (plain !== undefined) expect(plain, JSON.stringify(text)).toBe(parsed(text));
      }),
      { seed, numRuns: 5000 },
    );
    // The usual spellings are read; the others are left to the parser.
    expect(plainDescription('description: Two generals agree\nprotocol: x\n')).toBe(
      'Two generals agree',
    );
    for (const text of [
      'description: "quoted"\n',
      'description: folded\n  on two lines\n',
      'description: 42\n',
      'description: a # comment\n',
      'description: one\ndescription: two\n',
      '%YAML 1.2\n---\ndescription: x\n',
    ])
      expect(plainDescription(text), text).toBeUndefined();
  });
});

describe('what the light commands load', () => {
  // xstate is imported by the engine and every protocol, and stays a package of
  // its own in the compiled build: resolving it means the engine was loaded.
  it('`parley --version`, `help` and `list` start without the engine; `run` loads it', () => {
    for (const args of [['--version'], ['help'], ['list']]) {
      const r = packagesResolved(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.packages, args.join(' ')).not.toContain('xstate');
      if (args[0] === 'list') expect(r.out).toContain('two-generals ');
    }
    const run = packagesResolved('run', 'two-generals');
    expect(run.code).toBe(0);
    expect(run.packages).toContain('xstate');
  });
});
