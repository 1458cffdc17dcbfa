from __future__ import annotations

from typing import Any

import pytest

from xpnet import noproxy
from xpnet.config import load_config


def config(**cluster: Any) -> Any:
    return load_config(
        {
            "apiVersion": "xpnet.dev/v1alpha1",
            "kind": "ClusterNetwork",
            "metadata": {"name": "corp"},
            "spec": {
                "proxy": {"httpsProxy": "http://p:3128", "noProxy": [" .Corp.Example ", "x"]},
                "cluster": {
                    "podCIDRs": ["10.244.0.0/16"],
                    "serviceCIDRs": ["10.96.0.0/12"],
                    **cluster,
                },
            },
        },
        "c",
    )


def test_groups_in_order_with_reasons() -> None:
    nps = noproxy.compute(config(nodeCIDRs=["192.168.10.0/24"]), "crossplane-system")
    assert nps.value == (
        "localhost,127.0.0.1,::1,10.96.0.1,kubernetes.default.svc,"
        "kubernetes.default.svc.cluster.local,.svc,.cluster.local,crossplane-system,"
        ".crossplane-system,10.244.0.0/16,10.96.0.0/12,192.168.10.0/24,.corp.example,x"
    )
    groups = [e.group for e in nps.entries]
    assert groups == sorted(
        groups, key=["loopback", "api-server", "cluster", "functions", "networks", "user"].index
    )
    assert all(e.reason for e in nps.entries)
    reason = next(e.reason for e in nps.entries if e.value == "10.244.0.0/16")
    assert "grpc-go <= 1.70" in reason


def test_dual_stack_has_one_api_server_ip_per_family() -> None:
    nps = noproxy.compute(
        config(
            podCIDRs=["10.244.0.0/16", "fd00:10:244::/56"],
            serviceCIDRs=["10.96.0.0/12", "fd00:10:96::/112"],
        ),
        "xp",
    )
    assert "10.96.0.1" in nps and "fd00:10:96::1" in nps and "fd00:10:244::/56" in nps
    assert ".xp" in nps and "xp" in nps


def test_existing_entries_are_merged_deduplicated_and_kept_last() -> None:
    existing = [("LOCALHOST", "a"), ("stale.example", "b"), ("stale.example", "c"), ("*", "d")]
    nps = noproxy.compute(config(), "crossplane-system", existing)
    values = [e.value for e in nps.entries]
    assert values.count("localhost") == 1
    assert values[-2:] == ["stale.example", "*"]


def test_domain_and_api_server_addresses() -> None:
    nps = noproxy.compute(config(domain="k8s.internal", apiServerAddresses=["api.corp"]), "ns")
    assert "kubernetes.default.svc.k8s.internal" in nps and ".k8s.internal" in nps
    assert "api.corp" in nps


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("[fd00::1]", "write fd00::1"),
        ("10.0.0.0/8:443", "drop the port"),
        ("a b", "inner white space"),
        ("fd00::1", None),
        ("[fd00::1]:443", None),
        ("*", None),
        (".svc", None),
    ],
)
def test_entries_go_cannot_use(entry: str, problem: str | None) -> None:
    why = noproxy.go_cannot_use(entry)
    assert (why is None) if problem is None else (problem in (why or ""))


def test_split_trims_and_lowercases() -> None:
    assert noproxy.split(" A.example, ,B ,") == ["a.example", "b"]


@pytest.mark.parametrize(
    ("cloud", "entries"),
    [
        ("aws", ["169.254.169.254", "fd00:ec2::254", "169.254.170.23", "fd00:ec2::23"]),
        ("azure", ["169.254.169.254", "168.63.129.16"]),
        ("gcp", ["169.254.169.254", "metadata.google.internal"]),
    ],
)
def test_a_cloud_adds_its_metadata_and_identity_endpoints_with_reasons(
    cloud: str, entries: list[str]
) -> None:
    plain = noproxy.compute(config(), "crossplane-system")
    nps = noproxy.compute(config(cloud=cloud), "crossplane-system")
    added = [e for e in nps.entries if e.group == "cloud"]
    assert [e.value for e in added] == entries
    assert all(e.reason.startswith(f"cloud {cloud}: ") for e in added)
    # after the cluster's networks, before the user's entries; nothing else changes
    assert [e for e in nps.entries if e.group != "cloud"] == list(plain.entries)
    groups = [e.group for e in nps.entries]
    assert groups.index("cloud") > groups.index("networks")
    assert groups.index("cloud") < groups.index("user")


def test_no_cloud_no_cloud_entries() -> None:
    assert all(e.group != "cloud" for e in noproxy.compute(config(), "xp").entries)


def test_a_runtime_configs_extras_come_after_the_install_set() -> None:
    nps = noproxy.compute(config(), "xp")
    scoped = nps.extended(["Vault.Example", "localhost"], "runtime-config", "DRC/v: annotation")
    assert scoped.value == nps.value + ",vault.example"
    assert scoped.entries[-1].reason == "DRC/v: annotation"
    assert noproxy.extend(nps.value, ["vault.example", "localhost"]) == scoped.value
    assert noproxy.without_extras(scoped.value, ("vault.example",)) == nps.value
    assert noproxy.extend("", ["a"]) == "a"
