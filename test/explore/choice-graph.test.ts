import { describe, expect, it } from 'vitest';
import { ChoiceGraph, type StepChoice } from '../../sim/choice-graph.ts';

const coinTo = (chosen: number): StepChoice => ({ options: 2, chosen, draw: true });
const pick = (chosen: number): StepChoice => ({ options: 2, chosen, draw: false });

describe('ChoiceGraph: cycles that a fair draw cannot leave', () => {
  it('a cycle without a draw, undecided, is a fair cycle, and its path goes once round it', () => {
    // s0 -> s1 -> s2 -> s1, no choices.
    const g = new ChoiceGraph();
    g.start('s0', true);
    g.step('s0', true, [], 's1', true);
    g.step('s1', true, [], 's2', true);
    g.step('s2', true, [], 's1', true);
    expect(g.fairCycle()).toEqual({ nodes: 2, states: 2, vector: [], entered: 1, events: 3 });
  });

  it('no cycle among decided states counts', () => {
    const g = new ChoiceGraph();
    g.start('s0', true);
    g.step('s0', true, [], 's1', false);
    g.step('s1', false, [], 's1', false);
    expect(g.fairCycle()).toBeUndefined();
  });

  it('a coin whose other value leads to a decision: the cycle through it is unfair', () => {
    // s0 tosses: 0 comes back to s0, 1 decides.
    const g = new ChoiceGraph();
    g.start('s0', true);
    g.step('s0', true, [coinTo(0)], 's0', true);
    g.step('s0', true, [coinTo(1)], 'done', false);
    expect(g.fairCycle()).toBeUndefined();
  });

  it('a coin both of whose values come back (by different ways) is a fair cycle', () => {
    // s0 tosses: 0 back to s0 at once, 1 to s1, which comes back to s0.
    const g = new ChoiceGraph();
    g.start('s0', true);
    g.step('s0', true, [coinTo(0)], 's0', true);
    g.step('s0', true, [coinTo(1)], 's1', true);
    g.step('s1', true, [], 's0', true);
    // Nodes: s0, the point after each value, s1.
    expect(g.fairCycle()?.nodes).toBe(4);
    expect(g.fairCycle()?.states).toBe(2);
  });

  it('the scheduler may steer away from a decision: its choice stays in the set, the coin must too', () => {
    // s0: the scheduler picks 0 (back to s0) or 1 (decide): a fair cycle, the scheduler
    // keeping to 0; the path from the start goes once round it, [0].
    const g = new ChoiceGraph();
    g.start('s0', true);
    g.step('s0', true, [pick(0)], 's0', true);
    g.step('s0', true, [pick(1)], 'done', false);
    expect(g.fairCycle()?.vector).toEqual([0]);
    const h = new ChoiceGraph();
    h.start('s0', true);
    h.step('s0', true, [pick(1)], 'done', false);
    h.step('s0', true, [pick(0)], 's2', true);
    h.step('s2', true, [coinTo(1)], 'done', false);
    h.step('s2', true, [coinTo(0)], 's2', true);
    // s2's coin may decide: unfair; s0 has no way back: no cycle at all.
    expect(h.fairCycle()).toBeUndefined();
  });

  it('a coin whose other value was not explored (a bound) does not make a fair cycle', () => {
    const g = new ChoiceGraph();
    g.start('s0', true);
    g.step('s0', true, [coinTo(0)], 's0', true);
    expect(g.fairCycle()).toBeUndefined();
  });
});
