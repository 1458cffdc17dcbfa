"""What the xpnet NetworkPolicies allow outside the cluster, and the judge of NO_PROXY entries
against it (plugin/xpnet/egress.py)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from xpnet import egress
from xpnet.clouds import ENDPOINTS
from xpnet.config import ClusterNetwork, load_config


def config(**changes: Any) -> ClusterNetwork:
    spec: dict[str, Any] = {
        "proxy": {"httpsProxy": "http://10.20.0.10:3128"},
        "cluster": {
            "podCIDRs": ["10.244.0.0/16", "fd00:10:244::/56"],
            "serviceCIDRs": ["10.96.0.0/12"],
            "apiServerAddresses": ["192.168.10.5", "api.corp.example"],
        },
        "networkPolicy": {"enabled": True},
    }
    for key, value in changes.items():
        spec[key] = {**spec.get(key, {}), **value}
    doc = {"apiVersion": "xpnet.dev/v1alpha1", "kind": "ClusterNetwork", "metadata": {"name": "c"}}
    return load_config({**doc, "spec": spec}, "c.yaml")


def r(cidr: str) -> egress.Range:
    net = ipaddress.ip_network(cidr)
    return net.version, int(net.network_address), int(net.broadcast_address)


@pytest.mark.parametrize(
    ("target", "covers", "gap"),
    [
        ("10.0.0.0/24", ["10.0.0.0/24"], None),
        ("10.0.0.0/24", ["10.0.0.0/8"], None),
        ("10.0.0.0/24", ["10.0.0.0/25", "10.0.0.128/25"], None),
        ("10.0.0.0/24", ["10.0.0.128/25"], "10.0.0.0/25"),
        ("10.0.0.0/24", ["10.0.0.0/25"], "10.0.0.128/25"),
        ("10.0.0.0/24", ["10.0.0.0/26", "10.0.0.128/25"], "10.0.0.64/26"),
        ("10.0.0.0/24", ["fd00::/8"], "10.0.0.0/24"),  # another family covers nothing
        ("10.0.0.0/24", [], "10.0.0.0/24"),
    ],
)
def test_first_gap(target: str, covers: list[str], gap: str | None) -> None:
    found = egress.first_gap(r(target), sorted(r(c) for c in covers))
    assert found == (r(gap) if gap else None)


def test_describe_names_the_first_cidr_and_how_many_more() -> None:
    first = int(ipaddress.ip_address("10.0.0.0"))
    last = int(ipaddress.ip_address("10.95.255.255"))
    assert egress.describe((4, first, last)) == "10.0.0.0/10 (and 1 more CIDR)"
    assert egress.describe(r("fd00::/64")) == "fd00::/64"


@pytest.mark.parametrize(
    ("entry", "split"),
    [
        ("10.1.2.3:8443", ("10.1.2.3", 8443)),
        ("[fd00::1]:443", ("fd00::1", 443)),
        ("[fd00::1]", ("fd00::1", None)),
        ("fd00::1", ("fd00::1", None)),
        ("git.corp.example:22", ("git.corp.example", 22)),
        (".corp.example", (".corp.example", None)),
        ("10.0.0.0/8", ("10.0.0.0/8", None)),
    ],
)
def test_an_entry_splits_into_host_and_port_as_go_reads_it(
    entry: str, split: tuple[str, int | None]
) -> None:
    assert egress._split_port(entry) == split


@pytest.mark.parametrize(
    ("declared", "entry", "covered"),
    [
        ("corp.example", "corp.example", True),
        ("corp.example", "git.corp.example", True),
        ("corp.example", ".corp.example", True),
        (".corp.example", "git.corp.example", True),
        (".corp.example", "*.corp.example", True),
        (".corp.example", "corp.example", False),  # the bare name is not under the suffix
        ("git.corp.example", ".corp.example", False),
        ("corp.example", "notcorp.example", False),
    ],
)
def test_a_declared_name_covers_what_it_matches(declared: str, entry: str, covered: bool) -> None:
    assert egress._covers(declared, entry) is covered


def test_one_rule_per_proxy_address_on_its_own_ports() -> None:
    found = egress.proxy_allowances(
        config(proxy={"httpProxy": "http://10.20.0.11:3129", "httpsProxy": "http://[fd00::5]"})
    )
    assert [(a.cidrs, a.ports) for a in found] == [
        (("fd00::5/128",), (80,)),
        (("10.20.0.11/32",), (3129,)),
    ]


def test_a_proxy_by_name_is_its_proxy_cidrs() -> None:
    found = egress.proxy_allowances(
        config(
            proxy={"httpsProxy": "http://proxy.corp.example:3128"},
            networkPolicy={"proxyCIDRs": ["10.20.0.0/28"]},
        )
    )
    assert [(a.cidrs, a.ports) for a in found] == [(("10.20.0.0/28",), (3128,))]


@pytest.mark.parametrize("cloud", tuple(ENDPOINTS))
def test_every_endpoint_a_cloud_puts_into_no_proxy_is_allowed(cloud: str) -> None:
    reach = egress.Reach.of(config(cluster={"cloud": cloud}))
    for endpoint in ENDPOINTS[cloud]:
        # A name carries the address a policy allows, written as ipaddress writes it.
        assert str(ipaddress.ip_address(endpoint.ip)) == endpoint.ip, endpoint
        assert reach.judge(endpoint.value, ["crossplane-system"]) is None, endpoint
    without = egress.Reach.of(config())
    for endpoint in ENDPOINTS[cloud]:
        found = without.judge(endpoint.value, ["crossplane-system"])
        assert found is not None and found.kind == "blocked", endpoint


def test_gke_metadata_server_is_allowed_where_calico_sends_it() -> None:
    rules = egress.cloud_allowances(config(cluster={"cloud": "gcp"}))
    assert (("169.254.169.252/32",), (988,)) in [(a.cidrs, a.ports) for a in rules]


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ("*", "blocked"),
        ("10.50.0.0/16", "blocked"),
        ("10.0.0.0/8", "blocked"),  # the parts outside the cluster networks
        ("fd00:abcd::/64", "blocked"),
        ("10.20.0.10", None),  # the proxy
        ("10.20.0.10:3128", None),
        ("10.20.0.10:22", "blocked"),
        ("192.168.10.5", None),
        ("192.168.10.5:6443", None),
        ("10.96.0.1", None),  # the kubernetes Service IP
        ("10.96.5.5", "in-cluster"),
        ("10.244.0.0/24", "in-cluster"),
        ("fd00:10:244::5", "in-cluster"),
        ("::ffff:10.50.0.0/112", "blocked"),  # Go reads it as 10.50.0.0/16
        ("::ffff:10.244.0.0/120", "in-cluster"),
        ("[::ffff:10.20.0.10]:3128", None),
        ("localhost", None),
        ("127.0.0.1", None),
        ("::1", None),
        ("api.corp.example", None),
        ("kubernetes.default", None),
        ("vault.vault.svc", "in-cluster"),
        (".cluster.local", "in-cluster"),
        ("function-x.crossplane-system", "in-cluster"),
        (".corp.example", "unprovable"),
        ("metadata.google.internal", "blocked"),  # its address is known, and not allowed
    ],
)
def test_judge(entry: str, kind: str | None) -> None:
    found = egress.Reach.of(config()).judge(entry, ["crossplane-system"])
    assert (found.kind if found else None) == kind, found


def test_declared_hosts_and_their_ports() -> None:
    extra = [{"cidr": "10.50.0.0/16", "ports": [443], "hosts": [".corp.example"]}]
    reach = egress.Reach.of(config(networkPolicy={"extraEgress": extra}))
    assert reach.judge(".corp.example", []) is None
    assert reach.judge("git.corp.example:443", []) is None
    found = reach.judge("git.corp.example:22", [])
    assert found is not None and found.kind == "unprovable"
    assert reach.judge("10.50.1.1", []) is None
    found = reach.judge("10.50.1.1:22", [])
    assert found is not None and found.destination == "10.50.1.1/32 on port 22"
