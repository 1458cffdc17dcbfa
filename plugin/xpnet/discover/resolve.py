"""The ClusterNetwork values that the evidence read from saved cluster objects gives: each value
resolved from its evidence with the reasons for it (sources that disagree are a problem, never
silently resolved). Pure: plain functions over the evidence."""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from xpnet import entries, noproxy
from xpnet.config import API_VERSION, KIND, load_config
from xpnet.config_model import CredentialsSecret
from xpnet.credentials import inline, redact
from xpnet.discover.saved import (
    ADDRESS,
    FLAG,
    LIVE,
    SERVICE_IP,
    SHARE,
    WHOLE,
    Evidence,
    Reading,
    network,
    without_credentials,
)
from xpnet.discover.saving import SAVE
from xpnet.errors import ConfigError
from xpnet.install import DEFAULT_NAMESPACE, CrossplaneInstall

# The values written as lists (the others are single values, or the credentials Secret's parts).
LISTS = ("noProxy", "podCIDRs", "serviceCIDRs", "nodeCIDRs", "apiServerAddresses")
_URLS = ("httpsProxy", "httpProxy")

# Service ranges that clusters get by default, each starting with the kubernetes Service IP (the
# API server gives that Service the first address of its range:
# docs/explanation/no-proxy-by-runtime.md):
_DEFAULT_SERVICE_RANGES = (
    # kubeadm (cmd/kubeadm/app/constants DefaultServicesSubnet), minikube
    ("10.96.0.0/12", "kubeadm's default serviceSubnet"),
    # k3s and RKE2 --service-cidr default (docs.k3s.io/cli/server, docs.rke2.io)
    ("10.43.0.0/16", "the k3s/RKE2 default service-cidr"),
    # EKS picks one of these when serviceIpv4Cidr is not given (EKS API KubernetesNetworkConfig)
    ("10.100.0.0/16", "one of EKS's default service ranges"),
    ("172.20.0.0/16", "one of EKS's default service ranges"),
    # az aks create --service-cidr default (learn.microsoft.com, AKS CNI overlay)
    ("10.0.0.0/16", "AKS's default service CIDR"),
    # OpenShift install-config networking.serviceNetwork default
    ("172.30.0.0/16", "OpenShift's default serviceNetwork"),
)
# Without a known default: a guess of this size around the kubernetes Service IP.
_GUESS_PREFIX = {4: 16, 6: 108}  # 108: the largest IPv6 service range the API server accepts

# The keys a credentials Secret holds unless the configuration names others.
DEFAULT_USERNAME_KEY = str(CredentialsSecret.model_fields["usernameKey"].default)
DEFAULT_PASSWORD_KEY = str(CredentialsSecret.model_fields["passwordKey"].default)

