"""Node: proxy-from-env (Rob--W/proxy-from-env 1.1) and undici's EnvHttpProxyAgent."""

from __future__ import annotations

import re
from collections.abc import Mapping

from xpnet.runtimes import Decision, Target
from xpnet.runtimes.matching import bracket, to_ascii


def _entries(no_proxy: str) -> list[tuple[str, int]]:
    out = []
    for entry in re.split(r"[,\s]", no_proxy.lower()):
        if entry:
            m = re.match(r"^(.+):(\d+)$", entry)
            out.append((m.group(1), int(m.group(2))) if m else (entry, 0))
    return out


def _matches(host: str, port: int, entry: str, entry_port: int) -> bool:
    if entry_port and entry_port != port:
        return False
    if not entry.startswith((".", "*")):
        return host == entry  # a plain entry matches exactly, never subdomains
    return host.endswith(entry[1:] if entry.startswith("*") else entry)


def decide_proxy_from_env(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    who = "Node proxy-from-env"

    def get(key: str) -> tuple[str, str]:
        for name in (key.lower(), key.upper()):
            if env.get(name):
                return env[name], name
        return "", ""

    # url.parse and WHATWG URL convert the host to punycode; entries stay as written.
    host, port = bracket(to_ascii(target.host)), int(target.port)
    no_proxy, no_name = get("npm_config_no_proxy")
    if not no_proxy:
        no_proxy, no_name = get("no_proxy")
    if no_proxy.lower() == "*":
        return Decision(None, f"{who}: direct: {no_name} is *")
    for entry, entry_port in _entries(no_proxy):
        if _matches(host, port, entry, entry_port):
            return Decision(None, f"{who}: direct: {no_name} entry {entry!r} matches {host}")
    for key in (
        f"npm_config_{target.scheme}_proxy",
        f"{target.scheme}_proxy",
        "npm_config_proxy",
        "all_proxy",
    ):
        value, name = get(key)
        if value:
            proxy = value if "://" in value else f"{target.scheme}://{value}"
            return Decision(proxy, f"{who}: proxy from {name}: no no_proxy entry matches {host}")
    return Decision(None, f"{who}: direct: no {target.scheme}_proxy or all_proxy set")


def decide_undici(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    who = "Node undici EnvHttpProxyAgent"

    def first(*names: str) -> tuple[str, str]:  # `a ?? b`: an empty string still wins
        return next(((env[n], n) for n in names if n in env), ("", ""))

    http, http_name = first("http_proxy", "HTTP_PROXY")
    https, https_name = first("https_proxy", "HTTPS_PROXY")
    if target.scheme == "https" and not https:  # undici falls back to the http proxy
        https, https_name = http, http_name
    value, name = (https, https_name) if target.scheme == "https" else (http, http_name)
    no_proxy, no_name = first("no_proxy", "NO_PROXY")
    host, port = bracket(to_ascii(target.host)), int(target.port)
    entries = _entries(no_proxy)
    if entries and no_proxy == "*":
        return Decision(None, f"{who}: direct: {no_name} is *")
    for entry, entry_port in entries:
        if entry_port and entry_port != port:
            continue
        bare = re.sub(r"^\*?\.", "", entry)  # undici 7: "*.a" and ".a" match like "a"
        if host == bare or host.endswith("." + bare):
            return Decision(None, f"{who}: direct: {no_name} entry {entry!r} matches {host}")
    if not value:
        return Decision(None, f"{who}: direct: no {target.scheme}_proxy set")
    return Decision(value, f"{who}: proxy from {name}: no no_proxy entry matches {host}")
