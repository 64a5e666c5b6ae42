/**
 * Reading a JSONL trace back: the manifest line, one line per record, and the
 * end line, rebuilt record by record with `Trace.append` (no protocol
 * needed). A trace is whole only with its end line, whose record count
 * matches and whose hash covers the lines before it and its own count, stop
 * and tick. `TraceReader` takes one line at a time (the command line feeds
 * it from a file read in chunks, cli/trace-file.ts); `traceFromJsonl` feeds
 * it a whole text (the page). Pure. Problems are reported as
 * `file:line:column: message`.
 */
import {
  KIND_NAMES,
  type KindName,
  type Manifest,
  type StopReason,
  TRACE_FORMAT,
  Trace,
} from './trace.ts';

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

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Reads a JSONL trace one line at a time: `line` for each line in order,
 * then `finish` for the trace. Both throw a TraceReadError naming the line
 * (and column, for JSON syntax errors) of the first problem: a line that is
 * not JSON, a first line that is not a manifest of this trace format, an
 * unknown record kind, a record out of sequence, an end line whose record
 * count, stop, tick or hash does not match, a line after the end line, or
 * no end line at all (a cut file). Pure.
 */
export class TraceReader {
  /** Lines read so far; the 1-based number of the last one. */
  private lines = 0;
  /** Length of the last line read, for the column just past it. */
  private lastLength = 0;
  private trace: Trace | undefined;
  private readonly index = new Map<string, number>();
  /** The end line's number once read. */
  private endAt = 0;

  constructor(readonly file = 'trace.jsonl') {}

  private fail(line: number, reason: string, column = 1): never {
    throw new TraceReadError(this.file, line, column, reason);
  }

