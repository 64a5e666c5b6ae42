/**
 * parley-node: write a parley process agent (or a Maelstrom node) in JavaScript.
 *
 * Node.js, no dependencies, one ES module: copy it next to your node or import
 * it by path. The wire protocol is docs/process-agents.md.
 *
 * A complete node: an echo server that also counts to three on the simulated
 * clock and decides how many echoes it answered.
 *
 *     // echo.mjs
 *     import { Node } from './clients/js/parley-node.mjs';
 *
 *     const node = new Node();
 *     let echoes = 0;
 *
 *     node.onInit(() => {
 *       node.state('counting');
 *       node.setTimer('count', node.params.countTicks ?? 3);
 *     });
 *
 *     node.on('echo', (msg) => {
 *       echoes += 1;
 *       node.reply(msg, { type: 'echo_ok', echo: msg.body.echo });
 *     });
 *
 *     node.onTimer('count', () => {
 *       node.note({ echoes, coin: node.random() < 0.5 });
 *       node.decide(echoes);
 *       node.state('done');
 *     });
 *
 *     node.run();
 *
 * Scenario:  agents: [{ id: n1, process: { command: [node, echo.mjs] } }]
 *
 * API
 * ---
 * new Node()                    one per process; node.run() reads standard input
 *                               line by line, strictly in order.
 * node.on(type, fn)             fn(msg) for bodies of that type; msg is the whole
 *                               line: { src, dest, body }. If fn returns a promise,
 *                               the next line waits for it.
 * node.onInit(fn)               fn() after init is handled (init_ok written).
 * node.onTimer(name, fn)        fn(name) when the virtual timer `name` fires.
 * node.reply(msg, body)         answers msg: dest msg.src, in_reply_to
 *                               msg.body.msg_id, a fresh msg_id.
 * node.send(dest, body)         a message to another agent (msg_id added if absent).
 * node.setTimer(name, ticks)    a parley/timer arrives `ticks` simulated ticks later
 *                               (integer >= 1); setting a name again replaces it.
 * node.cancelTimer(name)
 * node.decide(value) .propose(value) .hold(value) .note(data) .state(value)
 * node.read(source)             a `content` body arrives (register on('content')).
 * node.act(capability, args)    an `act.result` body arrives (on('act.result')).
 * node.spend(amount, what)
 * node.random()                 a float in [0, 1) from mulberry32 seeded with
 *                               parley.seed; node.randomInt(n) an integer in [0, n).
 * node.log(...args)             a line on standard error (kept per agent).
 * Snake-case aliases: set_timer, cancel_timer, on_timer, on_init.
 *
 * After init: node.nodeId, node.nodeIds, node.parley (the init's `parley` block,
 * or null under plain Maelstrom), node.params (parley.params or {}), node.seed,
 * node.tick (the simulated tick at init), node.zone, node.capabilities,
 * node.budget, node.inParley. Use node.random(), never Math.random or the wall
 * clock, so the same seed gives the same run.
 *
 * parley/sync is answered with parley/sync_ok after everything the handlers
 * wrote for the earlier lines. Once parley has sent a sync, what a step writes
 * goes out in one write, with the sync answer; without syncs (plain Maelstrom,
 * `sync: quiet`) every line is written at once. A body type with no handler is answered with
 * Maelstrom's error 10 (not supported) when it carries a msg_id, and noted on
 * standard error otherwise. An exception in a handler ends the process with
 * code 1 (parley records the crash with the last lines of standard error).
 *
 * Under plain Maelstrom (no `parley` block in init) message handling works the
 * same; setTimer, cancelTimer, read and act throw (there is no simulated clock or
 * trust layer to serve them), and decide, propose, hold, note, state and spend,
 * which only inform parley's checkers, write nothing.
 */

export const NOT_SUPPORTED = 10;
const PARLEY = 'parley';

