import { describe, expect, it } from 'vitest';
import { llmAssistant } from '../../scenarios/protocols/llm-assistant.ts';
import { attackSuccess, utility } from '../../sim/checkers/attack.ts';
import { breach } from '../../sim/checkers/breach.ts';
import { destructiveAction } from '../../sim/checkers/destructive.ts';
import { type Json, runScenario, type Scenario, viewOf } from '../../sim/index.ts';
import { binomialWithin } from '../fixtures/measure.ts';
import { confusedDeputy, taintBoundary } from '../fixtures/trust-scenarios.ts';

/** The planner's susceptibility, and to tagged input. */
const S = 0.4;
const T = 0.1;
/** Gateway detection and false positives; the human's error; the approval delay. */
const D = 0.7;
const FP = 0.2;
const E = 0.1;
const DELAY = 25;
/** Seeds per mitigation. */
const N = 2000;

/** What a sweep over seeds 1..n saw. */
interface Sweep {
  n: number;
  /** Seeds whose run breached, had an induced act, or executed a destructive act. */
  breach: number[];
  attack: number[];
  destructive: number[];
  /** Runs whose task capability was executed. */
  utility: number;
  /** Seeds with an act refused, by reason. */
  refused: Map<string, number[]>;
  /** Ticks from each pending act to its answer. */
  delays: Set<number>;
}

/** Runs `scenario` over seeds 1..n and judges each run with the trust checkers. */
function sweep(scenario: Scenario, n: number, task = 'email.send'): Sweep {
  const out: Sweep = {
    n,
    breach: [],
    attack: [],
    destructive: [],
    utility: 0,
    refused: new Map(),
    delays: new Set(),
  };
  for (let seed = 1; seed <= n; seed++) {
    const view = viewOf(runScenario(scenario, { seed }).trace);
    if (breach.check(view).status === 'fails') out.breach.push(seed);
    if (attackSuccess.check(view).status === 'fails') out.attack.push(seed);
    if (destructiveAction.check(view).status === 'fails') out.destructive.push(seed);
    if (utility.check(view, { capability: task }).status === 'holds') out.utility++;
    const acts = view.ofKind('act');
    for (const r of acts) {
      const d = r.data as { outcome: string; reason?: string };
      if (d.outcome === 'refused' && r.agent === 'planner') {
        const list = out.refused.get(d.reason as string) ?? [];
        if (list.at(-1) !== seed) list.push(seed);
        out.refused.set(d.reason as string, list);
      }
      const pending = acts.find((p) => p.seq === r.cause);
      if (pending !== undefined) out.delays.add(r.tick - pending.tick);
    }
  }
  return out;
}

/** The taint-boundary baseline (no mitigation) over 10,000 seeds, run once and shared. */
const BASELINE_SEEDS = 10_000;
let baselineRuns: Sweep | undefined;
function baselineSweep(): Sweep {
  baselineRuns ??= sweep(taintBoundary({ susceptibility: S }), BASELINE_SEEDS);
  return baselineRuns;
}
/** Seeds up to `n` whose baseline run breached. */
const baseline = (n: number) => baselineSweep().breach.filter((s) => s <= n);

/** An assertion message: the observed count, the model's rate, and how to reproduce. */
const rate = (what: string, count: number, n: number, p: number, how: string) =>
  `${what}: ${count}/${n} vs P = ${p}; reproduce: sweep(${how}, ${n}) in this file`;
const seedsMsg = (what: string, seeds: number[], how: string) =>
  `${what} at seeds ${seeds.slice(0, 5).join(', ')}; reproduce: runScenario(${how}, { seed })`;

