/**
 * Asks a language model for the engine (issue 17), synchronously: each HTTP
 * attempt is made by a worker thread (cli/model-worker.mjs), whose event
 * loop does the I/O, while the engine's thread sleeps on a shared flag
 * (Atomics.wait) until the outcome is posted. The retries, their backoff and
 * the judging of a reply (HTTP status, body, finish reason, schema) happen
 * here, on the engine's thread. Node only.
 *
 * The request is OpenAI's chat-completions one, which llama.cpp's server,
 * vLLM, Ollama and most providers take: POST ENDPOINT/chat/completions with
 * {model, messages, temperature, max_tokens, response_format: {type:
 * 'json_schema', json_schema: {name, schema, strict: true}}} (the schema
 * only when the agent gave one). The API key, from the environment variable
 * the scenario names (model.keyEnv), goes only into the Authorization
 * header: it is scrubbed from every error text, and never recorded.
 *
 * Cassettes: a JSONL file of ModelRecord lines {hash, reply}. `--cassette
 * FILE` answers each request from it, asks the live model only for the
 * requests it lacks, and appends each successful new answer as one line
 * (appendFileSync of a whole line, so the sweep's workers, each appending
 * its own runs' answers to the same file, never interleave within a line).
 * A failed answer is recorded in the trace but not in the cassette, so a
 * later run asks again. Two workers may both ask for a request the
 * cassette lacks before either appends it (each looks first): then both
 * lines stay, and a run that asks it takes the first (a second ask of the
 * same request in one run, the second line). Runs answered wholly from a
 * cassette are exact; a sweep that filled it live is exact from then on.
 */
import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  MODEL_DEFAULTS,
  type ModelFailure,
  type ModelHost,
  ModelHostError,
  type ModelRecord,
  type ModelReply,
  type ModelRequest,
  type ModelSpec,
  recordedModelHost,
  replyProblem,
  setModelHostFactory,
} from '../sim/index.ts';
import { catalogCassette } from './cassettes.ts';
import { UsageError } from './errors.ts';
import { traceModelRecords } from './trace-file.ts';

/** Backoff before retry number i (0 first): min(BACKOFF_CAP_MS, BACKOFF_BASE_MS · 2^i) (sim/retry.ts's exponential). */
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 8_000;
/** Most a 429's Retry-After is waited. */
const RETRY_AFTER_CAP_MS = 30_000;
/** How much longer than an attempt's own time-out the engine's thread waits for the worker. */
const GRACE_MS = 5_000;
/** Characters of a body quoted in an error's detail. */
const EXCERPT = 200;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

/** What the worker posts for one attempt. */
interface Outcome {
  readonly id: number;
  readonly failure?: 'timeout' | 'network';
  readonly code?: string;
  readonly status?: number;
  readonly retryAfter?: string | null;
  readonly text?: string;
  readonly truncated?: string;
}

/** One attempt judged: the reply's content and usage, or why not and whether to try again. */
type Judged =
  | {
      readonly content: string;
      readonly usage: { prompt: number; completion: number } | undefined;
    }
  | {
      readonly reason: ModelFailure;
      readonly detail: string;
      readonly retry: boolean;
      readonly waitMs?: number;
      readonly usage?: { prompt: number; completion: number } | undefined;
    };

function excerpt(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > EXCERPT ? `${one.slice(0, EXCERPT - 3)}...` : one;
}

/** Retry-After in ms (seconds, or an HTTP date), capped; undefined when absent or unreadable. */
function retryAfterMs(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const s = Number(value.trim());
  const ms = Number.isFinite(s) ? s * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, ms));
}

function usageOf(body: unknown): { prompt: number; completion: number } | undefined {
  const u = (body as { usage?: Record<string, unknown> } | null)?.usage;
  if (u === null || typeof u !== 'object') return undefined;
  const p = u['prompt_tokens'];
  const c = u['completion_tokens'];
  if (typeof p !== 'number' && typeof c !== 'number') return undefined;
  const whole = (x: unknown) =>
    typeof x === 'number' && Number.isFinite(x) && x > 0 ? Math.round(x) : 0;
  return { prompt: whole(p), completion: whole(c) };
}

