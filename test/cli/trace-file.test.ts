import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../cli/replay.ts';
import { fileLines, readTrace } from '../../cli/trace-file.ts';
import { sha256Hex, type Trace } from '../../sim/index.ts';
import { END_HASH_BYTES } from '../../sim/trace.ts';
import { traceFromChunks, traceFromJsonl } from '../../sim/trace-read.ts';
import { oddIdsRun } from '../fixtures/odd-ids.ts';

/** Chunk sizes small enough that lines, and UTF-8 sequences, straddle chunks. */
const CHUNKS = [1, 2, 3, 5, 7, 64, 4096];

type Outcome = { jsonl: string; hash: string; ids: readonly string[] } | { error: string };

const outcome = (read: () => Trace): Outcome => {
  try {
    const t = read();
    return { jsonl: t.toJSONL(), hash: t.hash(), ids: [...t.agentIds] };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

/** The trace text of the odd-ids run: ids with 2- and 3-byte UTF-8 characters (U+0085, U+2028). */
function sample(): string {
  const text = oddIdsRun().toJSONL();
  expect(text).toMatch(/[\u0085\u2028]/);
  return text;
}

/** `text` with its end line's hash made right again, as an editor that knows the format would. */
function rehash(text: string): string {
  const body = text.slice(0, -END_HASH_BYTES);
  return `${body},"hash":"${sha256Hex(body)}"}\n`;
}

describe('reading a trace file in chunks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-trace-file-'));
  const text = sample();
  const lines = text.split('\n');
  const cases: Record<string, string> = {
    whole: text,
    'CRLF line ends': text.replaceAll('\n', '\r\n'),
    'no final newline': text.slice(0, -1),
    'cut at a line boundary': `${lines.slice(0, 9).join('\n')}\n`,
    'cut inside a line': text.slice(0, Math.floor(text.length / 2)),
    'manifest only': `${lines[0]}\n`,
    'not JSON at line 5': lines
      .map((l, i) => (i === 4 ? `${l.slice(0, 9)}#${l.slice(10)}` : l))
      .join('\n'),
    'edited end line': text.replace(
      /"tick":(\d+),"hash"/,
      (_, t) => `"tick":${Number(t) + 1},"hash"`,
    ),
    'a line after the end': `${text}${lines[1]}\n`,
    'an edited record with the hash made right': rehash(
      text.replace('"seq":3,"tick":', '"seq":3,"tick":1'),
    ),
    empty: '',
    'one newline': '\n',
    'a byte-order mark': `\ufeff${text}`,
  };

  it('gives exactly what the one-string reader gives, trace or error, whatever the chunk size', () => {
    for (const [name, content] of Object.entries(cases)) {
      const file = join(dir, `${name.replaceAll(' ', '-')}.jsonl`);
      writeFileSync(file, content);
      const expected = outcome(() => traceFromJsonl(content, file));
      for (const chunk of CHUNKS)
        expect(
          outcome(() => readTrace(file, chunk)),
          `${name}, ${chunk}-byte chunks`,
        ).toEqual(expected);
    }
    // The cases cover both outcomes.
    expect(outcome(() => traceFromJsonl(text))).toHaveProperty('hash');
    expect(outcome(() => traceFromJsonl(cases['cut at a line boundary'] as string))).toEqual({
      error: expect.stringMatching(
        /:9:\d+: the trace ends at line 9 without its end line: the file was cut short$/,
      ),
    });
  });

  it('splits lines across chunks as the text splits them', () => {
    const file = join(dir, 'lines.jsonl');
    const content = 'a\nü🎲\n\nlast without newline é';
    writeFileSync(file, content);
    for (const chunk of CHUNKS)
      expect([...fileLines(file, chunk)], `${chunk}`).toEqual(content.split('\n'));
    writeFileSync(file, 'x\n');
    expect([...fileLines(file, 1)]).toEqual(['x']);
  });

  it('names a missing file and a directory in one line', () => {
    expect(() => readTrace(join(dir, 'missing.jsonl'))).toThrow(
      `no such file: ${join(dir, 'missing.jsonl')}`,
    );
    expect(() => readTrace(dir)).toThrow(`${dir}: a directory, not a file`);
  });
});

