/**
 * Model agents over HTTP (issue 17), through `parley run` against the
 * scripted chat-completions server: the request exactly as the API takes
 * it, a reply becoming the agent's decision, and every failure provoked,
 * retried as its kind is, recorded with its reason and attempts, and told
 * on the run's output while the run goes on.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTACK,
  closedPort,
  decisions,
  folder,
  modelRecords,
  parley,
  records,
  SCHEMA,
  type Script,
  scenario,
  startServer,
  stopServers,
} from './fixture.ts';

afterEach(stopServers);

/** Runs a scenario asking a server with `script`; returns the run, its trace's model records and what the server saw. */
async function runWith(
  script: Script,
  o: Parameters<typeof scenario>[3] = {},
  env: Record<string, string> = {},
) {
  const { dir, cleanup } = folder();
  try {
    const server = await startServer(script, dir);
    const file = scenario(dir, 'ask', server.port, o);
    const trace = join(dir, 't.jsonl');
    const r = parley(dir, ['run', file, '--trace', trace], env);
    const ran = existsSync(trace);
    return {
      r,
      models: ran ? modelRecords(trace) : [],
      decided: ran ? decisions(trace) : {},
      states: ran ? records(trace).filter((x) => x['kind'] === 'state') : [],
      seen: await server.requests(),
    };
  } finally {
    cleanup();
  }
}

describe('a model agent over HTTP', () => {
  it('posts the chat request exactly, with the key as a bearer token, and decides the reply', async () => {
    const key = `sk-test-${Math.random().toString(36).slice(2)}`;
    const { r, models, decided, seen } = await runWith(
      { steps: [ATTACK, { content: '{"choice":"retreat"}' }] },
      { model: { keyEnv: 'PARLEY_TEST_MODEL_KEY' } },
      { PARLEY_TEST_MODEL_KEY: key },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/v1/chat/completions');
    expect(seen[0]?.headers['authorization']).toBe(`Bearer ${key}`);
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(seen[0]?.body).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'You are a general. Answer in JSON.' },
        { role: 'user', content: 'I am a0. Attack or retreat?' },
      ],
      temperature: 0.5,
      max_tokens: 64,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'reply', schema: SCHEMA, strict: true },
      },
    });
    expect((seen[1]?.body['messages'] as { content: string }[] | undefined)?.[1]?.content).toBe(
      'I am a1. Attack or retreat?',
    );
    expect(models.map((m) => m.data.reply)).toEqual([
      { content: '{"choice":"attack"}', usage: { prompt: 10, completion: 5 }, attempts: 1 },
      { content: '{"choice":"retreat"}', usage: { prompt: 10, completion: 5 }, attempts: 1 },
    ]);
    expect(decided).toEqual({ a0: 'attack', a1: 'retreat' });
  });

  it('sends no Authorization header without keyEnv', async () => {
    const { seen } = await runWith({ default: ATTACK }, { agents: 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['authorization']).toBeUndefined();
  });

  it('a keyEnv naming an unset variable is bad input (exit 2), nothing asked', async () => {
    const { r, seen } = await runWith(
      { default: ATTACK },
      { agents: 1, model: { keyEnv: 'PARLEY_TEST_MODEL_KEY_UNSET' } },
      {},
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('PARLEY_TEST_MODEL_KEY_UNSET');
    expect(seen).toHaveLength(0);
  });
});

describe('a key that is not set', () => {
  it('is bad input in a sweep too (exit 2, in a worker or not), and no rows are left', async () => {
    const { dir, cleanup } = folder();
    try {
      const file = scenario(dir, 'ask', await closedPort(), {
        agents: 1,
        model: { keyEnv: 'PARLEY_TEST_MODEL_KEY_UNSET' },
      });
      for (const workers of ['1', '2']) {
        const out = join(dir, `rows-${workers}.csv`);
        const r = parley(dir, ['sweep', file, '--seeds', '2', '--workers', workers, '--out', out]);
        expect(r.code).toBe(2);
        expect(r.err).toContain(
          "parley: the scenario's model.keyEnv names PARLEY_TEST_MODEL_KEY_UNSET, which is not set in the environment",
        );
        expect(existsSync(out)).toBe(false);
      }
    } finally {
      cleanup();
    }
  });
});

