/**
 * Start-up of the command: the wall time from starting `node bin/parley.js
 * ARGS` to its exit, median of RUNS after one untimed, beside Node alone
 * (`node -e 0`). Runs the compiled build when it is current (`npm run bench`
 * builds it first), as an installed `parley` does.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, type Row } from './report.ts';

const RUNS = 15;
const BIN = fileURLToPath(new URL('../bin/parley.js', import.meta.url));

/** Median milliseconds from spawning `node ARGS` to its exit; throws when it fails. */
function startMs(args: readonly string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t0;
    if (r.status !== 0)
      throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr).trim()}`);
    if (i > 0) times.push(ms);
  }
  return median(times);
}

export function startupRows(): Row[] {
  return [
    { name: 'node -e 0 (Node alone)', value: startMs(['-e', '0']), unit: 'ms' },
    { name: 'parley --version (target <= 300)', value: startMs([BIN, '--version']), unit: 'ms' },
    { name: 'parley list (target <= 300)', value: startMs([BIN, 'list']), unit: 'ms' },
    { name: 'parley run two-generals', value: startMs([BIN, 'run', 'two-generals']), unit: 'ms' },
  ];
}
