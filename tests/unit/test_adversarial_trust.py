"""The hostile and regression inputs of tests/adversarial/trust/ (spec.trust wiring, variables
set through valueFrom), each against what its first comment lines expect (README.md there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from xpnet import credentials
from xpnet.adapters.streams import run_streams
from xpnet.config import ClusterNetwork, load_config, with_mode
from xpnet.errors import XpnetError
from xpnet.yaml.nodes import compose, to_data
from xpnet.yaml.stream import Source

HERE = ROOT / "tests" / "adversarial" / "trust"
CASES = sorted(p for p in HERE.glob("*.yaml") if p.name != "xpnet.yaml")
PASSWORD = "Adv3rs4rial-pw"


def configured(mode: str) -> ClusterNetwork:
    path = str(HERE / "xpnet.yaml")
    return with_mode(
        load_config(to_data(compose((HERE / "xpnet.yaml").read_text(), path)), path), mode
    )  # type: ignore[arg-type]


def expected(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in re.findall(r"^# (fix|check|keeps|never): (.*)$", text, re.M):
        found.setdefault(key, []).append(value)
    return found


def attempt(text: str, mode: str) -> tuple[str, list[str], str | None]:
    """(outcome: ok, fails or refused; finding lines or the refusal; the output)."""
    credentials.forget()
    try:
        result = run_streams(configured(mode), [Source("in.yaml", text)])
    except XpnetError as error:
        return "refused", [error.render()], None
    lines = [f"{f.var}: {f.rule.id} {f.message}" for f in result.outcome.findings]
    return ("fails" if result.outcome.failed else "ok"), lines, str(result.outputs["in.yaml"])


def meets(what: str, outcome: str, lines: list[str]) -> bool:
    if what in ("ok", "passes"):
        return outcome == "ok"
    verb, _, detail = what.partition(" ")
    if verb == "fails":
        return outcome == "fails" and any(f" {detail} " in line for line in lines)
    return outcome == "refused" and any(detail in line for line in lines)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_adversarial_trust_case(case: Path) -> None:
    text = case.read_text()
    want = expected(text)
    assert want.get("fix") and want.get("check"), f"{case.name}: say what fix and check do"
    fixed, fix_lines, out = attempt(text, "fix")
    checked, check_lines, _ = attempt(text, "check")
    every = fix_lines + check_lines
    assert meets(want["fix"][0], fixed, fix_lines), (fixed, fix_lines)
    assert meets(want["check"][0], checked, check_lines), (checked, check_lines)
    for line in every:
        assert PASSWORD not in line and "internal error" not in line, line
        assert "Traceback" not in line, line
    for never in want.get("never", []):
        assert not any(never in line for line in every), (never, every)
    if fixed == "ok":
        assert out is not None
        for kept in want.get("keeps", []):
            assert kept in out, (kept, out)
        body = "".join(ln for ln in out.splitlines(keepends=True) if not ln.startswith("#"))
        for never in want.get("never", []):
            assert never not in body, never
        assert attempt(out, "fix")[2] == out, "a second run changes something"
        after, lines, _ = attempt(out, "check")
        assert after == "ok", lines
    else:
        assert out in (None, text), "nothing is written when fix fails"
