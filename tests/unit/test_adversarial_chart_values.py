"""The hostile chart-values cases of tests/adversarial/chart-values/ (see the README there)
through check, fix and the KRM function, with LF and with CRLF line ends."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.resource_lists import transform, wrap
from xpnet.adapters import cli
from xpnet.errors import XpnetError

CASES = sorted((ROOT / "tests" / "adversarial" / "chart-values").glob("*.yaml"))
PASSWORD = "Pw-c4v-secret"
URL = f"http://bob:{PASSWORD}@proxy.corp.example:3128"
CONFIG = {
    "apiVersion": "xpnet.dev/v1alpha1",
    "kind": "ClusterNetwork",
    "metadata": {"name": "c"},
    "spec": {
        "proxy": {"httpProxy": URL, "httpsProxy": URL},
        "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
    },
}
NEWLINES = {"LF": "\n", "CRLF": "\r\n"}


def cli_run(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(args)
    said = err.getvalue() + out.getvalue()
    assert "Traceback" not in said, said
    assert PASSWORD not in said, said
    return code, said


@pytest.fixture(params=CASES, ids=lambda p: p.stem)
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(request.param.read_text())
    return data


@pytest.mark.parametrize("ends", NEWLINES)
def test_the_case(case: dict[str, Any], ends: str, tmp_path: Path) -> None:
    newline, expect = NEWLINES[ends], case["expect"]
    config_text = json.dumps(CONFIG) + "\n"
    config = tmp_path / "xpnet.yaml"
    config.write_text(config_text)
    source = case["input"].replace("\n", newline)
    target = tmp_path / "in.yaml"
    target.write_bytes(source.encode())
    args = [str(target)]
    if "values" in case:
        chart = case["values"]
        args = ["--values", str(target), "--chart-version", chart["chartVersion"]]
        args += ["--namespace", chart["namespace"]]

    code, said = cli_run(["check", "-c", str(config), *args])
    if "refused" in expect:
        assert code == 1 and all(t in said for t in expect["refused"]), said
        code, said = cli_run(["fix", "-c", str(config), *args])
        assert code == 1 and all(t in said for t in expect["refused"]), said
        assert target.read_bytes() == source.encode()
        if "values" not in case:
            with pytest.raises(XpnetError) as refusal:
                transform(wrap(case["input"], config_text))
            assert PASSWORD not in refusal.value.render()
        return
    assert code == (0 if expect.get("passes") else 1), said
    assert all(rule in said for rule in expect.get("rules", [])), said

    code, said = cli_run(["fix", "-c", str(config), *args])
    fails = expect.get("fix_fails", False)
    assert code == (1 if fails else 0), said
    assert all(rule in said for rule in expect.get("fix_rules", [])), said
    fixed = target.read_bytes().decode()
    if "values" not in case:
        answer = transform(wrap(case["input"], config_text))
        assert answer.code == code and PASSWORD not in "\n".join(answer.stderr)
    if fails:
        assert fixed == source  # nothing written
        return
    bare = fixed.count("\n") - fixed.count("\r\n")
    assert bare == 0 if newline == "\r\n" else "\r\n" not in fixed
    for text in expect.get("contains", []):
        assert text.replace("\n", newline) in fixed, text
    code, said = cli_run(["check", "-c", str(config), *args])
    assert code == 0, said  # what fix wrote passes check
    code, said = cli_run(["fix", "-c", str(config), *args])
    assert code == 0 and target.read_bytes().decode() == fixed, said  # a second run: nothing
