/**
 * A workshop in real Chromium (`?workshop=why-agent-groups-fail`): the
 * page walks through every step with the next and previous buttons and
 * keys (PageDown and PageUp, as a presenter's clicker sends them; ] and
 * [), each step showing its scenario, seed and second run, the run being
 * the one the scenario gives at that seed (its trace hash), the cursor
 * where the step puts it, and the paragraph to say. At 1280 × 720 in
 * presenter mode, each step is photographed: under
 * `__screenshots__/workshop.test.ts/`, or into docs/screenshots/ with
 * PARLEY_SCREENSHOTS=1 (so that CI never rewrites tracked files).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import { runScenario, type Trace } from '../../sim/index.ts';
import '../../viz/style.css';
import { loadCatalog } from '../../viz/catalog.ts';
import { setPresenting } from '../../viz/layout.ts';
import { type RunPage, shownRun, showPage } from '../../viz/main.ts';
import { loadPageWorkshop } from '../../viz/workshops.ts';
import { inWindow, openPage, overlaps, textBoxes } from './boxes.ts';

afterEach(async () => {
  shownRun()?.dispose();
  setPresenting(false);
  document.body.replaceChildren();
  await page.viewport(1280, 720);
});

/** Each step: scenario, seed, the second run beside it, where the cursor starts. */
const STEPS: readonly (readonly [string, number, string | undefined, 'first' | 'end'])[] = [
  ['llm-negotiation', 3, undefined, 'first'],
  ['llm-negotiation', 3, 'variant:mitigated', 'end'],
  ['majority-vote-partition', 1, undefined, 'first'],
  ['majority-vote-partition', 1, 'variant:mitigated', 'end'],
  ['prompt-infection', 1, undefined, 'first'],
  ['prompt-infection', 1, 'variant:mitigated', 'end'],
  ['confused-deputy-db', 3, undefined, 'first'],
  ['confused-deputy-db', 3, 'variant:mitigated', 'end'],
  ['runaway-loop', 1, undefined, 'end'],
  ['runaway-loop', 1, 'variant:mitigated', 'end'],
  ['retry-storm', 1, undefined, 'first'],
  ['retry-storm', 1, 'variant:mitigated', 'end'],
];

const text = (selector: string) => document.querySelector(selector)?.textContent;
const key = (k: string) =>
  document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
const frames = () =>
  new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined))));

/** Waits for the page to show step `step` in place of `before`. */
async function stepShown(before: RunPage, step: number): Promise<RunPage> {
  return vi.waitFor(
    () => {
      const run = shownRun();
      if (run === undefined || run === before || run.workshop?.step !== step)
        throw new Error(`step ${step} not shown yet`);
      return run;
    },
    { timeout: 60_000, interval: 50 },
  );
}

const traces = new Map<string, Trace>();
function ran(name: string, seed: number, variant?: string): Trace {
  const id = `${name}/${variant}/${seed}`;
  let t = traces.get(id);
  if (t === undefined) {
    t = runScenario(loadCatalog(name, variant).scenario, { seed }).trace;
    traces.set(id, t);
  }
  return t;
}

