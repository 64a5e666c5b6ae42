/**
 * Rewrites the generated tables from the declarations: the protocols'
 * parameters and the schedulers' options in scenarios/protocols/README.md,
 * the checkers' options in README.md: `node --import tsx scripts/protocol-docs.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeWithCheckerTables, readmeWithTables } from '../scenarios/protocols/docs.ts';

const root = join(import.meta.dirname, '..');
const files: [string, (text: string) => string][] = [
  [join(root, 'scenarios', 'protocols', 'README.md'), (text) => readmeWithTables(text)],
  [join(root, 'README.md'), readmeWithCheckerTables],
];
for (const [file, rewrite] of files) {
  const before = readFileSync(file, 'utf8');
  const after = rewrite(before);
  if (after !== before) writeFileSync(file, after);
  console.log(`${file}: ${after === before ? 'unchanged' : 'tables rewritten'}`);
}
