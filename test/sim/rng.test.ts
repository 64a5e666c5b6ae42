import { describe, expect, it } from 'vitest';
import { checkSeed, deriveStream } from '../../sim/index.ts';

const draws = (seed: number, name: string, n: number) => {
  const s = deriveStream(seed, name);
  return Array.from({ length: n }, () => s.nextUint32());
};

describe('seeded streams', () => {
  it('gives the same draws for the same seed and name', () => {
    expect(draws(7, 'agent/a', 100)).toEqual(draws(7, 'agent/a', 100));
  });

  it('gives a child stream the same draws whatever other streams exist or were drawn from', () => {
    const alone = draws(7, 'agent/a', 50);
    const other = deriveStream(7, 'agent/b');
    for (let i = 0; i < 1000; i++) other.nextUint32();
    deriveStream(7, 'faults');
    expect(draws(7, 'agent/a', 50)).toEqual(alone);
  });

  it('gives different streams for different names and seeds', () => {
    const a = draws(7, 'agent/a', 8);
    expect(draws(7, 'agent/b', 8)).not.toEqual(a);
    expect(draws(8, 'agent/a', 8)).not.toEqual(a);
    // Seeds above 2^32 use their high bits too.
    expect(draws(2 ** 32 + 7, 'agent/a', 8)).not.toEqual(a);
  });

  it('pins the first draws of a stream, so a generator change cannot pass unnoticed', () => {
    expect(draws(1, 'net/a->b', 4)).toEqual([1767770471, 123988300, 1716597586, 2116359675]);
  });

  it('draws uniform numbers in [0, 1) whose mean and deciles match the uniform law', () => {
    const s = deriveStream(123, 'uniformity');
    const n = 200_000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const u = s.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      bins[Math.floor(u * 10)]! += 1;
    }
    // Mean of n uniforms: sd = sqrt(1/12/n); allow 5 sd.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    // Each decile ~ Binomial(n, 0.1); allow 5 sd.
    const sd = Math.sqrt(n * 0.1 * 0.9);
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(5 * sd);
  });

  it('refuses seeds that are not non-negative safe integers', () => {
    expect(() => checkSeed(-1)).toThrow(/seed must be an integer/);
    expect(() => checkSeed(1.5)).toThrow(/seed must be an integer/);
    expect(() => checkSeed(2 ** 53)).toThrow(/seed must be an integer/);
  });
});
