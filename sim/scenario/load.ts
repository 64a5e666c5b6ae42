/**
 * Loading a scenario file: YAML or JSON text in, a validated Scenario out.
 * Pure (text in, scenario out), so the command line and the browser share it.
 * Every problem in the file is reported at once, each with its line, column
 * and dotted path, in words a workshop participant understands; overrides
 * (`network.dropRatio=0.2`) are applied before validation and problems in
 * them name the override instead of a line. An override that would change
 * nothing is refused with the reason, and a setting with two spellings
 * (network keys directly under `network` or under `network.defaults`,
 * `honest` or `compromised`) may be given in one of them only.
 */
import {
  isCollection,
  isMap,
  isScalar,
  LineCounter,
  type Node,
  parseDocument,
  parse as parseYaml,
  visit,
  YAMLParseError,
} from 'yaml';
import { z } from 'zod';
import { PROCESS_PROTOCOL } from '../programs.ts';
import type {
  AgentSpec,
  FaultSpec,
  Json,
  LinkOverride,
  LinkSpec,
  Protocol,
  Scenario,
  Scheduler,
} from '../spec.ts';
import { scenarioProblems } from '../validate.ts';
import { nestingTooDeep } from './nesting.ts';
import { paramProblems, sharedParamsFor } from './params.ts';
import { isProtocolPath } from './protocol-paths.ts';
import { networkSchema, type ScenarioFile, scenarioFileSchema } from './schema.ts';
import { didYouMean } from './suggest.ts';

/** Largest scenario text accepted, in UTF-16 code units. */
export const SCENARIO_TEXT_MAX = 4_000_000;
/** Deepest nesting accepted in a scenario file. */
export const SCENARIO_DEPTH_MAX = 64;
/** Most expansions of one alias: beyond it, a few lines could expand into gigabytes. */
export const ALIASES_MAX = 100;

export interface LoadProblem {
  /** Dotted path of the value ('' for the whole file). */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the file, when the problem is in the file. */
  readonly line?: number;
  readonly column?: number;
  /** The override it came from, when it came from one. */
  readonly override?: string;
}

/** A scenario file that cannot be used; `problems` lists every problem found. */
export class ScenarioLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly LoadProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ScenarioLoadError';
  }
}

/** `file:line:column: path: message`, the way compilers print it. */
export function formatProblem(file: string, p: LoadProblem): string {
  const where =
    p.override !== undefined
      ? `${file}: override ${p.override}`
      : p.line !== undefined
        ? `${file}:${p.line}:${p.column ?? 1}`
        : file;
  return `${where}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
}

/** Protocols and schedulers by name: the loader knows no protocol itself. */
export interface Registry {
  readonly protocols: ReadonlyMap<string, Protocol>;
  readonly schedulers?: ReadonlyMap<string, (options: Record<string, unknown>) => Scheduler>;
}

export interface LoadOptions extends Registry {
  /** The file name, for messages; default 'scenario'. */
  readonly file?: string;
  /** `dotted.path=value` overrides; the value is read as YAML (`0.2`, `true`, `[1, 2]`, `text`). */
  readonly overrides?: readonly string[];
  /** A variant named in the file's `variants`: its overrides apply first. */
  readonly variant?: string;
}

export interface LoadedScenario {
  readonly scenario: Scenario;
  /** The file's content after overrides, validated. */
  readonly source: ScenarioFile;
}

type Path = (string | number)[];

/**
 * Keys that would reach an object's prototype instead of the object: no
 * scenario field has these names, and setting one through an override would
 * change every object in the process.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** Splits `a.b.0.c=value` into a path and a parsed value. */
export function parseOverride(text: string): { path: Path; value: unknown } | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return `expected path=value, got "${text}"`;
  const keys = text.slice(0, eq).trim();
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(keys))
    return `"${keys}" is not a dotted path like network.dropRatio`;
  const forbidden = keys.split('.').find((k) => FORBIDDEN_KEYS.has(k));
  if (forbidden !== undefined)
    return `"${forbidden}" cannot be a key: it names a JavaScript object's prototype, not a scenario field`;
  let value: unknown;
  try {
    value = parseYaml(text.slice(eq + 1), { logLevel: 'silent' });
  } catch {
    value = text.slice(eq + 1);
  }
  return { path: keys.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)), value };
}

const plainMap = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

/** A few names, for a message: the first five, then an ellipsis. */
const someNames = (names: readonly string[]) =>
  names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')}, …`;

/**
 * Sets `value` at `path`, making the maps and lists on the way. Refuses,
 * with the reason and what to write instead, a path that would change
 * nothing the loader reads: a key that is not an index into a list (a list
 * keeps it as a property no one reads), an index past a list's end (the
 * gap would be holes; the index just past the last adds an entry), a key
 * into a value that is neither a map nor a list, and a number into a group
 * of agents.
 */
