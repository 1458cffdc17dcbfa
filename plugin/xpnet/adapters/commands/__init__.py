"""The `xpnet` commands, one module each with a `run(args)`: each reads its inputs through
xpnet.io, runs the engine and hands what it found to the reporter; cli.py parses the arguments
and imports only the command it runs (`xpnet fix` runs once per pre-commit hook and build)."""

from __future__ import annotations

import argparse
import sys

from xpnet import report
from xpnet.config import ClusterNetwork
from xpnet.engine import Outcome
from xpnet.io.config import find_config, read_config
from xpnet.io.streams import ChartValues, Source, read_sources, shown


def config(args: argparse.Namespace) -> ClusterNetwork:
    return read_config(find_config(args.config))


def with_selection(settings: ClusterNetwork, args: argparse.Namespace) -> ClusterNetwork:
    """The configuration with the command line's --select, --ignore and --severity in place of
    spec.policy's (each given one replaces its field, as ruff's options replace its
    configuration's)."""
    given = {
        name: value
        for name in ("select", "ignore", "severity")
        if (value := getattr(args, name, None)) is not None
    }
    if not given:
        return settings
    policy = settings.spec.policy._replace(**given)
    return settings._replace(spec=settings.spec._replace(policy=policy))


def inputs(args: argparse.Namespace) -> tuple[list[Source], list[Source], ChartValues]:
    """The manifests and the chart values files (`--values`) of a command line."""
    chart = ChartValues(args.chart_version, args.namespace)
    return read_sources(args.files), read_sources(args.values or []), chart


def empty_sources(sources: list[Source], outcome: Outcome) -> list[str]:
    """The inputs in which no Crossplane resource was found."""
    found = {r.doc.stream for p in outcome.plans for r in p.install.resources}
    return [shown(s) for i, s in enumerate(sources) if i not in found]


def say_empty(sources: list[Source], empty: list[str]) -> None:
    if empty and len(empty) == len(sources):
        shown_ = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
        print(report.stderr_line(f"{shown_}: {report.NOTHING_FOUND}"), file=sys.stderr)
