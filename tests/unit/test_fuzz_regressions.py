"""Inputs the fuzzer (scripts/fuzz) once crashed on: each must now be answered or refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.resource_lists import transform
from xpnet.errors import XpnetError

CASES = sorted((Path(__file__).parent.parent / "fuzz_regressions").glob("krm-*.yaml"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_krm_input_is_answered_or_refused(case: Path) -> None:
    try:
        response = transform(case.read_text())
    except XpnetError as error:
        # Refused as the input's fault, with where: never as xpnet's own failure.
        said = error.render()
        assert said.startswith(f"{error.source}:") and error.source, said
        assert "internal error" not in said and "bug in xpnet" not in said, said
    else:
        assert yaml.safe_load(response.stdout)["kind"] == "ResourceList", response.stdout
