/**
 * Systematic exploration of a small configuration (issue 18). The network's
 * and the faults' nondeterminism become choice points (sim/simulation.ts
 * `Chooser`): for each message that would reach the network, its latency
 * from a small set, and, while fewer than `losses` losses were chosen in the
 * run, whether it is lost; while fewer than `duplicates` were chosen,
 * whether a second copy goes (at a latency of its own). Before each event:
 * while fewer than `crashes` were chosen, whether one of the agents up
 * crashes, and which; while fewer than `restarts`, whether one the schedule
 * crashed restarts; with `partitions`, whether the partition starts (at
 * most that many times) or, in force, heals. A draw an agent marks
 * (effects.ts `choose`, `coin`) is a choice point of its own, every option
 * explored. Agents' other draws and the scenario's faults stay seeded (but
 * the partition fault whose timing the choices replace).
 *
 * Stateless depth-first search: each schedule is a vector of choices, run
 * from the start and stepped event by event; the next schedule increments
 * the last choice that has an option left and drops what follows it. A
 * schedule makes at most `depth` choices; past that every choice point takes
 * its first option (the first latency, delivered) and the `depth` bound
 * counts as hit. Iterative deepening runs the search for depth 0, 1, 2, …
 * and stops at the first depth with a violation, which is so one of the
 * fewest choice points (the shortest counterexample in that sense).
 *
 * Pruning: between events, the state's fingerprint (Simulation.fingerprint,
 * plus the losses chosen and the proposals so far, which validity reads) is
 * looked up; a state already reached by an earlier schedule with at least as
 * many choices left is not expanded again: the run stops there, unjudged.
 * Sound for the safety checks below as far as the fingerprint covers (see
 * `fingerprint` for what it leaves out): their violations, once in a run,
 * stay, and the state holds the decisions and proposals they read.
 *
 * The safety checks of the scenario (agreement, validity, integrity, breach
 * among its `checks`, default agreement, validity and integrity) are judged
 * at every state (after each event that added a record they read: a
 * decision, a hold, an act), and a schedule stops at its first violation, so
 * the counterexample ends at the violating state. A violation is any of them
 * failing, whatever the scenario expects. With `liveness`, termination is
 * judged on each run the engine ended (quiescent, all decided, a limit), and
 * a schedule that comes back to a state already on its own path (the same
 * fingerprint, after events that recorded something) while an agent up is
 * undecided is a cycle: repeating it, the run never terminates. That holds
 * as far as the fingerprint covers the state; the agents' random draws are
 * not in it, so a protocol that draws in the cycle may not repeat it.
 * A cycle through a marked draw is not a violation by itself: it needs the
 * draw's one value each time round, which a fair draw does not keep giving.
 * Those are judged together: with liveness, every state and choice point
 * seen goes into a graph (sim/choice-graph.ts), and at the end of a search
 * an undecided set of states, strongly connected, that every option of each
 * draw in it stays in, is a fair cycle: a violation whose trace goes from
 * the start to one of its states and once round back to it.
 * Without liveness, such a repetition is cut: its future is the run's own.
 * Pure: no clock, no I/O.
 */
import { check, DEFAULT_CHECKS, viewOf } from './checkers/index.ts';
import type { Verdict } from './checkers/verdict.ts';
import { someOf } from './checkers/words.ts';
import { ChoiceGraph } from './choice-graph.ts';
import type { Message } from './effects.ts';
import { type Chooser, createSimulation, type Simulation } from './simulation.ts';
import type { CheckSpec, Json, Scenario } from './spec.ts';
import { Kind, type Trace } from './trace.ts';

/** Properties that are safety properties: a violation shows in a finite prefix and stays. */
export const SAFETY_PROPERTIES: readonly string[] = [
  'agreement',
  'validity',
  'integrity',
  'breach',
];

export type ExploreStrategy = 'dfs' | 'iddfs';
export const EXPLORE_STRATEGIES: readonly ExploreStrategy[] = ['dfs', 'iddfs'];

export const EXPLORE_DEFAULTS = {
  seed: 1,
  latencies: [1, 2] as readonly number[],
  losses: 0,
  duplicates: 0,
  crashes: 0,
  restarts: 0,
  partitions: 0,
  depth: 30,
  statesMax: 1_000_000,
  schedulesMax: 1_000_000,
  strategy: 'dfs' as ExploreStrategy,
} as const;

