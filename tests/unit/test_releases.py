"""Chart values as input: HelmReleases, Applications, ApplicationSets, Lists and values files in
every style people write them, read back by libyaml and Go's sigs.k8s.io/yaml; every field of
the tools read as they read it or named; bad values refused clearly."""

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
from xpnet.rules import XPN043
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
    "a values string with an alias bomb": (
        STYLES["application string"].replace(
            "        # proxy\n",
            "        a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"        {n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, n in zip("abcdef", "bcdefg", strict=True)
            ),
        ),
        "expands to more than 100000 nodes through aliases",
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


# Every field of the GitOps tools: read as the tool chain renders it, or named in a finding.

NS = "crossplane-system"
GOOD_NO_PROXY = (
    "localhost,127.0.0.1,::1,10.96.0.1,kubernetes.default.svc,kubernetes.default.svc.cluster.local,"
    f".svc,.cluster.local,{NS},.{NS},10.244.0.0/16,10.96.0.0/12"
)
GOOD = {"HTTPS_PROXY": PROXY, "https_proxy": PROXY, "NO_PROXY": GOOD_NO_PROXY}
GOOD["no_proxy"] = GOOD_NO_PROXY
GOOD |= {"HTTP_PROXY": PROXY, "http_proxy": PROXY}


def flux(values: Any, **spec: Any) -> dict[str, Any]:
    chart = spec.pop("chart", "crossplane")
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "crossplane", "namespace": "flux-system"},
        "spec": {
            "targetNamespace": NS,
            "chart": {"spec": {"chart": chart, "version": spec.pop("version", "2.3.4")}},
            "values": values,
            **spec,
        },
    }


def argo(helm: dict[str, Any], kind: str = "Application", **source: Any) -> dict[str, Any]:
    spec = {
        "destination": {"namespace": source.pop("namespace", NS)},
        "source": {"chart": "crossplane", "targetRevision": "2.3.4", "helm": helm, **source},
    }
    doc: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "cp", "namespace": "argocd"},
        "spec": spec,
    }
    if kind == "ApplicationSet":
        template = {"metadata": {"name": "cp-{{cluster}}"}, "spec": spec}
        generators = [{"list": {"elements": [{"cluster": "a"}]}}]
        doc["spec"] = {"generators": generators, "template": template}
    return doc


def text_of(doc: Any) -> str:
    return str(yaml.safe_dump(doc, sort_keys=False))


def findings_of(doc: Any, mode: str = "check") -> list[tuple[str, str | None, str]]:
    """(rule, variable, message) of each finding of a run on the document, for each variable a
    finding names."""
    text = doc if isinstance(doc, str) else text_of(doc)
    findings = run(text, mode=mode).outcome.findings
    return [(f.rule.id, var, f.message) for f in findings for var in f.names or (None,)]


def rule_ids(doc: Any, mode: str = "check") -> set[str]:
    return {r for r, _, _ in findings_of(doc, mode)}


def test_a_key_given_twice_in_a_values_string_is_read_as_helm_reads_it() -> None:
    """Helm 3 and 4 keep the last of two equal keys (tests/integration proves it on both)."""
    good, bad = yaml.safe_dump({"extraEnvVarsCrossplane": GOOD}), "extraEnvVarsCrossplane: {}\n"
    good_last = text_of(argo({"values": bad + good}))
    assert rule_ids(good_last) == {"XPN042"}  # only the warning: the last key is complete
    assert "Helm uses the last one" in findings_of(good_last)[0][2]
    bad_last = text_of(argo({"values": good + bad}))
    assert {"XPN011", "XPN042"} <= rule_ids(bad_last)  # the last map is empty: no proxy
    result = run(bad_last)  # fix refuses rather than rewrite a string it would misread
    assert result.outcome.failed and result.outputs["in.yaml"] == bad_last
    assert "XPN019" in {f.rule.id for f in result.outcome.findings}
    inner = text_of(argo({"values": "extraEnvVarsCrossplane:\n  NO_PROXY: a\n  NO_PROXY: b\n"}))
    core = _install(inner).core
    assert core.blocks[0].get("NO_PROXY").value == "b"


