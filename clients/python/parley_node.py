"""parley_node: write a parley process agent (or a Maelstrom node) in Python.

Standard library only, one file: copy it next to your node or put its folder
on sys.path. The wire protocol is docs/process-agents.md.

A complete node: an echo server that also counts to three on the simulated
clock and decides how many echoes it answered.

    #!/usr/bin/env python3
    import os, sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'clients', 'python'))
    from parley_node import Node

    node = Node()
    echoes = 0

    @node.on_init
    def start():
        node.state('counting')
        node.set_timer('count', node.params.get('countTicks', 3))

    @node.on('echo')
    def echo(msg):
        global echoes
        echoes += 1
        node.reply(msg, {'type': 'echo_ok', 'echo': msg['body']['echo']})

    @node.on_timer('count')
    def count(name):
        node.note({'echoes': echoes, 'coin': node.random.random() < 0.5})
        node.decide(echoes)
        node.state('done')

    node.run()

Scenario:  agents: [{ id: n1, process: { command: [python3, echo.py] } }]

API
---
Node()                         one per process; node.run() reads standard input
                               until it closes, one line at a time, in order.
node.on(type, fn)              fn(msg) for bodies of that type; msg is the whole
                               line as a dict: {'src', 'dest', 'body'}.
                               Usable as a decorator: @node.on('echo').
node.on_init(fn)               fn() after init is handled (init_ok already
                               written): start timers, propose, ...
node.on_timer(name, fn)        fn(name) when the virtual timer `name` fires.
node.reply(msg, body)          answers msg: dest msg['src'], in_reply_to
                               msg['body']['msg_id'], a fresh msg_id.
node.send(dest, body)          a message to another agent (msg_id added if absent).
node.set_timer(name, ticks)    a parley/timer arrives `ticks` simulated ticks
                               later (integer >= 1); setting a name again
                               replaces it.
node.cancel_timer(name)
node.decide(value) .propose(value) .hold(value) .note(data) .state(value)
node.read(source)              a `content` body arrives (register on('content')).
node.act(capability, args)     an `act.result` body arrives (on('act.result')).
node.spend(amount, what)
node.log(*args)                a line on standard error (kept per agent).

After init: node.node_id, node.node_ids, node.parley (the init's `parley`
block, or None under plain Maelstrom), node.params (parley.params or {}),
node.seed, node.tick (the simulated tick at init), node.zone,
node.capabilities, node.budget, node.in_parley, and node.random: a
random.Random seeded with parley.seed. Use node.random, never the module
`random` or the wall clock, so the same seed gives the same run.

parley/sync is answered with parley/sync_ok after everything the handlers
wrote for the earlier lines (the library is single threaded: each line is
handled to the end before the next is read). Once parley has sent a sync,
what a step writes goes out in one write, with the sync answer (half the
system calls and wake-ups of a step); without syncs (plain Maelstrom,
`sync: quiet`) every line written is flushed at once. A body type with no
handler is answered with Maelstrom's error 10 (not supported) when it
carries a msg_id, and noted on standard error otherwise. An exception in a
handler ends the process (parley records the crash with the last lines of
standard error, and what the step wrote before it).

Under plain Maelstrom (no `parley` block in init) message handling works the
same; set_timer, cancel_timer, read and act raise RuntimeError (there is no
simulated clock or trust layer to serve them), and decide, propose, hold,
note, state and spend, which only inform parley's checkers, write nothing.
"""

import json
import random as _random
import sys

__all__ = ['Node', 'NOT_SUPPORTED']

NOT_SUPPORTED = 10
PARLEY = 'parley'
# One encoder for every line: json.dumps with separators makes a new one per call.
_encode = json.JSONEncoder(separators=(',', ':')).encode


