/**
 * `parley new protocol NAME`: a protocol of one's own to start from, in the
 * working folder: NAME.ts (a small commented protocol), NAME.yaml (a scenario
 * that runs it, with checks and a sweep) and NAME.test.mjs (a test for Node's
 * own test runner). Copied from templates/, the name put in. Never
 * overwrites a file. Node only.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOLS } from '../scenarios/protocols/index.ts';
import { UsageError } from './errors.ts';

const TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/parley.js', import.meta.url));
/** Longest protocol name. */
const NAME_LENGTH_MAX = 64;

/** The files `new protocol` writes, by template: what each one is. */
const FILES = [
  { ext: '.ts', what: 'the protocol' },
  { ext: '.yaml', what: 'a scenario that runs it' },
  { ext: '.test.mjs', what: 'a test: node --test' },
] as const;

/** `ask-confirm` → `askConfirm`. */
const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Writes NAME.ts, NAME.yaml and NAME.test.mjs in `dir`; returns the lines to
 * print. Throws a UsageError for a name that is not lower-case words joined
 * by dashes, a name parley's own protocols have, or a file that exists.
 */
export function newProtocol(name: string, dir = process.cwd()): string[] {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > NAME_LENGTH_MAX)
    throw new UsageError(
      `"${name}" cannot name a protocol: use lower-case letters, digits and dashes, starting with a letter (at most ${NAME_LENGTH_MAX}), e.g. ask-confirm`,
    );
  if (PROTOCOLS.has(name))
    throw new UsageError(`parley already has a protocol named "${name}": choose another name`);
  const targets = FILES.map((f) => ({ ...f, file: `${name}${f.ext}` }));
  const taken = targets.find((t) => existsSync(resolve(dir, t.file)));
  if (taken !== undefined)
    throw new UsageError(
      `${taken.file} exists: parley new never overwrites a file; choose another name or move it away`,
    );
  for (const t of targets) {
    const text = readFileSync(`${TEMPLATES}my-protocol${t.ext}`, 'utf8')
      .replaceAll('my-protocol', name)
      .replaceAll('myProtocol', camel(name))
      .replaceAll('__PARLEY_BIN__', BIN.replaceAll('\\', '\\\\').replaceAll("'", "\\'"));
    // 'wx': fails rather than overwrite a file created meanwhile.
    writeFileSync(resolve(dir, t.file), text, { flag: 'wx' });
  }
  const width = Math.max(...targets.map((t) => t.file.length));
  return [
    ...targets.map((t) => `wrote ${t.file.padEnd(width)}  ${t.what}`),
    'next:',
    `  npx parley run ${name}.yaml                       # run it once and judge it`,
    `  npx parley run ${name}.yaml --check-determinism   # run it twice and compare`,
    `  node --test ${name}.test.mjs                      # its test`,
    `  npx parley sweep ${name}.yaml --workers 2          # the scenario's sweep`,
  ];
}
