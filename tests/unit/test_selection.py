"""Filters and suppressions: --select, --ignore, --severity and --quiet (and spec.policy's
select, ignore and severity), ignore-check.xpnet.dev annotations, in text, JSON, SARIF, KRM
results and the Helm post-renderer's stderr."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT
from tests.resource_lists import transform, wrap
from xpnet import selectors
from xpnet.adapters import helm
from xpnet.adapters.cli import main
from xpnet.config import load_config
from xpnet.errors import ConfigError
from xpnet.rules import RULES

CASE = ROOT / "tests" / "cases" / "chart-indentation"
CONFIG = (CASE / "config.yaml").read_text()
INSTALL = (CASE / "input.yaml").read_text()
# The case's findings: XPN003, XPN011 and XPN016 errors, XPN012 warnings.
REASON = "the init container reaches only the API server"


def annotate(text: str, annotations: dict[str, str]) -> str:
    """The case's install with annotations on its core Deployment."""
    lines = "".join(f"    {k}: {json.dumps(v)}\n" for k, v in annotations.items())
    head = "  name: crossplane\n  namespace: crossplane-system\n"
    assert head in text
    return text.replace(head, f"{head}  annotations:\n{lines}", 1)


def with_policy(policy: str, config: str = CONFIG) -> str:
    return config + f"  policy:\n{policy}"


def run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    install: str = INSTALL,
    config: str = CONFIG,
    command: str = "check",
) -> tuple[int, str, str]:
    (tmp_path / "install.yaml").write_text(install)
    (tmp_path / "xpnet.yaml").write_text(config)
    files = [str(tmp_path / "install.yaml")]
    code = main([command, "-c", str(tmp_path / "xpnet.yaml"), *args, *files])
    out, err = capsys.readouterr()
    return code, out, err


def ids(out: str) -> set[str]:
    return {word for line in out.splitlines() for word in line.split() if word in RULES}


# Selectors, as ruff reads them.


def test_a_prefix_selects_every_rule_it_starts() -> None:
    rule = RULES["XPN016"]
    assert selectors.selected(rule, (), (), "info")
    assert selectors.selected(rule, ("XPN01",), (), "info")
    assert not selectors.selected(RULES["XPN020"], ("XPN01",), (), "info")
    assert not selectors.selected(rule, (), ("XPN0",), "info")


def test_the_more_specific_selector_wins_and_ignore_wins_a_tie() -> None:
    rule = RULES["XPN016"]
    assert selectors.selected(rule, ("XPN016",), ("XPN01",), "info")
    assert not selectors.selected(rule, ("XPN01",), ("XPN016",), "info")
    assert not selectors.selected(rule, ("XPN016",), ("XPN016",), "info")


def test_the_severity_threshold_reports_itself_and_above() -> None:
    assert selectors.selected(RULES["XPN016"], (), (), "error")
    assert not selectors.selected(RULES["XPN012"], (), (), "error")
    assert selectors.selected(RULES["XPN012"], (), (), "warning")
    assert not selectors.selected(RULES["XPN020"], (), (), "warning")  # info


def test_an_unknown_selector_names_the_closest_rule() -> None:
    assert selectors.problem("XPN016") is None and selectors.problem("XPN") is None
    said = selectors.problem("XPN0166")
    assert said is not None and "did you mean XPN016?" in said
    assert selectors.problem("E501") is not None


# The command line.


def test_select_and_ignore_in_text_and_the_exit_code_follows_what_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(tmp_path, capsys)
    assert code == 1 and ids(out) == {"XPN003", "XPN011", "XPN012", "XPN016"}
    code, out, _ = run(tmp_path, capsys, "--select", "XPN012")
    assert ids(out) == {"XPN012"} and code == 0, "warnings only: an ignored error does not fail"
    assert out.splitlines()[-1] == "0 errors, 3 warnings in 1 file"
    code, out, _ = run(tmp_path, capsys, "--ignore", "XPN016,XPN003")
    assert ids(out) == {"XPN011", "XPN012"} and code == 1
    code, out, _ = run(tmp_path, capsys, "--ignore", "xpn01,XPN003")
    assert ids(out) == set() and code == 0


def test_severity_and_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(tmp_path, capsys, "--severity", "error")
    assert ids(out) == {"XPN003", "XPN011", "XPN016"} and code == 1
    code, out, _ = run(tmp_path, capsys, "--severity", "error", "-q")
    assert ": error: " in out.splitlines()[-1], "no summary line"
    code, out, _ = run(tmp_path, capsys, "--select", "XPN020", "--quiet")
    assert (code, out) == (0, ""), "nothing at all when nothing is left"


