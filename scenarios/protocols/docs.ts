/**
 * The parameter tables of scenarios/protocols/README.md (each protocol's,
 * then each network scheduler's options) and the checker option tables of
 * the top README.md, generated from the declarations so that the
 * documentation cannot drift from what the loader checks. Pure;
 * scripts/protocol-docs.ts writes the files.
 */
import type { Registry } from '../../sim/scenario/load.ts';
import { checkerOptionTables, schedulerOptionTables } from '../../sim/scenario/options.ts';
import { paramTable } from '../../sim/scenario/params.ts';
import type { Protocol } from '../../sim/spec.ts';
import { PROTOCOLS, SCHEDULERS } from './index.ts';

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

/** The section on the network schedulers' options that follows the protocols' tables. */
export function schedulerTables(schedulers: Registry['schedulers'] = SCHEDULERS): string {
  return `## Scheduler options\n\nA network \`scheduler\` takes its options beside its name (\`network: { scheduler: { name: flp-adversary, faults: 1 } }\`); the loader refuses any other.\n\n${schedulerOptionTables(schedulers)}`;
}

/**
 * `readme` with everything after the marker replaced by the generated tables
 * (the marker and the tables appended when it has no marker).
 */
export function readmeWithTables(
  readme: string,
  protocols?: Iterable<Protocol>,
  schedulers?: Registry['schedulers'],
): string {
  const at = readme.indexOf(TABLES_MARKER);
  const head = at < 0 ? `${readme.trimEnd()}\n\n` : readme.slice(0, at);
  return `${head}${TABLES_MARKER}\n\n${paramTables(protocols)}\n${schedulerTables(schedulers)}`;
}

/** The lines between which README.md holds the generated checker option tables. */
export const CHECKER_OPTIONS_START =
  "<!-- Checker options: generated from each checker's `options` by `node --import tsx scripts/protocol-docs.ts`; do not edit until the end marker. -->";
export const CHECKER_OPTIONS_END = '<!-- End of the generated checker options. -->';

/**
 * `readme` (the top README.md) with the text between the checker option
 * markers replaced by the generated tables. Throws when a marker is missing.
 */
export function readmeWithCheckerTables(readme: string): string {
  const start = readme.indexOf(CHECKER_OPTIONS_START);
  const end = readme.indexOf(CHECKER_OPTIONS_END);
  if (start < 0 || end < start)
    throw new Error(
      `the README lacks the checker option markers:\n${CHECKER_OPTIONS_START}\n${CHECKER_OPTIONS_END}`,
    );
  const intro =
    "A check's `options`, by checker; the loader refuses any other option, and a value of the wrong type or out of range.";
  return `${readme.slice(0, start)}${CHECKER_OPTIONS_START}\n\n${intro}\n\n${checkerOptionTables()}\n${readme.slice(end)}`;
}
