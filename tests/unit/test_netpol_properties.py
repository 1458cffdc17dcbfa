"""NetworkPolicies and NO_PROXY held to each other over generated configurations: every
destination the runtime simulator sends direct, for every runtime, is allowed by the policies xpnet
writes (judged by tests/netpol_engine.py, which the cyclonus test cross-checks), or the run fails
naming it (XPN050, XPN051); no proxy password in any message or policy; a second run changes
nothing. The readers of NO_PROXY entries and of existing policies are fuzzed here too."""

from __future__ import annotations

import ipaddress
import json
from typing import Any, NamedTuple

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests import netpol_engine
from tests.netpol_engine import Peer
from xpnet import egress, entries
from xpnet.adapters.streams import run_streams
from xpnet.clouds import ENDPOINTS
from xpnet.config import load_config
from xpnet.errors import XpnetError
from xpnet.runtimes import GRPC_RUNTIMES, RUNTIMES, decide
from xpnet.yaml.stream import Source

NS = "crossplane-system"
PODS4, PODS6 = "10.244.0.0/16", "fd00:10:244::/56"
SERVICES4, SERVICES6 = "10.96.0.0/12", "fd00:10:96::/112"
PASSWORD = "Pw-x7Q9-secret"
CORE_LABELS = {"app": "crossplane"}
CORE_POD = Peer("10.244.1.10", NS, CORE_LABELS)
FUNCTION_POD = Peer("10.244.1.20", NS, {"pkg.crossplane.io/function": "function-x"})
PROVIDER_POD = Peer("10.244.1.30", NS, {"pkg.crossplane.io/provider": "provider-x"})

# NO_PROXY entries a user, a chart or a runtime config may write: outside the cluster by address
# and by name, inside it, with ports, loopback, and the entry that sends everything direct.
ENTRIES = [
    "10.50.0.0/16",
    "10.50.3.7",
    "172.16.0.0/12",
    "10.0.0.0/8",
    "10.60.0.1:8443",
    "fd00:abcd::/64",
    "[fd00:abcd::5]:443",
    "192.168.10.5",
    "169.254.169.254",
    "fd00:ec2::254",
    ".corp.example",
    "git.corp.example",
    "*.corp.example",
    "corp.example",
    "xpkg.crossplane.io",
    ".crossplane.io",
    "metadata.google.internal",
    "api.corp.example",
    "vault.vault.svc",
    ".cluster.local",
    "10.96.5.5",
    "10.244.7.0/24",
    "localhost",
    "127.0.0.1",
]
EXTRA = [
    {"cidr": "10.50.0.0/16"},
    {"cidr": "10.50.0.0/16", "ports": [443], "hosts": [".corp.example"]},
    {"cidr": "10.60.0.0/24", "ports": [8443]},
    {"cidr": "172.16.0.0/12", "hosts": ["corp.example"]},
    {"cidr": "fd00:abcd::/64", "ports": [443]},
    {"cidr": "198.51.100.0/24", "hosts": ["xpkg.crossplane.io"]},
    {"cidr": "203.0.113.0/24", "hosts": ["*.crossplane.io"]},
]


@st.composite
def proxies(draw: Any) -> tuple[dict[str, Any], list[str]]:
    """The proxy settings and the proxyCIDRs a proxy named by host needs."""
    host = draw(st.sampled_from(["10.20.0.10", "[fd00:cafe::10]", "proxy.corp.example"]))
    port = draw(st.sampled_from(["", ":3128", ":8080"]))
    userinfo = f"user:{PASSWORD}@" if draw(st.booleans()) else ""
    https = f"http://{userinfo}{host}{port}"
    proxy: dict[str, Any] = {"httpsProxy": https}
    if draw(st.booleans()):
        other = draw(st.sampled_from(["10.20.0.11:3129", "proxy.corp.example:8081"]))
        proxy["httpProxy"] = f"http://{other}"
    cidrs = ["10.20.0.0/28"] if "proxy.corp.example" in json.dumps(proxy) else []
    return proxy, cidrs


