"""The ClusterNetwork configuration: model, ConfigMap form, loading with clear errors."""

from __future__ import annotations

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

from xpnet.errors import ConfigError

API_VERSION = "xpnet.dev/v1alpha1"
KIND = "ClusterNetwork"

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
# Printable ASCII without ',' and '%' (IDN must be written as punycode; zone IDs are unusable).
NO_PROXY_ENTRY_PATTERN = r"^\s*[!-$&-+\--~]+\s*$"
DNS_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
VERSION_PATTERN = r"^(auto|unknown|v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?)$"


def _cidr(value: str) -> str:
    text = value.strip()
    if "/" not in text:
        raise ValueError(f"{value!r} is not a CIDR: write it as address/prefix, e.g. 10.244.0.0/16")
    try:
        net = netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise ValueError(f"{value!r} is not a valid IPv4 or IPv6 CIDR") from None
    if not re.match(CIDR_PATTERN, text):
        raise ValueError(f"{value!r} is not a valid IPv4 or IPv6 CIDR")
    if net.ip != net.network:
        raise ValueError(
            f"{value!r} has host bits set: did you mean {net.network}/{net.prefixlen}?"
        )
    return text.lower()


def _ascii_hint(value: str) -> str:
    """Why a non-ASCII or zoned host cannot be used, and what to write instead."""
    if "%" in value:
        return "has an IPv6 zone ID (%...); proxies and NO_PROXY matching cannot use it: drop it"
    try:
        ascii_form = value.encode("idna").decode("ascii")
    except UnicodeError:
        return "is not ASCII; write internationalised names in their xn-- (punycode) form"
    return f"is an internationalised name; write its ASCII form {ascii_form}"


def _proxy_url(value: str) -> str:
    host = urlsplit(value).hostname or ""
    if not host.isascii() or "%" in host:
        raise ValueError(f"the proxy host {_ascii_hint(host)}")
    if not re.match(PROXY_URL_PATTERN, value):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https"):
            raise ValueError(
                "proxy URL must start with http:// (or https://), e.g. http://proxy:3128"
            )
        if not parts.hostname:
            raise ValueError("proxy URL has no host, e.g. http://proxy.corp.example:3128")
        raise ValueError("proxy URL must be scheme://[user:password@]host[:port] with no path")
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise ValueError("proxy URL has an invalid port")
    return value


def _no_proxy_entry(value: str) -> str:
    if not value.strip().isascii() or "%" in value:
        raise ValueError(f"{value.strip()!r} {_ascii_hint(value.strip())}")
    if not re.match(NO_PROXY_ENTRY_PATTERN, value):
        raise ValueError(f"{value!r}: give one entry per list item, without commas or inner spaces")
    return value.strip()


def _dns_name(pattern: str) -> Any:
    def check(value: str) -> str:
        if not re.match(pattern, value):
            raise ValueError(f"{value!r} is not a valid DNS name (lower case, digits, '-', '.')")
        return value

    return check


