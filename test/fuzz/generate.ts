/**
 * Command lines for the command-line fuzz test: the catalogue's scenario
 * files mutated as text and as data, hostile names and values, override
 * strings, and the commands that read them (run, show, sweep, shrink).
 * Every case comes from one seeded stream, so a failing case is named by
 * (seed, index) and comes back the same.
 */
import { parse, stringify } from 'yaml';
import { deriveStream, type Stream } from '../../sim/index.ts';

/** One case: files to write in its folder, then the command line (`{dir}` is that folder). */
export interface FuzzCase {
  readonly index: number;
  readonly files: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
  /** What was done to make it, for the report. */
  readonly how: string;
}

/** Values that have broken, or could break, something downstream of the schema. */
const VALUES: readonly string[] = [
  '1e300',
  '-1e300',
  '9e15',
  '2147483647',
  '2147483648',
  '4294967296',
  '-1',
  '0',
  '0.5',
  '1.5',
  '.nan',
  '.inf',
  '-.inf',
  'null',
  '~',
  'true',
  '""',
  '[]',
  '{}',
  '[1, 2, [3, {a: 4}]]',
  '{kind: exponential, ticksMean: 1e300}',
  '{kind: pareto, ticksMin: 1, alpha: 1e-300}',
  '{kind: uniform, ticksMin: 5, ticksMax: 1}',
  '"../../target/owned"',
  '"/tmp/parley-fuzz-absolute/owned"',
  '"=HYPERLINK(\\"http://x\\",\\"y\\")"',
  '"a,b,c"',
  '"\\u001b]0;owned\\u0007\\u001b[2J"',
  '"a\\u0001b"',
  '"x\\ny"',
  '"\\u202eevil"',
  'nobody',
  '__proto__',
  'constructor',
  '!!binary aGVsbG8=',
  '&anchor 3',
  '*undefinedAlias',
  '"🦜🦜🦜"',
];

/** Text inserted at random places. */
const TOKENS: readonly string[] = [
  ':',
  ': ',
  '-',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '#',
  '\t',
  '\n',
  '  ',
  '&a ',
  '*a',
  '!!str ',
  '? ',
  '|',
  '>',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  '\u0000',
  '\u001b',
  '\ufeff',
  'é',
  '__proto__: 1\n',
  'constructor: {}\n',
];

/** Keys, real and misspelt, that a mutation may add or rename to. */
const KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'nmae',
  'agnets',
  'dropRatio',
  'latency',
  'ticksMax',
  'eventsMax',
  'params',
  'rounds',
  'roundTicks',
  'tasks',
  'requestsPerTick',
  'attack',
  'atack',
  'role',
  'peer',
  'next',
  'sources',
  'count',
  'zone',
  'capabilities',
  'budget',
  'seed',
  'sweep',
  'variants',
];

/** Names of scenarios that could choose where files go, or talk to the terminal. */
const HOSTILE_NAMES: readonly string[] = [
  '../../target/owned',
  '/tmp/parley-fuzz-absolute/owned',
  '..',
  '.',
  '-rf',
  '--out',
  'a/b/c',
  'C:\\evil\\x',
  '\u001b]0;owned\u0007\u001b[2J',
  '=HYPERLINK("http://x","y")',
  'nul',
  ' ',
];

const pick = <T>(s: Stream, xs: readonly T[]): T => xs[Math.floor(s.next() * xs.length)] as T;
const chance = (s: Stream, p: number) => s.next() < p;

/** Every dotted path to a value in `v`, lists by index. */
function pathsOf(v: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (prefix.length > 8) return out;
  if (typeof v === 'object' && v !== null) {
    for (const [k, child] of Object.entries(v)) {
      const p = [...prefix, k];
      out.push(p);
      pathsOf(child, p, out);
    }
  }
  return out;
}

function setIn(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = root as Record<string, unknown>;
  for (const k of path.slice(0, -1)) {
    const next = node[k];
    if (typeof next !== 'object' || next === null) return;
    node = next as Record<string, unknown>;
  }
  const last = path.at(-1) as string;
  if (value === undefined) delete node[last];
  else
    Object.defineProperty(node, last, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
}

function parsedValue(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return text;
  }
}

