#!/usr/bin/env python3
"""xpnet against its baselines, side by side, on the same inputs (issue 5).

    .venv/bin/python benchmarks/run.py [--repeat 5] [--sizes 100,1000,5000] [--quick] [--platform N]

The full mode (the defaults) gives the figures in RESULTS.md and takes 10-15 minutes on 2 cores;
--quick runs the same commands side by side on the install alone and with 100 items, 1 warm-up +
2 runs each, in under a minute, and is less precise. Progress goes to stderr as it runs.

Inputs: the Crossplane install alone (benchmarks/crossplane-install.yaml, about 30 items) and the
install plus N unrelated resources (Deployments with env blocks, Services, CRDs), each as a
ResourceList exactly as real kustomize emits it (captured from a `kustomize build` with a teeing
exec function) and as a multi-document stream as Helm emits it. --platform N adds issue 17's
platform-shaped input (the install + N Deployments whose image or labels mention "crossplane" +
N/5 Compositions + 20 DeploymentRuntimeConfigs, captured from kustomize the same way: one build,
about 15 s at N=1000), timed with xpnet-fn, the Python identity and the PyYAML function, and a
bare-interpreter floor (`python -c pass`, same interpreter). Every command runs once to warm
up, then --repeat times; the table shows the median wall time, the median peak RSS of the
process, and ratios. Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
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
FULL = {"repeat": 5, "sizes": "100,1000,5000"}
QUICK = {"repeat": 2, "sizes": "100"}


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
    """A platform repository's build (issue 17): N Deployments whose image or labels mention
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
    rss_mib: float


def measure(
    cmd: list[str],
    stdin: Path | None,
    repeat: int,
    before: list[str] | None = None,
    cwd: Path | None = None,
    say: Callable[[str], None] = lambda _: None,
    label: str = "",
) -> Measure:
    walls, rss = [], []
    for i in range(repeat + 1):
        say(f"{label}: warm-up" if i == 0 else f"{label}: run {i}/{repeat}")
        if before:
            subprocess.run(before, check=True)
        with (
            open(stdin or os.devnull, "rb") as src,
            open(os.devnull, "wb") as sink,
            tempfile.TemporaryFile() as errors,
        ):
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdin=src, stdout=sink, stderr=errors, cwd=cwd)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            if os.waitstatus_to_exitcode(status) != 0:
                errors.seek(0)
                said = errors.read().decode(errors="replace")[-2000:]
                raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{said}")
        if i:  # the first run warms caches up
            walls.append(wall)
            rss.append(usage.ru_maxrss / 1024)
    return Measure(statistics.median(walls), statistics.median(rss))


