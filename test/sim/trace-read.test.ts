import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { loadScenario, runScenario, sha256Hex, TRACE_FORMAT, Trace } from '../../sim/index.ts';
import { END_HASH_BYTES } from '../../sim/trace.ts';
import { TraceReadError, traceFromJsonl } from '../../sim/trace-read.ts';

const SEED = 3;

function run(name: string): Trace {
  const file = `scenarios/catalog/${name}.yaml`;
  const { scenario } = loadScenario(readFileSync(file, 'utf8'), {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file,
  });
  return runScenario(scenario, { seed: SEED }).trace;
}

/** The error `traceFromJsonl(text)` throws, or fails the test. */
function errorOf(text: string): TraceReadError {
  try {
    traceFromJsonl(text, 'run.jsonl');
  } catch (e) {
    expect(e).toBeInstanceOf(TraceReadError);
    return e as TraceReadError;
  }
  throw new Error('traceFromJsonl accepted a malformed trace');
}

describe('reading a JSONL trace back from its text', () => {
  it('gives back the same hash, records, stop and JSONL for catalogue runs', () => {
    for (const name of ['lossy-handoff', 'two-phase-commit', 'majority-vote-partition']) {
      const trace = run(name);
      const how = `${name} at seed ${SEED} (npx parley run ${name} --seed ${SEED})`;
      const back = traceFromJsonl(trace.toJSONL());
      expect(back.hash(), how).toBe(trace.hash());
      expect(back.length, how).toBe(trace.length);
      expect([...back.records()], how).toEqual([...trace.records()]);
      expect(back.stop, how).toEqual(trace.stop);
      expect(back.manifest, how).toEqual(trace.manifest);
      expect(back.toJSONL(), how).toBe(trace.toJSONL());
    }
  });

  it('reads a file with CRLF line ends or without its final newline', () => {
    const trace = run('lossy-handoff');
    const text = trace.toJSONL();
    expect(traceFromJsonl(text.replaceAll('\n', '\r\n')).hash()).toBe(trace.hash());
    expect(traceFromJsonl(text.slice(0, -1)).hash()).toBe(trace.hash());
  });

  it('refuses a file cut at a line boundary, naming the end of its last line', () => {
    const lines = run('lossy-handoff').toJSONL().split('\n');
    const cut = `${lines.slice(0, 12).join('\n')}\n`;
    const last = (lines[11] as string).length;
    expect(errorOf(cut).message).toBe(
      `run.jsonl:12:${last + 1}: the trace ends at line 12 without its end line: the file was cut short`,
    );
    // Without the final newline, or cut just before the end line: the same.
    expect(errorOf(cut.slice(0, -1)).message).toBe(errorOf(cut).message);
    const beforeEnd = lines.length - 2;
    expect(errorOf(`${lines.slice(0, beforeEnd).join('\n')}\n`).message).toBe(
      `run.jsonl:${beforeEnd}:${(lines[beforeEnd - 1] as string).length + 1}: the trace ends at line ${beforeEnd} without its end line: the file was cut short`,
    );
  });

  it('refuses a file holding only the manifest line', () => {
    const manifest = run('lossy-handoff').headerLine();
    for (const text of [`${manifest}\n`, manifest])
      expect(errorOf(text).message).toBe(
        `run.jsonl:1:${manifest.length + 1}: the trace ends at line 1, its manifest, without its end line: the file was cut short`,
      );
  });

  it("refuses an end line whose stop or tick was edited: the hash covers the end line's facts", () => {
    const trace = run('lossy-handoff');
    const text = trace.toJSONL();
    const end = text.split('\n').length - 1;
    const stop = trace.stop as { reason: string; tick: number };
    const edits = [
      text.replace(`"stop":"${stop.reason}"`, '"stop":"allDecided"'),
      text.replace(`"tick":${stop.tick},"hash"`, `"tick":${stop.tick + 1},"hash"`),
    ];
    for (const edited of edits) {
      expect(edited).not.toBe(text);
      const e = errorOf(edited);
      expect(e.line).toBe(end);
      expect(e.message).toMatch(
        /^run\.jsonl:\d+:1: the end line's hash "[0-9a-f]{64}" does not match the lines before it and the end line's count, stop and tick \([0-9a-f]{64}\): the file was changed$/,
      );
    }
    expect(errorOf(text.replace(`"stop":"${stop.reason}"`, '"stop":"done"')).message).toBe(
      `run.jsonl:${end}:1: unknown stop reason "done"`,
    );
    expect(errorOf(text.replace(`"tick":${stop.tick},"hash"`, '"tick":-1,"hash"')).message).toBe(
      `run.jsonl:${end}:1: the stop tick -1 is not a whole number`,
    );
  });

  it('gives a hash anyone can check by hand: SHA-256 of the file but its last 76 bytes', () => {
    const trace = run('lossy-handoff');
    const text = trace.toJSONL();
    expect(text.endsWith(`,"hash":"${trace.hash()}"}\n`)).toBe(true);
    expect(`,"hash":"${trace.hash()}"}\n`).toHaveLength(END_HASH_BYTES);
    expect(sha256Hex(text.slice(0, -END_HASH_BYTES))).toBe(trace.hash());
    // A run not yet stopped writes null for both, and its hash covers them too.
    const open = new Trace(trace.manifest, ['a']);
    expect(open.endLine()).toBe(
      `{"type":"end","records":0,"stop":null,"tick":null,"hash":"${sha256Hex(`${open.headerLine()}\n{"type":"end","records":0,"stop":null,"tick":null`)}"}`,
    );
    expect(traceFromJsonl(open.toJSONL()).stop).toBeUndefined();
    // Setting the stop changes the hash; appending after a hash extends it.
    const before = open.hash();
    open.stop = { reason: 'quiescent', tick: 0 };
    expect(open.hash()).not.toBe(before);
    open.append(1, 0, 0, -1, -1, -1, -1, undefined);
    expect(open.hash()).toBe(sha256Hex(open.toJSONL().slice(0, -END_HASH_BYTES)));
  });

  it('tells a trace of an older or newer format apart from a changed one', () => {
    const lines = run('lossy-handoff').toJSONL().split('\n');
    const column = (lines[0] as string).indexOf('"format"') + 1;
    const older = [
      (lines[0] as string).replace(`"format":${TRACE_FORMAT}`, '"format":1'),
      ...lines.slice(1),
    ];
    expect(errorOf(older.join('\n')).message).toBe(
      `run.jsonl:1:${column}: written by an older parley (trace format 1); re-run it`,
    );
    const newer = [
      (lines[0] as string).replace(`"format":${TRACE_FORMAT}`, '"format":9'),
      ...lines.slice(1),
    ];
    expect(errorOf(newer.join('\n')).message).toBe(
      `run.jsonl:1:${column}: written by a newer parley (trace format 9); this parley reads trace format ${TRACE_FORMAT}`,
    );
  });

  it('refuses a line after the end line', () => {
    const text = run('lossy-handoff').toJSONL();
    const n = text.split('\n').length - 1;
    expect(errorOf(`${text}${text.split('\n')[1]}\n`).message).toBe(
      `run.jsonl:${n + 1}:1: a line after the end line (line ${n}): only the last line ends a trace`,
    );
    expect(errorOf(`${text}\n`).message).toBe(
      `run.jsonl:${n + 1}:1: an empty line after the end line (line ${n}): only the last line ends a trace`,
    );
  });

  it('names the line and column of a line that is not JSON', () => {
    const lines = run('lossy-handoff').toJSONL().split('\n');
    // {"seq":3,… with its first colon (column 7) replaced.
    lines[4] = `${(lines[4] as string).slice(0, 6)}#${(lines[4] as string).slice(7)}`;
    const e = errorOf(lines.join('\n'));
    expect(e.line).toBe(5);
    expect(e.column).toBe(7);
    expect(e.message).toMatch(/^run\.jsonl:5:7: not a JSON line/);
    const cut = run('lossy-handoff').toJSONL().split('\n');
    cut[2] = (cut[2] as string).slice(0, 20);
    expect(errorOf(cut.join('\n')).message).toMatch(/^run\.jsonl:3:21: not a JSON line/);
  });

  it('names the line of a changed record when the hash no longer matches', () => {
    const trace = run('lossy-handoff');
    const lines = trace.toJSONL().split('\n');
    // Record 6 is line 8; its tick moves by one: valid JSON, wrong hash.
    lines[7] = (lines[7] as string).replace(/"tick":(\d+)/, (_, t) => `"tick":${Number(t) + 1}`);
    const e = errorOf(lines.join('\n'));
    expect(e.message).toMatch(/^run\.jsonl:\d+:1: /);
    // The hash covers every line; the reader cannot tell which line was edited when it re-serialises identically.
    expect(e.line).toBe(lines.length - 1);
    expect(e.message).toContain("the end line's hash");
  });

  it('rejects a wrong hash on the end line, naming that line', () => {
    const trace = run('lossy-handoff');
    const lines = trace.toJSONL().split('\n');
    const end = lines.length - 2;
    lines[end] = (lines[end] as string).replace(trace.hash(), '0'.repeat(64));
    const e = errorOf(lines.join('\n'));
    expect(e.line).toBe(end + 1);
    expect(e.message).toBe(
      `run.jsonl:${end + 1}:1: the end line's hash "${'0'.repeat(64)}" does not match the lines before it and the end line's count, stop and tick (${trace.hash()}): the file was changed`,
    );
  });

  it('rejects a missing record, an unknown kind and a text that is not a trace', () => {
    const lines = run('lossy-handoff').toJSONL().split('\n');
    const missing = [...lines.slice(0, 3), ...lines.slice(4)];
    expect(errorOf(missing.join('\n')).message).toBe(
      'run.jsonl:4:1: record seq 3 where 2 was expected',
    );
    const kind = [...lines];
    kind[2] = (kind[2] as string).replace(/"kind":"[a-z.]+"/, '"kind":"teleport"');
    expect(errorOf(kind.join('\n')).message).toBe('run.jsonl:3:1: unknown record kind "teleport"');
    expect(errorOf('name: two-generals\n').message).toMatch(/^run\.jsonl:1:1: not a JSON line/);
    expect(errorOf('{"run":0,"seed":1}\n').message).toBe(
      'run.jsonl:1:1: the first line is not a parley manifest',
    );
    expect(errorOf('').message).toBe('run.jsonl:1:1: the file is empty, not a parley trace');
  });
});