def test_an_unknown_rule_is_a_usage_error_naming_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        run(tmp_path, capsys, "--select", "XPN0166")
    assert raised.value.code == 2
    assert "did you mean XPN016?" in capsys.readouterr().err


def test_json_and_sarif_follow_the_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(tmp_path, capsys, "-o", "json", "--select", "XPN01", "--ignore", "XPN016")
    assert {f["rule"] for f in json.loads(out)} == {"XPN011", "XPN012"} and code == 1
    code, out, _ = run(tmp_path, capsys, "-o", "sarif", "--severity", "warning", "-q")
    results = json.loads(out)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"XPN003", "XPN011", "XPN012", "XPN016"}


def test_the_command_line_replaces_the_files_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = with_policy("    select: [XPN012]\n    severity: warning\n")
    code, out, _ = run(tmp_path, capsys, config=config)
    assert ids(out) == {"XPN012"} and code == 0
    code, out, _ = run(tmp_path, capsys, "--select", "XPN011", config=config)
    assert ids(out) == {"XPN011"} and code == 1


# Suppressions on a resource.


def test_an_annotation_suppresses_its_rule_on_that_resource_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install = annotate(INSTALL, {"ignore-check.xpnet.dev/XPN012": REASON})
    code, out, _ = run(tmp_path, capsys, "--select", "XPN012", install=install)
    lines = out.splitlines()
    assert [ln for ln in lines if "XPN012" in ln] == [
        ln for ln in lines if "crossplane-rbac-manager" in ln
    ], "the core's are suppressed, the RBAC manager's shown"
    assert lines[-1] == "0 errors, 1 warning, 2 suppressed in 1 file"
    code, out, _ = run(tmp_path, capsys, "-o", "json", "--select", "XPN012", install=install)
    assert code == 0
    found = json.loads(out)
    suppressed = [f for f in found if "suppressed" in f]
    assert len(suppressed) == 2 and len(found) == 3
    assert suppressed[0]["suppressed"] == {
        "reason": REASON,
        "annotation": "ignore-check.xpnet.dev/XPN012",
    }


def test_a_suppressed_error_does_not_fail_check_and_sarif_says_in_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sarif_schema: dict[str, object]
) -> None:
    install = annotate(INSTALL, {"ignore-check.xpnet.dev/XPN011": REASON})
    code, out, _ = run(tmp_path, capsys, "--select", "XPN011", install=install)
    assert code == 0 and out == "0 errors, 0 warnings, 1 suppressed in 1 file\n"
    code, out, _ = run(tmp_path, capsys, "-o", "sarif", "--select", "XPN011", install=install)
    log = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "inSource", "justification": REASON}]
    assert code == 0


@pytest.fixture
def sarif_schema() -> dict[str, object]:
    folder = ROOT / "tests" / "fixtures" / "sarif"
    schema: dict[str, object] = json.loads((folder / "sarif-schema-2.1.0.json").read_text())
    return schema


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("ignore-check.xpnet.dev/XPN099", REASON, "XPN099 is not a rule (the closest is"),
        ("ignore-check.xpnet.dev/xpn011", REASON, "xpn011 is written XPN011"),
        ("ignore-check.xpnet.dev/XPN011", " ", "its value gives no reason"),
    ],
)
def test_an_annotation_that_suppresses_nothing_is_xpn044(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: str, said: str
) -> None:
    install = annotate(INSTALL, {key: value})
    code, out, _ = run(tmp_path, capsys, "--select", "XPN011,XPN044", install=install)
    assert ids(out) == {"XPN011", "XPN044"} and code == 1, "nothing is suppressed"
    (line,) = [ln for ln in out.splitlines() if "XPN044" in ln]
    assert f"annotation {key}: {said}" in line


# Fix mode: an error left out still stops the writing, and fix says which.


def test_fix_reports_the_selection_and_quiet_prints_nothing_on_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(tmp_path, capsys, "--quiet", command="fix")
    assert (code, err) == (0, "")
    assert (tmp_path / "install.yaml").read_text() == (CASE / "expected.yaml").read_text()


OTHER_NAMESPACE = CONFIG + "  crossplane:\n    namespace: upbound-system\n"  # XPN017, an error


def test_an_ignored_error_still_stops_fix_and_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        tmp_path, capsys, "--ignore", "XPN017", config=OTHER_NAMESPACE, command="fix"
    )
    assert code == 1
    assert "XPN017" in err and "but fix writes nothing past an error" in err
    assert "0 errors, 0 warnings in 1 file (and 1 left out or suppressed); nothing was " in err
    assert (tmp_path / "install.yaml").read_text() == INSTALL
    code, out, _ = run(tmp_path, capsys, "--ignore", "XPN017", config=OTHER_NAMESPACE)
    assert "XPN017" not in out, "check reports what is selected, and only that"


