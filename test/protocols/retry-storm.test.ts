import { describe, expect, it } from 'vitest';
import { retryStorm } from '../../scenarios/protocols/retry-storm.ts';
import { budget, loadAmplification, runaway } from '../../sim/checkers/spend.ts';
import {
  type AgentSpec,
  type Json,
  runScenario,
  type Scenario,
  type Trace,
  type TraceRecord,
  viewOf,
} from '../../sim/index.ts';

/**
 * A chain of `layers` clients in front of a service; the first client issues
 * requests. `client` params go to every client, `origin` ones to the first.
 */
function chain(opts: {
  layers?: number;
  client?: Record<string, Json>;
  origin?: Record<string, Json>;
  service?: Record<string, Json>;
  budget?: number;
  dropRatio?: number;
  ticksMax?: number;
}): Scenario {
  const layers = opts.layers ?? 1;
  const agents: AgentSpec[] = [];
  for (let i = 1; i <= layers; i++)
    agents.push({
      id: layers === 1 ? 'client' : `layer${i}`,
      protocol: retryStorm,
      params: { ...opts.client, ...(i === 1 ? opts.origin : {}) },
      ...(i === 1 && opts.budget !== undefined ? { budget: opts.budget } : {}),
    });
  agents.push({ id: 'service', protocol: retryStorm, params: opts.service ?? {} });
  return {
    name: 'retry-storm',
    agents,
    network: { defaults: { dropRatio: opts.dropRatio ?? 0 } },
    limits: { ticksMax: opts.ticksMax ?? 1000 },
  };
}

/** The origin's end-of-request notes. */
interface Outcome {
  request: string;
  ok: boolean;
  tries: number;
  why?: string;
  tick: number;
}
function outcomes(trace: Trace): Outcome[] {
  const out: Outcome[] = [];
  for (const r of trace.records()) {
    const d = r.data as Record<string, Json> | undefined;
    if (r.kind === 'note' && d !== undefined && d !== null && 'request' in d)
      out.push({ ...(d as unknown as Omit<Outcome, 'tick'>), tick: r.tick });
  }
  return out;
}

/** Attempts at the service per tick (sends to it). */
function attemptsPerTick(records: readonly TraceRecord[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of records)
    if (r.kind === 'send' && r.peer === 'service') m.set(r.tick, (m.get(r.tick) ?? 0) + 1);
  return m;
}

/** Requests waiting at the service after all records of `tick`: delivered to it minus answered. */
function queueAt(records: readonly TraceRecord[], tick: number): number {
  let q = 0;
  for (const r of records) {
    if (r.tick > tick) break;
    if (r.kind === 'deliver' && r.agent === 'service') q++;
    if (r.kind === 'send' && r.agent === 'service') q--;
  }
  return q;
}

/** Request `client:n` is issued at tick floor((n - 1) / perTick), perTick a tick from tick 0. */
const issuedAt = (request: string, perTick: number) =>
  Math.floor((Number(request.split(':')[1]) - 1) / perTick);

/**
 * The storm: 6 requests per tick against capacity 10, 3 retries after a
 * 10-tick timeout, and a trigger window [100, 150) in which the service fails
 * everything it serves.
 */
const LOAD = 6;
const CAPACITY = 10;
const RETRIES = 3;
const TIMEOUT = 10;
const FAIL_START = 100;
const FAIL_END = 150;
const CAP_TICKS = 64;
function storm(client: Record<string, Json>, extra: { budget?: number } = {}): Scenario {
  return chain({
    client: { retriesMax: RETRIES, timeoutTicks: TIMEOUT, ...client },
    origin: { requestsPerTick: LOAD },
    service: { capacityPerTick: CAPACITY, failTickStart: FAIL_START, failTickEnd: FAIL_END },
    ...extra,
  });
}
const MITIGATED = {
  backoff: 'full-jitter',
  baseTicks: 2,
  capTicks: CAP_TICKS,
  retryBudgetRatio: 0.1,
};

