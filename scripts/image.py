#!/usr/bin/env python3
"""Build xpnet's OCI image without a container engine: Debian's Python from pinned packages
(mmdebstrap), xpnet and pinned wheels installed with pip, two sorted, timestamp-normalised layers.

Run through scripts/build-image; scripts/tools.py and tests/integration/test_image.py call
`build` here. The result is cached in .tools/image/ and rebuilt when an input changes.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".tools" / "image"
LAYOUT = OUT / "xpnet-oci"  # the OCI image layout: oci:.tools/image/xpnet-oci:<version>
ARCHIVE = OUT / "xpnet-oci.tar"  # the same layout as one file: oci-archive:...
RECORD = OUT / "build.json"  # what was built from what: inputs digest, sizes, packages

LOCKS = ROOT / "image"
DEBIAN_LOCK = LOCKS / "debian.lock"
PYTHON_LOCK = LOCKS / "requirements.lock"
BUILD_LOCK = LOCKS / "build.lock"  # what builds xpnet's wheel: its name goes into the metadata

SUITE = "bookworm"  # Debian 12: Python 3.11, glibc 2.36
PYTHON = "python3.11"
# What the image is made of; apt adds their dependencies. base-files gives /etc/os-release, which
# with /var/lib/dpkg/status.d lets image scanners see the Debian packages.
DEBIAN_PACKAGES = ("base-files", f"{PYTHON}-minimal", f"lib{PYTHON}-stdlib")
# Dependencies for packaging's sake (dpkg, tar; mawk for base-files' scripts): nothing runs them.
DROPPED_PACKAGES = ("dpkg", "mawk", "tar")
# The wheels must match the image's CPython 3.11 and glibc 2.36, not the machine that builds.
WHEEL_PLATFORM = [
    "--only-binary=:all:",
    "--implementation=cp",
    "--python-version=3.11",
    "--abi=cp311",
    "--platform=manylinux2014_x86_64",
    "--platform=manylinux_2_17_x86_64",
    "--platform=manylinux_2_28_x86_64",
]

UID = 65532  # nonroot, as in distroless images; kpt and kustomize run functions as `nobody`
PASSWD = (
    "root:x:0:0:root:/root:/usr/sbin/nologin\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
)
GROUP = "root:x:0:\nnonroot:x:65532:\nnogroup:x:65534:\n"
SITE = f"usr/local/lib/{PYTHON}/dist-packages"  # on Debian's sys.path, apart from Debian's own
ENV = ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"]

# Not needed to run xpnet: documentation (copyright files stay), and the parts of the standard
# library for development, GUIs and CPython's own tests.
STRIPPED = [
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/lintian",
    "usr/share/bug",
    "usr/lib/x86_64-linux-gnu/gconv",  # glibc's iconv modules: Python has codecs of its own
    *(
        f"usr/lib/{PYTHON}/{name}"
        for name in (
            "test",
            "idlelib",
            "tkinter",
            "turtledemo",
            "turtle.py",
            "ensurepip",
            "lib2to3",
            "pydoc_data",
            "distutils",
            "venv",
        )
    ),
]
STRIPPED_GLOBS = [
    f"usr/lib/{PYTHON}/lib-dynload/_test*.so",
    f"usr/lib/{PYTHON}/lib-dynload/_ctypes_test*.so",
    f"usr/lib/{PYTHON}/lib-dynload/_xx*.so",
    f"usr/lib/{PYTHON}/lib-dynload/xxlimited*.so",
    f"{SITE}/*/tests",
    f"{SITE}/*/benchmarks",
    # The IEEE MAC vendor registries, read only by netaddr.EUI(...).oui: xpnet parses IPs.
    f"{SITE}/netaddr/eui/*.txt",
    f"{SITE}/netaddr/eui/*.idx",
]
# Written by mmdebstrap or apt for the build (some copied from this machine), not by a package.
BUILD_LEFTOVERS = [
    "etc/apt",
    "etc/hostname",
    "etc/resolv.conf",
    "var/cache/apt",
    "var/cache/ldconfig",
    "var/lib/apt",
    "var/log/apt",
]


def say(message: str) -> None:
    print(f"build-image: {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        output = done.stderr or done.stdout
        raise SystemExit(
            f"build-image: {' '.join(cmd[:4])} ... failed ({done.returncode}):\n{output[-3000:]}"
        )
    return done


def project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return data


# -- what goes in, and whether the cached image is still it ----------------------------------


def source_paths() -> list[Path]:
    """Every file whose content reaches the image (and this script, which decides how)."""
    paths = [Path(__file__), ROOT / "pyproject.toml", ROOT / "README.md"]
    paths += [DEBIAN_LOCK, PYTHON_LOCK, BUILD_LOCK]
    paths += [ROOT / name for name in ("LICENSE",) if (ROOT / name).exists()]
    paths += sorted(
        p
        for p in (ROOT / "plugin" / "xpnet").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    return paths


def inputs_digest(labels: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for path in source_paths():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"(absent)")
        digest.update(b"\0")
    digest.update(json.dumps(labels, sort_keys=True).encode())
    return digest.hexdigest()


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def revision_and_epoch() -> tuple[str, int]:
    """The last commit that changed an input (suffixed -dirty when the work tree changed one),
    and SOURCE_DATE_EPOCH: as set, else that commit's time."""
    paths = [str(p.relative_to(ROOT)) for p in source_paths() if p.exists()]
    commit = git("log", "-1", "--format=%H %ct", "--", *paths)
    sha, _, ct = commit.partition(" ")
    dirty = git("status", "--porcelain", "--", *paths)
    revision = (sha or "unknown") + ("-dirty" if dirty else "")
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or ct or "0"
    return revision, int(epoch)


