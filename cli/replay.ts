/** `parley replay TRACE`: run a trace's manifest again and compare, line by line. Node only. */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import {
  createSimulation,
  type Manifest,
  PARLEY_VERSION,
  scenarioFromManifest,
} from '../sim/index.ts';
import { UsageError } from './errors.ts';

export interface ReplayOutcome {
  readonly identical: boolean;
  readonly lines: number;
  readonly message: string;
}

/** Replays the trace in `file`; identical when every line, the end line with its hash included, matches. */
export async function replay(file: string): Promise<ReplayOutcome> {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const it = lines[Symbol.asyncIterator]();
  const first = await it.next();
  let manifest: Manifest & { type?: string };
  try {
    manifest = JSON.parse(first.value ?? '');
  } catch {
    throw new UsageError(`${file}:1:1: the first line is not a parley manifest (not JSON)`);
  }
  if (manifest?.type !== 'manifest')
    throw new UsageError(`${file}:1:1: the first line is not a parley manifest`);
  const scenario = scenarioFromManifest(manifest, { protocols: PROTOCOLS, schedulers: SCHEDULERS });
  if (Array.isArray(scenario))
    throw new UsageError(`${file}: cannot rebuild the run: ${scenario.join('; ')}`);
  const version =
    manifest.parley === PARLEY_VERSION
      ? ''
      : ` (the trace was written by parley ${manifest.parley}; this is parley ${PARLEY_VERSION})`;
  const sim = createSimulation(scenario, { seed: manifest.seed });
  sim.run();
  let n = 1;
  const expected = sim.trace.lines();
  const header = expected.next().value as string;
  if (header !== first.value)
    return { identical: false, lines: n, message: `line 1 (the manifest) differs${version}` };
  for (;;) {
    const a = await it.next();
    const b = expected.next();
    n++;
    if (a.done && b.done) break;
    if (a.done || b.done || a.value !== b.value) {
      const what = a.done
        ? 'the file ends early'
        : b.done
          ? 'the file has more lines than the run'
          : `expected ${b.value}\n       got ${a.value}`;
      return { identical: false, lines: n, message: `line ${n} differs${version}: ${what}` };
    }
  }
  return {
    identical: true,
    lines: n - 1,
    message: `identical: ${n - 1} lines, hash ${sim.trace.hash()}${version}`,
  };
}