describe('retry storm', () => {
  it('layered retries multiply attempts: L layers retrying r times make (r + 1)^L attempts per request at a failed service', () => {
    for (const layers of [1, 2, 3])
      for (const r of [1, 2, 3]) {
        const run = runScenario(
          chain({
            layers,
            client: { retriesMax: r, timeoutTicks: 100_000 },
            origin: { requestsPerTick: 1, requestsMax: 4 },
            service: { failTickStart: 0, failTickEnd: 10_000 },
            ticksMax: 20_000,
          }),
          { seed: 1 },
        );
        const at = `L = ${layers}, r = ${r}, seed 1`;
        const perRequest = (r + 1) ** layers;
        const view = viewOf(run.trace);
        expect(loadAmplification.check(view).metrics, at).toEqual({
          attempts: 4 * perRequest,
          requests: 4,
          ratio: perRequest,
          attemptsMax: perRequest,
        });
        expect(loadAmplification.check(view, { ratioMax: perRequest }).status, at).toBe('holds');
        expect(loadAmplification.check(view, { ratioMax: perRequest - 1 }).status, at).toBe(
          'fails',
        );
        // The origin gave up on each request after its own r + 1 tries.
        expect(
          outcomes(run.trace).map((o) => [o.ok, o.tries, o.why]),
          at,
        ).toEqual(Array.from({ length: 4 }, () => [false, r + 1, 'retries']));
      }
  });

  it('stays overloaded after the trigger is gone with immediate retries and no budget: a metastable failure', () => {
    // Deterministic (no draws: immediate retries, constant latency, no loss), so one seed tells all.
    // During the trigger every attempt fails and is retried at once: 6 x 4 = 24 arrivals a tick
    // against 10 served, so the backlog grows by 14 a tick. Once it holds more than
    // CAPACITY x TIMEOUT requests, every attempt waits past its timeout; the service still serves
    // (wasted work) but every request now fails after 4 tries, which keeps arrivals at 24 a tick:
    // the trigger is gone and the overload stays.
    const run = runScenario(storm({}), { seed: 1 });
    const records = [...run.trace.records()];
    const backlogAtEnd = queueAt(records, FAIL_END);
    expect(backlogAtEnd, 'seed 1').toBeGreaterThan(CAPACITY * TIMEOUT);
    const perTick = attemptsPerTick(records);
    for (let t = 200; t <= 1000; t++)
      expect(perTick.get(t), `attempts at tick ${t}, seed 1`).toBe(LOAD * (RETRIES + 1));
    expect(queueAt(records, 1000) - queueAt(records, 300)).toBe(
      (LOAD * (RETRIES + 1) - CAPACITY) * 700,
    );
    const done = outcomes(run.trace);
    const succeeded = done.filter((o) => o.ok);
    expect(Math.max(...succeeded.map((o) => issuedAt(o.request, LOAD)))).toBeLessThan(FAIL_START);
    // A request issued at s fails at its 4th timeout, s + 40: every request issued in [150, 960]
    // has ended, and none after.
    const late = done.filter((o) => issuedAt(o.request, LOAD) >= FAIL_END);
    expect(late.length).toBe((1000 - (RETRIES + 1) * TIMEOUT - FAIL_END + 1) * LOAD);
    expect(late.every((o) => !o.ok && o.tries === RETRIES + 1 && o.why === 'retries')).toBe(true);
    expect(loadAmplification.check(viewOf(run.trace)).metrics?.['attemptsMax']).toBe(RETRIES + 1);
  });

  it('recovers with full-jitter backoff and a retry budget: the load returns to the base load and requests succeed again', () => {
    // The budget (0.1 token per request, at most 10) allows in k ticks at most 10 + 0.6 k retries,
    // so at most 6.6 k + 10 arrivals against 10 k served: the backlog never passes 16, an attempt
    // waits at most 2 ticks and its round trip (1 + 2 + 1 ticks) beats the 10-tick timeout. So
    // nothing times out, failures come only from the trigger, every request issued from tick 150
    // on succeeds at its first try, and every call open at tick 150 is over by
    // 150 + 4 + 64 + 4 = 222 (one answer, one backoff of at most capTicks, one more answer).
    // From then on the service sees exactly the new requests: 6 a tick.
    const recovered = 150 + 4 + CAP_TICKS + 4;
    for (let seed = 1; seed <= 12; seed++) {
      const at = `seed ${seed} (runScenario(storm(MITIGATED), { seed: ${seed} }))`;
      const run = runScenario(storm(MITIGATED), { seed });
      const records = [...run.trace.records()];
      const timeouts = records.filter(
        (r) => r.kind === 'timer.fire' && String(r.data).startsWith('timeout-'),
      );
      expect(timeouts.length, at).toBe(0);
      const service = run.agents[1]?.context as { service: { queueLengthMax: number } };
      expect(service.service.queueLengthMax, at).toBeLessThanOrEqual(16);
      const perTick = attemptsPerTick(records);
      for (let t = recovered; t <= 1000; t++) expect(perTick.get(t), `tick ${t}, ${at}`).toBe(LOAD);
      // Every request issued in [150, 996] has ended (4 ticks each), at its first try.
      const after = outcomes(run.trace).filter((o) => {
        const s = issuedAt(o.request, LOAD);
        return s >= FAIL_END && s <= 1000 - 4;
      });
      expect(after.length, at).toBe((1000 - 4 - FAIL_END + 1) * LOAD);
      expect(
        after.every((o) => o.ok && o.tries === 1),
        at,
      ).toBe(true);
      // The budget's bound: retries <= ratio x requests (it starts empty).
      const { attempts, requests } = loadAmplification.check(viewOf(run.trace)).metrics as {
        attempts: number;
        requests: number;
      };
      expect(attempts - requests, at).toBeLessThanOrEqual(0.1 * requests);
    }
  });

  it('does not recover with jitter alone: jitter spreads the retries but every request still makes r + 1 attempts', () => {
    for (let seed = 1; seed <= 2; seed++) {
      const at = `seed ${seed}`;
      const run = runScenario(
        storm({ backoff: 'full-jitter', baseTicks: 2, capTicks: CAP_TICKS }),
        { seed },
      );
      const records = [...run.trace.records()];
      const done = outcomes(run.trace);
      expect(done.filter((o) => o.ok && issuedAt(o.request, LOAD) >= FAIL_START).length, at).toBe(
        0,
      );
      // A request takes at most 4 timeouts and 3 backoffs of at most capTicks: every request
      // issued in [150, 1000 - 40 - 192] has ended, each after 4 tries.
      const last = 1000 - (RETRIES + 1) * TIMEOUT - RETRIES * CAP_TICKS;
      const late = done.filter((o) => {
        const s = issuedAt(o.request, LOAD);
        return s >= FAIL_END && s <= last;
      });
      expect(late.length, at).toBe((last - FAIL_END + 1) * LOAD);
      expect(
        late.every((o) => !o.ok && o.tries === RETRIES + 1),
        at,
      ).toBe(true);
      const q = [FAIL_END, 300, 1000].map((t) => queueAt(records, t));
      expect(q[0], at).toBeGreaterThan(CAPACITY * TIMEOUT);
      expect(q[1], at).toBeGreaterThan(q[0] as number);
      expect(q[2], at).toBeGreaterThan(q[1] as number);
    }
  });

  it('opens the circuit breaker after exactly breakerFailures failures, and probes once per open period', () => {
    // One request a tick, no retries, a breaker of 5 failures, 20 ticks open, 1 probe; the service
    // fails [0, 100). Request t is sent at t, served at t + 2 and answered at t + 3; the 5th
    // failure (request 4) arrives at 7 and opens it, requests 5 and 6 are already out (their
    // failures arrive while open and are ignored). Each probe sent at h (half-open) is answered at
    // h + 3: it fails while the service does, and reopens the breaker; the probe at 119 succeeds.
    const run = runScenario(
      chain({
        client: { retriesMax: 0, breakerFailures: 5, breakerOpenTicks: 20 },
        origin: { requestsPerTick: 1, requestsMax: 150 },
        service: { failTickStart: 0, failTickEnd: 100 },
      }),
      { seed: 1 },
    );
    const records = [...run.trace.records()];
    const transitions = records
      .filter((r) => r.kind === 'note' && 'breaker' in (r.data as object))
      .map((r) => `${(r.data as { breaker: string }).breaker}@${r.tick}`);
    expect(transitions).toEqual([
      'open@7',
      'half-open@27',
      'open@30',
      'half-open@50',
      'open@53',
      'half-open@73',
      'open@76',
      'half-open@96',
      'open@99',
      'half-open@119',
      'closed@122',
    ]);
    const sent = records
      .filter((r) => r.kind === 'send' && r.peer === 'service')
      .map((r) => r.tick);
    const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    expect(sent).toEqual([...range(0, 7), 27, 50, 73, 96, 119, ...range(122, 150)]);
    const why = outcomes(run.trace).filter((o) => !o.ok);
    expect(why.filter((o) => o.why === 'retries').length).toBe(7 + 4);
    expect(why.filter((o) => o.why === 'breaker').length).toBe(150 - 7 - 5 - 28);
  });

  it('bills every attempt: the runaway checker sees the storm spend 24 a tick, the recovered system 6, and a hard budget caps the bill', () => {
    const storming = runScenario(storm({ costPerAttempt: 1 }), { seed: 1 });
    const calm = runScenario(storm({ ...MITIGATED, costPerAttempt: 1 }), { seed: 1 });
    // The last tenth of the run, ticks (900, 1000]: 100 ticks of 24 attempts, or of 6.
    const rateMax = LOAD; // what the base load costs a tick
    expect(runaway.check(viewOf(storming.trace), { rateMax })).toMatchObject({
      status: 'fails',
      metrics: { slope: LOAD * (RETRIES + 1), windowTicks: 100 },
    });
    expect(runaway.check(viewOf(calm.trace), { rateMax })).toMatchObject({
      status: 'holds',
      metrics: { slope: LOAD },
    });
    // A budget of 3,000 on the origin: exactly 3,000 attempts are paid, the rest refused and
    // never sent; past it every call fails at once ('spend').
    const capped = runScenario(storm({ costPerAttempt: 1 }, { budget: 3000 }), { seed: 1 });
    const view = viewOf(capped.trace);
    const verdict = budget.check(view);
    expect(verdict.status).toBe('holds');
    expect(verdict.metrics?.['total']).toBe(3000);
    expect(loadAmplification.check(view).metrics?.['attempts']).toBe(3000);
    const refused = verdict.metrics?.['refusals'] as number;
    expect(outcomes(capped.trace).filter((o) => o.why === 'spend').length).toBe(refused);
    expect(refused).toBeGreaterThan(0);
  });

  it('answers a request that finds queueMax requests waiting with a failure at once', () => {
    // 5 requests sent at tick 0 arrive together at tick 1: 2 queue, 3 are turned away (answered
    // at once, failing at tick 2); capacity 1 serves the 2 at ticks 2 and 3, answered at 3 and 4.
    const run = runScenario(
      chain({
        client: { retriesMax: 0 },
        origin: { requestsPerTick: 5, requestsMax: 5 },
        service: { capacityPerTick: 1, queueMax: 2 },
      }),
      { seed: 1 },
    );
    expect(outcomes(run.trace).map((o) => [o.request, o.ok, o.tick])).toEqual([
      ['client:3', false, 2],
      ['client:4', false, 2],
      ['client:5', false, 2],
      ['client:1', true, 3],
      ['client:2', true, 4],
    ]);
  });

  it('keeps its golden trace hash and replays byte for byte', () => {
    const scenario = chain({
      layers: 2,
      client: {
        retriesMax: 2,
        timeoutTicks: 12,
        backoff: 'decorrelated-jitter',
        baseTicks: 1,
        capTicks: 16,
        retryBudgetRatio: 0.2,
        retryBudgetTokensMax: 3,
        breakerFailures: 4,
        breakerOpenTicks: 10,
        costPerAttempt: 0.5,
      },
      origin: { requestsPerTick: 2 },
      service: { capacityPerTick: 3, failTickStart: 20, failTickEnd: 40 },
      budget: 60,
      dropRatio: 0.1,
      ticksMax: 80,
    });
    const first = runScenario(scenario, { seed: 7 }).trace;
    expect(runScenario(scenario, { seed: 7 }).trace.toJSONL()).toBe(first.toJSONL());
    expect(first.hash()).toBe('2964c4617e4c2b24d8983d23487354d4db484627985cd9858140cbd3ad5fcb04');
  });
});
