/**
 * Runs of catalogue scenarios whose agents are programs (docs/process-agents.md):
 * the page cannot start Python, so it replays the runs recorded in
 * scenarios/catalog/recordings/ (NAME[.VARIANT].seedN.jsonl), answering each
 * program's steps from the recording with the same engine as everywhere else.
 */
/// <reference types="vite/client" />
import { type ProcessHost, recordedHost, type TraceRecord } from '../sim/index.ts';

const files = import.meta.glob('../scenarios/catalog/recordings/*.jsonl', {
  query: '?raw',
  import: 'default',
}) as Record<string, () => Promise<string>>;

const byKey = new Map(
  Object.entries(files).map(([path, load]) => [
    path.replace(/^.*\//, '').replace(/\.jsonl$/, ''),
    load,
  ]),
);

/** The recording's file stem for a run: `broadcast-partition.mitigated.seed1`. */
export function recordingKey(name: string, variant: string | undefined, seed: number): string {
  return `${name}${variant === undefined ? '' : `.${variant}`}.seed${seed}`;
}

/** The runs recorded for scenario `name`, as `variant` (or '' for the scenario itself) and seed. */
export function recordedRuns(name: string): { variant: string; seed: number }[] {
  const out: { variant: string; seed: number }[] = [];
  for (const key of byKey.keys()) {
    const m = /^(.+?)(?:\.([^.]+))?\.seed(\d+)$/.exec(key);
    if (m !== null && m[1] === name) out.push({ variant: m[2] ?? '', seed: Number(m[3]) });
  }
  return out;
}

/** A host answering from the recording of this run, or undefined when none was recorded. */
export async function recordingHost(
  name: string,
  variant: string | undefined,
  seed: number,
): Promise<ProcessHost | undefined> {
  const load = byKey.get(recordingKey(name, variant, seed));
  if (load === undefined) return undefined;
  const records: TraceRecord[] = [];
  for (const line of (await load()).split('\n'))
    if (line.includes('"kind":"output"')) records.push(JSON.parse(line) as TraceRecord);
  return recordedHost(records);
}
