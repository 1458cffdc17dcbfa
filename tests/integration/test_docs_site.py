"""The docs site builds strictly with MkDocs and Material for MkDocs (a broken link, a page left
out of the navigation or a missing anchor fails the build), every link of the built site leads
somewhere, and a real browser (Debian's headless Chromium, driven over its DevTools protocol)
renders the home page and a how-to, follows the navigation and finds pages with the search."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, ROOT

MKDOCS = Path(sys.executable).parent / "mkdocs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(out)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for key in ("href", "src"):
            if tag in ("a", "link", "script", "img") and found.get(key):
                self.links.append(str(found[key]))


def _parsed(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text())
    return parser


def test_the_site_builds_strictly_and_every_link_leads_somewhere(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 20, [str(p) for p in pages]
    broken = []
    for page in pages:
        for link in _parsed(page).links:
            if re.match(r"^[a-z]+:", link) or link.startswith("//"):
                continue  # external: the site links out only to upstream sources
            target, _, anchor = link.partition("#")
            base = site if target.startswith("/") else page.parent  # 404.html: from the root
            path = (base / target.lstrip("/")).resolve() if target else page
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{page.relative_to(site)}: {link}")
            elif anchor and path.suffix == ".html" and anchor not in _parsed(path).ids:
                broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert not broken, "\n".join(broken[:40])


# ---------------------------------------------------------------------------------------------
# A real browser.


def _chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    reason = "REAL TOOL MISSING: chromium (Debian's package) is not installed; run scripts/setup"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on loopback (the search index is fetched, as on a real host)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Browser:
    """Headless Chromium, one page, spoken to over the DevTools protocol."""

    def __init__(self, binary: str) -> None:
        import websocket  # websocket-client

        self.profile = tempfile.mkdtemp(prefix="xpnet-chromium-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        endpoint = self._endpoint()
        tabs = json.load(urllib.request.urlopen(f"http://{endpoint}/json", timeout=10))
        page = next(t for t in tabs if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.call("Page.enable")

    def _endpoint(self) -> str:
        """Chromium says on stderr where it listens: DevTools listening on ws://HOST:PORT/..."""
        assert self.process.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if found := re.search(r"DevTools listening on ws://([^/]+)/", line):
                return found.group(1)
        raise AssertionError("chromium did not start its DevTools endpoint")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                result: dict[str, Any] = message.get("result", {})
                return result

    def js(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        return result.get("result", {}).get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && !!document.querySelector('h1')")

    def wait_for(self, expression: str, seconds: float = 20) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if value := self.js(expression):
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def close(self) -> None:
        self.socket.close()
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser(_chromium())
    try:
        yield opened
    finally:
        opened.close()


def test_the_home_page_renders_with_its_navigation(browser: Browser, served: str) -> None:
    browser.open(served)
    assert browser.js("document.title").startswith("xpnet")
    assert browser.js("document.querySelector('h1').textContent").strip()
    entries = browser.js(
        "Array.from(document.querySelectorAll('nav.md-nav--primary a.md-nav__link'))"
        ".map(a => a.textContent.trim())"
    )
    for wanted in ("Tutorial", "kustomize", "Configuration", "Rules", "Troubleshooting"):
        assert any(wanted in e for e in entries), (wanted, entries)


def test_a_how_to_renders_and_the_navigation_leads_to_it(browser: Browser, served: str) -> None:
    browser.open(served)
    href = browser.js(
        "Array.from(document.querySelectorAll('nav.md-nav--primary a.md-nav__link'))"
        ".find(a => a.textContent.trim() === 'Helm 3 and 4').href"
    )
    assert href, "no navigation entry for the Helm how-to"
    browser.open(href)
    assert "Helm" in browser.js("document.querySelector('h1').textContent")
    assert browser.js("document.querySelectorAll('pre code').length") > 0
    assert browser.js("location.pathname").endswith("/how-to/helm/")


def test_the_search_finds_pages(browser: Browser, served: str) -> None:
    browser.open(served)
    browser.js(
        "(() => { const i = document.querySelector('input.md-search__input'); i.focus();"
        " i.value = 'post-renderer'; i.dispatchEvent(new Event('input', {bubbles: true}));"
        " i.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true})); return true })()"
    )
    count = browser.wait_for("document.querySelectorAll('.md-search-result__item').length")
    titles = browser.js(
        "Array.from(document.querySelectorAll('.md-search-result__item h1, "
        ".md-search-result__item h2')).map(e => e.textContent)"
    )
    assert count >= 2 and any("Helm" in t for t in titles), titles
