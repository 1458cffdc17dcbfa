"""A ClusterNetwork from saved cluster objects (issue 14): every source read into evidence that
names its file, object and field; the evidence resolved per value (sources that disagree are a
problem, never silently resolved); the config written with a comment per value, then read back
and validated. Pure: no file is opened and nothing is connected to."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from xpnet import noproxy
from xpnet.config import API_VERSION, CONFIGMAP_KEYS, KIND, load_config
from xpnet.credentials import redact
from xpnet.errors import ConfigError, InputError
from xpnet.install import DEFAULT_NAMESPACE, CrossplaneInstall
from xpnet.install import discover as find_installs
from xpnet.releases import resources
from xpnet.sources import SAVE
from xpnet.yaml.nodes import MappingNode, Node, SequenceNode, compose, to_data
from xpnet.yaml.scan import split_stream
from xpnet.yaml.stream import Document

Format = Literal["clusternetwork", "configmap"]
FORMATS: tuple[Format, ...] = ("clusternetwork", "configmap")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# How much a piece of evidence says about its value.
WHOLE = "whole"  # the cluster's own setting (a flag, a config file, a cloud API field)
LIVE = "live"  # ServiceCIDR objects: the API server's ranges now; more can be added (KEP-1880)
SHARE = "share"  # one node's share of the pod network (Node spec.podCIDRs)
ADDRESS = "address"  # a node's InternalIP addresses
SERVICE_IP = "service-ip"  # the kubernetes Service's ClusterIPs
FLAG = "flag"  # given on the command line

# Service ranges that clusters get by default, each starting with the kubernetes Service IP (the
# API server gives that Service the first address of its range, FACTS.md §6):
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

# The pod network's other homes, for the "not found here" message.
_POD_NETWORK_ELSEWHERE = (
    f"the kube-proxy ConfigMap (`{SAVE['kube-proxy']}`), kubeadm-config (`{SAVE['kubeadm']}`), "
    "or the CNI's own pools: Calico `kubectl get ippools.crd.projectcalico.org -o yaml` "
    "(spec.cidr), Cilium `kubectl -n kube-system get configmap cilium-config -o yaml` "
    f"(cluster-pool-ipv4-cidr); on EKS with the VPC CNI the VPC (`{SAVE['vpc']}`), on AKS "
    "without overlay the node pool's subnet (`az network vnet subnet show --ids "
    "<agentPoolProfiles[].vnetSubnetId>`)"
)

# Component configs that ConfigMaps carry as YAML strings (kubeadm-config, kube-proxy,
# kubelet-config) and that are also read as files of their own.
_COMPONENT_KINDS = ("ClusterConfiguration", "KubeProxyConfiguration", "KubeletConfiguration")
_COMPONENT = re.compile(r"^kind:\s*[\"']?(" + "|".join(_COMPONENT_KINDS) + r")[\"']?\s*$", re.M)
# k3s and RKE2 config files (docs.k3s.io/installation/configuration#configuration-file): the
# server flags without their dashes; comma-separated values for dual-stack.
_K3S_KEYS = ("cluster-cidr", "service-cidr", "cluster-domain")


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

    def of(self, value: str, *grades: str) -> list[Evidence]:
        return [e for e in self.evidence if e.value == value and (not grades or e.grade in grades)]


@dataclass(frozen=True)
class Discovered:
    """The config text (None when refused), the notes for stderr and the problems."""

    text: str | None
    notes: tuple[str, ...]
    problems: tuple[str, ...]


# Reading files ----------------------------------------------------------------------------------


def read(name: str, text: str, stream: int = 0, first_index: int = 0) -> list[Saved]:
    """The objects of a saved file: YAML or JSON, several documents, List items (kubectl's
    `kind: List`, a JSON array) each on their own."""
    if text.lstrip().startswith(("{", "[")):
        # JSON as kubectl and the cloud CLIs print it, re-written so that YAML reads it (tabs);
        # flow-style YAML is read as it is.
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=2)
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


def _items(root: Node | None) -> list[Node]:
    if isinstance(root, SequenceNode):
        return [n for item in root.value for n in _items(item)]
    if not isinstance(root, MappingNode):
        return []
    kind = next((str(v.value) for k, v in root.value if k.value == "kind"), "")
    items = next((v for k, v in root.value if k.value == "items"), None)
    if kind.endswith("List") and isinstance(items, SequenceNode):
        return [n for item in items.value for n in _items(item)]
    return [root]


# Small readers --------------------------------------------------------------------------------


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


def _ref(data: Mapping[str, Any]) -> str:
    kind = str(data.get("kind") or "object")
    name = _dig(data, "metadata", "name")
    namespace = _dig(data, "metadata", "namespace")
    if namespace and name:
        return f"{kind}/{namespace}/{name}"
    return f"{kind}/{name}" if name else kind


def _strings(raw: Any) -> list[str]:
    """A list field, or a comma (or space) separated string, as its items."""
    if isinstance(raw, str):
        return [p for p in re.split(r"[,\s]+", raw) if p]
    if isinstance(raw, list):
        return [p for item in raw for p in _strings(item)]
    return []


def _networks(items: Iterable[str], origin: str, reading: Reading) -> tuple[str, ...]:
    """CIDRs in their canonical form; a value that is not one is a problem naming its origin."""
    out: list[str] = []
    for item in items:
        try:
            net = ipaddress.ip_network(item, strict=False)
        except ValueError:
            reading.problems.append(
                f"{origin}: {item!r} is not a CIDR (address/prefix, e.g. 10.244.0.0/16); "
                "correct the file or leave it out"
            )
            continue
        if "/" not in item:
            reading.problems.append(f"{origin}: {item!r} is an address, not a CIDR")
            continue
        if str(net) not in out:
            out.append(str(net))
    return tuple(out)


def _addresses(items: Iterable[str], origin: str, reading: Reading) -> tuple[str, ...]:
    out: list[str] = []
    for item in items:
        try:
            out.append(str(ipaddress.ip_address(item)))
        except ValueError:
            reading.problems.append(f"{origin}: {item!r} is not an IP address")
    return tuple(out)


def _add(
    reading: Reading, value: str, items: Sequence[str], origin: str, grade: str = WHOLE
) -> None:
    if value in ("podCIDRs", "serviceCIDRs", "nodeCIDRs") and grade not in (ADDRESS, SERVICE_IP):
        items = _networks(items, origin, reading)
    elif grade in (ADDRESS, SERVICE_IP):
        items = _addresses(items, origin, reading)
    if items:
        reading.evidence.append(Evidence(value, tuple(items), origin, grade))


# Kubernetes objects ---------------------------------------------------------------------------


def _node(s: Saved, reading: Reading) -> None:
    """Node spec.podCIDRs (spec.podCIDR before dual-stack) and status.addresses (core/v1 Node)."""
    ref = _ref(s.data)
    spec = _dig(s.data, "spec") or {}
    key = "podCIDRs" if spec.get("podCIDRs") else "podCIDR"
    if spec.get(key):
        _add(reading, "podCIDRs", _strings(spec[key]), f"{s.file}: {ref} spec.{key}", SHARE)
    else:
        reading.evidence.append(Evidence("podCIDRs", (), f"{s.file}: {ref}", SHARE))
    addresses = _dig(s.data, "status", "addresses") or []
    ips = [
        str(a.get("address"))
        for a in addresses
        if isinstance(a, Mapping) and a.get("type") == "InternalIP" and a.get("address")
    ]
    origin = f"{s.file}: {ref} status.addresses[type=InternalIP]"
    _add(reading, "nodeCIDRs", ips, origin, ADDRESS)


def _component(cfg: Mapping[str, Any], where: str, reading: Reading) -> None:
    """kubeadm ClusterConfiguration networking.*, KubeProxyConfiguration clusterCIDR, and
    KubeletConfiguration clusterDomain (kubeadm.k8s.io/v1beta3+, kubeproxy.config.k8s.io/
    v1alpha1, kubelet.config.k8s.io/v1beta1; comma-separated CIDRs for dual-stack)."""
    kind = cfg.get("kind")
    if kind == "ClusterConfiguration":
        net = cfg.get("networking") or {}
        _add(reading, "podCIDRs", _strings(net.get("podSubnet")), f"{where} networking.podSubnet")
        _add(
            reading,
            "serviceCIDRs",
            _strings(net.get("serviceSubnet")),
            f"{where} networking.serviceSubnet",
        )
        if net.get("dnsDomain"):
            _add(reading, "domain", [str(net["dnsDomain"])], f"{where} networking.dnsDomain")
    elif kind == "KubeProxyConfiguration":
        _add(reading, "podCIDRs", _strings(cfg.get("clusterCIDR")), f"{where} clusterCIDR")
    elif kind == "KubeletConfiguration" and cfg.get("clusterDomain"):
        _add(reading, "domain", [str(cfg["clusterDomain"])], f"{where} clusterDomain")


def _configmap(s: Saved, reading: Reading) -> bool:
    ref = _ref(s.data)
    found = False
    for key, value in (_dig(s.data, "data") or {}).items():
        if isinstance(value, str) and _COMPONENT.search(value):
            where = f"{s.file}: {ref} data.{key}"
            cfg = to_data(compose(value, where), where)
            if isinstance(cfg, Mapping):
                _component(cfg, where, reading)
                found = True
    return found


def _flags(container: Mapping[str, Any]) -> dict[str, str]:
    """--flag=value and --flag value pairs of a container's command and args."""
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    out: dict[str, str] = {}
    for i, word in enumerate(words):
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            if eq:
                out[name] = value
            elif i + 1 < len(words) and not words[i + 1].startswith("--"):
                out[name] = words[i + 1]
    return out


