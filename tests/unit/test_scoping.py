"""Scoping: a runtime config annotated xpnet.dev/skip is left alone by fix and reported
by check; xpnet.dev/extra-no-proxy gives one runtime config NO_PROXY entries of its own, and the
one-consistent-set rule reads "one set per install plus the declared extras"."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.unit_helpers import PROXY, config, core
from xpnet import noproxy
from xpnet.adapters.streams import run_streams
from xpnet.config import ClusterNetwork
from xpnet.errors import InputError
from xpnet.install import EXTRA_NO_PROXY, SKIP
from xpnet.yaml.stream import Source

CORE_ENV = "        env:\n        - name: HTTPS_PROXY\n          value: http://old:1\n"


def drc(name: str, annotations: dict[str, str] | None = None, env: str = "") -> str:
    meta = f"metadata:\n  name: {name}\n"
    if annotations:
        meta += "  annotations:\n" + "".join(f"    {k}: {v}\n" for k, v in annotations.items())
    containers = (
        "      template:\n        spec:\n          containers:\n"
        "          - name: package-runtime\n            env:\n" + env
        if env
        else "      template: {}\n"
    )
    return (
        "---\napiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\n"
        + meta
        + "spec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
        + containers
    )


def controller_config(name: str, annotations: dict[str, str]) -> str:
    return (
        "---\napiVersion: pkg.crossplane.io/v1alpha1\nkind: ControllerConfig\n"
        f"metadata:\n  name: {name}\n  annotations:\n"
        + "".join(f"    {k}: {v}\n" for k, v in annotations.items())
        + "spec: {}\n"
    )


def env(values: dict[str, str]) -> str:
    indent = "            "
    return "".join(f"{indent}- name: {k}\n{indent}  value: '{v}'\n" for k, v in values.items())


def run(text: str, cfg: ClusterNetwork | None = None, mode: str = "fix") -> Any:
    return run_streams(cfg or config(mode), [Source("in.yaml", text)])


def fixed(text: str, cfg: ClusterNetwork | None = None) -> str:
    out: str = run(text, cfg).outputs["in.yaml"]
    return out


def documents(text: str) -> dict[str, Any]:
    return {d["metadata"]["name"]: d for d in YAML(typ="safe", pure=True).load_all(text) if d}


def runtime_env(doc: dict[str, Any]) -> dict[str, str]:
    if doc["kind"] == "ControllerConfig":
        return {e["name"]: e["value"] for e in doc["spec"]["env"]}
    containers = doc["spec"]["deploymentTemplate"]["spec"]["template"]["spec"]["containers"]
    (runtime,) = [c for c in containers if c["name"] == "package-runtime"]
    return {e["name"]: e["value"] for e in runtime["env"]}


INSTALL_SET = noproxy.compute(config(), "crossplane-system").value


# xpnet.dev/skip


def test_a_skipped_runtime_config_is_left_byte_for_byte() -> None:
    stale = drc("hands-off", {SKIP: '"true"'}, env({"HTTPS_PROXY": "http://other:1"}))
    text = core(env=CORE_ENV) + stale + drc("managed")
    out = fixed(text)
    assert stale in out
    assert runtime_env(documents(out)["managed"])["NO_PROXY"] == INSTALL_SET
    assert fixed(out) == out


def test_a_skipped_runtime_config_alone_is_not_rewritten_at_all() -> None:
    text = drc("hands-off", {SKIP: '"true"'})
    assert fixed(text) == text


def test_check_reports_a_skipped_runtime_config_as_info_and_judges_nothing_in_it() -> None:
    stale = drc("hands-off", {SKIP: '"true"'}, env({"HTTPS_PROXY": "http://other:1"}))
    good = fixed(core(env=CORE_ENV))
    result = run(good + stale, mode="check")
    found = [(f.rule.id, f.resource.name if f.resource else None) for f in result.outcome.findings]
    assert found == [("XPN023", "hands-off")]
    assert not result.outcome.failed
    assert SKIP in result.outcome.findings[0].message


def test_skip_false_is_the_same_as_no_annotation() -> None:
    text = core(env=CORE_ENV) + drc("rt", {SKIP: '"false"'})
    assert fixed(text) == fixed(core(env=CORE_ENV) + drc("rt")).replace(
        "  name: rt\n", f'  name: rt\n  annotations:\n    {SKIP}: "false"\n'
    )


def test_a_skipped_runtime_config_gives_no_existing_entries_to_the_others() -> None:
    stale = drc("hands-off", {SKIP: '"true"'}, env({"NO_PROXY": "only-there.example"}))
    out = fixed(core(env=CORE_ENV) + stale)
    assert "only-there.example" not in runtime_env_core(out)


def runtime_env_core(text: str) -> str:
    doc = documents(text)["crossplane"]
    (container,) = doc["spec"]["template"]["spec"]["containers"]
    return str({e["name"]: e["value"] for e in container["env"]})


# xpnet.dev/extra-no-proxy


def test_extras_go_to_that_runtime_config_only_in_every_bypass_variable() -> None:
    text = (
        core(env=CORE_ENV)
        + drc("vault", {EXTRA_NO_PROXY: '"Vault.Corp.Example, 10.50.0.0/16,,localhost"'})
        + drc("other")
        + controller_config("legacy", {EXTRA_NO_PROXY: "legacy.corp.example"})
    )
    out = fixed(text, config(proxy={"grpcProxy": PROXY}))
    docs = documents(out)
    vault = runtime_env(docs["vault"])
    want = INSTALL_SET + ",vault.corp.example,10.50.0.0/16"  # localhost is already in the set
    assert vault["NO_PROXY"] == vault["no_proxy"] == vault["no_grpc_proxy"] == want
    assert runtime_env(docs["other"])["NO_PROXY"] == INSTALL_SET
    assert runtime_env(docs["legacy"])["no_proxy"] == INSTALL_SET + ",legacy.corp.example"
    assert "vault.corp.example" not in runtime_env_core(out)
    assert fixed(out, config(proxy={"grpcProxy": PROXY})) == out


def test_extras_are_not_spread_to_the_install_when_merging_existing_entries() -> None:
    done = fixed(core(env=CORE_ENV) + drc("vault", {EXTRA_NO_PROXY: "vault.corp.example"}))
    again = fixed(done)
    assert again == done
    assert "vault.corp.example" not in runtime_env_core(again)


def test_check_accepts_the_declared_extras_and_still_fails_where_fix_would_change() -> None:
    text = core(env=CORE_ENV) + drc("vault", {EXTRA_NO_PROXY: "vault.corp.example"})
    done = fixed(text)
    result = run(done, mode="check")
    assert [f.rule.id for f in result.outcome.findings] == []
    assert not result.outcome.failed
    # the same block without its extras: fix would add them, so check fails (XPN016)
    bare = done.replace(",vault.corp.example", "")
    assert fixed(bare) == done
    result = run(bare, mode="check")
    assert result.outcome.failed
    xpn016 = [f for f in result.outcome.findings if f.rule.id == "XPN016"]
    assert len(xpn016) == 1 and set(xpn016[0].names) == {"NO_PROXY", "no_proxy"}
    assert all("lacks vault.corp.example" in f.message for f in xpn016)


def test_undeclared_entries_in_one_runtime_config_are_still_inconsistent() -> None:
    six = {"HTTP_PROXY": PROXY, "HTTPS_PROXY": PROXY, "http_proxy": PROXY, "https_proxy": PROXY}
    odd = INSTALL_SET + ",odd.example"
    text = fixed(core(env=CORE_ENV)) + drc(
        "rt", {EXTRA_NO_PROXY: "vault.corp.example"}, env(six | {"NO_PROXY": odd, "no_proxy": odd})
    )
    result = run(text, mode="check")
    assert ("XPN001", "rt", "NO_PROXY") in {
        (f.rule.id, f.resource.name if f.resource else None, var)
        for f in result.outcome.findings
        for var in f.names
    }
    assert result.outcome.failed and fixed(text) != text


def test_without_a_core_the_runtime_configs_agree_on_the_set_without_extras() -> None:
    text = drc("vault", {EXTRA_NO_PROXY: "vault.corp.example"}) + drc("plain")
    done = fixed(text)
    result = run(done, mode="check")
    assert [f.rule.id for f in result.outcome.findings] == []


# Bad annotation values: a clear error naming the resource and the annotation; nothing written.


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        (
            {SKIP: '"yes"'},
            f"line 22: DeploymentRuntimeConfig/rt: annotation {SKIP}: 'yes' is neither \"true\" "
            f'nor "false"; write {SKIP}: "true" to have xpnet leave DeploymentRuntimeConfig/rt '
            "alone, or remove the annotation",
        ),
        (
            {SKIP: "true"},
            f"line 22: DeploymentRuntimeConfig/rt: annotation {SKIP}: true is not a string "
            f'(Kubernetes refuses it); quote it, e.g. {SKIP}: "true"',
        ),
        (
            {EXTRA_NO_PROXY: '"vault.corp.example, bad entry"'},
            f"line 22: DeploymentRuntimeConfig/rt: annotation {EXTRA_NO_PROXY}: entry 'bad entry': "
            "separate entries with commas, without inner spaces",
        ),
        (
            {EXTRA_NO_PROXY: '"bücher.example"'},
            f"line 22: DeploymentRuntimeConfig/rt: annotation {EXTRA_NO_PROXY}: entry "
            "'bücher.example' is an internationalised name; write its ASCII form "
            "xn--bcher-kva.example",
        ),
        (
            {EXTRA_NO_PROXY: "[a, b]"},
            f"line 22: DeploymentRuntimeConfig/rt: annotation {EXTRA_NO_PROXY}: this value is not "
            f'a string (Kubernetes refuses it); quote it, e.g. {EXTRA_NO_PROXY}: ""',
        ),
    ],
)
def test_a_bad_annotation_is_refused_with_the_resource_and_annotation(
    annotations: dict[str, str], message: str
) -> None:
    text = drc("rt", annotations).removeprefix("---\n")
    for mode in ("fix", "check"):
        with pytest.raises(InputError) as raised:
            run(core(env=CORE_ENV) + "---\n" + text, mode=mode)
        assert raised.value.problems == [message]


def test_a_bad_annotation_in_a_file_leaves_the_file_unchanged(tmp_path: Any) -> None:
    from xpnet.adapters.cli import main

    path = tmp_path / "in.yaml"
    text = core(env=CORE_ENV) + drc("rt", {SKIP: '"maybe"'})
    path.write_text(text)
    config_path = tmp_path / "xpnet.yaml"
    config_path.write_text(
        "apiVersion: xpnet.dev/v1alpha1\nkind: ClusterNetwork\nmetadata: {name: c}\n"
        "spec:\n  proxy: {httpsProxy: 'http://p:1'}\n"
        "  cluster: {podCIDRs: [10.244.0.0/16], serviceCIDRs: [10.96.0.0/12]}\n"
    )
    assert main(["fix", "-c", str(config_path), str(path)]) == 1
    assert path.read_text() == text


# Check fails exactly where fix changes something, with annotated runtime configs around.

WORDS = ["vault.corp.example", "10.50.0.0/16", "localhost", ".internal.example"]


@st.composite
def runtime_configs(draw: Any) -> str:
    out = ""
    for i in range(draw(st.integers(1, 3))):
        annotations = {}
        if draw(st.booleans()):
            annotations[SKIP] = draw(st.sampled_from(['"true"', '"false"']))
        extras = draw(st.lists(st.sampled_from(WORDS), unique=True, max_size=3))
        if extras:
            annotations[EXTRA_NO_PROXY] = f'"{",".join(extras)}"'
        state = draw(st.sampled_from(["none", "install", "install+extras", "stale"]))
        values = {
            "none": {},
            "install": {"NO_PROXY": INSTALL_SET, "no_proxy": INSTALL_SET},
            "install+extras": {
                "NO_PROXY": noproxy.extend(INSTALL_SET, extras),
                "no_proxy": noproxy.extend(INSTALL_SET, extras),
            },
            "stale": {"NO_PROXY": "localhost", "no_proxy": "localhost"},
        }[state]
        if values:
            values = {"HTTP_PROXY": PROXY, "HTTPS_PROXY": PROXY, **values}
            values |= {"http_proxy": PROXY, "https_proxy": PROXY}
        out += drc(f"rt{i}", annotations, env(values))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runtime_configs(), st.booleans())
def test_check_fails_exactly_where_fix_changes_something(drcs: str, with_core: bool) -> None:
    text = (fixed(core(env=CORE_ENV)) if with_core else "") + drcs
    out = fixed(text)
    assert fixed(out) == out
    check = run(text, mode="check").outcome
    assert check.failed == (out != text)
    after = run(out, mode="check").outcome
    assert not after.failed
    assert "XPN001" not in {f.rule.id for f in after.findings}
    for name, doc in documents(text).items():
        if doc["metadata"].get("annotations", {}).get(SKIP) == "true":
            assert documents(out)[name] == doc
