/**
 * `parley explore SCENARIO`: every schedule of a small configuration
 * (sim/explore.ts), the counts, the bounds hit, and a violating schedule
 * written as an ordinary trace with the command that runs it again. Node only.
 */
import {
  type Choice,
  EXPLORE_DEFAULTS,
  EXPLORE_STRATEGIES,
  type ExploreBound,
  type ExploreOptions,
  type ExploreResult,
  type ExploreStrategy,
  exploreOptionProblems,
  explorePartition,
  exploreSteps,
  type ScheduleSpec,
  scheduleSpecOf,
} from '../sim/explore.ts';
import { hasProcessAgents } from '../sim/index.ts';
import { scheduleQuery } from '../sim/schedule-query.ts';
import type { Scenario } from '../sim/spec.ts';
import { catalogNames, loadNamed } from './catalog.ts';
import { reproduceCommand, shellWord, UsageError } from './errors.ts';
import { checkWritable, safeStem, writeWhole } from './files.ts';
import { SERVE_PORT_DEFAULT } from './serve.ts';

/** The flags as commander gives them: text, parsed here so every bad one is named at once. */
export interface ExploreFlags {
  readonly seed?: number | undefined;
  readonly variant?: string | undefined;
  readonly set: readonly string[];
  readonly depth?: string | undefined;
  readonly losses?: string | undefined;
  readonly duplicates?: string | undefined;
  readonly crashes?: string | undefined;
  readonly restarts?: string | undefined;
  readonly partitions?: string | undefined;
  readonly partition?: string | undefined;
  readonly liveness?: boolean | undefined;
  readonly latencies?: string | undefined;
  readonly statesMax?: string | undefined;
  readonly schedulesMax?: string | undefined;
  readonly strategy?: string | undefined;
  readonly runs?: string | undefined;
  readonly pctDepth?: string | undefined;
  readonly timeMax?: string | undefined;
  readonly memoryMax?: string | undefined;
  readonly prune?: boolean | undefined;
  readonly out?: string | undefined;
}

export interface ExploreOutcome {
  readonly lines: readonly string[];
  /** Undefined when Ctrl-C stopped the search (the lines say what was covered). */
  readonly result: ExploreResult | undefined;
}

/** A whole number flag, or a problem naming it. */
function whole(name: string, raw: string | undefined, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    problems.push(`${name} is a whole number, not ${JSON.stringify(raw)}`);
    return undefined;
  }
  return Number(raw);
}

/** A number of seconds above 0 (decimals allowed), or a problem naming the flag. */
function positiveSeconds(
  name: string,
  raw: string | undefined,
  problems: string[],
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 0) || !Number.isFinite(n)) {
    problems.push(
      `${name} is a number of seconds above 0, such as 60 or 0.5, not ${JSON.stringify(raw)}`,
    );
    return undefined;
  }
  return n;
}

/** Bytes in one MB of --memory-max. */
const MB_BYTES = 1_000_000;

/** Schedules between two looks at the heap (process.memoryUsage walks the heap's spaces). */
const MEMORY_EVERY = 8;

/**
 * The page's address that runs `name`'s schedule `spec` and opens it at
 * record `seq`, as `parley serve` serves it on its default port.
 */
export function pageUrl(
  name: string,
  seed: number,
  variant: string | undefined,
  set: readonly string[],
  spec: ScheduleSpec,
  seq: number,
): string {
  const q = new URLSearchParams({ scenario: name, seed: String(seed) });
  if (variant !== undefined) q.set('variant', variant);
  for (const o of set) q.append('set', o);
  for (const [k, v] of scheduleQuery(spec)) q.set(k, v);
  q.set('at', String(seq));
  // Commas and equals signs need no escaping in a query's values: the link stays readable.
  return `http://127.0.0.1:${SERVE_PORT_DEFAULT}/?${q.toString().replace(/%2C/g, ',').replace(/%3D/g, '=').replace(/%2F/g, '/')}`;
}

/** A comma-separated list of whole numbers, or a problem naming the flag. */
export function wholeList(name: string, raw: string, problems: string[]): number[] | undefined {
  const parts = raw.split(',').map((x) => x.trim());
  if (parts.some((x) => !/^\d+$/.test(x) || !Number.isSafeInteger(Number(x)))) {
    problems.push(
      `${name} is whole numbers separated by commas, such as 1,2; not ${JSON.stringify(raw)}`,
    );
    return undefined;
  }
  return parts.map(Number);
}

