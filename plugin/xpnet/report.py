"""Every line the user sees about findings and changes: text for people, data for KRM."""

from __future__ import annotations

from typing import Any

from xpnet.install import EnvBlock, Resource
from xpnet.plan import EnvEdit, Finding


def _prefix(resource: Resource | None, block: EnvBlock | None, var: str | None) -> str:
    parts = []
    if resource is not None:
        parts.append(resource.ref)
    if block is not None and block.container is not None:
        parts.append(f"container {block.container}")
    if var is not None:
        parts.append(var)
    return ": ".join(parts) + (": " if parts else "")


def finding_line(finding: Finding, file: str | None = None) -> str:
    """FILE:LINE: Kind/namespace/name: container C: VAR: XPNnnn message (SPEC §6)."""
    where = ""
    if file is not None:
        line = finding.block.line if finding.block else None
        where = f"{file}:{line}: " if line else f"{file}: "
    head = _prefix(finding.resource, finding.block, finding.var)
    return f"{where}{head}{finding.rule.id} {finding.message}"


def edit_line(edit: EnvEdit) -> str:
    verb = "set" if edit.block.exists else "created container with"
    return _prefix(edit.resource, edit.block, None) + f"{verb} {', '.join(edit.changed)}"


def _field(block: EnvBlock | None, var: str | None) -> str | None:
    if block is None:
        return None
    return block.field_path + (f"[name={var}].value" if var else "")


def _resource_ref(resource: Resource) -> dict[str, str]:
    ref = {"apiVersion": resource.api_version, "kind": resource.kind, "name": resource.name}
    if resource.namespace:
        ref["namespace"] = resource.namespace
    return ref


def finding_result(finding: Finding) -> dict[str, Any]:
    """A KRM functions-spec result for a finding."""
    result: dict[str, Any] = {
        "message": f"{_prefix(None, finding.block, finding.var)}{finding.rule.id} "
        f"{finding.message}",
        "severity": finding.rule.severity.value,
    }
    if finding.resource is not None:
        result["resourceRef"] = _resource_ref(finding.resource)
    if (path := _field(finding.block, finding.var)) is not None:
        result["field"] = {"path": path}
    result["tags"] = {"rule": finding.rule.id}
    return result


def edit_result(edit: EnvEdit) -> dict[str, Any]:
    return {
        "message": edit_line(edit).split(": ", 1)[1],
        "severity": "info",
        "resourceRef": _resource_ref(edit.resource),
        "field": {"path": edit.block.field_path},
    }
