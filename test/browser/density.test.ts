import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { runScenario, type Trace } from '../../sim/index.ts';
import '../../viz/style.css';
import { loadCatalog } from '../../viz/catalog.ts';
import { el } from '../../viz/views/common.ts';
import { LANES_PX_MAX, lamportView } from '../../viz/views/lamport.ts';
import { type Rec, traceOf } from '../fixtures/trace-builder.ts';

function run(name: string, overrides: string[] = []): { trace: Trace; how: string } {
  const { scenario, source } = loadCatalog(name, undefined, overrides);
  const seed = source.seed ?? 1;
  const sets = overrides.map((o) => `&set=${encodeURIComponent(o)}`).join('');
  return {
    trace: runScenario(scenario, { seed }).trace,
    how: `${name} at seed ${seed} (npm start, then ?scenario=${name}${sets})`,
  };
}

/** Drop records at a tick in [from, to]. */
function dropsIn(trace: Trace, [from, to]: readonly [number, number]): number {
  let n = 0;
  for (const r of trace.records()) if (r.kind === 'drop' && r.tick >= from && r.tick <= to) n++;
  return n;
}

/** Message copies (deliveries and losses) whose span from send to end meets [from, to]. */
function copiesIn(trace: Trace, [from, to]: readonly [number, number]): number {
  const sentAt = new Map<number, number>();
  let n = 0;
  for (const r of trace.records()) {
    if (r.kind === 'send' && r.msg !== undefined) sentAt.set(r.msg, r.tick);
    if ((r.kind === 'deliver' || r.kind === 'drop') && r.msg !== undefined) {
      const sent = sentAt.get(r.msg) as number;
      const end = r.kind === 'drop' ? Math.max(r.tick, sent + 1) : r.tick;
      if (sent <= to && end >= from) n++;
    }
  }
  return n;
}

function hover(canvas: HTMLCanvasElement, x: number, y: number): void {
  const rect = canvas.getBoundingClientRect();
  canvas.dispatchEvent(
    new MouseEvent('mousemove', { clientX: rect.left + x, clientY: rect.top + y, bubbles: true }),
  );
}

/** The page's frame: main#app in the page's style, the diagram as wide as main.ts makes it. */
function pageRoot(): HTMLElement {
  const root = el('main');
  root.id = 'app';
  document.body.append(root);
  return root;
}

afterEach(async () => {
  document.body.replaceChildren();
  await page.viewport(1280, 720);
});

describe('the space-time diagram of a crowded run', () => {
  it('draws prompt-infection at its default zoom as density per lane, says so, and marks no loss it does not have', () => {
    const { trace, how } = run('prompt-infection');
    const view = lamportView(trace, { width: 1000 });
    document.body.append(view.element);
    const drawing = view.drawing();
    expect(drawing.mode, how).toBe('density');
    expect(view.element.dataset['mode']).toBe('density');
    expect(drawing.messages, how).toBe(copiesIn(trace, view.timeDomain()));
    expect(drawing.messages).toBe(7600);
    expect(view.element.querySelector('.note')?.textContent).toContain(
      '7,600 messages: drawn as density per lane and time; zoom in to see single messages',
    );
    expect(drawing.drops).toBe(dropsIn(trace, view.timeDomain()));
    expect(drawing.drops).toBe(0);
    // Each agent sends its 19 peers one message a round.
    expect(drawing.bucketCountMax).toBe(19);
    const key = view.element.querySelector('.density-key') as HTMLElement;
    expect(getComputedStyle(key).display).not.toBe('none');
    expect(key.textContent).toContain('19');
  });

  it('marks every loss in view one by one over the density, zoomed out and zoomed in', () => {
    const { trace, how } = run('prompt-infection', ['network.dropRatio=0.2']);
    const view = lamportView(trace, { width: 1000 });
    document.body.append(view.element);
    expect(view.drawing().mode, how).toBe('density');
    const all = dropsIn(trace, view.timeDomain());
    expect(all, how).toBeGreaterThan(1000);
    expect(view.drawing().drops, how).toBe(all);
    expect(view.element.querySelector('.note')?.textContent).toContain(
      `${all.toLocaleString('en')} lost messages`,
    );
    view.setTimeDomain([60, 140]);
    expect(view.drawing().mode, how).toBe('density');
    expect(view.drawing().drops, how).toBe(dropsIn(trace, view.timeDomain()));
    expect(view.drawing().drops).toBeLessThan(all);
  });

  it('returns to single messages when zoomed in to fewer than the threshold, and to density when zoomed out', () => {
    const { trace, how } = run('prompt-infection');
    const view = lamportView(trace, { width: 1000 });
    document.body.append(view.element);
    const whole = view.timeDomain();
    view.setTimeDomain([8, 22]);
    const inView = copiesIn(trace, view.timeDomain());
    // Two rounds of 380 messages (every agent to its 19 peers) meet ticks 8–22.
    expect(inView, how).toBe(760);
    expect(view.drawing().mode, how).toBe('messages');
    expect(view.element.dataset['mode']).toBe('messages');
    expect(view.stats()).toEqual({ inView, drawn: inView, notDrawn: 0, detailed: true });
    const note = view.element.querySelector('.note')?.textContent ?? '';
    expect(note).toContain('760 messages in view');
    expect(note).not.toContain('density');
    expect(
      getComputedStyle(view.element.querySelector('.density-key') as HTMLElement).display,
    ).toBe('none');
    view.setTimeDomain(whole);
    expect(view.drawing().mode).toBe('density');
  });

  it('tells what a density cell holds on hover', () => {
    const { trace } = run('prompt-infection');
    const view = lamportView(trace, { width: 1000 });
    document.body.append(view.element);
    view.setTimeDomain([0, 200]);
    const send = [...trace.records()].find((r) => r.kind === 'send' && r.agent === 'a3');
    const at = view.pointOf(send?.seq as number) as { x: number; y: number };
    hover(view.canvas, at.x + 1, at.y);
    const tooltip = view.element.querySelector('.tooltip') as HTMLElement;
    expect(tooltip.hidden).toBe(false);
    expect(tooltip.textContent).toContain(`a3 sent 19 messages in `);
    expect(tooltip.textContent).toContain('zoom in to see them one by one');
  });
});