describe('a workshop', () => {
  it('walks through all twelve steps of why-agent-groups-fail and back, showing each step', async () => {
    await page.viewport(1280, 720);
    const workshop = loadPageWorkshop('why-agent-groups-fail');
    expect(workshop.steps.length).toBe(STEPS.length);
    const shots =
      import.meta.env['PARLEY_SCREENSHOTS'] === '1'
        ? '../../docs/screenshots'
        : '__screenshots__/workshop.test.ts';
    let run = await openPage(showPage, 'workshop=why-agent-groups-fail&present');
    for (let k = 1; k <= STEPS.length; k++) {
      const [scenario, seed, compare, at] = STEPS[k - 1] as (typeof STEPS)[number];
      const how = `?workshop=why-agent-groups-fail&step=${k}&present`;
      expect(run.workshop?.step, how).toBe(k);
      expect(text('.workshop-step'), how).toBe(`step ${k} of 12`);
      expect(text('.workshop-what'), how).toBe(
        `${scenario} · seed ${seed}${compare === undefined ? '' : ` · beside ${compare}`}`,
      );
      expect(text('.workshop-title'), how).toBe('Why agent groups fail to coordinate');
      expect(text('.workshop-say'), how).toBe(workshop.steps[k - 1]?.say);
      // The picker names the step's run.
      const field = (name: string) =>
        (document.querySelector(`.picker [name="${name}"]`) as HTMLInputElement).value;
      expect(field('scenario'), how).toBe(scenario);
      expect(field('seed'), how).toBe(String(seed));
      expect(field('compare'), how).toBe(compare ?? '');
      // The run is the scenario's at that seed; the second run is its variant.
      const a = ran(scenario, seed);
      const summary = new Map(
        [...document.querySelectorAll('dl.summary dt')].map((dt) => [
          dt.textContent,
          dt.nextElementSibling?.textContent,
        ]),
      );
      expect(summary.get('trace hash'), how).toBe(a.hash());
      expect(summary.get('seed'), how).toBe(String(seed));
      if (compare === undefined) expect(run.compare, how).toBeUndefined();
      else {
        const b = ran(scenario, seed, compare.replace(/^variant:/, ''));
        expect(run.compare?.b.hash(), how).toBe(b.hash());
        expect(
          [...document.querySelectorAll('.compare-pair .compare-label')].map((l) => l.textContent),
          how,
        ).toEqual([
          `A · ${scenario} · seed ${seed}`,
          `B · ${scenario} (${compare.replace(/^variant:/, '')}) · seed ${seed}`,
        ]);
      }
      // The cursor where the step puts it: the first key moment, or the end.
      expect(run.player.position(), how).toBe(
        at === 'end' ? a.length - 1 : (run.moments[0]?.seq as number),
      );
      // The bar, the stage and the story are inside the window.
      for (const part of ['.workshop-bar', '.main-view', '.story', '.verdicts-panel'])
        expect(
          inWindow((document.querySelector(part) as Element).getBoundingClientRect()),
          `${how}: ${part}`,
        ).toBe(true);
      expect(document.documentElement.scrollWidth, how).toBeLessThanOrEqual(1280);
      await frames();
      await page.screenshot({ path: `${shots}/workshop-${String(k).padStart(2, '0')}.png` });
      if (k === STEPS.length) break;
      // Next: the button on odd steps, the clicker's PageDown or ] on even ones.
      const before = run;
      if (k % 2 === 1) (document.querySelector('.workshop-next') as HTMLButtonElement).click();
      else key(k % 4 === 0 ? ']' : 'PageDown');
      run = await stepShown(before, k + 1);
    }
    // The help names the workshop's keys.
    expect(
      [...run.stage.help.querySelectorAll('tr')].slice(-2).map((tr) => tr.textContent),
    ).toEqual(["PageDown ]the workshop's next step", "PageUp [the workshop's previous step"]);
    // The last step has no next; previous goes back, with the button and the keys.
    expect((document.querySelector('.workshop-next') as HTMLButtonElement).disabled).toBe(true);
    key('PageDown');
    await frames();
    expect(shownRun()).toBe(run);
    key('PageUp');
    run = await stepShown(run, 11);
    key('[');
    run = await stepShown(run, 10);
    (document.querySelector('.workshop-prev') as HTMLButtonElement).click();
    run = await stepShown(run, 9);
    expect(text('.workshop-what')).toBe('runaway-loop · seed 1');
    expect(run.workshop?.go).toBeTypeOf('function');
    run = (await run.workshop?.go(1)) as RunPage;
    expect(text('.workshop-step')).toBe('step 1 of 12');
    expect((document.querySelector('.workshop-prev') as HTMLButtonElement).disabled).toBe(true);
  }, 300_000);

  for (const step of [2, 4, 8, 12])
    it(`shows step ${step} at 1024 × 700 in presenter mode without scrolling sideways or overlapping texts`, async () => {
      await page.viewport(1024, 700);
      const q = `workshop=why-agent-groups-fail&step=${step}&present`;
      const how = `?${q} at 1024 × 700`;
      const run = await openPage(showPage, q);
      expect(run.workshop?.step, how).toBe(step);
      await frames();
      expect(document.documentElement.scrollWidth, how).toBeLessThanOrEqual(1024);
      expect(document.documentElement.scrollHeight, how).toBeLessThanOrEqual(700);
      for (const part of ['.workshop-bar', '.main-view', '.story', '.verdicts-panel', '.player'])
        expect(
          inWindow((document.querySelector(part) as Element).getBoundingClientRect()),
          `${how}: ${part}`,
        ).toBe(true);
      const boxes = [
        ...textBoxes(document.querySelector('.workshop-bar') as Element),
        ...textBoxes(document.querySelector('.stage') as Element),
      ];
      expect(boxes.length, how).toBeGreaterThan(15);
      expect(overlaps(boxes), how).toEqual([]);
    });

  it('says which workshops there are when the URL names none that exists', async () => {
    const root = document.createElement('main');
    document.body.append(root);
    const run = await showPage(root, new URLSearchParams('workshop=nope'), { keepUrl: false });
    expect(run).toBeUndefined();
    expect(root.querySelector('.error')?.textContent).toBe(
      'no workshop "nope"; workshops: why-agent-groups-fail',
    );
  });
});
