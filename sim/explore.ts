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
 * Breadth-first search over the same tree, and PCT's random priority
 * schedules for spaces too large to exhaust: see `exploreSteps`.
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
import {
  optionOfRank,
  type PctFault,
  type PctPlan,
  type PctReport,
  pctBound,
  pctPlan,
} from './pct.ts';
import { deriveStream } from './rng.ts';
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

export type ExploreStrategy = 'dfs' | 'iddfs' | 'bfs' | 'pct';
export const EXPLORE_STRATEGIES: readonly ExploreStrategy[] = ['dfs', 'iddfs', 'bfs', 'pct'];

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
  runs: 1000,
  pctDepth: 3,
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
  /** PCT: random schedules run (default 1000). */
  readonly runs?: number;
  /** PCT: the bug depth d targeted, d - 1 priority change points per run (default 3). */
  readonly pctDepth?: number;
  /**
   * Asked before each schedule: a bound of the caller's that was hit (time,
   * memory: sim/ reads no clock), or undefined to go on.
   */
  readonly shouldStop?: () => ExploreBound | undefined;
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
  /** The seq of the violating record (the last the failing check names, else the trace's last), for the page's `at`. */
  readonly record: number;
  /**
   * A fair cycle found in the graph of states (liveness): the events after
   * which the trace is in the state it comes back to at `eventsMax`.
   */
  readonly cycleFrom?: number;
}

export type ExploreBound =
  | 'depth'
  | 'statesMax'
  | 'schedulesMax'
  | 'frontierMax'
  | 'timeMax'
  | 'memoryMax'
  | 'runs';

export interface ExploreResult {
  readonly schedules: number;
  /** Distinct states seen (the last iteration's, for iterative deepening; counted, not pruned, for pct); 0 without pruning. */
  readonly states: number;
  /** Runs stopped at a state already explored. */
  readonly pruned: number;
  /** Events stepped over all schedules. */
  readonly events: number;
  /** Most choices any schedule made within the depth bound. */
  readonly depthReached: number;
  /**
   * The depth bound (of the last iteration, for iterative deepening); for
   * breadth-first, the level of its violation (its explored choice points) when it found one.
   */
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
  /** What PCT did (strategy pct), else undefined. */
  readonly pct: PctReport | undefined;
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

  /** A crash or restart point: none, or one of `ids`; the index taken in `ids`, -1 for none. */
  private pickAgent(kind: 'crash' | 'restart', ids: readonly string[], tick: number): number {
    const options = 1 + ids.length;
    const chosen = this.take(options);
    this.made.push({
      kind,
      from: chosen === 0 ? '' : (ids[chosen - 1] as string),
      to: '',
      type: kind,
      tick,
      options,
      chosen,
      latency: chosen === 0 ? 'none' : kind,
    });
    return chosen - 1;
  }

  crash(up: readonly string[], tick: number): number {
    if (this.crashesUsed >= this.crashes || up.length === 0) return -1;
    const i = this.pickAgent('crash', up, tick);
    if (i < 0) return -1;
    this.crashesUsed++;
    this.crashedDown.add(up[i] as string);
    return i;
  }

