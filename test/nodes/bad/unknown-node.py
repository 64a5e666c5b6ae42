#!/usr/bin/env python3
"""Sends a message to "nobody", an id that is no agent, on its first message after init."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _raw import serve, write  # noqa: E402

serve(lambda me, msg: write({'src': me, 'dest': 'nobody', 'body': {'type': 'hi', 'msg_id': 1}}))
