"""xpnet's OCI image (scripts/build-image), checked without a container engine: its config as
skopeo and the layout's own blobs give it, and its file system, unpacked by umoci and run with
the entrypoint, user and environment of that config in a chroot without network, against the
exec function on this machine. The image is built once into .tools/image/ (scripts/setup does
it) and rebuilt here only when an input changed."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import image  # scripts/image.py: tests/conftest.py puts scripts/ on sys.path
import pytest
import yaml

from tests.conftest import BIN_DIR, IN_CI, ROOT, project, tools
from tests.integration.test_argocd import REPO_SERVER, patched_repo_server, plugin_configmap
from tests.resource_lists import wrap

VENV_BIN = BIN_DIR
EXAMPLES = sorted(
    p
    for p in (ROOT / "examples").iterdir()
    if (p / "crossplane.yaml").exists() and (p / "xpnet.yaml").exists()
)
ARGOCD = ROOT / "examples" / "argocd"
MB = 1_000_000


def missing(reason: str) -> None:
    """A loud skip, or a failure under CI=true, like a missing real tool."""
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    absent = [t for t in ("umoci", "skopeo") if shutil.which(t) is None] + image.missing_tools()
    if absent:
        missing(
            f"REAL TOOL MISSING: {', '.join(absent)} (apt-get install mmdebstrap umoci skopeo; "
            "scripts/setup does it as root)"
        )
    if os.geteuid() != 0:
        missing("IMAGE TESTS NEED ROOT: they run the image as its own user (uid 65532) in a chroot")
    return image.build()


@pytest.fixture(scope="module")
def bundle(built: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image unpacked by umoci: rootfs/ and the runtime config.json made from its config."""
    target = tmp_path_factory.mktemp("image") / "bundle"
    done = subprocess.run(
        ["umoci", "unpack", "--image", f"{image.LAYOUT}:{built['tag']}", str(target)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return target


def process(bundle: Path) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((bundle / "config.json").read_text())["process"]
    return spec


def in_image(
    bundle: Path,
    stdin: bytes,
    args: list[str] | None = None,
    uid: int | None = None,
    env: dict[str, str] | None = None,
    cwd: str = "/",
) -> subprocess.CompletedProcess[bytes]:
    """Runs the image as a runtime would: its entrypoint (or args), user and environment, in a
    chroot of its file system, with no network (a fresh network namespace)."""
    spec = process(bundle)
    user = spec["user"]
    uid = user["uid"] if uid is None else uid
    gid = user["gid"] if uid == user["uid"] else uid
    environment = dict(entry.split("=", 1) for entry in spec["env"]) | (env or {})
    return subprocess.run(
        [
            "unshare",
            "--net",
            f"--root={bundle / 'rootfs'}",
            f"--wd={cwd}",
            f"--setgid={gid}",
            f"--setuid={uid}",
            *(args or spec["args"]),
        ],
        input=stdin,
        env=environment,
        capture_output=True,
        timeout=120,
    )


def on_host(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        args,
        input=stdin,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        timeout=120,
    )


def config_from_blobs() -> dict[str, Any]:
    """The image config as the layout's own files give it: index → manifest → config."""
    blobs = image.LAYOUT / "blobs" / "sha256"

    def read(digest: str) -> Any:
        data = (blobs / digest.removeprefix("sha256:")).read_bytes()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == digest
        return json.loads(data)

    index = json.loads((image.LAYOUT / "index.json").read_text())
    manifest = read(index["manifests"][0]["digest"])
    config: dict[str, Any] = read(manifest["config"]["digest"])
    for layer, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"], strict=True):
        packed = (blobs / layer["digest"].removeprefix("sha256:")).read_bytes()
        assert "sha256:" + hashlib.sha256(gzip.decompress(packed)).hexdigest() == diff_id
    return config


def test_config_entrypoint_user_and_labels(built: dict[str, Any]) -> None:
    done = subprocess.run(
        ["skopeo", "inspect", "--config", f"oci:{image.LAYOUT}:{built['tag']}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert config == config_from_blobs()
    assert config["os"] == "linux" and config["architecture"] == "amd64"
    run = config["config"]
    assert run["Entrypoint"] == ["/usr/local/bin/xpnet-fn"]
    assert "Cmd" not in run
    assert run["User"] == "65532:65532"  # numeric: Kubernetes' runAsNonRoot can verify it
    labels = run["Labels"]
    prefix = "org.opencontainers.image."
    assert sorted(labels) == sorted(
        prefix + key
        for key in ("title", "description", "version", "source", "licenses", "revision", "created")
    )
    assert labels[prefix + "title"] == "xpnet"
    assert labels[prefix + "version"] == project()["version"] == built["tag"]
    assert labels[prefix + "licenses"] == project()["license"]
    assert labels[prefix + "description"].startswith(project()["description"])
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", labels[prefix + "revision"])
    assert labels[prefix + "created"] == config["created"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", config["created"])


def test_size_is_under_80_mb_uncompressed(built: dict[str, Any]) -> None:
    assert built["uncompressed_bytes"] < 80 * MB, built["uncompressed_bytes"]
    assert built["compressed_bytes"] < built["uncompressed_bytes"]


def test_build_command_reuses_the_cached_image_and_prints_its_size(built: dict[str, Any]) -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-image")], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "cached" in done.stderr
    assert f"image: oci:.tools/image/xpnet-oci:{built['tag']} ({built['manifest']})" in done.stdout
    assert re.search(r"size: [\d.]+ MB uncompressed, [\d.]+ MB compressed", done.stdout)


def test_a_second_build_gives_the_same_digests(
    built: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """scripts/build-image --check-reproducible: a build from scratch in another folder (about
    30 s) gives the cached image's layers, config and manifest, byte for byte."""
    assert image.check_reproducible(built) == 0, capsys.readouterr().out


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_entrypoint_gives_the_exec_functions_bytes(bundle: Path, example: Path) -> None:
    stdin = wrap((example / "crossplane.yaml").read_text(), (example / "xpnet.yaml").read_text())
    host = on_host([str(VENV_BIN / "xpnet-fn")], stdin.encode())
    ran = in_image(bundle, stdin.encode())
    assert (ran.returncode, ran.stdout, ran.stderr) == (host.returncode, host.stdout, host.stderr)
    assert ran.stdout.startswith(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
    assert host.returncode == (1 if (example / "expected-stderr.txt").exists() else 0)


def test_entrypoint_runs_as_nobody_as_kpt_and_kustomize_run_it(bundle: Path) -> None:
    """`docker run --user nobody`: the name must be in the image's /etc/passwd."""
    passwd = (bundle / "rootfs" / "etc" / "passwd").read_text()
    nobody = next(line for line in passwd.splitlines() if line.startswith("nobody:"))
    uid = int(nobody.split(":")[2])
    example = ROOT / "examples" / "crossplane-1.19"
    stdin = wrap((example / "crossplane.yaml").read_text(), (example / "xpnet.yaml").read_text())
    ran = in_image(bundle, stdin.encode(), uid=uid)
    host = on_host([str(VENV_BIN / "xpnet-fn")], stdin.encode())
    assert (ran.returncode, ran.stdout) == (0, host.stdout), ran.stderr


def test_xpnet_and_xpnet_helm_run_in_the_image(bundle: Path, tmp_path: Path) -> None:
    example = ROOT / "examples" / "crossplane-1.19"
    shutil.copy(example / "xpnet.yaml", bundle / "rootfs" / "tmp" / "xpnet.yaml")
    stream = (example / "crossplane.yaml").read_bytes()
    for name in ("xpnet", "xpnet-helm", "xpnet-fn"):
        version = in_image(bundle, b"", args=[name, "--version"])
        assert version.returncode == 0, version.stderr
        assert project()["version"].encode() in version.stdout
    # xpnet-helm as Helm runs a post-renderer; xpnet render as the legacy plugin and CMP do.
    for args in (["xpnet-helm"], ["xpnet", "render"]):
        ran = in_image(bundle, stream, args=args, env={"XPNET_CONFIG": "/tmp/xpnet.yaml"})
        host = subprocess.run(
            [str(VENV_BIN / args[0]), *args[1:]],
            input=stream,
            env={"PATH": "/usr/bin:/bin", "XPNET_CONFIG": str(example / "xpnet.yaml")},
            capture_output=True,
            timeout=120,
        )
        assert (ran.returncode, ran.stdout) == (host.returncode, host.stdout), ran.stderr
        assert b"NO_PROXY" in ran.stdout


def test_argocd_cmp_sidecar_generates_with_the_image(bundle: Path, tmp_path: Path) -> None:
    """cmp-plugin-image.yaml's generate command, run as the sidecar of cmp-sidecar-image.yaml
    runs it (its user, PATH, and kustomize copied in by the init container), in the image."""
    kustomize = tools.kustomize_path(tools.KUSTOMIZE_VERSIONS[0])
    if not kustomize.exists():
        missing(f"REAL TOOL MISSING: kustomize is not at {kustomize}; run scripts/setup")
    plugin = yaml.safe_load((ARGOCD / "cmp-plugin-image.yaml").read_text())
    assert plugin["kind"] == "ConfigManagementPlugin"
    generate = plugin["spec"]["generate"]
    command = [*generate["command"], *generate.get("args", [])]  # as argocd-cmp-server runs it
    pod = yaml.safe_load((ARGOCD / "cmp-sidecar-image.yaml").read_text())["spec"]["template"]
    sidecar = pod["spec"]["containers"][0]
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    init = pod["spec"]["initContainers"][0]
    copied_to = Path(init["command"][-1])  # cp <kustomize> /xpnet-tools/kustomize
    rootfs = bundle / "rootfs"
    (rootfs / copied_to.parent.relative_to("/")).mkdir(parents=True, exist_ok=True)
    shutil.copy(kustomize, rootfs / copied_to.relative_to("/"))
    # The Application's source path: a kustomization with xpnet-fn named by its bare name.
    example = ROOT / "examples" / "crossplane-1.19"
    source = Path("/tmp/repo/clusters/prod/crossplane")
    host_source = tmp_path / "repo"
    for folder in (rootfs / source.relative_to("/"), host_source):
        folder.mkdir(parents=True)
        shutil.copy(example / "crossplane.yaml", folder)
        shutil.copy(example / "kustomization.yaml", folder)
        config = (example / "xpnet.yaml").read_text()
        (folder / "xpnet.yaml").write_text(re.sub(r"path: \S+", "path: xpnet-fn", config))
    env = {e["name"]: e["value"] for e in sidecar["env"]}
    env |= {"ARGOCD_APP_NAME": "crossplane", "ARGOCD_APP_NAMESPACE": "crossplane-system"}
    uid = sidecar["securityContext"]["runAsUser"]
    ran = in_image(bundle, b"", args=command, uid=uid, env=env, cwd=str(source))
    host = subprocess.run(
        [str(kustomize), *command[1:]],
        cwd=host_source,
        env={"PATH": f"{VENV_BIN}:/usr/bin:/bin"},
        capture_output=True,
        timeout=120,
    )
    assert host.returncode == 0, host.stderr
    assert (ran.returncode, ran.stdout) == (0, host.stdout), ran.stderr.decode()
    assert b"NO_PROXY" in ran.stdout and b"xpnet.dev/v1alpha1" not in ran.stdout


def test_argocd_cmp_sidecar_image_patch_merges_into_the_repo_server(
    kubectl: Path, tmp_path: Path
) -> None:
    """The image-based sidecar patch (strategic merge, real kubectl) keeps the repo-server's
    container and its copyutil init container, and mounts the plugin ConfigMap its comment makes
    and the kustomize the init container copies."""
    with_copyutil = REPO_SERVER.replace(
        "      containers:\n",
        "      initContainers:\n      - name: copyutil\n        image: quay.io/argoproj/argocd\n"
        "      containers:\n",
    )
    patch = ARGOCD / "cmp-sidecar-image.yaml"
    spec = patched_repo_server(kubectl, tmp_path, with_copyutil, patch)
    inits = {c["name"]: c for c in spec["initContainers"]}
    assert set(inits) == {"copyutil", "xpnet-kustomize"}  # (the patch's first: no matter)
    containers = {c["name"]: c for c in spec["containers"]}
    assert set(containers) == {"argocd-repo-server", "xpnet-cmp"}
    sidecar = containers["xpnet-cmp"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert {"var-files", "plugins", "xpnet-tools"} <= set(volumes)
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    init = inits["xpnet-kustomize"]
    copied_to = Path(init["command"][-1])
    assert mounts[str(copied_to.parent)]["name"] == init["volumeMounts"][0]["name"]
    assert str(copied_to.parent) in sidecar["env"][0]["value"].split(":")[0]
    made = plugin_configmap(kubectl, tmp_path, "xpnet-cmp-image", ARGOCD / "cmp-plugin-image.yaml")
    plugin_mount = mounts["/home/argocd/cmp-server/config/plugin.yaml"]
    assert volumes[plugin_mount["name"]]["configMap"]["name"] == made["metadata"]["name"]
    assert made["data"][plugin_mount["subPath"]] == (ARGOCD / "cmp-plugin-image.yaml").read_text()
