"""The saved cluster objects `xpnet discover` reads, each turned into evidence that names its file,
object and field. A field of another shape than its API gives is a problem naming the file,
object and field, never a crash. Pure: no file is opened and nothing is connected to."""

from __future__ import annotations

import functools
import gc
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from xpnet import noproxy
from xpnet.credentials import inline, redact, remember, span
from xpnet.envvars import PASSWORD_VAR, USERNAME_VAR
from xpnet.errors import InputError
from xpnet.install import CrossplaneInstall, EnvBlock, Resource, Role
from xpnet.trust import CHART_VALUES_KEY, CORE_VAR
from xpnet.yaml.nodes import (
    MAX_DEPTH,
    MappingNode,
    Node,
    SequenceNode,
    compose,
    scalar,
    to_data,
    walk,
)
from xpnet.yaml.scan import Segment, split_stream
from xpnet.yaml.stream import Document

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# How much a piece of evidence says about its value.
WHOLE = "whole"  # the cluster's own setting (a flag, a config file, a cloud API field)
LIVE = "live"  # ServiceCIDR objects: the API server's ranges now; more can be added (KEP-1880)
SHARE = "share"  # one node's share of the pod network (Node spec.podCIDRs)
ADDRESS = "address"  # a node's InternalIP addresses
SERVICE_IP = "service-ip"  # the kubernetes Service's ClusterIPs
FLAG = "flag"  # given on the command line

# Component configs that ConfigMaps carry as YAML strings (kubeadm-config, kube-proxy,
# kubelet-config) and that are also read as files of their own.
_COMPONENT_KINDS = ("ClusterConfiguration", "KubeProxyConfiguration", "KubeletConfiguration")
_COMPONENT = re.compile(r"^kind:\s*[\"']?(" + "|".join(_COMPONENT_KINDS) + r")[\"']?\s*$", re.M)
# k3s and RKE2 config files (docs.k3s.io/installation/configuration#configuration-file): the
# server flags without their dashes; comma-separated values for dual-stack.
_K3S_KEYS = ("cluster-cidr", "service-cidr", "cluster-domain")
# The kinds read_object reads itself (no Crossplane install is among them).
_OWN_KINDS = frozenset(
    ("Node", "ServiceCIDR", "Service", "ConfigMap", "Pod", "Network", "Proxy", *_COMPONENT_KINDS)
)
_CIDR_VALUES = ("podCIDRs", "serviceCIDRs", "nodeCIDRs")
_RESAVE = "correct the file, or save the object again (`xpnet discover --help` says how)"


@dataclass(frozen=True)
class Saved:
    """One object of a saved file: its data, and the document the install discovery reads."""

    file: str
    data: Mapping[str, Any]
    doc: Document | None = None


@dataclass(frozen=True)
class Evidence:
    """What one field of one saved object says about one ClusterNetwork value."""

    value: str  # podCIDRs, serviceCIDRs, nodeCIDRs, domain, httpsProxy, httpProxy, noProxy, ...
    items: tuple[str, ...]
    origin: str  # FILE: Kind/namespace/name field
    grade: str = WHOLE


@dataclass
class Reading:
    """Everything read so far: the evidence, notes for stderr, and problems that refuse."""

    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pod_hints: list[str] = field(default_factory=list)  # where this cluster keeps its pod network
    credentials: list[str] = field(default_factory=list)  # where proxy URLs carry a password

    def of(self, value: str, *grades: str) -> list[Evidence]:
        return [e for e in self.evidence if e.value == value and (not grades or e.grade in grades)]


# Reading files ----------------------------------------------------------------------------------


