"""The ClusterNetwork configuration as the rest of xpnet reads it (records defined in
clusternetwork), and loading it: the model's validation, then the noProxy entries the
NetworkPolicies would block.

A configuration is validated by the pydantic model in config_model once per content: the result is
kept in the user's cache directory, so a kustomize or Helm run with a configuration it has seen
before imports neither pydantic nor netaddr (they were most of its start-up).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from typing import Any

from xpnet import __version__

# The records live in clusternetwork, below egress, which judges them and which load_config runs;
# the rest of xpnet reads them from here.
from xpnet.clusternetwork import API_VERSION as API_VERSION
from xpnet.clusternetwork import CONFIGMAP_KEYS as CONFIGMAP_KEYS
from xpnet.clusternetwork import KIND as KIND
from xpnet.clusternetwork import BundleRef as BundleRef
from xpnet.clusternetwork import CaBundle as CaBundle
from xpnet.clusternetwork import Cloud as Cloud
from xpnet.clusternetwork import Cluster as Cluster
from xpnet.clusternetwork import ClusterNetwork as ClusterNetwork
from xpnet.clusternetwork import ConfigOrigin as ConfigOrigin
from xpnet.clusternetwork import CredentialsSecret as CredentialsSecret
from xpnet.clusternetwork import Crossplane as Crossplane
from xpnet.clusternetwork import ExtraEgress as ExtraEgress
from xpnet.clusternetwork import LabelSelector as LabelSelector
from xpnet.clusternetwork import Metadata as Metadata
from xpnet.clusternetwork import Mode as Mode
from xpnet.clusternetwork import NetworkPolicy as NetworkPolicy
from xpnet.clusternetwork import Policy as Policy
from xpnet.clusternetwork import Proxy as Proxy
from xpnet.clusternetwork import Spec as Spec
from xpnet.clusternetwork import Trust as Trust
from xpnet.credentials import remember


def _from_data(data: dict[str, Any]) -> ClusterNetwork:
    """The configuration from the model's plain data (validated, defaults filled in)."""
    spec = data["spec"]
    proxy, cluster = spec["proxy"], spec["cluster"]
    secret = proxy["credentialsSecret"]
    netpol = spec["networkPolicy"]
    metrics = netpol["metricsNamespaceSelector"]
    trust = spec["trust"]
    bundle = trust["caBundle"] if trust else {}
    return ClusterNetwork(
        apiVersion=data["apiVersion"],
        kind=data["kind"],
        metadata=Metadata(name=data["metadata"]["name"]),
        spec=Spec(
            proxy=Proxy(
                httpProxy=proxy["httpProxy"],
                httpsProxy=proxy["httpsProxy"],
                noProxy=tuple(proxy["noProxy"]),
                grpcProxy=proxy["grpcProxy"],
                credentialsSecret=CredentialsSecret(**secret) if secret else None,
            ),
            cluster=Cluster(
                podCIDRs=tuple(cluster["podCIDRs"]),
                serviceCIDRs=tuple(cluster["serviceCIDRs"]),
                nodeCIDRs=tuple(cluster["nodeCIDRs"]),
                domain=cluster["domain"],
                apiServerAddresses=tuple(cluster["apiServerAddresses"]),
                cloud=cluster["cloud"],
            ),
            crossplane=Crossplane(**spec["crossplane"]),
            policy=Policy(
                mode=spec["policy"]["mode"],
                existingEntries=spec["policy"]["existingEntries"],
                select=tuple(spec["policy"]["select"]),
                ignore=tuple(spec["policy"]["ignore"]),
                severity=spec["policy"]["severity"],
            ),
            networkPolicy=NetworkPolicy(
                enabled=netpol["enabled"],
                proxyCIDRs=tuple(netpol["proxyCIDRs"]),
                extraEgress=tuple(
                    ExtraEgress(e["cidr"], tuple(e["ports"]), e["protocol"], tuple(e["hosts"]))
                    for e in netpol["extraEgress"]
                ),
                metricsNamespaceSelector=LabelSelector(dict(metrics["matchLabels"]))
                if metrics
                else None,
            ),
            trust=Trust(
                CaBundle(
                    BundleRef(**bundle["configMapRef"]) if bundle["configMapRef"] else None,
                    BundleRef(**bundle["secretRef"]) if bundle["secretRef"] else None,
                    bundle["complete"],
                ),
                trust["mountPath"],
            )
            if trust
            else None,
        ),
    )


