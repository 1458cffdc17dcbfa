"""Kustomize patches that give the chart's Deployments the one right env (`xpnet
patch`): for pipelines that take patches only (Flux's postRenderers, provider-helm, a
kustomization's `patches:`).

Each patch is a strategic merge patch: Kubernetes merges `containers`, `initContainers` and `env`
by `name`, so a patch sets exactly the variables it lists and keeps every other entry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xpnet.errors import ConfigError, InputError
from xpnet.install import DEFAULT_NAMESPACE, Role
from xpnet.plan import EnvEdit, Plan
from xpnet.trust import ItemEdit
from xpnet.yaml.nodes import raw_compose, to_data
from xpnet.yaml.splice import render_block, render_items

DEPLOYMENT_ROLES = (Role.CORE, Role.RBAC_MANAGER)


def chart_defaults(version: str | None, namespace: str | None) -> str:
    """The env-relevant part of what the crossplane chart renders with default values: the core
    and RBAC manager Deployments (names, containers, image tag), no proxy env
    (docs/explanation/crossplane-install.md)."""
    ns = namespace or DEFAULT_NAMESPACE
    tag = f":v{version.lstrip('v')}" if version else ""
    image = f"xpkg.crossplane.io/crossplane/crossplane{tag}"
    out = []
    for name, args in (("crossplane", "core"), ("crossplane-rbac-manager", "rbac")):
        out.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
            f"  namespace: {ns}\nspec:\n  template:\n    spec:\n      initContainers:\n"
            f"      - name: crossplane-init\n        image: {image}\n        args: [{args}, init]\n"
            f"      containers:\n      - name: crossplane\n        image: {image}\n"
            f"        args: [{args}, start]\n"
        )
    return "---\n".join(out)


def _container(edit: EnvEdit) -> dict[str, Any]:
    return {"name": edit.block.container, "env": [{"name": n, "value": v} for n, v in edit.values]}


def patches(plans: Sequence[Plan]) -> list[dict[str, Any]]:
    """One {target, patch} item per Deployment xpnet would change: every variable xpnet writes
    there (not only the changed ones), so that the patch holds on its own, and the CA bundle's
    volume and mount (spec.trust; merged by name and by mountPath)."""
    by_resource: dict[int, tuple[list[EnvEdit], list[ItemEdit]]] = {}
    for plan in plans:
        for edit in plan.edits:
            if edit.resource.role in DEPLOYMENT_ROLES and not edit.block.keyed:
                by_resource.setdefault(id(edit.resource), ([], []))[0].append(edit)
        for item in plan.items:
            if item.resource.role in DEPLOYMENT_ROLES:
                by_resource.setdefault(id(item.resource), ([], []))[1].append(item)
    out = []
    for edits, items in by_resource.values():
        resource = (edits or items)[0].resource
        if any(e.refs for e in edits):
            raise ConfigError(
                "xpnet patch",
                [
                    "spec.proxy.credentialsSecret needs secretKeyRef variables before the proxy "
                    "variables, and a strategic merge patch appends new env entries: use xpnet as "
                    "a Helm post-renderer (xpnet-helm) or run xpnet fix on the manifests"
                ],
            )
        pod: dict[str, Any] = {}
        for key, init in (("initContainers", True), ("containers", False)):
            containers = [_container(e) for e in edits if e.block.init is init]
            for item in items:
                if item.key != "volumeMounts" or init:
                    continue
                found = next((c for c in containers if c["name"] == item.container), None)
                if found is None:
                    containers.append(found := {"name": item.container})
                found.setdefault("volumeMounts", []).append(item.item)
            if containers:
                pod[key] = containers
        volumes = [i.item for i in items if i.key == "volumes"]
        if volumes:
            pod["volumes"] = volumes
        target = {"group": "apps", "version": "v1", "kind": "Deployment", "name": resource.name}
        metadata = {"name": resource.name}
        if resource.namespace:
            target["namespace"] = metadata["namespace"] = resource.namespace
        patch = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata,
            "spec": {"template": {"spec": pod}},
        }
        out.append({"target": target, "patch": patch})
    return out


def render(items: list[dict[str, Any]]) -> str:
    """The patches as a YAML list; each patch a literal block string (what kustomize's and
    Flux's `patches[].patch` take), read back and compared with `items` before it is used."""
    lines: list[str] = []
    for item in items:
        target = render_items([{"target": item["target"]}], 0, 2, None)
        body = render_block(item["patch"], 4, '"')
        lines += [*target, "  patch: |", *body]
    text = "".join(line + "\n" for line in lines) if lines else "[]\n"
    got = to_data(raw_compose(text)) or []
    for entry in got:
        entry["patch"] = to_data(raw_compose(entry.get("patch") or ""))
    if got != items:
        raise InputError(
            "xpnet patch",
            ["internal error: the patches do not read back as intended; this is a bug in xpnet"],
        )
    return text
