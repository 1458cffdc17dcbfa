"""Byte-exact edits of YAML text: replace a scalar, add keys or list items, nothing else moves."""

from __future__ import annotations

import functools
import re
from typing import Any

from ruamel.yaml.error import YAMLError

from xpnet.errors import InputError
from xpnet.records import NamedTuple
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    is_flow,
    is_null,
    raw_compose,
    typed_data,
)


class Splice(NamedTuple):
    """Replace text[start:end] with `text`; offsets are relative to the parsed document."""

    start: int
    end: int
    text: str


class Overlap(ValueError):
    """Two different edits touch the same text."""


def apply(text: str, splices: list[Splice]) -> str:
    """Apply non-overlapping splices; splices at the same offset keep their given order, and
    the same splice asked for twice is applied once."""
    unique = list(dict.fromkeys(splices))
    ordered = sorted(enumerate(unique), key=lambda p: (p[1].start, p[0]))
    out, pos = [], 0
    for _, s in ordered:
        if s.start < pos:
            raise Overlap(f"overlapping edits at offset {s.start}")
        out.append(text[pos : s.start])
        out.append(s.text)
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./$(][A-Za-z0-9_./:,@%+=~$()\[\]*-]*$")
# Inside [ ] or { } a comma, bracket or colon ends or splits a plain scalar (and libyaml refuses
# some colons there), so plain scalars in flow context are held to a narrower set.
_FLOW_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./$(][A-Za-z0-9_./@%+=~$()*-]*$")
# Plain scalars that YAML 1.1 or 1.2 resolvers would read as something other than a string:
# numbers in every base and form (sexagesimal 1:20 included), booleans, nulls, timestamps, and
# the merge and value keys (https://yaml.org/type/).
NOT_A_STRING = re.compile(
    r"^([-+]?[0-9._]+([eE][-+]?[0-9]+)?|0[xXoObB][0-9a-fA-F_]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
    r"|y|Y|n|N|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|~|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|<<|="
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt \t].*)?)$"
)


def render_scalar(value: str, style: str | None, flow: bool = False) -> str:
    """A scalar in the requested style (None plain, ' or "), quoted whenever plain is unsafe;
    `flow`: it is written inside a flow collection."""
    if (
        style is None
        and (_FLOW_PLAIN_SAFE if flow else _PLAIN_SAFE).match(value)
        and not NOT_A_STRING.match(value)
        and not value.endswith(":")
    ):
        return value
    if style == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return double_quoted(value)


# JSON's escapes: a JSON string is a YAML double-quoted scalar. Also escaped: what YAML takes
# as a line break inside quotes (NEL, LS, PS: folded to a space) and what it refuses to read raw
# (DEL, C1 controls, U+FFFE, U+FFFF; https://yaml.org/spec/1.2.2/#51-character-set), and the
# byte order mark, which a reader may drop.
_ESCAPES = str.maketrans(
    {chr(i): f"\\u{i:04x}" for i in (*range(0x20), *range(0x7F, 0xA0))}
    | {chr(i): f"\\u{i:04x}" for i in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)}
    | {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
)


def double_quoted(value: str) -> str:
    """`value` as a JSON string (json is not imported) that every YAML reader reads back."""
    return '"' + value.translate(_ESCAPES) + '"'


def render_block(data: dict[str, Any], indent: int, value_style: str | None) -> list[str]:
    """Block-style lines for new content (lists in the compact form kubectl and kyaml emit),
    each scalar written so that it reads back with its type.

    `value_style` quotes the scalars of `value` keys (env values) like their neighbours."""
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        name = render_scalar(str(key), None)
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{name}:")
            lines.extend(render_block(value, indent + 2, value_style))
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{name}:")
            lines.extend(render_items(value, indent, indent + 2, value_style))
        else:
            style = value_style if key == "value" else None
            lines.append(f"{pad}{name}: {_leaf(value, style)}")
    return lines


