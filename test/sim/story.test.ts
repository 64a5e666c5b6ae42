/**
 * A run's key moments, on catalogue runs whose moments are known exactly.
 * Each expectation below was derived by reading the run's JSONL trace
 * (`npx parley run NAME --seed N --trace t.jsonl`), record by record; the
 * comments say which records make each moment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { judge, loadScenario, runScenario, type Scenario, viewOf } from '../../sim/index.ts';
import { keyMoments, type Moment, storyLines } from '../../sim/story.ts';
import { faultyAck } from '../fixtures/scenarios.ts';

const dir = join(import.meta.dirname, '..', '..', 'scenarios', 'catalog');
function scenario(name: string, variant?: string): Scenario {
  return loadScenario(readFileSync(join(dir, `${name}.yaml`), 'utf8'), {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file: `${name}.yaml`,
    ...(variant === undefined ? {} : { variant }),
  }).scenario;
}

/** The key moments of one run, judged by the checks its manifest keeps. */
function momentsOf(s: Scenario, seed: number): Moment[] {
  const view = viewOf(runScenario(s, { seed }).trace);
  return keyMoments(view, judge(view).verdicts);
}

const reproduce = (name: string, seed: number) =>
  `reproduce: npx parley run ${name} --seed ${seed} --story --trace t.jsonl`;

