"""The package's layers: the yaml package reads and writes text and knows nothing of Crossplane,
so it imports only itself, errors and records."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "plugin" / "xpnet"


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "xpnet":
            found.update(f"xpnet.{alias.name}" for alias in node.names)  # from xpnet import plan
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("xpnet")}


def test_the_yaml_package_imports_only_itself_errors_and_records() -> None:
    for path in sorted((PACKAGE / "yaml").glob("*.py")):
        own = ("xpnet.yaml", "xpnet.errors", "xpnet.records")
        outside = {m for m in imports(path) if not m.startswith(own)}
        assert not outside, f"{path.name} imports {sorted(outside)}"


# Bottom to top: a module may import only modules of its own layer or below.
LAYERS = [
    {
        "xpnet.errors",
        "xpnet.sources",
        "xpnet.records",
        "xpnet.credentials",
        "xpnet.system_roots",
    },
    {"xpnet.yaml"},
    {
        "xpnet.clusternetwork",
        "xpnet.config",
        "xpnet.config_model",
        "xpnet.config_messages",
        "xpnet.versions",
        "xpnet.envvars",
        "xpnet.rules",
        "xpnet.clouds",
        "xpnet.egress",
        "xpnet.entries",
    },
    {"xpnet.runtimes"},
    {"xpnet.noproxy"},
    {"xpnet.install"},
    {"xpnet.strvals", "xpnet.postrender"},
    {"xpnet.releases", "xpnet.valuefrom"},
    {"xpnet.trust"},
    {"xpnet.plan"},
    {
        "xpnet.lint",
        "xpnet.apply",
        "xpnet.verify",
        "xpnet.explain",
        "xpnet.patches",
        "xpnet.discover",
        "xpnet.saved",
        "xpnet.netpol",
    },
    {"xpnet.report"},
    {"xpnet.engine"},
    {"xpnet.adapters"},
]


def layer(module: str) -> int:
    for level, names in enumerate(LAYERS):
        if any(module == n or module.startswith(n + ".") for n in names):
            return level
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def test_no_module_imports_one_above_it() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(p for p in parts if p != "__init__")
        if module in ("xpnet", "xpnet.__main__"):
            continue
        for imported in imports(path) - {"xpnet", "xpnet.__version__"}:
            assert layer(imported) <= layer(module), f"{module} imports {imported}, a layer above"
