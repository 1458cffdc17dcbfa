"""NetworkPolicies: what is generated, that it is a valid NetworkPolicy, that a second
run changes nothing, and the refusals. cyclonus judges the traffic in
tests/integration/test_netpol_cyclonus.py."""

from __future__ import annotations

import functools
import io
import json
import re
import subprocess
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import BIN_DIR, ROOT
from tests.resource_lists import transform
from xpnet import netpol
from xpnet.adapters import cli
from xpnet.adapters.streams import filter_stream, run_streams
from xpnet.config import ClusterNetwork, load_config, with_mode
from xpnet.errors import ConfigError
from xpnet.yaml.stream import Source


@functools.cache
def schema() -> dict[str, Any]:
    """The NetworkPolicy schema of the Kubernetes API, read once, when a test needs it."""
    path = ROOT / "tests/fixtures/networkpolicy/networkpolicy-networking-v1.schema.json"
    found: dict[str, Any] = json.loads(path.read_text())
    return found


CORE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crossplane
  namespace: crossplane-system
spec:
  selector:
    matchLabels:
      app: crossplane
  template:
    metadata:
      labels:
        app: crossplane
        helm.sh/chart: crossplane-2.1.0
    spec:
      containers:
      - name: crossplane
        image: xpkg.crossplane.io/crossplane/crossplane:v2.1.0
        args: [core, start]
