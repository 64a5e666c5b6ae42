/**
 * The page's stage in real Chromium: at 1280 × 720 and 1024 × 700 the main
 * view, the story and the verdicts fit the window, in the normal and the
 * presenter layout; nothing scrolls sideways and no two texts of the stage
 * overlap; the story lists the run's key moments and moves the cursor; the
 * lesson is rendered; the auto speed plays a run in about 30 s.
 *
 * Reproduce any case by hand: `npm start`, then open the URL the failure
 * names at the window size it names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { judge, keyMoments, type Moment, runScenario, type Trace } from '../../sim/index.ts';
import '../../viz/style.css';
import { loadCatalog } from '../../viz/catalog.ts';
import { decisionsLine } from '../../viz/decisions.ts';
import { presenting, setPresenting } from '../../viz/layout.ts';
import { AUTO_RUN_SECONDS } from '../../viz/player.ts';
import { inWindow, overlaps, textBoxes } from './boxes.ts';
import { disposePage, openPage } from './page.ts';

afterEach(async () => {
  disposePage();
  setPresenting(false);
  document.body.replaceChildren();
  await page.viewport(1280, 720);
});

function ran(name: string, seed: number, overrides: string[] = []): Trace {
  const { scenario } = loadCatalog(name, undefined, overrides);
  return runScenario(scenario, { seed }).trace;
}

const key = (k: string, init: KeyboardEventInit = {}) =>
  document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, ...init }));

const box = (selector: string) => {
  const e = document.querySelector(selector);
  if (e === null) throw new Error(`no ${selector} on the page`);
  return e.getBoundingClientRect();
};

describe('the stage fits the window', () => {
  it('has an overlap check that finds overlapping texts and passes texts side by side', () => {
    const at = (text: string, left: number, top: number) => {
      const d = document.createElement('div');
      d.textContent = text;
      d.style.cssText = `position:absolute;left:${left}px;top:${top}px;font:16px sans-serif;white-space:nowrap`;
      return d;
    };
    const root = document.createElement('div');
    document.body.append(root);
    root.append(at('first words', 10, 10), at('second words', 40, 14), at('apart', 10, 60));
    expect(overlaps(textBoxes(root))).toEqual(['"first words" over "second words"']);
    (root.children[1] as HTMLElement).style.top = '30px';
    expect(overlaps(textBoxes(root))).toEqual([]);
    expect(textBoxes(root).length).toBe(3);
  });

  for (const [query, name] of [
    ['scenario=two-generals&seed=2', 'two-generals'],
    ['scenario=prompt-infection&seed=1&at=3000', 'prompt-infection'],
  ] as const)
    for (const present of [false, true])
      it(`shows the main view, the story and the verdicts of ${name} inside 1280 × 720${present ? ' in presenter mode' : ''}`, async () => {
        await page.viewport(1280, 720);
        const q = `${query}${present ? '&present' : ''}`;
        const how = `?${q} at 1280 × 720`;
        const run = await openPage(q);
        expect(presenting(), how).toBe(present);
        for (const part of ['.main-view', '.story', '.verdicts-panel', '.player'])
          expect(inWindow(box(part)), `${how}: ${part} ${JSON.stringify(box(part))}`).toBe(true);
        expect(document.documentElement.scrollWidth, how).toBeLessThanOrEqual(1280);
        const moment = document.querySelector('.moment-text') as HTMLElement;
        const summary = document.querySelector('dl.summary') as HTMLElement;
        if (present) {
          // Large type, and no metadata.
          expect(Number.parseFloat(getComputedStyle(moment).fontSize), how).toBeGreaterThanOrEqual(
            18,
          );
          expect(summary.getClientRects().length, how).toBe(0);
          expect(document.querySelector('.topbar')?.getClientRects().length, how).toBe(0);
          // The stage is the whole window: the page does not scroll.
          expect(document.documentElement.scrollHeight, how).toBeLessThanOrEqual(720);
        } else expect(summary.getClientRects().length, how).toBeGreaterThan(0);
        // Each main view fits too.
        for (const [k, panel] of [
          ['t', '.panel-topology'],
          ['c', '.panel-charts'],
          ['d', '.panel-diagram'],
        ] as const) {
          key(k);
          expect(inWindow(box(panel)), `${how}, key ${k}: ${panel}`).toBe(true);
          expect(inWindow(box('.story')), `${how}, key ${k}: the story`).toBe(true);
        }
        // The diagram is drawn whole inside the main view.
        const canvas = run.lamport().canvas.getBoundingClientRect();
        expect(inWindow(canvas), `${how}: the diagram's canvas`).toBe(true);
      });

  for (const [query, present] of [
    ['scenario=two-generals&seed=2', false],
    ['scenario=two-generals&seed=2', true],
    ['scenario=majority-vote-partition&seed=1&at=200', false],
    ['scenario=prompt-infection&seed=1&at=3000', false],
    ['scenario=prompt-infection&seed=1&at=3000', true],
    ['scenario=majority-vote-partition&seed=1&at=200', true],
    ['scenario=retry-storm&seed=1', false],
    ['scenario=retry-storm&seed=1', true],
    ['scenario=gossip-loss&seed=1&set=agents.count%3D32', false],
  ] as const)
    it(`does not scroll sideways nor overlap texts at 1024 × 700: ?${query}${present ? '&present' : ''}`, async () => {
      await page.viewport(1024, 700);
      const q = `${query}${present ? '&present' : ''}`;
      const how = `?${q} at 1024 × 700`;
      await openPage(q);
      expect(window.innerWidth).toBe(1024);
      for (const k of ['d', 't', 'c']) {
        key(k);
        expect(document.documentElement.scrollWidth, `${how}, key ${k}`).toBeLessThanOrEqual(1024);
        const stage = document.querySelector('.stage') as HTMLElement;
        const boxes = textBoxes(stage);
        expect(boxes.length, `${how}, key ${k}: texts seen`).toBeGreaterThan(12);
        expect(overlaps(boxes), `${how}, key ${k}`).toEqual([]);
        for (const part of ['.main-view', '.story', '.verdicts-panel'])
          expect(inWindow(box(part)), `${how}, key ${k}: ${part}`).toBe(true);
      }
    });

  it('summarises the decisions of 32 agents in one line that overlaps nothing, at 1024 × 700', async () => {
    await page.viewport(1024, 700);
    const q = 'scenario=gossip-loss&seed=1&set=agents.count%3D32';
    const how = `?${q} at 1024 × 700, below the stage`;
    const run = await openPage(q);
    run.player.seek(run.player.end());
    const dl = document.querySelector('dl.summary') as HTMLElement;
    const rows = new Map(
      [...dl.querySelectorAll('dt')].map((dt) => [
        dt.textContent,
        dt.nextElementSibling as HTMLElement,
      ]),
    );
    const trace = ran('gossip-loss', 1, ['agents.count=32']);
    const decided = [...trace.records()]
      .filter((r) => r.kind === 'decide')
      .map((r) => ({ agent: r.agent as string, value: r.data ?? null }));
    const n = decided.length;
    expect(n, how).toBeGreaterThan(25);
    expect(rows.get('decisions')?.textContent, how).toBe(decisionsLine(decided, n));
    expect(rows.get('decisions')?.textContent, how).toBe(
      `${n} of ${n} decided by the cursor: informed (${n})`,
    );
    expect(overlaps(textBoxes(document.querySelector('.run-part') as Element)), how).toEqual([]);
    for (const dd of rows.values())
      expect(dd.scrollWidth, `${how}: ${dd.textContent}`).toBeLessThanOrEqual(dd.clientWidth + 1);
    expect(document.documentElement.scrollWidth, how).toBeLessThanOrEqual(1024);
  });
});

describe('the main view', () => {
  it('opens on the diagram, or on the charts when the diagram is too crowded for single messages, or on the view the URL names', async () => {
    const view = () => (document.querySelector('.main-view') as HTMLElement).dataset['view'];
    let run = await openPage('scenario=two-generals&seed=2');
    expect(run.lamport().drawing().mode).toBe('messages');
    expect(view(), '?scenario=two-generals&seed=2').toBe('diagram');
    run.dispose();
    document.body.replaceChildren();
    run = await openPage('scenario=prompt-infection&seed=1');
    expect(run.lamport().drawing().mode).toBe('density');
    expect(view(), '?scenario=prompt-infection&seed=1').toBe('charts');
    expect(
      [...document.querySelectorAll('.panel-charts .chart-title')].map((t) => t.textContent),
    ).toContain('fraction of agents infected');
    run.dispose();
    document.body.replaceChildren();
    await openPage('scenario=prompt-infection&seed=1&view=topology');
    expect(view(), '?scenario=prompt-infection&seed=1&view=topology').toBe('topology');
  });
});

describe('the story panel', () => {
  const q = 'scenario=majority-vote-partition&seed=1&at=0';
  const how = `?${q}`;
  const expected = (): { trace: Trace; moments: Moment[] } => {
    const trace = ran('majority-vote-partition', 1);
    return { trace, moments: keyMoments(trace, judge(trace).verdicts) };
  };

  it('lists the key moments sim/story.ts gives, with their ticks, and a click moves the cursor there', async () => {
    const { trace, moments } = expected();
    const run = await openPage(q);
    expect(run.player.end(), how).toBe(trace.length - 1);
    const texts = [...document.querySelectorAll('.story .moment-text')].map((e) => e.textContent);
    expect(texts, how).toEqual(moments.map((m) => m.text));
    expect(texts[0], how).toBe('d and e were cut off from a–c at tick 0');
    expect(texts, how).toContain(
      "d and e decided Y alone on the minority side, against a's X at tick 30",
    );
    expect(
      [...document.querySelectorAll('.story .moment-tick')].map((e) => e.textContent),
      how,
    ).toEqual(moments.map((m) => `tick ${m.tick}`));
    const buttons = [...document.querySelectorAll<HTMLButtonElement>('.story button.moment')];
    for (const [i, m] of moments.entries()) {
      (buttons[i] as HTMLButtonElement).click();
      expect(run.player.position(), `${how}, moment ${i}`).toBe(m.seq);
      const cursor = [...document.querySelectorAll('dl.summary dt')].find(
        (dt) => dt.textContent === 'cursor',
      )?.nextElementSibling?.textContent;
      expect(cursor, how).toMatch(new RegExp(`^tick ${m.tick} · seq ${m.seq} /`));
      // The moment at the cursor is marked, with any other at the same record.
      const current = buttons.filter((b) => b.classList.contains('current'));
      expect(
        current.map((b) => Number(b.dataset['seq'])),
        how,
      ).toEqual(moments.filter((o) => o.seq === m.seq).map((o) => o.seq));
    }
  });

  it('marks the moment at or before the cursor', async () => {
    const { moments } = expected();
    const run = await openPage(q);
    const last = moments.at(-1) as Moment;
    run.player.seek(last.seq + 1);
    const current = [...document.querySelectorAll('.story button.moment.current')].map(
      (b) => b.querySelector('.moment-text')?.textContent,
    );
    expect(current, how).toEqual(moments.filter((m) => m.seq === last.seq).map((m) => m.text));
    run.player.seek(0);
    const before = moments.filter((m) => m.seq <= 0);
    expect(document.querySelectorAll('.story button.moment.current').length, how).toBe(
      before.length === 0
        ? 0
        : before.filter((m) => m.seq === (before.at(-1) as Moment).seq).length,
    );
  });

  it('n and p move between the moments, m plays to the next one and stops on it', async () => {
    const { moments } = expected();
    const run = await openPage(q);
    const seqs = [...new Set(moments.map((m) => m.seq))];
    const ahead = seqs.filter((s) => s > 0);
    expect(ahead.length, `${how}: moments after record 0`).toBeGreaterThan(1);
    for (const s of ahead) {
      key('n');
      expect(run.player.position(), how).toBe(s);
    }
    key('n');
    expect(run.player.position(), `${how}: n past the last moment stays`).toBe(ahead.at(-1));
    for (const s of [...seqs].reverse().slice(1)) {
      key('p');
      expect(run.player.position(), how).toBe(s);
    }
    run.player.seek(0);
    run.player.setSpeed(3); // max, so the test does not wait 30 s
    const stopped = new Promise<void>((resolve) => run.player.onPlaying((on) => on || resolve()));
    key('m');
    expect(run.player.playing(), how).toBe(true);
    await stopped;
    expect(run.player.position(), `${how}: m stops on the next moment`).toBe(ahead[0]);
    (document.querySelector('.to-moment') as HTMLButtonElement).click();
    await new Promise<void>((resolve) => run.player.onPlaying((on) => on || resolve()));
    expect(run.player.position(), how).toBe(ahead[1]);
  });
});

describe('the lesson beside the run', () => {
  it('shows the opening until the first key moment, then what to watch, rendered, and the whole lesson folded', async () => {
    const q = 'scenario=two-generals&seed=2&at=0';
    const how = `?${q}`;
    const trace = ran('two-generals', 2);
    const moments = keyMoments(trace, judge(trace).verdicts);
    const first = moments[0] as Moment;
    expect(first.seq, how).toBeGreaterThan(0);
    const run = await openPage(q);
    const now = document.querySelector('.lesson-now') as HTMLElement;
    expect(now.dataset['part'], how).toBe('opening');
    expect(now.querySelector('h2')?.textContent).toBe('the scenario');
    expect(now.textContent).toContain('Two generals');
    run.player.seek(first.seq - 1);
    expect(now.dataset['part'], how).toBe('opening');
    key('n');
    expect(run.player.position()).toBe(first.seq);
    expect(now.dataset['part'], how).toBe('watch');
    expect(now.querySelector('h2')?.textContent).toBe('what to watch');
    expect(now.textContent).toContain('Watch the last message of the chain.');
    expect(inWindow(now.getBoundingClientRect()), how).toBe(true);

    const whole = document.querySelector('details.lesson') as HTMLDetailsElement;
    expect(whole.open).toBe(false);
    const md = whole.querySelector('.markdown') as HTMLElement;
    expect(md.querySelectorAll('h3, h4').length, how).toBeGreaterThan(2);
    expect(md.querySelectorAll('code').length, how).toBeGreaterThan(1);
    expect(md.textContent, how).not.toContain('##');
    expect(md.textContent, how).not.toContain('```');
    expect([...md.querySelectorAll('h3, h4')].map((h) => h.textContent)).toContain('What to watch');
  });

  it('renders the code of a lesson\'s "What to watch" as code', async () => {
    await openPage('scenario=majority-vote-partition&seed=1');
    const now = document.querySelector('.lesson-now') as HTMLElement;
    expect(now.dataset['part']).toBe('watch');
    expect([...now.querySelectorAll('code')].map((c) => c.textContent)).toContain('quorum: local');
    expect(now.textContent).not.toContain('`');
  });
});

describe('playback speed and keys', () => {
  for (const [name, seed] of [
    ['two-generals', 2],
    ['majority-vote-partition', 1],
    ['prompt-infection', 1],
  ] as const)
    it(`plays the whole of ${name} in about ${AUTO_RUN_SECONDS} s by default`, async () => {
      const run = await openPage(`scenario=${name}&seed=${seed}`);
      const records = run.player.end() + 1;
      expect(records).toBe(ran(name, seed).length);
      expect(run.player.autoSpeed()).toBe(true);
      expect(run.player.speed()).toBeCloseTo(records / 30, 6);
      const select = document.querySelector('.player select') as HTMLSelectElement;
      expect(select.value).toBe('auto');
      // The other speeds stay beside it; > and < move to them, + and - are the diagram's zoom.
      key('>');
      expect(run.player.autoSpeed()).toBe(false);
      expect(run.player.speed()).toBeGreaterThan(records / 30);
      select.value = 'auto';
      select.dispatchEvent(new Event('change'));
      expect(run.player.speed()).toBeCloseTo(records / 30, 6);
    });

  it('switches views, zooms and pans the diagram, and enters and leaves presenter mode from the keyboard', async () => {
    const run = await openPage('scenario=majority-vote-partition&seed=1&at=200');
    const view = () => (document.querySelector('.main-view') as HTMLElement).dataset['view'];
    key('t');
    expect(view()).toBe('topology');
    key('c');
    expect(view()).toBe('charts');
    key('d');
    expect(view()).toBe('diagram');

    key('0');
    const [a0, a1] = run.lamport().timeDomain();
    key('+');
    const [b0, b1] = run.lamport().timeDomain();
    expect(b1 - b0).toBeCloseTo((a1 - a0) / 1.5, 6);
    // Zooming keeps the cursor's tick where it was on the screen.
    const tick = ran('majority-vote-partition', 1).record(200).tick;
    expect((tick - b0) / (b1 - b0)).toBeCloseTo((tick - a0) / (a1 - a0), 6);
    key('ArrowRight', { shiftKey: true });
    const [c0, c1] = run.lamport().timeDomain();
    expect(c0 - b0).toBeCloseTo((b1 - b0) / 4, 6);
    expect(c1 - c0).toBeCloseTo(b1 - b0, 6);
    expect(run.player.position(), 'Shift+→ pans, it does not step').toBe(200);
    key('-');
    key('-');
    key('0');
    const [d0, d1] = run.lamport().timeDomain();
    expect(d0).toBeCloseTo(a0, 6);
    expect(d1).toBeCloseTo(a1, 6);
    key('ArrowRight');
    expect(run.player.position()).toBe(201);

    key('?');
    expect((document.querySelector('.keys-help') as HTMLElement).hidden).toBe(false);
    key('Escape');
    expect((document.querySelector('.keys-help') as HTMLElement).hidden).toBe(true);
    key('f');
    expect(presenting()).toBe(true);
    expect(inWindow(box('.main-view'))).toBe(true);
    // The diagram is drawn again for the presenter layout's width, at the same time in view.
    expect(run.lamport().canvas.getBoundingClientRect().right).toBeLessThanOrEqual(
      box('.view-area').right + 1,
    );
    key('Escape');
    expect(presenting()).toBe(false);
    key(' ');
    expect(run.player.playing()).toBe(true);
    key(' ');
    expect(run.player.playing()).toBe(false);
  });
});