describe('keyMoments on catalogue runs', () => {
  it('two-generals seed 2: the lost hop, the first decision and the one against it', () => {
    // seq 11: beta sends hop 2 to alpha (msg 1); seq 12 drops it (loss) at tick 2. The
    // agreement verdict's records are 15 (alpha decides) and 18 (beta decides): seq 12 comes
    // before alpha's decision, so the hop was lost on its way into the failure's past.
    // seq 15: alpha decides "retreat" at tick 50, the first decision; seq 18: beta decides
    // "attack at dawn" at tick 50, against it. Termination holds: no moment at the end.
    expect(momentsOf(scenario('two-generals'), 2), reproduce('two-generals', 2)).toEqual([
      {
        seq: 12,
        tick: 2,
        kind: 'drop',
        text: "beta's hop to alpha was lost at tick 2",
        agents: ['beta', 'alpha'],
      },
      {
        seq: 15,
        tick: 50,
        kind: 'decide',
        text: 'alpha decided retreat at tick 50',
        agents: ['alpha'],
      },
      {
        seq: 18,
        tick: 50,
        kind: 'disagree',
        text: "beta decided attack at dawn, against alpha's retreat at tick 50",
        agents: ['beta', 'alpha'],
      },
    ]);
  });

  it('majority-vote-partition seed 1: the split, a vote blocked, the minority deciding alone', () => {
    // seq 0: partition [[a, b, c], [d, e]] at tick 0, never healed. seq 6/7: a's vote to d is
    // sent and dropped (partition), the first drop of the run; d's decision (seq 127) is in
    // both failing verdicts (agreement [118, 127], minority-commit [0, 127]), so the vote was
    // lost on its way into their past. seq 118: a decides X at tick 30, the first decision;
    // seq 127 and 130: d and e decide Y at tick 30 on a side of 2 of 5 agents, against a's X
    // (b and c decide X at 121 and 124, agreeing: no moment).
    expect(momentsOf(scenario('majority-vote-partition'), 1)).toEqual([
      {
        seq: 0,
        tick: 0,
        kind: 'partition',
        text: 'd and e were cut off from a–c at tick 0',
        agents: ['d', 'e', 'a', 'b', 'c'],
      },
      {
        seq: 7,
        tick: 0,
        kind: 'drop',
        text: "a's vote to d was blocked by the partition at tick 0",
        agents: ['a', 'd'],
      },
      { seq: 118, tick: 30, kind: 'decide', text: 'a decided X at tick 30', agents: ['a'] },
      {
        seq: 127,
        tick: 30,
        kind: 'disagree',
        text: "d and e decided Y alone on the minority side, against a's X at tick 30",
        agents: ['d', 'e', 'a'],
      },
    ]);
  });

  it('confused-deputy-db seed 3: the ticket read, its instruction followed, the delete executed', () => {
    // seq 2/3: deputy (zone prod) reads the ticket (zone user), whose content carries the
    // instruction inj-ticket naming db.delete@prod; seq 6: the note { injected: inj-ticket },
    // caused by the content; seq 7: db.delete@prod done, prov [deputy, ticket], args naming
    // the instruction: a breach (ticket is below prod, and deputy needs only db.read@prod),
    // whose chain is [2, 3, 7]; seq 8: deputy decides "ticket 42", the only decision.
    expect(
      momentsOf(scenario('confused-deputy-db'), 3),
      reproduce('confused-deputy-db', 3),
    ).toEqual([
      {
        seq: 3,
        tick: 1,
        kind: 'breach',
        text: 'deputy (prod) read ticket (user), which carries an injected instruction, at tick 1',
        agents: ['deputy'],
      },
      {
        seq: 6,
        tick: 1,
        kind: 'injection',
        text: "deputy followed the ticket's injected instruction at tick 1",
        agents: ['deputy'],
      },
      {
        seq: 7,
        tick: 1,
        kind: 'breach',
        text: "deputy executed db.delete@prod, induced by the ticket's injected instruction, at tick 1",
        agents: ['deputy'],
      },
      {
        seq: 8,
        tick: 1,
        kind: 'decide',
        text: 'deputy decided ticket 42 at tick 1',
        agents: ['deputy'],
      },
    ]);
  });

  it('taint-boundary seed 2: each hop of the breach chain from the page to the delete', () => {
    // The breach verdict's chain is [2, 5, 7, 9, 13]: reader reads page (2) and gets its
    // content (5, prov [page]); reader sends its report with the instruction (7) and planner
    // gets it (9, prov [reader, page]); planner notes { injected: inj-1 } (12, caused by 9)
    // and executes db.delete@prod (13, prov holding page, whose instruction names it).
    // seq 8: reader decides "page", the first decision; planner's decision (14) agrees.
    expect(momentsOf(scenario('taint-boundary'), 2), reproduce('taint-boundary', 2)).toEqual([
      {
        seq: 5,
        tick: 1,
        kind: 'breach',
        text: 'reader (user) read page (web), which carries an injected instruction, at tick 1',
        agents: ['reader'],
      },
      {
        seq: 8,
        tick: 1,
        kind: 'decide',
        text: 'reader decided page at tick 1',
        agents: ['reader'],
      },
      {
        seq: 9,
        tick: 2,
        kind: 'breach',
        text: "reader (user) passed the page's injected instruction to planner (prod) at tick 2",
        agents: ['reader', 'planner'],
      },
      {
        seq: 12,
        tick: 2,
        kind: 'injection',
        text: 'planner followed an injected instruction passed on by reader at tick 2',
        agents: ['planner'],
      },
      {
        seq: 13,
        tick: 2,
        kind: 'breach',
        text: "planner executed db.delete@prod, induced by the page's injected instruction, at tick 2",
        agents: ['planner'],
      },
    ]);
  });

  it('runaway-loop seed 1: the first charge, and spend still growing when the run stopped', () => {
    // seq 7: the first spend, 0.5138940212782472 usd on tool.call at tick 10. The run stops at
    // tick 1990 (ticksMax, its last record 1499); the runaway verdict reports slope 0.08566 over
    // a window of 199 ticks: 17.05 usd. No budget is set, nothing is refused, nobody decides.
    expect(momentsOf(scenario('runaway-loop'), 1), reproduce('runaway-loop', 1)).toEqual([
      {
        seq: 7,
        tick: 10,
        kind: 'spend',
        text: 'agent first spent 0.5139 usd on tool.call at tick 10',
        agents: ['agent'],
      },
      {
        seq: 1499,
        tick: 1990,
        kind: 'runaway',
        text: 'spend was still growing, 17.05 usd in the last 199 ticks, when the run stopped at tick 1990 (ticksMax)',
      },
    ]);
  });

  it('runaway-loop mitigated seed 1: the refused charge and the agent stopping', () => {
    // seq 259: a spend refused (reason budget: the agent's budget is 30) at tick 352;
    // seq 263, caused by 259: the agent decides "budget".
    expect(momentsOf(scenario('runaway-loop', 'mitigated'), 1).map((m) => [m.seq, m.text])).toEqual(
      [
        [259, "agent's tool.call was refused, over its budget of 30 usd, at tick 352"],
        [263, 'agent decided budget at tick 352'],
      ],
    );
  });

  it('two-phase-commit seed 1: the coordinator crash, and who waited until the run stopped', () => {
    // seq 16: coord crashes at tick 1; p1, p2 and p3 end in "uncertain" (18, 21, 24) and
    // nothing is left to happen at tick 50 (last record 28). Their votes to coord are lost
    // (26-28) after coord's crash, outside the past of its crash record: no drop moment.
    expect(momentsOf(scenario('two-phase-commit'), 1).map((m) => [m.seq, m.tick, m.text])).toEqual([
      [16, 1, 'coord crashed at tick 1'],
      [28, 50, 'p1–p3 had not decided when nothing was left to happen at tick 50'],
    ]);
  });
});