class _Duplicate(ValueError):
    """A JSON object with the same key twice: left to the YAML reader, which refuses it."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Duplicate
    return out


def read(name: str, text: str, stream: int = 0, first_index: int = 0) -> list[Saved]:
    """The objects of a saved file: YAML or JSON, several documents, List items (kubectl's
    `kind: List`, a JSON array) each on their own."""
    # Reading a large file makes hundreds of thousands of objects and no garbage cycles: the
    # cycle collector would only walk them again and again (most of a large NodeList's time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(name, text, stream, first_index)
    finally:
        if collecting:
            gc.enable()


def _read(name: str, text: str, stream: int, first_index: int) -> list[Saved]:
    if text.lstrip().startswith(("{", "[")):
        # JSON as kubectl and the cloud CLIs print it. What json refuses (duplicate keys,
        # nesting deeper than its recursion allows, flow-style YAML) goes to the YAML reader as
        # it is, which reads it or refuses it with a line.
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except (ValueError, RecursionError):
            pass
        else:
            return _json_objects(name, _as_yaml_reads(data, name), stream, first_index)
    out: list[Saved] = []
    for segment in split_stream(text):
        root = compose(segment.text, name, segment.line)
        for node in _items(root):
            data = to_data(node, name)
            if isinstance(data, Mapping):
                doc = None
                if isinstance(node, MappingNode):
                    doc = Document(first_index + len(out), segment, node, name, stream)
                out.append(Saved(name, data, doc))
    return out


def _as_yaml_reads(root: Any, name: str) -> Any:
    """JSON data as the YAML reader gives it (every scalar a string, null None), so that one
    reader serves both; nesting deeper than YAML input may is refused the same way."""
    top: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(root, top, 0, 1)]
    while stack:  # without recursion: the depth is checked as it goes
        value, holder, key, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(name, [f"the JSON nests more than {MAX_DEPTH} levels deep; refused"])
        if isinstance(value, dict):
            holder[key] = mapping = dict.fromkeys(value)
            stack.extend((v, mapping, k, depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            holder[key] = sequence = [None] * len(value)
            stack.extend((v, sequence, i, depth + 1) for i, v in enumerate(value))
        elif isinstance(value, bool):
            holder[key] = "true" if value else "false"
        elif value is None or isinstance(value, str):
            holder[key] = value
        else:
            holder[key] = json.dumps(value)
    return top[0]


def _json_objects(name: str, root: Any, stream: int, first_index: int) -> list[Saved]:
    """The objects of a JSON file. Only those that discover's own readers do not read are
    written out as YAML for the install reader (composing every Node of a large cluster would
    cost most of the run)."""
    out: list[Saved] = []
    stack = [root]
    while stack:
        data = stack.pop()
        if isinstance(data, list):
            stack.extend(reversed(data))
            continue
        if not isinstance(data, dict):
            continue
        kind, items = data.get("kind"), data.get("items")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            stack.extend(reversed(items))
            continue
        doc = None
        if isinstance(kind, str) and kind not in _OWN_KINDS:
            text = json.dumps(data, indent=2)
            node = compose(text, name)
            if isinstance(node, MappingNode):
                segment = Segment(0, len(text), text, 1)
                doc = Document(first_index + len(out), segment, node, name, stream)
        out.append(Saved(name, data, doc))
    return out


def _items(root: Node | None) -> list[Node]:
    """The objects of a document: itself, or the items of a List (NodeList, kind: List, ...)."""
    out: list[Node] = []
    stack = [root]
    while stack:  # depth-first in order, without recursion
        node = stack.pop()
        if isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
            continue
        if not isinstance(node, MappingNode):
            continue
        items = walk(node, ("items",))
        if (scalar(walk(node, ("kind",))) or "").endswith("List") and isinstance(
            items, SequenceNode
        ):
            stack.extend(reversed(items.value))
        else:
            out.append(node)
    return out


# Fields of one object -------------------------------------------------------------------------


def _shape(value: Any) -> str:
    """What a value is, in words (never the value: it may be a proxy URL with a password)."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else "a scalar value"


def ref(data: Mapping[str, Any]) -> str:
    """Kind/namespace/name of an object, for messages."""
    kind = data.get("kind")
    kind = kind if isinstance(kind, str) and kind else "object"
    metadata = data.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    name, namespace = metadata.get("name"), metadata.get("namespace")
    # A name cannot hold '@' in Kubernetes; in a hand-made file it may hold credentials.
    name = redact(name) if isinstance(name, str) else None
    namespace = redact(namespace) if isinstance(namespace, str) else None
    if namespace and name:
        return f"{kind}/{namespace}/{name}"
    return f"{kind}/{name}" if name else kind


