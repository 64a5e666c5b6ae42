// A fresh thread for `parley run --check-determinism`: loads the scenario anew
// (protocol files imported afresh, module state and all) and runs it once.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { loadNamed, prepareNamed } = await import('./catalog.ts');
const { runScenario } = await import('../sim/index.ts');

const { name, variant, set, seed, hash, linesMax } = workerData;
try {
  await prepareNamed(name, { variant, overrides: set });
  const { scenario } = loadNamed(name, { variant, overrides: set });
  const { trace } = runScenario(scenario, { seed });
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
