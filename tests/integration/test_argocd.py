"""The Argo CD recipes in examples/argocd, run as Argo CD runs them, on the real Crossplane charts.

The Config Management Plugin's generate command runs as the CMP server runs it: `command` and
`args` joined, in the Application's source path, with the build environment (ARGOCD_APP_*) and
the plugin env entries as ARGOCD_ENV_*. The kustomize recipe runs `kustomize build <path>` with
the buildOptions of argocd-cm.yaml split on whitespace, as the repo-server does.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import BIN_DIR, ROOT
from tests.integration.test_helm import docs, env_of

ARGOCD = ROOT / "examples" / "argocd"
VENV_BIN = BIN_DIR
CONFIG = ROOT / "examples" / "helmfile" / "xpnet.yaml"  # a plain ClusterNetwork, no exec path
CHARTS = ("1.19.3", "1.20.11", "2.1.8", "2.3.4")
SOURCE_PATH = "clusters/prod/crossplane"  # the Application's spec.source.path


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text())


def generate_command() -> list[str]:
    plugin = load(ARGOCD / "cmp-plugin.yaml")
    assert plugin["apiVersion"] == "argoproj.io/v1alpha1"
    assert plugin["kind"] == "ConfigManagementPlugin"
    generate = plugin["spec"]["generate"]
    # argo-cd cmpserver/plugin: exec.Command(Command[0], append(Command[1:], Args...)...)
    return [*generate["command"], *generate.get("args", [])]


def repository(tmp_path: Path, shared_crossplane: Path, version: str) -> Path:
    """A Git checkout as the sidecar receives it: the chart at the Application's source path."""
    repo = tmp_path / "repo"
    shutil.copytree(shared_crossplane / "charts" / f"crossplane-{version}", repo / SOURCE_PATH)
    return repo


def sidecar_env(tmp_path: Path, helm3: Path, **plugin_env: str) -> dict[str, str]:
    """The sidecar's own environment plus what the repo-server sends for one Application."""
    home = tmp_path / "home"
    return {
        "PATH": f"{helm3.parent}:{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "HELM_CACHE_HOME": str(home / "helm" / "cache"),
        "HELM_CONFIG_HOME": str(home / "helm" / "config"),
        "HELM_DATA_HOME": str(home / "helm" / "data"),
        "ARGOCD_APP_NAME": "crossplane",
        "ARGOCD_APP_NAMESPACE": "crossplane-system",
        "ARGOCD_APP_PROJECT_NAME": "default",
        "ARGOCD_APP_REVISION": "f913b6cbf58aa5ae5ca1f8a2b149477aebcbd9d8",
        "ARGOCD_APP_REVISION_SHORT": "f913b6c",
        "ARGOCD_APP_SOURCE_PATH": SOURCE_PATH,
        "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/platform.git",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "main",
        "KUBE_VERSION": "1.32.0",
        **{f"ARGOCD_ENV_{name}": value for name, value in plugin_env.items()},
    }


