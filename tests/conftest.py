"""Shared test set-up: where the repository, its fixtures and the real tools are."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
# xpnet's console scripts and the tools installed with it: beside the interpreter running the
# tests (the repository's .venv, or whatever environment runs them).
BIN_DIR = Path(sys.executable).parent
# Real Crossplane charts, renders and CRDs (Apache-2.0; tests/fixtures/crossplane/NOTICE).
CROSSPLANE_FIXTURES = ROOT / "tests" / "fixtures" / "crossplane"
sys.path.insert(0, str(ROOT / "scripts"))

import tools  # noqa: E402  (scripts/tools.py: the one place tool versions are pinned)

IN_CI = os.environ.get("CI") == "true"
UPDATE_GOLDEN = os.environ.get("XPNET_UPDATE_GOLDEN") == "1"

# The tests, and the tools they run xpnet under, share one fresh configuration cache,
# never the user's: each configuration is validated by the model once, then read from the cache.
TEST_CACHE = tempfile.mkdtemp(prefix="xpnet-test-cache-")
os.environ["XPNET_CACHE_DIR"] = TEST_CACHE


def pytest_sessionfinish() -> None:
    shutil.rmtree(TEST_CACHE, ignore_errors=True)


@functools.cache
def project() -> dict[str, Any]:
    """pyproject.toml's [project] table, read when a test first needs it."""
    table: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return table


def require(path: Path, what: str) -> Path:
    """A real tool, or a loud skip (a failure under CI=true)."""
    if path.exists():
        return path
    reason = f"REAL TOOL MISSING: {what} is not at {path}; run scripts/setup"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def pytest_report_header() -> list[str]:
    lines = []
    for version in tools.KUSTOMIZE_VERSIONS:
        path = tools.kustomize_path(version)
        lines.append(f"kustomize {version}: {path if path.exists() else 'MISSING (tests skip)'}")
    for major in tools.HELM_WHEELS:
        path = tools.helm_path(major)
        lines.append(f"helm {major}: {path if path.exists() else 'MISSING (tests skip)'}")
    helmfile = tools.helmfile_path()
    lines.append(
        f"helmfile {tools.HELMFILE_VERSION}: "
        f"{helmfile if helmfile.exists() else 'MISSING (tests skip)'}"
    )
    kpt = tools.kpt_path()
    lines.append(f"kpt {tools.KPT_VERSION}: {kpt if kpt.exists() else 'MISSING (tests skip)'}")
    goyaml = tools.goyaml_path()
    lines.append(
        f"sigs.k8s.io/yaml reader: {goyaml if goyaml.exists() else 'MISSING (tests skip)'}"
    )
    return lines


@pytest.fixture(params=tools.KUSTOMIZE_VERSIONS)
def kustomize(request: pytest.FixtureRequest) -> Path:
    return require(tools.kustomize_path(request.param), f"kustomize {request.param}")


@pytest.fixture
def shared_crossplane() -> Path:
    """The real Crossplane charts, renders and CRDs the tests read."""
    return CROSSPLANE_FIXTURES


@pytest.fixture
def helm3() -> Path:
    return require(tools.helm_path("3"), "helm 3")


@pytest.fixture
def helm4() -> Path:
    return require(tools.helm_path("4"), "helm 4")


@pytest.fixture
def helmfile() -> Path:
    return require(tools.helmfile_path(), f"helmfile {tools.HELMFILE_VERSION}")


@pytest.fixture
def kpt() -> Path:
    return require(tools.kpt_path(), f"kpt {tools.KPT_VERSION}")


@pytest.fixture
def kubectl() -> Path:
    return require(tools.kubectl_path(), "kubectl")


@pytest.fixture
def goyaml() -> Path:
    """tests/goyaml built by scripts/tools.py: use with tests.goyaml.go_load."""
    return require(tools.goyaml_path(), "the sigs.k8s.io/yaml reader (tests/goyaml)")


# The layers are folders, and each folder's tests carry its layer's marker (registered in
# pyproject.toml; --strict-markers refuses any other): tests/unit/ (xpnet alone, in process or
# through its console scripts), tests/integration/ (the real tools), tests/differential/ (real
# clients in network namespaces). A unit test that takes long (a property over many examples,
# a scaling run) is also marked slow on the test itself. The fast layer:
# `pytest tests/unit -m "not slow"`.
LAYERS = {
    "unit": ROOT / "tests" / "unit",
    "integration": ROOT / "tests" / "integration",
    "differential": ROOT / "tests" / "differential",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path))
        for marker, folder in LAYERS.items():
            if path.is_relative_to(folder):
                item.add_marker(marker)
