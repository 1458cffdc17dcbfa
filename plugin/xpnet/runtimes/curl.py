"""curl (lib/noproxy.c, 7.86+; checked with 7.88 per docs/explanation/no-proxy-by-runtime.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from xpnet.runtimes import Decision, Target
from xpnet.runtimes.matching import in_cidr, ip, to_ascii

WHO = "curl"


def _proxy(env: Mapping[str, str], scheme: str) -> tuple[str | None, str]:
    # http_proxy is read in lower case only (HTTP_PROXY is a CGI header); others lower first.
    names = ["http_proxy"] if scheme == "http" else [f"{scheme}_proxy", f"{scheme.upper()}_PROXY"]
    for name in [*names, "all_proxy", "ALL_PROXY"]:
        if env.get(name):
            return env[name], name
    return None, ""


def _matches(host: str, entry: str) -> bool:
    address = ip(host)
    if address is not None:
        if address.version == 6:  # curl 7.88 (checked): IPv6 only by the bare address
            return entry == host
        if "/" in entry:  # curl reads the prefix with atoi: "10.0.0.0/8:443" is /8
            network, _, bits = entry.partition("/")
            digits = re.match(r"\d*", bits)
            return bool(digits and digits.group()) and in_cidr(
                host, f"{network}/{digits.group() if digits else ''}"
            )
        return entry == host
    name = host.rstrip(".")
    token = entry[1:] if entry.startswith(".") else entry
    token = token.rstrip(".")
    if not token:
        return False
    return name == token or name.endswith("." + token)


def decide(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    value, name = _proxy(env, target.scheme)
    if value is None:
        return Decision(None, f"{WHO}: direct: no {target.scheme}_proxy or all_proxy set")
    bypass_name = "NO_PROXY" if env.get("NO_PROXY") and not env.get("no_proxy") else "no_proxy"
    no_proxy = env.get(bypass_name, "")
    if no_proxy.strip() == "*":
        return Decision(None, f"{WHO}: direct: {bypass_name} is *")
    host = to_ascii(target.host)  # libidn2 converts the URL's host, not the entries
    for token in re.split(r"[,\s]+", no_proxy.lower()):
        if token and _matches(host, token):
            return Decision(
                None, f"{WHO}: direct: {bypass_name} entry {token!r} matches {target.host}"
            )
    proxy = value if "://" in value else "http://" + value
    return Decision(
        proxy,
        f"{WHO}: proxy from {name}: no {bypass_name} entry matches {target.host}",
    )
