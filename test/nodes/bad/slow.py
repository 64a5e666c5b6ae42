#!/usr/bin/env python3
"""Sleeps 30 s of wall clock on its first message after init, before answering the sync."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _raw import serve  # noqa: E402

serve(lambda me, msg: time.sleep(30))