/** The mulberry32 generator: a float in [0, 1) per call, from a 32-bit seed. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string: a fixed seed per node id under plain Maelstrom. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Node {
  constructor({ input = process.stdin, output = process.stdout, errors = process.stderr } = {}) {
    this.input = input;
    this.output = output;
    this.errors = errors;
    this.handlers = new Map();
    this.timers = new Map();
    this.initFns = [];
    this.nextMsgId = 0;
    this.nodeId = null;
    this.nodeIds = [];
    this.parley = null;
    this.params = {};
    this.seed = null;
    this.tick = null;
    this.zone = null;
    this.capabilities = [];
    this.budget = null;
    this.rng = mulberry32(0);
    this.queue = [];
    this.busy = false;
    // Set at the first parley/sync: from then on a step's lines are written with its sync answer.
    this.synced = false;
    this.pending = '';
    this.on_init = this.onInit;
    this.on_timer = this.onTimer;
    this.set_timer = this.setTimer;
    this.cancel_timer = this.cancelTimer;
  }

  get inParley() {
    return this.parley !== null;
  }

  // -- registration ----------------------------------------------------------

  on(type, fn) {
    if (type === 'init' || type === 'parley/sync') {
      throw new Error(`${type} is handled by the library; use onInit for init`);
    }
    this.handlers.set(type, fn);
    return this;
  }

  onInit(fn) {
    this.initFns.push(fn);
    return this;
  }

  onTimer(name, fn) {
    this.timers.set(name, fn);
    return this;
  }

  // -- randomness ------------------------------------------------------------

  random() {
    return this.rng();
  }

  randomInt(n) {
    return Math.floor(this.rng() * n);
  }

  // -- messages --------------------------------------------------------------

  send(dest, body) {
    if (body === null || typeof body !== 'object' || typeof body.type !== 'string') {
      throw new Error(`a body is an object with a string type, got ${JSON.stringify(body)}`);
    }
    this.write(dest, 'msg_id' in body ? body : { ...body, msg_id: this.freshMsgId() });
  }

  reply(msg, body) {
    const out = { ...body };
    if (msg.body && msg.body.msg_id !== undefined) out.in_reply_to = msg.body.msg_id;
    out.msg_id = this.freshMsgId();
    this.write(msg.src, out);
  }

  error(msg, code, text) {
    this.reply(msg, { type: 'error', code, text });
  }

  log(...args) {
    this.errors.write(`${args.map(String).join(' ')}\n`);
  }

  // -- virtual timers --------------------------------------------------------

  setTimer(name, ticks) {
    this.needParley('setTimer');
    if (typeof name !== 'string') throw new Error(`a timer name is a string, got ${name}`);
    if (!Number.isInteger(ticks) || ticks < 1) {
      throw new Error(`timer ticks is an integer >= 1, got ${ticks}`);
    }
    this.effect('set_timer', { name, ticks });
  }

  cancelTimer(name) {
    this.needParley('cancelTimer');
    this.effect('cancel_timer', { name });
  }

  // -- effects ---------------------------------------------------------------

  decide(value) {
    this.effect('decide', { value });
  }

  propose(value) {
    this.effect('propose', { value });
  }

  hold(value) {
    this.effect('hold', { value });
  }

  note(data) {
    this.effect('note', { data });
  }

  state(value) {
    if (typeof value !== 'string') throw new Error(`state is a string, got ${value}`);
    this.effect('state', { value });
  }

  read(source) {
    this.needParley('read');
    this.effect('read', { source });
  }

  act(capability, args = {}) {
    this.needParley('act');
    this.effect('act', { capability, args });
  }

  spend(amount, what) {
    this.effect('spend', { amount, what });
  }

  // -- the loop --------------------------------------------------------------

  /** Handles standard input line by line until it closes. */
  run() {
    let rest = '';
    this.input.setEncoding('utf8');
    this.input.on('data', (chunk) => {
      rest += chunk;
      let nl = rest.indexOf('\n');
      while (nl >= 0) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        if (line) this.queue.push(line);
        nl = rest.indexOf('\n');
      }
      this.pump();
    });
    this.input.on('end', () => {
      const line = rest.trim();
      rest = '';
      if (line) this.queue.push(line);
      this.pump();
      this.flush();
    });
  }

  pump() {
    while (!this.busy && this.queue.length > 0) {
      const line = this.queue.shift();
      let result;
      try {
        result = this.handle(JSON.parse(line));
      } catch (err) {
        this.die(err);
        return;
      }
      if (result && typeof result.then === 'function') {
        this.busy = true;
        result.then(
          () => {
            this.busy = false;
            this.pump();
          },
          (err) => this.die(err),
        );
      }
    }
  }

  /** Handles one message ({ src, dest, body }); returns the handler's promise, if any. */
  handle(msg) {
    const body = msg.body ?? {};
    const type = body.type;
    if (type === 'init') return this.init(msg);
    if (type === 'parley/sync') {
      this.synced = true;
      this.write(msg.src, { type: 'parley/sync_ok', in_reply_to: body.msg_id });
      this.flush();
      return undefined;
    }
    if (type === 'parley/timer' && this.timers.has(body.name)) {
      return this.timers.get(body.name)(body.name);
    }
    const fn = this.handlers.get(type);
    if (fn) return fn(msg);
    if (body.msg_id !== undefined) {
      this.error(msg, NOT_SUPPORTED, `not supported: ${type}`);
    } else {
      this.log(`parley-node: no handler for ${JSON.stringify(type)} from ${msg.src}`);
    }
    return undefined;
  }

  // -- internals -------------------------------------------------------------

  init(msg) {
    const body = msg.body;
    this.nodeId = body.node_id;
    this.nodeIds = [...(body.node_ids ?? [])];
    const block = body.parley;
    this.parley = block !== null && typeof block === 'object' ? block : null;
    if (this.parley) {
      this.seed = this.parley.seed ?? 0;
      this.tick = this.parley.tick ?? 0;
      this.zone = this.parley.zone ?? null;
      this.capabilities = [...(this.parley.capabilities ?? [])];
      this.budget = this.parley.budget ?? null;
      this.params = { ...(this.parley.params ?? {}) };
      this.rng = mulberry32(this.seed);
    } else {
      this.rng = mulberry32(fnv1a(String(this.nodeId)));
    }
    this.reply(msg, { type: 'init_ok' });
    // Synchronous init functions run synchronously; a promise makes the next line wait.
    for (let i = 0; i < this.initFns.length; i++) {
      const r = this.initFns[i]();
      if (r && typeof r.then === 'function') {
        const later = this.initFns.slice(i + 1);
        return r.then(async () => {
          for (const fn of later) await fn();
        });
      }
    }
    return undefined;
  }

  freshMsgId() {
    this.nextMsgId += 1;
    return this.nextMsgId;
  }

  needParley(what) {
    if (this.parley === null) {
      throw new Error(
        `${what} needs parley: init carried no parley block (plain Maelstrom has no virtual timers, reads or actions)`,
      );
    }
  }

  effect(name, fields) {
    if (this.parley === null) return;
    this.write(PARLEY, { type: `parley/${name}`, ...fields });
  }

  write(dest, body) {
    const line = `${JSON.stringify({ src: this.nodeId, dest, body })}\n`;
    if (this.synced) this.pending += line;
    else this.output.write(line);
  }

  flush() {
    if (this.pending === '') return;
    this.output.write(this.pending);
    this.pending = '';
  }

  die(err) {
    this.flush();
    this.errors.write(`parley-node: ${err?.stack ?? String(err)}\n`);
    process.exit(1);
  }
}
