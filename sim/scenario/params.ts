/**
 * Protocol parameters: checking a scenario's `params` against what each
 * protocol declares (`Protocol.params`), choosing the scenario-level ones each
 * agent receives, and the Markdown table that documents a declaration. Pure.
 */
import type { OptionSpec, OptionSpecs } from '../checkers/verdict.ts';
import { PROCESS_PROTOCOL } from '../programs.ts';
import type { Json, ParamSpec, ParamSpecs, Protocol } from '../spec.ts';
import { AGENTS_MAX } from '../spec.ts';
import type { LoadProblem, Registry } from './load.ts';
import { optionProblems } from './options.ts';
import { didYouMean } from './suggest.ts';

/**
 * Longest tick-valued parameter (timeouts, periods, deadlines): the default
 * run length, `LIMITS_DEFAULTS.ticksMax`. A longer timer never fires in such
 * a run, so a larger value is a mistake (9e15 once overflowed the engine's
 * 32-bit clock); and a timer set in any run of up to TICK_MAX - 1,000,000
 * ticks then falls due within TICK_MAX. TICK_MAX / 2 would allow timers no
 * run of the default length can see fire.
 */
export const PARAM_TICKS_MAX = 1_000_000;
/**
 * Most rounds a protocol runs: each round takes at least a tick and a message
 * to every peer, so 10,000 rounds of nine agents is already about a million
 * deliveries; `debate --set params.rounds=1e9` ran for minutes.
 */
export const PARAM_ROUNDS_MAX = 10_000;
/**
 * Most units of work (effects emitted, items built) a parameter may ask of an
 * agent in one step: one step runs to its end before anything else happens,
 * so this bounds a step's time (about 0.1 s) and memory.
 */
export const PARAM_WORK_MAX = 100_000;
/**
 * Most repeats of one thing over a run (retries, resends, hops): each costs at
 * least an event, so the run's own limits (10,000,000 events by default) stop
 * it long before; a billion is how the engine benchmark says "never".
 */
export const PARAM_REPEATS_MAX = 1_000_000_000;
/** Largest magnitude of a plain numeric value (a vote, a cost): integers are exact up to here. */
export const PARAM_VALUE_MAX = 1e15;

type Path = (string | number)[];

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

