"""Real Helm 3 and Helm 4 run xpnet as a post-renderer on a chart shaped like Crossplane's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import BIN_DIR, ROOT

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
    renderer = str(BIN_DIR / "xpnet-helm")
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


def assert_second_pass_changes_nothing(renderer: str, config: Path, rendered: str) -> None:
    """The post-renderer over its own output gives the same output."""
    again = subprocess.run(
        [renderer, f"--config={config}"], input=rendered, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == rendered


def test_helm3_post_renderer_appends_network_policies(
    helm3: Path, goyaml: Path, tmp_path: Path
) -> None:
    """Issue 13 through real Helm 3: the policies come after the chart's documents, read alike
    by libyaml and Go, and a render of the render adds none."""
    from tests.goyaml import go_load

    config = tmp_path / "xpnet.yaml"
    config.write_text(
        CONFIG.read_text().replace(
            "    serviceCIDRs: [10.96.0.0/12]\n",
            "    serviceCIDRs: [10.96.0.0/12]\n    apiServerAddresses: [192.168.10.5]\n",
        )
        + "  networkPolicy:\n    enabled: true\n    proxyCIDRs: [10.20.0.10/32]\n"
    )
    renderer = str(BIN_DIR / "xpnet-helm")
    done = template(helm3, helm_env(tmp_path), renderer, f"--post-renderer-args=--config={config}")
    assert done.returncode == 0, done.stderr
    rendered = docs(done.stdout)
    kinds = [d["kind"] for d in rendered]
    first = kinds.index("NetworkPolicy")  # after what Helm sent (its hooks come later)
    assert kinds[first : first + 4] == ["NetworkPolicy"] * 4
    assert kinds.count("NetworkPolicy") == 4 and set(kinds[first + 4 :]) <= {"Job"}
    (go_docs,) = go_load([done.stdout], goyaml)
    assert go_docs == rendered
    assert_second_pass_changes_nothing(renderer, config, done.stdout)


def test_helm3_failure_shows_the_reason(helm3: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG.read_text().replace("10.244.0.0/16", "10.244.0.0/99"))
    renderer = str(BIN_DIR / "xpnet-helm")
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
    stdout = assert_helm4_post_renders(helm4, env, tmp_path)
    assert "# Source: crossplane/templates/hook.yaml" in stdout


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
        [str(BIN_DIR / "xpnet-helm"), f"--config={CONFIG}"],
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


# Helm 3 and Helm 4 on one machine (README "Helm 3 and Helm 4 on one machine").

HELM3_REFUSES = (
    'failed to load plugins: failed to load plugin at "{data}/plugins/xpnet/plugin.yaml": '
    'error unmarshaling JSON: while decoding JSON: json: unknown field "apiVersion"\n'
)
LEGACY_PLUGIN = "name: hello\nversion: 0.1.0\nusage: u\ndescription: d\ncommand: echo hello\n"


def helm(binary: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *args], capture_output=True, text=True, env=env, timeout=120
    )


def with_a_helm3_plugin(helm3: Path, env: dict[str, str], tmp_path: Path) -> None:
    """A Helm 3 style plugin (like helm-diff) in the folder both Helms read."""
    (tmp_path / "hello").mkdir()
    (tmp_path / "hello" / "plugin.yaml").write_text(LEGACY_PLUGIN)
    done = helm(helm3, env, "plugin", "install", str(tmp_path / "hello"))
    assert done.returncode == 0, done.stderr


def assert_helm4_post_renders(helm4: Path, env: dict[str, str], tmp_path: Path) -> str:
    """helm template with the xpnet plugin as post-renderer rewrites the chart; its output."""
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
    return done.stdout


def assert_helm3_clean(helm3: Path, env: dict[str, str]) -> None:
    listed = helm(helm3, env, "plugin", "list")
    assert (listed.returncode, listed.stderr) == (0, "")
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["NAME", "hello"]
    ran = helm(helm3, env, "hello")
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "hello\n", "")


def test_plugin_installs_as_xpnet(helm4: Path, tmp_path: Path) -> None:
    env = helm_env(tmp_path)
    install_plugin(helm4, env)
    installed = tmp_path / "data" / "plugins"
    assert [p.name for p in installed.iterdir()] == ["xpnet"]
    assert (installed / "xpnet").resolve() == PLUGIN
    listed = helm(helm4, env, "plugin", "list")
    assert (listed.returncode, listed.stderr) == (0, "")
    assert listed.stdout.splitlines()[1].split()[:4] == ["xpnet", "0.1.0", "postrenderer/v1", "v1"]


def test_helm3_sharing_helm4s_data_home_refuses_the_plugin(
    helm3: Path, helm4: Path, tmp_path: Path
) -> None:
    """Why the README keeps them apart: Helm 3 then loses every plugin, and says so each time."""
    env = helm_env(tmp_path)
    with_a_helm3_plugin(helm3, env, tmp_path)
    install_plugin(helm4, env)
    refused = HELM3_REFUSES.format(data=tmp_path / "data")
    listed = helm(helm3, env, "plugin", "list")
    assert listed.returncode == 1
    assert listed.stderr == refused + "Error: " + refused.removeprefix("failed to load plugins: ")
    version = helm(helm3, env, "version", "--short")
    assert (version.returncode, version.stderr) == (0, refused)
    lost = helm(helm3, env, "hello")
    assert lost.returncode == 1
    assert lost.stderr.startswith(refused + 'Error: unknown command "hello" for "helm"\n')
    listed4 = helm(helm4, env, "plugin", "list")
    assert (listed4.returncode, listed4.stderr) == (0, "")
    assert sorted(line.split()[0] for line in listed4.stdout.splitlines()[1:]) == [
        "hello",
        "xpnet",
    ]
    assert_helm4_post_renders(helm4, env, tmp_path)


def test_helm4_with_a_data_home_of_its_own(helm3: Path, helm4: Path, tmp_path: Path) -> None:
    env3 = helm_env(tmp_path)
    with_a_helm3_plugin(helm3, env3, tmp_path)
    env4 = {**env3, "HELM_DATA_HOME": str(tmp_path / "data4")}
    install_plugin(helm4, env4)
    assert_helm3_clean(helm3, env3)
    assert_helm4_post_renders(helm4, env4, tmp_path)


def test_helm4_with_a_plugin_path_of_its_own(helm3: Path, helm4: Path, tmp_path: Path) -> None:
    """HELM_PLUGINS=<own>:<shared> for Helm 4 only: it sees both, Helm 3 sees only the shared."""
    env3 = helm_env(tmp_path)
    with_a_helm3_plugin(helm3, env3, tmp_path)
    own = tmp_path / "helm4-plugins"
    own.mkdir()
    (own / "xpnet").symlink_to(PLUGIN)
    env4 = {**env3, "HELM_PLUGINS": f"{own}:{tmp_path / 'data' / 'plugins'}"}
    listed = helm(helm4, env4, "plugin", "list")
    assert (listed.returncode, listed.stderr) == (0, "")
    assert sorted(line.split()[0] for line in listed.stdout.splitlines()[1:]) == [
        "hello",
        "xpnet",
    ]
    assert helm(helm4, env4, "hello").stdout == "hello\n"
    assert_helm4_post_renders(helm4, env4, tmp_path)
    assert_helm3_clean(helm3, env3)


def test_helm4_plugin_install_ignores_helm_plugins(helm4: Path, tmp_path: Path) -> None:
    """So HELM_PLUGINS alone cannot keep an installed plugin away from Helm 3."""
    env = helm_env(tmp_path)
    own = tmp_path / "helm4-plugins"
    own.mkdir()
    install_plugin(helm4, {**env, "HELM_PLUGINS": str(own)})
    assert list(own.iterdir()) == []
    assert (tmp_path / "data" / "plugins" / "xpnet").resolve() == PLUGIN


def copy_of_plugin(folder: Path, manifest: str) -> Path:
    folder.mkdir(parents=True)
    script = folder / "xpnet-post-renderer"
    script.write_text("#!/bin/sh\nexec " + str(BIN_DIR / "xpnet-helm") + ' "$@"\n')
    script.chmod(0o755)
    (folder / "plugin.yaml").write_text(manifest)
    return folder


def test_no_plugin_yaml_serves_both(helm3: Path, helm4: Path, tmp_path: Path) -> None:
    """A Helm 3 style manifest is no post-renderer to Helm 4; Helm 3 fields in a v1 one break it."""
    legacy = copy_of_plugin(
        tmp_path / "legacy" / "xpnet",
        "name: xpnet\nversion: 0.1.0\nusage: u\ndescription: d\n"
        "platformCommand:\n- command: ${HELM_PLUGIN_DIR}/xpnet-post-renderer\n",
    )
    env = {**helm_env(tmp_path), "HELM_PLUGINS": str(legacy.parent)}
    listed = helm(helm4, env, "plugin", "list")
    assert listed.stdout.splitlines()[1].split()[:4] == ["xpnet", "0.1.0", "cli/v1", "legacy"]
    done = template(helm4, env, "xpnet", f"--post-renderer-args=--config={CONFIG}")
    assert done.returncode == 1
    assert "plugin: {Name:xpnet Type:postrenderer/v1} not found" in done.stderr
    assert helm(helm3, env, "plugin", "list").returncode == 0, "Helm 3 takes it"

    mixed = copy_of_plugin(
        tmp_path / "mixed" / "xpnet", (PLUGIN / "plugin.yaml").read_text() + "usage: u\n"
    )
    env = {**helm_env(tmp_path), "HELM_PLUGINS": str(mixed.parent)}
    listed = helm(helm4, env, "plugin", "list")
    assert listed.returncode == 0
    assert "failed to load plugin (ignoring)" in listed.stderr
    assert "field usage not found in type plugin.MetadataV1" in listed.stderr
    assert listed.stdout.split() == [
        "NAME",
        "VERSION",
        "TYPE",
        "APIVERSION",
        "PROVENANCE",
        "SOURCE",
    ]
    refused = helm(helm3, env, "plugin", "list")
    assert refused.returncode == 1
    assert 'json: unknown field "apiVersion"' in refused.stderr


def test_helm4_uninstalls_the_plugin_installed_under_its_old_folder_name(
    helm4: Path, tmp_path: Path
) -> None:
    env = helm_env(tmp_path)
    plugins = tmp_path / "data" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "helm").symlink_to(PLUGIN)  # what `helm plugin install plugin/helm` made
    done = helm(helm4, env, "plugin", "uninstall", "xpnet")
    assert (done.returncode, done.stdout) == (0, "Uninstalled plugin: xpnet\n"), done.stderr
    assert list(plugins.iterdir()) == []
    assert (PLUGIN / "plugin.yaml").is_file(), "the link went, not the checkout"


def test_helm3_post_renderer_wires_the_corporate_ca(
    helm3: Path, goyaml: Path, tmp_path: Path
) -> None:
    """Issue 12 through real Helm 3 as post-renderer: the core gets the chart's own
    registryCaBundleConfig wiring, read alike by libyaml and Go; a render of the render is the
    same."""
    from tests.goyaml import go_load

    config = tmp_path / "xpnet.yaml"
    config.write_text(
        CONFIG.read_text()
        + "  trust:\n    caBundle:\n      configMapRef: {name: corp-ca, key: ca.crt}\n"
    )
    renderer = str(BIN_DIR / "xpnet-helm")
    done = template(helm3, helm_env(tmp_path), renderer, f"--post-renderer-args=--config={config}")
    assert done.returncode == 0, done.stderr
    rendered = docs(done.stdout)
    core = next(
        d for d in rendered if d["kind"] == "Deployment" and "rbac" not in d["metadata"]["name"]
    )
    assert env_of(core, "crossplane")["CA_BUNDLE_PATH"] == "/certs/ca.crt"
    pod = core["spec"]["template"]["spec"]
    assert {
        "name": "ca-certs",
        "configMap": {"name": "corp-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]},
    } in pod["volumes"]
    (go_docs,) = go_load([done.stdout], goyaml)
    assert go_docs == rendered
    assert_second_pass_changes_nothing(renderer, config, done.stdout)