  restart(down: readonly string[], tick: number): number {
    if (this.restartsUsed >= this.restarts || this.crashedDown.size === 0) return -1;
    // Only the agents this schedule crashed: a scenario's fault keeps its own timing.
    const mine = down.filter((id) => this.crashedDown.has(id));
    if (mine.length === 0) return -1;
    const i = this.pickAgent('restart', mine, tick);
    if (i < 0) return -1;
    const id = mine[i] as string;
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
  whole('--runs', o.runs, 1);
  whole('--pct-depth', o.pctDepth, 1);
  if (o.latencies !== undefined) {
    if (o.latencies.length === 0) problems.push('--latencies needs at least one latency');
    for (const l of o.latencies)
      if (!(Number.isSafeInteger(l) && l >= 0 && l <= 1_000_000))
        problems.push(`--latencies takes whole ticks from 0 to 1000000, not ${String(l)}`);
    if (new Set(o.latencies).size !== o.latencies.length)
      problems.push('--latencies lists a latency twice');
  }
  if (o.strategy !== undefined && !EXPLORE_STRATEGIES.includes(o.strategy))
    problems.push(`--strategy is dfs, iddfs, bfs or pct, not ${String(o.strategy)}`);
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

/** The proposals in `trace` from record `from` on, as keys, added to `into`; the trace's length. */
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

/** A state explored: the most choices left it was explored with, the schedule that did, the trace's length then. */
interface SeenState {
  left: number;
  schedule: number;
  length: number;
}

/** One schedule run: what stopped it and what it found. */
interface ScheduleRun {
  readonly chooser: ScheduleChooser;
  readonly sim: Simulation;
  readonly failed: Verdict | undefined;
  readonly kind: ExploreViolation['kind'];
  /** The engine stopped it (quiescent, all decided, a limit). */
  readonly ended: boolean;
  /** Stopped because the table of states reached statesMax. */
  readonly full: boolean;
  /** Stopped at a state already explored. */
  readonly cut: boolean;
}

/** How one search ended. */
interface SearchEnd {
  readonly violation: ExploreViolation | undefined;
  readonly states: number;
  readonly depthHit: boolean;
  /** A bound stopped it before it covered its space. */
  readonly stopped: boolean;
  /** Breadth-first: the length of the violating schedule's prefix (its explored choice points). */
  readonly level?: number;
  readonly pct?: PctReport;
}

/**
 * `explore` in slices: yields what was covered every `sliceEvery` schedules
 * (default 100), so a caller can give its event loop a turn (a Ctrl-C
 * handler, say) and stop early with the counts; returns the result.
 *
 * The strategies share one way of running a schedule (from the start,
 * stepped event by event, judged and fingerprinted between events) and
 * differ in which schedules they run:
 * - dfs: depth-first, the next schedule increments the last choice with an
 *   option left (see the file's comment).
 * - iddfs: dfs with the depth bound 0, 1, 2, …, each from scratch.
 * - bfs: breadth-first over the same tree of schedules, without running the
 *   shallow levels again: a schedule is a prefix of choices (first options
 *   after it), and its children are the prefixes that take another option
 *   at one choice point past its own prefix, a level deeper for each such
 *   point. Levels are run in order, so the first violation has the fewest
 *   explored choice points, as iterative deepening's does. Stateless too:
 *   the frontier holds prefixes, each replayed from the start (at most
 *   statesMax of them, the bound frontierMax). States are pruned as in dfs
 *   (a state already explored with as many choices left is not expanded
 *   again, in any schedule), so on an exhausted space it counts the same
 *   distinct states as dfs.
 * - pct: `runs` random schedules of sim/pct.ts's priority scheduler
 *   (`pctDepth` d, the steps bound k = `depth`), each seeded from the seed
 *   and its run number; states are counted, not pruned, and it never
 *   exhausts the space: it reports the runs done and the documented bound.
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
  const runs = options.runs ?? EXPLORE_DEFAULTS.runs;
  const pctDepth = options.pctDepth ?? EXPLORE_DEFAULTS.pctDepth;
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

  /** A bound hit before the next schedule (`states` kept so far), added to `bounds`; undefined to go on. */
  function boundBefore(states: number, counting: boolean): ExploreBound | undefined {
    let hit: ExploreBound | undefined;
    if (schedules >= schedulesMax) hit = 'schedulesMax';
    else if (counting && states >= statesMax) hit = 'statesMax';
    else hit = options.shouldStop?.();
    if (hit !== undefined) bounds.add(hit);
    return hit;
  }

  /**
   * Runs one schedule of `chooser` from the start. The first `replay`
   * choices were made by an earlier schedule, so the states before the
   * last of them are not new (neither judged nor hashed, but for a cycle).
   * `seen`: the table of states explored (undefined: none kept); `cutSeen`
   * false only counts states (pct), true stops at one already explored with
   * as many choices left (`depth` minus those made).
   */
  function runSchedule(
    chooser: ScheduleChooser,
    replay: number,
    depth: number,
    seen: Map<string, SeenState> | undefined,
    cutSeen: boolean,
    /** Liveness: the graph of the states and choice points seen, for cycles fair draws cannot leave. */
    graph?: ChoiceGraph,
  ): ScheduleRun {
    const schedule = schedules++;
    const sim = createSimulation(scenario, { seed, chooser });
    const proposals = new Set<string>();
    /** The proposals' part of the state's key, made again only when one is added. */
    let proposalsKey = '';
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
      const trace = sim.trace;
      const n = trace.length;
      // States before the last forced choice were seen by earlier schedules: a replay.
      // They were judged then (the schedule that made those choices ran past them).
      const isReplay = chooser.made.length < replay;
      // Safety at every new state: judged when a record a safety check reads was added.
      let judge = false;
      if (!isReplay)
        for (let s = judged; s < n && !judge; s++) {
          const k = trace.kindAt(s);
          judge = k === Kind.decide || k === Kind.hold || k === Kind.act;
        }
      judged = n;
      if (judge) {
        failed = judgeSafety(sim);
        if (failed !== undefined) return false;
      }
      if (seen === undefined && path === undefined) return true;
      if (isReplay && path === undefined) return true;
      const size = proposals.size;
      scanned = scanProposals(trace, scanned, proposals);
      if (proposals.size !== size) proposalsKey = [...proposals].sort().join();
      const key = `${sim.fingerprint()}/${chooser.lossesUsed}/${chooser.duplicatesUsed}/${chooser.crashesUsed}/${chooser.restartsUsed}/${chooser.partitionsUsed}/${restarts === 0 ? '' : [...chooser.crashedDown].sort().join()}/${proposalsKey}`;
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
      if (isReplay || seen === undefined) return true;
      const left = Math.max(0, depth - chooser.made.length);
      const before = seen.get(key);
      if (!cutSeen) {
        if (before !== undefined) return true;
        if (seen.size >= statesMax) {
          full = true;
          return false;
        }
        seen.set(key, { left, schedule, length: n });
        return true;
      }
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
      if (before === undefined) seen.set(key, { left, schedule, length: n });
      else if (before.left < left) {
        before.left = left;
        before.schedule = schedule;
        before.length = n;
      }
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
    if (cut) pruned++;
    if (failed === undefined && ended && terminationCheck !== undefined) {
      const v = check(viewOf(sim.trace), 'termination', terminationCheck.options);
      if (v.status === 'fails') {
        failed = v;
        kind = 'termination';
      }
    }
    return { chooser, sim, failed, kind, ended, full, cut };
  }

  /** The violation of a run that failed: its schedule run again with the choices in the manifest. */
  function violationOf(run: ScheduleRun, failed: Verdict): ExploreViolation {
    const { chooser, sim } = run;
    // Once more with the schedule in the manifest: an ordinary trace that replay makes again.
    const vector = chooser.made.map((c) => c.chosen);
    // As far as the search ran it: a run stopped at a violating state ends
    // there, by an eventsMax that the manifest keeps (replay stops there too).
    const eventsMax = run.ended ? undefined : sim.result().events;
    const again = createSimulation(
      eventsMax === undefined
        ? scenario
        : { ...scenario, limits: { ...scenario.limits, eventsMax } },
      { seed, chooser: scheduleChooser({ ...spec, choices: vector }) },
    );
    again.run();
    const named = failed.records.filter((seq) => seq < again.trace.length);
    const record = named.length > 0 ? Math.max(...named) : again.trace.length - 1;
    return {
      property: failed.property,
      summary: failed.summary,
      choices: chooser.made,
      vector,
      trace: again.trace,
      losses: chooser.lossesUsed,
      duplicates: chooser.duplicatesUsed,
      crashed: chooser.made.filter((c) => c.latency === 'crash').map((c) => c.from),
      kind: run.kind,
      eventsMax,
      record,
    };
  }

  const covered = (states: number, depth: number): ExploreCovered => ({
    schedules,
    states,
    depth,
    pruned,
    events,
    depthReached,
  });

  /**
   * The fair cycle of `graph` (liveness, once the search covered its space),
   * as a violation: reached by the first path the search took to one of its
   * states, stopped where it comes back; undefined when there is none.
   */
  function fairCycleViolation(graph: ChoiceGraph | undefined): ExploreViolation | undefined {
    const fair = graph?.fairCycle();
    if (fair === undefined) return undefined;
    const again = scheduleChooser({ ...spec, choices: fair.vector });
    const trace = createSimulation(
      { ...scenario, limits: { ...scenario.limits, eventsMax: fair.events } },
      { seed, chooser: again },
    ).run().trace;
    return {
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
      record: trace.length - 1,
      cycleFrom: fair.entered,
    };
  }

  /** One depth-limited DFS; stops at the first violation or bound. */
  function* dfs(depth: number): Generator<ExploreCovered, SearchEnd, void> {
    const seen = new Map<string, SeenState>();
    /** Liveness: the states and choice points seen, for cycles that fair draws cannot leave. */
    const graph = liveness ? new ChoiceGraph() : undefined;
    let depthHit = false;
    let prefix: number[] = [];
    for (;;) {
      const step = exhaustiveRun(prefix, depth, seen, graph);
      if (step.chooser?.beyondDepth === true) depthHit = true;
      if (step.stop !== undefined)
        return { violation: step.stop.violation, states: seen.size, depthHit, stopped: true };
      const chooser = step.chooser;
      if (options.progress !== undefined && schedules % progressEvery === 0)
        options.progress({ schedules, states: seen.size, depth });
      if (schedules % sliceEvery === 0) yield covered(seen.size, depth);
      // Backtrack: the last explored choice with an option left.
      const made = chooser.made;
      let i = Math.min(made.length, depth) - 1;
      while (i >= 0 && (made[i] as Choice).chosen + 1 >= (made[i] as Choice).options) i--;
      if (i < 0) {
        const fair = fairCycleViolation(graph);
        return { violation: fair, states: seen.size, depthHit, stopped: fair !== undefined };
      }
      prefix = made.slice(0, i).map((c) => c.chosen);
      prefix.push((made[i] as Choice).chosen + 1);
    }
  }

  /**
   * One schedule of dfs or bfs: its chooser when the search goes on, else
   * what ends the search there (a bound hit before it, a violation, or the
   * table of states full).
   */
  function exhaustiveRun(
    prefix: readonly number[],
    depth: number,
    seen: Map<string, SeenState>,
    graph: ChoiceGraph | undefined,
  ):
    | { readonly chooser: ScheduleChooser; readonly stop?: undefined }
    | {
        readonly chooser?: ScheduleChooser;
        readonly stop: { readonly violation: ExploreViolation | undefined };
      } {
    if (boundBefore(seen.size, prune) !== undefined) return { stop: { violation: undefined } };
    const chooser = new ScheduleChooser(spec, prefix, depth);
    const run = runSchedule(chooser, prefix.length, depth, prune ? seen : undefined, true, graph);
    if (run.failed !== undefined)
      return { chooser, stop: { violation: violationOf(run, run.failed) } };
    if (run.full) {
      bounds.add('statesMax');
      return { chooser, stop: { violation: undefined } };
    }
    return { chooser };
  }

  /** Breadth-first over prefixes, level by level (see above); stops at the first violation or bound. */
  function* bfs(depth: number): Generator<ExploreCovered, SearchEnd, void> {
    const seen = new Map<string, SeenState>();
    const graph = liveness ? new ChoiceGraph() : undefined;
    let depthHit = false;
    /** levels[L]: the prefixes of L choices waiting, in the order they were found. */
    const levels: number[][][] = [[[]]];
    let waiting = 1;
    const frontierMax = statesMax;
    for (let level = 0; level < levels.length; level++) {
      const queue = levels[level] ?? [];
      for (let q = 0; q < queue.length; q++) {
        const prefix = queue[q] as number[];
        waiting--;
        const step = exhaustiveRun(prefix, depth, seen, graph);
        if (step.chooser?.beyondDepth === true) depthHit = true;
        if (step.stop !== undefined) {
          const { violation } = step.stop;
          return {
            violation,
            states: seen.size,
            depthHit,
            stopped: true,
            ...(violation === undefined ? {} : { level }),
          };
        }
        const chooser = step.chooser;
        if (options.progress !== undefined && schedules % progressEvery === 0)
          options.progress({ schedules, states: seen.size, depth: level });
        if (schedules % sliceEvery === 0) yield covered(seen.size, level);
        // Children: another option at each choice point past the prefix (each took its first).
        const made = chooser.made;
        const end = Math.min(made.length, depth);
        for (let i = prefix.length; i < end; i++) {
          const c = made[i] as Choice;
          if (c.chosen + 1 >= c.options) continue;
          const base = made.slice(0, i).map((x) => x.chosen);
          for (let j = c.chosen + 1; j < c.options; j++) {
            if (waiting >= frontierMax) {
              bounds.add('frontierMax');
              return { violation: undefined, states: seen.size, depthHit, stopped: true };
            }
            let next = levels[i + 1];
            if (next === undefined) {
              next = [];
              levels[i + 1] = next;
            }
            next.push([...base, j]);
            waiting++;
          }
        }
        // The prefix is done: let it go.
        queue[q] = [];
      }
      levels[level] = [];
    }
    const fair = fairCycleViolation(graph);
    return { violation: fair, states: seen.size, depthHit, stopped: fair !== undefined };
  }

  /** PCT: `runs` random priority schedules (see sim/pct.ts). */
  function* pct(): Generator<ExploreCovered, SearchEnd, void> {
    const seen = new Map<string, SeenState>();
    const agents = scenario.agents.map((a) => a.id);
    const k = depthMax;
    const faults: PctFault[] = [
      ...(losses > 0 ? ['loss' as const] : []),
      ...(duplicates > 0 ? ['duplicate' as const] : []),
      ...(crashes > 0 ? ['crash' as const] : []),
    ];
    let stepsReached = 0;
    const report = (made: number, foundAt: number | undefined): PctReport => ({
      runs: made,
      depth: pctDepth,
      steps: k,
      agents: agents.length,
      bound: pctBound(agents.length, k, pctDepth),
      foundAt,
      stepsReached,
    });
    for (let r = 0; r < runs; r++) {
      if (boundBefore(seen.size, prune) !== undefined)
        return {
          violation: undefined,
          states: seen.size,
          depthHit: false,
          stopped: true,
          pct: report(r, undefined),
        };
      const plan = pctPlan(deriveStream(seed, `pct-run-${r}`), agents, pctDepth, k, faults);
      const chooser = new PctChooser(spec, plan);
      const run = runSchedule(chooser, 0, Number.MAX_SAFE_INTEGER, prune ? seen : undefined, false);
      if (chooser.steps > stepsReached) stepsReached = chooser.steps;
      if (run.failed !== undefined)
        return {
          violation: violationOf(run, run.failed),
          states: seen.size,
          depthHit: false,
          stopped: true,
          pct: report(r + 1, r + 1),
        };
      if (run.full) {
        bounds.add('statesMax');
        return {
          violation: undefined,
          states: seen.size,
          depthHit: false,
          stopped: true,
          pct: report(r + 1, undefined),
        };
      }
      if (options.progress !== undefined && schedules % progressEvery === 0)
        options.progress({ schedules, states: seen.size, depth: k });
      if (schedules % sliceEvery === 0) yield covered(seen.size, k);
    }
    bounds.add('runs');
    return {
      violation: undefined,
      states: seen.size,
      depthHit: false,
      stopped: true,
      pct: report(runs, undefined),
    };
  }

  const result = (r: SearchEnd, depth: number, exhausted: boolean): ExploreResult => {
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
      pct: r.pct,
    };
  };

