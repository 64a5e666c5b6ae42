/**
 * What a run is made of, as plain data plus protocol machines: the scenario
 * as TypeScript objects. The YAML format (sim/scenario/) produces this shape.
 * Every field has a default and a unit in its name.
 */

import type { AnyStateMachine } from 'xstate';
import type { CostSpec, RateLimit } from './cost.ts';
import type { Message } from './effects.ts';
import type { ModelSpec } from './models.ts';
import type { TrustSpec } from './trust.ts';

/** A JSON value: what messages, decisions and notes may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A protocol: one xstate v5 machine, its parameters and what survives a crash. */
export interface Protocol {
  /** Name used in scenario files and trace manifests. */
  readonly name: string;
  /** The agent's behaviour: an xstate v5 machine whose input is an `AgentInput`. */
  readonly machine: AnyStateMachine;
  /**
   * Context keys kept across a crash (stable storage). On restart they come
   * back in `input.restored`; everything else starts afresh.
   */
  readonly persistent?: readonly string[];
  /**
   * Every parameter the machine reads from `input.params`, by name: the
   * loader refuses any other, and values of the wrong type or out of range.
   * Without it the protocol takes any parameter, unchecked.
   */
  readonly params?: ParamSpecs;
  /**
   * Set by the command line for a protocol read from a file: the path as the
   * scenario wrote it and the SHA-256 of the file's text. The trace manifest
   * keeps it (`spec.protocolFiles`), so that replay finds the file again and
   * notices a change.
   */
  readonly file?: { readonly path: string; readonly sha256: string };
  /**
   * For `parley explore`'s state fingerprints: a canonical form of the
   * agents' contexts and of the messages in flight to them, relative to an
   * offset (a round, say), for a protocol whose rules are the same at every
   * offset, so that states that differ only by a shift of it are one state
   * and a run that repeats itself a round later is seen as a cycle. Without
   * it the contexts and messages are taken as JSON.
   */
  readonly abstraction?: ProtocolAbstraction;
}

/**
 * A protocol's shift-invariant view of the state (`Protocol.abstraction`).
 * The state's offset is the lowest `offset` over the agents that have a
 * context; every part is taken relative to it, so shifting every round of
 * a state by k changes nothing. Sound only where the rules do not read the
 * offset itself: each protocol says in its comment how it keeps to that.
 */
export interface ProtocolAbstraction {
  /** The context's own offset (its round). */
  offset(context: unknown): number;
  /** The context as JSON, relative to the state's offset; every field the future reads in it. */
  context(context: unknown, offset: number): Json;
  /** A delivery in flight (the event `{ ...message, from }`) as JSON, relative to the offset. */
  message(event: Readonly<Record<string, unknown>>, offset: number): Json;
}

/** What every parameter declaration says, whatever its type. */
interface ParamBase {
  /** One line: what the parameter means. */
  readonly meaning: string;
  /** The unit of a quantity ('ticks', 'usd', 'messages'), when it has one. */
  readonly unit?: string;
  /** The role the parameter applies to, when only one reads it ('orchestrator', 'client'). */
  readonly role?: string;
  /** The default in words, when it depends on the run ("the agent's index"). */
  readonly defaultIs?: string;
  /**
   * The parameter is read only when another one has one of these values (its
   * default counts when it is not given): elsewhere, giving it is an error,
   * since it would do nothing.
   */
  readonly onlyWhen?: {
    readonly param: string;
    readonly in: readonly (string | number | boolean)[];
  };
}

/** A number in [min, max]: `integer` for whole numbers (counts, ticks). */
export interface NumberParam extends ParamBase {
  readonly type: 'number' | 'integer';
  readonly min: number;
  readonly max: number;
  readonly default?: number;
}

export interface BooleanParam extends ParamBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}

/** One of a few words. */
export interface EnumParam extends ParamBase {
  readonly type: 'enum';
  readonly values: readonly string[];
  readonly default?: string;
}

