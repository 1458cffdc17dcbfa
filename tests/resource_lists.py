"""Build ResourceLists the way kustomize sends them, from plain multi-document YAML."""

from __future__ import annotations

import re
from pathlib import Path

from xpnet.adapters import krm
from xpnet.io import resource_list
from xpnet.io.resource_list import Response
from xpnet.yaml.scan import resource_list_layout


def documents(stream: str) -> list[str]:
    parts = re.split(r"^---[ \t]*\n", stream, flags=re.M)
    return [
        p
        for p in parts
        if any(ln.strip() and not ln.lstrip().startswith("#") for ln in p.splitlines())
    ]


def _indent(doc: str, first: str) -> str:
    lines = doc.splitlines(keepends=True)
    out = [first + lines[0]]
    out += ["  " + line if line.strip() else line for line in lines[1:]]
    return "".join(out)


def wrap(stream: str, config: str) -> str:
    """A ResourceList whose items are the stream's documents, byte for byte, indented."""
    items = "".join(_indent(doc, "- ") for doc in documents(stream))
    return (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        + items
        + "functionConfig:\n"
        + _indent(config, "  ")
    )


def unwrap(resource_list: str) -> str:
    """The items of a ResourceList as a multi-document stream (inverse of `wrap`)."""
    layout = resource_list_layout(resource_list)
    assert layout is not None
    docs = []
    for item in layout.items:
        lines = item.text.splitlines(keepends=True)
        docs.append("".join(line[2:] if line.strip() else line for line in lines))
    return "---\n".join(docs)


def transform(text: str, workdir: str | Path | None = None) -> Response:
    """The KRM function on a ResourceList's text, as its console script runs it on the same
    bytes."""
    return krm.respond(text.encode(), workdir)


def transform_text(text: str, workdir: str | Path | None = None) -> Response:
    """The KRM function on a ResourceList read item by item (the path for what the bytes
    reader leaves to it), to compare the two paths."""
    return krm.answer(resource_list.read_text(text, workdir))
