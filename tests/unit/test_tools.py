"""scripts/tools.py: a tool that failed is recorded and not retried until asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tools


def test_a_failed_tool_is_recorded_and_retried_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []

    def broken() -> str | None:
        calls.append("broken")
        return "no network"

    monkeypatch.setattr(tools, "FAILED", tmp_path / "failed")
    monkeypatch.setattr(tools, "installers", lambda: {"thing": ("a thing", broken)})
    monkeypatch.delenv("CI", raising=False)
    assert tools.main(["--only", "thing"]) == 1
    assert (tmp_path / "failed" / "thing").read_text() == "no network\n"
    assert "a thing: NOT INSTALLED after" in capsys.readouterr().err
    assert tools.main([]) == 1 and calls == ["broken"]  # not retried
    assert "skipped, it failed before (no network); `scripts/setup --retry`" in (
        capsys.readouterr().err
    )
    assert tools.main(["--retry"]) == 1 and len(calls) == 2
    monkeypatch.setenv("CI", "true")
    assert tools.main([]) == 1 and len(calls) == 3  # CI always retries

    monkeypatch.setattr(tools, "installers", lambda: {"thing": ("a thing", lambda: None)})
    assert tools.main(["--retry"]) == 0
    assert not (tmp_path / "failed" / "thing").exists()
    assert "a thing: ready (" in capsys.readouterr().err
