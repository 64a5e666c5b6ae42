/**
 * The vocabulary agents use to touch the world. A protocol machine emits
 * effects with xstate's own `emit` action; the engine turns each into trace
 * records and events on the simulated clock:
 *
 *   emit(({ context }) => send(context.leader, { type: 'vote', term: context.term }))
 *
 * Delayed transitions (`after`) also run on the simulated clock. Randomness
 * comes from the agent's own stream through `random()`, `randomInt()` and
 * `choose()`/`coin()` (a draw marked as a choice point for `parley explore`),
 * callable inside actions, guards and delay functions while the engine steps
 * the agent.
 */
import type { ModelRequest } from './models.ts';
import type { Stream } from './rng.ts';
import type { Json } from './spec.ts';

/** A message between agents: a typed JSON object. Delivered as the event `{ ...message, from }`. */
export interface Message {
  readonly type: string;
  readonly [field: string]: Json;
}

/** The event an agent receives for a delivered message. */
export type Delivered<M extends Message = Message> = M & { readonly from: string };

/**
 * The event that delivers `message` from `from`: a copy of the message with
 * its sender, so the sender's object is never changed. A plain copy loop:
 * object spread measured 0.9 µs per message here, this 0.05 µs.
 */
export function delivered(message: Message, from: string): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const k in message) event[k] = message[k];
  event['from'] = from;
  return event;
}

export type Effect =
  | { readonly type: 'parley.send'; readonly to: string; readonly message: Message }
  | { readonly type: 'parley.broadcast'; readonly message: Message; readonly self: boolean }
  | { readonly type: 'parley.timer.set'; readonly name: string; readonly ticks: number }
  | { readonly type: 'parley.timer.cancel'; readonly name: string }
  | { readonly type: 'parley.decide'; readonly value: Json }
  | { readonly type: 'parley.propose'; readonly value: Json }
  | { readonly type: 'parley.hold'; readonly value: Json }
  | { readonly type: 'parley.note'; readonly data: Json }
  | { readonly type: 'parley.read'; readonly source: string }
  | {
      readonly type: 'parley.act';
      readonly capability: string;
      readonly args: Json | undefined;
    }
  | { readonly type: 'parley.spend'; readonly amount: number; readonly what: string | undefined }
  | { readonly type: 'parley.ask'; readonly request: ModelRequest }
  | {
      readonly type: 'parley.forge';
      readonly to: string;
      readonly as: string;
      readonly message: Message;
    };

/** Send `message` to agent `to` across the simulated network. */
export function send(to: string, message: Message): Effect {
  return { type: 'parley.send', to, message };
}

/** Send `message` to every other agent (and to itself when `self` is true), each copy on its own link. */
export function broadcast(message: Message, self = false): Effect {
  return { type: 'parley.broadcast', message, self };
}

/**
 * Set (or reset) the timer `name`: after `ticks` ticks of the agent's clock the
 * agent receives the event `{ type: name }`.
 */
export function setTimer(name: string, ticks: number): Effect {
  return { type: 'parley.timer.set', name, ticks };
}

/** Cancel the timer `name` if it is pending. */
export function cancelTimer(name: string): Effect {
  return { type: 'parley.timer.cancel', name };
}

/** Record that this agent decided `value`. Checkers judge agreement, validity and integrity from these. */
export function decide(value: Json): Effect {
  return { type: 'parley.decide', value };
}

/**
 * Record this agent's input: the value it starts from. Validity asks that
 * decisions be some honest agent's input; the proposal is also the first
 * value the agent holds.
 */
export function propose(value: Json): Effect {
  return { type: 'parley.propose', value };
}

/**
 * Record the value this agent now holds (its current estimate, vote or
 * belief). The convergence checker counts distinct held values over time.
 */
export function hold(value: Json): Effect {
  return { type: 'parley.hold', value };
}

/** Record a note in the trace (an explanation for people reading it). */
export function note(data: Json): Effect {
  return { type: 'parley.note', data };
}

