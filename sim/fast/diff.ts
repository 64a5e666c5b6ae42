/**
 * The differential check of the fast path against xstate: the same scenario
 * and seed run once with xstate machines and once with the compiled ones
 * must give the same trace hash; when they do not, the first differing
 * record says where the fast path went wrong. (The end line's own hash is
 * left out of the comparison: it is a function of what comes before.)
 */
import type { ModelHost } from '../models.ts';
import { runScenario } from '../simulation.ts';
import type { Protocol, Scenario } from '../spec.ts';
import type { Trace } from '../trace.ts';
import { type EngineChoice, fastProtocol } from './engine.ts';

/** Fast copies of protocols, by the xstate protocol they copy. */
const copies = new WeakMap<Protocol, Protocol>();

/** `protocol` with its machine compiled, or `protocol` itself when it does not compile. Cached. */
export function fastCopy(protocol: Protocol): Protocol {
  let copy = copies.get(protocol);
  if (copy === undefined) {
    const fast = fastProtocol(protocol);
    copy = 'unsupported' in fast ? protocol : fast;
    copies.set(protocol, copy);
  }
  return copy;
}

/** True when `protocol` steps on the fast path. */
export function isFast(protocol: Protocol): boolean {
  return (protocol.machine as unknown as { fast?: unknown }).fast === true;
}

/** `scenario` with every agent's protocol on the fast path where it compiles. Pure. */
export function fastScenario(scenario: Scenario): Scenario {
  return {
    ...scenario,
    agents: scenario.agents.map((a) => ({ ...a, protocol: fastCopy(a.protocol) })),
  };
}

/** The outcome of one differential run. */
export interface Difference {
  readonly seed: number;
  readonly hashXstate: string;
  readonly hashFast: string;
  /** 1-based line of the JSONL trace where the two first differ (the manifest is line 1). */
  readonly line: number;
  readonly xstate: string | undefined;
  readonly fast: string | undefined;
}

/** One differential run: events the xstate run took, and the difference if any. */
export interface Comparison {
  readonly events: number;
  readonly difference: Difference | undefined;
  /** The message both runs threw, when both threw the same: nothing was compared. */
  readonly threw?: string;
}

/**
 * Runs `xstate` (a scenario on xstate machines) and `fast` (the same on
 * compiled ones) at `seed` and compares the traces: every line the hash
 * covers, or with `hashes` the two hashes themselves (a few times slower);
 * on a difference, finds the first differing record. A run that throws on
 * one path must throw the same message on the other. Pure.
 */
export function compare(
  xstate: Scenario,
  fast: Scenario,
  seed: number,
  hashes = false,
  /** A fresh model host per run, for scenarios whose agents ask a model (a cassette's). */
  models?: () => ModelHost,
): Comparison {
  // The xstate side forced onto xstate (the default, auto, would compile its machines too).
  const run = (s: Scenario, engine: EngineChoice) => {
    try {
      const r = runScenario(s, {
        seed,
        engine,
        ...(models === undefined ? {} : { models: models() }),
      });
      return { trace: r.trace, events: r.events, error: undefined };
    } catch (err) {
      return { trace: undefined, events: 0, error: String((err as Error)?.message ?? err) };
    }
  };
  const x = run(xstate, 'xstate');
  const f = run(fast, 'auto');
  const events = x.events;
  if (x.trace === undefined || f.trace === undefined) {
    if (x.error === f.error) return { events, difference: undefined, threw: x.error as string };
    const difference = {
      seed,
      hashXstate: x.trace?.hash() ?? `threw: ${x.error}`,
      hashFast: f.trace?.hash() ?? `threw: ${f.error}`,
      line: 0,
      xstate: x.error,
      fast: f.error,
    };
    return { events, difference };
  }
  if (hashes && x.trace.hash() === f.trace.hash()) return { events, difference: undefined };
  const d = firstDifferentLine(x.trace, f.trace);
  if (d === undefined) {
    if (!hashes) return { events, difference: undefined };
    throw new Error(`seed ${seed}: equal lines under different hashes: the trace hash is broken`);
  }
  const difference = {
    seed,
    hashXstate: x.trace.hash(),
    hashFast: f.trace.hash(),
    line: d.line,
    xstate: d.a,
    fast: d.b,
  };
  return { events, difference };
}

/**
 * The first line where two traces' JSONL files differ, 1-based, up to the
 * end line's hash: equal lines mean equal hashes, and comparing them costs a
 * tenth of hashing both. Undefined when they agree.
 */
export function firstDifferentLine(
  a: Trace,
  b: Trace,
): { line: number; a: string | undefined; b: string | undefined } | undefined {
  const lineOf = (t: Trace, i: number): string | undefined =>
    i === 0
      ? t.headerLine()
      : i <= t.length
        ? t.recordLine(i - 1)
        : i === t.length + 1
          ? t.endPrefix()
          : undefined;
  const n = Math.max(a.length, b.length) + 2;
  for (let i = 0; i < n; i++) {
    const la = lineOf(a, i);
    const lb = lineOf(b, i);
    if (la !== lb) return { line: i + 1, a: la, b: lb };
  }
  return undefined;
}

/** `compare`'s difference alone. Pure. */
export function compareAt(xstate: Scenario, fast: Scenario, seed: number): Difference | undefined {
  return compare(xstate, fast, seed).difference;
}

/** One line saying where a differential run diverged, then the two records. */
export function describeDifference(name: string, d: Difference): string {
  if (d.line === 0)
    return `${name} seed ${d.seed}: the runs ended differently:\n  xstate: ${d.hashXstate}\n  fast:   ${d.hashFast}`;
  return `${name} seed ${d.seed}: hashes ${d.hashXstate.slice(0, 12)} (xstate) and ${d.hashFast.slice(0, 12)} (fast) differ first at line ${d.line}:\n  xstate: ${d.xstate ?? '(none)'}\n  fast:   ${d.fast ?? '(none)'}`;
}
