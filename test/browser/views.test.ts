import { afterEach, describe, expect, it } from 'vitest';
import { judge, runScenario, type Trace } from '../../sim/index.ts';
import { loadCatalog } from '../../viz/catalog.ts';
import { convergenceView } from '../../viz/views/convergence.ts';
import { lamportView } from '../../viz/views/lamport.ts';
import { lanesView } from '../../viz/views/lanes.ts';

function run(name: string): { trace: Trace; seed: number } {
  const { scenario, source } = loadCatalog(name);
  const seed = source.seed ?? 1;
  return { trace: runScenario(scenario, { seed }).trace, seed };
}

/** Pixels of the canvas that are not white. */
function inked(canvas: HTMLCanvasElement): number {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) n++;
  return n;
}

/** Message copies in the trace: deliveries and losses of a message. */
function copies(trace: Trace): number {
  let n = 0;
  for (const r of trace.records())
    if ((r.kind === 'deliver' || r.kind === 'drop') && r.msg !== undefined) n++;
  return n;
}

/**
 * Happened-before computed the slow, obvious way, to check the view's:
 * grow the set until nothing changes, adding each member's cause, the send
 * of a delivered or lost message, and every earlier record of the same agent.
 */
function pastByFixpoint(trace: Trace, seq: number): Set<number> {
  const records = [...trace.records()];
  const past = new Set([seq]);
  for (let changed = true; changed; ) {
    changed = false;
    const add = (s: number) => {
      if (!past.has(s)) {
        past.add(s);
        changed = true;
      }
    };
    for (const s of [...past]) {
      const r = records[s];
      if (r === undefined) continue;
      if (r.cause !== undefined) add(r.cause);
      if ((r.kind === 'deliver' || r.kind === 'drop') && r.msg !== undefined) {
        const send = records.find((q) => q.kind === 'send' && q.msg === r.msg);
        if (send !== undefined) add(send.seq);
      }
      if (r.agent !== undefined)
        for (const q of records) if (q.seq < s && q.agent === r.agent) add(q.seq);
    }
  }
  return past;
}

