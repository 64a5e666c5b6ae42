import { describe, expect, it } from 'vitest';
import { meetsTarget } from '../../bench/report.ts';

describe('the bench report', () => {
  it('judges a row against the target its name states', () => {
    const row = (name: string, value: number) => ({ name, value, unit: 'x' });
    expect(meetsTarget(row('fast over xstate (target >= 3)', 3))).toBe(true);
    expect(meetsTarget(row('fast over xstate (target >= 3)', 2.99))).toBe(false);
    expect(meetsTarget(row('steady (target >= 20,000)', 20_000))).toBe(true);
    expect(meetsTarget(row('steady (target >= 20,000)', 19_999))).toBe(false);
    expect(meetsTarget(row('tracing cost (target <= 25%)', 25))).toBe(true);
    expect(meetsTarget(row('tracing cost (target <= 25%)', 32.7))).toBe(false);
    expect(meetsTarget(row('over floor (target >= 0.5)', Number.NaN))).toBe(false);
    expect(meetsTarget(row('no target here', 1))).toBeUndefined();
  });
});
