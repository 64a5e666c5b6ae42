/**
 * Agents backed by a language model. A protocol asks with the `ask` effect
 * (a chat request and the JSON Schema its reply must match); the engine
 * hands the request to a `ModelHost`, records the reply (a `model` record:
 * the request's hash, the reply, its token usage, or why it failed), charges
 * its tokens to the agent's budget at the scenario's prices, and delivers
 * it to the agent as a `model.reply` (or `model.error`) event some ticks
 * later. The engine stays pure: the command line's host speaks HTTP
 * (cli/model-host.ts); `recordedModelHost` answers from a trace's `model`
 * records or a cassette, so every run replays without the model.
 */
import { sha256Hex } from './hash.ts';
import type { Json } from './spec.ts';

/** One message of a chat request. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** What an agent asks: the conversation and the schema its reply must match. */
export interface ModelRequest {
  readonly messages: readonly ChatMessage[];
  /** A JSON Schema (the subset `schemaProblem` checks) the reply's JSON must match. */
  readonly schema?: Json;
}

/** The scenario's `model` section: where and how to ask, and what it costs. */
export interface ModelSpec {
  /** The chat-completions endpoint's base URL, e.g. http://127.0.0.1:8080/v1. */
  readonly endpoint?: string;
  readonly model?: string;
  readonly temperature?: number;
  /** Most tokens of a reply. */
  readonly maxTokens?: number;
  /** The environment variable that holds the API key (the key itself is never written anywhere). */
  readonly keyEnv?: string;
  /** Price of one prompt token and of one completion token, in the scenario's cost unit. */
  readonly pricePromptToken?: number;
  readonly priceCompletionToken?: number;
  /** Simulated ticks a call takes: ticksPerCall + ticksPerToken × completion tokens. */
  readonly ticksPerCall?: number;
  readonly ticksPerToken?: number;
  /** Wall-clock milliseconds one HTTP attempt may take. */
  readonly timeoutMs?: number;
  /** Attempts after the first, for errors worth retrying (time-out, refused, 429, 5xx, malformed, schema). */
  readonly retries?: number;
}

export const MODEL_DEFAULTS = {
  endpoint: 'http://127.0.0.1:8080/v1',
  model: 'default',
  temperature: 0,
  maxTokens: 512,
  pricePromptToken: 0,
  priceCompletionToken: 0,
  ticksPerCall: 1,
  ticksPerToken: 0,
  timeoutMs: 60_000,
  retries: 3,
} as const satisfies Required<Omit<ModelSpec, 'keyEnv'>>;

/** Why a call failed, after its retries. */
export type ModelFailure =
  | 'timeout'
  | 'refused'
  | 'rate-limited'
  | 'server'
  | 'malformed'
  | 'too-long'
  | 'schema'
  | 'budget'
  | 'http';

/** The answer to one request: the reply, or why there is none. */
export interface ModelReply {
  /** The reply's text (JSON matching the schema, when one was given). */
  readonly content?: string;
  readonly usage?: { readonly prompt: number; readonly completion: number };
  readonly error?: { readonly reason: ModelFailure; readonly detail: string };
  /** HTTP attempts made (0 when the reply came from a recording without the count). */
  readonly attempts?: number;
}

/** Answers requests; synchronous, as the engine is. */
export interface ModelHost {
  complete(agent: string, request: ModelRequest, hash: string, spec: ModelSpec): ModelReply;
  close(): void;
}

type HostFactory = (spec: ModelSpec | undefined) => ModelHost;
let factory: HostFactory | null = null;

/** The command line registers how to reach a model; elsewhere model agents need a recording. */
export function setModelHostFactory(make: HostFactory | null): void {
  factory = make;
}

export class ModelHostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelHostError';
  }
}

export function defaultModelHost(spec: ModelSpec | undefined, scenario: string): ModelHost {
  if (factory === null)
    throw new ModelHostError(
      `${scenario}: its agents ask a language model; run it with the command line (npx parley run), or replay a trace or cassette that recorded the replies`,
    );
  return factory(spec);
}

/**
 * The request's identity: SHA-256 of what determines the reply (model,
 * temperature, token limit, messages, schema), never the endpoint or key.
 */
export function requestHash(request: ModelRequest, spec: ModelSpec): string {
  return sha256Hex(
    JSON.stringify({
      model: spec.model ?? MODEL_DEFAULTS.model,
      temperature: spec.temperature ?? MODEL_DEFAULTS.temperature,
      maxTokens: spec.maxTokens ?? MODEL_DEFAULTS.maxTokens,
      messages: request.messages,
      schema: request.schema ?? null,
    }),
  );
}

