"""Real helmfile runs the recipe in examples/helmfile on the real Crossplane charts: Helm 3 with
xpnet-helm as its post-renderer, and Helm 4 with the xpnet plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, ROOT
from tests.integration.test_helm import docs, env_of

RECIPE = ROOT / "examples" / "helmfile"
VENV_BIN = BIN_DIR
CHARTS = ("1.19.3", "1.20.11", "2.1.8", "2.3.4")


def recipe_with_local_chart(work: Path, shared_crossplane: Path, version: str) -> Path:
    """The recipe as written, but with the chart from tests/fixtures instead of the network."""
    shutil.copytree(RECIPE, work)
    shutil.copytree(shared_crossplane / "charts" / f"crossplane-{version}", work / "crossplane")
    helmfile_yaml = work / "helmfile.yaml"
    text = helmfile_yaml.read_text()
    for old, new in (
        ("chart: crossplane-stable/crossplane", "chart: ./crossplane"),
        ("version: 2.1.8", f"version: {version}"),
    ):
        assert old in text, f"the recipe no longer says {old!r}: update this test"
        text = text.replace(old, new)
    helmfile_yaml.write_text(text)
    return work


def tool_env(home: Path, helm: Path) -> dict[str, str]:
    """Helm and helmfile with folders of their own, and the Helm under test first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XPNET_", "HELM_"))}
    home.mkdir()
    return {
        **env,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "HELM_DATA_HOME": str(home / "helm-data"),
        "HELM_CONFIG_HOME": str(home / "helm-config"),
        "HELM_CACHE_HOME": str(home / "helm-cache"),
        "XPNET_LOG_FILE": str(home / "xpnet.log"),
        "PATH": os.pathsep.join([str(helm.parent), str(VENV_BIN), env.get("PATH", "")]),
    }


def helmfile_template(
    helmfile: Path, work: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    # --skip-deps: no `helm repo add` (the chart is local; the test has no network).
    return subprocess.run(
        [str(helmfile), "template", "--skip-deps"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def assert_proxy_env_and_check_passes(out: str, work: Path) -> None:
    rendered = docs(out)
    core = next(
        d for d in rendered if d["kind"] == "Deployment" and d["metadata"]["name"] == "crossplane"
    )
    main = env_of(core, "crossplane")
    assert main["HTTPS_PROXY"] == main["https_proxy"] == "http://proxy.corp.example:3128"
    assert main["HTTP_PROXY"] == main["http_proxy"] == "http://proxy.corp.example:3128"
    assert main["NO_PROXY"] == main["no_proxy"]
    entries = main["NO_PROXY"].split(",")
    for entry in ("10.96.0.1", ".svc", "crossplane-system", ".crossplane-system", ".corp.example"):
        assert entry in entries
    assert "# Source: crossplane/templates/deployment.yaml" in out
    (work / "rendered.yaml").write_text(out)
    check = subprocess.run(
        [str(VENV_BIN / "xpnet"), "check", "-c", str(work / "xpnet.yaml"), "rendered.yaml"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("version", CHARTS)
def test_helmfile_template_with_helm3(
    helmfile: Path, helm3: Path, shared_crossplane: Path, tmp_path: Path, version: str
) -> None:
    work = recipe_with_local_chart(tmp_path / "work", shared_crossplane, version)
    done = helmfile_template(helmfile, work, tool_env(tmp_path / "home", helm3))
    assert done.returncode == 0, done.stderr
    assert_proxy_env_and_check_passes(done.stdout, work)


def test_helmfile_template_with_helm4_plugin(
    helmfile: Path, helm4: Path, shared_crossplane: Path, tmp_path: Path
) -> None:
    """What the recipe's comment says for Helm 4: postRenderer names the plugin."""
    work = recipe_with_local_chart(tmp_path / "work", shared_crossplane, "2.3.4")
    helmfile_yaml = work / "helmfile.yaml"
    helmfile_yaml.write_text(
        helmfile_yaml.read_text().replace("postRenderer: xpnet-helm", "postRenderer: xpnet")
    )
    env = tool_env(tmp_path / "home", helm4)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "xpnet").symlink_to(ROOT / "helm-plugin" / "xpnet")
    env["HELM_PLUGINS"] = str(plugins)
    done = helmfile_template(helmfile, work, env)
    assert done.returncode == 0, done.stderr
    assert_proxy_env_and_check_passes(done.stdout, work)


def test_helmfile_fails_with_xpnets_reason(
    helmfile: Path, helm3: Path, shared_crossplane: Path, tmp_path: Path
) -> None:
    work = recipe_with_local_chart(tmp_path / "work", shared_crossplane, "2.3.4")
    config = work / "xpnet.yaml"
    config.write_text(config.read_text().replace("10.244.0.0/16", "10.244.0.0/99"))
    done = helmfile_template(helmfile, work, tool_env(tmp_path / "home", helm3))
    assert done.returncode != 0
    assert "xpnet: xpnet.yaml: spec.cluster.podCIDRs[0]: '10.244.0.0/99' is not a valid" in (
        done.stderr
    )
    assert "--post-renderer-args=--config=xpnet.yaml" in done.stderr, "helmfile shows Helm's args"
    assert done.stdout.strip() == ""
