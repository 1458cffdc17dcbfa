"""The docs site's generated reference pages are current: the configuration from the published
schema, the command line from the parsers (scripts/docs.py; XPNET_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import docs  # scripts/docs.py, on the path through tests.conftest
import pytest

from tests.conftest import ROOT, UPDATE_GOLDEN

GENERATED = {page: kind for page, kind in docs.PAGES.items() if kind != "rules"}


@pytest.mark.parametrize("page", GENERATED)
def test_generated_pages_are_current(page: str) -> None:
    path = ROOT / page
    want = docs.render(GENERATED[page])
    if UPDATE_GOLDEN:
        path.write_text(want)
    assert path.read_text() == want, f"{page} is stale: python scripts/docs.py"


def test_every_field_of_the_schema_is_in_the_configuration_page() -> None:
    import json

    schema = json.loads((ROOT / "schemas" / "clusternetwork.schema.json").read_text())
    page = (ROOT / "docs" / "reference" / "configuration.md").read_text()
    fields = {name for spec in schema["$defs"].values() for name in spec.get("properties", {})}
    missing = sorted(f for f in fields if f"| `{f}` |" not in page)
    assert not missing, missing


def test_every_command_is_in_the_command_line_page() -> None:
    from xpnet.adapters.cli import COMMANDS

    page = (ROOT / "docs" / "reference" / "cli.md").read_text()
    assert all(f"## `xpnet {name}`" in page for name in COMMANDS)