function setPath(
  root: Record<string, unknown>,
  path: Path,
  value: unknown,
): { path: string; message: string } | undefined {
  const full = path.join('.');
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const k = path[i] as string | number;
    const where = path.slice(0, i).join('.');
    if (Array.isArray(node)) {
      const n = node.length;
      if (typeof k !== 'number') {
        if (where === 'agents') {
          const ids = node.map((a) => String(plainMap(a)?.['id'] ?? '?'));
          const count = k === 'count' && path.length === 2 ? String(value) : String(n);
          return {
            path: where,
            message: `is a list of ${n} agents here (${someNames(ids)}), so ${full} means nothing: set one agent by its index (${ids
              .slice(0, 2)
              .map((_, j) => `agents.${j}.…`)
              .join(
                ', ',
              )}), or write the agents in the file as a group (agents: { count: ${count}, … })`,
          };
        }
        return {
          path: where,
          message:
            n === 0
              ? `is an empty list here, so ${full} means nothing: a list's entries are named by their index`
              : `is a list of ${n} here, so ${full} means nothing: name an entry by its index (${where}.0${n > 1 ? ` to ${where}.${n - 1}` : ''})`,
        };
      }
      if (k > n)
        return {
          path: where,
          message:
            n === 0
              ? `has no entries here, so ${path.slice(0, i + 1).join('.')} is past its end: add the first at ${where}.0, or set the whole list (${where}=[…])`
              : `is a list of ${n} here (${where}.0${n > 1 ? ` to ${where}.${n - 1}` : ''}), so ${path.slice(0, i + 1).join('.')} is past its end: change an entry that is there, add one at ${where}.${n}, or set the whole list (${where}=[…])`,
        };
    } else if (i === 1 && path[0] === 'agents' && typeof k === 'number') {
      const g = node as Record<string, unknown>;
      const count = g['count'];
      const prefix = typeof g['idPrefix'] === 'string' ? g['idPrefix'] : 'a';
      const known = typeof count === 'number' && Number.isSafeInteger(count) && count >= 1;
      return {
        path: 'agents',
        message: `is a group of ${known ? `${count} agents here (ids ${prefix}0 to ${prefix}${count - 1})` : 'agents here'}, so agents.${k} means nothing: set one agent by its id (agents.agents.${prefix}0.…) or every agent (agents.params.…)`,
      };
    }
    const container = node as Record<string | number, unknown>;
    if (i === path.length - 1) {
      container[k] = value;
      return undefined;
    }
    const next = container[k];
    if (next === undefined || next === null) {
      const fresh = typeof path[i + 1] === 'number' ? [] : {};
      container[k] = fresh;
      node = fresh;
    } else if (typeof next !== 'object') {
      const here = path.slice(0, i + 1).join('.');
      return {
        path: here,
        message: `is ${describeValue(next)} here, not a map or a list, so ${full} names nothing: set ${here} itself (${here}=…)`,
      };
    } else node = next;
  }
  return undefined;
}

/**
 * Parts of a file that are no part of a run, each with why an override of
 * them is refused. (`sweep` is not among them: the sweep command reads it
 * after the overrides.)
 */
const NOT_A_RUN: Readonly<Record<string, (path: Path, value: string) => string>> = {
  description: () =>
    'is the line parley list shows; it changes no run, so an override of it does nothing',
  variants: (path) =>
    `are read before any override, so ${path.join('.')} changes nothing: choose a variant with --variant and give overrides of your own with --set`,
  seed: (_, value) =>
    `is the seed the file documents, not a setting of the scenario: choose a run's seed itself (--seed ${value} for parley run, --seeds for parley sweep, the seed field on the page)`,
};

/**
 * Two spellings of one setting. Network keys mean the same directly under
 * `network` and under `network.defaults`; `compromised: true` is
 * `honest: false`. A map may give one of each pair, not both.
 */
interface Twin {
  readonly a: Path;
  readonly b: Path;
  readonly why: string;
  /** The value of one spelling written in the other. */
  readonly convert: (value: unknown) => unknown;
}

const LINK_KEYS: readonly string[] = Object.keys(networkSchema.shape).filter(
  (k) => k !== 'defaults' && k !== 'links' && k !== 'scheduler',
);

