/**
 * `parley shrink`: a smaller scenario that still fails the same way. Greedy,
 * one change at a time, each kept only if the candidate still fails the
 * same property with the same kind of violation: drop a fault, drop an
 * agent (and the faults and links that name it), halve a fault's window,
 * lower the loss, halve numeric parameters, cut the run's ticks to just past
 * the failure. In the spirit of delta debugging (Zeller and Hildebrandt
 * 2002) and of TigerBeetle's and Jepsen's shrinkers, on the scenario's
 * structure. Node only.
 *
 * "The same way" is checked, not hoped for:
 * - the same property fails, proved by records of the same kinds (two
 *   decisions that differ stay two decisions that differ);
 * - no new troubles: no agent may address an agent or a source that a step
 *   removed;
 * - when the failure needs the scenario's adversity (without its faults and
 *   loss the property holds), every kept step must need it too: a Paxos cut
 *   down to a lone proposer that stalls with or without the partition is a
 *   different failure, not a smaller one.
 * When the failure is probabilistic, a smaller scenario may show it at
 * another seed: each candidate is tried at a few seeds after the current one. *
 * A trace of `parley explore` (its manifest keeps the schedule's choices) is
 * shrunk as a schedule instead: see shrinkSchedule.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { type ScheduleSpec, scheduleChooser, scheduleSpecOf } from '../sim/explore.ts';
import {
  check,
  hasProcessAgents,
  judge,
  loadScenario,
  type Manifest,
  type ModelRecord,
  type Registry,
  runScenario,
  type Scenario,
  type ScenarioFile,
  type Trace,
  viewOf,
} from '../sim/index.ts';
import { loadNamed } from './catalog.ts';
import { UsageError } from './errors.ts';
import { type FileRegistry, manifestRegistry } from './protocol-files.ts';

/** One dimension of the scenario, before and after. */
export interface ShrinkDimension {
  readonly name: string;
  readonly before: string;
  readonly after: string;
}

export interface ShrinkResult {
  readonly source: ScenarioFile;
  readonly property: string;
  /** The seed the shrunk scenario fails at (it may differ from the original's). */
  readonly seed: number;
  readonly seedBefore: number;
  readonly removed: readonly string[];
  readonly runs: number;
  readonly agentsBefore: number;
  readonly agentsAfter: number;
  readonly dimensions: readonly ShrinkDimension[];
  /** The file of each protocol path in `source` (as written): rebase them when writing elsewhere. */
  readonly files: ReadonlyMap<string, string>;
  /** Candidate runs left out because a model agent's call reached no model (its reply was not recorded). */
  readonly unanswered: number;
  /** A schedule of parley explore, its choices shrunk: the shrunk file runs it with these (`parley run --choices`). */
  readonly schedule?: ScheduleSpec;
  /** The model replies the shrunk scenario's run at `seed` takes (a cassette to keep beside it); empty without model agents. */
  readonly models: readonly ModelRecord[];
}

/** Most runs a shrink may spend. */
const RUNS_MAX = 1000;
/** Seeds tried per candidate: the current one and the next few. */
const SEEDS_TRIED = 4;

type Agents = ScenarioFile['agents'];
type Source = ScenarioFile & Record<string, unknown>;
const agentCount = (a: Agents) => (Array.isArray(a) ? a.length : a.count);

/** How a run failed: the property and the kinds of the records that prove it. */
interface Failure {
  readonly tick: number;
  readonly kinds: string;
  readonly troubles: number;
}

/** A registry that also knows where the scenario's programs are found from (process agents). */
type ShrinkRegistry = Registry & { readonly processBase?: string | undefined };

function loaded(source: ScenarioFile, registry: ShrinkRegistry): Scenario | undefined {
  try {
    const { scenario } = loadScenario(stringify(source), {
      protocols: registry.protocols,
      ...(registry.schedulers === undefined ? {} : { schedulers: registry.schedulers }),
    });
    // Each candidate runs its programs live, from the original scenario's folder.
    return registry.processBase === undefined || !hasProcessAgents(scenario)
      ? scenario
      : { ...scenario, processBase: registry.processBase };
  } catch {
    return undefined; // the change made the scenario invalid: not a candidate
  }
}

/**
 * Records that say the scenario itself is broken rather than the protocol
 * failing: an agent addressing an agent that is gone, reading a source that
 * is gone, or crashed by the engine for a step too large.
 */
function troubleCount(trace: Trace): number {
  const view = viewOf(trace);
  return (
    view.ofKind('error').length +
    view.ofKind('crash').filter((r) => (r.data as { reason?: unknown } | undefined)?.reason).length
  );
}