export interface ExploreOptions {
  /** Seed of everything that is not a choice (agents' draws, duplicates, faults); default 1. */
  readonly seed?: number;
  /** Latencies a copy may take, in ticks; default [1, 2]. */
  readonly latencies?: readonly number[];
  /** Losses a schedule may choose; default 0. */
  readonly losses?: number;
  /** Duplicate copies a schedule may choose (the links' duplicate draws are replaced); default 0. */
  readonly duplicates?: number;
  /** Crashes a schedule may choose, one agent up before an event each; default 0. */
  readonly crashes?: number;
  /** Restarts a schedule may choose, of an agent it crashed, before an event each; default 0. */
  readonly restarts?: number;
  /**
   * Starts of a partition a schedule may choose, before an event each; while
   * it is in force, before each event, whether it heals; default 0. The
   * groups are `partition`'s, else the scenario's first partition fault's
   * (whose own timing is then replaced: the fault is not scheduled).
   */
  readonly partitions?: number;
  /** The partition's groups (agents in none form one more group). */
  readonly partition?: readonly (readonly string[])[];
  /**
   * Judge liveness too (default false): termination on each complete run
   * (one the engine stopped, not one cut at a state already explored), and
   * a cycle, a schedule that comes back to a state on its own path while an
   * agent up is undecided, is a run that never terminates.
   */
  readonly liveness?: boolean;
  /** Most choices one schedule makes; default 30. */
  readonly depth?: number;
  /** Most distinct states kept for pruning. */
  readonly statesMax?: number;
  /** Most schedules run (over every depth, for iterative deepening). */
  readonly schedulesMax?: number;
  readonly strategy?: ExploreStrategy;
  /** Prune by state fingerprints (default true); false runs every schedule and counts no states. */
  readonly prune?: boolean;
  /** The checks to judge; default the scenario's; only the safety ones are used. */
  readonly checks?: readonly CheckSpec[];
  /** Called every `progressEvery` schedules (default 1000). */
  readonly progress?: (p: ExploreProgress) => void;
  readonly progressEvery?: number;
}

export interface ExploreProgress {
  readonly schedules: number;
  readonly states: number;
  /** The depth of the current iteration (iterative deepening), else the bound. */
  readonly depth: number;
}

/** One choice a schedule made. */
export interface Choice {
  /**
   * A message's loss and latency, a duplicate copy; before an event, a crash,
   * a restart, the partition starting or healing; or an agent's marked draw.
   */
  readonly kind: 'send' | 'duplicate' | 'crash' | 'restart' | 'partition' | 'draw';
  /** The sender; for a crash or restart, the agent ('' for none); for a draw, the drawing agent. */
  readonly from: string;
  readonly to: string;
  /** The message's type; the kind for a fault point; the draw's label ('coin'). */
  readonly type: string;
  readonly tick: number;
  /**
   * Options at this point. A send: the latencies, then 'lost' while a loss
   * was allowed. A duplicate: none, then a second copy at each latency. A
   * crash: none, then each agent up. A restart: none, then each agent the
   * schedule crashed that is down. A partition: none, then start (or heal,
   * when in force). A draw: the draw's options.
   */
  readonly options: number;
  /** The index taken. */
  readonly chosen: number;
  /**
   * What it means: the latency taken, 'lost', 'none' (no copy, no fault),
   * 'crash', 'restart', 'start' or 'heal' (the partition); for a draw, the
   * option drawn (a number, as the index).
   */
  readonly latency: number | 'lost' | 'none' | 'crash' | 'restart' | 'start' | 'heal';
}

export interface ExploreViolation {
  readonly property: string;
  readonly summary: string;
  /** Every choice the schedule made, the defaults past the depth bound included. */
  readonly choices: readonly Choice[];
  /** The choice indexes alone: what `scheduleChooser` replays. */
  readonly vector: readonly number[];
  readonly trace: Trace;
  readonly losses: number;
  readonly duplicates: number;
  /** The agents the schedule crashed, in order. */
  readonly crashed: readonly string[];
  /** A safety violation, or a liveness one: a complete run that does not terminate, or a cycle. */
  readonly kind: 'safety' | 'termination' | 'cycle';
  /**
   * The events of a run stopped at the violating state (the trace's
   * scenario has it as limits.eventsMax, so replay and run stop there too);
   * undefined for a run that ended by itself.
   */
  readonly eventsMax: number | undefined;
  /**
   * A fair cycle found in the graph of states (liveness): the events after
   * which the trace is in the state it comes back to at `eventsMax`.
   */
  readonly cycleFrom?: number;
}

export type ExploreBound = 'depth' | 'statesMax' | 'schedulesMax';

