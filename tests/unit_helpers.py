"""Small builders shared by the unit tests of the core modules."""

from __future__ import annotations

import copy
from typing import Any

from xpnet.config import ClusterNetwork, load_config, with_mode
from xpnet.install import CrossplaneInstall, find_installs
from xpnet.yaml.stream import Document, Source, load

PROXY = "http://proxy.corp.example:3128"


CONFIG_DATA: dict[str, Any] = {
    "apiVersion": "xpnet.dev/v1alpha1",
    "kind": "ClusterNetwork",
    "metadata": {"name": "corp"},
    "spec": {
        "proxy": {"httpsProxy": PROXY},
        "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
    },
}


def config(mode: str = "fix", **spec: Any) -> ClusterNetwork:
    """The test ClusterNetwork in a mode, with spec sections updated (`proxy={...}`)."""
    data = copy.deepcopy(CONFIG_DATA)
    for key, value in spec.items():
        data["spec"].setdefault(key, {}).update(value)
    return with_mode(load_config(data, "corp"), mode)  # type: ignore[arg-type]


def core(namespace: str = "crossplane-system", tag: str = "v2.1.0", env: str = "") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n"
        f"  namespace: {namespace}\nspec:\n  template:\n    spec:\n      containers:\n"
        f"      - name: crossplane\n        image: crossplane:{tag}\n        args: [core, start]\n"
        + env
    )


def rbac(namespace: str = "crossplane-system") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane-rbac-manager\n"
        f"  namespace: {namespace}\nspec:\n  template:\n    spec:\n      containers:\n"
        "      - name: crossplane\n        args: [rbac, start]\n"
        "        env:\n        - name: NO_PROXY\n          value: localhost\n"
    )


DRC = (
    "apiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\nmetadata:\n  name: rt\n"
)


def documents(*files: str) -> list[Document]:
    return load([Source(f"f{i}.yaml", text) for i, text in enumerate(files)])


def installs(*files: str, namespace: str | None = None) -> tuple[CrossplaneInstall, ...]:
    return find_installs(documents(*files), namespace, "auto")
