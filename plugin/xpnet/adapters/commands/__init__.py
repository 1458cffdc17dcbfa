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


def empty_sources(sources: list[Source], outcome: Outcome) -> list[int]:
    """The indexes of the inputs in which no Crossplane resource was found."""
    found = {r.doc.stream for p in outcome.plans for r in p.install.resources}
    return [i for i in range(len(sources)) if i not in found]


def say_empty(sources: list[Source], empty: list[int], manifests: int, allow_empty: bool) -> bool:
    """Say which inputs held nothing to check: a manifest that is the crossplane chart's values
    (those go with --values), and every input when none held a Crossplane resource; whether the
    run fails for it (none did, and --allow-empty was not given: a CI job with a wrong file list
    must not pass)."""
    from xpnet.releases import values_keys

    for index in empty:
        if index < manifests and (keys := values_keys(sources[index].text)):
            name = shown(sources[index])
            print(
                report.stderr_line(f"{name}: {report.values_as_manifest(keys, name)}"),
                file=sys.stderr,
            )
    if not empty or len(empty) != len(sources):
        return False
    names = [shown(sources[i]) for i in empty]
    listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    said = report.NOTHING_FOUND if allow_empty else report.NOTHING_CHECKED
    print(report.stderr_line(f"{listed}: {said}"), file=sys.stderr)
    return not allow_empty
