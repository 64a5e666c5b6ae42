/**
 * The package as a user gets it: `npm pack`, then `npm install
 * ./parley-0.1.0.tgz` in an empty folder, then `npx parley run`, `sweep`,
 * a protocol of one's own and `serve`, with no checkout in reach. The pack
 * runs in a copy of this checkout's files (its node_modules linked), so that
 * packing, which builds the page and the command line, leaves the checkout's
 * own builds alone while other tests use them. Installing takes packages from
 * npm's cache when it has them. About 20 s here; every step is bounded.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
/** Folders the package is neither built nor run from. */
const NOT_COPIED = /^(test|docs|bench)\//;
const STEP_MS = 60_000;

/** Runs a command to its end (at most STEP_MS); its output, and an error naming it when it fails. */
function sh(command: string, args: readonly string[], cwd: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  delete env['PARLEY_BUILD'];
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env, timeout: STEP_MS });
  const said = `${command} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`;
  return { code: r.status, out: r.stdout, err: r.stderr, said };
}

/** The checkout's files as git sees them (tracked, and new ones not ignored), copied to `to`. */
function copyCheckout(to: string): void {
  const listed = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  expect(listed.status, listed.stderr).toBe(0);
  for (const file of new Set(listed.stdout.split('\0'))) {
    if (file === '' || NOT_COPIED.test(file)) continue;
    const from = join(root, file);
    if (!existsSync(from) || !statSync(from).isFile()) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(from, join(to, file));
  }
  symlinkSync(join(root, 'node_modules'), join(to, 'node_modules'), 'dir');
}

/** The files `npm pack --json` lists; its JSON comes last, after what the build scripts print. */
function packedFiles(out: string): { filename: string; files: string[] } {
  const at = out.lastIndexOf('\n[\n');
  const [pack] = JSON.parse(at < 0 ? out : out.slice(at + 1)) as {
    filename: string;
    files: { path: string }[];
  }[];
  return { filename: pack?.filename ?? '', files: (pack?.files ?? []).map((f) => f.path).sort() };
}

describe('the package, packed, installed in an empty folder and run', () => {
  const work = mkdtempSync(join(tmpdir(), 'parley-package-'));
  const source = join(work, 'source');
  const app = join(work, 'app');
  let packed: { filename: string; files: string[] } = { filename: '', files: [] };
  let server: ChildProcess | undefined;

  beforeAll(() => {
    copyCheckout(source);
    const pack = sh('npm', ['pack', '--json', '--pack-destination', work], source);
    expect(pack.code, pack.said).toBe(0);
    packed = packedFiles(pack.out);
    expect(packed.filename).toBe('parley-0.1.0.tgz');
    mkdirSync(app);
    const install = sh(
      'npm',
      ['install', join(work, packed.filename), '--prefer-offline', '--no-save'],
      app,
    );
    expect(install.code, install.said).toBe(0);
  }, 110_000);

  afterAll(() => {
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null)
      process.kill(-server.pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the compiled command, the built page, the catalogue and the templates, and no tests or sources', () => {
    const { files } = packed;
    for (const f of [
      'bin/parley.js',
      'cli/compiled.mjs',
      'cli/sweep-worker.mjs',
      'cli/determinism-worker.mjs',
      'cli/protocol-resolve.mjs',
      'dist-cli/build.json',
      'dist-cli/main.js',
      'dist-cli/parley.js',
      'dist-cli/sweep-task.js',
      'dist/index.html',
      'scenarios/catalog/two-generals.yaml',
      'scenarios/catalog/two-generals.md',
      'templates/my-protocol.ts',
      'README.md',
      'package.json',
    ])
      expect(files, f).toContain(f);
    expect(files.filter((f) => /^test\/|\.test\.ts$|^(sim|viz|scripts|bench)\//.test(f))).toEqual(
      [],
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.startsWith('templates/'))).toEqual([]);
    expect(existsSync(join(app, 'node_modules', 'parley', 'cli', 'main.ts'))).toBe(false);
  });

  it('depends on every package its compiled command imports', () => {
    const installed = join(app, 'node_modules', 'parley');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    for (const f of readdirSync(join(installed, 'dist-cli')).filter((f) => f.endsWith('.js')))
      for (const m of readFileSync(join(installed, 'dist-cli', f), 'utf8').matchAll(
        // Static imports start a line in esbuild's output; import() and require() (__require bundled) take a literal.
        /^(?:import|export)\b[^;]*?\bfrom\s*["']([^"'./][^"']*)["']|^import\s*["']([^"'./][^"']*)["']|\b(?:import|_*require)\(\s*["']([^"'./][^"']*)["']\s*\)/gm,
      )) {
        const name = (m[1] ?? m[2] ?? m[3] ?? '').replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1');
        if (!name.startsWith('node:') && !builtinModules.includes(name)) imported.add(name);
      }
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });

  it('runs `npx parley run two-generals`, with the trace hash the checkout gives', () => {
    const r = sh('npx', ['parley', 'run', 'two-generals'], app);
    expect(r.code, r.said).toBe(0);
    expect(r.err).toBe('');
    const hash = /trace hash ([0-9a-f]{64})/.exec(r.out)?.[1];
    const own = sh(process.execPath, [join(root, 'bin', 'parley.js'), 'run', 'two-generals'], root);
    expect(hash, r.said).toBe(/trace hash ([0-9a-f]{64})/.exec(own.out)?.[1]);
  });

  it('runs `npx parley sweep two-generals --seeds 2`, and again on two worker threads', () => {
    const r = sh('npx', ['parley', 'sweep', 'two-generals', '--seeds', '2'], app);
    expect(r.code, r.said).toBe(0);
    expect(r.out).toMatch(/24 runs in two-generals-sweep\.csv/);
    const w = sh(
      'npx',
      ['parley', 'sweep', 'two-generals', '--seeds', '2', '--workers', '2', '--out', 'w.csv'],
      app,
    );
    expect(w.code, w.said).toBe(0);
    // The same rows from the worker threads as from the first sweep.
    expect(readFileSync(join(app, 'w.csv'), 'utf8')).toBe(
      readFileSync(join(app, 'two-generals-sweep.csv'), 'utf8'),
    );
  });

  it('runs a protocol of your own written in TypeScript, importing parley and xstate', () => {
    const made = sh('npx', ['parley', 'new', 'protocol', 'ask-confirm'], app);
    expect(made.code, made.said).toBe(0);
    const r = sh('npx', ['parley', 'run', 'ask-confirm.yaml', '--check-determinism'], app);
    expect(r.code, r.said).toBe(0);
    expect(r.out).toMatch(/^ask-confirm · seed 1: identical over 3 runs/);
  });

  it('serves the built page with `npx parley serve`, until its process is ended', async () => {
    // Its own process group, ended by its PID, so no server outlives the test.
    const child = spawn('npx', ['parley', 'serve', '--port', '0'], {
      cwd: app,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`no URL in 30 s:\n${text}`)), 30_000);
      const onData = (chunk: Buffer) => {
        text += chunk.toString();
        const m = /the page is at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => reject(new Error(`parley serve exited ${code}:\n${text}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>parley</title>');
    const script = /src="\.\/(assets\/index-[\w-]+\.js)"/.exec(html)?.[1];
    const asset = await fetch(new URL(script as string, url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(new URL('no-such-file.js', url))).status).toBe(404);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-(child.pid as number), 'SIGTERM');
    await exited;
    await expect(fetch(url)).rejects.toThrow();
  });
});
