"""config_model.validate: the plain data it returns, and the refusals tests/unit/test_config.py does
not reach (network policy contradictions, trust paths and keys, extraEgress hosts, proxy URLs
without a host or with ambiguous credentials, ConfigMap shapes)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from xpnet import config_model
from xpnet.config import load_config
from xpnet.errors import ConfigError

PROXY = "http://proxy.corp.example:3128"
BASE: dict[str, Any] = {
    "apiVersion": "xpnet.dev/v1alpha1",
    "kind": "ClusterNetwork",
    "metadata": {"name": "corp"},
    "spec": {
        "proxy": {"httpsProxy": PROXY},
        "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
    },
}
# What spec.networkPolicy.enabled needs besides (docs/networkpolicies.md): the proxy's and the
# API server's addresses.
POLICY: dict[str, Any] = {"enabled": True, "proxyCIDRs": ["10.20.0.10/32"]}
API = ["192.168.10.5"]
BUNDLE = {"configMapRef": {"name": "corp-ca", "key": "ca.crt"}}


def config(**spec: Any) -> dict[str, Any]:
    """BASE with spec sections updated (`proxy={...}`); `networkPolicy` also gives the API
    server's address, which enabled policies need."""
    data = copy.deepcopy(BASE)
    for key, value in spec.items():
        data["spec"].setdefault(key, {}).update(value)
    if "networkPolicy" in spec:
        data["spec"]["cluster"]["apiServerAddresses"] = API
    return data


def problems(data: Any, source: str = "c.yaml") -> list[str]:
    with pytest.raises(ConfigError) as raised:
        config_model.validate(data, source)
    assert raised.value.source == source
    return raised.value.problems


def test_validate_returns_plain_data_with_every_default_filled_in() -> None:
    got = config_model.validate(config(), "c.yaml")
    assert got["spec"]["proxy"] == {
        "httpProxy": None,
        "httpsProxy": PROXY,
        "noProxy": [],
        "grpcProxy": None,
        "credentialsSecret": None,
    }
    assert got["spec"]["cluster"]["domain"] == "cluster.local"
    assert got["spec"]["crossplane"] == {"namespace": None, "version": "auto"}
    assert got["spec"]["policy"] == {
        "mode": "fix",
        "existingEntries": "merge",
        "select": [],
        "ignore": [],
        "severity": "info",
    }
    assert got["spec"]["networkPolicy"]["enabled"] is False
    assert got["spec"]["trust"] is None
    assert isinstance(got["spec"]["cluster"]["podCIDRs"], list)  # plain data, not a model


def test_the_configmap_form_validates_to_the_same_data() -> None:
    data = {
        "httpsProxy": PROXY,
        "noProxy": " .corp.example , 10.50.0.0/16,",
        "podCIDRs": "10.244.0.0/16",
        "serviceCIDRs": "10.96.0.0/12",
    }
    form = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "corp"}, "data": data}
    want = config(proxy={"noProxy": [".corp.example", "10.50.0.0/16"]})
    assert config_model.validate(form, "cm.yaml") == config_model.validate(want, "c.yaml")
    del form["metadata"]
    assert config_model.validate(form, "cm.yaml")["metadata"] == {"name": "configmap"}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(
            config(proxy={"httpsProxy": "http://:3128"}),
            f"spec.proxy.httpsProxy: proxy URL has no host, e.g. {PROXY}",
            id="proxy-without-host",
        ),
        pytest.param(
            config(proxy={"httpsProxy": "socks5://proxy:1080"}),
            f"spec.proxy.httpsProxy: proxy URL must start with http:// (or https://): e.g. {PROXY}",
            id="proxy-of-another-scheme",
        ),
        pytest.param(
            config(trust={"caBundle": {"configMapRef": {"name": "corp-ca", "key": "ca/crt"}}}),
            "spec.trust.caBundle.configMapRef.key: 'ca/crt' is not a valid ConfigMap or Secret "
            "key: use letters, digits, '-', '_' and '.', e.g. ca.crt",
            id="bundle-key",
        ),
        pytest.param(
            config(trust={"caBundle": BUNDLE, "mountPath": "/etc/xpnet/../ca"}),
            "spec.trust.mountPath: '/etc/xpnet/../ca' cannot be a mount path: no '..' or ':', "
            "not /",
            id="mount-path-up",
        ),
        pytest.param(
            config(trust={"caBundle": {**BUNDLE, "secretRef": {"name": "s", "key": "ca.crt"}}}),
            "spec.trust.caBundle: give exactly one of configMapRef and secretRef",
            id="bundle-twice",
        ),
        pytest.param(
            config(
                networkPolicy={
                    **POLICY,
                    "extraEgress": [{"cidr": "10.30.0.0/24", "hosts": ["vault.corp.example:8200"]}],
                }
            ),
            "spec.networkPolicy.extraEgress[0].hosts[0]: 'vault.corp.example:8200' is not a host "
            "name: write a name or a suffix as NO_PROXY does, without a port, e.g. .corp.example",
            id="egress-host-with-port",
        ),
        pytest.param(
            config(networkPolicy={**POLICY, "extraEgress": [{"cidr": "10.96.0.0/16"}]}),
            "spec.networkPolicy.extraEgress[0].cidr: 10.96.0.0/16 overlaps the service network "
            "10.96.0.0/12 (spec.cluster.serviceCIDRs[0]): most CNIs judge egress after a Service "
            "IP was translated to a pod's, so a policy never matches a Service IP; give addresses "
            "outside the cluster networks (a proxy in the cluster: expose it on a node or load "
            "balancer address)",
            id="egress-in-service-network",
        ),
        pytest.param(
            config(proxy={"httpsProxy": "http://127.0.0.1:3128"}, networkPolicy=POLICY),
            "spec.proxy.httpsProxy: the proxy is on loopback, in the pod itself (a sidecar); it "
            "reaches its upstream through the pod's egress, which the policies restrict: allow "
            "the upstream with spec.networkPolicy.extraEgress, e.g. {cidr: 10.20.0.10/32, "
            "ports: [3128]}",
            id="sidecar-proxy",
        ),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_field_and_the_fix(
    data: dict[str, Any], problem: str
) -> None:
    assert problems(data) == [problem]


