"""Go's NO_PROXY matching (golang.org/x/net/http/httpproxy, current Go;
docs/explanation/no-proxy-by-runtime.md)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from xpnet.records import NamedTuple
from xpnet.runtimes import Decision, Target
from xpnet.runtimes.matching import bracket, to_ascii

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_ip(text: str) -> IPAddress | None:
    """net.ParseIP: unlike matching.ip, brackets make it no IP (Go never matches `[fd00::1]`)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def split_host_port(addr: str) -> tuple[str, str] | None:
    """net.SplitHostPort: None where Go returns an error."""
    if addr.startswith("["):
        end = addr.find("]")
        if end < 0 or not addr[end + 1 :].startswith(":"):
            return None
        return addr[1:end], addr[end + 2 :]
    if addr.count(":") != 1:
        return None
    host, port = addr.split(":")
    return host, port


class Match(NamedTuple):
    """The NO_PROXY entry that sent a host direct, or None when it goes to the proxy."""

    entry: str | None
    direct: bool


def no_proxy_match(no_proxy: str, host: str, port: str) -> Match:
    """Whether Go sends host:port direct under this NO_PROXY value, and which entry decided.
    Go converts both the host and domain entries to their IDNA ASCII form."""
    host = to_ascii(host.lower())
    ip = _parse_ip(host)
    if host == "localhost" or (ip is not None and ip.is_loopback):
        return Match("(loopback)", True)
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return Match(entry, True)
        try:
            net = ipaddress.ip_network(entry, strict=False) if "/" in entry else None
        except ValueError:
            net = None
        if net is not None:
            if ip is not None and ip.version == net.version and ip in net:
                return Match(raw.strip(), True)
            continue
        hp = split_host_port(entry)
        if hp is not None:
            phost, pport = hp
            if not phost:
                continue
        else:
            phost, pport = entry, ""
        pip = _parse_ip(phost)
        if pip is not None:
            if ip is not None and ip == pip and (not pport or pport == port):
                return Match(raw.strip(), True)
            continue
        if not phost or ip is not None:
            continue
        if phost.startswith("*."):
            phost = phost[1:]
        match_host = not phost.startswith(".")
        if match_host:
            phost = "." + phost
        phost = to_ascii(phost)
        if (host.endswith(phost) or (match_host and host == phost[1:])) and (
            not pport or pport == port
        ):
            return Match(raw.strip(), True)
    return Match(None, False)


def effective(env: Mapping[str, str], upper: str) -> str:
    """Go reads the upper-case variable when non-empty, else the lower-case one."""
    return env.get(upper) or env.get(upper.lower()) or ""


def _proxy_url(value: str) -> str:
    """Go's parseProxy: a value without scheme (or unparsable as one) gets http://."""
    return value if "://" in value else "http://" + value


def go_http(env: Mapping[str, str], scheme: str, host: str, port: str, who: str) -> Decision:
    """net/http ProxyFromEnvironment (upper case wins when non-empty; https uses only
    HTTPS_PROXY, http only HTTP_PROXY since Go 1.16)."""
    upper = "HTTPS_PROXY" if scheme == "https" else "HTTP_PROXY"
    name = upper if env.get(upper) else upper.lower()
    value = env.get(name, "")
    if not value:
        return Decision(None, f"{who}: direct: neither {upper} nor {upper.lower()} is set")
    no_proxy_name = "NO_PROXY" if env.get("NO_PROXY") or not env.get("no_proxy") else "no_proxy"
    match = no_proxy_match(env.get(no_proxy_name, ""), host, port)
    if match.direct:
        if match.entry == "(loopback)":
            return Decision(None, f"{who}: direct: {bracket(host)} is loopback")
        return Decision(
            None,
            f"{who}: direct: {no_proxy_name} entry {match.entry!r} matches {bracket(host)}:{port}",
        )
    return Decision(
        _proxy_url(value),
        f"{who}: proxy from {name}: no {no_proxy_name} entry matches {bracket(host)}:{port}",
    )


def decide(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    return go_http(env, target.scheme, target.host, target.port, "Go net/http")


def decide_grpc_1_70(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    """grpc-go <= 1.70: the dialer checks each resolved address
    (docs/explanation/function-calls.md); a passthrough target's address is the target itself."""
    host = target.host
    if target.scheme == "dns" and _parse_ip(host) is None:
        if resolved is None:
            return Decision(
                None,
                "grpc-go <= 1.70: give the resolved address: it is what "
                "NO_PROXY is matched against",
            )
        host = resolved.lower().strip("[]")
    return go_http(env, "https", host, target.port, "grpc-go <= 1.70 (resolved address)")


def decide_grpc_1_71(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    """grpc-go >= 1.71: the delegating resolver checks the unresolved target host:port and,
    when proxied, sends CONNECT host:port (docs/explanation/function-calls.md)."""
    return go_http(env, "https", target.host, target.port, "grpc-go >= 1.71 (target host)")


# The remedies the seed analysis lists besides NO_PROXY, as clients built with them.


def decide_grpc_noproxy(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    """grpc-go dialled with grpc.WithNoProxy(): proxies are disabled for the ClientConn
    (grpc-go dialoptions.go), whatever the environment says."""
    return Decision(
        None, "grpc-go with WithNoProxy: WithNoProxy turns proxies off, whatever HTTPS_PROXY says"
    )


def decide_grpc_passthrough(
    env: Mapping[str, str], target: Target, resolved: str | None
) -> Decision:
    """grpc-go <= 1.70 dialling passthrough:///host:port instead of dns:///: the passthrough
    resolver hands the dialer the target itself, so NO_PROXY is matched against the host name,
    as grpc-go >= 1.71 does (docs/explanation/function-calls.md)."""
    host, port = target.host, target.port
    return go_http(env, "https", host, port, "grpc-go <= 1.70 with a passthrough:/// target")