export interface ExploreResult {
  readonly schedules: number;
  /** Distinct states seen (the last iteration's, for iterative deepening); 0 without pruning. */
  readonly states: number;
  /** Runs stopped at a state already explored. */
  readonly pruned: number;
  /** Events stepped over all schedules. */
  readonly events: number;
  /** Most choices any schedule made within the depth bound. */
  readonly depthReached: number;
  /** The depth bound of the last iteration. */
  readonly depth: number;
  /** Every schedule within the bounds was covered and no bound cut the search. */
  readonly exhausted: boolean;
  /** The bounds that were hit. */
  readonly bounds: readonly ExploreBound[];
  /**
   * Liveness: schedules that came back to a state on their own path, undecided,
   * through an agent's marked draw: not violations by themselves (a fair draw
   * leaves such a cycle), judged with the other values in the graph of states.
   */
  readonly unfairCycles: number;
  /** The safety properties judged. */
  readonly properties: readonly string[];
  readonly violation: ExploreViolation | undefined;
}

/**
 * One schedule as a trace's manifest keeps it (`choices`): the options and
 * the index taken at each choice point, in order; points past the list take
 * their first option. `parley run --choices` and `parley replay` make it again.
 * Without `duplicates`, duplicates are drawn from the seed (schedules of the
 * first slice); without `crashes`, no crash is chosen.
 */
export interface ScheduleSpec {
  readonly latencies: readonly number[];
  readonly losses: number;
  readonly duplicates?: number;
  readonly crashes?: number;
  /** Restarts of agents the schedule crashed; default 0. */
  readonly restarts?: number;
  /** Starts of the explored partition (each may heal); default 0. */
  readonly partitions?: number;
  /** The explored partition's groups (agents in none form one more group); with `partitions`. */
  readonly partitionGroups?: readonly (readonly string[])[];
  /** The scenario's partition fault whose timing the choices replace (it is not scheduled). */
  readonly partitionFault?: number;
  readonly choices: readonly number[];
}

/** The chooser that makes `spec`'s schedule again, and writes it into the trace's manifest. */
export function scheduleChooser(spec: ScheduleSpec): ScheduleChooser {
  return new ScheduleChooser(spec, spec.choices, spec.choices.length, true);
}

/** `manifest.choices` read back as a ScheduleSpec; a string saying what is wrong otherwise. */
export function scheduleSpecOf(json: Json | undefined): ScheduleSpec | string {
  const o = json as Partial<Record<keyof ScheduleSpec, unknown>> | null | undefined;
  const whole = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (
    o === null ||
    typeof o !== 'object' ||
    !Array.isArray(o.latencies) ||
    o.latencies.length === 0 ||
    !o.latencies.every(whole) ||
    !whole(o.losses) ||
    (o.duplicates !== undefined && !whole(o.duplicates)) ||
    (o.crashes !== undefined && !whole(o.crashes)) ||
    (o.restarts !== undefined && !whole(o.restarts)) ||
    (o.partitions !== undefined && !whole(o.partitions)) ||
    (o.partitionFault !== undefined && !whole(o.partitionFault)) ||
    (o.partitionGroups !== undefined &&
      !(
        Array.isArray(o.partitionGroups) &&
        o.partitionGroups.every(
          (g) => Array.isArray(g) && g.every((id: unknown) => typeof id === 'string'),
        )
      )) ||
    ((o.partitions ?? 0) !== 0 && o.partitionGroups === undefined) ||
    !Array.isArray(o.choices) ||
    !o.choices.every(whole)
  )
    return 'choices is { latencies: [whole ticks, at least one], losses: a whole number, duplicates, crashes, restarts and partitions: whole numbers (optional), partitionGroups: [[agent ids]] (with partitions), partitionFault: a fault index (optional), choices: [option indexes] }';
  return o as ScheduleSpec;
}

/**
 * The chooser of one schedule: takes `prefix[i]` at the i-th choice point,
 * then the first option, and keeps what it did. A point with one option is
 * no choice. See `Choice` for the options of each kind of point.
 */
export class ScheduleChooser implements Chooser {
  /** The choices made, in order (past the depth too). */
  readonly made: Choice[] = [];
  lossesUsed = 0;
  duplicatesUsed = 0;
  crashesUsed = 0;
  restartsUsed = 0;
  partitionsUsed = 0;
  /** The agents this schedule crashed and did not restart: those it may restart. */
  readonly crashedDown = new Set<string>();
  /** Choice points past `depth` that had more than one option. */
  beyondDepth = false;
  private pendingLatency: number | undefined;
  private readonly latencies: readonly number[];
  private readonly losses: number;
  private readonly duplicates: number | undefined;
  private readonly crashes: number;
  private readonly restarts: number;
  private readonly partitions: number;
  readonly partition?: {
    readonly groups: readonly (readonly string[])[];
    readonly fault: number | undefined;
  };

