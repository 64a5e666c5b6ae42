import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { loadScenario, runScenario, type Trace } from '../../sim/index.ts';
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

  it('reads a cut file without an end line as far as it goes, with no stop', () => {
    const trace = run('lossy-handoff');
    const lines = trace.toJSONL().split('\n').slice(0, 11);
    const back = traceFromJsonl(lines.join('\n'));
    expect(back.length).toBe(10);
    expect(back.stop).toBeUndefined();
    expect([...back.records()]).toEqual([...trace.records()].slice(0, 10));
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
      `run.jsonl:${end + 1}:1: the end line's hash "${'0'.repeat(64)}" does not match the lines before it (${trace.hash()}): the file was changed`,
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
