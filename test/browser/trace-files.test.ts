import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOLS, SCHEDULERS } from '../../scenarios/protocols/index.ts';
import { loadScenario, runScenario, type Trace } from '../../sim/index.ts';
import { CATALOG, loadCatalog } from '../../viz/catalog.ts';
import { exportsBar } from '../../viz/exports.ts';
import { loadDroppedFile, loadedSummary } from '../../viz/files.ts';

const SEED = 2;

afterEach(() => {
  document.body.replaceChildren();
});

/** The error `loadDroppedFile` rejects with, or fails the test. */
async function errorOf(file: File): Promise<Error> {
  try {
    await loadDroppedFile(file);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${file.name} loaded although it is not a whole trace`);
}

/** The first problem a strict XML parser finds in `text`, or undefined. */
function parseProblem(text: string): string | undefined {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  return doc.getElementsByTagName('parsererror')[0]?.textContent ?? undefined;
}

/** lossy-handoff with agents whose ids hold control characters, markup and line breaks. */
function oddIdsRun(): Trace {
  const ids = ['boss <&> "\'\n\u2028\u0085', 'a\u0001b', '\u001b[2J'].map((id) =>
    JSON.stringify(id),
  );
  const text = (CATALOG.get('lossy-handoff') as string)
    .replace('{ id: boss,', `{ id: ${ids[0]},`)
    .replace('{ id: w1 }', `{ id: ${ids[1]} }`)
    .replace('{ id: w2 }', `{ id: ${ids[2]} }`);
  const { scenario } = loadScenario(text, { protocols: PROTOCOLS, schedulers: SCHEDULERS });
  return runScenario(scenario, { seed: SEED }).trace;
}

describe('a trace file dropped on the page', () => {
  it('is refused when cut at a line boundary, holding only its manifest, or with an edited end line', async () => {
    const { trace } = runScenario(loadCatalog('two-generals').scenario, { seed: SEED });
    const text = trace.toJSONL();
    const lines = text.split('\n');
    expect(
      (await errorOf(new File([`${lines.slice(0, 12).join('\n')}\n`], 'cut.jsonl'))).message,
    ).toBe(
      `cut.jsonl:12:${(lines[11] as string).length + 1}: the trace ends at line 12 without its end line: the file was cut short`,
    );
    expect((await errorOf(new File([`${lines[0]}\n`], 'head.jsonl'))).message).toBe(
      `head.jsonl:1:${(lines[0] as string).length + 1}: the trace ends at line 1, its manifest, without its end line: the file was cut short`,
    );
    const stop = trace.stop as { tick: number };
    const edited = text.replace(`"tick":${stop.tick},"hash"`, `"tick":${stop.tick + 1},"hash"`);
    expect((await errorOf(new File([edited], 'edited.jsonl'))).message).toMatch(
      new RegExp(
        `^edited\\.jsonl:${lines.length - 1}:1: the end line's hash "[0-9a-f]{64}" does not match`,
      ),
    );
    // The whole file loads, read a chunk at a time, with the run's hash and stop.
    const loaded = await loadDroppedFile(new File([text], 'whole.jsonl'));
    if (loaded.kind !== 'trace') throw new Error('whole.jsonl did not load as a trace');
    expect(loaded.trace.hash()).toBe(trace.hash());
    expect(loadedSummary(loaded).textContent).toContain(`${stop.tick}`);
  });
});

describe("the page's SVG export", () => {
  it('is well-formed XML when agent ids hold control characters', async () => {
    // The parser is strict: an unescaped control character is an error.
    expect(
      parseProblem('<svg xmlns="http://www.w3.org/2000/svg"><text>a\u0001b</text></svg>'),
    ).toBeTruthy();
    const trace = oddIdsRun();
    const files: { blob: Blob; name: string }[] = [];
    const bar = exportsBar(trace, { download: (blob, name) => files.push({ blob, name }) });
    document.body.append(bar);
    (bar.querySelector('.export-svg') as HTMLButtonElement).click();
    const svg = await (files[0] as { blob: Blob }).blob.text();
    expect(parseProblem(svg)).toBe(undefined);
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const labels = [...doc.querySelectorAll('text')].map((t) => t.textContent);
    expect(labels).toContain('a\\u0001b');
    expect(labels).toContain('\\u001b[2J');
  });
});