/** Model failures that mean no model answered at all (none reachable), not a reply the run judges. */
const UNREACHED: readonly string[] = ['refused', 'timeout'];

/**
 * The first model call in `trace` that reached no model (the cassette lacked
 * its request and the endpoint refused or timed out), as "reason: detail".
 */
function unreachedAsk(trace: Trace): string | undefined {
  for (const r of viewOf(trace).ofKind('model')) {
    const error = (r.data as { reply?: { error?: { reason?: string; detail?: string } } } | null)
      ?.reply?.error;
    if (error?.reason !== undefined && UNREACHED.includes(error.reason))
      return `${error.reason}: ${String(error.detail)}`;
  }
  return undefined;
}

/** Candidate runs left out because a model agent's call reached no model. */
interface Unanswered {
  count: number;
}

/**
 * How `source` fails `property` at `seed`, or undefined when it does not (or
 * cannot be run). A run in which a model call reached no model is no
 * evidence either way: it is counted in `unanswered` and is not a candidate.
 */
function failure(
  source: ScenarioFile,
  seed: number,
  property: string,
  registry: Registry,
  unanswered?: Unanswered,
): Failure | undefined {
  const scenario = loaded(source, registry);
  if (scenario === undefined) return undefined;
  const run = runScenario(scenario, { seed });
  if (unanswered !== undefined && unreachedAsk(run.trace) !== undefined) {
    unanswered.count++;
    return undefined;
  }
  const proof = proofOf(run.trace, source, property);
  if (proof === undefined) return undefined;
  return {
    tick: proof.tick ?? run.stop.tick,
    kinds: proof.kinds,
    troubles: troubleCount(run.trace),
  };
}

/**
 * How `trace` violates `property` (judged with `source`'s options for it):
 * the kinds of the records that prove it and the last one's tick (undefined
 * when no record is named); undefined when the property holds.
 */
function proofOf(
  trace: Trace,
  source: ScenarioFile,
  property: string,
): { kinds: string; tick: number | undefined } | undefined {
  const spec = (source.checks ?? []).find((c) => c.property === property);
  const v = check(viewOf(trace), property, spec?.options);
  if (v.status !== 'fails') return undefined;
  const records = v.records.map((seq) => trace.record(seq));
  return {
    kinds: [...new Set(records.map((r) => r.kind))].sort().join(','),
    tick: records.length > 0 ? Math.max(...records.map((r) => r.tick)) : undefined,
  };
}

/**
 * The property `trace` violates that its scenario did not expect to fail,
 * else the first it violates; a UsageError naming `what` when it violates none.
 */
function violatedProperty(trace: Trace, what: string): string {
  const verdicts = judge(trace).verdicts;
  const failing =
    verdicts.find((v) => v.status === 'fails' && !v.met) ??
    verdicts.find((v) => v.status === 'fails');
  if (failing === undefined)
    throw new UsageError(
      `${what} violates none of its checks: nothing to shrink (name one with --property)`,
    );
  return failing.property;
}

/** `source` without its adversity: no faults, no crashes, no loss or duplication. */
function calm(source: ScenarioFile): ScenarioFile {
  const clone = structuredClone(source) as Source;
  delete clone.faults;
  const quiet = (o: Record<string, unknown> | undefined) => {
    if (o === undefined) return;
    if (o['dropRatio'] !== undefined) o['dropRatio'] = 0;
    if (o['duplicateRatio'] !== undefined) o['duplicateRatio'] = 0;
  };
  const net = clone.network as Record<string, unknown> | undefined;
  quiet(net);
  quiet(net?.['defaults'] as Record<string, unknown> | undefined);
  for (const l of (net?.['links'] as Record<string, unknown>[] | undefined) ?? []) quiet(l);
  const agents = clone.agents as unknown;
  if (Array.isArray(agents))
    for (const a of agents) delete (a as Record<string, unknown>)['crashed'];
  else {
    const g = agents as Record<string, unknown>;
    delete g['crashed'];
    for (const a of Object.values((g['agents'] as Record<string, Record<string, unknown>>) ?? {}))
      delete a['crashed'];
  }
  return clone;
}

function ids(a: Agents): string[] {
  return Array.isArray(a)
    ? a.map((x) => x.id)
    : Array.from({ length: a.count }, (_, i) => `${a.idPrefix ?? 'a'}${i}`);
}

