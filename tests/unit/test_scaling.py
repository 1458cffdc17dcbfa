"""Every command scales linearly in every dimension of its input: NO_PROXY entries, env items,
documents, string sizes. Quadrupling a dimension may at most about quadruple the time (the bound,
6.25, is two doublings of 2.5; a quadratic step reads 16).

Times are the smallest of a few runs, so a busy machine can only make a run look slower, never a
quadratic one look linear; sizes are chosen so that the input's own work dominates start-up,
and so that both sizes of a pair sit on the same side of the allocator's and the CPU caches'
thresholds (a 32 MB string is mapped afresh on every allocation, an 8 MB one reused).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.resource_lists import wrap

pytestmark = pytest.mark.slow  # minutes of real runs: not in the fast unit layer

BOUND = 6.25
RUNS = 3
BIN = Path(sys.executable).parent  # the console scripts of the interpreter running the tests
ENV = dict(os.environ)

CONFIG = """\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata: {name: corp-proxy}
spec:
  proxy:
    httpProxy: http://proxy.corp.example:3128
    httpsProxy: http://proxy.corp.example:3128
    noProxy: [NOPROXY]
  cluster:
    podCIDRs: ["10.244.0.0/16"]
    serviceCIDRs: ["10.96.0.0/12"]
    apiServerAddresses: ["192.168.10.5"]
  networkPolicy:
    enabled: true
    proxyCIDRs: ["10.20.0.10/32"]
    # What NO_PROXY sends direct must pass the policies: the generated names and addresses.
    extraEgress: [{cidr: 10.0.0.0/16, hosts: [.example.com]}]
"""

CORE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crossplane
  namespace: crossplane-system
  labels: {app: crossplane}
spec:
  selector:
    matchLabels: {app: crossplane}
  template:
    metadata:
      labels: {app: crossplane}
    spec:
      containers:
        - name: crossplane
          image: xpkg.crossplane.io/crossplane/crossplane:v1.19.0
          args: [core, start]
          env:
ENV
"""

DRC = """\
apiVersion: pkg.crossplane.io/v1beta1
kind: DeploymentRuntimeConfig
metadata:
  name: runtime-{i}
spec:
  deploymentTemplate:
    spec:
      selector: {{}}
      template:
        spec:
          containers:
            - name: package-runtime
              env:
                - name: HTTPS_PROXY
                  value: http://proxy.corp.example:3128
"""


def entries(n: int) -> str:
    """n NO_PROXY entries, host names and IPv4 addresses alternating."""
    return ",".join(
        f"h{i}.example.com" if i % 2 else f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        for i in range(n)
    )


def env(pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"            - name: {k}\n              value: {v!r}" for k, v in pairs)


def install(*, no_proxy: int = 3, items: int = 0, documents: int = 0, length: int = 0) -> str:
    """The core with `no_proxy` entries in its NO_PROXY values, `items` other env entries, a
    value of `length` characters, and `documents` DeploymentRuntimeConfigs after it."""
    pairs = [(f"EXTRA_{i}", f"value-{i}") for i in range(items)]
    if length:
        pairs.append(("LONG", "x" * length))
    pairs += [
        ("HTTPS_PROXY", "http://proxy.corp.example:3128"),
        ("NO_PROXY", entries(no_proxy)),
        ("no_proxy", entries(no_proxy)),
    ]
    docs = [CORE.replace("ENV", env(pairs))]
    docs += [DRC.format(i=i) for i in range(documents)]
    return "---\n".join(docs)


def config(no_proxy: int = 1) -> str:
    """The configuration with `no_proxy` extra entries (names its extraEgress declares)."""
    listed = ", ".join(f'"h{i}.example.com"' for i in range(no_proxy))
    return CONFIG.replace("NOPROXY", listed)


# (dimension, size n, how the input of size n is made: manifests, config)
Make = Callable[[int], tuple[str, str]]
DIMENSIONS: dict[str, tuple[int, Make]] = {
    "manifest NO_PROXY entries": (3000, lambda n: (install(no_proxy=n), config())),
    "config NO_PROXY entries": (2000, lambda n: (install(), config(no_proxy=n))),
    "env items": (4000, lambda n: (install(items=n), config())),
    "documents": (300, lambda n: (install(documents=n), config())),
    "string size": (4_000_000, lambda n: (install(length=n), config())),
}

