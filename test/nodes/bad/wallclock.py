#!/usr/bin/env python3
"""A node that reads the wall clock: at init it decides int(time.time() * 1000), and it answers
echo with the time too, so two runs of one scenario differ (--check-determinism finds it)."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'clients', 'python'))
from parley_node import Node  # noqa: E402

node = Node()


@node.on_init
def start():
    node.decide(int(time.time() * 1000))


@node.on('echo')
def echo(msg):
    node.reply(msg, {'type': 'echo_ok', 'echo': msg['body']['echo'], 'at': int(time.time() * 1000)})


node.run()