def generate(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        generate_command(),
        cwd=repo / SOURCE_PATH,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_proxy_env_and_check_passes(out: str, config: Path, tmp_path: Path) -> None:
    rendered = docs(out)
    core = next(
        d for d in rendered if d["kind"] == "Deployment" and d["metadata"]["name"] == "crossplane"
    )
    assert core["metadata"]["namespace"] == "crossplane-system"
    main = env_of(core, "crossplane")
    assert main["HTTPS_PROXY"] == main["https_proxy"] == "http://proxy.corp.example:3128"
    assert main["NO_PROXY"] == main["no_proxy"]
    for entry in ("10.96.0.1", ".svc", "crossplane-system", ".crossplane-system", ".corp.example"):
        assert entry in main["NO_PROXY"].split(",")
    (tmp_path / "generated.yaml").write_text(out)
    check = subprocess.run(
        [str(VENV_BIN / "xpnet"), "check", "-c", str(config), str(tmp_path / "generated.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("version", CHARTS)
def test_cmp_generate_with_the_config_named_in_the_plugin_env(
    helm3: Path, shared_crossplane: Path, tmp_path: Path, version: str
) -> None:
    repo = repository(tmp_path, shared_crossplane, version)
    shutil.copy(CONFIG, repo / "clusters" / "prod" / "xpnet.yaml")
    env = sidecar_env(tmp_path, helm3, XPNET_CONFIG="../xpnet.yaml")
    done = generate(repo, env)
    assert done.returncode == 0, done.stderr
    assert_proxy_env_and_check_passes(done.stdout, CONFIG, tmp_path)


def test_cmp_generate_finds_xpnet_yaml_at_the_repository_root(
    helm3: Path, shared_crossplane: Path, tmp_path: Path
) -> None:
    repo = repository(tmp_path, shared_crossplane, "2.3.4")
    shutil.copy(CONFIG, repo / ".xpnet.yaml")
    done = generate(repo, sidecar_env(tmp_path, helm3))
    assert done.returncode == 0, done.stderr
    assert_proxy_env_and_check_passes(done.stdout, CONFIG, tmp_path)


def test_cmp_generate_broken_config_fails_with_xpnets_reason_and_no_manifests(
    helm3: Path, shared_crossplane: Path, tmp_path: Path
) -> None:
    repo = repository(tmp_path, shared_crossplane, "2.3.4")
    (repo / ".xpnet.yaml").write_text(CONFIG.read_text().replace("10.244.0.0/16", "10.244.0.0/99"))
    done = generate(repo, sidecar_env(tmp_path, helm3))
    assert done.returncode != 0
    assert "spec.cluster.podCIDRs[0]: '10.244.0.0/99' is not a valid" in done.stderr
    assert "xpnet: " in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_cmp_generate_failing_helm_stops_before_xpnet(
    helm3: Path, shared_crossplane: Path, tmp_path: Path
) -> None:
    """xpnet render turns an empty stream into `---`: a failing helm must not get that far."""
    repo = repository(tmp_path, shared_crossplane, "2.3.4")
    shutil.copy(CONFIG, repo / ".xpnet.yaml")
    (repo / SOURCE_PATH / "templates" / "broken.yaml").write_text("{{ .Values.nope.nope }}\n")
    done = generate(repo, sidecar_env(tmp_path, helm3))
    assert done.returncode != 0
    assert "nil pointer evaluating" in done.stderr
    assert done.stdout == ""


def test_cmp_generate_without_a_destination_namespace_says_so(
    helm3: Path, shared_crossplane: Path, tmp_path: Path
) -> None:
    """Argo CD sends no variable with an empty value: no namespace means no ARGOCD_APP_NAMESPACE."""
    repo = repository(tmp_path, shared_crossplane, "2.3.4")
    shutil.copy(CONFIG, repo / ".xpnet.yaml")
    env = sidecar_env(tmp_path, helm3)
    del env["ARGOCD_APP_NAMESPACE"]
    done = generate(repo, env)
    assert done.returncode != 0
    assert "spec.destination.namespace" in done.stderr
    assert done.stdout == ""


def patched_repo_server(kubectl: Path, folder: Path, repo_server: str, patch: Path) -> Any:
    """The repo-server's pod spec after `kubectl patch --local` merged `patch` into it."""
    path = folder / "argocd-repo-server.yaml"
    path.write_text(repo_server)
    patched = subprocess.run(
        [
            str(kubectl),
            *("patch", "--local", "-f", str(path), "--type", "strategic"),
            *("--patch-file", str(patch), "-o", "yaml"),
        ],
        env={"HOME": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert patched.returncode == 0, patched.stderr
    return YAML(typ="safe", pure=True).load(patched.stdout)["spec"]["template"]["spec"]


def plugin_configmap(kubectl: Path, folder: Path, name: str, plugin: Path) -> Any:
    """The ConfigMap `kubectl create configmap NAME --from-file=plugin.yaml=PLUGIN` makes."""
    made = subprocess.run(
        [
            str(kubectl),
            *("-n", "argocd", "create", "configmap", name),
            f"--from-file=plugin.yaml={plugin}",
            *("--dry-run=client", "-o=yaml"),
        ],
        env={"HOME": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    return YAML(typ="safe", pure=True).load(made.stdout)


def test_cmp_sidecar_patch_merges_into_the_repo_server(kubectl: Path, tmp_path: Path) -> None:
    """The sidecar patch applies (strategic merge, real kubectl) next to the repo-server container,
    and mounts the ConfigMap made as the plugin's comment says at the path Argo CD reads."""
    spec = patched_repo_server(kubectl, tmp_path, REPO_SERVER, ARGOCD / "cmp-sidecar.yaml")
    containers = {c["name"]: c for c in spec["containers"]}
    assert set(containers) == {"argocd-repo-server", "xpnet-cmp"}
    sidecar = containers["xpnet-cmp"]
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["securityContext"]["runAsUser"] == 999
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    assert {"/var/run/argocd", "/home/argocd/cmp-server/plugins"} <= set(mounts)
    plugin_mount = mounts["/home/argocd/cmp-server/config/plugin.yaml"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert {"var-files", "plugins"} <= set(volumes), "the repo-server's volumes are kept"

    made = plugin_configmap(kubectl, tmp_path, "xpnet-cmp-plugin", ARGOCD / "cmp-plugin.yaml")
    assert volumes[plugin_mount["name"]]["configMap"]["name"] == made["metadata"]["name"]
    assert plugin_mount["subPath"] in made["data"]
    assert made["data"]["plugin.yaml"] == (ARGOCD / "cmp-plugin.yaml").read_text()


# The parts of Argo CD's argocd-repo-server Deployment (manifests/install.yaml) the patch meets.
REPO_SERVER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
  namespace: argocd
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      containers:
      - name: argocd-repo-server
        image: quay.io/argoproj/argocd:v2.14.0
        volumeMounts:
        - name: var-files
          mountPath: /var/run/argocd
        - name: plugins
          mountPath: /home/argocd/cmp-server/plugins
      volumes:
      - name: var-files
        emptyDir: {}
      - name: plugins
        emptyDir: {}
"""


def test_kustomize_build_options_from_argocd_cm_run_xpnet_fn_from_path(
    kustomize: Path, helm3: Path, shared_crossplane: Path, tmp_path: Path
) -> None:
    """As the repo-server runs it: `kustomize build <app path> <buildOptions>` from the repository
    root, with xpnet installed (xpnet-fn on PATH) and the exec path a bare name."""
    build_options = load(ARGOCD / "argocd-cm.yaml")["data"]["kustomize.buildOptions"]
    repo = tmp_path / "repo"
    app = repo / SOURCE_PATH
    app.mkdir(parents=True)
    rendered = subprocess.run(
        [
            str(helm3),
            *("template", "crossplane", str(shared_crossplane / "charts" / "crossplane-2.3.4")),
            *("--namespace", "crossplane-system"),
        ],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rendered.returncode == 0, rendered.stderr
    (app / "crossplane.yaml").write_text(rendered.stdout)
    config = CONFIG.read_text().replace(
        "  name: corp-proxy\n",
        "  name: corp-proxy\n  annotations:\n    config.kubernetes.io/function: |\n"
        "      exec:\n        path: xpnet-fn\n",
    )
    (app / "xpnet.yaml").write_text(config)
    (app / "kustomization.yaml").write_text(
        "resources:\n- crossplane.yaml\ntransformers:\n- xpnet.yaml\n"
    )
    done = subprocess.run(
        [str(kustomize), "build", str(app), *build_options.split()],
        cwd=repo,
        env={"HOME": str(tmp_path), "PATH": f"{VENV_BIN}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert_proxy_env_and_check_passes(done.stdout, CONFIG, tmp_path)
