"""The Crossplane chart's values that make the chart render what `xpnet fix` writes
(`xpnet values`): the core's proxy variables as extraEnvVarsCrossplane, the CA bundle as
registryCaBundleConfig. The chart's keys: docs/how-to/helm-values.md."""

from __future__ import annotations

from typing import Any

from xpnet import noproxy, releases, trust
from xpnet.config import ClusterNetwork
from xpnet.envvars import GRPC, SIX
from xpnet.errors import ConfigError
from xpnet.install import DEFAULT_NAMESPACE
from xpnet.plan import variables


def chart_values(config: ClusterNetwork, namespace: str | None) -> dict[str, Any]:
    """The values, the same for every chart version; refused where chart values cannot say what
    fix writes."""
    if config.spec.proxy.credentialsSecret is not None:
        raise ConfigError(
            f"ClusterNetwork {config.metadata.name}",
            [
                "spec.proxy.credentialsSecret needs secretKeyRef variables before the proxy "
                "variables, and the chart's extraEnvVars* values are plain strings rendered in "
                "key order: use xpnet as a Helm post-renderer (xpnet-helm) or run xpnet fix on "
                "the rendered manifests instead"
            ],
        )
    namespace = namespace or config.spec.crossplane.namespace or DEFAULT_NAMESPACE
    every = variables(config, noproxy.compute(config, namespace))
    names = SIX + (GRPC if config.spec.proxy.grpcProxy else ())
    values = {name: every[name] for name in names}
    # The init container and the RBAC manager talk to the API server only, so fix gives them
    # nothing unless they already set a proxy (docs/explanation/crossplane-install.md): neither
    # do the values.
    chart: dict[str, Any] = {releases.CORE_KEY: values}
    bundle = config.spec.trust.caBundle if config.spec.trust else None
    if bundle is not None and bundle.configMapRef is None:
        raise ConfigError(
            f"ClusterNetwork {config.metadata.name}",
            [
                "spec.trust.caBundle: the chart's registryCaBundleConfig takes a ConfigMap, and "
                "secretRef names a Secret: give configMapRef, or run xpnet fix on the rendered "
                "manifests instead"
            ],
        )
    if bundle is not None and bundle.configMapRef is not None:  # /certs, CA_BUNDLE_PATH
        ref = bundle.configMapRef
        chart[trust.CHART_VALUES_KEY] = {"name": ref.name, "key": ref.key}
    return chart