def _pod(s: Saved, reading: Reading) -> bool:
    """The control plane's static Pods: kube-apiserver --service-cluster-ip-range,
    kube-controller-manager --cluster-cidr and --service-cluster-ip-range."""
    found = False
    for container in _dig(s.data, "spec", "containers") or []:
        if not isinstance(container, Mapping):
            continue
        name = container.get("name")
        if name not in ("kube-apiserver", "kube-controller-manager"):
            continue
        flags = _flags(container)
        where = f"{s.file}: {_ref(s.data)} containers[name={name}]"
        if "--service-cluster-ip-range" in flags:
            origin = f"{where} --service-cluster-ip-range"
            _add(reading, "serviceCIDRs", _strings(flags["--service-cluster-ip-range"]), origin)
        if name == "kube-controller-manager" and "--cluster-cidr" in flags:
            _add(reading, "podCIDRs", _strings(flags["--cluster-cidr"]), f"{where} --cluster-cidr")
        found = True
    return found


def _openshift_network(s: Saved, reading: Reading) -> None:
    """config.openshift.io/v1 Network: status.clusterNetwork[].cidr and status.serviceNetwork
    (what the network operator applied; spec when there is no status yet)."""
    ref = _ref(s.data)
    for part in ("status", "spec"):
        cluster = _dig(s.data, part, "clusterNetwork") or []
        cidrs = [str(c.get("cidr")) for c in cluster if isinstance(c, Mapping) and c.get("cidr")]
        services = _strings(_dig(s.data, part, "serviceNetwork"))
        if cidrs or services:
            _add(reading, "podCIDRs", cidrs, f"{s.file}: {ref} {part}.clusterNetwork[].cidr")
            _add(reading, "serviceCIDRs", services, f"{s.file}: {ref} {part}.serviceNetwork")
            return


