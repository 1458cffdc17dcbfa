"""Where findings point: a finding about the configuration at the field of the configuration
file, in text, JSON, SARIF and KRM results alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT
from tests.resource_lists import transform, wrap
from xpnet.adapters.cli import main
from xpnet.io.config import UNKNOWN_FILE

CASE = ROOT / "tests" / "cases" / "chart-indentation"

# A proxy URL with a password (XPN015) and an https:// proxy (XPN006), after a comment line.
CONFIG = """\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp
spec:
  proxy:
    # the corporate proxy
    httpProxy: http://user:hunter2@proxy.corp.example:3128
    httpsProxy: https://proxy.corp.example:3129
  cluster:
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
"""

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: corp
data:
  podCIDRs: "10.244.0.0/16"
  serviceCIDRs: "10.96.0.0/12"
  httpsProxy: https://proxy.corp.example:3129
"""


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, *args: str
) -> tuple[str, Path]:
    (tmp_path / "xpnet.yaml").write_text(config)
    (tmp_path / "install.yaml").write_text((CASE / "input.yaml").read_text())
    main(["check", "-c", str(tmp_path / "xpnet.yaml"), *args, str(tmp_path / "install.yaml")])
    return capsys.readouterr().out, tmp_path / "xpnet.yaml"


def test_configuration_findings_name_the_file_and_the_fields_line_in_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, path = _check(tmp_path, capsys, CONFIG)
    https = _line_of(CONFIG, "httpsProxy:")
    password = _line_of(CONFIG, "httpProxy:")
    assert f"{path}:{https}: warning: XPN006 " in out
    assert f"{path}:{password}: warning: XPN015 " in out


def test_configuration_findings_in_json_and_sarif_point_at_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # code scanning reads paths relative to the checkout
    out, path = _check(tmp_path, capsys, CONFIG, "-o", "json")
    found = {f["rule"]: f for f in json.loads(out)}
    assert found["XPN006"]["file"] == str(path)
    assert found["XPN006"]["line"] == _line_of(CONFIG, "httpsProxy:")
    assert found["XPN006"]["field"] == "spec.proxy.httpsProxy"
    assert found["XPN015"]["field"] == "spec.proxy.httpProxy"
    out, _ = _check(tmp_path, capsys, CONFIG, "-o", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    mine = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in results}
    assert mine["XPN015"] == {
        "artifactLocation": {"uri": "xpnet.yaml"},
        "region": {"startLine": _line_of(CONFIG, "httpProxy:"), "startColumn": 1},
    }
    assert all(r["locations"] for r in results)


def test_the_configmap_form_is_located_at_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, path = _check(tmp_path, capsys, CONFIGMAP)
    assert f"{path}:{_line_of(CONFIGMAP, 'httpsProxy:')}: warning: XPN006 " in out


def _krm_results(config: str, workdir: Path | None = None) -> list[dict[str, object]]:
    out = YAML(typ="safe", pure=True).load(transform(wrap("", config), workdir).stdout)
    return [r for r in out["results"] if r.get("tags", {}).get("rule") in ("XPN006", "XPN015")]


def test_krm_results_name_the_functionconfigs_file_where_the_runner_says_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "xpnet.yaml").write_text(CONFIG)
    annotated = CONFIG.replace(
        "  name: corp\n",
        "  name: corp\n  annotations:\n    config.kubernetes.io/path: xpnet.yaml\n",
    )
    results = _krm_results(annotated)
    assert results and all(r["file"] == {"path": "xpnet.yaml"} for r in results)


def test_krm_results_say_when_the_functionconfigs_file_is_not_known() -> None:
    results = _krm_results(CONFIG)
    assert {r["tags"]["rule"] for r in results} == {"XPN006", "XPN015"}  # type: ignore[index]
    for result in results:
        assert "file" not in result
        assert UNKNOWN_FILE in str(result["message"])
        assert "of the functionConfig" in str(result["message"])


def test_krm_results_give_the_line_in_a_file_kustomize_lists(tmp_path: Path) -> None:
    (tmp_path / "proxy.yaml").write_text(CONFIG)
    (tmp_path / "kustomization.yaml").write_text("transformers:\n- proxy.yaml\n")
    results = _krm_results(CONFIG, tmp_path)
    assert all(r["file"] == {"path": str(tmp_path / "proxy.yaml")} for r in results)
    stderr = transform(wrap("", CONFIG), tmp_path).stderr
    where = f"{tmp_path / 'proxy.yaml'}:{_line_of(CONFIG, 'httpsProxy:')}: warning: XPN006 "
    assert any(where in line for line in stderr)
