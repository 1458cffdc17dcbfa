"""Where a proxy URL's credentials are (xpnet.credentials), checked against the clients that
read them: Go's net/http (a probe built from tests/adversarial/secrets/userinfo_probe), curl
(its Proxy-Authorization header, caught by a listener on the loopback), CPython's urllib and
requests. What xpnet hides covers what any of them sends; what the configuration accepts, all of
them read alike. Plus properties of the reader on any text (a fuzz target)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import requests.utils
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import IN_CI, ROOT
from xpnet import credentials
from xpnet.credentials import ambiguous, inline, redact, remember, scrub, userinfo

PROBE = ROOT / "tests" / "adversarial" / "secrets" / "userinfo_probe"


def test_the_user_information_ends_at_the_last_at_sign_with_or_without_a_scheme() -> None:
    url = "http://us%40er:p@ss/w?rd#x@proxy:3128"
    assert userinfo(url) == "us%40er:p@ss/w?rd#x"
    assert redact(url) == "http://***@proxy:3128"
    assert redact("user:pass@proxy:3128") == "***@proxy:3128"
    assert redact("bob:a//b@proxy") == "***@proxy"  # "bob:a//" is no scheme
    assert redact("  HTTPS://u:p@[fd00::1]:3128") == "  HTTPS://***@[fd00::1]:3128"
    assert redact("http://proxy.corp.example:3128") == "http://proxy.corp.example:3128"


def test_inline_means_anything_but_secret_references() -> None:
    assert inline("http://bob:pw@proxy:3128")
    assert inline("bob:pw@proxy:3128")
    assert inline("http://token@proxy:3128")  # a user name alone is a credential too
    assert inline("http://$(XPNET_PROXY_USERNAME):pw@proxy:3128")
    assert not inline("http://$(XPNET_PROXY_USERNAME):$(XPNET_PROXY_PASSWORD)@proxy:3128")
    assert not inline("http://:@proxy:3128")
    assert not inline("http://proxy:3128")


@pytest.mark.parametrize(
    "url",
    [
        "http://bob:p@ss@proxy:3128",
        "http://bob:pa/ss@proxy:3128",
        "http://bob:pa?ss@proxy:3128",
        "http://bob:pa#ss@proxy:3128",
        "http://bob:pa ss@proxy:3128",
        "http://bob:pä@proxy:3128",
        "http://bob:100%@proxy:3128",
        "http://bob:a\\b@proxy:3128",
    ],
)
def test_credentials_clients_read_differently_are_ambiguous(url: str) -> None:
    assert ambiguous(url)
    assert not ambiguous(url.replace(userinfo(url) or "", quote(userinfo(url) or "", safe=":")))


def test_scrub_hides_every_form_of_a_remembered_password_and_no_word() -> None:
    credentials.forget()
    try:
        remember({"env": [{"value": "http://bob:Pa55%2Fw0rd!@proxy:3128"}]})
        remember("alice@corp.example")  # an e-mail address is no proxy URL
        for form in (
            "Pa55%2Fw0rd!",
            "Pa55/w0rd!",
            "pa55%2fw0rd!",
            "Pa55%252Fw0rd%21",
            "bob:Pa55%2Fw0rd!",
        ):
            assert "***" in scrub(f"value {form!r} here"), form
        assert scrub("bypass the proxy for alice") == "bypass the proxy for alice"
        assert scrub("is 'ftp://x:y@h/p'") == "is 'ftp://***@h/p'"
    finally:
        credentials.forget()


# Any text a user name or password may be made of, including what must be percent-encoded.
USERINFO = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("@:/?#%[] "),
    min_size=1,
    max_size=24,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
@example("http://a:b@c", "x http://a:b@c y")
def test_the_reader_takes_any_text(url: str, message: str) -> None:
    """A fuzz target: no text makes the reader fail, redacting twice changes nothing, and no
    text before the last '@' survives redaction."""
    credentials.forget()
    try:
        redacted = redact(url)
        assert redact(redacted) == redacted
        inline(url), ambiguous(url)
        remember([url, {url: url}])
        scrubbed = scrub(message)
        assert scrub(scrubbed) == scrubbed
        info = userinfo(url)
        if info is not None and info.strip():
            assert redacted.count("@") == 1 + url.count("@", url.rfind("@") + 1)
    finally:
        credentials.forget()


# Real clients ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def go_probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(go).exists():
        (pytest.fail if IN_CI else pytest.skip)("REAL TOOL MISSING: go (for the Go probe)")
    binary = tmp_path_factory.mktemp("probe") / "userinfo-probe"
    done = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=PROBE,
        env={**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return binary


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}


def go_reads(probe: Path, url: str) -> tuple[str, str, str] | None:
    """(user, password, host) net/http takes from HTTPS_PROXY, None when it refuses it."""
    done = subprocess.run(
        [str(probe)],
        env={**_clean_env(), "HTTPS_PROXY": url},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    answer = json.loads(done.stdout)
    return None if answer["error"] else (answer["user"], answer["password"], answer["host"])


class Listener:
    """A loopback proxy that answers 502 and keeps each request's Proxy-Authorization."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.seen: list[str | None] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                auth = None
                for line in data.decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.lower() == "proxy-authorization":
                        auth = value.strip()
                self.seen.append(auth)
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.sock.close()