/** Free text; `agent`: the id of an agent of the scenario. */
export interface StringParam extends ParamBase {
  readonly type: 'string' | 'agent';
  readonly default?: string;
}

/** A list of texts; `agents`: of ids of agents of the scenario. */
export interface StringsParam extends ParamBase {
  readonly type: 'strings' | 'agents';
  /** Fewest items; default 0. */
  readonly itemsMin?: number;
  readonly default?: readonly string[];
}

/** Any JSON value the protocol compares as a whole (a vote, a plan). */
export interface JsonParam extends ParamBase {
  readonly type: 'json';
  readonly default?: Json;
}

/** One protocol parameter: its type, range or values, default, unit and meaning. */
export type ParamSpec =
  | NumberParam
  | BooleanParam
  | EnumParam
  | StringParam
  | StringsParam
  | JsonParam;

/** A protocol's parameters by name (see `Protocol.params`). */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** What the engine passes to an agent's machine as `input`. */
export interface AgentInput {
  readonly id: string;
  /** Position of the agent in the scenario's agent list, from 0. */
  readonly index: number;
  /** Ids of all agents, this one included, in scenario order: one array shared by every agent. */
  readonly agents: readonly string[];
  /**
   * Ids of every other agent, in scenario order. Built on first read, so it
   * costs memory per agent only for protocols that read it: with many agents,
   * prefer `agents` and `index`.
   */
  readonly peers: readonly string[];
  readonly params: Readonly<Record<string, Json>>;
  /**
   * False for an agent the scenario makes Byzantine (a traitor, a compromised
   * agent): the protocol decides how it lies; checkers leave it out of
   * agreement, validity, termination and convergence.
   */
  readonly honest: boolean;
  /** After a restart: the persistent context keys as they were at the crash. */
  readonly restored?: Readonly<Record<string, unknown>> | undefined;
}

export interface AgentSpec {
  readonly id: string;
  readonly protocol: Protocol;
  readonly params?: Readonly<Record<string, Json>>;
  /** False makes the agent Byzantine (see `AgentInput.honest`). Default true. */
  readonly honest?: boolean;
  /** Trust zone (see sim/trust.ts); default the most trusted zone. */
  readonly zone?: string;
  /** Capabilities granted, e.g. `db.delete@prod`. */
  readonly capabilities?: readonly string[];
  /** Capabilities the agent's task needs; with `leastPrivilege` only these can be used. */
  readonly needs?: readonly string[];
  /** A quarantined reader: holds no capability, and its messages lose their instructions. */
  readonly quarantined?: boolean;
  /** Most this agent may spend over the run (see sim/cost.ts). */
  readonly budget?: number;
  readonly rateLimit?: RateLimit;
  /** The agent is a program of the user's, run as a process (see sim/programs.ts); its protocol is then `process`. */
  readonly process?: ProcessSpec;
}

/** How to start and step an agent that is a process (docs/process-agents.md). */
export interface ProcessSpec {
  /** The program and its arguments, run without a shell. */
  readonly command: readonly string[];
  /** Working folder, relative to the scenario file's folder; default that folder. */
  readonly cwd?: string;
  /** Added to parley's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** `lockstep` (default): steps end at the sync answer; `quiet`: after quietMs of silence. */
  readonly sync?: 'lockstep' | 'quiet';
  /** Wall-clock milliseconds one step may take (default 10000). */
  readonly stepTimeoutMs?: number;
  /** Wall-clock milliseconds of silence that end a step under `sync: quiet` (default 50). */
  readonly quietMs?: number;
  /** Most lines one step may write (default 1000). */
  readonly linesPerStepMax?: number;
}

/**
 * One property a scenario checks after each run (see sim/checkers/), with
 * what the scenario expects of it: `holds` for a guarantee, `fails` for the
 * failure the scenario exists to show. Without `expect` the verdict is
 * reported but not judged.
 */
