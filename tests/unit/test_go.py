"""Go's NO_PROXY matching as docs/explanation/no-proxy-by-runtime.md describes it (the differential
tests prove it against real Go)."""

from __future__ import annotations

import pytest

from xpnet.runtimes.go import effective, no_proxy_match


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "entry"),
    [
        ("10.0.0.0/8", "10.96.0.1", "443", "10.0.0.0/8"),
        (".svc,.cluster.local", "10.96.0.1", "443", None),
        (".svc,.cluster.local", "fn.crossplane-system", "9443", None),
        ("crossplane-system", "fn.crossplane-system", "9443", "crossplane-system"),
        (".crossplane-system", "fn.crossplane-system", "9443", ".crossplane-system"),
        (".crossplane-system", "crossplane-system", "9443", None),
        ("*.corp", "a.corp", "443", "*.corp"),
        ("corp:443", "a.corp", "80", None),
        ("corp:443", "a.corp", "443", "corp:443"),
        ("0.0.1", "10.0.0.1", "443", None),
        ("[fd00::1]", "fd00::1", "443", None),
        ("fd00::1", "fd00::1", "443", "fd00::1"),
        ("fd00::/8", "fd00::1", "443", "fd00::/8"),
        ("10.0.0.0/8:443", "10.0.0.1", "443", None),
        ("", "localhost", "80", "(loopback)"),
        ("", "127.0.0.2", "80", "(loopback)"),
        ("*", "anything", "1", "*"),
        (" A.Example ", "x.a.example", "1", "A.Example"),
    ],
)
def test_match(no_proxy: str, host: str, port: str, entry: str | None) -> None:
    match = no_proxy_match(no_proxy, host, port)
    assert match.entry == entry
    assert match.direct is (entry is not None)


def test_upper_case_wins_when_non_empty() -> None:
    assert effective({"NO_PROXY": "a", "no_proxy": "b"}, "NO_PROXY") == "a"
    assert effective({"NO_PROXY": "", "no_proxy": "b"}, "NO_PROXY") == "b"
    assert effective({}, "NO_PROXY") == ""
