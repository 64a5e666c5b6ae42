/**
 * The trace: one append-only journal of everything that happened in a run,
 * the single source of truth for checkers, the visualizer and golden tests.
 * Records live in typed-array columns (about 25 bytes each plus any payload)
 * and are written as JSONL: a manifest line, one line per record, and an end
 * line `{"type":"end","records":N,"stop":R,"tick":T,"hash":H}` where H is the
 * SHA-256 of the file up to the end line's `,"hash":"` (every line before it,
 * each with its "\n", then `{"type":"end","records":N,"stop":R,"tick":T`), so
 * an edited count, stop or tick breaks the hash as an edited record does.
 * The end line always finishes with `,"hash":"`, 64 hex digits, `"}` and
 * "\n": 76 bytes, hence the check by hand `head -c -76 trace.jsonl | sha256sum`.
 */
import { Sha256 } from './hash.ts';
import type { Json } from './spec.ts';

/** Record kinds, in the order of their numeric codes. */
export const KIND_NAMES = [
  'start',
  'send',
  'drop',
  'duplicate',
  'deliver',
  'timer.set',
  'timer.fire',
  'timer.cancel',
  'state',
  'decide',
  'note',
  'crash',
  'restart',
  'partition',
  'heal',
  'omission',
  'omission.end',
  'skew',
  'skew.end',
  'propose',
  'hold',
  'read',
  'content',
  'act',
  'spend',
  // An agent asked for what the simulated world cannot do (send to an agent
  // that does not exist, read an unknown source): not done, recorded, the run goes on.
  'error',
  // What a process agent wrote in one step (sim/programs.ts): replays rebuild the run from these.
  'output',
  // A language model's answer to an agent's ask (sim/models.ts): replays answer from these.
  'model',
] as const;

export type KindName = (typeof KIND_NAMES)[number];

/** Numeric codes of the record kinds (columns hold these). */
export const Kind = {
  start: 0,
  send: 1,
  drop: 2,
  duplicate: 3,
  deliver: 4,
  timerSet: 5,
  timerFire: 6,
  timerCancel: 7,
  state: 8,
  decide: 9,
  note: 10,
  crash: 11,
  restart: 12,
  partition: 13,
  heal: 14,
  omission: 15,
  omissionEnd: 16,
  skew: 17,
  skewEnd: 18,
  propose: 19,
  hold: 20,
  read: 21,
  content: 22,
  act: 23,
  spend: 24,
  error: 25,
  output: 26,
  model: 27,
} as const;

/** Why a message copy was lost (the `data` of a drop record). */
export type DropReason =
  | 'loss'
  | 'partition'
  | 'crashed'
  | 'omission'
  | 'overflow'
  | 'gateway'
  | 'budget';

/** Why a run stopped. */
export type StopReason =
  | 'quiescent'
  | 'allDecided'
  | 'ticksMax'
  | 'eventsMax'
  | 'queueMax'
  | 'recordsMax';

/** One record, as read back. Absent fields are omitted. */
export interface TraceRecord {
  /** Position in the trace, from 0; also the record's id. */
  readonly seq: number;
  readonly tick: number;
  readonly kind: KindName;
  /** The agent the record is about (sender of a send or drop, receiver of a delivery). */
  readonly agent?: string;
  /** The other end of a message: receiver of a send or drop, sender of a delivery. */
  readonly peer?: string;
  /** Message id: the same for the send, its duplicate, drops and deliveries. */
  readonly msg?: number;
  /** seq of the record that caused this one. */
  readonly cause?: number;
  /** timer.set: the tick the timer is due. */
  readonly at?: number;
  readonly data?: Json;
}

/** What a run is: scenario, parameters, seed and parley version. */
export interface Manifest {
  readonly parley: string;
  readonly format: number;
  readonly scenario: string;
  readonly seed: number;
  readonly params: Readonly<Record<string, Json>>;
  /** The scenario as data (protocols by name). */
  readonly spec: Json;
  /** A run driven by explore's choices (sim/explore.ts `ScheduleSpec`): what replay makes again. */
  readonly choices?: Json;
}