def load_config(doc: Any, source: str) -> ClusterNetwork:
    """Validate a ClusterNetwork (or its ConfigMap form); raise ConfigError naming each field."""
    remember(doc)  # before any message can quote a proxy URL, the validator's included
    key = _cache_key(doc)
    data = _cached(key) if key is not None else None
    if data is not None:
        try:
            return _from_data(data)
        except (KeyError, TypeError, ValueError):
            pass  # not what this xpnet writes: validate again
    from xpnet import config_model

    data = config_model.validate(doc, source)
    config = _from_data(data)
    if problems := _blocked_entries(config):
        from xpnet.config_messages import as_written
        from xpnet.errors import ConfigError

        configmap = doc.get("kind") == "ConfigMap"
        raise ConfigError(source, [as_written(p, configmap) for p in problems])
    if key is not None:
        _keep(key, data)
    return config


def _blocked_entries(config: ClusterNetwork) -> list[str]:
    """spec.proxy.noProxy entries the policies would block (XPN050) or cannot be shown to
    allow (XPN051): the configuration contradicts itself. Judged on the validated record, as
    check and fix judge it (docs/networkpolicies.md)."""
    if not config.spec.networkPolicy.enabled:
        return []
    from xpnet import egress, rules

    reach = egress.Reach.of(config)
    namespaces = (config.spec.crossplane.namespace or "crossplane-system",)
    problems = []
    for i, entry in enumerate(config.spec.proxy.noProxy):
        found = reach.judge(entry, namespaces)
        if found is None or found.kind == "in-cluster":  # a warning: check and fix say it
            continue
        rule = rules.XPN050 if found.kind == "blocked" else rules.XPN051
        said = rule.say(
            where="",
            entry=entry.strip().lower(),
            destination=found.destination,
            allowed=reach.summary,
            fix=found.fix,
        )
        problems.append(f"spec.proxy.noProxy[{i}]: {rule.id} {said}")
    return problems


def with_mode(config: ClusterNetwork, mode: Mode) -> ClusterNetwork:
    """The same configuration with policy.mode set (the CLI's fix and check commands)."""
    spec = config.spec._replace(policy=config.spec.policy._replace(mode=mode))
    return config._replace(spec=spec)


def json_schema() -> dict[str, Any]:
    """The published JSON Schema, derived from the model."""
    from xpnet import config_model

    return config_model.json_schema()


# The cache: one file per configuration, holding the exact key it was made for (the document,
# xpnet's version and what the validation depends on) and the validated data, both in marshal's
# format; a file whose key differs is ignored, so the checksum in its name only spreads entries.


def _cache_folder() -> str | None:
    """$XPNET_CACHE_DIR, else $XDG_CACHE_HOME/xpnet, else ~/.cache/xpnet; None when
    XPNET_NO_CACHE is set. A string: a run that finds its entry never imports pathlib."""
    if os.environ.get("XPNET_NO_CACHE"):
        return None
    if explicit := os.environ.get("XPNET_CACHE_DIR"):
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "xpnet")


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _validation_stamp() -> tuple[Any, ...]:
    """What a validation result depends on besides the document: the model's source (with its
    messages, the ConfigMap keys, the entry check it shares with the manifests' annotations,
    what the NetworkPolicies allow, which load_config judges noProxy by, and the rule ids
    spec.policy may name) and the pydantic
    installed (its version file; pydantic pins pydantic-core exactly)."""
    here = os.path.dirname(__file__)
    pydantic = next(
        (s for p in sys.path if (s := _stamp(os.path.join(p, "pydantic", "version.py")))), None
    )
    sources = (
        "config_model.py",
        "config_messages.py",
        "system_roots.py",
        "clusternetwork.py",
        "config.py",
        "entries.py",
        "egress.py",
        "clouds.py",
        "rules.py",
        "selectors.py",
    )
    model = tuple(_stamp(os.path.join(here, name)) for name in sources)
    return __version__, sys.version, model, pydantic


def _cache_key(doc: Any) -> bytes | None:
    try:
        return marshal.dumps((4, _validation_stamp(), doc))
    except ValueError:  # a value marshal cannot write (not from YAML text): no caching
        return None


def _entry(key: bytes) -> str | None:
    folder = _cache_folder()
    if folder is None:
        return None
    return os.path.join(folder, f"config-{zlib.crc32(key):08x}-{len(key)}")


def _cached(key: bytes) -> dict[str, Any] | None:
    path = _entry(key)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            stored, data = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data if stored == key and isinstance(data, dict) else None


def _keep(key: bytes, data: dict[str, Any]) -> None:
    """Write the entry atomically (a temporary file renamed over it), so concurrent runs read
    a whole entry or none, and readable by the user only (a proxy URL may carry a password); a
    cache that cannot be written is no cache."""
    path = _entry(key)
    if path is None:
        return
    tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb") as handle:
            handle.write(marshal.dumps((key, data)))
        os.replace(tmp, path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
