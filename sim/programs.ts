/**
 * Agents that are processes: the user's own programs, stepped in lockstep on
 * the simulated clock over Maelstrom's wire format (docs/process-agents.md).
 *
 * The engine stays synchronous and pure: it hands each step's input lines to
 * a `ProcessHost` and gets back what the program wrote. The command line's
 * host runs real programs (cli/process-host.ts); `recordedHost` answers from
 * a trace's `output` records, so a run replays without the program, in the
 * command line and in the browser alike.
 */
import { createMachine } from 'xstate';
import { type Json, type ProcessSpec, type Protocol, type Scenario, TICK_MAX } from './spec.ts';
import type { TraceRecord } from './trace.ts';

export const PROCESS_DEFAULTS = {
  sync: 'lockstep',
  stepTimeoutMs: 10_000,
  quietMs: 50,
  linesPerStepMax: 1000,
} as const satisfies Required<Omit<ProcessSpec, 'command' | 'cwd' | 'env'>>;

/** Why a process agent crashed (the `reason` of its crash record). */
export type ProcessFaultReason =
  | 'exit'
  | 'bad-json'
  | 'unknown-node'
  | 'flood'
  | 'timeout'
  | 'bad-effect'
  | 'spawn';

export interface ProcessFault {
  readonly reason: ProcessFaultReason;
  /** One line for people: the exit code, the line that was not JSON, the id. */
  readonly detail: string;
}

/** What a program wrote for one step: the `data` of its `output` record. */
export interface ProcessStep {
  /** The lines it wrote, without the sync answer. */
  readonly lines: readonly string[];
  /** Set when the step ended the process (or must). */
  readonly fault?: ProcessFault;
  /** Set when the step ended by silence (`sync: quiet`): what it holds depends on the wall clock. */
  readonly quiet?: true;
}

/**
 * Runs the programs. Synchronous: the engine waits for each step. `start`
 * (re)starts agent `agent`'s program; `step` writes `lines` to it and returns
 * what it wrote back; `stop` ends it; `close` ends them all.
 */
export interface ProcessHost {
  /**
   * Optional: every program of the run, before the first start, so that a
   * host can start them all at once (their start-up overlaps; what they do
   * still waits for their init).
   */
  prepare?(
    programs: readonly { agent: string; spec: ProcessSpec }[],
    base: string | undefined,
  ): void;
  start(agent: string, spec: ProcessSpec, base: string | undefined): void;
  step(agent: string, lines: readonly string[]): ProcessStep;
  /**
   * Optional: writes the lines of a later step of `agent` now, so that its
   * program works on them while the engine waits for other programs; true
   * when written. The engine sends ahead only steps whose lines cannot
   * depend on the steps before them, and then either calls `step` with the
   * same lines, in the same order, or stops the program: a host takes the
   * answer of a step sent ahead as if the step had been sent at its turn.
   */
  ahead?(agent: string, lines: readonly string[]): boolean;
  stop(agent: string): void;
  close(): void;
}

/** The protocol every process agent has: a name for manifests and views; the engine never steps its machine. */
export const PROCESS_PROTOCOL: Protocol = {
  name: 'process',
  machine: createMachine({ id: 'process' }),
};

type HostFactory = (scenario: Scenario) => ProcessHost;
let factory: HostFactory | null = null;

/** The command line registers how to run programs; elsewhere process agents need a recorded trace. */
export function setProcessHostFactory(make: HostFactory | null): void {
  factory = make;
}

/** Thrown when a scenario has process agents and nothing can run them. */
export class ProcessHostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessHostError';
  }
}

export function hasProcessAgents(scenario: Scenario): boolean {
  return scenario.agents.some((a) => a.process !== undefined);
}

/** A host for `scenario`'s process agents from the registered factory. */
export function defaultProcessHost(scenario: Scenario): ProcessHost {
  if (factory === null) {
    const ids = scenario.agents.filter((a) => a.process !== undefined).map((a) => a.id);
    throw new ProcessHostError(
      `${scenario.name}: agents ${ids.join(', ')} are programs; run them with the command line (npx parley run), or replay a trace that recorded them`,
    );
  }
  return factory(scenario);
}

/**
 * A host that answers each agent's steps, in order, from the `output`
 * records of a trace: the run rebuilt without the programs. Asking for more
 * steps than were recorded is an error naming the agent.
 */