def curl_reads(listener: Listener, url: str) -> tuple[str, str] | None:
    """(user, password) curl sends to the proxy at `url`, None when it sends none there."""
    curl = shutil.which("curl")
    if curl is None:
        (pytest.fail if IN_CI else pytest.skip)("REAL TOOL MISSING: curl")
    before = len(listener.seen)
    subprocess.run(
        [curl, "-s", "-o", "/dev/null", "--max-time", "5", "-x", url, "http://example.invalid/"],
        env=_clean_env(),
        capture_output=True,
        timeout=30,
    )
    if len(listener.seen) == before or listener.seen[-1] is None:
        return None
    scheme, _, token = (listener.seen[-1] or "").partition(" ")
    assert scheme == "Basic"
    user, _, password = base64.b64decode(token).decode("utf-8", "replace").partition(":")
    return user, password


def python_reads(url: str) -> list[tuple[str, str]]:
    """What urllib's ProxyHandler and requests send as credentials (nothing where they refuse
    the URL)."""
    out = []
    with contextlib.suppress(ValueError):
        _, user, password, _ = urllib.request._parse_proxy(url)  # type: ignore[attr-defined]
        out.append((unquote(user or ""), unquote(password or "")))
    with contextlib.suppress(ValueError):
        out.append(requests.utils.get_auth_from_url(url))
    return out


def xpnet_reads(url: str) -> tuple[str, str]:
    info = userinfo(url) or ""
    user, _, password = info.partition(":")
    return unquote(user), unquote(password)


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(user=USERINFO, password=USERINFO)
@example(user="us%40er", password="p@ss/w?rd#x")
@example(user="bob", password="p@ss")
@example(user="bob", password="a%zzb")
@example(user="b%C3%B6b", password="pa55%2Fw0rd!~*")
def test_what_xpnet_hides_covers_what_clients_send_and_what_it_accepts_they_read_alike(
    go_probe: Path, listener: Listener, user: str, password: str
) -> None:
    host = f"127.0.0.1:{listener.port}"
    url = f"http://{user}:{password}@{host}"
    go = go_reads(go_probe, url)
    curl = curl_reads(listener, url)
    assert redact(url) == f"http://***@{host}"
    info = userinfo(url) or ""
    for sent in [c for c in (go[:2] if go else None, curl, *python_reads(url)) if c]:
        for part in sent:  # taken from what redact() hides, decoded or not
            assert part in info or part in unquote(info), (url, sent)
    want = xpnet_reads(url)
    if not ambiguous(url):  # what the configuration accepts: every client reads the same
        assert go == (*want, host), (url, go)
        assert curl == want, (url, curl)
        assert all(p == want for p in python_reads(url)), url
    else:  # what it refuses: Go refuses it or reads another host, or curl differs
        assert go is None or go != (*want, host) or curl != want, (url, go, curl)


@pytest.mark.slow
def test_the_probe_is_go_itself(go_probe: Path) -> None:
    assert go_reads(go_probe, "user:pass@proxy:3128") == ("user", "pass", "proxy:3128")
    assert go_reads(go_probe, "http://us%40er:p@ss/w?rd#x@proxy:3128") == ("us@er", "p", "ss")