def verification_seconds(resource_list: str, repeat: int) -> float:
    """How long the KRM function spends reading back and comparing the documents it rewrote
    (issue 9), measured inside one process: the median over runs of the time in verify()."""
    from xpnet import engine
    from xpnet.adapters.krm import transform

    real = engine.verify
    spent = [0.0]

    def timed(*args: object) -> None:
        start = time.perf_counter()
        real(*args)  # type: ignore[arg-type]
        spent[0] += time.perf_counter() - start

    engine.verify = timed  # type: ignore[assignment]
    runs = []
    for i in range(repeat + 1):
        spent[0] = 0.0
        transform(resource_list)
        if i:
            runs.append(spent[0])
    engine.verify = real  # type: ignore[assignment]
    return statistics.median(runs)


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
        help=f"under a minute: --repeat {QUICK['repeat']} --sizes {QUICK['sizes']} unless given; "
        "the same comparisons, less precise",
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
        help="also time the platform-shaped input of issue 17: the install + N Deployments whose "
        "image or labels mention crossplane + N/5 Compositions + 20 DeploymentRuntimeConfigs "
        "(xpnet-fn, python identity, pyyaml, and python -c pass as the bare-interpreter floor)",
    )
    args = parser.parse_args()
    defaults = QUICK if args.quick else FULL
    args.repeat = defaults["repeat"] if args.repeat is None else args.repeat
    args.sizes = defaults["sizes"] if args.sizes is None else args.sizes
    if args.platform is not None and args.platform < 1:
        parser.error("--platform must be 1 or more (the Deployments added to the install)")
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more (the runs after the warm-up)")
    sizes = [0] + [int(s) for s in args.sizes.split(",") if s]
    if not KUSTOMIZE.exists():
        raise SystemExit(f"{KUSTOMIZE} is missing: run scripts/setup")
    mode = "quick mode (less precise)" if args.quick else "full mode"
    say(
        f"{mode}: sizes {','.join(map(str, sizes))}, each command 1 warm-up + {args.repeat} runs; "
        + ("under a minute on 2 cores" if args.quick else "10-15 minutes on 2 cores")
        + "; the table is printed at the end"
        + (
            ""
            if args.platform is None
            else f"; plus platform {args.platform} (its kustomize build alone takes ~15 s at 1000)"
        )
    )

    install = (BENCH / "crossplane-install.yaml").read_text()
    rows: list[tuple[str, str, Measure]] = []
    verification: dict[int, float] = {}
    results: dict[tuple[int, str], Measure] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = work / "xpnet.yaml"
        config.write_text(CONFIG.format(path="xpnet-fn"))
        floor = measure(
            [
                PY,
                "-c",
                "import pydantic, ruamel.yaml, netaddr\n"
                "class M(pydantic.BaseModel):\n    a: int\nM(a=1)",
            ],
            None,
            args.repeat,
            say=say,
            label="import floor",
        )
        rows.append(("-", "import floor (pydantic+model, ruamel, netaddr)", floor))
        if args.platform is not None:
            bare = measure([PY, "-c", "pass"], None, args.repeat, say=say, label="bare interpreter")
            rows.append(("-", "bare interpreter floor (python -c pass)", bare))
        for n in sizes:
            folder = work / f"n{n}"
            folder.mkdir()
            label = "install" if n == 0 else f"install+{n}"
            say(f"{label}: capturing kustomize's ResourceList (one kustomize build)")
            manifests = install + ("" if n == 0 else unrelated(n))
            rl = folder / "rl.yaml"
            rl.write_text(capture_resource_list(folder, manifests))
            stream = folder / "stream.yaml"
            stream.write_text(helm_stream(manifests))
            size = f"{rl.stat().st_size / 1e6:.1f} MB"
            base = BENCH / "baselines"
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
            say(f"{label} ({size}): time spent in verify, inside this process")
            verification[n] = verification_seconds(rl.read_text(), args.repeat)
            for name, cmd, stdin, before in runs:
                m = measure(cmd, stdin, args.repeat, before, say=say, label=f"{label}: {name}")
                results[(n, name)] = m
                rows.append((f"{label} ({size})", name, m))
            kustomize_runs = (
                ("kustomize build + cat", "/bin/cat"),
                ("kustomize build + xpnet-fn", str(VENV / "xpnet-fn")),
            )
            for name, fn in kustomize_runs if n <= args.kustomize_up_to else ():
                kdir = kustomize_dir(folder / name.replace(" ", "_"), folder / "resources.yaml", fn)
                m = measure(
                    [str(KUSTOMIZE), "build", "--enable-alpha-plugins", "--enable-exec", str(kdir)],
                    None,
                    args.repeat,
                    say=say,
                    label=f"{label}: {name}",
                )
                results[(n, name)] = m
                rows.append((f"{label} ({size})", name, m))

        if args.platform is not None:
            n = args.platform
            folder = work / f"platform{n}"
            folder.mkdir()
            label = f"platform+{n}"
            say(f"{label}: capturing kustomize's ResourceList (one kustomize build)")
            manifests = install + platform_shaped(n)
            rl = folder / "rl.yaml"
            rl.write_text(capture_resource_list(folder, manifests))
            size = f"{rl.stat().st_size / 1e6:.1f} MB"
            base = BENCH / "baselines"
            for name, cmd in (
                ("xpnet-fn", [str(VENV / "xpnet-fn")]),
                ("python identity", [PY, str(base / "identity.py")]),
                ("pyyaml load/edit/dump", [PY, str(base / "pyyaml_fn.py")]),
            ):
                m = measure(cmd, rl, args.repeat, say=say, label=f"{label}: {name}")
                results[(-n, name)] = m  # negative: platform inputs, apart from --sizes
                rows.append((f"{label} ({size})", name, m))

    say.close(f"done in {say.elapsed():.0f} s")
    if args.quick:
        print(
            "QUICK MODE: fewer sizes and runs, less precise; the figures in RESULTS.md come from "
            "the full mode (no --quick)"
        )
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {KUSTOMIZE.parent.name} kustomize; "
        f"median of {args.repeat} after a warm-up"
    )
    if args.platform is not None:
        print(
            f"platform+{args.platform}: the install + {args.platform} Deployments whose image or "
            f"labels mention crossplane + {args.platform // 5} Compositions + 20 "
            "DeploymentRuntimeConfigs, as the ResourceList real kustomize emits (issue 17)"
        )
    print(f"{'input':26} {'command':48} {'wall s':>8} {'RSS MiB':>8}")
    for label, name, m in rows:
        print(f"{label:26} {name:48} {m.wall:8.3f} {m.rss_mib:8.1f}")
    for n, seconds in verification.items():
        print(f"verification inside xpnet-fn at {n} items: {seconds * 1000:.1f} ms a run")

    def ratio(a: tuple[int, str], b: tuple[int, str] | Measure) -> float:
        other = b if isinstance(b, Measure) else results[b]
        return results[a].wall / other.wall

    print("\ntargets (issues 5, 9 and 17)" if args.platform else "\ntargets (issues 5 and 9)")
    checks = [
        ("install: xpnet-fn / import floor <= 1.3", ratio((0, "xpnet-fn"), floor), 1.3, "le"),
    ]
    if 1000 in sizes:
        checks += [
            (
                "1000: pyyaml / xpnet-fn >= 5",
                1 / ratio((1000, "xpnet-fn"), (1000, "pyyaml load/edit/dump")),
                5,
                "ge",
            ),
            (
                "1000: kustomize+xpnet / kustomize+cat <= 1.10",
                ratio((1000, "kustomize build + xpnet-fn"), (1000, "kustomize build + cat")),
                1.10,
                "le",
            ),
            (
                "1000: xpnet-helm / xpnet-fn <= 1.2",
                ratio((1000, "xpnet-helm"), (1000, "xpnet-fn")),
                1.2,
                "le",
            ),
            (
                "1000: xpnet fix / xpnet-fn <= 1.2",
                ratio((1000, "xpnet fix"), (1000, "xpnet-fn")),
                1.2,
                "le",
            ),
            ("1000: xpnet-fn peak RSS MiB <= 100", results[(1000, "xpnet-fn")].rss_mib, 100, "le"),
        ]
        if (1000, "ruamel round-trip") in results:
            checks.append(
                (
                    "1000: ruamel / xpnet-fn >= 50",
                    1 / ratio((1000, "xpnet-fn"), (1000, "ruamel round-trip")),
                    50,
                    "ge",
                )
            )
        if 5000 in sizes:
            checks.append(
                (
                    "5000 / 1000 xpnet-fn time <= 5.5",
                    ratio((5000, "xpnet-fn"), (1000, "xpnet-fn")),
                    5.5,
                    "le",
                )
            )
    for n in (n for n in (1000, 5000) if n in sizes):
        checks.append(
            (
                f"{n}: verification / xpnet-fn run <= 0.05 (issue 9)",
                verification[n] / results[(n, "xpnet-fn")].wall,
                0.05,
                "le",
            )
        )
    if args.platform is not None:
        n = args.platform
        checks.append(
            (
                f"platform {n}: pyyaml / xpnet-fn >= 5 (issue 17)",
                1 / ratio((-n, "xpnet-fn"), (-n, "pyyaml load/edit/dump")),
                5,
                "ge",
            )
        )
    for name, value, target, how in checks:
        ok = value <= target if how == "le" else value >= target
        print(f"  {'PASS' if ok else 'MISS'}  {name:50} {value:8.2f}")
    unchecked = [n for n in (1000, 5000) if n not in sizes]
    if unchecked:
        print(f"  ----  targets at {' and '.join(map(str, unchecked))} items: not in --sizes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
