"""xpnet's SARIF against the rules GitHub code scanning applies to an upload beyond the SARIF
schema, each written down in docs/reference/sarif.md (numbered there as here), on several
inputs: the golden cases, findings about the configuration file, files outside the folder
checked in and names that need percent-encoding."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import ROOT
from xpnet.adapters.cli import main

CASES = sorted(p for p in (ROOT / "tests" / "cases").iterdir() if (p / "config.yaml").is_file())
LEVELS = {"note", "warning", "error"}
PASSWORD_AND_HTTPS = """\
  proxy:
    httpProxy: http://user:hunter2@proxy.corp.example:3128
    httpsProxy: https://proxy.corp.example:3129
"""


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def upload_problems(log: dict[str, Any], root: Path) -> list[str]:
    """What GitHub code scanning would refuse or misplace in a log, by the rules of
    docs/reference/sarif.md; `root`: the checkout relative URIs are read from."""
    problems = []
    # 1
    if not _text(log.get("$schema")) or log.get("version") != "2.1.0":
        problems.append("1: $schema and version 2.1.0")
    runs = log.get("runs")
    if not isinstance(runs, list) or not 1 <= len(runs) <= 20:
        return [*problems, "1: one to 20 runs"]
    for run in runs:
        driver = run.get("tool", {}).get("driver", {})
        # 2
        if not _text(driver.get("name")) or not isinstance(driver.get("rules"), list):
            problems.append("2: tool.driver.name and rules")
        rules = driver.get("rules", [])
        if len(rules) > 25_000 or len(run.get("tool", {}).get("extensions", [])) > 100:
            problems.append("2: too many rules or extensions")
        # 3
        ids = [r.get("id") for r in rules]
        if len(set(ids)) != len(ids) or not all(_text(i) for i in ids):
            problems.append("3: rule ids unique and non-empty")
        for rule in rules:
            for key in ("shortDescription", "fullDescription"):
                text = rule.get(key, {}).get("text")
                if not _text(text) or len(text) > 1024:
                    problems.append(f"3: {rule.get('id')}: {key}.text")
            if not _text(rule.get("help", {}).get("text")):
                problems.append(f"3: {rule.get('id')}: help.text")
            if len(rule.get("name", "")) > 255:
                problems.append(f"3: {rule.get('id')}: name over 255 characters")
            if rule.get("defaultConfiguration", {}).get("level", "warning") not in LEVELS:
                problems.append(f"3: {rule.get('id')}: defaultConfiguration.level")
            if len(rule.get("properties", {}).get("tags", [])) > 20:
                problems.append(f"3: {rule.get('id')}: more than 20 tags")
        results = run.get("results")
        # 4
        if not isinstance(results, list) or len(results) > 25_000:
            problems.append("4: results, at most 25,000")
            continue
        for n, result in enumerate(results):
            where = f"results[{n}] {result.get('ruleId')}"
            # 5
            if not _text(result.get("message", {}).get("text")):
                problems.append(f"5: {where}: message.text")
            if result.get("ruleId") not in ids:
                problems.append(f"5: {where}: ruleId names no rule")
            index = result.get("ruleIndex")
            if index is not None and (
                not 0 <= index < len(ids) or ids[index] != result.get("ruleId")
            ):
                problems.append(f"5: {where}: ruleIndex")
            if result.get("level", "warning") not in LEVELS:
                problems.append(f"5: {where}: level")
            # 6
            locations = result.get("locations")
            if not isinstance(locations, list) or not 1 <= len(locations) <= 10:
                problems.append(f"6: {where}: one to 10 locations")
                continue
            for location in locations:
                physical = location.get("physicalLocation")
                if not isinstance(physical, dict):
                    problems.append(f"6: {where}: physicalLocation")
                    continue
                problems += [f"{p}: {where}" for p in _physical(physical, root)]
            # 9
            fingerprints = result.get("partialFingerprints", {})
            if "primaryLocationLineHash" in fingerprints:
                problems.append(f"9: {where}: a primaryLocationLineHash not GitHub's")
            if not all(_text(v) for v in fingerprints.values()):
                problems.append(f"9: {where}: fingerprints are strings")
    return problems


def _physical(physical: dict[str, Any], root: Path) -> list[str]:
    """Rules 7 and 8 on one physical location: the URI names a file of the checkout (or an
    absolute file:// URI), and the region a line of it."""
    uri = physical.get("artifactLocation", {}).get("uri")
    if not _text(uri):
        return ["7: artifactLocation.uri"]
    parts = urlsplit(uri)
    if parts.scheme not in ("", "file") or re.search(r"[\s<>\"\\]", uri):
        return [f"7: {uri}: not a relative reference or a file:// URI, percent-encoded"]
    if parts.scheme == "":
        relative = unquote(uri)
        if relative.startswith("/") or ".." in relative.split("/") or relative.startswith("./"):
            return [f"7: {uri}: not relative to the checkout"]
        path = root / relative
    else:
        path = Path(unquote(parts.path))
    if not path.is_file():
        return [f"7: {uri}: no such file"]
    region = physical.get("region")
    if not isinstance(region, dict):
        return [f"8: {uri}: no region"]
    line, column = region.get("startLine"), region.get("startColumn", 1)
    lines = len(path.read_text(encoding="utf-8-sig").splitlines())
    if not isinstance(line, int) or not 1 <= line <= max(lines, 1):
        return [f"8: {uri}: startLine {line} is not a line of the file"]
    if not isinstance(column, int) or column < 1:
        return [f"8: {uri}: startColumn {column}"]
    return []


def _sarif(capsys: pytest.CaptureFixture[str], config: Path, *files: Path) -> dict[str, Any]:
    main(["check", "-c", str(config), "-o", "sarif", *map(str, files)])
    log: dict[str, Any] = json.loads(capsys.readouterr().out)
    return log


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_golden_cases_sarif_is_accepted(
    case: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "manifests").mkdir()
    target = tmp_path / "manifests" / "install.yaml"
    target.write_bytes((case / "input.yaml").read_bytes())
    config = tmp_path / "xpnet.yaml"
    config.write_bytes((case / "config.yaml").read_bytes())
    monkeypatch.chdir(tmp_path)
    log = _sarif(capsys, Path("xpnet.yaml"), Path("manifests/install.yaml"))
    assert upload_problems(log, tmp_path) == []


def test_configuration_findings_are_accepted_at_the_configuration_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = ROOT / "tests" / "cases" / "chart-indentation"
    text = (case / "config.yaml").read_text()
    text = re.sub(r"  proxy:\n    httpProxy: .*\n", PASSWORD_AND_HTTPS, text)
    (tmp_path / "ci config").mkdir()
    config = tmp_path / "ci config" / "xpnet.yaml"  # a space: percent-encoded
    config.write_text(text)
    target = tmp_path / "install.yaml"
    target.write_text((case / "input.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    log = _sarif(capsys, config, target)  # absolute paths, under the checkout
    assert upload_problems(log, tmp_path) == []
    uris = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris["XPN006"] == uris["XPN015"] == "ci%20config/xpnet.yaml"
    assert uris["XPN016"] == "install.yaml"


def test_files_outside_the_checkout_are_absolute_file_uris(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = ROOT / "tests" / "cases" / "credentials-secret"
    (tmp_path / "checkout").mkdir()
    monkeypatch.chdir(tmp_path / "checkout")
    target = tmp_path / "install.yaml"
    target.write_text((case / "input.yaml").read_text())
    log = _sarif(capsys, case / "config.yaml", target)
    assert upload_problems(log, tmp_path / "checkout") == []
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {target.as_uri()}


def test_a_result_without_a_location_is_caught() -> None:
    """The check itself: the log GitHub refused (a configuration finding without locations)."""
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "xpnet", "rules": []}},
                "results": [{"message": {"text": "x"}, "ruleId": "XPN015"}],
            }
        ],
    }
    assert upload_problems(log, Path()) == [
        "5: results[0] XPN015: ruleId names no rule",
        "6: results[0] XPN015: one to 10 locations",
    ]
