import { describe, expect, it } from 'vitest';
import { parley } from '../fixtures/cli.ts';

describe('parley run --story', () => {
  it('prints the key moments after the usual output, tick first, and keeps the exit code', () => {
    const { code, out, err } = parley('run', 'two-generals', '--seed', '2', '--story');
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    const at = lines.indexOf('key moments:');
    expect(lines[at - 1]).toBe('reproduce: npx parley run two-generals --seed 2');
    expect(lines.slice(at + 1)).toEqual([
      "  tick  2  beta's hop to alpha was lost",
      '  tick 50  alpha decided retreat',
      "  tick 50  beta decided attack at dawn, against alpha's retreat",
    ]);
  });

  it('exits 1 as without it when an expectation is not met, and says when no moment was found', () => {
    // At seed 1 the generals agree at tick 50 (both decide "attack at dawn"): the first
    // decision is the only moment.
    const { code, out } = parley('run', 'two-generals', '--seed', '1', '--story');
    expect(code).toBe(1);
    expect(out).toContain('key moments:\n  tick 50  alpha decided attack at dawn\n');
    // With the retry budget the spend stops growing: no fault, drop, decision or failure.
    const none = parley('run', 'retry-storm', '--variant', 'mitigated', '--story');
    expect(none.code).toBe(0);
    expect(none.out.trimEnd().split('\n').at(-1)).toBe('key moments: none found');
  });

  it('adds a moments array to --json only when asked', () => {
    const withStory = JSON.parse(parley('run', 'majority-vote-partition', '--json', '--story').out);
    expect(withStory.moments[0]).toEqual({
      seq: 0,
      tick: 0,
      kind: 'partition',
      text: 'd and e were cut off from a–c at tick 0',
      agents: ['d', 'e', 'a', 'b', 'c'],
    });
    expect(withStory.moments).toHaveLength(4);
    const without = JSON.parse(parley('run', 'majority-vote-partition', '--json').out);
    expect('moments' in without).toBe(false);
  });

  it('documents the flag in the help of run', () => {
    const { out } = parley('run', '--help');
    expect(out).toContain('--story');
    expect(out).toContain('npx parley run two-generals --seed 2 --story');
  });
});
