/**
 * Sweep throughput: runs per second of `parley sweep` on a reference
 * scenario with 1 and 2 workers (pool start-up included, paid once per sweep).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweep } from '../cli/sweep.ts';

export const SWEEP_REFERENCE =
  'gossip-loss (push-pull, 64 agents), 4 loss values x 150 seeds = 600 runs';

/** Runs per second of the reference sweep with `workers` workers. */
export async function sweepRate(workers: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  try {
    const t0 = performance.now();
    await sweep('gossip-loss', {
      vary: ['network.dropRatio=0,0.1,0.2,0.3'],
      seeds: 150,
      workers,
      out: join(dir, 'rows.csv'),
      variant: 'mitigated',
      set: [],
      quiet: true,
    });
    return 600 / ((performance.now() - t0) / 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
