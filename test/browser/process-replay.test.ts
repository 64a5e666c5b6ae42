/**
 * A catalogue scenario whose agents are Python programs, replayed in Chromium
 * from its recording: the page's engine, answering each program's steps from
 * the recorded output records, gives the recorded trace byte for byte.
 */
import { describe, expect, it } from 'vitest';
import mitigated from '../../scenarios/catalog/recordings/broadcast-partition.mitigated.seed1.jsonl?raw';
import base from '../../scenarios/catalog/recordings/broadcast-partition.seed1.jsonl?raw';
import { runScenario } from '../../sim/index.ts';
import { loadCatalog } from '../../viz/catalog.ts';
import { recordedRuns, recordingHost } from '../../viz/recordings.ts';

describe('process agents in the page', () => {
  it('lists the recorded runs of broadcast-partition', () => {
    expect(
      recordedRuns('broadcast-partition').sort((a, b) => a.variant.localeCompare(b.variant)),
    ).toEqual([
      { variant: '', seed: 1 },
      { variant: 'mitigated', seed: 1 },
    ]);
  });

  for (const [variant, text] of [
    [undefined, base],
    ['mitigated', mitigated],
  ] as const)
    it(`replays broadcast-partition${variant === undefined ? '' : ` --variant ${variant}`} at seed 1 from its recording, byte for byte`, async () => {
      const { scenario } = loadCatalog('broadcast-partition', variant);
      const processes = await recordingHost('broadcast-partition', variant, 1);
      expect(processes).toBeDefined();
      const trace = runScenario(scenario, { seed: 1, ...(processes ? { processes } : {}) }).trace;
      expect(trace.toJSONL()).toBe(text);
    });

  it('has no recording for another seed', async () => {
    expect(await recordingHost('broadcast-partition', undefined, 2)).toBeUndefined();
  });
});
