"""Read every rewritten document back with a real YAML parser and compare its data with what was
intended: the input's data with exactly the planned env edits applied (issue 9). A difference
is a bug in xpnet's splicing, so nothing is written."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from xpnet.errors import InputError
from xpnet.install import RUNTIME_CONFIG_PODSPEC, Document
from xpnet.plan import PROXY_URL_VARS, EnvEdit

# Created with the package-runtime container where the CRD requires it (FACTS.md §9).
_REQUIRED_SIBLINGS: dict[tuple[str, ...], dict[str, Any]] = {
    RUNTIME_CONFIG_PODSPEC[:3]: {"selector": {}}
}


class _Unreadable(Exception):
    pass


def load(text: str) -> Any:
    """One document's data as kubectl's parser sees it: YAML 1.1 types (`yes` is a boolean),
    anchors and merge keys resolved; the pure parser where libyaml refuses YAML 1.2."""
    for pure in (False, True):
        yaml = YAML(typ="safe", pure=pure)
        yaml.version = (1, 1)
        try:
            return yaml.load(text)
        except MarkedYAMLError as error:
            if pure:
                raise _Unreadable(str(error).splitlines()[0]) from None
        except (YAMLError, ValueError, TypeError) as error:
            raise _Unreadable(str(error).splitlines()[0]) from None
    return None  # not reached


def _holder(data: dict[str, Any], path: tuple[str, ...], name: str | None) -> Any:
    """The dict an edit writes into, created like the rewriter creates it when missing."""
    missing = not _exists(data, path, name)
    node: Any = data
    for i, key in enumerate(path):
        if missing and path[:i] in _REQUIRED_SIBLINGS:
            for k, v in _REQUIRED_SIBLINGS[path[:i]].items():
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


def _exists(node: Any, path: tuple[str, ...], name: str | None) -> bool:
    for key in path:
        if not isinstance(node, dict) or node.get(key) is None:
            return False
        node = node[key]
    if name is None:
        return isinstance(node, dict)
    return isinstance(node, list) and any(
        isinstance(i, dict) and i.get("name") == name for i in node
    )


def intended(data: Any, edits: Iterable[EnvEdit]) -> Any:
    """The input's data with the edits applied as data (the rewriter's contract)."""
    out = copy.deepcopy(data)
    for edit in edits:
        holder = _holder(out, edit.block.holder_path, edit.block.container)
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
        for name, value in edit.values:
            item = next((i for i in env if i.get("name") == name), None)
            if item is None:
                env.append({"name": name, "value": value})
            elif "valueFrom" not in item:
                item["value"] = value
    return out


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


def verify(doc: Document, edits: list[EnvEdit], new_text: str) -> None:
    """Refuse (nothing is written) when the new text does not read back as intended."""
    ref = edits[0].resource.ref
    try:
        want = intended(load(doc.segment.text), edits)
        got = load(new_text)
        problem = difference(want, got)
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
