"""Python urllib (CPython 3.11 urllib.request) and requests (utils.should_bypass_proxies;
2.34 per docs/explanation/no-proxy-by-runtime.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from xpnet.runtimes import Decision, Target
from xpnet.runtimes.matching import bracket, in_cidr, ip, suffix


def _environment_proxies(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """urllib.request.getproxies_environment: any case first, then lower case wins (and an
    empty lower-case value removes the entry)."""
    proxies: dict[str, tuple[str, str]] = {}
    for name, value in env.items():
        if value and name.lower().endswith("_proxy"):
            proxies[name.lower()[:-6]] = (value, name)
    for name, value in env.items():
        if name.endswith("_proxy"):
            if value:
                proxies[name.lower()[:-6]] = (value, name)
            else:
                proxies.pop(name.lower()[:-6], None)
    return proxies


def _splitport(host: str) -> tuple[str, str | None]:
    """urllib.parse._splitport: the last ':digits' is a port, even inside a bare IPv6 address."""
    m = re.fullmatch(r"(.*):([0-9]*)", host, re.DOTALL)
    return (m.group(1), m.group(2)) if m else (host, None)


def _urllib_bypass(no_proxy: str, host: str) -> str | None:
    """urllib.request.proxy_bypass_environment; `host` is what the caller passes: urllib's
    handler gives the URL's netloc ([v6]:port), requests gives the bare hostname."""
    if no_proxy == "*":
        return "*"
    host = host.lower()
    hostonly, _ = _splitport(host)
    for raw in no_proxy.split(","):
        name = raw.strip().lstrip(".").lower()
        if name and (suffix(hostonly, name) or suffix(host, name)):
            return raw.strip()
    return None


def _proxy(value: str) -> str:
    return value if "://" in value else "http://" + value


def decide_urllib(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    who = "Python urllib"
    proxies = _environment_proxies(env)
    if target.scheme not in proxies:
        return Decision(None, f"{who}: direct: no {target.scheme}_proxy set")
    value, name = proxies[target.scheme]
    no_proxy, no_name = proxies.get("no", ("", "no_proxy"))
    entry = _urllib_bypass(no_proxy, f"{bracket(target.host)}:{target.port}")
    if entry is not None:
        return Decision(None, f"{who}: direct: {no_name} entry {entry!r} matches {target.host}")
    return Decision(
        _proxy(value), f"{who}: proxy from {name}: no no_proxy entry matches {target.host}"
    )


def _requests_bypass(no_proxy: str, host: str, port: str) -> str | None:
    entries = [h for h in no_proxy.replace(" ", "").split(",") if h]
    address = ip(host)
    if address is not None and address.version == 4:
        for entry in entries:
            if ("/" in entry and in_cidr(host, entry)) or host == entry:
                return entry
    else:
        with_port = f"{host}:{port}"
        for entry in entries:
            name = entry.lstrip(".").lower()
            if suffix(host, name) or suffix(with_port, name):
                return entry
    return None


def decide_requests(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    who = "Python requests"
    no_name = next((n for n in ("no_proxy", "NO_PROXY") if env.get(n)), "no_proxy")
    no_proxy = env.get(no_name, "")
    entry = _requests_bypass(no_proxy, target.host, target.port) if no_proxy else None
    if entry is None:  # requests then asks urllib too
        entry = _urllib_bypass(_environment_proxies(env).get("no", ("", ""))[0], target.host)
    if entry is not None:
        return Decision(None, f"{who}: direct: {no_name} entry {entry!r} matches {target.host}")
    proxies = _environment_proxies(env)
    for key in (f"{target.scheme}://{target.host}", target.scheme, f"all://{target.host}", "all"):
        if key in proxies:
            value, name = proxies[key]
            return Decision(
                _proxy(value), f"{who}: proxy from {name}: no no_proxy entry matches {target.host}"
            )
    return Decision(None, f"{who}: direct: no {target.scheme}_proxy or all_proxy set")
