/**
 * Each benchmark case runs in a fresh Node process, on the benchmark's files
 * compiled as the command line's build is (scripts/build-cli.mjs: esbuild,
 * no names kept), not through tsx. tsx compiles with esbuild's keepNames,
 * which wraps every function and class made at run time in a call that sets
 * its name; the compiled command has none of it, and under tsx it cost up to
 * a fifth of a short run (two-generals on the fast path: 357 k events/s
 * through tsx, 446 k compiled). So the figures are the command's.
 *
 * `compileBench()` bundles the files run as children, once, into
 * node_modules/.cache (their packages resolve from there), removed when the
 * process ends. In a bundle, `import.meta.url`, `.dirname` and `.filename`
 * are the source file's, so each module finds its neighbours (scenarios,
 * worker scripts, bench/simpy.py) as from the sources; a bundle run as a
 * child knows it is the main module from PARLEY_BENCH_MAIN (`isMain`).
 */
import { type ExecFileSyncOptions, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Names, to a child, the source file whose bundle it runs. */
const MAIN_ENV = 'PARLEY_BENCH_MAIN';
/** The files `npm run bench` runs as children. */
const CHILDREN = ['case.ts', 'fast.ts', 'process.ts', 'explore.ts'];

/** Bundle by source path, once compileBench has run. */
const bundles = new Map<string, string>();

/** Each module's `import.meta.url`, `.dirname` and `.filename` made its source file's. */
const sourcePlaces: Plugin = {
  name: 'parley-bench-sources',
  setup(b) {
    b.onLoad({ filter: /\.(m?ts|m?js)$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8')
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
      return { contents: text, loader: args.path.endsWith('ts') ? 'ts' : 'js' };
    });
  },
};

/** Whether a process with this id runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Compiles the bench files run as children (once; later calls return at once). */
export async function compileBench(): Promise<void> {
  if (bundles.size > 0) return;
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  // Bundles left by a bench that was killed (a Ctrl-C skips the exit handler).
  for (const f of readdirSync(cache, { withFileTypes: true })) {
    const m = /^parley-bench-(\d+)$/.exec(f.name);
    if (m !== null && f.isDirectory() && !alive(Number(m[1])))
      rmSync(join(cache, f.name), { recursive: true, force: true });
  }
  const dir = join(cache, `parley-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const here = fileURLToPath(new URL('.', import.meta.url));
  await build({
    absWorkingDir: ROOT,
    entryPoints: CHILDREN.map((f) => join(here, f)),
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    logLevel: 'warning',
    plugins: [sourcePlaces],
  });
  for (const f of CHILDREN) bundles.set(join(here, f), join(dir, `${basename(f, '.ts')}.mjs`));
}

/**
 * Whether the module at `url` is the process's main module: run by its path,
 * or as a bundle by `inFreshProcess`.
 */
export function isMain(url: string): boolean {
  const file = fileURLToPath(url);
  return process.argv[1] === file || process.env[MAIN_ENV] === file;
}

/**
 * Runs the bench file at `url` (a source file's URL, one of CHILDREN),
 * compiled, in a fresh Node process with --expose-gc and `args`; returns
 * what it printed. compileBench must have run.
 */
export function inFreshProcess(
  url: string,
  args: readonly string[],
  options: Omit<ExecFileSyncOptions, 'encoding' | 'env' | 'stdio'> = {},
): string {
  const source = fileURLToPath(url);
  const bundle = bundles.get(source);
  if (bundle === undefined) throw new Error(`${source}: not compiled (call compileBench first)`);
  return execFileSync(process.execPath, ['--expose-gc', bundle, ...args], {
    ...options,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, [MAIN_ENV]: source },
  });
}
