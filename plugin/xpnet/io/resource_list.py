"""A ResourceList on the KRM function's stdin, read for the engine and answered: the same
list with the changed items spliced in, NetworkPolicies appended as items, and the run's results
(the KRM functions specification: docs/explanation/pipelines.md).

A block-style list is read as bytes by yaml.listscan, which settles most items without reading
them; any other layout (flow style, JSON, markers, indented items, a previous function's results)
is read item by item, with the same answers. Items are passed through as the input's own bytes."""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from xpnet.errors import InputError, XpnetError
from xpnet.records import NamedTuple
from xpnet.yaml import listscan

if TYPE_CHECKING:  # imported where used: the item-by-item path is not every run's
    from pathlib import Path

    from xpnet.config import ClusterNetwork
    from xpnet.yaml.scan import Segment
    from xpnet.yaml.stream import Document

SOURCE = "ResourceList"
Hits = listscan.Hits  # what the passes over a list found, for the adapters that run them
Pieces = list[str | tuple[int, int]]


_CHUNK = 1 << 20


class Response(NamedTuple):
    """The function's answer. Its stdout is pieces: new text, and (start, end) spans of
    `source` (the input, as bytes or as text) passed through as they were, written a chunk at a
    time so that a large input is not copied whole on its way out."""

    pieces: Pieces
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


class _Item(NamedTuple):
    start: int
    end: int
    dash: int
    segment: Segment | None  # as the pipeline read it, when it did


def _ending(tail: str) -> str:
    """The line end the last two characters of an item hold: CRLF, LF or none."""
    return "\r\n" if tail == "\r\n" else "\n" if tail.endswith("\n") else ""


def check_encoding(data: bytes) -> None:
    """Refuse input that is not UTF-8, naming the first byte that is not (no list can be
    answered then)."""
    if not data.isascii():
        from xpnet.yaml.stream import decode

        decode(SOURCE, data)


# Below this a ResourceList is read in this process; above it, two forked processes run the
# passes over it while this one imports the pipeline: on 2 cores that carries the 20,000-item
# target (benchmarks/RESULTS.md), and below it a fork costs more than it saves.
FORK_MIN = 16 << 20
JOBS = "XPNET_JOBS"  # XPNET_JOBS=1: one process


def _passes(data: bytes, start: int, end: int) -> bytes:
    return marshal.dumps(tuple(listscan.hits(data, start, end)))


def passes(data: bytes) -> Callable[[], listscan.Hits]:
    """listscan's passes over a large input in two forked processes, while this one goes on
    (the caller imports the pipeline); the answer when asked for. A child that fails leaves
    its range to this process."""
    if len(data) < FORK_MIN or not hasattr(os, "fork") or os.environ.get(JOBS) == "1":
        return lambda: listscan.hits(data)
    from functools import partial

    from xpnet.io import forked

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


class Request(NamedTuple):
    """A ResourceList as read: its configuration, the documents the engine reads, and where
    each of them (and the list's last item) is in the input."""

    config: ClusterNetwork
    docs: list[Document]
    segments: Callable[[], Iterable[Segment]]  # every item, for valueFrom's ConfigMaps
    items: dict[int, _Item]  # Document.index -> where the item is
    last: _Item | None  # the list's last item: NetworkPolicies go after it
    ends: str  # the line end the input has after the last item ("" for none)
    source: bytes | str  # the input


def read_text(text: str, workdir: str | Path | None = None) -> Request:
    """A ResourceList's text, item by item (scan.resource_list_layout): the path for what
    listscan leaves to it (flow style, JSON, markers, indented items)."""
    from xpnet.io.config import function_config
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
    config = function_config(text[start:end], lambda: text.count("\n", 0, start) + 1, workdir)
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
    last = items[len(items) - 1] if items else None
    ends = _ending(text[max(last.end - 2, 0) : last.end]) if last is not None else ""
    return Request(config, docs, lambda: layout.items, items, last, ends, text)


def read(
    data: bytes, workdir: str | Path | None = None, found: listscan.Hits | None = None
) -> Request:
    """A ResourceList's bytes (UTF-8, checked by the caller): read by listscan where it can
    (`found`: its passes' hits, when they ran elsewhere), else item by item."""
    scanned = listscan.scan(data, found)
    if scanned is None or "results" in scanned.keys:
        from xpnet.yaml.stream import decode

        return read_text(decode(SOURCE, data)[0], workdir)
    from xpnet.io.config import function_config
    from xpnet.yaml.scan import Segment, may_need_change, outline, shape_problem
    from xpnet.yaml.stream import document

    _require(scanned.keys)
    start, end = scanned.keys["functionConfig"]
    config = function_config(
        data[start:end].decode(), lambda: data.count(b"\n", 0, start) + 1, workdir
    )
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
    last = None
    if scanned.starts:
        s, e = scanned.item(len(scanned.starts) - 1)
        last = _Item(s, e, 0, None)
    tail = data[max(last.end - 2, 0) : last.end] if last is not None else b""
    ends = _ending(tail.decode("latin-1")) if last is not None else ""
    return Request(config, docs, lambda: _segments(data, scanned), items, last, ends, data)


def _segments(data: bytes, scanned: listscan.Scan) -> Iterator[Segment]:
    """Every item, for the ConfigMaps valueFrom entries name (read only when one does)."""
    from xpnet.yaml.scan import Segment

    for index in range(len(scanned.starts)):
        s, e = scanned.item(index)
        text = data[s:e].decode()
        yield Segment(0, len(text), text, 0, 0)


def answer(
    request: Request,
    texts: dict[int, str],
    added: Sequence[str],
    results: list[dict[str, Any]],
    stderr: list[str],
    code: int,
) -> Response:
    """The list with the changed items (`texts`: Document.index -> new text) spliced in,
    NetworkPolicies (`added`) appended after the last item in the input's line ends, and
    `results` at the end."""
    pieces: Pieces = []
    pos = 0
    for index in sorted(texts):
        item = request.items[index]
        assert item.segment is not None
        pieces += [(pos, item.start), item.segment.unmask(texts[index])]
        pos = item.end
    last = request.last
    if added and last is not None:  # NetworkPolicies: new items at the end
        pieces += [(pos, last.end), _new_items(added, last.dash, request.ends)]
        pos = last.end
    pieces.append((pos, -1))  # to the end of the input
    pieces.append(_results_block(results))
    return _finish(pieces, stderr, code, request.source)


def _finish(pieces: Pieces, stderr: list[str], code: int, source: bytes | str) -> Response:
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


def refused(data: bytes, error: XpnetError, stderr: list[str]) -> Response:
    """The answer to a list that was refused: the input with the error as its result, where
    the input is a list that can carry one, else nothing (the reason is on stderr)."""
    from xpnet.yaml.scan import resource_list_layout
    from xpnet.yaml.stream import decode

    result = {"message": error.render(), "severity": "error"}
    text = decode(SOURCE, data)[0]  # without a byte order mark, as the answer is written
    layout = resource_list_layout(text)
    if layout is not None and "results" not in layout.keys:
        newline = "" if text.endswith("\n") else "\n"
        return Response([(0, len(text)), newline + _results_block([result])], stderr, 1, text)
    return Response([], stderr, 1)
