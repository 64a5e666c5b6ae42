/**
 * Runs one benchmark case in this process and prints its figure as JSON:
 * `case.ts KIND AGENTS`, `case.ts memory`, `case.ts rng`, `case.ts sweep WORKERS [ENGINE]`, `case.ts viz` or `case.ts protocol NAME`.
 * Each case loads only its own modules, so the browser and server code of
 * one does not sit in the heap of another.
 */
import { tuneV8 } from '../cli/v8.ts';

// Measured as the command line runs.
tuneV8();
const [kind, arg, engine] = process.argv.slice(2);
let out: unknown;
if (kind === 'memory') {
  out = (await import('./engine.ts')).memoryRows();
} else if (kind === 'viz') {
  out = await (await import('./viz.ts')).vizRows();
} else if (kind === 'sweep') {
  const { sweepRate } = await import('./sweep.ts');
  out = await sweepRate(Number(arg), engine === 'xstate' ? 'xstate' : 'auto');
} else if (kind === 'protocol') {
  out = await (await import('./protocols/case.ts')).measureProtocol(String(arg));
} else if (kind === 'rng') {
  out = (await import('./rng.ts')).rngRows();
} else {
  const { measureCase } = await import('./engine.ts');
  out = measureCase(kind as Parameters<typeof measureCase>[0], Number(arg));
}
process.stdout.write(JSON.stringify(out));