/**
 * The JSONL trace format. 2: the hash covers the end line's count, stop and
 * tick (format 1 hashed only the lines before the end line).
 */
export const TRACE_FORMAT = 2;

/** Bytes after the end line's hashed prefix: `,"hash":"`, 64 hex digits, `"}` and "\n". */
export const END_HASH_BYTES = 76;

/** Records per chunk of columns, once the first chunk has grown to it. */
const CHUNK_BITS = 16;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** Records the first chunk has room for at first: many runs are short, and a sweep starts thousands. */
const CHUNK_FIRST = 64;
/** Payloads joined into one page of text. */
const PAGE_PAYLOADS = 512;

const NONE = -1;

/** String payloads a trace keeps the text of: a protocol may name a timer per request. */
const STRINGS_MAX = 1024;

/**
 * A payload given as its JSON text, for `Trace.append`: the engine hands
 * one when it has the text already (the same provenance on many
 * deliveries, one message sent to many agents in one step), and the record
 * is the same as for the value it stands for.
 */
export class JsonText {
  /** Where this text was last stored: the trace, its page and its code units, so that a later record of the same page points at it instead of storing it again. */
  owner: object | null = null;
  page = -1;
  start = 0;
  end = 0;

  constructor(public json: string) {}

  /** Makes this object stand for `json` instead (the engine keeps one for the messages it sends). */
  replace(json: string): void {
    this.json = json;
    this.owner = null;
  }
}

/** Code units JSON.stringify writes otherwise than as themselves: controls, `"`, `\\` and surrogates (escaped when alone). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it looks for.
const JSON_ESCAPED = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * JSON.stringify of a payload that is not an object (null included), the
 * same text: a string without code units to escape is itself in quotes, a
 * 32-bit integer its String. JSON.stringify costs about 100 ns on a short
 * string here; timer names, state keys and drop reasons are most payloads.
 */
export function primitiveJson(data: unknown): string {
  switch (typeof data) {
    case 'string':
      return JSON_ESCAPED.test(data) ? JSON.stringify(data) : `"${data}"`;
    case 'number':
      // String of a fraction measured slower than JSON.stringify's (V8's number-string cache).
      return (data | 0) === data ? String(data) : JSON.stringify(data);
    case 'boolean':
      return data ? 'true' : 'false';
    default:
      return JSON.stringify(data);
  }
}

/** Most entries in each of messageJson's caches: keys, strings and types could otherwise grow them without end. */
const JSON_CACHED_MAX = 4096;
/** A key's JSON with its colon, by key. */
const keyJson = new Map<string, string>();
/** A string value's JSON, by string. */
const stringJson = new Map<string, string>();
/** Message types seen holding an object or an array that is not flat: written by JSON.stringify at once. */
const nestedTypes = new Set<unknown>();

/** JSON.stringify of string `v`, from the cache when it holds it. */
function stringValueJson(v: string): string {
  let json = stringJson.get(v);
  if (json === undefined) {
    json = primitiveJson(v);
    if (stringJson.size < JSON_CACHED_MAX) stringJson.set(v, json);
  }
  return json;
}

/** `{"type":` and the JSON of `type`, by type. */
const typeOpenings = new Map<string, string>();

function typeOpening(type: string): string {
  let json = typeOpenings.get(type);
  if (json === undefined) {
    json = `{"type":${stringValueJson(type)}`;
    if (typeOpenings.size < JSON_CACHED_MAX) typeOpenings.set(type, json);
  }
  return json;
}

