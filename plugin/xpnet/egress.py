"""What the xpnet NetworkPolicies let the Crossplane pods reach outside the cluster (the proxy, the
API server, the cloud's metadata endpoints, extraEgress), and whether every destination a NO_PROXY
entry sends direct is among it. Pure; docs/networkpolicies.md explains the rules.

A NetworkPolicy judges addresses and ports, never names (an egress peer is a pod, a namespace or
an ipBlock CIDR: kubernetes.io/docs/concepts/services-networking/network-policies/), so a host
name is allowed only where its addresses are known: the API server's names (its addresses are
spec.cluster.apiServerAddresses), a cloud's metadata name, or names an extraEgress entry declares
in its hosts.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from xpnet.clouds import ENDPOINTS, POLICY_ONLY
from xpnet.clusternetwork import ClusterNetwork
from xpnet.entries import network
from xpnet.records import NamedTuple

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Range = tuple[int, int, int]  # IP version, first and last address as integers

# The kubernetes Service's port, and the port kubeadm and most distributions bind the API server
# to: CNIs judge egress after the Service IP was translated to the API server's own address.
API_SERVER_PORTS = (443, 6443)


class Allowance(NamedTuple):
    """One egress rule of the xpnet policies to addresses outside the cluster."""

    cidrs: tuple[str, ...]
    ports: tuple[int, ...]  # empty: every port
    protocol: str
    what: str  # the destination in words
    hosts: tuple[str, ...] = ()  # names declared to resolve into cidrs (extraEgress.hosts)


def _host_cidr(host: str) -> str | None:
    net = network(host) if "/" not in host else None
    return str(net) if net is not None else None


def proxy_allowances(config: ClusterNetwork) -> list[Allowance]:
    """One rule per set of proxy addresses, on the ports of the proxy URLs that use them: a proxy
    URL with an IP address is that address, one with a name is spec.networkPolicy.proxyCIDRs."""
    proxy = config.spec.proxy
    by_port: dict[int, list[str]] = {}
    for url in (proxy.httpProxy, proxy.httpsProxy, proxy.grpcProxy):
        if not url:
            continue
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:  # the model refuses such a URL; nothing to allow for it
            continue
        host = parts.hostname or ""
        own = _host_cidr(host)
        if host == "localhost" or (own is not None and ipaddress.ip_network(own).is_loopback):
            continue  # a proxy in the pod: no policy judges loopback
        cidrs = [own] if own is not None else list(config.spec.networkPolicy.proxyCIDRs)
        by_port.setdefault(port, []).extend(cidrs)
    by_cidrs: dict[tuple[str, ...], list[int]] = {}
    for port, cidrs in sorted(by_port.items()):
        by_cidrs.setdefault(tuple(dict.fromkeys(cidrs)), []).append(port)
    return [
        Allowance(cidrs, tuple(ports), "TCP", "the proxy")
        for cidrs, ports in by_cidrs.items()
        if cidrs
    ]


def api_server_cidrs(config: ClusterNetwork) -> list[str]:
    """The kubernetes Service IP of each service CIDR, and the API server addresses that are
    IPs or CIDRs."""
    cluster = config.spec.cluster
    first = [ipaddress.ip_network(c, strict=False)[1] for c in cluster.serviceCIDRs]
    cidrs = [f"{ip}/{ip.max_prefixlen}" for ip in first]
    cidrs += [str(n) for a in cluster.apiServerAddresses if (n := network(a)) is not None]
    return list(dict.fromkeys(cidrs))


def cloud_allowances(config: ClusterNetwork) -> list[Allowance]:
    """The metadata and identity endpoints spec.cluster.cloud puts into NO_PROXY, on their
    ports, and the addresses those endpoints are judged at."""
    cloud = config.spec.cluster.cloud or ""
    by_ports: dict[tuple[int, ...], list[str]] = {}
    for endpoint in ENDPOINTS.get(cloud, ()):
        net = ipaddress.ip_network(endpoint.ip)
        by_ports.setdefault(endpoint.ports, []).append(str(net))
    for extra in POLICY_ONLY.get(cloud, ()):
        by_ports.setdefault(extra.ports, []).append(extra.cidr)
    what = f"the {cloud} metadata and identity endpoints (spec.cluster.cloud)"
    return [
        Allowance(tuple(dict.fromkeys(cidrs)), ports, "TCP", what)
        for ports, cidrs in by_ports.items()
    ]


def allowances(config: ClusterNetwork) -> list[Allowance]:
    """Every egress rule to addresses outside the cluster, in the policies' order."""
    policy = config.spec.networkPolicy
    out = proxy_allowances(config)
    out.append(
        Allowance(tuple(api_server_cidrs(config)), API_SERVER_PORTS, "TCP", "the API server")
    )
    out += cloud_allowances(config)
    out += [
        Allowance(
            (e.cidr,),
            e.ports,
            e.protocol,
            f"spec.networkPolicy.extraEgress[{i}]",
            e.hosts,
        )
        for i, e in enumerate(policy.extraEgress)
    ]
    return out