class Fields:
    """The fields of one saved object as discover reads them: a field whose shape is not the one
    its API gives is a problem naming the file, object and field, and reads as absent."""

    def __init__(self, data: Any, where: str, reading: Reading, prefix: str = "") -> None:
        self.data = data
        self.where = where  # FILE: Kind/namespace/name
        self.reading = reading
        self.prefix = prefix  # the path of `data` in the object

    def path(self, *keys: str) -> str:
        return ".".join(p for p in (self.prefix, *keys) if p)

    def _wrong(self, keys: Sequence[str], value: Any, expected: str) -> None:
        self.reading.problems.append(
            f"{self.where} {self.path(*keys) or '(the object)'}: {_shape(value)} where "
            f"{expected} is expected; {_RESAVE}"
        )

    def _at(self, keys: Sequence[str]) -> Any:
        node = self.data
        for i, key in enumerate(keys):
            if node is None:
                return None
            if not isinstance(node, Mapping):
                self._wrong(keys[:i], node, "a mapping")
                return None
            node = node.get(key)
        return node

    def has(self, *keys: str) -> bool:
        """Whether the field is set (to anything but null), without judging its shape."""
        node = self.data
        for key in keys:
            node = node.get(key) if isinstance(node, Mapping) else None
        return node is not None

    def mapping(self, *keys: str) -> Fields:
        value = self._at(keys)
        if value is not None and not isinstance(value, Mapping):
            self._wrong(keys, value, "a mapping")
            value = None
        return Fields(value or {}, self.where, self.reading, self.path(*keys))

    def text(self, *keys: str) -> str | None:
        value = self._at(keys)
        if value is None or isinstance(value, str):
            return value or None
        self._wrong(keys, value, "a string")
        return None

    def words(self, *keys: str) -> list[str]:
        """A list of strings (a container's command or args)."""
        value = self._at(keys)
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong(keys, value, "a list of strings")
            return []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self._wrong((*keys[:-1], f"{keys[-1]}[{i}]"), item, "a string")
        return [item for item in value if isinstance(item, str)]

    def strings(self, *keys: str) -> list[str]:
        """A list of strings or one string, each split at commas and spaces (dual-stack values
        are written either way)."""
        value = self._at(keys)
        items = [value] if isinstance(value, str) else self.words(*keys)
        return [p for item in items for p in re.split(r"[,\s]+", item) if p]

    def mappings(self, *keys: str) -> list[Fields]:
        """A list of mappings, each read on its own."""
        value = self._at(keys)
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong(keys, value, "a list")
            return []
        out = []
        for i, item in enumerate(value):
            path = f"{self.path(*keys)}[{i}]"
            if isinstance(item, Mapping):
                out.append(Fields(item, self.where, self.reading, path))
            elif item is not None:
                self.reading.problems.append(
                    f"{self.where} {path}: {_shape(item)} where a mapping is expected; {_RESAVE}"
                )
        return out


# Values ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def network(text: str) -> Network:
    """A CIDR (or an address, as a one-address network); parsed once for reading and resolving.
    Raises ValueError."""
    return ipaddress.ip_network(text, strict=False)


def _networks(items: Iterable[str], origin: str, reading: Reading) -> tuple[str, ...]:
    """CIDRs in their canonical form; a value that is not one is a problem naming its origin."""
    out: dict[str, None] = {}
    for item in items:
        try:
            net = network(item)
        except ValueError:
            reading.problems.append(
                f"{origin}: {redact(item)[:100]!r} is not a CIDR (address/prefix, e.g. "
                "10.244.0.0/16); correct the file or leave it out"
            )
            continue
        if "/" not in item:
            reading.problems.append(f"{origin}: {item!r} is an address, not a CIDR")
            continue
        out[str(net)] = None
    return tuple(out)


def _addresses(items: Iterable[str], origin: str, reading: Reading) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for item in items:
        try:
            out[str(ipaddress.ip_address(item))] = None
        except ValueError:
            reading.problems.append(f"{origin}: {redact(item)[:100]!r} is not an IP address")
    return tuple(out)


def add(
    reading: Reading, value: str, items: Sequence[str], origin: str, grade: str = WHOLE
) -> None:
    """Evidence for a value; CIDRs and addresses are checked and canonical."""
    if grade in (ADDRESS, SERVICE_IP):
        items = _addresses(items, origin, reading)
    elif value in _CIDR_VALUES:
        items = _networks(items, origin, reading)
    if items:
        reading.evidence.append(Evidence(value, tuple(items), origin, grade))


def without_credentials(url: str) -> str:
    """A proxy URL without its user name and password."""
    found = span(url)
    return url if found is None else url[: found[0]] + url[found[1] + 1 :]


