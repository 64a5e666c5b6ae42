import { describe, expect, it } from 'vitest';
import { deriveStream } from '../../sim/rng.ts';
import { Kind, messageJson, Trace } from '../../sim/trace.ts';

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

describe('messageJson', () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const messages: Record<string, object> = {
    'a flat message': { type: 'token', hops: 7, from: 'a3' },
    'numbers JSON writes otherwise': {
      type: 'n',
      a: -0,
      b: Number.NaN,
      c: Number.POSITIVE_INFINITY,
      d: 2 ** 31,
      e: -(2 ** 31),
      f: 0.1,
      g: 1e21,
    },
    'strings to escape': {
      type: 's',
      q: 'say "hi"',
      b: 'back\\slash',
      c: '\u0000\u001f',
      l: '\ud800',
      p: '🎲',
      s: '\u2028',
    },
    'keys to escape': { type: 'k', 'a"b': 1, 'c\nd': 2, '🎲': true, '': false },
    'integer-like keys, which come first': { type: 'i', b: 1, 2: 'two', a: 3, 1: 'one' },
    'an undefined value, left out': { type: 'u', gone: undefined, kept: 1 },
    'flat arrays': {
      type: 'arr',
      path: ['g0', 'g"1'],
      votes: [1, -0, 0.5, Number.NaN],
      ok: [true],
    },
    'an empty array': { type: 'arr', none: [] },
    'an array with a hole': {
      type: 'hole',
      a: Object.assign(new Array<number>(3), { 0: 1, 2: 3 }),
    },
    'an array holding undefined, written null': { type: 'undef', a: ['x', undefined] },
    'an array of arrays': { type: 'deep', a: [['x'], ['y']] },
    'an array with a toJSON of its own': {
      type: 'ajson',
      a: Object.assign(['x'], { toJSON: () => 'replaced' }),
    },
    'an array with a key of its own, left out': { type: 'akey', a: Object.assign(['x'], { k: 1 }) },
    'a nested value': { type: 'nest', path: ['a', 'b'], at: { t: 1 } },
    'a flat message of a type seen nested before': { type: 'nest', path: 'a' },
    'a null value': { type: 'z', v: null },
    'a function value, left out': { type: 'f', f: () => 1 },
    'a toJSON of its own': { type: 'j', toJSON: () => 'replaced' },
    'no type': { hops: 1 },
    'a type after another key': { hops: 1, type: 'late' },
    'a type to escape': { type: 'say "hi"\n', n: 1 },
    'a type that is not a string': { type: 3, n: 1 },
    'no prototype': Object.assign(Object.create(null), { type: 'p', n: 1 }),
    'a class instance': new Point(1, 2),
    'an inherited enumerable key, not its own': Object.create({ inherited: 1 }),
    empty: {},
  };
  for (const [what, m] of Object.entries(messages))
    it(`writes what JSON.stringify writes: ${what}`, () => {
      expect(messageJson(m)).toBe(JSON.stringify(m));
      // Again, with the caches filled.
      expect(messageJson(m)).toBe(JSON.stringify(m));
    });

  it('writes what JSON.stringify writes for 2,000 messages drawn from code units, numbers of every kind and flat arrays of them', () => {
    const stream = deriveStream(7, 'messageJson');
    const units = ['a', 'é', '"', '\\', '\n', '\u0001', '\ud83c', '\udfb2', '\u2028', '0', ' '];
    const text = () =>
      Array.from({ length: stream.int(0, 6) }, () => units[stream.int(0, units.length - 1)]).join(
        '',
      );
    const numbers = [
      0,
      -0,
      1,
      -1,
      2 ** 31,
      -(2 ** 31) - 1,
      0.5,
      1e-7,
      1e21,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
    ];
    for (let i = 0; i < 2_000; i++) {
      const m: Record<string, unknown> = { type: `t${stream.int(0, 3)}` };
      for (let k = stream.int(0, 5); k > 0; k--) {
        const key = stream.int(0, 3) === 0 ? String(stream.int(0, 9)) : text();
        const kind = stream.int(0, 4);
        const value = (k: number): unknown =>
          k === 0
            ? text()
            : k === 1
              ? numbers[stream.int(0, numbers.length - 1)]
              : k === 2
                ? stream.int(0, 1) === 1
                : stream.next();
        m[key] =
          kind === 4
            ? Array.from({ length: stream.int(0, 3) }, () => value(stream.int(0, 3)))
            : value(kind);
      }
      expect(messageJson(m)).toBe(JSON.stringify(m));
    }
  });
});