describe('llm-assistant: taint boundary', () => {
  it('never breaches over 10,000 seeds with information-flow labels, and breaches at rate s without them', () => {
    const n = BASELINE_SEEDS;
    const open = baselineSweep();
    const how = `taintBoundary({ susceptibility: ${S} })`;
    // The reader relays the page's instruction every time; the planner follows it with s.
    expect(
      binomialWithin(open.breach.length, n, S),
      rate('breaches', open.breach.length, n, S, how),
    ).toBe(true);
    expect(open.attack, 'every breach is the induced delete').toEqual(open.breach);
    expect(open.utility, 'the email is always sent').toBe(n);
    const labels = sweep(taintBoundary({ susceptibility: S, mitigations: { labels: true } }), n);
    const how2 = `taintBoundary({ susceptibility: ${S}, mitigations: { labels: true } })`;
    expect(labels.breach, seedsMsg('breach', labels.breach, how2)).toEqual([]);
    // Same draws: the label refuses the delete on exactly the seeds where it got through before.
    expect(labels.refused.get('label'), how2).toEqual(open.breach);
    expect(labels.utility, 'email.send may be influenced by the web').toBe(n);
  });

  it('breaches at taggedSusceptibility when input is tagged, on a subset of the untagged seeds', () => {
    const open = baseline(N);
    const how = `taintBoundary({ susceptibility: ${S}, taggedSusceptibility: ${T}, mitigations: { tagging: true } })`;
    const tagged = sweep(
      taintBoundary({ susceptibility: S, taggedSusceptibility: T, mitigations: { tagging: true } }),
      N,
    );
    expect(
      binomialWithin(tagged.breach.length, N, T),
      rate('breaches', tagged.breach.length, N, T, how),
    ).toBe(true);
    expect(
      tagged.breach.every((s) => open.includes(s)),
      how,
    ).toBe(true);
    expect(tagged.utility).toBe(N);
  });

  it('lets a blocking gateway pass s (1 - detectRatio) of the attacks, and lose the task when it blocks', () => {
    const gateway = {
      zone: 'prod',
      detectRatio: D,
      falsePositiveRatio: FP,
      action: 'block',
    } as const;
    const how = `taintBoundary({ susceptibility: ${S}, mitigations: { gateway: ${JSON.stringify(gateway)} } })`;
    const g = sweep(taintBoundary({ susceptibility: S, mitigations: { gateway } }), N);
    const p = S * (1 - D);
    expect(
      binomialWithin(g.breach.length, N, p),
      rate('breaches', g.breach.length, N, p, how),
    ).toBe(true);
    // A blocked report never reaches the planner: no email.
    expect(binomialWithin(g.utility, N, 1 - D), rate('utility', g.utility, N, 1 - D, how)).toBe(
      true,
    );
    expect(
      g.breach.every((s) => baseline(N).includes(s)),
      how,
    ).toBe(true);
    // On a benign page only false positives cost: the task is lost with falsePositiveRatio.
    const benign = sweep(
      taintBoundary({ susceptibility: S, instruction: null, mitigations: { gateway } }),
      N,
    );
    expect(benign.breach).toEqual([]);
    expect(
      binomialWithin(benign.utility, N, 1 - FP),
      rate('benign utility', benign.utility, N, 1 - FP, `${how} with instruction: null`),
    ).toBe(true);
  });

  it('lets a stripping gateway pass s (1 - detectRatio) of the attacks and keeps the task', () => {
    const gateway = {
      zone: 'prod',
      detectRatio: D,
      falsePositiveRatio: 0,
      action: 'strip',
    } as const;
    const how = `taintBoundary({ susceptibility: ${S}, mitigations: { gateway: ${JSON.stringify(gateway)} } })`;
    const g = sweep(taintBoundary({ susceptibility: S, mitigations: { gateway } }), N);
    const p = S * (1 - D);
    expect(
      binomialWithin(g.breach.length, N, p),
      rate('breaches', g.breach.length, N, p, how),
    ).toBe(true);
    expect(g.utility).toBe(N);
  });

  it('never breaches with a quarantined reader, and keeps the task', () => {
    const how = `taintBoundary({ susceptibility: ${S}, quarantined: true })`;
    const q = sweep(taintBoundary({ susceptibility: S, quarantined: true }), N);
    expect(q.breach, seedsMsg('breach', q.breach, how)).toEqual([]);
    expect(q.attack, seedsMsg('attack', q.attack, how)).toEqual([]);
    expect(q.utility).toBe(N);
  });

  it('never breaches under least privilege: the delete is refused on the seeds where it ran before', () => {
    const how = `taintBoundary({ susceptibility: ${S}, needs: true, mitigations: { leastPrivilege: true } })`;
    const lp = sweep(
      taintBoundary({ susceptibility: S, needs: true, mitigations: { leastPrivilege: true } }),
      N,
    );
    expect(lp.breach, seedsMsg('breach', lp.breach, how)).toEqual([]);
    expect(lp.refused.get('capability'), how).toEqual(baseline(N));
    expect(lp.utility).toBe(N);
  });

  it('breaches at s x errorRatio under approval, each answer exactly delayTicks after the act', () => {
    const approval = { delayTicks: DELAY, errorRatio: E };
    const how = `taintBoundary({ susceptibility: ${S}, mitigations: { approval: ${JSON.stringify(approval)} } })`;
    const a = sweep(taintBoundary({ susceptibility: S, mitigations: { approval } }), N);
    const p = S * E;
    expect(
      binomialWithin(a.breach.length, N, p),
      rate('breaches', a.breach.length, N, p, how),
    ).toBe(true);
    expect(
      a.breach.every((s) => baseline(N).includes(s)),
      how,
    ).toBe(true);
    // Same draws: every delete the planner attempted is either rejected or (by mistake) approved.
    const answered = [...a.breach, ...(a.refused.get('approval') ?? [])].sort((x, y) => x - y);
    expect(answered, how).toEqual(baseline(N));
    expect([...a.delays]).toEqual([DELAY]);
  });

  it('approves a legitimate destructive act with 1 - errorRatio, after exactly delayTicks', () => {
    // An operator in prod deletes a table per a prod runbook: nothing untrusted influences it.
    const legit: Scenario = {
      name: 'legit-delete',
      agents: [
        {
          id: 'planner',
          protocol: llmAssistant,
          zone: 'prod',
          capabilities: ['db.delete@prod'],
          params: { role: 'planner', sources: ['runbook'], task: 'db.delete@prod' },
        },
      ],
      trust: {
        zones: ['web', 'prod'],
        sources: [{ id: 'runbook', zone: 'prod', content: { value: 'drop t1' } }],
        capabilities: [{ name: 'db.delete@prod', zone: 'prod', destructive: true }],
        mitigations: { approval: { delayTicks: DELAY, errorRatio: E } },
      },
    };
    const a = sweep(legit, N, 'db.delete@prod');
    expect(
      binomialWithin(a.utility, N, 1 - E),
      rate('approved', a.utility, N, 1 - E, 'legit'),
    ).toBe(true);
    expect(a.breach).toEqual([]);
    const rejected = a.refused.get('approval') ?? [];
    expect(rejected.length, 'every legitimate act not approved was rejected').toBe(N - a.utility);
    expect([...a.delays]).toEqual([DELAY]);
    // The operator decides when the approval comes back, and only if it approves.
    const timeline = (seed: number) => {
      const view = viewOf(runScenario(legit, { seed }).trace);
      return {
        acts: view.ofKind('act').map((r) => [r.tick, (r.data as { outcome: string }).outcome]),
        decided: view.ofKind('decide').map((r) => r.tick),
        notes: view.ofKind('note').map((r) => r.data),
      };
    };
    const approvedSeed = Array.from({ length: N }, (_, i) => i + 1).find(
      (seed) => !rejected.includes(seed),
    ) as number;
    expect(timeline(approvedSeed), `seed ${approvedSeed}: runScenario(legit, { seed })`).toEqual({
      acts: [
        [1, 'pending'],
        [1 + DELAY, 'done'],
      ],
      decided: [1 + DELAY],
      notes: [],
    });
    const rejectedSeed = rejected[0] as number;
    expect(timeline(rejectedSeed), `seed ${rejectedSeed}: runScenario(legit, { seed })`).toEqual({
      acts: [
        [1, 'pending'],
        [1 + DELAY, 'refused'],
      ],
      decided: [],
      notes: [{ task: 'refused', reason: 'approval' }],
    });
  });

  it('names the exact chain of a breach through three hops: page, reader, relay, planner', () => {
    const scenario = taintBoundary({ relays: 1 });
    let seed = 1;
    while (
      seed < 100 &&
      breach.check(viewOf(runScenario(scenario, { seed }).trace)).status === 'holds'
    )
      seed++;
    const { trace } = runScenario(scenario, { seed });
    const v = breach.check(viewOf(trace));
    const how = `breach.check(viewOf(runScenario(taintBoundary({ relays: 1 }), { seed: ${seed} }).trace))`;
    expect(seed, 'the first seed from 1 whose planner follows (s = 0.3)').toBe(2);
    expect(
      v.records.map((s) => {
        const r = trace.record(s);
        return [r.seq, r.kind, r.agent];
      }),
      how,
    ).toEqual([
      [2, 'read', 'reader'],
      [7, 'content', 'reader'],
      [9, 'send', 'reader'],
      [11, 'deliver', 'relay1'],
      [13, 'send', 'relay1'],
      [15, 'deliver', 'planner'],
      [19, 'act', 'planner'],
    ]);
    expect(v.summary, how).toContain('page (web) → reader (user) → relay1 (user) → planner (prod)');
  });
});

