"""io.forked: the work runs in a child and its bytes come back; a child that fails says
so (None), and its caller does the work itself (tests/unit/test_parallel.py compares those
answers with one process's)."""

from __future__ import annotations

import os

from xpnet.io import forked


def test_the_child_s_bytes_come_back_from_another_process() -> None:
    parent = os.getpid()
    answer = forked.start(lambda: str(os.getpid()).encode() * 10_000)  # larger than a pipe
    got = answer()
    assert got is not None and int(got[: len(got) // 10_000]) != parent


def test_a_child_that_fails_or_says_nothing_answers_none() -> None:
    assert forked.start(lambda: bytes(1 // 0))() is None
    assert forked.start(lambda: b"")() is None
