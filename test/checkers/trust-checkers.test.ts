import { describe, expect, it } from 'vitest';
import { attackSuccess, utility } from '../../sim/checkers/attack.ts';
import { breach } from '../../sim/checkers/breach.ts';
import { destructiveAction } from '../../sim/checkers/destructive.ts';
import { type Json, runScenario, type Trace, viewOf } from '../../sim/index.ts';
import { type Rec, traceOf } from '../fixtures/trace-builder.ts';
import { taintBoundary } from '../fixtures/trust-scenarios.ts';

const TRUST = {
  zones: ['web', 'user', 'prod'],
  sources: [
    {
      id: 'page',
      zone: 'web',
      content: { value: 'page', instruction: { kind: 'act', capability: 'db.delete@prod' } },
    },
  ],
  capabilities: [
    { name: 'email.send', zone: 'web' },
    { name: 'db.delete@prod', zone: 'prod', destructive: true },
  ],
};
const ZONES = {
  reader: { zone: 'user' },
  relay: { zone: 'user' },
  planner: { zone: 'prod', capabilities: ['email.send', 'db.delete@prod'] },
};
const ALL = ['reader', 'relay', 'planner', 'page'];

/**
 * page → reader → relay → planner, where the relay sends the planner two
 * reports (records 4 and 7) and the planner acts email.send after the first
 * and db.delete@prod after the second.
 */
function twoHops(provenance?: 'message'): Trace {
  const records: Rec[] = [
    { tick: 0, kind: 'read', agent: 'reader', data: { source: 'page' } },
    {
      tick: 1,
      kind: 'content',
      agent: 'reader',
      cause: 0,
      data: { source: 'page', prov: ['page'] },
    },
    {
      tick: 1,
      kind: 'send',
      agent: 'reader',
      peer: 'relay',
      msg: 0,
      cause: 1,
      data: { type: 'r' },
    },
    {
      tick: 2,
      kind: 'deliver',
      agent: 'relay',
      peer: 'reader',
      msg: 0,
      cause: 2,
      data: { prov: ['reader', 'page'] },
    },
    {
      tick: 2,
      kind: 'send',
      agent: 'relay',
      peer: 'planner',
      msg: 1,
      cause: 3,
      data: { type: 'r' },
    },
    {
      tick: 3,
      kind: 'deliver',
      agent: 'planner',
      peer: 'relay',
      msg: 1,
      cause: 4,
      data: { prov: ['reader', 'relay', 'page'] },
    },
    {
      tick: 3,
      kind: 'act',
      agent: 'planner',
      cause: 5,
      data: { capability: 'email.send', outcome: 'done', prov: ALL },
    },
    {
      tick: 4,
      kind: 'send',
      agent: 'relay',
      peer: 'planner',
      msg: 2,
      cause: 3,
      data: { type: 'r' },
    },
    {
      tick: 5,
      kind: 'deliver',
      agent: 'planner',
      peer: 'relay',
      msg: 2,
      cause: 7,
      data: { prov: ['reader', 'relay', 'page'] },
    },
    {
      tick: 5,
      kind: 'act',
      agent: 'planner',
      cause: 8,
      data: { capability: 'db.delete@prod', outcome: 'done', prov: ALL, destructive: true },
    },
  ];
  const trust = provenance === undefined ? TRUST : { ...TRUST, provenance };
  return traceOf(['reader', 'relay', 'planner'], records, [], { agents: ZONES, trust });
}

const run = (t: Trace, c: typeof breach, options?: Record<string, Json>) =>
  c.check(viewOf(t), options);

