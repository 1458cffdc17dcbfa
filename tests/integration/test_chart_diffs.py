"""`xpnet fix` on the real rendered charts changes only proxy variable lines."""

from __future__ import annotations

import difflib
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, ROOT

CONFIG = ROOT / "tests" / "cases" / "chart-indentation" / "config.yaml"
PROXY_LINE = re.compile(
    r"^\s*(- name: \"?(HTTP_PROXY|HTTPS_PROXY|NO_PROXY|http_proxy|https_proxy|no_proxy)\"?"
    r"|value: .*|env:)\s*$"
)


def xpnet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "xpnet"), *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "chart",
    [
        "chart-head-default.yaml",
        "chart-head-proxy.yaml",
        "chart-v1.20.11-proxy.yaml",
        "chart-v1.20.11-as-v1.19.2-proxy.yaml",
    ],
)
def test_fix_gives_a_minimal_diff(shared_crossplane: Path, chart: str, tmp_path: Path) -> None:
    target = tmp_path / chart
    target.write_text((shared_crossplane / chart).read_text())
    done = xpnet("fix", "-c", str(CONFIG), str(target))
    assert done.returncode == 0, done.stderr
    before = (shared_crossplane / chart).read_text().splitlines()
    after = target.read_text().splitlines()
    changed = [line[2:] for line in difflib.ndiff(before, after) if line.startswith(("- ", "+ "))]
    assert changed, "the chart needed changes"
    assert [line for line in changed if not PROXY_LINE.match(line)] == []
    removed = [line for line in difflib.ndiff(before, after) if line.startswith("- ")]
    assert all("value:" in line for line in removed)

    again = xpnet("fix", "-c", str(CONFIG), str(target))
    assert again.returncode == 0 and "fixed" not in again.stderr
    assert target.read_text().splitlines() == after
    assert xpnet("check", "-c", str(CONFIG), str(target)).returncode == 0
