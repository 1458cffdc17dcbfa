"""The KRM function (`xpnet-fn`): a ResourceList on stdin, the same list rewritten on stdout.

kustomize ignores `results` and fails only on a non-zero exit, showing stderr
(docs/explanation/pipelines.md): so results go to stdout for kpt, readable lines to stderr, and
errors exit 1.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from xpnet import __version__, credentials
from xpnet.errors import ConfigError, InputError, XpnetError
from xpnet.records import NamedTuple
from xpnet.yaml import listscan

if TYPE_CHECKING:  # imported where used: what comes before the fork is on every run's path
    from pathlib import Path

    from xpnet.engine import Outcome
    from xpnet.yaml.scan import Segment
    from xpnet.yaml.stream import Document

SOURCE = "ResourceList"

DESCRIPTION = """\
xpnet's KRM function: a ResourceList on stdin; on stdout the same list, the HTTP(S) proxy
variables (NO_PROXY and the rest) of its Crossplane install set, with results.

kustomize or kpt runs it as an exec function: list a ClusterNetwork under a kustomization's
transformers:, annotated
  config.kubernetes.io/function: "exec: {path: xpnet-fn}"
then
  kustomize build --enable-alpha-plugins --enable-exec DIR
Its configuration is that ClusterNetwork (or a ConfigMap with the same settings), the list's
functionConfig, never an argument. By hand: xpnet-fn < resource-list.yaml"""

EXIT_CODES = """\
exit codes:
  0  done (warnings, if any, on stderr)
  1  error findings, or input or configuration refused: the reason on stderr
  2  usage: an argument other than --help or --version"""


_CHUNK = 1 << 20
# Below this a ResourceList is read in this process; above it, two forked processes run the
# passes over it while this one imports the pipeline (20,000 items). Measured side by
# side on 2 cores: 35 MB 0.25 s -> 0.20 s; at 9 MB no difference, at 2 MB 15 % slower.
FORK_MIN = 16 << 20
JOBS = "XPNET_JOBS"  # XPNET_JOBS=1: one process


class Response(NamedTuple):
    """The function's answer. Its stdout is pieces: new text, and (start, end) spans of
    `source` (the input, as bytes or as text) passed through as they were, written a chunk at a
    time so that a large input is not copied whole on its way out."""

    pieces: list[str | tuple[int, int]]
    stderr: list[str]
    code: int = 0
    source: bytes | str = b""

    def _chunks(self) -> list[memoryview | str]:
        """The pieces, spans of bytes as views (not copies), spans of text a MiB at a time."""
        source = memoryview(self.source) if isinstance(self.source, bytes) else self.source
        out: list[memoryview | str] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif isinstance(source, memoryview):
                out.append(source[piece[0] : piece[1]])
            else:
                out += [source[a : min(a + _CHUNK, piece[1])] for a in range(*piece, _CHUNK)]
        return out

    @property
    def stdout(self) -> str:
        return "".join(c if isinstance(c, str) else str(c, "utf-8") for c in self._chunks())

    def write(self, out: BinaryIO) -> None:
        for chunk in self._chunks():
            out.write(chunk.encode() if isinstance(chunk, str) else chunk)


def _normalise(text: str) -> str:
    """Re-emit a ResourceList the fast scan cannot split (flow style, JSON) in block style,
    every scalar read as each reader of the output read it in the input (yaml.block)."""
    from xpnet.yaml.block import block_lines
    from xpnet.yaml.nodes import MappingNode, compose, get, scalar

    root = compose(text, SOURCE)  # refuses malformed input with line and column
    if not isinstance(root, MappingNode) or scalar(get(root, "kind")) != "ResourceList":
        raise InputError(SOURCE, ["stdin is not a ResourceList (kind: ResourceList)"])
    return "".join(line + "\n" for line in block_lines(root, text, SOURCE))


def _results_block(results: list[dict[str, Any]]) -> str:
    from xpnet.yaml.splice import render_block

    if not results:
        return ""
    return "".join(line + "\n" for line in render_block({"results": results}, 0, None))


def _new_items(docs: Sequence[str], dash: int, ending: str) -> str:
    """Documents (block style, at column 0) as ResourceList items with the dash at `dash`,
    after an item that ends in `ending` (its line end, "" for none): in the input's line ends."""
    nl = ending or "\n"
    out = "" if ending else nl
    for doc in docs:
        first, *rest = doc.splitlines()
        out += f"{' ' * dash}- {first}{nl}" + "".join(f"{' ' * (dash + 2)}{r}{nl}" for r in rest)
    return out


