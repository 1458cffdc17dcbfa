"""README's first command: scripts/run-example runs the example through a real pipeline,
standalone kustomize with the exec function or kubectl's legacy plugin, and prints what xpnet
changed in it as a diff; the whole fixed output is the example's expected.yaml."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, require, tools


@pytest.mark.parametrize("pipeline", ("kustomize", "kubectl"))
def test_run_example_prints_the_expected_manifests(pipeline: str, tmp_path: Path) -> None:
    if pipeline == "kustomize":
        require(tools.kustomize_path("v5.6.0"), "kustomize v5.6.0")
    require(tools.kubectl_path(), "kubectl")
    done = subprocess.run(
        [str(ROOT / "scripts" / "run-example")],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "XPNET_EXAMPLE_PIPELINE": pipeline,
            "XPNET_EXAMPLE_OUT": str(tmp_path / "built.yaml"),
        },
    )
    assert done.returncode == 0, done.stderr
    expected = (ROOT / "examples" / "crossplane-1.19" / "expected.yaml").read_text()
    assert (tmp_path / "built.yaml").read_text() == expected
    diff = done.stdout.splitlines()
    assert diff[:2] == [
        "--- examples/crossplane-1.19 without xpnet",
        "+++ examples/crossplane-1.19 with xpnet",
    ]
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    assert added and all(line in expected.splitlines() for line in added)
    assert len(diff) < 100, "a summary of the change, not the whole manifests"
    assert f"run-example: {'kubectl' if pipeline == 'kubectl' else '.tools'}" in done.stderr
    assert "xpnet check on that output: 0 errors" in done.stderr
