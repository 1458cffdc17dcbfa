"""Parse one YAML document into position-carrying nodes, and read them."""

from __future__ import annotations

import functools
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.main import CParser  # type: ignore[attr-defined]  # None without the clib
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from xpnet.errors import InputError

__all__ = ["MappingNode", "Node", "ScalarNode", "SequenceNode"]

_NULLS = {"", "~", "null", "Null", "NULL"}
# ruamel.yaml.clib's libyaml parser composes ~6x faster than the pure-Python one, with the same
# marks (character offsets) that the splicing needs; the pure parser is the fallback.
PURE = False


MAX_DATA_NODES = 100_000  # aliases can make a small text expand exponentially ("billion laughs")
# Kubernetes manifests nest a few dozen levels; the composers and constructors recurse (the C
# one crashes instead of raising), so deeper input is refused before any parser sees it.
MAX_DEPTH = 200


MERGE_TAG = "tag:yaml.org,2002:merge"
# Each content line: its indentation and the compact sequence dashes that open levels on it
# (`- - - a` nests three sequences on one line).
_LINE_NESTING = re.compile(r"^( *)((?:-[ ]+)*)(?=[^ \r\n])", re.M)


def _depth(text: str) -> int:
    """How deeply the text can nest: the most block levels open on any line (indentation that
    deepens, plus compact dashes) plus the deepest brackets; counts brackets even inside quotes
    and block scalar lines as levels, which only errs on the side of refusing."""
    depth = brackets = 0
    for m in re.finditer(r"[\[\]{}]", text):
        depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
        brackets = max(brackets, depth)
    open_: list[int] = []
    block = 0
    for m in _LINE_NESTING.finditer(text):
        indent = len(m.group(1))
        while open_ and open_[-1] > indent:
            open_.pop()
        if not open_ or open_[-1] < indent:
            open_.append(indent)
        block = max(block, len(open_) + m.group(2).count("-"))
    return brackets + block


def _may_nest_deeper(text: str, limit: int) -> bool:
    """A cheap bound on _depth (counting costs half a millisecond a Deployment):
    brackets open at most one level each, and a line opens at most one block level per
    character of its indentation and dashes, plus one."""
    room = limit - text.count("[") - text.count("{") - 1
    return room < 0 or re.search(rf"(?:^|\n)[ -]{{{room + 1}}}", text) is not None


class _Cycle(Exception):
    """An alias refers to a collection that contains it."""


