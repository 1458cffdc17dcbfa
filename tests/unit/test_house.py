"""The repository stands alone: its code and docs cite its own docs/ pages or upstream URLs, never a
file outside it or an issue number that nobody can resolve from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

OUTSIDE = re.compile(r"FACTS\.md|SPEC\.md|SPEC §|\.\./shared|/work/|\bissues? \d+\b|\(#\d+\)")
SOURCES = sorted(
    [
        *(
            p
            for folder in ("plugin", "scripts", "tests")
            for p in (ROOT / folder).rglob("*.py")
            if p.name != "test_house.py"
        ),
        ROOT / "README.md",
        ROOT / "action.yml",
        *(ROOT / "docs").rglob("*.md"),
        # The published schema's descriptions are what editors show a user.
        *(ROOT / "schemas").rglob("*.json"),
    ]
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_reference_outside_the_repository(path: Path) -> None:
    lines = path.read_text().splitlines()
    found = [f"{i}: {line.strip()}" for i, line in enumerate(lines, 1) if OUTSIDE.search(line)]
    assert not found, "\n".join(found)


def test_the_docs_cited_in_the_code_exist() -> None:
    cited = {
        m.group(0)
        for p in (ROOT / "plugin").rglob("*.py")
        for m in re.finditer(r"docs/[\w./-]+\.md", p.read_text())
    }
    assert cited, "the code cites no docs page"
    missing = sorted(c for c in cited if not (ROOT / c).is_file())
    assert not missing, missing