# Blocks that are not routed on the internet (RFC 1918, RFC 6598 shared address space, RFC 4193
# unique local addresses): the smallest range covering addresses of one of them stays in it. A
# range reaching past one of them, or wider than these prefixes in public space, is not taken
# to stand for a network: in NO_PROXY it would send unrelated traffic around the proxy.
_PRIVATE_BLOCKS = tuple(
    ipaddress.ip_network(b)
    for b in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_WIDEST_PUBLIC_SPAN = {4: 16, 6: 48}
# How many sources a comment lists one by one (the nodes of a large cluster are summed up).
_LISTED = 10

# The pod network's other homes, for the "not found here" message.
_POD_NETWORK_ELSEWHERE = (
    f"the kube-proxy ConfigMap (`{SAVE['kube-proxy']}`), kubeadm-config (`{SAVE['kubeadm']}`), "
    "or the CNI's own pools: Calico `kubectl get ippools.crd.projectcalico.org -o yaml` "
    "(spec.cidr), Cilium `kubectl -n kube-system get configmap cilium-config -o yaml` "
    f"(cluster-pool-ipv4-cidr); on EKS with the VPC CNI the VPC (`{SAVE['vpc']}`), on AKS "
    "without overlay the node pool's subnet (`az network vnet subnet show --ids "
    "<agentPoolProfiles[].vnetSubnetId>`)"
)


# Each value --------------------------------------------------------------------------------------


def _say(items: Iterable[str]) -> str:
    return ", ".join(items)


def _shown(item: str) -> str:
    """An item for messages: a proxy URL's credentials are never repeated."""
    return redact(item)


def _conflict(value: str, groups: Sequence[tuple[Sequence[str], Sequence[Evidence]]]) -> str:
    sides = [f"{_say(map(_shown, items))} from {_origins(evidence)}" for items, evidence in groups]
    if len(sides) > _LISTED + 1:  # the first few sides, and how many more
        sides = [*sides[:_LISTED], f"{len(sides) - _LISTED} more sides"]
    return (
        f"{value}: the sources disagree: " + " | ".join(sides) + "; give only the files of this "
        "cluster, or correct the stale one (nothing was printed)"
    )


def _agree(value: str, evidence: Sequence[Evidence], reading: Reading) -> tuple[str, ...]:
    """The one set of items that all evidence gives, or a problem listing each side."""
    groups: dict[frozenset[str] | tuple[str, ...], list[Evidence]] = {}
    for e in evidence:  # a list's order does not matter, a single value's parts' does
        groups.setdefault(frozenset(e.items) if value in LISTS else e.items, []).append(e)
    if len(groups) > 1:
        reading.problems.append(_conflict(value, [(g[0].items, g) for g in groups.values()]))
        return ()
    return evidence[0].items if evidence else ()


class _Cover:
    """The address space of a set of CIDRs, per IP family as sorted disjoint intervals, so that
    whether a range lies inside their union is a binary search (n log n for n ranges)."""

    def __init__(self, cidrs: Iterable[str]) -> None:
        spans: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for net in map(network, cidrs):
            spans[net.version].append((int(net.network_address), int(net.broadcast_address)))
        self.starts: dict[int, list[int]] = {}
        self.ends: dict[int, list[int]] = {}
        for version, found in spans.items():
            merged: list[list[int]] = []
            for low, high in sorted(found):
                if merged and low <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], high)
                else:
                    merged.append([low, high])
            self.starts[version] = [low for low, _ in merged]
            self.ends[version] = [high for _, high in merged]

    def covers(self, item: str) -> bool:
        net = network(item)
        low, high = int(net.network_address), int(net.broadcast_address)
        at = bisect.bisect_right(self.starts[net.version], low) - 1
        return at >= 0 and self.ends[net.version][at] >= high


def _span(items: Sequence[str]) -> tuple[str, ...]:
    """The smallest prefix per IP family covering every item, families in order of appearance."""
    nets = [network(i) for i in items]
    out = []
    for version in dict.fromkeys(n.version for n in nets):
        same = [n for n in nets if n.version == version]
        low = min(int(n.network_address) for n in same)
        high = max(int(n.broadcast_address) for n in same)
        bits = same[0].max_prefixlen
        prefix = min(bits - (low ^ high).bit_length(), min(n.prefixlen for n in same))
        out.append(str(ipaddress.ip_network((low, prefix), strict=False)))
    return tuple(out)


def _outside(
    value: str,
    evidence: Sequence[Evidence],
    chosen: Sequence[str],
    sources: Sequence[Evidence],
    network: str,
    reading: Reading,
) -> bool:
    """One problem for the evidence whose items lie outside the chosen network (the first few
    named, the rest counted); whether there was any."""
    cover = _Cover(chosen)
    found = [(out, [e]) for e in evidence if (out := [i for i in e.items if not cover.covers(i)])]
    if not found:
        return False
    items = [i for out, _ in found[:_LISTED] for i in out]
    more = f" (and those of {len(found) - _LISTED} more)" if len(found) > _LISTED else ""
    reading.problems.append(
        _conflict(value, [*found[:_LISTED], (chosen, sources)])
        + f": {_say(items)}{more} {'is' if len(items) == 1 and not more else 'are'} outside "
        f"the {network} network"
    )
    return True


def _origins(evidence: Sequence[Evidence]) -> str:
    """Where evidence comes from, the first few named and the rest counted."""
    more = len(evidence) - _LISTED
    return "; ".join(e.origin for e in evidence[:_LISTED]) + (
        f" and {more} more" if more > 0 else ""
    )


