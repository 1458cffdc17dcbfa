"""Every line the user sees about findings and changes: text for people, data for KRM."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from xpnet.credentials import redact, scrub
from xpnet.install import CrossplaneInstall, EnvBlock, Resource
from xpnet.plan import EnvEdit, Finding
from xpnet.rules import CATALOGUE, Rule, Severity, help_uri
from xpnet.selection import IGNORE_CHECK
from xpnet.trust import ItemEdit

if TYPE_CHECKING:  # explain is imported by the commands that explain, not by every run
    from xpnet.engine import Outcome
    from xpnet.explain import Verdict
    from xpnet.yaml.stream import Document


def _prefix(resource: Resource | None, block: EnvBlock | None, var: str | None) -> str:
    """`Kind/namespace/name: container C: VAR: `; `var` may list several, comma-separated."""
    parts = []
    if resource is not None:
        parts.append(resource.ref)
    if block is not None and block.label is not None:
        parts.append(block.label)
    if var is not None:
        parts.append(var)
    return ": ".join(parts) + (": " if parts else "")


def finding_position(finding: Finding) -> tuple[str | None, int | None]:
    """The file and 1-based line a finding is about (the variable's line where it is set; of
    several, the first one set; for the configuration, the field's), where known."""
    if finding.place is not None:
        return finding.place.file, finding.place.line
    if finding.resource is None:
        return None, None
    doc = finding.resource.doc
    if (block := finding.block) is not None:
        return doc.source, block.line_of(next((n for n in finding.names if block.get(n)), None))
    return doc.source, resource_line(finding.resource)


def resource_line(resource: Resource) -> int:
    """The one line check and fix name for a resource as a whole: the first line of its
    content (not a `---` marker, a blank or a comment line before it); for a chart's template,
    where its first action is."""
    doc = resource.doc
    if doc.template is not None:
        return doc.template
    return doc.segment.line + int(doc.root.start_mark.line)


def finding_line(
    finding: Finding,
    with_file: bool = False,
    position: Callable[[Document, int], str] | None = None,
) -> str:
    """FILE:LINE: severity: Kind/namespace/name: container C: VAR: XPNnnn message; `position`
    says where a line of the input is when that is not its own file's line (Helm's stream)."""
    where = ""
    if with_file:
        file, line = finding_position(finding)
        if position is not None and finding.resource is not None and line:
            where = f"{position(finding.resource.doc, line)}: "
        elif file is not None:
            where = f"{file}:{line}: " if line else f"{file}: "
    head = _prefix(finding.resource, finding.block, _variables(finding))
    return f"{where}{finding.rule.severity.value}: {head}{finding.rule.id} {finding.message}"


def _variables(finding: Finding) -> str | None:
    return ", ".join(finding.names) or None


Order = tuple[bool, str, int, str]


def order(finding: Finding) -> Order:
    """Where a finding sorts: the configuration's first (they are about every resource), then
    by file, line and rule."""
    file, line = finding_position(finding)
    return finding.resource is not None, file or "", line or 0, finding.rule.id


def arranged(findings: Sequence[Finding]) -> list[Finding]:
    """Findings in the order every output gives them: by file, line and rule (sorted stably, so
    one line keeps the order the rules found things in)."""
    return sorted(findings, key=order)


def stderr_line(text: str) -> str:
    """A line for stderr: every one starts with the program's name, as compilers' do; proxy
    credentials never in it."""
    return f"xpnet: {scrub(text)}"


# Exit codes: 0 ok, 1 error findings or refused input, 2 usage (argparse's own).
OK, FAILED = 0, 1


class Judged(Protocol):
    """A finding, or what is left of one once rendered: its rule and whether a resource
    suppresses it (with the reason)."""

    @property
    def rule(self) -> Rule: ...

    @property
    def suppressed(self) -> str | None: ...


def exit_code(findings: Sequence[Judged]) -> int:
    """The exit code of a run: only error findings fail it, suppressed ones never."""
    return FAILED if any(f.rule.severity is Severity.ERROR for f in _shown(findings)) else OK


def _shown(findings: Sequence[Judged]) -> list[Judged]:
    return [f for f in findings if not f.suppressed]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(findings: Sequence[Judged], files: int, empty: int = 0) -> str:
    """The line that closes a run: `2 errors, 1 warning in 3 files`, and how many findings
    resources suppress (`, 1 suppressed`) when they do."""
    shown = _shown(findings)
    errors = sum(f.rule.severity is Severity.ERROR for f in shown)
    warnings = sum(f.rule.severity is Severity.WARNING for f in shown)
    line = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    if suppressed := len(findings) - len(shown):
        line += f", {suppressed} suppressed"
    line += f" in {_count(files, 'file')}"
    if empty:
        line += f" ({empty} without Crossplane resources)"
    return line


NOTHING_FOUND = (
    "no Crossplane resources found (a core or RBAC manager Deployment, a "
    "DeploymentRuntimeConfig or a ControllerConfig); nothing to do"
)
NOTHING_CHECKED = NOTHING_FOUND.removesuffix("nothing to do") + (
    "nothing was checked (--allow-empty accepts inputs without any)"
)


def values_as_manifest(keys: Sequence[str], name: str) -> str:
    """What is said of a manifest that is the crossplane chart's values."""
    return (
        f"holds values of the crossplane Helm chart ({', '.join(keys[:3])}), not manifests: "
        f"pass it as --values {name}"
    )


WITHHELD = "left out by the selection or suppressed, but fix writes nothing past an error"


def withheld_line(
    finding: Finding,
    with_file: bool = False,
    position: Callable[[Document, int], str] | None = None,
) -> str:
    """An error fix mode does not report but stops at: said, or nothing says why it wrote
    nothing."""
    return f"{finding_line(finding, with_file, position)} ({WITHHELD})"


def edit_line(edit: EnvEdit, with_file: bool = False) -> str:
    verb = "set" if edit.block.exists else "created container with"
    where = f"{edit.resource.doc.source}:{edit.block.line}: " if with_file else ""
    return where + _prefix(edit.resource, edit.block, None) + f"{verb} {', '.join(edit.changed)}"


def item_line(item: ItemEdit, with_file: bool = False) -> str:
    """A volume, mount or values key fix wrote for spec.trust."""
    where = f"{item.resource.doc.source}:{resource_line(item.resource)}: " if with_file else ""
    container = f"container {item.container}: " if item.container else ""
    field = f" ({item.key})" if item.key != item.what else ""
    return f"{where}{item.resource.ref}: {container}wired {item.what}{field}"


def added_line(doc: str) -> str:
    """What adding a NetworkPolicy document is said as."""
    found = re.search(r"(?m)^ *name: *(\S+)", doc)
    what = f"NetworkPolicy {found.group(1)}" if found else "a NetworkPolicy"
    return f"added {what} (spec.networkPolicy)"


def krm_results(outcome: Outcome, source: str) -> tuple[list[dict[str, Any]], list[str]]:
    """A KRM function run's results (edits where the list changed, NetworkPolicies added,
    findings) and its lines for stderr (findings); `source` names the input in them."""
    changed = bool(outcome.texts)
    results = [edit_result(e) for e in outcome.edits] if changed else []
    results += [item_result(i) for i in outcome.items] if changed else []
    results += [{"message": added_line(a), "severity": "info"} for a in outcome.added]
    results += [finding_result(f) for f in arranged(outcome.findings)]
    results += [finding_result(f, WITHHELD) for f in arranged(outcome.withheld)]
    # An item's file is the runner's to name; the functionConfig's is named where it is known.
    reported, withheld = arranged(outcome.reported), arranged(outcome.withheld)
    stderr = [stderr_line(finding_line(f, f.place is not None)) for f in reported]
    stderr += [stderr_line(withheld_line(f, f.place is not None)) for f in withheld]
    if not outcome.plans:
        results.append({"message": NOTHING_FOUND, "severity": "info"})
        stderr.append(stderr_line(f"{source}: {NOTHING_FOUND}"))
    return results, stderr


def finding_data(finding: Finding) -> dict[str, Any]:
    """A finding as JSON data (`xpnet check -o json`)."""
    file, line = finding_position(finding)
    resource = finding.resource
    return {
        "file": file,
        "line": line,
        "rule": finding.rule.id,
        "severity": finding.rule.severity.value,
        "resource": resource.ref if resource else None,
        "container": finding.block.container if finding.block else None,
        "variable": finding.var,
        "variables": list(finding.names),
        "field": finding.place.field if finding.place else _field(finding.block, finding.var),
        "message": finding.message,
    } | _suppressed(finding)


def _suppressed(finding: Finding) -> dict[str, Any]:
    """JSON's `suppressed` of a finding a resource suppresses: the reason and the annotation."""
    if not finding.suppressed:
        return {}
    annotation = f"{IGNORE_CHECK}{finding.rule.id}"
    return {"suppressed": {"reason": finding.suppressed, "annotation": annotation}}


def _field(block: EnvBlock | None, var: str | None) -> str | None:
    if block is None:
        return None
    if block.keyed:
        found = block.get(var) if var else None
        return block.field_path + (f".{found.key if found and found.key else var}" if var else "")
    return block.field_path + (f"[name={var}].value" if var else "")


def _resource_ref(resource: Resource) -> dict[str, str]:
    ref = {"apiVersion": resource.api_version, "kind": resource.kind, "name": resource.name}
    if resource.namespace:
        ref["namespace"] = resource.namespace
    return ref


def finding_result(finding: Finding, note: str | None = None) -> dict[str, Any]:
    """A KRM functions-spec result for a finding; one a resource suppresses is info, tagged
    with the reason (the spec has no suppression of its own)."""
    result: dict[str, Any] = {
        "message": f"{_prefix(None, finding.block, _variables(finding))}{finding.rule.id} "
        f"{finding.message}" + (f" ({note})" if note else ""),
        "severity": finding.rule.severity.value,
    }
    if finding.suppressed:
        result["message"] = f"suppressed: {result['message']}"
        result["severity"] = "info"
    if finding.resource is not None:
        result["resourceRef"] = _resource_ref(finding.resource)
    if (path := _field(finding.block, finding.var)) is not None:
        result["field"] = {"path": path}
    if (place := finding.place) is not None:  # about the functionConfig, not an item
        if place.file is not None:
            result["file"] = {"path": place.file}
        else:
            result["message"] += f" ({place.field} of the functionConfig; {place.unknown})"
    result["tags"] = {"rule": finding.rule.id}
    if finding.suppressed:
        result["tags"]["suppressed"] = finding.suppressed
    return result


def edit_result(edit: EnvEdit) -> dict[str, Any]:
    return {
        "message": edit_line(edit).split(": ", 1)[1],
        "severity": "info",
        "resourceRef": _resource_ref(edit.resource),
        "field": {"path": edit.block.field_path},
    }


def item_result(item: ItemEdit) -> dict[str, Any]:
    path = ".".join(map(str, item.path)) + (f"[name={item.container}]" if item.container else "")
    return {
        "message": item_line(item).split(": ", 1)[1],
        "severity": "info",
        "resourceRef": _resource_ref(item.resource),
        "field": {"path": f"{path}.{item.key}"},
    }


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_uri(file: str, root: str | None = None) -> str:
    """A file as code scanning reads an artifact's URI: relative to the checkout (`root`, the
    working directory of the run) where it is under it, else an absolute file:// URI, and
    percent-encoded (docs/reference/sarif.md)."""
    import posixpath
    from urllib.parse import quote

    path = file.replace("\\", "/")
    if posixpath.isabs(path):
        base = (root or "/").replace("\\", "/").rstrip("/") + "/"
        if not path.startswith(base):
            return "file://" + quote(path)
        path = path[len(base) :]
    return quote(posixpath.normpath(path).removeprefix("./"))


def sarif_result(finding: Finding, root: str | None = None) -> dict[str, Any]:
    """One finding as a SARIF result; `root`: the folder relative paths are taken from."""
    import hashlib  # only SARIF needs it

    file, line = finding_position(finding)
    where = _prefix(finding.resource, finding.block, _variables(finding)).removesuffix(": ")
    result: dict[str, Any] = {
        "ruleId": finding.rule.id,
        "ruleIndex": _RULE_INDEX[finding.rule.id],
        "level": _SARIF_LEVEL[finding.rule.severity],
        "message": {"text": f"{where}: {finding.message}" if where else finding.message},
        "partialFingerprints": {
            "xpnet/v1": hashlib.sha256(f"{finding.rule.id}|{file}|{where}".encode()).hexdigest()[
                :32
            ]
        },
    }
    if finding.suppressed:  # SARIF 2.1.0 §3.27.23, §3.35
        result["suppressions"] = [{"kind": "inSource", "justification": finding.suppressed}]
    if finding.names:
        result["properties"] = {"variables": list(finding.names)}
    if file is not None:
        # A whole line: code scanning wants a region (docs/reference/sarif.md); SARIF reads a
        # region without an end as running to the end of its line.
        location: dict[str, Any] = {
            "artifactLocation": {"uri": sarif_uri(file, root)},
            "region": {"startLine": line or 1, "startColumn": 1},
        }
        result["locations"] = [{"physicalLocation": location}]
        if where:
            result["locations"][0]["logicalLocations"] = [
                {"fullyQualifiedName": where.replace(": ", "/"), "kind": "resource"}
            ]
    return result


_RULE_INDEX = {rule.id: i for i, rule in enumerate(CATALOGUE)}


def sarif_log(results: list[dict[str, Any]], version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log (`xpnet check -o sarif`, for code scanning) around results
    (`sarif_result`): every rule of the catalogue with its help."""
    rules = [
        {
            "id": rule.id,
            "name": "".join(w.capitalize() for w in re.findall(r"[A-Za-z0-9]+", rule.title)),
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": f"{rule.title}: {rule.fix}"},
            "help": {"text": rule.fix, "markdown": f"{rule.fix} ([{rule.id}]({help_uri(rule)}))"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        }
        for rule in CATALOGUE
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "xpnet",
                        "version": version,
                        "rules": rules,
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


Section = tuple[CrossplaneInstall, Sequence["Verdict"]]


def explain_data(sections: Sequence[Section]) -> list[dict[str, Any]]:
    """`xpnet explain -o json`: one record a verdict, proxy URLs redacted."""
    return [
        {
            "resource": v.resource.ref,
            "container": v.block.container,
            "when": v.when,
            "destination": v.destination.label,
            "target": redact(v.destination.target),
            "runtime": v.runtime,
            "decision": ("DIRECT" if v.decision.direct else "PROXY") if v.known else "UNKNOWN",
            "proxy": redact(v.decision.proxy) if v.decision.proxy else None,
            "reason": scrub(v.decision.reason),
        }
        for _, verdicts in sections
        for v in verdicts
    ]


def _verdict(verdicts: Sequence[Verdict]) -> str:
    words = {("DIRECT" if v.decision.direct else "PROXY") if v.known else "?" for v in verdicts}
    return words.pop() if len(words) == 1 else "MIXED"


def explain_summary(sections: Sequence[Section]) -> list[str]:
    """`xpnet explain` without --long: per install, a line per destination class and runtime
    with the verdict after the fix over every container (and the one before, where it differs)."""
    lines = []
    for install, verdicts in sections:
        namespaces = ", ".join(install.namespaces)
        lines.append(f"Crossplane {install.version.describe()}, namespace {namespaces}")
        groups: dict[tuple[str, str], list[Verdict]] = {}
        for v in verdicts:
            label = v.destination.label
            kind = "function calls" if label.startswith("function ") else label
            groups.setdefault((kind, v.runtime), []).append(v)
        for (kind, runtime), group in groups.items():
            after = [v for v in group if v.when == "after"]
            verdict = _verdict(after)
            if verdict == "MIXED":
                proxied = sorted({v.resource.ref for v in after if not v.decision.direct})
                verdict += f" (PROXY in {', '.join(proxied[:2])}{', ...' if proxied[2:] else ''})"
            before = _verdict([v for v in group if v.when == "before"])
            was = f"  (before the fix: {before})" if before != verdict else ""
            lines.append(f"  {kind:28} {runtime:20} {verdict}{was}")
    return lines


def explain_lines(sections: Sequence[Section]) -> list[str]:
    """`xpnet explain`: per install, per container before and after the fix, a line per
    destination and runtime."""
    lines = []
    for install, verdicts in sections:
        namespaces = ", ".join(install.namespaces)
        lines.append(f"Crossplane {install.version.describe()}, namespace {namespaces}")
        heading = None
        for v in verdicts:
            here = (v.resource.ref, v.block.container, v.when)
            if here != heading:
                heading = here
                label = f" {v.block.label}" if v.block.label else ""
                lines += ["", f"{v.resource.ref}{label} ({v.when} the fix)"]
            verdict = ("DIRECT" if v.decision.direct else "PROXY ") if v.known else "?     "
            reason = scrub(v.decision.reason.split(": ", 1)[-1])
            target = redact(v.destination.target)
            lines.append(f"  {target:52} {v.runtime:20} {verdict} {reason}")
    return lines
