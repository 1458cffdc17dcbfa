"""Helm's --set names and values as xpnet reads Argo CD parameters (the integration tests hold
them to real Helm)."""

from __future__ import annotations

import pytest

from xpnet.strvals import Value, path, value


@pytest.mark.parametrize(
    "name, expected",
    [
        ("image.tag", ("image", "tag")),
        ("extraEnvVarsCrossplane.HTTPS\\.PROXY", ("extraEnvVarsCrossplane", "HTTPS.PROXY")),
        ("sidecarsCrossplane[0].env[1].value", ("sidecarsCrossplane", 0, "env", 1, "value")),
        ("a[0][2]", ("a", 0, 2)),
        ("a\\[0]", ("a[0]",)),
        ("", None),
        ("a..b", None),
        (".a", None),
        ("a.", None),
        ("a[x]", None),
        ("a[0", None),
        ("a=b", None),
        ("a,b", None),
        ("a]b", ("a]b",)),
        ("a b.c", ("a b", "c")),
        ("a[0]b", None),
        ("a\\", None),
    ],
)
def test_names(name: str, expected: tuple[str | int, ...] | None) -> None:
    assert path(name) == expected


@pytest.mark.parametrize(
    "text, force, expected",
    [
        ("http://proxy:3128", False, Value("http://proxy:3128", True)),
        ("localhost,.svc", False, Value("localhost,.svc", True)),
        ("a\\,b", False, Value("a,b", True)),
        ("TRUE", False, Value("true", False)),
        ("TRUE", True, Value("TRUE", True)),
        ("null", False, Value(None, False)),
        ("Null", True, Value("Null", True)),
        ("0", False, Value("0", False)),
        ("+5", False, Value("5", False)),
        ("05", False, Value("05", True)),
        ("99999999999999999999", False, Value("99999999999999999999", True)),
        ("{a,b}", False, Value(None, False, True)),
    ],
)
def test_values(text: str, force: bool, expected: Value) -> None:
    assert value(text, force) == expected
