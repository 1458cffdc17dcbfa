#!/usr/bin/env python3
"""Write the generated reference pages of the docs site: the configuration from the published JSON
Schema, the command line from the parsers, the rules from the catalogue. Tests fail when a page
is stale; `python scripts/docs.py` (or the tests with XPNET_UPDATE_GOLDEN=1) writes them."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "clusternetwork.schema.json"
PAGES = {
    "docs/reference/configuration.md": "configuration",
    "docs/reference/cli.md": "cli",
    "docs/rules.md": "rules",
}
WIDTH = "100"  # argparse wraps help at the terminal's width: the pages are written at one


def _type(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[1]
    for key in ("anyOf", "oneOf"):
        if key in spec:
            kinds = [_type(s, defs) for s in spec[key] if s.get("type") != "null"]
            return " or ".join(dict.fromkeys(kinds)) or "null"
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}), defs)}"
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    return str(kind)


def _objects(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The ClusterNetwork's objects from its root down, each once, with the path it is found at."""
    defs = schema.get("$defs", {})
    seen: set[str] = set()
    queue: list[tuple[str, dict[str, Any]]] = [("ClusterNetwork", schema)]
    while queue:
        path, spec = queue.pop(0)
        yield path, spec
        for name, field in spec.get("properties", {}).items():
            for ref in _refs(field):
                if ref not in seen:
                    seen.add(ref)
                    queue.append((f"{path}.{name}" if path else name, defs[ref]))


def _refs(spec: dict[str, Any]) -> list[str]:
    found = [spec["$ref"].rsplit("/", 1)[1]] if "$ref" in spec else []
    for key in ("anyOf", "oneOf", "allOf"):
        for part in spec.get(key, []):
            found += _refs(part)
    if "items" in spec:
        found += _refs(spec["items"])
    return found


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def configuration() -> str:
    schema = json.loads(SCHEMA.read_text())
    defs = schema.get("$defs", {})
    out = [
        "# Configuration reference",
        "",
        "Generated from `schemas/clusternetwork.schema.json` (what `xpnet schema` prints); do not",
        "edit. Editors validate a configuration against it with",
        "`# yaml-language-server: $schema=<path or URL of the schema>`. The same settings are",
        "accepted as a ConfigMap's `data` (see the tutorial).",
        "",
    ]
    for path, spec in _objects(schema):
        props = spec.get("properties", {})
        if not props:
            continue
        required = set(spec.get("required", []))
        out += [f"## `{path}`", ""]
        if spec.get("description") and path != "ClusterNetwork":
            out += [_cell(spec["description"]), ""]
        out += ["| field | type | default | description |", "|---|---|---|---|"]
        for name, field in props.items():
            default = "required" if name in required else json.dumps(field.get("default", None))
            if "default" not in field and name not in required:
                default = ""
            out.append(
                f"| `{name}` | {_cell(_type(field, defs))} | {_cell(default)} | "
                f"{_cell(field.get('description', ''))} |"
            )
        out.append("")
    return "\n".join(out)


def cli() -> str:
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        return _cli()
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _cli() -> str:
    from xpnet.adapters.cli import COMMANDS, parser

    out = [
        "# Command line reference",
        "",
        "Generated from xpnet's own parsers (what `--help` prints); do not edit.",
        "",
        "<!-- output -->",
        "```text",
        parser().format_help().rstrip(),
        "```",
        "",
    ]
    for name in COMMANDS:
        top = parser(name)
        sub = next(a for a in top._actions if a.dest == "command")
        command = sub.choices[name]  # type: ignore[index]
        out += [f"## `xpnet {name}`", "", "<!-- output -->", "```text"]
        out += [command.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def rules() -> str:
    from xpnet.rules import markdown

    return markdown()


def render(kind: str) -> str:
    text = {"configuration": configuration, "cli": cli, "rules": rules}[kind]()
    return text if kind == "rules" or text.endswith("\n") else text + "\n"


def main() -> int:
    for page, kind in PAGES.items():
        path = ROOT / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(kind))
        print(f"wrote {page}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
