/**
 * Protocol benchmarks: one file per protocol in this folder exports `bench`,
 * a fixed configuration; the runner replays it over seeds 1, 2, 3, … until
 * EVENTS events were processed, with the trace on, and reports events per
 * second (median of REPEATS).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScenario, type Scenario } from '../../sim/index.ts';
import { median, type Row } from '../report.ts';

export interface ProtocolBench {
  readonly protocol: string;
  /** The fixed configuration, in a few words. */
  readonly config: string;
  readonly scenario: Scenario;
}

const EVENTS = 200_000;
const REPEATS = 5;

/** The protocol bench files, by name (without `.ts`). */
export function protocolBenchNames(): string[] {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'case.ts')
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Events per second of the named protocol's bench, with the trace on. */
export async function measureProtocol(name: string): Promise<Row> {
  const { bench } = (await import(`./${name}.ts`)) as { bench: ProtocolBench };
  const once = () => {
    let events = 0;
    for (let seed = 1; events < EVENTS; seed++)
      events += runScenario(bench.scenario, { seed, engine: 'xstate' }).events;
    return events;
  };
  once();
  const rates: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const events = once();
    rates.push(events / ((performance.now() - t0) / 1000));
  }
  return { name: `${bench.protocol} (${bench.config})`, value: median(rates), unit: 'ev/s' };
}