class Node:
    def __init__(self, stdin=None, stdout=None, stderr=None):
        self._in = stdin if stdin is not None else sys.stdin
        self._out = stdout if stdout is not None else sys.stdout
        self._err = stderr if stderr is not None else sys.stderr
        self._handlers = {}
        self._timers = {}
        self._init_fns = []
        self._next_msg_id = 0
        # Set at the first parley/sync: from then on lines are flushed with the sync answer.
        self._synced = False
        self.node_id = None
        self.node_ids = []
        self.parley = None
        self.params = {}
        self.seed = None
        self.tick = None
        self.zone = None
        self.capabilities = []
        self.budget = None
        self.random = _random.Random(0)

    # -- registration -------------------------------------------------------

    def on(self, type_, fn=None):
        """Handle bodies of `type_` with fn(msg). Also usable as @node.on(type_)."""
        if fn is None:
            return lambda f: self.on(type_, f)
        if type_ in ('init', 'parley/sync'):
            raise ValueError('%s is handled by the library; use on_init for init' % type_)
        self._handlers[type_] = fn
        return fn

    def on_init(self, fn):
        """Call fn() once init is handled. Also usable as @node.on_init."""
        self._init_fns.append(fn)
        return fn

    def on_timer(self, name, fn=None):
        """Call fn(name) when the virtual timer `name` fires. Also @node.on_timer(name)."""
        if fn is None:
            return lambda f: self.on_timer(name, f)
        self._timers[name] = fn
        return fn

    # -- messages -----------------------------------------------------------

    @property
    def in_parley(self):
        return self.parley is not None

    def send(self, dest, body):
        """Send body to dest; a msg_id is assigned unless body has one."""
        if not isinstance(body, dict) or not isinstance(body.get('type'), str):
            raise ValueError('a body is a dict with a string type, got %r' % (body,))
        if 'msg_id' not in body:
            body = dict(body)
            body['msg_id'] = self._msg_id()
        self._write(dest, body)

    def reply(self, msg, body):
        """Answer msg with body: in_reply_to msg's msg_id, a fresh msg_id."""
        body = dict(body)
        req = msg.get('body', {})
        if 'msg_id' in req:
            body['in_reply_to'] = req['msg_id']
        body['msg_id'] = self._msg_id()
        self._write(msg['src'], body)

    def error(self, msg, code, text):
        """Answer msg with a Maelstrom error body."""
        self.reply(msg, {'type': 'error', 'code': code, 'text': text})

    def log(self, *args):
        self._err.write(' '.join(str(a) for a in args) + '\n')
        self._err.flush()

    # -- virtual timers -----------------------------------------------------

    def set_timer(self, name, ticks):
        self._need_parley('set_timer')
        if not isinstance(name, str):
            raise ValueError('a timer name is a string, got %r' % (name,))
        if isinstance(ticks, bool) or not isinstance(ticks, int) or ticks < 1:
            raise ValueError('timer ticks is an integer >= 1, got %r' % (ticks,))
        self._effect('set_timer', {'name': name, 'ticks': ticks})

    def cancel_timer(self, name):
        self._need_parley('cancel_timer')
        self._effect('cancel_timer', {'name': name})

    # -- effects ------------------------------------------------------------

    def decide(self, value):
        self._effect('decide', {'value': value})

    def propose(self, value):
        self._effect('propose', {'value': value})

    def hold(self, value):
        self._effect('hold', {'value': value})

    def note(self, data):
        self._effect('note', {'data': data})

    def state(self, value):
        if not isinstance(value, str):
            raise ValueError('state is a string, got %r' % (value,))
        self._effect('state', {'value': value})

    def read(self, source):
        self._need_parley('read')
        self._effect('read', {'source': source})

    def act(self, capability, args=None):
        self._need_parley('act')
        self._effect('act', {'capability': capability, 'args': {} if args is None else args})

    def spend(self, amount, what):
        self._effect('spend', {'amount': amount, 'what': what})

    # -- the loop -----------------------------------------------------------

    def run(self):
        """Handle standard input line by line until it closes."""
        readline = self._in.readline
        while True:
            line = readline()
            if not line:
                break
            line = line.strip()
            if line:
                self.handle(json.loads(line))

    def handle(self, msg):
        """Handle one message (a dict with src, dest, body)."""
        body = msg.get('body') or {}
        type_ = body.get('type')
        if type_ == 'init':
            self._init(msg)
        elif type_ == 'parley/sync':
            self._synced = True
            self._write(msg['src'], {'type': 'parley/sync_ok', 'in_reply_to': body.get('msg_id')})
            self._out.flush()
        elif type_ == 'parley/timer' and body.get('name') in self._timers:
            self._timers[body['name']](body['name'])
        elif type_ in self._handlers:
            self._handlers[type_](msg)
        elif 'msg_id' in body:
            self.error(msg, NOT_SUPPORTED, 'not supported: %s' % (type_,))
        else:
            self.log('parley_node: no handler for %r from %s' % (type_, msg.get('src')))

    # -- internals ----------------------------------------------------------

    def _init(self, msg):
        body = msg['body']
        self.node_id = body['node_id']
        self.node_ids = list(body.get('node_ids', []))
        block = body.get('parley')
        self.parley = block if isinstance(block, dict) else None
        if self.parley is not None:
            self.seed = self.parley.get('seed', 0)
            self.tick = self.parley.get('tick', 0)
            self.zone = self.parley.get('zone')
            self.capabilities = list(self.parley.get('capabilities') or [])
            self.budget = self.parley.get('budget')
            self.params = dict(self.parley.get('params') or {})
            self.random = _random.Random(self.seed)
        else:
            # Plain Maelstrom: still a fixed generator per node id, never the clock.
            self.random = _random.Random(self.node_id)
        self.reply(msg, {'type': 'init_ok'})
        for fn in self._init_fns:
            fn()

    def _msg_id(self):
        self._next_msg_id += 1
        return self._next_msg_id

    def _need_parley(self, what):
        if self.parley is None:
            raise RuntimeError(
                '%s needs parley: init carried no parley block (plain Maelstrom has no '
                'virtual timers, reads or actions)' % what
            )

    def _effect(self, name, fields):
        if self.parley is None:
            return
        body = {'type': 'parley/' + name}
        body.update(fields)
        self._write(PARLEY, body)

    def _write(self, dest, body):
        self._out.write(_encode({'src': self.node_id, 'dest': dest, 'body': body}) + '\n')
        if not self._synced:
            self._out.flush()
