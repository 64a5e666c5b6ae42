/**
 * The visualizer in Chromium. The space-time diagram on the relay workload
 * (20 agents) at 10,000, 100,000 and 1,000,000 events: its first frame, a
 * frame while zooming, and scrubbing (targets: first frame under 1 s, 30
 * frames per second or better while scrubbing); at those sizes it draws
 * density per lane and time. The compare view (two runs, seeds 1 and 2, of
 * 100,000 and 1,000,000 events each): its first frame from the two runs
 * (judged, diffRuns, A's diagram; B's, past compare.ts DEFER_RECORDS
 * records, is built on the frame after, a placeholder until then), the
 * frame with both diagrams drawn, and scrubbing its one cursor. Then the figures behind the density threshold
 * (DENSITY_PER_PX in viz/views/lamport.ts): gossip-loss with 200 agents
 * seen through windows holding more and more messages, the frame time of
 * arrows against density.
 */
import { chromium, type Page } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM } from './chromium.ts';
import type { Row } from './report.ts';

interface BenchPage {
  firstFrame(n: number): Promise<{ ms: number; records: number; mode: string; messages: number }>;
}

interface CompareBenchPage {
  compareFirstFrame(n: number): Promise<{
    ms: number;
    bothMs: number;
    deferred: boolean;
    diffMs: number;
    records: number;
    first: number;
    mode: string;
    messages: number;
  }>;
}

interface DiagramPage {
  parleyLamport: {
    setTimeDomain(d: readonly [number, number]): void;
    timeDomain(): readonly [number, number];
    highlight(seqs: null): void;
    drawing(): { mode: string; messages: number };
    canvas: HTMLCanvasElement;
  };
}

/** Evaluates `call` (an expression on `window.parleyBench`) in the page, awaiting a promise. */
const bench = (page: Page, call: string): Promise<number> =>
  page.evaluate(`window.parleyBench.${call}`) as Promise<number>;

/** Gossip-loss with 200 agents, 3 peers a round, 40 rounds: some 21,000 messages over 400 ticks. */
const CROWD =
  'scenario=gossip-loss&set=agents.count%3D200&set=params.fanout%3D3&set=params.roundsMax%3D40';

/** Mean ms per frame of the diagram at each of `fractions` of the run (from its start), and the messages in view. */
async function framesAt(
  page: Page,
  fractions: readonly number[],
): Promise<{ messages: number; ms: number; mode: string }[]> {
  return page.evaluate((fs) => {
    const v = (window as unknown as DiagramPage).parleyLamport;
    const last = v.timeDomain()[1];
    return fs.map((f) => {
      v.setTimeDomain([0, last * f]);
      v.highlight(null); // warm-up, untimed
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) v.highlight(null);
      const ms = (performance.now() - t0) / 10;
      return { messages: v.drawing().messages, ms, mode: v.drawing().mode };
    });
  }, fractions);
}

export async function vizRows(): Promise<Row[]> {
  const server = await createServer({ logLevel: 'silent', server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  const url = server.resolvedUrls?.local[0] ?? '';
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox'],
  });
  const rows: Row[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}viz/dev/bench.html`);
    await page.waitForFunction(() => 'parleyBench' in window, null, { timeout: 60_000 });
    for (const events of [10_000, 100_000, 1_000_000]) {
      const first = await page.evaluate(
        (n) => (window as unknown as { parleyBench: BenchPage }).parleyBench.firstFrame(n),
        events,
      );
      const zoomMs = await bench(page, 'zoom(20)');
      const scrubMs = await bench(page, 'scrub(60)');
      const shown = await bench(page, 'scrubShown(60)');
      const zoomedShown = await bench(page, 'scrubShown(60, 20)');
      const label = `${events.toLocaleString('en')} events, ${first.messages.toLocaleString('en')} messages as ${first.mode}`;
      rows.push({ name: `first frame, ${label}`, value: first.ms, unit: 'ms' });
      rows.push({ name: '  zooming, ms per frame', value: zoomMs, unit: 'ms' });
      rows.push({ name: '  scrubbing, script per frame', value: scrubMs * 1000, unit: 'µs' });
      rows.push({
        name: '  scrubbing, frames per second shown (one move per animation frame; the display caps it)',
        value: shown,
        unit: 'fps',
      });
      rows.push({
        name: '  scrubbing zoomed in to a twentieth (the view pans along), frames per second shown',
        value: zoomedShown,
        unit: 'fps',
      });
    }

    // The compare view (?compare=): two runs, one axis, one cursor, the first difference marked.
    for (const events of [100_000, 1_000_000]) {
      const first = await page.evaluate(
        (n) =>
          (window as unknown as { parleyBench: CompareBenchPage }).parleyBench.compareFirstFrame(n),
        events,
      );
      const scrubMs = await bench(page, 'compareScrub(60)');
      const shown = await bench(page, 'compareScrubShown(60)');
      const zoomedShown = await bench(page, 'compareScrubShown(60, 20)');
      const label = `compare view, two runs of ${events.toLocaleString('en')} events (seeds 1 and 2, first difference at seq ${first.first}), ${first.messages.toLocaleString('en')} messages as ${first.mode}`;
      rows.push({
        name: `first frame (both judged, diffRuns, ${first.deferred ? "A's diagram and B's placeholder" : 'both diagrams'}), ${label}`,
        value: first.ms,
        unit: 'ms',
      });
      rows.push({
        name: '  of which judging both and diffRuns',
        value: first.diffMs,
        unit: 'ms',
      });
      rows.push({
        name: `  both diagrams drawn (${first.deferred ? "B's built on the frame after the first" : 'the first frame'})`,
        value: first.bothMs,
        unit: 'ms',
      });
      rows.push({ name: '  scrubbing both, script per frame', value: scrubMs * 1000, unit: 'µs' });
      rows.push({
        name: '  scrubbing both, frames per second shown (one move per animation frame; the display caps it)',
        value: shown,
        unit: 'fps',
      });
      rows.push({
        name: '  scrubbing both zoomed in to a twentieth (both pan along), frames per second shown',
        value: zoomedShown,
        unit: 'fps',
      });
    }

    // The threshold: arrows against density on one crowded run, 1,000 px wide.
    const diagram = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const fractions = [0.03, 0.15, 0.22, 0.3, 0.45, 0.7, 1];
    await diagram.goto(`${url}viz/dev/lamport.html?${CROWD}&densityMin=1e12`);
    await diagram.waitForFunction(() => 'parleyLamport' in window, null, { timeout: 60_000 });
    const plotPx = await diagram.evaluate(
      () => (window as unknown as DiagramPage).parleyLamport.canvas.clientWidth - 134,
    );
    const arrows = await framesAt(diagram, fractions);
    await diagram.goto(`${url}viz/dev/lamport.html?${CROWD}&densityMin=0`);
    await diagram.waitForFunction(() => 'parleyLamport' in window, null, { timeout: 60_000 });
    const density = await framesAt(diagram, fractions);
    arrows.forEach((a, i) => {
      const perPx = (a.messages / plotPx).toFixed(1);
      const name = `gossip-loss, 200 agents, ${a.messages.toLocaleString('en')} messages in view (${perPx} per px of plot)`;
      rows.push({ name: `${name}: arrows, ms per frame`, value: a.ms, unit: 'ms' });
      rows.push({
        name: `${name}: density, ms per frame`,
        value: density[i]?.ms ?? Number.NaN,
        unit: 'ms',
      });
    });
  } finally {
    await browser.close();
    await server.close();
  }
  return rows;
}
