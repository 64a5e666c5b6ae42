/**
 * Recorded model replies of catalogue scenarios whose agents ask a language
 * model (scenarios/catalog/cassettes/NAME.jsonl, one `{hash, reply}` a line):
 * the page has no model, so it answers each ask from the cassette with the
 * same engine as everywhere else. Loaded lazily, like the recordings of
 * programs (recordings.ts).
 */
/// <reference types="vite/client" />
import { type ModelHost, type ModelRecord, recordedModelHost } from '../sim/index.ts';

const files = import.meta.glob('../scenarios/catalog/cassettes/*.jsonl', {
  query: '?raw',
  import: 'default',
}) as Record<string, () => Promise<string>>;

const byName = new Map(
  Object.entries(files).map(([path, load]) => [
    path.replace(/^.*\//, '').replace(/\.jsonl$/, ''),
    load,
  ]),
);

/** Whether catalogue scenario `name` ships a cassette. */
export function hasCassette(name: string): boolean {
  return byName.has(name);
}

/** A host answering from scenario `name`'s cassette (fresh for each run), or undefined when it has none. */
export async function cassetteHost(name: string): Promise<ModelHost | undefined> {
  const load = byName.get(name);
  if (load === undefined) return undefined;
  const records: ModelRecord[] = [];
  for (const line of (await load()).split('\n'))
    if (line.trim() !== '') records.push(JSON.parse(line) as ModelRecord);
  return recordedModelHost(records);
}
