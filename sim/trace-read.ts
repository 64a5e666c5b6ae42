/**
 * Reading a JSONL trace back from its text: the manifest line, one line per
 * record, and the end line, rebuilt record by record with `Trace.append`
 * (no protocol needed), and the end line's hash checked against the lines
 * before it. Pure (text in, trace out), so the browser can read dropped
 * files; the command line reads files the same way in cli/trace-file.ts.
 * Problems are reported as `file:line:column: message`.
 */
import { KIND_NAMES, type KindName, type Manifest, type StopReason, Trace } from './trace.ts';

const STOP_REASONS: readonly string[] = [
  'quiescent',
  'allDecided',
  'ticksMax',
  'eventsMax',
  'queueMax',
  'recordsMax',
] satisfies readonly StopReason[];

/** A trace text that cannot be read; `line` and `column` are 1-based. */
export class TraceReadError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = 'TraceReadError';
  }
}

/**
 * The 1-based column of the first JSON syntax error in `text`: a small
 * recursive-descent scan, run only when JSON.parse has already failed
 * (engines do not all give a position).
 */
export function errorColumn(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const bad = (): never => {
    throw i;
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) bad();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) bad();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) bad();
      }
      i++;
    }
    if (i >= text.length) bad();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') bad();
        string();
        ws();
        if (text[i] !== ':') bad();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else bad();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else bad();
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (m === null) bad();
    i += (m as RegExpExecArray)[0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) bad();
  } catch (at) {
    if (typeof at === 'number') return at + 1;
    throw at;
  }
  return 1;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The trace in JSONL `text`. Throws a TraceReadError naming the line (and
 * column, for JSON syntax errors) of the first problem: a line that is not
 * JSON, a first line that is not a manifest, an unknown record kind, a
 * record out of sequence, or an end line whose record count or hash does
 * not match the lines before it. A text without an end line (a cut file)
 * is read as far as it goes, without a stop.
 */
export function traceFromJsonl(text: string, file = 'trace.jsonl'): Trace {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  const fail = (i: number, reason: string, column = 1): never => {
    throw new TraceReadError(file, i + 1, column, reason);
  };
  if (lines.length === 0) fail(0, 'the file is empty, not a parley trace');
  const parse = (i: number): Record<string, unknown> => {
    const line = lines[i] as string;
    if (line.trim() === '') fail(i, 'an empty line');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      fail(i, `not a JSON line (${e instanceof Error ? e.message : String(e)})`, errorColumn(line));
    }
    if (!isObject(value)) fail(i, 'not a JSON object');
    return value as Record<string, unknown>;
  };

  const head = parse(0);
  if (head['type'] !== 'manifest') fail(0, 'the first line is not a parley manifest');
  const { type: _type, ...manifest } = head;
  const spec = manifest['spec'];
  const agents = isObject(spec) && Array.isArray(spec['agents']) ? spec['agents'] : [];
  const ids: string[] = [];
  for (const a of agents) if (isObject(a) && typeof a['id'] === 'string') ids.push(a['id']);

  const last = lines.length > 1 ? parse(lines.length - 1) : undefined;
  const hasEnd = last?.['type'] === 'end';
  const body = hasEnd ? lines.length - 1 : lines.length;
  const records: Record<string, unknown>[] = [];
  const index = new Map(ids.map((id, i) => [id, i]));
  for (let i = 1; i < body; i++) {
    const r = i === lines.length - 1 && last !== undefined ? last : parse(i);
    if (r['type'] !== undefined)
      fail(i, `a ${JSON.stringify(r['type'])} line among the records (only the last line ends)`);
    if (r['seq'] !== i - 1)
      fail(i, `record seq ${JSON.stringify(r['seq'])} where ${i - 1} was expected`);
    if (!Number.isInteger(r['tick'])) fail(i, 'the record has no whole-number tick');
    if (!KIND_NAMES.includes(r['kind'] as KindName))
      fail(i, `unknown record kind ${JSON.stringify(r['kind'])}`);
    for (const k of ['agent', 'peer'] as const) {
      const who = r[k];
      if (who === undefined) continue;
      if (typeof who !== 'string') fail(i, `${k} must be an agent id (a string)`);
      // Ids missing from the manifest (sources, hand-made traces) are named in order of appearance.
      if (!index.has(who as string)) {
        index.set(who as string, ids.length);
        ids.push(who as string);
      }
    }
    for (const k of ['msg', 'cause', 'at'] as const)
      if (r[k] !== undefined && !(Number.isInteger(r[k]) && (r[k] as number) >= 0))
        fail(i, `${k} must be a whole number`);
    records.push(r);
  }

  const trace = new Trace(manifest as unknown as Manifest, ids);
  const who = (v: unknown) => (v === undefined ? -1 : (index.get(v as string) as number));
  const num = (v: unknown) => (typeof v === 'number' ? v : -1);
  for (const r of records)
    trace.append(
      r['tick'] as number,
      KIND_NAMES.indexOf(r['kind'] as KindName),
      who(r['agent']),
      who(r['peer']),
      num(r['msg']),
      num(r['cause']),
      num(r['at']),
      r['data'],
    );

  if (hasEnd && last !== undefined) {
    const endLine = lines.length - 1;
    if (last['records'] !== records.length)
      fail(
        endLine,
        `the end line counts ${JSON.stringify(last['records'])} records but the file holds ${records.length}: the file was changed or cut`,
      );
    if (last['stop'] !== null && !STOP_REASONS.includes(last['stop'] as string))
      fail(endLine, `unknown stop reason ${JSON.stringify(last['stop'])}`);
    if (last['stop'] !== null)
      trace.stop = { reason: last['stop'] as StopReason, tick: num(last['tick']) };
    if (last['hash'] !== trace.hash())
      fail(
        endLine,
        `the end line's hash ${JSON.stringify(last['hash'])} does not match the lines before it (${trace.hash()}): the file was changed`,
      );
  }
  return trace;
}
