"""The ClusterNetwork as the rest of xpnet reads it: its apiVersion and kind, the keys of its
ConfigMap form, and the validated configuration as plain records. A leaf: the model
(config_model), the loader (config) and what judges a configuration (egress) all read it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from xpnet.records import NamedTuple

API_VERSION = "xpnet.dev/v1alpha1"
KIND = "ClusterNetwork"

# ConfigMap form (as kpt functions accept): flat string keys → model paths, and whether the value
# is a comma-separated list.
CONFIGMAP_PATHS: dict[str, tuple[tuple[str, ...], bool]] = {
    "httpProxy": (("proxy", "httpProxy"), False),
    "httpsProxy": (("proxy", "httpsProxy"), False),
    "grpcProxy": (("proxy", "grpcProxy"), False),
    "noProxy": (("proxy", "noProxy"), True),
    "podCIDRs": (("cluster", "podCIDRs"), True),
    "serviceCIDRs": (("cluster", "serviceCIDRs"), True),
    "nodeCIDRs": (("cluster", "nodeCIDRs"), True),
    "domain": (("cluster", "domain"), False),
    "apiServerAddresses": (("cluster", "apiServerAddresses"), True),
    "cloud": (("cluster", "cloud"), False),
    "namespace": (("crossplane", "namespace"), False),
    "version": (("crossplane", "version"), False),
    "mode": (("policy", "mode"), False),
    "existingEntries": (("policy", "existingEntries"), False),
    "select": (("policy", "select"), True),
    "ignore": (("policy", "ignore"), True),
    "severity": (("policy", "severity"), False),
    "credentialsSecret": (("proxy", "credentialsSecret", "name"), False),
    "credentialsUsernameKey": (("proxy", "credentialsSecret", "usernameKey"), False),
    "credentialsPasswordKey": (("proxy", "credentialsSecret", "passwordKey"), False),
    "networkPolicy": (("networkPolicy", "enabled"), False),  # "true" or "false"
    "networkPolicyProxyCIDRs": (("networkPolicy", "proxyCIDRs"), True),
    # With caBundleSecret instead of caBundleConfigMap the key goes to secretRef
    "caBundleConfigMap": (("trust", "caBundle", "configMapRef", "name"), False),
    "caBundleSecret": (("trust", "caBundle", "secretRef", "name"), False),
    "caBundleKey": (("trust", "caBundle", "configMapRef", "key"), False),
    "caBundleComplete": (("trust", "caBundle", "complete"), False),  # "true" or "false"
    "caMountPath": (("trust", "mountPath"), False),
}
CONFIGMAP_KEYS = tuple(CONFIGMAP_PATHS)

Mode = Literal["fix", "check"]
Threshold = Literal["info", "warning", "error"]
Cloud = Literal["aws", "azure", "gcp"]  # clouds.ENDPOINTS has an entry for each


# A validated configuration. The field names are the model's (config_model), which a test keeps
# equal; lists are tuples.


class CredentialsSecret(NamedTuple):
    name: str
    usernameKey: str
    passwordKey: str


class Proxy(NamedTuple):
    httpProxy: str | None
    httpsProxy: str | None
    noProxy: tuple[str, ...]
    grpcProxy: str | None
    credentialsSecret: CredentialsSecret | None


class Cluster(NamedTuple):
    podCIDRs: tuple[str, ...]
    serviceCIDRs: tuple[str, ...]
    nodeCIDRs: tuple[str, ...]
    domain: str
    apiServerAddresses: tuple[str, ...]
    cloud: Cloud | None


class Crossplane(NamedTuple):
    namespace: str | None
    version: str


class Policy(NamedTuple):
    mode: Mode
    existingEntries: Literal["merge", "replace"]
    select: tuple[str, ...] = ()  # rule ids and prefixes (selectors.py); none: every rule
    ignore: tuple[str, ...] = ()
    severity: Threshold = "info"  # the lowest severity reported


class ExtraEgress(NamedTuple):
    cidr: str
    ports: tuple[int, ...]
    protocol: Literal["TCP", "UDP", "SCTP"]
    hosts: tuple[str, ...]


class LabelSelector(NamedTuple):
    matchLabels: dict[str, str]


class NetworkPolicy(NamedTuple):
    enabled: bool
    proxyCIDRs: tuple[str, ...]
    extraEgress: tuple[ExtraEgress, ...]
    metricsNamespaceSelector: LabelSelector | None


class BundleRef(NamedTuple):
    name: str
    key: str


class CaBundle(NamedTuple):
    configMapRef: BundleRef | None
    secretRef: BundleRef | None
    complete: bool

    @property
    def ref(self) -> BundleRef:
        """The ConfigMap's or Secret's key (exactly one is set)."""
        found = self.configMapRef or self.secretRef
        assert found is not None
        return found


class Trust(NamedTuple):
    caBundle: CaBundle
    mountPath: str


class Spec(NamedTuple):
    proxy: Proxy
    cluster: Cluster
    crossplane: Crossplane
    policy: Policy
    networkPolicy: NetworkPolicy
    trust: Trust | None


class Metadata(NamedTuple):
    name: str


class ConfigOrigin(NamedTuple):
    """Where a configuration was read: its file (None where the reader cannot know it, with
    `unknown` saying why) and the 1-based line of each field as written (`spec.proxy.httpProxy`,
    `spec.proxy.noProxy[2]`; in the ConfigMap form `data.httpProxy`)."""

    file: str | None
    lines: dict[str, int]
    unknown: str = ""

    def line_of(self, *fields: str) -> int:
        """The line of the first field written (a ClusterNetwork path, or the ConfigMap key the
        same field has), else line 1: the configuration as a whole."""
        for field in fields:
            ours = field.removeprefix("spec.").split(".")
            keys = [k for k, (path, _) in CONFIGMAP_PATHS.items() if list(path) == ours]
            for written in (field, *(f"data.{k}" for k in keys)):
                if written in self.lines:
                    return self.lines[written]
        return 1


class ClusterNetwork(NamedTuple):
    apiVersion: str
    kind: str
    metadata: Metadata
    spec: Spec
    # Set by the reader (io.config), not by validation: where it was read, or a function that
    # finds that (called only when a finding needs it: a KRM functionConfig's file is found by
    # reading the kustomization that lists it).
    origin: ConfigOrigin | Callable[[], ConfigOrigin] | None = None

    @property
    def https_proxy(self) -> str | None:
        return self.spec.proxy.httpsProxy or self.spec.proxy.httpProxy

    @property
    def http_proxy(self) -> str | None:
        return self.spec.proxy.httpProxy or self.spec.proxy.httpsProxy
