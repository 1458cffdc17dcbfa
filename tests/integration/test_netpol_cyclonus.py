"""The generated NetworkPolicies judged by a real policy engine: cyclonus evaluates each traffic
case offline against the policies `xpnet netpol` prints, one policy per file (it reads only the
first document of a file). It also judges generated traffic against generated policies, to prove
that tests/netpol_engine.py (the evaluator the NO_PROXY property uses) agrees with it."""

from __future__ import annotations

import ipaddress
import json
import random
import re
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tests import netpol_engine
from tests.conftest import BIN_DIR, require, tools

XPNET = BIN_DIR / "xpnet"
NS = "crossplane-system"
NS_LABELS = {"kubernetes.io/metadata.name": NS}

INSTALL = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crossplane
  namespace: crossplane-system
spec:
  selector:
    matchLabels:
      app: crossplane
      release: crossplane
  template:
    metadata:
      labels:
        app: crossplane
        release: crossplane
        app.kubernetes.io/version: 2.1.0
    spec:
      containers:
      - name: crossplane
        image: xpkg.crossplane.io/crossplane/crossplane:v2.1.0
        args: [core, start]
"""

# Single stack, the proxy by name with proxyCIDRs; dual stack with a custom cluster domain and
# the proxy as an IPv6 literal (no proxyCIDRs needed).
CONFIGS: dict[str, dict[str, Any]] = {
    "ipv4": {
        "proxy": {"httpsProxy": "http://proxy.corp.example:3128"},
        "cluster": {
            "podCIDRs": ["10.244.0.0/16"],
            "serviceCIDRs": ["10.96.0.0/12"],
            "apiServerAddresses": ["192.168.10.5", "api.corp.example"],
        },
        "networkPolicy": {
            "enabled": True,
            "proxyCIDRs": ["10.20.0.10/32"],
            "extraEgress": [{"cidr": "10.30.0.0/24", "ports": [443]}],
            "metricsNamespaceSelector": {
                "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
            },
        },
    },
    "dual-stack": {
        "proxy": {"httpsProxy": "http://[fd00:cafe::3128]:3128"},
        "cluster": {
            "podCIDRs": ["10.244.0.0/16", "fd00:10:244::/56"],
            "serviceCIDRs": ["10.96.0.0/16", "fd00:10:96::/112"],
            "domain": "corp.internal",
            "apiServerAddresses": ["192.168.10.5", "fd00:192:168:10::5"],
        },
        "networkPolicy": {"enabled": True},
    },
    "aws": {
        "proxy": {"httpsProxy": "http://10.20.0.10:3128"},
        "cluster": {
            "podCIDRs": ["10.244.0.0/16", "fd00:10:244::/56"],
            "serviceCIDRs": ["10.96.0.0/12", "fd00:10:96::/112"],
            "apiServerAddresses": ["192.168.10.5"],
            "cloud": "aws",
        },
        "networkPolicy": {"enabled": True},
    },
    "gcp": {
        "proxy": {"httpsProxy": "http://10.20.0.10:3128"},
        "cluster": {
            "podCIDRs": ["10.244.0.0/16"],
            "serviceCIDRs": ["10.96.0.0/12"],
            "apiServerAddresses": ["192.168.10.5"],
            "cloud": "gcp",
        },
        "networkPolicy": {"enabled": True},
    },
    "azure": {
        "proxy": {"httpsProxy": "http://10.20.0.10:3128"},
        "cluster": {
            "podCIDRs": ["10.244.0.0/16"],
            "serviceCIDRs": ["10.96.0.0/12"],
            "apiServerAddresses": ["192.168.10.5"],
            "cloud": "azure",
        },
        "networkPolicy": {"enabled": True},
    },
}


class Peer(NamedTuple):
    ip: str
    namespace: str | None = None  # None: outside the cluster
    labels: dict[str, str] | None = None
    ns_labels: dict[str, str] | None = None

    def traffic(self) -> dict[str, Any]:
        if self.namespace is None:
            return {"IP": self.ip}
        return {
            "IP": self.ip,
            "Internal": {
                "PodLabels": self.labels or {},
                "NamespaceLabels": self.ns_labels
                or {"kubernetes.io/metadata.name": self.namespace},
                "Namespace": self.namespace,
            },
        }


CORE = Peer("10.244.1.10", NS, {"app": "crossplane", "release": "crossplane"}, NS_LABELS)
FUNCTION = Peer(
    "10.244.1.20",
    NS,
    {"pkg.crossplane.io/function": "function-go-templating", "pkg.crossplane.io/revision": "r1"},
    NS_LABELS,
)
PROVIDER = Peer(
    "10.244.1.30",
    NS,
    {"pkg.crossplane.io/provider": "provider-aws-s3", "pkg.crossplane.io/revision": "r2"},
    NS_LABELS,
)
OTHER = Peer("10.244.2.5", "default", {"app": "shell"})
PROMETHEUS = Peer("10.244.3.7", "monitoring", {"app": "prometheus"})
DNS = Peer("10.244.0.3", "kube-system", {"k8s-app": "kube-dns"})
DNS6 = Peer("fd00:10:244::3", "kube-system", {"k8s-app": "kube-dns"})
OPENSHIFT_DNS = Peer(
    "10.244.0.4", "openshift-dns", {"dns.operator.openshift.io/daemonset-dns": "default"}
)
CORE6 = CORE._replace(ip="fd00:10:244:1::10")
FUNCTION6 = FUNCTION._replace(ip="fd00:10:244:1::20")
PROVIDER6 = PROVIDER._replace(ip="fd00:10:244:1::30")
OTHER6 = OTHER._replace(ip="fd00:10:244:2::5")


class Case(NamedTuple):
    what: str
    source: Peer
    destination: Peer
    port: int
    allowed: bool
    protocol: str = "TCP"


CASES: dict[str, list[Case]] = {
    "ipv4": [
        Case("core -> function gRPC", CORE, FUNCTION, 9443, True),
        Case("other namespace -> function gRPC", OTHER, FUNCTION, 9443, False),
        Case("provider -> function gRPC", PROVIDER, FUNCTION, 9443, False),
        Case("core -> proxy", CORE, Peer("10.20.0.10"), 3128, True),
        Case("provider -> proxy", PROVIDER, Peer("10.20.0.10"), 3128, True),
        Case("function -> proxy", FUNCTION, Peer("10.20.0.10"), 3128, True),
        Case("core -> proxy, another port", CORE, Peer("10.20.0.10"), 8080, False),
        Case("core -> internet 443", CORE, Peer("93.184.216.34"), 443, False),
        Case("provider -> internet 443", PROVIDER, Peer("93.184.216.34"), 443, False),
        Case("function -> internet 443", FUNCTION, Peer("93.184.216.34"), 443, False),
        Case("core -> kubernetes Service IP 443", CORE, Peer("10.96.0.1"), 443, True),
        Case("core -> API server endpoint 6443", CORE, Peer("192.168.10.5"), 6443, True),
        Case("provider -> API server endpoint 6443", PROVIDER, Peer("192.168.10.5"), 6443, True),
        Case("provider -> kubernetes Service IP 443", PROVIDER, Peer("10.96.0.1"), 443, True),
        Case("core -> cluster DNS UDP 53", CORE, DNS, 53, True, "UDP"),
        Case("provider -> cluster DNS TCP 53", PROVIDER, DNS, 53, True),
        Case("function -> cluster DNS UDP 53", FUNCTION, DNS, 53, True, "UDP"),
        Case("core -> internet DNS UDP 53", CORE, Peer("8.8.8.8"), 53, False, "UDP"),
        Case("provider -> OpenShift DNS UDP 5353", PROVIDER, OPENSHIFT_DNS, 5353, True, "UDP"),
        Case("core -> OpenShift DNS TCP 5353", CORE, OPENSHIFT_DNS, 5353, True),
        Case(
            "function -> another openshift-dns pod",
            FUNCTION,
            OPENSHIFT_DNS._replace(labels={"app": "other"}),
            5353,
            False,
            "UDP",
        ),
        Case("API server -> provider webhook", Peer("192.168.10.5"), PROVIDER, 9443, True),
        Case("API server -> core webhook", Peer("192.168.10.5"), CORE, 9443, True),
        Case("monitoring -> function metrics", PROMETHEUS, FUNCTION, 8080, True),
        Case("other namespace -> function metrics", OTHER, FUNCTION, 8080, False),
        Case("core -> extra egress 443", CORE, Peer("10.30.0.7"), 443, True),
        Case("core -> extra egress, another port", CORE, Peer("10.30.0.7"), 22, False),
        Case("core -> another pod", CORE, OTHER, 8080, False),
    ],
    "dual-stack": [
        Case("core -> function gRPC (IPv6)", CORE6, FUNCTION6, 9443, True),
        Case("other namespace -> function gRPC (IPv6)", OTHER6, FUNCTION6, 9443, False),
        Case("core -> proxy (IPv6 literal)", CORE6, Peer("fd00:cafe::3128"), 3128, True),
        Case("core -> internet 443 (IPv6)", CORE6, Peer("2001:db8::1"), 443, False),
        Case("core -> internet 443 (IPv4)", CORE, Peer("93.184.216.34"), 443, False),
        Case("core -> kubernetes Service IP (IPv6)", CORE6, Peer("fd00:10:96::1"), 443, True),
        Case("core -> kubernetes Service IP (IPv4)", CORE, Peer("10.96.0.1"), 443, True),
        Case(
            "provider -> API server endpoint (IPv6)",
            PROVIDER6,
            Peer("fd00:192:168:10::5"),
            6443,
            True,
        ),
        Case("any pod -> cluster DNS UDP 53 (IPv6)", FUNCTION6, DNS6, 53, True, "UDP"),
        Case(
            "API server -> provider webhook (IPv6)",
            Peer("fd00:192:168:10::5"),
            PROVIDER6,
            9443,
            True,
        ),
    ],
}


IMDS, IMDS6 = Peer("169.254.169.254"), Peer("fd00:ec2::254")
CASES["aws"] = [
    Case("provider -> instance metadata", PROVIDER, IMDS, 80, True),
    Case("provider -> instance metadata (IPv6)", PROVIDER6, IMDS6, 80, True),
    Case("function -> instance metadata", FUNCTION, IMDS, 80, True),
    Case("core -> instance metadata", CORE, IMDS, 80, True),
    Case("provider -> EKS Pod Identity agent", PROVIDER, Peer("169.254.170.23"), 80, True),
    Case("provider -> Pod Identity (IPv6)", PROVIDER6, Peer("fd00:ec2::23"), 80, True),
    Case("provider -> instance metadata, another port", PROVIDER, IMDS, 443, False),
    Case("provider -> another link-local address", PROVIDER, Peer("169.254.169.253"), 80, False),
    Case("provider -> proxy", PROVIDER, Peer("10.20.0.10"), 3128, True),
    Case("provider -> internet", PROVIDER, Peer("93.184.216.34"), 443, False),
]
CASES["gcp"] = [
    Case("provider -> metadata server", PROVIDER, IMDS, 80, True),
    Case("provider -> GKE metadata server (Calico)", PROVIDER, Peer("169.254.169.252"), 988, True),
    Case("provider -> GKE metadata server, port 80", PROVIDER, Peer("169.254.169.252"), 80, False),
    Case("function -> metadata server", FUNCTION, IMDS, 80, True),
]
CASES["azure"] = [
    Case("provider -> IMDS", PROVIDER, IMDS, 80, True),
    Case("provider -> platform address 80", PROVIDER, Peer("168.63.129.16"), 80, True),
    Case("provider -> platform address 32526", PROVIDER, Peer("168.63.129.16"), 32526, True),
    Case("provider -> platform address 53", PROVIDER, Peer("168.63.129.16"), 53, False),
]


def policies(tmp_path: Path, name: str) -> Path:
    """`xpnet netpol` for the config, one policy per file in a folder."""
    config = tmp_path / f"{name}.yaml"
    spec = {"apiVersion": "xpnet.dev/v1alpha1", "kind": "ClusterNetwork"}
    config.write_text(json.dumps({**spec, "metadata": {"name": name}, "spec": CONFIGS[name]}))
    install = tmp_path / "install.yaml"
    install.write_text(INSTALL)
    done = subprocess.run(
        [str(XPNET), "netpol", "-c", str(config), str(install)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    folder = tmp_path / f"{name}-policies"
    folder.mkdir()
    docs = [d for d in yaml.safe_load_all(done.stdout) if d]
    assert [d["metadata"]["name"] for d in docs] == [
        "xpnet-function-ingress",
        "xpnet-core-egress",
        "xpnet-provider-egress",
        "xpnet-function-egress",
    ]
    for doc in docs:
        (folder / f"{doc['metadata']['name']}.yaml").write_text(yaml.safe_dump(doc))
    return folder


def verdicts(cyclonus: Path, folder: Path, cases: list[Case], tmp_path: Path) -> list[bool]:
    traffic = [
        {
            "Source": c.source.traffic(),
            "Destination": c.destination.traffic(),
            "Protocol": c.protocol,
            "ResolvedPort": c.port,
            "ResolvedPortName": "",
        }
        for c in cases
    ]
    path = tmp_path / f"{folder.name}-traffic.json"
    path.write_text(json.dumps(traffic, indent=2))
    done = subprocess.run(
        [
            str(cyclonus),
            "analyze",
            "--mode",
            "query-traffic",
            "--policy-path",
            str(folder),
            "--traffic-path",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = re.findall(r"IS ALLOWED\? \|\s+(TRUE|FALSE)", done.stdout)
    assert len(found) == len(cases), done.stdout[-3000:]
    return [v == "TRUE" for v in found]


@pytest.mark.parametrize("name", sorted(CASES))
def test_cyclonus_allows_exactly_the_paths_crossplane_needs(name: str, tmp_path: Path) -> None:
    cyclonus = require(tools.cyclonus_path(), f"cyclonus {tools.CYCLONUS_VERSION}")
    folder = policies(tmp_path, name)
    cases = CASES[name]
    got = verdicts(cyclonus, folder, cases, tmp_path)
    table = [
        f"{c.what:45} {c.protocol} {c.port:5} {'allowed' if g else 'denied'}"
        for c, g in zip(cases, got, strict=True)
    ]
    print("\n".join(table))
    wrong = [line for c, g, line in zip(cases, got, table, strict=True) if g != c.allowed]
    assert not wrong, "cyclonus disagrees:\n" + "\n".join(wrong)


def engine_peer(peer: Peer) -> netpol_engine.Peer:
    return netpol_engine.Peer(peer.ip, peer.namespace, peer.labels or {}, peer.ns_labels)


def generated_traffic(docs: list[dict[str, Any]], seed: int) -> list[Case]:
    """Connections between the pods above and the addresses and ports the policies name, their
    neighbours just outside, and random ones."""
    rng = random.Random(seed)
    pods = [CORE, FUNCTION, PROVIDER, OTHER, PROMETHEUS, DNS, CORE6, FUNCTION6, PROVIDER6, DNS6]
    addresses = {"93.184.216.34", "2001:db8::1", "192.168.10.5", "169.254.169.254"}
    ports = {53, 80, 443, 3128, 6443, 8080, 9443, 65535}
    for doc in docs:
        for rule in doc["spec"].get("egress", []) + doc["spec"].get("ingress", []):
            for peer in rule.get("to", []) + rule.get("from", []):
                if "ipBlock" in peer:
                    net = ipaddress.ip_network(peer["ipBlock"]["cidr"])
                    first, last = net.network_address, net.broadcast_address
                    addresses |= {str(first), str(last)}
                    addresses |= {str(first - 1), str(last + 1)} - {"::", "255.255.255.255"}
            for port in rule.get("ports", []):
                ports |= {port["port"], port["port"] + 1}
    externals = [Peer(a) for a in sorted(addresses)]
    out = []
    for _ in range(400):
        source = rng.choice(pods + externals[:3])
        destination = rng.choice(pods + externals)
        protocol = rng.choice(["TCP", "TCP", "TCP", "UDP"])
        port = rng.choice([*sorted(ports), rng.randint(1, 65535)])
        out.append(Case("generated", source, destination, port, False, protocol))
    return out


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_test_evaluator_agrees_with_cyclonus(name: str, tmp_path: Path) -> None:
    """tests/netpol_engine.py judges what the NO_PROXY property needs judged; cyclonus is the
    reference it must agree with, connection by connection."""
    cyclonus = require(tools.cyclonus_path(), f"cyclonus {tools.CYCLONUS_VERSION}")
    folder = policies(tmp_path, name)
    docs = [yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*.yaml"))]
    cases = generated_traffic(docs, seed=len(name))
    got = verdicts(cyclonus, folder, cases, tmp_path)
    mine = [
        netpol_engine.allowed(
            docs, engine_peer(c.source), engine_peer(c.destination), c.port, c.protocol
        )
        for c in cases
    ]
    differ = [
        f"{c.source.ip} -> {c.destination.ip}:{c.port}/{c.protocol}: cyclonus {g}, tests {m}"
        for c, g, m in zip(cases, got, mine, strict=True)
        if g != m
    ]
    assert not differ, "\n".join(differ[:20])
    assert any(got) and not all(got)  # the traffic reaches both verdicts