  if (strategy === 'dfs') {
    const r = yield* dfs(depthMax);
    return result(r, depthMax, !r.stopped && !r.depthHit);
  }
  if (strategy === 'bfs') {
    const r = yield* bfs(depthMax);
    return result(r, r.level ?? depthMax, !r.stopped && !r.depthHit);
  }
  if (strategy === 'pct') {
    const r = yield* pct();
    return result(r, depthMax, false);
  }
  for (let d = 0; ; d++) {
    const r = yield* dfs(d);
    if (r.violation !== undefined || r.stopped) return result(r, d, false);
    if (!r.depthHit) return result(r, d, true);
    if (d >= depthMax) return result(r, d, false);
  }
}

/**
 * The chooser of one PCT run (sim/pct.ts): a ScheduleChooser whose prefix is
 * written just before each point it decides, so `made` and the vector are
 * those of an ordinary schedule, which `scheduleChooser` replays.
 */
export class PctChooser extends ScheduleChooser {
  /** Sends that were choice points so far. */
  steps = 0;
  private readonly priority: Map<string, number>;
  private readonly latencyCount: number;
  private readonly lossesMax: number;
  private readonly duplicatesMax: number;
  private readonly crashesMax: number;
  /** A change point chose a duplicate of the message being sent. */
  private duplicateNext = false;
  /** The agent a change point chose to crash at the next crash point. */
  private crashNext: string | undefined;