/** The scenario without agent `id`: its entry, and every fault and link naming it. */
function withoutAgent(s: ScenarioFile, id: string): ScenarioFile | undefined {
  const clone = structuredClone(s) as Source;
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
          : 'agents' in f && Array.isArray(f.agents)
            ? { ...f, agents: f.agents.filter((x: string) => x !== id) }
            : f,
      )
      // A random fault left with no agent to strike strikes nobody: it goes too.
      .filter((f) => !('agents' in f && Array.isArray(f.agents) && f.agents.length === 0));
  if (clone.network?.links !== undefined)
    clone.network = {
      ...clone.network,
      links: clone.network.links.filter((l) => l.source !== id && l.target !== id),
    };
  return clone;
}

/**
 * A change to try: built from the scenario as it is when it is tried, so
 * that steps kept earlier in a pass are never undone by a later one.
 */
type Edit = (s: ScenarioFile) => { candidate: ScenarioFile; what: string } | undefined;

/** Edits that lower one loss or duplication ratio: to 0, else to half. */
function lowerLoss(s: ScenarioFile): Edit[] {
  const places: (string | number)[][] = [['network'], ['network', 'defaults']];
  (s.network?.links ?? []).forEach((_, i) => {
    places.push(['network', 'links', i]);
  });
  const edits: Edit[] = [];
  for (const place of places)
    for (const key of ['dropRatio', 'duplicateRatio'])
      for (const toZero of [true, false])
        edits.push((now) => {
          const at = valueAt(now, [...place, key]);
          if (typeof at !== 'number' || at === 0) return undefined;
          const lower = toZero ? 0 : Number((at / 2).toFixed(4));
          const candidate = structuredClone(now) as Source;
          setAt(candidate, [...place, key], lower);
          return { candidate, what: `${[...place, key].join('.')} ${at} to ${lower}` };
        });
  return edits;
}

/** Edits that halve one numeric parameter (whole numbers stay whole); the loader refuses what its protocol does not allow. */
function smallerParams(s: ScenarioFile): Edit[] {
  const places: (string | number)[][] = [['params']];
  if (Array.isArray(s.agents))
    s.agents.forEach((_, i) => {
      places.push(['agents', i, 'params']);
    });
  else places.push(['agents', 'params']);
  const edits: Edit[] = [];
  for (const place of places) {
    const params = valueAt(s, place);
    if (typeof params !== 'object' || params === null) continue;
    for (const key of Object.keys(params))
      edits.push((now) => {
        const value = valueAt(now, [...place, key]);
        if (typeof value !== 'number' || value <= 1) return undefined;
        const half = Number.isInteger(value)
          ? Math.floor(value / 2)
          : Number((value / 2).toFixed(4));
        const candidate = structuredClone(now) as Source;
        setAt(candidate, [...place, key], half);
        return { candidate, what: `${[...place, key].join('.')} ${value} to ${half}` };
      });
  }
  return edits;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): void {
  const parent = valueAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1) as string | number] = value;
}

/**
 * The scenario of a trace file as a scenario file, from its manifest (which
 * keeps the scenario as data): agents, network (a scheduler by its name and
 * options), faults, trust, costs, checks and limits, and the run's seed.
 */
function fromTrace(
  file: string,
  protocolsDir: string | undefined,
): {
  source: ScenarioFile;
  scenario: Scenario;
  registry: FileRegistry;
  schedule: ScheduleSpec | undefined;
} {
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
  // A schedule of parley explore: shrunk as a schedule (see shrinkSchedule).
  const schedule = manifest.choices === undefined ? undefined : scheduleSpecOf(manifest.choices);
  if (typeof schedule === 'string') throw new UsageError(`${file}:1:1: the manifest's ${schedule}`);
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
  // Protocol files by the path the run recorded, found from the trace's folder (or --protocols).
  const { registry, changed } = manifestRegistry(manifest, file, protocolsDir);
  if (changed.length > 0) throw new UsageError(`${file}: ${changed.join('; ')}`);
  const recorded = (spec['protocolFiles'] ?? {}) as Record<string, { path?: string }>;
  delete spec['protocolFiles'];
  if (Array.isArray(spec['agents']))
    for (const a of spec['agents'] as Record<string, unknown>[]) {
      const path = recorded[String(a['protocol'])]?.path;
      if (path !== undefined) a['protocol'] = path;
    }
  const source = { ...spec, network, seed: manifest.seed } as unknown as ScenarioFile;
  const { scenario } = loadScenario(stringify(source), {
    protocols: registry.protocols,
    ...(registry.schedulers === undefined ? {} : { schedulers: registry.schedulers }),
    file,
  });
  // Programs are found from --protocols or the trace's folder, as replay --live finds them.
  const processBase = protocolsDir ?? dirname(resolve(file));
  return {
    source,
    scenario: hasProcessAgents(scenario) ? { ...scenario, processBase } : scenario,
    registry,
    schedule,
  };
}

