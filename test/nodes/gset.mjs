/**
 * Maelstrom's echo and g-set workloads in one node, on the JavaScript client library.
 *
 * echo {echo} -> echo_ok. add {element} -> add_ok. read -> read_ok {value: the set, sorted}.
 * Every gossipTicks ticks (init's parley.params.gossipTicks, default 5) it sends every other
 * server node (an id starting with "n") the elements that node has not acknowledged, as
 * replicate {value}; the peer answers replicate_ok {value: its whole set}, which the sender
 * merges too. When every peer has acknowledged everything the timer is not set again, so a run
 * without loss goes quiet. Effects: hold (the sorted set) when it changes, state
 * "replicating" / "idle". Under plain Maelstrom (no timers) it replicates at once on a change.
 */
import { Node } from '../../clients/js/parley-node.mjs';

const node = new Node();
const set = new Map(); // JSON text of an element -> the element
const acked = new Map(); // peer -> Set of JSON texts it has
let peers = [];
let replicating = false;

const ticks = () => node.params.gossipTicks ?? 5;
const keyOf = (element) => JSON.stringify(element);
const sorted = () =>
  [...set.values()].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : keyOf(a) < keyOf(b)
        ? -1
        : keyOf(a) > keyOf(b)
          ? 1
          : 0,
  );

function ackedBy(peer) {
  let s = acked.get(peer);
  if (!s) acked.set(peer, (s = new Set()));
  return s;
}

function setReplicating(busy) {
  if (busy === replicating) return;
  replicating = busy;
  node.state(busy ? 'replicating' : 'idle');
}

function merge(elements) {
  let changed = false;
  for (const e of elements) {
    const k = keyOf(e);
    if (!set.has(k)) {
      set.set(k, e);
      changed = true;
    }
  }
  if (!changed) return;
  node.hold(sorted());
  if (!node.inParley) replicate();
  else if (!replicating) {
    node.setTimer('gossip', ticks());
    setReplicating(true);
  }
}

/** Sends each peer what it has not acknowledged; true if anything was sent. */
function replicate() {
  let sent = false;
  for (const peer of peers) {
    const has = ackedBy(peer);
    const missing = sorted().filter((e) => !has.has(keyOf(e)));
    if (missing.length > 0) {
      node.send(peer, { type: 'replicate', value: missing });
      sent = true;
    }
  }
  return sent;
}

function remember(peer, elements) {
  const has = ackedBy(peer);
  for (const e of elements) has.add(keyOf(e));
}

node.onInit(() => {
  peers = node.nodeIds.filter((id) => id.startsWith('n') && id !== node.nodeId);
  node.state('idle');
});

node.on('echo', (msg) => node.reply(msg, { type: 'echo_ok', echo: msg.body.echo }));

node.on('add', (msg) => {
  merge([msg.body.element]);
  node.reply(msg, { type: 'add_ok' });
});

node.on('read', (msg) => node.reply(msg, { type: 'read_ok', value: sorted() }));

node.on('replicate', (msg) => {
  remember(msg.src, msg.body.value);
  merge(msg.body.value);
  node.reply(msg, { type: 'replicate_ok', value: sorted() });
});

node.on('replicate_ok', (msg) => {
  remember(msg.src, msg.body.value);
  merge(msg.body.value);
});

node.onTimer('gossip', () => {
  if (replicate()) node.setTimer('gossip', ticks());
  else setReplicating(false);
});

node.run();
