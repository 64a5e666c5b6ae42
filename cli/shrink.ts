/**
 * `parley shrink`: a smaller run that still violates the same property, at
 * the same seed. Greedy, one change at a time, each kept only if the
 * property still fails: drop a fault, drop an agent (and the faults and links
 * that name it), halve a fault's window, cut the run's ticks to just past the
 * failure. In the spirit of delta debugging (Zeller and Hildebrandt 2002) and
 * of TigerBeetle's and Jepsen's shrinkers, on the scenario's structure.
 * Node only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { PROTOCOLS, SCHEDULERS } from '../scenarios/protocols/index.ts';
import {
  check,
  judge,
  loadScenario,
  type Manifest,
  runScenario,
  type Scenario,
  type ScenarioFile,
  viewOf,
} from '../sim/index.ts';
import { loadNamed } from './catalog.ts';
import { UsageError } from './errors.ts';

export interface ShrinkResult {
  readonly source: ScenarioFile;
  readonly property: string;
  readonly seed: number;
  readonly removed: readonly string[];
  readonly runs: number;
  readonly agentsBefore: number;
  readonly agentsAfter: number;
}

/** Most runs a shrink may spend. */
const RUNS_MAX = 400;

type Agents = ScenarioFile['agents'];
const agentCount = (a: Agents) => (Array.isArray(a) ? a.length : a.count);

/**
 * Records that say the scenario itself is broken rather than the protocol
 * failing: an agent addressing an agent that is gone, reading a source that
 * is gone, or crashed by the engine for a step too large.
 */
function troubleCount(run: { trace: Parameters<typeof viewOf>[0] }): number {
  const view = viewOf(run.trace);
  return (
    view.ofKind('error').length +
    view.ofKind('crash').filter((r) => (r.data as { reason?: unknown } | undefined)?.reason).length
  );
}

/**
 * Whether `source` still fails `property` at `seed`; the last tick of the
 * failing verdict's records, or undefined. A candidate with more troubles
 * than the original (`troublesMax`) fails for another reason: a removed
 * agent that others still address is no smaller version of the same failure.
 */
function fails(
  source: ScenarioFile,
  seed: number,
  property: string,
  troublesMax = Number.POSITIVE_INFINITY,
): { tick: number; troubles: number } | undefined {
  let scenario: Scenario;
  try {
    scenario = loadScenario(stringify(source), {
      protocols: PROTOCOLS,
      schedulers: SCHEDULERS,
    }).scenario;
  } catch {
    return undefined; // the change made the scenario invalid: not a candidate
  }
  const run = runScenario(scenario, { seed });
  const troubles = troubleCount(run);
  if (troubles > troublesMax) return undefined;
  const spec = (source.checks ?? []).find((c) => c.property === property);
  const v = check(viewOf(run.trace), property, spec?.options);
  if (v.status !== 'fails') return undefined;
  const ticks = v.records.map((s) => run.trace.record(s).tick);
  return { tick: ticks.length > 0 ? Math.max(...ticks) : run.stop.tick, troubles };
}

function ids(a: Agents): string[] {
  return Array.isArray(a)
    ? a.map((x) => x.id)
    : Array.from({ length: a.count }, (_, i) => `${a.idPrefix ?? 'a'}${i}`);
}

/** The scenario without agent `id`: its entry, and every fault and link naming it. */
function withoutAgent(s: ScenarioFile, id: string): ScenarioFile | undefined {
  const clone = structuredClone(s) as ScenarioFile & Record<string, unknown>;
  if (Array.isArray(clone.agents)) {
    if (clone.agents.length <= 1) return undefined;
    clone.agents = clone.agents.filter((a) => a.id !== id);
  } else {
    const all = ids(clone.agents);
    if (id !== all.at(-1) || clone.agents.count <= 1) return undefined; // a group shrinks from its end
    clone.agents = { ...clone.agents, count: clone.agents.count - 1 };
    if (clone.agents.agents?.[id] !== undefined) {
      const { [id]: _, ...rest } = clone.agents.agents;
      clone.agents = { ...clone.agents, agents: rest };
    }
  }
  const names = (f: Record<string, unknown>) =>
    [f['agent'], ...((f['from'] as string[]) ?? []), ...((f['to'] as string[]) ?? [])].includes(id);
  if (clone.faults !== undefined)
    clone.faults = clone.faults
      .filter((f) => !names(f as Record<string, unknown>))
      .map((f) =>
        'groups' in f && f.groups !== undefined
          ? {
              ...f,
              groups: f.groups.map((g) => g.filter((x) => x !== id)).filter((g) => g.length > 0),
            }
          : f,
      );
  if (clone.network?.links !== undefined)
    clone.network = {
      ...clone.network,
      links: clone.network.links.filter((l) => l.source !== id && l.target !== id),
    };
  return clone;
}

/**
 * The scenario of a trace file as a scenario file, from its manifest (which
 * keeps the scenario as data): agents, network (a scheduler by its name and
 * options), faults, trust, costs, checks and limits, and the run's seed.
 */
