/**
 * Rewrites the parameter tables of scenarios/protocols/README.md from the
 * protocols' declarations: `node --import tsx scripts/protocol-docs.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeWithTables } from '../scenarios/protocols/docs.ts';

const file = join(import.meta.dirname, '..', 'scenarios', 'protocols', 'README.md');
const before = readFileSync(file, 'utf8');
const after = readmeWithTables(before);
if (after !== before) writeFileSync(file, after);
console.log(`${file}: ${after === before ? 'unchanged' : 'tables rewritten'}`);
