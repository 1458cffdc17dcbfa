"""xpnet's reading of valueFrom.configMapKeyRef agrees with kubectl's (`kubectl set env --list
--resolve`, which reads Data[key] of the ConfigMap through client-go, as the kubelet does).

kubectl reads the ConfigMaps from a stand-in API server on loopback that serves exactly the
ConfigMaps of the input, each as kubectl itself decodes it (`kubectl annotate --local -o json`:
sigs.k8s.io/yaml, YAML 1.1, so an unquoted `on` or `1:30` is no string), placed in the pods'
namespace when written without one (as `kubectl apply -n` places them). Every variable is then
one of: a value (both read the same string), a key the ConfigMap lacks, or unknown to xpnet
(no such ConfigMap, or one the API server would not store) where kubectl fails to read it."""

from __future__ import annotations

import json
import random
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from xpnet import valuefrom
from xpnet.install import find_installs
from xpnet.yaml.stream import Source, load

NS = "crossplane-system"
VALUES = [
    '"http://proxy.corp.example:3128"',
    "http://proxy.corp.example:3128",
    "'localhost,.svc,10.96.0.0/12'",
    "localhost, .svc",
    '""',
    "null",
    "~",
    "on",
    "yes",
    "'yes'",
    "1:30",
    "3128",
    "0x1F",
    "'0x1F'",
    "[a, b]",
    "{a: b}",
    '"tab\\there"',
    "|\n    block\n    text",
    ">-\n    folded\n    text",
    "&a anchored",
    '"ünïcode"',
    "http://u:p@proxy:1",
]


def case(rng: random.Random, index: int) -> tuple[str, list[str]]:
    """A core Deployment whose variables read generated ConfigMaps, and those ConfigMaps."""
    names = [f"cm{index}-a", f"cm{index}-b", f"cm{index}-missing"]
    keys = ["K1", "K2", "K.3", "k-4"]
    configmaps = []
    for name in names[:2]:
        space = rng.choice([NS, None, "elsewhere"])
        head = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
        head += f"  namespace: {space}\n" if space else ""
        data = {k: rng.choice(VALUES) for k in rng.sample(keys, rng.randint(0, len(keys)))}
        body = "".join(f"  {k}: {v}\n" for k, v in data.items())
        configmaps.append(head + ("data:\n" + body if data else "data: {}\n"))
    env = ""
    for n in range(4):
        optional = rng.choice(["", ", optional: true", ", optional: false"])
        ref = f"{{name: {rng.choice(names)}, key: {rng.choice(keys)}{optional}}}"
        env += f"        - name: V{index}_{n}\n          valueFrom:\n"
        env += f"            configMapKeyRef: {ref}\n"
    deployment = (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane-{index}\n"
        f"  namespace: {NS}\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  template:\n"
        "    metadata: {labels: {app: x}}\n    spec:\n      containers:\n"
        "      - name: crossplane\n        image: crossplane:v2.1.0\n"
        "        args: [core, start]\n        env:\n" + env
    )
    return deployment, configmaps


def decoded(kubectl: Path, configmap: str, tmp: Path, index: int) -> dict[str, Any] | None:
    """A ConfigMap as kubectl decodes it; None when it cannot."""
    path = tmp / f"cm{index}.yaml"
    path.write_text(configmap)
    done = subprocess.run(
        [str(kubectl), "annotate", "--local", "-f", str(path), "-o", "json", "probe=1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"KUBECONFIG": str(tmp / "none")},
    )
    return json.loads(done.stdout) if done.returncode == 0 else None


@contextmanager
def api_server(configmaps: dict[tuple[str, str], dict[str, Any]]) -> Iterator[str]:
    """GET /api/v1/namespaces/NS/configmaps/NAME from `configmaps`; 404 for the rest."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            found = None
            if len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"]:
                found = configmaps.get((parts[3], parts[5]))
            body = found or {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "reason": "NotFound",
                "code": 404,
                "message": "not found",
            }
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body).encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def kubectl_reads(kubectl: Path, deployments: str, served: Any, tmp: Path) -> dict[str, Any]:
    """Variable → its value, or ("error", message) where kubectl could not read it."""
    (tmp / "deployments.yaml").write_text(deployments)
    file = ("-f", str(tmp / "deployments.yaml"))
    with api_server(served) as url:
        (tmp / "kubeconfig").write_text(
            "apiVersion: v1\nkind: Config\nclusters:\n- {name: s, cluster: {server: '"
            + url
            + "'}}\ncontexts:\n- {name: s, context: {cluster: s, user: u}}\n"
            "current-context: s\nusers:\n- {name: u, user: {}}\n"
        )
        done = subprocess.run(
            [str(kubectl), "set", "env", "--list", "--resolve", "--local", "-n", NS, *file],
            capture_output=True,
            text=True,
            timeout=120,
            env={"KUBECONFIG": str(tmp / "kubeconfig")},
        )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = {}
    for line in done.stdout.splitlines():
        name, eq, value = line.partition("=")
        if eq and not line.startswith("#"):
            out[name] = value
    prefix = "error retrieving reference for "
    for line in done.stderr.splitlines():
        if line.startswith(prefix):
            names, _, why = line[len(prefix) :].partition(": ")
            out.update(dict.fromkeys(names.split(", "), ("error", why)))  # grouped by error
    return out


def test_xpnet_reads_what_kubectl_reads(kubectl: Path, tmp_path: Path) -> None:
    rng = random.Random(20261207)
    deployments, configmaps = [], []
    for index in range(30):
        deployment, maps = case(rng, index)
        deployments.append(deployment)
        configmaps += maps
    served: dict[tuple[str, str], dict[str, Any]] = {}
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda p: decoded(kubectl, p[1], tmp_path, p[0]), enumerate(configmaps))
        )
    for found in answers:
        if found is not None:
            space = found["metadata"].get("namespace") or NS
            served[(space, found["metadata"]["name"])] = found
    theirs = kubectl_reads(kubectl, "---\n".join(deployments), served, tmp_path)

    text = "---\n".join(deployments + configmaps)
    source = Source("in.yaml", text)
    found = find_installs(load([source]), None, "auto")
    installs = valuefrom.resolve(found, lambda: source.segments)
    ours = {v.name: v for i in installs for r in i.resources for b in r.blocks for v in b.env}
    assert len(ours) == 120 and set(theirs) == set(ours), set(theirs) ^ set(ours)
    differences = []
    kinds: dict[str, int] = {}
    for name, var in sorted(ours.items()):
        kubectl_says = theirs[name]
        if var.value is not None:
            agree = kubectl_says == var.value
            kind = "value"
        elif var.absent:
            agree = isinstance(kubectl_says, tuple) and "not found in config map" in kubectl_says[1]
            kind = "absent key"
        else:  # unknown: no such ConfigMap in the input, or one Kubernetes would not store
            agree = (
                isinstance(kubectl_says, tuple)
                and "not found in config map" not in (kubectl_says[1])
            )
            kind = "unknown"
        kinds[kind] = kinds.get(kind, 0) + 1
        if not agree:
            differences.append(
                f"{name}: xpnet {var.value!r} ({var.origin}), kubectl {kubectl_says!r}"
            )
    assert not differences, "\n".join(differences)
    assert all(kinds.get(k, 0) >= 5 for k in ("value", "absent key", "unknown")), kinds
