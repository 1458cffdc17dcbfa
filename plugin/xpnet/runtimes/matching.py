"""Small helpers the runtime models share."""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def in_cidr(host: str, entry: str) -> bool:
    address = ip(host)
    if address is None or "/" not in entry:
        return False
    try:
        network = ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


def suffix(host: str, name: str) -> bool:
    """Label-boundary suffix match: `name` is the host or a parent domain of it."""
    return bool(name) and (host == name or host.endswith("." + name))


def bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def to_ascii(name: str) -> str:
    """An internationalised name in its xn-- form (clients that convert do it like this)."""
    if name.isascii():
        return name
    bare = name.lstrip(".")
    try:
        return name[: len(name) - len(bare)] + bare.encode("idna").decode("ascii")
    except UnicodeError:
        return name