/** Judges one attempt's outcome. */
export function judgeAttempt(out: Outcome, request: ModelRequest, spec: ModelSpec): Judged {
  const timeoutMs = spec.timeoutMs ?? MODEL_DEFAULTS.timeoutMs;
  if (out.failure === 'timeout')
    return { reason: 'timeout', detail: `no whole answer within ${timeoutMs} ms`, retry: true };
  if (out.failure === 'network')
    return out.code === 'ECONNREFUSED'
      ? { reason: 'refused', detail: 'connection refused (ECONNREFUSED)', retry: true }
      : {
          reason: 'refused',
          detail: `no connection (${out.code ?? 'unknown error'})`,
          retry: true,
        };
  const status = out.status ?? 0;
  const text = out.text ?? '';
  if (status === 429) {
    const waitMs = retryAfterMs(out.retryAfter);
    return {
      reason: 'rate-limited',
      detail: `HTTP 429${out.retryAfter ? ` (Retry-After ${out.retryAfter})` : ''}: ${excerpt(text)}`,
      retry: true,
      ...(waitMs === undefined ? {} : { waitMs }),
    };
  }
  if (status >= 500)
    return { reason: 'server', detail: `HTTP ${status}: ${excerpt(text)}`, retry: true };
  if (status < 200 || status >= 300)
    return { reason: 'http', detail: `HTTP ${status}: ${excerpt(text)}`, retry: false };
  if (out.truncated !== undefined)
    return {
      reason: 'malformed',
      detail: `the body ended early (${out.truncated})`,
      retry: true,
    };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      reason: 'malformed',
      detail: `the body is not JSON (${text.length} characters): ${excerpt(text)}`,
      retry: true,
    };
  }
  const usage = usageOf(body);
  const choice = (body as { choices?: unknown[] } | null)?.choices?.[0] as
    | { message?: { content?: unknown }; finish_reason?: unknown }
    | undefined;
  const content = choice?.message?.content;
  if (choice?.finish_reason === 'length')
    return {
      reason: 'too-long',
      detail: `the reply reached max_tokens (${spec.maxTokens ?? MODEL_DEFAULTS.maxTokens}) before it ended`,
      retry: false,
      usage,
    };
  if (typeof content !== 'string')
    return {
      reason: 'malformed',
      detail: `the body has no choices[0].message.content: ${excerpt(text)}`,
      retry: true,
      usage,
    };
  const problem = replyProblem(content, request.schema);
  if (problem !== undefined)
    return {
      reason: 'schema',
      detail: `the reply does not match the schema: ${problem}`,
      retry: true,
      usage,
    };
  return { content, usage };
}

/** The body of the HTTP request for `request` under `spec`. */
export function chatBody(request: ModelRequest, spec: ModelSpec): Record<string, unknown> {
  return {
    model: spec.model ?? MODEL_DEFAULTS.model,
    messages: request.messages,
    temperature: spec.temperature ?? MODEL_DEFAULTS.temperature,
    max_tokens: spec.maxTokens ?? MODEL_DEFAULTS.maxTokens,
    ...(request.schema === undefined
      ? {}
      : {
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'reply', schema: request.schema, strict: true },
          },
        }),
  };
}

/** `text` with every occurrence of `key` replaced. */
function scrub(text: string, key: string | undefined): string {
  return key === undefined || key.length === 0 ? text : text.split(key).join('[key]');
}

/** Asks the model over HTTP, one attempt at a time on a worker thread, with retries. */
export class NodeModelHost implements ModelHost {
  private worker: Worker | null = null;
  private port: MessageChannel['port1'] | null = null;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  /** HTTP attempts made, for tests and benchmarks. */
  attempts = 0;
  /**
   * Endpoints that refused every attempt of a call in this run, with why: a
   * server that is not there is not asked again (each call would wait out its
   * retries; a hundred agents, minutes), and each later call fails at once.
   */
  private readonly down = new Map<string, string>();

  private start(): MessageChannel['port1'] {
    if (this.port !== null) return this.port;
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(new URL('./model-worker.mjs', import.meta.url), {
      workerData: { port: port2, flag: this.flag.buffer },
      transferList: [port2],
    });
    this.worker.unref();
    this.port = port1;
    return port1;
  }

