/**
 * The engine: `createSimulation(scenario, { seed })` gives a run that steps one
 * event at a time on an integer clock. Events come off a (tick, seq) heap;
 * agents are xstate machines stepped through the shared scope; every effect
 * becomes trace records and new events. Pure: no clock, no I/O, no
 * randomness but the seeded streams; the same scenario and seed give the
 * same trace in Node, a browser page and a worker.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import {
  type AgentRuntime,
  PEER_ENTRIES_MAX,
  SharedScope,
  STEP_EFFECTS_MAX,
  StepLimitError,
  stateKeyOf,
  type TimerEntry,
} from './agent.ts';
import { Cost } from './cost.ts';
import {
  bindAgentStream,
  type DrawChooser,
  delivered,
  type Effect,
  type Message,
} from './effects.ts';
import { type EngineChoice, machineFor } from './fast/engine.ts';
import { type FaultTimeline, faultTimelines, type Transition } from './faults.ts';
import { Hash64, type Hash64Lanes } from './hash.ts';
import {
  defaultModelHost,
  MODEL_DEFAULTS,
  type ModelHost,
  type ModelReply,
  type ModelRequest,
  requestHash,
} from './models.ts';
import {
  type LinkState,
  latencyTicksLeast,
  Network,
  Partitions,
  sampleLatency,
} from './network.ts';
import {
  clip,
  defaultProcessHost,
  effectProblem,
  eventLine,
  initLine,
  type OutputLine,
  PROCESS_DEFAULTS,
  type ProcessFault,
  type ProcessHost,
  parseOutputLine,
} from './programs.ts';
import { EventQueue } from './queue.ts';
import { checkSeed, deriveStream, type Stream } from './rng.ts';
import {
  type AgentInput,
  type AgentSpec,
  type FixedFaultSpec,
  isRandomFault,
  type Json,
  LIMITS_DEFAULTS,
  LINK_DEFAULTS,
  type Limits,
  type LinkSpec,
  type ProcessSpec,
  type RandomFaultSpec,
  type Scenario,
  TICK_MAX,
} from './spec.ts';
import {
  JsonText,
  Kind,
  type Manifest,
  messageJson,
  primitiveJson,
  type StopReason,
  TRACE_FORMAT,
  Trace,
} from './trace.ts';
import {
  type ActCheck,
  type ApprovalSpec,
  type GatewaySpec,
  type Provenance,
  Trust,
} from './trust.ts';
import { assertValidScenario } from './validate.ts';
import { PARLEY_VERSION } from './version.ts';

export interface SimulationOptions {
  /** Root seed: a non-negative safe integer. */
  readonly seed: number;
  /** Keep the trace (default true). Without it only decisions and final states remain. */
  readonly record?: boolean;
  /** How protocol machines are stepped (default 'auto'); the trace is the same whichever. */
  readonly engine?: EngineChoice;
  /**
   * Runs the scenario's process agents (sim/programs.ts): a recorded trace's
   * `recordedHost`, or a host of the caller's. Default: the one the command
   * line registered, which the run ends when it stops.
   */
  readonly processes?: ProcessHost;
  /** Answers agents' model asks (sim/models.ts): a recording's `recordedModelHost`; default the command line's. */
  readonly models?: ModelHost;
  /**
   * Makes the network's choices instead of its random draws (sim/explore.ts):
   * without it a run is exactly as it always was.
   */
  readonly chooser?: Chooser;
}

/**
 * The choice points of a run driven by an explorer. Asked for each message
 * that would reach the network (after budget, omission and partition
 * drops): whether it is lost, replacing the link's loss draw; then, for
 * each copy that is not, its latency, replacing the link's distribution and
 * any scheduler; `duplicate` and `crash`, when there, make those choices
 * too. Every message still makes its four draws.
 */
export interface Chooser {
  /** True: the message is lost, recorded as a drop with reason 'loss'. */
  lose(from: string, to: string, message: Message, tick: number): boolean;
  /** The copy's latency: a whole number of ticks from 0. */
  latency(from: string, to: string, message: Message, tick: number): number;
  /** What the trace's manifest keeps of the choices (`choices`), for replay to make them again. */
  readonly manifest?: Json;
  /**
   * Asked after a copy that was not lost: whether a second copy goes too,
   * replacing the link's duplicate draw; undefined keeps the draw.
   */
  duplicate?(from: string, to: string, message: Message, tick: number): boolean | undefined;
  /**
   * Asked before each event with the agents up: the index of the one that
   * crashes now (as a crash fault would take it down, recorded), or -1.
   */
  crash?(up: readonly string[], tick: number): number;
  /**
   * Asked before each event, after `crash`, with the agents down: the index
   * of the one that restarts now (as a crash fault's restart brings it back,
   * its persistent keys kept, recorded), or -1.
   */
  restart?(down: readonly string[], tick: number): number;
  /**
   * The partition an explorer starts and heals (`groups` as a partition
   * fault's), and the index of the scenario's fault whose timing it replaces:
   * that fault is not scheduled.
   */
  readonly partition?: {
    readonly groups: readonly (readonly string[])[];
    readonly fault: number | undefined;
  };
  /**
   * With `partition`, asked before each event, after `restart`: true starts
   * the partition now (when it is not in force) or heals it (when it is),
   * each recorded as the fault would be.
   */
  partitionNow?(active: boolean, tick: number): boolean;
  /**
   * Asked at an agent's marked draw (effects.ts `choose`) with the option
   * its stream drew (the draw is made either way): the option taken, from 0
   * to options - 1. Without it the drawn option stands.
   */
  draw?(agent: string, options: number, label: string, drawn: number, tick: number): number;
}

export interface Decision {
  readonly agent: string;
  readonly value: Json;
  readonly tick: number;
  /** seq of the decide record (-1 when not recording). */
  readonly seq: number;
}

export interface AgentOutcome {
  readonly id: string;
  readonly status: 'pending' | 'up' | 'down';
  /** The machine state value as a string ('' when down). */
  readonly state: string;
  /** The machine context (undefined when down). */
  readonly context: unknown;
}

export interface RunResult {
  readonly trace: Trace;
  readonly stop: { readonly reason: StopReason; readonly tick: number };
  /** Events taken off the heap. */
  readonly events: number;
  readonly agents: readonly AgentOutcome[];
  readonly decisions: readonly Decision[];
}

export interface Simulation {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly trace: Trace;
  /** The current tick. */
  readonly tick: number;
  /** Events taken off the heap so far. */
  readonly events: number;
  /** Why the run stopped, once it has. */
  readonly stopped: StopReason | undefined;
  /** Processes the next event; false once the run has stopped. */
  step(): boolean;
  /** Steps until a stop condition and returns the outcome. */
  run(): RunResult;
  /** The outcome so far. */
  result(): RunResult;
  /**
   * A 64-bit hash (Hash64) of the state between events, for an explorer's pruning: equal
   * fingerprints mean the same futures under the same choices, as far as it
   * covers. Covers each agent's status, state key, context, timer names,
   * decided flag, stable-storage keys, clock rate and omission ratios (JSON;
   * what JSON drops, such as Maps, is not seen); the pending events in
   * (tick, seq) order with their tick relative to now (kind, agent, peer,
   * payload: the delivered message, a live timer's name and event, a random
   * fault's next transition; stale timers left out); the active partitions;
   * and the decisions so far (agent and value, sorted). Leaves out the
   * absolute tick and event count (so ticksMax and eventsMax stops), the
   * random streams' positions (agents' own draws, duplicates, omission,
   * random fault timelines, gateway and approval), FIFO and in-flight link
   * state, budgets and trust state, process agents' programs (only their
   * state key), message ids and record seqs.
   */
  fingerprint(): string;
}

/** Thrown when the engine's own invariants break: a bug, in parley or in a protocol. */
export class InvariantError extends Error {
  constructor(
    /** What broke, in one sentence. */
    readonly detail: string,
    readonly scenario: string,
    readonly seed: number,
  ) {
    super(
      `parley: ${detail}\n  scenario: ${scenario}, seed: ${seed}\n  reproduce: npx parley run ${scenario} --seed ${seed}`,
    );
    this.name = 'InvariantError';
  }
}

const EV_START = 0;
const EV_DELIVER = 1;
const EV_TIMER = 2;
const EV_FAULT_START = 3;
const EV_FAULT_END = 4;
/** A source's content reaching the agent that read it. */
const EV_CONTENT = 5;
/** An answer from the engine to an agent (act result, spend refusal). */
const EV_NOTIFY = 6;
/** A human's verdict on a destructive act. */
const EV_APPROVAL = 7;
/** A random fault's next transition at one agent (or of its partition). */
const EV_RANDOM_FAULT = 8;

/** One timeline of a random fault in a run: what it acts on and what it holds now. */
interface RandomFaultRun {
  readonly fault: RandomFaultSpec;
  /** The fault's index in the scenario's faults (a partition's id). */
  readonly index: number;
  /** Agent index, or NONE for a partition. */
  readonly agent: number;
  readonly timeline: FaultTimeline;
  /** The transition its queued event will apply. */
  pending: Transition | undefined;
  /** True while this timeline holds its fault (an agent it took down, a partition, omission or skew it started). */
  holding: boolean;
  /** The record that opened what it holds: the cause of the record that closes it. */
  openSeq: number;
}

/** One event on the heap. One shape for every kind keeps the engine's code monomorphic. */
interface SimEvent {
  tick: number;
  seq: number;
  kind: number;
  /** Agent index (target of a delivery), or fault index. */
  agent: number;
  /** Sender of a delivery. */
  peer: number;
  /** Message id. */
  ref: number;
  /** seq of the record that caused this event. */
  cause: number;
  /** The delivered event, or the timer entry. */
  payload: unknown;
  link: LinkState | null;
  /** Provenance of a message copy (trust model on), else null. */
  prov: Provenance | null;
}

const NONE = -1;
/** Steps sent ahead to programs at most, counting the queued events among them (sendAhead). */
const AHEAD_MAX = 16;

/**
 * Where events due after TICK_MAX wait: past every run's last tick, so they
 * never happen, yet they keep the queue from looking empty (a run with a
 * timer set for tick 9e15 is not quiescent, it runs out of time).
 */
const BEYOND_TICK = TICK_MAX + 1;

