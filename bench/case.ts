/** Runs one benchmark case in this process and prints its figure as JSON: `case.ts KIND AGENTS` or `case.ts memory`. */
import { type EngineCase, measureCase, memoryRows } from './engine.ts';

const [kind, agents] = process.argv.slice(2);
if (kind === 'memory') {
  process.stdout.write(JSON.stringify(memoryRows()));
} else {
  process.stdout.write(JSON.stringify(measureCase(kind as EngineCase, Number(agents))));
}