"""
NETWORK_POLICY: dict[str, Any] = {"enabled": True, "proxyCIDRs": ["10.20.0.10/32"]}


def spec(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "proxy": {"httpsProxy": "http://proxy.corp.example:3128"},
        "cluster": {
            "podCIDRs": ["10.244.0.0/16"],
            "serviceCIDRs": ["10.96.0.0/12"],
            "apiServerAddresses": ["192.168.10.5"],
        },
        "networkPolicy": NETWORK_POLICY,
    }
    out.update(changes)
    return out


def document(**changes: Any) -> dict[str, Any]:
    return {
        "apiVersion": "xpnet.dev/v1alpha1",
        "kind": "ClusterNetwork",
        "metadata": {"name": "c"},
        "spec": spec(**changes),
    }


def config(mode: str = "fix", **changes: Any) -> ClusterNetwork:
    return with_mode(load_config(document(**changes), "c"), mode)  # type: ignore[arg-type]


def test_the_policies_are_valid_networkpolicies_with_stable_names() -> None:
    policies = netpol.policies(config(), "crossplane-system", {"app": "crossplane"})
    assert [p["metadata"]["name"] for p in policies] == list(netpol.NAMES)
    for policy in policies:
        jsonschema.validate(policy, schema())
        assert policy["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "xpnet"}
        assert yaml.safe_load(netpol.render(policy)) == policy


def test_the_schema_refuses_a_misspelt_field() -> None:
    policy = netpol.policies(config(), "ns", {"app": "crossplane"})[0]
    policy["spec"]["podSelectr"] = policy["spec"].pop("podSelector")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(policy, schema())


def test_the_core_is_chosen_by_its_deployments_selector() -> None:
    result = run_streams(config(), [Source("x.yaml", CORE)])
    core = result.outcome.plans[0].install.core
    assert core is not None
    assert netpol.core_labels(core) == {"app": "crossplane"}


def test_function_ingress_only_from_the_core_and_egress_to_what_is_needed() -> None:
    ingress, core_egress, provider_egress, _ = netpol.policies(
        config(), "crossplane-system", {"app": "crossplane"}
    )
    assert ingress["spec"]["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"app": "crossplane"}}}],
            "ports": [{"protocol": "TCP", "port": 9443}],
        }
    ]
    to = [rule["to"] for rule in core_egress["spec"]["egress"]]
    assert to[0] == [{"ipBlock": {"cidr": "10.20.0.10/32"}}]
    assert to[1] == [
        {"ipBlock": {"cidr": "10.96.0.1/32"}},
        {"ipBlock": {"cidr": "192.168.10.5/32"}},
    ]
    assert to[3] == [
        {
            "podSelector": {
                "matchExpressions": [{"key": netpol.FUNCTION_LABEL, "operator": "Exists"}]
            }
        }
    ]
    assert to[4] == [netpol.OPENSHIFT_DNS_PEER]  # OpenShift's cluster DNS, on 5353
    assert len(provider_egress["spec"]["egress"]) == 4  # no function pods for providers


def test_a_proxy_ip_literal_needs_no_proxy_cidrs() -> None:
    policies = netpol.policies(
        config(proxy={"httpsProxy": "http://[fd00:cafe::1]:3128"}, networkPolicy={"enabled": True}),
        "ns",
        {"app": "crossplane"},
    )
    assert policies[1]["spec"]["egress"][0] == {
        "to": [{"ipBlock": {"cidr": "fd00:cafe::1/128"}}],
        "ports": [{"protocol": "TCP", "port": 3128}],
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"networkPolicy": {"enabled": True}},
            "spec.networkPolicy.proxyCIDRs: the proxy is named by host (proxy.corp.example)",
        ),
        (
            {"networkPolicy": {"enabled": True, "proxyCIDRs": ["10.244.0.0/24"]}},
            "spec.networkPolicy.proxyCIDRs[0]: 10.244.0.0/24 overlaps the pod network "
            "10.244.0.0/16 (spec.cluster.podCIDRs[0])",
        ),
        (
            {
                "networkPolicy": {
                    **NETWORK_POLICY,
                    "extraEgress": [{"cidr": "10.0.0.0/8", "ports": [443]}],
                }
            },
            "spec.networkPolicy.extraEgress[0].cidr: 10.0.0.0/8 overlaps the pod network",
        ),
        (
            {"cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]}},
            "spec.cluster.apiServerAddresses: networkPolicy.enabled restricts egress to the API "
            "server, and no address of it is given as an IP",
        ),
    ],
)
def test_bad_network_policy_settings_are_refused_with_the_field_path(
    changes: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(document(**changes), "c")
    assert expected in error.value.render()


def test_disabled_is_the_default_and_validates_nothing_more() -> None:
    loaded = load_config(document(networkPolicy={}), "c")
    assert loaded.spec.networkPolicy.enabled is False
    explicit = load_config(document(networkPolicy={"enabled": False}), "c")
    assert explicit.spec.networkPolicy == loaded.spec.networkPolicy


def test_helm_post_renderer_appends_them_and_a_second_run_changes_nothing(
    tmp_path: Path,
) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps(document()))
    once, _, code = filter_stream(CORE, str(cfg))
    assert code == 0
    kinds = [d["kind"] for d in yaml.safe_load_all(once)]
    assert kinds == ["Deployment"] + ["NetworkPolicy"] * 4
    twice, _, _ = filter_stream(once, str(cfg))
    assert twice == once


def test_fix_replaces_a_disagreeing_policy_and_check_reports_it(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps(document()))
    good, _, _ = filter_stream(CORE, str(cfg))
    bad = good.replace("port: 3128", "port: 3129")
    fixed, _, code = filter_stream(bad, str(cfg))
    assert (code, fixed) == (0, good)
    result = run_streams(config("check"), [Source("x.yaml", bad)])
    found = [(f.rule.id, f.resource.name if f.resource else "") for f in result.outcome.findings]
    assert ("XPN024", "xpnet-core-egress") in found
    # without them, check fails too: fix (the KRM function, the Helm post-renderer) adds them
    found = run_streams(config("check"), [Source("x.yaml", CORE)]).outcome.findings
    missing = [f for f in found if f.rule.id == "XPN024"]
    assert len(missing) == 4
    assert all("is missing" in f.message and f.resource is not None for f in missing)
    passed = run_streams(config("check"), [Source("x.yaml", good)]).outcome.findings
    assert not [f for f in passed if f.rule.id == "XPN024"]


def test_a_policy_replaced_in_a_crlf_file_keeps_its_line_ends(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps(document()))
    good, _, _ = filter_stream(CORE, str(cfg))
    bad = good.replace("port: 3128", "port: 3129").replace("\n", "\r\n")
    fixed, _, code = filter_stream(bad, str(cfg))
    assert (code, fixed) == (0, good.replace("\n", "\r\n"))


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_fix_on_files_appends_them_to_the_cores_file(tmp_path: Path, newline: str) -> None:
    """Check fails while one is missing, so fix on plain files adds them: at the end of the
    file that holds the core, in its line ends; then check passes and a second fix changes
    nothing."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps(document()))
    crossplane = tmp_path / "crossplane.yaml"
    crossplane.write_bytes(CORE.replace("\n", newline).encode())
    other = tmp_path / "other.yaml"
    other.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    xpnet = str(BIN_DIR / "xpnet")
    files = [str(crossplane), str(other)]
    assert subprocess.run([xpnet, "check", "-c", str(cfg), *files], capture_output=True).returncode
    done = subprocess.run([xpnet, "fix", "-c", str(cfg), *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(f"{crossplane}: added NetworkPolicy xpnet-") == 4
    text = crossplane.read_bytes().decode()
    assert text.count("kind: NetworkPolicy") == 4 and other.read_text().count("NetworkPolicy") == 0
    if newline == "\r\n":
        assert text.count("\n") == text.count("\r\n")
    good, _, _ = filter_stream(CORE, str(cfg))
    assert text == good.replace("\n", newline)  # what the post-renderer gives
    check = subprocess.run([xpnet, "check", "-c", str(cfg), *files], capture_output=True)
    assert check.returncode == 0, check.stdout
    again = subprocess.run([xpnet, "fix", "-c", str(cfg), *files], capture_output=True, text=True)
    assert again.returncode == 0 and "nothing to fix" in again.stderr


def test_an_unlabelled_policy_with_an_xpnet_name_is_not_replaced() -> None:
    other = (
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
        "  name: xpnet-core-egress\n  namespace: crossplane-system\nspec:\n  podSelector: {}\n"
    )
    result = run_streams(config(), [Source("x.yaml", CORE + other)])
    assert [f.rule.id for f in result.outcome.findings] == ["XPN024"]
    assert result.outcome.texts == {}


def test_krm_function_adds_them_as_items_once() -> None:
    items = "".join("  " + line + "\n" for line in ("- " + CORE.replace("\n", "\n  ")).splitlines())
    fn_config = json.dumps(document())
    text = f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}"
    text += f"functionConfig: {fn_config}\n"
    once = transform(text).stdout
    listed = yaml.safe_load(once)["items"]
    assert [i["kind"] for i in listed] == ["Deployment"] + ["NetworkPolicy"] * 4
    said = [r["message"] for r in yaml.safe_load(once)["results"] if r["severity"] == "info"]
    assert [m for m in said if m.startswith("added")] == [
        f"added NetworkPolicy {p['metadata']['name']} (spec.networkPolicy)" for p in listed[1:]
    ]
    twice = yaml.safe_load(transform(once).stdout)
    assert twice["items"] == listed
    assert not any(r["message"].startswith("added") for r in twice.get("results") or [])


def test_xpnet_netpol_prints_them(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps(document()))
    install = tmp_path / "install.yaml"
    install.write_text(CORE)
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["netpol", "-c", str(cfg), str(install)]) == 0
    docs = list(yaml.safe_load_all(out.getvalue()))
    assert [d["metadata"]["name"] for d in docs] == list(netpol.NAMES)


