#!/usr/bin/env python3
"""Single-decree Paxos among the server nodes (ids starting with "n"), on the Python client.

Every server is proposer, acceptor and learner; a quorum is a majority of the server ids in
init's node_ids. Each proposes its own value (init's parley.params.value, default its node id):
it emits propose(value) at init and starts a ballot after a seeded random delay of 1..startTicks
ticks (params.startTicks, default 10). A ballot is [round, node id], compared in that order.

  prepare {ballot}           an acceptor promises only a ballot higher than any it promised:
                             promise {ballot, accepted_ballot, accepted_value}, else nack
                             {ballot, promised}.
  accept {ballot, value}     accepted unless it promised a higher ballot: accepted {ballot,
                             value}, else nack.
  decided {value}            a learned value, sent to every other server once learned and in
                             answer to any prepare or accept after that.

With promises from a quorum the proposer takes the value of the highest accepted ballot among
them (its own value if none) and asks for accepts; accepted from a quorum for its ballot means
the value is chosen: decide(value), once. With no quorum before the retry timer (retryTicks,
default 10, plus a seeded random backoff that grows with the attempts), it starts a higher
ballot. Replies are counted once per sender, so duplicated messages change nothing; lost ones
are covered by the retries; a partition delays a decision but never splits it.

The node keeps no state across a restart: an acceptor that forgets its promises can break
Paxos's safety, so give it crash faults without restart, or persist the acceptor yourself.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'clients', 'python'))
from parley_node import Node  # noqa: E402

node = Node()


class Paxos:
    def __init__(self):
        self.servers = []
        self.quorum = 1
        self.value = None
        # acceptor
        self.promised = None
        self.accepted_ballot = None
        self.accepted_value = None
        # proposer
        self.round_seen = 0
        self.attempts = 0
        self.ballot = None
        self.phase = 'idle'
        self.promises = {}
        self.accepts = set()
        self.proposal = None
        # learner
        self.decided = False
        self.decision = None
        self.timers = set()


px = Paxos()


def ballot_of(raw):
    return None if raw is None else (int(raw[0]), str(raw[1]))


def wire(ballot):
    return None if ballot is None else [ballot[0], ballot[1]]


def see(ballot):
    if ballot is not None and ballot[0] > px.round_seen:
        px.round_seen = ballot[0]


def set_timer(name, ticks):
    px.timers.add(name)
    node.set_timer(name, ticks)


def cancel_timer(name):
    if name in px.timers:
        px.timers.discard(name)
        node.cancel_timer(name)


# -- acceptor -----------------------------------------------------------------


def on_prepare(ballot):
    see(ballot)
    if px.promised is None or ballot > px.promised:
        px.promised = ballot
        return {
            'type': 'promise',
            'ballot': wire(ballot),
            'accepted_ballot': wire(px.accepted_ballot),
            'accepted_value': px.accepted_value,
        }
    return {'type': 'nack', 'ballot': wire(ballot), 'promised': wire(px.promised)}


def on_accept(ballot, value):
    see(ballot)
    if px.promised is None or ballot >= px.promised:
        px.promised = ballot
        px.accepted_ballot = ballot
        px.accepted_value = value
        return {'type': 'accepted', 'ballot': wire(ballot), 'value': value}
    return {'type': 'nack', 'ballot': wire(ballot), 'promised': wire(px.promised)}


# -- proposer -----------------------------------------------------------------


def to_all(body, local_answer):
    """Sends body to every other server, then handles it locally (after, so a quorum of one
    does not start the next phase in the middle of this loop)."""
    for peer in px.servers:
        if peer != node.node_id:
            node.send(peer, body)
    if node.node_id in px.servers:
        answer = local_answer()
        handle_answer(node.node_id, answer)


def start_ballot():
    if px.decided:
        return
    px.attempts += 1
    px.round_seen += 1
    px.ballot = (px.round_seen, node.node_id)
    px.phase = 'prepare'
    px.promises = {}
    px.accepts = set()
    node.state('preparing')
    base = node.params.get('retryTicks', 10)
    set_timer('retry', base + node.random.randrange(base * min(2 ** px.attempts, 16)))
    ballot = px.ballot
    to_all({'type': 'prepare', 'ballot': wire(ballot)}, lambda: on_prepare(ballot))


def handle_answer(src, body):
    kind = body['type']
    ballot = ballot_of(body.get('ballot'))
    if kind == 'nack':
        see(ballot_of(body.get('promised')))
        return
    if ballot != px.ballot or px.decided:
        return
    if kind == 'promise' and px.phase == 'prepare':
        px.promises[src] = (ballot_of(body.get('accepted_ballot')), body.get('accepted_value'))
        if len(px.promises) >= px.quorum:
            prior = [p for p in px.promises.values() if p[0] is not None]
            px.proposal = max(prior, key=lambda p: p[0])[1] if prior else px.value
            px.phase = 'accept'
            node.state('accepting')
            value = px.proposal
            to_all(
                {'type': 'accept', 'ballot': wire(ballot), 'value': value},
                lambda: on_accept(ballot, value),
            )
    elif kind == 'accepted' and px.phase == 'accept':
        px.accepts.add(src)
        if len(px.accepts) >= px.quorum:
            learn(body['value'])


# -- learner ------------------------------------------------------------------


def learn(value):
    if px.decided:
        if value != px.decision:
            node.log('paxos: AGREEMENT BROKEN: decided %r, then learned %r' % (px.decision, value))
        return
    px.decided = True
    px.decision = value
    px.phase = 'decided'
    cancel_timer('start')
    cancel_timer('retry')
    node.decide(value)
    node.state('decided')
    for peer in px.servers:
        if peer != node.node_id:
            node.send(peer, {'type': 'decided', 'value': value})


# -- wiring -------------------------------------------------------------------


@node.on_init
def init():
    px.servers = sorted(n for n in node.node_ids if n.startswith('n'))
    px.quorum = len(px.servers) // 2 + 1
    px.value = node.params.get('value', node.node_id)
    if node.node_id not in px.servers:
        return
    node.propose(px.value)
    node.state('waiting')
    set_timer('start', 1 + node.random.randrange(node.params.get('startTicks', 10)))


@node.on('prepare')
def prepare(msg):
    node.reply(msg, on_prepare(ballot_of(msg['body']['ballot'])))
    if px.decided:
        node.send(msg['src'], {'type': 'decided', 'value': px.decision})


@node.on('accept')
def accept(msg):
    body = msg['body']
    node.reply(msg, on_accept(ballot_of(body['ballot']), body['value']))
    if px.decided:
        node.send(msg['src'], {'type': 'decided', 'value': px.decision})


for kind in ('promise', 'accepted', 'nack'):
    node.on(kind, lambda msg: handle_answer(msg['src'], msg['body']))


@node.on('decided')
def decided(msg):
    learn(msg['body']['value'])


@node.on_timer('start')
def start(_name):
    px.timers.discard('start')
    if px.phase == 'idle':
        start_ballot()


@node.on_timer('retry')
def retry(_name):
    px.timers.discard('retry')
    start_ballot()


node.run()