@st.composite
def cases(draw: Any) -> dict[str, Any]:
    dual = draw(st.booleans())
    proxy, proxy_cidrs = draw(proxies())
    proxy["noProxy"] = draw(st.lists(st.sampled_from(ENTRIES), max_size=3, unique=True))
    names = st.sampled_from(["api.corp.example", "fd00:192:168:10::5"])
    api = ["192.168.10.5", *draw(st.lists(names, unique=True))]
    spec = {
        "proxy": proxy,
        "cluster": {
            "podCIDRs": [PODS4, PODS6] if dual else [PODS4],
            "serviceCIDRs": [SERVICES4, SERVICES6] if dual else [SERVICES4],
            "apiServerAddresses": api,
            "cloud": draw(st.sampled_from([None, "aws", "azure", "gcp"])),
        },
        "networkPolicy": {
            "enabled": True,
            "proxyCIDRs": proxy_cidrs,
            "extraEgress": draw(st.lists(st.sampled_from(EXTRA), max_size=3, unique_by=json.dumps)),
        },
        "policy": {"existingEntries": draw(st.sampled_from(["merge", "replace"]))},
    }
    return {
        "spec": spec,
        "existing": draw(st.lists(st.sampled_from(ENTRIES), max_size=2, unique=True)),
        "extras": draw(st.lists(st.sampled_from(ENTRIES[:18]), max_size=2, unique=True)),
    }


def manifests(existing: list[str], extras: list[str]) -> str:
    env = ""
    if existing:
        value = ",".join(["localhost", *existing])
        env = f"        env:\n        - name: NO_PROXY\n          value: '{value}'\n"
    annotation = ""
    if extras:
        annotation = f"  annotations:\n    xpnet.dev/extra-no-proxy: '{','.join(extras)}'\n"
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n"
        f"  namespace: {NS}\nspec:\n  selector:\n    matchLabels:\n      app: crossplane\n"
        "  template:\n    metadata:\n      labels:\n        app: crossplane\n    spec:\n"
        "      containers:\n      - name: crossplane\n"
        "        image: xpkg.crossplane.io/crossplane/crossplane:v2.1.0\n"
        f"        args: [core, start]\n{env}"
        "---\napiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\n"
        f"metadata:\n  name: default\n{annotation}spec:\n  deploymentTemplate:\n    spec:\n"
        "      selector: {}\n      template:\n        spec:\n          containers:\n"
        "          - name: package-runtime\n"
    )


def config_doc(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "xpnet.dev/v1alpha1",
        "kind": "ClusterNetwork",
        "metadata": {"name": "corp"},
        "spec": spec,
    }


class Destination(NamedTuple):
    target: str  # what the runtime is asked for
    peer: Peer | None  # where the connection goes; None: no address is known for it
    port: int
    what: str
    resolved: str | None = None  # a dns:/// name's address (grpc-go <= 1.70 matches it)


