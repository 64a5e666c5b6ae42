import { describe, expect, it } from 'vitest';
import { runScenario, type Scenario, type TraceRecord } from '../../sim/index.ts';
import { probe } from '../fixtures/probe.ts';

const sender = (targets: string[], rounds = 100) => ({
  protocol: probe,
  params: { targets, periodTicks: 1, rounds },
});

const byKind = (records: TraceRecord[], kind: string) => records.filter((r) => r.kind === kind);
/** Send tick of each message id. */
const sendTicks = (records: TraceRecord[]) =>
  new Map(byKind(records, 'send').map((r) => [r.msg as number, r.tick]));

describe('partitions', () => {
  it('block exactly their links for exactly their window', () => {
    // a sends to b and c every tick, latency 1: a message sent at t arrives at t + 1.
    const scenario: Scenario = {
      name: 'partition-window',
      agents: [
        { id: 'a', ...sender(['b', 'c']) },
        { id: 'b', protocol: probe },
        { id: 'c', protocol: probe },
      ],
      faults: [{ kind: 'partition', groups: [['a', 'c'], ['b']], tickStart: 20, tickEnd: 50 }],
    };
    const records = [...runScenario(scenario, { seed: 1 }).trace.records()];
    const sentAt = sendTicks(records);
    const partitionDrops = byKind(records, 'drop').filter((r) => r.data === 'partition');
    // Cut at send time (t in [20, 50)) or at delivery (t + 1 in [20, 50)): t from 19 to 49.
    expect(partitionDrops.every((r) => r.peer === 'b')).toBe(true);
    expect(partitionDrops.map((r) => sentAt.get(r.msg as number))).toEqual(
      Array.from({ length: 31 }, (_, i) => 19 + i),
    );
    const toB = byKind(records, 'deliver').filter((r) => r.agent === 'b');
    expect(toB.length).toBe(100 - 31);
    expect(toB.some((r) => r.tick >= 20 && r.tick < 50)).toBe(false);
    // The link to c, on a's side of the cut, loses nothing.
    expect(byKind(records, 'deliver').filter((r) => r.agent === 'c').length).toBe(100);
    const [start] = byKind(records, 'partition');
    const [heal] = byKind(records, 'heal');
    expect([start?.tick, heal?.tick, heal?.cause]).toEqual([20, 50, start?.seq]);
  });

  it('can be one-way: from a to b is cut while b still reaches a', () => {
    const scenario: Scenario = {
      name: 'one-way',
      agents: [
        { id: 'a', ...sender(['b'], 10) },
        { id: 'b', ...sender(['a'], 10) },
      ],
      faults: [{ kind: 'partition', from: ['a'], to: ['b'], tickStart: 0 }],
    };
    const { agents, trace } = runScenario(scenario, { seed: 1 });
    const ctx = (id: string) => agents.find((a) => a.id === id)?.context as { heard: number };
    expect(ctx('a').heard).toBe(10);
    expect(ctx('b').heard).toBe(0);
    expect(byKind([...trace.records()], 'drop').length).toBe(10);
  });
});