def test_ambiguous_credentials_are_refused_without_quoting_them() -> None:
    url = "http://bob:s3cr@t#7@proxy.corp.example:3128"
    (problem,) = problems(config(proxy={"httpsProxy": url}))
    assert problem.startswith("spec.proxy.httpsProxy: the user name or password holds a ")
    assert "percent-encode" in problem and "%40 for @" in problem
    assert "s3cr" not in problem and "bob" not in problem


def loaded_problems(data: Any, source: str = "c.yaml") -> list[str]:
    """What load_config refuses: the model's problems, then (once the model accepts the
    configuration) its contradictions with the NetworkPolicies (XPN050)."""
    with pytest.raises(ConfigError) as raised:
        load_config(data, source)
    assert raised.value.source == source
    return raised.value.problems


def test_a_no_proxy_entry_the_policies_would_block_is_a_contradiction() -> None:
    data = config(proxy={"noProxy": ["10.50.0.0/16"]}, networkPolicy=POLICY)
    assert config_model.validate(data, "c")  # the model itself accepts it
    (problem,) = loaded_problems(data)
    assert problem.startswith("spec.proxy.noProxy[0]: XPN050 10.50.0.0/16 sends 10.50.0.0/16 ")
    assert problem.endswith(
        "add spec.networkPolicy.extraEgress {cidr: 10.50.0.0/16} if Crossplane must reach it "
        "directly, else remove the entry"
    )
    # Declared as a destination, the same entry is consistent.
    egress = {**POLICY, "extraEgress": [{"cidr": "10.50.0.0/16"}]}
    got = config_model.validate(
        config(proxy={"noProxy": ["10.50.0.0/16"]}, networkPolicy=egress), "c"
    )
    assert got["spec"]["proxy"]["noProxy"] == ["10.50.0.0/16"]


def test_contradictions_wait_for_the_policy_settings_to_be_right() -> None:
    """A NO_PROXY entry is judged against the policies only once they can be generated: one
    fix at a time, the first one first."""
    data = config(
        proxy={"httpsProxy": "http://127.0.0.1:3128", "noProxy": ["10.50.0.0/16"]},
        networkPolicy=POLICY,
    )
    assert [p.split(":")[0] for p in loaded_problems(data)] == ["spec.proxy.httpsProxy"]


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"kind": "ConfigMap", "data": ["httpsProxy"]}, "data: must be a mapping of strings"),
        (
            {"kind": "ConfigMap", "metadata": "corp", "data": {}},
            "metadata: must be a mapping (name: ...), got the string 'corp'",
        ),
        (
            {"kind": "ConfigMap", "metadata": {"name": 3}, "data": {}},
            "metadata.name: must be a string, got the number 3",
        ),
    ],
    ids=["data-a-list", "metadata-a-string", "name-a-number"],
)
def test_a_configmap_kubernetes_would_refuse_is_refused(form: dict[str, Any], problem: str) -> None:
    assert problems(form, "cm.yaml") == [problem]


@pytest.mark.parametrize(
    "entry", ["10.0.0.*", "*", "[fd00::1]", "10.0.0.0/8:443", "http://registry.corp", "a*b.corp"]
)
def test_a_no_proxy_entry_check_calls_unusable_is_refused_with_checks_reason(entry: str) -> None:
    """check warns about such an entry in the manifests (XPN007, XPN008); the configuration
    refuses it, so fix never writes one."""
    from xpnet import noproxy

    (problem,) = problems(config(proxy={"noProxy": [entry]}))
    assert problem.startswith(f"spec.proxy.noProxy[0]: {entry!r} ")
    assert (noproxy.go_cannot_use(entry) or "package pulls included") in problem


@pytest.mark.parametrize(
    ("cluster", "clash"),
    [
        ({"podCIDRs": ["10.96.0.0/16"]}, "podCIDRs[0] 10.96.0.0/16 overlaps serviceCIDRs[0]"),
        (
            {"nodeCIDRs": ["10.0.0.0/8"]},
            "nodeCIDRs[0] 10.0.0.0/8 overlaps serviceCIDRs[0] 10.96.0.0/12",
        ),
        (
            {
                "podCIDRs": ["10.244.0.0/16", "fd00:10:96::/112"],
                "serviceCIDRs": ["fd00:10:96::/108"],
            },
            "podCIDRs[1] fd00:10:96::/112 overlaps serviceCIDRs[0] fd00:10:96::/108",
        ),
    ],
)
def test_a_pod_or_node_network_overlapping_a_service_network_is_refused_with_the_reason(
    cluster: dict[str, Any], clash: str
) -> None:
    (problem,) = problems(config(cluster=cluster))
    assert problem.startswith(f"spec.cluster: {clash}")
    assert "before Crossplane 1.20" in problem and "--service-cluster-ip-range" in problem


def test_pods_inside_the_node_network_are_kept() -> None:
    """VPC CNIs give pods addresses of the nodes' subnets."""
    data = config(cluster={"podCIDRs": ["10.0.0.0/16"], "nodeCIDRs": ["10.0.0.0/8"]})
    data["spec"]["cluster"]["serviceCIDRs"] = ["172.20.0.0/16"]
    assert config_model.validate(data, "c")["spec"]["cluster"]["nodeCIDRs"] == ["10.0.0.0/8"]
