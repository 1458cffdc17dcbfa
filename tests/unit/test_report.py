"""What the user sees: text lines with severity and a summary, and SARIF 2.1.0 for code scanning
that validates against the official schema (tests/fixtures/sarif)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT
from xpnet.adapters.cli import main
from xpnet.rules import CATALOGUE

CASE = ROOT / "tests" / "cases" / "chart-indentation"


@pytest.fixture
def sarif_schema() -> dict[str, object]:
    folder = ROOT / "tests" / "fixtures" / "sarif"
    schema: dict[str, object] = json.loads((folder / "sarif-schema-2.1.0.json").read_text())
    return schema


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    target = tmp_path / "install.yaml"
    if not target.exists():
        target.write_text((CASE / "input.yaml").read_text())
    code = main(["check", "-c", str(CASE / "config.yaml"), *args, str(target)])
    return code, capsys.readouterr().out


def test_sarif_validates_and_points_at_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sarif_schema: dict[str, object]
) -> None:
    code, out = check(tmp_path, capsys, "-o", "sarif")
    assert code == 1, "the exit code is the same as for text"
    log = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in CATALOGUE]
    assert all(r["help"]["markdown"].endswith(f"(docs/rules.md#{r['id'].lower()}))") for r in rules)
    results = run["results"]
    assert results and all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    https = next(  # one finding for the container, located at the first variable set
        r
        for r in results
        if r["ruleId"] == "XPN016"
        and r["properties"]["variables"][:2] == ["HTTP_PROXY", "HTTPS_PROXY"]
    )
    location = https["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("install.yaml")
    line = location["region"]["startLine"]
    assert "- name: HTTPS_PROXY" in (CASE / "input.yaml").read_text().splitlines()[line - 1]
    assert https["level"] == "error"
    fingerprints = [r["partialFingerprints"]["xpnet/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)


def test_fingerprints_survive_moved_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, before = check(tmp_path, capsys, "-o", "sarif")
    target = tmp_path / "install.yaml"
    target.write_text("# a comment moves every line\n" + target.read_text())
    _, after = check(tmp_path, capsys, "-o", "sarif")

    def prints(out: str) -> list[str]:
        return [r["partialFingerprints"]["xpnet/v1"] for r in json.loads(out)["runs"][0]["results"]]

    assert prints(before) == prints(after)


def test_text_lines_carry_severity_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(tmp_path, capsys)
    lines = out.splitlines()
    assert code == 1
    assert all(": error: " in line or ": warning: " in line for line in lines[:-1])
    errors = sum(": error: " in line for line in lines[:-1])
    assert lines[-1].startswith(f"{errors} errors, ") and lines[-1].endswith(" in 1 file")
