"""Golden cases: tests/cases/<case>/{config,input,expected}.yaml, expected-messages.txt and (for
the KRM function) expected-results.yaml, the ResourceList's results,
checked byte for byte through the KRM function and through the file path (`xpnet fix`), and run
twice to prove that a run on its own output changes nothing. A case with a `stream-only` file
(CRLF, a BOM: things a ResourceList cannot carry per item) runs through the file path only.
XPNET_UPDATE_GOLDEN=1 rewrites the expected files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import UPDATE_GOLDEN
from tests.resource_lists import transform, unwrap, wrap
from xpnet.adapters.streams import run_streams
from xpnet.io.config import read_config
from xpnet.yaml import nodes, stream

CASES = sorted(p for p in (Path(__file__).parent.parent / "cases").iterdir() if p.is_dir())


def _run(stream: str, config: str) -> tuple[str, list[str], int, str]:
    response = transform(wrap(stream, config))
    return (
        unwrap(response.stdout.split("\nresults:\n")[0] + "\n"),
        response.stderr,
        response.code,
        response.stdout,
    )


KRM_CASES = [c for c in CASES if not (c / "stream-only").exists()]


def _fix(data: bytes, config: Path) -> bytes:
    source = stream.Source("input.yaml", *stream.decode("input.yaml", data))
    result = run_streams(read_config(str(config)), [source])
    return result.outputs["input.yaml"].encode()


@pytest.mark.parametrize("parser", ["libyaml", "pure"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_through_files(case: Path, parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nodes, "PURE", parser == "pure")
    out = _fix((case / "input.yaml").read_bytes(), case / "config.yaml")
    if UPDATE_GOLDEN and parser == "libyaml" and (case / "stream-only").exists():
        (case / "expected.yaml").write_bytes(out)
    assert out == (case / "expected.yaml").read_bytes()
    assert _fix(out, case / "config.yaml") == out


@pytest.mark.parametrize("parser", ["libyaml", "pure"])
@pytest.mark.parametrize("case", KRM_CASES, ids=[c.name for c in KRM_CASES])
def test_case(case: Path, parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both parsers xpnet may compose with (libyaml first, pure Python as the fallback) give
    the same bytes."""
    monkeypatch.setattr(nodes, "PURE", parser == "pure")
    config = (case / "config.yaml").read_text()
    source = case / "input.yaml"
    stream = source.read_text()
    out, messages, code, full = _run(stream, config)
    results = full.split("\nresults:\n", 1)[1] if "\nresults:\n" in full else ""
    expected, expected_messages = case / "expected.yaml", case / "expected-messages.txt"
    expected_results = case / "expected-results.yaml"
    if UPDATE_GOLDEN and parser == "libyaml":
        expected.write_text(out)
        expected_messages.write_text("".join(m + "\n" for m in messages))
        expected_results.write_text("results:\n" + results if results else "")
    assert out == expected.read_text()
    assert "".join(m + "\n" for m in messages) == expected_messages.read_text()
    assert ("results:\n" + results if results else "") == expected_results.read_text()
    assert code == 0

    again, _, code, full = _run(out, config)
    assert again == out
    assert 'severity: "info"' not in full, "a second run made changes"
