#!/usr/bin/env python3
"""Install the real programs the tests drive into .tools/ (ignored, cached between runs).

Pinned versions live here and nowhere else; tests/conftest.py imports this module to find them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"

# v5.6.0: the oldest release the issue requires (no exec.args); v5.7.1: a newer v5.
KUSTOMIZE_VERSIONS = ("v5.6.0", "v5.7.1")


def kustomize_path(version: str) -> Path:
    return TOOLS / "kustomize" / version / "kustomize"


def install_kustomize(version: str) -> str | None:
    """Build kustomize with the machine's Go; returns a reason when it cannot."""
    target = kustomize_path(version)
    if target.exists():
        return None
    go = shutil.which("go")
    if go is None:
        return "Go is not installed: kustomize is built with `go install`"
    env = {**os.environ, "GOBIN": str(target.parent)}
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [go, "install", f"sigs.k8s.io/kustomize/kustomize/v5@{version}"],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"go install kustomize {version} failed:\n{done.stderr[-2000:]}"
    return None


def main() -> int:
    failures = []
    for version in KUSTOMIZE_VERSIONS:
        print(f"tools: kustomize {version}", file=sys.stderr, flush=True)
        reason = install_kustomize(version)
        if reason:
            failures.append(f"kustomize {version}: {reason}")
    for failure in failures:
        print(f"tools: NOT INSTALLED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
