"""The ClusterNetwork's pydantic model: validation with clear errors, the ConfigMap form and
the published JSON Schema. Imported only for a configuration that is not in the cache:
pydantic and netaddr are most of a run's start-up."""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import netaddr
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from xpnet import credentials, selectors
from xpnet.clusternetwork import API_VERSION, CONFIGMAP_KEYS, CONFIGMAP_PATHS, KIND
from xpnet.config_messages import WHERE_TO_LOOK, as_written, closest, explain, got
from xpnet.entries import NO_PROXY_ENTRY_PATTERN, ascii_hint, network
from xpnet.entries import problem as entry_problem
from xpnet.errors import ConfigError
from xpnet.system_roots import SYSTEM_TRUST_DIRS

# The JSON Schema carries these patterns; the validators below say the same thing in words and
# add what a pattern cannot (IPv6 syntax, host bits).
_IPV4_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"({_IPV4_OCTET}\.){{3}}{_IPV4_OCTET}"
CIDR_PATTERN = (
    rf"^({_IPV4}/(3[0-2]|[12]?[0-9])"
    r"|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$"
)
PROXY_URL_PATTERN = (
    r"^https?://([^\s/?#@]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+;=-]+)(:[0-9]{1,5})?/?$"
)
DNS_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
VERSION_PATTERN = r"^(auto|unknown|v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?)$"

_PROXY_EXAMPLE = "http://proxy.corp.example:3128"


def _cidr(value: str) -> str:
    text = value.strip()
    if "/" not in text:
        raise ValueError(f"{value!r} is not a CIDR: write it as address/prefix, e.g. 10.244.0.0/16")
    try:
        net = netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise ValueError(_not_a_cidr(value)) from None
    if not re.match(CIDR_PATTERN, text):
        raise ValueError(_not_a_cidr(value))
    if net.ip != net.network:
        raise ValueError(
            f"{value!r} has host bits set: did you mean {net.network}/{net.prefixlen}?"
        )
    if net.version == 6 and net.prefixlen >= 96 and net.ip.is_ipv4_mapped():
        # Go reads an IPv4-mapped CIDR in NO_PROXY as the IPv4 network it maps
        # (https://pkg.go.dev/net#IPNet.Contains), a NetworkPolicy's ipBlock as an IPv6 one that
        # no IPv4 connection matches: only the IPv4 form means one thing to both.
        ipv4 = netaddr.IPNetwork(f"{net.ip.ipv4()}/{net.prefixlen - 96}")
        raise ValueError(f"{value!r} is an IPv4-mapped IPv6 CIDR: write it as IPv4, {ipv4}")
    return text.lower()


def _not_a_cidr(value: str) -> str:
    address, _, prefix = value.strip().partition("/")
    try:
        version = netaddr.IPAddress(address).version
    except (netaddr.AddrFormatError, ValueError, TypeError):
        version = 0
    longest = {4: 32, 6: 128}.get(version)
    if longest is not None and prefix.isdigit() and int(prefix) > longest:
        reason = f"/{prefix} is longer than an IPv{version} address (at most /{longest})"
    else:
        reason = "write address/prefix, e.g. 10.244.0.0/16 or fd00:10:244::/56"
    return f"{value!r} is not a valid IPv4 or IPv6 CIDR: {reason}"


def _proxy_url(value: str) -> str:
    # Where clients disagree on the end of the credentials, the host each one finds may be a
    # piece of the password: say so before anything quotes a host or suggests a URL.
    if credentials.ambiguous(value):
        raise ValueError(
            "the user name or password holds a character that clients read differently or "
            "refuse ('@', '/', '?', '#', white space, non-ASCII, a '%' that starts no escape): "
            "percent-encode every character but letters, digits and -._~!$&'()*+,;=: (e.g. "
            "%40 for @, %2F for /, %25 for %)"
        )
    host = urlsplit(value).hostname or ""
    if not host.isascii() or "%" in host:
        raise ValueError(f"the proxy host {ascii_hint(host)}")
    if not re.match(PROXY_URL_PATTERN, value):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https"):
            fix = f"e.g. {_PROXY_EXAMPLE}"
            if "://" not in value and "@" not in value:
                fix = f"did you mean http://{value}?"
            raise ValueError(f"proxy URL must start with http:// (or https://): {fix}")
        if not parts.hostname:
            raise ValueError(f"proxy URL has no host, e.g. {_PROXY_EXAMPLE}")
        bare = f"{parts.scheme}://{parts.netloc}"
        hint = "" if "@" in bare else f"; did you mean {bare}?"
        raise ValueError(
            # Written without "://[...@", which the redaction of URLs in messages would mask.
            "proxy URL must be scheme://host[:port] with no path (credentials, if any, before "
            f"the host as user:password@){hint}"
        )
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"proxy URL has an invalid port: use 1-65535, e.g. {_PROXY_EXAMPLE}")
    return value