def children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [c for pair in node.value for c in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _expanded_size(root: Node) -> tuple[int, int]:
    """How many nodes the document has once aliases are expanded, and without (linear time);
    raises _Cycle when an alias refers to a collection that contains it."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()  # on the current path: meeting one again is a cycle
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:  # depth-first, post-order, without recursion
        node, leaving = stack.pop()
        if leaving:
            open_.discard(id(node))
            total = 1 + sum(sizes[id(c)] for c in children(node))
            sizes[id(node)] = min(total, 1 << 40)
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_:
            raise _Cycle
        open_.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children(node) if id(c) not in sizes)
    return sizes[id(root)], len(sizes)


def _checked(
    node: Node | None, source: str, first_line: int, anchors: bool, duplicates: bool = True
) -> Node | None:
    if node is None:
        return None
    if anchors:  # without an anchor there is no alias to expand
        try:
            expanded, unique = _expanded_size(node)
        except _Cycle:
            raise InputError(
                source,
                [
                    f"line {first_line}: an alias refers to a collection that contains it "
                    "(a recursive anchor); Kubernetes manifests cannot be recursive: refused"
                ],
            ) from None
        if expanded > MAX_DATA_NODES and expanded > 4 * unique:
            raise InputError(
                source,
                [
                    f"line {first_line}: the YAML expands to more than {MAX_DATA_NODES} nodes "
                    "through aliases; refused"
                ],
            )
    if duplicates:
        check_duplicate_keys(node, source, first_line)
    return node


_PLAIN_TAGS: dict[tuple[Any, str], Any] = {}


class _Resolver(VersionedResolver):
    """ruamel's resolver for the document's YAML version, without its per-scalar overhead (half
    of composing): the implicit resolvers are looked up once a document (a resolver lives for
    one document, and its version is known before its first scalar), tags are shared, and no
    path resolvers are registered, so none are consulted. A plain scalar's tag depends only on
    the YAML version and its text, so it is looked up once a run (names and keys repeat)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            version = self.__dict__.get("_xpnet_version")
            if version is None:  # ruamel's property costs two exceptions a call
                version = self.__dict__["_xpnet_version"] = self.processing_version
            key = (version, value)
            found = _PLAIN_TAGS.get(key)
            if found is not None:
                return found
            table = self.__dict__.get("_xpnet_table")
            if table is None:
                table = self.__dict__["_xpnet_table"] = self.versioned_resolver
            found = self.DEFAULT_SCALAR_TAG
            for tag, regexp in (*table.get(value[:1], ()), *table.get(None, ())):
                if regexp.match(value):
                    found = _tag(tag)
                    break
            if len(_PLAIN_TAGS) >= 100_000:  # bounded: a huge input of unique values
                _PLAIN_TAGS.clear()
            _PLAIN_TAGS[key] = found
            return found
        if kind is ScalarNode:
            return self.DEFAULT_SCALAR_TAG
        if kind is SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG


@functools.cache
def _tag(suffix: str) -> Tag:
    return Tag(suffix=suffix)


@functools.cache
def _yaml(pure: bool) -> YAML:
    yaml = YAML(typ="safe", pure=pure)
    yaml.Resolver = _Resolver
    return yaml


if CParser is not None:

    class _CLoader(CParser, SafeConstructor, _Resolver):  # type: ignore[misc]
        """The libyaml loader that ruamel's YAML(typ="safe").compose declares as a new class on
        every call (half a millisecond each), declared once: the same bases and
        set-up."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            self._parser = self._composer = self
            SafeConstructor.__init__(self, loader=self)
            _Resolver.__init__(self, version=None, loadumper=self)


def _c_compose(text: str) -> Node | None:
    loader = _CLoader(text)
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    finally:
        loader.dispose()


def raw_compose(text: str) -> Node | None:
    """Compose one document with libyaml, or with the pure parser where libyaml refuses it
    (libyaml speaks YAML 1.1 and refuses some valid YAML 1.2, a ':' inside a plain scalar in a
    flow sequence as in `args: [--x=a:b]`); no checks. Raises MarkedYAMLError."""
    if not PURE and CParser is not None:
        try:
            return _c_compose(text)
        except MarkedYAMLError:
            pass
    return _yaml(True).compose(text)  # type: ignore[no-any-return]


# Documents already composed in this run, by their text: renders of one chart for many clusters
# repeat most documents byte for byte. Nodes are never changed after composing and
# their marks are relative to the document's own text, so one tree serves every copy.
_COMPOSED: dict[tuple[bool, str], Node | None] = {}
_COMPOSED_CHARS = [0]
_COMPOSED_LIMIT = 32 * 2**20  # characters of text kept


def compose(text: str, source: str, first_line: int = 1) -> Node | None:
    """Compose one document; errors name the line and column in the original file."""
    key = (PURE, text)
    if key in _COMPOSED:
        return _COMPOSED[key]
    node = _compose(text, source, first_line)
    if _COMPOSED_CHARS[0] + len(text) > _COMPOSED_LIMIT:
        _COMPOSED.clear()
        _COMPOSED_CHARS[0] = 0
    _COMPOSED[key] = node
    _COMPOSED_CHARS[0] += len(text)
    return node


def compose_values(text: str, source: str, first_line: int = 1) -> Node | None:
    """compose()'s limits (depth, aliases) for chart values that Helm reads, where a key given
    twice is no error: Helm 3 and 4 keep the last one (sigs.k8s.io/yaml)."""
    return _compose(text, source, first_line, duplicates=False)


def _compose(text: str, source: str, first_line: int, duplicates: bool = True) -> Node | None:
    if _may_nest_deeper(text, MAX_DEPTH) and _depth(text) > MAX_DEPTH:
        raise InputError(
            source,
            [f"line {first_line}: the YAML nests more than {MAX_DEPTH} levels deep; refused"],
        )
    try:
        node = _checked(raw_compose(text), source, first_line, "&" in text, duplicates)
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
    if node is not None and _SURROGATE_ESCAPE.search(text):
        _refuse_surrogates(node, source, first_line)
    return node


# A \u or \U escape of a UTF-16 surrogate: no character, and go-yaml (kubectl, kustomize, Helm)
# refuses it ("found invalid Unicode character escape code"); raw surrogates cannot reach here,
# since the text was decoded as UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")


def _refuse_surrogates(root: Node, source: str, first_line: int) -> None:
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode) and _has_surrogate(str(node.value)):
            mark = node.start_mark
            raise InputError(
                source,
                [
                    f"line {mark.line + first_line}, column {mark.column + 1}: invalid YAML: "
                    "an escape of a UTF-16 surrogate (\\uD800-\\uDFFF) is no character; "
                    "write the character itself"
                ],
            )
        stack.extend(children(node))


def _has_surrogate(value: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in value)


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
    (kubectl takes the last, xpnet would read one and edit the other). Null keys are not
    compared (as `scalar` reads them: no name)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, MappingNode | SequenceNode):
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(n for n in node.value if not isinstance(n, ScalarNode))
            continue
        keys: set[str] = set()
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                name = key.value
                if name in _NULLS and not getattr(key, "style", None):
                    pass  # a null key
                elif name in keys:
                    raise InputError(
                        source,
                        [
                            f"line {key.start_mark.line + first_line}: duplicate key {name!r}; "
                            "remove one of them"
                        ],
                    )
                else:
                    keys.add(name)
            if not isinstance(value, ScalarNode):
                stack.append(value)


def is_merge(key: Node) -> bool:
    if not isinstance(key, ScalarNode):
        return False
    tag = key.ctag  # str(Tag), which ruamel's tag property builds, is slow
    return (tag.suffix if tag.handle is None else key.tag) == MERGE_TAG


def merged_sources(node: MappingNode) -> list[MappingNode]:
    """The mappings a merge key (`<<: *base` or `<<: [*a, *b]`) brings in, first one first."""
    out: list[MappingNode] = []
    for key, value in node.value:
        if is_merge(key):
            items = value.value if isinstance(value, SequenceNode) else [value]
            out += [m for m in items if isinstance(m, MappingNode)]
    return out


def locate(node: Node | None, key: str) -> tuple[MappingNode, ScalarNode, Node] | None:
    """Where `key` of a mapping is written, as YAML means it: the mapping's own key first, then
    the mappings merged in through `<<`; (the mapping holding it, the key, the value)."""
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key and not is_merge(k):
            return node, k, v
    for source in merged_sources(node):
        found = locate(source, key)
        if found is not None:
            return found
    return None


def get(node: Node | None, key: str) -> Node | None:
    """The value of `key` in a mapping node (merge keys resolved), None when absent."""
    found = locate(node, key)
    return found[2] if found else None


def path_counts(root: Node) -> dict[int, int]:
    """How many ways each node is reached from the root; more than one means an alias shares
    it, so editing it would edit every place that uses it. (Cycles are refused on compose.)"""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children(node))
    counts = {id(root): 1}
    for node in reversed(order):  # parents before children
        for child in children(node):
            counts[id(child)] = counts.get(id(child), 0) + counts.get(id(node), 0)
    return counts


def child(node: Node | None, key: str | int) -> Node | None:
    """A mapping's value or a sequence's item."""
    if isinstance(key, int):
        if isinstance(node, SequenceNode) and 0 <= key < len(node.value):
            return node.value[key]  # type: ignore[no-any-return]
        return None
    return get(node, key)


def walk(node: Node | None, path: tuple[str | int, ...]) -> Node | None:
    """The node at a path of mapping keys and sequence indexes, None where there is none."""
    for key in path:
        node = child(node, key)
    return node


def get_in(node: Node | None, *path: str) -> Node | None:
    for key in path:
        node = get(node, key)
    return node


def to_data(node: Node | None, source: str = "input") -> Any:
    """Plain Python data (strings for every scalar) from a node; aliases that would expand past
    MAX_DATA_NODES are refused."""
    budget = [MAX_DATA_NODES]
    seen: set[int] = set()

    def convert(n: Node | None) -> Any:
        # Only a node met again (through an alias) counts: a large document without aliases
        # is as large as its text, and is not what this guards against.
        if id(n) in seen:
            budget[0] -= 1
            if budget[0] < 0:
                raise InputError(
                    source,
                    [
                        f"the YAML expands to more than {MAX_DATA_NODES} nodes through aliases; "
                        "refused"
                    ],
                )
        elif n is not None:
            seen.add(id(n))
        if n is None or is_null(n):
            return None
        if isinstance(n, ScalarNode):
            return str(n.value)
        if isinstance(n, SequenceNode):
            return [convert(c) for c in n.value]
        if isinstance(n, MappingNode):
            out: dict[str, Any] = {}
            for merged in reversed(merged_sources(n)):  # the first merged mapping wins
                out.update(convert(merged))
            out.update({str(convert(k)): convert(v) for k, v in n.value if not is_merge(k)})
            return out
        return None

    return convert(node)


def is_flow(node: Node) -> bool:
    return isinstance(node, MappingNode | SequenceNode) and bool(node.flow_style)


class _Unwritten:
    """A scalar of a type the writer never writes (a float, a date): equal to nothing."""

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return id(self)


def typed_data(node: Node | None) -> Any:
    """What a YAML parser makes of a node, for the types the writer writes (strings, integers,
    booleans, mappings and lists): reading the tags libyaml resolved is ~3x faster than
    constructing, and a scalar resolved to any other type (or a merge key) reads as unequal."""
    if isinstance(node, ScalarNode):
        tag = str(node.tag).rpartition(":")[2]
        if tag == "str":
            return node.value
        if tag == "int" and re.fullmatch(r"-?[0-9]+", node.value):
            return int(node.value)
        if tag == "bool" and node.value in ("true", "false"):
            return node.value == "true"
        return _Unwritten()
    if isinstance(node, SequenceNode):
        return [typed_data(c) for c in node.value]
    if isinstance(node, MappingNode):
        return {typed_data(k): typed_data(v) for k, v in node.value}
    return _Unwritten()