  /** One attempt: posts it and sleeps until its own answer, or until past its time-out. */
  private attempt(url: string, body: string, key: string | undefined, timeoutMs: number): Outcome {
    const port = this.start();
    const id = this.nextId++;
    this.attempts++;
    Atomics.store(this.flag, 0, 0);
    port.postMessage({ id, url, body, key, timeoutMs });
    const end = Date.now() + timeoutMs + GRACE_MS;
    // The worker posts, then sets the flag, then notifies. An answer to an
    // attempt given up on earlier (another id) is dropped, and the flag it
    // set cleared before looking again, so the next wait sleeps.
    for (;;) {
      const got = receiveMessageOnPort(port);
      if (got !== undefined) {
        const out = got.message as Outcome;
        if (out.id === id) return out;
        Atomics.store(this.flag, 0, 0);
        continue;
      }
      const left = end - Date.now();
      if (left <= 0) return { id, failure: 'timeout' };
      Atomics.wait(this.flag, 0, 0, left);
    }
  }

  complete(_agent: string, request: ModelRequest, _hash: string, spec: ModelSpec): ModelReply {
    let key: string | undefined;
    if (spec.keyEnv !== undefined) {
      key = process.env[spec.keyEnv];
      if (key === undefined || key === '')
        throw new ModelHostError(
          `the scenario's model.keyEnv names ${spec.keyEnv}, which is not set in the environment: set it to the API key`,
        );
    }
    const endpoint = (spec.endpoint ?? MODEL_DEFAULTS.endpoint).replace(/\/+$/, '');
    const refused = this.down.get(endpoint);
    if (refused !== undefined)
      return {
        error: {
          reason: 'refused',
          detail: `${refused} (it refused every attempt earlier in this run: not asked again)`,
        },
        attempts: 0,
      };
    const url = `${endpoint}/chat/completions`;
    const body = JSON.stringify(chatBody(request, spec));
    const timeoutMs = spec.timeoutMs ?? MODEL_DEFAULTS.timeoutMs;
    const tries = 1 + (spec.retries ?? MODEL_DEFAULTS.retries);
    let prompt = 0;
    let completion = 0;
    let counted = false;
    for (let i = 0; ; i++) {
      const judged = judgeAttempt(this.attempt(url, body, key, timeoutMs), request, spec);
      if (judged.usage !== undefined) {
        counted = true;
        prompt += judged.usage.prompt;
        completion += judged.usage.completion;
      }
      const usage = counted ? { usage: { prompt, completion } } : {};
      if ('content' in judged) return { content: judged.content, ...usage, attempts: i + 1 };
      if (!judged.retry || i + 1 >= tries) {
        if (judged.reason === 'refused') this.down.set(endpoint, scrub(judged.detail, key));
        return {
          ...usage,
          error: { reason: judged.reason, detail: scrub(judged.detail, key) },
          attempts: i + 1,
        };
      }
      sleep(judged.waitMs ?? Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** i));
    }
  }

  close(): void {
    if (this.worker !== null) void this.worker.terminate();
    this.port?.close();
    this.worker = null;
    this.port = null;
  }
}

// ---- cassettes --------------------------------------------------------------

interface CassetteRead {
  /** Bytes read, up to the end of the last whole line. */
  offset: number;
  /** Lines read. */
  line: number;
  records: ModelRecord[];
}
const reads = new Map<string, CassetteRead>();

function isRecord(x: unknown): x is ModelRecord {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const r = x as Record<string, unknown>;
  const reply = r['reply'] as Record<string, unknown> | null | undefined;
  return (
    typeof r['hash'] === 'string' &&
    /^[0-9a-f]{64}$/.test(r['hash']) &&
    reply !== null &&
    typeof reply === 'object' &&
    !Array.isArray(reply) &&
    (typeof reply['content'] === 'string' || typeof reply['error'] === 'object')
  );
}

/**
 * The records of cassette `file` (none when it does not exist), each line a
 * ModelRecord; a bad line is a UsageError naming file:line. Read again, only
 * the lines appended since are read (sweeps read it once per run).
 */
