import { describe, expect, it } from 'vitest';
import { budget, loadAmplification, runaway } from '../../sim/checkers/spend.ts';
import {
  type Json,
  KIND_NAMES,
  type KindName,
  PARLEY_VERSION,
  TRACE_FORMAT,
  Trace,
  viewOf,
} from '../../sim/index.ts';

interface Rec {
  tick: number;
  kind: KindName;
  agent: string;
  peer?: string;
  msg?: number;
  data?: Json;
}

/** A hand-built trace whose manifest spec carries budgets and a cost section. */
function traceOf(
  agents: { id: string; budget?: number }[],
  records: Rec[],
  opts: { cost?: Record<string, Json>; stop?: 'quiescent' | 'ticksMax'; stopTick?: number } = {},
): Trace {
  const ids = agents.map((a) => a.id);
  const trace = new Trace(
    {
      parley: PARLEY_VERSION,
      format: TRACE_FORMAT,
      scenario: 'hand-built',
      seed: 0,
      params: {},
      spec: {
        agents: agents as unknown as Json,
        ...(opts.cost === undefined ? {} : { cost: opts.cost }),
      },
    },
    ids,
  );
  for (const r of records)
    trace.append(
      r.tick,
      KIND_NAMES.indexOf(r.kind),
      ids.indexOf(r.agent),
      r.peer === undefined ? -1 : ids.indexOf(r.peer),
      r.msg ?? -1,
      -1,
      -1,
      r.data,
    );
  trace.stop = {
    reason: opts.stop ?? 'ticksMax',
    tick: opts.stopTick ?? records.at(-1)?.tick ?? 0,
  };
  return trace;
}

const done = (tick: number, agent: string, amount: number, total: number): Rec => ({
  tick,
  kind: 'spend',
  agent,
  data: { amount, outcome: 'done', total },
});
const refused = (tick: number, agent: string, amount: number, total: number): Rec => ({
  tick,
  kind: 'spend',
  agent,
  data: { amount, outcome: 'refused', reason: 'budget', total },
});

describe('budget', () => {
  it('holds when the engine refused what passed the budget, and counts the refusals', () => {
    const t = traceOf(
      [{ id: 'a', budget: 3 }],
      [done(1, 'a', 1, 1), done(2, 'a', 2, 3), refused(3, 'a', 1, 3)],
    );
    expect(budget.check(viewOf(t))).toEqual({
      property: 'budget',
      status: 'holds',
      summary: 'every budget held (1 agent budget); total spend 3, 1 charge refused',
      records: [2],
      metrics: { total: 3, refusals: 1, agentsOverBudget: 0 },
    });
  });

  it('fails at the spend that took an agent past its budget', () => {
    const t = traceOf(
      [{ id: 'a', budget: 2 }, { id: 'b' }],
      [done(1, 'b', 5, 5), done(1, 'a', 1.5, 1.5), done(2, 'a', 1, 2.5), done(3, 'a', 1, 3.5)],
    );
    expect(budget.check(viewOf(t))).toMatchObject({
      status: 'fails',
      summary: 'a spent 3.5 of a budget of 2',
      records: [2],
      metrics: { total: 8.5, refusals: 0, agentsOverBudget: 1 },
    });
  });

  it('fails at the charge that took the run past its run budget', () => {
    const t = traceOf([{ id: 'a' }, { id: 'b' }], [done(1, 'a', 2, 2), done(2, 'b', 2, 2)], {
      cost: { budgetRun: 3 },
    });
    expect(budget.check(viewOf(t))).toMatchObject({
      status: 'fails',
      summary: 'the run spent 4 of a run budget of 3',
      records: [1],
    });
  });

  it('charges perMessage for every send but one dropped for budget', () => {
    const send = (tick: number, msg: number): Rec => ({
      tick,
      kind: 'send',
      agent: 'a',
      peer: 'b',
      msg,
      data: { type: 'x' },
    });
    const records: Rec[] = [
      send(1, 0),
      send(2, 1),
      send(3, 2),
      { tick: 3, kind: 'drop', agent: 'a', peer: 'b', msg: 2, data: 'budget' },
    ];
    const agents = [{ id: 'a', budget: 1 }, { id: 'b' }];
    expect(
      budget.check(viewOf(traceOf(agents, records, { cost: { perMessage: 0.5 } }))),
    ).toMatchObject({ status: 'holds', metrics: { total: 1, refusals: 1 } });
    // Without the drop the third message was paid: 1.5 > 1.
    expect(
      budget.check(viewOf(traceOf(agents, records.slice(0, 3), { cost: { perMessage: 0.5 } }))),
    ).toMatchObject({ status: 'fails', summary: 'a spent 1.5 of a budget of 1', records: [2] });
  });

  it('holds without budgets and reports the total spend', () => {
    const t = traceOf([{ id: 'a' }], [done(1, 'a', 1, 1), done(2, 'a', 2, 3)]);
    expect(budget.check(viewOf(t))).toMatchObject({
      status: 'holds',
      summary: 'no budgets set; total spend 3',
      metrics: { total: 3, refusals: 0 },
    });
  });
});