def _openshift_proxy(s: Saved, reading: Reading) -> None:
    """config.openshift.io/v1 Proxy: spec.httpProxy/httpsProxy, status.noProxy (what the
    cluster computed: its own entries and the user's), spec.trustedCA.name."""
    ref = _ref(s.data)
    for key in ("httpsProxy", "httpProxy"):
        url = _dig(s.data, "spec", key) or _dig(s.data, "status", key)
        if url:
            reading.evidence.append(Evidence(key, (str(url),), f"{s.file}: {ref} spec.{key}"))
    entries = noproxy.split(str(_dig(s.data, "status", "noProxy") or ""))
    origin = f"{s.file}: {ref} status.noProxy"
    # The cluster's own API host (api-int.<cluster>.<base domain>) is an API server address.
    api = [e for e in entries if e.startswith("api-int.")]
    _add(reading, "apiServerAddresses", api, origin)
    _add(reading, "noProxy", [e for e in entries if e not in api], origin)
    trusted = _dig(s.data, "spec", "trustedCA", "name")
    if trusted:
        reading.notes.append(
            f"{s.file}: {ref} spec.trustedCA: the proxy's CA bundle is ConfigMap "
            f"openshift-config/{trusted}; xpnet does not set CAs: mount it into Crossplane and "
            "its providers (SSL_CERT_FILE, or the chart's registryCaBundleConfig)"
        )


def _k3s(s: Saved, reading: Reading) -> None:
    where = f"{s.file}: k3s/RKE2 config"
    _add(reading, "podCIDRs", _strings(s.data.get("cluster-cidr")), f"{where} cluster-cidr")
    _add(reading, "serviceCIDRs", _strings(s.data.get("service-cidr")), f"{where} service-cidr")
    if s.data.get("cluster-domain"):
        _add(reading, "domain", [str(s.data["cluster-domain"])], f"{where} cluster-domain")
    for key, default in (("cluster-cidr", "10.42.0.0/16"), ("service-cidr", "10.43.0.0/16")):
        if not s.data.get(key):
            reading.notes.append(
                f"{where}: no {key}: k3s and RKE2 then use {default} unless the server's "
                f"--{key} flag says otherwise"
            )


# Cloud CLI output -------------------------------------------------------------------------------


