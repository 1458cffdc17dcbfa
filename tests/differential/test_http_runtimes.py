"""The simulator agrees with the real HTTP clients on the whole corpus: Go's net/http
(ProxyFromEnvironment in a Go program, one process per environment since Go reads it once),
curl (run in a loopback-only network namespace), CPython's urllib, requests, and Node's
proxy-from-env and undici (its agents replaced by recorders, so nothing is sent)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from urllib.parse import urlsplit

import pytest

from tests.conftest import BIN_DIR, IN_CI, ROOT, require, tools
from tests.differential.corpus import TARGETS, environments
from xpnet.runtimes import decide

HERE = ROOT / "tests" / "differential"
ENVS = environments()
HTTP_RUNTIMES = (
    "go",
    "curl",
    "python-urllib",
    "python-requests",
    "node-proxy-from-env",
    "node-undici",
)

# Where a real program and docs/explanation/no-proxy-by-runtime.md disagree, the program wins;
# versions that differ from the models are recorded here with the reason (none at present).
KNOWN_DIFFERENCES: dict[tuple[str, str, str], str] = {}


def host_port(proxy: str | None) -> str:
    if proxy is None:
        return "DIRECT"
    return urlsplit(proxy if "://" in proxy else "http://" + proxy).netloc


@cache
def real() -> dict[tuple[int, str, str], str]:
    """(env index, target, runtime) → what the real program chose."""
    out: dict[tuple[int, str, str], str] = {}
    goproxy = require(tools.goproxy_path(), "the Go ProxyFromEnvironment probe")
    modules = require(tools.node_modules() / "undici", "undici (npm)").parent
    node = shutil.which("node")
    if node is None:
        (pytest.fail if IN_CI else pytest.skip)("REAL TOOL MISSING: node")
    clean = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    for i, env in enumerate(ENVS):
        done = subprocess.run(
            [str(goproxy), *TARGETS],
            env={**clean, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        for target, line in zip(TARGETS, done.stdout.splitlines(), strict=True):
            out[(i, target, "go")] = line
        request = json.dumps({"env": env, "targets": TARGETS})
        for cmd, extra in (
            ([str(BIN_DIR / "python"), str(HERE / "python_runner.py")], {}),
            ([node, str(HERE / "node_runner.js")], {"NODE_PATH": str(modules)}),
        ):
            done = subprocess.run(
                cmd,
                input=request,
                env={**clean, **extra},
                capture_output=True,
                text=True,
                check=True,
            )
            for line in done.stdout.splitlines():
                record = json.loads(line)
                for runtime, value in record.items():
                    if runtime != "target":
                        out[(i, record["target"], runtime)] = value
    curl = subprocess.run(
        ["unshare", "-n", str(BIN_DIR / "python"), str(HERE / "curl_runner.py")],
        input=json.dumps([{"env": env, "targets": TARGETS} for env in ENVS]),
        capture_output=True,
        text=True,
    )
    if curl.returncode != 0:
        reason = f"REAL TOOL MISSING: curl in a network namespace: {curl.stderr[-500:]}"
        (pytest.fail if IN_CI else pytest.skip)(reason)
    for line in curl.stdout.splitlines():
        record = json.loads(line)
        out[(record["case"], record["target"], "curl")] = record["curl"]
    return out


def test_corpus_is_large_enough() -> None:
    assert len(ENVS) * len(TARGETS) >= 500


@pytest.mark.parametrize("runtime", HTTP_RUNTIMES)
def test_simulator_agrees_with_the_real_program(runtime: str) -> None:
    actual = real()
    disagreements = []
    for i, env in enumerate(ENVS):
        for target in TARGETS:
            expected = host_port(decide(runtime, env, target).proxy)
            got = actual[(i, target, runtime)]
            if got != expected and (runtime, str(i), target) not in KNOWN_DIFFERENCES:
                disagreements.append(f"env {i} {env} {target}: real {got}, model {expected}")
    assert not disagreements, f"{len(disagreements)} disagreements:\n" + "\n".join(
        disagreements[:25]
    )