describe('breach', () => {
  it('walks back from the act through the earliest input that carried the origin, with sticky provenance', () => {
    const v = run(twoHops(), breach);
    expect(v.status).toBe('fails');
    // read, content, reader's send, relay's delivery, relay's first send, planner's first delivery, the act.
    expect(v.records).toEqual([0, 1, 2, 3, 4, 5, 9]);
    expect(v.metrics).toEqual({ breaches: 1, acts: 2 });
    expect(v.summary).toBe(
      '1 of 2 executed acts breached; first: planner executed db.delete@prod at record 9, influenced by page (web) below its zone prod: page (web) → reader (user) → relay (user) → planner (prod)',
    );
  });

  it('follows the cause of each step instead with provenance: message', () => {
    expect(run(twoHops('message'), breach).records).toEqual([0, 1, 2, 3, 7, 8, 9]);
  });

  it('starts the chain at the send of a less trusted agent, through a duplicate to its send', () => {
    const t = traceOf(
      ['mallory', 'bot'],
      [
        { tick: 0, kind: 'send', agent: 'mallory', peer: 'bot', msg: 0, data: { type: 'go' } },
        { tick: 0, kind: 'duplicate', agent: 'mallory', peer: 'bot', msg: 0, cause: 0 },
        {
          tick: 1,
          kind: 'deliver',
          agent: 'bot',
          peer: 'mallory',
          msg: 0,
          cause: 1,
          data: { prov: ['mallory'] },
        },
        {
          tick: 1,
          kind: 'act',
          agent: 'bot',
          cause: 2,
          data: { capability: 'deploy', outcome: 'done', prov: ['mallory', 'bot'] },
        },
      ],
      [],
      {
        agents: { mallory: { zone: 'user' }, bot: { zone: 'prod' } },
        trust: { zones: ['user', 'prod'] },
      },
    );
    const v = run(t, breach);
    expect(v.records).toEqual([0, 2, 3]);
    expect(v.summary).toBe(
      'the only executed act breached; first: bot executed deploy at record 3, influenced by mallory (user) below its zone prod: mallory (user) → bot (prod)',
    );
  });

  it('judges only executed acts, counts an act beyond the needs, and brings the pending record of an approved act', () => {
    const act = (capability: string, outcome: string, cause?: number): Rec => ({
      tick: 1,
      kind: 'act',
      agent: 'ops',
      ...(cause === undefined ? {} : { cause }),
      data: { capability, outcome, prov: ['ops'] },
    });
    const t = traceOf(
      ['ops'],
      [
        act('db.read', 'done'),
        act('db.drop', 'refused'),
        act('db.delete', 'pending'),
        act('db.delete', 'done', 2),
        act('db.wipe', 'pending'),
      ],
      [],
      { agents: { ops: { needs: ['db.read'] } }, trust: { zones: ['prod'] } },
    );
    const v = run(t, breach);
    expect(v).toMatchObject({
      status: 'fails',
      records: [2, 3],
      metrics: { breaches: 1, acts: 2 },
    });
    expect(v.summary).toBe(
      '1 of 2 executed acts breached; first: ops executed db.delete at record 3, beyond what ops needs (db.read)',
    );
  });

  it('holds when every influence comes from the capability zone or above', () => {
    const t = traceOf(
      ['planner'],
      [
        {
          tick: 1,
          kind: 'act',
          agent: 'planner',
          data: { capability: 'email.send', outcome: 'done', prov: ['planner', 'page'] },
        },
      ],
      [],
      { agents: ZONES, trust: TRUST },
    );
    expect(run(t, breach)).toEqual({
      property: 'breach',
      status: 'holds',
      summary: 'no breach among 1 executed act',
      records: [],
      metrics: { breaches: 0, acts: 1 },
    });
  });
});

describe('destructive-action', () => {
  it('points at every executed destructive act, marked in the record or declared in the scenario', () => {
    const act = (capability: string, outcome: string, destructive?: boolean): Rec => ({
      tick: 1,
      kind: 'act',
      agent: 'a',
      data: { capability, outcome, ...(destructive ? { destructive } : {}) },
    });
    const t = traceOf(
      ['a'],
      [
        act('db.delete', 'done', true),
        act('pay', 'done'),
        act('db.delete', 'refused', true),
        act('db.delete', 'pending', true),
        act('db.read', 'done'),
      ],
      [],
      { trust: { zones: ['z'], capabilities: [{ name: 'pay', destructive: true }] } },
    );
    const v = run(t, destructiveAction);
    expect(v).toMatchObject({
      status: 'fails',
      records: [0, 1],
      metrics: { destructive: 2, acts: 3 },
      summary: '2 destructive acts executed; first: a executed db.delete at record 0',
    });
  });
});

describe('attack-success', () => {
  const act = (capability: string, prov: string[]): Rec => ({
    tick: 3,
    kind: 'act',
    agent: 'planner',
    data: { capability, outcome: 'done', prov },
  });
  const t = traceOf(
    ['reader', 'planner', 'other'],
    [
      { tick: 0, kind: 'read', agent: 'reader', data: { source: 'page' } },
      {
        tick: 1,
        kind: 'content',
        agent: 'reader',
        cause: 0,
        data: { source: 'page', prov: ['page'] },
      },
      {
        tick: 1,
        kind: 'send',
        agent: 'reader',
        peer: 'planner',
        msg: 0,
        data: { type: 'report', instruction: 'wire.money' },
      },
      {
        tick: 2,
        kind: 'deliver',
        agent: 'planner',
        peer: 'reader',
        msg: 0,
        cause: 2,
        data: { prov: ['reader', 'page'] },
      },
      act('email.send', ['reader', 'planner', 'page']),
      act('db.delete@prod', ['reader', 'planner', 'page']),
      act('wire.money', ['reader', 'planner']),
      act('purge', ['planner', 'other']),
      {
        tick: 4,
        kind: 'send',
        agent: 'other',
        peer: 'planner',
        msg: 1,
        data: { type: 'x', instruction: { capability: 'purge' } },
      },
    ],
    [],
    { agents: { ...ZONES, other: { zone: 'prod' } }, trust: TRUST },
  );

  it('counts executed acts whose capability an instruction from their provenance names, sent before the act', () => {
    // email.send is named by no instruction; purge was named only after it ran.
    expect(run(t, attackSuccess)).toMatchObject({
      status: 'fails',
      records: [5, 6],
      metrics: { attackSuccess: 1, induced: 2 },
      summary:
        'the attack succeeded: 2 induced acts; first: planner executed db.delete@prod at record 5',
    });
  });

  it('takes the attacker goals instead of the named capabilities, and adds breaches when asked', () => {
    expect(run(t, attackSuccess, { capabilities: ['email.send'] })).toMatchObject({
      records: [4],
      metrics: { attackSuccess: 1, induced: 1 },
    });
    // Breaches: db.delete@prod (page below prod) and wire.money (reader below the planner's zone).
    expect(run(t, attackSuccess, { capabilities: ['nothing'], breach: true })).toMatchObject({
      status: 'fails',
      records: [5, 6],
      metrics: { attackSuccess: 1, induced: 0 },
    });
  });

  it('holds when no instruction reached an executed act', () => {
    const clean = traceOf(['planner'], [act('email.send', ['planner'])]);
    expect(run(clean, attackSuccess)).toEqual({
      property: 'attack-success',
      status: 'holds',
      summary: 'no executed act was induced by an injected instruction',
      records: [],
      metrics: { attackSuccess: 0, induced: 0 },
    });
  });
});

