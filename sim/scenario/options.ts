/**
 * Checker and scheduler options: checking each check's `options` against what
 * its checker declares (`Checker.options`, beside its code in sim/checkers/),
 * and the network scheduler's options against what its factory declares
 * (`SchedulerFactory.options`); the JSON Schema conditions and the Markdown
 * tables that document both. A misspelt option would otherwise mean its
 * default and could flip a verdict. Pure.
 */
import { CHECKERS } from '../checkers/index.ts';
import { CHECKER_NAMES, isCheckerName } from '../checkers/names.ts';
import type { OptionSpecs } from '../checkers/verdict.ts';
import type { Json, Scheduler } from '../spec.ts';
import type { Registry } from './load.ts';
import { jsonSchemaOf, paramTable, paramValueProblems, specDescription } from './params.ts';
import { didYouMean } from './suggest.ts';

type Path = (string | number)[];

/**
 * A network scheduler's factory, as `Registry.schedulers` holds it, with the
 * options it reads declared: the loader refuses any other, and values of the
 * wrong type or out of range. Without `options`, any option goes unchecked.
 */
export interface SchedulerFactory {
  (options: Record<string, unknown>): Scheduler;
  readonly options?: OptionSpecs;
}

/** `make` with its options declared: still a plain factory for `Registry.schedulers`. */
export function declareScheduler(
  make: (options: Record<string, unknown>) => Scheduler,
  options: OptionSpecs,
): SchedulerFactory {
  return Object.assign((o: Record<string, unknown>) => make(o), { options });
}

/** The options the scheduler registered as `name` declares, or undefined. */
export function schedulerOptions(
  schedulers: Registry['schedulers'],
  name: string,
): OptionSpecs | undefined {
  return (schedulers?.get(name) as SchedulerFactory | undefined)?.options;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

/** `unknown option "x" of checker y`, then a did-you-mean or the options there are. */
function unknownOption(key: string, of: string, declared: OptionSpecs): string {
  const names = Object.keys(declared);
  const suggestion = didYouMean(key, names);
  const known =
    suggestion !== ''
      ? suggestion
      : names.length > 0
        ? `; options: ${names.join(', ')}`
        : '; it takes no options';
  return `unknown option "${key}" of ${of}${known}`;
}

/**
 * Reports every problem with the options of the scenario file `root` (as
 * parsed, before validation): an option its checker or scheduler does not
 * declare (with a did-you-mean), a value of the wrong type or out of range.
 * Checks whose property is unknown, and schedulers missing from the registry
 * or without a declaration, are left to the schema and the loader. `ids`: the
 * scenario's agent ids, for agent-valued options (empty to skip that check).
 */
export function optionProblems(
  root: Readonly<Record<string, unknown>>,
  registry: Registry,
  ids: ReadonlySet<string>,
  report: (path: Path, message: string, key?: boolean) => void,
): void {
  const checkAll = (
    path: Path,
    given: unknown,
    declared: OptionSpecs,
    of: string,
    skip?: string,
  ) => {
    const o = obj(given);
    if (o === undefined) return;
    for (const [key, value] of Object.entries(o)) {
      if (key === skip) continue;
      const spec = Object.hasOwn(declared, key) ? declared[key] : undefined;
      if (spec === undefined) report([...path, key], unknownOption(key, of, declared), true);
      else
        for (const [at, message] of paramValueProblems(value, spec, ids))
          report([...path, key, ...at], message);
    }
  };

  const checks = root['checks'];
  if (Array.isArray(checks))
    checks.forEach((c, i) => {
      const property = obj(c)?.['property'];
      if (typeof property === 'string' && isCheckerName(property)) {
        const given = obj(c)?.['options'];
        checkAll(
          ['checks', i, 'options'],
          given,
          CHECKERS[property].options,
          `checker ${property}`,
        );
        // Options that are not a map (null, a list) are reported by the schema; nothing to ignore.
        const ignored =
          obj(given) === undefined
            ? undefined
            : CHECKERS[property].ignoredOption?.(given as Record<string, Json>);
        if (ignored !== undefined)
          report(
            ['checks', i, 'options', ignored.option],
            `has no effect here: ${ignored.why}; remove it`,
            true,
          );
      }
    });

  const scheduler = obj(obj(root['network'])?.['scheduler']);
  const name = scheduler?.['name'];
  if (typeof name === 'string') {
    const declared = schedulerOptions(registry.schedulers, name);
    if (declared !== undefined)
      checkAll(['network', 'scheduler'], scheduler, declared, `scheduler ${name}`, 'name');
  }
}

/** A declaration as JSON Schema properties (draft 2020-12), each with its description. */
function optionProperties(declared: OptionSpecs): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(declared).map(([key, spec]) => [
      key,
      { ...jsonSchemaOf(spec), description: specDescription(spec) },
    ]),
  );
}

/**
 * For the JSON Schema of a check: one `if` (the property is X) `then` (its
 * options are X's, and no other) per checker, for an `allOf`. Pure.
 */
export function checkOptionConditions(): Record<string, unknown>[] {
  return CHECKER_NAMES.map((name) => ({
    if: { properties: { property: { const: name } }, required: ['property'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a promise
    then: {
      properties: {
        options: {
          type: 'object',
          properties: optionProperties(CHECKERS[name].options),
          additionalProperties: false,
        },
      },
    },
  }));
}

/**
 * For the JSON Schema of `network.scheduler`: one `if` (the name is X) `then`
 * (the other keys are X's options) per scheduler of `schedulers` that
 * declares its options, for an `allOf`. Pure.
 */
export function schedulerConditions(schedulers: Registry['schedulers']): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const name of schedulers?.keys() ?? []) {
    const declared = schedulerOptions(schedulers, name);
    if (declared === undefined) continue;
    out.push({
      if: { properties: { name: { const: name } }, required: ['name'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a promise
      then: {
        properties: { name: {}, ...optionProperties(declared) },
        additionalProperties: false,
      },
    });
  }
  return out;
}

/**
 * The option tables of the checkers in Markdown: a line naming those that
 * take no options, then one section per checker that takes some, with
 * `heading` (e.g. '####') before its name. Pure.
 */
export function checkerOptionTables(heading = '####'): string {
  const none = CHECKER_NAMES.filter((name) => Object.keys(CHECKERS[name].options).length === 0);
  const sections = [`No options: ${none.map((n) => `\`${n}\``).join(', ')}.\n`];
  for (const name of CHECKER_NAMES) {
    const declared = CHECKERS[name].options;
    if (Object.keys(declared).length > 0)
      sections.push(`${heading} ${name}\n\n${paramTable(declared)}\n`);
  }
  return sections.join('\n');
}

/** The option tables of `schedulers` in Markdown, one section each, as `checkerOptionTables`. */
export function schedulerOptionTables(schedulers: Registry['schedulers'], heading = '###'): string {
  const sections: string[] = [];
  for (const name of schedulers?.keys() ?? []) {
    const declared = schedulerOptions(schedulers, name);
    sections.push(
      `${heading} ${name}\n\n${declared === undefined ? 'No declaration: any option, unchecked.' : paramTable(declared)}\n`,
    );
  }
  return sections.join('\n');
}