# Judging a NO_PROXY entry.


class Blocked(NamedTuple):
    """A destination a NO_PROXY entry sends direct and the policies do not provably allow."""

    kind: str  # "blocked" (proven), "unprovable" (a name) or "in-cluster"
    destination: str  # in words: what goes direct
    fix: str  # what the user can write to resolve it


def _range(net: Network) -> Range:
    return net.version, int(net.network_address), int(net.broadcast_address)


def _ranges(cidrs: Iterable[str]) -> list[Range]:
    return sorted(_range(n) for c in cidrs if (n := network(c)) is not None)


def first_gap(target: Range, covers: Sequence[Range]) -> Range | None:
    """The first part of `target` no range of `covers` (sorted) holds; None when they hold all
    of it. One pass over `covers`."""
    version, pos, last = target
    for v, start, end in covers:
        if v != version or end < pos:
            continue
        if start > pos:
            return version, pos, min(start - 1, last)
        pos = end + 1
        if pos > last:
            return None
    return (version, pos, last) if pos <= last else None


def describe(gap: Range) -> str:
    """A range as the CIDRs it is made of: the first, and how many more."""
    version, first, last = gap
    cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    nets = ipaddress.summarize_address_range(cls(first), cls(last))
    head = next(nets)
    more = sum(1 for _ in nets)
    return str(head) + (f" (and {more} more CIDR{'s' if more > 1 else ''})" if more else "")


_PORT = re.compile(r"^(.*):(\d{1,5})$")