describe('failures are data: retried, then recorded, and the run goes on', () => {
  it('a server that stalls: timeout after each attempt', async () => {
    const { r, models, seen } = await runWith(
      { default: { stall: true } },
      { agents: 1, model: { timeoutMs: 300, retries: 1 } },
    );
    expect(r.code).toBe(0);
    expect(models).toHaveLength(1);
    expect(models[0]?.data.reply).toEqual({
      error: { reason: 'timeout', detail: 'no whole answer within 300 ms' },
      attempts: 2,
    });
    expect(seen).toHaveLength(2);
    expect(r.out).toContain(
      "! a0's model call failed at tick 0 (timeout): no whole answer within 300 ms (once, first at record 2)",
    );
  });

  it('a closed port: refused, after every retry', async () => {
    const { dir, cleanup } = folder();
    try {
      const file = scenario(dir, 'ask', await closedPort(), { agents: 1, model: { retries: 1 } });
      const trace = join(dir, 't.jsonl');
      const r = parley(dir, ['run', file, '--trace', trace]);
      expect(r.code).toBe(0);
      expect(modelRecords(trace)[0]?.data.reply).toEqual({
        error: { reason: 'refused', detail: 'connection refused (ECONNREFUSED)' },
        attempts: 2,
      });
      expect(r.out).toContain("a0's model call failed at tick 0 (refused)");
    } finally {
      cleanup();
    }
  });

  it('429 with Retry-After: waits that long, then takes the reply', async () => {
    const { models, decided, seen } = await runWith(
      { steps: [{ status: 429, headers: { 'retry-after': '1' } }], default: ATTACK },
      { agents: 1 },
    );
    expect(seen).toHaveLength(2);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(models[0]?.data.reply).toEqual({
      content: '{"choice":"attack"}',
      usage: { prompt: 10, completion: 5 },
      attempts: 2,
    });
    expect(decided).toEqual({ a0: 'attack' });
  });

  it('429 on every attempt: rate-limited', async () => {
    const { models } = await runWith(
      { default: { status: 429, headers: { 'retry-after': '0' } } },
      { agents: 1, model: { retries: 1 } },
    );
    expect(models[0]?.data.reply.error?.reason).toBe('rate-limited');
    expect(models[0]?.data.reply.attempts).toBe(2);
  });

  it('500 on every attempt: a server failure after retries + 1 attempts; the next agent still decides', async () => {
    const { r, models, decided, seen, states } = await runWith({
      steps: [{ status: 500 }, { status: 500 }, { status: 503, body: 'overloaded' }],
      default: ATTACK,
    });
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(4);
    expect(models[0]?.agent).toBe('a0');
    expect(models[0]?.data.reply).toEqual({
      error: { reason: 'server', detail: 'HTTP 503: overloaded' },
      attempts: 3,
    });
    expect(models[1]?.data.reply.content).toBe('{"choice":"attack"}');
    // The failed agent gets model.error and stops undecided; the run goes on.
    expect(states.find((s) => s['agent'] === 'a0' && s['data'] === 'failed')).toBeDefined();
    expect(decided).toEqual({ a1: 'attack' });
    expect(r.out).toContain(
      "! a0's model call failed at tick 0 (server): HTTP 503: overloaded (once, first at record 2)",
    );
    expect(r.out).toContain('decisions: 1 of 2 agents');
  });

  it('a body that is not whole JSON: malformed, retried', async () => {
    const { models, seen } = await runWith(
      { steps: [{ raw: '{"choices":[{"message":{"content":' }], default: { truncate: '{"choi' } },
      { agents: 1, model: { retries: 1 } },
    );
    expect(seen).toHaveLength(2);
    expect(models[0]?.data.reply.error?.reason).toBe('malformed');
    expect(models[0]?.data.reply.attempts).toBe(2);
  });

  it('a truncated body, then a whole one: the whole one is taken', async () => {
    const { models, decided } = await runWith(
      { steps: [{ raw: '{"choices":[{"mess' }], default: ATTACK },
      { agents: 1 },
    );
    expect(models[0]?.data.reply.attempts).toBe(2);
    expect(decided).toEqual({ a0: 'attack' });
  });

  it('a reply off the schema is asked again; the good one is taken', async () => {
    const { models, decided, seen } = await runWith(
      { steps: [{ content: '{"choice":"dance"}' }, { content: 'attack!' }], default: ATTACK },
      { agents: 1 },
    );
    expect(seen).toHaveLength(3);
    // Tokens of the discarded replies count too.
    expect(models[0]?.data.reply).toEqual({
      content: '{"choice":"attack"}',
      usage: { prompt: 30, completion: 15 },
      attempts: 3,
    });
    expect(decided).toEqual({ a0: 'attack' });
  });

  it('replies off the schema every time: schema failure', async () => {
    const { models } = await runWith(
      { default: { content: '{"choice":"dance"}' } },
      { agents: 1, model: { retries: 1 } },
    );
    expect(models[0]?.data.reply.error).toEqual({
      reason: 'schema',
      detail: 'the reply does not match the schema: $.choice must be one of "attack", "retreat"',
    });
  });

  it('finish_reason length: too-long, not retried', async () => {
    const { models, seen } = await runWith(
      { default: { content: '{"choice":"att', finish_reason: 'length' } },
      { agents: 1 },
    );
    expect(seen).toHaveLength(1);
    expect(models[0]?.data.reply).toEqual({
      usage: { prompt: 10, completion: 5 },
      error: {
        reason: 'too-long',
        detail: 'the reply reached max_tokens (64) before it ended',
      },
      attempts: 1,
    });
  });

  it('a server that echoes the key in an error: the key is scrubbed from the recorded detail', async () => {
    const key = `sk-echo-${Math.random().toString(36).slice(2)}`;
    const { r, models } = await runWith(
      { default: { status: 401, body: `{"error":"invalid key ${key}"}` } },
      { agents: 1, model: { keyEnv: 'PARLEY_TEST_MODEL_KEY' } },
      { PARLEY_TEST_MODEL_KEY: key },
    );
    expect(models[0]?.data.reply.error).toEqual({
      reason: 'http',
      detail: 'HTTP 401: {"error":"invalid key [key]"}',
    });
    expect(r.out + r.err).not.toContain(key);
  });

  it('another 4xx: http, not retried', async () => {
    const { models, seen } = await runWith(
      { default: { status: 404, body: '{"error":{"message":"model test-model not found"}}' } },
      { agents: 1 },
    );
    expect(seen).toHaveLength(1);
    expect(models[0]?.data.reply.error).toEqual({
      reason: 'http',
      detail: 'HTTP 404: {"error":{"message":"model test-model not found"}}',
    });
  });
});
