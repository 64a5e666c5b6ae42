/**
 * A catalogue scenario whose agents ask a language model, run in Chromium
 * from its bundled cassette: the page's engine, in the page and in the run
 * worker, gives the trace hashes `npx parley run model-injection` prints.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/index.ts';
import { cassetteHost, hasCassette } from '../../viz/cassettes.ts';
import { loadCatalog } from '../../viz/catalog.ts';
import { runInWorker } from '../../viz/run-client.ts';

/** `npx parley run model-injection [--variant mitigated]` prints these hashes (seed 1). */
const HASHES = {
  base: 'fd29b390f8c9e850d03ba0e66f44d012f63d5cacda014a40a428746ddb34f395',
  mitigated: '04c057a0e525f348ef7cd9188813822ef7a9b143306494f8e9eee633a82ccf8c',
};

describe('model agents in the page', () => {
  it('bundles the cassette of model-injection, and none for other scenarios', () => {
    expect(hasCassette('model-injection')).toBe(true);
    expect(hasCassette('two-generals')).toBe(false);
  });

  for (const variant of [undefined, 'mitigated'] as const)
    it(`runs model-injection${variant === undefined ? '' : ` --variant ${variant}`} from the cassette with the hash of the command line`, async () => {
      const { scenario } = loadCatalog('model-injection', variant);
      const models = await cassetteHost('model-injection');
      expect(models).toBeDefined();
      const trace = runScenario(scenario, { seed: 1, ...(models ? { models } : {}) }).trace;
      expect(trace.hash()).toBe(HASHES[variant ?? 'base']);
    });

  it('the run worker answers from the cassette too', async () => {
    const reply = await runInWorker({ scenarioName: 'model-injection' });
    if (!reply.ok) throw new Error(`the worker failed: ${reply.error}`);
    expect(reply.summary.hash).toBe(HASHES.base);
    expect(reply.summary.decisions.map((d) => `${d.agent}:${String(d.value)}`)).toEqual([
      'reader:reported',
      'planner:resolved',
    ]);
  });
});
