"""NetworkPolicies that make the proxy the only way out of the Crossplane namespace and let
only the core call functions (issue 13): generated from the configuration and the install, each
rendered and read back before it is used.

The pod labels and ports are Crossplane's own: the package runtime builder labels a provider's
pods pkg.crossplane.io/provider and a function's pkg.crossplane.io/function
(internal/controller/pkg/runtime/runtime.go podSelectors, apis/pkg/v1/interfaces.go), serves gRPC
on 9443 (GRPCPort) and metrics on 8080 (MetricsPortNumber); the core's pods are chosen by its
Deployment's own selector, read from the install.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from xpnet import rules
from xpnet.config import ClusterNetwork
from xpnet.errors import InputError
from xpnet.install import CrossplaneInstall, Resource, Role
from xpnet.plan import Finding, finding
from xpnet.records import NamedTuple
from xpnet.yaml.nodes import get, get_in, scalar, to_data
from xpnet.yaml.splice import render_scalar
from xpnet.yaml.stream import Document

API_VERSION = "networking.k8s.io/v1"
KIND = "NetworkPolicy"
MANAGED_BY = ("app.kubernetes.io/managed-by", "xpnet")
FUNCTION_LABEL = "pkg.crossplane.io/function"
PROVIDER_LABEL = "pkg.crossplane.io/provider"
GRPC_PORT = 9443
METRICS_PORT = 8080
# The kubernetes Service's port, and the port kubeadm and most distributions bind the API server
# to: CNIs judge egress after the Service IP was translated to the API server's own address.
API_SERVER_PORTS = (443, 6443)
# CoreDNS keeps kube-dns's label; kube-system carries its name label from Kubernetes 1.21.
DNS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
NAMES = (
    "xpnet-function-ingress",
    "xpnet-core-egress",
    "xpnet-provider-egress",
    "xpnet-function-egress",
)


def _exists(label: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": label, "operator": "Exists"}]}


def _block(cidr: str) -> dict[str, Any]:
    return {"ipBlock": {"cidr": cidr}}


def _host_cidr(address: str) -> str | None:
    """An IP literal as a one-address CIDR; None for a host name."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    return f"{ip}/{ip.max_prefixlen}"


def _network(entry: str) -> str | None:
    """An API server address entry (an IP or a CIDR) as a CIDR; None for a host name."""
    try:
        return str(ipaddress.ip_network(entry.strip("[]"), strict=False))
    except ValueError:
        return None


def _proxy_rule(config: ClusterNetwork) -> dict[str, Any]:
    proxy = config.spec.proxy
    urls = [u for u in (proxy.httpProxy, proxy.httpsProxy, proxy.grpcProxy) if u]
    cidrs = list(config.spec.networkPolicy.proxyCIDRs)
    ports: list[int] = []
    for url in urls:
        parts = urlsplit(url)
        if (cidr := _host_cidr(parts.hostname or "")) is not None:
            cidrs.append(cidr)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        ports.append(port)
    return {
        "to": [_block(c) for c in dict.fromkeys(cidrs)],
        "ports": [{"protocol": "TCP", "port": p} for p in sorted(set(ports))],
    }


def api_server_cidrs(config: ClusterNetwork) -> list[str]:
    """The kubernetes Service IP of each service CIDR, and the API server addresses that are
    IPs or CIDRs."""
    cluster = config.spec.cluster
    first = [ipaddress.ip_network(c)[1] for c in cluster.serviceCIDRs]
    cidrs = [f"{ip}/{ip.max_prefixlen}" for ip in first]
    cidrs += [n for a in cluster.apiServerAddresses if (n := _network(a)) is not None]
    return list(dict.fromkeys(cidrs))


