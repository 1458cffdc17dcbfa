"""Chart values as input (issue 11): HelmReleases, Applications and values files in every style
people write them, read back by libyaml and Go's sigs.k8s.io/yaml; bad values refused clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.goyaml import go_load
from tests.unit_helpers import PROXY, config
from xpnet import verify
from xpnet.adapters.streams import run_streams
from xpnet.errors import InputError
from xpnet.releases import exact
from xpnet.yaml.stream import ChartValues, Source

SIX = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


def run(text: str, mode: str = "fix", values: bool = False, **chart: Any) -> Any:
    source = Source("in.yaml", text)
    if values:
        return run_streams(
            config(mode), [], values=[source], chart=ChartValues(chart.get("version"), None)
        )
    return run_streams(config(mode), [source])


def fix(text: str, **kw: Any) -> str:
    result = run(text, **kw)
    assert not result.outcome.failed, [f.message for f in result.outcome.findings]
    return str(result.outputs["in.yaml"])


def rules(text: str, **kw: Any) -> set[str]:
    return {f.rule.id for f in run(text, mode="check", **kw).outcome.findings}


def hr(values: str, version: str = "2.1.8", extra: str = "") -> str:
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        "metadata:\n  name: crossplane\n  namespace: flux-system\n"
        f"spec:\n{extra}  chart:\n    spec:\n      chart: crossplane\n      version: '{version}'\n"
        f"  values:{values}"
    )


STYLES = {
    "block": hr("\n    extraEnvVarsCrossplane:\n      HTTPS_PROXY: http://old:1\n"),
    "flow values": hr(" {extraEnvVarsCrossplane: {HTTPS_PROXY: 'http://old:1'}, replicas: 1}\n"),
    "flow env map": hr("\n    extraEnvVarsCrossplane: {HTTPS_PROXY: http://old:1, X: 'y'}\n"),
    "empty env map": hr("\n    extraEnvVarsCrossplane: {}\n    replicas: 2\n"),
    "null env map": hr("\n    extraEnvVarsCrossplane:\n    replicas: 2\n"),
    "no values": hr(" {}\n"),
    "json": (
        '{"apiVersion": "helm.toolkit.fluxcd.io/v2beta2", "kind": "HelmRelease", '
        '"metadata": {"name": "cp", "namespace": "flux-system"}, "spec": {"chart": {"spec": '
        '{"chart": "crossplane", "version": "1.20.11"}}, "values": {"extraEnvVarsCrossplane": '
        '{"HTTPS_PROXY": "http://old:1"}, "replicas": 1}}}\n'
    ),
    "merge key": hr(
        "\n    base: &base {LOG: debug}\n    extraEnvVarsCrossplane:\n      <<: *base\n"
        "      HTTPS_PROXY: http://old:1\n"
    ),
    "alias value": hr(
        "\n    proxy: &p http://old:1\n    extraEnvVarsCrossplane:\n      HTTPS_PROXY: *p\n"
    ),
    "crlf": hr("\n    extraEnvVarsCrossplane:\n      HTTPS.PROXY: 'http://old:1'\n").replace(
        "\n", "\r\n"
    ),
    "no spec.values key": hr("").replace("  values:", "  interval: 1h\n"),
    "application string": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: cp}\nspec:\n"
        "  destination: {namespace: crossplane-system}\n  source:\n    chart: crossplane\n"
        "    targetRevision: 2.3.4\n    helm:\n      values: |- # the values\n        # proxy\n"
        "        extraEnvVarsCrossplane:\n          HTTPS_PROXY: http://old:1\n"
        "      releaseName: crossplane\n"
    ),
    "application flow string": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: cp}\nspec:\n"
        "  source: {chart: crossplane, targetRevision: 2.3.4, helm: {values: "
        "'{extraEnvVarsCrossplane: {HTTPS_PROXY: \"http://old:1\"}}'}}\n"
    ),
}


def _values(doc: Any) -> dict[str, Any]:
    if doc["kind"] == "HelmRelease":
        return doc["spec"].get("values") or {}
    helm = doc["spec"]["source"]["helm"]
    return yaml.safe_load(helm["values"]) if "values" in helm else helm["valuesObject"]


def _without_env(doc: Any) -> Any:
    if doc["kind"] == "HelmRelease":
        values = {k: v for k, v in _values(doc).items() if not k.startswith("extraEnvVars")}
        return {**doc, "spec": {**doc["spec"], "values": values}}
    return {**doc, "spec": {**doc["spec"], "source": None}}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_style_is_fixed_and_reads_the_same_in_both_parsers(goyaml: Path, style: str) -> None:
    text = STYLES[style]
    out = fix(text)
    assert out != text
    before, after = (yaml.load(t, Loader=yaml.CSafeLoader) for t in (text, out))
    go_before, go_after = go_load([text, out], goyaml)
    assert not isinstance(go_after, str), go_after
    assert verify.difference([before], go_before) is None
    assert verify.difference([after], go_after) is None
    env = _values(after)["extraEnvVarsCrossplane"]
    got = {k.replace(".", "_"): v for k, v in env.items()}
    assert {k: got[k] for k in SIX if k in got} == {
        k: got["NO_PROXY"] if "no" in k.lower() else PROXY for k in SIX
    }
    assert verify.difference(_without_env(before), _without_env(after)) is None
    assert {k: v for k, v in env.items() if k.replace(".", "_") not in SIX} == {
        k: v
        for k, v in (_values(before).get("extraEnvVarsCrossplane") or {}).items()
        if k.replace(".", "_") not in SIX
    }
    assert fix(out) == out, "a second run changes something"
    assert rules(out) == set()
    assert "XPN016" in rules(text)
    if "crlf" in style:
        assert "\r\n" in out and "\n" not in out.replace("\r\n", "")
    if style == "application string":
        assert "values: |- # the values\n        # proxy\n" in out  # a literal block, comments kept


def test_a_values_file_and_its_chart_version() -> None:
    text = "extraEnvVarsCrossplane:\n  HTTPS_PROXY: http://old:1\nextraEnvVarsCrossplaneInit: {}\n"
    assert "XPN021" in rules(text, values=True, version="1.20.11")
    assert "XPN021" not in rules(text, values=True, version="2.0.0")
    out = fix(text, values=True, version="1.20.11")
    assert out.startswith("extraEnvVarsCrossplane:\n  HTTPS_PROXY: http://proxy")
    assert out.endswith("extraEnvVarsCrossplaneInit: {}\n")  # the chart ignores it: left alone


def _install(text: str) -> Any:
    return next(p.install for p in run(text).outcome.plans if p.install.core is not None)


def test_the_namespace_and_version_of_a_release() -> None:
    ranged = _install(hr("\n    x: 1\n", version=">=1.19", extra="  targetNamespace: xp\n"))
    assert (ranged.version.text, ranged.namespaces) == (None, ("xp",))
    tagged = _install(hr("\n    image: {tag: v1.20.1}\n", version="1.19.3"))
    assert (tagged.version.text, tagged.namespaces) == ("1.20.1", ("flux-system",))
    assert "image.tag" in tagged.version.source
    plain = _install(hr("\n    x: 1\n", version="1.19.3"))
    assert plain.version.text == "1.19.3"
    no_tag = _install(hr("\n    image: {ignoreTag: true}\n", version="1.19.3"))
    assert no_tag.version.text is None
    app = _install(STYLES["application string"])
    assert (app.version.text, app.namespaces) == ("2.3.4", ("crossplane-system",))


def test_exact_versions() -> None:
    assert [exact(v) for v in ("1.20.1", "v2.1.8", "1.20.*", ">=1.19", "main", None)] == [
        "1.20.1",
        "v2.1.8",
        None,
        None,
        None,
        None,
    ]


def test_releases_of_other_charts_are_left_alone_and_said_so() -> None:
    other = hr("\n    replicas: 1\n").replace("chart: crossplane", "chart: podinfo")
    result = run(other)
    assert result.outputs["in.yaml"] == other
    assert [f.rule.id for f in result.outcome.findings] == ["XPN020"]
    assert "podinfo" in result.outcome.findings[0].message


def test_a_release_of_another_chart_beside_two_installs_is_only_reported() -> None:
    a = hr("\n    x: 1\n", extra="  targetNamespace: a\n")
    b = a.replace("targetNamespace: a", "targetNamespace: b").replace("name: crossplane", "name: b")
    other = a.replace("chart: crossplane", "chart: podinfo").replace("name: crossplane", "name: p")
    found = [f.rule.id for f in run(a + "---\n" + b + "---\n" + other).outcome.findings]
    assert found == ["XPN020"]


def test_the_rbac_manager_gets_the_set_of_its_own_release() -> None:
    """Two releases in one file: each RBAC manager follows its own core, never a shared one."""
    a = hr("\n    extraEnvVarsRBACManager: {NO_PROXY: x}\n", extra="  targetNamespace: a\n")
    b = a.replace("targetNamespace: a", "targetNamespace: b").replace("name: crossplane", "name: b")
    docs = list(yaml.safe_load_all(fix(a + "---\n" + b)))
    for doc, ns in zip(docs, "ab", strict=True):
        rbac = doc["spec"]["values"]["extraEnvVarsRBACManager"]["NO_PROXY"].split(",")
        assert f".{ns}" in rbac and f".{'ba'[ns == 'b']}" not in rbac


BAD = {
    "values a list": (hr(" [a]\n"), "spec.values: chart values must be a mapping"),
    "env a list": (
        hr("\n    extraEnvVarsCrossplane:\n    - name: HTTPS_PROXY\n      value: x\n"),
        "spec.values.extraEnvVarsCrossplane: must be a map of NAME: value",
    ),
    "key not a string": (
        hr("\n    extraEnvVarsCrossplane: {1: x}\n"),
        "the key 1 is not a string; quote it",
    ),
    "proxy value not a string": (
        hr("\n    extraEnvVarsCrossplane: {NO_PROXY: [a, b]}\n"),
        "NO_PROXY: a collection is not a string",
    ),
    "two keys, one variable": (
        hr("\n    extraEnvVarsCrossplane: {HTTPS.PROXY: x, HTTPS_PROXY: y}\n"),
        "HTTPS.PROXY and HTTPS_PROXY both render as HTTPS_PROXY; keep one",
    ),
    "values string not YAML": (
        STYLES["application string"].replace("# proxy", "a: [b"),
        "spec.source.helm.values: is not YAML",
    ),
    "values string a list": (
        STYLES["application string"].replace(
            "        # proxy\n        extraEnvVarsCrossplane:\n          HTTPS_PROXY: http://old:1\n",
            "        - a\n",
        ),
        "must hold a mapping of chart values",
    ),
    "parameters": (
        STYLES["application string"].replace(
            "      releaseName",
            "      parameters:\n      - {name: extraEnvVarsCrossplane.A, value: b}\n"
            "      releaseName",
        ),
        "extraEnvVarsCrossplane.A is set as a parameter",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_values_are_refused_with_the_resource_and_key(case: str) -> None:
    text, message = BAD[case]
    with pytest.raises(InputError) as raised:
        run(text)
    rendered = raised.value.render()
    assert message in rendered
    assert rendered.startswith("in.yaml: line ")
    assert "HelmRelease/flux-system/crossplane" in rendered or "Application/cp" in rendered


def test_credentials_from_a_secret_cannot_go_into_values() -> None:
    result = run_streams(
        config("fix", proxy={"credentialsSecret": {"name": "creds"}}),
        [Source("in.yaml", STYLES["block"])],
    )
    assert result.outcome.failed and result.outputs["in.yaml"] == STYLES["block"]
    assert [f.rule.id for f in result.outcome.findings if f.rule.id == "XPN022"] == ["XPN022"]


def _cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str, **spec: Any) -> Any:
    from tests.unit_helpers import CONFIG_DATA
    from xpnet.adapters import cli

    data = {**CONFIG_DATA, "spec": {**CONFIG_DATA["spec"], **spec}}
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(data))
    code = cli.main(["patch", "-c", str(tmp_path / "xpnet.yaml"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_patch_prints_what_a_fixed_install_needs_and_refuses_what_it_cannot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(tmp_path, capsys, "--chart-version", "2.1.8", "--namespace", "xp")
    assert code == 0
    items = yaml.safe_load(out)
    assert [i["target"] for i in items] == [
        {
            "group": "apps",
            "version": "v1",
            "kind": "Deployment",
            "name": "crossplane",
            "namespace": "xp",
        }
    ]
    fixed = tmp_path / "fixed.yaml"
    from xpnet.patches import chart_defaults

    fixed.write_text(fix_manifest(chart_defaults("2.1.8", "xp")))
    code, out, _ = _cli(tmp_path, capsys, str(fixed))
    assert code == 0 and "Nothing to patch" in out and yaml.safe_load(out) == []
    secret = {"proxy": {"httpsProxy": PROXY, "credentialsSecret": {"name": "creds"}}}
    code, out, err = _cli(tmp_path, capsys, "--chart-version", "2.1.8", **secret)
    assert code == 1 and out == "" and "credentialsSecret" in err
    (tmp_path / "other.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    code, out, err = _cli(tmp_path, capsys, str(tmp_path / "other.yaml"))
    assert code == 1 and out == "" and "no Crossplane core Deployment found" in err


def fix_manifest(text: str) -> str:
    result = run_streams(config("fix", crossplane={"namespace": "xp"}), [Source("m.yaml", text)])
    return str(result.outputs["m.yaml"])