def _no_proxy_entry(value: str) -> str:
    if (why := entry_problem(value)) is not None:
        raise ValueError(why)
    return value.strip()


def _dns_name(pattern: str, what: str, example: str) -> Any:
    allowed = "lower case letters, digits and '-'" + (
        "" if pattern == DNS_LABEL_PATTERN else ", in parts joined by '.'"
    )

    def check(value: str) -> str:
        if not re.match(pattern, value):
            guess = value.strip().lower().replace("_", "-")
            if re.match(pattern, guess):
                raise ValueError(f"{value!r} is not a valid {what}: did you mean {guess}?")
            raise ValueError(f"{value!r} is not a valid {what}: use {allowed}, e.g. {example}")
        return value

    return check


DECLARED_HOST_PATTERN = r"^(\*?\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


def _declared_host(value: str) -> str:
    """A host name an extraEgress entry declares: a name or a suffix, never an address."""
    text = value.strip().lower()
    bare = text.removeprefix("*.").removeprefix(".")
    try:
        ipaddress.ip_network(bare, strict=False)
    except ValueError:
        pass
    else:
        raise ValueError(f"{value!r} is an address: put it in cidr; hosts takes names")
    if not re.match(DECLARED_HOST_PATTERN, text):
        raise ValueError(
            f"{value!r} is not a host name: write a name or a suffix as NO_PROXY does, "
            "without a port, e.g. .corp.example"
        )
    return text


def _version(value: str) -> str:
    if not re.match(VERSION_PATTERN, value):
        raise ValueError(
            f"{value!r} is not a version: use auto (read the core image's tag), unknown "
            "(cover every version) or a Crossplane version such as 1.19.2"
        )
    return value


def _rule_selector(value: str) -> str:
    """A rule id or a prefix of ids, as `xpnet check --select` takes them."""
    if why := selectors.problem(value):
        raise ValueError(why)
    if value != value.strip().upper():
        raise ValueError(f"{value!r}: write it as {value.strip().upper()}")
    return value


RuleSelector = Annotated[
    str,
    AfterValidator(_rule_selector),
    Field(json_schema_extra={"pattern": selectors.SELECTOR_PATTERN}),
]

