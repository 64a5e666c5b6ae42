/**
 * Checker options and network scheduler options (issue 13): each checker and
 * each scheduler declares the options it reads, so that the loader refuses a
 * misspelt, ill-typed or out-of-range option with its position, instead of
 * silently running with the default; the JSON Schema and the READMEs say the
 * same as the declarations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  CHECKER_OPTIONS_END,
  CHECKER_OPTIONS_START,
  readmeWithCheckerTables,
} from '../../scenarios/protocols/docs.ts';
import { flpAdversary, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { CHECKERS } from '../../sim/checkers/index.ts';
import { CHECKER_NAMES } from '../../sim/checkers/names.ts';
import { loadScenario, scenarioJsonSchema } from '../../sim/index.ts';
import { paramValueProblems } from '../../sim/scenario/params.ts';
import { problems, registry } from '../fixtures/load-problems.ts';

const root = join(import.meta.dirname, '..', '..');

const TERMINATION = `name: t
protocol: two-phase-commit
agents: { count: 3 }
checks:
  - { property: termination, expect: holds, options: { tickmax: 50 } }
`;

const FLP = `name: flp
protocol: ben-or
params: { coin: deterministic, faults: 1 }
agents: { count: 4 }
network:
  scheduler: { name: flp-adversary, fault: 1 }
`;

describe('checker options in scenario files', () => {
  it('refuses a misspelt option, at its key, with a did-you-mean', () => {
    expect(problems(TERMINATION)).toEqual([
      'f.yaml:5:56: checks.0.options.tickmax: unknown option "tickmax" of checker termination (did you mean "tickMax"?)',
    ]);
  });

  it('refuses a value of the wrong type, at the value', () => {
    expect(problems(TERMINATION.replace('tickmax: 50', 'tickMax: "50"'))).toEqual([
      'f.yaml:5:65: checks.0.options.tickMax: must be a number, got the text "50"',
    ]);
    expect(problems(TERMINATION.replace('tickmax: 50', 'tickMax: 49.5'))).toEqual([
      'f.yaml:5:65: checks.0.options.tickMax: must be a whole number, got the number 49.5',
    ]);
    expect(
      problems(TERMINATION.replace('termination', 'validity').replace('tickmax: 50', 'values: 1')),
    ).toEqual(['f.yaml:5:61: checks.0.options.values: must be a list, got the number 1']);
  });

  it('refuses an option that another option leaves without effect, naming why', () => {
    expect(
      problems(
        TERMINATION.replace('termination', 'validity').replace(
          'tickmax: 50',
          'hull: true, values: [a]',
        ),
      ),
    ).toEqual([
      'f.yaml:5:65: checks.0.options.values: has no effect here: hull: true checks the range of the proposed numbers instead; remove it',
    ]);
    expect(
      problems(
        TERMINATION.replace('termination', 'utility').replace('tickmax: 50', 'decide: false'),
      ),
    ).toEqual([
      'f.yaml:5:52: checks.0.options.decide: has no effect here: without capability the task is deciding, so decide: false would check nothing; name the capability the task needs; remove it',
    ]);
    // Each alone, or with the option that gives it its meaning, is fine.
    expect(
      problems(
        TERMINATION.replace('termination', 'utility').replace(
          'tickmax: 50',
          'decide: false, capability: db.read',
        ),
      ),
    ).toEqual([]);
  });

  it('refuses a value out of range, at the value', () => {
    expect(
      problems(
        TERMINATION.replace('termination', 'infection').replace('tickmax: 50', 'fractionMax: 2'),
      ),
    ).toEqual(['f.yaml:5:67: checks.0.options.fractionMax: must be at most 1, got the number 2']);
    expect(problems(TERMINATION.replace('tickmax: 50', 'tickMax: -1'))).toEqual([
      'f.yaml:5:65: checks.0.options.tickMax: must be at least 0, got the number -1',
    ]);
  });

  it('refuses an agent the scenario does not have, and any option of a checker that takes none', () => {
    expect(problems(TERMINATION.replace('tickmax: 50', 'agents: [a0, a9]'))).toEqual([
      'f.yaml:5:69: checks.0.options.agents.1: unknown agent "a9" (did you mean "a0"?)',
    ]);
    expect(problems(TERMINATION.replace('termination', 'agreement'))).toEqual([
      'f.yaml:5:54: checks.0.options.tickmax: unknown option "tickmax" of checker agreement; it takes no options',
    ]);
    expect(problems(TERMINATION.replace('tickmax', 'deadline'))).toEqual([
      'f.yaml:5:56: checks.0.options.deadline: unknown option "deadline" of checker termination; options: tickMax, agents',
    ]);
  });

  it('names the override that misspells an option or puts it out of range', () => {
    const plain = TERMINATION.replace(', options: { tickmax: 50 }', '');
    expect(problems(plain, ['checks.0.options.tickmax=50'])).toEqual([
      'f.yaml: override checks.0.options.tickmax=50: checks.0.options.tickmax: unknown option "tickmax" of checker termination (did you mean "tickMax"?)',
    ]);
    expect(problems(plain, ['checks.0.options.tickMax=9e15'])).toEqual([
      'f.yaml: override checks.0.options.tickMax=9e15: checks.0.options.tickMax: must be at most 2147483647, got the number 9000000000000000',
    ]);
  });

  it('accepts the declared options', () => {
    expect(problems(TERMINATION.replace('tickmax: 50', 'tickMax: 50, agents: [a0]'))).toEqual([]);
  });
});

describe('network scheduler options in scenario files', () => {
  it('refuses a misspelt option, at its key, with a did-you-mean', () => {
    expect(problems(FLP)).toEqual([
      'f.yaml:6:37: network.scheduler.fault: unknown option "fault" of scheduler flp-adversary (did you mean "faults"?)',
    ]);
  });

  it('refuses a value of the wrong type or out of range, at the value', () => {
    expect(problems(FLP.replace('fault: 1', 'faults: one'))).toEqual([
      'f.yaml:6:45: network.scheduler.faults: must be a number, got the text "one"',
    ]);
    expect(problems(FLP.replace('fault: 1', 'slowTicks: 2.5'))).toEqual([
      'f.yaml:6:48: network.scheduler.slowTicks: must be a whole number, got the number 2.5',
    ]);
    expect(problems(FLP.replace('fault: 1', 'slowTicks: 9000000'))).toEqual([
      'f.yaml:6:48: network.scheduler.slowTicks: must be at most 1000000, got the number 9000000',
    ]);
    expect(problems(FLP, ['network.scheduler.fault=1'])[0]).toBe(
      'f.yaml: override network.scheduler.fault=1: network.scheduler.fault: unknown option "fault" of scheduler flp-adversary (did you mean "faults"?)',
    );
  });

  it('still tells what spans two options, from the scheduler itself', () => {
    expect(problems(FLP.replace('fault: 1', 'fastTicks: 5, slowTicks: 5'))).toEqual([
      'f.yaml:6:14: network.scheduler: flp-adversary: slowTicks must be a whole number above fastTicks',
    ]);
  });

  it('keeps the registry a map of plain factories: one without a declaration takes any option', () => {
    const make = (o: Record<string, unknown>) => flpAdversary({ faults: Number(o['f'] ?? 1) });
    const plain = { protocols: registry.protocols, schedulers: new Map([['flp-adversary', make]]) };
    const { scenario } = loadScenario(FLP.replace('fault: 1', 'f: 1, anything: 2'), plain);
    expect(scenario.network?.scheduler?.name).toBe(
      'flp-adversary(faults=1, fastTicks=1, slowTicks=10)',
    );
    expect(SCHEDULERS.get('flp-adversary')?.({ slowTicks: 20 }).name).toBe(
      'flp-adversary(faults=1, fastTicks=1, slowTicks=20)',
    );
  });
});

describe('the declarations', () => {
  it('cover every option a checker reads, and each default lies in its own range', () => {
    const declared = new Set<string>();
    for (const name of CHECKER_NAMES)
      for (const [key, spec] of Object.entries(CHECKERS[name].options)) {
        declared.add(key);
        if (spec.default === undefined)
          expect(spec.defaultIs, `${name}.${key} says its default`).toBeTypeOf('string');
        else
          expect(paramValueProblems(spec.default, spec, new Set()), `${name}.${key}`).toEqual([]);
      }
    const read = new Set<string>();
    const dir = join(root, 'sim', 'checkers');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(/options\?\.\['(\w+)'\]|option\w+\(options, '(\w+)'/g))
        read.add((m[1] ?? m[2]) as string);
    }
    expect([...read].sort()).toEqual([...declared].sort());
    for (const [name, make] of SCHEDULERS) {
      const options = (make as { options?: Record<string, { default?: unknown }> }).options;
      expect(options, `${name} declares its options`).toBeDefined();
    }
  });

  it('are tabled in README.md exactly as generated (node --import tsx scripts/protocol-docs.ts)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(CHECKER_OPTIONS_START);
    expect(readme).toContain(CHECKER_OPTIONS_END);
    expect(readme).toBe(readmeWithCheckerTables(readme));
    expect(readme).toContain('| `fractionMax` | number | 0 to 1 | 0.5 |');
    const protocols = readFileSync(join(root, 'scenarios', 'protocols', 'README.md'), 'utf8');
    expect(protocols).toContain('### flp-adversary');
    expect(protocols).toContain('| `slowTicks` | integer | 1 to 1,000,000 | 10 | ticks |');
  });
});

/**
 * Just enough of JSON Schema draft 2020-12 to judge checks and schedulers:
 * the keywords the scenario schema uses. Returns the paths that fail.
 */