def render_items(items: list[Any], dash: int, content: int, style: str | None) -> list[str]:
    """Block sequence items with the dash at column `dash` and mapping keys at `content`."""
    lines: list[str] = []
    for item in items:
        if isinstance(item, dict | list) and item:
            body = (
                render_block(item, content, style)
                if isinstance(item, dict)
                else render_items(item, content, content + 2, style)
            )
            lines.append(" " * dash + "-" + " " * (content - dash - 1) + body[0][content:])
            lines.extend(body[1:])
        else:
            lines.append(" " * dash + "- " + _leaf(item, style))
    return lines


def _leaf(value: Any, style: str | None) -> str:
    """A scalar or an empty collection: booleans and integers as YAML reads them back (a
    readOnly: true, a port), anything else a string in `style`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return render_scalar(str(value), style)


def _empty(node: Node) -> bool:
    """A null written as nothing: parsers disagree where its marks point, so never use them."""
    return is_null(node) and node.start_mark.index == node.end_mark.index


# An alias, after the indicator that introduces it (`key: *a`, `- *a`, `[x, *a]`).
_ALIAS = re.compile(r"(?:\s|#[^\n]*|[-:,\[{?])*(\*[^\s,\[\]{}]+)")


def alias_at(text: str, after: int, node: Node) -> tuple[int, int] | None:
    """Where the alias token is when `node`, written at or after offset `after`, is an alias:
    its marks are those of the anchored node, earlier in the text."""
    if node.start_mark.index >= after:
        return None
    found = _ALIAS.match(text, after)
    return (found.start(1), found.end(1)) if found else None


def _last(text: str, node: MappingNode | SequenceNode) -> tuple[Node, int]:
    """A collection's last entry and the offset where its text starts at the earliest."""
    if isinstance(node, MappingNode):
        key, value = node.value[-1]
        return value, int(key.end_mark.index)
    after = content_end(text, node.value[-2]) if len(node.value) > 1 else node.start_mark.index
    return node.value[-1], int(after)


def content_end(text: str, node: Node) -> int:
    """Offset just after the last character of a node's own content (comments excluded)."""
    while not is_flow(node) and node.value and isinstance(node, MappingNode | SequenceNode):
        last, after = _last(text, node)
        if isinstance(node, MappingNode) and _empty(last):
            return after  # "key:" ends the line
        alias = alias_at(text, after, last)
        if alias is not None:
            return alias[1]
        node = last
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


@functools.lru_cache(maxsize=8)
def newline_of(text: str) -> str:
    """The line end a text uses; asked once a text (one document's edits ask it each), as a
    List of many releases is one document."""
    return "\r\n" if "\r\n" in text else "\n"


def replace_value(
    text: str, key: ScalarNode, node: ScalarNode, value: str, flow: bool = False
) -> Splice:
    """Give `key` a new scalar value, keeping the old one's quoting style where it can; `flow`:
    the pair is inside a flow mapping."""
    quoting = node.style if node.style in ("'", '"') else None
    if _empty(node):  # "key:" with nothing after it
        colon = text.index(":", key.end_mark.index) + 1
        return Splice(colon, colon, " " + render_scalar(value, None, flow))
    start, end = node.start_mark.index, node.end_mark.index
    rendered = render_scalar(value, quoting, flow)
    if node.style in ("|", ">") and text[start:end].endswith("\n"):
        rendered += newline_of(text)
    return Splice(start, end, rendered)


def flow(data: Any) -> str:
    """New content for a flow collection: JSON, which is flow YAML and keeps JSON files JSON."""
    import json

    return json.dumps(data, ensure_ascii=False)


def _flow_insert_at(text: str, node: MappingNode | SequenceNode) -> tuple[int, str]:
    """Where a new entry of a flow collection goes (after its last entry, or just inside the
    opening bracket when empty) and what comes before it."""
    if not node.value:
        bracket = "{" if isinstance(node, MappingNode) else "["
        start = int(node.start_mark.index)
        return start + text[start:].index(bracket) + 1, ""
    last, after = _last(text, node)
    if isinstance(node, MappingNode) and _empty(last):
        # `{a: }`: its marks are unreliable, so give it an explicit null
        return text.index(":", after) + 1, " null, "
    alias = alias_at(text, after, last)
    return (alias[1] if alias else int(last.end_mark.index)), ", "