describe('crashes', () => {
  const scenario: Scenario = {
    name: 'crash-restart',
    agents: [
      { id: 'a', ...sender(['b']) },
      { id: 'b', ...sender(['a'], 100) },
    ],
    faults: [{ kind: 'crash', agent: 'b', tick: 30, tickRestart: 60 }],
  };
  const result = runScenario(scenario, { seed: 1 });
  const records = [...result.trace.records()];

  it('lose every delivery to the crashed agent while it is down, and no other', () => {
    const lost = byKind(records, 'drop').filter((r) => r.data === 'crashed');
    // Deliveries due at ticks 30..59 (the crash comes before a delivery of the same tick, the restart too).
    expect(lost.map((r) => r.tick)).toEqual(Array.from({ length: 30 }, (_, i) => 30 + i));
    expect(lost.every((r) => r.peer === 'b')).toBe(true);
    expect(byKind(records, 'deliver').filter((r) => r.agent === 'b').length).toBe(70);
  });

  it('reset volatile state and keep what the protocol declared persistent', () => {
    const b = result.agents.find((a) => a.id === 'b')?.context as {
      heard: number;
      heardTotal: number;
      sent: number;
    };
    // Heard at ticks 1..29 before the crash, then 60..100 after it.
    expect(b.heardTotal).toBe(29 + 41);
    expect(b.heard).toBe(41);
    // The restarted agent began its rounds again from zero.
    expect(b.sent).toBe(100);
  });

  it('cancel the crashed agent’s timers: it fires none while down', () => {
    const fires = byKind(records, 'timer.fire').filter((r) => r.agent === 'b');
    expect(fires.some((r) => r.tick >= 30 && r.tick < 60)).toBe(false);
    const sends = byKind(records, 'send').filter((r) => r.agent === 'b');
    expect(sends.some((r) => r.tick >= 30 && r.tick < 60)).toBe(false);
    const [restart] = byKind(records, 'restart');
    expect(restart?.cause).toBe(byKind(records, 'crash')[0]?.seq);
  });

  it('of an agent at tick 0 keep it from ever starting unless it restarts', () => {
    const r = runScenario(
      { ...scenario, faults: [{ kind: 'crash', agent: 'b', tick: 0 }] },
      { seed: 1 },
    );
    expect(r.agents.find((a) => a.id === 'b')?.status).toBe('down');
    expect([...r.trace.records()].some((x) => x.kind === 'start' && x.agent === 'b')).toBe(false);
  });
});

describe('omission and clock skew', () => {
  it('omit sent messages with the configured ratio, inside the window only', () => {
    const scenario: Scenario = {
      name: 'omission',
      agents: [
        { id: 'a', ...sender(['b'], 4000) },
        { id: 'b', protocol: probe },
      ],
      faults: [{ kind: 'omission', agent: 'a', sendRatio: 0.25, tickStart: 1000, tickEnd: 3000 }],
    };
    const records = [...runScenario(scenario, { seed: 3 }).trace.records()];
    const sentAt = sendTicks(records);
    const omitted = byKind(records, 'drop').filter((r) => r.data === 'omission');
    expect(omitted.every((r) => (sentAt.get(r.msg as number) as number) >= 1000)).toBe(true);
    expect(omitted.every((r) => (sentAt.get(r.msg as number) as number) < 3000)).toBe(true);
    // 2000 sends in the window, each omitted with probability 0.25: 5 sd bound.
    expect(Math.abs(omitted.length - 500)).toBeLessThan(5 * Math.sqrt(2000 * 0.25 * 0.75));
  });

  it('make a skewed agent’s timers fire after ceil(ticks / rate) ticks', () => {
    const timers = (rate: number) => {
      const scenario: Scenario = {
        name: 'skew',
        agents: [
          { id: 'a', protocol: probe, params: { targets: ['b'], periodTicks: 10, rounds: 6 } },
          { id: 'b', protocol: probe },
        ],
        faults: [{ kind: 'skew', agent: 'a', rate, tickStart: 0, tickEnd: 25 }],
      };
      return byKind([...runScenario(scenario, { seed: 1 }).trace.records()], 'timer.fire').map(
        (r) => r.tick,
      );
    };
    expect(timers(1)).toEqual([10, 20, 30, 40, 50]);
    // Fast clock (rate 2): 5 ticks per timer while the skew holds (timers set at 0, 5, 10, 15, 20), then 10.
    expect(timers(2)).toEqual([5, 10, 15, 20, 25]);
    // Slow clock (rate 0.75): ceil(10 / 0.75) = 14 ticks; the timer set at tick 28 is after the skew.
    expect(timers(0.75)).toEqual([14, 28, 38, 48, 58]);
  });
});
