#!/usr/bin/env python3
"""Exits with code 3 on its first message after init (its init and syncs are answered)."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _raw import serve  # noqa: E402

serve(lambda me, msg: sys.exit(3))
