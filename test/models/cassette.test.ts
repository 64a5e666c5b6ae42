/**
 * Cassette files read in place (cli/model-host.ts): read again, only what
 * was appended is read, a line being written is left for the next read, a
 * bad line is named by file:line whenever it is read, and a cassette host
 * appends only new successful answers, once.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cassetteHost, judgeAttempt, readCassette } from '../../cli/model-host.ts';
import type { ModelHost, ModelRecord, ModelReply } from '../../sim/index.ts';
import { SCHEMA } from './fixture.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cassette-'));
  dirs.push(dir);
  return join(dir, 'c.jsonl');
}
const hash = (n: number) => n.toString(16).padStart(64, '0');
const line = (n: number, content = `{"choice":"attack"}`) =>
  `${JSON.stringify({ hash: hash(n), reply: { content, attempts: 1 } })}\n`;

describe('readCassette', () => {
  it('is empty for a file that does not exist', () => {
    expect(readCassette(file())).toEqual([]);
  });

  it('reads what was appended since; a cut last line is a bad line (appends write whole lines)', () => {
    const f = file();
    writeFileSync(f, line(1) + line(2));
    expect(readCassette(f).map((r) => r.hash)).toEqual([hash(1), hash(2)]);
    const third = line(3);
    appendFileSync(f, `${line(4)}${third.slice(0, 10)}`);
    // Appends write a whole line at once; a file that ends in half a line was cut.
    expect(() => readCassette(f)).toThrow(`${f}:4: not a JSON line of a cassette`);
  });

  it('takes a whole last line without its newline (a hand-made file) and adds the newline', () => {
    const f = file();
    writeFileSync(f, line(1) + line(2).trimEnd());
    expect(readCassette(f).map((r) => r.hash)).toEqual([hash(1), hash(2)]);
    expect(readFileSync(f, 'utf8')).toBe(line(1) + line(2));
    appendFileSync(f, line(3));
    expect(readCassette(f).map((r) => r.hash)).toEqual([hash(1), hash(2), hash(3)]);
  });

  it('names the line of a bad record, counting the lines read before', () => {
    const f = file();
    writeFileSync(f, `${line(1)}\n`);
    expect(readCassette(f)).toHaveLength(1);
    appendFileSync(f, '{"hash":"x","reply":{"content":"y"}}\n');
    expect(() => readCassette(f)).toThrow(
      `${f}:3: not a cassette record ({"hash": SHA-256 hex, "reply": {"content": …}})`,
    );
  });
});

describe('cassetteHost', () => {
  it('answers from the file, asks the live host for the rest, appends successes once and failures never', () => {
    const f = file();
    writeFileSync(f, line(1, '{"choice":"retreat"}'));
    const asked: string[] = [];
    const replies: Record<string, ModelReply> = {
      [hash(2)]: { content: '{"choice":"attack"}', attempts: 1 },
      [hash(3)]: { error: { reason: 'server', detail: 'HTTP 500: x' }, attempts: 4 },
    };
    const live: ModelHost = {
      complete(_agent, _request, h) {
        asked.push(h);
        return replies[h] as ModelReply;
      },
      close() {},
    };
    const host = cassetteHost(f, () => live);
    const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
    expect(host.complete('a0', request, hash(1), {}).content).toBe('{"choice":"retreat"}');
    expect(host.complete('a0', request, hash(2), {}).content).toBe('{"choice":"attack"}');
    expect(host.complete('a1', request, hash(2), {}).content).toBe('{"choice":"attack"}');
    expect(host.complete('a0', request, hash(3), {}).error?.reason).toBe('server');
    host.close();
    expect(asked).toEqual([hash(2), hash(3)]);
    const records = readFileSync(f, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as ModelRecord);
    expect(records.map((r) => r.hash)).toEqual([hash(1), hash(2)]);
  });
});

describe('judgeAttempt', () => {
  const request = { messages: [], schema: SCHEMA };
  const ok = (content: string, finish = 'stop') =>
    JSON.stringify({
      choices: [{ message: { content }, finish_reason: finish }],
      usage: { prompt_tokens: 7, completion_tokens: 3 },
    });
  it('takes a reply matching the schema, with its usage', () => {
    expect(
      judgeAttempt({ id: 1, status: 200, text: ok('{"choice":"attack"}') }, request, {}),
    ).toEqual({
      content: '{"choice":"attack"}',
      usage: { prompt: 7, completion: 3 },
    });
  });
  it('tells each failure and whether it is retried', () => {
    const j = (o: Parameters<typeof judgeAttempt>[0]) => {
      const r = judgeAttempt(o, request, { maxTokens: 9, timeoutMs: 50 });
      return 'reason' in r ? [r.reason, r.retry, r.waitMs] : ['ok'];
    };
    expect(j({ id: 1, failure: 'timeout' })).toEqual(['timeout', true, undefined]);
    expect(j({ id: 1, failure: 'network', code: 'ECONNREFUSED' })).toEqual([
      'refused',
      true,
      undefined,
    ]);
    expect(j({ id: 1, status: 429, retryAfter: '2', text: '' })).toEqual([
      'rate-limited',
      true,
      2000,
    ]);
    expect(j({ id: 1, status: 429, retryAfter: '3600', text: '' })).toEqual([
      'rate-limited',
      true,
      30_000,
    ]);
    expect(j({ id: 1, status: 502, text: 'bad gateway' })).toEqual(['server', true, undefined]);
    expect(j({ id: 1, status: 401, text: 'no key' })).toEqual(['http', false, undefined]);
    expect(j({ id: 1, status: 200, text: '{"choices": [' })).toEqual([
      'malformed',
      true,
      undefined,
    ]);
    expect(j({ id: 1, status: 200, text: '', truncated: 'UND_ERR_SOCKET' })).toEqual([
      'malformed',
      true,
      undefined,
    ]);
    expect(j({ id: 1, status: 200, text: '{"choices":[]}' })).toEqual([
      'malformed',
      true,
      undefined,
    ]);
    expect(j({ id: 1, status: 200, text: ok('{"choice":"wait"}') })).toEqual([
      'schema',
      true,
      undefined,
    ]);
    expect(j({ id: 1, status: 200, text: ok('{"cho', 'length') })).toEqual([
      'too-long',
      false,
      undefined,
    ]);
  });
});