def _proxy(reading: Reading, key: str, url: str, origin: str) -> None:
    """A proxy URL; where it carries credentials is noted (discover does not copy them)."""
    if inline(url):
        remember(url)
        reading.credentials.append(origin)
    reading.evidence.append(Evidence(key, (url,), origin))


# Kubernetes objects ---------------------------------------------------------------------------


def _node(obj: Fields, reading: Reading) -> None:
    """Node spec.podCIDRs (spec.podCIDR before dual-stack) and status.addresses (core/v1 Node):
    InternalIP only (an ExternalIP is not where pods reach the node)."""
    spec = obj.mapping("spec")
    key = "podCIDRs" if spec.has("podCIDRs") else "podCIDR"
    cidrs = spec.strings(key)
    if cidrs:
        add(reading, "podCIDRs", cidrs, f"{obj.where} spec.{key}", SHARE)
    else:
        reading.evidence.append(Evidence("podCIDRs", (), obj.where, SHARE))
    ips = [
        address
        for a in obj.mappings("status", "addresses")
        if a.text("type") == "InternalIP" and (address := a.text("address"))
    ]
    add(reading, "nodeCIDRs", ips, f"{obj.where} status.addresses[type=InternalIP]", ADDRESS)


def _component(cfg: Fields, reading: Reading) -> None:
    """kubeadm ClusterConfiguration networking.*, KubeProxyConfiguration clusterCIDR, and
    KubeletConfiguration clusterDomain (kubeadm.k8s.io/v1beta3+, kubeproxy.config.k8s.io/
    v1alpha1, kubelet.config.k8s.io/v1beta1; comma-separated CIDRs for dual-stack)."""
    kind = cfg.text("kind")
    where = cfg.where
    if kind == "ClusterConfiguration":
        net = cfg.mapping("networking")
        add(reading, "podCIDRs", net.strings("podSubnet"), f"{where} networking.podSubnet")
        services = net.strings("serviceSubnet")
        add(reading, "serviceCIDRs", services, f"{where} networking.serviceSubnet")
        if domain := net.text("dnsDomain"):
            add(reading, "domain", [domain], f"{where} networking.dnsDomain")
    elif kind == "KubeProxyConfiguration":
        add(reading, "podCIDRs", cfg.strings("clusterCIDR"), f"{where} clusterCIDR")
    elif kind == "KubeletConfiguration" and (domain := cfg.text("clusterDomain")):
        add(reading, "domain", [domain], f"{where} clusterDomain")


def _configmap(s: Saved, obj: Fields, reading: Reading) -> bool:
    found = False
    data = obj.mapping("data")
    for key, value in data.data.items():
        if isinstance(value, str) and _COMPONENT.search(value):
            where = f"{obj.where} data.{key}"
            cfg = to_data(compose(value, where), where)
            if isinstance(cfg, Mapping):
                _component(Fields(cfg, where, reading), reading)
                found = True
    return found


def _flags(container: Fields) -> dict[str, str]:
    """--flag=value and --flag value pairs of a container's command and args."""
    words = container.words("command") + container.words("args")
    out: dict[str, str] = {}
    for i, word in enumerate(words):
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            if eq:
                out[name] = value
            elif i + 1 < len(words) and not words[i + 1].startswith("--"):
                out[name] = words[i + 1]
    return out


def _pod(obj: Fields, reading: Reading) -> bool:
    """The control plane's static Pods: kube-apiserver --service-cluster-ip-range,
    kube-controller-manager --cluster-cidr and --service-cluster-ip-range."""
    found = False
    for container in obj.mappings("spec", "containers"):
        name = container.text("name")
        if name not in ("kube-apiserver", "kube-controller-manager"):
            continue
        flags = _flags(container)
        where = f"{obj.where} containers[name={name}]"
        if "--service-cluster-ip-range" in flags:
            origin = f"{where} --service-cluster-ip-range"
            add(reading, "serviceCIDRs", _split(flags["--service-cluster-ip-range"]), origin)
        if name == "kube-controller-manager" and "--cluster-cidr" in flags:
            add(reading, "podCIDRs", _split(flags["--cluster-cidr"]), f"{where} --cluster-cidr")
        found = True
    return found


def _split(value: str) -> list[str]:
    return [p for p in re.split(r"[,\s]+", value) if p]