@pytest.mark.parametrize(
    "values, message",
    [
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, n in zip("abcdef", "bcdefg", strict=True)
            ),
            "expands to more than",
        ),
        (
            "a0: &a0 {HTTPS_PROXY: x}\n"
            + "".join(
                f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 8)}]}}\n" for i in range(1, 12)
            )
            + "extraEnvVarsCrossplane: {<<: *a11}\n",
            "expands to more than",
        ),
        ("a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 400)), "nests more than"),
        ("a: &a [*a]\n", "recursive anchor"),
    ],
    ids=["alias bomb", "merge bomb", "deep", "recursive"],
)
def test_the_limits_of_documents_hold_inside_a_values_string(values: str, message: str) -> None:
    """An Argo CD helm.values string is YAML like a document: the same alias, node and depth
    limits, refused in well under a second."""
    import time

    start = time.monotonic()
    with pytest.raises(InputError) as raised:
        run(yaml.safe_dump(argo({"values": values})))
    assert message in raised.value.render() and "spec.source.helm.values" in raised.value.render()
    assert time.monotonic() - start < 2


def test_argo_cd_uses_values_object_alone_when_both_are_set() -> None:
    both = argo({"valuesObject": {"extraEnvVarsCrossplane": GOOD}, "values": "bad: [\n"})
    assert rule_ids(both) == {"XPN042"}
    assert "Argo CD passes helm.valuesObject instead" in findings_of(both)[0][2]
    out = fix(text_of(both))
    assert out == text_of(both)  # nothing to change, nothing written


def test_parameters_are_set_after_the_values_as_helm_does() -> None:
    values = {"extraEnvVarsCrossplane": GOOD}
    tagged = argo(
        {"valuesObject": values, "parameters": [{"name": "image.tag", "value": "v1.19.2"}]}
    )
    assert _install(text_of(tagged)).version.text == "1.19.2"
    params = [{"name": "extraEnvVarsCrossplane.NO_PROXY", "value": "localhost,.svc"}]
    overridden = argo({"valuesObject": values, "parameters": params})
    assert {("XPN003", "NO_PROXY"), ("XPN002", "NO_PROXY")} <= {
        (r, v) for r, v, _ in findings_of(overridden)
    }
    result = run(text_of(overridden))  # fix cannot change a parameter: it says so, writes nothing
    assert result.outcome.failed and result.outputs["in.yaml"] == text_of(overridden)
    assert [f.message for f in result.outcome.findings if f.rule.id == "XPN043"] == [
        XPN043.say(owner="spec.source.helm.parameters[0]")
    ]
    same = argo(
        {
            "valuesObject": {"extraEnvVarsCrossplane": {"HTTPS_PROXY": PROXY}},
            "parameters": [
                {"name": f"extraEnvVarsCrossplane.{k}", "value": v} for k, v in GOOD.items()
            ],
        }
    )
    assert rule_ids(same) == set() and fix(text_of(same)) == text_of(same)
    escaped = argo(
        {
            "valuesObject": values,
            "parameters": [{"name": "extraEnvVarsCrossplane.NO\\.PROXY", "value": "x"}],
        }
    )
    with pytest.raises(InputError, match=r"NO_PROXY and NO\.PROXY both render as NO_PROXY"):
        run(text_of(escaped))