# The commands that read files: FILE and CONFIG are filled in.
COMMANDS = {
    "fix": ["fix", "--dry-run", "-c", "CONFIG", "FILE"],
    "check": ["check", "-c", "CONFIG", "FILE"],
    "explain": ["explain", "-c", "CONFIG", "FILE"],
    "patch": ["patch", "-c", "CONFIG", "FILE"],
    "netpol": ["netpol", "-c", "CONFIG", "FILE"],
    "noproxy": ["noproxy", "-c", "CONFIG"],
    "values": ["values", "-c", "CONFIG"],
}


def smallest(run: Callable[[], object]) -> float:
    """The run's best time."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def command(tmp_path: Path, argv: list[str], manifests: str, conf: str) -> Callable[[], object]:
    """A run of `xpnet ARGV` as users run it: a new process each time, so that no cache of an
    earlier run (the process keeps composed documents and scalar tags) makes a size look cheap."""
    (tmp_path / "in.yaml").write_text(manifests)
    (tmp_path / "xpnet.yaml").write_text(conf)
    paths = {"FILE": str(tmp_path / "in.yaml"), "CONFIG": str(tmp_path / "xpnet.yaml")}
    args = [str(BIN / "xpnet"), *(paths.get(a, a) for a in argv)]
    done = subprocess.run(args, capture_output=True, text=True, env=ENV)
    # fix must do its work (not stop at a refusal); check fails on the generated findings.
    assert done.returncode == 0 or argv[0] == "check", f"{argv}: {done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr
    return subprocess_run(args, b"")


def ratio(make_run: Callable[[int], Callable[[], object]], n: int) -> tuple[float, float, float]:
    small, large = make_run(n), make_run(4 * n)
    t_small, t_large = smallest(small), smallest(large)
    return t_large / t_small, t_small, t_large


@pytest.mark.parametrize("dimension", DIMENSIONS)
@pytest.mark.parametrize("name", COMMANDS)
def test_commands_scale_linearly(tmp_path: Path, name: str, dimension: str) -> None:
    n, make = DIMENSIONS[dimension]

    def make_run(size: int) -> Callable[[], object]:
        folder = tmp_path / str(size)
        folder.mkdir()
        return command(folder, COMMANDS[name], *make(size))

    got, small, large = ratio(make_run, n)
    assert got <= BOUND, f"{name}, {dimension}: {n} took {small:.3f} s, {4 * n} {large:.3f} s"


def subprocess_run(argv: list[str], stdin: bytes) -> Callable[[], object]:
    return lambda: subprocess.run(argv, input=stdin, capture_output=True, env=ENV, check=False)


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_the_krm_function_scales_linearly(tmp_path: Path, dimension: str) -> None:
    n, make = DIMENSIONS[dimension]

    def make_run(size: int) -> Callable[[], object]:
        manifests, conf = make(size)
        body = wrap(manifests, conf).encode()
        done = subprocess.run([str(BIN / "xpnet-fn")], input=body, capture_output=True)
        assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
        assert b"Traceback" not in done.stderr
        return subprocess_run([str(BIN / "xpnet-fn")], body)

    got, small, large = ratio(make_run, n)
    assert got <= BOUND, f"xpnet-fn, {dimension}: {n} took {small:.3f} s, {4 * n} {large:.3f} s"


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_the_post_renderer_scales_linearly(tmp_path: Path, dimension: str) -> None:
    n, make = DIMENSIONS[dimension]

    def make_run(size: int) -> Callable[[], object]:
        manifests, conf = make(size)
        folder = tmp_path / str(size)
        folder.mkdir()
        (folder / "xpnet.yaml").write_text(conf)
        stream = "".join(f"---\n# Source: crossplane/x.yaml\n{d}" for d in manifests.split("---\n"))
        argv = [str(BIN / "xpnet-helm"), "-c", str(folder / "xpnet.yaml")]
        done = subprocess.run(argv, input=stream.encode(), capture_output=True)
        assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
        return subprocess_run(argv, stream.encode())

    got, small, large = ratio(make_run, n)
    assert got <= BOUND, f"xpnet-helm, {dimension}: {n} took {small:.3f} s, {4 * n} {large:.3f} s"


def test_the_inputs_are_what_they_say() -> None:
    """The generators put in what they say (that fix does its work on them, each scaling test
    asserts on its first run)."""
    assert install(no_proxy=5).count("10.0.0.") == 6  # two values, three IPs each
    assert install(documents=3).count("kind: DeploymentRuntimeConfig") == 3