def _openshift_network(obj: Fields, reading: Reading) -> None:
    """config.openshift.io/v1 Network: status.clusterNetwork[].cidr and status.serviceNetwork
    (what the network operator applied; spec when there is no status yet)."""
    for part in ("status", "spec"):
        cidrs = [c for n in obj.mappings(part, "clusterNetwork") if (c := n.text("cidr"))]
        services = obj.strings(part, "serviceNetwork")
        if cidrs or services:
            add(reading, "podCIDRs", cidrs, f"{obj.where} {part}.clusterNetwork[].cidr")
            add(reading, "serviceCIDRs", services, f"{obj.where} {part}.serviceNetwork")
            return


def _openshift_proxy(obj: Fields, reading: Reading) -> None:
    """config.openshift.io/v1 Proxy: spec.httpProxy/httpsProxy (status when spec has none),
    status.noProxy (what the cluster computed: its own entries and the user's),
    spec.trustedCA.name."""
    for key in ("httpsProxy", "httpProxy"):
        for part in ("spec", "status"):
            if url := obj.text(part, key):
                _proxy(reading, key, url, f"{obj.where} {part}.{key}")
                break
    entries = noproxy.split(obj.text("status", "noProxy") or "")
    origin = f"{obj.where} status.noProxy"
    # The cluster's own API host (api-int.<cluster>.<base domain>) is an API server address.
    api = [e for e in entries if e.startswith("api-int.")]
    add(reading, "apiServerAddresses", api, origin)
    add(reading, "noProxy", [e for e in entries if e not in api], origin)
    if trusted := obj.text("spec", "trustedCA", "name"):
        reading.notes.append(
            f"{obj.where} spec.trustedCA: the proxy's CA bundle is ConfigMap "
            f"openshift-config/{trusted}, which Crossplane's pods cannot mount from another "
            "namespace: create a ConfigMap in Crossplane's namespace labelled "
            "config.openshift.io/inject-trusted-cabundle: 'true' (OpenShift fills its key "
            "ca-bundle.crt with the cluster's trust bundle, public roots included) and set "
            "spec.trust.caBundle: {configMapRef: {name: NAME, key: ca-bundle.crt}, complete: true}"
        )


def _k3s(obj: Fields, reading: Reading) -> None:
    where = obj.where
    add(reading, "podCIDRs", obj.strings("cluster-cidr"), f"{where} cluster-cidr")
    add(reading, "serviceCIDRs", obj.strings("service-cidr"), f"{where} service-cidr")
    if domain := obj.text("cluster-domain"):
        add(reading, "domain", [domain], f"{where} cluster-domain")
    for key, default in (("cluster-cidr", "10.42.0.0/16"), ("service-cidr", "10.43.0.0/16")):
        if not obj.has(key):
            reading.notes.append(
                f"{where}: no {key}: k3s and RKE2 then use {default} unless the server's "
                f"--{key} flag says otherwise"
            )


# Cloud CLI output -------------------------------------------------------------------------------


def _eks(file: str, cluster: Fields, reading: Reading) -> None:
    """`aws eks describe-cluster`: cluster.kubernetesNetworkConfig.serviceIpv4Cidr and
    serviceIpv6Cidr (EKS API DescribeCluster, KubernetesNetworkConfigResponse). EKS has no pod
    network field: the VPC CNI gives pods addresses of the VPC's subnets."""
    where = f"{file}: aws eks describe-cluster {cluster.text('name') or ''}".rstrip()
    cluster = Fields(cluster.data, where, reading, cluster.prefix)
    add(reading, "cloud", ["aws"], f"{where} (an EKS cluster)")
    config = cluster.mapping("kubernetesNetworkConfig")
    for key in ("serviceIpv4Cidr", "serviceIpv6Cidr"):
        add(reading, "serviceCIDRs", config.strings(key), f"{where} {config.path(key)}")
    vpc = cluster.text("resourcesVpcConfig", "vpcId") or "VPC_ID"
    reading.pod_hints.append(
        f"{where}: EKS has no pod CIDR field; with the Amazon VPC CNI pods get addresses of the "
        f"VPC's subnets: give `aws ec2 describe-vpcs --vpc-ids {vpc} --output json` for them"
    )


def _associated(block: Fields, state: str) -> bool:
    return block.text(state, "State") in (None, "associated")


