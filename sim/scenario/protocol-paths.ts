/**
 * Protocols named by file (`protocol: ./ask-confirm.ts`): which values are
 * paths, and where a scenario's text, its chosen variant, its overrides and
 * its sweep axes name them. Pure: the command line imports the files and
 * hands the loader a registry holding them (cli/protocol-files.ts); the page,
 * which cannot import a file, says so instead.
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  parse as parseYaml,
} from 'yaml';

/**
 * True when a protocol value names a file rather than a registered protocol:
 * it starts with `./`, `../` or `/` (or a drive letter), or ends with `.ts`,
 * `.js` or `.mjs`. Registered names never do. Pure.
 */
export function isProtocolPath(value: string): boolean {
  return /^(\.{1,2}[/\\]|[/\\]|[A-Za-z]:[/\\])/.test(value) || /\.(ts|js|mjs)$/.test(value);
}

/** One place a scenario names a protocol file. */
export interface ProtocolPathUse {
  /** The path as written. */
  readonly value: string;
  /** Dotted path of the value in the scenario ('agents.0.protocol'). */
  readonly path: string;
  /** 1-based position in the file, when it is in the file. */
  readonly line?: number;
  readonly column?: number;
  /** The override (`--set`, a variant's, a sweep axis) it came from. */
  readonly override?: string;
}

export interface ProtocolPathOptions {
  /** The chosen variant: its overrides are read; other variants are not. */
  readonly variant?: string | undefined;
  /** `dotted.path=value` overrides. */
  readonly overrides?: readonly string[];
  /** Sweep axes `path=v1,v2` (a YAML list without its brackets). */
  readonly vary?: readonly string[];
  /** Read the file's own `sweep.params` axes too. */
  readonly sweep?: boolean;
}

/** Every `protocol: PATH` inside a plain value (an override's value may be a whole agent). */
function inValue(value: unknown, path: string, out: (value: string, path: string) => void): void {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [v, p] = stack.pop() as [unknown, string];
    if (typeof v !== 'object' || v === null) continue;
    for (const [k, child] of Object.entries(v)) {
      const here = p === '' ? k : `${p}.${k}`;
      if (k === 'protocol' && typeof child === 'string' && isProtocolPath(child)) out(child, here);
      else stack.push([child, here]);
    }
  }
}

/** The value an override sets at a dotted path ending in `protocol`, or inside a map it sets. */
function overrideUses(path: string, value: unknown, override: string, out: ProtocolPathUse[]) {
  if (path.split('.').at(-1) === 'protocol' && typeof value === 'string') {
    if (isProtocolPath(value)) out.push({ value, path, override });
    return;
  }
  inValue(value, path, (v, p) => {
    out.push({ value: v, path: p, override });
  });
}

function splitOverride(text: string): { path: string; value: unknown } | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  try {
    return {
      path: text.slice(0, eq).trim(),
      value: parseYaml(text.slice(eq + 1), { logLevel: 'silent' }),
    };
  } catch {
    return { path: text.slice(0, eq).trim(), value: text.slice(eq + 1) };
  }
}

/**
 * A protocol path holds a slash, a backslash or one of the extensions, and
 * YAML can spell those otherwise only with an escape, which holds a
 * backslash: a text with none of them names no file and is not parsed here
 * (parsing it was a third of listing the catalogue).
 */
const MAY_NAME_FILE = /[/\\]|\.(?:ts|js|mjs)/;

/**
 * The uses in the file itself (outside variants and sweep) into `out`, in
 * order of position; returns the file as data, or undefined when it does not
 * parse.
 */
function usesInText(text: string, out: ProtocolPathUse[]): Record<string, unknown> | undefined {
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, logLevel: 'silent', prettyErrors: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length > 0) return undefined;
  const at = (node: Node | null | undefined) => {
    if (node?.range === undefined || node.range === null) return {};
    const { line, col } = lineCounter.linePos(node.range[0]);
    return { line, column: col };
  };
  // The file: every `protocol` key outside variants and sweep, at any depth.
  const stack: [unknown, string][] = [[doc.contents, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        const here = path === '' ? key : `${path}.${key}`;
        if (path === '' && (key === 'variants' || key === 'sweep')) continue;
        const v = pair.value;
        if (key === 'protocol' && isScalar(v) && typeof v.value === 'string') {
          if (isProtocolPath(v.value)) out.push({ value: v.value, path: here, ...at(v) });
        } else stack.push([v, here]);
      }
    } else if (isSeq(node))
      node.items.forEach((item, i) => {
        stack.push([item, `${path}.${i}`]);
      });
  }
  out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  let data: Record<string, unknown> = {};
  try {
    const js = doc.toJS({ maxAliasCount: 100 });
    if (typeof js === 'object' && js !== null) data = js as Record<string, unknown>;
  } catch {}
  return data;
}

/**
 * Where `text` (a scenario file) names protocol files, with positions, then
 * where its chosen variant, the overrides and the sweep axes do. A text that
 * does not parse names none here (the loader reports it). Pure.
 */
export function protocolPathsIn(
  text: string,
  options: ProtocolPathOptions = {},
): ProtocolPathUse[] {
  const out: ProtocolPathUse[] = [];
  const data = MAY_NAME_FILE.test(text) ? usesInText(text, out) : {};
  if (data === undefined) return out;
  const overrides: string[] = [];
  if (options.variant !== undefined) {
    const chosen = (data['variants'] as Record<string, { overrides?: unknown }> | undefined)?.[
      options.variant
    ]?.overrides;
    if (Array.isArray(chosen)) overrides.push(...chosen.map(String));
  }
  overrides.push(...(options.overrides ?? []));
  for (const o of overrides) {
    const s = splitOverride(o);
    if (s !== undefined) overrideUses(s.path, s.value, o, out);
  }
  if (options.sweep === true) {
    const axes = (data['sweep'] as { params?: unknown } | undefined)?.params;
    if (typeof axes === 'object' && axes !== null)
      for (const [path, values] of Object.entries(axes))
        if (Array.isArray(values))
          for (const v of values) overrideUses(path, v, `sweep.params.${path}`, out);
  }
  for (const axis of options.vary ?? []) {
    const eq = axis.indexOf('=');
    if (eq <= 0) continue;
    let values: unknown;
    try {
      values = parseYaml(`[${axis.slice(eq + 1)}]`, { logLevel: 'silent' });
    } catch {
      continue;
    }
    if (Array.isArray(values))
      for (const v of values) overrideUses(axis.slice(0, eq).trim(), v, `--vary ${axis}`, out);
  }
  return out;
}
