import { describe, expect, it } from 'vitest';
import { decisionsLine } from '../../viz/decisions.ts';
import { openingOf } from '../../viz/views/lesson.ts';

const d = (agent: string, value: unknown) => ({ agent, value: value as never });

describe('decisionsLine', () => {
  it('says none were decided by the cursor, with the count by the end', () => {
    expect(decisionsLine([], 5)).toBe('none decided by the cursor (5 by the end)');
  });

  it('counts per value, most first, naming the agents of a value decided by at most three', () => {
    expect(
      decisionsLine([d('a', 'X'), d('d', 'Y'), d('b', 'X'), d('e', 'Y'), d('c', 'X')], 5),
    ).toBe('5 of 5 decided by the cursor: X (3: a, b, c), Y (2: d, e)');
  });

  it('keeps one short line for many agents: a count per value, no ids', () => {
    const many = Array.from({ length: 32 }, (_, i) => d(`g${i}`, 'informed'));
    expect(decisionsLine(many, 32)).toBe('32 of 32 decided by the cursor: informed (32)');
    const mixed = [...many.slice(0, 30), d('g30', 'uninformed')];
    expect(decisionsLine(mixed, 40)).toBe(
      '31 of 40 decided by the cursor: informed (30), uninformed (1: g30)',
    );
  });

  it('lists at most four values and counts the rest, values other than text as JSON', () => {
    const values = [1, 2, 3, 4, 5, 6].map((v, i) => d(`n${i}`, { v }));
    expect(decisionsLine(values, 6)).toBe(
      '6 of 6 decided by the cursor: {"v":1} (1: n0), {"v":2} (1: n1), {"v":3} (1: n2), {"v":4} (1: n3), and 2 more values',
    );
  });

  it('shortens long values and ids', () => {
    expect(decisionsLine([d('an-agent-with-a-very-long-name-indeed', 'x'.repeat(40))], 1)).toBe(
      `1 of 1 decided by the cursor: ${'x'.repeat(23)}… (1: an-agent-with-a-very-lo…)`,
    );
  });
});

describe('openingOf', () => {
  it("gives a lesson's first paragraph, without its title", () => {
    expect(openingOf('# name\n\nFirst line\nsecond line.\n\n## What to watch\n\nMore.')).toBe(
      'First line\nsecond line.',
    );
    expect(openingOf('No title here.\n\nNext.')).toBe('No title here.');
    expect(openingOf('# only a title\n\n## A section\n\nText.')).toBe('Text.');
  });
});
