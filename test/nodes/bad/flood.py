#!/usr/bin/env python3
"""Writes 5000 messages (to the sender of its first message after init) in that one step."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _raw import serve, write  # noqa: E402


def misbehave(me, msg):
    for i in range(5000):
        write({'src': me, 'dest': msg['src'], 'body': {'type': 'flood', 'msg_id': i + 1}})


serve(misbehave)
