"""Properties over generated manifests and configs (hypothesis): idempotence, nothing but
proxy variables changes, other env entries keep their order, the computed NO_PROXY covers what
Crossplane's clients need, and upper and lower case agree."""

from __future__ import annotations

import difflib
import ipaddress
import re
from ipaddress import ip_network
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from xpnet.adapters.streams import run_streams
from xpnet.config import load_config, with_mode
from xpnet.noproxy import first_ip
from xpnet.runtimes.go import no_proxy_match
from xpnet.yaml.stream import Source

PROXY_NAMES = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"]
words = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
env_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: n not in PROXY_NAMES
)
values = st.text(
    st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="\\\"'"), max_size=20
)


@st.composite
def cidr4(draw: Any) -> str:
    prefix = draw(st.integers(8, 24))
    address = draw(st.integers(0, 2**32 - 1))
    return str(ipaddress.ip_network((address, prefix), strict=False))


@st.composite
def configs(draw: Any) -> dict[str, Any]:
    pods = [draw(cidr4())]
    if draw(st.booleans()):
        pods.append("fd00:10:244::/56")
    # A service range apart from the pods' (the configuration refuses overlapping ones).
    services = [draw(cidr4().filter(lambda c: not ip_network(c).overlaps(ip_network(pods[0]))))]
    return {
        "apiVersion": "xpnet.dev/v1alpha1",
        "kind": "ClusterNetwork",
        "metadata": {"name": "corp"},
        "spec": {
            "proxy": {
                "httpsProxy": "http://proxy.corp.example:3128",
                "noProxy": draw(st.lists(words.map(lambda w: f".{w}.example"), max_size=3)),
            },
            "cluster": {"podCIDRs": pods, "serviceCIDRs": services},
            "crossplane": {"version": draw(st.sampled_from(["auto", "unknown", "1.19.2"]))},
        },
    }


def _quote(value: str, style: str) -> str:
    return {"plain": f'"{value}"', "single": f"'{value}'", "double": f'"{value}"'}[style]


@st.composite
def env_block(draw: Any, indent: int) -> tuple[str, list[tuple[str, str]]]:
    """An env block in one of the indentation styles charts use, with other entries and some
    proxy variables already set; returns the text and the other entries in order."""
    dash = indent + draw(st.sampled_from([0, 2]))
    names = draw(st.lists(env_names, unique=True, max_size=4))
    others = [(n, draw(values)) for n in names]
    proxies = draw(st.lists(st.sampled_from(PROXY_NAMES), unique=True, max_size=3))
    entries = [(n, v, False) for n, v in others] + [
        (n, draw(st.sampled_from(["http://old:1", "localhost,.svc"])), True) for n in proxies
    ]
    entries = draw(st.permutations(entries))
    lines = [" " * indent + "env:"]
    for name, value, _ in entries:
        comment = draw(st.sampled_from(["", "  # keep me"]))
        lines.append(" " * dash + f"- name: {name}{comment}")
        lines.append(
            " " * (dash + 2)
            + f"value: {_quote(value, draw(st.sampled_from(['plain', 'single', 'double'])))}"
        )
    order = [(n, v) for n, v, proxy in entries if not proxy]
    return "\n".join(lines) + "\n", order


@st.composite
def installs(draw: Any) -> tuple[str, dict[str, list[tuple[str, str]]]]:
    tag = draw(st.sampled_from(["v1.19.2", "v2.1.0", "v0.0.1"]))
    main_env, main_order = draw(env_block(8))
    init_env, init_order = draw(env_block(10))
    core = (
        "# Source: crossplane/templates/deployment.yaml\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n"
        "  namespace: crossplane-system\nspec:\n  template:\n    spec:\n      initContainers:\n"
        f"        - name: crossplane-init\n          image: crossplane:{tag}\n{init_env}"
        f"      containers:\n      - name: crossplane\n        image: crossplane:{tag}\n"
        f"        args: [core, start]\n{main_env}        ports:\n        - containerPort: 8081\n"
    )
    other = draw(st.lists(words, max_size=3))
    docs = [core] + [
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {w}\ndata:\n  key: '{w} # x'\n"
        for w in other
    ]
    return "---\n".join(draw(st.permutations(docs))), {
        "crossplane": main_order,
        "crossplane-init": init_order,
    }


def fix(text: str, config: Any) -> str:
    return run_streams(config, [Source("input.yaml", text)]).outputs["input.yaml"]


def check_fails(text: str, config: Any) -> bool:
    return run_streams(with_mode(config, "check"), [Source("input.yaml", text)]).outcome.failed


def containers(text: str) -> dict[str, dict[str, Any]]:
    out = {}
    for doc in YAML(typ="safe", pure=True).load_all(text):
        if doc and doc["kind"] == "Deployment":
            spec = doc["spec"]["template"]["spec"]
            for c in spec.get("initContainers", []) + spec.get("containers", []):
                out[c["name"]] = c
    return out


PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@PROPERTIES
@given(installs(), configs())
def test_fix_properties(install: tuple[str, dict[str, list[tuple[str, str]]]], raw: Any) -> None:
    text, orders = install
    config = load_config(raw, "generated")
    out = fix(text, config)

    assert fix(out, config) == out, "a second run changes nothing"
    assert fix(text, config) == out, "deterministic"
    assert check_fails(text, config) == (out != text), "check fails exactly where fix changes"
    assert not check_fails(out, config)

    changed = [
        line
        for line in difflib.ndiff(text.splitlines(), out.splitlines())
        if line.startswith(("- ", "+ "))
    ]
    proxy_line = re.compile(
        r"^[-+] \s*(- name: (" + "|".join(PROXY_NAMES) + r")(  # keep me)?|value: .*)$"
    )
    assert all(proxy_line.match(line) for line in changed), changed

    found = containers(out)
    for name, order in orders.items():
        env = [(e["name"], e.get("value")) for e in found[name].get("env") or []]
        assert [e for e in env if e[0] not in PROXY_NAMES] == order
    main = {e["name"]: e.get("value") for e in found["crossplane"]["env"]}
    for upper in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        assert main[upper] == main[upper.lower()]
    no_proxy = main["NO_PROXY"]
    for cidr in config.spec.cluster.serviceCIDRs:
        assert no_proxy_match(no_proxy, first_ip(cidr), "443").direct
    assert no_proxy_match(no_proxy, "function-x.crossplane-system", "9443").direct
    for cidr in config.spec.cluster.podCIDRs:
        network = ipaddress.ip_network(cidr)
        assert no_proxy_match(no_proxy, str(network[1]), "9443").direct
        assert no_proxy_match(no_proxy, str(network[-2]), "9443").direct
