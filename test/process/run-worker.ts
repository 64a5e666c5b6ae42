/** Worker thread body: runs workerData.file at workerData.seed with real programs and posts the trace hash. */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { registerProcessHost } from '../../cli/process-host.ts';
import { PROTOCOLS } from '../../scenarios/protocols/index.ts';
import { loadScenario, runScenario } from '../../sim/index.ts';

const { file, seed } = workerData as { file: string; seed: number; entry: string };
registerProcessHost();
const { scenario } = loadScenario(readFileSync(file, 'utf8'), { protocols: PROTOCOLS, file });
const result = runScenario({ ...scenario, processBase: dirname(file) }, { seed });
parentPort?.postMessage({ hash: result.trace.hash(), events: result.events });