export interface CheckSpec {
  readonly property: string;
  readonly expect?: 'holds' | 'fails';
  /** The checker's own options, e.g. `{ tickMax: 500 }` for termination. */
  readonly options?: Readonly<Record<string, Json>>;
}

/** Latency of one message copy on a link, in whole ticks. */
export type Latency =
  | { readonly kind: 'constant'; readonly ticks: number }
  /** Every integer in [ticksMin, ticksMax] equally likely. */
  | { readonly kind: 'uniform'; readonly ticksMin: number; readonly ticksMax: number }
  /**
   * ticksMin plus a geometric number of ticks with mean ticksMean (the
   * discrete exponential: P(extra >= k) = (ticksMean / (ticksMean + 1))^k),
   * capped at ticksCap.
   */
  | {
      readonly kind: 'exponential';
      readonly ticksMin?: number;
      readonly ticksMean: number;
      readonly ticksCap?: number;
    }
  /**
   * floor of a Pareto draw with scale ticksMin and shape alpha:
   * P(latency >= k) = (ticksMin / k)^alpha for integers k >= ticksMin; capped at ticksCap.
   */
  | {
      readonly kind: 'pareto';
      readonly ticksMin: number;
      readonly alpha: number;
      readonly ticksCap?: number;
    };

/** How one directed link treats messages. */
export interface LinkSpec {
  /** Probability that a message copy is lost. */
  readonly dropRatio: number;
  /** Probability that a sent message is delivered twice (two independent latencies). */
  readonly duplicateRatio: number;
  readonly latency: Latency;
  /**
   * Deliver in send order on this link. Without it, latency jitter reorders
   * messages; with it, a copy is never delivered before an earlier one.
   */
  readonly fifo: boolean;
  /**
   * Most copies in flight on the link at once, 0 for no limit. A copy sent
   * while the link is full is dropped (tail drop, reason `overflow`).
   */
  readonly inFlightMax: number;
}

export interface LinkOverride extends Partial<LinkSpec> {
  readonly source: string;
  readonly target: string;
}

/**
 * One run's latency chooser: the latency in ticks of the copy of `message`
 * that `source` sent to `target` at `tick`, or undefined for the link's own
 * latency draw. Called once per copy that the network is about to schedule
 * (after loss, partition and omission spared it; a duplicate is a second
 * copy and a second call), in send order. Must be deterministic; it may keep
 * state across calls.
 */
export type ChooseLatency = (
  source: string,
  target: string,
  message: Message,
  tick: number,
) => number | undefined;

/**
 * A network-level scheduler: who picks message latencies instead of the
 * links' distributions (e.g. an adversary that delays chosen messages). It
 * replaces only the latency: losses, duplicates, partitions, FIFO and
 * in-flight limits work as without it, and every message still makes its
 * four random draws. The manifest keeps only `name`.
 */
export interface Scheduler {
  readonly name: string;
  /** A fresh chooser for one run over `agents` (ids in scenario order). */
  create(agents: readonly string[]): ChooseLatency;
}

export interface NetworkSpec {
  /** Applied to every link not overridden. */
  readonly defaults?: Partial<LinkSpec>;
  /** Per directed link; fields left out take the defaults. */
  readonly links?: readonly LinkOverride[];
  /** Chooses latencies instead of the links' distributions (see `Scheduler`). */
  readonly scheduler?: Scheduler;
}

/**
 * Faults on a schedule. Windows are half-open: [tickStart, tickEnd).
 * A fault without tickEnd lasts to the end of the run. The random kinds
 * (`RandomFaultSpec`) draw their schedule from the run's seed.
 */
export type FaultSpec = FixedFaultSpec | RandomFaultSpec;

