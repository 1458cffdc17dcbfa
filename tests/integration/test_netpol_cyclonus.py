"""The generated NetworkPolicies (issue 13) judged by a real policy engine: cyclonus evaluates
each traffic case offline against the policies `xpnet netpol` prints, one policy per file (it
reads only the first document of a file)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tests.conftest import ROOT, require, tools

XPNET = ROOT / ".venv" / "bin" / "xpnet"
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