/** `a,b,c/d,e`: partition groups, agents by commas, groups by slashes; a problem naming the flag otherwise. */
export function groupsOf(raw: string, problems: string[]): string[][] | undefined {
  const groups = raw.split('/').map((g) => g.split(',').map((id) => id.trim()));
  if (groups.some((g) => g.some((id) => id === ''))) {
    problems.push(
      `--partition is groups of agent ids, agents by commas and groups by slashes, such as a,b,c/d,e; not ${JSON.stringify(raw)}`,
    );
    return undefined;
  }
  return groups;
}

/** `--latencies 1,2 --losses 1 --choices 0,2`: the flags of `parley run` that make `spec` again. */
export function scheduleFlags(spec: ScheduleSpec): string[] {
  return [
    `--latencies ${spec.latencies.join(',')}`,
    `--losses ${spec.losses}`,
    ...(spec.duplicates === undefined ? [] : [`--duplicates ${spec.duplicates}`]),
    ...(spec.crashes === undefined ? [] : [`--crashes ${spec.crashes}`]),
    ...(spec.restarts === undefined || spec.restarts === 0 ? [] : [`--restarts ${spec.restarts}`]),
    ...(spec.partitions === undefined || spec.partitions === 0
      ? []
      : [
          `--partitions ${spec.partitions}`,
          // The scenario's own partition fault is found again from the scenario.
          ...(spec.partitionFault === undefined && spec.partitionGroups !== undefined
            ? [`--partition ${shellWord(spec.partitionGroups.map((g) => g.join(',')).join('/'))}`]
            : []),
        ]),
    `--choices ${spec.choices.length === 0 ? "''" : spec.choices.join(',')}`,
  ];
}

/**
 * `parley run`'s --choices, --latencies and --losses as a schedule, undefined
 * without --choices; a UsageError naming each bad flag.
 */
export function runSchedule(
  o: {
    choices?: string | undefined;
    latencies?: string | undefined;
    losses?: string | undefined;
    duplicates?: string | undefined;
    crashes?: string | undefined;
    restarts?: string | undefined;
    partitions?: string | undefined;
    partition?: string | undefined;
  },
  scenario?: Scenario,
): ScheduleSpec | undefined {
  if (o.choices === undefined) {
    const stray = [
      o.latencies === undefined ? [] : ['--latencies'],
      o.losses === undefined ? [] : ['--losses'],
      o.duplicates === undefined ? [] : ['--duplicates'],
      o.crashes === undefined ? [] : ['--crashes'],
      o.restarts === undefined ? [] : ['--restarts'],
      o.partitions === undefined ? [] : ['--partitions'],
      o.partition === undefined ? [] : ['--partition'],
    ].flat();
    if (stray.length > 0)
      throw new UsageError(
        `${stray.join(' and ')} only go with --choices (a schedule from parley explore)`,
      );
    return undefined;
  }
  const problems: string[] = [];
  const choices = o.choices.trim() === '' ? [] : wholeList('--choices', o.choices, problems);
  const latencies =
    o.latencies === undefined
      ? [...EXPLORE_DEFAULTS.latencies]
      : wholeList('--latencies', o.latencies, problems);
  const losses = whole('--losses', o.losses, problems) ?? 0;
  const duplicates = whole('--duplicates', o.duplicates, problems);
  const crashes = whole('--crashes', o.crashes, problems);
  const restarts = whole('--restarts', o.restarts, problems);
  const partitions = whole('--partitions', o.partitions, problems);
  const groups = o.partition === undefined ? undefined : groupsOf(o.partition, problems);
  const partition =
    scenario === undefined || problems.length > 0
      ? undefined
      : explorePartition(scenario, {
          ...(partitions === undefined ? {} : { partitions }),
          ...(groups === undefined ? {} : { partition: groups }),
        });
  if (typeof partition === 'string') problems.push(partition);
  if (latencies !== undefined)
    problems.push(
      ...exploreOptionProblems({ latencies }).filter((p) => p.startsWith('--latencies')),
    );
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  const spec = scheduleSpecOf({
    latencies,
    losses,
    ...(duplicates === undefined ? {} : { duplicates }),
    ...(crashes === undefined ? {} : { crashes }),
    ...(restarts === undefined ? {} : { restarts }),
    ...(partition === undefined || typeof partition === 'string'
      ? {}
      : {
          partitions,
          partitionGroups: partition.groups,
          ...(partition.fault === undefined ? {} : { partitionFault: partition.fault }),
        }),
    choices,
  } as never);
  if (typeof spec === 'string') throw new UsageError(spec);
  return spec;
}

/** ', restarted a, b' for the restarts a schedule chose; '' without. */
function restartedWords(choices: readonly Choice[]): string {
  const ids = choices.filter((c) => c.latency === 'restart').map((c) => c.from);
  return ids.length === 0 ? '' : `, restarted ${ids.join(', ')}`;
}

