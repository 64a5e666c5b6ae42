import { describe, expect, it } from 'vitest';
import { check, judge, viewOf } from '../../sim/index.ts';
import { traceOf } from '../fixtures/trace-builder.ts';

const ABC = ['a', 'b', 'c'];
const verdict = (
  t: ReturnType<typeof traceOf>,
  property: string,
  options?: Record<string, never | number | string[]>,
) => check(viewOf(t), property, options);

describe('agreement', () => {
  it('fails with the two decide records that differ', () => {
    const t = traceOf(ABC, [
      { tick: 1, kind: 'decide', agent: 'a', data: 'X' },
      { tick: 2, kind: 'decide', agent: 'b', data: 'X' },
      { tick: 3, kind: 'decide', agent: 'c', data: 'Y' },
    ]);
    const v = verdict(t, 'agreement');
    expect(v.status).toBe('fails');
    expect(v.records).toEqual([0, 2]);
    expect(v.summary).toBe('a decided "X" at record 0 but c decided "Y" at record 2');
  });

  it('ignores what a Byzantine agent decides', () => {
    const t = traceOf(
      ABC,
      [
        { tick: 1, kind: 'decide', agent: 'a', data: 'X' },
        { tick: 1, kind: 'decide', agent: 'c', data: 'Y' },
      ],
      ['c'],
    );
    expect(verdict(t, 'agreement')).toMatchObject({ status: 'holds', records: [0] });
  });

  it('compares values by content, not identity', () => {
    const t = traceOf(ABC, [
      { tick: 1, kind: 'decide', agent: 'a', data: { at: 5 } },
      { tick: 1, kind: 'decide', agent: 'b', data: { at: 5 } },
    ]);
    expect(verdict(t, 'agreement').status).toBe('holds');
  });
});

describe('validity', () => {
  it('fails on a decision no honest agent proposed, even one a Byzantine agent proposed', () => {
    const t = traceOf(
      ABC,
      [
        { tick: 0, kind: 'propose', agent: 'a', data: 1 },
        { tick: 0, kind: 'propose', agent: 'c', data: 7 },
        { tick: 5, kind: 'decide', agent: 'b', data: 7 },
      ],
      ['c'],
    );
    const v = verdict(t, 'validity');
    expect(v).toMatchObject({ status: 'fails', records: [2] });
    expect(v.summary).toContain('which no honest agent proposed (inputs: 1)');
  });

  it('holds vacuously when no honest agent proposed anything, and says so', () => {
    const t = traceOf(ABC, [{ tick: 5, kind: 'decide', agent: 'b', data: 7 }]);
    expect(verdict(t, 'validity')).toMatchObject({
      status: 'holds',
      summary: 'no honest agent proposed a value, so any decision is valid',
    });
  });

  it('takes an explicit list of allowed values', () => {
    const t = traceOf(ABC, [{ tick: 5, kind: 'decide', agent: 'b', data: 'retreat' }]);
    expect(verdict(t, 'validity', { values: ['attack'] }).status).toBe('fails');
  });
});

describe('integrity', () => {
  it('fails when an agent decides a second time, even the same value', () => {
    const t = traceOf(ABC, [
      { tick: 1, kind: 'decide', agent: 'a', data: 'X' },
      { tick: 2, kind: 'decide', agent: 'b', data: 'X' },
      { tick: 9, kind: 'decide', agent: 'a', data: 'X' },
    ]);
    expect(verdict(t, 'integrity')).toMatchObject({ status: 'fails', records: [0, 2] });
  });
});

describe('termination', () => {
  const blocked = traceOf(ABC, [
    { tick: 0, kind: 'state', agent: 'a', data: 'waiting' },
    { tick: 0, kind: 'state', agent: 'b', data: 'waiting' },
    { tick: 0, kind: 'state', agent: 'c', data: 'waiting' },
    { tick: 3, kind: 'crash', agent: 'a' },
    { tick: 4, kind: 'state', agent: 'b', data: 'uncertain' },
    { tick: 5, kind: 'decide', agent: 'c', data: 'abort' },
    { tick: 9, kind: 'state', agent: 'c', data: 'done' },
  ]);

  it('excuses crashed agents, and points at the waiting agent and the crash', () => {
    const v = verdict(blocked, 'termination');
    expect(v.status).toBe('fails');
    expect(v.records).toEqual([3, 4]);
    expect(v.summary).toBe('1 of 2 agents had not decided by tick 9: b (in uncertain)');
  });

  it('counts only decisions up to tickMax', () => {
    const t = traceOf(ABC, [{ tick: 50, kind: 'decide', agent: 'a', data: 1 }]);
    expect(verdict(t, 'termination', { tickMax: 49, agents: ['a'] }).status).toBe('fails');
    expect(verdict(t, 'termination', { tickMax: 50, agents: ['a'] }).status).toBe('holds');
  });

  it('does not excuse an agent that restarted', () => {
    const t = traceOf(
      ['a'],
      [
        { tick: 3, kind: 'crash', agent: 'a' },
        { tick: 8, kind: 'restart', agent: 'a' },
      ],
    );
    expect(verdict(t, 'termination').status).toBe('fails');
  });
});