/**
 * Shrinks a schedule of parley explore instead of its scenario: the same
 * scenario file stands, and each choice that took another option than the
 * first (a longer latency, a loss, a duplicate, a crash, a restart, a
 * partition's start or heal, a marked draw) is set to the first, last first,
 * and kept so when the run still violates the property the same way. A
 * smaller scenario would put the choices on other messages; a schedule with
 * fewer departures from the first options is the smaller run here.
 */
function shrinkSchedule(
  name: string,
  base: { source: ScenarioFile; scenario: Scenario; registry: FileRegistry },
  schedule: ScheduleSpec,
  o: { seed?: number | undefined; property?: string | undefined },
): ShrinkResult {
  const seed = o.seed ?? base.source.seed ?? 1;
  const traceOf = (choices: readonly number[]) =>
    runScenario(base.scenario, { seed, chooser: scheduleChooser({ ...schedule, choices }) }).trace;
  const first = traceOf(schedule.choices);
  const prop = o.property ?? violatedProperty(first, `${name}: its schedule`);
  /** The kinds of the records that prove the violation, or undefined when it holds. */
  const how = (trace: Trace) => proofOf(trace, base.source, prop)?.kinds;
  const want = how(first);
  if (want === undefined)
    throw new UsageError(`${name}: its schedule does not violate ${prop}: nothing to shrink`);
  let choices = [...schedule.choices];
  let runs = 1;
  const removed: string[] = [];
  for (let i = choices.length - 1; i >= 0 && runs < RUNS_MAX; i--) {
    const was = choices[i] as number;
    if (was === 0) continue;
    const candidate = [...choices];
    candidate[i] = 0;
    runs++;
    if (how(traceOf(candidate)) !== want) continue;
    choices = candidate;
    removed.push(`choice ${i + 1}: option ${was} -> the first`);
  }
  while (choices.length > 0 && choices.at(-1) === 0) choices.pop();
  const departures = (c: readonly number[]) => String(c.filter((x) => x !== 0).length);
  const agents = agentCount(base.source.agents);
  return {
    source: { ...base.source, seed } as ScenarioFile,
    property: prop,
    seed,
    seedBefore: seed,
    removed,
    runs,
    agentsBefore: agents,
    agentsAfter: agents,
    files: base.registry.files,
    unanswered: 0,
    models: [],
    schedule: { ...schedule, choices },
    dimensions: [
      {
        name: 'choices off their first option',
        before: departures(schedule.choices),
        after: departures(choices),
      },
      {
        name: 'choices listed',
        before: String(schedule.choices.length),
        after: String(choices.length),
      },
    ],
  };
}

/** The dimensions a user compares before and after. */
function dimensionsOf(s: ScenarioFile, seed: number): Record<string, string> {
  const ratio = (key: 'dropRatio' | 'duplicateRatio') =>
    String(s.network?.[key] ?? s.network?.defaults?.[key] ?? 0);
  const faults = s.faults ?? [];
  const window = faults.reduce(
    (n, f) =>
      n +
      ('tickEnd' in f && f.tickEnd !== undefined
        ? f.tickEnd - f.tickStart
        : 'tickRestart' in f && f.tickRestart !== undefined
          ? f.tickRestart - f.tick
          : 0),
    0,
  );
  return {
    agents: String(agentCount(s.agents)),
    faults: `${faults.length}${window > 0 ? ` (${window} ticks in windows)` : ''}`,
    dropRatio: ratio('dropRatio'),
    duplicateRatio: ratio('duplicateRatio'),
    ticksMax: String(s.limits?.ticksMax ?? 'default'),
    seed: String(seed),
  };
}

