/**
 * The built app (`vite build`), served as static files and driven in Debian's
 * Chromium as a user would: it plays a catalogue scenario to its end and
 * shows the verdicts and trace hash that `parley run` prints for the same
 * seed, and a shared URL (overrides and cursor included) reproduces the run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const outDir = mkdtempSync(join(tmpdir(), 'parley-dist-'));
let server: PreviewServer;
let browser: Browser;
let base: string;

function cli(...args: string[]): string {
  return spawnSync(process.execPath, [join(root, 'bin', 'parley.js'), ...args], {
    encoding: 'utf8',
  }).stdout;
}

/** The page's summary as label → text, once the run is shown. */
async function summaryOf(page: Page): Promise<Record<string, string>> {
  await page.waitForSelector('dl.summary dd', { timeout: 60_000 });
  return page.$$eval('dl.summary', (lists) => {
    const out: Record<string, string> = {};
    for (const dl of lists)
      for (const dt of dl.querySelectorAll('dt'))
        out[dt.textContent ?? ''] = dt.nextElementSibling?.textContent ?? '';
    return out;
  });
}

describe('the built app in Chromium', () => {
  beforeAll(async () => {
    await build({ root, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    server = await preview({
      root,
      logLevel: 'silent',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0 },
    });
    base = (server.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
  });

  it('plays a catalogue scenario to its end with the verdicts and hash of parley run', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/?scenario=two-phase-commit&seed=1&at=0`);
    const before = await summaryOf(page);
    expect(before['cursor']).toMatch(/seq 0 /);
    // Play at full speed to the end.
    await page.selectOption('.toolbar select', { label: 'max' });
    await page.keyboard.press('Space');
    await page.waitForFunction(
      () => /seq (\d+) \/ \1 /.test(document.querySelector('.toolbar')?.textContent ?? ''),
      null,
      { timeout: 60_000 },
    );
    const after = await summaryOf(page);
    const run = cli('run', 'two-phase-commit', '--seed', '1');
    expect(run).toContain(`trace hash ${after['trace hash']}`);
    const verdicts = await page.$$eval('.verdicts button, .verdicts li', (xs) =>
      xs.map((x) => x.textContent ?? ''),
    );
    expect(verdicts.join(' ')).toContain('termination');
    expect(run).toContain('✓ termination  fails (expected fails)');
    expect(verdicts.some((v) => v.includes('termination') && v.includes('fails'))).toBe(true);
    // Clicking the verdict jumps to the first record that proves it: the coordinator's crash.
    await page.locator('.verdicts button', { hasText: 'termination' }).click();
    await page.waitForFunction(() =>
      /kind crash|crash coord/.test(document.body.textContent ?? ''),
    );
    expect((await summaryOf(page))['cursor']).toMatch(/crash coord/);
    expect(errors).toEqual([]);
  }, 120_000);

  it('reproduces a shared link: variant, overrides, seed and cursor', async () => {
    const page = await browser.newPage();
    const q = 'scenario=lossy-handoff&variant=mitigated&set=network.dropRatio%3D0.4&seed=3&at=40';
    await page.goto(`${base}/?${q}`);
    const s = await summaryOf(page);
    expect(
      cli(
        'run',
        'lossy-handoff',
        '--variant',
        'mitigated',
        '--set',
        'network.dropRatio=0.4',
        '--seed',
        '3',
      ),
    ).toContain(`trace hash ${s['trace hash']}`);
    expect(s['cursor']).toMatch(/seq 40 /);
    expect(page.url()).toContain('at=40');
  }, 120_000);

  it('re-runs the scenario with a main parameter changed from its controls, as parley run --set does', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/?scenario=lossy-handoff&seed=2`);
    await summaryOf(page);
    const select = page.locator('.knobs label', { hasText: 'network.dropRatio' }).locator('select');
    await Promise.all([page.waitForURL(/set=network\.dropRatio/), select.selectOption('0.3')]);
    const s = await summaryOf(page);
    expect(cli('run', 'lossy-handoff', '--seed', '2', '--set', 'network.dropRatio=0.3')).toContain(
      `trace hash ${s['trace hash']}`,
    );
  }, 120_000);

  it('opens a trace file, a sweep file and a malformed file picked by the user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-files-'));
    const trace = join(dir, 'run.jsonl');
    const printed = cli('run', 'majority-vote-partition', '--seed', '4', '--trace', trace);
    const page = await browser.newPage();
    await page.goto(`${base}/?scenario=two-generals`);
    await summaryOf(page);
    await page.setInputFiles('input[type=file]', trace);
    await page.waitForFunction(() => document.body.textContent?.includes('loaded run.jsonl'));
    const s = await summaryOf(page);
    expect(printed).toContain(`trace hash ${s['trace hash']}`);
    expect(s['scenario']).toContain('majority-vote-partition');

    const sweep = join(dir, 'rows.csv');
    spawnSync(process.execPath, [
      join(root, 'bin', 'parley.js'),
      'sweep',
      'two-generals',
      '--seeds',
      '3',
      '--workers',
      '1',
      '--out',
      sweep,
    ]);
    await page.setInputFiles('input[type=file]', sweep);
    await page.waitForSelector('text=sweep results');
    expect(await page.locator('svg rect').count()).toBeGreaterThan(4);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nagents: [{id: a, protocol: paxos}]\nnetwork: { dropRatio: 7 }\n');
    await page.setInputFiles('input[type=file]', bad);
    await page.waitForSelector('pre.error');
    expect(await page.locator('pre.error').textContent()).toContain(
      'bad.yaml:3:23: network.dropRatio: must be at most 1, got the number 7',
    );
  }, 120_000);

  it('works from any folder of a static host: served under /sub/path/ it loads and runs', async () => {
    // A plain static server that knows nothing of the app: files of the build under /sub/path/.
    const types: Record<string, string> = {
      '.html': 'text/html',
      '.js': 'text/javascript',
      '.css': 'text/css',
    };
    const http: Server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (!path.startsWith('/sub/path/')) {
        res.writeHead(404).end();
        return;
      }
      const rel = normalize(path.slice('/sub/path/'.length) || 'index.html');
      try {
        const body = readFileSync(join(outDir, rel));
        res.writeHead(200, { 'content-type': types[extname(rel)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${port}/sub/path/?scenario=two-generals&seed=2`);
      const s = await summaryOf(page);
      expect(cli('run', 'two-generals', '--seed', '2')).toContain(`trace hash ${s['trace hash']}`);
      expect(errors).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }, 120_000);

  it('takes a screenshot of every view for a few scenarios (written to PARLEY_SHOTS or a temporary folder, for people to look at)', async () => {
    const dir = process.env['PARLEY_SHOTS'] ?? mkdtempSync(join(tmpdir(), 'parley-shots-'));
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    for (const [scenario, seed] of [
      ['two-phase-commit', 1],
      ['taint-boundary', 2],
      ['prompt-infection', 1],
    ] as const) {
      await page.goto(`${base}/?scenario=${scenario}&seed=${seed}`);
      await summaryOf(page);
      // Each view shown in the stage first (its key), then taken.
      for (const [i, [key, view]] of [
        ['d', 'canvas'],
        ['t', 'svg.topology, .topology svg'],
        ['c', '.convergence, .charts'],
      ].entries()) {
        await page.keyboard.press(key as string);
        const target = page.locator(view as string).first();
        if ((await target.count()) === 0) continue;
        const file = join(dir, `${scenario}-${i}.png`);
        const png = await target.screenshot({ path: file });
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect(png.length).toBeGreaterThan(2000);
      }
    }
  }, 120_000);
});
