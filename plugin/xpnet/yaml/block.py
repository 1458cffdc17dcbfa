"""Re-emit a composed YAML tree in block style without changing what any reader reads in it.

Readers of xpnet's output disagree on plain scalars: kubectl's sigs.k8s.io/yaml follows YAML 1.1
(`on`, `yes`, `n` are booleans, `0640` is octal) and kustomize's and kpt's yaml.v3 follows
YAML 1.2 (`on` is a string). A scalar written plain in the input is written back with the same
text, so that each reader reads it as it read the input; a quoted or block scalar is a string
for every reader, and stays one: plain only where no reader of either version resolves it to
anything else (`splice.render_scalar`), quoted otherwise. An explicit tag is kept."""

from __future__ import annotations

import re

from xpnet.errors import InputError
from xpnet.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode, style
from xpnet.yaml.splice import double_quoted, render_scalar

# A node's properties as written before it: an anchor (&a) and a tag (!!str, !<...>, !local),
# in either order.
_PROPERTIES = re.compile(r"(?:(?:&[^\s,\[\]{}]+|(![^\s,\[\]{}]*))[ \t]+)*")
_CORE = "tag:yaml.org,2002:"


def _tag(node: Node, text: str) -> str:
    """The node's explicit tag, as a prefix to write before it ("" when it has none)."""
    properties = _PROPERTIES.match(text, node.start_mark.index)
    if properties is None or "!" not in properties.group(0):
        return ""
    tag = str(node.tag)
    if tag.startswith(_CORE):
        return f"!!{tag[len(_CORE) :]} "
    return f"!<{tag}> "


def _scalar(node: ScalarNode, text: str, flow: bool = False) -> str:
    tag = _tag(node, text)
    value = str(node.value)
    if style(node) is None:
        written = text[node.start_mark.index : node.end_mark.index]
        if "\n" not in written and "\r" not in written:
            return tag + (value if value else "null")
        return tag + double_quoted(value)  # a plain scalar folded over lines is a string
    return tag + render_scalar(value, None, flow)


def _key(node: Node, text: str, source: str) -> str:
    if not isinstance(node, ScalarNode):
        line = node.start_mark.line + 1
        raise InputError(source, [f"line {line}: a mapping key that is not a scalar; refused"])
    return _scalar(node, text)


def block_lines(node: Node, text: str, source: str, indent: int = 0) -> list[str]:
    """The lines of a collection (a scalar: one line) in block style at `indent`, lists in the
    compact form kubectl and kustomize emit; `text` is what `node` was composed from."""
    pad = " " * indent
    if isinstance(node, ScalarNode):
        return [pad + _scalar(node, text)]
    if isinstance(node, MappingNode):
        if not node.value:
            return [pad + _tag(node, text) + "{}"]
        lines = []
        for key, value in node.value:
            head = f"{pad}{_key(key, text, source)}:"
            if isinstance(value, ScalarNode):
                lines.append(f"{head} {_scalar(value, text)}")
            elif value.value and not _tag(value, text):
                lines.append(head)
                child = indent if isinstance(value, SequenceNode) else indent + 2
                lines += block_lines(value, text, source, child)
            else:  # empty, or tagged: on the key's line
                lines.append(f"{head} {_inline(value, text)}")
        return lines
    assert isinstance(node, SequenceNode)
    if not node.value:
        return [pad + _tag(node, text) + "[]"]
    lines = []
    for item in node.value:
        if isinstance(item, ScalarNode) or not item.value or _tag(item, text):
            lines.append(f"{pad}- {_inline(item, text)}")
            continue
        inner = block_lines(item, text, source, indent + 2)
        if isinstance(item, MappingNode):
            lines.append(f"{pad}- {inner[0][indent + 2 :]}")
            lines += inner[1:]
        else:
            lines.append(f"{pad}-")
            lines += inner
    return lines


def _inline(node: Node, text: str, flow: bool = False) -> str:
    """A scalar, an empty collection or a tagged one in flow style on one line."""
    if isinstance(node, ScalarNode):
        return _scalar(node, text, flow)
    tag = _tag(node, text)
    if isinstance(node, MappingNode):
        pairs = ", ".join(
            f"{_inline(k, text, True)}: {_inline(v, text, True)}" for k, v in node.value
        )
        return f"{tag}{{{pairs}}}"
    return tag + "[" + ", ".join(_inline(i, text, True) for i in node.value) + "]"