/** A text mutation of `text`. */
function mutateText(s: Stream, text: string): { text: string; how: string } {
  const lines = text.split('\n');
  const at = Math.floor(s.next() * lines.length);
  switch (Math.floor(s.next() * 9)) {
    case 0:
      lines.splice(at, 1);
      return { text: lines.join('\n'), how: `deleted line ${at + 1}` };
    case 1:
      lines.splice(at, 0, lines[at] ?? '');
      return { text: lines.join('\n'), how: `doubled line ${at + 1}` };
    case 2: {
      const i = Math.floor(s.next() * (text.length + 1));
      const token = pick(s, TOKENS);
      return {
        text: text.slice(0, i) + token + text.slice(i),
        how: `inserted ${JSON.stringify(token)} at ${i}`,
      };
    }
    case 3: {
      const numbers = [...text.matchAll(/(?<=[\s:[,{])-?\d+(\.\d+)?(?=[\s,\]}]|$)/gm)];
      if (numbers.length === 0) return { text, how: 'no number to replace' };
      const m = pick(s, numbers);
      const v = pick(s, VALUES);
      const i = m.index ?? 0;
      return {
        text: text.slice(0, i) + v + text.slice(i + m[0].length),
        how: `number ${m[0]} at ${i} -> ${v}`,
      };
    }
    case 4: {
      const line = lines[at] ?? '';
      const m = /^(\s*-?\s*[\w.-]+:\s*)(.*)$/.exec(line);
      if (m === null) return { text, how: 'no value to replace' };
      const v = pick(s, VALUES);
      lines[at] = `${m[1]}${v}`;
      return { text: lines.join('\n'), how: `line ${at + 1} value -> ${v}` };
    }
    case 5: {
      const line = lines[at] ?? '';
      const m = /^(\s*-?\s*)([\w.-]+)(:.*)$/.exec(line);
      if (m === null) return { text, how: 'no key to rename' };
      const k = pick(s, KEYS);
      lines[at] = `${m[1]}${k}${m[3]}`;
      return { text: lines.join('\n'), how: `line ${at + 1} key ${m[2]} -> ${k}` };
    }
    case 6: {
      const i = Math.floor(s.next() * text.length);
      return { text: text.slice(0, i), how: `cut at ${i}` };
    }
    case 7: {
      const depth = 1 + Math.floor(s.next() * 400);
      lines.splice(at, 0, `deep${at}: ${'['.repeat(depth)}${']'.repeat(depth)}`);
      return { text: lines.join('\n'), how: `nested ${depth} deep at line ${at + 1}` };
    }
    default: {
      const bomb = [
        'b0: &b0 [x, x, x, x, x, x, x, x, x, x]',
        ...Array.from(
          { length: 6 },
          (_, k) => `b${k + 1}: &b${k + 1} [${Array(10).fill(`*b${k}`).join(', ')}]`,
        ),
      ];
      return { text: `${text}\n${bomb.join('\n')}\n`, how: 'an alias bomb' };
    }
  }
}

/** A mutation of the parsed file, written back as YAML. */
function mutateData(s: Stream, text: string): { text: string; how: string } {
  const data = parse(text) as Record<string, unknown>;
  const paths = pathsOf(data);
  const path = pick(s, paths);
  const hows: string[] = [];
  const rounds = 1 + Math.floor(s.next() * 3);
  for (let r = 0; r < rounds; r++) {
    const kind = Math.floor(s.next() * 5);
    if (kind === 0 && path !== undefined) {
      const v = pick(s, VALUES);
      setIn(data, path, parsedValue(v));
      hows.push(`${path.join('.')} = ${v}`);
    } else if (kind === 1 && path !== undefined) {
      setIn(data, path, undefined);
      hows.push(`deleted ${path.join('.')}`);
    } else if (kind === 2) {
      const parent = pick(s, [[], ...paths]);
      const k = pick(s, KEYS);
      setIn(data, [...parent, k], parsedValue(pick(s, VALUES)));
      hows.push(`added ${[...parent, k].join('.')}`);
    } else if (kind === 3) {
      const n = pick(s, HOSTILE_NAMES);
      data['name'] = n;
      hows.push(`name ${JSON.stringify(n)}`);
    } else {
      // Up to 500 agents: enough to find what grows as n², and bounded time per case.
      const count = Math.floor(s.next() * 6) * 10 ** Math.floor(s.next() * 3);
      data['agents'] = { count, idPrefix: pick(s, ['n', 'a', 'x\u0001', '../']) };
      hows.push(`agents.count ${count}`);
    }
  }
  return { text: stringify(data), how: hows.join('; ') };
}