function clickAt(canvas: HTMLCanvasElement, x: number, y: number): void {
  const rect = canvas.getBoundingClientRect();
  const at = { clientX: rect.left + x, clientY: rect.top + y, bubbles: true };
  canvas.dispatchEvent(new MouseEvent('click', at));
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('the views in headless Chromium', () => {
  it('draws every message copy of two-phase-commit and majority-vote-partition, with ink on the canvas', () => {
    for (const name of ['two-phase-commit', 'majority-vote-partition']) {
      const { trace, seed } = run(name);
      const view = lamportView(trace, { width: 900 });
      document.body.append(view.element);
      const expected = copies(trace);
      const how = `${name} at seed ${seed} (npm start, ?scenario=${name})`;
      expect(expected, how).toBeGreaterThan(0);
      expect(view.stats(), how).toEqual({
        inView: expected,
        drawn: expected,
        notDrawn: 0,
        detailed: true,
      });
      expect(inked(view.canvas), how).toBeGreaterThan(2000);
    }
  });

  it('says how many messages it did not draw when more are in view than it draws', () => {
    const { trace } = run('majority-vote-partition');
    const total = copies(trace);
    const view = lamportView(trace, { width: 900, detailMax: 10, messagesMax: 50 });
    document.body.append(view.element);
    expect(total).toBe(220);
    expect(view.stats()).toEqual({ inView: 220, drawn: 50, notDrawn: 170, detailed: false });
    expect(view.element.querySelector('.note')?.textContent).toContain('170 messages not drawn');
  });

  it('clicking a decision marks exactly its causal past: the majority side, never the cut-off minority', () => {
    const { trace, seed } = run('majority-vote-partition');
    const view = lamportView(trace, { width: 900 });
    document.body.append(view.element);
    const decision = [...trace.records()].find((r) => r.kind === 'decide' && r.agent === 'a');
    expect(decision, `a decides in majority-vote-partition at seed ${seed}`).toBeDefined();
    const seq = decision?.seq as number;
    const point = view.pointOf(seq);
    expect(point).toBeDefined();
    clickAt(view.canvas, point?.x as number, point?.y as number);
    const expected = pastByFixpoint(trace, seq);
    expect([...view.highlighted()].sort((p, q) => p - q)).toEqual(
      [...expected].sort((p, q) => p - q),
    );
    // a's past holds votes delivered from b and c, and nothing d or e did: the partition cut them off.
    const agentsInPast = new Set([...expected].map((s) => trace.record(s).agent));
    expect([...agentsInPast].sort()).toEqual(['a', 'b', 'c']);
    expect([...expected].some((s) => trace.record(s).kind === 'deliver')).toBe(true);
    // A click on empty canvas clears the marks.
    clickAt(view.canvas, 5, 5);
    expect(view.highlighted().size).toBe(0);
  });

  it('draws state lanes and convergence charts, and a verdict click highlights its records', () => {
    const { trace } = run('majority-vote-partition');
    const lamport = lamportView(trace, { width: 900 });
    const lanes = lanesView(trace, { width: 900 });
    const verdicts = judge(trace).verdicts;
    const convergence = convergenceView(trace, {
      width: 900,
      verdicts,
      onVerdict: (v) => lamport.highlight(v.records),
    });
    document.body.append(lamport.element, lanes.element, convergence.element);
    expect(inked(lanes.canvas)).toBeGreaterThan(2000);
    expect(convergence.charts).toEqual(['distinct values held by honest agents']);
    // Five agents hold X or Y: two distinct values from the first votes to the end.
    expect(convergence.element.querySelectorAll('svg path').length).toBeGreaterThan(0);
    const buttons = [...convergence.element.querySelectorAll('button.verdict')];
    expect(buttons.map((b) => b.textContent)).toEqual([
      '✓ agreement: fails (expected fails)',
      '✓ minority-commit: fails (expected fails)',
    ]);
    (buttons[0] as HTMLButtonElement).click();
    const agreement = verdicts[0];
    expect(agreement?.records.length).toBeGreaterThan(0);
    expect([...lamport.highlighted()]).toEqual([...new Set(agreement?.records)]);
  });

  it('shows charts for infection and spend only when the run has them', () => {
    const infection = convergenceView(run('prompt-infection').trace, { width: 900 });
    expect(infection.charts).toContain('fraction of agents infected');
    const spend = convergenceView(run('runaway-loop').trace, { width: 900 });
    expect(spend.charts).toContain('cumulative spend');
    const plain = convergenceView(run('two-generals').trace, { width: 900 });
    expect(plain.charts).toEqual(['distinct values held by honest agents']);
  });

  it('shows an agent id holding markup as text and creates no element from it', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const { scenario } = loadCatalog('two-generals');
    const renamed = {
      ...scenario,
      agents: scenario.agents.map((a, i) => (i === 0 ? { ...a, id: hostile } : a)),
    };
    const { trace } = runScenario(renamed, { seed: 2 });
    expect(trace.agentIds).toContain(hostile);
    const lamport = lamportView(trace, { width: 900 });
    const lanes = lanesView(trace, { width: 900 });
    const convergence = convergenceView(trace, { width: 900, verdicts: judge(trace).verdicts });
    document.body.append(lamport.element, lanes.element, convergence.element);
    // Hover the first message the hostile agent sent: the tooltip names it as text.
    const send = [...trace.records()].find((r) => r.kind === 'send' && r.agent === hostile);
    expect(send).toBeDefined();
    const from = lamport.pointOf(send?.seq as number) as { x: number; y: number };
    const rect = lamport.canvas.getBoundingClientRect();
    lamport.canvas.dispatchEvent(
      new MouseEvent('mousemove', {
        clientX: rect.left + from.x + 1,
        clientY: rect.top + from.y,
        bubbles: true,
      }),
    );
    const tooltip = lamport.element.querySelector('.tooltip') as HTMLElement;
    expect(tooltip.hidden).toBe(false);
    expect(tooltip.textContent).toContain(hostile);
    expect(document.querySelectorAll('img').length).toBe(0);
    expect(document.body.innerHTML).not.toContain('<img');
  });
});
