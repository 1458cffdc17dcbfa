"""Proxy credentials in URLs: where they may be, as any client could read them, and keeping
every form of them out of diagnostics (messages, results, logs, errors)."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A scheme as RFC 3986 §3.1 spells it, then "//". Without one, clients read the value as
# "http://" + value (Go's httpproxy, https://pkg.go.dev/golang.org/x/net/http/httpproxy), so a
# value such as user:pass@proxy:3128 carries credentials from its first character.
_SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*://")
# Kubernetes' dependent variables, $(VAR): xpnet's credentialsSecret form, not a secret itself.
_REFERENCE = re.compile(r"\$\([A-Za-z_][A-Za-z0-9_.-]*\)")
# What ends the user name and password for some client or other: Go's net/url and Python's
# urllib.parse end the authority at the first '/', '?' or '#' and take the last '@' in it;
# curl's URL parser takes the first '@' (https://curl.se/docs/url-syntax.html). Written
# percent-encoded, every client reads the same credentials.
_AMBIGUOUS = re.compile(r"[@/?#\s]|%(?![0-9A-Fa-f]{2})")
MASK = "***"
# Shorter strings are left alone by scrub(): they would match ordinary words of a message.
MIN_SECRET = 3


def span(url: str) -> tuple[int, int] | None:
    """Where a URL's credentials may be: after `scheme://` (or from the start) up to the last
    '@' of the whole value, which covers what every client reads and what the user meant."""
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else 0
    at = url.rfind("@")
    return (start, at) if at >= start else None


def userinfo(url: str) -> str | None:
    """The text span() marks, None without an '@'."""
    found = span(url)
    return None if found is None else url[found[0] : found[1]]


def redact(url: str) -> str:
    """A URL fit for messages: everything span() marks replaced by ***, even when the URL is
    malformed or has no scheme."""
    found = span(url)
    return url if found is None else url[: found[0]] + MASK + url[found[1] :]


def inline(url: str) -> bool:
    """Whether a proxy URL carries credentials itself: a user name or password that is not
    only $(VAR) references."""
    info = userinfo(url)
    return info is not None and _REFERENCE.sub("", info).strip(":") != ""


def ambiguous(url: str) -> bool:
    """Whether clients could disagree on where the credentials end ('@', '/', '?', '#', white
    space or a stray '%' in them, not percent-encoded)."""
    info = userinfo(url)
    return info is not None and _AMBIGUOUS.search(info) is not None


def _forms(secret: str) -> set[str]:
    """A secret as it may be written: raw, percent-decoded and -encoded, and escaped the way
    repr() and JSON quote strings."""
    import json  # only a run that meets a secret needs these
    from urllib.parse import quote, unquote

    plain = {secret, unquote(secret)}
    plain |= {quote(p, safe="") for p in set(plain)}
    out = set(plain)
    for p in plain:
        out |= {repr(p)[1:-1], json.dumps(p)[1:-1], json.dumps(p, ensure_ascii=False)[1:-1]}
    return {f for f in out if len(f) >= MIN_SECRET}


# Every secret seen in this run, and the pattern scrub() replaces them with; messages are made
# from many places (the config's validator, readers, rules), so the last line of defence is
# at the few functions that every diagnostic passes through.
_SEEN: set[str] = set()
_PATTERN: list[re.Pattern[str] | None] = [None]


def _candidates(value: str) -> Iterable[str]:
    """The parts of a value that may be URLs with credentials: the whole, and each item of a
    comma or white-space separated list (NO_PROXY)."""
    yield value
    if "," in value or " " in value.strip():
        yield from (p for p in re.split(r"[,\s]+", value) if "@" in p)


def remember(value: object) -> None:
    """Note the credentials in a value (a string, or strings nested in lists and mappings) so
    that scrub() removes them from diagnostics."""
    if isinstance(value, str):
        if "@" not in value:
            return
        added = False
        for part in _candidates(value):
            info = userinfo(part)
            if info is None or not inline(part):
                continue
            user, colon, password = info.partition(":")
            for secret in (info, password if colon else user):
                new = _forms(secret) - _SEEN
                if new:
                    _SEEN.update(new)
                    added = True
        if added:
            ordered = sorted(_SEEN, key=len, reverse=True)  # the longest form first
            alternatives = "|".join(map(re.escape, ordered))
            # Not inside a longer word: a password "pass" is not in "bypass".
            _PATTERN[0] = re.compile(
                rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            remember(key)
            remember(item)
    elif isinstance(value, list | tuple):
        for item in value:
            remember(item)


# A URL inside a message, up to the last '@' before a quote or white space ends it.
_URL_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s'\"]*@")


def forget() -> None:
    """Start a run with no secrets noted (a process may run several, as tests do)."""
    _SEEN.clear()
    _PATTERN[0] = None


def scrub(text: str) -> str:
    """A diagnostic with every credential remember() saw replaced by *** (in any letter case:
    NO_PROXY entries are lower-cased), and the credentials of any URL in it redacted."""
    pattern = _PATTERN[0]
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "@" in text:
        text = _URL_IN_TEXT.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    return text