/** An override string for the scenario in `text`: real paths with hostile values, or malformed. */
function override(s: Stream, text: string): string {
  let paths: string[][] = [];
  try {
    paths = pathsOf(parse(text));
  } catch {
    // a broken file: invent a path
  }
  switch (Math.floor(s.next() * 6)) {
    case 0:
      return pick(s, ['=1', 'a..b=1', 'x', '.a=1', 'a.=1', 'a b=1', `${'a.'.repeat(200)}a=1`]);
    case 1:
      return `${pick(s, KEYS)}.${pick(s, KEYS)}=${pick(s, VALUES)}`;
    default: {
      const p = paths.length > 0 ? pick(s, paths) : ['params', pick(s, KEYS)];
      return `${p.join('.')}=${pick(s, VALUES)}`;
    }
  }
}

/** The `count` cases of fuzz seed `seed`, made from the catalogue files `catalog` (name -> text). */
export function fuzzCases(
  seed: number,
  count: number,
  catalog: Readonly<Record<string, string>>,
): FuzzCase[] {
  const names = Object.keys(catalog).sort();
  const cases: FuzzCase[] = [];
  for (let index = 0; index < count; index++) {
    const s = deriveStream(seed, `case/${index}`);
    const name = pick(s, names);
    let text = catalog[name] as string;
    const hows: string[] = [name];
    const mutations = chance(s, 0.2) ? 0 : 1 + Math.floor(s.next() * 2);
    for (let m = 0; m < mutations; m++) {
      let r: { text: string; how: string };
      try {
        r = chance(s, 0.5) ? mutateText(s, text) : mutateData(s, text);
      } catch {
        r = mutateText(s, text);
      }
      text = r.text;
      hows.push(r.how);
    }
    const sets: string[] = [];
    while (chance(s, 0.35)) sets.push(override(s, text));
    hows.push(...sets.map((o) => `--set ${o}`));
    const file = chance(s, 0.1) ? 'scenario.json' : 'scenario.yaml';
    const body = file.endsWith('.json') ? jsonOf(text) : text;
    const setArgs = sets.flatMap((o) => ['--set', o]);
    const command = s.next();
    let argv: string[];
    // Bounded work per case: the engine's own limits are tested elsewhere.
    const bound = (events: number) => ['--set', `limits.eventsMax=${events}`];
    if (command < 0.72)
      argv = [
        'run',
        file,
        '--seed',
        String(Math.floor(s.next() * 50)),
        ...setArgs,
        ...bound(100_000),
      ];
    else if (command < 0.8) argv = ['show', file, ...setArgs];
    else if (command < 0.9)
      argv = [
        'sweep',
        file,
        '--seeds',
        '1',
        '--workers',
        '1',
        ...(chance(s, 0.5)
          ? []
          : ['--out', `rows-${index}.${pick(s, ['csv', 'jsonl', 'parquet'])}`]),
        ...setArgs,
        ...bound(10_000),
      ];
    else if (command < 0.93) argv = ['shrink', file, ...setArgs, ...bound(1_000)];
    else argv = ['run', pick(s, names), ...sets.flatMap((o) => ['--set', o]), ...bound(100_000)];
    cases.push({ index, files: { [file]: body }, argv, how: hows.join(' | ') });
  }
  return cases;
}

function jsonOf(text: string): string {
  try {
    return JSON.stringify(parse(text));
  } catch {
    return text;
  }
}