@functools.cache
def source_url() -> str:
    """XPNET_IMAGE_SOURCE, else the git remote, else pyproject's URLs, else a placeholder."""
    remote = git("remote", "get-url", "origin")
    if not remote.startswith("https://"):  # a clone's local path, or ssh
        remote = ""
    if "@" in remote.split("//", 1)[-1].split("/", 1)[0]:  # credentials in the remote URL
        remote = "https://" + remote.split("@", 1)[1]
    urls = project().get("urls", {})
    url = os.environ.get("XPNET_IMAGE_SOURCE") or remote.removesuffix(".git")
    url = url or urls.get("Source") or urls.get("Repository") or ""
    if not url:
        say("no git remote or project URL: the source label is a placeholder (XPNET_IMAGE_SOURCE)")
        url = "https://github.com/<owner>/xpnet"
    return url


def labels(revision: str, epoch: int) -> dict[str, str]:
    meta = project()
    return {
        "org.opencontainers.image.title": "xpnet",
        "org.opencontainers.image.description": meta["description"]
        + ". Entrypoint: xpnet-fn, a KRM function (ResourceList on stdin); also xpnet and"
        " xpnet-helm (Helm post-renderer).",
        "org.opencontainers.image.version": meta["version"],
        "org.opencontainers.image.source": source_url(),
        "org.opencontainers.image.licenses": meta.get("license", "Apache-2.0"),
        "org.opencontainers.image.revision": revision,
        "org.opencontainers.image.created": iso(epoch),
    }