/**
 * JSON.stringify of a message, the same text. A plain object whose values
 * are strings, numbers, booleans and flat arrays of them (most messages) is
 * written here, its keys' and strings' JSON taken from caches; anything
 * else, and any message whose type held another object or array before,
 * goes to JSON.stringify. (Keys are read with for…in, as `delivered`
 * copies them: the engine assumes, as it does there, that no one made a
 * property of Object.prototype enumerable.) The caches only save work: the
 * text is the same whatever they hold. On the relay workload (CPU profile)
 * the send records' text went from a quarter of the run to about an eighth,
 * counting the dearer join of each page of texts (built in pieces, they are
 * flattened there).
 */
export function messageJson(message: { readonly type?: unknown }): string {
  const type = message.type;
  if (nestedTypes.has(type) || Object.getPrototypeOf(message) !== Object.prototype)
    return JSON.stringify(message);
  const o = message as Record<string, unknown>;
  let json = '{';
  for (const k in o) {
    const v = o[k];
    if (k === 'type' && json.length === 1 && typeof v === 'string') {
      // Most messages start with their type: `{"type":"…"` made once per type.
      json = typeOpening(v);
      continue;
    }
    const value = scalarJson(v) ?? (Array.isArray(v) ? flatArrayJson(v) : undefined);
    if (value === undefined) {
      if (v !== null && typeof v === 'object' && nestedTypes.size < JSON_CACHED_MAX)
        nestedTypes.add(type);
      return JSON.stringify(message);
    }
    let key = keyJson.get(k);
    if (key === undefined) {
      key = `${JSON.stringify(k)}:`;
      if (keyJson.size < JSON_CACHED_MAX) keyJson.set(k, key);
    }
    json += json.length === 1 ? key + value : `,${key}${value}`;
  }
  return `${json}}`;
}

/** JSON.stringify of a string, number or boolean, the same text; undefined for anything else. */
function scalarJson(v: unknown): string | undefined {
  if (typeof v === 'string') return stringValueJson(v);
  return typeof v === 'number' || typeof v === 'boolean' ? primitiveJson(v) : undefined;
}

/**
 * JSON.stringify of an array of strings, numbers and booleans (a path of
 * agent ids, a list of votes), the same text; undefined for any other array
 * (a hole, an object, an array with its own toJSON).
 */
function flatArrayJson(a: readonly unknown[]): string | undefined {
  if ((a as { toJSON?: unknown }).toJSON !== undefined) return undefined;
  let json = '[';
  for (let i = 0; i < a.length; i++) {
    if (!(i in a)) return undefined;
    const value = scalarJson(a[i]);
    if (value === undefined) return undefined;
    json += i === 0 ? value : `,${value}`;
  }
  return `${json}]`;
}

/** Bytes of the columns per record: nine 32-bit columns and the kind. */
const RECORD_BYTES = 9 * 4 + 1;
/** First chunks are cut one after another from a shared buffer of this size. */
const SLAB_BYTES = 1 << 16;
let slab: ArrayBuffer | null = null;
let slabUsed = 0;

/**
 * The first chunk of a new trace, in the shared buffer: allocating a buffer
 * outside the heap cost about 1 µs, a twentieth of a short run. Each trace
 * owns its bytes there; a buffer stays while any trace in it does.
 */