/** A fault at fixed ticks, on named agents. */
export type FixedFaultSpec =
  /** The agent stops; in-flight messages to it are lost; at tickRestart it starts again. */
  | {
      readonly kind: 'crash';
      readonly agent: string;
      readonly tick: number;
      readonly tickRestart?: number;
    }
  /**
   * Symmetric partition: links between different groups carry nothing.
   * Agents named in no group form one more group together.
   */
  | {
      readonly kind: 'partition';
      readonly groups: readonly (readonly string[])[];
      readonly tickStart: number;
      readonly tickEnd?: number;
    }
  /** Asymmetric partition: messages from `from` to `to` are lost; the reverse direction works. */
  | {
      readonly kind: 'partition';
      readonly from: readonly string[];
      readonly to: readonly string[];
      readonly tickStart: number;
      readonly tickEnd?: number;
    }
  /** The agent loses each message it sends (sendRatio) or receives (receiveRatio). */
  | {
      readonly kind: 'omission';
      readonly agent: string;
      readonly sendRatio?: number;
      readonly receiveRatio?: number;
      readonly tickStart: number;
      readonly tickEnd?: number;
    }
  /**
   * The agent's clock runs at `rate` local ticks per real tick: a timer of d
   * ticks set while the skew holds fires after ceil(d / rate) real ticks.
   */
  | {
      readonly kind: 'skew';
      readonly agent: string;
      readonly rate: number;
      readonly tickStart: number;
      readonly tickEnd?: number;
    };

/**
 * How the phases of a random fault (up and down, healed and cut) last, in
 * whole ticks of at least 1, each phase with its mean m (a whole number):
 * - `exponential`: geometric on 1, 2, …: a phase ends at each tick with
 *   probability 1 / m, so P(longer than k) = (1 - 1/m)^k (the memoryless
 *   discrete exponential);
 * - `constant`: exactly m;
 * - `uniform`: every whole number from 1 to 2m - 1 equally likely.
 */
export type DurationDistribution = 'exponential' | 'constant' | 'uniform';

/** What every random fault says besides its kind. */
interface RandomFaultWindow {
  /** The agents it may touch, by id; default every agent. */
  readonly agents?: readonly string[];
  /** The first tick it acts at; default 0 (before the agents start). */
  readonly tickStart?: number;
  /**
   * From this tick on it no longer holds: agents it holds down restart
   * (crash-rate's crashes are for good), partitions heal, omission and skew
   * end. Default never: a fault that comes and goes (churn,
   * partitions, omission windows, intervals of down) then keeps the run
   * going to its tick limit.
   */
  readonly tickEnd?: number;
}

/**
 * Faults drawn at random, each from its own streams (`fault/K/AGENT`, and
 * `fault/K` for a partition, K its position among the scenario's random
 * faults), so adding one leaves every other draw of the run alone. The engine
 * turns each into the same crash and restart, partition and heal, omission
 * and skew records as the fixed faults.
 */
export type RandomFaultSpec =
  /**
   * Each agent is down independently with probability downRatio: once for
   * the whole span from tickStart to tickEnd, or, with intervalTicks,
   * afresh for each interval of that many ticks from tickStart.
   */
  | (RandomFaultWindow & {
      readonly kind: 'down';
      readonly downRatio: number;
      readonly intervalTicks?: number;
    })
  /**
   * Each agent alternates up and down, phases drawn from `distribution`
   * (default exponential) with means upMeanTicks and downMeanTicks; the
   * process is stationary from tickStart (an agent starts down with
   * probability downMean / (upMean + downMean), its first phase the residual
   * of a phase in progress), so at every tick an agent is down with that
   * probability.
   */
  | (RandomFaultWindow & {
      readonly kind: 'churn';
      readonly upMeanTicks: number;
      readonly downMeanTicks: number;
      readonly distribution?: DurationDistribution;
    })
  /**
   * Crash-stop at a rate: each agent crashes for good at tickStart + T, T
   * geometric on 1, 2, … with mean perTicks (each tick it crashes with
   * probability 1 / perTicks), if that is before tickEnd.
   */
  | (RandomFaultWindow & {
      readonly kind: 'crash-rate';
      readonly perTicks: number;
    })
  /**
   * Partitions that come and go, stationary as `churn` is (gaps healed,
   * durations cut): each cuts off `size` agents drawn at random from
   * `agents` (default a random minority: a size uniform from 1 to
   * floor((n - 1) / 2) of the n agents) from all the others.
   */
  | (RandomFaultWindow & {
      readonly kind: 'random-partition';
      readonly gapMeanTicks: number;
      readonly durationMeanTicks: number;
      readonly distribution?: DurationDistribution;
      readonly size?: number;
    })
  /** Omission windows at each agent, coming and going as `churn`'s downtimes do. */
  | (RandomFaultWindow & {
      readonly kind: 'random-omission';
      readonly gapMeanTicks: number;
      readonly durationMeanTicks: number;
      readonly distribution?: DurationDistribution;
      readonly sendRatio?: number;
      readonly receiveRatio?: number;
    })
  /** Each agent's clock runs at a rate drawn uniformly from [rateMin, rateMax], from tickStart to tickEnd. */
  | (RandomFaultWindow & {
      readonly kind: 'random-skew';
      readonly rateMin: number;
      readonly rateMax: number;
    });