  constructor(
    spec: Omit<ScheduleSpec, 'choices'>,
    private readonly plan: PctPlan,
    private readonly live: number[] = [],
  ) {
    super(spec, live, Number.POSITIVE_INFINITY);
    this.priority = new Map(plan.priorities);
    this.latencyCount = spec.latencies.length;
    this.lossesMax = spec.losses;
    this.duplicatesMax = spec.duplicates ?? 0;
    this.crashesMax = spec.crashes ?? 0;
  }

  /** 0 for the highest priority. */
  private rank(agent: string): number {
    const p = this.priority.get(agent) ?? 0;
    let r = 0;
    for (const q of this.priority.values()) if (q > p) r++;
    return r;
  }

  /** The latency index of `from`'s rank. */
  private latencyOption(from: string): number {
    return optionOfRank(this.rank(from), this.priority.size, this.latencyCount);
  }

  /** Writes `option` as the next point's choice, runs `point`, and unwrites it if no point took it. */
  private decide<T>(option: number, point: () => T): T {
    const before = this.made.length;
    this.live.push(option);
    const out = point();
    if (this.made.length === before) this.live.pop();
    return out;
  }

  override lose(from: string, to: string, message: Message, tick: number): boolean {
    const canLose = this.lossesUsed < this.lossesMax;
    const options = this.latencyCount + (canLose ? 1 : 0);
    this.duplicateNext = false;
    if (options < 2) return super.lose(from, to, message, tick);
    // A step: at a change point the sender drops below every initial priority, with its fault.
    this.steps++;
    const changes = this.plan.changeSteps;
    let fault: PctFault = 'none';
    for (let i = changes.length - 1; i >= 0; i--)
      if (changes[i] === this.steps) {
        this.priority.set(from, i + 1);
        fault = this.plan.changeFaults[i] ?? 'none';
        break;
      }
    let option = this.latencyOption(from);
    if (fault === 'loss' && canLose) option = this.latencyCount;
    else if (fault === 'duplicate' && this.duplicatesUsed < this.duplicatesMax)
      this.duplicateNext = true;
    else if (fault === 'crash' && this.crashesUsed < this.crashesMax) this.crashNext = from;
    return this.decide(option, () => super.lose(from, to, message, tick));
  }

  override latency(from: string, to: string, message: Message, tick: number): number {
    // Only a copy whose latency was not chosen with it asks (a seeded duplicate).
    return this.decide(this.latencyOption(from), () => super.latency(from, to, message, tick));
  }

  override duplicate(
    from: string,
    to: string,
    message: Message,
    tick: number,
  ): boolean | undefined {
    const copy = this.duplicateNext;
    this.duplicateNext = false;
    return this.decide(copy ? this.latencyCount : 0, () =>
      super.duplicate(from, to, message, tick),
    );
  }

  override crash(up: readonly string[], tick: number): number {
    // The agent a change point chose crashes now if it is up; if not, the crash is dropped.
    const at = this.crashNext === undefined ? -1 : up.indexOf(this.crashNext);
    this.crashNext = undefined;
    return this.decide(at < 0 ? 0 : at + 1, () => super.crash(up, tick));
  }
}