/** The settings `data` gives in both spellings. */
function twinsIn(data: Record<string, unknown>): Twin[] {
  const out: Twin[] = [];
  const net = plainMap(data['network']);
  const defaults = plainMap(net?.['defaults']);
  if (net !== undefined && defaults !== undefined)
    for (const k of LINK_KEYS)
      if (Object.hasOwn(net, k) && Object.hasOwn(defaults, k))
        out.push({
          a: ['network', k],
          b: ['network', 'defaults', k],
          why: 'keys directly under network and under network.defaults mean the same: the defaults of every link',
          convert: (v) => v,
        });
  const roles: Path[] = [];
  const agents = data['agents'];
  if (Array.isArray(agents)) for (let i = 0; i < agents.length; i++) roles.push(['agents', i]);
  else if (plainMap(agents) !== undefined) {
    roles.push(['agents']);
    for (const id of Object.keys(plainMap(plainMap(agents)?.['agents']) ?? {}))
      roles.push(['agents', 'agents', id]);
  }
  for (const r of roles) {
    const role = plainMap(valueAt(data, r));
    if (role !== undefined && Object.hasOwn(role, 'honest') && Object.hasOwn(role, 'compromised'))
      out.push({
        a: [...r, 'honest'],
        b: [...r, 'compromised'],
        why: 'compromised: true means honest: false',
        convert: (v) => (typeof v === 'boolean' ? !v : v),
      });
  }
  return out;
}

/** Whether `a` is `b` or lies above it. */
const isPrefix = (a: Path, b: Path) =>
  a.length <= b.length && a.every((k, i) => String(k) === String(b[i]));

/** The path of a value nested deeper than `depthMax` in a parsed value, without recursion. */
function pathDeeperThan(value: unknown, depthMax: number): Path | undefined {
  const stack: [unknown, Path][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, Path];
    if (path.length > depthMax) return path;
    if (typeof v === 'object' && v !== null)
      for (const [k, child] of Object.entries(v))
        stack.push([child, [...path, Array.isArray(v) ? Number(k) : k]]);
  }
  return undefined;
}

/** The YAML tags behind the JavaScript objects that are not plain data. */
const YAML_TAGS: Readonly<Record<string, string>> = {
  Uint8Array: '!!binary',
  Set: '!!set',
  Map: '!!omap',
  Date: '!!timestamp',
};

/**
 * Values a scenario cannot hold: keys that name an object's prototype
 * (`__proto__`, `constructor`, `prototype`), and YAML's typed values that are
 * not plain data (`!!binary` bytes, `!!set`, `!!omap`, `!!timestamp`), whose
 * inherited fields would otherwise be read as keys.
 */
function unusablePaths(value: unknown): { path: Path; key: boolean; message: string }[] {
  const out: { path: Path; key: boolean; message: string }[] = [];
  const stack: [unknown, Path][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, Path];
    if (typeof v !== 'object' || v === null) continue;
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      const kind = Object.prototype.toString.call(v).slice(8, -1);
      out.push({
        path,
        key: false,
        message: `is a YAML ${YAML_TAGS[kind] ?? kind} value; scenarios hold text, numbers, true/false, lists and maps`,
      });
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      const here = [...path, Array.isArray(v) ? Number(k) : k];
      if (FORBIDDEN_KEYS.has(k))
        out.push({
          path: here,
          key: true,
          message: `"${k}" cannot be a key: it names a JavaScript object's prototype, not a scenario field`,
        });
      else stack.push([child, here]);
    }
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map of keys to values',
  null: 'nothing',
};

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string')
    return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'number' ? 'the number' : ''} ${String(v)}`.trim();
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** Keys an object schema allows at `path` (for did-you-mean), following the data through unions. */
function allowedKeys(schema: z.ZodType, path: Path, data: unknown): string[] {
  let s: z.ZodType | undefined = schema;
  let d = data;
  const unwrap = (x: z.ZodType): z.ZodType => {
    let t = x;
    while (t instanceof z.ZodOptional || t instanceof z.ZodNullable || t instanceof z.ZodDefault)
      t = (t as z.ZodOptional<z.ZodType>).unwrap() as z.ZodType;
    return t;
  };
  const pick = (x: z.ZodType, value: unknown): z.ZodType => {
    const t = unwrap(x);
    if (!(t instanceof z.ZodUnion)) return t;
    const options = (t.options as z.ZodType[]).map(unwrap);
    if (Array.isArray(value)) return options.find((o) => o instanceof z.ZodArray) ?? t;
    const kind = (value as { kind?: unknown } | null)?.kind;
    const byKind = options.find(
      (o) =>
        o instanceof z.ZodObject &&
        (o.shape as Record<string, z.ZodType>)['kind']?.safeParse(kind).success,
    );
    return byKind ?? options.find((o) => o instanceof z.ZodObject) ?? t;
  };
  for (const k of path) {
    const t = pick(s as z.ZodType, d);
    if (t instanceof z.ZodObject) s = (t.shape as Record<string, z.ZodType>)[String(k)];
    else if (t instanceof z.ZodArray) s = t.element as z.ZodType;
    else if (t instanceof z.ZodRecord) s = t.valueType as z.ZodType;
    else return [];
    if (s === undefined) return [];
    d = (d as Record<string | number, unknown> | null)?.[k];
  }
  const t = pick(s as z.ZodType, d);
  return t instanceof z.ZodObject ? Object.keys(t.shape as object) : [];
}

/** A zod issue in plain words. */
function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return 'is required';
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${describeValue(value)}`;
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${String(issue.minimum)}`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}, got ${describeValue(value)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}, got ${describeValue(value)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_value': {
      const values = issue.values.map(String);
      if (typeof value === 'string' && values.length > 2)
        return `unknown value "${value}"${didYouMean(value, values)}; use one of ${values.join(', ')}`;
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(value)}`;
    }
    case 'invalid_union':
      if (value === undefined) return 'is required';
      if ('discriminator' in issue && issue.discriminator !== undefined) {
        const options = ((issue as unknown as { options?: unknown[] }).options ?? []).map(String);
        const shown =
          typeof value === 'string'
            ? `"${value}"${didYouMean(value, options)}`
            : describeValue(value);
        return `unknown ${issue.discriminator} ${shown}; use ${options.join(', ')}`;
      }
      return `is not valid here: got ${describeValue(value)}`;
    default:
      return issue.message;
  }
}

