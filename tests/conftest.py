"""Shared test set-up: where the repository, the real tools and ../shared are."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_CROSSPLANE = ROOT.parent / "shared" / "crossplane"
sys.path.insert(0, str(ROOT / "scripts"))

import tools  # noqa: E402  (scripts/tools.py: the one place tool versions are pinned)

IN_CI = os.environ.get("CI") == "true"
UPDATE_GOLDEN = os.environ.get("XPNET_UPDATE_GOLDEN") == "1"


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
    goyaml = tools.goyaml_path()
    lines.append(
        f"sigs.k8s.io/yaml reader: {goyaml if goyaml.exists() else 'MISSING (tests skip)'}"
    )
    absent = "ABSENT (those tests fail under CI=true, else skip)"
    shared = SHARED_CROSSPLANE if SHARED_CROSSPLANE.is_dir() else absent
    lines.append(f"../shared/crossplane: {shared}")
    return lines


@pytest.fixture(params=tools.KUSTOMIZE_VERSIONS)
def kustomize(request: pytest.FixtureRequest) -> Path:
    return require(tools.kustomize_path(request.param), f"kustomize {request.param}")


def shared_fixtures(path: Path, in_ci: bool) -> Path:
    """../shared/crossplane, or a loud skip (a failure under CI=true), like the real tools."""
    if not path.is_dir():
        reason = f"SHARED FIXTURES ABSENT: {path} (the real Crossplane charts)"
        if in_ci:
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture
def shared_crossplane() -> Path:
    return shared_fixtures(SHARED_CROSSPLANE, IN_CI)


@pytest.fixture
def helm3() -> Path:
    return require(tools.helm_path("3"), "helm 3")


@pytest.fixture
def helm4() -> Path:
    return require(tools.helm_path("4"), "helm 4")


@pytest.fixture
def kubectl() -> Path:
    return require(tools.kubectl_path(), "kubectl")


@pytest.fixture
def goyaml() -> Path:
    """tests/goyaml built by scripts/tools.py: use with tests.goyaml.go_load."""
    return require(tools.goyaml_path(), "the sigs.k8s.io/yaml reader (tests/goyaml)")
