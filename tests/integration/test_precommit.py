"""pre-commit runs the hooks in a throw-away git repository: from this checkout (try-repo), and
as a user's .pre-commit-config.yaml installs them, from a tag of a clone."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, ROOT, project

CASE = ROOT / "tests" / "cases" / "chart-indentation"


def precommit(repo: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(ROOT / ".tools" / "pre-commit")}
    return subprocess.run(
        [str(BIN_DIR / "pre-commit"), "try-repo", str(ROOT), hook, "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def readme_repo(folder: Path, config: str) -> None:
    """A git repository with a .pre-commit-config.yaml, the case's configuration and install."""
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / ".pre-commit-config.yaml").write_text(config)
    shutil.copy(CASE / "config.yaml", folder / ".xpnet.yaml")
    shutil.copy(CASE / "input.yaml", folder / "install.yaml")
    subprocess.run(["git", "add", "-A"], cwd=folder, check=True)


def run_all_files(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "pre-commit"), "run", "--all-files"],
        cwd=folder,
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
    """The pre-commit how-to's .pre-commit-config.yaml, verbatim, with xpnet on PATH."""
    readme = (ROOT / "docs" / "how-to" / "pre-commit.md").read_text()
    snippet = readme.split("```yaml\n# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    readme_repo(tmp_path, snippet)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(ROOT / ".tools" / "pre-commit"),
        "PATH": f"{BIN_DIR}{os.pathsep}{os.environ['PATH']}",
    }
    failed = run_all_files(tmp_path, env)
    assert failed.returncode == 1 and "XPN016" in failed.stdout, failed.stdout
    shutil.copy(CASE / "expected.yaml", tmp_path / "install.yaml")
    passed = run_all_files(tmp_path, env)
    assert passed.returncode == 0, passed.stdout
    assert "xpnet check" in passed.stdout and "Passed" in passed.stdout


# From a tag, as a published release is used: pre-commit clones the repository at `rev` and
# installs xpnet from it (language: python). A clone of HEAD tagged v<version> stands for it.


def tag() -> str:
    """The tag of xpnet's version (pyproject.toml), as a release is tagged."""
    return "v" + str(project()["version"])


PUBLISHED = "https://github.com/<owner>/xpnet"


@pytest.fixture(scope="module")
def tagged_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = tmp_path_factory.mktemp("release") / "xpnet"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "tag", tag()], check=True)
    return clone


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PRE_COMMIT_HOME of the module's own: pre-commit keys its cache by repo and rev, and
    each run's clone has a new path, so .tools/pre-commit would only collect stale copies."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.parametrize("form", ["path", "file URL"])
def test_hooks_install_xpnet_from_a_tag(
    tmp_path: Path, tagged_clone: Path, store: Path, form: str
) -> None:
    """The README's from-a-tag snippet, its repo pointed at the tagged clone (a path, or a URL
    as a published repository is), with xpnet-fix enabled too."""
    readme = (ROOT / "docs" / "how-to" / "install.md").read_text()
    head = "```yaml\n# .pre-commit-config.yaml: xpnet from a release tag\n"
    snippet = readme.split(head, 1)[1].split("```", 1)[0]
    assert f"- repo: {PUBLISHED}\n" in snippet and f"rev: {tag()}\n" in snippet
    repo = str(tagged_clone) if form == "path" else tagged_clone.as_uri()
    config = snippet.replace(PUBLISHED, repo).replace("# - id: xpnet-fix", "- id: xpnet-fix")
    readme_repo(tmp_path, config)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(store),
        "PATH": os.pathsep.join(  # xpnet comes from the hook's environment, not from here
            p for p in os.environ["PATH"].split(os.pathsep) if p != str(BIN_DIR)
        ),
    }
    first = run_all_files(tmp_path, env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "XPN016" in first.stdout and "files were modified by this hook" in first.stdout
    assert (tmp_path / "install.yaml").read_text() == (CASE / "expected.yaml").read_text()
    again = run_all_files(tmp_path, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("Passed") == 2, again.stdout

    with sqlite3.connect(store / "db.db") as db:
        cloned = db.execute("SELECT ref, path FROM repos WHERE repo = ?", (repo,)).fetchall()
    assert len(cloned) == 1 and cloned[0][0] == tag(), cloned
    at_tag = subprocess.run(
        ["git", "-C", cloned[0][1], "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout
    tagged = subprocess.run(
        ["git", "-C", str(tagged_clone), "rev-parse", f"{tag()}^{{commit}}"],
        capture_output=True,
        text=True,
    ).stdout
    assert at_tag == tagged


def test_hooks_install_xpnet_from_a_clone_without_tags(tmp_path: Path, store: Path) -> None:
    """The install page's form for a clone without tags: its path and the full commit SHA."""
    clone = tmp_path / "xpnet"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    tags = subprocess.run(["git", "-C", str(clone), "tag"], capture_output=True, text=True)
    for name in tags.stdout.split():
        subprocess.run(
            ["git", "-C", str(clone), "tag", "-d", name], check=True, capture_output=True
        )
    readme = (ROOT / "docs" / "how-to" / "install.md").read_text()
    head = "```yaml\n# .pre-commit-config.yaml: xpnet from a clone\n"
    snippet = readme.split(head, 1)[1].split("```", 1)[0]
    sha = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    config = snippet.replace("/path/to/a/clone", str(clone)).replace("<full commit SHA>", sha)
    work = tmp_path / "work"
    readme_repo(work, config)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(store),
        "PATH": os.pathsep.join(
            p for p in os.environ["PATH"].split(os.pathsep) if p != str(BIN_DIR)
        ),
    }
    failed = run_all_files(work, env)
    assert failed.returncode == 1 and "XPN016" in failed.stdout, failed.stdout + failed.stderr
    shutil.copy(CASE / "expected.yaml", work / "install.yaml")
    passed = run_all_files(work, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
