/** Web worker body: runs the golden scenarios in the browser's worker and posts their hashes. */
import { runScenario } from '../../sim/index.ts';
import { goldenScenarios } from '../fixtures/scenarios.ts';

const hashes: Record<string, string> = {};
for (const { scenario, seed } of goldenScenarios) {
  hashes[`${scenario.name}@${seed}`] = runScenario(scenario, { seed }).trace.hash();
}
postMessage(hashes);
