#!/usr/bin/env python3
"""A probe of the Python client library for test/nodes/drive.test.ts (probe.mjs is its twin).

echo -> echo_ok. do {ops: [[method, ...args], ...]} calls node.<method>(*args) for each op
(["on_timer", name] registers a timer handler that notes {"fired": name}), then answers
do_ok, or do_error with the exception's text. content and act.result bodies are noted.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'clients', 'python'))
from parley_node import Node  # noqa: E402

node = Node()


@node.on('echo')
def echo(msg):
    node.reply(msg, {'type': 'echo_ok', 'echo': msg['body']['echo']})


@node.on('do')
def do(msg):
    try:
        for op in msg['body']['ops']:
            if op[0] == 'on_timer':
                node.on_timer(op[1], lambda name: node.note({'fired': name}))
            elif op[0] == 'random':
                node.note({'random': node.random.random()})
            else:
                getattr(node, op[0])(*op[1:])
    except Exception as err:  # noqa: BLE001 - the probe reports any failure
        node.reply(msg, {'type': 'do_error', 'text': str(err)})
        return
    node.reply(msg, {'type': 'do_ok'})


@node.on('content')
def content(msg):
    node.note({'got': msg['body']})


@node.on('act.result')
def act_result(msg):
    node.note({'got': msg['body']})


node.run()