  constructor(
    spec: Omit<ScheduleSpec, 'choices'>,
    private readonly prefix: readonly number[],
    private readonly depth: number,
    /** Write the schedule into the trace's manifest (a replayable schedule, not a search). */
    describe = false,
  ) {
    this.latencies = spec.latencies;
    this.losses = spec.losses;
    this.duplicates = spec.duplicates;
    this.crashes = spec.crashes ?? 0;
    this.restarts = spec.restarts ?? 0;
    this.partitions = spec.partitions ?? 0;
    if (this.partitions > 0 && spec.partitionGroups !== undefined)
      this.partition = { groups: spec.partitionGroups, fault: spec.partitionFault };
    if (describe)
      this.manifest = {
        latencies: [...spec.latencies],
        losses: spec.losses,
        ...(spec.duplicates === undefined ? {} : { duplicates: spec.duplicates }),
        ...(spec.crashes === undefined ? {} : { crashes: spec.crashes }),
        ...(spec.restarts === undefined || spec.restarts === 0 ? {} : { restarts: spec.restarts }),
        ...(this.partition === undefined
          ? {}
          : {
              partitions: this.partitions,
              partitionGroups: this.partition.groups.map((g) => [...g]),
              ...(this.partition.fault === undefined
                ? {}
                : { partitionFault: this.partition.fault }),
            }),
        choices: [...prefix],
      };
  }

  readonly manifest?: Json;

  /** The index taken at the next point of `options` options (0 without a choice). */
  private take(options: number): number {
    if (options < 2) return -1;
    const i = this.made.length;
    let chosen = 0;
    if (i < this.prefix.length) chosen = this.prefix[i] as number;
    else if (i >= this.depth) this.beyondDepth = true;
    return chosen >= options ? 0 : chosen;
  }

  lose(from: string, to: string, message: Message, tick: number): boolean {
    const canLose = this.lossesUsed < this.losses;
    const options = this.latencies.length + (canLose ? 1 : 0);
    let chosen = this.take(options);
    if (chosen < 0) chosen = 0;
    else {
      const lost = chosen === this.latencies.length;
      this.made.push({
        kind: 'send',
        from,
        to,
        type: String(message.type),
        tick,
        options,
        chosen,
        latency: lost ? 'lost' : (this.latencies[chosen] as number),
      });
    }
    if (chosen === this.latencies.length) {
      this.lossesUsed++;
      this.pendingLatency = undefined;
      return true;
    }
    this.pendingLatency = this.latencies[chosen] as number;
    return false;
  }

  latency(from: string, to: string, message: Message, tick: number): number {
    const pending = this.pendingLatency;
    if (pending !== undefined) {
      this.pendingLatency = undefined;
      return pending;
    }
    // A duplicate copy drawn from the seed: a latency choice of its own.
    const options = this.latencies.length;
    let chosen = this.take(options);
    if (chosen < 0) chosen = 0;
    else
      this.made.push({
        kind: 'send',
        from,
        to,
        type: String(message.type),
        tick,
        options,
        chosen,
        latency: this.latencies[chosen] as number,
      });
    return this.latencies[chosen] as number;
  }

  duplicate(from: string, to: string, message: Message, tick: number): boolean | undefined {
    if (this.duplicates === undefined) return undefined;
    if (this.duplicatesUsed >= this.duplicates) return false;
    const options = 1 + this.latencies.length;
    const chosen = this.take(options);
    this.made.push({
      kind: 'duplicate',
      from,
      to,
      type: String(message.type),
      tick,
      options,
      chosen,
      latency: chosen === 0 ? 'none' : (this.latencies[chosen - 1] as number),
    });
    if (chosen === 0) return false;
    this.duplicatesUsed++;
    this.pendingLatency = this.latencies[chosen - 1] as number;
    return true;
  }

  crash(up: readonly string[], tick: number): number {
    if (this.crashesUsed >= this.crashes || up.length === 0) return -1;
    const options = 1 + up.length;
    const chosen = this.take(options);
    this.made.push({
      kind: 'crash',
      from: chosen === 0 ? '' : (up[chosen - 1] as string),
      to: '',
      type: 'crash',
      tick,
      options,
      chosen,
      latency: chosen === 0 ? 'none' : 'crash',
    });
    if (chosen === 0) return -1;
    this.crashesUsed++;
    this.crashedDown.add(up[chosen - 1] as string);
    return chosen - 1;
  }