describe('the space-time diagram with 200 agents', () => {
  it('labels every k-th lane with no two labels overlapping, names any lane on hover, and keeps its height', () => {
    const { trace, how } = run('gossip-loss', ['agents.count=200']);
    expect(trace.agentIds.length).toBe(200);
    const view = lamportView(trace, { width: 1000 });
    document.body.append(view.element);
    const labels = view.labels();
    const step = view.drawing().laneLabelStep;
    expect(step, how).toBeGreaterThan(1);
    expect(labels.map((l) => l.lane)).toEqual(
      Array.from({ length: Math.ceil(200 / step) }, (_, i) => i * step),
    );
    expect(labels.map((l) => l.text).slice(0, 3)).toEqual(['g0', `g${step}`, `g${2 * step}`]);
    for (let i = 1; i < labels.length; i++) {
      const a = labels[i - 1] as (typeof labels)[number];
      const b = labels[i] as (typeof labels)[number];
      const apart =
        a.y + a.height <= b.y ||
        b.y + b.height <= a.y ||
        a.x + a.width <= b.x ||
        b.x + b.width <= a.x;
      expect(apart, `${a.text} and ${b.text} overlap`).toBe(true);
    }
    for (const l of labels) expect(l.x).toBeGreaterThanOrEqual(0);
    // The canvas stays at most LANES_PX_MAX of lanes tall plus its axis and margins.
    expect(view.canvas.clientHeight).toBeLessThanOrEqual(LANES_PX_MAX + 60);
    // A lane with no label is named on hover in the margin.
    const unlabelled = step + 1;
    const start = [...trace.records()].find(
      (r) => r.kind === 'start' && r.agent === `g${unlabelled}`,
    );
    const at = view.pointOf(start?.seq as number) as { x: number; y: number };
    hover(view.canvas, 40, at.y);
    const tooltip = view.element.querySelector('.tooltip') as HTMLElement;
    expect(tooltip.hidden).toBe(false);
    expect(tooltip.textContent).toBe(`g${unlabelled}\nlane ${unlabelled + 1} of 200`);
  });

  it('does not scroll sideways at 1024 × 700, in the page frame main.ts gives the diagram', async () => {
    await page.viewport(1024, 700);
    const { trace } = run('gossip-loss', ['agents.count=200']);
    const root = pageRoot();
    const width = Math.max(640, Math.min(1400, root.clientWidth || 1000));
    const view = lamportView(trace, { width });
    root.append(view.element);
    expect(window.innerWidth).toBe(1024);
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(
      document.documentElement.clientWidth,
    );
    expect(view.element.getBoundingClientRect().right).toBeLessThanOrEqual(1024);
    expect(view.canvas.getBoundingClientRect().right).toBeLessThanOrEqual(
      root.getBoundingClientRect().right,
    );
    expect(view.element.scrollWidth).toBeLessThanOrEqual(view.element.clientWidth);
    // Nor while a tooltip is up at the right edge.
    const send = [...trace.records()].filter((r) => r.kind === 'send').at(-1);
    const at = view.pointOf(send?.seq as number) as { x: number; y: number };
    hover(view.canvas, at.x - 1, at.y);
    const tooltip = view.element.querySelector('.tooltip') as HTMLElement;
    expect(tooltip.hidden).toBe(false);
    expect(tooltip.getBoundingClientRect().right).toBeLessThanOrEqual(
      view.canvas.getBoundingClientRect().right,
    );
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(
      document.documentElement.clientWidth,
    );
  });

  it('shortens ids that share a long start in the middle, keeping them distinct', () => {
    const ids = Array.from(
      { length: 60 },
      (_, i) => `worker-pool-east-${String(i).padStart(3, '0')}`,
    );
    const records: Rec[] = ids.map((agent) => ({ tick: 0, kind: 'start', agent }));
    const view = lamportView(traceOf(ids, records), { width: 1000 });
    document.body.append(view.element);
    const texts = view.labels().map((l) => l.text);
    expect(texts.length).toBe(Math.ceil(60 / view.drawing().laneLabelStep));
    expect(new Set(texts).size).toBe(texts.length);
    for (const t of texts) expect(t).toMatch(/^worker-.*…-\d{3}$/);
    for (const l of view.labels()) expect(l.x).toBeGreaterThanOrEqual(0);
  });

  it('scrolls a run with more lanes than fit in its own box, never the page', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `n${i}`);
    const records: Rec[] = ids.map((agent) => ({ tick: 0, kind: 'start', agent }));
    const view = lamportView(traceOf(ids, records), { width: 1000 });
    document.body.append(view.element);
    const wrap = view.element.querySelector('.canvas-wrap') as HTMLElement;
    expect(getComputedStyle(wrap).overflowY).toBe('auto');
    expect(wrap.clientHeight).toBeLessThanOrEqual(LANES_PX_MAX + 62);
    expect(view.canvas.clientHeight).toBeGreaterThan(wrap.clientHeight);
    expect(wrap.scrollWidth).toBeLessThanOrEqual(wrap.clientWidth);
  });
});
