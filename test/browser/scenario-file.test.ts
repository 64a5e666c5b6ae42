/**
 * A scenario file dropped on the page (or picked) in real Chromium: it
 * becomes the page's scenario (the picker names it and offers its
 * variants; its variant and seed can be changed), its run is the one the
 * loader and engine give for the file's text, and the page's link carries
 * the file (deflate and base64url, `?file=…&name=…`), so that a reload
 * shows the same run. A file too big for a link is still shown, and the
 * page says the link cannot carry it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { loadScenario, runScenario, type Trace } from '../../sim/index.ts';
import '../../viz/style.css';
import { CATALOG } from '../../viz/catalog.ts';
import { decodeFile, encodeFile, URL_FILE_CHARS_MAX } from '../../viz/file-url.ts';
import { setPresenting } from '../../viz/layout.ts';
import { type RunPage, shownRun, showPage } from '../../viz/main.ts';
import { openPage } from './boxes.ts';

beforeEach(async () => {
  await page.viewport(1280, 720);
});

afterEach(() => {
  shownRun()?.dispose();
  setPresenting(false);
  document.body.replaceChildren();
});

/** Two-generals under another name, its link less lossy: a scenario that is not in the catalogue. */
const MINE = (CATALOG.get('two-generals') as string)
  .replace('name: two-generals', 'name: my-generals')
  .replace('dropRatio: 0.3', 'dropRatio: 0.25');

function ran(text: string, seed: number, variant?: string): Trace {
  const { scenario } = loadScenario(text, {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file: 'my-generals.yaml',
    ...(variant === undefined ? {} : { variant }),
  });
  return runScenario(scenario, { seed }).trace;
}

/** Drops `text` as a file named `name` on the page. */
function drop(name: string, text: string): void {
  const dt = new DataTransfer();
  dt.items.add(new File([text], name));
  document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true }));
}

/** Waits for the page to show a run other than `before`. */
const nextRun = (before: RunPage | undefined) =>
  vi.waitFor(
    () => {
      const run = shownRun();
      if (run === undefined || run === before) throw new Error('not shown yet');
      return run;
    },
    { timeout: 30_000, interval: 20 },
  );

const summary = () =>
  new Map(
    [...document.querySelectorAll('dl.summary dt')].map((dt) => [
      dt.textContent,
      dt.nextElementSibling?.textContent,
    ]),
  );
const field = (name: string) =>
  document.querySelector(`.picker [name="${name}"]`) as HTMLInputElement | HTMLSelectElement;

describe('a scenario file dropped on the page', () => {
  it('encodes a file in a URL and back, byte for byte', async () => {
    for (const text of [MINE, '', 'é ✓ 𝄞\n'.repeat(50)]) {
      const code = await encodeFile(text);
      expect(code).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(await decodeFile(code)).toBe(text);
    }
    expect((await encodeFile(MINE)).length).toBeLessThan(URL_FILE_CHARS_MAX);
    await expect(decodeFile('not base64!')).rejects.toThrow(
      /^the scenario file in the link cannot be read/,
    );
  });

  it('becomes the page scenario, its variant and seed can be changed, and its link brings it back', async () => {
    const first = await openPage(showPage, 'scenario=two-generals&seed=2');
    drop('my-generals.yaml', MINE);
    let run = await nextRun(first);
    const expected = ran(MINE, 2);
    // The picker names the file and offers its variants; the run is the file's at its seed.
    const select = field('scenario') as HTMLSelectElement;
    expect(select.value).toBe(':file');
    expect(select.selectedOptions[0]?.textContent).toBe('my-generals.yaml (your file)');
    expect([...(field('variant') as HTMLSelectElement).options].map((o) => o.value)).toEqual([
      '',
      'more-hops',
    ]);
    expect(field('seed').value).toBe('2');
    expect(summary().get('scenario')).toBe('my-generals');
    expect(summary().get('trace hash')).toBe(expected.hash());
    expect(summary().get('trace hash')).not.toBe(
      ran(CATALOG.get('two-generals') as string, 2).hash(),
    );
    // The link carries the file.
    const query = new URLSearchParams(run.query);
    expect(query.get('name')).toBe('my-generals.yaml');
    expect(await decodeFile(query.get('file') as string)).toBe(MINE);

    // Its variant and seed changed from the picker: the file's run with them.
    (field('variant') as HTMLSelectElement).value = 'more-hops';
    field('seed').value = '5';
    const before = run;
    (document.querySelector('.picker') as HTMLFormElement).requestSubmit();
    run = await nextRun(before);
    expect(summary().get('scenario')).toBe('my-generals (more-hops)');
    expect(summary().get('seed')).toBe('5');
    expect(summary().get('trace hash')).toBe(ran(MINE, 5, 'more-hops').hash());
    expect((field('scenario') as HTMLSelectElement).value).toBe(':file');
    const again = new URLSearchParams(run.query);
    expect([again.get('name'), again.get('variant'), again.get('seed')]).toEqual([
      'my-generals.yaml',
      'more-hops',
      '5',
    ]);
    expect(again.get('file')).toBe(query.get('file'));

    // A reload: the page from its link alone.
    shownRun()?.dispose();
    document.body.replaceChildren();
    await openPage(showPage, run.query as string);
    expect(summary().get('scenario')).toBe('my-generals (more-hops)');
    expect(summary().get('trace hash')).toBe(ran(MINE, 5, 'more-hops').hash());
    expect((field('scenario') as HTMLSelectElement).selectedOptions[0]?.textContent).toBe(
      'my-generals.yaml (your file)',
    );
  });

  it('says when a file is too big for the link, and still runs it', async () => {
    // A comment of text that does not compress: the file is far past what a link carries.
    let x = 1;
    const noise = Array.from({ length: 400 }, () =>
      Array.from({ length: 60 }, () => {
        x = (x * 48271) % 2147483647;
        return 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[x % 62];
      }).join(''),
    );
    const big = `${MINE}\n${noise.map((l) => `# ${l}`).join('\n')}\n`;
    const first = await openPage(showPage, 'scenario=two-generals&seed=2');
    drop('big.yaml', big);
    const run = await nextRun(first);
    const kb = (new TextEncoder().encode(big).length / 1024).toFixed(1);
    expect(document.querySelector('.file-too-big')?.textContent).toBe(
      `big.yaml is too big to carry in the page's link (${kb} kB; the link carries files up to about 4.4 kB compressed): the link names it only, and a reload will not bring it back. Drop the file again after a reload.`,
    );
    expect(summary().get('trace hash')).toBe(ran(big, 2).hash());
    const q = new URLSearchParams(run.query);
    expect([q.get('name'), q.get('file')]).toEqual(['big.yaml', null]);
  });
});