export function readCassette(file: string): ModelRecord[] {
  if (!existsSync(file)) return [];
  let read = reads.get(file);
  const size = statSync(file).size;
  if (read === undefined || size < read.offset) {
    read = { offset: 0, line: 0, records: [] };
    reads.set(file, read);
  }
  if (size === read.offset) return read.records;
  const buffer = Buffer.alloc(size - read.offset);
  const fd = openSync(file, 'r');
  try {
    let got = 0;
    while (got < buffer.length) {
      const n = readSync(fd, buffer, got, buffer.length - got, read.offset + got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  const text = buffer.toString('utf8');
  // Only whole lines: a line being appended right now is read next time.
  const last = text.lastIndexOf('\n');
  const whole = last < 0 ? '' : text.slice(0, last + 1);
  const lines = whole.split('\n');
  lines.pop();
  const records = [...read.records];
  let line = read.line;
  for (const raw of lines) {
    line++;
    if (raw.trim() === '') continue;
    records.push(cassetteRecord(file, line, raw));
  }
  // A last line without its newline, not growing: a hand-made file; read it too.
  if (last < text.length - 1 && statSync(file).size === size) {
    const raw = text.slice(last + 1);
    line++;
    records.push(cassetteRecord(file, line, raw));
    appendFileSync(file, '\n');
    reads.set(file, { offset: size + 1, line, records });
    return records;
  }
  reads.set(file, { offset: read.offset + Buffer.byteLength(whole), line, records });
  return records;
}

/**
 * A host answering from cassette `file`, asking `live()` (made at the first
 * request the cassette lacks) otherwise and appending its successful answers.
 */
export function cassetteHost(file: string, live: () => ModelHost): ModelHost {
  let host: ModelHost | undefined;
  const fallback: ModelHost = {
    complete(agent, request, hash, spec) {
      host ??= live();
      return host.complete(agent, request, hash, spec);
    },
    close() {
      host?.close();
    },
  };
  return recordedModelHost(readCassette(file), fallback, (record) => {
    if (record.reply.error !== undefined) return;
    // Another sweep worker may have added it meanwhile (both may still add it: the first line is used).
    if (readCassette(file).some((r) => r.hash === record.hash)) return;
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  });
}

/** What the registered factory of this thread answers from, by key (sweep tasks change it only when it changes). */
let registered: string | undefined;

/**
 * Makes every run of this thread ask the model over HTTP; with `cassette`,
 * from that cassette first (sweep workers).
 */
export function registerModelHost(cassette?: string): void {
  registered = cassette === undefined ? 'live' : `cassette:${cassette}`;
  setModelHostFactory(() =>
    cassette === undefined
      ? new NodeModelHost()
      : cassetteHost(cassette, () => new NodeModelHost()),
  );
}

/**
 * Registers where this thread's runs of scenario `name` get model agents'
 * answers: `cassette` (the model's new answers appended), else a catalogue
 * scenario's own cassette (read only), else the model.
 */
export function registerModelHostFor(name: string | undefined, cassette: string | undefined): void {
  const records = cassette !== undefined || name === undefined ? undefined : catalogCassette(name);
  if (records !== undefined) useModelHost(`catalog:${name}`, () => recordsHost(records));
  else if (cassette !== undefined) registerModelHost(cassette);
  else registerModelHost();
}

/**
 * Registers where this thread's runs of the scenario of trace `file` get
 * model agents' answers: the trace's own successful replies, then
 * `cassette` (new answers appended) or the model.
 */
export function registerModelHostForTrace(file: string, cassette: string | undefined): void {
  const records = traceModelRecords(file).filter((r) => r.reply.error === undefined);
  useModelHost(`trace:${resolve(file)}:${cassette ?? ''}`, () =>
    cassette === undefined
      ? recordsHost(records)
      : recordedModelHost(
          records,
          cassetteHost(cassette, () => new NodeModelHost()),
        ),
  );
}

/** Registers `make` as the factory of this thread's runs, unless `key` names the one registered. */
export function useModelHost(key: string, make: () => ModelHost): void {
  if (key === registered) return;
  registered = key;
  setModelHostFactory(make);
}

/** A host answering from `records` (read only), asking the model over HTTP for the rest. */
export function recordsHost(records: readonly ModelRecord[]): ModelHost {
  let live: NodeModelHost | undefined;
  return recordedModelHost(records, {
    complete(agent, request, hash, spec) {
      live ??= new NodeModelHost();
      return live.complete(agent, request, hash, spec);
    },
    close() {
      live?.close();
    },
  });
}

/** Line `line` of cassette `file`, read; a line that is not a record is a user error naming it. */
function cassetteRecord(file: string, line: number, raw: string): ModelRecord {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UsageError(`${file}:${line}: not a JSON line of a cassette`);
  }
  if (!isRecord(value))
    throw new UsageError(
      `${file}:${line}: not a cassette record ({"hash": SHA-256 hex, "reply": {"content": …}})`,
    );
  return value;
}