describe('convergence', () => {
  it('reports distinct values per tick, the tick of convergence and flip-flops', () => {
    const t = traceOf(ABC, [
      { tick: 0, kind: 'propose', agent: 'a', data: 'X' },
      { tick: 0, kind: 'propose', agent: 'b', data: 'Y' },
      { tick: 0, kind: 'propose', agent: 'c', data: 'Z' },
      { tick: 4, kind: 'hold', agent: 'c', data: 'X' },
      { tick: 6, kind: 'hold', agent: 'b', data: 'X' },
      { tick: 7, kind: 'hold', agent: 'b', data: 'Y' },
      { tick: 9, kind: 'hold', agent: 'b', data: 'X' },
    ]);
    const v = verdict(t, 'convergence');
    expect(v.status).toBe('holds');
    expect(v.records).toEqual([6]);
    expect(v.metrics).toMatchObject({
      distinct: [
        [0, 3],
        [4, 2],
        [6, 1],
        [7, 2],
        [9, 1],
      ],
      ticksToConverge: 9,
      flipFlops: { a: 0, b: 3, c: 1 },
      flipFlopsTotal: 4,
    });
  });

  it('treats numbers within the tolerance as one value', () => {
    const t = traceOf(
      ['a', 'b'],
      [
        { tick: 0, kind: 'hold', agent: 'a', data: 1 },
        { tick: 0, kind: 'hold', agent: 'b', data: 2 },
        { tick: 5, kind: 'hold', agent: 'b', data: 1.001 },
      ],
    );
    expect(verdict(t, 'convergence').status).toBe('fails');
    const v = verdict(t, 'convergence', { tolerance: 0.01 });
    expect(v.status).toBe('holds');
    expect(v.metrics?.['ticksToConverge']).toBe(5);
  });
});

describe('protocol invariants', () => {
  it('finds two leaders in one term', () => {
    const t = traceOf(ABC, [
      { tick: 1, kind: 'note', agent: 'a', data: { leader: 1 } },
      { tick: 2, kind: 'note', agent: 'b', data: { leader: 2 } },
      { tick: 3, kind: 'note', agent: 'c', data: { leader: 2 } },
    ]);
    expect(verdict(t, 'leader-per-term')).toMatchObject({ status: 'fails', records: [1, 2] });
  });

  it('finds a decision on the minority side of a partition, and none after the heal', () => {
    const five = ['a', 'b', 'c', 'd', 'e'];
    const t = traceOf(five, [
      { tick: 1, kind: 'partition', data: { groups: [['a', 'b', 'c']] } },
      { tick: 2, kind: 'decide', agent: 'a', data: 1 },
      { tick: 3, kind: 'heal', cause: 0 },
      { tick: 4, kind: 'decide', agent: 'e', data: 1 },
    ]);
    expect(verdict(t, 'minority-commit').status).toBe('holds');
    const u = traceOf(five, [
      { tick: 1, kind: 'partition', data: { groups: [['a', 'b', 'c']] } },
      { tick: 2, kind: 'decide', agent: 'd', data: 1 },
    ]);
    expect(verdict(u, 'minority-commit')).toMatchObject({ status: 'fails', records: [0, 1] });
  });

  it('counts duplicate executions of a task', () => {
    const t = traceOf(
      ['w'],
      [
        { tick: 1, kind: 'note', agent: 'w', data: { execute: 't1' } },
        { tick: 2, kind: 'note', agent: 'w', data: { execute: 't2' } },
        { tick: 3, kind: 'note', agent: 'w', data: { execute: 't1' } },
        { tick: 4, kind: 'note', agent: 'w', data: { execute: 't1' } },
      ],
    );
    expect(verdict(t, 'duplicate-execution')).toMatchObject({
      status: 'fails',
      records: [0, 2, 3],
      metrics: { tasks: 2, duplicates: 2 },
    });
  });
});

describe('expectations', () => {
  it('reports each verdict next to what the scenario expected, and whether all were met', () => {
    const t = traceOf(
      ['a', 'b'],
      [
        { tick: 1, kind: 'decide', agent: 'a', data: 'X' },
        { tick: 1, kind: 'decide', agent: 'b', data: 'Y' },
      ],
    );
    const j = judge(t, [
      { property: 'agreement', expect: 'fails' },
      { property: 'integrity', expect: 'holds' },
      { property: 'termination' },
    ]);
    expect(j.verdicts.map((v) => [v.property, v.status, v.expect, v.met])).toEqual([
      ['agreement', 'fails', 'fails', true],
      ['integrity', 'holds', 'holds', true],
      ['termination', 'holds', undefined, true],
    ]);
    expect(j.met).toBe(true);
    expect(judge(t, [{ property: 'agreement', expect: 'holds' }]).met).toBe(false);
  });

  it('refuses an unknown property by name', () => {
    const t = traceOf(['a'], []);
    expect(() => check(viewOf(t), 'liveness')).toThrow(
      /unknown property "liveness"; use one of agreement, validity/,
    );
  });
});

describe('scenario checks', () => {
  it('are validated with the path of each bad entry', async () => {
    const { scenarioProblems, CHECKER_NAMES } = await import('../../sim/index.ts');
    const { twoGenerals } = await import('../../scenarios/protocols/two-generals.ts');
    const problems = scenarioProblems({
      name: 'x',
      agents: [{ id: 'a', protocol: twoGenerals, honest: 'no' as never }],
      checks: [{ property: 'liveness' }, { property: 'agreement', expect: 'maybe' as never }],
    });
    expect(problems).toEqual([
      { path: 'agents.0.honest', message: 'must be true or false' },
      {
        path: 'checks.0.property',
        message: `unknown property "liveness"; use one of ${CHECKER_NAMES.join(', ')}`,
      },
      { path: 'checks.1.expect', message: 'must be holds or fails, got "maybe"' },
    ]);
  });
});
