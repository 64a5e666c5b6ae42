import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/index.ts';
import { GOLDEN } from '../fixtures/golden.ts';
import { goldenScenarios } from '../fixtures/scenarios.ts';

describe('the engine in headless Chromium', () => {
  it('runs in a real browser, not in Node', () => {
    expect(typeof document).toBe('object');
    expect(navigator.userAgent).toMatch(/Chrome/);
  });

  it('gives the golden trace hashes in the page', () => {
    const hashes: Record<string, string> = {};
    for (const { scenario, seed } of goldenScenarios) {
      hashes[`${scenario.name}@${seed}`] = runScenario(scenario, { seed }).trace.hash();
    }
    expect(hashes).toEqual(GOLDEN);
  });

  it('gives the golden trace hashes in a web worker', async () => {
    const worker = new Worker(new URL('./hash-web-worker.ts', import.meta.url), { type: 'module' });
    const hashes = await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message));
    });
    worker.terminate();
    expect(hashes).toEqual(GOLDEN);
  });
});