type Schema = Record<string, unknown> | boolean;
function validate(schema: Schema, value: unknown, defs: Record<string, Schema>, at = ''): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: not allowed`];
  const s = schema as Record<string, unknown>;
  if (typeof s['$ref'] === 'string')
    return validate(
      defs[(s['$ref'] as string).split('/').at(-1) as string] ?? true,
      value,
      defs,
      at,
    );
  const out: string[] = [];
  const type = s['type'];
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const typeOk =
    type === undefined ||
    (type === 'object' && isObject) ||
    (type === 'array' && Array.isArray(value)) ||
    (type === 'string' && typeof value === 'string') ||
    (type === 'boolean' && typeof value === 'boolean') ||
    (type === 'number' && typeof value === 'number') ||
    (type === 'integer' && Number.isInteger(value));
  if (!typeOk) return [`${at}: not ${String(type)}`];
  if ('const' in s && s['const'] !== value) out.push(`${at}: not ${String(s['const'])}`);
  if (Array.isArray(s['enum']) && !s['enum'].includes(value)) out.push(`${at}: not in enum`);
  if (typeof value === 'number') {
    if (typeof s['minimum'] === 'number' && value < s['minimum']) out.push(`${at}: below minimum`);
    if (typeof s['maximum'] === 'number' && value > s['maximum']) out.push(`${at}: above maximum`);
  }
  if (Array.isArray(value)) {
    if (typeof s['minItems'] === 'number' && value.length < s['minItems'])
      out.push(`${at}: too few items`);
    if (s['items'] !== undefined)
      value.forEach((v, i) => {
        out.push(...validate(s['items'] as Schema, v, defs, `${at}.${i}`));
      });
  }
  if (isObject) {
    const o = value as Record<string, unknown>;
    const properties = (s['properties'] ?? {}) as Record<string, Schema>;
    for (const key of (s['required'] ?? []) as string[])
      if (!(key in o)) out.push(`${at}.${key}: required`);
    for (const [key, v] of Object.entries(o)) {
      if (key in properties)
        out.push(...validate(properties[key] as Schema, v, defs, `${at}.${key}`));
      else if (s['additionalProperties'] !== undefined)
        out.push(...validate(s['additionalProperties'] as Schema, v, defs, `${at}.${key}`));
    }
  }
  for (const sub of (s['allOf'] ?? []) as Record<string, Schema>[]) {
    if (sub['if'] !== undefined) {
      if (validate(sub['if'], value, defs, at).length === 0 && sub['then'] !== undefined)
        out.push(...validate(sub['then'], value, defs, at));
    } else out.push(...validate(sub, value, defs, at));
  }
  return out;
}

describe('the JSON Schema of checks and schedulers (parley schema)', () => {
  const schema = scenarioJsonSchema(registry.protocols.values(), SCHEDULERS) as {
    properties: Record<string, Record<string, unknown>>;
    $defs?: Record<string, Schema>;
  };
  const defs = schema.$defs ?? {};
  const checkSchema = schema.properties['checks']?.['items'] as Schema;
  const network = schema.properties['network'] as { properties: Record<string, Schema> };
  const schedulerSchema = network.properties['scheduler'] as Schema;

  it("documents each checker's options, and refuses any other", () => {
    expect(
      validate(checkSchema, { property: 'termination', options: { tickmax: 50 } }, defs),
    ).toEqual(['.options.tickmax: not allowed']);
    expect(
      validate(checkSchema, { property: 'infection', options: { fractionMax: 2 } }, defs),
    ).toEqual(['.options.fractionMax: above maximum']);
    expect(validate(checkSchema, { property: 'agreement', options: { x: 1 } }, defs)).toEqual([
      '.options.x: not allowed',
    ]);
    expect(
      validate(checkSchema, { property: 'termination', options: { tickMax: 50 } }, defs),
    ).toEqual([]);
    type Condition = { then: { properties: { options: { properties: Record<string, unknown> } } } };
    const conditions = (checkSchema as { allOf: Condition[] }).allOf;
    const termination = conditions.find((c) => JSON.stringify(c).includes('"const":"termination"'))
      ?.then.properties.options.properties;
    expect(termination?.['tickMax']).toEqual({
      type: 'integer',
      minimum: 0,
      maximum: 2147483647,
      description:
        'the tick by which the agents must have decided, 0 to 2,147,483,647 ticks; default the end of the run',
    });
  });

  it("documents each scheduler's options beside its name, and refuses any other", () => {
    expect(validate(schedulerSchema, { name: 'flp-adversary', fault: 1 }, defs)).toEqual([
      '.fault: not allowed',
    ]);
    expect(validate(schedulerSchema, { name: 'flp-adversary', slowTicks: 0 }, defs)).toEqual([
      '.slowTicks: below minimum',
    ]);
    expect(validate(schedulerSchema, { name: 'flp-adversary', faults: 1 }, defs)).toEqual([]);
    // Without schedulers, the scheduler is the loose map it always was.
    const plain = scenarioJsonSchema() as typeof schema;
    const loose = (plain.properties['network'] as typeof network).properties['scheduler'];
    expect(loose).not.toHaveProperty('allOf');
  });

  it('accepts the checks and scheduler of every catalogue scenario, and every one loads', () => {
    const dir = join(root, 'scenarios', 'catalog');
    const names = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const file of names) {
      const text = readFileSync(join(dir, file), 'utf8');
      const data = parseYaml(text) as {
        checks?: unknown[];
        network?: { scheduler?: unknown };
        variants?: Record<string, unknown>;
      };
      for (const c of data.checks ?? []) expect(validate(checkSchema, c, defs), file).toEqual([]);
      if (data.network?.scheduler !== undefined)
        expect(validate(schedulerSchema, data.network.scheduler, defs), file).toEqual([]);
      for (const variant of [undefined, ...Object.keys(data.variants ?? {})])
        expect(() =>
          loadScenario(text, {
            ...registry,
            file,
            ...(variant === undefined ? {} : { variant }),
          }),
        ).not.toThrow();
    }
  });
});
