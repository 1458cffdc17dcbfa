"""README's first command: scripts/run-example prints the fixed example through a real pipeline,
standalone kustomize with the exec function or kubectl's legacy plugin."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT, require, tools


@pytest.mark.parametrize("pipeline", ("kustomize", "kubectl"))
def test_run_example_prints_the_expected_manifests(pipeline: str) -> None:
    if pipeline == "kustomize":
        require(tools.kustomize_path("v5.6.0"), "kustomize v5.6.0")
    require(tools.kubectl_path(), "kubectl")
    done = subprocess.run(
        [str(ROOT / "scripts" / "run-example")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "XPNET_EXAMPLE_PIPELINE": pipeline},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (ROOT / "examples" / "crossplane-1.19" / "expected.yaml").read_text()
    assert f"run-example: {'kubectl' if pipeline == 'kubectl' else '.tools'}" in done.stderr
    assert "xpnet check on that output: 0 errors" in done.stderr