/**
 * Reads scenario text (YAML or JSON), applies overrides, validates it and
 * builds the Scenario. Throws ScenarioLoadError with every problem found.
 */
export function loadScenario(text: string, options: LoadOptions): LoadedScenario {
  const file = options.file ?? 'scenario';
  const fail = (problems: LoadProblem[]): never => {
    throw new ScenarioLoadError(file, problems);
  };
  // Line and column of an offset, counted directly (the parser's LineCounter
  // exists only once the text is parsed).
  const position = (offset: number) => {
    let line = 1;
    let start = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
      line++;
      start = i + 1;
    }
    return { line, column: offset - start + 1 };
  };
  if (text.length > SCENARIO_TEXT_MAX)
    fail([
      {
        path: '',
        message: `is ${text.length} characters long; scenario files are limited to ${SCENARIO_TEXT_MAX}, reached here`,
        ...position(SCENARIO_TEXT_MAX),
      },
    ]);
  const deep = nestingTooDeep(text, SCENARIO_DEPTH_MAX);
  if (deep !== undefined)
    fail([
      {
        path: '',
        message: `is nested more than ${SCENARIO_DEPTH_MAX} levels deep here`,
        ...position(deep),
      },
    ]);

  const lineCounter = new LineCounter();
  // logLevel silent: the library would print its warnings on the process's stderr; they are problems here.
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    logLevel: 'silent',
  });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  // A key that is a list or a map would be turned into text; a tag parley does not know would be ignored.
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key))
        doc.errors.push(
          new YAMLParseError(
            pair.key.range?.[0] !== undefined ? [pair.key.range[0], pair.key.range[1]] : [0, 0],
            'IMPOSSIBLE',
            'a key must be text or a number, not a list or a map',
          ),
        );
    },
  });
  for (const w of doc.warnings)
    doc.errors.push(
      new YAMLParseError(
        w.pos,
        w.code,
        w.code === 'TAG_RESOLVE_FAILED'
          ? `${w.message.split(' at line')[0]}: parley knows no such tag`
          : w.message,
      ),
    );
  if (doc.errors.length > 0)
    fail(
      doc.errors.map((e) => ({
        path: '',
        message:
          e.code === 'DUPLICATE_KEY'
            ? `duplicate key: ${e.message.replace(/^.*?: /, '')}`
            : (e.message.split('\n')[0] ?? e.message),
        ...at(e.pos[0]),
      })),
    );
  /** The nearest node of the file at `path`, as a position. */
  const nodeAt = (path: Path): Partial<LoadProblem> => {
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | undefined;
      if (node?.range) return at(node.range[0]);
    }
    return {};
  };
  /** Where the key of `path` is written in the file, if it is. */
  const keyAt = (path: Path): KeyPosition | undefined => {
    const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
    if (!isMap(parent)) return undefined;
    const pair = parent.items.find(
      (p) => isScalar(p.key) && String(p.key.value) === String(path.at(-1)),
    );
    const range = (pair?.key as Node | undefined)?.range;
    return range ? { offset: range[0], ...at(range[0]) } : undefined;
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: ALIASES_MAX });
  } catch (err) {
    // yaml names no position: the first alias is where the expansion starts.
    let first: Node | undefined;
    visit(doc, {
      Alias(_, node) {
        first = node;
        return visit.BREAK;
      },
    });
    fail([
      {
        path: '',
        message: /alias/i.test((err as Error).message)
          ? `its aliases expand too far (more than ${ALIASES_MAX} times each); write the values out`
          : (err as Error).message,
        ...(first?.range ? at(first.range[0]) : {}),
      },
    ]);
  }
  const tooDeep = pathDeeperThan(data, SCENARIO_DEPTH_MAX);
  if (tooDeep !== undefined)
    fail([
      {
        path: tooDeep.join('.'),
        message: `is nested more than ${SCENARIO_DEPTH_MAX} levels deep`,
        ...nodeAt(tooDeep),
      },
    ]);
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    fail([
      {
        path: '',
        message: 'must be a map of keys to values (name, agents, network, …)',
        line: 1,
        column: 1,
      },
    ]);

  // Overrides: the variant's, then the caller's.
  const overridden: { path: Path; text: string }[] = [];
  const problems: LoadProblem[] = [];
  const overrides = [...(options.overrides ?? [])];
  if (options.variant !== undefined) {
    const variants = (data as { variants?: Record<string, { overrides?: unknown }> }).variants;
    const chosen = variants?.[options.variant]?.overrides;
    if (!Array.isArray(chosen)) {
      const names = Object.keys(variants ?? {});
      fail([
        {
          path: 'variants',
          message: `no variant "${options.variant}"${didYouMean(options.variant, names)}; variants: ${names.join(', ') || 'none'}`,
        },
      ]);
    }
    overrides.unshift(...(chosen as unknown[]).map(String));
  }
  // One setting in two spellings, in the file itself (before any override).
  const fileTwins = twinsIn(data as Record<string, unknown>);
  const fromVariant = overrides.length - (options.overrides?.length ?? 0);
  for (const [index, o] of overrides.entries()) {
    const parsed = parseOverride(o);
    if (typeof parsed === 'string') {
      problems.push({ path: '', message: parsed, override: o });
      continue;
    }
    // An override of one's own that a later one of one's own replaces does nothing (the
    // variant's may be replaced: that is how a variant's value is changed).
    if (index >= fromVariant) {
      const later = overrides
        .slice(index + 1)
        .map((x) => ({ text: x, parsed: parseOverride(x) }))
        .find((x) => typeof x.parsed !== 'string' && isPrefix(x.parsed.path, parsed.path));
      if (later !== undefined) {
        problems.push({
          path: parsed.path.join('.'),
          message: `is set again by the later override ${later.text}, so this one does nothing; give each path once`,
          override: o,
        });
        continue;
      }
    }
    const root = String(parsed.path[0]);
    const notARun = Object.hasOwn(NOT_A_RUN, root) ? NOT_A_RUN[root] : undefined;
    const refused =
      notARun !== undefined
        ? { path: root, message: notARun(parsed.path, o.slice(o.indexOf('=') + 1)) }
        : setPath(data as Record<string, unknown>, parsed.path, parsed.value);
    if (refused !== undefined) {
      problems.push({ ...refused, override: o });
      continue;
    }
    overridden.push({ path: parsed.path, text: o });
  }
  if (problems.length > 0) fail(problems);

  /** Where a path points: its override, or the nearest node of the file. */
  const locate = (path: Path, key = false): Partial<LoadProblem> => {
    // The override at or above the path; else, when the file has nothing
    // there, the override that made the first of its maps or lists the file lacks.
    let o = overridden.find((x) => isPrefix(x.path, path));
    if (o === undefined && path.length >= 1 && !doc.hasIn(path)) {
      let n = path.length - 1;
      while (n > 0 && !doc.hasIn(path.slice(0, n))) n--;
      const made = path.slice(0, n + 1);
      o = overridden.find((x) => isPrefix(made, x.path));
    }
    if (o !== undefined) return { override: o.text };
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      if (key && n === path.length && n > 0) {
        const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
        if (isMap(parent)) {
          const pair = parent.items.find(
            (p) => isScalar(p.key) && String(p.key.value) === String(prefix.at(-1)),
          );
          const range = (pair?.key as Node | undefined)?.range;
          if (range) return at(range[0]);
        }
      }
      const node = (n === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
      if (node?.range) return at(node.range[0]);
    }
    return {};
  };

  for (const u of unusablePaths(data))
    problems.push({ path: u.path.join('.'), message: u.message, ...locate(u.path, u.key) });
  if (problems.length > 0) fail(sortProblems(problems));

  // An override of the spelling the file does not use is told alone: the
  // half map it made would only add problems about what it left out.
  const twins = twinProblems(data as Record<string, unknown>, fileTwins, overridden, keyAt);
  if (twins.some((p) => p.override !== undefined)) fail(twins.filter((p) => p.override));
  problems.push(...twins);

  referenceProblems(data as Record<string, unknown>, options, problems, locate);
  problems.push(...paramProblems(data, options, locate));
  const parsed = scenarioFileSchema.safeParse(data);
  if (!parsed.success || problems.length > 0) {
    for (const issue of flatten(parsed.error?.issues ?? [])) {
      const path = issue.path as Path;
      if (issue.code === 'unrecognized_keys') {
        const allowed = allowedKeys(scenarioFileSchema, path, data);
        for (const key of issue.keys)
          problems.push({
            path: [...path, key].join('.'),
            message: `unknown key "${key}"${didYouMean(key, allowed)}`,
            ...locate([...path, key], true),
          });
        continue;
      }
      problems.push({
        path: path.join('.'),
        message: issueMessage(issue, valueAt(data, path)),
        ...locate(path),
      });
    }
    fail(sortProblems(problems));
  }
  const source = parsed.data as ScenarioFile;
  const built = build(source, options, problems, locate);
  if (problems.length === 0) {
    for (const p of scenarioProblems(built)) {
      const path = p.path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
      const where = filePath(path, source);
      // Network keys are named as the file spells them.
      const named = path[0] === 'network' ? where.join('.') : p.path;
      problems.push({ path: named, message: p.message, ...locate(where) });
    }
  }
  if (problems.length > 0) fail(sortProblems(problems));
  return { scenario: built, source };
}