def _eks(s: Saved, cluster: Mapping[str, Any], reading: Reading) -> None:
    """`aws eks describe-cluster`: cluster.kubernetesNetworkConfig.serviceIpv4Cidr and
    serviceIpv6Cidr (EKS API DescribeCluster, KubernetesNetworkConfigResponse). EKS has no pod
    network field: the VPC CNI gives pods addresses of the VPC's subnets."""
    where = f"{s.file}: aws eks describe-cluster {cluster.get('name') or ''}".rstrip()
    _add(reading, "cloud", ["aws"], f"{where} (an EKS cluster)")
    config = cluster.get("kubernetesNetworkConfig") or {}
    for key in ("serviceIpv4Cidr", "serviceIpv6Cidr"):
        origin = f"{where} cluster.kubernetesNetworkConfig.{key}"
        _add(reading, "serviceCIDRs", _strings(config.get(key)), origin)
    vpc = _dig(cluster, "resourcesVpcConfig", "vpcId") or "VPC_ID"
    reading.pod_hints.append(
        f"{where}: EKS has no pod CIDR field; with the Amazon VPC CNI pods get addresses of the "
        f"VPC's subnets: give `aws ec2 describe-vpcs --vpc-ids {vpc} --output json` for them"
    )


def _vpcs(s: Saved, reading: Reading) -> None:
    """`aws ec2 describe-vpcs`: Vpcs[].CidrBlockAssociationSet[].CidrBlock and
    Ipv6CidrBlockAssociationSet[].Ipv6CidrBlock (EC2 API DescribeVpcs), associated ones only."""
    for vpc in s.data.get("Vpcs") or []:
        if not isinstance(vpc, Mapping):
            continue
        where = f"{s.file}: aws ec2 describe-vpcs {vpc.get('VpcId') or ''}".rstrip()
        _add(reading, "cloud", ["aws"], f"{where} (an AWS VPC)")
        blocks = [
            str(b.get("CidrBlock"))
            for b in vpc.get("CidrBlockAssociationSet") or [{"CidrBlock": vpc.get("CidrBlock")}]
            if isinstance(b, Mapping)
            and b.get("CidrBlock")
            and _dig(b, "CidrBlockState", "State") in (None, "associated")
        ]
        blocks += [
            str(b.get("Ipv6CidrBlock"))
            for b in vpc.get("Ipv6CidrBlockAssociationSet") or []
            if isinstance(b, Mapping)
            and b.get("Ipv6CidrBlock")
            and _dig(b, "Ipv6CidrBlockState", "State") in (None, "associated")
        ]
        origin = f"{where} CidrBlockAssociationSet"
        _add(reading, "podCIDRs", blocks, f"{origin} (the VPC CNI gives pods VPC addresses)")
        _add(reading, "nodeCIDRs", blocks, origin)


def _aks(s: Saved, profile: Mapping[str, Any], prefix: str, reading: Reading) -> None:
    """`az aks show`: networkProfile.podCidr(s), serviceCidr(s) and dnsServiceIp (AKS API
    ContainerServiceNetworkProfile; the REST form spells it dnsServiceIP)."""
    where = f"{s.file}: az aks show {s.data.get('name') or ''}".rstrip()
    _add(reading, "cloud", ["azure"], f"{where} (an AKS cluster)")
    pods = _strings(profile.get("podCidrs")) or _strings(profile.get("podCidr"))
    key = "podCidrs" if profile.get("podCidrs") else "podCidr"
    _add(reading, "podCIDRs", pods, f"{where} {prefix}networkProfile.{key}")
    services = _strings(profile.get("serviceCidrs")) or _strings(profile.get("serviceCidr"))
    key = "serviceCidrs" if profile.get("serviceCidrs") else "serviceCidr"
    _add(reading, "serviceCIDRs", services, f"{where} {prefix}networkProfile.{key}")
    dns = profile.get("dnsServiceIp") or profile.get("dnsServiceIP")
    if dns:
        origin = f"{where} {prefix}networkProfile.dnsServiceIp"
        _add(reading, "serviceCIDRs", [str(dns)], origin, SERVICE_IP)
    if not pods:
        reading.pod_hints.append(
            f"{where}: no pod CIDR (Azure CNI without overlay gives pods addresses of the node "
            "pool's subnet): the subnet's range is in `az network vnet subnet show --ids "
            "<agentPoolProfiles[].vnetSubnetId or podSubnetId> --query addressPrefix`"
        )