def _vpcs(file: str, obj: Fields, reading: Reading) -> None:
    """`aws ec2 describe-vpcs`: Vpcs[].CidrBlockAssociationSet[].CidrBlock and
    Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock (EC2 API DescribeVpcs), associated ones only."""
    for vpc in obj.mappings("Vpcs"):
        where = f"{file}: aws ec2 describe-vpcs {vpc.text('VpcId') or ''}".rstrip()
        vpc = Fields(vpc.data, where, reading, vpc.prefix)
        add(reading, "cloud", ["aws"], f"{where} (an AWS VPC)")
        if vpc.has("CidrBlockAssociationSet"):
            blocks = [
                cidr
                for b in vpc.mappings("CidrBlockAssociationSet")
                if (cidr := b.text("CidrBlock")) and _associated(b, "CidrBlockState")
            ]
        else:
            blocks = [cidr] if (cidr := vpc.text("CidrBlock")) else []
        blocks += [
            cidr
            for b in vpc.mappings("Ipv6CidrBlockAssociationSet")
            if (cidr := b.text("Ipv6CidrBlock")) and _associated(b, "Ipv6CidrBlockState")
        ]
        origin = f"{where} CidrBlockAssociationSet"
        add(reading, "podCIDRs", blocks, f"{origin} (the VPC CNI gives pods VPC addresses)")
        add(reading, "nodeCIDRs", blocks, origin)


def _aks(file: str, obj: Fields, profile: Fields, reading: Reading) -> None:
    """`az aks show`: networkProfile.podCidr(s), serviceCidr(s) and dnsServiceIp (AKS API
    ContainerServiceNetworkProfile; the REST form spells it dnsServiceIP)."""
    where = f"{file}: az aks show {obj.text('name') or ''}".rstrip()
    profile = Fields(profile.data, where, reading, profile.prefix)
    add(reading, "cloud", ["azure"], f"{where} (an AKS cluster)")
    key = "podCidrs" if profile.has("podCidrs") else "podCidr"
    pods = profile.strings(key)
    add(reading, "podCIDRs", pods, f"{where} {profile.path(key)}")
    key = "serviceCidrs" if profile.has("serviceCidrs") else "serviceCidr"
    add(reading, "serviceCIDRs", profile.strings(key), f"{where} {profile.path(key)}")
    key = "dnsServiceIp" if profile.has("dnsServiceIp") else "dnsServiceIP"
    if dns := profile.text(key):
        add(reading, "serviceCIDRs", [dns], f"{where} {profile.path(key)}", SERVICE_IP)
    if not pods:
        reading.pod_hints.append(
            f"{where}: no pod CIDR (Azure CNI without overlay gives pods addresses of the node "
            "pool's subnet): the subnet's range is in `az network vnet subnet show --ids "
            "<agentPoolProfiles[].vnetSubnetId or podSubnetId> --query addressPrefix`"
        )


def _gke(file: str, obj: Fields, reading: Reading) -> None:
    """`gcloud container clusters describe --format json`: clusterIpv4Cidr, servicesIpv4Cidr,
    ipAllocationPolicy.clusterIpv4CidrBlock/servicesIpv4CidrBlock/servicesIpv6CidrBlock (GKE
    API v1 Cluster and IPAllocationPolicy)."""
    where = f"{file}: gcloud container clusters describe {obj.text('name') or ''}".rstrip()
    obj = Fields(obj.data, where, reading)
    add(reading, "cloud", ["gcp"], f"{where} (a GKE cluster)")
    policy = obj.mapping("ipAllocationPolicy")
    for value, key, flat in (
        ("podCIDRs", "clusterIpv4CidrBlock", "clusterIpv4Cidr"),
        ("serviceCIDRs", "servicesIpv4CidrBlock", "servicesIpv4Cidr"),
    ):
        found, path = policy.strings(key), policy.path(key)
        if not found:
            found, path = obj.strings(flat), flat
        add(reading, value, found, f"{where} {path}")
    v6 = "servicesIpv6CidrBlock"
    add(reading, "serviceCIDRs", policy.strings(v6), f"{where} {policy.path(v6)}")
    extra = policy.words("additionalPodRangesConfig", "podRangeNames")
    if extra:
        reading.notes.append(
            f"{where}: more pod ranges are named in ipAllocationPolicy.additionalPodRangesConfig "
            f"({', '.join(extra)}): their CIDRs are the subnet's secondaryIpRanges "
            "(gcloud compute networks subnets describe SUBNET --region REGION --format json); "
            "add them to podCIDRs"
        )


