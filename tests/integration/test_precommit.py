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


def test_the_readme_snippet_works_as_written(tmp_path: Path) -> None:
    """The README's .pre-commit-config.yaml, verbatim, with xpnet on PATH."""
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("```yaml\n# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".pre-commit-config.yaml").write_text(snippet)
    shutil.copy(CASE / "config.yaml", tmp_path / ".xpnet.yaml")
    shutil.copy(CASE / "input.yaml", tmp_path / "install.yaml")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(ROOT / ".tools" / "pre-commit"),
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "pre-commit"), "run", "--all-files"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    failed = run()
    assert failed.returncode == 1 and "XPN016" in failed.stdout, failed.stdout
    shutil.copy(CASE / "expected.yaml", tmp_path / "install.yaml")
    passed = run()
    assert passed.returncode == 0, passed.stdout
    assert "xpnet check" in passed.stdout and "Passed" in passed.stdout
