"""`xpnet discover` scales linearly in every dimension of its input: nodes (YAML and JSON),
documents, CIDRs in one field, ServiceCIDR objects, NO_PROXY entries and string sizes.
Quadrupling a dimension may at most about quadruple the time (the bound, 6.25, is two doublings
of 2.5; a quadratic step reads 16). Times are the smallest of three runs, so a busy machine can
only make a run look slower, never a quadratic one look linear."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR

BOUND = 6.25
RUNS = 3
PROXY = "http://proxy.corp.example:3128"
KUBEADM_SERVICES = "10.96.0.0/12"

KUBEADM = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: kubeadm-config, namespace: kube-system}
data:
  ClusterConfiguration: |
    kind: ClusterConfiguration
    networking:
      podSubnet: PODS
      serviceSubnet: SERVICES
      dnsDomain: cluster.local
"""

CORE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: crossplane, namespace: crossplane-system}
spec:
  selector: {matchLabels: {app: crossplane}}
  template:
    metadata: {labels: {app: crossplane}}
    spec:
      containers:
        - name: crossplane
          image: xpkg.crossplane.io/crossplane/crossplane:v1.20.1
          args: [core, start]
          env:
            - name: LONG
              value: "LONGVALUE"
            - name: HTTPS_PROXY
              value: http://proxy.corp.example:3128
            - name: NO_PROXY
              value: "ENTRIES"
"""


def _pod_range(i: int) -> str:
    return f"100.{64 + (i >> 8) % 64}.{i & 255}.0/24"  # apart from the service ranges


def node(i: int) -> dict[str, object]:
    """A Node as `kubectl get nodes -o yaml` prints it, trimmed: dual-stack, three addresses."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": f"node-{i}", "labels": {"kubernetes.io/hostname": f"node-{i}"}},
        "spec": {
            "podCIDR": _pod_range(i),
            "podCIDRs": [_pod_range(i), f"fd00:10:0:{i:x}::/64"],
        },
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": f"192.168.{(i >> 8) & 255}.{i & 255}"},
                {"type": "ExternalIP", "address": f"203.0.113.{i & 255}"},
                {"type": "Hostname", "address": f"node-{i}"},
            ]
        },
    }


def node_list(n: int) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "List", "items": [node(i) for i in range(n)]}


def yaml_nodes(n: int) -> str:
    """A NodeList in kubectl's block style (JSON is YAML too, but not the shape users save)."""
    out = ["apiVersion: v1", "kind: List", "items:"]
    for i in range(n):
        out += [
            "- apiVersion: v1",
            "  kind: Node",
            "  metadata:",
            f"    name: node-{i}",
            "  spec:",
            f"    podCIDR: {_pod_range(i)}",
            "    podCIDRs:",
            f"    - {_pod_range(i)}",
            "  status:",
            "    addresses:",
            f"    - address: 192.168.{(i >> 8) & 255}.{i & 255}",
            "      type: InternalIP",
        ]
    return "\n".join(out) + "\n"


def kubeadm(pods: str = "100.64.0.0/10,fd00:10::/48") -> str:
    return KUBEADM.replace("PODS", pods).replace("SERVICES", KUBEADM_SERVICES)


def service_cidrs(n: int) -> str:
    items = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "ServiceCIDR",
            "metadata": {"name": f"range-{i}"},
            "spec": {
                "cidrs": [f"10.{112 + (i >> 8) % 16}.{i & 255}.0/24" if i else KUBEADM_SERVICES]
            },
        }
        for i in range(n)
    ]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


def install(entries: int = 3, length: int = 1) -> str:
    listed = ",".join(f"h{i}.corp.example" for i in range(entries))
    return CORE.replace("ENTRIES", listed).replace("LONGVALUE", "x" * length)


def documents(n: int) -> str:
    """n documents discover ignores, then the sources it reads."""
    ignored = [f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s{i}}}\n" for i in range(n)]
    return "---\n".join([*ignored, kubeadm(), install()])


# (dimension, size n, the files of size n by name)
Make = Callable[[int], dict[str, str]]
DIMENSIONS: dict[str, tuple[int, Make]] = {
    "nodes (JSON)": (600, lambda n: {"nodes.json": json.dumps(node_list(n)), "k.yaml": kubeadm()}),
    "nodes (YAML)": (300, lambda n: {"nodes.yaml": yaml_nodes(n), "k.yaml": kubeadm()}),
    "documents": (1000, lambda n: {"all.yaml": documents(n)}),
    "CIDRs in one field": (
        3000,
        lambda n: {"k.yaml": kubeadm(",".join(_pod_range(i) for i in range(n)))},
    ),
    "ServiceCIDR objects": (1000, lambda n: {"s.json": service_cidrs(n), "k.yaml": kubeadm()}),
    "NO_PROXY entries": (40000, lambda n: {"c.yaml": install(entries=n), "k.yaml": kubeadm()}),
    "string size": (3_000_000, lambda n: {"c.yaml": install(length=n), "k.yaml": kubeadm()}),
}


def smallest(run: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def make_run(folder: Path, files: dict[str, str]) -> Callable[[], object]:
    """`xpnet discover` on the files, a new process each run as users run it: no cache of an
    earlier run (composed documents, scalar tags) makes one size look cheaper than it is."""
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    argv = [str(BIN_DIR / "xpnet"), "discover", "--proxy", PROXY, *(str(folder / n) for n in files)]
    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return lambda: subprocess.run(argv, capture_output=True)


@pytest.mark.slow
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_discover_scales_linearly(tmp_path: Path, dimension: str) -> None:
    n, make = DIMENSIONS[dimension]
    small, large = make_run(tmp_path / "n", make(n)), make_run(tmp_path / "4n", make(4 * n))
    t_small, t_large = smallest(small), smallest(large)
    assert t_large / t_small <= BOUND, (
        f"discover, {dimension}: {n} took {t_small:.3f} s, {4 * n} {t_large:.3f} s"
    )
