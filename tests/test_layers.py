"""The package's layers: the yaml package reads and writes text and knows nothing of Crossplane,
so it imports only itself and errors (issue 10)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "plugin" / "xpnet"


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("xpnet")}


def test_the_yaml_package_imports_only_itself_and_errors() -> None:
    for path in sorted((PACKAGE / "yaml").glob("*.py")):
        outside = {m for m in imports(path) if not m.startswith(("xpnet.yaml", "xpnet.errors"))}
        assert not outside, f"{path.name} imports {sorted(outside)}"


def test_every_slow_test_listed_still_exists() -> None:
    from tests.conftest import SLOW

    for node in SLOW:
        path, name = node.split("::")
        assert f"def {name}(" in (ROOT / path).read_text(), f"{node} is gone: update SLOW"
