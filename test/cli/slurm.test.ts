/**
 * A sweep as a Slurm array job on a real one-node cluster on loopback
 * (scripts/slurm-cluster.sh), each task one shard, merged and compared with
 * the same sweep on this machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'parley.js');
const cluster = join(root, 'scripts', 'slurm-cluster.sh');
const dir = mkdtempSync(join(tmpdir(), 'parley-slurm-'));
// munged wants every folder above its socket open to all.
chmodSync(dir, 0o755);
const conf = join(dir, 'cluster', 'slurm.conf');
const env = { ...process.env, SLURM_CONF: conf };
const SWEEP = [
  'sweep',
  'lossy-handoff',
  '--seeds',
  '5',
  '--vary',
  'network.dropRatio=0,0.2',
  '--workers',
  '1',
];

describe('a sweep on a Slurm cluster', () => {
  beforeAll(() => {
    execFileSync(cluster, ['up', join(dir, 'cluster')], { stdio: 'inherit' });
  }, 60_000);
  afterAll(() => {
    execFileSync(cluster, ['down', join(dir, 'cluster')], { stdio: 'inherit' });
  });

  it('runs one shard per array task; the merged file equals the single-machine one', () => {
    const script = join(dir, 'sweep.sbatch');
    writeFileSync(
      script,
      `#!/bin/bash
#SBATCH --job-name=parley-sweep
#SBATCH --array=0-2
#SBATCH --output=${dir}/task-%a.out
cd ${root}
${process.execPath} ${bin} ${SWEEP.join(' ')} --shard $((SLURM_ARRAY_TASK_ID + 1))/3 --out ${dir}/part-$SLURM_ARRAY_TASK_ID.csv
`,
    );
    const job = execFileSync('sbatch', ['--parsable', script], { env, encoding: 'utf8' }).trim();
    const deadline = Date.now() + 90_000;
    while (execFileSync('squeue', ['-h', '-j', job], { env, encoding: 'utf8' }).trim() !== '') {
      if (Date.now() > deadline) throw new Error(`job ${job} did not finish; see ${dir}`);
      execFileSync('sleep', ['0.5']);
    }
    const states = execFileSync('scontrol', ['-o', 'show', 'job', job], { env, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => /JobState=(\S+)/.exec(l)?.[1]);
    expect(states).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

    const parts = [0, 1, 2].map((i) => join(dir, `part-${i}.csv`));
    const merged = join(dir, 'merged.csv');
    const m = spawnSync(process.execPath, [bin, 'merge', ...parts, '--out', merged], {
      encoding: 'utf8',
    });
    expect(m.status, m.stderr).toBe(0);
    const single = join(dir, 'single.csv');
    const s = spawnSync(process.execPath, [bin, ...SWEEP, '--out', single], { encoding: 'utf8' });
    expect(s.status, s.stderr).toBe(0);
    expect(readFileSync(merged, 'utf8')).toBe(readFileSync(single, 'utf8'));
    expect(readFileSync(merged, 'utf8').trimEnd().split('\n')).toHaveLength(
      1 + ((10 * 2) / 2) * 1 + 0,
    );
  }, 120_000);
});