export function shrink(
  name: string,
  o: {
    seed?: number | undefined;
    property?: string | undefined;
    variant?: string | undefined;
    set: readonly string[];
    /** Where a trace's protocol files are; default the trace's folder. */
    protocols?: string | undefined;
  },
): ShrinkResult {
  const base = name.endsWith('.jsonl')
    ? fromTrace(name, o.protocols)
    : loadNamed(name, { variant: o.variant, overrides: o.set });
  if ('schedule' in base && base.schedule !== undefined)
    return shrinkSchedule(name, base, base.schedule, o);
  const registry: FileRegistry & ShrinkRegistry = {
    ...base.registry,
    processBase: base.scenario.processBase,
  };
  const seedBefore = o.seed ?? base.source.seed ?? 1;
  // The variant and overrides are applied once; the shrunk file stands alone.
  let source = structuredClone(base.source) as Source;
  delete source.variants;
  delete source.sweep;
  const property = o.property;
  const baseTrace = runScenario(base.scenario, { seed: seedBefore }).trace;
  const unreached = unreachedAsk(baseTrace);
  if (unreached !== undefined)
    throw new UsageError(
      `${name} at seed ${seedBefore}: a model agent's call reached no model (${unreached}); shrink needs the replies: give --cassette FILE with them, or start the model the scenario names`,
    );
  const unanswered: Unanswered = { count: 0 };
  const prop = property ?? violatedProperty(baseTrace, `${name} at seed ${seedBefore}`);
  const first = failure(source, seedBefore, prop, registry);
  if (first === undefined)
    throw new UsageError(
      `${name} at seed ${seedBefore} does not violate ${prop}: nothing to shrink`,
    );
  let runs = 2;
  // Does the failure need the adversity? Then every step must keep needing it.
  const needsAdversity =
    failure(calm(source), seedBefore, prop, registry, unanswered) === undefined;
  let seed = seedBefore;
  let failTick = first.tick;
  const removed: string[] = [];
  const before = dimensionsOf(source, seedBefore);
  const agentsBefore = agentCount(source.agents);

  /** The seed at which `candidate` fails the same way, if one of the next few does. */
  const sameWay = (candidate: ScenarioFile): { seed: number; tick: number } | undefined => {
    for (let k = 0; k < SEEDS_TRIED && runs < RUNS_MAX; k++) {
      const at = seed + k;
      runs++;
      const f = failure(candidate, at, prop, registry, unanswered);
      if (f === undefined || f.kinds !== first.kinds || f.troubles > first.troubles) continue;
      if (needsAdversity) {
        runs++;
        const left = unanswered.count;
        // Unanswered is unknown: not a step.
        if (
          failure(calm(candidate), at, prop, registry, unanswered) !== undefined ||
          unanswered.count > left
        )
          continue;
      }
      return { seed: at, tick: f.tick };
    }
    return undefined;
  };
  const tryStep = (candidate: ScenarioFile | undefined, what: string): boolean => {
    if (candidate === undefined || runs >= RUNS_MAX) return false;
    const r = sameWay(candidate);
    if (r === undefined) return false;
    source = candidate as Source;
    failTick = r.tick;
    if (r.seed !== seed) removed.push(`${what} (failing at seed ${r.seed})`);
    else removed.push(what);
    seed = r.seed;
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
    for (let i = 0; i < (source.faults?.length ?? 0); i++) {
      const f = (source.faults ?? [])[i] as NonNullable<ScenarioFile['faults']>[number];
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
    }
    // Less loss, smaller parameters.
    for (const edit of [...lowerLoss(source), ...smallerParams(source)]) {
      const e = edit(source);
      if (e !== undefined && tryStep(e.candidate, e.what)) progress = true;
    }
  }
  // Fewer ticks: stop just after the failure shows. Not for liveness
  // properties: cutting the run short would make them fail by itself.
  const ticksMax = source.limits?.ticksMax;
  const liveness = prop === 'termination' || prop === 'convergence' || prop === 'utility';
  if (!liveness && (ticksMax === undefined || failTick + 1 < ticksMax))
    tryStep(
      { ...source, limits: { ...source.limits, ticksMax: Math.max(1, failTick + 1) } },
      `ticks after ${failTick + 1}`,
    );
  const after = dimensionsOf(source, seed);
  // The replies the shrunk run takes, so it runs again without the model.
  const asked = viewOf(baseTrace).ofKind('model').length > 0;
  const shrunk = asked ? loaded({ ...source, seed }, registry) : undefined;
  const models =
    shrunk === undefined
      ? []
      : viewOf(runScenario(shrunk, { seed }).trace)
          .ofKind('model')
          .map((r) => r.data as unknown as ModelRecord)
          .filter((m) => m.reply.error === undefined);
  return {
    models,
    source: { ...source, seed } as ScenarioFile,
    property: prop,
    seed,
    seedBefore,
    removed,
    runs,
    agentsBefore,
    agentsAfter: agentCount(source.agents),
    files: registry.files,
    unanswered: unanswered.count,
    dimensions: Object.keys(before).map((k) => ({
      name: k,
      before: before[k] as string,
      after: after[k] as string,
    })),
  };
}
