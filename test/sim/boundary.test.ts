import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARLEY_VERSION } from '../../sim/index.ts';

const root = join(import.meta.dirname, '..', '..');
const simDir = join(root, 'sim');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/**
 * The code of a file without its comments and the text of its one-line
 * quoted strings (a help text may say "window"; none in sim/ contains '//'
 * or '/*').
 */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
}

const ALLOWED_PACKAGES = new Set(['xstate', 'zod', 'yaml']);
// Globals used as values; the same names as object keys (`{ setTimeout: … }`) are fine.
const FORBIDDEN = [
  /\bMath\.random\b/,
  /(?<![.\w$])(?:Date|performance|setTimeout|setInterval|requestAnimationFrame|document|window|process|globalThis)(?![\w$]|\??\s*:)/,
  /\brequire\s*\(/,
];

describe('the engine boundary', () => {
  const files = sourceFiles(simDir);

  it('keeps sim/ to relative imports inside sim/ and the pure packages', () => {
    expect(files.length).toBeGreaterThan(5);
    const offenders: string[] = [];
    for (const file of files) {
      for (const m of code(file).matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/g)) {
        const spec = m[1] as string;
        const ok = spec.startsWith('.')
          ? !relative(simDir, join(file, '..', spec)).startsWith('..')
          : ALLOWED_PACKAGES.has(spec);
        if (!ok) offenders.push(`${relative(root, file)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps clocks, Math.random, the DOM and Node out of sim/', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = code(file);
      for (const re of FORBIDDEN)
        if (re.test(text)) offenders.push(`${relative(root, file)}: ${re.source}`);
    }
    expect(offenders).toEqual([]);
  });

  it('writes the package version into manifests', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(PARLEY_VERSION).toBe(pkg.version);
  });
});
