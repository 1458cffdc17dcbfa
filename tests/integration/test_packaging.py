"""The release artifacts (RELEASING.md): sdist and wheel built with `python -m build`, checked with
twine and installed with pip and pipx; the Helm 4 plugin packaged by scripts/package-helm-plugin,
installed with real Helm 4 and run as a post-renderer, signed and verified."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import HeaderParser
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, ROOT, project, require
from tests.integration.test_helm import (
    CONFIG,
    assert_helm4_post_renders,
    helm_env,
    template,
)


def version() -> str:
    """xpnet's version (pyproject.toml)."""
    return str(project()["version"])


EXAMPLE = ROOT / "examples" / "crossplane-1.19"
SCRIPTS = ("xpnet", "xpnet-fn", "xpnet-helm")


def run(
    args: list[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def ok(
    args: list[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = run(args, cwd=cwd, env=env)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done


def clean_env(bin_dir: Path | None = None) -> dict[str, str]:
    """os.environ without this checkout's .venv on PATH, with bin_dir first."""
    ours = str(BIN_DIR)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != ours]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join([*([str(bin_dir)] if bin_dir else []), *path])
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files a clean checkout holds (tracked, plus new ones not ignored): the build then
    writes nothing into the working tree and sees no .venv, caches or earlier builds."""
    tree = tmp_path_factory.mktemp("source") / "xpnet"
    listed = ok(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    for name in filter(None, listed.stdout.split("\0")):
        origin = ROOT / name
        if origin.is_file() or origin.is_symlink():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, tree / name, follow_symlinks=False)
    return tree


@pytest.fixture(scope="module")
def dist(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel, once a session: the build front end, the wheel made from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    ok([BIN_DIR / "python", "-m", "build", "--outdir", out, source])
    return out


def package_files(source: Path) -> list[str]:
    """plugin/xpnet of the source tree, as the wheel names them."""
    files = (source / "plugin" / "xpnet").rglob("*")
    return sorted(str(p.relative_to(source / "plugin")) for p in files if p.is_file())


def sdist_of(dist: Path) -> Path:
    return dist / f"xpnet-{version()}.tar.gz"


def wheel_of(dist: Path) -> Path:
    return dist / f"xpnet-{version()}-py3-none-any.whl"


def pip_install(where: Path, *what: str | Path) -> Path:
    """A new virtualenv holding only what pip installs into it (this checkout's pip does the
    installing: the venv's own pip would take 10 s to lay down first): its bin folder."""
    ok([sys.executable, "-m", "venv", "--without-pip", where])
    python = where / "bin" / "python"
    ok(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", *what],
        env=clean_env(),
    )
    return where / "bin"


@pytest.fixture(scope="module")
def wheel_venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv with the wheel installed from its file (its dependencies from the
    index or pip's cache): the bin folder."""
    return pip_install(tmp_path_factory.mktemp("wheel") / "venv", wheel_of(dist))


def assert_scripts_work(bin_dir: Path, workdir: Path) -> None:
    """--version of each console script, and a real xpnet check on the bundled example."""
    env = clean_env(bin_dir)
    for script in SCRIPTS:
        done = ok([bin_dir / script, "--version"], cwd=workdir, env=env)
        assert done.stdout == f"{script} {version()}\n"
    config = EXAMPLE / "xpnet.yaml"
    passed = ok([bin_dir / "xpnet", "check", "-c", config, EXAMPLE / "expected.yaml"], env=env)
    assert "0 errors" in passed.stdout, passed.stdout
    failed = run([bin_dir / "xpnet", "check", "-c", config, EXAMPLE / "crossplane.yaml"], env=env)
    assert failed.returncode == 1 and "XPN016" in failed.stdout, failed.stdout + failed.stderr


def test_sdist_and_wheel_pass_twine_check_strict(dist: Path) -> None:
    done = ok([BIN_DIR / "twine", "check", "--strict", sdist_of(dist), wheel_of(dist)])
    assert done.stdout.count("PASSED") == 2, done.stdout
    assert sorted(p.name for p in dist.iterdir()) == sorted(
        [sdist_of(dist).name, wheel_of(dist).name]
    )


def test_wheel_holds_the_package_license_and_metadata_and_no_tests(
    source: Path, dist: Path
) -> None:
    with zipfile.ZipFile(wheel_of(dist)) as wheel:
        names = wheel.namelist()
        info = f"xpnet-{version()}.dist-info"
        metadata = HeaderParser().parsestr(wheel.read(f"{info}/METADATA").decode())
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        license_text = wheel.read(f"{info}/licenses/LICENSE").decode()
    package = sorted(n for n in names if not n.startswith(info))
    assert package == package_files(source), "exactly plugin/xpnet, py.typed included"
    assert "xpnet/py.typed" in package
    assert not [n for n in names if n.startswith("tests/") or "/tests/" in n]
    assert license_text == (ROOT / "LICENSE").read_text()
    assert metadata["Name"] == "xpnet" and metadata["Version"] == version()
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["License-File"] == "LICENSE"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata.get_payload() == (ROOT / "README.md").read_text()
    for script, target in (
        ("xpnet", "xpnet.adapters.scripts:xpnet"),
        ("xpnet-fn", "xpnet.adapters.scripts:xpnet_fn"),
        ("xpnet-helm", "xpnet.adapters.scripts:xpnet_helm"),
    ):
        assert f"{script} = {target}\n" in entry_points


def test_sdist_holds_the_sources_and_no_tests(source: Path, dist: Path) -> None:
    with tarfile.open(sdist_of(dist)) as sdist:
        names = {n.removeprefix(f"xpnet-{version()}/") for n in sdist.getnames()}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "PKG-INFO"):
        assert needed in names
    assert {f"plugin/{f}" for f in package_files(source)} <= names
    assert not [n for n in names if n.startswith("tests")]


def test_wheel_installs_into_a_clean_venv_and_its_scripts_work(
    wheel_venv: Path, tmp_path: Path
) -> None:
    where = ok(
        [wheel_venv / "python", "-c", "import xpnet; print(xpnet.__file__)"],
        cwd=tmp_path,
        env=clean_env(wheel_venv),
    )
    assert Path(where.stdout.strip()).is_relative_to(wheel_venv.parent), "not the checkout's"
    assert_scripts_work(wheel_venv, tmp_path)


def test_pip_installs_from_a_checkout_path(source: Path, tmp_path: Path) -> None:
    """README, Install: `pip install /path/to/xpnet` into a virtualenv."""
    assert_scripts_work(pip_install(tmp_path / "venv", source), tmp_path)


def test_pipx_installs_the_wheel(dist: Path, tmp_path: Path) -> None:
    env = {
        **clean_env(),
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    done = ok([BIN_DIR / "pipx", "install", wheel_of(dist)], env=env)
    assert f"installed package xpnet {version()}" in done.stdout, done.stdout
    for script in SCRIPTS:
        assert (tmp_path / "bin" / script).exists(), done.stdout
    assert_scripts_work(tmp_path / "bin", tmp_path)


# The Helm 4 plugin package.


def package_plugin(helm4: Path, destination: Path, *sign: str) -> Path:
    env = {**os.environ, "HELM": str(helm4)}
    done = ok(
        [ROOT / "scripts" / "package-helm-plugin", "--destination", destination, *sign], env=env
    )
    tarball = destination / f"xpnet-{version()}.tgz"
    assert f"{tarball} (" in done.stdout
    return tarball


def test_helm_plugin_package_is_helms_layout_and_reproducible(helm4: Path, tmp_path: Path) -> None:
    first = package_plugin(helm4, tmp_path / "first")
    second = package_plugin(helm4, tmp_path / "second")
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = {m.name: m for m in tar.getmembers()}
        plugin_yaml = tar.extractfile("xpnet/plugin.yaml")
        assert plugin_yaml is not None
        assert plugin_yaml.read() == (ROOT / "helm-plugin" / "xpnet" / "plugin.yaml").read_bytes()
    assert sorted(members) == [
        "xpnet",
        "xpnet/LICENSE",
        "xpnet/plugin.yaml",
        "xpnet/xpnet-post-renderer",
    ]
    assert members["xpnet"].isdir() and members["xpnet"].mode == 0o755
    assert members["xpnet/xpnet-post-renderer"].mode == 0o755
    assert members["xpnet/plugin.yaml"].mode == 0o644
    sums = first.with_name(first.name + ".sha256")
    assert sums.read_text() == f"{hashlib.sha256(first.read_bytes()).hexdigest()}  {first.name}\n"
    ok(["sha256sum", "-c", sums.name], cwd=first.parent)
    assert not first.with_name(first.name + ".prov").exists()


def test_plugin_version_must_be_the_package_version(helm4: Path, tmp_path: Path) -> None:
    """The script refuses a release whose plugin.yaml and pyproject.toml disagree."""
    copy = tmp_path / "checkout"
    for part in ("scripts/package-helm-plugin", "helm-plugin/xpnet", "pyproject.toml", "LICENSE"):
        origin = ROOT / part
        target = copy / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target)
        else:
            shutil.copy2(origin, target)
    plugin_yaml = copy / "helm-plugin" / "xpnet" / "plugin.yaml"
    plugin_yaml.write_text(
        plugin_yaml.read_text().replace(f"version: {version()}", "version: 9.9.9")
    )
    done = run(
        [copy / "scripts" / "package-helm-plugin", "--destination", tmp_path / "out"],
        env={**os.environ, "HELM": str(helm4), "SOURCE_DATE_EPOCH": "0"},
    )
    assert done.returncode == 1
    assert f"plugin.yaml has version 9.9.9, pyproject.toml {version()}" in done.stderr
    assert not (tmp_path / "out").exists()


def test_packaged_helm_plugin_installs_and_post_renders(
    helm4: Path, wheel_venv: Path, tmp_path: Path
) -> None:
    """README, Install: the unsigned tarball installs with --verify=false; the plugin then runs
    the xpnet-helm on PATH (here: the wheel's)."""
    tarball = package_plugin(helm4, tmp_path / "dist")
    ok(["sha256sum", "-c", f"{tarball.name}.sha256"], cwd=tarball.parent)
    env = {**helm_env(tmp_path), "PATH": clean_env(wheel_venv)["PATH"]}

    refused = run([helm4, "plugin", "install", tarball], env=env)
    assert refused.returncode == 1
    assert "no provenance file (.prov) found" in refused.stderr
    installed = ok([helm4, "plugin", "install", "--verify=false", tarball], env=env)
    assert "Installed plugin: xpnet" in installed.stdout
    listed = ok([helm4, "plugin", "list"], env=env).stdout.splitlines()
    assert listed[1].split()[:5] == ["xpnet", version(), "postrenderer/v1", "v1", "unsigned"]
    plugin_dir = tmp_path / "data" / "plugins" / "xpnet"
    assert not plugin_dir.is_symlink() and (plugin_dir / "xpnet-post-renderer").is_file()

    assert_helm4_post_renders(helm4, env, tmp_path)

    # Installed from a package, the plugin has no checkout beside it: xpnet-helm must be on PATH.
    without = {**env, "PATH": clean_env()["PATH"]}
    if shutil.which("xpnet-helm", path=without["PATH"]) is None:
        missing = template(helm4, without, "xpnet", f"--post-renderer-args=--config={CONFIG}")
        assert missing.returncode != 0 and 'plugin "xpnet" exited with error' in missing.stderr


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """folder over HTTP on a loopback port, while the block runs: its base URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def gnupg() -> Iterator[dict[str, str]]:
    """A throw-away signing key: the secret and public keyrings Helm reads."""
    require(Path(shutil.which("gpg") or "/usr/bin/gpg"), "gpg (the Debian package gpg)")
    home = Path(tempfile.mkdtemp(prefix="xpnet-gpg-"))  # short: gpg-agent's socket lives here
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    try:
        ok(
            [
                "gpg",
                "--batch",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--quick-gen-key",
                "xpnet release test <release-test@xpnet.invalid>",
                "rsa3072",
                "sign",
                "never",
            ],
            env=env,
        )
        for flag, name in (("--export-secret-keys", "secring.gpg"), ("--export", "pubring.gpg")):
            ok(["gpg", "--batch", "--output", home / name, flag], env=env)
        yield {"secring": str(home / "secring.gpg"), "pubring": str(home / "pubring.gpg")}
    finally:
        run(["gpgconf", "--kill", "gpg-agent"], env=env)
        shutil.rmtree(home, ignore_errors=True)


def test_signed_helm_plugin_package_verifies_and_installs(
    helm4: Path, gnupg: dict[str, str], tmp_path: Path
) -> None:
    """RELEASING.md: --key writes a provenance file; Helm 4 verifies it on install by default."""
    tarball = package_plugin(
        helm4,
        tmp_path / "dist",
        "--key",
        "xpnet release test",
        "--keyring",
        gnupg["secring"],
    )
    prov = tarball.with_name(tarball.name + ".prov")
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert f"{tarball.name}: sha256:{digest}" in prov.read_text()
    unsigned = package_plugin(helm4, tmp_path / "unsigned")
    assert unsigned.read_bytes() == tarball.read_bytes(), "signing does not change the tarball"

    verified = ok([helm4, "plugin", "verify", "--keyring", gnupg["pubring"], tarball])
    assert "Signed by: xpnet release test <release-test@xpnet.invalid>" in verified.stdout
    assert f"Plugin Hash Verified: sha256:{digest}" in verified.stdout
    env = helm_env(tmp_path)
    ok([helm4, "plugin", "install", "--keyring", gnupg["pubring"], tarball], env=env)
    listed = ok([helm4, "plugin", "list"], env=env).stdout.splitlines()
    assert listed[1].split()[:5] == ["xpnet", version(), "postrenderer/v1", "v1", "signed"]

    # From a release's download URL: Helm 4 fetches <url>.prov beside it and verifies.
    with serving(tarball.parent) as base:
        from_url = {**helm_env(tmp_path / "url"), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
        done = ok(
            [helm4, "plugin", "install", "--keyring", gnupg["pubring"], f"{base}/{tarball.name}"],
            env=from_url,
        )
    assert f"Plugin Hash Verified: sha256:{digest}" in done.stdout
    assert ok([helm4, "plugin", "list"], env=from_url).stdout.splitlines()[1].split()[4] == "signed"

    # Another key, or a tarball that is not the one signed, is refused.
    other = run([helm4, "plugin", "verify", "--keyring", os.devnull, tarball])
    assert other.returncode != 0
    tampered = tmp_path / "tampered" / tarball.name
    tampered.parent.mkdir()
    tampered.write_bytes(gzip.compress(gzip.decompress(tarball.read_bytes()), mtime=1))
    shutil.copy(prov, tampered.parent)
    refused = run([helm4, "plugin", "verify", "--keyring", gnupg["pubring"], tampered])
    assert refused.returncode != 0
    assert f"sha256 sum does not match for {tarball.name}" in refused.stderr, refused.stderr