# Dispatch ---------------------------------------------------------------------------------------


def read_object(s: Saved, reading: Reading) -> bool:
    """Read one object; False when discover has nothing to read in it."""
    data = s.data
    kind = data.get("kind")
    api_version = data.get("apiVersion")
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else None
    obj = Fields(data, f"{s.file}:" if kind is None else f"{s.file}: {ref(data)}", reading)
    if kind == "Node" and group == "":
        _node(obj, reading)
    elif kind == "ServiceCIDR" and group == "networking.k8s.io":
        # networking.k8s.io/v1 ServiceCIDR spec.cidrs (GA in Kubernetes 1.33)
        add(reading, "serviceCIDRs", obj.strings("spec", "cidrs"), f"{obj.where} spec.cidrs", LIVE)
    elif kind == "Service" and group == "" and obj.text("metadata", "name") == "kubernetes":
        key = "clusterIPs" if obj.has("spec", "clusterIPs") else "clusterIP"
        ips = [i for i in obj.strings("spec", key) if i != "None"]
        add(reading, "serviceCIDRs", ips, f"{obj.where} spec.{key}", SERVICE_IP)
    elif kind == "ConfigMap" and group == "":
        return _configmap(s, obj, reading)
    elif kind == "Pod" and group == "":
        return _pod(obj, reading)
    elif kind in _COMPONENT_KINDS:
        _component(Fields(data, f"{s.file}: {kind}", reading), reading)
    elif kind == "Network" and group == "config.openshift.io":
        _openshift_network(obj, reading)
    elif kind == "Proxy" and group == "config.openshift.io":
        _openshift_proxy(obj, reading)
    elif kind is not None:
        return False
    elif any(k in data for k in _K3S_KEYS):
        _k3s(Fields(data, f"{s.file}: k3s/RKE2 config", reading), reading)
    elif isinstance(cluster := data.get("cluster"), Mapping) and (
        "kubernetesNetworkConfig" in cluster or "resourcesVpcConfig" in cluster
    ):
        _eks(s.file, obj.mapping("cluster"), reading)
    elif "kubernetesNetworkConfig" in data and "arn" in data:
        _eks(s.file, obj, reading)  # --query cluster
    elif isinstance(data.get("Vpcs"), list):
        _vpcs(s.file, obj, reading)
    elif isinstance(data.get("networkProfile"), Mapping):
        _aks(s.file, obj, obj.mapping("networkProfile"), reading)
    elif isinstance(_dig(data, "properties", "networkProfile"), Mapping):
        _aks(s.file, obj, obj.mapping("properties", "networkProfile"), reading)
    elif "clusterIpv4Cidr" in data or "ipAllocationPolicy" in data:
        _gke(s.file, obj, reading)
    else:
        return False
    return True


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


# The Crossplane install -----------------------------------------------------------------------


