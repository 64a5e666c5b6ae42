/** The page's side of run-worker.ts: one run in a fresh module worker, as a promise. */
import type { ScheduleSpec } from '../sim/explore.ts';
import type { Decision, StopReason } from '../sim/index.ts';

/** What to run: a catalogue scenario by name, or a scenario's YAML text. */
export interface RunRequest {
  readonly scenarioName?: string;
  readonly scenarioText?: string;
  /** The file name shown in load errors for `scenarioText`. */
  readonly file?: string;
  readonly variant?: string;
  /** `path=value` overrides, as `--set` on the command line. */
  readonly overrides?: readonly string[];
  /** Default: the scenario's own seed, else 1. */
  readonly seed?: number;
  /** A schedule of `parley explore`: its choices replace the network's draws. */
  readonly schedule?: ScheduleSpec;
}

/** The run's outcome without the trace. */
export interface RunSummary {
  readonly scenario: string;
  readonly seed: number;
  readonly stop: { readonly reason: StopReason; readonly tick: number };
  readonly events: number;
  readonly decisions: readonly Decision[];
  /** The trace's hash, as its end line gives it. */
  readonly hash: string;
  readonly records: number;
  /** The scenario file's variant names and description. */
  readonly variants: readonly string[];
  readonly description?: string;
}

export type RunReply =
  | { readonly ok: true; readonly jsonl: string; readonly summary: RunSummary }
  | {
      readonly ok: false;
      /** Whether the scenario failed to load (the message then lists the problems). */
      readonly load: boolean;
      readonly error: string;
    };

/** Runs `request` in a new worker; resolves with its reply (an error reply for a crashed worker). */
export function runInWorker(request: RunRequest): Promise<RunReply> {
  const worker = new Worker(new URL('./run-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<RunReply>((resolve) => {
    worker.onmessage = (e: MessageEvent<RunReply>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e: ErrorEvent) => {
      worker.terminate();
      resolve({ ok: false, load: false, error: e.message || 'the run worker failed' });
    };
    worker.postMessage(request);
  });
}