interface KeyPosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/**
 * Settings given in two spellings: those in the file, at the second one
 * written; those an override made, naming the override and the spelling to
 * write instead.
 */
function twinProblems(
  data: Record<string, unknown>,
  fileTwins: readonly Twin[],
  overridden: readonly { path: Path; text: string }[],
  keyAt: (path: Path) => KeyPosition | undefined,
): LoadProblem[] {
  const out: LoadProblem[] = [];
  const id = (t: Twin) => `${t.a.join('.')} ${t.b.join('.')}`;
  for (const t of fileTwins) {
    const [first, second] = [
      { path: t.a, at: keyAt(t.a) },
      { path: t.b, at: keyAt(t.b) },
    ].sort((x, y) => (x.at?.offset ?? 0) - (y.at?.offset ?? 0)) as [
      { path: Path; at?: KeyPosition },
      { path: Path; at?: KeyPosition },
    ];
    out.push({
      path: second.path.join('.'),
      message: `is the same setting as ${first.path.join('.')}${first.at ? ` (line ${first.at.line})` : ''}, given twice (${t.why}); keep one`,
      ...(second.at ? { line: second.at.line, column: second.at.column } : {}),
    });
  }
  const inFile = new Set(fileTwins.map(id));
  for (const t of twinsIn(data)) {
    if (inFile.has(id(t))) continue;
    const touches = (x: Path, p: Path) => isPrefix(x, p) || isPrefix(p, x);
    const o = [...overridden].reverse().find((x) => touches(x.path, t.a) || touches(x.path, t.b));
    if (o === undefined) continue;
    const mine =
      touches(o.path, t.a) === touches(o.path, t.b) ? undefined : touches(o.path, t.a) ? t.a : t.b;
    if (mine === undefined) {
      out.push({
        path: t.b.join('.'),
        message: `is the same setting as ${t.a.join('.')}, and this override gives both (${t.why}); give one`,
        override: o.text,
      });
      continue;
    }
    const other = mine === t.a ? t.b : t.a;
    const by = overridden.find((x) => x !== o && touches(x.path, other));
    let fix = `set ${other.join('.')} instead`;
    if (isPrefix(mine, o.path)) {
      const text = o.text.slice(o.text.indexOf('=') + 1);
      const parsed = parseOverride(o.text);
      const value = typeof parsed === 'string' ? text : parsed.value;
      const converted = o.path.length === mine.length ? t.convert(value) : value;
      fix = `write ${[...other, ...o.path.slice(mine.length)].join('.')}=${converted === value ? text : JSON.stringify(converted)} instead`;
    }
    out.push({
      path: mine.join('.'),
      message: `is the same setting as ${other.join('.')}, which ${by === undefined ? 'this scenario' : `override ${by.text}`} gives (${t.why}); ${fix}`,
      override: o.text,
    });
  }
  return out;
}

