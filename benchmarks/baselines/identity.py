"""Baseline: pass the bytes through Python."""

import sys

sys.stdout.buffer.write(sys.stdin.buffer.read())