def add_to_mapping(text: str, node: MappingNode, data: dict[str, Any], style: str | None) -> Splice:
    """Add keys at the end of a mapping; in a flow mapping, in place as JSON pairs."""
    if is_flow(node):
        pos, sep = _flow_insert_at(text, node)
        return Splice(pos, pos, sep + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in data.items()))
    col = node.value[0][0].start_mark.column if node.value else node.start_mark.column
    pos = line_end(text, content_end(text, node))
    return _lines_at(text, pos, render_block(data, col, style), newline_of(text))


def append_items(text: str, node: SequenceNode, items: list[Any], style: str | None) -> Splice:
    """Append items to a sequence, indented like its existing items; in a flow sequence, in
    place as JSON."""
    if is_flow(node):
        pos, sep = _flow_insert_at(text, node)
        return Splice(pos, pos, sep + ", ".join(flow(i) for i in items))
    dash = node.start_mark.column
    first = node.value[0]
    content = first.start_mark.column if isinstance(first, MappingNode) else dash + 2
    if first.start_mark.line != node.start_mark.line or alias_at(
        text, node.start_mark.index, first
    ):
        content = dash + 2
    pos = line_end(text, content_end(text, node))
    return _lines_at(text, pos, render_items(items, dash, content, style), newline_of(text))


def insert_items_before(
    text: str, node: SequenceNode, before: Node, items: list[Any], style: str | None
) -> Splice:
    """Insert items into a sequence just before one of its items."""
    if is_flow(node):
        pos = before.start_mark.index
        return Splice(pos, pos, "".join(flow(i) + ", " for i in items))
    dash = node.start_mark.column
    content = before.start_mark.column if isinstance(before, MappingNode) else dash + 2
    line_start = text.rfind("\n", 0, before.start_mark.index) + 1
    lines = render_items(items, dash, content, style)
    return Splice(line_start, line_start, "".join(line + newline_of(text) for line in lines))


def set_value(
    text: str, key: ScalarNode, value: Node, data: Any, style: str | None, flow_parent: bool
) -> list[Splice]:
    """Replace a null or empty (`{}`, `[]`) value of `key` with `data`: block lines below the
    key, or JSON in place when the mapping holding the key is in flow style."""
    if flow_parent:
        if _empty(value):
            colon = text.index(":", key.end_mark.index) + 1
            return [Splice(colon, colon, " " + flow(data))]
        return [Splice(value.start_mark.index, value.end_mark.index, flow(data))]
    col = key.start_mark.column
    if isinstance(data, dict):
        lines = render_block(data, col + 2, style)
    else:
        lines = render_items(data, col, col + 2, style)
    splices = []
    # "key: {}", "key: []", "key: null", "key: ~", or a block collection (whose end mark is
    # where the next line's content starts): drop the old value up to its own last character
    end = content_end(text, value)
    if not _empty(value):
        splices.append(Splice(key.end_mark.index, end, ":"))
    pos = line_end(text, key.end_mark.index if _empty(value) else end)
    splices.append(_lines_at(text, pos, lines, newline_of(text)))
    return splices


def block_text(data: dict[str, Any], what: str, indent: int = 0) -> str:
    """New content as block-style YAML text (its lines indented by `indent`), read back and
    compared with `data` before it is used: a document xpnet writes says what was intended or
    is not written (`what` names it in the refusal)."""
    text = "".join(" " * indent + line + "\n" for line in render_block(data, 0, None))
    try:
        read = typed_data(raw_compose(text))
    except YAMLError:
        read = None
    if read != data:
        raise InputError(what, ["the generated text does not read back as written; report this"])
    return text
