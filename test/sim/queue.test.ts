import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../sim/index.ts';
import { deriveStream } from '../../sim/rng.ts';

interface E {
  tick: number;
  seq: number;
  label: string;
}

describe('the event queue', () => {
  it('gives more than ten events at the same tick back in the order they were pushed', () => {
    const q = new EventQueue<E>();
    const labels = Array.from({ length: 25 }, (_, i) => `e${i}`);
    // Interleave with events at other ticks, so the heap has to reorder.
    labels.forEach((label, i) => {
      q.push({ tick: 5, seq: 0, label });
      q.push({ tick: 9 - (i % 3), seq: 0, label: `late${i}` });
    });
    q.push({ tick: 1, seq: 0, label: 'first' });
    const out: string[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) if (e.tick <= 5) out.push(e.label);
    expect(out).toEqual(['first', ...labels]);
  });

  it('orders by tick, then by seq, for random pushes', () => {
    const q = new EventQueue<E>();
    const s = deriveStream(5, 'heap-test');
    const pushed: E[] = [];
    for (let i = 0; i < 5000; i++) {
      const e = { tick: s.int(0, 50), seq: 0, label: String(i) };
      q.push(e);
      pushed.push(e);
    }
    const expected = [...pushed]
      .sort((a, b) => a.tick - b.tick || a.seq - b.seq)
      .map((e) => e.label);
    const out: string[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.label);
    expect(out).toEqual(expected);
    expect(q.size).toBe(0);
  });

  it('assigns seq numbers that only grow', () => {
    const q = new EventQueue<E>();
    expect(q.push({ tick: 3, seq: 99, label: 'a' })).toBe(0);
    expect(q.push({ tick: 1, seq: 99, label: 'b' })).toBe(1);
    q.pop();
    expect(q.push({ tick: 0, seq: 0, label: 'c' })).toBe(2);
    expect(q.peek()?.label).toBe('c');
  });

  it('keeps (tick, seq) order when pops and pushes interleave and ticks reach past the calendar ring', () => {
    // A reference: the same operations on a list sorted by (tick, seq).
    const q = new EventQueue<E>();
    const s = deriveStream(9, 'calendar-test');
    const reference: E[] = [];
    const out: string[] = [];
    const expected: string[] = [];
    let now = 0;
    for (let i = 0; i < 20_000; i++) {
      if (s.next() < 0.55) {
        // Mostly near ticks, some far past the 1,024-tick ring, a few at the current tick.
        const u = s.next();
        const delay =
          u < 0.1 ? 0 : u < 0.8 ? s.int(1, 8) : u < 0.95 ? s.int(900, 1100) : s.int(1, 50_000);
        const e = { tick: now + delay, seq: 0, label: String(i) };
        q.push(e);
        reference.push(e);
      } else {
        const e = q.pop();
        reference.sort((a, b) => a.tick - b.tick || a.seq - b.seq);
        const r = reference.shift();
        expect(e?.label).toBe(r?.label);
        if (e !== undefined) {
          out.push(e.label);
          expected.push(r?.label ?? '');
          now = e.tick;
        }
      }
      expect(q.size).toBe(reference.length);
    }
    expect(out.length).toBeGreaterThan(8_000);
    expect(out).toEqual(expected);
  });

  it('lists with first() a prefix of the order pop gives, bounded by a tick and a count', () => {
    const q = new EventQueue<E>();
    const s = deriveStream(11, 'first-test');
    const reference: E[] = [];
    let now = 0;
    let listed = 0;
    for (let i = 0; i < 5_000; i++) {
      const u = s.next();
      if (u < 0.5) {
        const delay = s.next() < 0.9 ? s.int(0, 6) : s.int(1000, 3000);
        const e = { tick: now + delay, seq: 0, label: String(i) };
        q.push(e);
        reference.push(e);
      } else if (u < 0.8) {
        reference.sort((a, b) => a.tick - b.tick || a.seq - b.seq);
        const tickMax = now + s.int(0, 3);
        const countMax = s.int(0, 10);
        const out: E[] = [];
        q.first(tickMax, countMax, out);
        const want = reference.filter((e) => e.tick <= tickMax).slice(0, countMax);
        expect(out.length).toBeLessThanOrEqual(want.length);
        expect(out.map((e) => e.label)).toEqual(want.slice(0, out.length).map((e) => e.label));
        listed += out.length;
      } else {
        reference.sort((a, b) => a.tick - b.tick || a.seq - b.seq);
        const e = q.pop();
        expect(e?.label).toBe(reference.shift()?.label);
        if (e !== undefined) now = e.tick;
      }
    }
    expect(listed).toBeGreaterThan(1000);
  });

  it('peeks the event pop returns, including one due before the ring', () => {
    const q = new EventQueue<E>();
    q.push({ tick: 5000, seq: 0, label: 'far' });
    q.push({ tick: 3, seq: 0, label: 'near' });
    expect(q.pop()?.label).toBe('near');
    // The ring now starts at tick 3; an event due earlier still comes out first.
    q.push({ tick: 1, seq: 0, label: 'earlier' });
    q.push({ tick: 3, seq: 0, label: 'same tick' });
    expect(q.peek()?.label).toBe('earlier');
    expect(q.pop()?.label).toBe('earlier');
    expect(q.pop()?.label).toBe('same tick');
    expect(q.pop()?.label).toBe('far');
    expect(q.pop()).toBeUndefined();
    expect(q.size).toBe(0);
  });
});