def _gke(s: Saved, reading: Reading) -> None:
    """`gcloud container clusters describe --format json`: clusterIpv4Cidr, servicesIpv4Cidr,
    ipAllocationPolicy.clusterIpv4CidrBlock/servicesIpv4CidrBlock/servicesIpv6CidrBlock (GKE
    API v1 Cluster and IPAllocationPolicy)."""
    where = f"{s.file}: gcloud container clusters describe {s.data.get('name') or ''}".rstrip()
    _add(reading, "cloud", ["gcp"], f"{where} (a GKE cluster)")
    policy = s.data.get("ipAllocationPolicy") or {}
    pods = _strings(policy.get("clusterIpv4CidrBlock"))
    key = "ipAllocationPolicy.clusterIpv4CidrBlock"
    if not pods:
        pods, key = _strings(s.data.get("clusterIpv4Cidr")), "clusterIpv4Cidr"
    _add(reading, "podCIDRs", pods, f"{where} {key}")
    services = _strings(policy.get("servicesIpv4CidrBlock"))
    key = "ipAllocationPolicy.servicesIpv4CidrBlock"
    if not services:
        services, key = _strings(s.data.get("servicesIpv4Cidr")), "servicesIpv4Cidr"
    _add(reading, "serviceCIDRs", services, f"{where} {key}")
    v6 = "ipAllocationPolicy.servicesIpv6CidrBlock"
    _add(reading, "serviceCIDRs", _strings(policy.get("servicesIpv6CidrBlock")), f"{where} {v6}")
    extra = _dig(policy, "additionalPodRangesConfig", "podRangeNames")
    if extra:
        reading.notes.append(
            f"{where}: more pod ranges are named in ipAllocationPolicy.additionalPodRangesConfig "
            f"({', '.join(map(str, extra))}): their CIDRs are the subnet's secondaryIpRanges "
            "(gcloud compute networks subnets describe SUBNET --region REGION --format json); "
            "add them to podCIDRs"
        )


# Dispatch ---------------------------------------------------------------------------------------


def _read_object(s: Saved, reading: Reading) -> bool:
    """Read one object; False when discover has nothing to read in it."""
    data = s.data
    kind = data.get("kind")
    group = str(data.get("apiVersion") or "").rpartition("/")[0]
    name = _dig(data, "metadata", "name")
    if kind == "Node" and group == "":
        _node(s, reading)
    elif kind == "ServiceCIDR" and group == "networking.k8s.io":
        # networking.k8s.io/v1 ServiceCIDR spec.cidrs (GA in Kubernetes 1.33)
        origin = f"{s.file}: {_ref(data)} spec.cidrs"
        _add(reading, "serviceCIDRs", _strings(_dig(data, "spec", "cidrs")), origin, LIVE)
    elif kind == "Service" and group == "" and name == "kubernetes":
        key = "clusterIPs" if _dig(data, "spec", "clusterIPs") else "clusterIP"
        ips = _strings(_dig(data, "spec", key))
        origin = f"{s.file}: {_ref(data)} spec.{key}"
        _add(reading, "serviceCIDRs", [i for i in ips if i != "None"], origin, SERVICE_IP)
    elif kind == "ConfigMap" and group == "":
        return _configmap(s, reading)
    elif kind == "Pod" and group == "":
        return _pod(s, reading)
    elif kind in _COMPONENT_KINDS:
        _component(data, f"{s.file}: {kind}", reading)
    elif kind == "Network" and group == "config.openshift.io":
        _openshift_network(s, reading)
    elif kind == "Proxy" and group == "config.openshift.io":
        _openshift_proxy(s, reading)
    elif kind is None and any(k in data for k in _K3S_KEYS):
        _k3s(s, reading)
    elif (
        kind is None
        and isinstance(data.get("cluster"), Mapping)
        and (
            "kubernetesNetworkConfig" in data["cluster"] or "resourcesVpcConfig" in data["cluster"]
        )
    ):
        _eks(s, data["cluster"], reading)
    elif kind is None and "kubernetesNetworkConfig" in data and "arn" in data:
        _eks(s, data, reading)  # --query cluster
    elif kind is None and isinstance(data.get("Vpcs"), list):
        _vpcs(s, reading)
    elif kind is None and isinstance(data.get("networkProfile"), Mapping):
        _aks(s, data["networkProfile"], "", reading)
    elif kind is None and isinstance(_dig(data, "properties", "networkProfile"), Mapping):
        _aks(s, data["properties"]["networkProfile"], "properties.", reading)
    elif kind is None and ("clusterIpv4Cidr" in data or "ipAllocationPolicy" in data):
        _gke(s, reading)
    else:
        return False
    return True


# The Crossplane install -----------------------------------------------------------------------


def _without_secret_refs(url: str) -> str:
    """A proxy URL with `$(VAR)` credentials (xpnet's credentialsSecret form) without them."""
    parts = urlsplit(url)
    if "$(" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _read_install(install: CrossplaneInstall, reading: Reading) -> None:
    """The proxy variables of every container of the install, each with where it is set."""
    for resource in install.resources:
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
                    url = _without_secret_refs(var.value.strip())
                    reading.evidence.append(Evidence(key, (url,), where))
                elif upper == "NO_PROXY":
                    reading.evidence.append(
                        Evidence("noProxy", tuple(noproxy.split(var.value)), where)
                    )


