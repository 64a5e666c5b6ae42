import { describe, expect, it } from 'vitest';
import { Hash64, hash64Hex } from '../../sim/hash.ts';
import { EventQueue } from '../../sim/queue.ts';
import { deriveStream } from '../../sim/rng.ts';

describe('EventQueue.ordered (the order a fingerprint reads the pending events in)', () => {
  it('gives every queued event in (tick, seq) order, ring and heap merged, through pushes and pops at seed 7', () => {
    const rng = deriveStream(7, 'queue-ordered');
    const q = new EventQueue<{ tick: number; seq: number }>();
    let now = 0;
    for (let round = 0; round < 2000; round++) {
      // Mostly near ticks (the ring), sometimes far ones (the heap).
      const far = rng.int(0, 9) === 0;
      q.push({ tick: now + (far ? rng.int(1000, 5000) : rng.int(0, 5)), seq: 0 });
      if (rng.int(0, 2) === 0) now = q.pop()?.tick ?? now;
      const sorted = q.all().sort((x, y) => x.tick - y.tick || x.seq - y.seq);
      expect(q.ordered()).toEqual(sorted);
    }
  });
});

describe('Hash64 (fingerprints fed piece by piece)', () => {
  it('gives equal digests for equal feeds and 16 hex digits', () => {
    const a = new Hash64().unit(3).text('up').lanes(new Hash64().text('{"x":1}').digest()).hex();
    const b = new Hash64().unit(3).text('up').lanes(new Hash64().text('{"x":1}').digest()).hex();
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('tells apart texts that would run into each other without their lengths', () => {
    expect(new Hash64().text('ab').text('c').hex()).not.toBe(
      new Hash64().text('a').text('bc').hex(),
    );
    expect(new Hash64().unit(1).hex()).not.toBe(new Hash64().unit(2).hex());
  });

  it('leaves hash64Hex as it was', () => {
    expect(hash64Hex('')).toMatch(/^[0-9a-f]{16}$/);
    expect(hash64Hex('abc')).not.toBe(hash64Hex('abd'));
  });
});
