"""Real Helm 3 and Helm 4 run xpnet as a post-renderer on a chart shaped like Crossplane's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT

CHART = ROOT / "tests" / "fixtures" / "chart"
PLUGIN = ROOT / "helm-plugin" / "xpnet"  # installs as its folder's name: xpnet
CONFIG = ROOT / "tests" / "cases" / "chart-indentation" / "config.yaml"
VALUES = """\
extraEnvVarsCrossplane:
  HTTPS_PROXY: http://old-proxy:3128
  NO_PROXY: localhost,.svc
extraEnvVarsCrossplaneInit:
  HTTPS_PROXY: http://old-proxy:3128
extraEnvVarsRBACManager:
  NO_PROXY: localhost
"""


def helm_env(home: Path) -> dict[str, str]:
    """Each Helm gets folders of its own (a Helm 3 would choke on a Helm 4 plugin)."""
    return {
        **os.environ,
        "HELM_DATA_HOME": str(home / "data"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_CACHE_HOME": str(home / "cache"),
        "XPNET_LOG_FILE": str(home / "xpnet.log"),
    }


def template(
    helm: Path, env: dict[str, str], renderer: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(helm),
            "template",
            "crossplane",
            str(CHART),
            "-n",
            "crossplane-system",
            "--post-renderer",
            renderer,
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def docs(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [d for d in YAML(typ="safe", pure=True).load_all(text) if d]


def env_of(doc: dict, container: str, init: bool = False) -> dict[str, str]:  # type: ignore[type-arg]
    spec = doc["spec"]["template"]["spec"]
    found = next(
        c for c in spec["initContainers" if init else "containers"] if c["name"] == container
    )
    return {e["name"]: e.get("value") for e in found.get("env", [])}


def assert_rewritten(out: str) -> None:
    rendered = docs(out)
    core = next(d for d in rendered if d["metadata"]["name"] == "crossplane")
    main = env_of(core, "crossplane")
    assert main["HTTPS_PROXY"] == main["https_proxy"] == "http://proxy.corp.example:3128"
    assert main["NO_PROXY"] == main["no_proxy"]
    for entry in ("10.96.0.1", ".svc", "10.244.0.0/16", "crossplane-system", ".crossplane-system"):
        assert entry in main["NO_PROXY"].split(",")
    assert env_of(core, "crossplane-init", init=True)["no_proxy"] == main["NO_PROXY"]
    rbac = next(d for d in rendered if d["metadata"]["name"] == "crossplane-rbac-manager")
    assert env_of(rbac, "crossplane") == {
        "LEADER_ELECTION": "true",
        "NO_PROXY": main["NO_PROXY"],
        "no_proxy": main["NO_PROXY"],
    }
    hook = next(d for d in rendered if d["kind"] == "Job")
    assert env_of(hook, "wait") == {"HTTPS_PROXY": "http://hook-proxy:1"}, "not Crossplane's"


def test_helm3_post_renderer(helm3: Path, tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text(VALUES)
    env = helm_env(tmp_path)
    renderer = str(ROOT / ".venv" / "bin" / "xpnet-helm")
    done = template(
        helm3,
        env,
        renderer,
        f"--post-renderer-args=--config={CONFIG}",
        "-f",
        str(tmp_path / "values.yaml"),
    )
    assert done.returncode == 0, done.stderr
    assert_rewritten(done.stdout)
    assert "# Source: crossplane/templates/deployment.yaml" in done.stdout
    assert "# Source: crossplane/templates/hook.yaml" in done.stdout
    assert "# A hook: Helm 3 does not send it" in done.stdout


def test_helm3_failure_shows_the_reason(helm3: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG.read_text().replace("10.244.0.0/16", "10.244.0.0/99"))
    renderer = str(ROOT / ".venv" / "bin" / "xpnet-helm")
    done = template(helm3, helm_env(tmp_path), renderer, f"--post-renderer-args=--config={bad}")
    assert done.returncode != 0
    assert f"{bad}: spec.cluster.podCIDRs[0]: '10.244.0.0/99' is not a valid" in done.stderr
    assert "Traceback" not in done.stderr


def install_plugin(helm4: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(helm4), "plugin", "install", str(PLUGIN)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("found_by", ["helm plugin install", "HELM_PLUGINS"])
def test_helm4_plugin(helm4: Path, tmp_path: Path, found_by: str) -> None:
    env = helm_env(tmp_path)
    if found_by == "HELM_PLUGINS":
        plugins = tmp_path / "plugins"
        plugins.mkdir()
        (plugins / "xpnet").symlink_to(PLUGIN)
        env["HELM_PLUGINS"] = str(plugins)
    else:
        install_plugin(helm4, env)
    (tmp_path / "values.yaml").write_text(VALUES)
    done = template(
        helm4,
        env,
        "xpnet",
        f"--post-renderer-args=--config={CONFIG}",
        "-f",
        str(tmp_path / "values.yaml"),
    )
    assert done.returncode == 0, done.stderr
    assert_rewritten(done.stdout)
    assert "# Source: crossplane/templates/hook.yaml" in done.stdout


def test_helm4_failure_is_logged(helm4: Path, tmp_path: Path) -> None:
    env = helm_env(tmp_path)
    install_plugin(helm4, env)
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG.read_text().replace("httpProxy: http://", "httpProxy: ftp://"))
    done = template(helm4, env, "xpnet", f"--post-renderer-args=--config={bad}")
    assert done.returncode != 0
    assert 'plugin "xpnet" exited with error' in done.stderr
    log = (tmp_path / "xpnet.log").read_text()
    assert f"{bad}: spec.proxy.httpProxy: proxy URL must start with http://" in log


def test_helm4_filename_annotation_is_kept_on_every_document(tmp_path: Path) -> None:
    """Helm 4 annotates each document it sends; xpnet never touches annotations."""
    annotated = (
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  annotations:\n"
        "    postrenderer.helm.sh/postrender-filename: crossplane/templates/sa.yaml\n---\n"
        + (ROOT / "tests" / "cases" / "chart-indentation" / "input.yaml")
        .read_text()
        .replace(
            "  namespace: crossplane-system\n",
            "  namespace: crossplane-system\n  annotations:\n"
            "    postrenderer.helm.sh/postrender-filename: crossplane/templates/x.yaml\n",
        )
    )
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "xpnet-helm"), f"--config={CONFIG}"],
        input=annotated,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = docs(done.stdout)
    annotations = [d["metadata"].get("annotations", {}) for d in out if d["kind"] != "ConfigMap"]
    assert len(annotations) == 3
    assert all("postrenderer.helm.sh/postrender-filename" in a for a in annotations)