def _version(value: str) -> str:
    if not re.match(VERSION_PATTERN, value):
        raise ValueError(f"{value!r}: use auto, unknown, or a Crossplane version such as 1.19.2")
    return value


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
        AfterValidator(_dns_name(DNS_NAME_PATTERN)),
        Field(json_schema_extra={"pattern": DNS_NAME_PATTERN}),
    ] = Field(description="The Secret's name.")
    usernameKey: str = Field(
        default="username", min_length=1, description="The key holding the user name."
    )
    passwordKey: str = Field(
        default="password", min_length=1, description="The key holding the password."
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
            raise ValueError("set httpsProxy and/or httpProxy")
        urls = (self.httpProxy, self.httpsProxy, self.grpcProxy)
        if self.credentialsSecret and any(u and "@" in u for u in urls):
            raise ValueError(
                "credentialsSecret is set, so the proxy URLs must not carry credentials themselves"
            )
        return self

    httpProxy: ProxyUrl | None = Field(
        default=None,
        description="Proxy for http:// requests (HTTP_PROXY, http_proxy). Defaults to httpsProxy.",
    )
    httpsProxy: ProxyUrl | None = Field(
        default=None,
        description=(
            "Proxy for https:// requests and gRPC (HTTPS_PROXY, https_proxy). "
            "Defaults to httpProxy."
        ),
    )
    noProxy: list[NoProxyEntry] = Field(
        default_factory=list,
        description="Extra NO_PROXY entries, added after the ones xpnet computes.",
    )
    grpcProxy: ProxyUrl | None = Field(
        default=None,
        description=(
            "Proxy for gRPC C-core clients (grpc_proxy). When set, grpc_proxy and no_grpc_proxy "
            "are written too; otherwise they are only kept consistent where present."
        ),
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
    )


class Cluster(_Strict):
    """The cluster's networks."""

    podCIDRs: list[Cidr] = Field(
        min_length=1, description="Pod networks (one per IP family on dual-stack clusters)."
    )
    serviceCIDRs: list[Cidr] = Field(
        min_length=1,
        description=(
            "Service networks; the first IP of each is the kubernetes API Service address."
        ),
    )
    nodeCIDRs: list[Cidr] = Field(default_factory=list, description="Node networks (optional).")
    domain: Annotated[
        str,
        AfterValidator(_dns_name(DNS_NAME_PATTERN)),
        Field(json_schema_extra={"pattern": DNS_NAME_PATTERN}),
    ] = Field(default="cluster.local", description="The cluster DNS domain.")
    apiServerAddresses: list[NoProxyEntry] = Field(
        default_factory=list,
        description=(
            "Further addresses of the API server (an external endpoint, an api-int host) "
            "that must bypass the proxy."
        ),
    )


class Crossplane(_Strict):
    """The Crossplane install to rewrite."""

    namespace: (
        Annotated[
            str,
            AfterValidator(_dns_name(DNS_LABEL_PATTERN)),
            Field(json_schema_extra={"pattern": DNS_LABEL_PATTERN}),
        ]
        | None
    ) = Field(
        default=None,
        description=(
            "Crossplane's namespace. Default: the namespace of the core Deployment, "
            "else crossplane-system."
        ),
    )
    version: Annotated[
        str, AfterValidator(_version), Field(json_schema_extra={"pattern": VERSION_PATTERN})
    ] = Field(
        default="auto",
        description=(
            "Crossplane version: auto (from the core image tag), unknown (cover every version), "
            "or a version such as 1.19.2."
        ),
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


class Spec(_Strict):
    """What xpnet needs to know and what it should do."""

    proxy: Proxy = Field(description="The proxy and the user's extra NO_PROXY entries.")
    cluster: Cluster = Field(description="The cluster's networks and DNS domain.")
    # pydantic drops a field's description when it equals the model's docstring.
    crossplane: Crossplane = Field(
        default_factory=Crossplane,
        description="Which Crossplane install to rewrite: its namespace and version.",
    )
    policy: Policy = Field(default_factory=Policy, description="Fix or check, and how.")


class Metadata(BaseModel):
    """Object metadata; annotations such as config.kubernetes.io/function are allowed."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1, description="The configuration's name.")


class ClusterNetwork(_Strict):
    """xpnet's configuration: the proxy, the cluster networks and the policy."""

    apiVersion: Literal["xpnet.dev/v1alpha1"] = Field(description="Always xpnet.dev/v1alpha1.")
    kind: Literal["ClusterNetwork"] = Field(description="Always ClusterNetwork.")
    metadata: Metadata = Field(description="Object metadata.")
    spec: Spec = Field(description="The proxy, the cluster and the policy.")

    @property
    def https_proxy(self) -> str | None:
        return self.spec.proxy.httpsProxy or self.spec.proxy.httpProxy

    @property
    def http_proxy(self) -> str | None:
        return self.spec.proxy.httpProxy or self.spec.proxy.httpsProxy


# ConfigMap form (as kpt functions accept): flat string keys → model paths.
_CONFIGMAP_KEYS: dict[str, tuple[tuple[str, ...], bool]] = {
    "httpProxy": (("proxy", "httpProxy"), False),
    "httpsProxy": (("proxy", "httpsProxy"), False),
    "grpcProxy": (("proxy", "grpcProxy"), False),
    "noProxy": (("proxy", "noProxy"), True),
    "podCIDRs": (("cluster", "podCIDRs"), True),
    "serviceCIDRs": (("cluster", "serviceCIDRs"), True),
    "nodeCIDRs": (("cluster", "nodeCIDRs"), True),
    "domain": (("cluster", "domain"), False),
    "apiServerAddresses": (("cluster", "apiServerAddresses"), True),
    "namespace": (("crossplane", "namespace"), False),
    "version": (("crossplane", "version"), False),
    "mode": (("policy", "mode"), False),
    "existingEntries": (("policy", "existingEntries"), False),
    "credentialsSecret": (("proxy", "credentialsSecret", "name"), False),
    "credentialsUsernameKey": (("proxy", "credentialsSecret", "usernameKey"), False),
    "credentialsPasswordKey": (("proxy", "credentialsSecret", "passwordKey"), False),
}
CONFIGMAP_KEYS = tuple(_CONFIGMAP_KEYS)


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
    for key, raw in data.items():
        if key not in _CONFIGMAP_KEYS:
            problems.append(f"data.{key}: unknown key; known keys: {', '.join(CONFIGMAP_KEYS)}")
            continue
        if not isinstance(raw, str):
            problems.append(f"data.{key}: ConfigMap values must be strings (quote them)")
            continue
        path, is_list = _CONFIGMAP_KEYS[key]
        value: Any = [p.strip() for p in raw.split(",") if p.strip()] if is_list else raw.strip()
        node = spec
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    if problems:
        raise ConfigError(source, problems)
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": _name_of(doc) or "configmap"},
        "spec": spec,
    }


def _location(loc: tuple[int | str, ...], configmap: bool) -> str:
    if configmap and len(loc) >= 3 and loc[0] == "spec":
        for key, (path, _) in _CONFIGMAP_KEYS.items():
            if loc[1 : 1 + len(path)] == path:
                rest = loc[1 + len(path) :]
                return f"data.{key}" + "".join(f"[{p}]" for p in rest if isinstance(p, int))
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _explain(error: ValidationError, configmap: bool) -> list[str]:
    lines = []
    for item in error.errors():
        loc = _location(tuple(item["loc"]), configmap)
        msg = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see schemas/clusternetwork.schema.json)"
        elif item["type"] == "missing":
            msg = "required field is missing"
        elif item["type"] in ("model_type", "dict_type", "model_attributes_type"):
            msg = "must be a mapping"
        elif item["type"] == "list_type":
            msg = "must be a list"
        elif item["type"] == "string_type":
            msg = "must be a string"
        elif item["type"] == "literal_error":
            msg = f"must be {item['ctx']['expected']}" if "ctx" in item else msg
        lines.append(f"{loc}: {msg}")
    return lines


