/**
 * The trace: one append-only journal of everything that happened in a run,
 * the single source of truth for checkers, the visualizer and golden tests.
 * Records live in typed-array columns (about 25 bytes each plus any payload)
 * and are written as JSONL: a manifest line, one line per record, and an end
 * line whose hash is the SHA-256 of every line before it.
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
}

export const TRACE_FORMAT = 1;

/** UTF-16 code units of the first page of payload text: short runs are the common case. */
const PAGE_UNITS_FIRST = 1 << 11;
/** Pages double up to this many code units (2 MB). */
const PAGE_UNITS = 1 << 20;
/** Code units decoded per String.fromCharCode call (below engines' argument limits). */
const DECODE_UNITS = 8192;

const NONE = -1;

export class Trace {
  // Small at first: many runs are short, and a sweep starts thousands of them.
  private capacity = 64;
  private n = 0;
  private tickCol = new Int32Array(this.capacity);
  private kindCol = new Uint8Array(this.capacity);
  private agentCol = new Int32Array(this.capacity);
  private peerCol = new Int32Array(this.capacity);
  private msgCol = new Int32Array(this.capacity);
  private causeCol = new Int32Array(this.capacity);
  private atCol = new Int32Array(this.capacity);
  /**
   * Payloads as JSON text copied into pages of UTF-16 code units: no object
   * per payload for the GC to trace or copy (storing strings cost a third of
   * a traced run). A record's payload is page `dataPageCol`, [start, end).
   */
  private dataPageCol = new Int32Array(this.capacity);
  private dataStartCol = new Int32Array(this.capacity);
  private dataEndCol = new Int32Array(this.capacity);
  private readonly pages: Uint16Array[] = [];
  private page: Uint16Array | null = null;
  private pageUsed = 0;
  /** JSON of each agent id, ready to splice into lines. */
  private readonly agentJson: string[];
  private hashCache: string | undefined;
  /** Set by the engine when the run stops. */
  stop: { reason: StopReason; tick: number } | undefined;

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
    if (i === this.capacity) this.grow();
    this.tickCol[i] = tick;
    this.kindCol[i] = kind;
    this.agentCol[i] = agent;
    this.peerCol[i] = peer;
    this.msgCol[i] = msg;
    this.causeCol[i] = cause;
    this.atCol[i] = at;
    if (data === undefined) {
      this.dataPageCol[i] = NONE;
    } else {
      // Stored as JSON now: the record keeps what the payload was when it was recorded.
      const json = JSON.stringify(data);
      const length = json.length;
      let page = this.page;
      if (page === null || this.pageUsed + length > page.length) {
        const size = page === null ? PAGE_UNITS_FIRST : Math.min(PAGE_UNITS, page.length * 2);
        page = new Uint16Array(Math.max(size, length));
        this.pages.push(page);
        this.page = page;
        this.pageUsed = 0;
      }
      const start = this.pageUsed;
      for (let k = 0; k < length; k++) page[start + k] = json.charCodeAt(k);
      this.pageUsed = start + length;
      this.dataPageCol[i] = this.pages.length - 1;
      this.dataStartCol[i] = start;
      this.dataEndCol[i] = start + length;
    }
    this.n = i + 1;
    this.hashCache = undefined;
    return i;
  }

  /** The JSON text of record `seq`'s payload, or undefined. */
  private dataJson(seq: number): string | undefined {
    const p = this.dataPageCol[seq] as number;
    if (p === NONE) return undefined;
    const page = this.pages[p] as Uint16Array;
    const end = this.dataEndCol[seq] as number;
    let text = '';
    for (let k = this.dataStartCol[seq] as number; k < end; k += DECODE_UNITS) {
      text += String.fromCharCode.apply(
        null,
        page.subarray(k, Math.min(end, k + DECODE_UNITS)) as unknown as number[],
      );
    }
    return text;
  }

  private grow(): void {
    const c = this.capacity * 2;
    const g = <T extends Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(c);
      next.set(old);
      return next;
    };
    this.tickCol = g(this.tickCol, (k) => new Int32Array(k));
    this.kindCol = g(this.kindCol, (k) => new Uint8Array(k));
    this.agentCol = g(this.agentCol, (k) => new Int32Array(k));
    this.peerCol = g(this.peerCol, (k) => new Int32Array(k));
    this.msgCol = g(this.msgCol, (k) => new Int32Array(k));
    this.causeCol = g(this.causeCol, (k) => new Int32Array(k));
    this.atCol = g(this.atCol, (k) => new Int32Array(k));
    this.dataPageCol = g(this.dataPageCol, (k) => new Int32Array(k));
    this.dataStartCol = g(this.dataStartCol, (k) => new Int32Array(k));
    this.dataEndCol = g(this.dataEndCol, (k) => new Int32Array(k));
    this.capacity = c;
  }

  /** The kind code of record `seq` (see `Kind`), without building the record. */
  kindAt(seq: number): number {
    return this.kindCol[seq] as number;
  }

  /** Record `seq` as an object. */
  record(seq: number): TraceRecord {
    if (seq < 0 || seq >= this.n) throw new RangeError(`no record ${seq} in a trace of ${this.n}`);
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
      tick: this.tickCol[seq] as number,
      kind: KIND_NAMES[this.kindCol[seq] as number] as KindName,
    };
    const agent = this.agentCol[seq] as number;
    if (agent !== NONE) r.agent = this.agentIds[agent] as string;
    const peer = this.peerCol[seq] as number;
    if (peer !== NONE) r.peer = this.agentIds[peer] as string;
    const msg = this.msgCol[seq] as number;
    if (msg !== NONE) r.msg = msg;
    const cause = this.causeCol[seq] as number;
    if (cause !== NONE) r.cause = cause;
    const at = this.atCol[seq] as number;
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
    let line = `{"seq":${seq},"tick":${this.tickCol[seq] as number},"kind":"${KIND_NAMES[this.kindCol[seq] as number] as string}"`;
    const agent = this.agentCol[seq] as number;
    if (agent !== NONE) line += `,"agent":${this.agentJson[agent] as string}`;
    const peer = this.peerCol[seq] as number;
    if (peer !== NONE) line += `,"peer":${this.agentJson[peer] as string}`;
    const msg = this.msgCol[seq] as number;
    if (msg !== NONE) line += `,"msg":${msg}`;
    const cause = this.causeCol[seq] as number;
    if (cause !== NONE) line += `,"cause":${cause}`;
    const at = this.atCol[seq] as number;
    if (at !== NONE) line += `,"at":${at}`;
    const d = this.dataJson(seq);
    if (d !== undefined) line += `,"data":${d}`;
    return `${line}}`;
  }

  /** SHA-256 (hex) of the manifest line and every record line, each ending in "\n". */
  hash(): string {
    if (this.hashCache !== undefined) return this.hashCache;
    const h = new Sha256();
    h.updateString(`${this.headerLine()}\n`);
    // Batch lines so the encoder runs on larger strings.
    let batch = '';
    for (let i = 0; i < this.n; i++) {
      batch += `${this.recordLine(i)}\n`;
      if (batch.length > 65536) {
        h.updateString(batch);
        batch = '';
      }
    }
    if (batch.length > 0) h.updateString(batch);
    this.hashCache = h.digestHex();
    return this.hashCache;
  }

  /** The end line: record count, why and when the run stopped, and the hash. */
  endLine(): string {
    return JSON.stringify({
      type: 'end',
      records: this.n,
      stop: this.stop?.reason ?? null,
      tick: this.stop?.tick ?? null,
      hash: this.hash(),
    });
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