def _the_nodes(count: int) -> str:
    return "the node's" if count == 1 else f"the {count} nodes'"


def _too_wide(span: str) -> bool:
    net = network(span)
    private = (b for b in _PRIVATE_BLOCKS if b.version == net.version)
    if any(net.subnet_of(b) for b in private):  # type: ignore[arg-type]
        return False
    return net.prefixlen < _WIDEST_PUBLIC_SPAN[net.version]


def _listed(evidence: Sequence[Evidence]) -> tuple[str, ...]:
    """Comment lines naming each source's items, the first few of a long list only."""
    lines = tuple(f"  {_say(e.items)} from {e.origin}" for e in evidence[:_LISTED])
    more = len(evidence) - _LISTED
    return lines + ((f"  and {more} more",) if more > 0 else ())


@dataclass(frozen=True)
class Value:
    """A resolved ClusterNetwork value and the comment lines that say where it came from."""

    items: tuple[str, ...]
    reasons: tuple[str, ...]


def _from(evidence: Sequence[Evidence]) -> tuple[str, ...]:
    return tuple(f"from {e.origin}" for e in evidence)


def _pods(reading: Reading) -> Value | None:
    whole = reading.of("podCIDRs", WHOLE)
    shares = reading.of("podCIDRs", SHARE)
    allocated = [e for e in shares if e.items]
    chosen = _agree("podCIDRs", whole, reading)
    if chosen:
        reasons = _from(whole)
        _outside("podCIDRs", allocated, chosen, whole, "pod", reading)
        if allocated:
            reasons += (f"covers {_the_nodes(len(allocated))} spec.podCIDRs",)
        return Value(chosen, reasons)
    if whole:  # they disagreed
        return None
    if allocated:
        span = _span([i for e in allocated for i in e.items])
        wide = [w for w in span if _too_wide(w)]
        if wide:
            reading.problems.append(
                "podCIDRs: not found here: the smallest range covering "
                f"{_the_nodes(len(allocated))} spec.podCIDRs ({_origins(allocated)}) is "
                f"{_say(wide)}, too wide to stand for the pod network (it reaches past one "
                f"private address block); give {_POD_NETWORK_ELSEWHERE}"
            )
            return None
        unallocated = len(shares) - len(allocated)
        reading.notes.append(
            f"warning: podCIDRs {_say(span)} is the smallest range covering "
            f"{_the_nodes(len(allocated))} spec.podCIDRs"
            + (f" ({unallocated} more nodes have none)" if unallocated else "")
            + "; the cluster's pod network is probably larger (nodes added later get ranges "
            f"outside it): give {_POD_NETWORK_ELSEWHERE}"
        )
        return Value(
            span,
            (
                "APPROXIMATE: the smallest range covering the nodes' spec.podCIDRs:",
                *_listed(allocated),
            ),
        )
    if reading.pod_hints:
        reading.problems.append(f"podCIDRs: not found here: {'; '.join(reading.pod_hints)}")
    elif shares:
        bare = ", ".join(e.origin for e in shares[:3]) + (" ..." if len(shares) > 3 else "")
        reading.problems.append(
            f"podCIDRs: not found here: the nodes have no spec.podCIDRs ({bare}): the CNI "
            f"gives pods their addresses itself; look at {_POD_NETWORK_ELSEWHERE}"
        )
    else:
        reading.problems.append(
            f"podCIDRs: no source for the pod network; save `{SAVE['nodes']}` and "
            f"`{SAVE['kube-proxy']}` (or `{SAVE['kubeadm']}`, or a cloud CLI's output) and give "
            "them"
        )
    return None


def _guess_services(ips: Evidence, reading: Reading) -> Value:
    guesses, reasons = [], []
    for ip in map(ipaddress.ip_address, ips.items):
        known = [
            (cidr, why)
            for cidr, why in _DEFAULT_SERVICE_RANGES
            if ip == network(cidr).network_address + 1
        ]
        if known:
            cidr, why = known[0]
        else:
            cidr = str(ipaddress.ip_network((ip, _GUESS_PREFIX[ip.version]), strict=False))
            why = f"a /{_GUESS_PREFIX[ip.version]} around it"
        guesses.append(cidr)
        reasons.append(f"GUESS: {cidr} ({why}) from the kubernetes Service IP {ip} in {ips.origin}")
    confirm = (
        f"confirm with `{SAVE['servicecidrs']}` (Kubernetes 1.33+) or kube-apiserver's "
        f"--service-cluster-ip-range (`{SAVE['control-plane']}`) and give that file instead"
    )
    reading.notes.append(
        f"warning: serviceCIDRs {_say(guesses)} is a GUESS from the kubernetes Service's "
        f"ClusterIP (the API server gives it the first address of its range): {confirm}"
    )
    return Value(tuple(guesses), (*reasons, confirm))


