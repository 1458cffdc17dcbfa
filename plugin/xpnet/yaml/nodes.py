"""Parse one YAML document into position-carrying nodes, and read them."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from xpnet.errors import InputError

__all__ = ["MappingNode", "Node", "ScalarNode", "SequenceNode"]

_NULLS = {"", "~", "null", "Null", "NULL"}
# ruamel.yaml.clib's libyaml parser composes ~6x faster than the pure-Python one, with the same
# marks (character offsets) that the splicing needs; the pure parser is the fallback.
PURE = False


MAX_DATA_NODES = 100_000  # aliases can make a small text expand exponentially ("billion laughs")
MAX_DEPTH = 200  # Kubernetes manifests nest a few dozen levels; libyaml's composer recurses


def _too_deep(text: str) -> bool:
    """Whether nesting could exhaust the composer's stack (the C one crashes instead of
    raising); counts brackets even inside quotes, which only errs on the side of refusing."""
    depth = deepest = 0
    for m in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        return True
    indents = (len(m.group(1)) for m in re.finditer(r"^( *)[^ \r\n]", text, re.M))
    return max(indents, default=0) > MAX_DEPTH * 4


def _expanded_size(root: Node) -> tuple[int, int]:
    """How many nodes the document has once aliases are expanded, and without (linear time)."""
    sizes: dict[int, int] = {}
    stack = [root]
    while stack:  # post-order without recursion
        node = stack.pop()
        if id(node) in sizes:
            continue
        children = []
        if isinstance(node, MappingNode):
            children = [c for pair in node.value for c in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        pending = [c for c in children if id(c) not in sizes]
        if pending:
            stack.append(node)
            stack.extend(pending)
            continue
        sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in children), 1 << 40)
    return sizes[id(root)], len(sizes)


def _checked(node: Node | None, source: str, first_line: int) -> Node | None:
    if node is not None:
        expanded, unique = _expanded_size(node)
        if expanded > MAX_DATA_NODES and expanded > 4 * unique:
            raise InputError(
                source,
                [
                    f"line {first_line}: the YAML expands to more than {MAX_DATA_NODES} nodes "
                    "through aliases; refused"
                ],
            )
        check_duplicate_keys(node, source, first_line)
    return node


def compose(text: str, source: str, first_line: int = 1) -> Node | None:
    """Compose one document; errors name the line and column in the original file."""
    if _too_deep(text):
        raise InputError(
            source,
            [f"line {first_line}: the YAML nests more than {MAX_DEPTH} levels deep; refused"],
        )
    try:
        try:
            return _checked(YAML(typ="safe", pure=PURE).compose(text), source, first_line)
        except MarkedYAMLError:
            if PURE:
                raise
        # libyaml speaks YAML 1.1 and refuses some valid YAML 1.2 (a ':' inside a plain scalar in
        # a flow sequence, as in `args: [--x=a:b]`): the pure parser decides.
        return _checked(YAML(typ="safe", pure=True).compose(text), source, first_line)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + first_line}, column {mark.column + 1}: " if mark else ""
        what = " ".join(p for p in (error.context, error.problem) if p)
        raise InputError(source, [f"{where}invalid YAML: {what}"]) from None
    except YAMLError as error:
        raise InputError(source, [f"invalid YAML: {error}"]) from None
    except RecursionError:
        raise InputError(
            source, ["the YAML is nested too deeply to be a manifest; refused"]
        ) from None


def style(node: Node) -> str | None:
    """A scalar's style: None for plain (the C parser says ''), else ', ", | or >."""
    found: str | None = getattr(node, "style", None)
    return found or None


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and style(node) is None and node.value in _NULLS


def scalar(node: Node | None) -> str | None:
    """The string value of a scalar node; None for anything else and for null."""
    if isinstance(node, ScalarNode) and not is_null(node):
        return str(node.value)
    return None


def check_duplicate_keys(root: Node, source: str, first_line: int) -> None:
    """Refuse a document where a mapping has the same key twice: which one a tool uses differs
    (kubectl takes the last, xpnet would read one and edit the other)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, MappingNode | SequenceNode):
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
            continue
        keys: set[str] = set()
        for key, value in node.value:
            name = scalar(key)
            if name is not None and name in keys:
                raise InputError(
                    source,
                    [
                        f"line {key.start_mark.line + first_line}: duplicate key {name!r}; "
                        "remove one of them"
                    ],
                )
            if name is not None:
                keys.add(name)
            stack.append(value)


def get(node: Node | None, key: str) -> Node | None:
    """The value of `key` in a mapping node (the first one), None when absent."""
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v  # type: ignore[no-any-return]
    return None


def get_in(node: Node | None, *path: str) -> Node | None:
    for key in path:
        node = get(node, key)
    return node


def to_data(node: Node | None, source: str = "input") -> Any:
    """Plain Python data (strings for every scalar) from a node; aliases that would expand past
    MAX_DATA_NODES are refused."""
    budget = [MAX_DATA_NODES]

    def convert(n: Node | None) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise InputError(
                source,
                [f"the YAML expands to more than {MAX_DATA_NODES} nodes through aliases; refused"],
            )
        if n is None or is_null(n):
            return None
        if isinstance(n, ScalarNode):
            return str(n.value)
        if isinstance(n, SequenceNode):
            return [convert(c) for c in n.value]
        if isinstance(n, MappingNode):
            return {str(convert(k)): convert(v) for k, v in n.value}
        return None

    return convert(node)


def is_flow(node: Node) -> bool:
    return isinstance(node, MappingNode | SequenceNode) and bool(node.flow_style)
