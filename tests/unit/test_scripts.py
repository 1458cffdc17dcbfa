"""The console scripts import with the cycle collector off, then freeze what the imports made
and collect less often for the run."""

from __future__ import annotations

import gc

import pytest

from xpnet.adapters import scripts


def test_imports_run_without_the_collector_which_then_runs_again() -> None:
    seen: list[bool] = []
    before = gc.get_threshold()
    try:
        scripts._quietly(lambda: seen.append(gc.isenabled()))
        assert seen == [False]
        assert gc.isenabled() and gc.get_freeze_count() > 0
        assert gc.get_threshold() == (scripts.YOUNG, *before[1:])

        def fails() -> None:
            raise ImportError("broken install")

        with pytest.raises(ImportError):
            scripts._quietly(fails)
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        gc.enable()