def _services(reading: Reading) -> Value | None:
    live = reading.of("serviceCIDRs", LIVE)
    whole = reading.of("serviceCIDRs", WHOLE)
    ips = reading.of("serviceCIDRs", SERVICE_IP)
    if live:
        chosen = tuple(dict.fromkeys(i for e in live for i in e.items))
        for e in whole:  # the configured range: one of the live ones (more can be added)
            if not set(e.items) <= set(chosen):
                reading.problems.append(_conflict("serviceCIDRs", [(e.items, [e]), (chosen, live)]))
        reasons = _from(live) + _from(whole)
    else:
        chosen = _agree("serviceCIDRs", whole, reading)
        reasons = _from(whole)
        if whole and not chosen:
            return None
    if not chosen:
        if ips:
            return _guess_services(ips[0], reading)
        reading.problems.append(
            f"serviceCIDRs: no source for the service network; save `{SAVE['servicecidrs']}` "
            f"(Kubernetes 1.33+), `{SAVE['kubeadm']}` or `{SAVE['kubernetes']}` (then xpnet "
            "guesses) and give it"
        )
        return None
    if not _outside("serviceCIDRs", ips, chosen, live or whole, "service", reading):
        reasons += tuple(f"holds the address {_say(e.items)} from {e.origin}" for e in ips)
    return Value(chosen, reasons)


def _nodes(reading: Reading) -> Value | None:
    whole = reading.of("nodeCIDRs", WHOLE)
    addresses = reading.of("nodeCIDRs", ADDRESS)
    chosen = _agree("nodeCIDRs", whole, reading)
    if chosen:
        _outside("nodeCIDRs", addresses, chosen, whole, "node", reading)
        return Value(chosen, _from(whole))
    if whole or not addresses:
        return None
    span = _span([i for e in addresses for i in e.items])
    wide = [w for w in span if _too_wide(w)]
    if wide:
        reading.notes.append(
            "warning: nodeCIDRs left out: the smallest range covering "
            f"{_the_nodes(len(addresses))} InternalIP addresses ({_origins(addresses)}) is "
            f"{_say(wide)}, too wide to "
            "stand for the nodes' network (it reaches past one private address block); write "
            "spec.cluster.nodeCIDRs from your infrastructure if clients must reach the nodes "
            "directly"
        )
        return None
    reading.notes.append(
        f"warning: nodeCIDRs {_say(span)} is APPROXIMATE: the smallest range covering "
        f"{_the_nodes(len(addresses))} InternalIP addresses; the nodes' subnets may be larger (or "
        "this range may cover hosts that are not nodes): correct it from your infrastructure"
    )
    return Value(
        span,
        (
            "APPROXIMATE: the smallest range covering the nodes' InternalIP addresses:",
            *_listed(addresses),
        ),
    )


def _single(value: str, reading: Reading) -> Value | None:
    evidence = reading.of(value)
    flags = [e for e in evidence if e.grade == FLAG]
    if flags:
        overridden = [e for e in evidence if e.grade != FLAG and e.items != flags[0].items]
        reasons = ("from --proxy", *(f"(instead of {e.origin})" for e in overridden))
        return Value(flags[0].items, reasons)
    chosen = _agree(value, evidence, reading)
    return Value(chosen, _from(evidence)) if chosen else None