def _in_cluster(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    nets = (PODS4, PODS6, SERVICES4, SERVICES6)
    return any(address in ipaddress.ip_network(n) for n in nets)


def _addresses(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list[str]:
    """A few addresses of a network outside the cluster networks (none when all are inside)."""
    picks = [net.network_address + k for k in (0, 1, 255, 65537) if k < net.num_addresses]
    picks.append(net.broadcast_address)
    return [str(a) for a in dict.fromkeys(picks) if not _in_cluster(str(a))]


def _port_for(address: str | None, host: str | None, port: int | None, spec: dict[str, Any]) -> int:
    """The port of a destination a NO_PROXY entry names: its own, else where the service listens
    (a cloud's metadata endpoints: plain HTTP), else the one the user declared for it in
    extraEgress (NO_PROXY names no port), else 443."""
    if port is not None:
        return port
    if address in {e.ip for es in ENDPOINTS.values() for e in es}:
        return 80
    for extra in spec["networkPolicy"]["extraEgress"]:
        net = ipaddress.ip_network(extra["cidr"])
        inside = address is not None and ipaddress.ip_address(address) in net
        named = host is not None and any(egress._covers(h, host) for h in extra.get("hosts", []))
        if (inside or named) and extra.get("ports"):
            return int(extra["ports"][0])
    return 443


def _declared(host: str, spec: dict[str, Any]) -> str | None:
    """An address of the extraEgress entry that declares this name, if one does."""
    for extra in spec["networkPolicy"]["extraEgress"]:
        if any(egress._covers(h, host) for h in extra.get("hosts", [])):
            return _addresses(ipaddress.ip_network(extra["cidr"]))[0]
    return None


def entry_destinations(entry: str, spec: dict[str, Any]) -> list[Destination]:
    """What an entry sends direct, as destinations: addresses in it outside the cluster, or a
    name it matches with the address it is known to have (None when nothing says)."""
    host, port = egress._split_port(entry)
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith(".svc"):
        return []
    if host.endswith((".cluster.local", ".svc")) or host == "cluster.local":
        return []  # inside the cluster: XPN052 says the policies do not allow it
    net = entries.network(host)
    if net is not None:
        out = []
        for address in _addresses(net):
            shown = f"[{address}]" if ":" in address else address
            p = _port_for(address, None, port, spec)
            out.append(Destination(f"https://{shown}:{p}", Peer(address), p, entry))
        return out
    name = host.removeprefix("*.").removeprefix(".")
    name = f"x.{name}" if host.startswith((".", "*.")) else name
    return [named(name, port, spec, entry)]


def named(name: str, port: int | None, spec: dict[str, Any], what: str) -> Destination:
    """A destination by name, at the address it is known to have: a cloud's metadata name, an
    API server name, a name an extraEgress entry declares; else no address."""
    cloud = {e.value: e.address for es in ENDPOINTS.values() for e in es if e.address}
    api = [a for a in spec["cluster"]["apiServerAddresses"] if entries.network(a) is None]
    if name in cloud:
        address: str | None = cloud[name]
        p = port or 80
    elif name in api:
        address, p = "192.168.10.5", port or 443
    else:
        address = _declared(name, spec)
        p = _port_for(None, name, port, spec)
    return Destination(f"https://{name}:{p}", Peer(address) if address else None, p, what)


def destinations(spec: dict[str, Any], entries: list[str]) -> list[Destination]:
    out = [
        Destination("https://10.96.0.1:443", Peer("10.96.0.1"), 443, "API server Service IP"),
        Destination("https://192.168.10.5:6443", Peer("192.168.10.5"), 6443, "API server"),
        named("xpkg.crossplane.io", None, spec, "package registry"),
    ]
    for endpoint in ENDPOINTS.get(spec["cluster"]["cloud"] or "", ()):
        ip = endpoint.ip
        out.append(Destination(endpoint.url, Peer(ip), 80, f"cloud {endpoint.value}"))
    for entry in entries:
        out += entry_destinations(entry, spec)
    return out


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env") or [] if "value" in e}


def check_direct_is_allowed(spec: dict[str, Any], text: str, entries: list[str]) -> int:
    """How many direct connections were judged (each allowed)."""
    docs = [d for d in yaml.safe_load_all(text) if d]
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    assert len(policies) == 4
    core = next(d for d in docs if d["kind"] == "Deployment")
    drc = next(d for d in docs if d["kind"] == "DeploymentRuntimeConfig")
    core_env = env_of(core["spec"]["template"]["spec"]["containers"][0])
    runtime_env = env_of(
        drc["spec"]["deploymentTemplate"]["spec"]["template"]["spec"]["containers"][0]
    )
    where = destinations(spec, entries)
    function = Destination(
        f"dns:///function-x.{NS}:9443", FUNCTION_POD, 9443, "function", FUNCTION_POD.ip
    )
    workloads = [(CORE_POD, core_env, [*where, function])]
    workloads += [(PROVIDER_POD, runtime_env, where), (FUNCTION_POD, runtime_env, where)]
    judged = 0
    for pod, env, targets in workloads:
        for d in targets:
            grpc = d.target.startswith("dns:///")
            for runtime in (r for r in RUNTIMES if (r in GRPC_RUNTIMES) == grpc):
                if not decide(runtime, env, d.target, resolved=d.resolved).direct:
                    continue
                assert d.peer is not None, (
                    f"{runtime} sends {d.target} ({d.what}) direct from {pod.labels}, no "
                    "address is known for it, and the run passed"
                )
                assert netpol_engine.allowed(policies, pod, d.peer, d.port), (
                    f"{runtime} sends {d.target} ({d.what}) direct from {pod.labels} and the "
                    "policies block it"
                )
                judged += 1
    return judged


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
def test_what_goes_direct_is_allowed_or_the_run_says_which(case: dict[str, Any]) -> None:
    spec = case["spec"]
    try:
        config = load_config(config_doc(spec), "c.yaml")
    except XpnetError as error:
        said = error.render()
        assert PASSWORD not in said
        assert "spec." in said  # names the field
        event("the configuration is refused")
        return
    text = manifests(case["existing"], case["extras"])
    run = run_streams(config, [Source("x.yaml", text)])
    outcome = run.outcome
    assert all(PASSWORD not in f.message for f in outcome.findings)
    if outcome.failed:
        named = [f for f in outcome.findings if f.rule.id in ("XPN050", "XPN051")]
        assert named, [f.message for f in outcome.findings]
        given = [*spec["proxy"]["noProxy"], *case["existing"], *case["extras"]]
        for f in named:  # only what the user wrote: what xpnet adds itself, it allows
            said = f.message
            for where in ("spec.proxy.noProxy: ", "annotation xpnet.dev/extra-no-proxy: "):
                said = said.removeprefix(where)
            assert any(said.startswith(f"{e.lower()} sends ") for e in given), f
        event("the run fails naming a destination")
        return
    out = run.outputs["x.yaml"]
    policies_text = out[out.index("kind: NetworkPolicy") :]
    assert PASSWORD not in policies_text
    merged = case["existing"] if spec["policy"]["existingEntries"] == "merge" else []
    direct = check_direct_is_allowed(
        spec, out, [*spec["proxy"]["noProxy"], *merged, *case["extras"]]
    )
    event(f"the run passes; {min(direct, 30) // 10 * 10}+ direct connections allowed")
    again = run_streams(config, [Source("x.yaml", out)])
    assert again.outputs["x.yaml"] == out  # a run on its own output changes nothing


# The readers, fuzzed: NO_PROXY entries as manifests carry them, and policies already present.


@settings(max_examples=500, deadline=None)
@given(entry=st.text(max_size=40))
def test_judging_any_entry_never_raises(entry: str) -> None:
    config = load_config(
        config_doc(
            {
                "proxy": {"httpsProxy": "http://10.20.0.10:3128"},
                "cluster": {
                    "podCIDRs": [PODS4, PODS6],
                    "serviceCIDRs": [SERVICES4],
                    "apiServerAddresses": ["192.168.10.5"],
                    "cloud": "aws",
                },
                "networkPolicy": {"enabled": True},
            }
        ),
        "c.yaml",
    )
    found = egress.Reach.of(config).judge(entry, [NS])
    assert found is None or found.kind in ("blocked", "unprovable", "in-cluster")


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12), st.floats()
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    metadata_extra=st.dictionaries(st.sampled_from(["labels", "annotations", "namespace"]), values),
    spec=values,
)
def test_an_existing_policy_of_any_shape_is_judged_without_a_traceback(
    metadata_extra: dict[str, Any], spec: Any
) -> None:
    config = load_config(
        config_doc(
            {
                "proxy": {"httpsProxy": "http://10.20.0.10:3128"},
                "cluster": {
                    "podCIDRs": [PODS4],
                    "serviceCIDRs": [SERVICES4],
                    "apiServerAddresses": ["192.168.10.5"],
                },
                "networkPolicy": {"enabled": True},
            }
        ),
        "c.yaml",
    )
    metadata = {"name": "xpnet-core-egress", **metadata_extra}
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata}
    policy["spec"] = spec
    text = manifests([], []) + "---\n" + json.dumps(policy) + "\n"
    try:
        first = run_streams(config, [Source("x.yaml", text)])
    except XpnetError:
        return  # refused with a message: what the adapters print
    out = first.outputs["x.yaml"]
    if first.outcome.failed:
        assert out == text
        return
    again = run_streams(config, [Source("x.yaml", out)])
    assert again.outputs["x.yaml"] == out


@pytest.mark.parametrize("entry", ["*", "10.0.0.0/8", ".corp.example"])
def test_what_the_manifests_send_direct_is_named_where_it_was_found(entry: str) -> None:
    spec = {
        "proxy": {"httpsProxy": "http://10.20.0.10:3128"},
        "cluster": {
            "podCIDRs": [PODS4],
            "serviceCIDRs": [SERVICES4],
            "apiServerAddresses": ["192.168.10.5"],
        },
        "networkPolicy": {"enabled": True},
    }
    config = load_config(config_doc(spec), "c.yaml")
    run = run_streams(config, [Source("x.yaml", manifests([entry], []))])
    found = [f for f in run.outcome.findings if f.rule.id in ("XPN050", "XPN051")]
    assert len(found) == 1 and found[0].resource is not None
    assert found[0].resource.name == "crossplane" and found[0].var == "NO_PROXY"
    assert "existingEntries: replace" in found[0].message
    assert run.outcome.failed and run.outcome.texts == {} and run.outcome.added == ()
