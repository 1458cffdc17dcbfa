"""What a NO_PROXY entry given to xpnet may look like: the one check behind spec.proxy.noProxy,
spec.cluster.apiServerAddresses and the xpnet.dev/extra-no-proxy annotation, and the network an
address entry stands for. Pure, and free of pydantic so that reading manifests does not load the
configuration's validator."""

from __future__ import annotations

import functools
import ipaddress
import re

from xpnet.credentials import redact

# Printable ASCII without ',', '%' and '@' (IDN must be written as punycode; zone IDs are
# unusable; an '@' belongs to a URL's credentials, never to a host).
NO_PROXY_ENTRY_PATTERN = r"^\s*[!-$&-+\--?A-~]+\s*$"


def ascii_hint(value: str) -> str:
    """Why a non-ASCII or zoned host cannot be used, and what to write instead."""
    if "%" in value:
        return "has an IPv6 zone ID (%...); proxies and NO_PROXY matching cannot use it: drop it"
    try:
        ascii_form = value.encode("idna").decode("ascii")
    except UnicodeError:
        return "is not ASCII; write internationalised names in their xn-- (punycode) form"
    return f"is an internationalised name; write its ASCII form {ascii_form}"


def problem(
    value: str, fix: str = "give one entry per list item, without commas or inner spaces"
) -> str | None:
    """Why `value` cannot be a NO_PROXY entry, or None; `fix` says how to write entries where
    it came from."""
    shown = redact(value.strip())  # a proxy URL pasted here keeps its password to itself
    if "@" in value:
        return f"{shown!r} has credentials (user:password@); NO_PROXY takes host names: {fix}"
    if not value.strip().isascii() or "%" in value:
        return f"{shown!r} {ascii_hint(value.strip())}"
    if not re.match(NO_PROXY_ENTRY_PATTERN, value):
        return f"{value!r}: {fix}"
    # What check would call unusable in the manifests (XPN007, XPN008 in docs/rules.md) is
    # refused before fix can write it.
    if value.strip() == "*":
        return (
            "'*' sends every destination direct, package pulls included, so the proxy is never "
            "used: remove it"
        )
    if (why := go_cannot_use(value.strip().lower())) is not None:
        return f"{shown!r} {why}"
    return None


_BRACKETED_NO_PORT = re.compile(r"^\[[^\]]*\]$")
_CIDR_WITH_PORT = re.compile(r"^[0-9a-f.:\[\]]+/\d+:\d+$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://")
_SPACE = re.compile(r"\s")
# Host names, domain suffixes and IPv4 addresses or CIDRs without a port: none of the cases below.
_PLAIN = re.compile(r"[a-z0-9._-]+(?:/\d+)?")


@functools.lru_cache(maxsize=4096)  # entries repeat in every env block of every render
def go_cannot_use(entry: str) -> str | None:
    """Why Go's httpproxy cannot use an entry, or None when it can
    (docs/explanation/no-proxy-by-runtime.md)."""
    if entry == "*" or _PLAIN.fullmatch(entry):
        return None
    if _SPACE.search(entry):
        return "has inner white space; Go never matches it"
    if _CIDR_WITH_PORT.match(entry):
        return "is a CIDR with a port; Go never matches it: drop the port"
    if _BRACKETED_NO_PORT.match(entry):
        return (
            f"is a bracketed IPv6 address without a port; Go never matches it: write {entry[1:-1]}"
        )
    if _URL.match(entry) or "@" in entry:
        # The host follows the last '@': whatever precedes it may be a password.
        host = re.split(r"[/?#]", _URL.sub("", entry).rpartition("@")[2], maxsplit=1)[0]
        what = "has credentials (user:password@)" if "@" in entry else "is a URL"
        return f"{what}; NO_PROXY takes host names, so no runtime matches it: write {host}"
    if "*" in entry.removeprefix("*."):
        return (
            "has a wildcard inside; runtimes take * only alone or as a leading *. (Go), so none "
            "matches it: write a CIDR (10.0.0.0/24) or a .domain suffix"
        )
    return None


def network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """An IP or a CIDR as a network; None for anything else. An IPv4-mapped IPv6 address or CIDR
    is the IPv4 one it maps: the connection leaves the pod as IPv4, and Go's NO_PROXY matches it
    so (https://pkg.go.dev/net#IPNet.Contains)."""
    try:
        net = ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return None
    if isinstance(net, ipaddress.IPv6Network) and net.prefixlen >= 96:
        mapped = net.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.ip_network(f"{mapped}/{net.prefixlen - 96}")
    return net
