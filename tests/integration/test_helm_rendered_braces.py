"""Real Helm 3 and Helm 4 post-render the real crossplane chart with values whose `{{ }}` the chart
writes out as data (an annotation): what Helm hands xpnet is rendered output, so the core gets
its proxy settings; taking it for a chart's template would leave it without any, exit 0."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.conftest import BIN_DIR, CROSSPLANE_FIXTURES
from tests.integration.test_helm import CONFIG, env_of, helm_env, install_plugin

CHART = CROSSPLANE_FIXTURES / "charts" / "crossplane-2.3.4"
VALUES = 'customAnnotations:\n  logformat: "{{ .Level }} {{ .Msg }}"\n'


def template(
    helm: Path, env: dict[str, str], renderer: str, values: Path
) -> subprocess.CompletedProcess[str]:
    command = [str(helm), "template", "crossplane", str(CHART), "-n", "crossplane-system"]
    command += ["-f", str(values), "--post-renderer", renderer]
    command.append(f"--post-renderer-args=--config={CONFIG}")
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def core_env(out: str) -> dict[str, str]:
    core = next(
        d
        for d in yaml.safe_load_all(out)
        if d and d["kind"] == "Deployment" and d["metadata"]["name"] == "crossplane"
    )
    assert core["metadata"]["annotations"]["logformat"] == "{{ .Level }} {{ .Msg }}"
    return env_of(core, "crossplane")


def test_helm3_post_renders_a_chart_that_writes_braces(helm3: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(VALUES)
    done = template(helm3, helm_env(tmp_path), str(BIN_DIR / "xpnet-helm"), values)
    assert done.returncode == 0, done.stderr
    assert "NO_PROXY" in core_env(done.stdout)


def test_helm4_post_renders_a_chart_that_writes_braces(helm4: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(VALUES)
    env = helm_env(tmp_path)
    install_plugin(helm4, env)
    done = template(helm4, env, "xpnet", values)
    assert done.returncode == 0, done.stderr
    assert "NO_PROXY" in core_env(done.stdout)
