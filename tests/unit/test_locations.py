"""Where findings point: a finding about the configuration at the field of the configuration
file, in text, JSON, SARIF and KRM results alike."""

from __future__ import annotations

import json
import re
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


def _line_is(text: str, line: str) -> int:
    return next(i for i, x in enumerate(text.splitlines(), 1) if x.strip() == line)


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


# Resources after comments, blank lines and `---` markers, one of them with Helm's comment.
MARKED = """\
# a leading comment
---
# Source: crossplane/templates/drc.yaml
apiVersion: pkg.crossplane.io/v1beta1
kind: DeploymentRuntimeConfig
metadata:
  name: default
spec:
  deploymentTemplate:
    spec:
      selector: {}
      template:
        spec:
          containers:
          - name: package-runtime
---

# another
apiVersion: pkg.crossplane.io/v1beta1
kind: DeploymentRuntimeConfig
metadata:
  name: bare
"""
TRUST = CASE.joinpath("config.yaml").read_text() + (
    "  trust:\n    caBundle:\n      configMapRef: {name: corp-ca, key: ca.crt}\n"
)
_WHERE = re.compile(
    r"^(?:xpnet: (?:would fix )?)?[^:]+:(\d+): (?:\w+: )?(DeploymentRuntimeConfig/\w+)"
)


def _lines_named(out: str) -> dict[str, set[int]]:
    named: dict[str, set[int]] = {}
    for found in map(_WHERE.match, out.splitlines()):
        if found:
            named.setdefault(found.group(2), set()).add(int(found.group(1)))
    return named


def test_check_and_fix_name_the_same_lines_for_the_same_resources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "xpnet.yaml").write_text(TRUST)
    target = tmp_path / "runtime.yaml"
    target.write_text(MARKED)
    config = str(tmp_path / "xpnet.yaml")
    main(["check", "-c", config, str(target)])
    checked = _lines_named(capsys.readouterr().out)
    main(["fix", "-c", config, "--dry-run", str(target)])
    fixed = _lines_named(capsys.readouterr().err)
    content = _line_of(MARKED, "apiVersion")
    container = _line_of(MARKED, "- name: package-runtime")
    bare = _line_of(MARKED, "# another") + 1
    # fix names the resource (the volume it wires) and the container (the variables); check
    # says the missing wiring once, at the container, so it names a line fix names too.
    assert fixed == {
        "DeploymentRuntimeConfig/default": {content, container},
        "DeploymentRuntimeConfig/bare": {bare},
    }
    assert checked.keys() == fixed.keys()
    assert all(checked[name] and checked[name] <= fixed[name] for name in fixed), checked
    lines = MARKED.splitlines()
    for line in {n for named in fixed.values() for n in named}:
        assert lines[line - 1].strip() and not lines[line - 1].startswith(("---", "#"))


def _rendered(stream: str, tmp_path: Path) -> list[str]:
    """The Helm post-renderer's lines for stderr on a stream, in check mode."""
    from xpnet.adapters.streams import filter_stream

    (tmp_path / "xpnet.yaml").write_text(
        CASE.joinpath("config.yaml").read_text() + "  policy:\n    mode: check\n"
    )
    return filter_stream(stream, str(tmp_path / "xpnet.yaml"))[1]


def _where(lines: list[str], what: str) -> set[str]:
    return {line.split(": ")[1] for line in lines if what in line}


CORE = "Deployment/crossplane-system/crossplane: container crossplane: HTTPS_PROXY: XPN011"


def test_under_helm_3_a_finding_names_the_template_and_the_line_in_its_document(
    tmp_path: Path,
) -> None:
    document = CASE.joinpath("input.yaml").read_text()  # starts with its `# Source:` comment
    other = "---\n# Source: crossplane/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\n"
    other += "metadata:\n  name: crossplane\n"
    line = _line_is(document, "- name: crossplane") - 1  # line 1 follows `# Source:`
    lines = _rendered(other + "---\n" + document, tmp_path)
    assert _where(lines, CORE) == {f"crossplane/templates/deployment.yaml:{line}"}


def test_under_helm_4_the_line_is_counted_from_the_documents_marker(tmp_path: Path) -> None:
    stream = (
        ROOT / "tests/adversarial/templates/rendered/helm4-post-renderer-input.yaml"
    ).read_text()
    start = stream.index("postrender-filename: crossplane/templates/deployment.yaml")
    first = stream.rindex("---\n", 0, start)  # the marker of that document
    document = stream[first + 4 :]
    line = _line_is(document, "- name: crossplane")
    lines = _rendered(stream, tmp_path)
    assert _where(lines, CORE) == {f"crossplane/templates/deployment.yaml:{line}"}


def test_without_helms_marks_the_line_is_said_to_be_the_rendered_streams(tmp_path: Path) -> None:
    stream = "---\n" + CASE.joinpath("input.yaml").read_text().split("\n", 1)[1]
    line = _line_is(stream, "- name: crossplane")
    assert _where(_rendered(stream, tmp_path), CORE) == {f"rendered line {line}"}
