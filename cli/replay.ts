/**
 * `parley replay TRACE`: run a trace's manifest again and compare, line by
 * line. The file is read once, in chunks: each line is checked as a trace
 * line (is the file whole, does its hash check?) and compared with the
 * re-run's line. Node only.
 */
import { dirname, resolve } from 'node:path';
import { scheduleChooser, scheduleSpecOf } from '../sim/explore.ts';
import {
  createSimulation,
  type EngineChoice,
  hasProcessAgents,
  type Manifest,
  type ModelHost,
  PARLEY_VERSION,
  recordedHost,
  recordedModelHost,
  scenarioFromManifest,
  type TraceRecord,
} from '../sim/index.ts';
import { TraceReadError, TraceReader } from '../sim/trace-read.ts';
import { UsageError } from './errors.ts';
import { manifestRegistry, prepareManifest } from './protocol-files.ts';
import { CHUNK_BYTES, fileLines, traceModelRecords } from './trace-file.ts';

export interface ReplayOutcome {
  readonly identical: boolean;
  readonly lines: number;
  /** First whether the file is intact, then where it and the re-run part, each side named. */
  readonly message: string;
}

/**
 * Replays the trace in `file`; identical when every line, the end line with
 * its hash included, matches. Throws a UsageError when the first line is not
 * a manifest this parley can re-run.
 */
export async function replay(
  file: string,
  chunkBytes = CHUNK_BYTES,
  /** Where the run's protocol files are; default the trace's folder. */
  protocolsDir?: string,
  /** How protocol machines are stepped; the trace is the same whichever. */
  engine: EngineChoice = 'auto',
  /** Run process agents' programs again, and ask model agents' model again, instead of answering from the recording. */
  live = false,
  /** Model agents' answers (a `--cassette` host) instead of the trace's own `model` records. */
  models?: ModelHost,
): Promise<ReplayOutcome> {
  const lines = fileLines(file, chunkBytes);
  const reader = new TraceReader(file);
  let damage: TraceReadError | undefined;
  const check = (line: string) => {
    if (damage !== undefined) return;
    try {
      reader.line(line);
    } catch (e) {
      if (!(e instanceof TraceReadError)) throw e;
      damage = e;
    }
  };
  const first = lines.next();
  if (first.done) throw new UsageError(`${file}:1:1: the file is empty, not a parley trace`);
  const header = first.value.endsWith('\r') ? first.value.slice(0, -1) : first.value;
  check(header);
  // Without a manifest this parley reads, there is nothing to re-run.
  if (damage !== undefined) throw new UsageError(damage.message);
  const manifest = JSON.parse(header) as Manifest;
  // Protocol files the run used, found again from the trace's folder, each checked against its SHA-256.
  await prepareManifest(manifest, file, protocolsDir);
  const { registry, changed } = manifestRegistry(manifest, file, protocolsDir);
  const scenario = scenarioFromManifest(manifest, registry);
  if (Array.isArray(scenario))
    throw new UsageError(`${file}: cannot rebuild the run: ${scenario.join('; ')}`);
  const version =
    manifest.parley === PARLEY_VERSION
      ? ''
      : ` (the trace was written by parley ${manifest.parley}; this is parley ${PARLEY_VERSION})`;
  // A schedule found by `parley explore`: the same choices again.
  const schedule = manifest.choices === undefined ? undefined : scheduleSpecOf(manifest.choices);
  if (typeof schedule === 'string') throw new UsageError(`${file}: line 1: ${schedule}`);
  // Process agents answer from the trace's own output records, unless --live runs their programs.
  const programs = hasProcessAgents(scenario);
  const sim = createSimulation(
    programs && live
      ? { ...scenario, processBase: protocolsDir ?? dirname(resolve(file)) }
      : scenario,
    {
      seed: manifest.seed,
      engine,
      ...(schedule === undefined ? {} : { chooser: scheduleChooser(schedule) }),
      ...(programs && !live ? { processes: recordedHost(outputRecords(file, chunkBytes)) } : {}),
      // Model agents answer from the trace's own model records (read at the first ask), unless --live asks the model.
      ...(models !== undefined
        ? { models }
        : live
          ? {}
          : {
              models: lazyModelHost(() => recordedModelHost(traceModelRecords(file, chunkBytes))),
            }),
    },
  );
  try {
    sim.run();
  } finally {
    models?.close();
  }
  const expected = sim.trace.lines();
  let difference: string | undefined;
  if (expected.next().value !== header)
    difference = `line 1 (the manifest) differs from the re-run's${version}`;
  let n = 1;
  // Every line of the file is read, to know whether it is whole, after the first difference too.
  for (const raw of lines) {
    n++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    check(line);
    if (difference !== undefined) continue;
    const b = expected.next();
    if (b.done)
      difference = `line ${n} is in the file but the re-run has only ${n - 1} lines${version}:\n  in the file: ${line}`;
    else if (b.value !== line)
      difference = `${stepDiffers(line, b.value) ?? `line ${n} differs`}${version}:\n  in the file: ${line}\n  re-run:      ${b.value}`;
  }
  if (difference === undefined) {
    const b = expected.next();
    if (!b.done)
      difference = `the file ends at line ${n}; the re-run goes on${version}:\n  re-run:      line ${n + 1}: ${b.value}`;
  }
  if (damage === undefined) {
    try {
      reader.finish();
    } catch (e) {
      if (!(e instanceof TraceReadError)) throw e;
      damage = e;
    }
  }
  if (changed.length > 0)
    return {
      identical: false,
      lines: n,
      message: [
        ...changed,
        ...(damage === undefined ? [] : [`the file is not intact: ${damage.message}`]),
        difference === undefined
          ? 'every line matches the re-run with the file as it is now, but it is not the file the run used'
          : `re-run with the file as it is now: ${difference}`,
      ].join('\n'),
    };
  if (damage === undefined && difference === undefined)
    return {
      identical: true,
      lines: n,
      message: `identical: ${n} lines, hash ${sim.trace.hash()}${version}`,
    };
  const intact =
    damage === undefined
      ? `the file is intact (its hash ${reader.finish().hash()} checks) but the re-run differs`
      : `the file is not intact: ${damage.message}`;
  return {
    identical: false,
    lines: n,
    message: `${intact}\n${difference ?? 'every line matches the re-run'}`,
  };
}

/** The `output` records of the trace in `file`: what its process agents wrote, step by step. */
function outputRecords(file: string, chunkBytes: number): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (const line of fileLines(file, chunkBytes))
    if (line.includes('"kind":"output"')) {
      try {
        const r = JSON.parse(line) as TraceRecord;
        if (r.kind === 'output') out.push(r);
      } catch {
        // a damaged line: the line-by-line check reports it
      }
    }
  return out;
}

/** A host made at its first request, so a trace without model agents is not read for them. */
function lazyModelHost(make: () => ModelHost): ModelHost {
  let host: ModelHost | undefined;
  return {
    complete(agent, request, hash, spec) {
      host ??= make();
      return host.complete(agent, request, hash, spec);
    },
    close() {
      host?.close();
    },
  };
}

/** When two differing lines are one process agent's step, which step, in words. */
function stepDiffers(inFile: string, rerun: string): string | undefined {
  try {
    const a = JSON.parse(inFile) as TraceRecord;
    const b = JSON.parse(rerun) as TraceRecord;
    if (a.kind !== 'output' || b.kind !== 'output' || a.seq !== b.seq) return undefined;
    return `record ${a.seq}: agent ${a.agent}'s program wrote something else at tick ${a.tick}, in its step answering record ${a.cause}`;
  } catch {
    return undefined;
  }
}
