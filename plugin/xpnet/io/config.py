"""Finding and reading the configuration: a ClusterNetwork (or ConfigMap) file for the CLI and
the post-renderer, the functionConfig of a ResourceList for the KRM function."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from xpnet.config import ClusterNetwork, ConfigOrigin, load_config
from xpnet.errors import ConfigError, InputError
from xpnet.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode, compose, to_data
from xpnet.yaml.stream import decode

if TYPE_CHECKING:
    from pathlib import Path

CONFIG_FILE = ".xpnet.yaml"


def find_config(explicit: str | None, start: Path | None = None) -> str:
    """-c FILE, else $XPNET_CONFIG, else .xpnet.yaml here or in the nearest parent folder."""
    if explicit:
        return explicit
    if os.environ.get("XPNET_CONFIG"):
        return os.environ["XPNET_CONFIG"]
    from pathlib import Path

    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return str(folder / CONFIG_FILE)
    raise ConfigError(
        str(here),
        [
            f"no configuration: pass -c FILE, set XPNET_CONFIG, or create {CONFIG_FILE} here or "
            "in a folder above (a ClusterNetwork; see `xpnet schema`)"
        ],
    )


def read_config(path: str) -> ClusterNetwork:
    """Load the ClusterNetwork (or ConfigMap) document of a config file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ConfigError(path, [f"cannot read the config file: {error.strerror}"]) from None
    text, _ = decode(path, data)
    root = compose(text, path)
    config = load_config(to_data(root, path), path)
    return config._replace(origin=ConfigOrigin(path, field_lines(root)))


def field_lines(root: Node | None, first_line: int = 1) -> dict[str, int]:
    """The line each field of a configuration is written on (`spec.proxy.noProxy[2]`), so a
    finding about the configuration can point at it."""
    lines: dict[str, int] = {}
    stack: list[tuple[str, Node | None]] = [("", root)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and isinstance(key.value, str):
                    here = f"{path}.{key.value}" if path else key.value
                    lines.setdefault(here, first_line + int(key.start_mark.line))
                    stack.append((here, value))
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault(f"{path}[{i}]", first_line + int(item.start_mark.line))
                stack.append((f"{path}[{i}]", item))
    return lines


def function_config(
    text: str, line: Callable[[], int], workdir: str | Path | None
) -> ClusterNetwork:
    """A ResourceList's functionConfig (its lines, from line() on: counted only for a message)
    as the run's configuration; an error names the file it came from where that is known."""
    try:
        raw = to_data(compose(text, "functionConfig"), "functionConfig") or {}
    except InputError:  # again, to say where
        raw = to_data(compose(text, "functionConfig", line()), "functionConfig") or {}
    config_doc = raw.get("functionConfig") if isinstance(raw, dict) else None
    meta = config_doc.get("metadata") if isinstance(config_doc, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    source = f"functionConfig {name or ''}".strip()
    from xpnet.io.origin import config_file

    try:
        config = load_config(config_doc, source)
    except ConfigError as error:
        file = config_file(config_doc, workdir)
        if file is None:
            raise
        raise ConfigError(f"{file}: {source}", error.problems) from None
    found: list[ConfigOrigin] = []

    def origin() -> ConfigOrigin:  # found once, and only for a finding about the configuration
        if not found:
            found.append(_function_origin(config_doc, config_file(config_doc, workdir)))
        return found[0]

    return config._replace(origin=origin)


# kpt annotates the functionConfig with its path; kustomize passes none and the file is found
# only when the kustomization lists it (io/origin.py; docs/explanation/pipelines.md).
UNKNOWN_FILE = "its file is not known: the runner did not name it, as kustomize does not"


def _function_origin(doc: object, file: str | None) -> ConfigOrigin:
    """Where a functionConfig was written: its file where known, with the lines of its fields
    where that file can be read (a runner passes the configuration, not its text)."""
    if file is None:
        return ConfigOrigin(None, {}, UNKNOWN_FILE)
    from xpnet.io.origin import same_document
    from xpnet.yaml.scan import split_stream

    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read(1 << 20)
        for segment in split_stream(text):
            root = compose(segment.text, file, segment.line)
            if same_document(to_data(root, file), doc):
                return ConfigOrigin(file, field_lines(root, segment.line))
    except (OSError, UnicodeDecodeError, InputError):
        pass  # a file that cannot be read (a path relative to another folder): its first line
    return ConfigOrigin(file, {})
