"""Proxy passwords through the real consumers: kustomize shows a failing function's stderr,
Helm 3 a failing post-renderer's, Helm 4 only says the plugin failed (xpnet's log file has the
reason). None of what they show, nor the log, holds any part of the password; the manifests
they write hold it only where the configuration put it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import BIN_DIR
from tests.integration.test_helm import helm_env, install_plugin, template
from tests.integration.test_kustomize import FN, build
from tests.secret_leaks import ALLOWED_LINE

# A password of every character class a URL's user information can hold; its random runs must
# not appear anywhere but as a proxy variable's value.
PARTS = ("Qz7xKp2W", "Lm4vNb8R", "Tc9yHs3D")
PASSWORD = f"{PARTS[0]}@{PARTS[1]}/{PARTS[2]}?#%ä"
ENCODED = f"http://bob:{quote(PASSWORD, safe='')}@proxy.corp.example:3128"
RAW = f"http://bob:{PASSWORD}@proxy.corp.example:3128"  # refused: clients read it differently

CONFIG = """\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: {fn}
spec:
  proxy:
    httpsProxy: "{url}"
  cluster:
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
  policy:
    mode: {mode}
"""
INSTALL = """\
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
          value: "{url}"
"""


def leaks(shown: str, data: str = "") -> list[str]:
    """Parts of the password in what the tools show, or in data outside a proxy value."""
    found = [p for p in PARTS if p.lower() in shown.lower()]
    found += [
        line
        for line in data.splitlines()
        if any(p in line for p in PARTS) and not ALLOWED_LINE.match(line)
    ]
    return found


@pytest.mark.parametrize(
    "config_url, install_url, mode, ok",
    [
        (ENCODED, ENCODED, "fix", True),  # manifests carry the URL as configured
        (RAW, ENCODED, "fix", False),  # refused: the config's password is ambiguous
        ("http://proxy.corp.example:3128", RAW, "check", False),  # XPN015 and XPN016
    ],
    ids=["fix", "refused-config", "check"],
)
def test_kustomize_shows_no_password(
    kustomize: Path, tmp_path: Path, config_url: str, install_url: str, mode: str, ok: bool
) -> None:
    (tmp_path / "install.yaml").write_text(INSTALL.format(url=install_url))
    (tmp_path / "xpnet.yaml").write_text(CONFIG.format(fn=FN, url=config_url, mode=mode))
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [install.yaml]\ntransformers: [xpnet.yaml]\n"
    )
    done = build(kustomize, tmp_path)
    assert (done.returncode == 0) == ok, done.stderr
    assert "xpnet: " in done.stderr or ok
    assert not leaks(done.stderr, done.stdout), done.stderr
    if ok:
        assert ENCODED in done.stdout  # written exactly as configured


VALUES = f'extraEnvVarsCrossplane:\n  HTTPS_PROXY: "{RAW}"\n'


def test_helm3_shows_no_password(helm3: Path, tmp_path: Path) -> None:
    renderer = str(BIN_DIR / "xpnet-helm")
    env = helm_env(tmp_path)
    (tmp_path / "values.yaml").write_text(VALUES)
    for url, mode, ok in ((ENCODED, "fix", True), (RAW, "fix", False), (ENCODED, "check", False)):
        config = tmp_path / "xpnet.yaml"
        config.write_text(CONFIG.format(fn="x", url=url, mode=mode))
        done = template(
            helm3,
            env,
            renderer,
            f"--post-renderer-args=--config={config}",
            "-f",
            str(tmp_path / "values.yaml"),
        )
        assert (done.returncode == 0) == ok, done.stderr
        assert not leaks(done.stderr, done.stdout), (url, mode, done.stderr)
        log = tmp_path / "xpnet.log"
        assert not leaks(log.read_text() if log.exists() else ""), log.read_text()


def test_helm4_and_its_log_show_no_password(helm4: Path, tmp_path: Path) -> None:
    env = helm_env(tmp_path)
    install_plugin(helm4, env)
    (tmp_path / "values.yaml").write_text(VALUES)
    for url, mode, ok in ((ENCODED, "fix", True), (RAW, "fix", False), (ENCODED, "check", False)):
        config = tmp_path / "xpnet.yaml"
        config.write_text(CONFIG.format(fn="x", url=url, mode=mode))
        done = template(
            helm4,
            env,
            "xpnet",
            f"--post-renderer-args=--config={config}",
            "-f",
            str(tmp_path / "values.yaml"),
        )
        assert (done.returncode == 0) == ok, done.stderr
        assert not leaks(done.stderr, done.stdout), (url, mode, done.stderr)
    log = (tmp_path / "xpnet.log").read_text()
    assert "xpnet-helm failed" in log and "XPN015" in log
    assert not leaks(log), log
