import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GOLDEN } from '../fixtures/golden.ts';

describe('the engine in a worker thread', () => {
  it('gives the golden trace hashes', async () => {
    const worker = new Worker(new URL('../fixtures/ts-worker.mjs', import.meta.url), {
      workerData: { entry: new URL('../fixtures/hash-worker.ts', import.meta.url).href },
    });
    const hashes = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(hashes).toEqual(GOLDEN);
  });
});
