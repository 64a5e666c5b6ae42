// A fresh thread for `parley run --check-determinism`: loads the scenario anew
// (protocol files imported afresh, module state and all) and runs it once,
// from the compiled build when the command runs from it (PARLEY_BUILD, set by
// bin/parley.js), else from the TypeScript modules through tsx.
import { parentPort, workerData } from 'node:worker_threads';
import { BUILD_ENV } from './compiled.mjs';

const build = process.env[BUILD_ENV];
let catalog;
let parley;
let models;
if (build) {
  catalog = await import(`${build}catalog.js`);
  parley = await import(`${build}parley.js`);
  (await import(`${build}process-host.js`)).registerProcessHost();
  models = await import(`${build}model-host.js`);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  catalog = await import('./catalog.ts');
  parley = await import('../sim/index.ts');
  (await import('./process-host.ts')).registerProcessHost();
  models = await import('./model-host.ts');
}
const { loadNamed, prepareNamed } = catalog;
const { runScenario } = parley;

const { name, variant, set, seed, hash, engine, linesMax, cassette } = workerData;
// Model agents answer as in the command's own runs: its --cassette, else a catalogue scenario's.
models.registerModelHostFor(name, cassette);
try {
  await prepareNamed(name, { variant, overrides: set });
  const { scenario } = loadNamed(name, { variant, overrides: set });
  const { trace } = runScenario(scenario, { seed, engine });
  const own = trace.hash();
  if (own === hash) parentPort.postMessage({ hash: own });
  else {
    const lines = [];
    for (const line of trace.lines()) {
      if (lines.length >= linesMax) break;
      lines.push(line);
    }
    parentPort.postMessage({ hash: own, lines });
  }
} catch (err) {
  parentPort.postMessage({ error: String(err?.message ?? err) });
}
