"""Bad input through every entry point: the right exit code, a clear message, nothing written.

Cases are files in tests/bad_inputs/ (see the README there)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, ROOT
from tests.resource_lists import wrap

CASES = sorted((ROOT / "tests" / "bad_inputs").glob("*.yaml"))
CONFIG = ROOT / "tests" / "cases" / "chart-indentation" / "config.yaml"
BIN = BIN_DIR
ENTRY_POINTS = ("krm", "helm", "fix", "check")


def header(case: Path) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in case.read_bytes().decode("utf-8", "replace").splitlines():
        m = re.match(r"# (\w+): (.*)$", line)
        if not m:
            break
        fields.setdefault(m.group(1), []).append(m.group(2))
    return fields


def params() -> list[tuple[Path, str]]:
    """Each case with each entry point its `# only:` header names: read at collection, since
    the tests are parametrized over it."""
    out = []
    for case in CASES:
        only = header(case).get("only", [" ".join(ENTRY_POINTS)])[0].split()
        out += [(case, entry) for entry in ENTRY_POINTS if entry in only]
    return out


def run(entry: str, case: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[bytes], Path]:
    data = case.read_bytes()
    target = tmp_path / "input.yaml"
    target.write_bytes(data)
    if entry == "krm":
        # A stream is wrapped as kustomize would send it; invalid bytes survive the round trip.
        text = data.decode("utf-8", "surrogateescape")
        resource_list = re.search(r"^kind: ResourceList$", text, re.M) is not None
        wrapped = text if resource_list else wrap(text, CONFIG.read_text())
        stdin = wrapped.encode("utf-8", "surrogateescape")
        cmd = [str(BIN / "xpnet-fn")]
    elif entry == "helm":
        stdin, cmd = data, [str(BIN / "xpnet-helm"), f"--config={CONFIG}"]
    else:
        stdin, cmd = b"", [str(BIN / "xpnet"), entry, "-c", str(CONFIG), str(target)]
    done = subprocess.run(
        cmd,
        input=stdin,
        capture_output=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "XPNET_LOG_FILE": str(tmp_path / "log")},
    )
    return done, target


@pytest.mark.parametrize(("case", "entry"), params(), ids=[f"{c.stem}-{e}" for c, e in params()])
def test_bad_input(case: Path, entry: str, tmp_path: Path) -> None:
    expected = header(case)
    done, target = run(entry, case, tmp_path)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == int(expected["exit"][0]), stderr
    for pattern in expected.get("message", []):
        assert re.search(pattern, stderr), f"{pattern!r} not in {stderr!r}"
    assert "Traceback" not in stderr
    assert target.read_bytes() == case.read_bytes(), "the input file was changed"
    if entry == "helm" and done.returncode != 0:
        assert done.stdout == b""


def test_the_cheap_nesting_bound_never_lets_deep_input_through() -> None:
    """compose counts nesting only where a cheap bound says the limit can be passed;
    the bound must say so wherever the count would refuse."""
    import random

    from xpnet.yaml import nodes

    rng = random.Random(1)
    parts = ["a: 1", "[x, {y: [z]}]", "b:", "- c", "{a: [1]}", "|", "'[['"]
    deep = 0
    for limit in (3, 5, 10, 20):
        for _ in range(2000):
            lines = [
                " " * rng.randint(0, 12) + "- " * rng.randint(0, 4) + rng.choice(parts)
                for _ in range(rng.randint(1, 12))
            ]
            text = "\n".join(lines) + "\n"
            if nodes._depth(text) > limit:
                deep += 1
                assert nodes._may_nest_deeper(text, limit), (limit, text)
    assert deep > 1000  # the inputs do go past the limits
