/**
 * `npm run build:cli`, also run by `prepare` (npm runs it on `npm install`,
 * `npm ci` and `npm pack` in the checkout): compiles the command line, the
 * engine and the shipped protocols into dist-cli/ with esbuild, so that
 * `parley` starts without a TypeScript loader (bin/parley.js, cli/compiled.mjs).
 *
 * - Entries: the command (main, with v8 and terminal apart so that the V8
 *   flags and the terminal guard are set before the rest loads), `parley`
 *   (sim/index.ts: what a protocol file's `import … from 'parley'` gets, the
 *   same module instance the command uses), the sweep worker's and the
 *   determinism worker's modules. Code they share is split into chunks,
 *   loaded once.
 * - Packages are bundled (fewer files to find and read at start), except
 *   the package's three dependencies (see `external`).
 * - Every output file sits directly in dist-cli/, and each module's
 *   `import.meta.url` is rewritten to its source file's URL, found from the
 *   output's own: the catalogue, the lessons, the templates, the page and the
 *   worker scripts are read from the package's folders as from the sources.
 * - build.json, written last, records each file compiled (size, time,
 *   SHA-256) so that cli/compiled.mjs can tell a build made from other
 *   sources. The build is made in a folder of its own and renamed into place:
 *   a command starting meanwhile finds either a whole build or none.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { build, version } from 'esbuild';
import { BUILD_DIR, inputStamp, ROOT, STAMP_FILE } from '../cli/compiled.mjs';

const SELF = 'scripts/build-cli.mjs';
/** Files that shape the output without being compiled: the compiler settings and this script. */
const SETTINGS = ['tsconfig.json', SELF];

const entryPoints = {
  main: 'cli/main.ts',
  v8: 'cli/v8.ts',
  terminal: 'cli/terminal.ts',
  parley: 'sim/index.ts',
  'sweep-task': 'cli/sweep-task.ts',
  catalog: 'cli/catalog.ts',
  'process-host': 'cli/process-host.ts',
  'model-host': 'cli/model-host.ts',
};

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.js': 'js', '.mjs': 'js', '.json': 'json' };

/** Each file compiled, by its path from ROOT with '/', as the stamp records it. */
const inputs = new Map();

/**
 * Reads each source file once: records its stamp from the very bytes
 * compiled, and gives its `import.meta.url` the source file's URL.
 */
const sources = {
  name: 'parley-sources',
  setup(b) {
    b.onLoad({ filter: /\.(m?ts|m?js|json)$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const rel = relative(ROOT, args.path).split(sep).join('/');
      const stat = statSync(args.path);
      const bytes = readFileSync(args.path);
      inputs.set(rel, {
        size: stat.size,
        mtimeMs: stat.mtimeMs,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      let text = bytes.toString('utf8');
      const other = /\bimport\.meta\.(?!url\b)\w+/.exec(text);
      if (other !== null)
        throw new Error(
          `${rel} uses ${other[0]}, which the compiled build does not map to the source's place: use import.meta.url`,
        );
      // Outputs sit one folder below ROOT (checked below), so ROOT is '../' from any of them.
      text = text.replace(
        /\bimport\.meta\.url\b/g,
        `new URL(${JSON.stringify(rel)}, new URL('../', import.meta.url)).href`,
      );
      return { contents: text, loader: LOADERS[extname(args.path)] };
    });
  },
};

/**
 * zod's error messages in every language but English (a third of what the
 * command would load): parley reports its own messages and uses zod's
 * default, English. Only zod's index of locales is replaced, by one naming
 * English alone; when zod moves it, nothing matches and the build is whole.
 */
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]node_modules[/\\]zod[/\\]/.test(args.importer)
        ? {
            path: join(dirname(args.importer), '..', 'locales', 'index.js'),
            namespace: 'zod-locales',
          }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};\n`,
      resolveDir: dirname(args.path),
    }));
  },
};

/** Whether a process with this id runs (a build's working folder is kept while it does). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// Working folders left by builds that died.
for (const f of readdirSync(ROOT)) {
  const m = /^dist-cli\.(?:tmp|old)-(\d+)$/.exec(f);
  if (m !== null && !alive(Number(m[1]))) rmSync(join(ROOT, f), { recursive: true, force: true });
}

const work = `${BUILD_DIR}.tmp-${process.pid}`;
const old = `${BUILD_DIR}.old-${process.pid}`;
rmSync(work, { recursive: true, force: true });
try {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: work,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // Packages are bundled but three, the package's `dependencies`: xstate,
    // which protocol files import too and which must be one copy; piscina,
    // which starts its own worker file; tsx, loaded only for a TypeScript
    // protocol file. Those bundled are devDependencies.
    external: ['xstate', 'piscina', 'tsx'],
    // The CommonJS packages bundled (yaml) require Node's own modules.
    banner: {
      js: "import { createRequire as __parleyRequire } from 'node:module'; const require = __parleyRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [sources, englishOnly],
  });
  for (const out of Object.keys(result.metafile.outputs))
    if (dirname(join(ROOT, out)) !== work)
      throw new Error(
        `${out} is not directly in the build's folder; import.meta.url would be wrong`,
      );
  for (const file of SETTINGS) inputs.set(file, inputStamp(join(ROOT, file)));
  const stamp = {
    note: 'Written by scripts/build-cli.mjs; cli/compiled.mjs uses this build only while every input is unchanged.',
    esbuild: version,
    entries: entryPoints,
    inputs: Object.fromEntries([...inputs].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  writeFileSync(join(work, STAMP_FILE), `${JSON.stringify(stamp, null, 1)}\n`);
  if (existsSync(BUILD_DIR)) renameSync(BUILD_DIR, old);
  renameSync(work, BUILD_DIR);
  rmSync(old, { recursive: true, force: true });
  const files = readdirSync(BUILD_DIR).filter((f) => f.endsWith('.js')).length;
  process.stdout.write(
    `parley: compiled ${inputs.size - SETTINGS.length} source files into ${relative(process.cwd(), BUILD_DIR) || '.'}/ (${files} modules)\n`,
  );
} catch (err) {
  rmSync(work, { recursive: true, force: true });
  // Installing a checkout whose sources do not compile yet still installs:
  // `parley` then runs the sources, whose errors say more. Packing fails.
  const installing = ['install', 'ci'].includes(process.env.npm_command ?? '');
  process.stderr.write(
    `parley: the command line did not compile${installing ? ' (parley will run its sources)' : ''}: ${err?.message ?? err}\n`,
  );
  process.exitCode = installing ? 0 : 1;
}