/** Processed events kept for reuse: enough for a busy run, bounded so a large start does not pin memory. */
const FREE_EVENTS_MAX = 4096;

/** Save the `keys` of `context` (for stable storage across a crash). */
function pick(context: unknown, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const c = context as Record<string, unknown>;
  for (const k of keys) out[k] = c[k];
  return out;
}

/**
 * A spend record's payload `{ amount, what?, outcome, reason?, total }`,
 * written as its JSON text when `what` is a string or absent (JSON.stringify
 * of the object was a tenth of a run that spends at most steps), else the
 * object.
 */
function spendData(
  amount: number,
  what: unknown,
  refusal: string | undefined,
  total: number,
): JsonText | Record<string, Json> {
  if (what !== undefined && typeof what !== 'string') {
    const data: Record<string, Json> = { amount, what: what as Json };
    data['outcome'] = refusal === undefined ? 'done' : 'refused';
    if (refusal !== undefined) data['reason'] = refusal;
    data['total'] = total;
    return data;
  }
  let json = `{"amount":${primitiveJson(amount)}`;
  if (what !== undefined) json += `,"what":${primitiveJson(what)}`;
  json +=
    refusal === undefined
      ? ',"outcome":"done"'
      : `,"outcome":"refused","reason":${primitiveJson(refusal)}`;
  return new JsonText(`${json},"total":${primitiveJson(total)}}`);
}

/** Peer ids held by the `peers` lists of one run, against PEER_ENTRIES_MAX. */
interface PeerCount {
  entries: number;
}

/**
 * `{ ...event }`: the same keys in the same order, by Object.assign, which
 * V8 runs several times faster than a spread of the engine's delivered
 * events (spread only differs for an own `__proto__` key).
 */
function copyEvent(event: Record<string, unknown>): Record<string, unknown> {
  return Object.hasOwn(event, '__proto__') ? { ...event } : Object.assign({}, event);
}

/**
 * The hash of fingerprinted objects, by identity: contexts and messages are
 * replaced, not mutated, so an object's JSON (and its hash) stays; an
 * object shared by many contexts (a config) is walked once.
 */
const jsonLanesCache = new WeakMap<object, Hash64Lanes>();

/** The hash of each object key seen, so a key's text is hashed once (a pure function: the cache only saves the work). */
const keyLanesCache = new Map<string, Hash64Lanes>();
/** Keys kept in keyLanesCache: contexts keyed by data (ids, values) could grow it without end. */
const KEY_LANES_MAX = 65_536;

function keyLanes(k: string): Hash64Lanes {
  let lanes = keyLanesCache.get(k);
  if (lanes === undefined) {
    lanes = new Hash64().text(k).digest();
    if (keyLanesCache.size < KEY_LANES_MAX) keyLanesCache.set(k, lanes);
  }
  return lanes;
}

/** Nesting past which a value is hashed by its JSON text (JSON.stringify throws on a cycle). */
const JSON_DEPTH_MAX = 64;

/**
 * Feeds `x` as its JSON would read (JSON.stringify's rules: toJSON, boxed
 * primitives unwrapped, non-finite numbers as null; undefined, functions
 * and symbols dropped from objects and null in arrays), without making the
 * text: equal JSON feeds equal pieces. Each value starts with a tag of its
 * type; objects and arrays go in as their own cached hash (jsonLanes).
 */
function feedJson(h: Hash64, x: unknown, depth: number): void {
  switch (typeof x) {
    case 'string':
      h.unit(5).text(x);
      return;
    case 'number':
      if (x === (x | 0) && !Object.is(x, -0)) h.unit(4).unit(x);
      else if (Number.isFinite(x)) h.unit(6).text(String(x));
      else h.unit(1);
      return;
    case 'boolean':
      h.unit(x ? 2 : 3);
      return;
    case 'bigint':
      JSON.stringify(x); // throws, as the JSON would
      return;
    case 'object':
      if (x === null) h.unit(1);
      else h.unit(7).lanes(jsonLanesAt(x, depth + 1));
      return;
    default:
      // undefined, a function, a symbol: null where JSON writes it at all.
      h.unit(1);
  }
}

/** The hash of object `x`'s JSON (see feedJson), cached by identity. */
function jsonLanesAt(x: object, depth: number): Hash64Lanes {
  let lanes = jsonLanesCache.get(x);
  if (lanes !== undefined) return lanes;
  const h = new Hash64();
  const toJSON = (x as { toJSON?: unknown }).toJSON;
  if (depth > JSON_DEPTH_MAX) h.unit(8).text(JSON.stringify(x) ?? 'null');
  else if (typeof toJSON === 'function') feedJson(h.unit(9), toJSON.call(x, ''), depth);
  else if (x instanceof Number || x instanceof String || x instanceof Boolean)
    feedJson(h.unit(9), x.valueOf(), depth);
  else if (Array.isArray(x)) {
    h.unit(10).unit(x.length);
    for (let i = 0; i < x.length; i++) feedJson(h, x[i], depth);
  } else {
    h.unit(11);
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      h.lanes(keyLanes(k));
      feedJson(h, v, depth);
    }
  }
  lanes = h.digest();
  jsonLanesCache.set(x, lanes);
  return lanes;
}

/** The hash of `x` as JSON (null for what JSON drops), objects cached by identity. */
function jsonLanes(x: unknown): Hash64Lanes {
  if (typeof x === 'object' && x !== null) return jsonLanesAt(x, 0);
  const h = new Hash64();
  feedJson(h, x, 0);
  return h.digest();
}

/** A whole number into `h`: one unit when it fits 32 bits, else its decimal text. */
function feedWhole(h: Hash64, x: number): void {
  if (x === (x | 0)) h.unit(x);
  else h.unit(0x7fffffff).text(String(x));
}

/**
 * An agent's machine input. `peers` is built on first read, so n agents do
 * not cost n² memory unless they read it, and a run's lists together stay
 * under PEER_ENTRIES_MAX.
 */
class Input implements AgentInput {
  private peersCache: readonly string[] | undefined;
  constructor(
    readonly agents: readonly string[],
    readonly index: number,
    readonly params: Readonly<Record<string, Json>>,
    readonly honest: boolean,
    private readonly peerCount: PeerCount,
    readonly restored?: Readonly<Record<string, unknown>>,
  ) {}
  get id(): string {
    return this.agents[this.index] as string;
  }
  get peers(): readonly string[] {
    if (this.peersCache === undefined) {
      const n = this.agents.length - 1;
      if (this.peerCount.entries + n > PEER_ENTRIES_MAX)
        throw new StepLimitError('peer-lists', PEER_ENTRIES_MAX);
      this.peerCount.entries += n;
      this.peersCache = this.agents.filter((_, i) => i !== this.index);
    }
    return this.peersCache;
  }
}

/**
 * The last description of each scenario object, as JSON and as data: runs of
 * one scenario (a sweep's seeds) share the data while the JSON stays the same,
 * so only the first of them parses it.
 */
const described = new WeakMap<Scenario, { readonly json: string; readonly spec: Json }>();

function parsedOnce(scenario: Scenario, json: string): Json {
  const last = described.get(scenario);
  if (last !== undefined && last.json === json) return last.spec;
  const spec = JSON.parse(json) as Json;
  described.set(scenario, { json, spec });
  return spec;
}

/** The scenario as data for the manifest: protocols by name, machines left out. */
function describe(scenario: Scenario): Json {
  return parsedOnce(
    scenario,
    JSON.stringify({
      name: scenario.name,
      agents: scenario.agents.map(describeAgent),
      // A scheduler by name only, and only when set, so other traces keep their hashes.
      network:
        scenario.network?.scheduler === undefined
          ? (scenario.network ?? {})
          : { ...scenario.network, scheduler: scenario.network.scheduler.name },
      faults: scenario.faults ?? [],
      limits: scenario.limits ?? {},
      ...(scenario.checks !== undefined ? { checks: scenario.checks } : {}),
      ...(scenario.trust !== undefined ? { trust: scenario.trust } : {}),
      ...(scenario.cost !== undefined ? { cost: scenario.cost } : {}),
      ...(scenario.model !== undefined ? { model: scenario.model } : {}),
      // Only for protocols read from files, so other traces keep their hashes.
      ...protocolFiles(scenario),
    }),
  );
}

/** One agent for the manifest; fields set one by one, not spread (a spread per field cost a sixteenth of a short run). */
function describeAgent(a: AgentSpec): Record<string, unknown> {
  const d: Record<string, unknown> = {
    id: a.id,
    protocol: a.protocol.name,
    params: a.params ?? {},
  };
  // Only when set, so traces of all-honest scenarios keep their hashes.
  if (a.honest === false) d['honest'] = false;
  if (a.zone !== undefined) d['zone'] = a.zone;
  if (a.capabilities !== undefined) d['capabilities'] = a.capabilities;
  if (a.needs !== undefined) d['needs'] = a.needs;
  if (a.quarantined !== undefined) d['quarantined'] = a.quarantined;
  if (a.budget !== undefined) d['budget'] = a.budget;
  if (a.rateLimit !== undefined) d['rateLimit'] = a.rateLimit;
  if (a.process !== undefined) d['process'] = a.process;
  return d;
}

/** `{ protocolFiles: { name: { path, sha256 } } }` for the protocols read from files, else `{}`. */
function protocolFiles(scenario: Scenario): { protocolFiles?: Record<string, Json> } {
  let files: Record<string, Json> | undefined;
  for (const a of scenario.agents)
    if (a.protocol.file !== undefined && files?.[a.protocol.name] === undefined) {
      files ??= {};
      files[a.protocol.name] = { path: a.protocol.file.path, sha256: a.protocol.file.sha256 };
    }
  return files === undefined ? {} : { protocolFiles: files };
}

class Engine implements Simulation {
  readonly trace: Trace;
  tick = 0;
  events = 0;
  stopped: StopReason | undefined;

  private readonly limits: Limits;
  private readonly record: boolean;
  private readonly queue = new EventQueue<SimEvent>();
  /** Processed events, ready for reuse. */
  private readonly free: SimEvent[] = [];
  private readonly agents: AgentRuntime[];
  private readonly agentIndex: Map<string, number>;
  private readonly network: Network;
  private readonly partitions: Partitions;
  private readonly shared: SharedScope;
  private readonly scope: Record<string, unknown>;
  private readonly decisions: Decision[] = [];
  private readonly faultRecord = new Map<number, number>();
  private messagesSent = 0;
  private pendingStarts: number;
  private undecidedUp = 0;