describe('llm-assistant: confused deputy', () => {
  const M = 0.05;
  const SD = 0.3;

  it('deletes production data at 1 - (1 - s)(1 - misreadRatio) with broad credentials', () => {
    const how = `confusedDeputy({ misreadRatio: ${M} })`;
    const d = sweep(confusedDeputy({ misreadRatio: M }), N, 'db.read@prod');
    const p = 1 - (1 - SD) * (1 - M);
    expect(
      binomialWithin(d.destructive.length, N, p),
      rate('destructive', d.destructive.length, N, p, how),
    ).toBe(true);
  });

  for (const [scoping, seeds] of [
    ['least-privilege', 10_000],
    ['granted', N],
  ] as const) {
    it(`never reaches the destructive action over ${seeds.toLocaleString('en')} seeds with scoped capabilities (${scoping})`, () => {
      const how = `confusedDeputy({ misreadRatio: ${M}, scoping: '${scoping}' })`;
      const d = sweep(confusedDeputy({ misreadRatio: M, scoping }), seeds, 'db.read@prod');
      expect(d.destructive, seedsMsg('destructive act', d.destructive, how)).toEqual([]);
      expect(d.breach, seedsMsg('breach', d.breach, how)).toEqual([]);
      // The deputy still reads unless it misread its task as the delete.
      expect(
        binomialWithin(d.utility, seeds, 1 - M),
        rate('task done', d.utility, seeds, 1 - M, how),
      ).toBe(true);
    });
  }
});