describe("the page's reader of text pieces", () => {
  it('gives exactly what the one-string reader gives, whatever the pieces', async () => {
    const text = sample();
    const lines = text.split('\n');
    const contents = [
      text,
      text.replaceAll('\n', '\r\n'),
      `${lines.slice(0, 9).join('\n')}\n`,
      `${lines[0]}\n`,
      text.replace(/"tick":(\d+),"hash"/, (_, t) => `"tick":${Number(t) + 1},"hash"`),
      '',
    ];
    for (const [i, content] of contents.entries()) {
      const expected = outcome(() => traceFromJsonl(content, 'run.jsonl'));
      for (const size of [1, 3, 50, 1 << 16]) {
        const pieces: string[] = [];
        for (let at = 0; at < content.length; at += size) pieces.push(content.slice(at, at + size));
        let got: Outcome;
        try {
          const t = await traceFromChunks(pieces, 'run.jsonl');
          got = { jsonl: t.toJSONL(), hash: t.hash(), ids: [...t.agentIds] };
        } catch (e) {
          got = { error: (e as Error).message };
        }
        expect(got, `content ${i}, ${size}-character pieces`).toEqual(expected);
      }
    }
  });
});

describe('parley replay, in words', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-replay-'));
  const text = sample();
  const write = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const lines = text.split('\n');
  const n = lines.length - 1;

  it('finds a whole trace identical to its re-run', async () => {
    const file = write('same.jsonl', text);
    const hash = traceFromJsonl(text).hash();
    for (const chunk of [3, 1 << 20])
      expect(await replay(file, chunk)).toEqual({
        identical: true,
        lines: n,
        message: `identical: ${n} lines, hash ${hash}`,
      });
  });

  it('says first that an edited file is not intact, then names each side of the first difference', async () => {
    const edited = [...lines];
    edited[5] = (edited[5] as string).replace('"tick":', '"tick":7');
    const file = write('edited.jsonl', edited.join('\n'));
    const r = await replay(file);
    expect(r.identical).toBe(false);
    const [first, ...rest] = r.message.split('\n');
    expect(first).toMatch(
      new RegExp(
        `^the file is not intact: ${file.replaceAll('.', '\\.')}:${n}:1: the end line's hash "[0-9a-f]{64}" does not match`,
      ),
    );
    expect(rest).toEqual([
      'line 6 differs:',
      `  in the file: ${edited[5]}`,
      `  re-run:      ${lines[5]}`,
    ]);
  });

  it('says where a cut file ends, and that the re-run goes on', async () => {
    const file = write('cut.jsonl', `${lines.slice(0, 12).join('\n')}\n`);
    const r = await replay(file);
    expect(r.message.split('\n')).toEqual([
      `the file is not intact: ${file}:12:${(lines[11] as string).length + 1}: the trace ends at line 12 without its end line: the file was cut short`,
      'the file ends at line 12; the re-run goes on:',
      `  re-run:      line 13: ${lines[12]}`,
    ]);
  });

  it('says a file is intact when its hash checks, though it differs from the re-run', async () => {
    const edited = rehash(text.replace('"seq":3,"tick":', '"seq":3,"tick":1'));
    const file = write('rehashed.jsonl', edited);
    const r = await replay(file);
    const hash = traceFromJsonl(edited).hash();
    expect(r.message.split('\n')).toEqual([
      `the file is intact (its hash ${hash} checks) but the re-run differs`,
      'line 5 differs:',
      `  in the file: ${edited.split('\n')[4]}`,
      `  re-run:      ${lines[4]}`,
    ]);
  });

  it('refuses a trace of the older format with a word to re-run it', async () => {
    const file = write('old.jsonl', text.replace('"format":2', '"format":1'));
    await expect(replay(file)).rejects.toThrow(
      new RegExp(
        `^${file.replaceAll('.', '\\.')}:1:\\d+: written by an older parley \\(trace format 1\\); re-run it$`,
      ),
    );
  });
});