  restart(down: readonly string[], tick: number): number {
    if (this.restartsUsed >= this.restarts || this.crashedDown.size === 0) return -1;
    // Only the agents this schedule crashed: a scenario's fault keeps its own timing.
    const mine = down.filter((id) => this.crashedDown.has(id));
    if (mine.length === 0) return -1;
    const options = 1 + mine.length;
    const chosen = this.take(options);
    const id = chosen === 0 ? '' : (mine[chosen - 1] as string);
    this.made.push({
      kind: 'restart',
      from: id,
      to: '',
      type: 'restart',
      tick,
      options,
      chosen,
      latency: chosen === 0 ? 'none' : 'restart',
    });
    if (chosen === 0) return -1;
    this.restartsUsed++;
    this.crashedDown.delete(id);
    return down.indexOf(id);
  }

  partitionNow(active: boolean, tick: number): boolean {
    if (!active && this.partitionsUsed >= this.partitions) return false;
    const chosen = this.take(2);
    this.made.push({
      kind: 'partition',
      from: '',
      to: '',
      type: 'partition',
      tick,
      options: 2,
      chosen,
      latency: chosen === 0 ? 'none' : active ? 'heal' : 'start',
    });
    if (chosen === 0) return false;
    if (!active) this.partitionsUsed++;
    return true;
  }

  draw(agent: string, options: number, label: string, _drawn: number, tick: number): number {
    const chosen = this.take(options);
    this.made.push({
      kind: 'draw',
      from: agent,
      to: '',
      type: label,
      tick,
      options,
      chosen,
      latency: chosen,
    });
    return chosen;
  }
}

/** The safety checks of `scenario` (or of `checks`): those explore judges. */
export function safetyChecks(
  scenario: Scenario,
  checks?: readonly CheckSpec[],
): readonly CheckSpec[] {
  const list = checks ?? scenario.checks ?? DEFAULT_CHECKS;
  const seen = new Set<string>();
  return list.filter((c) => {
    if (!SAFETY_PROPERTIES.includes(c.property) || seen.has(c.property)) return false;
    seen.add(c.property);
    return true;
  });
}

/** Problems with explore's options, one sentence each naming the option; empty when valid. */
export function exploreOptionProblems(o: ExploreOptions): string[] {
  const problems: string[] = [];
  const whole = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= min))
      problems.push(`${name} is a whole number from ${min}, not ${String(v)}`);
  };
  whole('--depth', o.depth, 0);
  whole('--losses', o.losses, 0);
  whole('--duplicates', o.duplicates, 0);
  whole('--crashes', o.crashes, 0);
  whole('--restarts', o.restarts, 0);
  whole('--partitions', o.partitions, 0);
  whole('--states-max', o.statesMax, 1);
  whole('--schedules-max', o.schedulesMax, 1);
  whole('--seed', o.seed, 0);
  if (o.latencies !== undefined) {
    if (o.latencies.length === 0) problems.push('--latencies needs at least one latency');
    for (const l of o.latencies)
      if (!(Number.isSafeInteger(l) && l >= 0 && l <= 1_000_000))
        problems.push(`--latencies takes whole ticks from 0 to 1000000, not ${String(l)}`);
    if (new Set(o.latencies).size !== o.latencies.length)
      problems.push('--latencies lists a latency twice');
  }
  if (o.strategy !== undefined && !EXPLORE_STRATEGIES.includes(o.strategy))
    problems.push(`--strategy is dfs or iddfs, not ${String(o.strategy)}`);
  return problems;
}

/**
 * The partition a search with `options.partitions` starts and heals: the
 * groups of `options.partition`, else those of the scenario's first partition
 * fault with groups (its timing replaced: `fault` is its index); undefined
 * without partitions; a sentence naming the flag when there is none or the
 * groups are wrong.
 */
export function explorePartition(
  scenario: Scenario,
  options: Pick<ExploreOptions, 'partitions' | 'partition'>,
):
  | { readonly groups: readonly (readonly string[])[]; readonly fault: number | undefined }
  | undefined
  | string {
  if ((options.partitions ?? 0) === 0) {
    if (options.partition !== undefined) return '--partition goes with --partitions P (P from 1)';
    return undefined;
  }
  if (options.partition !== undefined) {
    const ids = new Set(scenario.agents.map((a) => a.id));
    const seen = new Set<string>();
    for (const g of options.partition)
      for (const id of g) {
        if (!ids.has(id))
          return `--partition names ${JSON.stringify(id)}, not an agent of ${scenario.name}`;
        if (seen.has(id)) return `--partition puts ${JSON.stringify(id)} in two groups`;
        seen.add(id);
      }
    if (options.partition.length === 0 || options.partition.some((g) => g.length === 0))
      return '--partition is groups of agent ids, such as a,b,c/d,e';
    return { groups: options.partition, fault: undefined };
  }
  const fault = (scenario.faults ?? []).findIndex((f) => f.kind === 'partition' && 'groups' in f);
  const f = scenario.faults?.[fault];
  if (f === undefined || !('groups' in f))
    return `--partitions needs --partition GROUPS: ${scenario.name} has no partition fault with groups`;
  return { groups: f.groups, fault };
}

