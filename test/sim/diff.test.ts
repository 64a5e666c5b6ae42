import { describe, expect, it, vi } from 'vitest';
import { loadNamed } from '../../cli/catalog.ts';
import type { Verdict } from '../../sim/checkers/index.ts';
import { diffRuns, firstDifferingSeq, MANIFEST_PATHS_MAX, type RunSide } from '../../sim/diff.ts';
import { judge, PARLEY_VERSION, runScenario, TRACE_FORMAT, Trace } from '../../sim/index.ts';
import { traceFromJsonl } from '../../sim/trace-read.ts';
import { traceOf } from '../fixtures/trace-builder.ts';

/** A catalogue scenario run at `seed` (with a variant), judged on its own checks. */
function side(name: string, seed: number, variant?: string): RunSide & { expect: unknown[] } {
  const { scenario } = loadNamed(name, variant === undefined ? {} : { variant });
  const trace = runScenario(scenario, { seed }).trace;
  const judged = judge(trace);
  return { trace, verdicts: judged.verdicts, expect: (scenario.checks ?? []).map((c) => c.expect) };
}

const verdict = (property: string, status: Verdict['status'], metrics = {}): Verdict => ({
  property,
  status,
  summary: '',
  records: [],
  metrics,
});

describe('diffRuns', () => {
  it('finds two runs of one scenario at one seed identical, with no verdict or metric differing', () => {
    // reproduce: npx parley diff two-generals --seed 2 --seed-b 2
    const d = diffRuns(side('two-generals', 2), side('two-generals', 2));
    expect(d).toMatchObject({ identical: true, manifest: [], manifestMore: 0, verdicts: [] });
    expect(d.record).toBeUndefined();
    expect(d.metrics.filter((m) => m.differs)).toEqual([]);
  });

  it('finds a trace identical to itself read back from its JSONL, verdicts judged again', () => {
    const a = side('confused-deputy-db', 3);
    const back = traceFromJsonl(a.trace.toJSONL(), 'a.jsonl');
    const d = diffRuns(a, { trace: back, verdicts: judge(back).verdicts });
    expect(d.identical).toBe(true);
    expect(d.verdicts).toEqual([]);
  });

  it('names seed 9 as the first record where two-generals seeds 2 and 3 part, with both lines', () => {
    // reproduce: npx parley diff two-generals --seed 2 --seed-b 3
    const d = diffRuns(side('two-generals', 2), side('two-generals', 3));
    expect(d.identical).toBe(false);
    expect(d.manifest).toEqual(['seed']);
    expect(d.record).toEqual({
      seq: 9,
      a: {
        tick: 2,
        line: '{"seq":9,"tick":2,"kind":"deliver","agent":"beta","peer":"alpha","msg":0,"cause":3}',
      },
      b: {
        tick: 1,
        line: '{"seq":9,"tick":1,"kind":"deliver","agent":"beta","peer":"alpha","msg":0,"cause":3}',
      },
    });
    // Both seeds show the failure the scenario expects: no verdict changes.
    expect(d.verdicts).toEqual([]);
  });

  it('reports confused-deputy-db mitigated turning destructive-action from fails to holds, as its checks expect', () => {
    // reproduce: npx parley diff confused-deputy-db --variant mitigated
    const a = side('confused-deputy-db', 3);
    const b = side('confused-deputy-db', 3, 'mitigated');
    // The scenario expects the failure, its variant the fix; both runs meet their expectation.
    expect([a.expect, b.expect]).toEqual([['fails'], ['holds']]);
    expect(judge(a.trace).met && judge(b.trace).met).toBe(true);
    const d = diffRuns(a, b);
    expect(d.verdicts).toEqual([{ check: 'destructive-action', a: 'fails', b: 'holds' }]);
    expect(d.manifest).toEqual(['spec.checks.0.expect', 'spec.trust.mitigations']);
    expect(d.record?.seq).toBe(7);
    expect(d.record?.a?.line).toContain('"capability":"db.delete@prod","outcome":"done"');
    expect(d.record?.b?.line).toContain('"capability":"db.delete@prod","outcome":"refused"');
    expect(d.metrics).toEqual([
      { metric: 'records', a: 9, b: 9, differs: false },
      { metric: 'stop', a: 'quiescent', b: 'quiescent', differs: false },
      { metric: 'tick', a: 1, b: 1, differs: false },
      { metric: 'destructive-action.destructive', a: 1, b: 0, differs: true },
      { metric: 'destructive-action.acts', a: 2, b: 1, differs: true },
    ]);
  });

  it('names the first record past the shorter trace when one is a prefix of the other', () => {
    const recs = [
      { tick: 0, kind: 'start' as const, agent: 'x' },
      { tick: 1, kind: 'note' as const, agent: 'x', data: 'hi' },
    ];
    const short = traceOf(['x'], recs.slice(0, 1));
    const long = traceOf(['x'], recs);
    expect(firstDifferingSeq(short, long)).toBe(1);
    const d = diffRuns({ trace: short, verdicts: [] }, { trace: long, verdicts: [] });
    expect(d.record).toEqual({
      seq: 1,
      a: undefined,
      b: { tick: 1, line: '{"seq":1,"tick":1,"kind":"note","agent":"x","data":"hi"}' },
    });
  });

  it('tells traces apart by their end line alone (same records, another stop)', () => {
    const a = traceOf(['x'], [{ tick: 0, kind: 'start', agent: 'x' }]);
    const b = traceOf(['x'], [{ tick: 0, kind: 'start', agent: 'x' }]);
    b.stop = { reason: 'ticksMax', tick: 0 };
    const d = diffRuns({ trace: a, verdicts: [] }, { trace: b, verdicts: [] });
    expect(d.identical).toBe(false);
    expect(d.record).toBeUndefined();
    expect(d.metrics.find((m) => m.metric === 'stop')).toEqual({
      metric: 'stop',
      a: 'quiescent',
      b: 'ticksMax',
      differs: true,
    });
  });

  it('builds no record object while searching: only the two records it reports', () => {
    const a = side('two-generals', 2).trace;
    const b = side('two-generals', 3).trace;
    const ra = vi.spyOn(a, 'record');
    const rb = vi.spyOn(b, 'record');
    diffRuns({ trace: a, verdicts: [] }, { trace: b, verdicts: [] });
    expect([ra.mock.calls, rb.mock.calls]).toEqual([[[9]], [[9]]]);
  });

  it('names checks of the same property #2, #3 and says which run does not check one', () => {
    const t = traceOf(['x'], []);
    const d = diffRuns(
      {
        trace: t,
        verdicts: [verdict('agreement', 'holds'), verdict('agreement', 'holds', { values: 1 })],
      },
      {
        trace: t,
        verdicts: [
          verdict('agreement', 'holds'),
          verdict('agreement', 'fails', { values: 2 }),
          verdict('termination', 'fails'),
        ],
      },
    );
    expect(d.verdicts).toEqual([
      { check: 'agreement#2', a: 'holds', b: 'fails' },
      { check: 'termination', a: undefined, b: 'fails' },
    ]);
    expect(d.metrics.at(-1)).toEqual({ metric: 'agreement#2.values', a: 1, b: 2, differs: true });
  });

  it(`lists at most ${MANIFEST_PATHS_MAX} differing manifest paths and counts the rest`, () => {
    const manifest = (k: number) => ({
      parley: PARLEY_VERSION,
      format: TRACE_FORMAT,
      scenario: 'many',
      seed: 1,
      params: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i}`, i * k])),
      spec: {},
    });
    const a = new Trace(manifest(1), []);
    const b = new Trace(manifest(2), []);
    const d = diffRuns({ trace: a, verdicts: [] }, { trace: b, verdicts: [] });
    // p0 is 0 in both.
    expect(d.manifest).toHaveLength(MANIFEST_PATHS_MAX);
    expect(d.manifest[0]).toBe('params.p1');
    expect(d.manifestMore).toBe(24 - MANIFEST_PATHS_MAX);
  });
});
