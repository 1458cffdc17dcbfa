"""The rule catalogue: one table, the single source of rule IDs, severities and fixes."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    fix: str


_E, _W = Severity.ERROR, Severity.WARNING

CATALOGUE: tuple[Rule, ...] = (
    Rule(
        "XPN001",
        _W,
        "proxy values differ between containers",
        "run xpnet in fix mode: every rewritten container gets the same values",
    ),
    Rule(
        "XPN002",
        _E,
        "upper- and lower-case variables differ",
        "give both the same value; gRPC C-core reads only the lower-case ones",
    ),
    Rule(
        "XPN003",
        _E,
        "NO_PROXY does not cover the API server",
        "add the kubernetes Service IP or the service CIDR",
    ),
    Rule(
        "XPN004",
        _E,
        "NO_PROXY does not cover the function endpoints",
        "add what the Crossplane version's grpc-go matches",
    ),
    Rule(
        "XPN005",
        _W,
        "HTTP_PROXY without HTTPS_PROXY",
        "set HTTPS_PROXY too: https and gRPC requests use only HTTPS_PROXY",
    ),
    Rule(
        "XPN006",
        _W,
        "https:// proxy URL",
        "use http://: gRPC supports plaintext CONNECT proxies only",
    ),
    Rule(
        "XPN007", _W, "NO_PROXY entry that Go cannot use", "rewrite the entry as the message says"
    ),
    Rule(
        "XPN008",
        _W,
        "NO_PROXY contains *",
        "remove *: it sends everything direct, package pulls included",
    ),
    Rule(
        "XPN009",
        _W,
        "ControllerConfig in use",
        "move its settings to a DeploymentRuntimeConfig",
    ),
    Rule(
        "XPN010",
        _W,
        "proxy variable set through valueFrom",
        "set it as a plain value so that it can be checked and kept consistent",
    ),
    Rule(
        "XPN011",
        _E,
        "Crossplane container without HTTPS_PROXY",
        "set HTTPS_PROXY (run xpnet in fix mode)",
    ),
    Rule(
        "XPN012",
        _W,
        "only one case of a proxy variable is set",
        "set both cases: some clients read only the lower-case variable",
    ),
    Rule(
        "XPN013",
        _W,
        "hostNetwork without ClusterFirstWithHostNet",
        "set dnsPolicy: ClusterFirstWithHostNet or function names do not resolve",
    ),
    Rule(
        "XPN014",
        _W,
        "DeploymentRuntimeConfig env on a container not named package-runtime",
        "put proxy variables on the package-runtime container; others are sidecars",
    ),
    Rule(
        "XPN015",
        _W,
        "proxy credentials inline",
        "take them from a Secret instead of writing them into the manifests",
    ),
    Rule(
        "XPN016",
        _E,
        "proxy settings differ from the ones xpnet computes",
        "run xpnet fix: check fails wherever fix would change something",
    ),
    Rule(
        "XPN017",
        _E,
        "configured Crossplane namespace differs from the core Deployment's",
        "set spec.crossplane.namespace to the core's namespace (functions run there) or remove it",
    ),
    Rule(
        "XPN018",
        _W,
        "runtime configs shared by several Crossplane installs in one run",
        "run xpnet on one install at a time so that cluster-scoped configs get exactly one set",
    ),
    Rule(
        "XPN019",
        _E,
        "a proxy setting xpnet fix cannot rewrite safely",
        "write the env block out as the message says (anchors, merge keys); fix refuses it too",
    ),
)
RULES: dict[str, Rule] = {r.id: r for r in CATALOGUE}
DOCS = "docs/rules.md"  # relative to the repository root: xpnet has no published site yet


def help_uri(rule: Rule) -> str:
    """Where a rule is documented (docs/rules.md has an anchor per rule)."""
    return f"{DOCS}#{rule.id.lower()}"


def markdown() -> str:
    """docs/rules.md: generated from the catalogue (a test fails when the file is stale)."""
    lines = [
        "# xpnet rules",
        "",
        "Generated from `plugin/xpnet/rules.py`; do not edit. `xpnet check` reports these;",
        "only error findings fail it. Findings print as",
        "`FILE:LINE: severity: Kind/namespace/name: container C: VAR: XPNnnn message`",
        "(`-o json` and `-o sarif` give the same as data; SARIF links each rule here).",
        "",
        "| ID | severity | what | fix |",
        "|---|---|---|---|",
    ]
    lines += [
        f'| <a id="{r.id.lower()}"></a>{r.id} | {r.severity.value} | {r.title} | {r.fix} |'
        for r in CATALOGUE
    ]
    return "\n".join(lines) + "\n"