  /** Reads the next line, without its "\n" (a final "\r" is dropped). */
  line(raw: string): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lineNo = ++this.lines;
    this.lastLength = text.length;
    if (this.endAt > 0)
      this.fail(
        lineNo,
        `${text.trim() === '' ? 'an empty line' : 'a line'} after the end line (line ${this.endAt}): only the last line ends a trace`,
      );
    if (text.trim() === '') this.fail(lineNo, 'an empty line');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.fail(
        lineNo,
        `not a JSON line (${e instanceof Error ? e.message : String(e)})`,
        errorColumn(text),
      );
    }
    if (!isObject(value)) this.fail(lineNo, 'not a JSON object');
    const o = value as Record<string, unknown>;
    const trace = this.trace;
    if (trace === undefined) this.manifest(o, text);
    else if (o['type'] === 'end') this.end(trace, o, lineNo);
    else if (o['type'] !== undefined)
      this.fail(lineNo, `a ${JSON.stringify(o['type'])} line among the records`);
    else this.record(trace, o, lineNo);
  }

  private manifest(head: Record<string, unknown>, text: string): void {
    if (head['type'] !== 'manifest') this.fail(1, 'the first line is not a parley manifest');
    const format = head['format'];
    const column = text.indexOf('"format"') + 1 || 1;
    if (format !== TRACE_FORMAT) {
      if (typeof format === 'number' && format < TRACE_FORMAT)
        this.fail(1, `written by an older parley (trace format ${format}); re-run it`, column);
      if (typeof format === 'number')
        this.fail(
          1,
          `written by a newer parley (trace format ${format}); this parley reads trace format ${TRACE_FORMAT}`,
          column,
        );
      this.fail(1, 'the manifest has no trace format (a whole number)', column);
    }
    const { type: _type, ...manifest } = head;
    const spec = manifest['spec'];
    const agents = isObject(spec) && Array.isArray(spec['agents']) ? spec['agents'] : [];
    const ids: string[] = [];
    for (const a of agents)
      if (isObject(a) && typeof a['id'] === 'string' && !this.index.has(a['id'])) {
        this.index.set(a['id'], ids.length);
        ids.push(a['id']);
      }
    this.trace = new Trace(manifest as unknown as Manifest, ids);
  }

  private record(trace: Trace, r: Record<string, unknown>, lineNo: number): void {
    const seq = trace.length;
    if (r['seq'] !== seq)
      this.fail(lineNo, `record seq ${JSON.stringify(r['seq'])} where ${seq} was expected`);
    const tick = r['tick'];
    if (!Number.isInteger(tick)) this.fail(lineNo, 'the record has no whole-number tick');
    const kind = KIND_NAMES.indexOf(r['kind'] as KindName);
    if (kind < 0) this.fail(lineNo, `unknown record kind ${JSON.stringify(r['kind'])}`);
    const who = (k: 'agent' | 'peer'): number => {
      const id = r[k];
      if (id === undefined) return -1;
      if (typeof id !== 'string') this.fail(lineNo, `${k} must be an agent id (a string)`);
      const known = this.index.get(id as string);
      if (known !== undefined) return known;
      // Ids missing from the manifest (sources, hand-made traces) are named in order of appearance.
      const added = trace.addAgentId(id as string);
      this.index.set(id as string, added);
      return added;
    };
    const num = (k: 'msg' | 'cause' | 'at'): number => {
      const v = r[k];
      if (v === undefined) return -1;
      if (!isCount(v)) this.fail(lineNo, `${k} must be a whole number`);
      return v as number;
    };
    const agent = who('agent');
    const peer = who('peer');
    trace.append(tick as number, kind, agent, peer, num('msg'), num('cause'), num('at'), r['data']);
  }

  private end(trace: Trace, end: Record<string, unknown>, lineNo: number): void {
    this.endAt = lineNo;
    if (end['records'] !== trace.length)
      this.fail(
        lineNo,
        `the end line counts ${JSON.stringify(end['records'])} records but the file holds ${trace.length}: the file was changed or cut`,
      );
    const stop = end['stop'];
    const tick = end['tick'];
    if (stop === null) {
      if (tick !== null)
        this.fail(lineNo, `a tick (${JSON.stringify(tick)}) without a stop reason`);
    } else {
      if (!STOP_REASONS.includes(stop as string))
        this.fail(lineNo, `unknown stop reason ${JSON.stringify(stop)}`);
      if (!isCount(tick))
        this.fail(lineNo, `the stop tick ${JSON.stringify(tick)} is not a whole number`);
      trace.stop = { reason: stop as StopReason, tick: tick as number };
    }
    if (end['hash'] !== trace.hash())
      this.fail(
        lineNo,
        `the end line's hash ${JSON.stringify(end['hash'])} does not match the lines before it and the end line's count, stop and tick (${trace.hash()}): the file was changed`,
      );
  }

  /** The trace read, once every line is in. */
  finish(): Trace {
    const trace = this.trace;
    if (trace === undefined) return this.fail(1, 'the file is empty, not a parley trace');
    if (this.endAt === 0)
      this.fail(
        this.lines,
        `the trace ends at line ${this.lines}${this.lines === 1 ? ', its manifest,' : ''} without its end line: the file was cut short`,
        this.lastLength + 1,
      );
    return trace;
  }
}

/**
 * The trace in JSONL `text` (a final newline optional, CRLF line ends
 * accepted), read with a TraceReader: throws its TraceReadError for a text
 * that is not a whole trace. Pure.
 */
export function traceFromJsonl(text: string, file = 'trace.jsonl'): Trace {
  const reader = new TraceReader(file);
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl < 0) break;
    reader.line(text.slice(from, nl));
    from = nl + 1;
  }
  if (from < text.length) reader.line(text.slice(from));
  return reader.finish();
}

/**
 * The trace in a JSONL text given as consecutive pieces (a file read a chunk
 * at a time; a line may straddle pieces), read line by line without joining
 * the pieces into one string. The same lines, trace and errors as
 * `traceFromJsonl` on the joined text. Pure.
 */
export async function traceFromChunks(
  chunks: AsyncIterable<string> | Iterable<string>,
  file = 'trace.jsonl',
): Promise<Trace> {
  const reader = new TraceReader(file);
  let rest = '';
  for await (const chunk of chunks) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl < 0) break;
      reader.line(rest + chunk.slice(from, nl));
      rest = '';
      from = nl + 1;
    }
    rest += chunk.slice(from);
  }
  if (rest !== '') reader.line(rest);
  return reader.finish();
}
