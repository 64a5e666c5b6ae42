import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../sim/index.ts';
import { deriveStream } from '../../sim/rng.ts';

interface E {
  tick: number;
  seq: number;
  label: string;
}

describe('the event heap', () => {
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
});
