"""Real kustomize runs xpnet-fn over a core whose HTTPS_PROXY reads a ConfigMap that a
configMapGenerator makes: the function reads it (kustomize hands it the generated ConfigMap
under the name the reference uses, and gives both the hash suffix afterwards), a value other
than the configured proxy fails the build, the configured one passes, and `xpnet check` on
the built output (the ConfigMap renamed, the reference with it) reads it too."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import BIN_DIR, ROOT
from tests.integration.test_kustomize import build
from tests.unit_helpers import CONFIG_DATA, PROXY

FN = ROOT / "kustomize" / "xpnet-fn"
CORE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crossplane
  namespace: crossplane-system
spec:
  template:
    spec:
      containers:
      - name: crossplane
        image: crossplane:v2.1.0
        args: [core, start]
        env:
        - name: HTTPS_PROXY
          valueFrom:
            configMapKeyRef: {name: proxy-env, key: HTTPS_PROXY}
"""


def project(folder: Path, value: str) -> Path:
    config = {
        **CONFIG_DATA,
        "metadata": {
            "name": "corp",
            "annotations": {"config.kubernetes.io/function": f"exec:\n  path: {FN}\n"},
        },
    }
    (folder / "xpnet.yaml").write_text(yaml.safe_dump(config))
    (folder / "core.yaml").write_text(CORE)
    (folder / "kustomization.yaml").write_text(
        "resources: [core.yaml]\nconfigMapGenerator:\n- name: proxy-env\n"
        f"  namespace: crossplane-system\n  literals: [HTTPS_PROXY={value}]\n"
        "transformers: [xpnet.yaml]\n"
    )
    return folder


@pytest.mark.parametrize("value", ["http://old.proxy:3128", PROXY])
def test_a_generated_configmap_is_read(kustomize: Path, tmp_path: Path, value: str) -> None:
    done = build(kustomize, project(tmp_path, value))
    if value != PROXY:
        assert done.returncode != 0
        assert "XPN046" in done.stderr and "ConfigMap crossplane-system/proxy-env" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    docs = [d for d in yaml.safe_load_all(done.stdout) if d]
    (configmap,) = [d for d in docs if d["kind"] == "ConfigMap"]
    (core,) = [d for d in docs if d["kind"] == "Deployment"]
    env = core["spec"]["template"]["spec"]["containers"][0]["env"]
    ref = env[0]["valueFrom"]["configMapKeyRef"]["name"]
    assert ref == configmap["metadata"]["name"] != "proxy-env"  # the hash suffix, both
    assert {e["name"] for e in env} >= {"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"}
    (tmp_path / "built.yaml").write_text(done.stdout)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(CONFIG_DATA))
    files = (str(tmp_path / "config.yaml"), str(tmp_path / "built.yaml"))
    checked = subprocess.run(
        [str(BIN_DIR / "xpnet"), "check", "-c", *files],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "XPN010" not in checked.stdout + checked.stderr