def _entries(value: str, reading: Reading, drop: Iterable[str] = ()) -> Value | None:
    """A list value made of every source's entries (noProxy, apiServerAddresses), with where
    they were found: the sources once, and which items each gave where they differ."""
    dropped = set(drop)
    evidence = reading.of(value)
    # Each item's sources as a group of evidence indexes; groups are made once and shared, so
    # that thousands of entries given by the same few containers cost one lookup each.
    members: list[tuple[int, ...]] = [()]
    grown: dict[tuple[int, int], int] = {}
    where: dict[str, int] = {}
    for k, e in enumerate(evidence):
        for item in e.items:
            if item in dropped:
                continue
            group = where.get(item, 0)
            if members[group][-1:] == (k,):  # twice in one value
                continue
            if (group, k) not in grown:
                grown[group, k] = len(members)
                members.append((*members[group], k))
            where[item] = grown[group, k]
    if not where:
        return None
    groups: dict[int, list[str]] = {}
    for item, group in where.items():
        groups.setdefault(group, []).append(item)

    def origins(group: int) -> list[str]:
        return list(dict.fromkeys(evidence[k].origin for k in members[group]))

    if len(groups) == 1:
        reasons = tuple(f"from {o}" for o in origins(next(iter(groups))))
    else:
        reasons = tuple(
            f"{_say(items)}: from {'; '.join(origins(group))}" for group, items in groups.items()
        )
    return Value(tuple(where), reasons)


def _credentials(reading: Reading, proxy: str | None, secret: str | None) -> Value | None:
    """spec.proxy.credentialsSecret: the Secret named on the command line, else the one the
    install's proxy URLs take their credentials from. A user name and password found in a
    saved object are never copied into the output: with a Secret named they are left out of
    the URLs, without one discover refuses (the user types a --proxy URL to have it written)."""
    if secret:
        reading.evidence = [
            Evidence(e.value, tuple(map(without_credentials, e.items)), e.origin, e.grade)
            if e.value in ("httpsProxy", "httpProxy")
            else e
            for e in reading.evidence
        ]
        return Value(
            (secret, DEFAULT_USERNAME_KEY, DEFAULT_PASSWORD_KEY),
            (
                "from --credentials-secret: create this Secret in Crossplane's namespace with "
                f"the keys {DEFAULT_USERNAME_KEY} and {DEFAULT_PASSWORD_KEY} (URL-encoded)",
            ),
        )
    if reading.credentials and not proxy:
        reading.problems.append(
            f"{'; '.join(reading.credentials[:3])}: the proxy URL carries a user name and "
            "password, which discover does not copy into the configuration it prints: give "
            "--credentials-secret NAME (a Secret in Crossplane's namespace with the keys "
            f"{DEFAULT_USERNAME_KEY} and {DEFAULT_PASSWORD_KEY}; see docs/how-to/credentials.md), "
            "or give the URL yourself with --proxy URL"
        )
    if proxy and inline(proxy):
        reading.notes.append(
            "warning: the --proxy URL carries a user name and password: they are written into "
            "the configuration as you typed them; to keep them out of it, give "
            "--credentials-secret NAME as well"
        )
    found = reading.of("credentialsSecret")
    chosen = _agree("credentialsSecret", found, reading)
    return Value(chosen, _from(found[:1])) if chosen else None


@dataclass(frozen=True)
class Spec:
    """The values of a discovered ClusterNetwork, each with its reasons; None: not found."""

    proxy: dict[str, Value]
    cluster: dict[str, Value]
    crossplane: dict[str, Value]
    trust: dict[str, Value] = field(default_factory=dict)  # caBundle: (kind, name, key)


# The ClusterNetwork ------------------------------------------------------------------------------


def _crossplane(installs: Sequence[CrossplaneInstall], reading: Reading) -> dict[str, Value]:
    cores = [i.core for i in installs if i.core is not None]
    found: dict[str, Value] = {}
    spaces = [
        Evidence("namespace", (c.pods_namespace,), f"{c.doc.source}: {c.ref}")
        for c in cores
        if c.pods_namespace
    ]
    namespace = _agree("namespace", spaces, reading)
    if namespace:
        found["namespace"] = Value(namespace, _from(spaces))
    versions = {i.version.describe() for i in installs if i.core is not None}
    if len(versions) == 1:
        found["version"] = Value(
            ("auto",),
            (
                f"auto: read at fix/check time from the core image; now {versions.pop()}",
                "auto follows upgrades; write the version instead to pin it",
            ),
        )
    else:
        found["version"] = Value(
            ("auto",),
            ("auto: read at fix/check time from the core image tag (no install was given)",),
        )
    return found


