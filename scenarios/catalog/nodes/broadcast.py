#!/usr/bin/env python3
"""Maelstrom's broadcast workload, gossiping on parley's virtual timers.

topology -> topology_ok (its neighbours are topology[node_id]; before a topology, every other
server node, an id starting with "n"). broadcast {message} -> broadcast_ok. read -> read_ok
{messages: every message it knows, sorted}.

Every gossipTicks ticks (init's parley.params.gossipTicks, default 5) it sends each neighbour
the messages that neighbour has not acknowledged; the neighbour answers gossip_ok with all the
messages it has (which the sender learns too). Once every neighbour has acknowledged everything, the timer is not set again
and the node goes quiet, so a run without loss ends. Effects: hold (the sorted messages) when
they change, state "gossiping" while something is unacknowledged, "idle" otherwise.

With init's parley.params.acks false it is the naive node instead: it forwards a message a
client gave it to every neighbour once, at once, and never again (fire and forget), so a loss
or a partition loses the message for good at the nodes it did not reach.

Under plain Maelstrom (no timers) it gossips once, at once, whenever it learns something.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the client library
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), '..', '..', '..', 'clients', 'python'))
from parley_node import Node  # noqa: E402

node = Node()
messages = set()
neighbours = []
acked = {}  # neighbour -> the messages it is known to have
gossiping = False


def sort_key(value):
    return (0, value, '') if isinstance(value, (int, float)) else (1, 0, str(value))


def known():
    return sorted(messages, key=sort_key)


def set_state(busy):
    global gossiping
    if busy != gossiping:
        gossiping = busy
        node.state('gossiping' if busy else 'idle')


def learn(new):
    fresh = [m for m in new if m not in messages]
    if not fresh:
        return
    messages.update(fresh)
    node.hold(known())
    if not node.params.get('acks', True):
        return
    if not node.in_parley:
        gossip()
    elif not gossiping:
        node.set_timer('gossip', node.params.get('gossipTicks', 5))
        set_state(True)


def gossip():
    """Sends each neighbour what it has not acknowledged; True if anything was sent."""
    sent = False
    for peer in neighbours:
        missing = sorted(messages - acked.setdefault(peer, set()), key=sort_key)
        if missing:
            node.send(peer, {'type': 'gossip', 'messages': missing})
            sent = True
    return sent


@node.on_init
def start():
    neighbours[:] = [n for n in node.node_ids if n.startswith('n') and n != node.node_id]
    node.state('idle')


@node.on('topology')
def topology(msg):
    given = msg['body'].get('topology', {}).get(node.node_id)
    if given is not None:
        neighbours[:] = [n for n in given if n != node.node_id]
    node.reply(msg, {'type': 'topology_ok'})


@node.on('broadcast')
def broadcast(msg):
    message = msg['body']['message']
    fresh = message not in messages
    learn([message])
    if fresh and not node.params.get('acks', True):
        for peer in neighbours:
            node.send(peer, {'type': 'gossip', 'messages': [message]})
    node.reply(msg, {'type': 'broadcast_ok'})


@node.on('read')
def read(msg):
    node.reply(msg, {'type': 'read_ok', 'messages': known()})


@node.on('gossip')
def on_gossip(msg):
    got = msg['body']['messages']
    acked.setdefault(msg['src'], set()).update(got)
    learn(got)
    if node.params.get('acks', True):
        node.reply(msg, {'type': 'gossip_ok', 'messages': known()})


@node.on('gossip_ok')
def on_gossip_ok(msg):
    got = msg['body']['messages']
    acked.setdefault(msg['src'], set()).update(got)
    learn(got)


@node.on_timer('gossip')
def tick(_name):
    if gossip():
        node.set_timer('gossip', node.params.get('gossipTicks', 5))
    else:
        set_state(False)


node.run()
