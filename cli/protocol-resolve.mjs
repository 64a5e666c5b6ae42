// Module resolve hook (node:module register), installed by cli/protocol-files.ts
// before it imports a protocol file: lets a protocol file in any folder import
// `xstate` and `parley`, and read as an ES module.
//
// - `parley` is the module the command itself runs, so that a protocol file
//   shares its instance (effects, classes, symbols): the compiled build's
//   parley.js when the command runs from it (PARLEY_BUILD, set by
//   bin/parley.js), always; else the checkout's sim/index.ts when the file's
//   folder cannot resolve it itself. A resolution that lands on the checkout's
//   sim/index.ts while the build runs (tsx reads tsconfig.json's paths) is
//   turned to the build's too.
// - `xstate` is always the checkout's copy: the engine steps the machine with
//   its own xstate, and two copies would not mix.
// - A .ts or .js file outside node_modules whose folder has no package.json
//   saying "type" is read as an ES module: Node would read it as CommonJS, and
//   `import`/`export` would fail in a protocol written in /tmp.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_ENV } from './compiled.mjs';

const CHECKOUT = new URL('../', import.meta.url).href;
const SOURCE = new URL('../sim/index.ts', import.meta.url).href;
const BUILD = process.env[BUILD_ENV];
const PARLEY = BUILD ? new URL('parley.js', BUILD).href : SOURCE;

/** Folder → whether a package.json at or above it says "type". */
const typed = new Map();

function declaresType(folder) {
  const known = typed.get(folder);
  if (known !== undefined) return known;
  let answer = false;
  const pkg = join(folder, 'package.json');
  if (existsSync(pkg)) {
    try {
      answer = typeof JSON.parse(readFileSync(pkg, 'utf8')).type === 'string';
    } catch {
      answer = false;
    }
  } else {
    const parent = dirname(folder);
    answer = parent === folder ? false : declaresType(parent);
  }
  typed.set(folder, answer);
  return answer;
}

export async function resolve(specifier, context, next) {
  if (specifier === 'xstate' || specifier.startsWith('xstate/'))
    return next(specifier, { ...context, parentURL: CHECKOUT });
  if (specifier === 'parley') {
    if (BUILD) return { url: PARLEY, shortCircuit: true };
    try {
      return await next(specifier, context);
    } catch {
      return { url: PARLEY, shortCircuit: true };
    }
  }
  const resolved = await next(specifier, context);
  if (BUILD && resolved.url === SOURCE) return { url: PARLEY, shortCircuit: true };
  if (
    resolved.format === 'commonjs' &&
    resolved.url.startsWith('file:') &&
    !resolved.url.includes('/node_modules/') &&
    /\.(ts|js)$/.test(resolved.url) &&
    !declaresType(dirname(fileURLToPath(resolved.url)))
  )
    return { ...resolved, format: 'module' };
  return resolved;
}