def test_xpnet_netpol_refuses_when_disabled_or_without_a_core(tmp_path: Path) -> None:
    xpnet = str(BIN_DIR / "xpnet")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps(document(networkPolicy={"enabled": False})))
    install = tmp_path / "install.yaml"
    install.write_text(CORE)
    done = subprocess.run([xpnet, "netpol", "-c", str(cfg), str(install)], capture_output=True)
    assert done.returncode == 1
    assert b"spec.networkPolicy.enabled: is false" in done.stderr
    cfg.write_text(json.dumps(document()))
    install.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    done = subprocess.run([xpnet, "netpol", "-c", str(cfg), str(install)], capture_output=True)
    assert done.returncode == 1
    assert b"no Crossplane core Deployment" in done.stderr


def test_the_configmap_form_is_told_by_its_keys() -> None:
    """A contradiction found in the ConfigMap form names its data key, and says that the fix it
    suggests needs the ClusterNetwork form."""
    data = {
        "httpsProxy": "http://10.20.0.10:3128",
        "noProxy": ".corp.example,10.50.0.0/16",
        "podCIDRs": "10.244.0.0/16",
        "serviceCIDRs": "10.96.0.0/12",
        "apiServerAddresses": "192.168.10.5",
        "networkPolicy": "true",
    }
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": data}
    with pytest.raises(ConfigError) as error:
        load_config(doc, "cm.yaml")
    said = error.value.render()
    assert "data.noProxy[0]: XPN051" in said and "data.noProxy[1]: XPN050" in said
    assert "spec.proxy" not in said
    assert said.count("extraEgress needs the ClusterNetwork form") == 2


LABEL = re.compile(
    r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=70) | st.from_regex(LABEL, fullmatch=True),
    st.text(max_size=70) | st.from_regex(LABEL, fullmatch=True),
)
def test_a_metrics_selector_label_is_kubernetes_syntax_or_refused(key: str, value: str) -> None:
    """The label of metricsNamespaceSelector is refused with its path, or is one Kubernetes
    accepts (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/)."""
    data = {
        "apiVersion": "xpnet.dev/v1alpha1",
        "kind": "ClusterNetwork",
        "metadata": {"name": "n"},
        "spec": {
            "proxy": {"httpsProxy": "http://10.20.0.10:3128"},
            "cluster": {
                "podCIDRs": ["10.244.0.0/16"],
                "serviceCIDRs": ["10.96.0.0/12"],
                "apiServerAddresses": ["192.168.10.5"],
            },
            "networkPolicy": {
                "enabled": True,
                "metricsNamespaceSelector": {"matchLabels": {key: value}},
            },
        },
    }
    try:
        load_config(data, "x.yaml")
    except ConfigError as error:
        assert "metricsNamespaceSelector.matchLabels" in error.render()
        return
    assert LABEL.fullmatch(key) and len(key.rpartition("/")[0]) <= 253, key
    assert value == "" or (LABEL.fullmatch(value) and "/" not in value), value
