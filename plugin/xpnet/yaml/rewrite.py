"""Turn a plan's env edits into splices of one document's text: only env blocks change."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from xpnet.errors import InputError
from xpnet.install import RUNTIME_CONFIG_PODSPEC, Document
from xpnet.plan import PROXY_URL_VARS, EnvEdit, SecretRef
from xpnet.yaml import splice
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    get,
    is_flow,
    is_null,
    scalar,
    style,
    to_data,
)
from xpnet.yaml.splice import Splice

# Keys the CRD requires beside the ones xpnet creates (FACTS.md §9: selector and template).
_REQUIRED_SIBLINGS: dict[tuple[str, ...], dict[str, Any]] = {
    RUNTIME_CONFIG_PODSPEC[:3]: {"selector": {}},
}


def _kv(node: Node, key: str) -> tuple[ScalarNode, Node] | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k, v
    return None


def _refuse_shared(doc: Document, node: Node, shared: set[int], what: str) -> None:
    """An alias makes one node appear in several places; editing it would edit them all."""
    if id(node) not in shared:
        return
    text = doc.segment.text
    anchor = re.search(r"&([^\s,\[\]{}]+)\s*$", text[: node.start_mark.index]) or re.match(
        r"&([^\s,\[\]{}]+)", text[node.start_mark.index :]
    )
    name = f" &{anchor.group(1)}" if anchor else ""
    raise InputError(
        doc.source,
        [
            f"line {doc.segment.line + node.start_mark.line}: {what} is shared through the YAML "
            f"anchor{name}; editing it would change every place that uses it: write the env "
            "block out in each container"
        ],
    )


def _shared_nodes(root: Node) -> set[int]:
    """The collection nodes that are reached more than once (through aliases)."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, MappingNode | SequenceNode):
            continue
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend(v for _, v in node.value)
        else:
            stack.extend(node.value)
    return shared


def _style(seq: Node) -> str | None:
    """The quoting of existing env values (proxy variables first), so that new ones match."""
    proxy: list[str | None] = []
    other: list[str | None] = []
    if isinstance(seq, SequenceNode):
        for item in seq.value:
            value = get(item, "value")
            if isinstance(value, ScalarNode) and style(value) in (None, "'", '"'):
                name = scalar(get(item, "name")) or ""
                (proxy if "proxy" in name.lower() else other).append(style(value))
    styles = proxy + other
    return styles[0] if styles else None


def _entry(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value}


def _ref_entry(ref: SecretRef) -> dict[str, Any]:
    return {"name": ref.name, "valueFrom": {"secretKeyRef": {"name": ref.secret, "key": ref.key}}}


def _new_entries(edit: EnvEdit) -> list[dict[str, Any]]:
    """A whole new env list: the Secret references first, then the variables."""
    return [_ref_entry(r) for r in edit.refs] + [_entry(n, v) for n, v in edit.values]


def _set_env_data(env: list[dict[str, Any]], edit: EnvEdit) -> None:
    """Apply an edit to env entries as data (for flow style, which is re-emitted whole)."""
    names = [i.get("name") for i in env]
    missing = [_ref_entry(r) for r in edit.refs if r.name not in names]
    first_proxy = next((k for k, n in enumerate(names) if n in PROXY_URL_VARS), len(env))
    env[first_proxy:first_proxy] = missing
    for name, value in edit.values:
        item = next((i for i in env if i.get("name") == name), None)
        if item is None:
            env.append(_entry(name, value))
        elif "valueFrom" not in item:
            item["value"] = value


