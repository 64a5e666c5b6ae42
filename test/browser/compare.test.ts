/**
 * Two runs side by side in real Chromium (`?compare=`): both runs are the
 * runs the scenario gives at those seeds and variants, both diagrams share
 * one time axis and one cursor, the first record where the runs differ
 * (sim/diff.ts `diffRuns`) is marked in both (drawn there, in the mark's
 * colour), the verdict table shows both columns and what changed; at
 * 1024 × 700 nothing scrolls sideways and no texts overlap. Also: in
 * presenter mode the story's first moment shown is whole.
 *
 * Reproduce any case by hand: `npm start`, then open the URL the failure names.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { diffRuns } from '../../sim/diff.ts';
import { judge, runScenario, type Trace, viewOf } from '../../sim/index.ts';
import '../../viz/style.css';
import { loadCatalog } from '../../viz/catalog.ts';
import { setPresenting } from '../../viz/layout.ts';
import { type RunPage, showPage } from '../../viz/main.ts';
import { DEFER_RECORDS } from '../../viz/views/compare.ts';
import type { LamportView } from '../../viz/views/lamport.ts';
import { inWindow, openPage, overlaps, textBoxes } from './boxes.ts';

let shown: RunPage | undefined;

beforeEach(async () => {
  await page.viewport(1280, 720);
});

afterEach(async () => {
  shown?.dispose();
  shown = undefined;
  setPresenting(false);
  document.body.replaceChildren();
  await page.viewport(1280, 720);
});

async function open(query: string): Promise<RunPage> {
  shown = await openPage(showPage, query);
  return shown;
}

function ran(name: string, seed: number, variant?: string): Trace {
  return runScenario(loadCatalog(name, variant).scenario, { seed }).trace;
}

const key = (k: string) =>
  document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));

/** The mark's colour (lamport.ts COLOURS.mark, #c2187a) within a few levels. */
const isMark = (d: Uint8ClampedArray, i: number) =>
  Math.abs((d[i] as number) - 0xc2) < 24 &&
  Math.abs((d[i + 1] as number) - 0x18) < 24 &&
  Math.abs((d[i + 2] as number) - 0x7a) < 24;

/** Whether the diagram draws the mark's ring around record `seq` (a pixel of its colour 5 to 14 px right of it). */
function ringAt(view: LamportView, seq: number): boolean {
  const p = view.pointOf(seq);
  if (p === undefined) return false;
  const ratio = view.canvas.width / Number.parseFloat(view.canvas.style.width);
  const ctx = view.canvas.getContext('2d') as CanvasRenderingContext2D;
  const y = Math.round(p.y * ratio);
  const x0 = Math.round((p.x + 5) * ratio);
  const d = ctx.getImageData(x0, y, Math.round(10 * ratio), 1).data;
  for (let i = 0; i < d.length; i += 4) if (isMark(d, i)) return true;
  return false;
}

/** The verdict table's rows: check, A's verdict, B's, whether marked changed. */
const tableRows = () =>
  [...document.querySelectorAll('.compare-table tr[data-check]')].map((tr) => [
    (tr as HTMLElement).dataset['check'],
    tr.querySelectorAll('td')[1]?.textContent,
    tr.querySelectorAll('td')[2]?.textContent?.replace('→ ', ''),
    tr.classList.contains('changed'),
  ]);

