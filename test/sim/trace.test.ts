import { describe, expect, it } from 'vitest';
import { Kind, Trace } from '../../sim/trace.ts';

const manifest = { parley: 'test', format: 1, scenario: 't', seed: 1, params: {}, spec: {} };

/** The payload of record i: kinds of text JSON must keep exactly, some records without one. */
function payload(i: number): unknown {
  switch (i % 5) {
    case 0:
      return undefined;
    case 1:
      return { type: 'token', hops: i };
    case 2:
      return `note ${i} “quoted” ünïcödé 🎲 \n\t "escaped"`;
    case 3:
      return { nested: { list: [i, -0.5, true, null], text: '\u2028' }, lone: '\ud800x' };
    default:
      return i * 1.5;
  }
}

describe('the trace store', () => {
  it('gives back every record as appended, across column chunks and payload pages, read while it grows', () => {
    // Past one chunk of 65,536 records and many pages of 512 payloads.
    const n = 70_000;
    const t = new Trace(manifest, ['a', 'b', 'c']);
    const expected = (i: number) => {
      const p = payload(i);
      return JSON.stringify({
        seq: i,
        tick: i >> 2,
        kind: i % 2 === 0 ? 'send' : 'deliver',
        agent: ['a', 'b', 'c'][i % 3],
        peer: i % 7 === 0 ? undefined : 'b',
        msg: i,
        cause: i === 0 ? undefined : i - 1,
        data: p === undefined ? undefined : JSON.parse(JSON.stringify(p)),
      });
    };
    // Records that do not read back as appended (one assertion for them all: 70,000 would be slow).
    const wrong: number[] = [];
    const check = (i: number) => {
      if (JSON.stringify(t.record(i)) !== expected(i)) wrong.push(i);
    };
    for (let i = 0; i < n; i++) {
      const seq = t.append(
        i >> 2,
        i % 2 === 0 ? Kind.send : Kind.deliver,
        i % 3,
        i % 7 === 0 ? -1 : 1,
        i,
        i - 1,
        -1,
        payload(i),
      );
      expect(seq).toBe(i);
      // Reading the page still being filled, then appending more to it.
      if (i % 997 === 0) check(i);
    }
    expect(t.length).toBe(n);
    for (let i = 0; i < n; i++) check(i);
    expect(wrong).toEqual([]);
    // Lines carry the payload text as recorded.
    expect(t.recordLine(3)).toBe(
      `{"seq":3,"tick":0,"kind":"deliver","agent":"a","peer":"b","msg":3,"cause":2,"data":${JSON.stringify(payload(3))}}`,
    );
    expect(t.kindAt(65_537)).toBe(Kind.deliver);
  });

  it('keeps what a payload was when it was recorded, though the object changes later', () => {
    const t = new Trace(manifest, ['a']);
    const message = { type: 'vote', value: 1 };
    t.append(0, Kind.send, 0, 0, 0, -1, -1, message);
    message.value = 2;
    t.append(1, Kind.send, 0, 0, 1, -1, -1, message);
    expect(t.record(0).data).toEqual({ type: 'vote', value: 1 });
    expect(t.record(1).data).toEqual({ type: 'vote', value: 2 });
  });
});
