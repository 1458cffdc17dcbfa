from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import ROOT
from xpnet import __version__

XPNET = ROOT / ".venv" / "bin" / "xpnet"


def xpnet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(XPNET), *args], capture_output=True, text=True, timeout=60)


def test_version() -> None:
    assert xpnet("--version").stdout.strip() == f"xpnet {__version__}"


def test_schema_prints_the_published_schema() -> None:
    done = xpnet("schema")
    assert json.loads(done.stdout) == json.loads(
        (ROOT / "schemas" / "clusternetwork.schema.json").read_text()
    )


def test_noproxy(tmp_path: Path) -> None:
    config = ROOT / "tests" / "cases" / "chart-indentation" / "config.yaml"
    done = xpnet("noproxy", "-c", str(config))
    assert done.returncode == 0
    assert done.stdout.startswith("localhost,127.0.0.1,::1,10.96.0.1,")
    explained = xpnet("noproxy", "-c", str(config), "--explain").stdout
    assert "grpc-go <= 1.70" in explained


def test_bad_config_and_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: ClusterNetwork\napiVersion: xpnet.dev/v1alpha1\nmetadata: {name: x}\n")
    done = xpnet("noproxy", "-c", str(bad))
    assert done.returncode == 1
    assert f"{bad}:" in done.stderr and "spec: required field is missing" in done.stderr
    assert "Traceback" not in done.stderr
    missing = xpnet("noproxy", "-c", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1 and "cannot read the config file" in missing.stderr
    assert xpnet("frobnicate").returncode == 2
    assert xpnet().returncode == 2