Cidr = Annotated[str, AfterValidator(_cidr), Field(json_schema_extra={"pattern": CIDR_PATTERN})]
ProxyUrl = Annotated[
    str, AfterValidator(_proxy_url), Field(json_schema_extra={"pattern": PROXY_URL_PATTERN})
]
NoProxyEntry = Annotated[
    str,
    AfterValidator(_no_proxy_entry),
    Field(json_schema_extra={"pattern": NO_PROXY_ENTRY_PATTERN}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CredentialsSecret(_Strict):
    """A Secret in Crossplane's namespace holding the proxy's user name and password."""

    name: Annotated[
        str,
        AfterValidator(_dns_name(DNS_NAME_PATTERN, "Secret name", "proxy-credentials")),
        Field(json_schema_extra={"pattern": DNS_NAME_PATTERN}),
    ] = Field(description="The Secret's name.", examples=["proxy-credentials"])
    usernameKey: str = Field(
        default="username",
        min_length=1,
        description="The key holding the user name.",
        examples=["username"],
    )
    passwordKey: str = Field(
        default="password",
        min_length=1,
        description="The key holding the password.",
        examples=["password"],
    )


class Proxy(_Strict):
    """Where the proxy is and what must bypass it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"anyOf": [{"required": ["httpProxy"]}, {"required": ["httpsProxy"]}]},
    )

    @model_validator(mode="after")
    def _needs_a_proxy(self) -> Proxy:
        if self.httpProxy is None and self.httpsProxy is None:
            raise ValueError(
                f"no proxy URL: set httpsProxy and/or httpProxy, e.g. httpsProxy: {_PROXY_EXAMPLE}"
            )
        urls = (self.httpProxy, self.httpsProxy, self.grpcProxy)
        if self.credentialsSecret and any(u and "@" in u for u in urls):
            raise ValueError(
                "credentialsSecret is set, so the proxy URLs must not carry credentials "
                "themselves: remove user:password@ from them"
            )
        return self

    httpProxy: ProxyUrl | None = Field(
        default=None,
        description="Proxy for http:// requests (HTTP_PROXY, http_proxy). Defaults to httpsProxy.",
        examples=[_PROXY_EXAMPLE],
    )
    httpsProxy: ProxyUrl | None = Field(
        default=None,
        description=(
            "Proxy for https:// requests and gRPC (HTTPS_PROXY, https_proxy). "
            "Defaults to httpProxy."
        ),
        examples=[_PROXY_EXAMPLE],
    )
    noProxy: list[NoProxyEntry] = Field(
        default_factory=list,
        description=(
            "Extra NO_PROXY entries, added after the ones xpnet computes. Per runtime config, a "
            "DeploymentRuntimeConfig or ControllerConfig annotated "
            'xpnet.dev/extra-no-proxy: "a,b" gets further entries of its own (after these), and '
            'one annotated xpnet.dev/skip: "true" is left alone by fix and reported as skipped by '
            "check."
        ),
        examples=[[".corp.example", "10.20.0.0/16"]],
    )
    grpcProxy: ProxyUrl | None = Field(
        default=None,
        description=(
            "Proxy for gRPC C-core clients (grpc_proxy). When set, grpc_proxy and no_grpc_proxy "
            "are written too; otherwise they are only kept consistent where present."
        ),
        examples=[_PROXY_EXAMPLE],
    )
    credentialsSecret: CredentialsSecret | None = Field(
        default=None,
        description=(
            "Take the proxy's credentials from this Secret instead of writing them into the "
            "manifests: secretKeyRef variables XPNET_PROXY_USERNAME and XPNET_PROXY_PASSWORD are "
            "inserted before the first proxy variable, and the proxy URLs become "
            "http://$(XPNET_PROXY_USERNAME):$(XPNET_PROXY_PASSWORD)@host:port. The Secret's "
            "values must be URL-encoded."
        ),
        examples=[{"name": "proxy-credentials"}],
    )


class Cluster(_Strict):
    """The cluster's networks."""

    podCIDRs: list[Cidr] = Field(
        min_length=1,
        description=(
            f"Pod networks (one per IP family on dual-stack clusters): {WHERE_TO_LOOK['podCIDRs']}."
        ),
        examples=[["10.244.0.0/16"]],
    )
    serviceCIDRs: list[Cidr] = Field(
        min_length=1,
        description=(
            "Service networks; the first IP of each is the kubernetes API Service address: "
            f"{WHERE_TO_LOOK['serviceCIDRs']}."
        ),
        examples=[["10.96.0.0/12"]],
    )
    nodeCIDRs: list[Cidr] = Field(
        default_factory=list,
        description=(
            f"Node networks (optional): {WHERE_TO_LOOK['nodeCIDRs']}. They may hold the pod "
            "networks (CNIs that give pods addresses of the nodes' subnets), never a service "
            "network."
        ),
        examples=[["192.168.10.0/24"]],
    )

    @model_validator(mode="after")
    def _separate_networks(self) -> Cluster:
        # Kubernetes gives Services addresses from a range of their own, apart from pods and
        # nodes, so an overlap means one of the CIDRs is wrong; a wrong pod CIDR is what
        # breaks Functions before Crossplane 1.20, whose gRPC calls bypass the proxy only by
        # pod IP (docs/explanation/function-calls.md). Pods inside a node network are kept:
        # CNIs such as the AWS VPC CNI give pods addresses of the nodes' subnets.
        services = [(f"serviceCIDRs[{i}]", c) for i, c in enumerate(self.serviceCIDRs)]
        others = [(f"podCIDRs[{i}]", c) for i, c in enumerate(self.podCIDRs)]
        others += [(f"nodeCIDRs[{i}]", c) for i, c in enumerate(self.nodeCIDRs)]
        for where, cidr in others:
            net = ipaddress.ip_network(cidr)
            for there, service in services:
                other = ipaddress.ip_network(service)
                if net.version == other.version and net.overlaps(other):
                    kind = "pod" if where.startswith("pod") else "node"
                    raise ValueError(
                        f"{where} {cidr} overlaps {there} {service}: Services get addresses "
                        f"apart from {kind}s, so one of them is wrong, and a wrong pod CIDR "
                        "sends Crossplane's calls to Functions to the proxy before Crossplane "
                        f"1.20; look again: {kind} networks: "
                        f"{WHERE_TO_LOOK[where.split('[')[0]]}; service networks: "
                        f"{WHERE_TO_LOOK['serviceCIDRs']}"
                    )
        return self

    domain: Annotated[
        str,
        AfterValidator(_dns_name(DNS_NAME_PATTERN, "DNS domain", "cluster.local")),
        Field(json_schema_extra={"pattern": DNS_NAME_PATTERN}),
    ] = Field(
        default="cluster.local",
        description="The cluster DNS domain (the kubelet's clusterDomain).",
        examples=["cluster.local"],
    )
    apiServerAddresses: list[NoProxyEntry] = Field(
        default_factory=list,
        description=(
            "Further addresses of the API server (an external endpoint, an api-int host) "
            "that must bypass the proxy: "
            f"{WHERE_TO_LOOK['apiServerAddresses']}."
        ),
        examples=[["api-int.corp.example"]],
    )
    cloud: Literal["aws", "azure", "gcp"] | None = Field(
        default=None,
        description=(
            "The cloud the cluster runs on (optional): NO_PROXY then gets the metadata and "
            "identity endpoints its SDKs call from pods, which no proxy can reach. aws: "
            "169.254.169.254 and fd00:ec2::254 (instance metadata), 169.254.170.23 and "
            "fd00:ec2::23 (EKS Pod Identity agent); azure: 169.254.169.254 (instance metadata, "
            "managed identity) and 168.63.129.16 (platform address); gcp: 169.254.169.254 and "
            "metadata.google.internal (metadata server, Workload Identity)."
        ),
        examples=["aws"],
    )


class Crossplane(_Strict):
    """The Crossplane install to rewrite."""

    namespace: (
        Annotated[
            str,
            AfterValidator(_dns_name(DNS_LABEL_PATTERN, "namespace name", "crossplane-system")),
            Field(json_schema_extra={"pattern": DNS_LABEL_PATTERN}),
        ]
        | None
    ) = Field(
        default=None,
        description=(
            "Crossplane's namespace. Default: the namespace of the core Deployment, "
            "else crossplane-system."
        ),
        examples=["crossplane-system"],
    )
    version: Annotated[
        str, AfterValidator(_version), Field(json_schema_extra={"pattern": VERSION_PATTERN})
    ] = Field(
        default="auto",
        description=(
            "Crossplane version: auto (from the core image tag), unknown (cover every version), "
            "or a version such as 1.19.2."
        ),
        examples=["1.19.2", "auto", "unknown"],
    )


class Policy(_Strict):
    """What xpnet does with what it finds."""

    mode: Literal["fix", "check"] = Field(
        default="fix",
        description="fix rewrites the manifests; check leaves them unchanged and reports.",
    )
    existingEntries: Literal["merge", "replace"] = Field(
        default="merge",
        description=(
            "merge keeps NO_PROXY entries already present in the manifests; replace drops them."
        ),
    )
    select: list[RuleSelector] = Field(
        default_factory=list,
        description=(
            "The rules to report, as rule ids or prefixes of ids (XPN01 is XPN010 to XPN019); "
            "empty: every rule. xpnet check --select replaces it."
        ),
        examples=[["XPN0"]],
    )
    ignore: list[RuleSelector] = Field(
        default_factory=list,
        description=(
            "Rules not to report, as ids or prefixes; the more specific of select and ignore "
            "wins, ignore when both name the same. xpnet check --ignore replaces it. An error "
            "that is not reported still stops fix from writing (docs/how-to/filter-findings.md)."
        ),
        examples=[["XPN009", "XPN02"]],
    )
    severity: Literal["info", "warning", "error"] = Field(
        default="info",
        description=(
            "Report findings of this severity and above: info (every finding), warning, or "
            "error. xpnet check --severity replaces it."
        ),
    )


class ExtraEgress(_Strict):
    """A further destination the Crossplane pods may reach directly."""

    cidr: Cidr = Field(description="The destination network.", examples=["10.30.0.0/24"])
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=list,
        description="Destination ports; empty: every port.",
        examples=[[443]],
    )
    protocol: Literal["TCP", "UDP", "SCTP"] = Field(
        default="TCP", description="The ports' protocol.", examples=["TCP"]
    )
    hosts: list[
        Annotated[
            str,
            AfterValidator(_declared_host),
            Field(json_schema_extra={"pattern": DECLARED_HOST_PATTERN}),
        ]
    ] = Field(
        default_factory=list,
        description=(
            "Host names (as NO_PROXY writes them: name, .suffix or *.suffix) whose addresses "
            "are in cidr: a policy cannot name a host, so a NO_PROXY host name that goes "
            "direct is accepted only where it is declared here (or is an API server address)."
        ),
        examples=[[".corp.example"]],
    )


# Label syntax (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set):
# the API server refuses a NetworkPolicy whose selector breaks it, and the whole apply with it.
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_LABEL_PREFIX = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


def _labels(value: dict[str, str]) -> dict[str, str]:
    for key, text in value.items():
        prefix, _, name = key.rpartition("/")
        if not re.fullmatch(_LABEL_NAME, name) or (
            "/" in key and (len(prefix) > 253 or not re.fullmatch(_LABEL_PREFIX, prefix))
        ):
            raise ValueError(
                f"{key!r} is not a label key: [prefix/]name, the name at most 63 letters, digits, "
                "'-', '_' or '.', starting and ending with a letter or digit, e.g. "
                "kubernetes.io/metadata.name"
            )
        if text and not re.fullmatch(_LABEL_NAME, text):
            raise ValueError(
                f"label {key}: {text!r} is not a label value: at most 63 letters, digits, '-', "
                "'_' or '.', starting and ending with a letter or digit"
            )
    return value


class LabelSelector(_Strict):
    """Namespaces chosen by their labels (a Kubernetes label selector's matchLabels)."""

    matchLabels: Annotated[dict[str, str], AfterValidator(_labels)] = Field(
        min_length=1,
        description="Labels a namespace must carry, all of them.",
        examples=[{"kubernetes.io/metadata.name": "monitoring"}],
    )


class NetworkPolicy(_Strict):
    """NetworkPolicies for the Crossplane namespace that make the proxy the only way out."""

    enabled: bool = Field(
        default=False,
        description=(
            "Generate NetworkPolicies named xpnet-*: function pods accept TCP 9443 only from the "
            "core's pods; core, provider and function pods reach only the proxy, the API "
            "server, cluster DNS and extraEgress (and the core the function pods). Added to the "
            "output of the KRM function and the Helm post-renderer; `xpnet netpol` prints them."
        ),
        examples=[True],
    )
    proxyCIDRs: list[Cidr] = Field(
        default_factory=list,
        description=(
            "The proxy's addresses as CIDRs (a policy cannot name a host): required when the "
            "proxy URL names a host; a proxy URL with an IP address is used as it is."
        ),
        examples=[["10.20.0.10/32"]],
    )
    extraEgress: list[ExtraEgress] = Field(
        default_factory=list,
        description="Further destinations the core, provider and function pods may reach.",
        examples=[[{"cidr": "10.30.0.0/24", "ports": [443]}]],
    )
    metricsNamespaceSelector: LabelSelector | None = Field(
        default=None,
        description=(
            "Namespaces whose pods may scrape the function pods' metrics (TCP 8080); default: "
            "none. Core and provider pods are not ingress-isolated by xpnet."
        ),
        examples=[{"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}],
    )


# A ConfigMap (or Secret) key: what Kubernetes accepts (IsConfigMapKey).
KEY_PATTERN = r"^[-._a-zA-Z0-9]+$"


def _key(value: str) -> str:
    if not re.match(KEY_PATTERN, value) or value in (".", "..") or len(value) > 253:
        raise ValueError(
            f"{value!r} is not a valid ConfigMap or Secret key: use letters, digits, '-', '_' "
            "and '.', e.g. ca.crt"
        )
    return value


def _mount_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"{value!r} is not an absolute path: write it from /, e.g. /etc/xpnet/ca")
    parts = value.rstrip("/").split("/")
    if ".." in parts or value.rstrip("/") == "" or ":" in value:
        raise ValueError(f"{value!r} cannot be a mount path: no '..' or ':', not /")
    # The container runtime mounts at the cleaned path (/etc//ssl/./certs is /etc/ssl/certs):
    # judge, and write, that one.
    clean = posixpath.normpath(re.sub("/+", "/", value))
    hidden = [d for d in SYSTEM_TRUST_DIRS if d == clean or d.startswith(clean + "/")]
    if hidden:
        raise ValueError(
            f"a mount at {clean} would hide the image's public roots in {hidden[0]}; mount the "
            "corporate CA elsewhere, e.g. /etc/xpnet/ca"
        )
    return clean


class BundleRef(_Strict):
    """A key of a ConfigMap or Secret in Crossplane's namespace holding PEM certificates."""

    name: Annotated[
        str,
        AfterValidator(_dns_name(DNS_NAME_PATTERN, "ConfigMap or Secret name", "corp-ca")),
        Field(json_schema_extra={"pattern": DNS_NAME_PATTERN}, max_length=253),
    ] = Field(description="The ConfigMap's or Secret's name.", examples=["corp-ca"])
    key: Annotated[
        str,
        AfterValidator(_key),
        Field(json_schema_extra={"pattern": KEY_PATTERN}, max_length=253),
    ] = Field(description="The key holding the PEM bundle.", examples=["ca.crt"])


class CaBundle(_Strict):
    """Where the corporate CA certificates are: a ConfigMap key or a Secret key."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"oneOf": [{"required": ["configMapRef"]}, {"required": ["secretRef"]}]},
    )

    configMapRef: BundleRef | None = Field(
        default=None,
        description=("A ConfigMap key (the chart's registryCaBundleConfig takes a ConfigMap too)."),
        examples=[{"name": "corp-ca", "key": "ca.crt"}],
    )
    secretRef: BundleRef | None = Field(
        default=None,
        description="A Secret key, instead of a ConfigMap key.",
        examples=[{"name": "corp-ca", "key": "ca.crt"}],
    )
    complete: bool = Field(
        default=False,
        description=(
            "The bundle also holds the public roots. Python's SSL_CERT_FILE and requests' "
            "REQUESTS_CA_BUNDLE replace the roots instead of adding to them: with a bundle of "
            "only the corporate CAs those runtimes lose the public roots (XPN027)."
        ),
        examples=[False],
    )

    @model_validator(mode="after")
    def _one_source(self) -> CaBundle:
        if (self.configMapRef is None) == (self.secretRef is None):
            raise ValueError("give exactly one of configMapRef and secretRef")
        return self


class Trust(_Strict):
    """The corporate CA next to the proxy: wired into the core, providers and functions."""

    caBundle: CaBundle = Field(
        description=(
            "The CA bundle: the core gets the chart's wiring (volume ca-certs at /certs, "
            "CA_BUNDLE_PATH, for package pulls); every runtime config's package-runtime "
            "container a read-only mount and the variable that adds it for its runtime "
            "(annotation xpnet.dev/runtime: go, the default, python or node)."
        ),
        examples=[{"configMapRef": {"name": "corp-ca", "key": "ca.crt"}}],
    )
    mountPath: Annotated[str, AfterValidator(_mount_path)] = Field(
        default="/etc/xpnet/ca",
        description=(
            "Where runtime configs mount the bundle (the core's is the chart's /certs); not at "
            "or above a system trust directory such as /etc/ssl/certs."
        ),
        examples=["/etc/xpnet/ca"],
    )


class Spec(_Strict):
    """What xpnet needs to know and what it should do."""

    proxy: Proxy = Field(
        description="The proxy and the user's extra NO_PROXY entries.",
        examples=[{"httpsProxy": _PROXY_EXAMPLE}],
    )
    cluster: Cluster = Field(
        description="The cluster's networks and DNS domain.",
        examples=[{"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]}],
    )
    # pydantic drops a field's description when it equals the model's docstring.
    crossplane: Crossplane = Field(
        default_factory=Crossplane,
        description="Which Crossplane install to rewrite: its namespace and version.",
        examples=[{"namespace": "crossplane-system", "version": "auto"}],
    )
    policy: Policy = Field(
        default_factory=Policy,
        description="Fix or check, and how.",
        examples=[{"mode": "check"}],
    )
    networkPolicy: NetworkPolicy = Field(
        default_factory=NetworkPolicy,
        description="Opt-in NetworkPolicies that enforce the proxy and protect function pods.",
        examples=[{"enabled": True, "proxyCIDRs": ["10.20.0.10/32"]}],
    )
    trust: Trust | None = Field(
        default=None,
        description="The corporate CA bundle to trust beside the public roots.",
        examples=[{"caBundle": {"configMapRef": {"name": "corp-ca", "key": "ca.crt"}}}],
    )


class Metadata(BaseModel):
    """Object metadata; annotations such as config.kubernetes.io/function are allowed."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(
        min_length=1, description="The configuration's name.", examples=["corp-proxy"]
    )


class ClusterNetwork(_Strict):
    """xpnet's configuration: the proxy, the cluster networks and the policy."""

    apiVersion: Literal["xpnet.dev/v1alpha1"] = Field(description="Always xpnet.dev/v1alpha1.")
    kind: Literal["ClusterNetwork"] = Field(description="Always ClusterNetwork.")
    metadata: Metadata = Field(description="Object metadata.", examples=[{"name": "corp-proxy"}])
    spec: Spec = Field(
        description="The proxy, the cluster and the policy.",
        examples=[
            {
                "proxy": {"httpsProxy": _PROXY_EXAMPLE},
                "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
            }
        ],
    )


def _name_of(doc: Mapping[str, Any]) -> str | None:
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return name if isinstance(name, str) else None


def _from_configmap(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    data = doc.get("data") or {}
    if not isinstance(data, Mapping):
        raise ConfigError(source, ["data: must be a mapping of strings"])
    spec: dict[str, Any] = {"proxy": {}, "cluster": {}}
    problems = []
    # Kubernetes refuses these shapes; read as absent they would make a broken file pass.
    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, Mapping):
        problems.append(f"metadata: must be a mapping (name: ...), got {got(metadata)}")
    elif isinstance(metadata, Mapping) and not isinstance(metadata.get("name"), str | None):
        problems.append(f"metadata.name: must be a string, got {got(metadata.get('name'))}")
    for key, raw in data.items():
        if key not in CONFIGMAP_PATHS:
            guess = closest(key, CONFIGMAP_KEYS)
            problems.append(
                f"data.{key}: unknown key; did you mean {guess}?"
                if guess
                else f"data.{key}: unknown key; the keys are {', '.join(CONFIGMAP_KEYS)}"
            )
            continue
        if not isinstance(raw, str):
            problems.append(
                f"data.{key}: ConfigMap values must be strings, got {got(raw)}; quote it"
            )
            continue
        path, is_list = CONFIGMAP_PATHS[key]
        value: Any = [p.strip() for p in raw.split(",") if p.strip()] if is_list else raw.strip()
        node = spec
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    if problems:
        raise ConfigError(source, problems)
    bundle = spec.get("trust", {}).get("caBundle", {})
    if "secretRef" in bundle and "key" in bundle.get("configMapRef", {}):  # caBundleSecret
        bundle["secretRef"]["key"] = bundle["configMapRef"].pop("key")
        if not bundle["configMapRef"]:
            del bundle["configMapRef"]
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": _name_of(doc) or "configmap"},
        "spec": spec,
    }


