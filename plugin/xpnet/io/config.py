"""Finding and reading the configuration: a ClusterNetwork (or ConfigMap) file for the CLI and
the post-renderer, the functionConfig of a ResourceList for the KRM function."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from xpnet.config import ClusterNetwork, load_config
from xpnet.errors import ConfigError, InputError
from xpnet.yaml.nodes import compose, to_data
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
    return load_config(to_data(compose(text, path), path), path)


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
    try:
        return load_config(config_doc, source)
    except ConfigError as error:
        from xpnet.io.origin import config_file

        file = config_file(config_doc, workdir)
        if file is None:
            raise
        raise ConfigError(f"{file}: {source}", error.problems) from None
