"""The hostile ResourceLists of tests/adversarial/resource-lists/ (see the README there) through
the KRM function, judged by the Go YAML readers of kubectl (YAML 1.1) and kustomize (YAML 1.2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.goyaml import go_load

CORPUS = ROOT / "tests" / "adversarial" / "resource-lists"
CASES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".json", ".yaml"))
PASSWORD = "Pw-rl-secret"
FN = Path(sys.executable).parent / "xpnet-fn"


def function(data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(FN)], input=data, capture_output=True, timeout=120)


def untouched(resource_list: Any) -> list[Any]:
    """What the function must not change: every item but the Deployment, and its config."""
    items = [i for i in resource_list["items"] if i.get("kind") != "Deployment"]
    return [*items, resource_list["functionConfig"]]


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_the_case(path: Path, goyaml: Path) -> None:
    data = path.read_bytes()
    done = function(data)
    said = done.stderr.decode()
    assert "Traceback" not in said and PASSWORD not in said, said
    if path.name.startswith("refused-"):
        assert done.returncode == 1 and "line 1, column" in said and not done.stdout, said
        return
    assert done.returncode == 0, said
    out = done.stdout.decode()
    again = function(done.stdout)
    assert again.returncode == 0, again.stderr.decode()
    for v3 in (False, True):
        before, after, second = go_load([data.decode(), out, again.stdout.decode()], goyaml, v3=v3)
        assert isinstance(before, list) and isinstance(after, list), (before, after)
        assert untouched(after[0]) == untouched(before[0])
        assert isinstance(second, list) and second[0]["items"] == after[0]["items"]
        results = after[0].get("results") or []
        assert results and PASSWORD not in str(results)