# The KRM function and the Helm post-renderer read spec.policy.


def krm_results(stream: str, config: str) -> tuple[list[dict[str, object]], int, list[str]]:
    response = transform(wrap(stream, config))
    out = YAML(typ="safe", pure=True).load(response.stdout)
    return out.get("results") or [], response.code, response.stderr


def test_the_krm_function_applies_spec_policy_and_tags_suppressed_results() -> None:
    check = CONFIG + "  policy:\n    mode: check\n"
    results, code, _ = krm_results(INSTALL, check + "    severity: error\n")
    assert {r["tags"]["rule"] for r in results} == {"XPN003", "XPN011", "XPN016"} and code == 1
    install = annotate(INSTALL, {"ignore-check.xpnet.dev/XPN011": REASON})
    results, code, stderr = krm_results(install, check + "    select: [XPN011]\n")
    (result,) = results
    assert result["severity"] == "info" and result["tags"]["suppressed"] == REASON
    assert str(result["message"]).startswith("suppressed: ") and code == 0
    assert stderr == []


def test_the_krm_function_in_fix_mode_stops_at_an_ignored_error() -> None:
    results, code, stderr = krm_results(
        INSTALL, with_policy("    ignore: [XPN017]\n", OTHER_NAMESPACE)
    )
    assert code == 1
    assert any("XPN017" in line and "writes nothing past an error" in line for line in stderr)
    assert any(r["tags"]["rule"] == "XPN017" for r in results)


def test_the_helm_post_renderer_applies_spec_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "xpnet.yaml"
    config.write_text(with_policy("    mode: check\n    ignore: [XPN0]\n"))
    assert helm.main([f"--config={config}"], INSTALL.encode()) == 0
    out, err = capsys.readouterr()
    assert out == INSTALL and err == ""
    config.write_text(with_policy("    mode: check\n    select: [XPN012]\n"))
    assert helm.main([f"--config={config}"], INSTALL.encode()) == 0
    out, err = capsys.readouterr()
    assert ids(err) == {"XPN012"}


# The configuration file.


def config_with(policy: dict[str, object]) -> dict[str, object]:
    data = YAML(typ="safe", pure=True).load(CONFIG)
    data["spec"]["policy"] = policy
    assert isinstance(data, dict)
    return data


def test_the_configuration_refuses_unknown_rules_naming_the_closest() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(config_with({"select": ["XPN0166"], "ignore": ["xpn016"]}), "c.yaml")
    problems = raised.value.problems
    assert any(p.startswith("spec.policy.select[0]: ") and "XPN016?" in p for p in problems)
    assert "spec.policy.ignore[0]: 'xpn016': write it as XPN016" in problems


def test_the_configmap_form_takes_the_selection_as_lists() -> None:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "xpnet"},
        "data": {
            "httpsProxy": "http://proxy:3128",
            "podCIDRs": "10.244.0.0/16",
            "serviceCIDRs": "10.96.0.0/12",
            "select": "XPN01, XPN02",
            "ignore": "XPN016",
            "severity": "warning",
        },
    }
    policy = load_config(configmap, "cm.yaml").spec.policy
    assert (policy.select, policy.ignore, policy.severity) == (
        ("XPN01", "XPN02"),
        ("XPN016",),
        "warning",
    )


def test_the_published_schema_takes_the_same_selectors() -> None:
    schema = json.loads((ROOT / "schemas" / "clusternetwork.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    good = config_with({"select": ["XPN", "XPN01"], "ignore": ["XPN016"], "severity": "error"})
    validator.validate(good)
    load_config(good, "c.yaml")
    for bad in ({"select": ["xpn016"]}, {"ignore": ["E501"]}, {"severity": "warn"}):
        assert not validator.is_valid(config_with(bad)), bad
        with pytest.raises(ConfigError):
            load_config(config_with(bad), "c.yaml")


def test_fix_reports_only_the_selection_and_quiet_drops_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inline = CONFIG.replace("http://proxy.corp.example", "http://user:pw@proxy.corp.example")
    code, _, err = run(tmp_path, capsys, config=inline, command="fix")
    assert code == 0 and "XPN015" in err and "xpnet: fixed " in err
    code, _, err = run(tmp_path, capsys, "--quiet", config=inline, command="fix")
    assert code == 0 and ids(err) == {"XPN015"} and len(err.splitlines()) == 1
    code, _, err = run(tmp_path, capsys, "--ignore", "XPN015", config=inline, command="fix")
    assert code == 0 and "XPN015" not in err and "0 errors, 0 warnings" in err
