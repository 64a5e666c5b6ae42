/**
 * Workshops: the shipped one loads against the catalogue and shows each
 * scenario failing and then beside its mitigation; bad files are reported
 * with their line and column; the compare notation reads back as written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogNames, loadNamed } from '../../cli/catalog.ts';
import { judge, runScenario } from '../../sim/index.ts';
import { compareText, loadWorkshop, parseCompare, WorkshopError } from '../../sim/workshop.ts';

const root = join(import.meta.dirname, '..', '..');
const catalog = {
  scenarios: catalogNames(),
  variantsOf: (name: string) =>
    Object.keys(
      (
        parse(readFileSync(join(root, 'scenarios', 'catalog', `${name}.yaml`), 'utf8')) as {
          variants?: object;
        }
      ).variants ?? {},
    ),
};
const problems = (text: string): string[] => {
  try {
    loadWorkshop(text, 'w.yaml', catalog);
  } catch (err) {
    if (err instanceof WorkshopError) return [...err.problems];
    throw err;
  }
  return [];
};

describe('the shipped workshop: why agent groups fail to coordinate', () => {
  const file = join(root, 'scenarios', 'workshops', 'why-agent-groups-fail.yaml');
  const w = loadWorkshop(readFileSync(file, 'utf8'), file, catalog);

  it('covers the six scenarios the issue names, each failing and then beside its mitigation', () => {
    expect(w.steps.map((s) => s.scenario)).toEqual(
      [
        'llm-negotiation',
        'majority-vote-partition',
        'prompt-infection',
        'confused-deputy-db',
        'runaway-loop',
        'retry-storm',
      ].flatMap((s) => [s, s]),
    );
    w.steps.forEach((s, i) => {
      if (i % 2 === 0) expect(s.compare).toBeUndefined();
      else expect(s.compare).toEqual({ kind: 'variant', variant: 'mitigated' });
    });
  });

  it('each failing step fails a check at its seed, and its mitigated variant fails none', () => {
    for (const s of w.steps.filter((_, i) => i % 2 === 0)) {
      const failing = (variant?: string) => {
        const { scenario } = loadNamed(s.scenario, variant === undefined ? {} : { variant });
        const run = runScenario(scenario, { seed: s.seed ?? 1 });
        return judge(run.trace)
          .verdicts.filter((v) => v.status === 'fails')
          .map((v) => v.property);
      };
      expect(failing(), s.scenario).not.toEqual([]);
      expect(failing('mitigated'), `${s.scenario} mitigated`).toEqual([]);
    }
  });
});

describe('workshop files with mistakes', () => {
  it('names the file, line and column of each', () => {
    const text = [
      'name: w',
      'title: W',
      'steps:',
      '  - scenario: two-generels',
      '    say: hello',
      '  - scenario: two-generals',
      '    compare: variant:mitigatd',
      '    say: hi',
      '  - scenario: two-generals',
      '    sai: hi',
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      'w.yaml:9:5: steps.2.say: is required',
      'w.yaml:10:5: steps.2.sai: unknown key "sai" (did you mean "say"?)',
    ]);
    const fixed = text.replace('    sai: hi', '    say: hi');
    expect(problems(fixed)).toEqual([
      'w.yaml:4:15: steps.0.scenario: no scenario "two-generels" in the catalogue (did you mean "two-generals"?)',
      'w.yaml:7:14: steps.1.compare: two-generals has no variant "mitigatd"; variants: more-hops',
    ]);
    expect(
      problems('name: w\ntitle: W\nsteps: [{scenario: two-generals, say: x, compare: "seed:x"}]\n'),
    ).toEqual(['w.yaml:3:51: steps.0.compare: compare "seed:x": the seed must be a whole number']);
  });
});

describe('the compare notation', () => {
  it('reads variant:, seed: and set: and writes them back', () => {
    for (const text of ['variant:mitigated', 'seed:7', 'set:network.dropRatio=0.3;params.hops=4'])
      expect(compareText(parseCompare(text) as never)).toBe(text);
    expect(parseCompare('set:a=1; b=2')).toEqual({ kind: 'set', overrides: ['a=1', 'b=2'] });
    expect(parseCompare('mitigated')).toBe(
      'compare "mitigated": write variant:NAME, seed:N or set:PATH=VALUE',
    );
  });
});