/** The kinds of `RandomFaultSpec`. */
export const RANDOM_FAULT_KINDS: readonly RandomFaultSpec['kind'][] = [
  'down',
  'churn',
  'crash-rate',
  'random-partition',
  'random-omission',
  'random-skew',
];

/** True for a fault drawn at random. Pure. */
export function isRandomFault(f: FaultSpec): f is RandomFaultSpec {
  return (RANDOM_FAULT_KINDS as readonly string[]).includes(f.kind);
}

export interface Limits {
  /** The run stops before processing an event later than this tick. */
  readonly ticksMax: number;
  /** The run stops after processing this many events. */
  readonly eventsMax: number;
  /** The run stops when more events than this are pending. */
  readonly queueMax: number;
  /** The run stops when the trace holds this many records. */
  readonly recordsMax: number;
  /** Stop as soon as every agent that is up has decided. */
  readonly untilAllDecided: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly agents: readonly AgentSpec[];
  readonly network?: NetworkSpec;
  readonly faults?: readonly FaultSpec[];
  readonly limits?: Partial<Limits>;
  /** Parameters the scenario was built from (overrides, sweep point): kept in the manifest. */
  readonly params?: Readonly<Record<string, Json>>;
  /** The properties judged after each run, and what is expected of them. */
  readonly checks?: readonly CheckSpec[];
  /** Zones, sources, capabilities and mitigations (see sim/trust.ts). */
  readonly trust?: TrustSpec;
  /** Costs and budgets (see sim/cost.ts). */
  readonly cost?: CostSpec;
  /**
   * Set by the command line: the folder process agents' relative paths start
   * from (the scenario file's). Not part of the manifest, so traces do not
   * depend on where the files are.
   */
  readonly processBase?: string;
  /** The language model agents ask (sim/models.ts). */
  readonly model?: ModelSpec;
}

export const LINK_DEFAULTS: LinkSpec = {
  dropRatio: 0,
  duplicateRatio: 0,
  latency: { kind: 'constant', ticks: 1 },
  fifo: false,
  inFlightMax: 0,
};

export const LIMITS_DEFAULTS: Limits = {
  ticksMax: 1_000_000,
  eventsMax: 10_000_000,
  queueMax: 1_000_000,
  recordsMax: 20_000_000,
  untilAllDecided: false,
};

/** Most agents in one run. */
export const AGENTS_MAX = 100_000;
/** Largest tick: ticks are stored as 32-bit integers in the trace. */
export const TICK_MAX = 2 ** 31 - 1;

/** Clock rates of a skew fault, local ticks per tick: a clock 1,000 times slow or fast is far past any real one. */
export const SKEW_RATE_MIN = 0.001;
export const SKEW_RATE_MAX = 1000;
