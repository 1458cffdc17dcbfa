"""The console scripts. Each imports the pipeline with Python's cycle collector off, then
freezes what the imports made (tens of thousands of objects, none of them garbage) and lets the
collector run only every 100,000 new objects, not every 700: collecting over and over is a
share of a chart run's start that the chart-alone target cannot spare (benchmarks/RESULTS.md).
Cycles are still collected, so a long run's memory stays bounded. Where stdin holds the input,
it is read on a thread meanwhile (adapters.stdin)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

# Young objects before a collection; the older generations keep Python's default ratios.
YOUNG = 100_000


def _quietly(load: Callable[[], object]) -> None:
    gc.disable()
    try:
        load()
    finally:
        gc.freeze()
        gc.set_threshold(YOUNG, *gc.get_threshold()[1:])
        gc.enable()


def _load_cli() -> None:
    from xpnet.adapters import cli  # noqa: F401


def _load_krm() -> None:
    from xpnet.adapters import krm  # noqa: F401


def _load_streams() -> None:
    from xpnet.adapters import streams  # noqa: F401


def _reading(load: Callable[[], None]) -> Callable[[], bytes]:
    """`load` run quietly while stdin is read; what gives stdin's bytes."""
    from xpnet.adapters.stdin import read_while

    data: list[Callable[[], bytes]] = []
    _quietly(lambda: data.append(read_while(load)))
    return data[0]


def xpnet() -> None:
    _quietly(_load_cli)
    from xpnet.adapters import cli

    cli.entry()


def xpnet_fn() -> None:
    """With arguments (--help, --version, a usage error) there is nothing to read."""
    if sys.argv[1:]:
        _quietly(_load_krm)
        from xpnet.adapters import krm

        krm.entry()
        return
    data = _reading(_load_krm)
    from xpnet.adapters import krm
    from xpnet.adapters.console import exit_with

    exit_with(lambda: krm.main((), data()))


def xpnet_helm() -> None:
    """stdin is read for the arguments Helm passes; anything else (--help) may have nothing
    to read."""
    from xpnet.adapters import helm  # itself light: the pipeline is imported where it runs
    from xpnet.adapters.console import exit_with

    argv = sys.argv[1:]
    if not helm.usual_config(argv)[0]:
        _quietly(_load_streams)
        exit_with(lambda: helm.main(argv))
        return
    data = _reading(_load_streams)
    exit_with(lambda: helm.main(argv, data()))