  /** The agent being stepped and the record that caused the step. */
  private current: AgentRuntime | null = null;
  private cause = NONE;
  /** Message copies the agent stepping now has sent in this step. */
  private stepSends = 0;
  private readonly peerCount: PeerCount = { entries: 0 };
  /** Trust model (null when the scenario has none), and the provenance of the input being stepped. */
  private readonly trust: Trust | null;
  private trigger: Provenance = Trust.EMPTY;
  private readonly gatewayStream: Stream | null;
  private readonly approvalStream: Stream | null;
  private cost: Cost | null;
  /** Provenance of the message being sent, for its copies. */
  private sendingProv: Provenance | null = null;
  /** The message last sent in this step and its payload text: one message sent to many agents is written once. */
  private lastSent: Message | null = null;
  /** The text of `lastSent`: one object, its text replaced for each new message sent. */
  private readonly sentJson = new JsonText('');
  /** Each agent's program when it is a process (sim/programs.ts); null when no agent is. */
  private readonly programs: readonly (ProcessSpec | undefined)[] | null;
  /** What runs the programs, and whether this run made it (and so ends it). */
  private host: ProcessHost | null = null;
  private ownsHost = false;
  /**
   * Sending steps ahead (ProcessHost.ahead): how many ticks past the current
   * one a step may be sent to its program before its turn; -1 when none is.
   */
  private aheadTicks = -1;
  /** The last event sent ahead, by (tick, seq): every queued event up to it was sent, or is an engine answer. */
  private aheadTick = -1;
  private aheadSeq = -1;
  /** The events of the window being scanned (reused), and per agent the tick of its first step in it, else -1. */
  private readonly aheadEvents: SimEvent[] = [];
  private aheadFirst: Int32Array = new Int32Array(0);
  /** Per agent, its steps sent ahead and not yet taken. */
  private aheadSent: Int32Array = new Int32Array(0);
  /** What answers model asks, and whether this run made it. */
  private models: ModelHost | null = null;
  private ownsModels = false;
  /** An explorer's choices, replacing the network's loss and latency draws (null: the draws). */
  private readonly chooser: Chooser | null;
  /** Answers agents' marked draws from the chooser (null: the drawn option stands). */
  private readonly drawChooser: DrawChooser | null;
  /** The id of the explorer's partition (its fault's index, or one past the faults), and its record while in force. */
  private readonly chosenPartitionId: number;
  private chosenPartitionSeq = NONE;

  constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    record: boolean,
    engine: EngineChoice = 'auto',
    chooser?: Chooser,
  ) {
    this.record = record;
    this.chooser = chooser ?? null;
    const draw = chooser?.draw;
    this.drawChooser =
      draw === undefined
        ? null
        : (options, label, drawn) =>
            draw.call(chooser, this.currentAgent().id, options, label, drawn, this.tick);
    this.chosenPartitionId = chooser?.partition?.fault ?? scenario.faults?.length ?? 0;
    this.limits = { ...LIMITS_DEFAULTS, ...scenario.limits };
    const ids = scenario.agents.map((a) => a.id);
    this.agentIndex = new Map(ids.map((id, i) => [id, i]));
    const manifest: Manifest = {
      parley: PARLEY_VERSION,
      format: TRACE_FORMAT,
      scenario: scenario.name,
      seed,
      params: scenario.params ?? {},
      spec: describe(scenario),
      ...(chooser?.manifest === undefined ? {} : { choices: chooser.manifest }),
    };
    this.trace = new Trace(manifest, ids);
    this.network = new Network(ids, scenario.network, seed);
    this.partitions = new Partitions(this.agentIndex);
    this.shared = new SharedScope({
      effect: (e) => this.effect(e),
      schedule: (event, delay, id) => this.scheduleDelayed(event, delay, id),
      cancel: (id) => this.cancelTimer(this.currentAgent(), id),
      unsupported: (what) => this.fail(`${what} is not supported inside a simulated agent`),
    });
    this.scope = this.shared.scope;
    this.agents = scenario.agents.map((a, index) => ({
      index,
      id: a.id,
      protocol: a.protocol,
      machine: machineFor(a.protocol, engine),
      input: new Input(ids, index, a.params ?? {}, a.honest !== false, this.peerCount),
      stream: deriveStream(seed, `agent/${a.id}`),
      status: 'pending',
      snapshot: null,
      stateKey: '',
      timers: null,
      restored: undefined,
      decided: false,
      clockRate: 1,
      sendOmitRatio: 0,
      receiveOmitRatio: 0,
      omissionStream: null,
    }));
    this.pendingStarts = this.agents.length;
    this.programs = scenario.agents.some((a) => a.process !== undefined)
      ? scenario.agents.map((a) => a.process)
      : null;
    const agentSpecs = scenario.agents;
    this.trust =
      scenario.trust !== undefined || agentSpecs.some((a) => a.capabilities !== undefined)
        ? new Trust(scenario.trust ?? { zones: ['default'] }, agentSpecs)
        : null;
    this.gatewayStream =
      scenario.trust?.mitigations?.gateway !== undefined ? deriveStream(seed, 'gateway') : null;
    this.approvalStream =
      scenario.trust?.mitigations?.approval !== undefined ? deriveStream(seed, 'approval') : null;
    this.cost =
      scenario.cost !== undefined ||
      agentSpecs.some((a) => a.budget !== undefined || a.rateLimit !== undefined)
        ? new Cost(scenario.cost, agentSpecs)
        : null;

    // Faults first, so that a fault at tick 0 comes before the agents start.
    let ordinal = 0;
    scenario.faults?.forEach((f, i) => {
      if (i === chooser?.partition?.fault) return;
      if (isRandomFault(f)) this.startRandomFault(f, i, ordinal++, ids);
      else this.scheduleFault(f, i);
    });
    for (const a of this.agents) this.push(0, EV_START, a.index, NONE, NONE, NONE, null, null);
  }

  private push(
    tick: number,
    kind: number,
    agent: number,
    peer: number,
    ref: number,
    cause: number,
    payload: unknown,
    link: LinkState | null,
  ): SimEvent {
    if (tick > TICK_MAX) tick = BEYOND_TICK;
    // Reuse processed events: long-lived garbage in the heap cost a quarter of the run in GC.
    const ev = this.free.pop();
    if (ev === undefined) {
      const fresh: SimEvent = {
        tick,
        seq: 0,
        kind,
        agent,
        peer,
        ref,
        cause,
        payload,
        link,
        prov: null,
      };
      this.queue.push(fresh);
      return fresh;
    }
    ev.prov = null;
    ev.tick = tick;
    ev.kind = kind;
    ev.agent = agent;
    ev.peer = peer;
    ev.ref = ref;
    ev.cause = cause;
    ev.payload = payload;
    ev.link = link;
    this.queue.push(ev);
    return ev;
  }

  private rec(
    kind: number,
    agent: number,
    peer: number,
    msg: number,
    cause: number,
    at: number,
    data: unknown,
  ): number {
    if (!this.record) return NONE;
    return this.trace.append(this.tick, kind, agent, peer, msg, cause, at, data);
  }

  private fail(message: string): never {
    throw new InvariantError(message, this.scenario.name, this.seed);
  }

  private currentAgent(): AgentRuntime {
    return this.current ?? this.fail('an effect arrived while no agent was stepping');
  }

  /** Queues the first transition of each timeline of random fault `f` (index `i`, `ordinal`-th random fault). */
  private startRandomFault(
    f: RandomFaultSpec,
    i: number,
    ordinal: number,
    ids: readonly string[],
  ): void {
    for (const { agent, timeline } of faultTimelines(f, ordinal, this.seed, ids)) {
      const run: RandomFaultRun = {
        fault: f,
        index: i,
        agent,
        timeline,
        pending: undefined,
        holding: false,
        openSeq: NONE,
      };
      this.queueTransition(run);
    }
  }

  private queueTransition(run: RandomFaultRun): void {
    const t = run.timeline.next();
    run.pending = t;
    if (t !== undefined)
      this.push(t.tick, EV_RANDOM_FAULT, run.agent, run.index, NONE, NONE, run, null);
  }

  private scheduleFault(f: FixedFaultSpec, i: number): void {
    if (f.kind === 'crash') {
      this.push(f.tick, EV_FAULT_START, i, NONE, NONE, NONE, f, null);
      if (f.tickRestart !== undefined)
        this.push(f.tickRestart, EV_FAULT_END, i, NONE, NONE, NONE, f, null);
    } else {
      this.push(f.tickStart, EV_FAULT_START, i, NONE, NONE, NONE, f, null);
      if (f.tickEnd !== undefined) this.push(f.tickEnd, EV_FAULT_END, i, NONE, NONE, NONE, f, null);
    }
  }

  // ---- stepping ---------------------------------------------------------

  step(): boolean {
    if (this.stopped !== undefined) return false;
    const next = this.queue.peek();
    const limits = this.limits;
    if (next === undefined) return this.stop('quiescent');
    if (next.tick > limits.ticksMax) return this.stop('ticksMax');
    if (this.events >= limits.eventsMax) return this.stop('eventsMax');
    if (this.queue.size > limits.queueMax) return this.stop('queueMax');
    if (this.trace.length >= limits.recordsMax) return this.stop('recordsMax');
    if (this.chooser !== null) this.chosenFaults(this.chooser);
    const ev = this.queue.pop() as SimEvent;
    if (ev.tick < this.tick)
      this.fail(`time ran backwards: event at tick ${ev.tick} after tick ${this.tick}`);
    this.tick = ev.tick;
    this.events++;
    switch (ev.kind) {
      case EV_DELIVER:
        this.deliver(ev);
        break;
      case EV_TIMER:
        this.fire(ev);
        break;
      case EV_START:
        this.start(ev.agent);
        break;
      case EV_FAULT_START:
        this.faultStart(ev.payload as FixedFaultSpec, ev.agent);
        break;
      case EV_FAULT_END:
        this.faultEnd(ev.payload as FixedFaultSpec, ev.agent);
        break;
      case EV_RANDOM_FAULT:
        this.randomFault(ev.payload as RandomFaultRun);
        break;
      case EV_CONTENT:
        this.content(ev);
        break;
      case EV_NOTIFY:
        this.notified(ev);
        break;
      case EV_APPROVAL:
        this.approval(ev);
        break;
      default:
        this.fail(`unknown event kind ${ev.kind}`);
    }
    ev.payload = null;
    ev.link = null;
    ev.prov = null;
    if (this.free.length < FREE_EVENTS_MAX) this.free.push(ev);
    if (limits.untilAllDecided && this.undecidedUp === 0 && this.pendingStarts === 0)
      this.stop('allDecided');
    return true;
  }

  /** An explorer's faults before the next event: a crash, a restart, the partition starting or healing. */
  private chosenFaults(chooser: Chooser): void {
    if (chooser.crash !== undefined) {
      const up = this.agents.filter((a) => a.status === 'up');
      const ids = up.map((x) => x.id);
      const a = up[chooser.crash(ids, this.tick)];
      if (a !== undefined) {
        this.takeDown(a);
        this.rec(Kind.crash, a.index, NONE, NONE, NONE, NONE, undefined);
      }
    }
    if (chooser.restart !== undefined) {
      const down = this.agents.filter((a) => a.status === 'down');
      const ids = down.map((x) => x.id);
      const a = down[chooser.restart(ids, this.tick)];
      if (a !== undefined)
        this.boot(a, this.rec(Kind.restart, a.index, NONE, NONE, NONE, NONE, undefined));
    }
    const p = chooser.partition;
    if (p !== undefined && chooser.partitionNow !== undefined) {
      const id = this.chosenPartitionId;
      const active = this.partitions.ids().includes(id);
      if (!chooser.partitionNow(active, this.tick)) return;
      if (active) {
        this.partitions.heal(id);
        this.rec(Kind.heal, NONE, NONE, NONE, this.chosenPartitionSeq, NONE, undefined);
      } else {
        this.partitions.splitGroups(id, p.groups);
        this.chosenPartitionSeq = this.rec(Kind.partition, NONE, NONE, NONE, NONE, NONE, {
          groups: p.groups,
        });
      }
    }
  }

  private stop(reason: StopReason): false {
    this.stopped = reason;
    this.trace.stop = { reason, tick: this.tick };
    this.closeHost();
    return false;
  }

  run(): RunResult {
    try {
      while (this.step()) {
        // Each step processes one event.
      }
    } finally {
      // A run that throws still ends the programs it started.
      this.closeHost();
    }
    return this.result();
  }

  result(): RunResult {
    return {
      trace: this.trace,
      stop: { reason: this.stopped ?? 'quiescent', tick: this.tick },
      events: this.events,
      agents: this.agents.map((a) => ({
        id: a.id,
        status: a.status,
        state: a.stateKey,
        context: a.snapshot?.context,
      })),
      decisions: this.decisions,
    };
  }

  fingerprint(): string {
    const now = this.tick;
    // Fed piece by piece into one hash, without building the text; objects'
    // JSON hashed once each (jsonLanes): contexts, messages and timer events
    // are replaced, not changed in place. Each piece starts with its kind or
    // length, so different states feed different sequences.
    // A protocol's shift-invariant view (Protocol.abstraction): every part relative to the lowest offset.
    let base = Number.POSITIVE_INFINITY;
    for (const a of this.agents) {
      const context = a.snapshot?.context;
      if (a.protocol.abstraction !== undefined && context !== undefined)
        base = Math.min(base, a.protocol.abstraction.offset(context));
    }
    const contextLanes = (a: AgentRuntime): Hash64Lanes => {
      const x = a.snapshot?.context;
      const abs = a.protocol.abstraction;
      return abs === undefined || x === undefined
        ? jsonLanes(x ?? null)
        : jsonLanes(abs.context(x, base));
    };
    const messageLanes = (a: AgentRuntime, x: unknown): Hash64Lanes => {
      const abs = a.protocol.abstraction;
      return abs === undefined || base === Number.POSITIVE_INFINITY
        ? jsonLanes(x)
        : jsonLanes(abs.message(x as Record<string, unknown>, base));
    };
    const h = new Hash64();
    h.unit(this.agents.length);
    for (const a of this.agents) {
      h.text(a.status).text(a.stateKey).lanes(contextLanes(a));
      if (a.timers === null) h.unit(0);
      else {
        const names = [...a.timers.keys()].sort();
        h.unit(names.length);
        for (const name of names) h.text(name);
      }
      h.unit(a.decided ? 1 : 0).lanes(jsonLanes(a.restored ?? null));
      h.text(String(a.clockRate)).text(String(a.sendOmitRatio)).text(String(a.receiveOmitRatio));
    }
    for (const ev of this.queue.ordered()) {
      if (ev.kind === EV_TIMER) {
        const entry = ev.payload as TimerEntry;
        const a = this.agents[ev.agent] as AgentRuntime;
        if (a.status !== 'up' || a.timers?.get(entry.name) !== entry) continue;
      }
      h.unit(ev.kind).unit(ev.agent).unit(ev.peer);
      h.unit(ev.ref < 0 ? -1 : ev.kind === EV_CONTENT ? ev.ref : 0);
      feedWhole(h, ev.tick - now);
      if (ev.kind === EV_TIMER) {
        const entry = ev.payload as TimerEntry;
        h.text(entry.name).lanes(jsonLanes(entry.event));
      } else if (ev.kind === EV_RANDOM_FAULT)
        h.lanes(jsonLanes((ev.payload as RandomFaultRun).pending ?? null));
      else if (ev.kind === EV_DELIVER)
        h.lanes(messageLanes(this.agents[ev.agent] as AgentRuntime, ev.payload));
      else if (ev.kind !== EV_FAULT_START && ev.kind !== EV_FAULT_END)
        h.lanes(jsonLanes(ev.payload));
    }
    // No event's kind is -1: the partitions start here.
    h.unit(-1);
    const ids = this.partitions.ids();
    h.unit(ids.length);
    for (const id of ids) feedWhole(h, id);
    const decided = this.decisions.map((d) => JSON.stringify([d.agent, d.value])).sort();
    h.unit(decided.length);
    for (const d of decided) h.text(d);
    return h.hex();
  }

  // ---- agents -------------------------------------------------------------

  private start(index: number): void {
    this.pendingStarts--;
    const a = this.agents[index] as AgentRuntime;
    if (a.status !== 'pending') return; // crashed before it started
    const startSeq = this.rec(Kind.start, index, NONE, NONE, NONE, NONE, undefined);
    this.boot(a, startSeq);
  }

  /** Builds the agent's initial snapshot (running its entry actions) and marks it up. */
  private boot(a: AgentRuntime, cause: number): void {
    a.status = 'up';
    a.timers = null;
    if (!a.decided) this.undecidedUp++;
    if (this.programs?.[a.index] !== undefined) {
      this.bootProcess(a, cause);
      return;
    }
    const input =
      a.restored === undefined
        ? a.input
        : new Input(
            a.input.agents,
            a.index,
            a.input.params,
            a.input.honest,
            this.peerCount,
            a.restored,
          );
    this.enter(a, cause);
    try {
      const snapshot = a.machine.getInitialSnapshot(
        this.scope as never,
        input,
      ) as AnyMachineSnapshot;
      this.settle(a, snapshot, cause, true);
    } catch (err) {
      if (err instanceof StepLimitError) this.crashForLimit(a, err);
      else throw err;
    } finally {
      this.leave();
    }
  }

  private enter(a: AgentRuntime, cause: number): void {
    this.current = a;
    this.cause = cause;
    this.stepSends = 0;
    this.lastSent = null;
    bindAgentStream(a.stream, this.drawChooser);
  }

  private leave(): void {
    bindAgentStream(null);
    this.current = null;
  }

  /** Feeds `event` to agent `a`; `cause` is the record that brought it. */
  private stepAgent(a: AgentRuntime, event: EventObject, cause: number): void {
    if (this.programs !== null && this.programs[a.index] !== undefined) {
      this.stepProcess(a, eventLine(a.id, event as unknown as Record<string, unknown>), cause);
      return;
    }
    this.enter(a, cause);
    try {
      let snapshot: AnyMachineSnapshot;
      try {
        snapshot = a.machine.transition(
          a.snapshot as AnyMachineSnapshot,
          event,
          this.scope as never,
        ) as AnyMachineSnapshot;
      } catch (err) {
        this.shared.discard();
        if (err instanceof StepLimitError) throw err;
        this.fail(
          `agent ${a.id} (${a.protocol.name}) threw on ${event.type}: ${(err as Error)?.message ?? String(err)}`,
        );
      }
      this.settle(a, snapshot, cause, false);
    } catch (err) {
      if (err instanceof StepLimitError) this.crashForLimit(a, err);
      else if (err instanceof InvariantError && this.fromProgram(event))
        this.crashOnProgramInput(a, event, err);
      else throw err;
    } finally {
      this.leave();
    }
  }

  /** Stores the new snapshot, records a state change, then runs the step's effects (inside enter/leave). */
  private settle(
    a: AgentRuntime,
    snapshot: AnyMachineSnapshot,
    cause: number,
    initial: boolean,
  ): void {
    if (snapshot.status === 'error') {
      this.shared.discard();
      const err = snapshot.error as Error | undefined;
      if (err instanceof StepLimitError) throw err;
      this.fail(`agent ${a.id} (${a.protocol.name}) failed: ${err?.message ?? String(err)}`);
    }
    const previous = a.snapshot;
    a.snapshot = snapshot;
    // Flat machines keep the same string value when the state stays: skip the key then.
    const key =
      initial || previous === null || snapshot.value !== previous.value
        ? stateKeyOf(snapshot)
        : a.stateKey;
    if (initial || key !== a.stateKey) {
      a.stateKey = key;
      this.rec(Kind.state, a.index, NONE, NONE, cause, NONE, key);
    }
    this.shared.flush();
  }

  // ---- effects -------------------------------------------------------------

  private effect(e: Effect): void {
    const a = this.currentAgent();
    switch (e.type) {
      case 'parley.send': {
        const target = this.agentIndex.get(e.to);
        if (target === undefined) {
          this.error(a, { error: 'unknown-agent', to: String(e.to), type: e.message.type });
          break;
        }
        this.send(a, target, e.message);
        break;
      }
      case 'parley.broadcast':
        for (let t = 0; t < this.agents.length; t++) {
          if (t !== a.index || e.self) this.send(a, t, e.message);
        }
        break;
      case 'parley.timer.set':
        this.setTimer(a, e.name, e.ticks, { type: e.name });
        break;
      case 'parley.timer.cancel':
        this.cancelTimer(a, e.name);
        break;
      case 'parley.decide': {
        const seq = this.rec(Kind.decide, a.index, NONE, NONE, this.cause, NONE, e.value);
        this.decisions.push({ agent: a.id, value: e.value, tick: this.tick, seq });
        if (!a.decided) {
          a.decided = true;
          this.undecidedUp--;
        }
        break;
      }
      case 'parley.propose':
        this.rec(Kind.propose, a.index, NONE, NONE, this.cause, NONE, e.value);
        break;
      case 'parley.hold':
        this.rec(Kind.hold, a.index, NONE, NONE, this.cause, NONE, e.value);
        break;
      case 'parley.note':
        this.rec(Kind.note, a.index, NONE, NONE, this.cause, NONE, e.data);
        break;
      case 'parley.read':
        this.read(a, e.source);
        break;
      case 'parley.act':
        this.act(a, e.capability, e.args);
        break;
      case 'parley.spend':
        this.spend(a, e.amount, e.what);
        break;
      case 'parley.ask':
        this.ask(a, e.request);
        break;
      case 'parley.forge': {
        if (a.input.honest)
          this.fail(`agent ${a.id} is honest and cannot forge a sender; mark it honest: false`);
        const target = this.agentIndex.get(e.to);
        if (target === undefined || !this.agentIndex.has(e.as)) {
          const unknown = target === undefined ? e.to : e.as;
          this.error(a, { error: 'unknown-agent', to: String(unknown), type: e.message.type });
          break;
        }
        this.rec(Kind.note, a.index, NONE, NONE, this.cause, NONE, { forge: e.as });
        this.send(a, target, e.message, e.as);
        break;
      }
      default:
        this.fail(
          `agent ${a.id} emitted unknown effect ${JSON.stringify((e as { type: unknown }).type)}; use the constructors in sim/effects.ts`,
        );
    }
  }

  private send(a: AgentRuntime, target: number, sent: Message, from?: string): void {
    const source = a.index;
    let message = sent;
    // A quarantined reader returns data, never orders: its instructions never leave it.
    if (this.trust?.quarantined(source) && 'instruction' in message) {
      const { instruction: _, ...rest } = message;
      message = rest as Message;
    }
    if (++this.stepSends > STEP_EFFECTS_MAX)
      throw new StepLimitError('step-effects', STEP_EFFECTS_MAX);
    const msg = this.messagesSent++;
    const sendSeq = this.rec(
      Kind.send,
      source,
      target,
      msg,
      this.cause,
      NONE,
      this.sentText(message),
    );
    const spec = this.network.spec(source, target);
    const s = this.network.stream(source);
    // Always four draws, so one parameter's value never shifts another's draws.
    const uDrop = s.next();
    const uDup = s.next();
    const uLatency = s.next();
    const uLatencyDup = s.next();
    let reason: string | undefined;
    const cost = this.cost;
    if (cost !== null && cost.perMessage > 0 && cost.charge(source, cost.perMessage, this.tick)) {
      reason = 'budget';
    } else if (a.sendOmitRatio > 0 && (a.omissionStream as Stream).next() < a.sendOmitRatio) {
      reason = 'omission';
    } else if (this.partitions.active > 0 && this.partitions.isCut(source, target)) {
      reason = 'partition';
    } else if (
      this.chooser === null
        ? uDrop < spec.dropRatio
        : this.chooser.lose(a.id, (this.agents[target] as AgentRuntime).id, message, this.tick)
    ) {
      reason = 'loss';
    }
    if (reason !== undefined) {
      this.rec(Kind.drop, source, target, msg, sendSeq, NONE, reason);
      return;
    }
    const event = delivered(message, from ?? a.id);
    let prov: Provenance | null = null;
    const trust = this.trust;
    if (trust !== null) {
      prov = trust.outgoing(source, this.trigger);
    }
    this.sendingProv = prov;
    const link = spec.fifo || spec.inFlightMax > 0 ? this.network.state(source, target) : null;
    this.enqueueCopy(
      spec,
      link,
      this.latency(spec, uLatency, a, target, message),
      source,
      target,
      msg,
      sendSeq,
      event,
    );
    if (
      this.chooser?.duplicate?.(
        a.id,
        (this.agents[target] as AgentRuntime).id,
        message,
        this.tick,
      ) ??
      uDup < spec.duplicateRatio
    ) {
      const dupSeq = this.rec(Kind.duplicate, source, target, msg, sendSeq, NONE, undefined);
      this.enqueueCopy(
        spec,
        link,
        this.latency(spec, uLatencyDup, a, target, message),
        source,
        target,
        msg,
        dupSeq,
        event,
      );
    }
  }

  /**
   * The send record's payload: the message as JSON text, made once while one
   * step sends it to many agents (no code of the agent's runs between its
   * sends, so the message cannot change; each step starts afresh).
   */
  private sentText(message: Message): JsonText | Message {
    if (!this.record) return message;
    if (message !== this.lastSent) {
      this.lastSent = message;
      this.sentJson.replace(messageJson(message));
    }
    return this.sentJson;
  }

  /** Latency of one copy: the scheduler's choice if it makes one, else the link's draw `u`. */
  private latency(
    spec: LinkSpec,
    u: number,
    a: AgentRuntime,
    target: number,
    message: Message,
  ): number {
    if (this.chooser !== null)
      return this.chooser.latency(
        a.id,
        (this.agents[target] as AgentRuntime).id,
        message,
        this.tick,
      );
    const choose = this.network.choose;
    if (choose === undefined) return sampleLatency(spec.latency, u);
    const to = (this.agents[target] as AgentRuntime).id;
    const chosen = choose(a.id, to, message, this.tick);
    if (chosen === undefined) return sampleLatency(spec.latency, u);
    if (!Number.isSafeInteger(chosen) || chosen < 0 || chosen > TICK_MAX - this.tick)
      this.fail(
        `scheduler ${this.scenario.network?.scheduler?.name ?? ''} chose latency ${String(chosen)} for ${message.type} from ${a.id} to ${to}; latencies are whole ticks from 0 that end by tick ${TICK_MAX}`,
      );
    return chosen;
  }

  private enqueueCopy(
    spec: LinkSpec,
    link: LinkState | null,
    latency: number,
    source: number,
    target: number,
    msg: number,
    cause: number,
    event: Record<string, unknown>,
  ): void {
    let tick = this.tick + latency;
    if (link !== null) {
      if (spec.inFlightMax > 0 && link.inFlight >= spec.inFlightMax) {
        this.rec(Kind.drop, source, target, msg, cause, NONE, 'overflow');
        return;
      }
      if (spec.fifo && tick < link.deliveryTickLast) tick = link.deliveryTickLast;
      if (tick > link.deliveryTickLast) link.deliveryTickLast = tick;
      link.inFlight++;
    }
    this.push(tick, EV_DELIVER, target, source, msg, cause, event, link).prov = this.sendingProv;
  }

  private deliver(ev: SimEvent): void {
    if (ev.link !== null) ev.link.inFlight--;
    const target = this.agents[ev.agent] as AgentRuntime;
    let reason: string | undefined;
    if (this.partitions.active > 0 && this.partitions.isCut(ev.peer, ev.agent))
      reason = 'partition';
    else if (target.status !== 'up') reason = 'crashed';
    else if (
      target.receiveOmitRatio > 0 &&
      (target.omissionStream as Stream).next() < target.receiveOmitRatio
    )
      reason = 'omission';
    if (reason !== undefined) {
      this.rec(Kind.drop, ev.peer, ev.agent, ev.ref, ev.cause, NONE, reason);
      return;
    }
    const prov = ev.prov;
    if (prov === null) {
      const seq = this.rec(Kind.deliver, ev.agent, ev.peer, ev.ref, ev.cause, NONE, undefined);
      this.stepAgent(target, ev.payload as EventObject, seq);
      return;
    }
    const guarded = this.guard(target.index, prov, ev.payload as Record<string, unknown>);
    if (guarded === null) {
      this.rec(Kind.drop, ev.peer, ev.agent, ev.ref, ev.cause, NONE, 'gateway');
      return;
    }
    const trust = this.trust as Trust;
    const data = trust.deliverData(prov, guarded.stripped);
    const seq = this.rec(Kind.deliver, ev.agent, ev.peer, ev.ref, ev.cause, NONE, data);
    trust.consume(target.index, prov);
    this.trigger = prov;
    this.stepAgent(target, guarded.event, seq);
    this.trigger = Trust.EMPTY;
  }

  /**
   * The gateway and tagging mitigations on input of provenance `prov` for
   * agent `a`: null when the gateway blocks it, else the event to deliver
   * (a copy when changed: copies of one message share their event).
   */
  private guard(
    a: number,
    prov: Provenance,
    event: Record<string, unknown>,
  ): { event: EventObject; stripped: boolean } | null {
    const trust = this.trust as Trust;
    let out = event;
    let stripped = false;
    if (trust.gatewayGuards(a, prov)) {
      const g = trust.mitigations.gateway as GatewaySpec;
      // One draw per guarded input, whatever it holds.
      const u = (this.gatewayStream as Stream).next();
      if ('instruction' in event) {
        if (u < g.detectRatio) {
          if (g.action === 'block') return null;
          out = copyEvent(event);
          delete out['instruction'];
          stripped = true;
        }
      } else if (u < g.falsePositiveRatio) return null;
    }
    if (trust.mitigations.tagging && trust.untrustedFor(a, prov)) {
      out = copyEvent(out);
      out['untrusted'] = true;
    }
    return { event: out as unknown as EventObject, stripped };
  }

  // ---- trust and spend -------------------------------------------------------

  private read(a: AgentRuntime, source: string): void {
    const trust = this.trust;
    const index = trust?.source(source);
    if (trust === null || index === undefined) {
      this.error(a, { error: 'unknown-source', source: String(source) });
      return;
    }
    const seq = this.rec(Kind.read, a.index, NONE, NONE, this.cause, NONE, { source });
    const latency = trust.sourceSpec(index).latencyTicks ?? 1;
    this.push(this.tick + latency, EV_CONTENT, a.index, NONE, index, seq, null, null);
  }

  private content(ev: SimEvent): void {
    const a = this.agents[ev.agent] as AgentRuntime;
    if (a.status !== 'up') return; // the reader crashed: nobody receives the content
    const trust = this.trust as Trust;
    const spec = trust.sourceSpec(ev.ref);
    const prov: Provenance = [ev.ref];
    const guarded = this.guard(a.index, prov, {
      type: 'content',
      source: spec.id,
      ...spec.content,
    });
    if (guarded === null) {
      this.rec(Kind.drop, a.index, NONE, NONE, ev.cause, NONE, 'gateway');
      return;
    }
    const data: Record<string, Json> = { source: spec.id, prov: [spec.id] };
    if (guarded.stripped) data['stripped'] = true;
    const seq = this.rec(Kind.content, a.index, NONE, NONE, ev.cause, NONE, data);
    trust.consume(a.index, prov);
    this.trigger = prov;
    this.stepAgent(a, guarded.event, seq);
    this.trigger = Trust.EMPTY;
  }

  private act(a: AgentRuntime, capability: string, args: Json | undefined): void {
    const trust = this.trust;
    const prov = trust === null ? Trust.EMPTY : trust.outgoing(a.index, this.trigger);
    const verdict: ActCheck =
      trust === null
        ? { outcome: 'refused', reason: 'capability' }
        : trust.check(a.index, capability, prov);
    const data: Record<string, Json> = { capability, outcome: verdict.outcome };
    if (verdict.outcome === 'refused') data['reason'] = verdict.reason;
    if (args !== undefined) data['args'] = args;
    data['prov'] = trust === null ? [] : trust.names(prov);
    if (trust?.destructive(capability)) data['destructive'] = true;
    const seq = this.rec(Kind.act, a.index, NONE, NONE, this.cause, NONE, data);
    if (verdict.outcome === 'pending') {
      const delay = ((trust as Trust).mitigations.approval as ApprovalSpec).delayTicks;
      const ev = this.push(this.tick + delay, EV_APPROVAL, a.index, NONE, NONE, seq, data, null);
      ev.prov = prov;
      return;
    }
    const answer: Record<string, unknown> = {
      type: 'act.result',
      capability,
      outcome: verdict.outcome,
    };
    if (verdict.outcome === 'refused') answer['reason'] = verdict.reason;
    this.push(this.tick, EV_NOTIFY, a.index, NONE, NONE, seq, answer, null);
  }

  private approval(ev: SimEvent): void {
    const trust = this.trust as Trust;
    const pending = ev.payload as Record<string, Json>;
    const capability = pending['capability'] as string;
    const a = this.agents[ev.agent] as AgentRuntime;
    const spec = trust.mitigations.approval as ApprovalSpec;
    const tainted = trust.lowest(ev.prov as Provenance) < trust.requiredLevel(a.index, capability);
    // The human means to approve legitimate acts and reject tainted ones, and errs with errorRatio.
    const wrong = (this.approvalStream as Stream).next() < spec.errorRatio;
    const approved = tainted === wrong;
    const data: Record<string, Json> = { ...pending, outcome: approved ? 'done' : 'refused' };
    if (!approved) data['reason'] = 'approval';
    const seq = this.rec(Kind.act, a.index, NONE, NONE, ev.cause, NONE, data);
    const answer: Record<string, unknown> = {
      type: 'act.result',
      capability,
      outcome: data['outcome'],
    };
    if (!approved) answer['reason'] = 'approval';
    this.push(this.tick, EV_NOTIFY, a.index, NONE, NONE, seq, answer, null);
  }

  private spend(a: AgentRuntime, amount: number, what: string | undefined): void {
    if (!(Number.isFinite(amount) && amount >= 0))
      this.fail(`agent ${a.id} spent ${String(amount)}; amounts are finite and not negative`);
    this.cost ??= new Cost(undefined, this.scenario.agents);
    const cost = this.cost;
    const refusal = cost.charge(a.index, amount, this.tick);
    const total = cost.spent[a.index] as number;
    const seq = this.rec(
      Kind.spend,
      a.index,
      NONE,
      NONE,
      this.cause,
      NONE,
      this.record ? spendData(amount, what, refusal, total) : undefined,
    );
    if (refusal !== undefined) {
      const answer: Record<string, unknown> = { type: 'spend.refused', reason: refusal };
      if (what !== undefined) answer['what'] = what;
      this.push(this.tick, EV_NOTIFY, a.index, NONE, NONE, seq, answer, null);
    }
  }

  /** An engine answer reaches its agent, if it is still up. */
  private notified(ev: SimEvent): void {
    const a = this.agents[ev.agent] as AgentRuntime;
    if (a.status !== 'up') return;
    // A model's reply carries the provenance of what the agent had read when it asked.
    if (ev.prov !== null) this.trigger = ev.prov;
    this.stepAgent(a, ev.payload as EventObject, ev.cause);
    this.trigger = Trust.EMPTY;
  }

  // ---- language models ------------------------------------------------------

  /** Runs the model asks with `host`, or with the registered one (made at the first ask, ended with the run). */
  attachModels(host: ModelHost | undefined): void {
    if (host !== undefined) this.models = host;
  }

  /**
   * Agent `a` asks the scenario's model: refused without a call when the
   * worst case (every token of the prompt at four characters a token, and
   * maxTokens of reply) would pass its budget or rate limit; else answered
   * by the host, recorded, charged, and delivered after its simulated latency.
   */
  private ask(a: AgentRuntime, request: ModelRequest): void {
    const spec = this.scenario.model ?? {};
    const hash = requestHash(request, spec);
    const pricePrompt = spec.pricePromptToken ?? MODEL_DEFAULTS.pricePromptToken;
    const priceCompletion = spec.priceCompletionToken ?? MODEL_DEFAULTS.priceCompletionToken;
    let chars = 0;
    for (const m of request.messages) chars += m.content.length;
    const worst =
      Math.ceil(chars / 4) * pricePrompt +
      (spec.maxTokens ?? MODEL_DEFAULTS.maxTokens) * priceCompletion;
    const refused =
      worst > 0 && this.cost !== null ? this.cost.refusal(a.index, worst, this.tick) : undefined;
    let reply: ModelReply;
    if (refused !== undefined)
      reply = {
        error: {
          reason: 'budget',
          detail: `a call may cost ${worst}, past the agent's ${refused === 'rate' ? 'rate limit' : refused === 'budgetRun' ? "run's budget" : 'budget'}: not asked`,
        },
        attempts: 0,
      };
    else {
      if (this.models === null) {
        this.models = defaultModelHost(this.scenario.model, this.scenario.name);
        this.ownsModels = true;
      }
      reply = this.models.complete(a.id, request, hash, spec);
    }
    const seq = this.rec(Kind.model, a.index, NONE, NONE, this.cause, NONE, {
      hash,
      reply,
    } as unknown as Json);
    const usage = reply.usage;
    if (usage !== undefined && (pricePrompt > 0 || priceCompletion > 0))
      this.spend(a, usage.prompt * pricePrompt + usage.completion * priceCompletion, 'model');
    const latency =
      (spec.ticksPerCall ?? MODEL_DEFAULTS.ticksPerCall) +
      (spec.ticksPerToken ?? MODEL_DEFAULTS.ticksPerToken) * (usage?.completion ?? 0);
    const event =
      reply.error !== undefined
        ? { type: 'model.error', reason: reply.error.reason, detail: reply.error.detail }
        : { type: 'model.reply', content: reply.content ?? '', usage: usage ?? null };
    const ev = this.push(
      this.tick + Math.ceil(latency),
      EV_NOTIFY,
      a.index,
      NONE,
      NONE,
      seq,
      event,
      null,
    );
    ev.prov = this.trust === null ? null : this.trust.outgoing(a.index, this.trigger);
  }

  // ---- process agents -------------------------------------------------------

  /** Runs the programs with `host`, or with the registered one (which the run then ends). */
  attachProcesses(host: ProcessHost | undefined): void {
    if (this.programs === null) return;
    this.host = host ?? defaultProcessHost(this.scenario);
    this.ownsHost = host === undefined;
    this.host.prepare?.(
      this.scenario.agents.flatMap((a) =>
        a.process === undefined ? [] : [{ agent: a.id, spec: a.process }],
      ),
      this.scenario.processBase,
    );
    this.aheadTicks = this.aheadTicksOf(this.host);
    this.aheadFirst = new Int32Array(this.agents.length).fill(-1);
    this.aheadSent = new Int32Array(this.agents.length);
  }

  /**
   * How far steps can be sent ahead with `host`. Only where nothing that
   * decides whether or how an event reaches a program can change before its
   * turn except by that program's own steps: no explorer's choices (a crash
   * before any event), no trust model (its gateway draws from one stream for
   * every delivery). Every event a step makes is due at its tick or later,
   * and one due at its tick comes after every event queued before it; with
   * no latency under one tick (and no scheduler), every event a step makes
   * but the engine's answers to its own agent is due a tick later, so the
   * events of the next tick can go too.
   */
  private aheadTicksOf(host: ProcessHost): number {
    if (host.ahead === undefined || this.chooser !== null || this.trust !== null) return -1;
    const net = this.scenario.network;
    if (net?.scheduler !== undefined) return 0;
    const defaults = { ...LINK_DEFAULTS, ...net?.defaults };
    let least = latencyTicksLeast(defaults.latency);
    for (const link of net?.links ?? [])
      least = Math.min(least, latencyTicksLeast(link.latency ?? defaults.latency));
    return least >= 1 ? 1 : 0;
  }

  /**
   * Before agent `a`'s step (line `line`) at this tick: writes it, then the
   * steps that follow it in the queue, to their programs, while each is a
   * lockstep step of a program whose line cannot depend on the steps before
   * it (AHEAD_MAX events at most). A delivery or an engine answer can go
   * after steps of other programs, and after its own program's steps at its
   * tick (they can only crash the program, which then ends with what it was
   * sent); a timer only while its program has no step before it, which
   * could cancel or reset it; and no step of a tick later than its
   * program's first step in the window, which could queue an engine answer
   * (act.result) before it. Events that step no program (see aheadLine) are
   * passed over; the window stops at any other, so the trace is the same as
   * stepping one at a time.
   */
  private sendAhead(a: AgentRuntime, line: string): void {
    const host = this.host as ProcessHost;
    const sent = this.aheadSent;
    // This step first, unless it went ahead: a program answers its steps in the order they were written.
    if ((sent[a.index] as number) > 0) sent[a.index] = (sent[a.index] as number) - 1;
    else host.ahead?.(a.id, [line]);
    const limits = this.limits;
    const span = this.aheadEvents;
    this.queue.first(
      Math.min(this.tick + this.aheadTicks, limits.ticksMax),
      Math.min(AHEAD_MAX, limits.eventsMax - this.events),
      span,
    );
    const first = this.aheadFirst;
    first[a.index] = this.tick;
    for (const ev of span) {
      if (ev.tick < this.aheadTick || (ev.tick === this.aheadTick && ev.seq <= this.aheadSeq)) {
        if (
          ev.kind !== EV_FAULT_START &&
          ev.kind !== EV_FAULT_END &&
          ev.kind !== EV_RANDOM_FAULT &&
          (first[ev.agent] as number) < 0
        )
          first[ev.agent] = ev.tick;
        continue;
      }
      const next = this.aheadLine(ev);
      if (next === undefined) break;
      if (next !== null) {
        if (host.ahead?.((this.agents[ev.agent] as AgentRuntime).id, [next]) !== true) break;
        if ((first[ev.agent] as number) < 0) first[ev.agent] = ev.tick;
        sent[ev.agent] = (sent[ev.agent] as number) + 1;
      }
      this.aheadTick = ev.tick;
      this.aheadSeq = ev.seq;
    }
    first[a.index] = -1;
    for (const ev of span)
      if (ev.kind !== EV_FAULT_START && ev.kind !== EV_FAULT_END && ev.kind !== EV_RANDOM_FAULT)
        first[ev.agent] = -1;
    span.length = 0;
  }

  /**
   * What queued event `ev` is to the window (see sendAhead): the line of a
   * step to send ahead; null for an event that steps no program or is
   * surely dropped (the window goes on past it); undefined to stop there.
   * An xstate agent's step changes nothing that decides whether or how
   * another agent's queued event reaches it, and what it queues is due
   * later or is its own.
   */
  private aheadLine(ev: SimEvent): string | null | undefined {
    if (ev.kind !== EV_DELIVER && ev.kind !== EV_TIMER && ev.kind !== EV_NOTIFY) return undefined;
    const b = this.agents[ev.agent] as AgentRuntime;
    if (this.programs?.[b.index] === undefined) return null;
    // Down until a restart, which is a fault event, where the window stops.
    if (b.status === 'down') return null;
    if (b.status !== 'up') return undefined;
    const firstTick = this.aheadFirst[b.index] as number;
    if (ev.kind === EV_TIMER) {
      const entry = ev.payload as TimerEntry;
      // Cancelled or set again: it fires nothing, now or later.
      if (b.timers?.get(entry.name) !== entry) return null;
      if (firstTick >= 0) return undefined;
      return eventLine(b.id, entry.event as unknown as Record<string, unknown>);
    }
    if (firstTick >= 0 && firstTick < ev.tick) return undefined;
    if (ev.kind === EV_NOTIFY) return eventLine(b.id, ev.payload as Record<string, unknown>);
    if (this.partitions.active > 0 && this.partitions.isCut(ev.peer, ev.agent)) return null;
    if (b.receiveOmitRatio > 0 || ev.prov !== null) return undefined;
    return eventLine(b.id, ev.payload as Record<string, unknown>);
  }

  private closeHost(): void {
    if (this.ownsHost && this.host !== null) {
      this.ownsHost = false;
      this.host.close();
    }
    if (this.ownsModels && this.models !== null) {
      this.ownsModels = false;
      this.models.close();
    }
  }

  /** Starts agent `a`'s program (again, after a crash) and steps it with its init. */
  private bootProcess(a: AgentRuntime, cause: number): void {
    const host = this.host as ProcessHost;
    const spec = this.scenario.agents[a.index] as AgentSpec;
    host.start(a.id, spec.process as ProcessSpec, this.scenario.processBase);
    // What went ahead to the program before it stopped went with it.
    if (this.aheadTicks >= 0) this.aheadSent[a.index] = 0;
    const line = initLine({
      nodeId: a.id,
      nodeIds: a.input.agents,
      seed: Math.floor(deriveStream(this.seed, `program/${a.id}`).next() * 2 ** 32),
      tick: this.tick,
      zone: spec.zone ?? this.scenario.trust?.zones.at(-1) ?? 'default',
      capabilities: spec.capabilities ?? [],
      budget: spec.budget ?? null,
      params: a.input.params as Record<string, Json>,
    });
    this.stepProcess(a, line, cause);
    if (a.status === 'up' && a.stateKey === '') this.processState(a, 'running');
  }

  /**
   * Writes `line` to agent `a`'s program and takes what it wrote as the
   * step's effects, in order, caused by the step's `output` record. A line
   * that cannot be taken crashes the agent before any of the step's effects.
   */
  private stepProcess(a: AgentRuntime, line: string, cause: number): void {
    if (this.aheadTicks >= 0) this.sendAhead(a, line);
    const out = (this.host as ProcessHost).step(a.id, [line]);
    const seq = this.rec(Kind.output, a.index, NONE, NONE, cause, NONE, out as unknown as Json);
    const spec = (this.scenario.agents[a.index] as AgentSpec).process as ProcessSpec;
    let fault = out.fault;
    const max = spec.linesPerStepMax ?? PROCESS_DEFAULTS.linesPerStepMax;
    const lines: OutputLine[] = [];
    if (fault === undefined && out.lines.length > max)
      fault = {
        reason: 'flood',
        detail: `wrote ${out.lines.length} lines in one step, more than ${max}`,
      };
    for (let i = 0; fault === undefined && i < out.lines.length; i++) {
      const raw = out.lines[i] as string;
      const o = parseOutputLine(raw);
      if (typeof o === 'string') fault = { reason: 'bad-json', detail: o };
      else if (o.dest === 'parley') {
        const problem = effectProblem(o.body);
        if (problem !== undefined)
          fault = { reason: 'bad-effect', detail: `${problem}: ${clip(raw)}` };
        else lines.push(o);
      } else if (!this.agentIndex.has(o.dest))
        fault = {
          reason: 'unknown-node',
          detail: `wrote to "${o.dest}", which is neither an agent nor parley: ${clip(raw)}`,
        };
      else if (o.src !== a.id && (a.input.honest || !this.agentIndex.has(String(o.src))))
        fault = {
          reason: 'bad-effect',
          detail: a.input.honest
            ? `wrote as "${String(o.src)}", not as itself (only a dishonest agent can forge a sender): ${clip(raw)}`
            : `wrote as "${String(o.src)}", which is no agent: ${clip(raw)}`,
        };
      else lines.push(o);
    }
    if (fault !== undefined) {
      this.crashProcess(a, fault, seq);
      return;
    }
    this.enter(a, seq);
    try {
      for (const o of lines) {
        if (a.status !== 'up') break;
        this.processLine(a, o);
      }
    } catch (err) {
      if (err instanceof StepLimitError) this.crashForLimit(a, err);
      else throw err;
    } finally {
      this.leave();
    }
  }

  /** One line of a process agent's step, taken: a message, or an effect addressed to parley. */
  private processLine(a: AgentRuntime, o: OutputLine): void {
    const b = o.body;
    if (o.dest !== 'parley') {
      const target = this.agentIndex.get(o.dest) as number;
      if (o.src === a.id) this.send(a, target, b);
      else {
        this.rec(Kind.note, a.index, NONE, NONE, this.cause, NONE, { forge: String(o.src) });
        this.send(a, target, b, String(o.src));
      }
      return;
    }
    switch (b.type) {
      case 'parley/set_timer':
        this.setTimer(
          a,
          b['name'] as string,
          b['ticks'] as number,
          {
            type: 'parley/timer',
            name: b['name'],
          } as EventObject,
        );
        break;
      case 'parley/cancel_timer':
        this.cancelTimer(a, b['name'] as string);
        break;
      case 'parley/decide':
      case 'parley/propose':
      case 'parley/hold':
        this.effect({
          type: `parley.${b.type.slice(7)}` as 'parley.decide',
          value: b['value'] as Json,
        });
        break;
      case 'parley/note':
        this.effect({ type: 'parley.note', data: b['data'] as Json });
        break;
      case 'parley/read':
        this.effect({ type: 'parley.read', source: b['source'] as string });
        break;
      case 'parley/act':
        this.effect({
          type: 'parley.act',
          capability: b['capability'] as string,
          args: b['args'] as Json | undefined,
        });
        break;
      case 'parley/spend':
        this.effect({
          type: 'parley.spend',
          amount: b['amount'] as number,
          what: b['what'] as string | undefined,
        });
        break;
      case 'parley/state':
        this.processState(a, b['value'] as string);
        break;
      default:
      // init_ok, sync answers and other replies to parley: recorded in the output, nothing to do.
    }
  }

  private processState(a: AgentRuntime, key: string): void {
    if (key === a.stateKey) return;
    a.stateKey = key;
    this.rec(Kind.state, a.index, NONE, NONE, this.cause, NONE, key);
  }

  /** Whether `event` is a message a program sent: input no protocol can trust to be well formed. */
  private fromProgram(event: EventObject): boolean {
    const from = (event as { from?: unknown }).from;
    if (this.programs === null || typeof from !== 'string') return false;
    const i = this.agentIndex.get(from);
    return i !== undefined && this.programs[i] !== undefined;
  }

  /**
   * A protocol machine failed on a message from a program (a reply without
   * the field it reads, say): that agent crashes with the reason, recorded,
   * and the run goes on, as for a program's own faults. A machine failing on
   * parley's own input stays an invariant error.
   */
  private crashOnProgramInput(a: AgentRuntime, event: EventObject, err: InvariantError): void {
    this.shared.discard();
    if (a.status !== 'up') return;
    this.takeDown(a);
    this.rec(Kind.crash, a.index, NONE, NONE, this.cause, NONE, {
      reason: 'bad-message',
      detail: `failed on ${event.type} from ${String((event as { from?: unknown }).from)}: ${err.detail}`,
    });
  }

  /** A process agent's program failed: the agent crashes with the reason, and its program ends. */
  private crashProcess(a: AgentRuntime, fault: ProcessFault, cause: number): void {
    if (a.status !== 'up') return;
    this.takeDown(a);
    this.rec(Kind.crash, a.index, NONE, NONE, cause, NONE, {
      reason: fault.reason,
      detail: fault.detail,
    });
  }

  // ---- timers ---------------------------------------------------------------

  private scheduleDelayed(event: EventObject, delay: number, id: string | undefined): void {
    const a = this.currentAgent();
    this.setTimer(a, id ?? `${event.type}#${this.queue.nextSeq}`, delay, event);
  }

  private setTimer(a: AgentRuntime, name: string, ticks: number, event: EventObject): void {
    if (!Number.isSafeInteger(ticks) || ticks < 0) {
      this.fail(
        `agent ${a.id} set timer "${name}" to ${String(ticks)} ticks; timers take a whole number of ticks`,
      );
    }
    const delay = a.clockRate === 1 ? ticks : Math.ceil(ticks / a.clockRate);
    const due = this.tick + delay;
    // A timer due after the last tick any run can reach never fires: its record says no tick.
    const setSeq = this.rec(
      Kind.timerSet,
      a.index,
      NONE,
      NONE,
      this.cause,
      due > TICK_MAX ? NONE : due,
      name,
    );
    const entry: TimerEntry = { name, event, setSeq };
    if (a.timers === null) a.timers = new Map();
    a.timers.set(name, entry);
    this.push(due, EV_TIMER, a.index, NONE, NONE, setSeq, entry, null);
  }

  private cancelTimer(a: AgentRuntime, name: string): void {
    if (a.timers?.delete(name))
      this.rec(Kind.timerCancel, a.index, NONE, NONE, this.cause, NONE, name);
  }

  private fire(ev: SimEvent): void {
    const a = this.agents[ev.agent] as AgentRuntime;
    const entry = ev.payload as TimerEntry;
    // A timer that was cancelled, reset, or lost in a crash is stale.
    if (a.status !== 'up' || a.timers?.get(entry.name) !== entry) return;
    a.timers.delete(entry.name);
    const seq = this.rec(Kind.timerFire, a.index, NONE, NONE, entry.setSeq, NONE, entry.name);
    this.stepAgent(a, entry.event, seq);
  }

  // ---- faults ---------------------------------------------------------------

  private agentOf(id: string): AgentRuntime {
    return this.agents[this.agentIndex.get(id) as number] as AgentRuntime;
  }

  /** Marks `a` down, as a crash does: volatile state and timers gone, persistent keys kept. */
  private takeDown(a: AgentRuntime): void {
    if (a.status === 'up') {
      const keys = a.protocol.persistent;
      a.restored =
        keys !== undefined && keys.length > 0 ? pick(a.snapshot?.context, keys) : undefined;
      if (!a.decided) this.undecidedUp--;
    }
    a.status = 'down';
    a.snapshot = null;
    a.stateKey = '';
    a.timers = null;
    if (this.programs?.[a.index] !== undefined) this.host?.stop(a.id);
  }

  /**
   * An agent whose step went past STEP_EFFECTS_MAX: the rest of the step is
   * not done and the agent crashes, recorded with the reason (a fault of the
   * simulated world, not of parley); a restart fault can bring it back.
   */
  private crashForLimit(a: AgentRuntime, err: StepLimitError): void {
    this.shared.discard();
    if (a.status === 'down') return;
    this.takeDown(a);
    this.rec(Kind.crash, a.index, NONE, NONE, this.cause, NONE, {
      reason: err.reason,
      limit: err.limit,
    });
  }

  /** Records what agent `a` asked for and the simulated world could not do; nothing else happens. */
  private error(a: AgentRuntime, data: Record<string, Json>): void {
    this.rec(Kind.error, a.index, NONE, NONE, this.cause, NONE, data);
  }

  private faultStart(f: FixedFaultSpec, i: number): void {
    switch (f.kind) {
      case 'crash': {
        const a = this.agentOf(f.agent);
        if (a.status === 'down') return;
        this.takeDown(a);
        this.faultRecord.set(i, this.rec(Kind.crash, a.index, NONE, NONE, NONE, NONE, undefined));
        break;
      }
      case 'partition':
        if ('groups' in f) this.partitions.splitGroups(i, f.groups);
        else this.partitions.splitOneWay(i, f.from, f.to);
        this.faultRecord.set(
          i,
          this.rec(
            Kind.partition,
            NONE,
            NONE,
            NONE,
            NONE,
            NONE,
            'groups' in f ? { groups: f.groups } : { from: f.from, to: f.to },
          ),
        );
        break;
      case 'omission': {
        const a = this.agentOf(f.agent);
        a.sendOmitRatio = f.sendRatio ?? 0;
        a.receiveOmitRatio = f.receiveRatio ?? 0;
        a.omissionStream ??= deriveStream(this.seed, `omission/${a.id}`);
        this.faultRecord.set(
          i,
          this.rec(Kind.omission, a.index, NONE, NONE, NONE, NONE, {
            sendRatio: a.sendOmitRatio,
            receiveRatio: a.receiveOmitRatio,
          }),
        );
        break;
      }
      case 'skew': {
        const a = this.agentOf(f.agent);
        a.clockRate = f.rate;
        this.faultRecord.set(
          i,
          this.rec(Kind.skew, a.index, NONE, NONE, NONE, NONE, { rate: f.rate }),
        );
        break;
      }
    }
  }

  private faultEnd(f: FixedFaultSpec, i: number): void {
    const cause = this.faultRecord.get(i) ?? NONE;
    switch (f.kind) {
      case 'crash': {
        const a = this.agentOf(f.agent);
        if (a.status !== 'down') return;
        const seq = this.rec(Kind.restart, a.index, NONE, NONE, cause, NONE, undefined);
        this.boot(a, seq);
        break;
      }
      case 'partition':
        this.partitions.heal(i);
        this.rec(Kind.heal, NONE, NONE, NONE, cause, NONE, undefined);
        break;
      case 'omission': {
        const a = this.agentOf(f.agent);
        a.sendOmitRatio = 0;
        a.receiveOmitRatio = 0;
        this.rec(Kind.omissionEnd, a.index, NONE, NONE, cause, NONE, undefined);
        break;
      }
      case 'skew': {
        const a = this.agentOf(f.agent);
        a.clockRate = 1;
        this.rec(Kind.skewEnd, a.index, NONE, NONE, cause, NONE, undefined);
        break;
      }
    }
  }

  /**
   * Applies a random fault's transition as the fixed fault of its kind would,
   * with the same records, then queues the timeline's next one. A timeline
   * lifts only what it imposed: it restarts an agent only if it took it
   * down, so an agent already down (another fault, a step limit) stays as
   * that fault left it.
   */
  private randomFault(run: RandomFaultRun): void {
    const t = run.pending as Transition;
    if (t.on !== run.holding) {
      if (t.on) this.randomOn(run, t);
      else this.randomOff(run);
    }
    this.queueTransition(run);
  }

  private randomOn(run: RandomFaultRun, t: Transition): void {
    const f = run.fault;
    if (f.kind === 'random-partition') {
      const groups = t.groups as (readonly string[])[];
      this.partitions.splitGroups(run.index, groups);
      run.openSeq = this.rec(Kind.partition, NONE, NONE, NONE, NONE, NONE, { groups });
      run.holding = true;
      return;
    }
    const a = this.agents[run.agent] as AgentRuntime;
    switch (f.kind) {
      case 'down':
      case 'churn':
      case 'crash-rate':
        if (a.status === 'down') return;
        this.takeDown(a);
        run.openSeq = this.rec(Kind.crash, a.index, NONE, NONE, NONE, NONE, undefined);
        break;
      case 'random-omission':
        a.sendOmitRatio = f.sendRatio ?? 0;
        a.receiveOmitRatio = f.receiveRatio ?? 0;
        a.omissionStream ??= deriveStream(this.seed, `omission/${a.id}`);
        run.openSeq = this.rec(Kind.omission, a.index, NONE, NONE, NONE, NONE, {
          sendRatio: a.sendOmitRatio,
          receiveRatio: a.receiveOmitRatio,
        });
        break;
      case 'random-skew':
        a.clockRate = t.rate as number;
        run.openSeq = this.rec(Kind.skew, a.index, NONE, NONE, NONE, NONE, { rate: a.clockRate });
        break;
    }
    run.holding = true;
  }

  private randomOff(run: RandomFaultRun): void {
    const f = run.fault;
    const cause = run.openSeq;
    run.holding = false;
    run.openSeq = NONE;
    if (f.kind === 'random-partition') {
      this.partitions.heal(run.index);
      this.rec(Kind.heal, NONE, NONE, NONE, cause, NONE, undefined);
      return;
    }
    const a = this.agents[run.agent] as AgentRuntime;
    switch (f.kind) {
      case 'down':
      case 'churn':
      case 'crash-rate': {
        if (a.status !== 'down') return;
        const seq = this.rec(Kind.restart, a.index, NONE, NONE, cause, NONE, undefined);
        this.boot(a, seq);
        break;
      }
      case 'random-omission':
        a.sendOmitRatio = 0;
        a.receiveOmitRatio = 0;
        this.rec(Kind.omissionEnd, a.index, NONE, NONE, cause, NONE, undefined);
        break;
      case 'random-skew':
        a.clockRate = 1;
        this.rec(Kind.skewEnd, a.index, NONE, NONE, cause, NONE, undefined);
        break;
    }
  }
}

/**
 * A new run of `scenario` with root seed `options.seed`. Validates the
 * scenario (throws ScenarioError listing every problem). Pure apart from the
 * returned object's own state.
 */
export function createSimulation(scenario: Scenario, options: SimulationOptions): Simulation {
  checkSeed(options.seed);
  assertValidScenario(scenario);
  const engine = new Engine(
    scenario,
    options.seed,
    options.record ?? true,
    options.engine,
    options.chooser,
  );
  engine.attachProcesses(options.processes);
  engine.attachModels(options.models);
  return engine;
}

/** Runs `scenario` with `seed` to its stop and returns the outcome. */
export function runScenario(scenario: Scenario, options: SimulationOptions): RunResult {
  return createSimulation(scenario, options).run();
}