@pytest.mark.parametrize(
    "helm, rule, said",
    [
        ({"parameters": [{"name": "extraEnvVarsCrossplane", "value": "x"}]}, "XPN041", "not one"),
        (
            {"parameters": [{"name": "sidecarsCrossplane[0].name", "value": "x"}]},
            "XPN041",
            "set it",
        ),
        (
            {"parameters": [{"name": "extraEnvVarsCrossplane.A", "value": "{a,b}"}]},
            "XPN041",
            "list",
        ),
        (
            {"fileParameters": [{"name": "extraEnvVarsCrossplane.NO_PROXY", "path": "f"}]},
            "XPN041",
            "file",
        ),
        ({"fileParameters": [{"name": "image.tag", "path": "f"}]}, "XPN040", "version is unknown"),
        ({"valueFiles": ["values-prod.yaml"]}, "XPN040", "values-prod.yaml"),
    ],
    ids=["whole map", "sidecars", "list value", "file env", "file tag", "value files"],
)
def test_what_argo_cd_sets_and_xpnet_cannot_follow_is_named(
    helm: dict[str, Any], rule: str, said: str
) -> None:
    doc = argo({"valuesObject": {"extraEnvVarsCrossplane": GOOD}, **helm})
    found = [(r, m) for r, _, m in findings_of(doc) if r in ("XPN040", "XPN041")]
    assert [r for r, _ in found] == [rule] and said in found[0][1]
    if rule == "XPN040" and "image" in str(helm):
        assert _install(text_of(doc)).version.text is None


def test_the_namespace_argo_cd_renders_into() -> None:
    values: dict[str, Any] = {"valuesObject": {}}
    assert _install(text_of(argo({**values, "namespace": "xp"}))).namespaces == ("xp",)
    no_destination = argo(values)
    del no_destination["spec"]["destination"]["namespace"]
    assert _install(text_of(no_destination)).namespaces == ("default",)


def test_flux_values_that_xpnet_cannot_see_are_named() -> None:
    values = {"extraEnvVarsCrossplane": GOOD}
    hidden = flux(values, valuesFrom=[{"kind": "ConfigMap", "name": "cm"}])
    assert rule_ids(hidden) == {"XPN040"}
    assert _install(text_of(hidden)).version.text is None  # it may set image.tag
    pinned = flux(
        {**values, "image": {"tag": "v2.3.4"}}, valuesFrom=[{"kind": "ConfigMap", "name": "cm"}]
    )
    assert _install(text_of(pinned)).version.text == "2.3.4"  # spec.values wins over it
    target = [{"kind": "Secret", "name": "s", "targetPath": "extraEnvVarsCrossplane.GRPC_PROXY"}]
    assert "XPN041" in rule_ids(flux(values, valuesFrom=target))
    target[0]["targetPath"] = "extraEnvVarsCrossplane.NO_PROXY"  # spec.values sets it: it wins
    assert rule_ids(flux(values, valuesFrom=target)) == set()
    files = flux(values)
    files["spec"]["chart"]["spec"]["valuesFiles"] = ["values.yaml", "prod.yaml"]
    assert [r for r, _, _ in findings_of(files)] == ["XPN040", "XPN040"]


