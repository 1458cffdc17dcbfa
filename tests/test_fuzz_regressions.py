"""Inputs the fuzzer (scripts/fuzz) once crashed on: each must now be answered or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from xpnet.adapters.krm import transform
from xpnet.errors import XpnetError

CASES = sorted((Path(__file__).parent / "fuzz_regressions").glob("krm-*.yaml"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_krm_input_is_answered_or_refused(case: Path) -> None:
    try:
        response = transform(case.read_text())
    except XpnetError as error:
        assert error.render()
    else:
        assert response.stdout
