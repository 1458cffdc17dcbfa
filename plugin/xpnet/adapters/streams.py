"""Shared by the CLI, the Helm post-renderer and the legacy kustomize plugin: run the engine
over multi-document YAML streams and give back each stream's new text."""

from __future__ import annotations

from collections.abc import Callable

from xpnet import report
from xpnet.config import ClusterNetwork
from xpnet.engine import Outcome, run
from xpnet.errors import XpnetError
from xpnet.io import streams
from xpnet.io.config import find_config, read_config
from xpnet.io.streams import ChartValues, Segment, Source
from xpnet.records import NamedTuple


class StreamsRun(NamedTuple):
    outcome: Outcome
    outputs: dict[str, str]  # source name → new text, for every source


def run_streams(
    config: ClusterNetwork,
    sources: list[Source],
    label: Callable[[Source, Segment], str] | None = None,
    values: list[Source] | None = None,
    chart: ChartValues | None = None,
) -> StreamsRun:
    """One engine run over all sources: one consistent set for everything they hold. `values`
    are chart values files (of the chart `chart` describes), after the manifests. The
    NetworkPolicies a fix adds go at the end of the stream of their install's core."""
    inputs = streams.documents(sources, label, values, chart)
    outcome = run(config, inputs.docs, inputs.segments)
    outputs = streams.outputs(inputs, outcome.texts, outcome.added, outcome.added_to)
    return StreamsRun(outcome, outputs)


def filter_stream(text: str, config_file: str | None) -> tuple[str, list[str], int]:
    """A stdin-to-stdout pass in the config's own mode (Helm post-renderer, legacy kustomize
    plugin): the new stream ("" on failure), the lines for stderr, and the exit code."""
    config = read_config(find_config(config_file))
    result = run_streams(config, [Source("-", text)], streams.helm_label)
    outcome = result.outcome
    lines = [
        report.stderr_line(report.finding_line(f, True, streams.helm_position))
        for f in report.arranged(outcome.reported)
    ]
    lines += [
        report.stderr_line(report.withheld_line(f, True, streams.helm_position))
        for f in report.arranged(outcome.withheld)
    ]
    if outcome.failed:
        return "", lines, report.FAILED
    return result.outputs["-"], lines, report.OK


def filter_bytes(data: bytes, config_file: str | None) -> tuple[str, list[str], int]:
    """`filter_stream` on raw stdin: decoding, refusals as lines, a BOM kept, and output that
    is never empty on success (Helm 3 would drop every resource)."""
    try:
        text, bom = streams.decode("stdin", data)
        out, lines, code = filter_stream(text, config_file)
    except XpnetError as error:
        return "", [report.stderr_line(f"{error.render()}")], 1
    if code != 0:
        return "", lines, code
    return (("\ufeff" if bom else "") + out if out.strip() else "---\n"), lines, 0
