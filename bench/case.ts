/**
 * Runs one benchmark case in this process and prints its figure as JSON:
 * `case.ts KIND AGENTS`, `case.ts memory`, `case.ts rng`, `case.ts sweep WORKERS`, `case.ts viz` or `case.ts protocol NAME`.
 */
import { type EngineCase, measureCase, memoryRows } from './engine.ts';
import { measureProtocol } from './protocols/case.ts';
import { rngRows } from './rng.ts';
import { sweepRate } from './sweep.ts';
import { vizRows } from './viz.ts';

const [kind, agents] = process.argv.slice(2);
if (kind === 'memory') {
  process.stdout.write(JSON.stringify(memoryRows()));
} else if (kind === 'viz') {
  process.stdout.write(JSON.stringify(await vizRows()));
} else if (kind === 'sweep') {
  process.stdout.write(JSON.stringify(await sweepRate(Number(agents))));
} else if (kind === 'protocol') {
  process.stdout.write(JSON.stringify(await measureProtocol(String(agents))));
} else if (kind === 'rng') {
  process.stdout.write(JSON.stringify(rngRows()));
} else {
  process.stdout.write(JSON.stringify(measureCase(kind as EngineCase, Number(agents))));
}
