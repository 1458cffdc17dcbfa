"""The edit every baseline makes: the six proxy variables on Crossplane's core container and on
each DeploymentRuntimeConfig's package-runtime container (what xpnet does, minus the analysis)."""

from __future__ import annotations

from typing import Any

PROXY = "http://proxy.corp.example:3128"
NO_PROXY = (
    "localhost,127.0.0.1,::1,10.96.0.1,kubernetes.default.svc,kubernetes.default.svc.cluster.local,"
    ".svc,.cluster.local,crossplane-system,.crossplane-system,10.244.0.0/16,10.96.0.0/12"
)
VALUES = {
    "HTTP_PROXY": PROXY,
    "HTTPS_PROXY": PROXY,
    "NO_PROXY": NO_PROXY,
    "http_proxy": PROXY,
    "https_proxy": PROXY,
    "no_proxy": NO_PROXY,
}


def _set_env(container: Any) -> None:
    env = container.setdefault("env", [])
    for name, value in VALUES.items():
        for entry in env:
            if entry.get("name") == name:
                entry["value"] = value
                break
        else:
            env.append({"name": name, "value": value})


def edit(resource: Any) -> None:
    if not isinstance(resource, dict):
        return
    kind = resource.get("kind")
    if kind == "Deployment":
        spec = (((resource.get("spec") or {}).get("template") or {}).get("spec")) or {}
        for container in spec.get("containers") or []:
            if container.get("name") == "crossplane":
                _set_env(container)
    elif kind == "DeploymentRuntimeConfig":
        spec = resource.setdefault("spec", {}).setdefault("deploymentTemplate", {})
        spec = spec.setdefault("spec", {"selector": {}})
        pod = spec.setdefault("template", {}).setdefault("spec", {})
        containers = pod.setdefault("containers", [])
        runtime = next((c for c in containers if c.get("name") == "package-runtime"), None)
        if runtime is None:
            runtime = {"name": "package-runtime"}
            containers.append(runtime)
        _set_env(runtime)
