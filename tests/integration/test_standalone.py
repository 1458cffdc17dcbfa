"""The repository stands alone: a clone of it in an otherwise empty folder (no shared folder
beside it, no .venv or .tools of its own) passes the unit layer, its own package imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

NO_CACHE = ("-p", "no:cacheprovider")


def test_a_clone_in_an_empty_folder_passes_the_unit_layer(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    clone = folder / "xpnet"
    done = subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["xpnet"]
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTHONPATH", "XPNET_CONFIG")}
    env["PYTHONPATH"] = str(clone / "plugin")  # the clone's package, before the installed one
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/unit", "-q", "-x", "-m", "not slow", *NO_CACHE],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    assert " passed" in done.stdout.splitlines()[-1], tail
    imported = subprocess.run(
        [sys.executable, "-c", "import xpnet; print(xpnet.__file__)"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert imported.stdout.startswith(str(clone)), imported.stdout + imported.stderr