def test_chart_values_that_change_what_the_chart_renders() -> None:
    values = {"extraEnvVarsCrossplane": GOOD}
    assert "XPN013" in rule_ids(flux({**values, "hostNetwork": True}))
    host = {**values, "hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}
    assert "XPN013" not in rule_ids(flux(host))
    rbac = {**values, "extraEnvVarsRBACManager": {"NO_PROXY": "x"}}
    assert "XPN016" in rule_ids(flux(rbac))
    for off in (False, None, "no"):  # "no": plain, YAML 1.1's false, as Helm reads values
        gone = text_of(flux({**rbac, "rbacManager": {"deploy": off}})).replace("'no'", "no")
        assert rule_ids(gone) == set(), off  # no RBAC manager is rendered
    assert "XPN016" in rule_ids(flux({**rbac, "rbacManager": {"deploy": "false"}}))  # a string
    sidecar = {"name": "helper", "image": "x", "env": [{"name": "HTTPS_PROXY", "value": PROXY}]}
    with_sidecar = flux({**values, "sidecarsCrossplane": [sidecar]})
    assert ("XPN016", "no_proxy") in {(r, v) for r, v, _ in findings_of(with_sidecar)}
    assert rule_ids(flux({**values, "sidecarsCrossplane": [sidecar]}, version="2.1.8")) == set()
    out = fix(text_of(with_sidecar))
    env = yaml.safe_load(out)["spec"]["values"]["sidecarsCrossplane"][0]["env"]
    assert {e["name"] for e in env} == set(GOOD) and fix(out) == out
    drc = {"apiVersion": "pkg.crossplane.io/v1beta1", "kind": "DeploymentRuntimeConfig"}
    objects = flux({**values, "extraObjects": [{**drc, "metadata": {"name": "default"}}]})
    assert rule_ids(objects) == {"XPN041"}


@pytest.mark.parametrize("form", ["HelmRelease", "Application", "values file", "alias"])
def test_an_umbrella_chart_holds_crossplane_values_under_the_dependency(form: str) -> None:
    key = "xp" if form == "alias" else "crossplane"
    values = {"replicas": 1, key: {"extraEnvVarsCrossplane": {"HTTPS_PROXY": PROXY}}}
    if form == "values file":
        text = yaml.safe_dump(values)
        out = fix(text, values=True)
        assert "XPN040" in {f.rule.id for f in run(out, mode="check", values=True).outcome.findings}
        fixed = yaml.safe_load(out)
    elif form == "Application":
        text = text_of(argo({"valuesObject": values}, chart="platform"))
        out = fix(text)
        fixed = yaml.safe_load(out)["spec"]["source"]["helm"]["valuesObject"]
    else:
        text = text_of(flux(values, chart="platform"))
        out = fix(text)
        fixed = yaml.safe_load(out)["spec"]["values"]
    assert set(fixed[key]["extraEnvVarsCrossplane"]) == set(GOOD)
    assert fixed["replicas"] == 1 and "extraEnvVarsCrossplane" not in fixed
    assert fix(out, values=form == "values file") == out


def test_a_parameter_for_an_umbrella_chart_reaches_the_dependency() -> None:
    values = {"crossplane": {"extraEnvVarsCrossplane": GOOD}}
    params = [{"name": "crossplane.image.tag", "value": "v1.19.2"}]
    doc = argo({"valuesObject": values, "parameters": params}, chart="platform")
    assert _install(text_of(doc)).version.text == "1.19.2"
    params = [{"name": "crossplane", "value": "null"}]
    doc = argo({"valuesObject": values, "parameters": params}, chart="platform")
    assert "XPN041" in rule_ids(doc)


def test_a_list_is_read_item_by_item_as_kustomize_does() -> None:
    items = [
        flux({"extraEnvVarsCrossplane": {"HTTPS_PROXY": PROXY}}),
        argo({"valuesObject": {}}) | {"metadata": {"name": "b", "namespace": "argocd"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
    ]
    items[1]["spec"]["destination"]["namespace"] = "other"
    nested = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [items[2], {"kind": "HelmReleaseList", "apiVersion": "v1", "items": [items[0]]}],
    }
    for doc in ({"apiVersion": "v1", "kind": "List", "items": items}, nested):
        text = text_of(doc)
        assert "XPN016" in rule_ids(text)
        out = fix(text)
        assert rule_ids(out) == set() and fix(out) == out
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "crossplane"}}
    deployment["spec"] = {
        "template": {"spec": {"containers": [{"name": "crossplane", "args": ["core", "start"]}]}}
    }
    listed = text_of({"apiVersion": "v1", "kind": "List", "items": [deployment]})
    found = findings_of(listed)
    assert [r for r, _, _ in found if r != "XPN020"] == ["XPN041"]


