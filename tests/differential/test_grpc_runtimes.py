"""The simulator agrees with real gRPC clients — grpc-go 1.70.0 and 1.71.1 (grpc.NewClient) and
grpcio 1.85 (C-core) — dialing through recording CONNECT proxies inside network and mount
namespaces of their own (loopback only, /etc/hosts replaced, no DNS server). And the headline
claim, end to end: with the environment xpnet writes, a real grpc-go client of either kind
reaches a gRPC server at a function endpoint directly; with the bug reports' NO_PROXY it goes
to the proxy."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from urllib.parse import urlsplit

import pytest

from tests.conftest import BIN_DIR, IN_CI, ROOT, require, tools
from tests.differential.corpus import PORTS, environments
from xpnet import noproxy
from xpnet.config import load_config
from xpnet.runtimes import decide

HERE = ROOT / "tests" / "differential"
PYTHON = str(BIN_DIR / "python")
RESOLVED = {"fn.crossplane-system": "10.244.3.4", "kubernetes.default.svc": "10.96.0.1"}
TARGETS = [
    "dns:///fn.crossplane-system:9443",
    "dns:///kubernetes.default.svc:443",
    "dns:///10.96.0.1:443",
    "fn.crossplane-system:9443",
    "passthrough:///fn.crossplane-system:9443",
]
CLIENTS = {
    "grpc-go-1.70": lambda: str(require(tools.grpcprobe_path("v1.70.0"), "grpc-go 1.70 probe")),
    "grpc-go-1.71": lambda: str(require(tools.grpcprobe_path("v1.71.1"), "grpc-go 1.71 probe")),
    "grpc-core": lambda: "grpcio",
    # The seed analysis' other remedies, on the grpc-go that needs them: the 1.70
    # probe dialling with grpc.WithNoProxy(), and dialling passthrough:/// targets.
    "grpc-go-noproxy": lambda: CLIENTS["grpc-go-1.70"](),
    "grpc-go-passthrough": lambda: CLIENTS["grpc-go-1.70"](),
}
CLIENT_ENV = {"grpc-go-noproxy": {"GRPCPROBE_WITH_NO_PROXY": "1"}}


def envs() -> list[dict[str, str]]:
    """The HTTP corpus' environments, with proxies moved to the recorders' ports."""
    out = []
    for env in environments():
        out.append(
            {
                k: v.replace(f":{PORTS[k]}", f":{30000 + PORTS[k]}") if k in PORTS else v
                for k, v in env.items()
            }
        )
    return out


def targets_for(runtime: str) -> list[str]:
    if runtime == "grpc-go-passthrough":
        return list(dict.fromkeys(f"passthrough:///{t.split('///')[-1]}" for t in TARGETS))
    # C-core has no passthrough resolver: it would take the whole string as a host name.
    return [t for t in TARGETS if not (runtime == "grpc-core" and t.startswith("passthrough"))]


def namespaces_or_skip() -> None:
    if shutil.which("unshare") is None:
        (pytest.fail if IN_CI else pytest.skip)("REAL TOOL MISSING: unshare")


def run_clients(runtime: str, cases: list[dict[str, object]]) -> list[dict[str, str]]:
    namespaces_or_skip()
    done = subprocess.run(
        ["unshare", "-n", "-m", PYTHON, str(HERE / "grpc_runner.py"), CLIENTS[runtime]()],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        (pytest.fail if IN_CI else pytest.skip)(
            f"REAL TOOL MISSING: network namespaces for gRPC clients: {done.stderr[-500:]}"
        )
    return [json.loads(line) for line in done.stdout.splitlines()]


@cache
def real(runtime: str) -> dict[tuple[int, str], dict[str, str]]:
    extra = CLIENT_ENV.get(runtime, {})
    cases = [{"env": {**env, **extra}, "targets": targets_for(runtime)} for env in envs()]
    return {(r["case"], r["target"]): r for r in run_clients(runtime, cases)}


def model(runtime: str, env: dict[str, str], target: str) -> str:
    host = target.split("///")[-1].rsplit(":", 1)[0]
    decision = decide(runtime, env, target, resolved=RESOLVED.get(host, host))
    return "DIRECT" if decision.direct else urlsplit(decision.proxy or "").netloc


@pytest.mark.parametrize("runtime", sorted(CLIENTS))
def test_simulator_agrees_with_the_real_grpc_client(runtime: str) -> None:
    actual = real(runtime)
    disagreements = []
    for i, env in enumerate(envs()):
        for target in targets_for(runtime):
            got, expected = actual[(i, target)]["via"], model(runtime, env, target)
            if got != expected:
                disagreements.append(f"env {i} {env} {target}: real {got}, model {expected}")
    assert not disagreements, f"{len(disagreements)} disagreements:\n" + "\n".join(
        disagreements[:25]
    )


@pytest.mark.parametrize(
    ("runtime", "authority"),
    [("grpc-go-1.70", "10.244.3.4:9443"), ("grpc-go-1.71", "fn.crossplane-system:9443")],
)
def test_grpc_go_connect_authority_is_what_the_version_matches(
    runtime: str, authority: str
) -> None:
    """<= 1.70 sends CONNECT for the resolved pod IP, >= 1.71 for the host name."""
    case = {
        "env": {"HTTPS_PROXY": "http://127.0.0.1:30013"},
        "targets": ["dns:///fn.crossplane-system:9443"],
    }
    (record,) = run_clients(runtime, [case])
    assert record["via"] == "127.0.0.1:30013"
    assert record["authority"] == authority


def xpnet_env(version: str) -> dict[str, str]:
    config = load_config(
        {
            "apiVersion": "xpnet.dev/v1alpha1",
            "kind": "ClusterNetwork",
            "metadata": {"name": "e2e"},
            "spec": {
                "proxy": {"httpsProxy": "http://127.0.0.1:30013"},
                "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
                "crossplane": {"version": version},
            },
        },
        "e2e",
    )
    value = noproxy.compute(config, "crossplane-system").value
    proxy = "http://127.0.0.1:30013"
    return {"HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": value, "no_proxy": value}


BUG_REPORT = {
    "HTTPS_PROXY": "http://127.0.0.1:30013",
    "NO_PROXY": "localhost,127.0.0.1,.svc,.cluster.local,kubernetes.default.svc",
}


@pytest.mark.parametrize(
    ("runtime", "version"), [("grpc-go-1.70", "1.19.2"), ("grpc-go-1.71", "2.1.0")]
)
def test_headline_claim_end_to_end(runtime: str, version: str) -> None:
    namespaces_or_skip()
    cases = [
        {"env": xpnet_env(version), "targets": ["dns:///fn.crossplane-system:9443"]},
        {"env": BUG_REPORT, "targets": ["dns:///fn.crossplane-system:9443"]},
    ]
    done = subprocess.run(
        [
            "unshare",
            "-n",
            "-m",
            PYTHON,
            str(HERE / "grpc_runner.py"),
            CLIENTS[runtime](),
            "--serve",
        ],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    fixed, broken = (json.loads(line) for line in done.stdout.splitlines())
    assert fixed["via"] == "DIRECT" and fixed["state"] == "READY", fixed
    assert broken["via"] == "127.0.0.1:30013", broken


def test_the_remedies_on_grpc_go_1_70_with_the_bug_reports_env() -> None:
    """Issue 13: the NO_PROXY of the bug reports sends a grpc-go 1.70 function call to the proxy;
    dialled WithNoProxy it goes direct, and a passthrough:/// target is matched by its name."""
    bare, remedied = BUG_REPORT, {**BUG_REPORT, "GRPCPROBE_WITH_NO_PROXY": "1"}
    with_name = {**BUG_REPORT, "NO_PROXY": BUG_REPORT["NO_PROXY"] + ",.crossplane-system"}
    records = run_clients(
        "grpc-go-1.70",
        [
            {"env": bare, "targets": ["dns:///fn.crossplane-system:9443"]},
            {"env": remedied, "targets": ["dns:///fn.crossplane-system:9443"]},
            {"env": with_name, "targets": ["dns:///fn.crossplane-system:9443"]},
            {"env": with_name, "targets": ["passthrough:///fn.crossplane-system:9443"]},
        ],
    )
    assert [r["via"] for r in records] == ["127.0.0.1:30013", "DIRECT", "127.0.0.1:30013", "DIRECT"]
    for runtime, env, target, direct in (
        ("grpc-go-1.70", bare, "dns:///fn.crossplane-system:9443", False),
        ("grpc-go-noproxy", remedied, "dns:///fn.crossplane-system:9443", True),
        ("grpc-go-1.70", with_name, "dns:///fn.crossplane-system:9443", False),
        ("grpc-go-passthrough", with_name, "passthrough:///fn.crossplane-system:9443", True),
    ):
        assert (model(runtime, env, target) == "DIRECT") is direct, runtime
