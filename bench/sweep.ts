/**
 * Sweep throughput: runs per second of `parley sweep` on a reference
 * scenario with 1 and 2 workers (the command's own thread, then one worker
 * thread, its start-up included), on the default engine (auto: the fast path
 * where machines compile) and on xstate. Each case runs in a fresh process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweep } from '../cli/sweep.ts';
import type { EngineChoice } from '../sim/index.ts';

/** cli/compiled.mjs (plain JavaScript, without types): which build bin/parley.js would run. */
const { BUILD_ENV, currentBuild } = (await import('../cli/compiled.mjs' as string)) as {
  BUILD_ENV: string;
  currentBuild(): string | undefined;
};

export const SWEEP_REFERENCE =
  'gossip-loss (push-pull, 64 agents), 4 loss values x 150 seeds = 600 runs';

/**
 * Which code the sweep's workers run: the compiled build when it is current,
 * as `parley sweep` from bin/parley.js does, else the sources through tsx
 * (each worker then transpiles and loads them: measured here about 1.5 CPU
 * seconds a worker against 0.7 from the build, with 600 runs of about 6 ms).
 */
export function sweepWorkerCode(): string {
  return currentBuild() !== undefined
    ? 'workers on the compiled build'
    : 'workers on the sources through tsx: no current build (npm run build:cli)';
}

/** Runs per second of the reference sweep with `workers` workers, machines stepped as `engine` says. */
export async function sweepRate(workers: number, engine: EngineChoice = 'auto'): Promise<number> {
  const build = currentBuild();
  if (build !== undefined) process.env[BUILD_ENV] = build;
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
