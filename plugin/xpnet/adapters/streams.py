"""Shared by the CLI, the Helm post-renderer and the legacy kustomize plugin: run the engine
over multi-document YAML streams and give back each stream's new text."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xpnet import report
from xpnet.config import ClusterNetwork, load_config
from xpnet.engine import Outcome, run
from xpnet.errors import ConfigError, XpnetError
from xpnet.records import NamedTuple
from xpnet.yaml import stream
from xpnet.yaml.nodes import compose, to_data
from xpnet.yaml.scan import Segment
from xpnet.yaml.stream import ChartValues, Source

if TYPE_CHECKING:
    from pathlib import Path

CONFIG_FILE = ".xpnet.yaml"


def find_config(explicit: str | None, start: Path | None = None) -> str:
    """-c FILE, else $XPNET_CONFIG, else .xpnet.yaml here or in the nearest parent folder."""
    if explicit:
        return explicit
    if os.environ.get("XPNET_CONFIG"):
        return os.environ["XPNET_CONFIG"]
    from pathlib import Path

    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return str(folder / CONFIG_FILE)
    raise ConfigError(
        str(here),
        [
            f"no configuration: pass -c FILE, set XPNET_CONFIG, or create {CONFIG_FILE} here or "
            "in a folder above (a ClusterNetwork; see `xpnet schema`)"
        ],
    )


def read_config(path: str) -> ClusterNetwork:
    """Load the ClusterNetwork (or ConfigMap) document of a config file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(path, [f"cannot read the config file: {error.strerror}"]) from None
    text, _ = stream.decode(path, data)
    return load_config(to_data(compose(text, path), path), path)


class StreamsRun(NamedTuple):
    outcome: Outcome
    outputs: dict[str, str]  # source name → new text, for every source


def run_streams(
    config: ClusterNetwork,
    sources: list[Source],
    label: Callable[[Source, Segment], str] | None = None,
    values: list[Source] | None = None,
    chart: ChartValues | None = None,
    append: bool = False,
) -> StreamsRun:
    """One engine run over all sources: one consistent set for everything they hold. `values`
    are chart values files (of the chart `chart` describes), after the manifests. `append`:
    the NetworkPolicies fix adds go at the end of the stream of their install's core."""
    docs = stream.load(sources, label)
    index = sum(len(s.segments) for s in sources)
    for number, source in enumerate(values or [], start=len(sources)):
        doc = stream.load_values(source, index, number, chart or ChartValues(None, None))
        index += len(source.segments)
        if doc is not None:
            docs.append(doc)
    outcome = run(config, docs, lambda: (s for source in sources for s in source.segments))
    every = [*sources, *(values or [])]
    outputs = {s.name: s.render(outcome.texts) for s in every}
    if append:
        by_stream: dict[int, list[str]] = {}
        for stream_index, policy in zip(outcome.added_to, outcome.added, strict=True):
            by_stream.setdefault(stream_index, []).append(policy)
        for stream_index, policies in by_stream.items():
            name = every[stream_index].name
            outputs[name] = appended(outputs[name], policies)
    return StreamsRun(outcome, outputs)


def appended(text: str, docs: Sequence[str]) -> str:
    """A stream with more documents at its end, in the stream's line ends (read once)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith("\n"):
        text += newline
    return text + "".join(f"---\n{doc}" for doc in docs).replace("\n", newline)


_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$", re.M)
_HELM4_FILE = re.compile(r"postrenderer\.helm\.sh/postrender-filename: ['\"]?([^'\"\r\n]+)")


def _label(_: Source, segment: Segment) -> str:
    """Name a document by Helm's `# Source:` line or Helm 4's filename annotation."""
    found = _SOURCE.search(segment.text) or _HELM4_FILE.search(segment.text)
    return found.group(1) if found else "stdin"


def filter_stream(text: str, config_file: str | None) -> tuple[str, list[str], int]:
    """A stdin-to-stdout pass in the config's own mode (Helm post-renderer, legacy kustomize
    plugin): the new stream ("" on failure), the lines for stderr, and the exit code."""
    config = read_config(find_config(config_file))
    result = run_streams(config, [Source("-", text)], _label)
    lines = [report.stderr_line(report.finding_line(f, True)) for f in result.outcome.findings]
    if result.outcome.failed:
        return "", lines, 1
    out = result.outputs["-"]
    if result.outcome.added:  # NetworkPolicies, appended as documents in the stream's line ends
        out = appended(out, result.outcome.added)
    return out, lines, 0


def filter_bytes(data: bytes, config_file: str | None) -> tuple[str, list[str], int]:
    """`filter_stream` on raw stdin: decoding, refusals as lines, a BOM kept, and output that
    is never empty on success (Helm 3 would drop every resource)."""
    try:
        text, bom = stream.decode("stdin", data)
        out, lines, code = filter_stream(text, config_file)
    except XpnetError as error:
        return "", [report.stderr_line(f"{error.render()}")], 1
    if code != 0:
        return "", lines, code
    return (("\ufeff" if bom else "") + out if out.strip() else "---\n"), lines, 0