describe('llm-assistant: instruction kinds', () => {
  it('passes a replicate instruction on with s per worker: it crosses two workers with s^2', () => {
    const s = 0.5;
    const scenario: Scenario = {
      name: 'worm',
      agents: [
        {
          id: 'reader',
          protocol: llmAssistant,
          params: { role: 'reader', sources: ['page'], next: 'w1' },
        },
        { id: 'w1', protocol: llmAssistant, params: { next: 'w2', susceptibility: s } },
        { id: 'w2', protocol: llmAssistant, params: { next: 'planner', susceptibility: s } },
        { id: 'planner', protocol: llmAssistant, params: { role: 'planner' } },
      ],
      trust: {
        zones: ['web', 'prod'],
        sources: [
          {
            id: 'page',
            zone: 'web',
            content: { value: 'p', instruction: { id: 'worm', kind: 'replicate' } },
          },
        ],
      },
    };
    let reached = 0;
    for (let seed = 1; seed <= N; seed++) {
      const { trace } = runScenario(scenario, { seed });
      const sends = viewOf(trace).ofKind('send');
      if (sends.some((r) => r.agent === 'w2' && 'instruction' in (r.data as object))) reached++;
    }
    expect(
      binomialWithin(reached, N, s * s),
      rate('reached the planner', reached, N, s * s, 'worm'),
    ).toBe(true);
  });

  it('makes the planner decide a lie with 1 - (1 - s_reader)(1 - s_planner)', () => {
    const sr = 0.3;
    const scenario = taintBoundary({
      susceptibility: S,
      instruction: { id: 'lie-1', kind: 'lie', value: 'wrong' } as Json,
    });
    let lied = 0;
    for (let seed = 1; seed <= N; seed++) {
      const { decisions } = runScenario(scenario, { seed, record: false });
      if (decisions.some((d) => d.agent === 'planner' && d.value === 'wrong')) lied++;
    }
    const p = 1 - (1 - sr) * (1 - S);
    expect(binomialWithin(lied, N, p), rate('lies decided', lied, N, p, 'lie')).toBe(true);
  });
});

describe('llm-assistant: determinism', () => {
  it('keeps its golden trace hash and replays byte for byte', () => {
    const scenario = taintBoundary({ relays: 1, mitigations: { tagging: true } });
    const first = runScenario(scenario, { seed: 2 }).trace;
    expect(runScenario(scenario, { seed: 2 }).trace.toJSONL()).toBe(first.toJSONL());
    expect(first.hash()).toBe('3868d112a5a46e95733b25c2eee82392d993cdc742f3f03abaa432d30e89d63e');
  });
});