def _split_port(entry: str) -> tuple[str, int | None]:
    """An entry's host (brackets removed) and port, as Go's NO_PROXY parser reads `host:port`
    and `[v6]:port` (golang.org/x/net/http/httpproxy)."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        found = _PORT.match(rest) if rest else None
        return host, int(found.group(2)) if found else None
    found = _PORT.match(entry)
    if found and ":" not in found.group(1):
        return found.group(1), int(found.group(2))
    return entry, None


def _bare(name: str) -> tuple[str, bool]:
    """A host-name entry without its leading `*.` or `.`, and whether it had one (then it
    matches only names under it, not the name itself)."""
    if name.startswith("*."):
        return name[2:], True
    if name.startswith("."):
        return name[1:], True
    return name, False


def _covers(declared: str, entry: str) -> bool:
    """Whether every name `entry` matches is one `declared` matches (Go's suffix rules)."""
    d, d_sub = _bare(declared.lower())
    e, e_sub = _bare(entry.lower())
    if e.endswith("." + d):
        return True
    return e == d and (e_sub or not d_sub)


class Reach(NamedTuple):
    """What the policies of one configuration allow outside the cluster, ready to judge
    entries: built once a run."""

    rules: tuple[Allowance, ...]
    covered: tuple[Range, ...]  # every allowed address, any port, sorted
    cluster: tuple[Range, ...]  # the pod and service networks, sorted
    api_names: frozenset[str]
    domain: str
    cloud_names: dict[str, str]  # a metadata name → its address
    summary: str  # what the policies allow outside the cluster, in words

    @classmethod
    def of(cls, config: ClusterNetwork) -> Reach:
        rules = allowances(config)
        cluster = config.spec.cluster
        domain = cluster.domain
        names = {"kubernetes", "kubernetes.default", "kubernetes.default.svc"}
        names |= {f"kubernetes.default.svc.{domain}"}
        names |= {a.lower() for a in cluster.apiServerAddresses if network(a) is None}
        cloud_names = {e.value: e.address for es in ENDPOINTS.values() for e in es if e.address}
        what = ["the proxy", "the API server"]
        if cluster.cloud:
            what.append(f"the {cluster.cloud} metadata endpoints")
        if config.spec.networkPolicy.extraEgress:
            what.append("spec.networkPolicy.extraEgress")
        summary = ", ".join(what[:-1]) + " and " + what[-1]
        return cls(
            tuple(rules),
            tuple(_ranges(c for r in rules for c in r.cidrs)),
            tuple(_ranges((*cluster.podCIDRs, *cluster.serviceCIDRs))),
            frozenset(names),
            domain,
            cloud_names,
            summary,
        )

    def _allowed_at(self, port: int | None) -> list[Range]:
        if port is None:
            return list(self.covered)
        return _ranges(c for r in self.rules if not r.ports or port in r.ports for c in r.cidrs)

    def judge(self, entry: str, namespaces: Sequence[str]) -> Blocked | None:
        """Whether the destinations `entry` sends direct are allowed: None when they are (or
        the entry sends nothing anywhere a policy judges), else why not."""
        entry = entry.strip().lower()
        if entry == "*":
            return Blocked(
                "blocked",
                "every destination (package pulls and cloud APIs included)",
                "remove *",
            )
        host, port = _split_port(entry)
        net = network(host) if host else None
        if net is None and host in self.cloud_names:
            net = ipaddress.ip_network(self.cloud_names[host])
            port = port or 80
        if net is not None:
            return self._judge_network(entry, net, port)
        return self._judge_name(entry, host, port, namespaces)

    def _judge_network(self, entry: str, net: Network, port: int | None) -> Blocked | None:
        if net.is_loopback:
            return None  # never leaves the pod
        target = _range(net)
        outside = sorted([*self._allowed_at(port), *self.cluster])
        if (gap := first_gap(target, outside)) is not None:
            on = f" on port {port}" if port is not None else ""
            add = f"{{cidr: {net}{', ports: [' + str(port) + ']' if port else ''}}}"
            return Blocked(
                "blocked",
                f"{describe(gap)}{on}",
                f"add spec.networkPolicy.extraEgress {add} if Crossplane must reach it "
                "directly, else remove the entry",
            )
        if first_gap(target, self.cluster) is None and first_gap(target, self.covered):
            return Blocked(
                "in-cluster",
                f"{net} in the pod or service network",
                "if Crossplane must reach it, allow it with a NetworkPolicy of your own "
                "(NetworkPolicies add up), else remove the entry",
            )
        return None

    def _judge_name(
        self, entry: str, host: str, port: int | None, namespaces: Sequence[str]
    ) -> Blocked | None:
        bare, _ = _bare(host)
        if not bare or host in self.api_names or bare == "localhost":
            return None
        for rule in self.rules:
            on_port = not rule.ports or port is None or port in rule.ports
            if on_port and any(_covers(d, host) for d in rule.hosts):
                return None
        suffixes = ("svc", self.domain, *namespaces)
        if any(bare == s or bare.endswith("." + s) for s in suffixes):
            return Blocked(
                "in-cluster",
                f"names in the cluster ({host})",
                "if Crossplane must reach them, allow them with a NetworkPolicy of your own "
                "(NetworkPolicies add up), else remove the entry",
            )
        example = f"{{cidr: <its addresses>, hosts: [{host}]}}"
        return Blocked(
            "unprovable",
            f"the host name{'s under' if host.startswith(('.', '*.')) else ''} {host.lstrip('*')}",
            f"add spec.networkPolicy.extraEgress {example} if Crossplane must reach it "
            "directly, else remove the entry",
        )