def _egress(config: ClusterNetwork, core_selector: dict[str, Any] | None) -> list[dict[str, Any]]:
    rules_ = [
        _proxy_rule(config),
        {
            "to": [_block(c) for c in api_server_cidrs(config)],
            "ports": [{"protocol": "TCP", "port": p} for p in API_SERVER_PORTS],
        },
        {
            "to": [DNS_PEER],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
    ]
    if core_selector is not None:  # the core calls the functions
        rules_.append(
            {
                "to": [{"podSelector": _exists(FUNCTION_LABEL)}],
                "ports": [{"protocol": "TCP", "port": GRPC_PORT}],
            }
        )
    for extra in config.spec.networkPolicy.extraEgress:
        rule: dict[str, Any] = {"to": [_block(extra.cidr)]}
        if extra.ports:
            rule["ports"] = [{"protocol": extra.protocol, "port": p} for p in extra.ports]
        rules_.append(rule)
    return rules_


def _policy(name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": name, "namespace": namespace, "labels": dict([MANAGED_BY])},
        "spec": spec,
    }


def policies(
    config: ClusterNetwork, namespace: str, core_labels: dict[str, str]
) -> list[dict[str, Any]]:
    """The NetworkPolicies for one install, in a stable order (pure)."""
    core = {"matchLabels": dict(sorted(core_labels.items()))}
    ingress: list[dict[str, Any]] = [
        {"from": [{"podSelector": core}], "ports": [{"protocol": "TCP", "port": GRPC_PORT}]}
    ]
    metrics = config.spec.networkPolicy.metricsNamespaceSelector
    if metrics is not None:
        ingress.append(
            {
                "from": [{"namespaceSelector": {"matchLabels": dict(metrics.matchLabels)}}],
                "ports": [{"protocol": "TCP", "port": METRICS_PORT}],
            }
        )
    function = _exists(FUNCTION_LABEL)
    return [
        _policy(
            NAMES[0],
            namespace,
            {"podSelector": function, "policyTypes": ["Ingress"], "ingress": ingress},
        ),
        _policy(
            NAMES[1],
            namespace,
            {"podSelector": core, "policyTypes": ["Egress"], "egress": _egress(config, core)},
        ),
        _policy(
            NAMES[2],
            namespace,
            {
                "podSelector": _exists(PROVIDER_LABEL),
                "policyTypes": ["Egress"],
                "egress": _egress(config, None),
            },
        ),
        _policy(
            NAMES[3],
            namespace,
            {"podSelector": function, "policyTypes": ["Egress"], "egress": _egress(config, None)},
        ),
    ]


def core_labels(core: Resource) -> dict[str, str] | None:
    """The labels that choose the core's pods: its Deployment's selector.matchLabels, which the
    pod template must carry; else the pod template's labels. None when there are none."""
    root = core.doc.root
    template = to_data(get_in(root, "spec", "template", "metadata", "labels"), core.doc.source)
    selector = to_data(get_in(root, "spec", "selector", "matchLabels"), core.doc.source)
    labels = template if isinstance(template, dict) else {}
    if isinstance(selector, dict) and selector and selector.items() <= labels.items():
        labels = selector
    found = {str(k): str(v) for k, v in labels.items() if v is not None}
    return found or None


# Rendering: a small block-style writer for plain data, checked by reading the text back.


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = render_scalar(str(key), None)
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{name}:")
                out += _lines(item, indent + 2 if isinstance(item, dict) else indent)
            else:
                out.append(f"{pad}{name}: {_scalar(item)}")
        return out
    for item in value:
        body = _lines(item, indent + 2) if isinstance(item, dict | list) and item else []
        if body:
            out.append(f"{pad}- {body[0][indent + 2 :]}")
            out += body[1:]
        else:
            out.append(f"{pad}- {_scalar(item)}")
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return render_scalar(str(value), None)


def render(policy: dict[str, Any], indent: int = 0) -> str:
    """A policy's YAML text (lines indented by `indent`), read back and compared first."""
    text = "".join(" " * indent + line + "\n" for line in _lines(policy, 0))
    name = f"NetworkPolicy {policy['metadata']['name']}"
    if _load(text, name) != policy:
        raise InputError(name, ["the generated text does not read back as written; report this"])
    return text


def _load(text: str, source: str) -> Any:
    """A document as a YAML parser reads it, with typed scalars (9443 is a number)."""
    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        raise InputError(source, [f"invalid YAML: {error}"]) from None


# Against what the input already holds.


class NetpolPlan(NamedTuple):
    findings: tuple[Finding, ...]
    replace: dict[int, str]  # Document.index → a disagreeing xpnet policy's new text (fix)
    added: tuple[str, ...]  # the text of each policy the input lacks
    streams: tuple[int, ...] = ()  # for each added policy: the input stream of its core


def _existing(docs: Sequence[Document], namespace: str) -> dict[str, Document]:
    found = {}
    for doc in docs:
        root = doc.root
        if doc.outer is not None or scalar(get(root, "kind")) != KIND:
            continue
        name = scalar(get_in(root, "metadata", "name"))
        ns = scalar(get_in(root, "metadata", "namespace"))
        if name in NAMES and ns in (namespace, None):
            found[name] = doc
    return found


def _resource(doc: Document, name: str, namespace: str | None) -> Resource:
    return Resource(Role.OTHER, API_VERSION, KIND, name, namespace, (), doc)


def _item_text(doc: Document, policy: dict[str, Any]) -> str:
    """The new text of a document: as a ResourceList item (its dash is put back) or a
    stream's document."""
    dash = doc.segment.dash
    text = doc.segment.text
    newline = "\r\n" if "\r\n" in text else "\n"  # a CRLF file stays CRLF
    if dash is not None:
        return render(policy, dash + 2).replace("\n", newline)
    # The rest of a `---` line, blank lines and comments before the document stay.
    lead = re.match(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*", text)
    return (lead.group(0) if lead else "") + render(policy).replace("\n", newline)


def plan(
    config: ClusterNetwork, installs: Sequence[CrossplaneInstall], docs: Sequence[Document]
) -> NetpolPlan:
    """What the enabled networkPolicy asks of this input: the policies of each install with a
    core Deployment, compared with the xpnet policies already there."""
    check = config.spec.policy.mode == "check"
    findings: list[Finding] = []
    replace: dict[int, str] = {}
    added: list[str] = []
    streams: list[int] = []
    for install in installs:
        core = install.core
        if core is None:
            continue
        labels = core_labels(core) if core.kind == "Deployment" else None
        if labels is None:
            findings.append(finding(rules.XPN025, core))
            continue
        namespace = install.namespaces[0]
        existing = _existing(docs, namespace)
        for policy in policies(config, namespace, labels):
            name = policy["metadata"]["name"]
            doc = existing.get(name)
            if doc is None and check:  # fix would add it: check must fail (issue 13)
                what = (
                    f"NetworkPolicy {name} is missing: spec.networkPolicy.enabled asks for it; "
                    "xpnet fix adds it (to the file of the core Deployment, or as the KRM "
                    "function or Helm post-renderer), and xpnet netpol prints it"
                )
                findings.append(finding(rules.XPN024, core, what=what))
                continue
            if doc is None:
                added.append(render(policy))
                streams.append(core.doc.stream)
                continue
            have = _load(doc.segment.text, doc.source)
            ours = (have.get("metadata") or {}).get("labels") or {}
            if have.get("spec") == policy["spec"] and ours.get(MANAGED_BY[0]) == MANAGED_BY[1]:
                continue
            resource = _resource(doc, name, namespace)
            if ours.get(MANAGED_BY[0]) != MANAGED_BY[1]:
                what = f"is not labelled {MANAGED_BY[0]}: {MANAGED_BY[1]}; rename or remove it"
                findings.append(finding(rules.XPN024, resource, what=what))
            elif check:
                what = "differs from what spec.networkPolicy gives; run xpnet fix to replace it"
                findings.append(finding(rules.XPN024, resource, what=what))
            else:
                replace[doc.index] = _item_text(doc, policy)
    return NetpolPlan(tuple(findings), replace, tuple(added), tuple(streams))
