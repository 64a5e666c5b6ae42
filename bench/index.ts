/**
 * `npm run bench`: every figure is measured in this run, next to the baseline
 * it is compared with (the plain-JS floor, xstate's own step), medians of
 * several repeats, each case in a fresh Node process. Not a test: nothing
 * here fails on a slow machine.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { CHROMIUM } from './chromium.ts';
import { engineRows, ROUNDS } from './engine.ts';
import { printExplore } from './explore.ts';
import { printFast } from './fast.ts';
import { compileBench, inFreshProcess } from './fresh.ts';
import { printProcess } from './process.ts';
import { protocolBenchNames } from './protocols/case.ts';
import { printRows, printTargets, type Row } from './report.ts';
import { startupRows } from './startup.ts';
import { SWEEP_REFERENCE, sweepWorkerCode } from './sweep.ts';

const caseUrl = new URL('./case.ts', import.meta.url).href;

function runCase(...args: string[]): unknown {
  return JSON.parse(inFreshProcess(caseUrl, args));
}

await compileBench();

console.log(
  `parley bench · node ${process.version} · ${availableParallelism()} cores · ${cpus()[0]?.model ?? 'unknown cpu'}`,
);
printRows(
  `Start-up (wall time of \`node bin/parley.js …\` to its exit, compiled build, median of 15)`,
  startupRows(),
);
printRows('Random streams (5,000,000 draws, median of 5)', runCase('rng') as Row[]);
printRows(
  `Engine throughput (relay workload, one token per agent, 300,000 events, median of 5 after 4 untimed, fresh process per case, median of ${ROUNDS} rounds)`,
  engineRows((kind, agents) => runCase(kind, String(agents)) as number),
);
printRows('Memory (20,000 agents started, no messages)', runCase('memory') as Row[]);
printRows(
  'Protocols (fixed configuration each, trace on, seeds 1, 2, … up to 200,000 events, median of 5)',
  protocolBenchNames().map((name) => runCase('protocol', name) as Row),
);
printFast();
printProcess();
printExplore();
const sweepXstate = runCase('sweep', '1', 'xstate') as number;
const sweepXstate2 = runCase('sweep', '2', 'xstate') as number;
const sweep1 = runCase('sweep', '1') as number;
const sweep2 = runCase('sweep', '2') as number;
printRows(`Sweep throughput (${SWEEP_REFERENCE}, pool start-up included, ${sweepWorkerCode()})`, [
  { name: '1 worker, xstate', value: sweepXstate, unit: 'runs/s' },
  { name: '2 workers, xstate', value: sweepXstate2, unit: 'runs/s' },
  { name: '1 worker, fast path (auto)', value: sweep1, unit: 'runs/s' },
  { name: '2 workers, fast path (auto)', value: sweep2, unit: 'runs/s' },
  { name: 'fast over xstate, 1 worker (target >= 2.5)', value: sweep1 / sweepXstate, unit: 'x' },
  { name: 'speed-up, 2 workers over 1 (target >= 1.4)', value: sweep2 / sweep1, unit: 'x' },
  { name: 'speed-up, 2 workers over 1, xstate', value: sweepXstate2 / sweepXstate, unit: 'x' },
]);
if (existsSync(CHROMIUM))
  printRows(
    'Visualizer in Chromium: the space-time diagram (relay workload, 20 agents, drawn as density; targets: first frame < 1000 ms, scrubbing >= 30 fps), the compare view (two such runs on one axis, same targets), then arrows against density on gossip-loss with 200 agents (the density threshold)',
    runCase('viz') as Row[],
  );
else
  console.log(
    `\n(Visualizer skipped: no Chromium at ${CHROMIUM}; install Debian's with node scripts/ensure-system.mjs, or set PARLEY_CHROMIUM)`,
  );
printTargets();