def test_an_application_set_is_read_through_its_template() -> None:
    plain = argo(
        {"valuesObject": {"extraEnvVarsCrossplane": {"HTTPS_PROXY": PROXY}}}, "ApplicationSet"
    )
    out = fix(text_of(plain))
    env = yaml.safe_load(out)["spec"]["template"]["spec"]["source"]["helm"]["valuesObject"]
    assert set(env["extraEnvVarsCrossplane"]) == set(GOOD) and rule_ids(out) == set()
    templated = argo(
        {"valuesObject": {"extraEnvVarsCrossplane": {**GOOD, "NO_PROXY": "{{.np}}"}}},
        "ApplicationSet",
    )
    assert "XPN041" in rule_ids(templated)
    namespace = argo(
        {"valuesObject": {"extraEnvVarsCrossplane": GOOD}},
        "ApplicationSet",
        namespace="{{cluster}}",
    )
    assert "XPN041" in rule_ids(namespace)
    string = argo({"values": "extraEnvVarsCrossplane: {NO_PROXY: {{.np}}}\n"}, "ApplicationSet")
    assert "XPN041" in rule_ids(string)
    assert run(text_of(string)).outcome.failed
    patched = argo({"valuesObject": {"extraEnvVarsCrossplane": GOOD}}, "ApplicationSet")
    patched["spec"]["templatePatch"] = "spec:\n  source:\n    helm:\n      valuesObject: {}\n"
    assert "XPN041" in rule_ids(patched)
    overridden = argo({"valuesObject": {"extraEnvVarsCrossplane": GOOD}}, "ApplicationSet")
    overridden["spec"]["generators"][0]["list"]["template"] = {
        "spec": {"destination": {"namespace": "x"}}
    }
    assert "XPN041" in rule_ids(overridden)


def test_a_list_of_application_sets_is_data_though_it_holds_templates() -> None:
    """A List's template actions are an ApplicationSet's parameters, not a chart's source."""
    appset = argo(
        {"valuesObject": {"extraEnvVarsCrossplane": {"HTTPS_PROXY": PROXY}}}, "ApplicationSet"
    )
    text = text_of({"apiVersion": "v1", "kind": "List", "items": [appset]})
    assert "XPN016" in rule_ids(text)
    out = fix(text)
    assert rule_ids(out) == set() and "{{cluster}}" in out


def test_a_core_renamed_by_a_dependency_alias_is_still_the_core() -> None:
    """A parent chart's alias for crossplane names its containers (Helm: .Chart.Name), so the
    render of the umbrella releases above has a core whose container is `xp`."""
    core = (
        "apiVersion: apps/v1\nkind: Deployment\n"
        "metadata: {name: xp, namespace: crossplane-system}\n"
        "spec:\n  template:\n    spec:\n      containers:\n      - name: xp\n"
        "        image: xpkg.crossplane.io/crossplane/crossplane:v2.3.4\n"
        "        args: [core, start]\n"
    )
    assert "XPN016" in rule_ids(core)
    out = fix(core)
    env = yaml.safe_load(out)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {e["name"] for e in env} == set(GOOD)
    other = core.replace("crossplane/crossplane:", "crossplane/other:")
    assert run(other).outcome.plans == ()  # another image under another name: not the core


def test_what_flux_substitutes_before_applying_is_named() -> None:
    """A Kustomization's postBuild fills ${VAR} in: the value is not known here."""
    values = {"extraEnvVarsCrossplane": {**GOOD, "NO_PROXY": "${cluster_no_proxy}"}}
    found = [m for r, _, m in findings_of(flux(values)) if r == "XPN041"]
    assert len(found) == 1 and "Flux substitutes" in found[0]
    assert run(text_of(flux(values))).outcome.failed  # fix writes nothing over it
    namespaced = flux({"extraEnvVarsCrossplane": GOOD}, targetNamespace="${ns}")
    assert "XPN041" in rule_ids(namespaced)
    kubernetes = {"extraEnvVarsCrossplane": {**GOOD, "HTTPS_PROXY": "http://$(USER)@p:1"}}
    assert "XPN041" not in rule_ids(flux(kubernetes))  # $(VAR) is Kubernetes' own expansion


def test_a_values_string_of_comments_only_holds_no_values() -> None:
    doc = argo({"values": "# nothing yet\n"})
    assert "XPN016" in rule_ids(doc)
    out = yaml.safe_load(fix(text_of(doc)))["spec"]["source"]["helm"]
    assert out["values"] == "# nothing yet\n" and set(
        out["valuesObject"]["extraEnvVarsCrossplane"]
    ) == set(GOOD)
