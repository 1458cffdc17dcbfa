"""pre-commit runs the hooks from this checkout (try-repo) in a throw-away git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

CASE = ROOT / "tests" / "cases" / "chart-indentation"


def precommit(repo: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(ROOT / ".tools" / "pre-commit")}
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "pre-commit"), "try-repo", str(ROOT), hook, "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_check_fails_fix_rewrites_then_check_passes(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(CASE / "config.yaml", tmp_path / ".xpnet.yaml")
    shutil.copy(CASE / "input.yaml", tmp_path / "install.yaml")
    (tmp_path / "runtime.yaml").write_text(
        "apiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\n"
        "metadata:\n  name: default\n"
    )
    (tmp_path / "unrelated.yaml").write_text("just: [some, yaml]\n")
    (tmp_path / "notes.yaml").write_text("# a comment only\n")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)

    first = precommit(tmp_path, "xpnet-check")
    assert first.returncode == 1, first.stdout
    assert (
        "install.yaml:24: error: Deployment/crossplane-system/crossplane: container crossplane"
        in first.stdout
    )
    assert "errors, 3 warnings in 5 files (3 without Crossplane resources)" in first.stdout

    fixed = precommit(tmp_path, "xpnet-fix")
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout
    assert (tmp_path / "install.yaml").read_text() == (CASE / "expected.yaml").read_text()
    assert "package-runtime" in (tmp_path / "runtime.yaml").read_text()
    assert (tmp_path / "unrelated.yaml").read_text() == "just: [some, yaml]\n"

    again = precommit(tmp_path, "xpnet-check")
    assert again.returncode == 0, again.stdout
    assert precommit(tmp_path, "xpnet-fix").returncode == 0