def iso(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the root file system ---------------------------------------------------------------------


def read_lock(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def debian(rootfs: Path, epoch: int, pinned: bool, strict: bool) -> dict[str, str]:
    """Debian's Python in rootfs; returns the packages kept, name → version."""
    locked = dict(line.split("=", 1) for line in read_lock(DEBIAN_LOCK)) if pinned else {}
    if locked:
        wanted = [f"{name}={version}" for name, version in sorted(locked.items())]
        wanted += sorted(DROPPED_PACKAGES)  # resolved again: their versions do not matter
    else:
        wanted = list(DEBIAN_PACKAGES)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    cmd = [
        "mmdebstrap",
        "--quiet",
        "--variant=extract",
        "--skip=cleanup/apt/cache",  # the .debs: their control data goes into status.d
        f"--include={','.join(wanted)}",
        SUITE,
        str(rootfs),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0 and locked:
        reason = (done.stderr or done.stdout).strip()[-1500:]
        if strict:
            raise SystemExit(
                f"build-image: a version in {DEBIAN_LOCK.relative_to(ROOT)} is no longer in "
                f"Debian's archive (--strict):\n{reason}\n"
                "`scripts/build-image --lock` pins the current ones."
            )
        say(
            "PINNED DEBIAN VERSIONS UNAVAILABLE (Debian replaced one in a point release or "
            f"security update); building with the current ones and recording them:\n{reason}"
        )
        shutil.rmtree(rootfs)
        return debian(rootfs, epoch, pinned=False, strict=strict)
    if done.returncode != 0:
        raise SystemExit(f"build-image: mmdebstrap failed:\n{done.stderr[-3000:]}")
    archives = rootfs / "var" / "cache" / "apt" / "archives"
    kept: dict[str, str] = {}
    status = rootfs / "var" / "lib" / "dpkg" / "status.d"
    controls: dict[str, str] = {}
    for deb in sorted(archives.glob("*.deb")):
        control = run(["dpkg-deb", "-f", str(deb)]).stdout
        fields = dict(
            line.split(": ", 1)
            for line in control.splitlines()
            if line[:1].strip() and ": " in line
        )
        name = fields["Package"]
        if name in DROPPED_PACKAGES:
            drop_files(rootfs, deb)
            continue
        kept[name] = fields["Version"]
        lines = control.splitlines()
        lines.insert(1, "Status: install ok installed")
        controls[name] = "\n".join(lines) + "\n"
    for leftover in BUILD_LEFTOVERS:
        remove(rootfs / leftover)
    remove(rootfs / "var" / "lib" / "dpkg")
    status.mkdir(parents=True)
    for name, control in controls.items():
        (status / name).write_text(control)
    if locked and kept != locked:
        drift = sorted(set(kept.items()) ^ set(locked.items()))
        say(f"Debian packages differ from {DEBIAN_LOCK.relative_to(ROOT)}: {drift}")
    return kept


def drop_files(rootfs: Path, deb: Path) -> None:
    """Removes what a package put in rootfs: its files, then its folders left empty."""
    listing = subprocess.run(
        ["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True
    ).stdout
    folders = []
    with tarfile.open(fileobj=io.BytesIO(listing)) as tar:
        for member in tar.getmembers():
            path = rootfs / member.name.removeprefix("./")
            if member.isdir():
                folders.append(path)
            elif path.is_symlink() or path.exists():
                path.unlink()
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def python_packages(rootfs: Path, lock: Path, epoch: int) -> None:
    """xpnet and its locked dependencies into the image's site-packages; console scripts."""
    site = rootfs / SITE
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PIP_NO_COMPILE": "1"}
    run(
        [
            *pip,
            "install",
            "--no-deps",
            "--require-hashes",
            "--no-compile",
            "--target",
            str(site),
            *WHEEL_PLATFORM,
            "-r",
            str(lock),
        ],
        env=env,
    )
    with tempfile.TemporaryDirectory() as tmp:
        # A copy of exactly what the package is built from: no egg-info or build/ in the work
        # tree, which other checks and the editable install read.
        src = Path(tmp) / "src"
        src.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (ROOT / name).exists():
                shutil.copy2(ROOT / name, src / name)
        shutil.copytree(
            ROOT / "plugin" / "xpnet",
            src / "plugin" / "xpnet",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        # The build backend at its locked version, not the newest (pip's build isolation would
        # take that; constraints no longer reach it in recent pip).
        backend = Path(tmp) / "backend"
        run(
            [
                *pip,
                "install",
                "--no-deps",
                "--require-hashes",
                "--only-binary=:all:",
                "--target",
                str(backend),
                "-r",
                str(BUILD_LOCK),
            ],
            env=env,
        )
        run(
            [
                *pip,
                "install",
                "--no-build-isolation",
                "--no-deps",
                "--no-compile",
                "--target",
                str(site),
                str(src),
            ],
            env={**env, "PYTHONPATH": str(backend)},
        )
    remove(site / "bin")  # pip's scripts name this machine's Python; ours are written below
    for dist_info in site.glob("*.dist-info"):
        for name in ("direct_url.json", "REQUESTED"):  # the build's own path; install intent
            remove(dist_info / name)
        record = dist_info / "RECORD"  # without the files removed, so that pip check agrees
        lines = record.read_text().splitlines(keepends=True)
        record.write_text(
            "".join(ln for ln in lines if (site / ln.split(",", 1)[0]).exists() or "RECORD," in ln)
        )
    bin_dir = rootfs / "usr" / "local" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, target in sorted(project()["scripts"].items()):
        module, _, function = target.partition(":")
        script = bin_dir / name
        # -I: no PYTHON* variables, no user site, no current folder on sys.path.
        script.write_text(
            f"#!/usr/bin/{PYTHON} -I\nimport sys\n\nfrom {module} import {function}\n\n"
            f"sys.exit({function}())\n"
        )
        script.chmod(0o755)


def finish(rootfs: Path) -> None:
    """Strip, add users, compile every module once (the files are read-only to the user)."""
    for rel in STRIPPED:
        remove(rootfs / rel)
    for pattern in STRIPPED_GLOBS:
        for path in rootfs.glob(pattern):
            remove(path)
    doc = rootfs / "usr" / "share" / "doc"
    for path in sorted(doc.rglob("*"), reverse=True):
        if path.is_file() and path.name != "copyright":
            path.unlink()
        elif path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
    (rootfs / "etc" / "passwd").write_text(PASSWD)
    (rootfs / "etc" / "group").write_text(GROUP)
    home = rootfs / "home" / "nonroot"
    home.mkdir(parents=True, exist_ok=True)
    python3 = rootfs / "usr" / "bin" / "python3"
    if not python3.is_symlink():
        python3.symlink_to(PYTHON)
    # unchecked-hash: the same bytes on every build, and no source hashing at start-up. Run by
    # the image's own Python, so that the code objects are 3.11.2's.
    chroot(
        rootfs,
        f"/usr/bin/{PYTHON}",
        "-I",
        "-B",  # or its own start-up would leave timestamp .pyc files, stale once normalised
        "-m",
        "compileall",
        "-f",
        "-q",
        "--invalidation-mode",
        "unchecked-hash",
        f"/usr/lib/{PYTHON}",
        "/" + SITE,
    )
    dev = rootfs / "dev"  # device nodes mmdebstrap made: a runtime mounts its own /dev
    remove(dev)
    dev.mkdir()
    for path in (rootfs / "var" / "log").glob("*"):
        remove(path)


def chroot(rootfs: Path, *cmd: str) -> None:
    """Runs cmd in rootfs, without network; through a user namespace when not root."""
    unshare = [tool("unshare"), "--net", *([] if os.geteuid() == 0 else ["-r"])]
    run(
        [*unshare, tool("chroot"), str(rootfs), *cmd],
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def tool(name: str) -> str:
    path = shutil.which(name, path=SEARCH)
    if path is None:
        raise SystemExit(f"build-image: {name} not found")
    return path


# -- the OCI image layout ---------------------------------------------------------------------


def walk(rootfs: Path, include: str | None, exclude: str | None) -> Iterator[Path]:
    """rootfs's paths in sorted order, the folder include (with its parents) or all but exclude."""
    stack = [rootfs]
    while stack:
        folder = stack.pop()
        for path in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
            rel = path.relative_to(rootfs).as_posix()
            if exclude and (rel == exclude or rel.startswith(exclude + "/")):
                continue
            if include and not (
                rel == include or rel.startswith(include + "/") or include.startswith(rel + "/")
            ):
                continue
            if path.is_dir() and not path.is_symlink():
                stack.append(path)
            yield path
    # the reversed push order makes the stack pop in sorted order


def layer(rootfs: Path, paths: list[Path], epoch: int, home: str) -> bytes:
    """An uncompressed tar: sorted, every time epoch, root-owned but the user's home."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(paths, key=lambda p: p.relative_to(rootfs).as_posix()):
            rel = path.relative_to(rootfs).as_posix()
            info = tar.gettarinfo(str(path), arcname=rel)
            info.mtime = epoch
            info.uid = info.gid = UID if rel == home else 0
            info.uname = info.gname = ""
            info.pax_headers = {}
            if info.isreg():
                with path.open("rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return buffer.getvalue()


def blob(layout: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    target = layout / "blobs" / "sha256" / digest
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def oci_layout(
    rootfs: Path, layout: Path, epoch: int, image_labels: dict[str, str]
) -> dict[str, Any]:
    """Writes the layout: a Debian + Python layer, an xpnet layer, config, manifest, index."""
    remove(layout)
    layout.mkdir(parents=True)
    home = "home/nonroot"
    tars = [
        ("Debian bookworm: Python 3.11 runtime, users", list(walk(rootfs, None, "usr/local"))),
        ("xpnet and its Python dependencies", list(walk(rootfs, "usr/local", None))),
    ]
    layers, diff_ids, history, uncompressed = [], [], [], 0
    for comment, paths in tars:
        data = layer(rootfs, paths, epoch, home)
        uncompressed += len(data)
        diff_ids.append("sha256:" + hashlib.sha256(data).hexdigest())
        packed = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=6) as gz:
            gz.write(data)
        layers.append(
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                **blob(layout, packed.getvalue()),
            }
        )
        history.append(
            {"created": iso(epoch), "created_by": "scripts/build-image", "comment": comment}
        )
    config = {
        "created": iso(epoch),
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "User": f"{UID}:{UID}",
            "Entrypoint": ["/usr/local/bin/xpnet-fn"],
            "Env": ENV,
            "WorkingDir": "/",
            "Labels": image_labels,
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    config_ref = {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        **blob(layout, canonical(config)),
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config_ref,
        "layers": layers,
        "annotations": {
            k: v
            for k, v in image_labels.items()
            if k.endswith((".created", ".revision", ".version"))
        },
    }
    manifest_ref = {"mediaType": manifest["mediaType"], **blob(layout, canonical(manifest))}
    version = image_labels["org.opencontainers.image.version"]
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                **manifest_ref,
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"org.opencontainers.image.ref.name": version},
            }
        ],
    }
    (layout / "index.json").write_bytes(canonical(index))
    (layout / "oci-layout").write_bytes(canonical({"imageLayoutVersion": "1.0.0"}))
    return {
        "manifest": manifest_ref["digest"],
        "uncompressed_bytes": uncompressed,
        "compressed_bytes": sum(int(layer["size"]) for layer in layers),
        "layers": [layer["digest"] for layer in layers],
        "diff_ids": diff_ids,
        "tag": version,
    }


def oci_archive(layout: Path, archive: Path, epoch: int) -> int:
    """The layout as one tar: skopeo's oci-archive:, `podman load -i`."""
    paths = [p for p in walk(layout, None, None)]
    archive.write_bytes(layer(layout, paths, epoch, home=""))
    return archive.stat().st_size


# -- locks ------------------------------------------------------------------------------------


def lock(epoch: int) -> None:
    """Resolves today's Debian packages and wheels and pins them in image/*.lock."""
    LOCKS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        kept = debian(Path(tmp) / "rootfs", epoch, pinned=False, strict=False)
        DEBIAN_LOCK.write_text(
            "# Debian bookworm packages in xpnet's image (and their dependencies): name=version.\n"
            "# scripts/build-image installs exactly these; `scripts/build-image --lock` renews\n"
            "# them after Debian replaced one (a point release or security update).\n"
            + "".join(f"{name}={version}\n" for name, version in sorted(kept.items()))
        )
        lines = pin(Path(tmp) / "wheels", [*WHEEL_PLATFORM, *project()["dependencies"]])
        PYTHON_LOCK.write_text(
            "# xpnet's dependencies in its image: CPython 3.11 manylinux x86_64 wheels, with the\n"
            "# hash of each file. `scripts/build-image --lock` resolves them again from\n"
            "# pyproject.toml.\n" + "".join(lines)
        )
        requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
        backend = pin(Path(tmp) / "backend", ["--only-binary=:all:", *requires])
        BUILD_LOCK.write_text(
            "# What builds xpnet's wheel for its image (pyproject.toml's build-system.requires),\n"
            "# with the hash of each file; not in the image, but named in its metadata.\n"
            + "".join(backend)
        )
    say(f"pinned {len(kept)} Debian packages and {len(lines) + len(backend)} wheels in image/")


def pin(folder: Path, requirements: list[str]) -> list[str]:
    """Downloads what pip resolves for requirements; their lines with hashes, for a lock."""
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--quiet",
            "-d",
            str(folder),
            *requirements,
        ]
    )
    lines = []
    for wheel in sorted(folder.glob("*.whl"), key=lambda p: p.name.lower()):
        name, version = wheel.name.split("-")[:2]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name.replace('_', '-').lower()}=={version} --hash=sha256:{digest}\n")
    return lines


# -- the build --------------------------------------------------------------------------------


SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def missing_tools() -> list[str]:
    needed = ("mmdebstrap", "dpkg-deb", "unshare", "chroot")
    return [name for name in needed if shutil.which(name, path=SEARCH) is None]


def current(out: Path = OUT) -> dict[str, Any] | None:
    """The record of the image cached in out, if it is still what the inputs make."""
    revision, epoch = revision_and_epoch()
    record_file = out / RECORD.name
    if not record_file.exists() or not (out / LAYOUT.name / "index.json").exists():
        return None
    record: dict[str, Any] = json.loads(record_file.read_text())
    return record if record.get("inputs") == inputs_digest(labels(revision, epoch)) else None


def build(force: bool = False, strict: bool = False, out: Path = OUT) -> dict[str, Any]:
    """The image in out (built, or as cached when its inputs have not changed)."""
    started = time.monotonic()
    record = None if force else current(out)
    if record is not None:
        say(f"cached: {out / LAYOUT.name} is up to date ({record['manifest']})")
        return {**record, "cached": True}
    missing = missing_tools()
    if missing:
        raise SystemExit(
            f"build-image: missing {', '.join(missing)}: apt-get install mmdebstrap (util-linux, "
            "dpkg and coreutils give the rest)"
        )
    if not all(lock.exists() for lock in (DEBIAN_LOCK, PYTHON_LOCK, BUILD_LOCK)):
        raise SystemExit("build-image: no image/*.lock: run `scripts/build-image --lock` first")
    revision, epoch = revision_and_epoch()
    image_labels = labels(revision, epoch)
    steps: dict[str, float] = {}
    step_started = time.monotonic()

    def step(name: str) -> None:
        nonlocal step_started
        steps[name] = round(time.monotonic() - step_started, 1)
        say(f"{name} ({steps[name]} s)")
        step_started = time.monotonic()

    out.mkdir(parents=True, exist_ok=True)
    work = out / "rootfs"
    remove(work)
    packages = debian(work, epoch, pinned=True, strict=strict)
    step(f"Debian {SUITE}: {len(packages)} packages extracted")
    python_packages(work, PYTHON_LOCK, epoch)
    step("xpnet and its dependencies installed")
    finish(work)
    step("stripped and compiled")
    result = oci_layout(work, out / LAYOUT.name, epoch, image_labels)
    archive_bytes = oci_archive(out / LAYOUT.name, out / ARCHIVE.name, epoch)
    step("layers and layout written")
    remove(work)
    record = {
        "inputs": inputs_digest(image_labels),
        **result,
        "archive_bytes": archive_bytes,
        "labels": image_labels,
        "debian_packages": packages,
        "seconds": round(time.monotonic() - started, 1),
        "steps": steps,
    }
    (out / RECORD.name).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return {**record, "cached": False}


def check_reproducible(first: dict[str, Any]) -> int:
    """Builds the image again elsewhere and compares: the same manifest digest, or which layer
    differs (then unpack both and diff; zlib versions aside, a difference is a bug)."""
    again = build(force=True, out=OUT / "reproduce")
    remove(OUT / "reproduce")
    if again["manifest"] == first["manifest"]:
        print(f"reproducible: a second build gave the same manifest {first['manifest']}")
        return 0
    for name in ("diff_ids", "layers"):
        for i, (a, b) in enumerate(zip(first[name], again[name], strict=True)):
            if a != b:
                print(f"NOT REPRODUCIBLE: layer {i + 1} {name}: {a} then {b}")
    print(f"NOT REPRODUCIBLE: manifest {first['manifest']} then {again['manifest']}")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/build-image",
        description="Build xpnet's OCI image (entrypoint xpnet-fn) into .tools/image/ from "
        "pinned Debian packages and wheels, without a container engine; reuse it while no "
        "input changed.",
        epilog="then: skopeo inspect --config oci:.tools/image/xpnet-oci; "
        "skopeo copy oci:.tools/image/xpnet-oci docker://REGISTRY/xpnet:VERSION",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when cached")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail when a pinned Debian version is gone (default: warn and build the current)",
    )
    parser.add_argument(
        "--check-reproducible",
        action="store_true",
        help="then build again in another folder and compare the digests",
    )
    parser.add_argument(
        "--lock", action="store_true", help="pin today's Debian packages and wheels in image/"
    )
    args = parser.parse_args(argv)
    if args.lock:
        lock(revision_and_epoch()[1])
        return 0
    started = time.monotonic()
    record = build(force=args.force, strict=args.strict)
    mb = 1_000_000
    took = f"{time.monotonic() - started:.1f} s"
    print(
        f"image: oci:{LAYOUT.relative_to(ROOT)}:{record['tag']} ({record['manifest']})\n"
        f"archive: oci-archive:{ARCHIVE.relative_to(ROOT)}\n"
        f"size: {record['uncompressed_bytes'] / mb:.1f} MB uncompressed, "
        f"{record['compressed_bytes'] / mb:.1f} MB compressed, "
        f"archive {record['archive_bytes'] / mb:.1f} MB\n"
        + (
            f"time: {took} (cached; building it took {record['seconds']} s)"
            if record["cached"]
            else f"time: {took}"
        ),
        flush=True,
    )
    return check_reproducible(record) if args.check_reproducible else 0


if __name__ == "__main__":
    sys.exit(main())