/** The proposals in `trace` from record `from` on, as sorted keys, added to `into`. */
function scanProposals(trace: Trace, from: number, into: Set<string>): number {
  const n = trace.length;
  for (let s = from; s < n; s++)
    if (trace.kindAt(s) === Kind.propose) {
      const r = trace.record(s);
      into.add(JSON.stringify([r.agent, r.data]));
    }
  return n;
}

/** The ids of the agents up and undecided. */
function undecidedIds(sim: Simulation): string[] {
  const r = sim.result();
  const decided = new Set(r.decisions.map((d) => d.agent));
  return r.agents.filter((a) => a.status === 'up' && !decided.has(a.id)).map((a) => a.id);
}

function undecidedUp(sim: Simulation): boolean {
  return undecidedIds(sim).length > 0;
}

/** Explores `scenario`'s schedules (see the file's comment). Throws on invalid options. */
export function explore(scenario: Scenario, options: ExploreOptions = {}): ExploreResult {
  const steps = exploreSteps(scenario, options);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/** What was covered so far, yielded between slices of schedules by `exploreSteps`. */
export interface ExploreCovered extends ExploreProgress {
  readonly pruned: number;
  readonly events: number;
  readonly depthReached: number;
}

/**
 * `explore` in slices: yields what was covered every `sliceEvery` schedules
 * (default 100), so a caller can give its event loop a turn (a Ctrl-C
 * handler, say) and stop early with the counts; returns the result.
 */
export function* exploreSteps(
  scenario: Scenario,
  options: ExploreOptions = {},
  sliceEvery = 100,
): Generator<ExploreCovered, ExploreResult, void> {
  const problems = exploreOptionProblems(options);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  const seed = options.seed ?? EXPLORE_DEFAULTS.seed;
  const latencies = options.latencies ?? EXPLORE_DEFAULTS.latencies;
  const losses = options.losses ?? EXPLORE_DEFAULTS.losses;
  const duplicates = options.duplicates ?? EXPLORE_DEFAULTS.duplicates;
  const crashes = options.crashes ?? EXPLORE_DEFAULTS.crashes;
  const restarts = options.restarts ?? EXPLORE_DEFAULTS.restarts;
  const partitions = options.partitions ?? EXPLORE_DEFAULTS.partitions;
  const partition = explorePartition(scenario, options);
  if (typeof partition === 'string') throw new RangeError(partition);
  const spec: Omit<ScheduleSpec, 'choices'> = {
    latencies,
    losses,
    duplicates,
    crashes,
    ...(restarts === 0 ? {} : { restarts }),
    ...(partition === undefined
      ? {}
      : {
          partitions,
          partitionGroups: partition.groups,
          ...(partition.fault === undefined ? {} : { partitionFault: partition.fault }),
        }),
  };
  const depthMax = options.depth ?? EXPLORE_DEFAULTS.depth;
  const statesMax = options.statesMax ?? EXPLORE_DEFAULTS.statesMax;
  const schedulesMax = options.schedulesMax ?? EXPLORE_DEFAULTS.schedulesMax;
  const strategy = options.strategy ?? EXPLORE_DEFAULTS.strategy;
  const prune = options.prune ?? true;
  const liveness = options.liveness ?? false;
  const checks = safetyChecks(scenario, options.checks);
  const terminationCheck = liveness
    ? ((options.checks ?? scenario.checks ?? DEFAULT_CHECKS).find(
        (c) => c.property === 'termination',
      ) ?? { property: 'termination' })
    : undefined;
  const progressEvery = options.progressEvery ?? 1000;

  let schedules = 0;
  let pruned = 0;
  let events = 0;
  let depthReached = 0;
  let unfairCycles = 0;
  const bounds = new Set<ExploreBound>();

  /** The first failing safety verdict in the run so far, if any. */
  function judgeSafety(sim: Simulation): Verdict | undefined {
    if (checks.length === 0) return undefined;
    const view = viewOf(sim.trace);
    for (const c of checks) {
      const v = check(view, c.property, c.options);
      if (v.status === 'fails') return v;
    }
    return undefined;
  }

  /** One depth-limited DFS; stops at the first violation or bound. */
  function* search(depth: number): Generator<
    ExploreCovered,
    {
      violation: ExploreViolation | undefined;
      states: number;
      depthHit: boolean;
      stopped: boolean;
    },
    void
  > {
    /** Fingerprint → the most choices left it was explored with, and the schedule that did. */
    const seen = new Map<string, { left: number; schedule: number; length: number }>();
    /** Liveness: the states and choice points seen, for cycles that fair draws cannot leave. */
    const graph = liveness ? new ChoiceGraph() : undefined;
    let depthHit = false;
    let prefix: number[] = [];
    for (;;) {
      if (schedules >= schedulesMax) {
        bounds.add('schedulesMax');
        return { violation: undefined, states: seen.size, depthHit, stopped: true };
      }
      if (prune && seen.size >= statesMax) {
        bounds.add('statesMax');
        return { violation: undefined, states: seen.size, depthHit, stopped: true };
      }
      const schedule = schedules++;
      const chooser = new ScheduleChooser(spec, prefix, depth);
      const sim = createSimulation(scenario, { seed, chooser });
      const proposals = new Set<string>();
      /** The states of this schedule's own path, for cycles (liveness only). */
      const path = liveness ? new Map<string, { length: number; made: number }>() : undefined;
      /** The state before this event, for the graph (liveness only). */
      let lastKey: string | undefined;
      let lastUndecided = false;
      let lastMade = 0;
      let scanned = 0;
      let judged = 0;
      let cut = false;
      let full = false;
      let failed: Verdict | undefined;
      let kind: ExploreViolation['kind'] = 'safety';
      /** After each event: safety, a cycle, pruning. False stops the run. */
      const visit = (): boolean => {
        // Safety at every state: judged when a record a safety check reads was added.
        const trace = sim.trace;
        const n = trace.length;
        let judge = false;
        for (let s = judged; s < n && !judge; s++) {
          const k = trace.kindAt(s);
          judge = k === Kind.decide || k === Kind.hold || k === Kind.act;
        }
        judged = n;
        if (judge) {
          failed = judgeSafety(sim);
          if (failed !== undefined) return false;
        }
        // States before the last forced choice were seen by earlier schedules: a replay.
        const replay = chooser.made.length < prefix.length;
        if (!prune && path === undefined) return true;
        if (replay && path === undefined) return true;
        scanned = scanProposals(trace, scanned, proposals);
        const key = `${sim.fingerprint()}/${chooser.lossesUsed}/${chooser.duplicatesUsed}/${chooser.crashesUsed}/${chooser.restartsUsed}/${chooser.partitionsUsed}/${restarts === 0 ? '' : [...chooser.crashedDown].sort().join()}/${[...proposals].sort().join()}`;
        if (graph !== undefined) {
          const undecided = undecidedUp(sim);
          if (lastKey === undefined) graph.start(key, undecided);
          else
            graph.step(
              lastKey,
              lastUndecided,
              chooser.made
                .slice(lastMade)
                .map((c) => ({ options: c.options, chosen: c.chosen, draw: c.kind === 'draw' })),
              key,
              undecided,
            );
          lastKey = key;
          lastUndecided = undecided;
          lastMade = chooser.made.length;
        }
        if (path !== undefined) {
          // The trace's length then: events that record nothing (a stale timer) make no cycle.
          const then = path.get(key);
          if (then !== undefined && then.length < n && undecidedUp(sim)) {
            // A draw on it: this cycle needs the draw's one value each time round, which a
            // fair draw does not keep giving; the graph judges it with the other values.
            if (chooser.made.slice(then.made).some((c) => c.kind === 'draw')) {
              unfairCycles++;
              return false;
            }
            kind = 'cycle';
            failed = {
              property: 'termination',
              status: 'fails',
              summary: `the schedule comes back to a state it was in, with ${someOf(undecidedIds(sim))} up and undecided: repeated, the run never terminates`,
              records: [],
            };
            return false;
          }
          if (then === undefined) path.set(key, { length: n, made: chooser.made.length });
        }
        if (replay || !prune) return true;
        const left = Math.max(0, depth - chooser.made.length);
        const before = seen.get(key);
        // Explored by an earlier schedule, or a repetition on this one's own path
        // (its future is the run's own from the first time: the cycle again).
        if (
          before !== undefined &&
          before.left >= left &&
          (before.schedule !== schedule || before.length < n)
        )
          return false;
        if (before === undefined && seen.size >= statesMax) {
          // The bound: this run stops here, judged as it is.
          full = true;
          return false;
        }
        if (before === undefined || before.left < left)
          seen.set(key, { left, schedule, length: n });
        return true;
      };
      const go = (): boolean => {
        if (visit()) return true;
        if (failed === undefined && !full) cut = true;
        return false;
      };
      let ended = false;
      if (go()) {
        for (;;) {
          if (!sim.step()) {
            ended = true;
            break;
          }
          events++;
          if (!go()) break;
        }
      }
      const explored = Math.min(chooser.made.length, depth);
      if (explored > depthReached) depthReached = explored;
      if (chooser.beyondDepth) depthHit = true;
      if (cut) pruned++;
      if (failed === undefined && ended && terminationCheck !== undefined) {
        const v = check(viewOf(sim.trace), 'termination', terminationCheck.options);
        if (v.status === 'fails') {
          failed = v;
          kind = 'termination';
        }
      }
      if (failed !== undefined) {
        // Once more with the schedule in the manifest: an ordinary trace that replay makes again.
        const vector = chooser.made.map((c) => c.chosen);
        // As far as the search ran it: a run stopped at a violating state ends
        // there, by an eventsMax that the manifest keeps (replay stops there too).
        const eventsMax = ended ? undefined : sim.result().events;
        const again = createSimulation(
          eventsMax === undefined
            ? scenario
            : { ...scenario, limits: { ...scenario.limits, eventsMax } },
          { seed, chooser: scheduleChooser({ ...spec, choices: vector }) },
        );
        again.run();
        return {
          violation: {
            property: failed.property,
            summary: failed.summary,
            choices: chooser.made,
            vector,
            trace: again.trace,
            losses: chooser.lossesUsed,
            duplicates: chooser.duplicatesUsed,
            crashed: chooser.made.filter((c) => c.latency === 'crash').map((c) => c.from),
            kind,
            eventsMax,
          },
          states: seen.size,
          depthHit,
          stopped: true,
        };
      }
      if (full) {
        bounds.add('statesMax');
        return { violation: undefined, states: seen.size, depthHit, stopped: true };
      }
      if (options.progress !== undefined && schedules % progressEvery === 0)
        options.progress({ schedules, states: seen.size, depth });
      if (schedules % sliceEvery === 0)
        yield { schedules, states: seen.size, depth, pruned, events, depthReached };
      // Backtrack: the last explored choice with an option left.
      const made = chooser.made;
      let i = Math.min(made.length, depth) - 1;
      while (i >= 0 && (made[i] as Choice).chosen + 1 >= (made[i] as Choice).options) i--;
      if (i < 0) {
        const fair = graph?.fairCycle();
        if (fair === undefined)
          return { violation: undefined, states: seen.size, depthHit, stopped: false };
        // Reached by the first path the search took to one of its states, stopped there.
        const again = scheduleChooser({ ...spec, choices: fair.vector });
        const trace = createSimulation(
          { ...scenario, limits: { ...scenario.limits, eventsMax: fair.events } },
          { seed, chooser: again },
        ).run().trace;
        return {
          violation: {
            property: 'termination',
            summary: `${fair.states} undecided state${fair.states === 1 ? '' : 's'} the schedule can keep a run in for ever, every marked draw taking each of its values again and again (a fair cycle); the trace reaches one of them after ${fair.entered} events and comes back to it after ${fair.events}`,
            choices: again.made,
            vector: fair.vector,
            trace,
            losses: again.lossesUsed,
            duplicates: again.duplicatesUsed,
            crashed: again.made.filter((c) => c.latency === 'crash').map((c) => c.from),
            kind: 'cycle',
            eventsMax: fair.events,
            cycleFrom: fair.entered,
          },
          states: seen.size,
          depthHit,
          stopped: true,
        };
      }
      prefix = made.slice(0, i).map((c) => c.chosen);
      prefix.push((made[i] as Choice).chosen + 1);
    }
  }

  const result = (
    r: { violation: ExploreViolation | undefined; states: number; depthHit: boolean },
    depth: number,
    exhausted: boolean,
  ): ExploreResult => {
    if (!exhausted && r.violation === undefined && r.depthHit) bounds.add('depth');
    return {
      schedules,
      states: r.states,
      pruned,
      events,
      depthReached,
      depth,
      exhausted: exhausted && r.violation === undefined,
      bounds: [...bounds],
      unfairCycles,
      properties: checks.map((c) => c.property),
      violation: r.violation,
    };
  };

  if (strategy === 'dfs') {
    const r = yield* search(depthMax);
    return result(r, depthMax, !r.stopped && !r.depthHit);
  }
  for (let d = 0; ; d++) {
    const r = yield* search(d);
    if (r.violation !== undefined || r.stopped) return result(r, d, false);
    if (!r.depthHit) return result(r, d, true);
    if (d >= depthMax) return result(r, d, false);
  }
}