/** A value in words, as the loader's other messages say it. */
function describe(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string')
    return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'number' ? 'the number' : ''} ${String(v)}`.trim();
}

/**
 * What is wrong with `value` as the parameter (or checker or scheduler
 * option) `spec`, as `[path suffix, message]` pairs (the suffix is an item's
 * index in a list), or none. `ids`: the scenario's agent ids, for
 * agent-valued parameters; empty to skip that check.
 */
export function paramValueProblems(
  value: unknown,
  spec: OptionSpec,
  ids: ReadonlySet<string>,
): [Path, string][] {
  const agent = (v: unknown, at: Path): [Path, string][] => {
    if (typeof v !== 'string') return [[at, `must be an agent id, got ${describe(v)}`]];
    if (ids.size > 0 && !ids.has(v)) return [[at, `unknown agent "${v}"${didYouMean(v, ids)}`]];
    return [];
  };
  switch (spec.type) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || Number.isNaN(value))
        return [[[], `must be a number, got ${describe(value)}`]];
      if (spec.type === 'integer' && Number.isFinite(value) && !Number.isInteger(value))
        return [[[], `must be a whole number, got ${describe(value)}`]];
      if (value < spec.min) return [[[], `must be at least ${spec.min}, got ${describe(value)}`]];
      if (value > spec.max) return [[[], `must be at most ${spec.max}, got ${describe(value)}`]];
      return [];
    }
    case 'boolean':
      return typeof value === 'boolean'
        ? []
        : [[[], `must be true or false, got ${describe(value)}`]];
    case 'enum':
      if (typeof value === 'string' && spec.values.includes(value)) return [];
      return [
        [
          [],
          typeof value === 'string'
            ? `unknown value "${value}"${didYouMean(value, spec.values)}; use one of ${spec.values.join(', ')}`
            : `must be one of ${spec.values.join(', ')}, got ${describe(value)}`,
        ],
      ];
    case 'string':
      return typeof value === 'string' ? [] : [[[], `must be text, got ${describe(value)}`]];
    case 'agent':
      return agent(value, []);
    case 'strings':
    case 'agents': {
      const what = spec.type === 'agents' ? 'agent ids' : 'texts';
      if (!Array.isArray(value)) return [[[], `must be a list of ${what}, got ${describe(value)}`]];
      const itemsMin = spec.itemsMin ?? 0;
      if (value.length < itemsMin) return [[[], `must list at least ${itemsMin}`]];
      if (value.length > AGENTS_MAX) return [[[], `must list at most ${AGENTS_MAX}`]];
      const out: [Path, string][] = [];
      value.forEach((v, i) => {
        if (spec.type === 'agents') out.push(...agent(v, [i]));
        else if (typeof v !== 'string') out.push([[i], `must be text, got ${describe(v)}`]);
      });
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) return [[[], `must be a list, got ${describe(value)}`]];
      if (value.length < (spec.itemsMin ?? 0)) return [[[], `must list at least ${spec.itemsMin}`]];
      return [];
    case 'json':
      return [];
  }
}

/**
 * The scenario-level (shared) parameters an agent of `protocol` receives:
 * those its protocol declares, in the order the scenario gives them; all of
 * them for a protocol without a declaration. Pure.
 */
export function sharedParamsFor(
  shared: Readonly<Record<string, Json>> | undefined,
  protocol: Protocol | undefined,
): Record<string, Json> {
  const declared = protocol?.params;
  if (shared === undefined) return {};
  if (declared === undefined) return { ...shared };
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(shared))
    if (Object.hasOwn(declared, key)) out[key] = value;
  return out;
}

/** `of protocol x` or `of protocols x, y`, then a did-you-mean or the parameters there are. */
function unknownParam(key: string, protocols: readonly Protocol[]): string {
  const names = [...new Set(protocols.flatMap((p) => Object.keys(p.params ?? {})))];
  const suggestion = didYouMean(key, names);
  const of = `of protocol${protocols.length > 1 ? 's' : ''} ${protocols.map((p) => p.name).join(', ')}`;
  const known =
    suggestion !== ''
      ? suggestion
      : `; parameters: ${names.length > 0 ? names.join(', ') : 'none'}`;
  return `unknown parameter "${key}" ${of}${known}`;
}

/**
 * Every problem with the parameters of the scenario file `data` (as parsed,
 * before validation, so the problems join the schema's): a parameter its
 * agent's protocol does not declare, a value of the wrong type or out of
 * range, and a scenario-level parameter that no protocol of the scenario
 * declares; likewise the options of each check and of the network scheduler
 * (sim/scenario/options.ts). `locate` maps a dotted path (and whether the key
 * is meant) to its place in the file or its override. Protocols missing from
 * the registry, and those without a declaration, are left out. Pure.
 */
export function paramProblems(
  data: unknown,
  registry: Registry,
  locate: (path: Path, key?: boolean) => Partial<LoadProblem>,
): LoadProblem[] {
  const problems: LoadProblem[] = [];
  const root = obj(data);
  if (root === undefined) return problems;
  const protocolOf = (name: unknown): Protocol | undefined =>
    typeof name === 'string' ? registry.protocols.get(name) : undefined;
  const fallback = root['protocol'];

  // Who runs what: each holder of own params with its protocol, and every agent's protocol.
  const holders: { path: Path; params: unknown; protocol: Protocol | undefined }[] = [];
  const running: (Protocol | undefined)[] = [];
  /** Whether some agent is a program: shared params nothing declares go to it. */
  let programs = false;
  const ids = new Set<string>();
  const agents = root['agents'];
  if (Array.isArray(agents)) {
    agents.forEach((a, i) => {
      const o = obj(a);
      // A program's params go to it as they are: nothing declares them.
      const program = o?.['process'] !== undefined;
      if (program) programs = true;
      const protocol = program ? PROCESS_PROTOCOL : protocolOf(o?.['protocol'] ?? fallback);
      if (!program) running.push(protocol);
      if (typeof o?.['id'] === 'string') ids.add(o['id']);
      holders.push({ path: ['agents', i, 'params'], params: o?.['params'], protocol });
    });
  } else {
    const g = obj(agents);
    const groupName = g?.['protocol'] ?? fallback;
    const count = g?.['count'];
    const prefix = typeof g?.['idPrefix'] === 'string' ? g['idPrefix'] : 'a';
    if (
      typeof count === 'number' &&
      Number.isSafeInteger(count) &&
      count > 0 &&
      count <= AGENTS_MAX
    )
      for (let i = 0; i < count; i++) ids.add(`${prefix}${i}`);
    const own = obj(g?.['agents']) ?? {};
    // The group's params are every member's own: each member's protocol must declare them.
    const groupProgram = g?.['process'] !== undefined;
    if (groupProgram || Object.values(own).some((a) => obj(a)?.['process'] !== undefined))
      programs = true;
    const members = new Set<Protocol | undefined>([
      groupProgram ? PROCESS_PROTOCOL : protocolOf(groupName),
    ]);
    for (const [id, a] of Object.entries(own)) {
      const protocol =
        obj(a)?.['process'] !== undefined || (groupProgram && obj(a)?.['protocol'] === undefined)
          ? PROCESS_PROTOCOL
          : protocolOf(obj(a)?.['protocol'] ?? groupName);
      if (ids.size === 0 || ids.has(id)) members.add(protocol);
      holders.push({
        path: ['agents', 'agents', id, 'params'],
        params: obj(a)?.['params'],
        protocol,
      });
    }
    running.push(...[...members].filter((p) => p !== PROCESS_PROTOCOL));
    for (const protocol of members)
      holders.unshift({ path: ['agents', 'params'], params: g?.['params'], protocol });
  }

  const seen = new Set<string>();
  const report = (path: Path, message: string, key = false) => {
    const dotted = path.join('.');
    if (seen.has(dotted)) return;
    seen.add(dotted);
    problems.push({ path: dotted, message, ...locate(path, key) });
  };
  const checkValue = (path: Path, value: unknown, spec: ParamSpec) => {
    for (const [at, message] of paramValueProblems(value, spec, ids))
      report([...path, ...at], message);
  };

  for (const { path, params, protocol } of holders) {
    const declared = protocol?.params;
    const o = obj(params);
    if (declared === undefined || o === undefined) continue;
    for (const [key, value] of Object.entries(o)) {
      const spec = Object.hasOwn(declared, key) ? declared[key] : undefined;
      if (spec === undefined)
        report([...path, key], unknownParam(key, [protocol as Protocol]), true);
      else checkValue([...path, key], value, spec);
    }
  }

  const shared = obj(root['params']);
  const known = running.filter((p): p is Protocol => p !== undefined);
  if (shared !== undefined && known.length === running.length && running.length > 0) {
    const distinct = [...new Set(known)];
    if (distinct.every((p) => p.params !== undefined))
      for (const [key, value] of Object.entries(shared)) {
        const declaring = distinct.filter((p) => Object.hasOwn(p.params as ParamSpecs, key));
        if (declaring.length === 0 && !programs)
          report(['params', key], unknownParam(key, distinct), true);
        for (const p of declaring)
          checkValue(['params', key], value, (p.params as ParamSpecs)[key] as ParamSpec);
      }
  }
  conditionProblems(root, protocolOf, report);
  optionProblems(root, registry, ids, report);
  return problems;
}

/**
 * Parameters given where they do nothing: a parameter declared `onlyWhen`
 * another has some values, given to an agent whose parameters (shared, its
 * group's and its own, each over the last) make that other one something
 * else. Reported where the parameter was given.
 */
function conditionProblems(
  root: Record<string, unknown>,
  protocolOf: (name: unknown) => Protocol | undefined,
  report: (path: Path, message: string, key?: boolean) => void,
): void {
  const shared = obj(root['params']) ?? {};
  /** One agent's (or a group's) parameters, each layer with the path it was given at. */
  const check = (protocol: Protocol | undefined, layers: { path: Path; params: unknown }[]) => {
    const declared = protocol?.params;
    if (protocol === undefined || declared === undefined) return;
    const where = new Map<string, Path>();
    const effective: Record<string, unknown> = {};
    for (const layer of layers)
      for (const [key, value] of Object.entries(obj(layer.params) ?? {}))
        if (Object.hasOwn(declared, key)) {
          effective[key] = value;
          where.set(key, [...layer.path, key]);
        }
    for (const [key, path] of where) {
      const when = (declared[key] as ParamSpec).onlyWhen;
      if (when === undefined) continue;
      const other = Object.hasOwn(effective, when.param)
        ? effective[when.param]
        : (declared[when.param] as { default?: unknown } | undefined)?.default;
      if (!when.in.includes(other as string))
        report(
          path,
          `has no effect: ${protocol.name} reads ${key} only when ${when.param} is ${when.in.join(' or ')} (here ${when.param} is ${JSON.stringify(other ?? null)}); remove it or set ${when.param}`,
          true,
        );
    }
  };
  const fallback = root['protocol'];
  const agents = root['agents'];
  if (Array.isArray(agents))
    agents.forEach((a, i) => {
      const o = obj(a);
      check(protocolOf(o?.['protocol'] ?? fallback), [
        { path: ['params'], params: shared },
        { path: ['agents', i, 'params'], params: o?.['params'] },
      ]);
    });
  else {
    const g = obj(agents);
    const groupName = g?.['protocol'] ?? fallback;
    const base = [
      { path: ['params'], params: shared },
      { path: ['agents', 'params'], params: g?.['params'] },
    ];
    check(protocolOf(groupName), base);
    for (const [id, a] of Object.entries(obj(g?.['agents']) ?? {}))
      check(protocolOf(obj(a)?.['protocol'] ?? groupName), [
        ...base,
        { path: ['agents', 'agents', id, 'params'], params: obj(a)?.['params'] },
      ]);
  }
}

const TYPE_NAMES: Record<OptionSpec['type'], string> = {
  number: 'number',
  integer: 'integer',
  boolean: 'boolean',
  enum: 'enum',
  string: 'text',
  agent: 'agent id',
  strings: 'list of texts',
  agents: 'list of agent ids',
  list: 'list of values',
  json: 'any value',
};

/** A table cell: pipes escaped, line breaks joined. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** `n` with its thousands grouped by commas (10,000), for reading; fractions as they are. */
function grouped(n: number): string {
  if (!Number.isInteger(n) || Math.abs(n) < 10_000) return String(n);
  const digits = String(Math.abs(n));
  const parts: string[] = [];
  for (let end = digits.length; end > 0; end -= 3)
    parts.unshift(digits.slice(Math.max(0, end - 3), end));
  return `${n < 0 ? '-' : ''}${parts.join(',')}`;
}

/** The default of `spec` as the table shows it. */
function defaultText(spec: OptionSpec): string {
  if (spec.default !== undefined) {
    const d = spec.default;
    if (typeof d === 'string') return `'${d}'`;
    if (spec.type === 'list') return JSON.stringify(d);
    if (Array.isArray(d)) return `[${d.map((x) => `'${x}'`).join(', ')}]`;
    return JSON.stringify(d);
  }
  return spec.defaultIs ?? 'none';
}

/**
 * A protocol's parameter table in Markdown (or a checker's or scheduler's
 * option table): name, type, range or values, default, unit and meaning, one
 * row per parameter in declaration order. Pure.
 */
export function paramTable(specs: OptionSpecs): string {
  const rows = [
    '| name | type | range or values | default | unit | meaning |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, spec] of Object.entries(specs)) {
    const range =
      spec.type === 'number' || spec.type === 'integer'
        ? `${grouped(spec.min)} to ${grouped(spec.max)}`
        : spec.type === 'enum'
          ? spec.values.map((v) => `'${v}'`).join(', ')
          : spec.type === 'strings' || spec.type === 'agents' || spec.type === 'list'
            ? spec.itemsMin
              ? `at least ${spec.itemsMin}`
              : ''
            : '';
    const meaning = `${spec.role !== undefined ? `(${spec.role}) ` : ''}${spec.meaning}${onlyWhenText(spec)}`;
    rows.push(
      `| \`${name}\` | ${TYPE_NAMES[spec.type]} | ${cell(range)} | ${cell(defaultText(spec))} | ${spec.unit ?? ''} | ${cell(meaning)} |`,
    );
  }
  return rows.join('\n');
}