def _require(keys: dict[str, tuple[int, int]]) -> None:
    if "items" not in keys:
        raise InputError(SOURCE, ["no items: a ResourceList carries its resources in items"])
    if "functionConfig" not in keys:
        raise InputError(
            SOURCE,
            [
                "no functionConfig: list a ClusterNetwork (or ConfigMap) under transformers: "
                "with the config.kubernetes.io/function annotation"
            ],
        )


def _config(text: str, line: Callable[[], int], workdir: str | Path | None) -> Any:
    """The functionConfig (its lines, from line() on: counted only for a message) as the
    run's configuration."""
    from xpnet.config import load_config
    from xpnet.yaml.nodes import compose, to_data

    try:
        raw = to_data(compose(text, "functionConfig"), "functionConfig") or {}
    except InputError:  # again, to say where
        raw = to_data(compose(text, "functionConfig", line()), "functionConfig") or {}
    config_doc = raw.get("functionConfig") if isinstance(raw, dict) else None
    meta = config_doc.get("metadata") if isinstance(config_doc, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    source = f"functionConfig {name or ''}".strip()
    try:
        return load_config(config_doc, source)
    except ConfigError as error:
        from xpnet.adapters.origin import config_file

        file = config_file(config_doc, workdir)
        if file is None:
            raise
        raise ConfigError(f"{file}: {source}", error.problems) from None


class _Item(NamedTuple):
    start: int
    end: int
    dash: int
    segment: Segment | None  # as the pipeline read it, when it did


def _ending(tail: str) -> str:
    """The line end the last two characters of an item hold: CRLF, LF or none."""
    return "\r\n" if tail == "\r\n" else "\n" if tail.endswith("\n") else ""


def _answer(
    outcome: Outcome, items: dict[int, _Item], last: _Item | None, ends_line: str
) -> tuple[list[str | tuple[int, int]], list[str], int]:
    """Output pieces, stderr lines and exit code: the changed items spliced in, NetworkPolicies
    appended after `last` (`ends_line`: the line end the input has there, "" for none),
    results at the end."""
    from xpnet import report

    pieces: list[str | tuple[int, int]] = []
    pos = 0
    for index in sorted(outcome.texts):
        item = items[index]
        assert item.segment is not None
        pieces += [(pos, item.start), item.segment.unmask(outcome.texts[index])]
        pos = item.end
    if outcome.added and last is not None:  # NetworkPolicies: new items at the end
        pieces += [(pos, last.end), _new_items(outcome.added, last.dash, ends_line)]
        pos = last.end
    pieces.append((pos, -1))  # to the end of the input

    results = [report.edit_result(e) for e in outcome.edits] if outcome.texts else []
    results += [report.item_result(i) for i in outcome.items] if outcome.texts else []
    for added in outcome.added:  # each NetworkPolicy appended, as edits are said
        name = re.search(r"(?m)^ *name: *(\S+)", added)
        what = f"NetworkPolicy {name.group(1)}" if name else "a NetworkPolicy"
        results.append({"message": f"added {what} (spec.networkPolicy)", "severity": "info"})
    results += [report.finding_result(f) for f in outcome.findings]
    stderr = [report.stderr_line(report.finding_line(f)) for f in outcome.findings]
    if not outcome.plans:
        results.append({"message": report.NOTHING_FOUND, "severity": "info"})
        stderr.append(report.stderr_line(f"{SOURCE}: {report.NOTHING_FOUND}"))
    pieces.append(_results_block(results))
    return pieces, stderr, report.exit_code(outcome.findings)


def _finish(
    pieces: list[str | tuple[int, int]], stderr: list[str], code: int, source: bytes | str
) -> Response:
    """The response, its open span closed at the input's end and a newline before the results
    when the input ends without one."""
    size = len(source)
    out = [(p[0], size) if not isinstance(p, str) and p[1] < 0 else p for p in pieces]
    body = [p for p in out[:-1] if (p if isinstance(p, str) else p[0] < p[1])]
    last = body[-1] if body else ""
    if isinstance(last, str):
        ends = last.endswith("\n")
    else:
        ends = source[last[1] - 1 : last[1]] in (b"\n", "\n")
    if not ends:
        out.insert(len(out) - 1, "\n")
    return Response(out, stderr, code, source)


def transform_text(text: str, workdir: str | Path | None = None) -> Response:
    """The function on a ResourceList's text, item by item (scan.resource_list_layout): the
    path for what listscan leaves to it (flow style, JSON, markers, indented items)."""
    from xpnet.engine import run
    from xpnet.yaml.scan import resource_list_layout
    from xpnet.yaml.stream import document

    layout = resource_list_layout(text)
    if layout is None:
        text = _normalise(text)
        layout = resource_list_layout(text)
        if layout is None:
            raise InputError(SOURCE, ["cannot read the ResourceList"])
    if "results" in layout.keys:  # a previous function's results are replaced by ours
        rs, re_ = layout.keys["results"]
        text = text[:rs] + text[re_:]
        layout = resource_list_layout(text)
        if layout is None:  # cannot happen: removing a top-level key keeps the shape
            raise InputError(SOURCE, ["cannot read the ResourceList"])
    _require(layout.keys)
    start, end = layout.keys["functionConfig"]
    config = _config(text[start:end], lambda: text.count("\n", 0, start) + 1, workdir)
    items = {index: _Item(s.start, s.end, s.dash or 0, s) for index, s in enumerate(layout.items)}
    docs = [
        doc
        for index, segment in enumerate(layout.items)
        if (
            doc := document(
                segment, index, f"items[{index}]", source=f"items[{index}]", strict=True
            )
        )
    ]
    outcome = run(config, docs, lambda: layout.items)
    last = items[len(items) - 1] if items else None
    ends = _ending(text[max(last.end - 2, 0) : last.end]) if last is not None else ""
    return _finish(*_answer(outcome, items, last, ends), text)


def respond(
    data: bytes, workdir: str | Path | None = None, found: listscan.Hits | None = None
) -> Response:
    """The function on a ResourceList's bytes (UTF-8, checked by the caller): read by listscan
    where it can (`found`: its passes' hits, when they ran elsewhere), else item by item."""
    scanned = listscan.scan(data, found)
    if scanned is None or "results" in scanned.keys:
        from xpnet.yaml.stream import decode

        return transform_text(decode(SOURCE, data)[0], workdir)
    from xpnet.engine import run
    from xpnet.yaml.scan import Segment, may_need_change, outline, shape_problem
    from xpnet.yaml.stream import document

    _require(scanned.keys)
    start, end = scanned.keys["functionConfig"]
    config = _config(data[start:end].decode(), lambda: data.count(b"\n", 0, start) + 1, workdir)
    docs: list[Document] = []
    items: dict[int, _Item] = {}
    counted = [0, 1]  # lines are counted up to the items that need theirs: (offset, its line)

    def line(at: int) -> int:
        counted[1] += data.count(b"\n", counted[0], at)
        counted[0] = at
        return counted[1]

    for index in scanned.look:
        s, e = scanned.item(index)
        text = data[s:e].decode()
        segment = Segment(0, len(text), text, 0, 0)
        shape = outline(segment)
        name = f"items[{index}]"
        if shape_problem(shape, strict=True) or may_need_change(segment, shape):
            segment = segment._replace(line=line(s))
            # refuses, or reads (the outline does not depend on the line)
            doc = document(segment, index, name, source=name, strict=True, found=shape)
            if doc is not None:
                docs.append(doc)
                items[index] = _Item(s, e, 0, segment)
    outcome = run(config, docs, lambda: _segments(data, scanned))
    last = None
    if scanned.starts:
        s, e = scanned.item(len(scanned.starts) - 1)
        last = _Item(s, e, 0, None)
    tail = data[max(last.end - 2, 0) : last.end] if last is not None else b""
    ends = _ending(tail.decode("latin-1")) if last is not None else ""
    return _finish(*_answer(outcome, items, last, ends), data)


def _segments(data: bytes, scanned: listscan.Scan) -> Iterator[Segment]:
    """Every item, for the ConfigMaps valueFrom entries name (read only when one does)."""
    from xpnet.yaml.scan import Segment

    for index in range(len(scanned.starts)):
        s, e = scanned.item(index)
        text = data[s:e].decode()
        yield Segment(0, len(text), text, 0, 0)


def transform(text: str, workdir: str | Path | None = None) -> Response:
    """The function on a ResourceList's text (as main() runs it on the same bytes)."""
    return respond(text.encode(), workdir)


def _error_response(data: bytes, error: XpnetError) -> Response:
    from xpnet import report
    from xpnet.yaml.scan import resource_list_layout
    from xpnet.yaml.stream import decode

    result = {"message": error.render(), "severity": "error"}
    text = decode(SOURCE, data)[0]  # without a byte order mark, as the answer is written
    layout = resource_list_layout(text)
    said = [report.stderr_line(f"{error.render()}")]
    if layout is not None and "results" not in layout.keys:
        newline = "" if text.endswith("\n") else "\n"
        return Response([(0, len(text)), newline + _results_block([result])], said, 1, text)
    return Response([], said, 1)


def _passes(data: bytes, start: int, end: int) -> bytes:
    return marshal.dumps(tuple(listscan.hits(data, start, end)))


def _hits(data: bytes) -> Callable[[], listscan.Hits]:
    """listscan's passes over a large input in two forked processes, while this one goes on
    (it imports the pipeline: 2 cores); the answer when asked for. A child that fails
    leaves its range to this process."""
    if len(data) < FORK_MIN or not hasattr(os, "fork") or os.environ.get(JOBS) == "1":
        return lambda: listscan.hits(data)
    from functools import partial

    from xpnet.adapters import forked

    ranges = listscan.split(data, 2)
    answers = [forked.start(partial(_passes, data, start, end)) for start, end in ranges]

    def join() -> listscan.Hits:
        parts = []
        for answer, (start, end) in zip(answers, ranges, strict=True):
            payload = answer()
            parts.append(
                listscan.Hits(*marshal.loads(payload))
                if payload is not None
                else listscan.hits(data, start, end)  # the child failed: its range here
            )
        return listscan.join(parts)

    return join


def _refuse_arguments(argv: Sequence[str]) -> None:
    """--help and --version exit 0, any other argument 2 (argparse: imported for people only)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="xpnet-fn",
        description=DESCRIPTION,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"xpnet-fn {__version__}")
    parser.parse_args(argv)


def main(argv: Sequence[str] = (), data: bytes | None = None) -> int:
    """Run the function; `argv` are the command's arguments (kustomize and kpt pass none),
    `data` stdin's bytes when read already (adapters.scripts)."""
    if argv:
        _refuse_arguments(argv)
    credentials.forget()  # a run knows only its own inputs' secrets
    data = sys.stdin.buffer.read() if data is None else data
    try:
        if not data.isascii():
            from xpnet.yaml.stream import decode

            decode(SOURCE, data)  # refuses a byte that is not UTF-8, naming it
    except XpnetError as error:
        from xpnet import report

        sys.stderr.write(report.stderr_line(f"{error.render()}\n"))
        return 1
    found = _hits(data)
    try:
        from xpnet import engine  # noqa: F401  # the pipeline, imported while the passes run

        response = respond(data, os.getcwd(), found())
    except XpnetError as error:
        response = _error_response(data, error)
    sys.stdout.flush()
    response.write(sys.stdout.buffer)
    sys.stdout.buffer.flush()
    for line in response.stderr:
        sys.stderr.write(line + "\n")
    return response.code


def entry() -> None:
    """The console script."""
    from xpnet.adapters.console import exit_with

    exit_with(lambda: main(sys.argv[1:]))