function firstColumns(): Columns {
  const bytes = CHUNK_FIRST * RECORD_BYTES;
  if (slab === null || slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const c = new Columns(CHUNK_FIRST, slab, slabUsed);
  // The next chunk starts on a multiple of 8 bytes, as 32-bit columns need 4.
  slabUsed += (bytes + 7) & ~7;
  return c;
}

/** One chunk of the record columns. */
class Columns {
  readonly tick: Int32Array;
  readonly kind: Uint8Array;
  readonly agent: Int32Array;
  readonly peer: Int32Array;
  readonly msg: Int32Array;
  readonly cause: Int32Array;
  readonly at: Int32Array;
  /** The payload: page, and its code units [start, end) in the page; page NONE for none. */
  readonly page: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;

  constructor(
    readonly size: number,
    buffer = new ArrayBuffer(size * RECORD_BYTES),
    base = 0,
  ) {
    // One backing buffer for the ten columns: a run's trace starts with one
    // allocation outside the heap instead of ten (a sweep starts thousands of
    // runs, and each buffer costs the garbage collector to track and free).
    let offset = base;
    const int32 = () => {
      const column = new Int32Array(buffer, offset, size);
      offset += size * 4;
      return column;
    };
    this.tick = int32();
    this.agent = int32();
    this.peer = int32();
    this.msg = int32();
    this.cause = int32();
    this.at = int32();
    this.page = int32();
    this.start = int32();
    this.end = int32();
    this.kind = new Uint8Array(buffer, offset, size);
  }

  /** A copy with room for `size` records. */
  grown(size: number): Columns {
    const c = new Columns(size);
    c.tick.set(this.tick);
    c.kind.set(this.kind);
    c.agent.set(this.agent);
    c.peer.set(this.peer);
    c.msg.set(this.msg);
    c.cause.set(this.cause);
    c.at.set(this.at);
    c.page.set(this.page);
    c.start.set(this.start);
    c.end.set(this.end);
    return c;
  }
}

export class Trace {
  private n = 0;
  /**
   * Columns in chunks of 2^CHUNK_BITS records: record `seq` is at
   * `seq & CHUNK_MASK` in chunk `seq >>> CHUNK_BITS`. Only the first chunk
   * grows (doubling, from CHUNK_FIRST); later chunks are made full size, so a
   * long run copies nothing and leaves no outgrown columns for the GC.
   */
  private readonly chunks: Columns[] = [firstColumns()];
  private cur: Columns = this.chunks[0] as Columns;
  /** seq of the current chunk's first record. */
  private curBase = 0;
  /**
   * Payloads as JSON text, joined PAGE_PAYLOADS at a time into one string per
   * page: a few objects for the GC to keep instead of one per payload (a
   * string per payload cost a third of a traced run), and no code unit
   * copied by script. `pending` is the page being filled.
   */
  private readonly pages: string[] = [];
  private pending: string[] = [];
  private pendingUnits = 0;
  /** JSON of each agent id, ready to splice into lines. */
  private readonly agentJson: string[];
  /** String payloads' texts (see stringText). */
  private readonly strings = new Map<string, JsonText>();
  private hashCache: string | undefined;
  /** SHA-256 state after the manifest line and the first `hashedRecords` record lines. */
  private hasher: Sha256 | undefined;
  private hashedRecords = 0;
  private stopValue: { reason: StopReason; tick: number } | undefined;

  constructor(
    readonly manifest: Manifest,
    /** Agent ids by index, to name agents in records. */
    readonly agentIds: readonly string[],
  ) {
    this.agentJson = agentIds.map((id) => JSON.stringify(id));
  }

  get length(): number {
    return this.n;
  }

  /** Why and when the run stopped; set by the engine (or a reader) when the run stops. */
  get stop(): { reason: StopReason; tick: number } | undefined {
    return this.stopValue;
  }

  set stop(value: { reason: StopReason; tick: number } | undefined) {
    this.stopValue = value;
    // The hash covers the end line's stop and tick.
    this.hashCache = undefined;
  }

  /**
   * Names one more agent (a reader meeting an id the manifest does not list)
   * and returns its index for `append`.
   */
  addAgentId(id: string): number {
    (this.agentIds as string[]).push(id);
    this.agentJson.push(JSON.stringify(id));
    return this.agentIds.length - 1;
  }

  /**
   * Appends a record and returns its seq. `agent`, `peer`, `msg`, `cause`,
   * `at` take -1 for absent; `data` undefined for absent.
   */
  append(
    tick: number,
    kind: number,
    agent: number,
    peer: number,
    msg: number,
    cause: number,
    at: number,
    data: unknown,
  ): number {
    const i = this.n;
    let o = i - this.curBase;
    if (o === this.cur.size) o = this.room(i);
    const c = this.cur;
    c.tick[o] = tick;
    c.kind[o] = kind;
    c.agent[o] = agent;
    c.peer[o] = peer;
    c.msg[o] = msg;
    c.cause[o] = cause;
    c.at[o] = at;
    if (data === undefined) {
      c.page[o] = NONE;
    } else {
      // Stored as JSON now: the record keeps what the payload was when it was recorded.
      let json: string;
      if (typeof data === 'string') data = this.stringText(data);
      if (data instanceof JsonText) {
        if (data.owner === this && data.page === this.pages.length) {
          // The same text already in the page being filled: point at it.
          c.page[o] = data.page;
          c.start[o] = data.start;
          c.end[o] = data.end;
          this.n = i + 1;
          this.hashCache = undefined;
          return i;
        }
        json = data.json;
        data.owner = this;
        data.page = this.pages.length;
        data.start = this.pendingUnits;
        data.end = this.pendingUnits + json.length;
      } else json = typeof data === 'object' ? JSON.stringify(data) : primitiveJson(data);
      c.page[o] = this.pages.length;
      c.start[o] = this.pendingUnits;
      this.pendingUnits += json.length;
      c.end[o] = this.pendingUnits;
      this.pending.push(json);
      if (this.pending.length === PAGE_PAYLOADS) this.seal();
    }
    this.n = i + 1;
    this.hashCache = undefined;
    return i;
  }

  /**
   * The text of a string payload, kept for the next records of the same
   * string (timer names, state keys and drop reasons repeat: a record of one
   * already in the page being filled points at it), or the string itself
   * once STRINGS_MAX strings are kept.
   */
  private stringText(data: string): JsonText | string {
    const strings = this.strings;
    const text = strings.get(data);
    if (text !== undefined) return text;
    if (strings.size >= STRINGS_MAX) return data;
    const made = new JsonText(primitiveJson(data));
    strings.set(data, made);
    return made;
  }

  /** Room for record `i` when the current chunk is full: the first chunk doubles, later ones are new. Returns its offset. */
  private room(i: number): number {
    const size = this.cur.size;
    if (size <= CHUNK_MASK) {
      this.cur = this.cur.grown(size * 2);
      this.chunks[0] = this.cur;
      return i;
    }
    this.cur = new Columns(CHUNK_MASK + 1);
    this.chunks.push(this.cur);
    this.curBase = i;
    return 0;
  }

  /** Closes the page being filled. */
  private seal(): void {
    this.pages.push(this.pending.join(''));
    this.pending = [];
    this.pendingUnits = 0;
  }

  /** The chunk holding record `seq`. */
  private chunk(seq: number): Columns {
    return this.chunks[seq >>> CHUNK_BITS] as Columns;
  }

  /** The JSON text of record `seq`'s payload, or undefined. */
  private dataJson(seq: number): string | undefined {
    const c = this.chunk(seq);
    const o = seq & CHUNK_MASK;
    const p = c.page[o] as number;
    if (p === NONE) return undefined;
    if (p === this.pages.length) this.seal();
    return (this.pages[p] as string).slice(c.start[o], c.end[o]);
  }

  /** The kind code of record `seq` (see `Kind`), without building the record. */
  kindAt(seq: number): number {
    return this.chunk(seq).kind[seq & CHUNK_MASK] as number;
  }

  /** Record `seq` as an object. */
  record(seq: number): TraceRecord {
    if (seq < 0 || seq >= this.n) throw new RangeError(`no record ${seq} in a trace of ${this.n}`);
    const c = this.chunk(seq);
    const o = seq & CHUNK_MASK;
    const r: {
      seq: number;
      tick: number;
      kind: KindName;
      agent?: string;
      peer?: string;
      msg?: number;
      cause?: number;
      at?: number;
      data?: Json;
    } = {
      seq,
      tick: c.tick[o] as number,
      kind: KIND_NAMES[c.kind[o] as number] as KindName,
    };
    const agent = c.agent[o] as number;
    if (agent !== NONE) r.agent = this.agentIds[agent] as string;
    const peer = c.peer[o] as number;
    if (peer !== NONE) r.peer = this.agentIds[peer] as string;
    const msg = c.msg[o] as number;
    if (msg !== NONE) r.msg = msg;
    const cause = c.cause[o] as number;
    if (cause !== NONE) r.cause = cause;
    const at = c.at[o] as number;
    if (at !== NONE) r.at = at;
    const d = this.dataJson(seq);
    if (d !== undefined) r.data = JSON.parse(d) as Json;
    return r;
  }

  /** Every record, in order. */
  *records(): IterableIterator<TraceRecord> {
    for (let i = 0; i < this.n; i++) yield this.record(i);
  }

  /** The manifest line (no newline). */
  headerLine(): string {
    return JSON.stringify({ type: 'manifest', ...this.manifest });
  }

  /** Record `seq` as one JSONL line (no newline): the JSON of `record(seq)`, built without parsing the payload. */
  recordLine(seq: number): string {
    const c = this.chunk(seq);
    const o = seq & CHUNK_MASK;
    let line = `{"seq":${seq},"tick":${c.tick[o] as number},"kind":"${KIND_NAMES[c.kind[o] as number] as string}"`;
    const agent = c.agent[o] as number;
    if (agent !== NONE) line += `,"agent":${this.agentJson[agent] as string}`;
    const peer = c.peer[o] as number;
    if (peer !== NONE) line += `,"peer":${this.agentJson[peer] as string}`;
    const msg = c.msg[o] as number;
    if (msg !== NONE) line += `,"msg":${msg}`;
    const cause = c.cause[o] as number;
    if (cause !== NONE) line += `,"cause":${cause}`;
    const at = c.at[o] as number;
    if (at !== NONE) line += `,"at":${at}`;
    const d = this.dataJson(seq);
    if (d !== undefined) line += `,"data":${d}`;
    return `${line}}`;
  }

  /**
   * The trace hash, 64 hex digits: SHA-256 of the JSONL file up to the end
   * line's `,"hash":"` — the manifest line and every record line, each with
   * its "\n", then `endPrefix()`. Records already hashed are not hashed
   * again when more are appended. Pure.
   */
  hash(): string {
    if (this.hashCache !== undefined) return this.hashCache;
    if (this.hasher === undefined) {
      this.hasher = new Sha256();
      this.hasher.updateString(`${this.headerLine()}\n`);
    }
    // Batch lines so the encoder runs on larger strings.
    let batch = '';
    for (let i = this.hashedRecords; i < this.n; i++) {
      batch += `${this.recordLine(i)}\n`;
      if (batch.length > 65536) {
        this.hasher.updateString(batch);
        batch = '';
      }
    }
    if (batch.length > 0) this.hasher.updateString(batch);
    this.hashedRecords = this.n;
    this.hashCache = this.hasher.clone().updateString(this.endPrefix()).digestHex();
    return this.hashCache;
  }

  /** The end line up to its hash: `{"type":"end","records":N,"stop":R,"tick":T` (R and T null before the run stops). */
  endPrefix(): string {
    const stop = this.stop;
    return `{"type":"end","records":${this.n},"stop":${stop === undefined ? 'null' : JSON.stringify(stop.reason)},"tick":${stop === undefined ? 'null' : stop.tick}`;
  }

  /** The end line: record count, why and when the run stopped, and the hash of everything before `,"hash":"`. */
  endLine(): string {
    return `${this.endPrefix()},"hash":"${this.hash()}"}`;
  }

  /** Every line of the JSONL file, each without its newline. */
  *lines(): IterableIterator<string> {
    yield this.headerLine();
    for (let i = 0; i < this.n; i++) yield this.recordLine(i);
    yield this.endLine();
  }

  /** The whole JSONL file as one string (small traces; stream `lines()` for large ones). */
  toJSONL(): string {
    let out = '';
    for (const line of this.lines()) out += `${line}\n`;
    return out;
  }
}
