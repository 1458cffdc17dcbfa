"""Shared test set-up: where the repository, its fixtures and the real tools are."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

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


# Markers (registered in pyproject.toml; --strict-markers refuses any other). The fast unit
# layer is `pytest -m "not integration and not differential and not slow"` (README).
LAYERS = {
    "integration": ROOT / "tests" / "integration",
    "differential": ROOT / "tests" / "differential",
}

# Unit tests kept out of the fast layer, by node id (a parametrized test: every case), so the
# test files carry no marker. Measured on a 2-core machine; ~0.3 s of each xpnet subprocess is
# Python start-up and imports. Without these the fast layer took ~42 s; with them, under 30 s.
SLOW = {
    # ~4 s: the README's runnable blocks, run-example among them
    "tests/test_readme.py::test_run_blocks_run_as_written",
    # ~25-35 s: benchmarks/run.py --quick, every command it compares on two inputs
    "tests/test_benchmark.py::test_quick_mode_prints_progress_and_finishes",
    # > 3 s: generates installs in every YAML style and reads each back with libyaml and Go
    "tests/test_oracle.py::test_oracle",
    # ~2-3 s: a Hypothesis property test (generated installs x configs through fix)
    "tests/test_properties.py::test_fix_properties",
    # ~3-5 s each: Hypothesis over generated GitOps objects and values files, check and fix twice
    "tests/test_releases_fuzz.py::test_gitops_objects_are_read_or_refused_and_fix_is_stable",
    "tests/test_releases_fuzz.py::test_values_files_are_read_or_refused_and_fix_is_stable",
    # ~30 s: the chart-values readers timed at two sizes of each dimension, check and fix
    "tests/test_releases_scaling.py::test_the_readers_scale_linearly",
    # ~3-4 s each: Hypothesis over generated trust wiring and valueFrom inputs, fix and check
    "tests/test_trust.py::test_fix_is_idempotent_or_refuses_clearly",
    "tests/test_valuefrom.py::test_reader_fuzz",
    # ~2 s per case (x3): xpnet fix in every output mode, each searched for the password
    "tests/test_secrets.py::test_password_never_appears_in_diagnostics",
    # ~10 s: generated passwords through every command and format (XPNET_SECRET_EXAMPLES)
    "tests/test_secret_leaks.py::test_no_part_of_a_password_in_any_diagnostic",
    # ~1.2 s a case: a hostile URL through every command and format, twice
    "tests/test_adversarial_secrets.py::test_a_hostile_url_in_every_command",
    # ~2 s a file: six console script runs apiece
    "tests/test_adversarial_secrets.py::test_a_hostile_file_through_the_console_scripts",
    # ~20 s: Go (a probe built once), curl and Python read generated credentials
    "tests/test_credentials.py::test_what_xpnet_hides_covers_what_clients_send_and_what_it_accepts_they_read_alike",
    "tests/test_credentials.py::test_the_probe_is_go_itself",
    # ~10-20 s: Hypothesis over generated configurations, every runtime's direct destinations
    # judged against the policies fix wrote
    "tests/test_netpol_properties.py::test_what_goes_direct_is_allowed_or_the_run_says_which",
    # ~1.8 s: writes and reads back a 50 MB input
    "tests/test_cli.py::test_a_50_mb_input_goes_through_the_fast_path",
    # ~0.7-1.3 s each: two to four xpnet subprocesses apiece
    "tests/test_cli.py::test_check_text_and_json",
    "tests/test_cli.py::test_config_lookup",
    "tests/test_cli.py::test_bad_config_and_usage_errors",
    "tests/test_cli.py::test_render_refuses_an_empty_stream_and_never_prints_empty_output",
    "tests/test_cli.py::test_explain_tells_each_runtime_why_before_and_after",
    "tests/test_cli.py::test_hostile_yaml_is_refused_quickly",
    "tests/test_cli.py::test_noproxy",
    "tests/test_krm.py::test_module_entry_points",
    "tests/test_verified_writes.py::test_malformed_proxy_url_in_a_manifest",
    "tests/test_verified_writes.py::test_nothing_found_severity_summary_and_lines",
    "tests/test_verified_writes.py::test_values_is_what_fix_writes",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path))
        for marker, folder in LAYERS.items():
            if path.is_relative_to(folder):
                item.add_marker(marker)
        if item.nodeid.split("[")[0] in SLOW:
            item.add_marker("slow")