/**
 * Read data source `source` (a document, web page, tool output, email): after
 * the source's latency the agent receives `{ type: 'content', source, ...content }`,
 * with the source's provenance (see sim/trust.ts).
 */
export function read(source: string): Effect {
  return { type: 'parley.read', source };
}

/**
 * Perform a privileged action with `capability`. The engine checks the
 * capability and the scenario's mitigations, records an `act` record, and
 * answers with `{ type: 'act.result', capability, outcome, reason? }`
 * (outcome 'done' or 'refused'; after a human's delay when approval applies).
 */
export function act(capability: string, args?: Json): Effect {
  return { type: 'parley.act', capability, args };
}

/**
 * Spend `amount` (money or tokens, per the scenario's cost unit) on `what`.
 * Refused beyond a budget or rate limit: the agent then receives
 * `{ type: 'spend.refused', reason, what }` (see sim/cost.ts).
 */
export function spend(amount: number, what?: string): Effect {
  return { type: 'parley.spend', amount, what };
}

/**
 * Byzantine agents only: send `message` to `to` as if it came from agent `as`.
 * The trace keeps the truth: the send record names the real sender and a
 * note records the forgery.
 */
export function forge(to: string, as: string, message: Message): Effect {
  return { type: 'parley.forge', to, as, message };
}

let current: Stream | null = null;

/**
 * Asks the scenario's language model (sim/models.ts): the agent receives
 * `{ type: 'model.reply', content, usage }` or `{ type: 'model.error',
 * reason, detail }` some ticks later, and the tokens are charged to it.
 */
export function ask(request: ModelRequest): Effect {
  return { type: 'parley.ask', request };
}

/**
 * Engine only: under exploration, answers a marked draw (`choose`): the
 * option taken, given the stepping agent's draw `drawn` (what a seeded run
 * takes). Pure of the stream: the draw was made already.
 */
export type DrawChooser = (options: number, label: string, drawn: number) => number;

let chooseDraw: DrawChooser | null = null;

/**
 * Engine only: the stream `random()` reads while an agent steps, or null
 * between steps; `draw`, under exploration, answers the marked draws.
 */
export function bindAgentStream(stream: Stream | null, draw: DrawChooser | null = null): void {
  current = stream;
  chooseDraw = draw;
}

function stream(): Stream {
  if (current === null) {
    throw new Error(
      'random() was called outside an agent step: call it from an action, guard or delay of a protocol machine',
    );
  }
  return current;
}

/** A uniform draw in [0, 1) from the stepping agent's own stream. */
export function random(): number {
  return stream().next();
}

/** A uniform integer in [min, max] from the stepping agent's own stream. */
export function randomInt(min: number, max: number): number {
  return stream().int(min, max);
}

/** Most options of one marked draw (`choose`): the draw stays exact (u32 × options < 2^53) and a choice point small. */
export const CHOOSE_OPTIONS_MAX = 1024;

/**
 * A uniform integer in [0, options) from the stepping agent's own stream,
 * marked as a choice point: outside exploration it is exactly one draw,
 * `floor(random() * options)` (so `choose(2, …)` is `random() < 0.5 ? 0 : 1`,
 * bit for bit); under `parley explore` every option is explored, the draw
 * still made so the stream stays where a seeded run leaves it. `label` names
 * the point in the schedule's choices ('coin'). Throws on options outside
 * 1..CHOOSE_OPTIONS_MAX (a protocol's bug).
 */
export function choose(options: number, label: string): number {
  if (!(Number.isSafeInteger(options) && options >= 1 && options <= CHOOSE_OPTIONS_MAX))
    throw new RangeError(
      `choose(${String(options)}, ${JSON.stringify(label)}): options is a whole number from 1 to ${CHOOSE_OPTIONS_MAX}`,
    );
  const drawn = Math.floor(stream().next() * options);
  return chooseDraw === null || options === 1 ? drawn : chooseDraw(options, label, drawn);
}

/** A fair coin, 0 or 1, as `choose(2, label)`: a choice point under exploration. */
export function coin(label = 'coin'): 0 | 1 {
  return choose(2, label) as 0 | 1;
}