/** Why a protocol value names no protocol: the names there are, and how to add one. */
function unknownProtocol(value: string, names: readonly string[]): string {
  const registered = names.filter((n) => !isProtocolPath(n));
  if (isProtocolPath(value))
    return `protocol file "${value}" was not read: protocol files are read by the command line (npx parley run FILE)`;
  const file = /^[A-Za-z0-9_-]+$/.test(value) ? value : 'my-protocol';
  return `unknown protocol "${value}"${didYouMean(value, registered)}; protocols: ${registered.join(', ')}; for one of your own, name its file (protocol: ./${file}.ts, from this scenario's folder), or add one file to scenarios/protocols and one line to its index.ts`;
}

/**
 * Names that refer to something: protocols, schedulers and agents. Checked on
 * the raw data next to the schema, so one pass reports every problem.
 */
function referenceProblems(
  data: Record<string, unknown>,
  registry: Registry,
  problems: LoadProblem[],
  locate: (path: Path) => Partial<LoadProblem>,
): void {
  const names = [...registry.protocols.keys()];
  const protocol = (value: unknown, path: Path) => {
    if (typeof value === 'string' && !registry.protocols.has(value))
      problems.push({
        path: path.join('.'),
        message: unknownProtocol(value, names),
        ...locate(path),
      });
  };
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  protocol(data['protocol'], ['protocol']);
  const ids = new Set<string>();
  const agents = data['agents'];
  if (Array.isArray(agents)) {
    agents.forEach((a, i) => {
      const o = obj(a);
      protocol(o?.['protocol'], ['agents', i, 'protocol']);
      if (typeof o?.['id'] === 'string') ids.add(o['id']);
    });
  } else {
    const g = obj(agents);
    protocol(g?.['protocol'], ['agents', 'protocol']);
    for (const [id, a] of Object.entries(obj(g?.['agents']) ?? {}))
      protocol(obj(a)?.['protocol'], ['agents', 'agents', id, 'protocol']);
    const count = g?.['count'];
    const prefix = typeof g?.['idPrefix'] === 'string' ? g['idPrefix'] : 'a';
    if (typeof count === 'number' && Number.isSafeInteger(count) && count > 0 && count <= 100_000)
      for (let i = 0; i < count; i++) ids.add(`${prefix}${i}`);
  }
  if (ids.size === 0) return;
  const agent = (value: unknown, path: Path) => {
    if (typeof value === 'string' && !ids.has(value))
      problems.push({
        path: path.join('.'),
        message: `unknown agent "${value}"${didYouMean(value, ids)}`,
        ...locate(path),
      });
  };
  const faults = data['faults'];
  if (Array.isArray(faults))
    faults.forEach((f, i) => {
      const o = obj(f);
      agent(o?.['agent'], ['faults', i, 'agent']);
      for (const key of ['from', 'to', 'agents'])
        if (Array.isArray(o?.[key]))
          (o[key] as unknown[]).forEach((a, j) => {
            agent(a, ['faults', i, key, j]);
          });
      if (Array.isArray(o?.['groups']))
        (o['groups'] as unknown[]).forEach((g, gi) => {
          if (Array.isArray(g))
            g.forEach((a, j) => {
              agent(a, ['faults', i, 'groups', gi, j]);
            });
        });
    });
  const links = obj(data['network'])?.['links'];
  if (Array.isArray(links))
    links.forEach((l, i) => {
      agent(obj(l)?.['source'], ['network', 'links', i, 'source']);
      agent(obj(l)?.['target'], ['network', 'links', i, 'target']);
    });
}

