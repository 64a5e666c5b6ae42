/**
 * Sweep throughput: runs per second of `parley sweep` on a reference
 * scenario with 1 and 2 workers (pool start-up included, paid once per
 * sweep), on the default engine (auto: the fast path where machines compile)
 * and with 1 worker on xstate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweep } from '../cli/sweep.ts';
import type { EngineChoice } from '../sim/index.ts';

export const SWEEP_REFERENCE =
  'gossip-loss (push-pull, 64 agents), 4 loss values x 150 seeds = 600 runs';

/** Runs per second of the reference sweep with `workers` workers, machines stepped as `engine` says. */
export async function sweepRate(workers: number, engine: EngineChoice = 'auto'): Promise<number> {
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
      engine,
    });
    return 600 / ((performance.now() - t0) / 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