def cluster_network(
    reading: Reading,
    installs: Sequence[CrossplaneInstall],
    proxy: str | None = None,
    credentials_secret: str | None = None,
) -> Spec | None:
    """Every ClusterNetwork value the evidence gives, each with its reasons; None when a value's
    sources disagree or a required one has none (the reading's problems say which)."""
    cluster: dict[str, Value] = {}
    for key, resolve in (("podCIDRs", _pods), ("serviceCIDRs", _services), ("nodeCIDRs", _nodes)):
        value = resolve(reading)
        if value is not None:
            cluster[key] = value
    domain = _single("domain", reading)
    cluster["domain"] = domain or Value(
        ("cluster.local",),
        (f"the default: no source gave the cluster domain (`{SAVE['kubelet']}` says)",),
    )
    cloud = _single("cloud", reading)  # its metadata and identity endpoints bypass the proxy
    if cloud is not None:
        cluster["cloud"] = cloud
    crossplane = _crossplane(installs, reading)

    proxies: dict[str, Value] = {}
    secret = _credentials(reading, proxy, credentials_secret)
    https, http = _single("httpsProxy", reading), _single("httpProxy", reading)
    if https is not None:
        proxies["httpsProxy"] = https
    if http is not None and (https is None or http.items != https.items):
        proxies["httpProxy"] = http
    if secret is not None:
        proxies["credentialsSecret"] = secret
    if not proxies and not reading.of("httpsProxy") and not reading.of("httpProxy"):
        reading.problems.append(
            "no proxy URL: give --proxy URL, or the Crossplane install whose env sets "
            f"HTTPS_PROXY (`{SAVE['crossplane']}`)"
        )
    trust = _trust(reading)
    if reading.problems:
        return None

    namespace = crossplane["namespace"].items[0] if "namespace" in crossplane else None
    computed = _computed(proxies, cluster, namespace)
    api = _entries("apiServerAddresses", reading, computed)
    if api is not None:
        cluster["apiServerAddresses"] = api
    # An entry the configuration would refuse (one check calls unusable) is left out, said so.
    unusable = {}
    for e in reading.of("noProxy"):
        for item in e.items:
            if item not in unusable and (why := entries.problem(item)) is not None:
                unusable[item] = why
                reading.notes.append(f"warning: {e.origin}: NO_PROXY entry left out: {why}")
    extra = _entries("noProxy", reading, computed | set(api.items if api else ()) | set(unusable))
    if extra is not None:
        proxies["noProxy"] = Value(
            extra.items,
            ("entries already in use that xpnet does not compute itself:", *extra.reasons),
        )
    return Spec(proxies, cluster, crossplane, trust)


def _trust(reading: Reading) -> dict[str, Value]:
    """spec.trust: the CA bundle the install's core already trusts, which fix keeps on the core
    and gives every runtime config too (docs/explanation/trust.md)."""
    found = reading.of("caBundle")
    chosen = _agree("caBundle", found, reading)
    if not chosen:
        return {}
    return {"caBundle": Value(chosen, (*_from(found[:1]), _TRUST_REASON))}


_TRUST_REASON = (
    "the core's CA bundle wiring: xpnet keeps it and mounts the same bundle into every runtime "
    "config; remove spec.trust if providers and functions must not trust it"
)


def _computed(
    proxies: Mapping[str, Value], cluster: Mapping[str, Value], namespace: str | None
) -> set[str]:
    """The NO_PROXY entries xpnet computes itself for these values (they need no noProxy)."""
    data = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": "discovered"},
        "spec": {
            "proxy": {k: v.items[0] for k, v in proxies.items() if k in _URLS},
            "cluster": {k: list(v.items) if k in LISTS else v.items[0] for k, v in cluster.items()},
        },
    }
    try:
        config = load_config(data, "the discovered configuration")
    except ConfigError:
        return set()  # refused again, with its reasons, when the text is verified
    return {e.value for e in noproxy.compute(config, namespace or DEFAULT_NAMESPACE).entries}
