"""The KRM function (`xpnet-fn`): a ResourceList on stdin, the same list rewritten on stdout.

kustomize ignores `results` and fails only on a non-zero exit, showing stderr (FACTS.md §10):
so results go to stdout for kpt, readable lines to stderr, and errors exit 1.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from io import StringIO
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from xpnet import __version__, report
from xpnet.adapters.console import exit_with
from xpnet.adapters.origin import config_file
from xpnet.config import load_config
from xpnet.engine import run
from xpnet.errors import ConfigError, InputError, XpnetError
from xpnet.yaml.nodes import compose, to_data
from xpnet.yaml.scan import resource_list_layout
from xpnet.yaml.splice import render_block
from xpnet.yaml.stream import decode, document

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


class Response(NamedTuple):
    """The function's answer. Its stdout is pieces: new text, and (start, end) spans of `text`
    (the input) passed through as they were, written a chunk at a time so that a large input is
    not copied whole on its way out (issue 17)."""

    pieces: list[str | tuple[int, int]]
    stderr: list[str]
    code: int = 0
    text: str = ""

    @property
    def stdout(self) -> str:
        return "".join(p if isinstance(p, str) else self.text[p[0] : p[1]] for p in self.pieces)

    def write(self, out: TextIO) -> None:
        for piece in self.pieces:
            if isinstance(piece, str):
                out.write(piece)
                continue
            for at in range(piece[0], piece[1], _CHUNK):
                out.write(self.text[at : min(at + _CHUNK, piece[1])])


def _normalise(text: str) -> str:
    """Re-emit a ResourceList the fast scan cannot split (flow style, JSON) in block style."""
    compose(text, SOURCE)  # refuses malformed input with line and column
    loader = YAML(typ="safe", pure=True)
    try:
        data = loader.load(text)
    except YAMLError as error:
        raise InputError(SOURCE, [f"invalid YAML: {error}"]) from None
    if not isinstance(data, dict) or data.get("kind") != "ResourceList":
        raise InputError(SOURCE, ["stdin is not a ResourceList (kind: ResourceList)"])
    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = False
    dumper.representer.ignore_aliases = lambda *_: True

    out = StringIO()
    dumper.dump(data, out)
    return out.getvalue()


def _results_block(results: list[dict[str, Any]]) -> str:

    if not results:
        return ""
    return "".join(line + "\n" for line in render_block({"results": results}, 0, None))


def _new_items(docs: Sequence[str], dash: int, before: str) -> str:
    """Documents (block style, at column 0) as ResourceList items with the dash at `dash`."""
    out = "" if before == "\n" else "\n"
    for doc in docs:
        first, *rest = doc.splitlines()
        out += f"{' ' * dash}- {first}\n" + "".join(f"{' ' * (dash + 2)}{r}\n" for r in rest)
    return out


def transform(text: str, workdir: Path | None = None) -> Response:
    """Run the function on a ResourceList's text; `workdir`: where kustomize runs it."""
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
    if "items" not in layout.keys:
        raise InputError(SOURCE, ["no items: a ResourceList carries its resources in items"])
    if "functionConfig" not in layout.keys:
        raise InputError(
            SOURCE,
            [
                "no functionConfig: list a ClusterNetwork (or ConfigMap) under transformers: "
                "with the config.kubernetes.io/function annotation"
            ],
        )
    start, end = layout.keys["functionConfig"]
    node = compose(text[start:end], "functionConfig", text.count("\n", 0, start) + 1)
    raw = to_data(node, "functionConfig") or {}
    config_doc = raw.get("functionConfig") if isinstance(raw, dict) else None
    meta = config_doc.get("metadata") if isinstance(config_doc, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    source = f"functionConfig {name or ''}".strip()
    try:
        config = load_config(config_doc, source)
    except ConfigError as error:
        file = config_file(config_doc, workdir)
        if file is None:
            raise
        raise ConfigError(f"{file}: {source}", error.problems) from None

    docs = [
        doc
        for index, segment in enumerate(layout.items)
        if (
            doc := document(
                segment, index, f"items[{index}]", source=f"items[{index}]", strict=True
            )
        )
    ]
    outcome = run(config, docs)

    pieces: list[str | tuple[int, int]] = []
    pos = 0
    for index, segment in enumerate(layout.items):
        if index in outcome.texts:
            pieces += [(pos, segment.start), segment.unmask(outcome.texts[index])]
            pos = segment.end
    if outcome.added and layout.items:  # NetworkPolicies (issue 13): new items at the end
        tail = layout.items[-1]
        pieces += [(pos, tail.end), _new_items(outcome.added, tail.dash or 0, text[tail.end - 1])]
        pos = tail.end
    pieces.append((pos, len(text)))
    last = next((p for p in reversed(pieces) if p and (isinstance(p, str) or p[0] < p[1])), "")
    if not (last if isinstance(last, str) else text[last[1] - 1]).endswith("\n"):
        pieces.append("\n")

    results = [report.edit_result(e) for e in outcome.edits] if outcome.texts else []
    results += [report.item_result(i) for i in outcome.items] if outcome.texts else []
    for added in outcome.added:  # each NetworkPolicy appended (issue 13), as edits are said
        name = re.search(r"(?m)^ *name: *(\S+)", added)
        what = f"NetworkPolicy {name.group(1)}" if name else "a NetworkPolicy"
        results.append({"message": f"added {what} (spec.networkPolicy)", "severity": "info"})
    results += [report.finding_result(f) for f in outcome.findings]
    stderr = [report.line(report.finding_line(f)) for f in outcome.findings]
    if not outcome.plans:
        results.append({"message": report.NOTHING_FOUND, "severity": "info"})
        stderr.append(report.line(f"{SOURCE}: {report.NOTHING_FOUND}"))
    pieces.append(_results_block(results))
    return Response(pieces, stderr, report.exit_code(outcome.findings), text)


def _error_response(text: str, error: XpnetError) -> Response:

    result = {"message": error.render(), "severity": "error"}
    layout = resource_list_layout(text)
    said = [report.line(f"{error.render()}")]
    if layout is not None and "results" not in layout.keys:
        newline = "" if text.endswith("\n") else "\n"
        return Response([(0, len(text)), newline + _results_block([result])], said, 1, text)
    return Response([], said, 1)


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


def main(argv: Sequence[str] = ()) -> int:
    """Run the function; `argv` are the command's arguments (kustomize and kpt pass none)."""
    if argv:
        _refuse_arguments(argv)
    try:
        text, _ = decode(SOURCE, sys.stdin.buffer.read())
    except XpnetError as error:
        sys.stderr.write(report.line(f"{error.render()}\n"))
        return 1
    try:
        response = transform(text, Path.cwd())
    except XpnetError as error:
        response = _error_response(text, error)
    response.write(sys.stdout)
    sys.stdout.flush()
    for line in response.stderr:
        sys.stderr.write(line + "\n")
    return response.code


def entry() -> None:
    """The console script."""
    exit_with(lambda: main(sys.argv[1:]))
