"""patches.py: the kustomize patches of `xpnet patch`, on real rendered charts."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import CROSSPLANE_FIXTURES
from tests.unit_helpers import PROXY, config, installs
from xpnet import patches
from xpnet.adapters.streams import run_streams
from xpnet.errors import ConfigError
from xpnet.install import Role
from xpnet.plan import Plan
from xpnet.yaml.stream import Source

# The chart v1.20.11 rendered with proxy values (tests/fixtures/crossplane/README.md): its core
# already has HTTP_PROXY and HTTPS_PROXY set to this proxy.
CHART = "chart-v1.20.11-proxy.yaml"
CHART_PROXY = "http://proxy.example.com:3128"
SIX = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


def chart(name: str = CHART) -> str:
    return (CROSSPLANE_FIXTURES / name).read_text()


def plans(text: str, **spec: Any) -> tuple[Plan, ...]:
    outcome = run_streams(config("fix", **spec), [Source("chart.yaml", text)]).outcome
    assert not outcome.failed, [f"{f.rule.id} {f.message}" for f in outcome.findings]
    return tuple(outcome.plans)


def pod(item: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = item["patch"]["spec"]["template"]["spec"]
    return spec


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["env"]}


def merged(text: str, items: list[dict[str, Any]]) -> str:
    """The manifests with the patches applied as a strategic merge patch applies them to env:
    containers and env entries merged by name (the patch's value wins), others kept."""
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    for item in items:
        target = item["target"]
        doc = next(
            d
            for d in docs
            if d["kind"] == target["kind"]
            and d["metadata"]["name"] == target["name"]
            and d["metadata"].get("namespace") == target.get("namespace")
        )
        spec = doc["spec"]["template"]["spec"]
        for key, containers in pod(item).items():
            assert key in ("containers", "initContainers"), key
            for patch in containers:
                have = next(c for c in spec[key] if c["name"] == patch["name"])
                entries = have.setdefault("env", [])
                for entry in patch["env"]:
                    entries[:] = [e for e in entries if e["name"] != entry["name"]] + [entry]
    return yaml.safe_dump_all(docs, sort_keys=False)


def test_a_real_charts_patches_target_its_deployments_with_every_variable_xpnet_writes() -> None:
    found = plans(chart(), proxy={"httpsProxy": CHART_PROXY})
    items = patches.patches(found)
    assert [i["target"] for i in items] == [
        {
            "group": "apps",
            "version": "v1",
            "kind": "Deployment",
            "name": name,
            "namespace": "crossplane-system",
        }
        for name in ("crossplane", "crossplane-rbac-manager")
    ]
    for item in items:
        assert item["patch"]["metadata"] == {
            "name": item["target"]["name"],
            "namespace": "crossplane-system",
        }
        assert (item["patch"]["apiVersion"], item["patch"]["kind"]) == ("apps/v1", "Deployment")
    core = next(e for p in found for e in p.edits if e.resource.role is Role.CORE)
    assert "HTTPS_PROXY" not in core.changed  # the chart has it right already ...
    (container,) = pod(items[0])["containers"]
    assert container["name"] == "crossplane" and tuple(env(container)) == SIX
    assert env(container) == dict(core.values)  # ... and the patch still sets it
    assert env(container)["HTTPS_PROXY"] == CHART_PROXY
    # The chart's values give the RBAC manager a NO_PROXY only: it gets the right one.
    (rbac,) = pod(items[1])["containers"]
    assert tuple(env(rbac)) == ("NO_PROXY", "no_proxy")
    assert env(rbac)["NO_PROXY"] == env(container)["NO_PROXY"]


@pytest.mark.parametrize("name", ["chart-head-default.yaml", CHART])
def test_the_patched_chart_needs_no_further_patch(name: str) -> None:
    text = chart(name)
    items = patches.patches(plans(text))
    assert items, "the chart needs the proxy env"
    assert patches.patches(plans(merged(text, items))) == []


def test_the_ca_bundle_goes_into_the_same_container_entry_as_its_env() -> None:
    trust = {"caBundle": {"configMapRef": {"name": "corp-ca", "key": "ca.crt"}}}
    items = patches.patches(plans(patches.chart_defaults("2.1.8", None), trust=trust))
    (core,) = items  # the RBAC manager has no proxy, so nothing to add there
    spec = pod(core)
    assert spec["volumes"] == [
        {
            "name": "ca-certs",
            "configMap": {"name": "corp-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]},
        }
    ]
    (container,) = spec["containers"]
    assert container["volumeMounts"] == [{"mountPath": "/certs", "name": "ca-certs"}]
    assert env(container)["CA_BUNDLE_PATH"] == "/certs/ca.crt"
    assert env(container)["HTTPS_PROXY"] == PROXY


def test_credentials_from_a_secret_are_refused_naming_what_to_use_instead() -> None:
    secret = {"httpsProxy": PROXY, "credentialsSecret": {"name": "creds"}}
    found = plans(patches.chart_defaults("2.1.8", None), proxy=secret)
    with pytest.raises(ConfigError) as raised:
        patches.patches(found)
    (problem,) = raised.value.problems
    assert problem.startswith("spec.proxy.credentialsSecret needs secretKeyRef variables")
    assert "xpnet-helm" in problem and "xpnet fix" in problem


# render: a YAML list whose patches are literal block strings.

TRICKY = ["true", "1.0", "null", "0x1F", "a: b", "#x", "- x", "'q'", "", "yes", "~", "{{ .V }}"]


def test_render_writes_each_patch_as_a_string_that_reads_back_as_the_patch() -> None:
    container = {"name": "c", "env": [{"name": f"V{i}", "value": v} for i, v in enumerate(TRICKY)]}
    item = {
        "target": {"kind": "Deployment", "name": "crossplane"},
        "patch": {
            "apiVersion": "apps/v1",
            "spec": {"template": {"spec": {"containers": [container]}}},
        },
    }
    text = patches.render([item, item])
    assert text.count("  patch: |\n") == 2
    got = yaml.safe_load(text)
    assert [g["target"] for g in got] == [item["target"]] * 2
    assert all(isinstance(g["patch"], str) for g in got)
    assert [yaml.safe_load(g["patch"]) for g in got] == [item["patch"]] * 2


def test_render_of_nothing_is_an_empty_list() -> None:
    assert patches.render([]) == "[]\n"


# chart_defaults: what the chart renders with default values, as far as env goes.


@pytest.mark.parametrize("version", ["2.1.8", "v2.1.8"])
def test_chart_defaults_is_the_core_and_rbac_manager_of_that_version(version: str) -> None:
    text = patches.chart_defaults(version, "xp")
    assert "crossplane:v2.1.8\n" in text and ":vv" not in text
    (install,) = installs(text)
    assert install.namespace == "xp" and install.version.text == "2.1.8"
    assert [(r.name, r.role) for r in install.resources] == [
        ("crossplane", Role.CORE),
        ("crossplane-rbac-manager", Role.RBAC_MANAGER),
    ]
    assert "env:" not in text  # the defaults set no proxy variable


def test_chart_defaults_without_a_version_or_namespace() -> None:
    (install,) = installs(patches.chart_defaults(None, None))
    assert install.namespace == "crossplane-system"
    assert install.version.text is None  # an untagged image: every version is covered


def test_the_chart_defaults_match_a_real_render_where_env_is_concerned() -> None:
    """The names, namespace, containers and the role and command of their args: what xpnet
    reads from a rendered chart."""

    def shape(text: str) -> list[Any]:
        out = []
        for doc in yaml.safe_load_all(text):
            if doc and doc["kind"] == "Deployment":
                spec = doc["spec"]["template"]["spec"]
                containers = [
                    (key, c["name"], c.get("args", [])[:2])
                    for key in ("initContainers", "containers")
                    for c in spec.get(key, [])
                ]
                out.append((doc["metadata"]["name"], doc["metadata"]["namespace"], containers))
        return sorted(out)

    rendered = shape(chart("chart-head-default.yaml"))
    assert shape(patches.chart_defaults(None, None)) == rendered