/**
 * Replaces a union's "no option matched" by the issues of the option that
 * came closest (fewest issues, skipping options of the wrong type), so a
 * list of agents gets the list's problems rather than "not valid here".
 */
function flatten(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) {
      out.push(issue);
      continue;
    }
    const branches = issue.errors.filter(
      (b) => !(b.length === 1 && b[0]?.code === 'invalid_type' && b[0].path.length === 0),
    );
    if (branches.length === 0) {
      out.push(issue);
      continue;
    }
    const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
    out.push(...flatten(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }))));
  }
  return out;
}

function sortProblems(problems: LoadProblem[]): LoadProblem[] {
  return [...problems].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

/** The file path of a Scenario path: network defaults may be written directly under network. */
function filePath(path: Path, source: ScenarioFile): Path {
  if (
    path[0] === 'network' &&
    path[1] === 'defaults' &&
    (source.network?.defaults === undefined ||
      (path.length > 2 && Object.hasOwn(source.network ?? {}, String(path[2]))))
  )
    return ['network', ...path.slice(2)];
  if (path[0] === 'agents' && !Array.isArray(source.agents)) return ['agents'];
  return path;
}

/** Builds the engine's Scenario from a validated file; adds naming problems to `problems`. */
function build(
  f: ScenarioFile,
  registry: Registry,
  problems: LoadProblem[],
  locate: (path: Path) => Partial<LoadProblem>,
): Scenario {
  const protocolNames = [...registry.protocols.keys()];
  const resolve = (name: string | undefined, path: Path): Protocol => {
    const protocol = name === undefined ? undefined : registry.protocols.get(name);
    if (protocol === undefined && name === undefined)
      problems.push({
        path: path.join('.'),
        message:
          name === undefined
            ? 'no protocol: name one here or set the scenario protocol'
            : unknownProtocol(name, protocolNames),
        ...locate(path),
      });
    return protocol as Protocol;
  };
  const faults: FaultSpec[] = [];
  type Role = z.infer<typeof scenarioFileSchema>['agents'] extends infer A
    ? A extends readonly (infer E)[]
      ? E
      : never
    : never;
  const agentOf = (id: string, role: Partial<Role>, path: Path): AgentSpec => {
    // A program's protocol is `process`; it gets the scenario's shared params and its own, and reads what it wants.
    const program = role.process !== undefined;
    const protocol = program
      ? PROCESS_PROTOCOL
      : resolve(
          role.protocol ?? f.protocol,
          role.protocol !== undefined
            ? [...path, 'protocol']
            : f.protocol !== undefined
              ? ['protocol']
              : path,
        );
    if (role.crashed !== undefined) {
      const c = typeof role.crashed === 'number' ? { tick: role.crashed } : role.crashed;
      faults.push({ kind: 'crash', agent: id, ...c } as FaultSpec);
    }
    const spec: Record<string, unknown> = {
      id,
      protocol,
      params: {
        ...(program ? f.params : sharedParamsFor(f.params, protocol)),
        ...role.params,
      } as Record<string, Json>,
    };
    if (program) spec['process'] = role.process;
    if (role.honest === false || role.compromised === true) spec['honest'] = false;
    for (const key of [
      'zone',
      'capabilities',
      'needs',
      'quarantined',
      'budget',
      'rateLimit',
    ] as const)
      if (role[key] !== undefined) spec[key] = role[key];
    return spec as unknown as AgentSpec;
  };
  let agents: AgentSpec[];
  if (Array.isArray(f.agents)) {
    f.agents.forEach((a, i) => {
      if (a.process !== undefined && a.protocol !== undefined)
        problems.push({
          path: `agents.${i}.protocol`,
          message: `agent ${a.id} is a program (process:) and runs no protocol: remove one of the two`,
          ...locate(['agents', i, 'protocol']),
        });
    });
    agents = f.agents.map((a, i) => agentOf(a.id, a, ['agents', i]));
  } else {
    const g = f.agents;
    const prefix = g.idPrefix ?? 'a';
    const ids = Array.from({ length: g.count }, (_, i) => `${prefix}${i}`);
    for (const id of Object.keys(g.agents ?? {}))
      if (!ids.includes(id))
        problems.push({
          path: `agents.agents.${id}`,
          message: `no agent "${id}" in this group: ids run from ${ids[0]} to ${ids.at(-1)}`,
          ...locate(['agents', 'agents', id]),
        });
    const { count: _c, idPrefix: _p, agents: _a, ...shared } = g;
    const { honest: _h, compromised: _k, ...sharedButHonesty } = shared;
    agents = ids.map((id) => {
      const own = g.agents?.[id] ?? {};
      // An agent's own honest or compromised wins over the group's, whichever spelling each uses.
      const says = own.honest !== undefined || own.compromised !== undefined;
      return agentOf(
        id,
        {
          ...(says ? sharedButHonesty : shared),
          ...own,
          params: { ...shared.params, ...own.params },
        },
        own.protocol !== undefined ? ['agents', 'agents', id] : ['agents'],
      );
    });
  }

  const net = f.network;
  let network: Scenario['network'];
  if (net !== undefined) {
    const { defaults, links, scheduler, ...shorthand } = net;
    let chosen: Scheduler | undefined;
    if (scheduler !== undefined) {
      const make = registry.schedulers?.get(scheduler.name);
      if (make === undefined) {
        const names = [...(registry.schedulers?.keys() ?? [])];
        problems.push({
          path: 'network.scheduler.name',
          message: `unknown scheduler "${scheduler.name}"${didYouMean(scheduler.name, names)}; schedulers: ${names.join(', ') || 'none'}`,
          ...locate(['network', 'scheduler', 'name']),
        });
      } else {
        const { name: _n, ...schedulerOptions } = scheduler;
        try {
          chosen = make(schedulerOptions);
        } catch (err) {
          problems.push({
            path: 'network.scheduler',
            message: (err as Error).message,
            ...locate(['network', 'scheduler']),
          });
        }
      }
    }
    network = {
      defaults: { ...shorthand, ...defaults } as Partial<LinkSpec>,
      ...(links !== undefined ? { links: links as LinkOverride[] } : {}),
      ...(chosen !== undefined ? { scheduler: chosen } : {}),
    };
  }

  const scenario: Record<string, unknown> = { name: f.name, agents };
  if (network !== undefined) scenario['network'] = network;
  const allFaults = [...faults, ...((f.faults ?? []) as FaultSpec[])];
  if (allFaults.length > 0) scenario['faults'] = allFaults;
  for (const key of ['trust', 'cost', 'checks', 'limits', 'model'] as const)
    if (f[key] !== undefined) scenario[key] = f[key];
  return scenario as unknown as Scenario;
}