def validate(doc: Any, source: str) -> dict[str, Any]:
    """Validate a ClusterNetwork (or its ConfigMap form); return it as plain data, defaults
    filled in; raise ConfigError naming each field."""
    if not isinstance(doc, Mapping):
        raise ConfigError(source, ["the configuration must be a ClusterNetwork or a ConfigMap"])
    configmap = doc.get("kind") == "ConfigMap"
    if configmap:
        doc = _from_configmap(doc, source)
    elif doc.get("kind") != KIND:
        guess = closest(doc.get("kind"), (KIND, "ConfigMap"))
        problem = f"kind: expected {KIND} (apiVersion {API_VERSION}) or ConfigMap, got " + got(
            doc.get("kind")
        )
        fix = f"did you mean {guess}?" if guess else f"write kind: {KIND}"
        raise ConfigError(source, [f"{problem}; {fix}"])
    try:
        config = ClusterNetwork.model_validate(doc)
    except ValidationError as error:
        raise ConfigError(source, explain(error, ClusterNetwork, Cidr, configmap)) from None
    if problems := _network_policy_problems(config):
        raise ConfigError(source, [as_written(p, configmap) for p in problems])
    return config.model_dump()


def _network_policy_problems(config: ClusterNetwork) -> list[str]:
    """What spec.networkPolicy cannot be generated from, each with its field path
    (docs/networkpolicies.md); the NO_PROXY entries it would block are load_config's check,
    on the validated record."""
    policy, cluster, proxy = config.spec.networkPolicy, config.spec.cluster, config.spec.proxy
    if not policy.enabled:
        return []
    problems = []
    urls = [(f, u) for f in ("httpProxy", "httpsProxy", "grpcProxy") if (u := getattr(proxy, f))]
    hosts = [(f, h) for f, url in urls if (h := urlsplit(url).hostname)]
    loopback = [f for f, h in hosts if h == "localhost" or _is_loopback(h)]
    if loopback and not policy.extraEgress:
        problems.append(
            f"spec.proxy.{loopback[0]}: the proxy is on loopback, in the pod itself (a sidecar); "
            "it reaches its upstream through the pod's egress, which the policies restrict: "
            "allow the upstream with spec.networkPolicy.extraEgress, e.g. "
            "{cidr: 10.20.0.10/32, ports: [3128]}"
        )
    named = sorted({h for _, h in hosts if network(h) is None and h != "localhost"})
    if named and not policy.proxyCIDRs:
        problems.append(
            f"spec.networkPolicy.proxyCIDRs: the proxy is named by host ({', '.join(named)}) and "
            "a NetworkPolicy cannot name a host: give the proxy's addresses, e.g. proxyCIDRs: "
            "[10.20.0.10/32] (what the name resolves to), or write the proxy URL with its IP"
        )
    pods = [ipaddress.ip_network(c) for c in cluster.podCIDRs]
    services = [ipaddress.ip_network(c) for c in cluster.serviceCIDRs]
    given = [
        (f"spec.proxy.{f}", str(net))
        for f, url in urls
        if (host := urlsplit(url).hostname) and (net := network(host)) is not None
    ]
    given += [(f"spec.networkPolicy.proxyCIDRs[{i}]", c) for i, c in enumerate(policy.proxyCIDRs)]
    given += [
        (f"spec.networkPolicy.extraEgress[{i}].cidr", e.cidr)
        for i, e in enumerate(policy.extraEgress)
    ]
    api = [
        (f"spec.cluster.apiServerAddresses[{i}]", str(net))
        for i, a in enumerate(cluster.apiServerAddresses)
        if (net := network(a)) is not None
    ]
    for where, cidr in given + api:
        net = ipaddress.ip_network(cidr)
        for i, pod in enumerate(pods):
            if net.version == pod.version and net.overlaps(pod):
                problems.append(
                    f"{where}: {cidr} overlaps the pod network {pod} "
                    f"(spec.cluster.podCIDRs[{i}]): the policy would let the Crossplane pods "
                    "reach every pod in it; give addresses outside the pod network (a proxy "
                    "running as a pod changes its IP: expose it on a fixed address)"
                )
    for where, cidr in given:
        net = ipaddress.ip_network(cidr)
        for i, service in enumerate(services):
            if net.version == service.version and net.overlaps(service):
                problems.append(
                    f"{where}: {cidr} overlaps the service network {service} "
                    f"(spec.cluster.serviceCIDRs[{i}]): most CNIs judge egress after a Service "
                    "IP was translated to a pod's, so a policy never matches a Service IP; give "
                    "addresses outside the cluster networks (a proxy in the cluster: expose it "
                    "on a node or load balancer address)"
                )
    outside = [a for _, a in api if not any(_within(a, s) for s in services)]
    if not outside:
        problems.append(
            "spec.cluster.apiServerAddresses: networkPolicy.enabled restricts egress to the API "
            "server, and no address of it is given as an IP outside the service network: most "
            "CNIs judge egress after the kubernetes Service IP was translated to the API "
            "server's own address, so the Service IP alone would cut Crossplane off; list the "
            "addresses kubectl get endpointslices -l kubernetes.io/service-name=kubernetes "
            "shows, e.g. apiServerAddresses: [192.168.10.5]"
        )
    return problems


def _is_loopback(host: str) -> bool:
    net = network(host)
    return net is not None and net.network_address.is_loopback


def _within(cidr: str, outer: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    net = ipaddress.ip_network(cidr)
    return net.version == outer.version and net.subnet_of(outer)  # type: ignore[arg-type]


def json_schema() -> dict[str, Any]:
    """The published JSON Schema, derived from the model."""
    schema = ClusterNetwork.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://xpnet.dev/schemas/clusternetwork.schema.json",
        **schema,
    }
