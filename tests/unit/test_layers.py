"""The package's layers: the yaml package reads and writes text and knows nothing of Crossplane,
so it imports only itself, errors and records."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "plugin" / "xpnet"


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:  # from xpnet import plan: the module plan
                name = f"{node.module}.{alias.name}"
                found.add(name if _is_module(name) else node.module)
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
        "xpnet.discover.saving",
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
        "xpnet.selectors",
        "xpnet.clouds",
        "xpnet.egress",
        "xpnet.entries",
    },
    {"xpnet.io"},
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
        "xpnet.chart_values",
        "xpnet.discover",
        "xpnet.discover.read",
        "xpnet.discover.resolve",
        "xpnet.discover.write",
        "xpnet.discover.saved",
        "xpnet.netpol",
        "xpnet.selection",
    },
    {"xpnet.engine"},
    {"xpnet.report"},
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


def test_the_discover_steps_import_none_after_them() -> None:
    """read, resolve, write: discover's data flows one way, and no step imports the package that
    runs them all (that would be a cycle)."""
    steps = ["xpnet.discover.read", "xpnet.discover.resolve", "xpnet.discover.write"]
    for k, step in enumerate(steps):
        path = PACKAGE / "discover" / f"{step.rpartition('.')[2]}.py"
        later = {*steps[k + 1 :], "xpnet.discover"}
        assert not imports(path) & later, f"{step} imports {sorted(imports(path) & later)}"


def test_the_adapters_read_and_write_through_io_never_the_yaml_package() -> None:
    for path in sorted((PACKAGE / "adapters").rglob("*.py")):
        reached = {m for m in imports(path) if m.startswith("xpnet.yaml")}
        assert not reached, f"{path.relative_to(PACKAGE)} imports {sorted(reached)}"


def test_the_package_has_no_import_cycle() -> None:
    """Every import, also those made inside a function, between the package's modules."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(p for p in parts if p != "__init__")] = path

    def home(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {
        m: {h for i in imports(p) if (h := home(i)) not in (None, m, "xpnet")}
        for m, p in modules.items()
    }
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
