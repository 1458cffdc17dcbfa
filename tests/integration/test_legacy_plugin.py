"""The legacy exec plugin under `kubectl kustomize --enable-alpha-plugins` and kustomize."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "crossplane-1.19"


def legacy_kustomization(tmp_path: Path, mode: str = "fix") -> Path:
    (tmp_path / "crossplane.yaml").write_text((EXAMPLE / "crossplane.yaml").read_text())
    config = (EXAMPLE / "xpnet.yaml").read_text()
    config = re.sub(r"  annotations:\n    config.kubernetes.io/function: \|\n.*\n.*\n", "", config)
    if mode == "check":
        config += "  policy:\n    mode: check\n"
    (tmp_path / "xpnet.yaml").write_text(config)
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n- crossplane.yaml\ntransformers:\n- xpnet.yaml\n"
    )
    return tmp_path


def expected_core_env() -> str:
    text = (EXAMPLE / "expected.yaml").read_text()
    return text[text.index("kind: Deployment") : text.index("---", text.index("kind: Deployment"))]


@pytest.mark.parametrize("how", ["XDG_CONFIG_HOME", "KUSTOMIZE_PLUGIN_HOME"])
def test_kubectl_kustomize_runs_the_legacy_plugin(kubectl: Path, tmp_path: Path, how: str) -> None:
    home = ROOT if how == "XDG_CONFIG_HOME" else ROOT / "kustomize" / "plugin"
    done = subprocess.run(
        [str(kubectl), "kustomize", "--enable-alpha-plugins", str(legacy_kustomization(tmp_path))],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, how: str(home)},
    )
    assert done.returncode == 0, done.stderr
    # The same rewrite as the exec KRM function gives for the example.
    assert expected_core_env() in done.stdout


def test_standalone_kustomize_runs_the_legacy_plugin(kustomize: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(kustomize), "build", "--enable-alpha-plugins", str(legacy_kustomization(tmp_path))],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KUSTOMIZE_PLUGIN_HOME": str(ROOT / "kustomize" / "plugin")},
    )
    assert done.returncode == 0, done.stderr
    assert expected_core_env() in done.stdout


def test_legacy_plugin_check_mode_fails_the_build(kubectl: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(kubectl),
            "kustomize",
            "--enable-alpha-plugins",
            str(legacy_kustomization(tmp_path, mode="check")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_CONFIG_HOME": str(ROOT)},
    )
    assert done.returncode != 0
    assert "XPN004 does not cover function pods in 10.244.0.0/16" in done.stderr
