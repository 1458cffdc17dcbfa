"""Proxy credentials in URLs: where they may be, as any client could read them, and keeping
every form of them out of diagnostics (messages, results, logs, errors)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# A scheme as RFC 3986 §3.1 spells it, then "//". Without one, clients read the value as
# "http://" + value (Go's httpproxy, https://pkg.go.dev/golang.org/x/net/http/httpproxy), so a
# value such as user:pass@proxy:3128 carries credentials from its first character.
_SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*://")
# Kubernetes' dependent variables, $(VAR): xpnet's credentialsSecret form, not a secret itself.
_REFERENCE = re.compile(r"\$\([A-Za-z_][A-Za-z0-9_.-]*\)")
# What clients read differently in a user name or password, or refuse: Go's net/url and Python's
# urllib.parse end the authority at the first '/', '?' or '#' and take the last '@' in it,
# curl's URL parser the first '@' (https://curl.se/docs/url-syntax.html), and Go refuses any
# character but these and a '%' that starts no escape (validUserinfo in
# https://github.com/golang/go/blob/go1.22.0/src/net/url/url.go). Written percent-encoded,
# every client reads the same credentials.
_AMBIGUOUS = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:%]|%(?![0-9A-Fa-f]{2})")
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


def without(url: str) -> str:
    """The URL with what span() marks and its '@' taken out: the host the user meant."""
    found = span(url)
    return url if found is None else url[: found[0]] + url[found[1] + 1 :]


def inline(url: str) -> bool:
    """Whether a proxy URL carries credentials itself: a user name or password that is not
    only $(VAR) references."""
    info = userinfo(url)
    return info is not None and _REFERENCE.sub("", info).strip(":") != ""


def ambiguous(url: str) -> bool:
    """Whether clients could disagree on the credentials, or refuse them: a character in them
    that is to be percent-encoded ('@', '/', '?', '#', white space, non-ASCII, a stray '%')."""
    info = userinfo(url)
    return info is not None and _AMBIGUOUS.search(info) is not None


def _forms(secret: str) -> set[str]:
    """A secret as it may be written: raw, percent-decoded and -encoded, and escaped the way
    repr() and JSON quote strings."""
    import json  # only a run that meets a secret needs these
    from urllib.parse import quote, unquote

    plain = {secret, unquote(secret)}
    # A lone surrogate (a YAML \ud83d escape read on its own) is written with its escape.
    plain |= {quote(p, safe="", errors="backslashreplace") for p in set(plain)}
    out = set(plain)
    for p in plain:
        out |= {repr(p)[1:-1], json.dumps(p)[1:-1], json.dumps(p, ensure_ascii=False)[1:-1]}
    return {f for f in out if len(f) >= MIN_SECRET}


# Every secret seen in this run, by its longest run of letters and digits: scrub() matches a
# secret only where no letter or digit adjoins it, so each such run of it is a whole run of the
# message too, and a message whose runs name no secret (nearly all) costs one scan. Messages
# are made in many places (the config's validator, readers, rules); this is the last line of
# defence, at the few functions every diagnostic passes through.
_BY_RUN: dict[str, set[str]] = {}
_WITHOUT_RUN: set[str] = set()
_RUN = re.compile(r"[A-Za-z0-9]+")
_COMPILED: dict[frozenset[str], re.Pattern[str]] = {}


def _candidates(value: str) -> Iterable[str]:
    """The parts of a value that may be URLs with credentials: the whole, and each item of a
    comma or white-space separated list (NO_PROXY)."""
    yield value
    if "," in value or " " in value.strip():
        yield from (p for p in re.split(r"[,\s]+", value) if "@" in p)


def _note(value: str) -> None:
    for part in _candidates(value):
        info = userinfo(part)
        # A bare name@host (an e-mail address in an annotation) is no proxy URL.
        if info is None or not inline(part) or (":" not in info and not _SCHEME.match(part)):
            continue
        user, colon, password = info.partition(":")
        for secret in (info, password if colon else user):
            for form in _forms(secret):
                runs = _RUN.findall(form)
                if runs:
                    _BY_RUN.setdefault(max(runs, key=len).lower(), set()).add(form)
                else:
                    _WITHOUT_RUN.add(form)


def remember(value: object) -> None:
    """Note the credentials in a value (a string, or strings nested in lists and mappings) so
    that scrub() removes them from diagnostics."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "@" in item:
                _note(item)
        elif isinstance(item, Mapping):
            stack += item.keys()
            stack += item.values()
        elif isinstance(item, list | tuple):
            stack += item


def _pattern(secrets: frozenset[str]) -> re.Pattern[str]:
    found = _COMPILED.get(secrets)
    if found is None:
        alternatives = "|".join(map(re.escape, sorted(secrets, key=len, reverse=True)))
        # The longest form first; not inside a longer word: a password "pass" is not in "bypass".
        found = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)
        _COMPILED[secrets] = found
    return found


# A URL inside a message: from its "://" up to the last '@' before a quote or white space.
_URL_IN_TEXT = re.compile(r"://[^\s'\"]*@")


def forget() -> None:
    """Start a run with no secrets noted (a process may run several, as tests do)."""
    _BY_RUN.clear()
    _WITHOUT_RUN.clear()
    _COMPILED.clear()


def scrub(text: str) -> str:
    """A diagnostic with every credential remember() saw replaced by *** (in any letter case:
    NO_PROXY entries are lower-cased), and the credentials of any URL in it redacted."""
    if _BY_RUN or _WITHOUT_RUN:
        secrets = set(_WITHOUT_RUN)
        for run in {r.lower() for r in _RUN.findall(text)} & _BY_RUN.keys():
            secrets |= _BY_RUN[run]
        if secrets:
            text = _pattern(frozenset(secrets)).sub(MASK, text)
    if "@" in text:
        text = _URL_IN_TEXT.sub(f"://{MASK}@", text)
    return text
