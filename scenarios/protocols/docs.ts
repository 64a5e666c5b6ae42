/**
 * The parameter tables of scenarios/protocols/README.md, generated from each
 * protocol's declaration so that the documentation cannot drift from what
 * the loader checks. Pure; scripts/protocol-docs.ts writes the file.
 */
import { paramTable } from '../../sim/scenario/params.ts';
import type { Protocol } from '../../sim/spec.ts';
import { PROTOCOLS } from './index.ts';

/** The line after which the README is generated. */
export const TABLES_MARKER =
  "<!-- Parameter tables: generated from each protocol's `params` by `node --import tsx scripts/protocol-docs.ts`; do not edit below. -->";

/** One section per protocol, in the registry's order: its name and its table. */
export function paramTables(protocols: Iterable<Protocol> = PROTOCOLS.values()): string {
  const sections: string[] = [];
  for (const p of protocols)
    sections.push(
      `### ${p.name}\n\n${p.params === undefined ? 'No declaration: any parameter, unchecked.' : paramTable(p.params)}\n`,
    );
  return sections.join('\n');
}

/**
 * `readme` with everything after the marker replaced by the generated tables
 * (the marker and the tables appended when it has no marker).
 */
export function readmeWithTables(readme: string, protocols?: Iterable<Protocol>): string {
  const at = readme.indexOf(TABLES_MARKER);
  const head = at < 0 ? `${readme.trimEnd()}\n\n` : readme.slice(0, at);
  return `${head}${TABLES_MARKER}\n\n${paramTables(protocols)}`;
}