/** One recorded answer: the `data` of a `model` record, and a cassette line. */
export interface ModelRecord {
  readonly hash: string;
  readonly reply: ModelReply;
}

/**
 * A host answering from recorded answers (a trace's `model` records, a
 * cassette's lines): each request hash gets its recorded replies in order,
 * the last one again once they run out. Unknown requests go to `fallback`
 * (the live model, for `--cassette`), or are an error naming the hash.
 */
export function recordedModelHost(
  recorded: Iterable<ModelRecord>,
  fallback?: ModelHost,
  onNew?: (record: ModelRecord) => void,
): ModelHost {
  const byHash = new Map<string, ModelReply[]>();
  for (const r of recorded) {
    const list = byHash.get(r.hash) ?? [];
    list.push(r.reply);
    byHash.set(r.hash, list);
  }
  const used = new Map<string, number>();
  return {
    complete(agent, request, hash, spec) {
      const list = byHash.get(hash);
      if (list !== undefined && list.length > 0) {
        const i = used.get(hash) ?? 0;
        used.set(hash, i + 1);
        return list[Math.min(i, list.length - 1)] as ModelReply;
      }
      if (fallback === undefined)
        throw new ModelHostError(
          `agent ${agent} asked a request the recording lacks (hash ${hash.slice(0, 12)}…): the run differs from the recorded one; run it live, or with --cassette to add it`,
        );
      const reply = fallback.complete(agent, request, hash, spec);
      byHash.set(hash, [reply]);
      used.set(hash, 1);
      onNew?.({ hash, reply });
      return reply;
    },
    close() {
      fallback?.close();
    },
  };
}

/**
 * Why `value` does not match `schema`, or undefined when it does. The
 * subset of JSON Schema that structured-output APIs take: type (object,
 * array, string, number, integer, boolean, null, or a list of them),
 * properties, required, additionalProperties: false, items, enum, const,
 * minItems, maxItems, anyOf.
 */
export function schemaProblem(value: unknown, schema: unknown, path = '$'): string | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s['anyOf'])) {
    const problems = (s['anyOf'] as unknown[]).map((o) => schemaProblem(value, o, path));
    if (problems.every((p) => p !== undefined))
      return `${path} matches none of anyOf: ${problems[0]}`;
  }
  if ('const' in s && JSON.stringify(s['const']) !== JSON.stringify(value))
    return `${path} must be ${JSON.stringify(s['const'])}`;
  if (
    Array.isArray(s['enum']) &&
    !s['enum'].some((e) => JSON.stringify(e) === JSON.stringify(value))
  )
    return `${path} must be one of ${(s['enum'] as unknown[]).map((e) => JSON.stringify(e)).join(', ')}`;
  const type = s['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? (type as string[]) : [type as string];
    if (!types.some((t) => isType(value, t))) return `${path} must be ${types.join(' or ')}`;
  }
  if (Array.isArray(value)) {
    if (typeof s['minItems'] === 'number' && value.length < s['minItems'])
      return `${path} needs at least ${s['minItems']} items`;
    if (typeof s['maxItems'] === 'number' && value.length > s['maxItems'])
      return `${path} takes at most ${s['maxItems']} items`;
    if (s['items'] !== undefined)
      for (let i = 0; i < value.length; i++) {
        const p = schemaProblem(value[i], s['items'], `${path}[${i}]`);
        if (p !== undefined) return p;
      }
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const props = (s['properties'] ?? {}) as Record<string, unknown>;
    for (const k of (s['required'] as string[] | undefined) ?? [])
      if (!(k in o)) return `${path} lacks "${k}"`;
    for (const [k, v] of Object.entries(o)) {
      if (k in props) {
        const p = schemaProblem(v, props[k], `${path}.${k}`);
        if (p !== undefined) return p;
      } else if (s['additionalProperties'] === false) return `${path} has no property "${k}"`;
    }
  }
  return undefined;
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return false;
  }
}

/** Why reply text `content` cannot be taken under `schema`, or undefined. */
export function replyProblem(content: string, schema: Json | undefined): string | undefined {
  if (schema === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return `the reply is not JSON: ${content.length > 80 ? `${content.slice(0, 77)}...` : content}`;
  }
  return schemaProblem(value, schema);
}