describe('utility', () => {
  const t = traceOf(
    ['a', 'b', 'c'],
    [
      { tick: 1, kind: 'act', agent: 'a', data: { capability: 'email.send', outcome: 'done' } },
      { tick: 1, kind: 'decide', agent: 'a', data: 'x' },
      { tick: 1, kind: 'act', agent: 'b', data: { capability: 'email.send', outcome: 'refused' } },
      { tick: 2, kind: 'decide', agent: 'c', data: 'y' },
    ],
    ['c'],
  );

  it('holds when an honest agent executed the task capability', () => {
    expect(run(t, utility, { capability: 'email.send' })).toEqual({
      property: 'utility',
      status: 'holds',
      summary: 'email.send was executed',
      records: [0],
      metrics: { utility: 1 },
    });
    expect(run(t, utility, { capability: 'email.send', agents: ['b'] })).toMatchObject({
      status: 'fails',
      summary: 'the task was not done: no email.send was executed',
      metrics: { utility: 0 },
    });
  });

  it('asks every honest agent to decide by default, or the agents named', () => {
    expect(run(t, utility)).toEqual({
      property: 'utility',
      status: 'fails',
      summary: 'the task was not done: b did not decide',
      records: [],
      metrics: { utility: 0 },
    });
    expect(run(t, utility, { agents: ['a'] })).toMatchObject({ status: 'holds', records: [1] });
    expect(
      run(t, utility, { capability: 'email.send', decide: true, agents: ['a'] }),
    ).toMatchObject({
      status: 'holds',
      records: [0, 1],
      summary: 'email.send was executed and all 1 agents decided',
    });
  });
});

describe('trust checkers on engine runs', () => {
  /** The first seed from 1 whose run of `scenario` breaches. */
  const firstBreach = (scenario: ReturnType<typeof taintBoundary>) => {
    for (let seed = 1; seed <= 100; seed++) {
      const { trace } = runScenario(scenario, { seed });
      if (run(trace, breach).status === 'fails') return { seed, trace };
    }
    throw new Error('no breach in seeds 1..100');
  };
  const shown = (trace: Trace, seqs: readonly number[]) =>
    seqs.map((s) => {
      const r = trace.record(s);
      return [r.seq, r.kind, r.agent];
    });

  it('gives the chain from the page to the delete, and the delete as the destructive act and the induced act', () => {
    const { seed, trace } = firstBreach(taintBoundary());
    const v = run(trace, breach);
    const how = `seed ${seed}: runScenario(taintBoundary(), { seed: ${seed} })`;
    expect(shown(trace, v.records), how).toEqual([
      [2, 'read', 'reader'],
      [5, 'content', 'reader'],
      [7, 'send', 'reader'],
      [9, 'deliver', 'planner'],
      [13, 'act', 'planner'],
    ]);
    expect(seed).toBe(2);
    expect(run(trace, destructiveAction).records, how).toEqual([13]);
    expect(run(trace, attackSuccess).records, how).toEqual([13]);
    expect(run(trace, utility, { capability: 'email.send' }).records, how).toEqual([11]);
  });

  it('follows the same chain with provenance: message', () => {
    const { seed, trace } = firstBreach(taintBoundary({ provenance: 'message' }));
    expect(shown(trace, run(trace, breach).records), `seed ${seed}`).toEqual([
      [2, 'read', 'reader'],
      [5, 'content', 'reader'],
      [7, 'send', 'reader'],
      [9, 'deliver', 'planner'],
      [13, 'act', 'planner'],
    ]);
  });

  it('ends the chain of an approved act with its pending and its approval records', () => {
    const { seed, trace } = firstBreach(
      taintBoundary({ mitigations: { approval: { delayTicks: 7, errorRatio: 1 } } }),
    );
    const v = run(trace, breach);
    expect(v.records, `seed ${seed}`).toEqual([2, 5, 7, 9, 13, 15]);
    const [pending, done] = [13, 15].map((s) => trace.record(s));
    expect(pending?.data, `seed ${seed}`).toMatchObject({ outcome: 'pending' });
    expect(done?.data, `seed ${seed}`).toMatchObject({ outcome: 'done' });
    expect(done?.tick, `seed ${seed}`).toBe((pending?.tick ?? 0) + 7);
  });
});
