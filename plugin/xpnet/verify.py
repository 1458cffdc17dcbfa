"""Read every rewritten document back with a real YAML parser and compare its data with what was
intended: the input's data with exactly the planned env edits applied. A difference
is a bug in xpnet's splicing, so nothing is written."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from ruamel.yaml.error import YAMLError

from xpnet.envvars import PROXY_URL_VARS
from xpnet.errors import InputError
from xpnet.install import REQUIRED_SIBLINGS
from xpnet.plan import EnvEdit
from xpnet.trust import ItemEdit
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    is_merge,
    merged_sources,
    raw_compose,
)
from xpnet.yaml.splice import NOT_A_STRING
from xpnet.yaml.stream import Document

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"


class _Unreadable(Exception):
    pass


_KINDS = (ScalarNode, MappingNode, SequenceNode)


def _scalar(node: ScalarNode) -> Any:
    tag = node.ctag.suffix if node.ctag.handle is None else node.tag  # str(Tag) is slow
    if tag == _STR:
        plain = not getattr(node, "style", None)
        return ("1.1", node.value) if plain and NOT_A_STRING.match(node.value) else node.value
    return None if tag == _NULL else (tag, node.value)


def data(node: Node | None) -> Any:
    """A document's data, types kept: str for strings, None for null, (tag, text) for any
    other scalar; merge keys resolved. A plain string that YAML 1.1 (kubectl's parser) would
    read as another type is ("1.1", text), so that writing one plain is a difference."""
    kind = type(node)
    if kind not in _KINDS:  # None, or a subclass (none are made today)
        kind = next((k for k in _KINDS if isinstance(node, k)), type(None))
    if kind is ScalarNode:
        assert isinstance(node, ScalarNode)
        return _scalar(node)
    if kind is SequenceNode:
        assert isinstance(node, SequenceNode)
        # scalars (most nodes) read here, not through another call of data()
        return [_scalar(i) if type(i) is ScalarNode else data(i) for i in node.value]
    if kind is not MappingNode:
        return None
    assert isinstance(node, MappingNode)
    out: dict[Any, Any] = {}
    merges = False
    for key, value in node.value:
        # a plain key other than `<<` with no tag of its own (nearly every key) is no merge key
        if type(key) is ScalarNode and key.value != "<<" and key.ctag.handle is None:
            name = _scalar(key)
        elif is_merge(key):
            merges = True
            continue
        else:
            name = data(key)
            name = tuple(name) if isinstance(name, list) else name
        if name in out:
            raise _Unreadable(f"the key {name!r} is there twice")
        out[name] = _scalar(value) if type(value) is ScalarNode else data(value)
    if not merges:
        return out
    merged: dict[Any, Any] = {}
    for source in reversed(merged_sources(node)):
        merged.update(data(source))
    merged.update(out)
    return merged


def load(text: str) -> Any:
    """One rewritten document's data, read the way xpnet read its input."""
    try:
        return data(raw_compose(text))
    except (YAMLError, ValueError, TypeError, RecursionError) as error:
        raise _Unreadable(str(error).splitlines()[0]) from None


def _holder(data: dict[str, Any], path: tuple[str | int, ...], name: str | None) -> Any:
    """The dict an edit writes into, created like the rewriter creates it when missing."""
    missing = not _exists(data, path, name)
    node: Any = data
    for i, key in enumerate(path):
        if isinstance(key, int):
            node = node[key]
            continue
        if missing and path[:i] in REQUIRED_SIBLINGS:
            for k, v in REQUIRED_SIBLINGS[path[:i]].items():
                node.setdefault(k, copy.deepcopy(v))
        if node.get(key) is None:
            node[key] = [] if i == len(path) - 1 and name is not None else {}
        node = node[key]
    if name is None:
        return node
    for item in node:
        if isinstance(item, dict) and item.get("name") == name:
            return item
    created: dict[str, Any] = {"name": name}
    node.append(created)
    return created


def _exists(node: Any, path: tuple[str | int, ...], name: str | None) -> bool:
    for key in path:
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                return False
            node = node[key]
            continue
        if not isinstance(node, dict) or node.get(key) is None:
            return False
        node = node[key]
    if name is None:
        return isinstance(node, dict)
    return isinstance(node, list) and any(
        isinstance(i, dict) and i.get("name") == name for i in node
    )


def intended(tree: Any, edits: Iterable[EnvEdit]) -> Any:
    """The input's data with the edits applied as data (the rewriter's contract); changes
    `tree` itself."""
    out = tree
    for edit in edits:
        holder = _holder(out, edit.block.holder_path, edit.block.container)
        if edit.block.keyed:  # chart values: NAME: value, keys as written
            if holder.get(edit.block.env_key) is None:
                holder[edit.block.env_key] = {}
            env_map: dict[str, Any] = holder[edit.block.env_key]
            for name, value in edit.values:
                var = edit.block.get(name)
                env_map[var.key if var is not None and var.key else name] = value
            continue
        if holder.get("env") is None:
            holder["env"] = []
        env: list[dict[str, Any]] = holder["env"]
        names = [item.get("name") for item in env]
        refs = [
            {"name": r.name, "valueFrom": {"secretKeyRef": {"name": r.secret, "key": r.key}}}
            for r in edit.refs
            if r.name not in names
        ]
        first_proxy = next((k for k, n in enumerate(names) if n in PROXY_URL_VARS), len(env))
        env[first_proxy:first_proxy] = refs
        after = dict(edit.after)
        for name, value in edit.values:
            item = next((i for i in env if i.get("name") == name), None)
            if item is None:
                _insert_after(env, after.get(name, ()), {"name": name, "value": value})
            elif "valueFrom" not in item:
                item["value"] = value
    return out


def _insert_after(items: list[Any], names: tuple[str, ...], item: Any) -> None:
    found = [k for k, i in enumerate(items) if isinstance(i, dict) and i.get("name") in names]
    items.insert(found[-1] + 1 if found else len(items), item)


def _as_read(value: Any) -> Any:
    """New data as `data` reads it back: booleans tagged."""
    if isinstance(value, bool):
        return ("tag:yaml.org,2002:bool", str(value).lower())
    if isinstance(value, dict):
        return {k: _as_read(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_read(v) for v in value]
    return value


def _walk(tree: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def with_items(tree: Any, items: Iterable[ItemEdit]) -> Any:
    """The data with the ItemEdits applied (after the env edits, as the rewriter does)."""
    for edit in items:
        holder = _walk(tree, edit.path)
        if edit.container is not None:
            holder = next(
                i for i in holder if isinstance(i, dict) and i.get("name") == edit.container
            )
        want = _as_read(edit.item)
        if edit.match is None:
            if isinstance(holder.get(edit.key), dict):
                _merge(holder[edit.key], want)
            else:
                holder[edit.key] = want
            continue
        if not isinstance(holder.get(edit.key), list):
            holder[edit.key] = []
        seq = holder[edit.key]
        key = str(edit.item[edit.match]).rstrip("/")
        existing = next(
            (
                i
                for i in seq
                if isinstance(i, dict) and str(i.get(edit.match) or "").rstrip("/") == key
            ),
            None,
        )
        if existing is not None:
            _merge(existing, want)
        else:
            _insert_after(seq, edit.after, want)
    return tree


def _merge(have: dict[str, Any], want: dict[str, Any]) -> None:
    """Set `want`'s fields in `have`, into mappings both hold (as the rewriter does)."""
    for key, value in want.items():
        if isinstance(value, dict) and isinstance(have.get(key), dict) and have[key]:
            _merge(have[key], value)
        else:
            have[key] = value


def difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two data trees differ, types included (Python has 1 == True), or None."""
    if type(a) is not type(b):
        return f"{path or '(document)'}: {type(a).__name__} became {type(b).__name__}"
    if isinstance(a, dict):
        for key in a.keys() | b.keys():
            if key not in a or key not in b:
                return f"{path}.{key}: {'added' if key in b else 'lost'}"
            found = difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items became {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b or (a != a and b != b) else f"{path}: value changed"


_INNER = object()  # stands for a document written as a string, checked on its own


def _at(tree: Any, path: tuple[str | int, ...]) -> tuple[Any, str | int]:
    return _walk(tree, path[:-1]), path[-1]


def _strings(want: Any, got: Any, strings: dict[tuple[str | int, ...], str]) -> str | None:
    """Each string holding a document must read as the text xpnet made of it (verified on its
    own before); then both trees get the same stand-in there."""
    for path, text in strings.items():
        try:
            holder, key = _at(got, path)
            found = holder[key]
        except (KeyError, IndexError, TypeError):
            return f"{'.'.join(map(str, path))}: lost"
        if not isinstance(found, str) or difference(load(text), load(found)):
            return f"{'.'.join(map(str, path))}: the values string changed otherwise"
        holder[key] = _INNER
        holder, key = _at(want, path)
        holder[key] = _INNER
    return None


def verify(
    doc: Document,
    edits: list[EnvEdit],
    new_text: str,
    strings: dict[tuple[str | int, ...], str] | None = None,
    ref: str | None = None,
    items: Iterable[ItemEdit] = (),
) -> None:
    """Refuse (nothing is written) when the new text does not read back as intended."""
    items = list(items)
    ref = ref or (edits[0] if edits else items[0]).resource.ref
    try:
        want = with_items(intended(data(doc.root), edits), items)
        got = load(new_text)
        # got is data()'s: str, None, tuples of str, lists, dicts; with no number in it for `==`
        # to take for a bool (1 == True), equal trees are told in C, and the walk says where not
        problem = _strings(want, got, strings or {}) or (
            None if want == got else difference(want, got)
        )
    except _Unreadable as error:
        problem = f"it no longer parses ({error})"
    if problem:
        raise InputError(
            doc.source,
            [
                f"{ref}: internal error: the rewritten document does not read back as intended "
                f"({problem}); nothing was written. This is a bug in xpnet: please report it "
                "with this input"
            ],
        )
