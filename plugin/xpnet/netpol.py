"""NetworkPolicies that make the proxy the only way out of the Crossplane namespace and let
only the core call functions: generated from the configuration and the install, each rendered and
read back before it is used, and checked against what NO_PROXY sends direct
(docs/networkpolicies.md).

The pod labels and ports are Crossplane's own: the package runtime builder labels a provider's
pods pkg.crossplane.io/provider and a function's pkg.crossplane.io/function
(internal/controller/pkg/runtime/runtime.go podSelectors, apis/pkg/v1/interfaces.go), serves gRPC
on 9443 (GRPCPort) and metrics on 8080 (MetricsPortNumber); the core's pods are chosen by its
Deployment's own selector, read from the install.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from xpnet import egress, noproxy, rules
from xpnet.config import ClusterNetwork
from xpnet.envvars import BYPASS_VARS
from xpnet.errors import InputError
from xpnet.install import EXTRA_NO_PROXY, CrossplaneInstall, EnvBlock, Resource, Role
from xpnet.plan import Finding, Plan, finding, targets
from xpnet.records import NamedTuple
from xpnet.yaml.nodes import get, get_in, scalar, to_data, typed_data
from xpnet.yaml.splice import block_text
from xpnet.yaml.stream import Document

API_VERSION = "networking.k8s.io/v1"
KIND = "NetworkPolicy"
MANAGED_BY = ("app.kubernetes.io/managed-by", "xpnet")
FUNCTION_LABEL = "pkg.crossplane.io/function"
PROVIDER_LABEL = "pkg.crossplane.io/provider"
GRPC_PORT = 9443
METRICS_PORT = 8080
API_SERVER_PORTS = egress.API_SERVER_PORTS
# CoreDNS keeps kube-dns's label; kube-system carries its name label from Kubernetes 1.21.
DNS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
# OpenShift's cluster DNS is not kube-dns: its pods in openshift-dns listen on 5353, which the
# dns-default Service's port 53 is translated to before OVN-Kubernetes judges egress
# (https://docs.openshift.com/container-platform/latest/networking/dns-operator.html); the pod
# label and ports (dns 5353/UDP, dns-tcp 5353/TCP) are the DNS operator's DaemonSet's
# (openshift/cluster-dns-operator, assets/dns/daemonset.yaml). The peer chooses nothing on other
# clusters.
OPENSHIFT_DNS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "openshift-dns"}},
    "podSelector": {"matchLabels": {"dns.operator.openshift.io/daemonset-dns": "default"}},
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


def _rule(allowance: egress.Allowance) -> dict[str, Any]:
    rule: dict[str, Any] = {"to": [_block(c) for c in allowance.cidrs]}
    if allowance.ports:
        rule["ports"] = [{"protocol": allowance.protocol, "port": p} for p in allowance.ports]
    return rule


def _egress(config: ClusterNetwork, core_selector: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The proxy and the API server, cluster DNS, the function pods (the core only), then the
    cloud's endpoints and extraEgress: everything the configuration sends direct."""
    allowed = egress.allowances(config)
    first = [a for a in allowed if a.what in ("the proxy", "the API server")]
    rules_ = [_rule(a) for a in first]
    rules_.append(
        {
            "to": [DNS_PEER],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    )
    if core_selector is not None:  # the core calls the functions
        rules_.append(
            {
                "to": [{"podSelector": _exists(FUNCTION_LABEL)}],
                "ports": [{"protocol": "TCP", "port": GRPC_PORT}],
            }
        )
    rules_.append(
        {
            "to": [OPENSHIFT_DNS_PEER],
            "ports": [{"protocol": "UDP", "port": 5353}, {"protocol": "TCP", "port": 5353}],
        }
    )
    rules_ += [_rule(a) for a in allowed if a not in first]
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
    expressions = to_data(get_in(root, "spec", "selector", "matchExpressions"), core.doc.source)
    labels = template if isinstance(template, dict) else {}
    # matchLabels without the selector's matchExpressions would choose more pods than the core's
    # (a wider ingress to the functions); the template's labels choose the core's pods only.
    narrowed = bool(expressions) and bool(labels)
    if isinstance(selector, dict) and selector and selector.items() <= labels.items():
        labels = labels if narrowed else selector
    found = {str(k): str(v) for k, v in labels.items() if v is not None}
    return found or None


def unlabelled(core: Resource) -> str:
    """Why no policy can choose the core's pods (XPN025)."""
    if core.kind == "Deployment":
        return "the core Deployment has no pod template labels to choose its pods by"
    return (
        f"the install is chart values ({core.kind} {core.name}), and the chart's pod labels are "
        "known only once it is rendered: run xpnet as its Helm post-renderer, or xpnet netpol "
        "on helm template's output"
    )


# Rendering: splice's block writer, checked by reading the text back.


def render(policy: dict[str, Any], indent: int = 0) -> str:
    """A policy's YAML text (lines indented by `indent`), read back and compared first."""
    return block_text(policy, f"NetworkPolicy {policy['metadata']['name']}", indent)


# Against what the input already holds.


class NetpolPlan(NamedTuple):
    findings: tuple[Finding, ...]
    replace: dict[int, str]  # Document.index → a disagreeing xpnet policy's new text (fix)
    added: tuple[str, ...]  # the text of each policy the input lacks
    streams: tuple[int, ...] = ()  # for each added policy: the input stream of its core


class _Existing:
    """The xpnet-named NetworkPolicies of the input, found in one pass: by namespace and name,
    and those without a namespace (a Helm chart's), each given to the first install asking."""

    def __init__(self, docs: Sequence[Document]) -> None:
        self.named: dict[tuple[str | None, str], list[Document]] = {}
        for doc in docs:
            root = doc.root
            if doc.outer is not None or scalar(get(root, "kind")) != KIND:
                continue
            name = scalar(get_in(root, "metadata", "name"))
            if name in NAMES:
                ns = scalar(get_in(root, "metadata", "namespace"))
                self.named.setdefault((ns, name), []).append(doc)

    def take(self, namespace: str, name: str) -> list[Document]:
        found = self.named.get((namespace, name)) or self.named.pop((None, name), [])
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


def _mapping(value: Any) -> dict[str, Any]:
    """Labels or annotations as written, keeping what renders back the same (strings, numbers,
    booleans); anything else is not a mapping of them."""
    if not isinstance(value, dict):
        return {}
    return {
        k: v
        for k, v in value.items()
        if isinstance(k, str) and isinstance(v, str | int | bool) and not isinstance(v, float)
    }


def _kept(policy: dict[str, Any], have: dict[str, Any]) -> dict[str, Any]:
    """Our policy with the labels and annotations the user put on the one it replaces."""
    meta = have.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    labels = {**_mapping(meta.get("labels")), **policy["metadata"]["labels"]}
    metadata = {**policy["metadata"], "labels": labels}
    if annotations := _mapping(meta.get("annotations")):
        metadata["annotations"] = annotations
    return {**policy, "metadata": metadata}


class Judged(NamedTuple):
    """A NO_PROXY entry to judge, where it was found, and what else the user may do about it."""

    entry: str
    where: str  # the field it came from, for entries of the configuration
    resource: Resource | None = None
    block: EnvBlock | None = None
    var: str | None = None
    also: str = ""  # a further way out, added to the fix


_MERGED = ", or set spec.policy.existingEntries: replace to drop it"
_SKIPPED = ", in this runtime config's own NO_PROXY (xpnet.dev/skip leaves it to you)"


def _judged(plan: Plan, config: ClusterNetwork) -> Iterator[Judged]:
    """Every NO_PROXY entry that names a destination of its own: the user's, the cloud's, those
    already in the manifests (where they were found), a runtime config's own extras, and the
    NO_PROXY of a runtime config xpnet skips, whose pods the policies select all the same."""
    install = plan.install
    found: dict[str, tuple[Resource, EnvBlock, str]] = {}
    for resource, block, _ in targets(install, config):
        for var in BYPASS_VARS:
            env = block.get(var)
            for entry in noproxy.split(env.value) if env is not None and env.value else ():
                found.setdefault(entry, (resource, block, var))
    for item in plan.no_proxy.entries:
        if item.group == "existing" and item.value in found:
            yield Judged(item.value, "", *found[item.value], also=_MERGED)
        elif item.group in ("user", "cloud"):
            field = "spec.proxy.noProxy" if item.group == "user" else "spec.cluster.cloud"
            yield Judged(item.value, f"{field}: ")
    for resource in install.resources:
        if not resource.skip:
            for value in resource.extra_no_proxy:
                yield Judged(value, f"annotation {EXTRA_NO_PROXY}: ", resource)
            continue
        for block in resource.blocks:
            for var in BYPASS_VARS:
                env = block.get(var)
                for entry in noproxy.split(env.value) if env is not None and env.value else ():
                    yield Judged(entry, "", resource, block, var, _SKIPPED)


RULES = {"blocked": rules.XPN050, "unprovable": rules.XPN051, "in-cluster": rules.XPN052}


def destination_findings(
    config: ClusterNetwork, plans: Sequence[Plan], reach: egress.Reach | None = None
) -> list[Finding]:
    """XPN050-XPN052: each destination a NO_PROXY entry sends direct that the policies do not
    provably allow, once per entry and place."""
    reach = reach or egress.Reach.of(config)
    seen: set[tuple[str, str, int]] = set()
    out = []
    for p in plans:
        for item in _judged(p, config):
            where = id(item.block) if item.block is not None else id(item.resource)
            key = (item.entry, item.where, where)
            if key in seen or noproxy.go_cannot_use(item.entry):
                continue
            seen.add(key)
            found = reach.judge(item.entry, p.install.namespaces)
            if found is None:
                continue
            fields = {
                "where": item.where,
                "entry": item.entry,
                "destination": found.destination,
                "allowed": reach.summary,
                "fix": found.fix + item.also,
            }
            rule = RULES[found.kind]
            out.append(finding(rule, item.resource, item.block, item.var, **fields))
    return out


def plan(config: ClusterNetwork, plans: Sequence[Plan], docs: Sequence[Document]) -> NetpolPlan:
    """What the enabled networkPolicy asks of this input: the policies of each install with a
    core Deployment, compared with the xpnet policies already there, and what NO_PROXY sends
    direct that they would block."""
    check = config.spec.policy.mode == "check"
    findings: list[Finding] = []
    replace: dict[int, str] = {}
    added: list[str] = []
    streams: list[int] = []
    existing = _Existing(docs)
    generating = []
    for p in plans:
        install = p.install
        core = install.core
        if core is None:
            continue
        labels = core_labels(core) if core.kind == "Deployment" else None
        if labels is None:
            findings.append(finding(rules.XPN025, core, what=unlabelled(core)))
            continue
        generating.append(p)
        namespace = install.namespaces[0]
        for policy in policies(config, namespace, labels):
            name = policy["metadata"]["name"]
            docs_ = existing.take(namespace, name)
            for extra in docs_[1:]:
                what = (
                    f"is written {len(docs_)} times in namespace {namespace} (first in "
                    f"{docs_[0].source}): keep one"
                )
                findings.append(finding(rules.XPN024, _resource(extra, name, namespace), what=what))
            doc = docs_[0] if docs_ else None
            if doc is None and check:  # fix would add it: check must fail
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
            have = typed_data(doc.root)  # as read: a value of another type differs from ours
            have = have if isinstance(have, dict) else {}
            ours = (
                _mapping((have.get("metadata") or {}).get("labels"))
                if isinstance(have.get("metadata"), dict)
                else {}
            )
            managed = ours.get(MANAGED_BY[0]) == MANAGED_BY[1]
            if have.get("spec") == policy["spec"] and managed:
                continue
            resource = _resource(doc, name, namespace)
            if not managed:
                what = f"is not labelled {MANAGED_BY[0]}: {MANAGED_BY[1]}; rename or remove it"
                findings.append(finding(rules.XPN024, resource, what=what))
            elif check:
                what = "differs from what spec.networkPolicy gives; run xpnet fix to replace it"
                findings.append(finding(rules.XPN024, resource, what=what))
            else:
                replace[doc.index] = _item_text(doc, _kept(policy, have))
    findings += destination_findings(config, generating)
    return NetpolPlan(tuple(findings), replace, tuple(added), tuple(streams))


def for_installs(
    config: ClusterNetwork, installs: Sequence[CrossplaneInstall], names: str
) -> tuple[list[str], list[Finding]]:
    """The NetworkPolicy documents of spec.networkPolicy for each install with a core
    Deployment, and the findings of what the installs' NO_PROXY sends direct that the
    policies would drop (as check and fix say them); `names` names the input in refusals."""
    from xpnet.plan import plan_fix

    texts: list[str] = []
    used = []
    values = [i.core for i in installs if i.core is not None and i.core.kind != "Deployment"]
    for install in installs:
        if install.core is None or install.core.kind != "Deployment":
            continue
        labels = core_labels(install.core)
        if labels is None:
            raise InputError(
                install.core.doc.source, [rules.XPN025.say(what=unlabelled(install.core))]
            )
        texts += [render(p) for p in policies(config, install.namespaces[0], labels)]
        used.append(install)
    if not texts:
        if values:  # chart values only: the chart must be rendered first
            raise InputError(names, [rules.XPN025.say(what=unlabelled(values[0]))])
        raise InputError(
            names,
            ["no Crossplane core Deployment: xpnet netpol reads the core's pod labels from it"],
        )
    return texts, destination_findings(config, [plan_fix(config, i) for i in used])
