import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { judge, loadScenario, runScenario } from '../../sim/index.ts';

const dir = join(import.meta.dirname, '..', '..', 'scenarios', 'catalog');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();
const registry = { protocols: PROTOCOLS, schedulers: SCHEDULERS };
const load = (name: string, variant?: string) =>
  loadScenario(readFileSync(join(dir, `${name}.yaml`), 'utf8'), {
    ...registry,
    file: `${name}.yaml`,
    ...(variant === undefined ? {} : { variant }),
  });

/** Seeds every mitigated variant must hold over. */
const MITIGATED_SEEDS = 200;

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
      const judged = judge(runScenario(scenario, { seed }).trace);
      const unmet = judged.verdicts.filter((v) => !v.met).map((v) => `${v.property}: ${v.summary}`);
      expect(unmet, `npx parley run ${name} --seed ${seed}`).toEqual([]);
      // The failing default really fails something.
      expect(judged.verdicts.some((v) => v.expect === 'fails')).toBe(true);
      for (const variant of Object.keys(source.variants ?? {})) {
        const v = load(name, variant).scenario;
        expect(runScenario(v, { seed }).events, `${name} --variant ${variant}`).toBeGreaterThan(0);
      }
    });

    if (Object.keys(load(name).source.variants ?? {}).includes('mitigated')) {
      it(`${name}: its mitigated variant holds over ${MITIGATED_SEEDS} seeds`, () => {
        const { scenario } = load(name, 'mitigated');
        for (let seed = 1; seed <= MITIGATED_SEEDS; seed++) {
          const judged = judge(runScenario(scenario, { seed }).trace);
          const unmet = judged.verdicts
            .filter((v) => !v.met)
            .map((v) => `${v.property}: ${v.summary}`);
          expect(unmet, `npx parley run ${name} --variant mitigated --seed ${seed}`).toEqual([]);
        }
      });
    }
  }
});
