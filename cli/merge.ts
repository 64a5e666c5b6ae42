/** `parley merge`: join the shards of a sweep, checking none is missing or doubled. Node only. */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from './errors.ts';
import { writeWhole } from './files.ts';

interface SweepManifest {
  scenarioHash: string;
  runs: number;
  shard: { index: number; count: number } | null;
  columns: string[];
  format: 'csv' | 'jsonl';
  [key: string]: unknown;
}

/** Merges shard files into `out`; returns the number of rows. */
export function merge(files: readonly string[], out: string): number {
  if (files.length === 0) throw new UsageError('merge needs the shard files');
  if (existsSync(out)) throw new UsageError(`${out} exists; choose another --out`);
  const manifests = files.map((f) => {
    const path = `${f}.manifest.json`;
    if (!existsSync(f) || !existsSync(path))
      throw new UsageError(`${f}: no such sweep file with its manifest (${path})`);
    return JSON.parse(readFileSync(path, 'utf8')) as SweepManifest;
  });
  const first = manifests[0] as SweepManifest;
  const { shard: _s, ...common } = first;
  const same = JSON.stringify(common);
  manifests.forEach((m, i) => {
    const { shard: _x, ...rest } = m;
    if (JSON.stringify(rest) !== same)
      throw new UsageError(
        `${files[i]} belongs to a different sweep than ${files[0]} (compare their manifests)`,
      );
  });
  const byRun = new Map<number, string>();
  files.forEach((f, i) => {
    const lines = readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const body = first.format === 'csv' ? lines.slice(1) : lines;
    for (const line of body) {
      const run =
        first.format === 'csv'
          ? Number(line.slice(0, line.indexOf(',')))
          : (JSON.parse(line) as { run: number }).run;
      if (byRun.has(run)) throw new UsageError(`run ${run} appears twice (again in ${files[i]})`);
      byRun.set(run, line);
    }
  });
  const missing: number[] = [];
  for (let r = 0; r < first.runs && missing.length < 10; r++) if (!byRun.has(r)) missing.push(r);
  if (missing.length > 0)
    throw new UsageError(
      `${first.runs - byRun.size} of ${first.runs} runs are missing (runs ${missing.join(', ')}${missing.length === 10 ? ', …' : ''}); is a shard absent or unfinished?`,
    );
  const rows = [...byRun.keys()].sort((a, b) => a - b).map((r) => byRun.get(r) as string);
  writeWhole(
    out,
    first.format === 'csv'
      ? [first.columns.map((c) => (/[",\n]/.test(c) ? `"${c}"` : c)).join(','), ...rows]
      : rows,
  );
  writeWhole(`${out}.manifest.json`, [JSON.stringify({ ...first, shard: null }, null, 2)]);
  return rows.length;
}