def load_config(doc: Any, source: str) -> ClusterNetwork:
    """Validate a ClusterNetwork (or its ConfigMap form); raise ConfigError naming each field."""
    if not isinstance(doc, Mapping):
        raise ConfigError(source, ["the configuration must be a ClusterNetwork or a ConfigMap"])
    configmap = doc.get("kind") == "ConfigMap"
    if configmap:
        doc = _from_configmap(doc, source)
    elif doc.get("kind") != KIND:
        raise ConfigError(
            source,
            [
                f"kind: expected {KIND} (apiVersion {API_VERSION}) or ConfigMap, "
                f"got {doc.get('kind')!r}"
            ],
        )
    try:
        config = ClusterNetwork.model_validate(doc)
    except ValidationError as error:
        raise ConfigError(source, _explain(error, configmap)) from None
    return config


def json_schema() -> dict[str, Any]:
    """The published JSON Schema, derived from the model."""
    schema = ClusterNetwork.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://xpnet.dev/schemas/clusternetwork.schema.json",
        **schema,
    }


def with_mode(config: ClusterNetwork, mode: Literal["fix", "check"]) -> ClusterNetwork:
    """The same configuration with policy.mode set (the CLI's fix and check commands)."""
    policy = config.spec.policy.model_copy(update={"mode": mode})
    spec = config.spec.model_copy(update={"policy": policy})
    return config.model_copy(update={"spec": spec})