describe('runaway', () => {
  /** 1 spent at ticks 10, 20, ..., 10 n. */
  const periodic = (n: number) =>
    Array.from({ length: n }, (_, i) => done(10 * (i + 1), 'a', 1, i + 1));

  it('fails when spend is still growing in the last tenth of the run, with the spend over time', () => {
    const t = traceOf([{ id: 'a' }], periodic(10));
    expect(runaway.check(viewOf(t))).toEqual({
      property: 'runaway',
      status: 'fails',
      summary:
        'spend still growing at the end: 1 spent in the last 10 ticks (to tick 100), 0.1 per tick, above 0; total 10',
      records: [9],
      metrics: {
        total: 10,
        slope: 0.1,
        windowTicks: 10,
        points: Array.from({ length: 10 }, (_, i) => [10 * (i + 1), i + 1]),
      },
    });
  });

  it('holds when the slope is at most rateMax, over the window asked for', () => {
    const t = traceOf([{ id: 'a' }], periodic(10));
    // (60, 100]: 4 spent over 40 ticks.
    expect(runaway.check(viewOf(t), { windowTicks: 40, rateMax: 0.1 })).toMatchObject({
      status: 'holds',
      metrics: { slope: 0.1, windowTicks: 40 },
    });
    expect(runaway.check(viewOf(t), { windowTicks: 40, rateMax: 0.09 }).status).toBe('fails');
  });

  it('holds when the spending stopped before the end, and refused spends cost nothing', () => {
    const records = [...periodic(5), refused(60, 'a', 1, 5), refused(100, 'a', 1, 5)];
    const t = traceOf([{ id: 'a' }], records, { stopTick: 100 });
    expect(runaway.check(viewOf(t))).toMatchObject({
      status: 'holds',
      summary: '0 spent in the last 10 ticks (to tick 100), 0 per tick, at most 0; total 5',
    });
    // tickEnd moves the window: (45, 55] holds the spend at 50.
    expect(runaway.check(viewOf(t), { tickEnd: 55 })).toMatchObject({
      status: 'fails',
      records: [4],
      metrics: { windowTicks: 6 },
    });
  });

  it('holds for a run that ended quiescent: nothing more will be spent', () => {
    const t = traceOf([{ id: 'a' }], periodic(10), { stop: 'quiescent' });
    expect(runaway.check(viewOf(t))).toMatchObject({
      status: 'holds',
      summary:
        '1 spent in the last 10 ticks (to tick 100), 0.1 per tick, but the run ended quiescent, so nothing more is spent; total 10',
    });
  });

  it('keeps one point per tick, and at most pointsMax by grouping ticks into equal spans', () => {
    const records = Array.from({ length: 10 }, (_, i) => done(i + 1, 'a', 1, i + 1));
    records.splice(3, 0, done(3, 'a', 0.5, 3.5));
    const t = traceOf([{ id: 'a' }], records);
    const points = runaway.check(viewOf(t)).metrics?.['points'] as [number, number][];
    expect(points.length).toBe(10);
    expect(points.slice(1, 4)).toEqual([
      [2, 2],
      [3, 3.5],
      [4, 4.5],
    ]);
    // Ticks 0..10 in spans of ceil(11 / 3) = 4: [0, 3], [4, 7], [8, 11], each keeping its last pair.
    expect(runaway.check(viewOf(t), { pointsMax: 3 }).metrics?.['points']).toEqual([
      [3, 3.5],
      [7, 7.5],
      [10, 10.5],
    ]);
  });
});

describe('load-amplification', () => {
  const req = (tick: number, request: string, peer = 'service'): Rec => ({
    tick,
    kind: 'send',
    agent: 'client',
    peer,
    data: { type: 'request', request },
  });
  const agents = [{ id: 'client' }, { id: 'service' }, { id: 'db' }];

  it('divides attempts at the service by distinct requests, and shows the most retried one', () => {
    const t = traceOf(agents, [
      req(1, 'r1'),
      req(2, 'r2'),
      req(3, 'r1'),
      { tick: 3, kind: 'send', agent: 'client', peer: 'service', data: { type: 'ping' } },
      {
        tick: 4,
        kind: 'send',
        agent: 'service',
        peer: 'client',
        data: { type: 'reply', request: 'r1' },
      },
      req(5, 'r1'),
      req(5, 'r3', 'db'),
    ]);
    expect(loadAmplification.check(viewOf(t))).toEqual({
      property: 'load-amplification',
      status: 'holds',
      summary: '4 attempts at service for 2 requests: 2 per request (at most 3 for one)',
      records: [0, 2, 5],
      metrics: { attempts: 4, requests: 2, ratio: 2, attemptsMax: 3 },
    });
    expect(loadAmplification.check(viewOf(t), { ratioMax: 1.5 })).toMatchObject({
      status: 'fails',
      summary: '4 attempts at service for 2 requests: 2 per request (at most 3 for one), above 1.5',
    });
  });

  it('reads another service and id field when told', () => {
    const t = traceOf(agents, [
      { tick: 1, kind: 'send', agent: 'client', peer: 'db', data: { type: 'q', key: 7 } },
      { tick: 2, kind: 'send', agent: 'client', peer: 'db', data: { type: 'q', key: 7 } },
      { tick: 2, kind: 'send', agent: 'client', peer: 'db', data: { type: 'q', key: 8 } },
    ]);
    expect(loadAmplification.check(viewOf(t), { service: 'db', idField: 'key' }).metrics).toEqual({
      attempts: 3,
      requests: 2,
      ratio: 1.5,
      attemptsMax: 2,
    });
    expect(loadAmplification.check(viewOf(t)).metrics).toEqual({
      attempts: 0,
      requests: 0,
      ratio: 0,
      attemptsMax: 0,
    });
  });
});