# Resolving --------------------------------------------------------------------------------------


def _say(items: Iterable[str]) -> str:
    return ", ".join(items)


def _shown(item: str) -> str:
    """An item for messages: a proxy URL's credentials are never repeated (SPEC §4)."""
    return redact(item)


def _conflict(value: str, groups: Sequence[tuple[Sequence[str], Sequence[Evidence]]]) -> str:
    sides = [
        f"{_say(map(_shown, items))} from {'; '.join(e.origin for e in evidence)}"
        for items, evidence in groups
    ]
    return (
        f"{value}: the sources disagree: " + " | ".join(sides) + "; give only the files of this "
        "cluster, or correct the stale one (nothing was printed)"
    )


def _agree(value: str, evidence: Sequence[Evidence], reading: Reading) -> tuple[str, ...]:
    """The one set of items that all evidence gives, or a problem listing each side."""
    groups: dict[frozenset[str], list[Evidence]] = {}
    for e in evidence:
        groups.setdefault(frozenset(e.items), []).append(e)
    if len(groups) > 1:
        reading.problems.append(_conflict(value, [(g[0].items, g) for g in groups.values()]))
        return ()
    return evidence[0].items if evidence else ()


def _network(text: str) -> Network:
    return ipaddress.ip_network(text, strict=False)


def _inside(item: str, cidrs: Sequence[str]) -> bool:
    net = _network(item)
    return any(
        net.version == c.version and net.subnet_of(c)  # type: ignore[arg-type]
        for c in map(_network, cidrs)
    )


