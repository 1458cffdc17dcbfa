"""An evaluator of networking.k8s.io/v1 NetworkPolicies, written from the API reference
(kubernetes.io/docs/concepts/services-networking/network-policies/) independently of xpnet's own
egress arithmetic, and cross-checked against cyclonus in tests/integration/test_netpol_cyclonus.py.

As cyclonus does, an ipBlock matches any address in it, a pod's included (the API leaves that to
the CNI), and a connection is allowed when the source's egress and the destination's ingress
both allow it; a side that no policy of its type selects allows everything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple


class Peer(NamedTuple):
    """One end of a connection: a pod (namespace set) or an address outside the cluster."""

    ip: str
    namespace: str | None = None
    labels: Mapping[str, str] = {}
    ns_labels: Mapping[str, str] | None = None  # default: the namespace's name label

    @property
    def namespace_labels(self) -> Mapping[str, str]:
        if self.ns_labels is not None:
            return self.ns_labels
        return {"kubernetes.io/metadata.name": self.namespace or ""}


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector: every matchLabels pair and every matchExpressions requirement holds."""
    if not selector:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for req in selector.get("matchExpressions") or []:
        key, op, values = req["key"], req["operator"], req.get("values") or []
        present = key in labels
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
        if op == "In" and (not present or labels[key] not in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
    return True


def _peer_matches(peer: Mapping[str, Any], other: Peer, policy_ns: str) -> bool:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        ip = ipaddress.ip_address(other.ip)
        net = ipaddress.ip_network(block["cidr"], strict=False)
        if ip.version != net.version or ip not in net:
            return False
        for cut in block.get("except") or []:
            excluded = ipaddress.ip_network(cut, strict=False)
            if excluded.version == ip.version and ip in excluded:
                return False
        return True
    if other.namespace is None:  # selectors choose pods only
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], other.namespace_labels):
            return False
    elif other.namespace != policy_ns:
        return False
    return selects(peer.get("podSelector"), other.labels)


def _port_matches(ports: Sequence[Mapping[str, Any]] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for item in ports:
        if item.get("protocol", "TCP") != protocol:
            continue
        want = item.get("port")
        if want is None:
            return True
        if isinstance(want, int) and want <= port <= item.get("endPort", want):
            return True
    return False


def _types(spec: Mapping[str, Any]) -> list[str]:
    if "policyTypes" in spec:
        return list(spec["policyTypes"])
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def _side(
    policies: Sequence[Mapping[str, Any]],
    pod: Peer,
    other: Peer,
    port: int,
    protocol: str,
    kind: str,
) -> bool:
    """Whether `pod`'s policies of this kind (Egress: pod is the source) let the connection."""
    if pod.namespace is None:
        return True
    key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
    selected = False
    for policy in policies:
        ns = policy["metadata"].get("namespace")
        spec = policy["spec"]
        if ns != pod.namespace or kind not in _types(spec):
            continue
        if not selects(spec.get("podSelector"), pod.labels):
            continue
        selected = True
        for rule in spec.get(key) or []:
            peers = rule.get(peers_key)
            to_peer = not peers or any(_peer_matches(p, other, ns) for p in peers)
            if to_peer and _port_matches(rule.get("ports"), port, protocol):
                return True
    return not selected


def allowed(
    policies: Sequence[Mapping[str, Any]],
    source: Peer,
    destination: Peer,
    port: int,
    protocol: str = "TCP",
) -> bool:
    """Whether the policies let `source` open a connection to `destination` on this port."""
    out = _side(policies, source, destination, port, protocol, "Egress")
    return out and _side(policies, destination, source, port, protocol, "Ingress")
