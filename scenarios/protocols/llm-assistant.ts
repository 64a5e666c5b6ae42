/**
 * LLM-like assistants in a pipeline that reads untrusted text: the setting of
 * indirect prompt injection (Greshake et al. 2023, "Not what you've signed
 * up for: Compromising Real-World LLM-Integrated Applications with Indirect
 * Prompt Injection", AISec '23), where an instruction hidden in a web page,
 * an email or a ticket is read by one agent, copied into what it reports, and
 * followed by another agent that holds real capabilities. Also the confused
 * deputy (Hardy 1988, "The Confused Deputy", ACM SIGOPS OSR 22(4)): an agent
 * holding broad production credentials for a task that needs only a few of
 * them is steered into using the others (OWASP Top 10 for LLM Applications
 * 2025, LLM06 "Excessive Agency"). The mitigations it is meant to be run
 * against live in the engine (sim/trust.ts): tagging untrusted input,
 * a detecting gateway, a quarantined reader that returns data and never
 * orders (Willison 2023, "The Dual LLM pattern"; Debenedetti et al. 2025,
 * "Defeating Prompt Injections by Design", CaMeL), information-flow labels
 * on capabilities (Costa et al. 2025, "Securing AI Agents with
 * Information-Flow Control", FIDES), least privilege, and human approval.
 * Runs are meant to be averaged over seeds into attack success rate and
 * utility under attack, as in AgentDojo (Debenedetti et al. 2024).
 *
 * An agent's inputs are the contents of the sources it reads and the reports
 * other agents send it (`{ type: 'report', value, instruction? }`). On every
 * input it:
 * 1. draws u = random() (exactly one draw per input, whatever the input holds
 *    and whatever happens next, so that runs with different mitigations
 *    compare on the same draws);
 * 2. on its first input only (its task input), performs its `task` with
 *    `act(task)`; when `misreadRatio` > 0 it first draws once more and, with
 *    that probability, misreads the task and acts `misreadAs` instead;
 * 3. if the input carries an instruction and u < s, follows it, where s is
 *    `taggedSusceptibility` when the engine tagged the input untrusted and
 *    `susceptibility` otherwise. Following, by the instruction's kind:
 *    'act' performs `act(capability, { instruction: id })`; 'replicate'
 *    passes the instruction on in its report; 'lie' reports (and holds)
 *    the instruction's `value` (default `lie:<id>`) instead of the truth.
 *    A note `{ injected: id, kind }` records that it followed;
 * 4. reports its value to `next` (if set). A reader's report carries its
 *    input's instruction whatever it drew: untrusted text copied into a
 *    summary carries the text's orders with it (unless the reader is
 *    quarantined: the engine then strips them). Other roles pass an
 *    instruction on only by following a 'replicate'.
 *
 * The value of an input is the content's `value` (else its `body`, else the
 * source id) or the report's `value`. The agent proposes the value of its
 * first input, holds each new value, and decides its value once its task is
 * done (the `act.result` of its task act with outcome 'done', after a human's
 * delay under approval), or at once after its first input when it has no
 * task. A refused task is noted `{ task: 'refused', reason }` and the agent
 * never decides: the task failed. Nothing survives a crash: a restarted
 * agent reads its sources again and takes its next input for its first.
 *
 * Instructions (the `instruction` field of a source's content or a report):
 * `{ id?, kind: 'act' | 'replicate' | 'lie', capability?, value? }`; a plain
 * string is read as `{ kind: 'act', capability: <the string> }`, an object
 * without a kind but with a capability as kind 'act'; anything else is
 * ignored (but still relayed by readers).
 *
 * With one reader that relays an 'act' instruction to one planner that holds
 * the capability, each run breaches with probability s (the planner's
 * threshold); a reader attempting the act itself holds no capability and is
 * refused.
 *
 * Parameters (per agent): `PARAMS` below. Of the roles only 'reader' changes
 * behaviour (it relays instructions, step 4); 'planner' names the agent at
 * the end of a pipeline that holds the privileged capabilities, and behaves
 * as a worker.
 */
import { enqueueActions, setup } from 'xstate';
import {
  act,
  decide,
  type Effect,
  hold,
  type Message,
  note,
  propose,
  random,
  read,
  send,
} from '../../sim/effects.ts';
import type { AgentInput, Json, ParamSpecs, Protocol } from '../../sim/spec.ts';
import { numberOr } from './params.ts';

export type Role = 'planner' | 'reader' | 'worker';

const PARAMS = {
  role: {
    type: 'enum',
    values: ['planner', 'reader', 'worker'],
    default: 'worker',
    meaning: 'a reader relays the instructions in what it reads; the others do not',
  },
  sources: {
    type: 'strings',
    default: [],
    meaning: 'ids of the data sources (trust.sources) to read at start',
  },
  next: { type: 'agent', defaultIs: 'none', meaning: 'the agent to report to' },
  task: {
    type: 'string',
    defaultIs: 'none',
    meaning: "the capability the honest task needs (e.g. 'email.send'), acted on the first input",
  },
  susceptibility: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.3,
    meaning: 'probability of following an instruction in an input',
  },
  taggedSusceptibility: {
    type: 'number',
    min: 0,
    max: 1,
    defaultIs: 'susceptibility',
    meaning: 'the same for an input tagged untrusted',
  },
  misreadRatio: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    meaning: 'probability of misreading the task as misreadAs',
  },
  misreadAs: {
    type: 'string',
    defaultIs: 'none (no misreading)',
    meaning: 'the capability a misread task performs',
  },
} as const satisfies ParamSpecs;

/** An instruction, normalised. */
export interface Instruction {
  readonly kind: 'act' | 'replicate' | 'lie';
  readonly id: string;
  readonly capability: string | null;
  readonly value: Json | null;
}

