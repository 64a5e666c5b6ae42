import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogCassette } from '../../cli/cassettes.ts';
import { registerProcessHost } from '../../cli/process-host.ts';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import {
  hasProcessAgents,
  judge,
  loadScenario,
  recordedModelHost,
  runScenario,
} from '../../sim/index.ts';

const dir = join(import.meta.dirname, '..', '..', 'scenarios', 'catalog');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();
const registry = { protocols: PROTOCOLS, schedulers: SCHEDULERS };
const load = (name: string, variant?: string) => {
  const loaded = loadScenario(readFileSync(join(dir, `${name}.yaml`), 'utf8'), {
    ...registry,
    file: `${name}.yaml`,
    ...(variant === undefined ? {} : { variant }),
  });
  // Scenarios whose agents are programs start them from the catalogue's folder.
  return hasProcessAgents(loaded.scenario)
    ? { ...loaded, scenario: { ...loaded.scenario, processBase: dir } }
    : loaded;
};
registerProcessHost();
/** Scenarios whose agents ask a model answer from their cassette: a fresh host per run. */
const models = (name: string) => {
  const cassette = catalogCassette(name);
  return cassette === undefined ? {} : { models: recordedModelHost(cassette) };
};

/**
 * Seeds every mitigated variant must hold over; 50 where agents are programs
 * (each run starts five Python processes: 200 would take minutes).
 */
const MITIGATED_SEEDS = 200;
const MITIGATED_SEEDS_PROGRAMS = 50;

describe('the scenario catalogue', () => {
  it('ships a lesson with the same sections beside every scenario', () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const lesson = readFileSync(join(dir, `${name}.md`), 'utf8');
      expect(lesson.startsWith(`# ${name}\n`), name).toBe(true);
      for (const section of ['## What to watch', '## The knob', '## The known result', '## See it'])
        expect(lesson, `${name}.md lacks ${section}`).toContain(section);
      expect(lesson).toContain(`npx parley run ${name}`);
    }
  });

  for (const name of names) {
    it(`${name}: shows what its lesson promises at its documented seed`, () => {
      const { scenario, source } = load(name);
      expect(source.seed, `${name} documents a seed`).toBeTypeOf('number');
      expect(source.description, `${name} has a description`).toBeTypeOf('string');
      const seed = source.seed as number;
      const judged = judge(runScenario(scenario, { seed, ...models(name) }).trace);
      const unmet = judged.verdicts.filter((v) => !v.met).map((v) => `${v.property}: ${v.summary}`);
      expect(unmet, `npx parley run ${name} --seed ${seed}`).toEqual([]);
      // The failing default really fails something.
      expect(judged.verdicts.some((v) => v.expect === 'fails')).toBe(true);
      for (const variant of Object.keys(source.variants ?? {})) {
        const v = load(name, variant).scenario;
        expect(
          runScenario(v, { seed, ...models(name) }).events,
          `${name} --variant ${variant}`,
        ).toBeGreaterThan(0);
      }
    });

    if (Object.keys(load(name).source.variants ?? {}).includes('mitigated')) {
      const { scenario } = load(name, 'mitigated');
      const seeds = hasProcessAgents(scenario) ? MITIGATED_SEEDS_PROGRAMS : MITIGATED_SEEDS;
      it(`${name}: its mitigated variant holds over ${seeds} seeds`, () => {
        for (let seed = 1; seed <= seeds; seed++) {
          const judged = judge(runScenario(scenario, { seed, ...models(name) }).trace);
          const unmet = judged.verdicts
            .filter((v) => !v.met)
            .map((v) => `${v.property}: ${v.summary}`);
          expect(unmet, `npx parley run ${name} --variant mitigated --seed ${seed}`).toEqual([]);
        }
      });
    }
  }

  // The page replays these runs from their recordings: a recording must be what the programs do now.
  const recordings = join(dir, 'recordings');
  for (const file of readdirSync(recordings).filter((f) => f.endsWith('.jsonl')))
    it(`recordings/${file} is what the programs write today, byte for byte`, () => {
      const m = /^(.+?)(?:\.([^.]+))?\.seed(\d+)\.jsonl$/.exec(file);
      expect(m, file).not.toBeNull();
      const [, name, variant, seed] = m as RegExpExecArray;
      const { scenario } = load(name as string, variant);
      const trace = runScenario(scenario, { seed: Number(seed) }).trace;
      expect(
        trace.toJSONL(),
        `npx parley run ${name}${variant === undefined ? '' : ` --variant ${variant}`} --seed ${seed} --out scenarios/catalog/recordings/${file}`,
      ).toBe(readFileSync(join(recordings, file), 'utf8'));
    }, 60_000);
});