/** The JSON Schema of one declaration (draft 2020-12), without its description. */
export function jsonSchemaOf(spec: OptionSpec): Record<string, unknown> {
  switch (spec.type) {
    case 'number':
    case 'integer':
      return { type: spec.type, minimum: spec.min, maximum: spec.max };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: [...spec.values] };
    case 'string':
    case 'agent':
      return { type: 'string' };
    case 'strings':
    case 'agents':
      return { type: 'array', items: { type: 'string' }, minItems: spec.itemsMin ?? 0 };
    case 'list':
      return { type: 'array', minItems: spec.itemsMin ?? 0 };
    case 'json':
      return {};
  }
}

/**
 * One declaration in words, for a JSON Schema description: its role, meaning,
 * range with unit, and default. Pure.
 */
export function specDescription(spec: OptionSpec): string {
  const range =
    spec.type === 'number' || spec.type === 'integer'
      ? `, ${grouped(spec.min)} to ${grouped(spec.max)}${spec.unit ? ` ${spec.unit}` : ''}`
      : '';
  const role = spec.role !== undefined ? `(${spec.role}) ` : '';
  return `${role}${spec.meaning}${onlyWhenText(spec)}${range}; default ${defaultText(spec)}`;
}

/** `; read only when mode is push`, for a parameter declared `onlyWhen`. */
function onlyWhenText(spec: OptionSpec): string {
  const when = (spec as ParamSpec).onlyWhen;
  return when === undefined ? '' : `; read only when ${when.param} is ${when.in.join(' or ')}`;
}

/**
 * Every parameter the `protocols` declare, as JSON Schema properties for
 * editors: one per name, its type when every protocol that declares the name
 * agrees on it, and a description naming each protocol with its meaning,
 * range and default. Pure.
 */
export function paramJsonProperties(
  protocols: Iterable<Protocol>,
): Record<string, Record<string, unknown>> {
  const byName = new Map<string, { protocol: string; spec: ParamSpec }[]>();
  for (const p of protocols)
    for (const [name, spec] of Object.entries(p.params ?? {})) {
      const list = byName.get(name) ?? [];
      list.push({ protocol: p.name, spec });
      byName.set(name, list);
    }
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of [...byName.keys()].sort()) {
    const list = byName.get(name) as { protocol: string; spec: ParamSpec }[];
    const schemas = list.map((x) => JSON.stringify(jsonSchemaOf(x.spec)));
    const description = list
      .map(({ protocol, spec }) => `${protocol}: ${specDescription(spec)}`)
      .join('\n');
    out[name] = {
      ...(schemas.every((s) => s === schemas[0]) ? jsonSchemaOf(list[0]?.spec as ParamSpec) : {}),
      description,
    };
  }
  return out;
}