def _span(items: Sequence[str]) -> tuple[str, ...]:
    """The smallest prefix per IP family covering every item, families in order of appearance."""
    nets = [_network(i) for i in items]
    out = []
    for version in dict.fromkeys(n.version for n in nets):
        same = [n for n in nets if n.version == version]
        low = min(int(n.network_address) for n in same)
        high = max(int(n.broadcast_address) for n in same)
        bits = same[0].max_prefixlen
        prefix = min(bits - (low ^ high).bit_length(), min(n.prefixlen for n in same))
        out.append(str(ipaddress.ip_network((low, prefix), strict=False)))
    return tuple(out)


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
        for e in allocated:
            outside = [i for i in e.items if not _inside(i, chosen)]
            if outside:
                reading.problems.append(
                    _conflict("podCIDRs", [(outside, [e]), (chosen, whole)])
                    + f": {_say(outside)} is outside the pod network"
                )
        if allocated:
            reasons += (f"covers the {len(allocated)} nodes' spec.podCIDRs",)
        return Value(chosen, reasons)
    if whole:  # they disagreed
        return None
    if allocated:
        span = _span([i for e in allocated for i in e.items])
        reading.notes.append(
            f"warning: podCIDRs {_say(span)} is the smallest range covering the "
            f"{len(allocated)} nodes' spec.podCIDRs; the cluster's pod network is probably "
            f"larger (nodes added later get ranges outside it): give {_POD_NETWORK_ELSEWHERE}"
        )
        return Value(
            span,
            (
                "APPROXIMATE: the smallest range covering the nodes' spec.podCIDRs:",
                *(f"  {_say(e.items)} from {e.origin}" for e in allocated),
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
            if ip == _network(cidr).network_address + 1
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
    for e in ips:
        outside = [i for i in e.items if not _inside(i, chosen)]
        if outside:
            reading.problems.append(
                _conflict("serviceCIDRs", [(outside, [e]), (chosen, live or whole)])
                + f": {_say(outside)} is outside the service network"
            )
        else:
            reasons += (f"holds the address {_say(e.items)} from {e.origin}",)
    return Value(chosen, reasons)


def _nodes(reading: Reading) -> Value | None:
    whole = reading.of("nodeCIDRs", WHOLE)
    addresses = reading.of("nodeCIDRs", ADDRESS)
    chosen = _agree("nodeCIDRs", whole, reading)
    if chosen:
        for e in addresses:
            outside = [i for i in e.items if not _inside(i, chosen)]
            if outside:
                reading.problems.append(
                    _conflict("nodeCIDRs", [(outside, [e]), (chosen, whole)])
                    + f": {_say(outside)} is outside the node network"
                )
        return Value(chosen, _from(whole))
    if whole or not addresses:
        return None
    span = _span([i for e in addresses for i in e.items])
    reading.notes.append(
        f"warning: nodeCIDRs {_say(span)} is APPROXIMATE: the smallest range covering the "
        f"{len(addresses)} nodes' InternalIP addresses; the nodes' subnets may be larger (or "
        "this range may cover hosts that are not nodes): correct it from your infrastructure"
    )
    return Value(
        span,
        (
            "APPROXIMATE: the smallest range covering the nodes' InternalIP addresses:",
            *(f"  {_say(e.items)} from {e.origin}" for e in addresses),
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
    """A list value made of every source's entries (noProxy, apiServerAddresses), each item
    with where it was found."""
    dropped = set(drop)
    where: dict[str, list[str]] = {}
    for e in reading.of(value):
        for item in e.items:
            if item not in dropped:
                where.setdefault(item, []).append(e.origin)
    if not where:
        return None
    reasons = tuple(f"{item}: from {'; '.join(origins)}" for item, origins in where.items())
    return Value(tuple(where), reasons)


# Writing ----------------------------------------------------------------------------------------


def _scalar(text: str) -> str:
    plain = re.fullmatch(r"[A-Za-z0-9./_-][A-Za-z0-9./:_@$()-]*", text)
    risky = re.fullmatch(r"[-+0-9.:_]+|true|false|null|yes|no|on|off|y|n|~", text, re.I)
    return text if plain and not risky else json.dumps(text)


def _comment(lines: Iterable[str], indent: str) -> list[str]:
    """Comment lines of at most 100 characters where the words allow (a path is not broken)."""
    out = []
    for line in lines:
        lead = "  " if line.startswith("  ") else ""
        out += textwrap.wrap(
            line.strip(),
            width=100,
            initial_indent=f"{indent}# {lead}",
            subsequent_indent=f"{indent}#   {lead}",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return out


@dataclass(frozen=True)
class Spec:
    """The values of a discovered ClusterNetwork, each with its reasons; None: not found."""

    proxy: dict[str, Value]
    cluster: dict[str, Value]
    crossplane: dict[str, Value]


def _clusternetwork(spec: Spec, name: str, header: Sequence[str]) -> str:
    out = _comment(header, "")
    out += [
        f"apiVersion: {API_VERSION}",
        f"kind: {KIND}",
        "metadata:",
        f"  name: {_scalar(name)}",
        "spec:",
    ]
    for section, values in (
        ("proxy", spec.proxy),
        ("cluster", spec.cluster),
        ("crossplane", spec.crossplane),
    ):
        out.append(f"  {section}:")
        for key, value in values.items():
            out += _comment(value.reasons, "    ")
            if key in _LISTS:
                out.append(f"    {key}:")
                out += [f"      - {_scalar(item)}" for item in value.items]
            else:
                out.append(f"    {key}: {_scalar(value.items[0])}")
    return "\n".join(out) + "\n"


def _configmap_form(spec: Spec, name: str, header: Sequence[str]) -> str:
    out = _comment(header, "")
    out += ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {_scalar(name)}", "data:"]
    for values in (spec.proxy, spec.cluster, spec.crossplane):
        for key, value in values.items():
            assert key in CONFIGMAP_KEYS, key
            out += _comment(value.reasons, "  ")
            out.append(f"  {key}: {json.dumps(','.join(value.items))}")
    return "\n".join(out) + "\n"


_LISTS = ("noProxy", "podCIDRs", "serviceCIDRs", "nodeCIDRs", "apiServerAddresses")
_PATHS = {
    "httpsProxy": "spec.proxy.httpsProxy",
    "httpProxy": "spec.proxy.httpProxy",
    "noProxy": "spec.proxy.noProxy",
    "podCIDRs": "spec.cluster.podCIDRs",
    "serviceCIDRs": "spec.cluster.serviceCIDRs",
    "nodeCIDRs": "spec.cluster.nodeCIDRs",
    "domain": "spec.cluster.domain",
    "cloud": "spec.cluster.cloud",
    "apiServerAddresses": "spec.cluster.apiServerAddresses",
    "namespace": "spec.crossplane.namespace",
    "version": "spec.crossplane.version",
}


def _verify(text: str, spec: Spec) -> list[str]:
    """Read the written text back as xpnet reads a config and compare every value; the
    problems say which value was refused and where it came from."""
    source = "the discovered configuration"
    try:
        config = load_config(to_data(compose(text, source), source), source)
    except (ConfigError, InputError) as error:
        every = {**spec.proxy, **spec.cluster, **spec.crossplane}
        problems = []
        for problem in error.problems:
            keys = [k for k in every if re.search(rf"\b{k}\b", problem)]
            origins = "; ".join(r for k in keys for r in every[k].reasons if r.startswith("from"))
            problems.append(
                f"xpnet would refuse what discover found: {problem}"
                + (f" ({origins}); correct the source or give --proxy URL" if origins else "")
            )
        return problems
    found = {
        "httpsProxy": config.spec.proxy.httpsProxy,
        "httpProxy": config.spec.proxy.httpProxy,
        "noProxy": config.spec.proxy.noProxy,
        "podCIDRs": config.spec.cluster.podCIDRs,
        "serviceCIDRs": config.spec.cluster.serviceCIDRs,
        "nodeCIDRs": config.spec.cluster.nodeCIDRs,
        "domain": config.spec.cluster.domain,
        "cloud": config.spec.cluster.cloud,
        "apiServerAddresses": config.spec.cluster.apiServerAddresses,
        "namespace": config.spec.crossplane.namespace,
        "version": config.spec.crossplane.version,
    }
    problems = []
    for key, value in {**spec.proxy, **spec.cluster, **spec.crossplane}.items():
        read_back = found[key]
        got = list(read_back) if isinstance(read_back, list | tuple) else [read_back]
        if got != list(value.items):
            problems.append(
                f"{_PATHS[key]}: written as {_say(value.items)} but read back as "
                f"{_say(map(str, got))}; this is a bug in xpnet discover: please report it"
            )
    return problems


# The whole ---------------------------------------------------------------------------------------


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


def discover(
    saved: Sequence[Saved],
    proxy: str | None = None,
    name: str = "discovered",
    form: Format = "clusternetwork",
) -> Discovered:
    """The ClusterNetwork (or its ConfigMap form) that the saved objects describe."""
    reading = Reading()
    install_docs = []
    ignored: dict[str, dict[str, int]] = {}
    for s in saved:
        if s.doc is not None and resources(s.doc):
            install_docs.append(s.doc)
        elif not _read_object(s, reading):
            kind = str(s.data.get("kind") or "a mapping without kind")
            counts = ignored.setdefault(s.file, {})
            counts[kind] = counts.get(kind, 0) + 1
    for file, counts in ignored.items():
        kinds = ", ".join(f"{k} ({n})" if n > 1 else k for k, n in sorted(counts.items()))
        reading.notes.append(f"{file}: ignored (discover reads nothing in them): {kinds}")
    installs = find_installs(install_docs, None, "auto", resources)
    for install in installs:
        _read_install(install, reading)
    if proxy:
        reading.evidence.append(Evidence("httpsProxy", (proxy,), "--proxy", FLAG))
        reading.evidence.append(Evidence("httpProxy", (proxy,), "--proxy", FLAG))

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
    https, http = _single("httpsProxy", reading), _single("httpProxy", reading)
    if https is not None:
        proxies["httpsProxy"] = https
    if http is not None and (https is None or http.items != https.items):
        proxies["httpProxy"] = http
    if not proxies and not reading.of("httpsProxy") and not reading.of("httpProxy"):
        reading.problems.append(
            "no proxy URL: give --proxy URL, or the Crossplane install whose env sets "
            f"HTTPS_PROXY (`{SAVE['crossplane']}`)"
        )
    if reading.problems:
        return Discovered(None, tuple(reading.notes), tuple(reading.problems))

    namespace = crossplane["namespace"].items[0] if "namespace" in crossplane else None
    computed = _computed(proxies, cluster, namespace)
    api = _entries("apiServerAddresses", reading, computed)
    if api is not None:
        cluster["apiServerAddresses"] = api
    extra = _entries("noProxy", reading, computed | set(api.items if api else ()))
    if extra is not None:
        proxies["noProxy"] = Value(
            extra.items,
            ("entries already in use that xpnet does not compute itself:", *extra.reasons),
        )
    spec = Spec(proxies, cluster, crossplane)
    files = ", ".join(dict.fromkeys(s.file for s in saved)) or "nothing"
    header = (
        f"xpnet discover: the ClusterNetwork that {files} describe (read offline: xpnet "
        "connected to nothing).",
        "Each value's source is in the comment above it; check those marked GUESS or "
        "APPROXIMATE before you use it.",
    )
    write = _clusternetwork if form == "clusternetwork" else _configmap_form
    text = write(spec, name, header)
    problems = _verify(text, spec)
    return Discovered(None if problems else text, tuple(reading.notes), tuple(problems))


def _computed(
    proxies: Mapping[str, Value], cluster: Mapping[str, Value], namespace: str | None
) -> set[str]:
    """The NO_PROXY entries xpnet computes itself for these values (they need no noProxy)."""
    data = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": "discovered"},
        "spec": {
            "proxy": {k: v.items[0] for k, v in proxies.items()},
            "cluster": {
                k: list(v.items) if k in _LISTS else v.items[0] for k, v in cluster.items()
            },
        },
    }
    try:
        config = load_config(data, "the discovered configuration")
    except ConfigError:
        return set()  # refused again, with its reasons, when the text is verified
    return {e.value for e in noproxy.compute(config, namespace or DEFAULT_NAMESPACE).entries}