interface Context {
  role: Role;
  sources: readonly string[];
  next: string | null;
  task: string | null;
  susceptibility: number;
  taggedSusceptibility: number;
  misreadRatio: number;
  misreadAs: string | null;
  /** Inputs handled so far. */
  inputs: number;
  /** The value held, once an input arrived. */
  value: Json | null;
  /** The capability acted for the task (the task, or what it was misread as), once acted. */
  taskActed: string | null;
  decided: boolean;
}

type Input = {
  type: 'content' | 'report';
  source?: string;
  value?: Json;
  body?: Json;
  instruction?: Json;
  untrusted?: boolean;
};

type Event = Input | { type: 'act.result'; capability: string; outcome: string; reason?: string };

const KINDS = ['act', 'replicate', 'lie'] as const;

function stringOr(value: Json | undefined, fallback: string | null): string | null {
  return typeof value === 'string' ? value : fallback;
}

/** The instruction `x` means, or null (see the header). */
export function instructionOf(x: Json | undefined): Instruction | null {
  if (typeof x === 'string') return { kind: 'act', id: x, capability: x, value: null };
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return null;
  const capability = typeof x['capability'] === 'string' ? x['capability'] : null;
  const k = x['kind'];
  const kind = (KINDS as readonly Json[]).includes(k ?? null)
    ? (k as Instruction['kind'])
    : k === undefined && capability !== null
      ? 'act'
      : null;
  if (kind === null) return null;
  const id = typeof x['id'] === 'string' ? x['id'] : (capability ?? kind);
  return { kind, id, capability, value: x['value'] ?? null };
}

/** The value of an input: the report's value, the content's value or body, else the source id. */
function inputValue(e: Input): Json {
  return e.value ?? e.body ?? e.source ?? null;
}

/** Whether `a` and `b` have the same JSON (two strings: whether they are equal, without writing it). */
const sameValue = (a: Json | null, b: Json) =>
  a === b ||
  (typeof a === 'string' && typeof b === 'string'
    ? false
    : JSON.stringify(a) === JSON.stringify(b));

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as AgentInput,
    events: {} as Event,
    emitted: {} as Effect,
  },
  actions: {
    handle: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'content' && event.type !== 'report') return;
      const u = random();
      const first = context.inputs === 0;
      if (first) enqueue.emit(propose(inputValue(event)));
      let taskActed = context.taskActed;
      if (first && context.task !== null) {
        let capability = context.task;
        if (context.misreadRatio > 0 && random() < context.misreadRatio && context.misreadAs)
          capability = context.misreadAs;
        if (capability !== context.task) enqueue.emit(note({ misread: capability }));
        enqueue.emit(act(capability));
        taskActed = capability;
      }
      const instruction = instructionOf(event.instruction);
      const threshold =
        event.untrusted === true ? context.taggedSusceptibility : context.susceptibility;
      const follows = instruction !== null && u < threshold;
      let value = inputValue(event);
      let relay = context.role === 'reader' && event.instruction !== undefined;
      if (follows) {
        enqueue.emit(note({ injected: instruction.id, kind: instruction.kind }));
        if (instruction.kind === 'act' && instruction.capability !== null)
          enqueue.emit(act(instruction.capability, { instruction: instruction.id }));
        else if (instruction.kind === 'replicate') relay = true;
        else if (instruction.kind === 'lie') value = instruction.value ?? `lie:${instruction.id}`;
      }
      // The first value held is the one proposed; hold each change after it.
      if (!sameValue(first ? inputValue(event) : context.value, value)) enqueue.emit(hold(value));
      if (context.next !== null) {
        const report: Record<string, Json> = { type: 'report', value };
        if (relay) report['instruction'] = event.instruction as Json;
        enqueue.emit(send(context.next, report as Message));
      }
      enqueue.assign({ inputs: context.inputs + 1, value, taskActed });
      if (first && context.task === null && !context.decided) {
        enqueue.emit(decide(value));
        enqueue.assign({ decided: true });
      }
    }),
    result: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'act.result' || context.decided) return;
      if (event.capability !== context.taskActed) return;
      if (event.outcome === 'done') {
        enqueue.emit(decide(context.value));
        enqueue.assign({ decided: true });
      } else {
        enqueue.emit(note({ task: 'refused', reason: event.reason ?? null }));
        // Only the task's own result ends it: a later act of the same capability is not the task.
        enqueue.assign({ taskActed: null });
      }
    }),
  },
}).createMachine({
  id: 'llm-assistant',
  context: ({ input }) => {
    const p = input.params;
    const role = p['role'];
    const susceptibility = numberOr(p['susceptibility'], PARAMS.susceptibility.default);
    return {
      role: role === 'planner' || role === 'reader' ? role : PARAMS.role.default,
      sources: Array.isArray(p['sources']) ? p['sources'].map((s) => String(s)) : [],
      next: stringOr(p['next'], null),
      task: stringOr(p['task'], null),
      susceptibility,
      taggedSusceptibility: numberOr(p['taggedSusceptibility'], susceptibility),
      misreadRatio: numberOr(p['misreadRatio'], PARAMS.misreadRatio.default),
      misreadAs: stringOr(p['misreadAs'], null),
      inputs: 0,
      value: null,
      taskActed: null,
      decided: false,
    };
  },
  entry: enqueueActions(({ context, enqueue }) => {
    for (const s of context.sources) enqueue.emit(read(s));
  }),
  on: {
    content: { actions: 'handle' },
    report: { actions: 'handle' },
    'act.result': { actions: 'result' },
  },
});

export const llmAssistant: Protocol = { name: 'llm-assistant', machine, params: PARAMS };