function fromTrace(file: string): { source: ScenarioFile; scenario: Scenario } {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const firstLine = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  let manifest: Manifest & { type?: string };
  try {
    manifest = JSON.parse(firstLine);
  } catch {
    throw new UsageError(`${file}:1:1: the first line is not a parley manifest (not JSON)`);
  }
  if (manifest?.type !== 'manifest')
    throw new UsageError(`${file}:1:1: the first line is not a parley manifest`);
  const spec = structuredClone(manifest.spec) as Record<string, unknown>;
  const network = (spec['network'] ?? {}) as Record<string, unknown>;
  if (typeof network['scheduler'] === 'string') {
    const m = /^([^()]+)(?:\((.*)\))?$/.exec(network['scheduler']);
    const options: Record<string, unknown> = { name: m?.[1] ?? network['scheduler'] };
    for (const part of (m?.[2] ?? '').split(',')) {
      const [k, v] = part.split('=').map((x) => x.trim());
      if (k) options[k] = v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    }
    network['scheduler'] = options;
  }
  const source = { ...spec, network, seed: manifest.seed } as unknown as ScenarioFile;
  const { scenario } = loadScenario(stringify(source), {
    protocols: PROTOCOLS,
    schedulers: SCHEDULERS,
    file,
  });
  return { source, scenario };
}

export function shrink(
  name: string,
  o: {
    seed?: number | undefined;
    property?: string | undefined;
    variant?: string | undefined;
    set: readonly string[];
  },
): ShrinkResult {
  const loaded = name.endsWith('.jsonl')
    ? fromTrace(name)
    : loadNamed(name, { variant: o.variant, overrides: o.set });
  const seed = o.seed ?? loaded.source.seed ?? 1;
  // The variant and overrides are applied once; the shrunk file stands alone.
  let source = structuredClone(loaded.source) as ScenarioFile & Record<string, unknown>;
  delete source.variants;
  delete source.sweep;
  let property = o.property;
  if (property === undefined) {
    const verdicts = judge(runScenario(loaded.scenario, { seed }).trace).verdicts;
    const failing =
      verdicts.find((v) => v.status === 'fails' && !v.met) ??
      verdicts.find((v) => v.status === 'fails');
    if (failing === undefined)
      throw new UsageError(
        `${name} at seed ${seed} violates none of its checks: nothing to shrink (name one with --property)`,
      );
    property = failing.property;
  }
  const first = fails(source, seed, property);
  if (first === undefined)
    throw new UsageError(`${name} at seed ${seed} does not violate ${property}: nothing to shrink`);
  const removed: string[] = [];
  let runs = 1;
  let failTick = first.tick;
  const agentsBefore = agentCount(source.agents);
  const tryStep = (candidate: ScenarioFile | undefined, what: string): boolean => {
    if (candidate === undefined || runs >= RUNS_MAX) return false;
    runs++;
    const r = fails(candidate, seed, property as string, first.troubles);
    if (r === undefined) return false;
    source = candidate as typeof source;
    failTick = r.tick;
    removed.push(what);
    return true;
  };
  for (let progress = true; progress && runs < RUNS_MAX; ) {
    progress = false;
    // Faults, last first.
    for (let i = (source.faults?.length ?? 0) - 1; i >= 0; i--) {
      const faults = [...(source.faults ?? [])];
      const [gone] = faults.splice(i, 1);
      if (tryStep({ ...source, faults }, `fault ${JSON.stringify(gone)}`)) progress = true;
    }
    // Agents, last first.
    for (const id of [...ids(source.agents)].reverse()) {
      if (tryStep(withoutAgent(source, id), `agent ${id}`)) progress = true;
    }
    // Shorter fault windows.
    (source.faults ?? []).forEach((f, i) => {
      if ('tickEnd' in f && f.tickEnd !== undefined && f.tickEnd - f.tickStart > 1) {
        const faults = [...(source.faults ?? [])];
        const half = Math.floor((f.tickEnd - f.tickStart) / 2);
        faults[i] = { ...f, tickEnd: f.tickStart + half } as typeof f;
        if (
          tryStep(
            { ...source, faults },
            `fault ${i} window ${f.tickStart}..${f.tickEnd} to ${f.tickStart}..${f.tickStart + half}`,
          )
        )
          progress = true;
      }
    });
  }
  // Fewer ticks: stop just after the failure shows. Not for liveness
  // properties: cutting the run short would make them fail by itself.
  const ticksMax = source.limits?.ticksMax;
  const liveness =
    property === 'termination' || property === 'convergence' || property === 'utility';
  if (!liveness && (ticksMax === undefined || failTick + 1 < ticksMax))
    tryStep(
      { ...source, limits: { ...source.limits, ticksMax: Math.max(1, failTick + 1) } },
      `ticks after ${failTick + 1}`,
    );
  return {
    source: { ...source, seed } as ScenarioFile,
    property,
    seed,
    removed,
    runs,
    agentsBefore,
    agentsAfter: agentCount(source.agents),
  };
}
