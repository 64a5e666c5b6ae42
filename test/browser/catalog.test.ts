import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/index.ts';
import { CATALOG, loadCatalog } from '../../viz/catalog.ts';
import { CATALOG_GOLDEN } from '../fixtures/golden.ts';

describe('the catalogue in headless Chromium', () => {
  it('bundles every scenario file and runs them to the hashes the command line gives', () => {
    expect(CATALOG.size).toBeGreaterThanOrEqual(10);
    const hashes: Record<string, string> = {};
    for (const key of Object.keys(CATALOG_GOLDEN)) {
      const [name, seed] = key.split('@') as [string, string];
      hashes[key] = runScenario(loadCatalog(name).scenario, { seed: Number(seed) }).trace.hash();
    }
    expect(hashes).toEqual(CATALOG_GOLDEN);
  });
});
