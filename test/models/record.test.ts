/**
 * Model agents' replies recorded (issue 17): the trace replays without the
 * server, a cassette answers a second run (and a sweep) with the server
 * stopped and the same hash, failed replies stay out of the cassette, the
 * API key is in no output, and a budget stops an agent that asks in a loop.
 */
import {
  appendFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTACK,
  folder,
  modelRecords,
  parley,
  records,
  scenario,
  startServer,
  stopServers,
} from './fixture.ts';

afterEach(stopServers);

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const hashOf = (out: string) => /trace hash ([0-9a-f]{64})/.exec(out)?.[1];

describe('recorded replies', () => {
  it('the key is in no output; the trace replays without the server; a cassette answers a run with the server stopped', async () => {
    const { dir, cleanup } = folder();
    try {
      const key = `sk-secret-${Math.random().toString(36).slice(2)}`;
      const env = { PARLEY_TEST_MODEL_KEY: key };
      const server = await startServer({ default: ATTACK }, dir);
      const file = scenario(dir, 'ask', server.port, {
        agents: 3,
        model: { keyEnv: 'PARLEY_TEST_MODEL_KEY' },
      });
      const cassette = join(dir, 'c.jsonl');
      const t1 = join(dir, 't1.jsonl');
      const first = parley(dir, ['run', file, '--trace', t1, '--cassette', cassette], env);
      expect(first.err).toBe('');
      expect(first.code).toBe(0);
      const seen = await server.requests();
      expect(seen).toHaveLength(3);
      expect(seen.every((s) => s.headers['authorization'] === `Bearer ${key}`)).toBe(true);
      const lines = readFileSync(cassette, 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines.map((l) => JSON.parse(l))).toEqual(
        modelRecords(t1).map((m) => ({ hash: m.data.hash, reply: m.data.reply })),
      );
      // The key: in no file the run wrote, nor on its output.
      for (const f of filesUnder(dir)) expect(readFileSync(f, 'utf8')).not.toContain(key);
      expect(first.out + first.err).not.toContain(key);
      expect(readFileSync(t1, 'utf8')).toContain('"keyEnv":"PARLEY_TEST_MODEL_KEY"');

      server.stop();
      // The trace replays from its own model records, no server needed.
      const replayed = parley(dir, ['replay', t1]);
      expect(replayed.out).toBe(`${t1}: identical: 17 lines, hash ${hashOf(first.out)}\n`);
      expect(replayed.code).toBe(0);
      // --live asks again, and the server is gone: the re-run differs at the first model record.
      const live = parley(dir, ['replay', t1, '--live'], env);
      expect(live.code).toBe(1);
      expect(live.out).toContain('"reason":"refused"');
      expect(live.out + live.err).not.toContain(key);
      // The cassette answers a second run: the same trace, nothing asked.
      const t2 = join(dir, 't2.jsonl');
      const second = parley(dir, ['run', file, '--trace', t2, '--cassette', cassette], env);
      expect(second.code).toBe(0);
      expect(hashOf(second.out)).toBe(hashOf(first.out));
      expect(readFileSync(t2, 'utf8')).toBe(readFileSync(t1, 'utf8'));
      expect(readFileSync(cassette, 'utf8').trimEnd().split('\n')).toHaveLength(3);
      // And replay --cassette answers from it.
      expect(parley(dir, ['replay', t1, '--cassette', cassette]).code).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('a cassette lacking some requests asks only for those and appends them', async () => {
    const { dir, cleanup } = folder();
    try {
      const server = await startServer({ default: ATTACK }, dir);
      const cassette = join(dir, 'c.jsonl');
      const two = scenario(dir, 'two', server.port, { agents: 2 });
      expect(parley(dir, ['run', two, '--cassette', cassette]).code).toBe(0);
      expect(await server.requests()).toHaveLength(2);
      const four = scenario(dir, 'four', server.port, { agents: 4 });
      expect(parley(dir, ['run', four, '--cassette', cassette]).code).toBe(0);
      const seen = await server.requests();
      expect(seen).toHaveLength(4);
      expect(
        seen.slice(2).map((s) => (s.body['messages'] as { content: string }[])[1]?.content),
      ).toEqual(['I am a2. Attack or retreat?', 'I am a3. Attack or retreat?']);
      expect(readFileSync(cassette, 'utf8').trimEnd().split('\n')).toHaveLength(4);
    } finally {
      cleanup();
    }
  });

  it('failed replies are in the trace but not the cassette: a later run asks again', async () => {
    const { dir, cleanup } = folder();
    try {
      const server = await startServer({ default: { status: 500 } }, dir);
      const file = scenario(dir, 'ask', server.port, { agents: 2, model: { retries: 0 } });
      const cassette = join(dir, 'c.jsonl');
      const t1 = join(dir, 't1.jsonl');
      expect(parley(dir, ['run', file, '--trace', t1, '--cassette', cassette]).code).toBe(0);
      expect(modelRecords(t1).map((m) => m.data.reply.error?.reason)).toEqual(['server', 'server']);
      expect(existsSync(cassette) ? readFileSync(cassette, 'utf8') : '').toBe('');
      // The trace itself replays its failures without the server.
      server.stop();
      expect(parley(dir, ['replay', t1]).code).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('a bad cassette line is bad input (exit 2) naming file:line', async () => {
    const { dir, cleanup } = folder();
    try {
      const server = await startServer({ default: ATTACK }, dir);
      const file = scenario(dir, 'ask', server.port, { agents: 1 });
      const cassette = join(dir, 'c.jsonl');
      expect(parley(dir, ['run', file, '--cassette', cassette]).code).toBe(0);
      appendFileSync(cassette, '{"hash": "abc", "reply": {}}\n');
      const r = parley(dir, ['run', file, '--cassette', cassette]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `parley: ${cassette}:2: not a cassette record ({"hash": SHA-256 hex, "reply": {"content": …}})\n`,
      );
      writeFileSync(cassette, 'not json\n');
      const s = parley(dir, ['sweep', file, '--seeds', '2', '--cassette', cassette]);
      expect(s.code).toBe(2);
      expect(s.err).toBe(`parley: ${cassette}:1: not a JSON line of a cassette\n`);
    } finally {
      cleanup();
    }
  });

  it('a sweep on two workers fills the cassette; a second sweep with the server stopped writes the same rows', async () => {
    const { dir, cleanup } = folder();
    try {
      const server = await startServer({ default: ATTACK }, dir);
      const file = scenario(dir, 'ask', server.port, {
        agents: 2,
        extra: 'checks:\n  - property: termination\n    expect: holds',
      });
      const cassette = join(dir, 'c.jsonl');
      const out1 = join(dir, 'rows1.csv');
      const s1 = parley(dir, [
        'sweep',
        file,
        '--seeds',
        '6',
        '--workers',
        '2',
        '--cassette',
        cassette,
        '--out',
        out1,
      ]);
      expect(s1.err).not.toContain('Error');
      expect(s1.code).toBe(0);
      // Each worker asks for the requests the cassette lacks when its run starts: at most once each per worker.
      const asked = (await server.requests()).length;
      expect(asked).toBeGreaterThanOrEqual(2);
      expect(asked).toBeLessThanOrEqual(4);
      const lines = readFileSync(cassette, 'utf8').trimEnd().split('\n');
      // A worker appends an answer only when the cassette still lacks it (both may, in a race).
      expect(new Set(lines.map((l) => JSON.parse(l).hash)).size).toBe(2);
      expect(lines.length).toBeLessThanOrEqual(asked);
      for (const l of lines) expect(JSON.parse(l).reply.content).toBe('{"choice":"attack"}');
      server.stop();
      const out2 = join(dir, 'rows2.csv');
      const s2 = parley(dir, [
        'sweep',
        file,
        '--seeds',
        '6',
        '--workers',
        '2',
        '--cassette',
        cassette,
        '--out',
        out2,
      ]);
      expect(s2.code).toBe(0);
      const rows = (f: string) => readFileSync(f, 'utf8').split('\n');
      expect(rows(out2)).toEqual(rows(out1));
      expect(rows(out1)).toHaveLength(8);
    } finally {
      cleanup();
    }
  });
});

describe('--check-determinism', () => {
  it('with --cassette: the first run asks and fills it, the second and the fresh thread answer from it', async () => {
    const { dir, cleanup } = folder();
    try {
      const server = await startServer({ default: ATTACK }, dir);
      const file = scenario(dir, 'ask', server.port, { agents: 2 });
      const cassette = join(dir, 'c.jsonl');
      const r = parley(dir, ['run', file, '--cassette', cassette, '--check-determinism']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('identical over 3 runs');
      expect(await server.requests()).toHaveLength(2);
      expect(readFileSync(cassette, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    } finally {
      cleanup();
    }
  });

  it('of a catalogue scenario: every run answers from its cassette, the hash parley run gives', () => {
    const { dir, cleanup } = folder();
    try {
      const run = parley(dir, ['run', 'model-injection']);
      const hash = hashOf(run.out);
      expect(hash).toBeDefined();
      const r = parley(dir, ['run', 'model-injection', '--check-determinism']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(
        `identical over 3 runs (two in this process, one in a fresh thread): hash ${hash}`,
      );
    } finally {
      cleanup();
    }
  });
});

describe("the catalogue's cassette", () => {
  it('answers a sweep of model-injection on two workers, no model needed, as it answers parley run', () => {
    const { dir, cleanup } = folder();
    try {
      const out = join(dir, 'rows.csv');
      const s = parley(dir, [
        'sweep',
        'model-injection',
        '--seeds',
        '2',
        '--workers',
        '2',
        '--out',
        out,
      ]);
      expect(s.code).toBe(0);
      const [head, ...rows] = readFileSync(out, 'utf8').trimEnd().split('\n');
      const breach = (head ?? '').split(',').indexOf('breach');
      expect(rows.map((r) => r.split(',')[breach])).toEqual(['fails', 'fails']);
    } finally {
      cleanup();
    }
  });
});

describe('spend', () => {
  it('an agent asking in a loop is stopped by its budget', async () => {
    const { dir, cleanup } = folder();
    try {
      const server = await startServer({ default: ATTACK }, dir);
      // A call's worst case: 16 prompt tokens (61 characters) and 64 of reply at 0.01 (0.80); a call made costs 0.15.
      const file = scenario(dir, 'loop', server.port, {
        agents: 1,
        loop: true,
        model: { pricePromptToken: 0.01, priceCompletionToken: 0.01 },
        budget: 1.9,
      });
      const trace = join(dir, 't.jsonl');
      const r = parley(dir, ['run', file, '--trace', trace]);
      expect(r.err).toBe('');
      const models = modelRecords(trace);
      const last = models.at(-1)?.data.reply;
      expect(last?.error?.reason).toBe('budget');
      expect(last?.attempts).toBe(0);
      // Asked while the worst case fits what is left: 8 calls (1.2 spent, 1.2 + 0.8 > 1.9), then refused.
      const seen = await server.requests();
      expect(seen).toHaveLength(models.length - 1);
      expect(seen.length).toBe(8);
      const spent = records(trace).filter((x) => x['kind'] === 'spend');
      expect(spent).toHaveLength(8);
      expect(r.out).toContain("a0's model call failed at tick 8 (budget)");
    } finally {
      cleanup();
    }
  });
});