describe('two runs side by side', () => {
  it('puts majority-vote-partition beside its mitigation, the first difference marked in both diagrams', async () => {
    const q = 'scenario=majority-vote-partition&seed=1&compare=variant:mitigated';
    const how = `?${q}`;
    const run = await open(q);
    const a = ran('majority-vote-partition', 1);
    const b = ran('majority-vote-partition', 1, 'mitigated');
    const va = judge(viewOf(a)).verdicts;
    const vb = judge(viewOf(b)).verdicts;
    const diff = diffRuns({ trace: a, verdicts: va }, { trace: b, verdicts: vb });
    const c = run.compare;
    if (c === undefined) throw new Error(`${how}: no second run`);
    // The runs are the scenario's at seed 1, without and with the variant.
    expect(c.b.hash(), how).toBe(b.hash());
    expect(run.lamport().drawing().messages, how).toBeGreaterThan(0);
    expect(c.difference.record?.seq, how).toBe(diff.record?.seq);
    expect(diff.record?.seq, how).toBe(11);
    // Marked in both diagrams: the record diffRuns names, drawn there.
    const pair = c.pair();
    expect(pair.first, how).toBe(11);
    expect(pair.a.marked()?.seq, how).toBe(11);
    expect(pair.b.marked()?.seq, how).toBe(11);
    expect(pair.a.marked()?.tick, how).toBe(diff.record?.a?.tick);
    expect(pair.b.marked()?.tick, how).toBe(diff.record?.b?.tick);
    pair.a.setTimeDomain([0, 40]);
    expect(ringAt(pair.a, 11), `${how}: the ring in A`).toBe(true);
    expect(ringAt(pair.b, 11), `${how}: the ring in B`).toBe(true);
    pair.a.mark(null);
    expect(ringAt(pair.a, 11), `${how}: no ring in A once unmarked`).toBe(false);
    // The labels and the verdict table: both columns, what changed.
    expect(
      [...document.querySelectorAll('.compare-pair .compare-label')].map((l) => l.textContent),
      how,
    ).toEqual([
      'A · majority-vote-partition · seed 1',
      'B · majority-vote-partition (mitigated) · seed 1',
    ]);
    expect(
      va.map((v) => [v.property, v.status]),
      how,
    ).toEqual([
      ['agreement', 'fails'],
      ['minority-commit', 'fails'],
    ]);
    expect(tableRows(), how).toEqual([
      ['agreement', 'fails', 'holds', true],
      ['minority-commit', 'fails', 'holds', true],
    ]);
    expect(
      diff.verdicts.map((v) => `${v.check}: ${v.a} → ${v.b}`),
      how,
    ).toEqual(['agreement: fails → holds', 'minority-commit: fails → holds']);
    expect(document.querySelector('.compare-changed')?.textContent, how).toBe(
      '2 verdicts changed.',
    );
    const first = document.querySelector('button.compare-first') as HTMLButtonElement;
    expect(first.textContent, how).toBe(`first difference at seq 11, tick ${diff.record?.a?.tick}`);
    // One cursor: the button moves it to the difference, both diagrams at its tick.
    first.click();
    expect(run.player.position(), how).toBe(11);
    expect(pair.a.cursor(), how).toBe(a.record(11).tick);
    expect(pair.b.cursor(), how).toBe(a.record(11).tick);
    run.player.seek(300);
    expect(pair.a.cursor(), how).toBe(a.record(300).tick);
    expect(pair.b.cursor(), how).toBe(a.record(300).tick);
    // One time axis: zooming (the + key) and panning one moves the other.
    key('0');
    expect(pair.b.timeDomain(), how).toEqual(pair.a.timeDomain());
    key('+');
    key('+');
    const zoomed = pair.a.timeDomain();
    expect(zoomed[1] - zoomed[0], how).toBeLessThan(221 / 2);
    expect(pair.b.timeDomain(), how).toEqual(zoomed);
    pair.b.setTimeDomain([50, 90]);
    expect(pair.a.timeDomain(), how).toEqual(pair.b.timeDomain());
  });

  it('compares two seeds of two-generals (compare=seed:7)', async () => {
    const q = 'scenario=two-generals&seed=2&compare=seed:7';
    const run = await open(q);
    const a = ran('two-generals', 2);
    const b = ran('two-generals', 7);
    const diff = diffRuns(
      { trace: a, verdicts: judge(viewOf(a)).verdicts },
      { trace: b, verdicts: judge(viewOf(b)).verdicts },
    );
    expect(run.compare?.b.hash(), `?${q}`).toBe(b.hash());
    expect(diff.record, `?${q}`).toBeDefined();
    const seq = diff.record?.seq as number;
    expect(run.compare?.pair().a.marked()?.seq, `?${q}`).toBe(seq);
    expect(run.compare?.pair().b.marked()?.seq, `?${q}`).toBe(seq);
    expect(
      [...document.querySelectorAll('.compare-pair .compare-label')].map((l) => l.textContent),
      `?${q}`,
    ).toEqual(['A · two-generals · seed 2', 'B · two-generals · seed 7']);
    expect((document.querySelector('input[name="compare"]') as HTMLInputElement).value).toBe(
      'seed:7',
    );
  });

  it("opens a crowded pair on both runs' charts, each chart of A above the same chart of B on one time axis", async () => {
    const q = 'scenario=prompt-infection&seed=1&compare=variant:mitigated';
    const run = await open(q);
    expect(run.stage.view(), `?${q}`).toBe('charts');
    expect(run.compare?.pair().a.drawing().mode, `?${q}`).toBe('density');
    const panel = document.querySelector('.panel-charts') as HTMLElement;
    expect(
      [...panel.querySelectorAll('.compare-label, .chart-title')].map((e) => e.textContent),
      `?${q}`,
    ).toEqual([
      'A · prompt-infection · seed 1',
      'fraction of agents infected',
      'B · prompt-infection (mitigated) · seed 1',
      'fraction of agents infected',
    ]);
    // One time axis: both charts end on the same tick label.
    const lastTick = (svg: Element) => [...svg.querySelectorAll('g.tick')].at(-1)?.textContent;
    const svgs = [...panel.querySelectorAll('svg.chart')];
    expect(svgs.length, `?${q}`).toBe(2);
    expect(lastTick(svgs[0] as Element), `?${q}`).toBe(lastTick(svgs[1] as Element));
    expect(tableRows(), `?${q}`).toEqual([['infection', 'fails', 'holds', true]]);
  });

  it('compares overrides (compare=set:PATH=VALUE)', async () => {
    const q = 'scenario=two-generals&seed=2&compare=set:network.dropRatio=0';
    const run = await open(q);
    const b = runScenario(
      loadCatalog('two-generals', undefined, ['network.dropRatio=0']).scenario,
      {
        seed: 2,
      },
    ).trace;
    expect(run.compare?.b.hash(), `?${q}`).toBe(b.hash());
    expect(
      [...document.querySelectorAll('.compare-pair .compare-label')].map((l) => l.textContent),
      `?${q}`,
    ).toEqual(['A · two-generals · seed 2', 'B · two-generals · seed 2 · network.dropRatio=0']);
  });

  it('runs the one cursor on into the part of a longer second run after the first has ended', async () => {
    const q = 'scenario=confused-deputy-db&seed=3&compare=variant:approval';
    const how = `?${q}`;
    const run = await open(q);
    const a = ran('confused-deputy-db', 3);
    const b = ran('confused-deputy-db', 3, 'approval');
    expect([a.stop?.tick, b.stop?.tick], how).toEqual([1, 26]);
    const pair = run.compare?.pair();
    if (pair === undefined) throw new Error(`${how}: no second run`);
    const table = tableRows();
    expect(table.length, how).toBeGreaterThan(0);
    // Within A, both follow A's record's tick.
    run.player.seek(a.length - 2);
    expect(pair.b.cursor(), how).toBe(a.record(a.length - 2).tick);
    run.player.seek(a.length - 1);
    expect(pair.a.cursor(), how).toBe(a.record(a.length - 1).tick);
    expect(pair.b.cursor(), how).toBe(a.record(a.length - 1).tick);
    // The slider goes on past A's last record, one step per record of B after it.
    const slider = document.querySelector('.player input[type="range"]') as HTMLInputElement;
    expect(Number(slider.max), how).toBe(run.player.end());
    expect(run.player.end(), how).toBeGreaterThan(a.length - 1);
    const after = [...Array(b.length).keys()].filter(
      (s) => b.record(s).tick > a.record(a.length - 1).tick,
    );
    expect(after.length, how).toBeGreaterThan(0);
    run.player.seek(a.length);
    expect(pair.b.cursor(), how).toBe(b.record(after[0] as number).tick);
    // At the end of the slider, the cursor is at B's last tick in both diagrams (A shown whole).
    slider.value = slider.max;
    slider.dispatchEvent(new Event('input'));
    expect(run.player.position(), how).toBe(run.player.end());
    expect(run.player.tick(), how).toBe(26);
    expect(pair.b.cursor(), how).toBe(26);
    expect(pair.a.cursor(), how).toBe(26);
    expect(document.querySelector('.player .where')?.textContent, how).toBe(
      `B seq ${b.length - 1} / ${b.length - 1} · tick 26`,
    );
    // A's verdicts are what they were: the table does not change with the cursor.
    expect(tableRows(), how).toEqual(table);
    expect(
      tableRows().map((r) => r[1]),
      how,
    ).toEqual(judge(viewOf(a)).verdicts.map((v) => v.status));
    // Both on one axis that runs to the later end.
    key('0');
    expect(pair.a.timeDomain()[1], how).toBeGreaterThanOrEqual(26);
    expect(pair.b.timeDomain(), how).toEqual(pair.a.timeDomain());
    // Back within A, both follow A again.
    run.player.seek(a.length - 2);
    expect(pair.a.cursor(), how).toBe(a.record(a.length - 2).tick);
    expect(pair.b.cursor(), how).toBe(a.record(a.length - 2).tick);
  });

  it("draws a large second run's diagram just after the first's is on screen, on the same axis and cursor", async () => {
    const q = 'scenario=retry-storm&seed=1&compare=seed:2';
    const how = `?${q}`;
    const run = await open(q);
    const pair = run.compare?.pair();
    if (pair === undefined) throw new Error(`${how}: no second run`);
    expect(run.compare?.b.length, how).toBeGreaterThan(DEFER_RECORDS);
    // Until its frame, B's place holds a box of A's size saying what comes.
    expect(pair.drawnB(), how).toBe(false);
    const box = document.querySelector('.compare-b .compare-pending-box') as HTMLElement;
    expect(box, how).not.toBeNull();
    const size = (r: DOMRect) => [Math.round(r.width), Math.round(r.height)];
    expect(size(box.getBoundingClientRect()), how).toEqual(
      size(pair.a.canvas.getBoundingClientRect()),
    );
    // What happens meanwhile is kept: the cursor and a zoom.
    run.player.seek(500);
    const tick = run.player.tick();
    pair.a.setTimeDomain([100, 400]);
    await pair.whenDrawn();
    expect(pair.drawnB(), how).toBe(true);
    expect(document.querySelector('.compare-pending'), how).toBeNull();
    expect(document.querySelector('.compare-b canvas'), how).toBe(pair.b.canvas);
    expect(pair.b.cursor(), how).toBe(tick);
    expect(pair.b.timeDomain()[0], how).toBeCloseTo(100, 6);
    expect(pair.b.timeDomain()[1], how).toBeCloseTo(400, 6);
    expect(pair.b.marked()?.seq, how).toBe(pair.first);
    expect(pair.b.drawing().mode, how).toBe('density');
    // And after: one axis, one cursor.
    pair.b.setTimeDomain([0, 200]);
    expect(pair.a.timeDomain(), how).toEqual(pair.b.timeDomain());
    expect(pair.a.timeDomain()[1], how).toBeCloseTo(200, 6);
    run.player.seek(800);
    expect(pair.b.cursor(), how).toBe(run.player.tick());
  });

  it('says what is wrong with a compare it cannot read, and shows the first run alone', async () => {
    const run = await open('scenario=two-generals&seed=2&compare=mitigated');
    expect(run.compare).toBeUndefined();
    expect(document.querySelector('.content .error')?.textContent).toBe(
      'compare "mitigated": write variant:NAME, seed:N or set:PATH=VALUE',
    );
  });

  for (const [query, present] of [
    ['scenario=majority-vote-partition&seed=1&compare=variant:mitigated', false],
    ['scenario=majority-vote-partition&seed=1&compare=variant:mitigated', true],
    ['scenario=llm-negotiation&seed=3&compare=variant:mitigated', false],
    ['scenario=confused-deputy-db&seed=3&compare=variant:mitigated', true],
    ['scenario=retry-storm&seed=1&compare=variant:mitigated', false],
  ] as const)
    it(`fits 1024 × 700 without scrolling sideways or overlapping texts: ?${query}${present ? '&present' : ''}`, async () => {
      await page.viewport(1024, 700);
      const q = `${query}${present ? '&present' : ''}`;
      const how = `?${q} at 1024 × 700`;
      const run = await open(q);
      const pair = run.compare?.pair();
      if (pair === undefined) throw new Error(`${how}: no second run`);
      // The diagrams, then both runs' charts.
      for (const k of ['d', 'c']) {
        key(k);
        const at = `${how}, key ${k}`;
        expect(document.documentElement.scrollWidth, at).toBeLessThanOrEqual(1024);
        for (const part of ['.main-view', '.story', '.verdicts-panel', '.player'])
          expect(
            inWindow((document.querySelector(part) as Element).getBoundingClientRect()),
            `${at}: ${part}`,
          ).toBe(true);
        if (k === 'd') {
          // Both diagrams whole inside the window.
          expect(inWindow(pair.a.canvas.getBoundingClientRect()), `${at}: A's diagram`).toBe(true);
          expect(inWindow(pair.b.canvas.getBoundingClientRect()), `${at}: B's diagram`).toBe(true);
        }
        const boxes = textBoxes(document.querySelector('.stage') as Element);
        expect(boxes.length, at).toBeGreaterThan(12);
        expect(overlaps(boxes), at).toEqual([]);
      }
    });
});

describe('the story in presenter mode', () => {
  it('shows its first moment whole on taint-boundary at seed 2 at 1280 × 720', async () => {
    const q = 'scenario=taint-boundary&seed=2&present';
    await open(q);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const box = (document.querySelector('.story-box') as HTMLElement).getBoundingClientRect();
    const seen = [...document.querySelectorAll('button.moment')]
      .map((b) => b.getBoundingClientRect())
      .filter((r) => r.bottom > box.top + 1 && r.top < box.bottom - 1);
    expect(seen.length, q).toBeGreaterThan(2);
    for (const r of seen) {
      expect(r.top, `?${q}: a moment cut at the top`).toBeGreaterThanOrEqual(box.top - 0.5);
      expect(r.bottom, `?${q}: a moment cut at the bottom`).toBeLessThanOrEqual(box.bottom + 0.5);
    }
    // The current moment (the last) is among them.
    expect(
      document.querySelector('button.moment.current')?.getBoundingClientRect().bottom,
    ).toBeLessThanOrEqual(box.bottom + 0.5);
  });
});