def _env_splices(
    doc: Document, holder: MappingNode, edit: EnvEdit, shared: set[int]
) -> list[Splice]:
    text = doc.segment.text
    found = _kv(holder, "env")
    if found is None:
        return [splice.add_to_mapping(text, holder, {"env": _new_entries(edit)}, None)]
    key, seq = found
    _refuse_shared(doc, seq, shared, edit.block.field_path)
    if is_null(seq) or (is_flow(seq) and not seq.value):
        return splice.set_value(text, key, seq, _new_entries(edit), None)
    if not isinstance(seq, SequenceNode):
        raise InputError(doc.source, [f"{edit.block.field_path}: env must be a list"])
    if is_flow(seq):
        data = to_data(seq)
        _set_env_data(data, edit)
        return [Splice(seq.start_mark.index, seq.end_mark.index, splice.flow(data))]
    style = _style(seq)
    splices: list[Splice] = []
    names = [scalar(get(i, "name")) for i in seq.value]
    refs = [_ref_entry(r) for r in edit.refs if r.name not in names]
    first_proxy = next((seq.value[k] for k, n in enumerate(names) if n in PROXY_URL_VARS), None)
    if refs and first_proxy is not None:  # before it: $(VAR) only sees earlier entries
        splices.append(splice.insert_items_before(text, seq, first_proxy, refs, style))
        refs = []
    new: list[dict[str, Any]] = refs
    for name, value in edit.values:
        item = next((i for i in seq.value if scalar(get(i, "name")) == name), None)
        if item is None:
            new.append(_entry(name, value))
            continue
        _refuse_shared(doc, item, shared, f"{edit.block.field_path} entry {name}")
        current = _kv(item, "value")
        if current is None:
            if get(item, "valueFrom") is None:
                splices.append(splice.add_to_mapping(text, item, {"value": value}, style))
        elif isinstance(current[1], ScalarNode) and (scalar(current[1]) or "") != value:
            splices.append(splice.replace_value(text, current[0], current[1], value))
    if new:
        splices.append(splice.append_items(text, seq, new, style))
    return splices


def _nest(path: tuple[str, ...], at: tuple[str, ...], leaf: Any) -> Any:
    """The data to create for the missing `path` below the existing `at`, ending in `leaf`."""
    if not path:
        return leaf
    here = (*at, path[0])
    child = _nest(path[1:], here, leaf)
    if isinstance(child, dict) and here in _REQUIRED_SIBLINGS:
        child = {**_REQUIRED_SIBLINGS[here], **child}
    return {path[0]: child}


def _create(doc: Document, edit: EnvEdit) -> list[Splice]:
    """Create a missing holder (e.g. a runtime config's package-runtime container)."""
    text = doc.segment.text
    env = _new_entries(edit)
    path = edit.block.holder_path
    leaf: Any = (
        [{"name": edit.block.container, "env": env}] if edit.block.container else {"env": env}
    )
    node: Node = doc.root
    later: list[Splice] = []
    for i, key in enumerate(path):
        at = path[:i]
        if at in _REQUIRED_SIBLINGS and isinstance(node, MappingNode) and not is_flow(node):
            missing = {k: v for k, v in _REQUIRED_SIBLINGS[at].items() if _kv(node, k) is None}
            if missing:
                later.append(splice.add_to_mapping(text, node, missing, None))
        found = _kv(node, key)
        if found is None:
            if not isinstance(node, MappingNode):
                break
            created = _nest(path[i:], at, leaf)
            return [splice.add_to_mapping(text, node, created, None), *later]
        k, value = found
        if is_null(value) or is_flow(value):
            rest = _nest(path[i + 1 :], path[: i + 1], leaf)
            if isinstance(rest, dict):
                rest = {**_REQUIRED_SIBLINGS.get(path[: i + 1], {}), **rest}
            return [*splice.set_value(text, k, value, rest, None), *later]
        node = value
    else:
        if isinstance(node, SequenceNode):
            return [splice.append_items(text, node, leaf, None), *later]
        if isinstance(node, MappingNode):
            return [splice.add_to_mapping(text, node, leaf, None), *later]
    where = ".".join(path)
    raise InputError(doc.source, [f"{edit.resource.ref}: {where} is not a mapping or list"])


def _holder(doc: Document, edit: EnvEdit) -> MappingNode | None:
    node: Node | None = doc.root
    for key in edit.block.holder_path:
        node = get(node, key)
    if edit.block.container is None:
        return node if isinstance(node, MappingNode) and not is_flow(node) else None
    if isinstance(node, SequenceNode):
        for item in node.value:
            if scalar(get(item, "name")) == edit.block.container:
                return item if isinstance(item, MappingNode) else None
    return None


def rewrite(doc: Document, edits: Iterable[EnvEdit]) -> str:
    """The document's text with its env edits applied; every other byte as it was."""
    splices: list[Splice] = []
    shared = _shared_nodes(doc.root)
    for edit in edits:
        holder = _holder(doc, edit)
        if holder is None:
            splices += _create(doc, edit)
        elif is_flow(holder):
            data = to_data(holder)
            _set_env_data(data.setdefault("env", []), edit)
            splices.append(
                Splice(holder.start_mark.index, holder.end_mark.index, splice.flow(data))
            )
        else:
            _refuse_shared(
                doc, holder, shared, f"{edit.resource.ref} container {edit.block.container}"
            )
            splices += _env_splices(doc, holder, edit, shared)
    return splice.apply(doc.segment.text, splices)
