/** Reading a JSONL trace file back into a Trace. Node only. */
import { existsSync, readFileSync } from 'node:fs';
import { KIND_NAMES, type KindName, type Manifest, type StopReason, Trace } from '../sim/index.ts';
import { UsageError } from './errors.ts';

/** The trace in `file`, rebuilt record by record (no protocol needed); checks its hash. */
export function readTrace(file: string): Trace {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const parse = (i: number) => {
    try {
      return JSON.parse(lines[i] as string) as Record<string, unknown>;
    } catch {
      throw new UsageError(`${file}:${i + 1}:1: not a JSON line`);
    }
  };
  const head = parse(0);
  if (head['type'] !== 'manifest')
    throw new UsageError(`${file}:1:1: the first line is not a parley manifest`);
  const { type: _t, ...manifest } = head;
  const spec = (manifest as { spec?: { agents?: { id: string }[] } }).spec;
  const ids = (spec?.agents ?? []).map((a) => a.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const trace = new Trace(manifest as unknown as Manifest, ids);
  const last = parse(lines.length - 1);
  const body = last['type'] === 'end' ? lines.length - 1 : lines.length;
  for (let i = 1; i < body; i++) {
    const r = parse(i);
    const kind = KIND_NAMES.indexOf(r['kind'] as KindName);
    if (kind < 0)
      throw new UsageError(`${file}:${i + 1}:1: unknown record kind ${JSON.stringify(r['kind'])}`);
    const who = (k: string) => (r[k] === undefined ? -1 : (index.get(r[k] as string) ?? -1));
    const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : -1);
    trace.append(
      num('tick'),
      kind,
      who('agent'),
      who('peer'),
      num('msg'),
      num('cause'),
      num('at'),
      r['data'],
    );
  }
  if (last['type'] === 'end') {
    trace.stop = { reason: last['stop'] as StopReason, tick: last['tick'] as number };
    if (last['hash'] !== trace.hash())
      throw new UsageError(
        `${file}: the end line's hash does not match the lines before it: the file was changed or cut`,
      );
  }
  return trace;
}