def _without_secret_refs(url: str) -> str:
    """A proxy URL with `$(VAR)` credentials (xpnet's credentialsSecret form) without them."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "$(" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _secret_ref(resource: Resource, block: EnvBlock, name: str) -> tuple[str, str] | None:
    """The Secret name and key an env variable of a container takes through secretKeyRef."""
    holder = walk(resource.doc.root, block.holder_path)
    if not isinstance(holder, SequenceNode):
        return None
    for item in holder.value:
        container = to_data(item, resource.doc.source)
        if not isinstance(container, Mapping) or container.get("name") != block.container:
            continue
        env = container.get("env")
        for var in env if isinstance(env, list) else ():
            ref_ = _dig(var, "valueFrom", "secretKeyRef")
            if isinstance(var, Mapping) and var.get("name") == name and isinstance(ref_, Mapping):
                secret, key = ref_.get("name"), ref_.get("key")
                if isinstance(secret, str) and isinstance(key, str):
                    return secret, key
    return None


def _ca_bundle(resource: Resource, block: EnvBlock) -> tuple[str, str, str] | None:
    """The CA bundle the core already trusts, as (configMap or secret, name, key): the chart's
    registryCaBundleConfig, or CA_BUNDLE_PATH in a volume mounted into the core container
    (docs/explanation/trust.md)."""
    holder = to_data(walk(resource.doc.root, block.holder_path), resource.doc.source)
    if block.keyed:
        ref_ = _dig(holder, CHART_VALUES_KEY)
        name, key = _dig(ref_, "name"), _dig(ref_, "key")
        return ("configMap", name, key) if isinstance(name, str) and isinstance(key, str) else None
    container = (
        next(
            (c for c in holder if isinstance(c, Mapping) and c.get("name") == block.container),
            None,
        )
        if isinstance(holder, list)
        else None
    )
    path = next((v.value for v in block.env if v.name == CORE_VAR and v.value), None)
    if container is None or path is None:
        return None
    podspec = to_data(walk(resource.doc.root, block.holder_path[:-1]), resource.doc.source)
    volumes = _dig(podspec, "volumes")
    mounts = container.get("volumeMounts")
    for mount in mounts if isinstance(mounts, list) else ():
        where, name = _dig(mount, "mountPath"), _dig(mount, "name")
        if not isinstance(where, str) or not isinstance(name, str):
            continue
        sub = _dig(mount, "subPath")
        if isinstance(sub, str) and sub and where == path:
            file = sub
        elif path.startswith(where.rstrip("/") + "/") and not sub:
            file = path[len(where.rstrip("/")) + 1 :]
        else:
            continue
        volume = (
            next((v for v in volumes if isinstance(v, Mapping) and v.get("name") == name), None)
            if isinstance(volumes, list)
            else None
        )
        for kind, name_key in (("configMap", "name"), ("secret", "secretName")):
            source = _dig(volume, kind)
            if not isinstance(source, Mapping) or not isinstance(source.get(name_key), str):
                continue
            items = source.get("items")
            mapped = [
                i.get("key")
                for i in (items if isinstance(items, list) else ())
                if isinstance(i, Mapping) and i.get("path") == file
            ]
            key = mapped[0] if mapped and isinstance(mapped[0], str) else file
            return kind, source[name_key], key
    return None


def read_install(install: CrossplaneInstall, reading: Reading) -> None:
    """The proxy variables of every container of the install, each with where it is set; the
    Secret that xpnet's credentialsSecret form takes the credentials from; the CA bundle the
    core already trusts."""
    for resource in install.resources:
        for block in resource.blocks if resource.role is Role.CORE else ():
            if block.main and (bundle := _ca_bundle(resource, block)) is not None:
                field_ = CHART_VALUES_KEY if block.keyed else f"{block.label} env {CORE_VAR}"
                where = f"{resource.doc.source}: {resource.ref} {field_}"
                reading.evidence.append(Evidence("caBundle", bundle, where))
        for block in resource.blocks:
            for var in block.env:
                where = f"{resource.doc.source}: {resource.ref} "
                where += f"{block.label + ' ' if block.label else ''}env {var.name}"
                upper = var.name.upper()
                if var.value is None or not var.value.strip():
                    if var.from_ref and upper in ("HTTPS_PROXY", "HTTP_PROXY"):
                        reading.notes.append(
                            f"{where}: set from a Secret or ConfigMap (valueFrom); give --proxy URL"
                        )
                    continue
                if upper in ("HTTPS_PROXY", "HTTP_PROXY"):
                    key = "httpsProxy" if upper == "HTTPS_PROXY" else "httpProxy"
                    url = var.value.strip()
                    if "$(" in url and block.container is not None:
                        _credentials_secret(resource, block, where, reading)
                    _proxy(reading, key, _without_secret_refs(url), where)
                elif upper == "NO_PROXY":
                    reading.evidence.append(
                        Evidence("noProxy", tuple(noproxy.split(var.value)), where)
                    )


def _credentials_secret(resource: Resource, block: EnvBlock, where: str, reading: Reading) -> None:
    user = _secret_ref(resource, block, USERNAME_VAR)
    password = _secret_ref(resource, block, PASSWORD_VAR)
    if user is None or password is None or user[0] != password[0]:
        reading.notes.append(
            f"{where}: the URL takes its credentials from variables that are not xpnet's "
            f"{USERNAME_VAR}/{PASSWORD_VAR} from one Secret: write spec.proxy.credentialsSecret "
            "yourself"
        )
        return
    items = (user[0], user[1], password[1])
    reading.evidence.append(Evidence("credentialsSecret", items, f"{where} ({USERNAME_VAR})"))
