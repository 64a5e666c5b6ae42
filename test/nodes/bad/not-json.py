#!/usr/bin/env python3
"""Writes the line `hello`, which is not JSON, on its first message after init."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _raw import serve  # noqa: E402


def misbehave(me, msg):
    sys.stdout.write('hello\n')
    sys.stdout.flush()


serve(misbehave)
