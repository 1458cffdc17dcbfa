"""The realistic install (tests/fixtures/realistic): one finding per container per problem, in
file and line order, and the counts of `fix` and `check` mean the same thing."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ROOT
from xpnet.adapters.cli import main

REALISTIC = ROOT / "tests" / "fixtures" / "realistic"
FILES = ("crossplane.yaml", "runtime-configs.yaml")


def _copy(tmp_path: Path) -> Path:
    for name in ("xpnet.yaml", *FILES):
        shutil.copy(REALISTIC / name, tmp_path / name)
    return tmp_path


def _check(folder: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(
        ["check", "-c", str(folder / "xpnet.yaml"), *args, *(str(folder / f) for f in FILES)]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_one_finding_per_container_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _check(_copy(tmp_path), capsys, "-o", "json")
    findings = json.loads(out)
    assert code == 1
    per_problem = Counter((f["resource"], f["container"], f["rule"]) for f in findings)
    assert max(per_problem.values()) == 1, per_problem
    # Six containers lack the proxy variables: one XPN016 each, naming all six variables.
    missing = [f for f in findings if f["rule"] == "XPN016"]
    assert len(missing) == 6
    assert all(f["variable"] is None and len(f["variables"]) >= 5 for f in missing)
    # The inline credentials are the configuration's problem: said once, about it.
    assert [f["resource"] for f in findings if f["rule"] == "XPN015"] == [None]
    places = [(bool(f["resource"]), f["file"] or "", f["line"] or 0, f["rule"]) for f in findings]
    assert places == sorted(places), "the configuration first, then by file, line and rule"


def test_fix_and_check_count_the_same_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _copy(tmp_path)
    code = main(["fix", "-c", str(folder / "xpnet.yaml"), *(str(folder / f) for f in FILES)])
    fixed = capsys.readouterr().err.splitlines()[-1]
    assert code == 0 and fixed.endswith("; 0 errors, 2 warnings in 2 files"), fixed
    code, out, _ = _check(folder, capsys)
    lines = out.splitlines()
    assert code == 0 and lines[-1] == "0 errors, 2 warnings in 2 files", lines
    # The configuration's inline password, and the Python runtime's partial bundle (XPN027),
    # which names both variables that replace the roots.
    assert "XPN015 the proxy URL of ClusterNetwork corp carries credentials" in lines[0]
    assert "SSL_CERT_FILE, REQUESTS_CA_BUNDLE: XPN027" in lines[1]