/** One choice of a schedule in words, after its tick. */
function choiceWords(c: Choice): string {
  switch (c.kind) {
    case 'crash':
    case 'restart':
      return `${c.kind} ${c.from}`;
    case 'partition':
      return c.latency === 'heal' ? 'the partition heals' : 'the partition starts';
    case 'draw':
      return `${c.from} draws ${c.type}: ${c.chosen} of 0..${c.options - 1}`;
    case 'duplicate':
      return `${c.from} -> ${c.to} ${c.type}: ${c.latency === 'none' ? 'not duplicated' : `duplicated, latency ${c.latency}`}`;
    default:
      return `${c.from} -> ${c.to} ${c.type}: ${c.latency === 'lost' ? 'lost' : `latency ${c.latency}`}`;
  }
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const BOUND_WORDS: Readonly<Record<string, string>> = {
  depth:
    'depth (some schedules had more choice points than --depth; past it each took its first option)',
  statesMax: 'states-max (the distinct states kept reached --states-max)',
  schedulesMax: 'schedules-max (the schedules run reached --schedules-max)',
  frontierMax:
    'states-max (breadth-first: the schedules waiting in the frontier reached --states-max)',
  timeMax: 'time-max (the search ran for --time-max seconds)',
  memoryMax: 'memory-max (the JavaScript heap reached --memory-max MB)',
  runs: 'runs (pct: all --runs random schedules were run; it never exhausts the space)',
};

/** Runs the search and writes a violating trace; the lines for stdout. Progress goes to `progress`. */
export async function exploreCommand(
  name: string,
  flags: ExploreFlags,
  progress: (line: string) => void,
  now: () => number = Date.now,
): Promise<ExploreOutcome> {
  const problems: string[] = [];
  const depth = whole('--depth', flags.depth, problems);
  const losses = whole('--losses', flags.losses, problems);
  const duplicates = whole('--duplicates', flags.duplicates, problems);
  const crashes = whole('--crashes', flags.crashes, problems);
  const restarts = whole('--restarts', flags.restarts, problems);
  const partitions = whole('--partitions', flags.partitions, problems);
  const partition = flags.partition === undefined ? undefined : groupsOf(flags.partition, problems);
  const statesMax = whole('--states-max', flags.statesMax, problems);
  const schedulesMax = whole('--schedules-max', flags.schedulesMax, problems);
  const latencies =
    flags.latencies === undefined ? undefined : wholeList('--latencies', flags.latencies, problems);
  const runs = whole('--runs', flags.runs, problems);
  const pctDepth = whole('--pct-depth', flags.pctDepth, problems);
  const timeMax = positiveSeconds('--time-max', flags.timeMax, problems);
  const memoryMax = whole('--memory-max', flags.memoryMax, problems);
  if (memoryMax === 0) problems.push('--memory-max is a whole number of MB from 1, not 0');
  if (flags.strategy !== 'pct')
    for (const [flag, raw] of [
      ['--runs', flags.runs],
      ['--pct-depth', flags.pctDepth],
    ] as const)
      if (raw !== undefined) problems.push(`${flag} only goes with --strategy pct`);
  if (
    flags.strategy !== undefined &&
    !EXPLORE_STRATEGIES.includes(flags.strategy as ExploreStrategy)
  )
    problems.push(
      `--strategy is ${EXPLORE_STRATEGIES.join(' or ')}, not ${JSON.stringify(flags.strategy)}`,
    );
  const options: ExploreOptions = {
    ...(depth === undefined ? {} : { depth }),
    ...(losses === undefined ? {} : { losses }),
    ...(duplicates === undefined ? {} : { duplicates }),
    ...(crashes === undefined ? {} : { crashes }),
    ...(restarts === undefined ? {} : { restarts }),
    ...(partitions === undefined ? {} : { partitions }),
    ...(partition === undefined ? {} : { partition }),
    ...(flags.liveness === true ? { liveness: true } : {}),
    ...(statesMax === undefined ? {} : { statesMax }),
    ...(schedulesMax === undefined ? {} : { schedulesMax }),
    ...(latencies === undefined ? {} : { latencies }),
    ...(flags.strategy === undefined || problems.length > 0
      ? {}
      : { strategy: flags.strategy as ExploreStrategy }),
    ...(runs === undefined ? {} : { runs }),
    ...(pctDepth === undefined ? {} : { pctDepth }),
    prune: flags.prune !== false,
  };
  problems.push(...exploreOptionProblems(options));
  if (problems.length > 0) throw new UsageError(problems.join('; '));

  const { scenario, source } = loadNamed(name, { variant: flags.variant, overrides: flags.set });
  const partitionProblem = explorePartition(scenario, options);
  if (typeof partitionProblem === 'string') throw new UsageError(partitionProblem);
  if (hasProcessAgents(scenario) || scenario.model !== undefined)
    throw new UsageError(
      `${name}: explore runs protocol machines only; this scenario has ${hasProcessAgents(scenario) ? 'process agents' : 'a language model'}, which it cannot run thousands of times yet`,
    );
  const seed = flags.seed ?? source.seed ?? 1;
  const out = flags.out ?? `${safeStem(scenario.name)}-violation.jsonl`;
  checkWritable(out);

  const started = now();
  let last = started;
  let asked = 0;
  // sim/ reads no clock: the time and memory bounds are asked here, before each schedule.
  const shouldStop = (): ExploreBound | undefined => {
    if (timeMax !== undefined && now() - started >= timeMax * 1000) return 'timeMax';
    if (
      memoryMax !== undefined &&
      asked++ % MEMORY_EVERY === 0 &&
      process.memoryUsage().heapUsed >= memoryMax * MB_BYTES
    )
      return 'memoryMax';
    return undefined;
  };
  // In slices of schedules, giving the event loop a turn between them, so
  // Ctrl-C stops the search and prints what was covered so far.
  const steps = exploreSteps(
    scenario,
    {
      ...options,
      seed,
      shouldStop,
      progressEvery: 200,
      progress: (p) => {
        const t = now();
        if (t - last < 2000) return;
        last = t;
        progress(
          `explore: ${p.schedules} schedules, ${p.states} distinct states, depth ${p.depth}, ${seconds(t - started)}`,
        );
      },
    },
    50,
  );
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  let result: ExploreResult;
  try {
    for (;;) {
      const next = steps.next();
      if (next.done === true) {
        result = next.value;
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (interrupted) {
        const c = next.value;
        const ms = Math.max(1, now() - started);
        return {
          lines: [
            `interrupted (Ctrl-C): ${c.schedules} schedules · ${c.states} distinct states (${Math.round((c.states / ms) * 1000)} per second) · ${c.pruned} cut at a state already explored · ${c.events} events · depth reached ${c.depthReached} of ${c.depth} · ${seconds(ms)}`,
            'no violation found in what was covered; the space is not exhausted',
          ],
          result: undefined,
        };
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const ms = Math.max(1, now() - started);
  const lat = options.latencies ?? EXPLORE_DEFAULTS.latencies;
  const k = options.losses ?? EXPLORE_DEFAULTS.losses;
  const dups = options.duplicates ?? EXPLORE_DEFAULTS.duplicates;
  const cr = options.crashes ?? EXPLORE_DEFAULTS.crashes;
  const strategy = options.strategy ?? EXPLORE_DEFAULTS.strategy;
  const depthBound = options.depth ?? EXPLORE_DEFAULTS.depth;
  const pct = result.pct;
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const rs = options.restarts ?? EXPLORE_DEFAULTS.restarts;
  const ps = options.partitions ?? EXPLORE_DEFAULTS.partitions;
  const part = typeof partitionProblem === 'object' ? partitionProblem : undefined;
  const partWords =
    part === undefined
      ? ''
      : ` · partition ${part.groups.map((g) => g.join(',')).join(' | ')} ≤ ${plural(ps, 'time')}${part.fault === undefined ? '' : ' (the scenario’s, its timing chosen)'}`;
  const lines: string[] = [
    `${scenario.name} · seed ${seed} · latencies ${lat.join(',')} · losses ≤ ${k}${dups > 0 ? ` · duplicates ≤ ${dups}` : ''}${cr > 0 ? ` · crashes ≤ ${cr}` : ''}${rs > 0 ? ` · restarts ≤ ${rs}` : ''}${partWords} · ${strategy === 'pct' ? `pct, d = ${options.pctDepth ?? EXPLORE_DEFAULTS.pctDepth}, k = ${depthBound} steps, runs ≤ ${options.runs ?? EXPLORE_DEFAULTS.runs}` : `depth ≤ ${strategy === 'dfs' || strategy === 'bfs' ? depthBound : result.depth} · ${strategy}`}${options.prune === false ? ' · no pruning' : ''}`,
    `safety checks (at every state): ${result.properties.length === 0 ? 'none (the scenario checks no safety property)' : result.properties.join(', ')}${options.liveness === true ? '; liveness: termination on complete runs, and cycles' : ''}`,
    `${strategy === 'pct' ? plural(result.schedules, 'run') : plural(result.schedules, 'schedule')} · ${options.prune === false ? 'states not hashed' : `${result.states} distinct states (${Math.round((result.states / ms) * 1000)} per second)`} · ${strategy === 'pct' ? '' : `${result.pruned} cut at a state already explored · `}${result.events} events · depth reached ${result.depthReached} · ${seconds(ms)}`,
  ];
  if (pct !== undefined) {
    const atLeast = 1 - (1 - pct.bound) ** pct.runs;
    lines.push(
      `pct: each run finds a bug of depth ${pct.depth} with probability at least 1/(n·k^(d-1)) = 1/(${pct.agents}·${pct.steps}^${pct.depth - 1}) = ${pct.bound.toPrecision(3)}; ${plural(pct.runs, 'run')} done, so at least ${atLeast.toPrecision(3)} (Burckhardt et al., ASPLOS 2010)`,
      `pct: most steps (sends that were choice points) in one run: ${pct.stepsReached}${pct.stepsReached > pct.steps ? `, above k = ${pct.steps}: the bound holds only for runs of at most k steps; raise --depth` : ` of k = ${pct.steps}`}`,
    );
  }
  const v = result.violation;
  if (v === undefined) {
    if (result.exhausted)
      lines.push(
        `no violation: the space is exhausted within the bounds (every schedule of at most ${result.depth} choice points, ${plural(k, 'loss', 'losses')}, ${plural(dups, 'duplicate')}, ${plural(cr, 'crash', 'crashes')}${rs > 0 ? `, ${plural(rs, 'restart')}` : ''}${part === undefined ? '' : `, ${plural(ps, 'partition')}`})${options.liveness === true && result.unfairCycles > 0 ? `; ${plural(result.unfairCycles, 'cycle')} through a marked draw, none a fair draw stays in` : ''}`,
      );
    else
      lines.push(
        'no violation found, but the space is not exhausted; bounds hit:',
        ...result.bounds.map((b) => `  ${BOUND_WORDS[b] ?? b}`),
      );
    return { lines, result };
  }
  writeWhole(out, v.trace.lines());
  const spec: ScheduleSpec = {
    latencies: lat,
    losses: k,
    duplicates: dups,
    crashes: cr,
    ...(rs === 0 ? {} : { restarts: rs }),
    ...(part === undefined
      ? {}
      : {
          partitions: ps,
          partitionGroups: part.groups,
          ...(part.fault === undefined ? {} : { partitionFault: part.fault }),
        }),
    choices: v.vector,
  };
  const set =
    v.eventsMax === undefined ? flags.set : [...flags.set, `limits.eventsMax=${v.eventsMax}`];
  const fewest =
    strategy === 'iddfs'
      ? ` (iterative deepening: none with fewer than ${result.depth} explored choice points)`
      : strategy === 'bfs'
        ? ` (breadth-first: none with fewer than ${result.depth} explored choice points)`
        : pct?.foundAt !== undefined
          ? ` (pct: found in run ${pct.foundAt})`
          : '';
  const tick = v.trace.record(v.record).tick;
  const inCatalogue = catalogNames().includes(name);
  lines.push(
    `violation of ${v.property}${v.kind === 'cycle' ? ' (a cycle)' : ''}: ${v.summary}`,
    `the schedule: ${plural(v.choices.length, 'choice point')}, ${plural(v.losses, 'loss', 'losses')}, ${plural(v.duplicates, 'duplicate')}, ${v.crashed.length === 0 ? 'no crash' : `crashed ${v.crashed.join(', ')}`}${restartedWords(v.choices)}${v.eventsMax === undefined ? '' : `, stopped at the violating state after ${v.eventsMax} events`}${fewest}`,
    ...v.choices.flatMap((c, i) =>
      c.latency === 'none' && c.kind !== 'duplicate'
        ? []
        : [`  ${String(i + 1).padStart(3)}. tick ${c.tick} ${choiceWords(c)}`],
    ),
    `trace written to ${out} (its manifest keeps the choices: replay, export and shrink, which shrinks the schedule, take it): npx parley replay ${shellWord(out)}`,
    `reproduce: ${[reproduceCommand(name, seed, flags.variant, set), ...scheduleFlags(spec)].join(' ')}`,
    inCatalogue
      ? `open it in the page at the violating record (seq ${v.record}, tick ${tick}): npx parley serve, then ${pageUrl(name, seed, flags.variant, set, spec, v.record)}`
      : `open it in the page: npx parley serve, drop ${out} on the page and go to seq ${v.record} (tick ${tick}); a link runs catalogue scenarios only`,
  );
  return { lines, result };
}
