"""Which file a KRM functionConfig came from, so configuration errors can name it.

kpt (and kyaml-based runners) annotate it with its path. kustomize v5.6/v5.7 passes no path (only
`config.kubernetes.io/origin`, relative to the top kustomization, when that sets `buildMetadata:
[originAnnotations]`), but runs an exec function in the folder of the kustomization that lists
it: the file is found there among that kustomization's transformers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

PATH_ANNOTATIONS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
LISTS = ("transformers", "generators", "validators")
MAX_BYTES = 1 << 20  # a configuration file is small; anything bigger is not read


def config_file(config: Any, workdir: str | Path | None) -> str | None:
    """The functionConfig's file: a path annotation, the file found from `workdir`, an origin."""
    if not isinstance(config, Mapping):
        return None
    meta = config.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    annotations = annotations if isinstance(annotations, Mapping) else {}
    for key in PATH_ANNOTATIONS:
        if isinstance(annotations.get(key), str) and annotations[key].strip():
            return str(annotations[key]).strip()
    # An absolute path when the file can be found; the origin's is relative to the top
    # kustomization built, which the function does not know.
    found = _search(config, Path(workdir)) if workdir is not None else None
    origin = _load(annotations.get(ORIGIN_ANNOTATION))
    if found is None and isinstance(origin, Mapping) and isinstance(origin.get("path"), str):
        repo = origin.get("repo")
        ref = f"@{origin['ref']}" if origin.get("ref") else ""
        return str(origin["path"]) + (f" in {repo}{ref}" if repo else "")
    return found


def _search(config: Mapping[str, Any], workdir: Path) -> str | None:
    try:
        found = {path for path in _listed_files(workdir) if _holds(path, config)}
    except (OSError, RuntimeError, ValueError):  # RecursionError is a RuntimeError
        return None
    return str(found.pop()) if len(found) == 1 else None


def _load(text: Any) -> Any:
    if not isinstance(text, str) or len(text) > MAX_BYTES:
        return None
    try:
        return YAML(typ="safe", pure=True).load(text)
    except (YAMLError, ValueError, TypeError, RecursionError):  # then it is not the one
        return None


def _load_all(path: Path) -> list[Any]:
    if not path.is_file() or path.stat().st_size > MAX_BYTES:
        return []
    try:
        return list(YAML(typ="safe", pure=True).load_all(path.read_text(encoding="utf-8")))
    except (YAMLError, ValueError, TypeError, RecursionError):
        return []


def _kustomization(folder: Path) -> tuple[Path, Mapping[str, Any]] | None:
    for name in KUSTOMIZATION_FILES:
        docs = _load_all(folder / name)
        if docs and isinstance(docs[0], Mapping):
            return folder / name, docs[0]
    return None


def _listed_files(workdir: Path) -> Iterator[Path]:
    """The files the kustomization in `workdir` lists as transformers (one folder level deep)."""
    found = _kustomization(workdir)
    if found is None:
        return
    kustomization, data = found
    for entry in (e for key in LISTS for e in _list(data, key) if isinstance(e, str)):
        if "\n" in entry:  # an inline configuration: written in the kustomization itself
            yield kustomization
            continue
        target = (workdir / entry).resolve()
        inner = _kustomization(target) if target.is_dir() else None
        if inner is None:
            yield target
            continue
        for resource in _list(inner[1], "resources"):
            if isinstance(resource, str):
                yield (target / resource).resolve()


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _holds(path: Path, config: Mapping[str, Any]) -> bool:
    """Whether the file holds this configuration (same apiVersion, kind and name)."""
    docs = _load_all(path)
    if path.name in KUSTOMIZATION_FILES and docs and isinstance(docs[0], Mapping):
        docs = [_load(e) for key in LISTS for e in _list(docs[0], key)]
    return any(_same(doc, config) for doc in docs)


def same_document(doc: Any, config: Any) -> bool:
    """Whether a document is this configuration (same apiVersion, kind and name)."""
    return isinstance(config, Mapping) and _same(doc, config)


def _same(doc: Any, config: Mapping[str, Any]) -> bool:
    if not isinstance(doc, Mapping):
        return False

    def name(d: Mapping[str, Any]) -> Any:
        meta = d.get("metadata")
        return meta.get("name") if isinstance(meta, Mapping) else None

    return all(doc.get(k) == config.get(k) for k in ("apiVersion", "kind")) and name(doc) == name(
        config
    )