describe('keyMoments of faults', () => {
  it('tells each fault starting and ending, at its record', () => {
    // The fixture's trace, seed 1: skew (0) and omission (1) at tick 0; alice's data n 2 (send
    // 15) lost at tick 9 (16), before bob's decision (83); bob crashes (21) and restarts (34);
    // partition [[alice], [bob]] (48) healed (60, caused by 48); skew ends (55).
    expect(momentsOf(faultyAck, 1).map((m) => [m.seq, m.kind, m.text])).toEqual([
      [0, 'skew', "alice's clock began to run 1.5 times as fast at tick 0"],
      [1, 'omission', 'bob began to drop 20 % of its outgoing messages at tick 0'],
      [16, 'drop', "alice's data to bob was lost at tick 9"],
      [21, 'crash', 'bob crashed at tick 15'],
      [34, 'restart', 'bob restarted at tick 40'],
      [48, 'partition', 'bob was cut off from alice at tick 50'],
      [55, 'skew.end', "alice's clock ran true again at tick 60"],
      [60, 'heal', 'bob and alice were joined again at tick 70'],
      [83, 'decide', 'bob decided received at tick 105'],
      [87, 'disagree', "alice decided delivered, against bob's received at tick 112"],
    ]);
  });

  it('counts the faults past repeatsMax in one moment, never dropping them silently', () => {
    const view = viewOf(runScenario(faultyAck, { seed: 1 }).trace);
    const moments = keyMoments(view, judge(view).verdicts, { repeatsMax: 2 });
    expect(moments.filter((m) => m.kind !== 'drop' && m.seq < 83).map((m) => m.text)).toEqual([
      "alice's clock began to run 1.5 times as fast at tick 0",
      'bob began to drop 20 % of its outgoing messages at tick 0',
      '5 more faults followed, the last at tick 70',
    ]);
  });
});

describe('storyLines', () => {
  it('puts the tick first, aligned, and takes it off the end of the sentence', () => {
    const view = viewOf(runScenario(scenario('two-generals'), { seed: 2 }).trace);
    expect(storyLines(keyMoments(view, judge(view).verdicts))).toEqual([
      "tick  2  beta's hop to alpha was lost",
      'tick 50  alpha decided retreat',
      "tick 50  beta decided attack at dawn, against alpha's retreat",
    ]);
  });

  it('keeps the reason a run stopped for, and drops the comma before the tick', () => {
    expect(
      storyLines([
        {
          seq: 9,
          tick: 300,
          kind: 'undecided',
          text: 'no agent had decided when the run stopped at tick 300 (ticksMax)',
        },
        {
          seq: 7,
          tick: 1,
          kind: 'breach',
          text: 'deputy executed db.delete@prod, induced by x, at tick 1',
        },
      ]),
    ).toEqual([
      'tick 300  no agent had decided when the run stopped (ticksMax)',
      'tick   1  deputy executed db.delete@prod, induced by x',
    ]);
  });

  it('gives the same moments from the trace as from a view the checkers read', () => {
    const run = runScenario(scenario('majority-vote-partition'), { seed: 1 });
    const verdicts = judge(run.trace).verdicts;
    expect(keyMoments(run.trace, verdicts)).toEqual(keyMoments(viewOf(run.trace), verdicts));
  });
});
