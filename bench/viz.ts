/**
 * The visualizer in Chromium: time to the space-time diagram's first frame
 * for traces of 10,000, 100,000 and 1,000,000 events, and the frame time
 * while scrubbing (targets: first frame under 1 s at 100,000 events, 30
 * frames per second or better while scrubbing).
 */
import { chromium } from 'playwright';
import { createServer } from 'vite';
import type { Row } from './report.ts';

export async function vizRows(): Promise<Row[]> {
  const server = await createServer({ logLevel: 'silent', server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  const url = server.resolvedUrls?.local[0] ?? '';
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const rows: Row[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}viz/dev/bench.html`);
    await page.waitForFunction(() => 'parleyBench' in window, null, { timeout: 60_000 });
    for (const events of [10_000, 100_000, 1_000_000]) {
      const first = await page.evaluate(
        (n) =>
          (
            window as unknown as { parleyBench: { firstFrame(n: number): { ms: number } } }
          ).parleyBench.firstFrame(n),
        events,
      );
      const scrub = await page.evaluate(() =>
        (window as unknown as { parleyBench: { scrub(n: number): number } }).parleyBench.scrub(60),
      );
      const label = events.toLocaleString('en');
      rows.push({ name: `first frame, ${label} events`, value: first.ms, unit: 'ms' });
      rows.push({
        name: `scrubbing, ${label} events (frames per second)`,
        value: 1000 / scrub,
        unit: 'fps',
      });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return rows;
}