export function recordedHost(records: Iterable<TraceRecord>): ProcessHost {
  const steps = new Map<string, ProcessStep[]>();
  for (const r of records)
    if (r.kind === 'output' && r.agent !== undefined) {
      const list = steps.get(r.agent) ?? [];
      list.push(r.data as unknown as ProcessStep);
      steps.set(r.agent, list);
    }
  const next = new Map<string, number>();
  return {
    start() {},
    step(agent) {
      const i = next.get(agent) ?? 0;
      const step = steps.get(agent)?.[i];
      if (step === undefined)
        throw new ProcessHostError(
          `the trace recorded ${i} steps of agent ${agent} and the replay asked for step ${i + 1}: the trace does not match its manifest`,
        );
      next.set(agent, i + 1);
      return step;
    },
    stop() {},
    close() {},
  };
}

/** The msg_id parley gives its own init. Syncs count from SYNC_BASE. */
export const INIT_MSG_ID = 1;

export interface InitInfo {
  readonly nodeId: string;
  readonly nodeIds: readonly string[];
  readonly seed: number;
  readonly tick: number;
  readonly zone: string;
  readonly capabilities: readonly string[];
  readonly budget: number | null;
  readonly params: Readonly<Record<string, Json>>;
}

/** The init line of a process agent. */
export function initLine(info: InitInfo): string {
  return JSON.stringify({
    src: 'parley',
    dest: info.nodeId,
    body: {
      type: 'init',
      msg_id: INIT_MSG_ID,
      node_id: info.nodeId,
      node_ids: info.nodeIds,
      parley: {
        seed: info.seed,
        tick: info.tick,
        zone: info.zone,
        capabilities: info.capabilities,
        budget: info.budget,
        params: info.params,
      },
    },
  });
}

/**
 * The line that brings event `event` to process agent `dest`: a message from
 * another agent (its `from` becomes `src`), else a body from parley (a
 * timer, a content, an act result).
 */
export function eventLine(dest: string, event: Readonly<Record<string, unknown>>): string {
  const from = event['from'];
  if (typeof from === 'string') {
    const body: Record<string, unknown> = {};
    for (const k in event) if (k !== 'from') body[k] = event[k];
    return JSON.stringify({ src: from, dest, body });
  }
  return JSON.stringify({ src: 'parley', dest, body: event });
}

/** One line a program wrote, read: where it goes and what it says. */
export interface OutputLine {
  readonly src: unknown;
  readonly dest: string;
  readonly body: Record<string, Json> & { readonly type: string };
}

/** Reads one output line; a string says why it is not a message. */
export function parseOutputLine(line: string): OutputLine | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return `not JSON: ${clip(line)}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `not a JSON object: ${clip(line)}`;
  const o = value as Record<string, unknown>;
  if (typeof o['dest'] !== 'string') return `no "dest" string: ${clip(line)}`;
  const body = o['body'];
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return `no "body" object: ${clip(line)}`;
  if (typeof (body as Record<string, unknown>)['type'] !== 'string')
    return `no "body.type" string: ${clip(line)}`;
  return o as unknown as OutputLine;
}

/** At most 120 characters of `text`, for messages. */
export function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Why a body addressed to parley cannot be taken, or undefined when it can. */
export function effectProblem(body: Readonly<Record<string, unknown>>): string | undefined {
  const type = body['type'] as string;
  const str = (k: string) =>
    typeof body[k] === 'string' && body[k] !== '' ? undefined : `${type} needs "${k}", a string`;
  switch (type) {
    case 'parley/set_timer': {
      const t = body['ticks'];
      return (
        str('name') ??
        (Number.isSafeInteger(t) && (t as number) >= 1 && (t as number) <= TICK_MAX
          ? undefined
          : `${type} needs "ticks", a whole number from 1 to ${TICK_MAX}`)
      );
    }
    case 'parley/cancel_timer':
      return str('name');
    case 'parley/decide':
    case 'parley/propose':
    case 'parley/hold':
      return 'value' in body ? undefined : `${type} needs "value"`;
    case 'parley/note':
      return 'data' in body ? undefined : `${type} needs "data"`;
    case 'parley/state':
      return str('value');
    case 'parley/read':
      return str('source');
    case 'parley/act':
      return str('capability');
    case 'parley/spend': {
      const amount = body['amount'];
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0)
        return `${type} needs "amount", a number of at least 0`;
      return body['what'] === undefined || typeof body['what'] === 'string'
        ? undefined
        : `${type}: "what" must be a string`;
    }
    case 'parley/sync_ok':
      return undefined;
    default:
      return type.startsWith('parley/')
        ? `unknown effect ${type}; parley takes ${PARLEY_EFFECTS.join(', ')}`
        : undefined;
  }
}

export const PARLEY_EFFECTS = [
  'parley/set_timer',
  'parley/cancel_timer',
  'parley/decide',
  'parley/propose',
  'parley/hold',
  'parley/note',
  'parley/state',
  'parley/read',
  'parley/act',
  'parley/spend',
] as const;
