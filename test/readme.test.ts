/**
 * The README's commands, run as written, so the README cannot drift from
 * the tool: its first block (install and start, install and test), the
 * command-line tour, and the Slurm recipe with the merge that follows it.
 * Two changes only: `npx parley` is this checkout's bin/parley.js (the test
 * runs in a fresh folder), and seed counts are cut to 2 so the sweeps are
 * quick. A line that fails is named with its output.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const bin = join(root, 'bin', 'parley.js');

/** The fenced blocks of the README in order, with their language. */
function blocks(): { lang: string; lines: string[] }[] {
  const out: { lang: string; lines: string[] }[] = [];
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (const m of readme.matchAll(re))
    out.push({ lang: m[1] as string, lines: (m[2] as string).split('\n').filter((l) => l !== '') });
  return out;
}

/** A README line as the test runs it: without its comment, this checkout's parley, two seeds. */
function runnable(line: string): string {
  return line
    .replace(/\s+#\s.*$/, '')
    .replaceAll('npx parley', `"${process.execPath}" "${bin}"`)
    .replace(/--seeds \d+/g, '--seeds 2')
    .trim();
}

function sh(command: string, cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync('/bin/bash', ['-c', command], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the README, run as written', () => {
  it('starts with the two commands: install and start, install and test (the one CI runs)', () => {
    const first = blocks()[0] as { lang: string; lines: string[] };
    expect(first.lang).toBe('sh');
    expect(first.lines.map((l) => l.replace(/\s+#.*$/, ''))).toEqual([
      'npm install && npm start',
      'npm ci && npm test',
    ]);
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    expect(ci.trimEnd().split('\n').at(-1)).toBe('npm ci && npm test');
  });

  it('npm start serves the page and prints its URL', async () => {
    // Started in its own process group and ended by its PID, so no server outlives the test.
    const child: ChildProcess = spawn('npm', ['start'], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true', BROWSER: 'none' },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no URL in 60 s:\n${text}`)), 60_000);
        const onData = (chunk: Buffer) => {
          text += chunk.toString();
          // biome-ignore lint/suspicious/noControlCharactersInRegex: vite colours its output
          const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(text.replace(/\u001b\[[0-9;]*m/g, ''));
          // And how to serve it to a room: the README's `npm start -- --host`.
          if (
            m !== null &&
            text.includes('to serve the page on the local network: npm start -- --host')
          ) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.on('exit', (code) => reject(new Error(`npm start exited ${code}:\n${text}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>');
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    }
  });

  it('builds the static site as the README says, with relative paths', () => {
    const build = blocks().find((b) => b.lang === 'sh' && b.lines[0]?.startsWith('npm run build'));
    expect(build?.lines.map((l) => l.replace(/\s+#.*$/, ''))).toEqual(['npm run build']);
    const r = sh('npm run build', root);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(join(root, 'dist', 'index.html'), 'utf8');
    expect(html).toMatch(/src="\.\/assets\/index-[\w-]+\.js"/);
    expect(html).not.toMatch(/(src|href)="\//);
  });

  it('runs every line of the command-line tour', () => {
    const tour = blocks().find((b) => b.lang === 'sh' && b.lines[0]?.startsWith('npx parley list'));
    expect(tour).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'parley-readme-'));
    for (const line of tour?.lines ?? []) {
      const r = sh(runnable(line), dir);
      expect(r.code, `${line}\n${r.out}\n${r.err}`).toBe(0);
      expect(r.err, line).not.toMatch(/\n\s+at |node:internal/);
    }
    expect(readdirSync(dir).sort()).toEqual(
      expect.arrayContaining(['all.csv', 'all.summary.csv', 'handoff.csv', 't.jsonl', 't.svg']),
    );
  });

  it('runs the Slurm recipe as its 16 array tasks would, then the merge the README gives', () => {
    const script = blocks().find((b) => b.lang === 'sh' && b.lines[0] === '#!/bin/bash');
    const command = script?.lines.find((l) => l.startsWith('npx parley'));
    expect(command).toBeDefined();
    expect(script?.lines).toContain('#SBATCH --array=0-15');
    const dir = mkdtempSync(join(tmpdir(), 'parley-slurm-'));
    // One shell for the 16 tasks: each task is the line as Slurm would run it, with its task id.
    const tasks = Array.from(
      { length: 16 },
      (_, id) => `(SLURM_ARRAY_TASK_ID=${id}; ${runnable(command as string)})`,
    ).join(' && ');
    const r = sh(tasks, dir);
    expect(r.code, r.err).toBe(0);
    const merge = /then `(npx parley merge [^`]+)`/.exec(readme)?.[1];
    expect(merge).toBe('npx parley merge part-*.csv --out gossip.csv');
    const m = sh(runnable(merge as string), dir);
    expect(m.code, m.err).toBe(0);
    // gossip-loss varies 8 grid points; at 2 seeds that is 16 runs over the 16 shards.
    expect(m.out).toMatch(/^16 runs merged into gossip\.csv/);
  });
});
