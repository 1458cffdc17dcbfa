"""The console scripts. Each imports the pipeline with Python's cycle collector off, then
freezes what the imports made (tens of thousands of objects, none of them garbage) and lets the
collector run only every 100,000 new objects, not every 700: collecting over and over is a
share of a chart run's start that the chart-alone target in benchmarks/RESULTS.md cannot spare.
Cycles are still collected, so a long run's memory stays bounded."""

from __future__ import annotations

import gc
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


def xpnet() -> None:
    _quietly(_load_cli)
    from xpnet.adapters import cli

    cli.entry()


def xpnet_fn() -> None:
    _quietly(_load_krm)
    from xpnet.adapters import krm

    krm.entry()


def xpnet_helm() -> None:
    _quietly(_load_streams)
    from xpnet.adapters import helm

    helm.entry()
