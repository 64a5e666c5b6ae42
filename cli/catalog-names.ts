/**
 * The catalogue's folder, its names and their plain descriptions: what
 * `parley list` needs, without the scenario loader (zod, YAML, the engine),
 * so that it starts at once. Node only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CATALOG_DIR = fileURLToPath(new URL('../scenarios/catalog/', import.meta.url));

/** Names of the catalogue's scenarios, sorted. */
export function catalogNames(): string[] {
  return readdirSync(CATALOG_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * The description of a scenario file that writes it the usual way, on a line
 * of its own at the top level with a plain value (`description: Two
 * generals agree …`), read without the YAML parser; undefined when it is
 * written any other way (quoted, folded, a number, twice, in a multi-document
 * file), for the parser to read. Pure.
 */
export function plainDescription(text: string): string | undefined {
  const found = [...text.matchAll(/^description:[ \t]+([^\r\n]*)/gm)];
  const m = found[0];
  if (found.length !== 1 || m === undefined || /^(?:---|\.\.\.|%)/m.test(text)) return undefined;
  const value = (m[1] as string).replace(/[ \t]+$/, '');
  if (
    value === '' ||
    // An indicator, a number, null or a boolean first; a comment or a mapping inside.
    /^[-?:,[\]{}#&*!|>'"%@`+.~0-9]/.test(value) ||
    /^(?:null|true|false)$/i.test(value) ||
    /:(?:[ \t]|$)|[ \t]#/.test(value)
  )
    return undefined;
  // An indented line after it, past blank lines, would continue the value.
  const after = text.slice((m.index ?? 0) + m[0].length);
  if (/^(?:[ \t]*\r?\n)*[ \t]+[^ \t\r\n]/.test(after.replace(/^\r?\n/, ''))) return undefined;
  return value;
}

/**
 * The description of catalogue scenario `name` when its file writes it
 * plainly (see plainDescription), else undefined: then the YAML parser
 * reads it (catalogDescription in catalog.ts).
 */
export function plainCatalogDescription(name: string): string | undefined {
  return plainDescription(readFileSync(join(CATALOG_DIR, `${name}.yaml`), 'utf8'));
}
