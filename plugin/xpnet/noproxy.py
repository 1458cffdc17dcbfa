"""The NO_PROXY set: every entry with the reason it is there. Pure."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from xpnet.clouds import ENDPOINTS
from xpnet.config import ClusterNetwork
from xpnet.entries import go_cannot_use as go_cannot_use  # its home; plan and netpol ask here
from xpnet.records import NamedTuple
from xpnet.versions import CROSSPLANE_HOST, CROSSPLANE_POD_IP, GRPC_GO_HOST, GRPC_GO_POD_IP


class Entry(NamedTuple):
    """One NO_PROXY entry and why it is there."""

    value: str
    group: str
    reason: str


class NoProxySet(NamedTuple):
    """The one NO_PROXY value for the whole install, in a deterministic order."""

    entries: tuple[Entry, ...]

    @property
    def value(self) -> str:
        return ",".join(e.value for e in self.entries)

    def __contains__(self, value: object) -> bool:
        return any(e.value == value for e in self.entries)

    def extended(self, values: Iterable[str], group: str, reason: str) -> NoProxySet:
        """This set with `values` appended where absent (a runtime config's declared extras)."""
        own = ((e.value, e.group, e.reason) for e in self.entries)
        return NoProxySet(_unique((*own, *((v, group, reason) for v in values))))


def split(value: str) -> list[str]:
    """Entries of a NO_PROXY value as every runtime reads them: comma separated, trimmed."""
    return [p.strip().lower() for p in value.split(",") if p.strip()]


def extend(value: str, extras: Sequence[str]) -> str:
    """A NO_PROXY value with a runtime config's declared extras appended where absent: what
    fix writes there when `value` is the install's."""
    have = set(split(value))
    more = [e for e in extras if e not in have]
    return ",".join(([value] if value else []) + more)


def without_extras(value: str, extras: Sequence[str]) -> str:
    """The install's part of a value `extend` made: the declared extras at its end removed."""
    parts = value.split(",")
    while parts and parts[-1].strip().lower() in extras:
        parts.pop()
    return ",".join(parts)


def first_ip(cidr: str) -> str:
    """The kubernetes Service IP of a service CIDR: its first host address
    (docs/explanation/no-proxy-by-runtime.md)."""
    return str(ipaddress.ip_network(cidr, strict=False).network_address + 1)


def compute(
    config: ClusterNetwork,
    namespace: str | Sequence[str],
    existing: Iterable[tuple[str, str]] = (),
) -> NoProxySet:
    """Compute the NO_PROXY set for an install (for runtime configs that several installs
    share, for all their namespaces); `existing` is (entry, where it was found)."""
    namespaces = (namespace,) if isinstance(namespace, str) else tuple(namespace)
    cluster = config.spec.cluster
    domain = cluster.domain
    groups: list[tuple[str, Sequence[tuple[str, str]]]] = [
        ("loopback", [(h, "loopback: always direct") for h in ("localhost", "127.0.0.1", "::1")]),
        (
            "api-server",
            [
                (first_ip(c), f"API server: kubernetes Service IP of {c}; client-go dials this IP")
                for c in cluster.serviceCIDRs
            ]
            + [
                ("kubernetes.default.svc", "API server: in-cluster Service name"),
                (f"kubernetes.default.svc.{domain}", "API server: fully qualified Service name"),
            ]
            + [(a, "API server: configured address") for a in cluster.apiServerAddresses],
        ),
        (
            "cluster",
            [
                (".svc", "cluster services by .svc name"),
                (f".{domain}", f"cluster names under the cluster domain {domain}"),
            ],
        ),
        (
            "functions",
            [
                entry
                for ns in namespaces
                for entry in (
                    (
                        ns,
                        f"function endpoints: {GRPC_GO_HOST} ({CROSSPLANE_HOST}) matches the "
                        f"host <function>.{ns}",
                    ),
                    (
                        f".{ns}",
                        f"function endpoints: <function>.{ns} for {GRPC_GO_HOST} "
                        f"({CROSSPLANE_HOST})",
                    ),
                )
            ]
            + [
                (
                    c,
                    f"function endpoints: {GRPC_GO_POD_IP} ({CROSSPLANE_POD_IP}) matches the "
                    "resolved pod IP",
                )
                for c in cluster.podCIDRs
            ],
        ),
        (
            "networks",
            [(c, "service network") for c in cluster.serviceCIDRs]
            + [(c, "node network") for c in cluster.nodeCIDRs],
        ),
        (
            "cloud",
            [
                (e.value, f"cloud {cluster.cloud}: {e.what}")
                for e in ENDPOINTS.get(cluster.cloud or "", ())
            ],
        ),
        (
            "user",
            [
                (e, f"ClusterNetwork {config.metadata.name}: spec.proxy.noProxy")
                for e in config.spec.proxy.noProxy
            ],
        ),
    ]
    if config.spec.policy.existingEntries == "merge":
        groups.append(("existing", list(existing)))

    return NoProxySet(
        _unique((raw, group, reason) for group, items in groups for raw, reason in items)
    )


def _unique(items: Iterable[tuple[str, str, str]]) -> tuple[Entry, ...]:
    """Entries trimmed and lower-cased, the first of each value kept."""
    seen: set[str] = set()
    entries: list[Entry] = []
    for raw, group, reason in items:
        value = raw.strip().lower()
        if value and value not in seen:
            seen.add(value)
            entries.append(Entry(value, group, reason))
    return tuple(entries)
