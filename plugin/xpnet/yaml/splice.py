"""Byte-exact edits of YAML text: replace a scalar, add keys or list items, nothing else moves."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from xpnet.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode, is_flow, is_null, to_data


@dataclass(frozen=True)
class Splice:
    """Replace text[start:end] with `text`; offsets are relative to the parsed document."""

    start: int
    end: int
    text: str


def apply(text: str, splices: list[Splice]) -> str:
    """Apply non-overlapping splices; splices at the same offset keep their given order."""
    ordered = sorted(enumerate(splices), key=lambda p: (p[1].start, p[0]))
    out, pos = [], 0
    for _, s in ordered:
        if s.start < pos:
            raise ValueError(f"overlapping edits at offset {s.start}")
        out.append(text[pos : s.start])
        out.append(s.text)
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./$(][A-Za-z0-9_./:,@%+=~$()\[\]*-]*$")
# Plain scalars that YAML 1.1 or 1.2 resolvers would read as something other than a string.
_NOT_A_STRING = re.compile(
    r"^([-+]?[0-9._]+([eE][-+]?[0-9]+)?|0[xXoObB][0-9a-fA-F_]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
    r"|y|Y|n|N|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|~|[0-9:]+)$"
)


def render_scalar(value: str, style: str | None) -> str:
    """A scalar in the requested style (None plain, ' or "), quoted whenever plain is unsafe."""
    if (
        style is None
        and _PLAIN_SAFE.match(value)
        and not _NOT_A_STRING.match(value)
        and not value.endswith(":")
    ):
        return value
    if style == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def render_block(data: dict[str, Any], indent: int, value_style: str | None) -> list[str]:
    """Block-style lines for new content (lists in the compact form kubectl and kyaml emit).

    `value_style` quotes the scalars of `value` keys (env values) like their neighbours."""
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{key}:")
            lines.extend(render_block(value, indent + 2, value_style))
        elif isinstance(value, dict):
            lines.append(f"{pad}{key}: {{}}")
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{key}:")
            lines.extend(render_items(value, indent, indent + 2, value_style))
        elif isinstance(value, list):
            lines.append(f"{pad}{key}: []")
        else:
            style = value_style if key == "value" else None
            lines.append(f"{pad}{key}: {render_scalar(str(value), style)}")
    return lines


def render_items(items: list[Any], dash: int, content: int, style: str | None) -> list[str]:
    """Block sequence items with the dash at column `dash` and mapping keys at `content`."""
    lines: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            body = render_block(item, content, style)
            lines.append(" " * dash + "-" + " " * (content - dash - 1) + body[0][content:])
            lines.extend(body[1:])
        else:
            lines.append(" " * dash + "- " + render_scalar(str(item), style))
    return lines


def _empty(node: Node) -> bool:
    """A null written as nothing: parsers disagree where its marks point, so never use them."""
    return is_null(node) and node.start_mark.index == node.end_mark.index


def content_end(node: Node) -> int:
    """Offset just after the last character of a node's own content (comments excluded)."""
    while not is_flow(node) and node.value and isinstance(node, MappingNode | SequenceNode):
        if isinstance(node, MappingNode):
            key, value = node.value[-1]
            if _empty(value):
                return int(key.end_mark.index)  # "key:" ends the line
            node = value
        else:
            node = node.value[-1]
    return int(node.end_mark.index)


def line_end(text: str, offset: int) -> int:
    """The offset where the line holding `offset` ends (after its newline)."""
    if offset > 0 and text[offset - 1] == "\n":
        return offset
    nl = text.find("\n", offset)
    return len(text) if nl < 0 else nl + 1


def _lines_at(text: str, pos: int, lines: list[str], newline: str) -> Splice:
    body = "".join(line + newline for line in lines)
    if pos == len(text) and text and not text.endswith("\n"):
        body = newline + body
    return Splice(pos, pos, body)


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def replace_value(text: str, key: ScalarNode, node: ScalarNode, value: str) -> Splice:
    """Give `key` a new scalar value, keeping the old one's quoting style where it can."""
    quoting = node.style if node.style in ("'", '"') else None
    if _empty(node):  # "key:" with nothing after it
        colon = text.index(":", key.end_mark.index) + 1
        return Splice(colon, colon, " " + render_scalar(value, None))
    start, end = node.start_mark.index, node.end_mark.index
    rendered = render_scalar(value, quoting)
    if node.style in ("|", ">") and text[start:end].endswith("\n"):
        rendered += newline_of(text)
    return Splice(start, end, rendered)


def merge(current: Any, data: Any) -> Any:
    """Add `data` into `current`: new keys and list items are added, existing values kept."""
    if isinstance(current, dict) and isinstance(data, dict):
        for key, value in data.items():
            current[key] = merge(current[key], value) if key in current else value
        return current
    if isinstance(current, list) and isinstance(data, list):
        return current + data
    return current


def flow(data: Any) -> str:
    """Flow-style YAML (JSON) for a node that was in flow style; block edits cannot go there."""
    return json.dumps(data, ensure_ascii=False)


def _flow_replace(node: Node, data: Any) -> Splice:
    return Splice(node.start_mark.index, node.end_mark.index, flow(data))


def add_to_mapping(text: str, node: MappingNode, data: dict[str, Any], style: str | None) -> Splice:
    """Add keys at the end of a mapping (a flow mapping is rewritten as JSON flow)."""
    if is_flow(node):
        return _flow_replace(node, merge(to_data(node) or {}, data))
    col = node.start_mark.column
    pos = line_end(text, content_end(node))
    return _lines_at(text, pos, render_block(data, col, style), newline_of(text))


def append_items(text: str, node: SequenceNode, items: list[Any], style: str | None) -> Splice:
    """Append items to a sequence, indented like its existing items."""
    if is_flow(node):
        return _flow_replace(node, (to_data(node) or []) + items)
    dash = node.start_mark.column
    first = node.value[0]
    content = first.start_mark.column if isinstance(first, MappingNode) else dash + 2
    if first.start_mark.line != node.start_mark.line:
        content = dash + 2
    pos = line_end(text, content_end(node))
    return _lines_at(text, pos, render_items(items, dash, content, style), newline_of(text))


def insert_items_before(
    text: str, node: SequenceNode, before: Node, items: list[Any], style: str | None
) -> Splice:
    """Insert items into a block sequence just before one of its items."""
    dash = node.start_mark.column
    content = before.start_mark.column if isinstance(before, MappingNode) else dash + 2
    line_start = text.rfind("\n", 0, before.start_mark.index) + 1
    lines = render_items(items, dash, content, style)
    return Splice(line_start, line_start, "".join(line + newline_of(text) for line in lines))


def set_value(
    text: str, key: ScalarNode, value: Node, data: Any, style: str | None
) -> list[Splice]:
    """Replace an empty or flow value (null, {}, []) of `key` with `data` in block style."""
    if is_flow(value) and value.value:
        return [_flow_replace(value, merge(to_data(value), data))]
    col = key.start_mark.column
    if isinstance(data, dict):
        lines = render_block(data, col + 2, style)
    else:
        lines = render_items(data, col, col + 2, style)
    splices = []
    if not is_null(value):  # "key: {}" or "key: []": drop the empty flow value
        splices.append(Splice(key.end_mark.index, value.end_mark.index, ":"))
    pos = line_end(text, value.end_mark.index if not is_null(value) else key.end_mark.index)
    splices.append(_lines_at(text, pos, lines, newline_of(text)))
    return splices
