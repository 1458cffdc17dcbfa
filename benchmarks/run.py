#!/usr/bin/env python3
"""xpnet against its baselines, side by side, on the same inputs.

    .venv/bin/python benchmarks/run.py [--quick] [--repeat 5] [--sizes 100,1000,5000]
        [--platform N] [--large N] [--renders N]

The full mode (the defaults) gives the figures in RESULTS.md and takes about 15 minutes on 2
cores; --quick runs the same kinds of comparison on small inputs, a warm-up round + 2 rounds, in
about a minute, and is less precise. Progress goes to stderr as it runs.

Inputs, each as the ResourceList real kustomize sends an exec function (captured from a
`kustomize build` with a teeing function) and, for the Helm commands, as the multi-document
stream Helm gives a post-renderer:
- the chart alone: the real Crossplane v1.20.11 chart rendered (benchmarks/crossplane-install.yaml,
  23 items, 34 KB), also rendered by real Helm 3 with xpnet-helm or cat as its post-renderer;
- the chart + N unrelated resources (Deployments with env blocks, Services, CRDs), --sizes;
- the platform-shaped input (--platform N): the chart + N Deployments whose image or
  labels mention "crossplane" + N/5 Compositions + 20 DeploymentRuntimeConfigs;
- --large N items: the install once, then the largest --sizes capture's other items repeated to
  N items in all (kustomize itself would take many minutes to build it);
- --renders N: N renders of the chart (one per cluster overlay, each with its own instance label
  so no two are alike), checked by one `xpnet check` against one render checked alone.
Floors, defined plainly: the bare interpreter (`python -c pass`, the same interpreter) and the
bytes floor (`cat`, and a Python function that copies stdin to stdout). The commands of one
section (an input; the bare interpreter with the chart alone) run side by side: a warm-up round,
then --repeat rounds that run each command once, in a new (seeded) order each round, so that the
machine's drift and a command's after-effects on the next fall on all of them alike, then each
once more under GNU time for its own peak RSS (measured from this process it would count this
process's memory, which a forked child starts with); the table
shows the median wall time, the peak RSS and, at the end, every target with its ratio.
Before timing, xpnet's modules are compiled to bytecode, as installing a wheel does.
Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import tools  # noqa: E402

BENCH = ROOT / "benchmarks"
VENV = ROOT / ".venv" / "bin"
PY = str(VENV / "python")
KUSTOMIZE = tools.kustomize_path(tools.KUSTOMIZE_VERSIONS[-1])
CONFIG = """\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: {path}
spec:
  proxy:
    httpsProxy: http://proxy.corp.example:3128
  cluster:
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
"""
FULL = {"repeat": 5, "sizes": "100,1000,5000", "platform": 1000, "large": 20000, "renders": 200}
QUICK = {"repeat": 2, "sizes": "100", "platform": 100, "large": 0, "renders": 20}
FIXTURES = ROOT / "tests" / "fixtures" / "crossplane"
CHART = FIXTURES / "charts" / "crossplane-1.20.11"
GNU_TIME = Path("/usr/bin/time")


class Progress:
    """One line per step on stderr, flushed at once, with the time since the start; a step still
    running after `every` seconds (kustomize takes minutes on 5000 items) is named again."""

    def __init__(self, every: float = 30.0) -> None:
        self.start = time.perf_counter()
        self.every = every
        self.step, self.began, self.said = "", self.start, self.start
        self.lock = threading.Lock()
        self.finished = threading.Event()
        threading.Thread(target=self._remind, daemon=True).start()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def __call__(self, message: str) -> None:
        with self.lock:
            self.step = message
            self.began = self.said = time.perf_counter()
            print(f"[{self.elapsed():7.1f} s] {message}", file=sys.stderr, flush=True)

    def _remind(self) -> None:
        while not self.finished.wait(min(1.0, self.every / 4)):
            with self.lock:
                now = time.perf_counter()
                if self.step and now - self.said >= self.every:
                    running = f"{self.step}: still running ({now - self.began:.0f} s)"
                    print(f"[{self.elapsed():7.1f} s] {running}", file=sys.stderr, flush=True)
                    self.said = now

    def close(self, message: str) -> None:
        self(message)
        self.finished.set()


def unrelated(n: int) -> str:
    """N resources xpnet has nothing to do with: 6 Deployments, 3 Services, 1 CRD in 10."""
    docs = []
    for i in range(n):
        kind = ("Deployment",) * 6 + ("Service",) * 3 + ("CustomResourceDefinition",)
        match kind[i % 10]:
            case "Deployment":
                env = "".join(
                    f'        - name: VAR_{j}\n          value: "value-{i}-{j}"\n' for j in range(8)
                )
                docs.append(
                    f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n"
                    f"  namespace: apps\n  labels:\n    app: app-{i}\nspec:\n  replicas: 2\n"
                    f"  selector:\n    matchLabels:\n      app: app-{i}\n  template:\n"
                    f"    metadata:\n      labels:\n        app: app-{i}\n    spec:\n"
                    f"      containers:\n      - name: app\n        image: registry/app:{i}\n"
                    f"        env:\n{env}        - name: HTTPS_PROXY\n"
                    f"          value: http://other-proxy:3128\n"
                    f"        resources:\n          limits:\n            cpu: 100m\n"
                )
            case "Service":
                docs.append(
                    f"apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n"
                    f"  namespace: apps\nspec:\n  selector:\n    app: app-{i}\n  ports:\n"
                    f"  - port: 80\n    targetPort: 8080\n"
                )
            case _:
                props = "".join(
                    f"                field{j}:\n                  type: string\n"
                    f"                  description: Field {j} of the example resource, "
                    f"long enough to look like real generated documentation.\n"
                    for j in range(40)
                )
                docs.append(
                    f"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
                    f"metadata:\n  name: things{i}.example.com\nspec:\n  group: example.com\n"
                    f"  names:\n    kind: Thing{i}\n    plural: things{i}\n  scope: Namespaced\n"
                    f"  versions:\n  - name: v1\n    served: true\n    storage: true\n"
                    f"    schema:\n      openAPIV3Schema:\n        type: object\n"
                    f"        properties:\n          spec:\n            type: object\n"
                    f"            properties:\n              inner:\n                type: object\n"
                    f"                properties:\n{props}"
                )
    return "".join(f"---\n{d}" for d in docs)


def platform_shaped(n: int) -> str:
    """A platform repository's build: N Deployments whose image or labels mention
    "crossplane" (even ones run a provider image from xpkg.crossplane.io, odd ones carry the label
    platform: crossplane), N/5 Compositions (mode Pipeline, a functionRef) and 20
    DeploymentRuntimeConfigs; the Deployments have env blocks like unrelated()'s."""
    docs = []
    for i in range(n):
        env = "".join(
            f'        - name: VAR_{j}\n          value: "value-{i}-{j}"\n' for j in range(8)
        )
        image = (
            f"xpkg.crossplane.io/crossplane-contrib/provider-{i}:v1"
            if i % 2 == 0
            else f"registry/app:{i}"
        )
        extra = "    platform: crossplane\n" if i % 2 else ""
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: provider-{i}\n"
            f"  namespace: crossplane-system\n  labels:\n    app: provider-{i}\n{extra}"
            f"spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: provider-{i}\n"
            f"  template:\n    metadata:\n      labels:\n        app: provider-{i}\n    spec:\n"
            f"      containers:\n      - name: provider\n        image: {image}\n"
            f"        env:\n{env}        - name: HTTPS_PROXY\n"
            f"          value: http://other-proxy:3128\n"
            f"        resources:\n          limits:\n            cpu: 100m\n"
        )
    for i in range(n // 5):
        docs.append(
            f"apiVersion: apiextensions.crossplane.io/v1\nkind: Composition\nmetadata:\n"
            f"  name: xbuckets-{i}.platform.example.org\n  labels:\n    platform: crossplane\n"
            f"spec:\n  compositeTypeRef:\n    apiVersion: platform.example.org/v1alpha1\n"
            f"    kind: XBucket{i}\n  mode: Pipeline\n  pipeline:\n"
            f"  - step: patch-and-transform\n    functionRef:\n"
            f"      name: function-patch-and-transform\n    input:\n"
            f"      apiVersion: pt.fn.crossplane.io/v1beta1\n      kind: Resources\n"
            f"      resources:\n      - name: bucket\n        base:\n"
            f"          apiVersion: s3.aws.upbound.io/v1beta1\n          kind: Bucket\n"
            f"          spec:\n            forProvider:\n              region: eu-central-1\n"
            f"        patches:\n        - type: FromCompositeFieldPath\n"
            f"          fromFieldPath: spec.region\n"
            f"          toFieldPath: spec.forProvider.region\n"
        )
    for i in range(20):
        docs.append(
            f"apiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\nmetadata:\n"
            f"  name: runtime-{i}\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {{}}\n"
            f"      template:\n        spec:\n          containers:\n"
            f"          - name: package-runtime\n            args:\n            - --debug\n"
        )
    return "".join(f"---\n{d}" for d in docs)


def helm_stream(text: str) -> str:
    """A multi-document stream the way Helm 3 gives it to a post-renderer."""
    docs = [d for d in text.split("---\n") if d.strip()]
    return "".join(f"---\n# Source: chart/templates/t{i}.yaml\n{d}" for i, d in enumerate(docs))


def capture_resource_list(folder: Path, manifests: str) -> str:
    """The ResourceList real kustomize sends to an exec function."""
    (folder / "resources.yaml").write_text(manifests)
    capture = folder / "capture.sh"
    capture.write_text(f"#!/bin/sh\ntee {folder / 'resource-list.yaml'}\n")
    capture.chmod(0o755)
    (folder / "fn.yaml").write_text(CONFIG.format(path=capture))
    (folder / "kustomization.yaml").write_text(
        "resources:\n- resources.yaml\ntransformers:\n- fn.yaml\n"
    )
    subprocess.run(
        [str(KUSTOMIZE), "build", "--enable-alpha-plugins", "--enable-exec", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return (folder / "resource-list.yaml").read_text()


@dataclass
class Measure:
    wall: float
    rss_mib: float  # the command's own peak RSS (GNU time); 0 where GNU time is missing


class Command(NamedTuple):
    """One row of a table: what to run and how."""

    label: str
    name: str
    cmd: list[str]
    stdin: Path | None
    before: list[str] | None = None  # run first, untimed (a file to copy into place)
    cwd: Path | None = None
    env: dict[str, str] | None = None
    ok: tuple[int, ...] = (0,)


def _once(c: Command, peak: bool) -> tuple[float, float]:
    """One run: its wall time, and (`peak`) its peak RSS in MiB under GNU time (a child forked
    from this process would report this process's RSS)."""
    if c.before:
        subprocess.run(c.before, check=True)
    with (
        open(c.stdin or os.devnull, "rb") as src,
        open(os.devnull, "wb") as sink,
        tempfile.TemporaryFile() as errors,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        argv = [str(GNU_TIME), "-f", "%M", "-o", rss.name, *c.cmd] if peak else c.cmd
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=src, stdout=sink, stderr=errors, cwd=c.cwd, env=c.env)
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) not in c.ok:
            errors.seek(0)
            said = errors.read().decode(errors="replace")[-2000:]
            code = os.waitstatus_to_exitcode(status)
            raise SystemExit(f"benchmark command failed (exit {code}): {' '.join(c.cmd)}\n{said}")
        return wall, int(rss.read().split()[-1]) / 1024 if peak else 0.0


def measure(
    commands: list[Command], repeat: int, say: Callable[[str], None] = lambda _: None
) -> list[Measure]:
    """The commands of one table section side by side: a warm-up round, then `repeat` rounds
    that run each once, each round in another order (so that the machine's drift, large here,
    falls on all of them alike), then one run each under GNU time for
    the peak RSS. Each gets the median of its timed rounds."""
    walls: list[list[float]] = [[] for _ in commands]
    rng = random.Random(0)  # the same orders in every run of the benchmark
    for i in range(repeat + 1):
        # a new order each round: in a cycle that only starts one command later each round, a
        # command has the same neighbour every time (xpnet-fn right after a 7 s kustomize build
        # that runs xpnet-fn, xpnet-helm right after xpnet-fn), whose after-effects then fall on
        # it in every round alike; measured, that moved xpnet-helm / xpnet-fn from 0.80 to 1.35
        order = list(range(len(commands)))
        if i:
            rng.shuffle(order)
        for k in order:
            c = commands[k]
            say(f"{c.label}: {c.name}: " + (f"round {i}/{repeat}" if i else "warm-up"))
            wall, _ = _once(c, peak=False)
            if i:
                walls[k].append(wall)
    out = []
    for c, times in zip(commands, walls, strict=True):
        rss = 0.0
        if GNU_TIME.exists():
            say(f"{c.label}: {c.name}: peak RSS")
            rss = _once(c, peak=True)[1]
        out.append(Measure(statistics.median(times), rss))
    return out


def scaled(resource_list: str, n: int, once: int) -> str:
    """A ResourceList of `n` items: its first `once` items (the install) as they are, then the
    others repeated in order."""
    head, rest = resource_list.split("\nitems:\n", 1)
    body, tail = rest.split("\nfunctionConfig:", 1)
    items = [i for i in re.split(r"(?m)^(?=- )", body + "\n") if i.strip()]
    others = items[once:]
    out = items[:once] + [others[k % len(others)] for k in range(n - once)]
    return f"{head}\nitems:\n{''.join(out).rstrip(chr(10))}\nfunctionConfig:{tail}"


def overlays(chart: str, n: int, folder: Path) -> list[Path]:
    """N renders of the chart, one per cluster overlay, each with its own instance label."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"cluster-{i:03}.yaml"
        path.write_text(
            chart.replace(
                "app.kubernetes.io/instance: crossplane",
                f"app.kubernetes.io/instance: crossplane-c{i}",
            )
        )
        paths.append(path)
    return paths


# One run of the KRM function as its console script makes it (adapters.scripts: the imports
# with the collector quiet; the answer written to /dev/null), timing what it spends in verify();
# prints those seconds.
_VERIFY_RUN = """
import os, sys, time
from xpnet.adapters import scripts
scripts._quietly(scripts._load_krm)
from xpnet import engine
from xpnet.adapters import krm
real, spent = engine.verify, [0.0]
def timed(*args, **kw):
    start = time.perf_counter()
    real(*args, **kw)
    spent[0] += time.perf_counter() - start
engine.verify = timed
data = open(sys.argv[1], "rb").read()
with open(os.devnull, "wb") as sink:
    krm.respond(data, os.getcwd()).write(sink)
print(spent[0])
"""


class Verification(NamedTuple):
    seconds: float  # in verify(), a run
    share: float  # of that run's wall time


def verification(resource_list: Path, repeat: int) -> Verification:
    """How much of a KRM function run goes to reading back and comparing the documents it
    rewrote: medians over `repeat` fresh processes, each a run as xpnet-fn makes
    it, timed from outside like the table's commands, its time in verify() from inside (the
    share is of the same run, so the machine's drift between measures cannot skew it)."""
    seconds, shares = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [PY, "-c", _VERIFY_RUN, str(resource_list)],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
        seconds.append(float(done.stdout))
        shares.append(seconds[-1] / wall)
    return Verification(statistics.median(seconds), statistics.median(shares))


def kustomize_dir(folder: Path, manifests: Path, fn: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(manifests, folder / "resources.yaml")
    (folder / "fn.yaml").write_text(CONFIG.format(path=fn))
    (folder / "kustomization.yaml").write_text(
        "resources:\n- resources.yaml\ntransformers:\n- fn.yaml\n"
    )
    return folder


def main() -> int:
    say = Progress()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--kustomize-up-to",
        type=int,
        default=1000,
        help="time kustomize builds only up to this size (5000 items take kustomize itself "
        "over a minute a build)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"about a minute: --repeat {QUICK['repeat']} --sizes {QUICK['sizes']} --platform "
        f"{QUICK['platform']} --renders {QUICK['renders']}, no --large, unless given; the same "
        "kinds of comparison, less precise, and the targets are not checked",
    )
    parser.add_argument("--repeat", type=int, help=f"runs after the warm-up ({FULL['repeat']})")
    parser.add_argument(
        "--sizes", help=f"unrelated resources added to the install ({FULL['sizes']})"
    )
    parser.add_argument(
        "--slow-baselines-up-to",
        type=int,
        default=1000,
        help="run the ruamel baseline only up to this size (it takes minutes)",
    )
    parser.add_argument(
        "--platform",
        type=int,
        metavar="N",
        help="the platform-shaped input of the install + N Deployments whose image or "
        "labels mention crossplane + N/5 Compositions + 20 DeploymentRuntimeConfigs "
        f"({FULL['platform']}; 0: none)",
    )
    parser.add_argument(
        "--large",
        type=int,
        metavar="N",
        help=f"a ResourceList of N items, the largest capture's items repeated ({FULL['large']}; "
        "0: none)",
    )
    parser.add_argument(
        "--renders",
        type=int,
        metavar="N",
        help=f"one xpnet check over N chart renders against one render ({FULL['renders']}; "
        "0: none)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also time the xpnet of another tree (`git archive REV plugin | tar -x -C DIR`), "
        "run from DIR/plugin with this interpreter: its rows say (baseline)",
    )
    args = parser.parse_args()
    defaults = QUICK if args.quick else FULL
    for key in ("repeat", "sizes", "platform", "large", "renders"):
        if getattr(args, key) is None:
            setattr(args, key, defaults[key])
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more (the runs after the warm-up)")
    if min(args.platform, args.large, args.renders) < 0:
        parser.error("--platform, --large and --renders take 0 (none) or more")
    sizes = [0] + [int(s) for s in args.sizes.split(",") if s]
    if not KUSTOMIZE.exists():
        raise SystemExit(f"{KUSTOMIZE} is missing: run scripts/setup")
    helm3 = tools.helm_path("3")
    with_helm = helm3.exists() and CHART.is_dir()
    mode = "quick mode (less precise)" if args.quick else "full mode"
    say(
        f"{mode}: sizes {','.join(map(str, sizes))}, platform {args.platform}, large "
        f"{args.large}, renders {args.renders}, a warm-up round + {args.repeat} rounds; "
        + ("about a minute on 2 cores" if args.quick else "about 15 minutes on 2 cores")
        + "; the table is printed at the end"
    )
    # Both trees compiled, as installing a wheel does: a shell with PYTHONDONTWRITEBYTECODE
    # would otherwise have the baseline compile its modules on every run.
    trees = [ROOT / "plugin" / "xpnet"] + (
        [args.baseline / "plugin" / "xpnet"] if args.baseline else []
    )
    subprocess.run([PY, "-m", "compileall", "-q", *map(str, trees)], check=True)

    install = (BENCH / "crossplane-install.yaml").read_text()
    base = BENCH / "baselines"
    rows: list[tuple[str, str, Measure]] = []
    verifications: dict[int, Verification] = {}
    results: dict[tuple[str, str], Measure] = {}
    sizes_mb: dict[str, float] = {}

    pending: list[Command] = []

    def timed(label: str, name: str, cmd: list[str], stdin: Path | None, **kw: Any) -> None:
        """A row of the section being gathered; `flush` measures the section's rows together."""
        pending.append(Command(label, name, cmd, stdin, **kw))

    def flush() -> None:
        for c, m in zip(pending, measure(pending, args.repeat, say=say), strict=True):
            results[(c.label, c.name)] = m
            rows.append((c.label, c.name, m))
        pending.clear()

    old = {**os.environ, "PYTHONPATH": str(args.baseline / "plugin")} if args.baseline else None

    def baseline(label: str, name: str, adapter: str, argv: list[str], stdin: Path | None) -> None:
        """The same command with the baseline checkout's xpnet (`adapter`'s console script)."""
        if old is not None:
            code = f"from xpnet.adapters.{adapter} import entry; entry()"
            timed(label, f"{name} (baseline)", [PY, "-c", code, *argv], stdin, env=old)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = work / "xpnet.yaml"
        config.write_text(CONFIG.format(path="xpnet-fn"))
        timed("-", "bare interpreter (python -c pass)", [PY, "-c", "pass"], None)
        largest, install_items = "", 0
        for n in sizes:
            folder = work / f"n{n}"
            folder.mkdir()
            label = "install" if n == 0 else f"install+{n}"
            say(f"{label}: capturing kustomize's ResourceList (one kustomize build)")
            manifests = install + ("" if n == 0 else unrelated(n))
            rl = folder / "rl.yaml"
            rl.write_text(capture_resource_list(folder, manifests))
            largest = rl.read_text()
            if n == 0:
                install_items = largest.count("\n- ")
            stream = folder / "stream.yaml"
            stream.write_text(helm_stream(manifests))
            sizes_mb[label] = rl.stat().st_size / 2**20
            runs: list[tuple[str, list[str], Path | None, list[str] | None]] = [
                ("xpnet-fn", [str(VENV / "xpnet-fn")], rl, None),
                ("xpnet-helm", [str(VENV / "xpnet-helm"), f"--config={config}"], stream, None),
                (
                    "xpnet fix",
                    [str(VENV / "xpnet"), "fix", "-c", str(config), str(folder / "fix.yaml")],
                    None,
                    ["cp", str(stream), str(folder / "fix.yaml")],
                ),
                ("cat", ["cat"], rl, None),
                ("python identity", [PY, str(base / "identity.py")], rl, None),
                ("pyyaml load/edit/dump", [PY, str(base / "pyyaml_fn.py")], rl, None),
            ]
            if n <= args.slow_baselines_up_to:
                runs.append(("ruamel round-trip", [PY, str(base / "ruamel_fn.py")], rl, None))
            say(f"{label}: time spent in verify, in fresh processes")
            verifications[n] = verification(rl, args.repeat)
            for name, cmd, stdin, before in runs:
                timed(label, name, cmd, stdin, before=before)
            baseline(label, "xpnet-fn", "krm", [], rl)
            kustomize_runs = (
                ("kustomize build + cat", "/bin/cat"),
                ("kustomize build + xpnet-fn", str(VENV / "xpnet-fn")),
            )
            for name, fn in kustomize_runs if n <= args.kustomize_up_to else ():
                kdir = kustomize_dir(folder / name.replace(" ", "_"), folder / "resources.yaml", fn)
                build = [str(KUSTOMIZE), "build", "--enable-alpha-plugins", "--enable-exec"]
                timed(label, name, [*build, str(kdir)], None)
            if n == 0 and with_helm:
                home = folder / "helm-home"
                env = {
                    **os.environ,
                    "HELM_DATA_HOME": str(home / "data"),
                    "HELM_CONFIG_HOME": str(home / "config"),
                    "HELM_CACHE_HOME": str(home / "cache"),
                    "XPNET_LOG_FILE": str(home / "xpnet.log"),
                }
                helm = [str(helm3), "template", "crossplane", str(CHART), "-n", "crossplane-system"]
                for name, renderer in (
                    ("helm 3 template + cat post-renderer", ["--post-renderer", "/bin/cat"]),
                    (
                        "helm 3 template + xpnet-helm post-renderer",
                        [
                            "--post-renderer",
                            str(VENV / "xpnet-helm"),
                            f"--post-renderer-args=--config={config}",
                        ],
                    ),
                ):
                    timed(label, name, [*helm, *renderer], None, env=env)
                if old is not None:
                    wrapper = folder / "xpnet-helm-baseline"
                    code = "from xpnet.adapters.helm import entry; entry()"
                    wrapper.write_text(f'#!/bin/sh\nexec {PY} -c "{code}" "$@"\n')
                    wrapper.chmod(0o755)
                    name = "helm 3 template + xpnet-helm post-renderer (baseline)"
                    renderer = ["--post-renderer", str(wrapper)]
                    renderer.append(f"--post-renderer-args=--config={config}")
                    timed(label, name, [*helm, *renderer], None, env={**env, **old})
            elif n == 0:
                say(f"no Helm 3 at {helm3} or no chart at {CHART}: the Helm rows are left out")
            flush()  # with the bare interpreter, for the chart alone: one section side by side

        if args.platform:
            n = args.platform
            folder = work / f"platform{n}"
            folder.mkdir()
            label = f"platform+{n}"
            say(f"{label}: capturing kustomize's ResourceList (one kustomize build)")
            rl = folder / "rl.yaml"
            rl.write_text(capture_resource_list(folder, install + platform_shaped(n)))
            sizes_mb[label] = rl.stat().st_size / 2**20
            for name, cmd in (
                ("xpnet-fn", [str(VENV / "xpnet-fn")]),
                ("python identity", [PY, str(base / "identity.py")]),
                ("pyyaml load/edit/dump", [PY, str(base / "pyyaml_fn.py")]),
            ):
                timed(label, name, cmd, rl)
            baseline(label, "xpnet-fn", "krm", [], rl)
            flush()

        if args.large:
            label = f"large {args.large}"
            rl = work / "large.yaml"
            rl.write_text(scaled(largest, args.large, install_items))
            sizes_mb[label] = rl.stat().st_size / 2**20
            for name, cmd in (
                ("xpnet-fn", [str(VENV / "xpnet-fn")]),
                ("cat", ["cat"]),
                ("python identity", [PY, str(base / "identity.py")]),
            ):
                timed(label, name, cmd, rl)
            baseline(label, "xpnet-fn", "krm", [], rl)
            flush()

        if args.renders:
            # Renders as CI checks them once the post-renderer has fixed them (check passes), and
            # as they come from the chart (every render fails with 31 findings).
            fixed = work / "fixed.yaml"
            fixed.write_text(install)
            xpnet = str(VENV / "xpnet")
            subprocess.run(
                [xpnet, "fix", "-c", str(config), str(fixed)], check=True, capture_output=True
            )
            check = [xpnet, "check", "-c", str(config)]
            for kind, chart, ok in (("fixed", fixed.read_text(), (0,)), ("unfixed", install, (1,))):
                label = f"{args.renders} renders, {kind}"
                paths = overlays(chart, args.renders, work / kind)
                timed(label, "xpnet check, one render", [*check, str(paths[0])], None, ok=ok)
                every = [*check, *map(str, paths)]
                timed(label, f"xpnet check, {args.renders} renders", every, None, ok=ok)
                jobs = [*check, "--jobs", "2", *map(str, paths)]
                timed(label, f"xpnet check --jobs 2, {args.renders} renders", jobs, None, ok=ok)
                if old is not None:
                    code = "from xpnet.adapters.cli import entry; entry()"
                    argv = [PY, "-c", code, *check[1:]]
                    for name, files in (
                        ("xpnet check, one render (baseline)", [str(paths[0])]),
                        (f"xpnet check, {args.renders} renders (baseline)", list(map(str, paths))),
                    ):
                        timed(label, name, [*argv, *files], None, env=old, ok=ok)
                flush()

    say.close(f"done in {say.elapsed():.0f} s")
    report(args, rows, results, verifications, sizes_mb)
    return 0


def report(
    args: argparse.Namespace,
    rows: list[tuple[str, str, Measure]],
    results: dict[tuple[str, str], Measure],
    verifications: dict[int, Verification],
    sizes_mb: dict[str, float],
) -> None:
    if args.quick:
        print(
            "QUICK MODE: small inputs and few runs, less precise, targets not checked; the "
            "figures in RESULTS.md come from the full mode (no --quick)"
        )
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {KUSTOMIZE.parent.name} kustomize; "
        f"median of {args.repeat} rounds side by side after a warm-up; RSS: peak of the command "
        "itself"
    )
    print(f"{'input':27} {'command':54} {'wall s':>8} {'RSS MiB':>8}")
    for label, name, m in rows:
        where = f"{label} ({sizes_mb[label]:.1f} MB)" if label in sizes_mb else label
        print(f"{where:27} {name:54} {m.wall:8.3f} {m.rss_mib:8.1f}")
    for n, v in verifications.items():
        print(
            f"verification inside xpnet-fn at {n} items: {v.seconds * 1000:.1f} ms a run, "
            f"{v.share:.1%} of it (fresh processes)"
        )
    if args.quick:
        return

    def wall(label: str, name: str) -> float | None:
        m = results.get((label, name))
        return m.wall if m else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b is not None else None

    n_platform, n_large, n_renders = args.platform, args.large, args.renders
    large, platform_ = f"large {n_large}", f"platform+{n_platform}"
    k, renders = "install+1000", f"{n_renders} renders"
    helm = "helm 3 template + {} post-renderer"
    # The target, what is divided by what (input, command), the bound and its sense
    # The targets as a table, one or two lines each.
    # fmt: off
    ratios: list[tuple[str, tuple[str, str], tuple[str, str], float, str]] = [
        ("chart alone: xpnet-fn / python -c pass <= 6",
         ("install", "xpnet-fn"), ("-", "bare interpreter (python -c pass)"), 6, "le"),
        ("chart alone: helm 3 + xpnet-helm / + cat <= 2.5",
         ("install", helm.format("xpnet-helm")), ("install", helm.format("cat")), 2.5, "le"),
        (f"platform {n_platform}: pyyaml / xpnet-fn >= 5",
         (platform_, "pyyaml load/edit/dump"), (platform_, "xpnet-fn"), 5, "ge"),
        ("1000: pyyaml / xpnet-fn >= 8",
         (k, "pyyaml load/edit/dump"), (k, "xpnet-fn"), 8, "ge"),
        (f"{n_large}: xpnet-fn / python identity <= 4",
         (large, "xpnet-fn"), (large, "python identity"), 4, "le"),
        *((f"{n_renders} renders / one, {kind}: xpnet check -j2 <= 10",
           (f"{renders}, {kind}", f"xpnet check --jobs 2, {n_renders} renders"),
           (f"{renders}, {kind}", "xpnet check, one render"), 10, "le")
          for kind in ("fixed", "unfixed")),
        ("1000: kustomize+xpnet / kustomize+cat <= 1.10",
         (k, "kustomize build + xpnet-fn"), (k, "kustomize build + cat"), 1.10, "le"),
        ("1000: xpnet-helm / xpnet-fn <= 1.2", (k, "xpnet-helm"), (k, "xpnet-fn"), 1.2, "le"),
        ("1000: xpnet fix / xpnet-fn <= 1.2", (k, "xpnet fix"), (k, "xpnet-fn"), 1.2, "le"),
        ("1000: ruamel / xpnet-fn >= 50", (k, "ruamel round-trip"), (k, "xpnet-fn"), 50, "ge"),
        ("5000 / 1000 xpnet-fn time <= 5.5",
         ("install+5000", "xpnet-fn"), (k, "xpnet-fn"), 5.5, "le"),
    ]
    # fmt: on
    checks = [(name, ratio(wall(*a), wall(*b)), bound, how) for name, a, b, bound, how in ratios]
    rss_large = results.get((large, "xpnet-fn"))
    checks.insert(
        5,
        (
            f"{n_large}: xpnet-fn peak RSS / input size <= 3",
            rss_large.rss_mib / sizes_mb[large] if rss_large and rss_large.rss_mib else None,
            3,
            "le",
        ),
    )
    checks += [
        (
            f"{n}: verification / xpnet-fn run <= 0.05",
            verifications[n].share if n in verifications else None,
            0.05,
            "le",
        )
        for n in (1000, 5000)
    ]
    print("\ntargets")
    for name, value, target, how in checks:
        if value is None:
            print(f"  ----  {name:54} not measured in this run")
            continue
        ok = value <= target if how == "le" else value >= target
        print(f"  {'PASS' if ok else 'MISS'}  {name:54} {value:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
