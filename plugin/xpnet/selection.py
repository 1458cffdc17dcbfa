"""What a run reports of what it found: the rules spec.policy selects (select, ignore, severity),
and the findings a resource suppresses with an ignore-check.xpnet.dev/RULE annotation whose
value says why (pure: findings and resources in, findings out)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from xpnet import rules, selectors
from xpnet.clusternetwork import Policy
from xpnet.credentials import scrub
from xpnet.install import Resource
from xpnet.plan import Finding, finding
from xpnet.records import NamedTuple
from xpnet.yaml.nodes import MappingNode, ScalarNode, get, get_in, scalar

# kube-linter's form, one annotation a rule with the reason as its value
# (https://docs.kubelinter.io/#/configuring-kubelinter?id=ignoring-violations-for-specific-cases):
# a reason is required here, as the SARIF suppression it becomes carries it.
IGNORE_CHECK = "ignore-check.xpnet.dev/"


class Selected(NamedTuple):
    findings: tuple[Finding, ...]  # reported, suppressed ones marked with their reason
    hidden: tuple[Finding, ...]  # left out by select, ignore or severity


def _own_annotations(resource: Resource) -> MappingNode | None:
    """The resource's metadata.annotations: those of the document that is the resource (a
    Deployment, a runtime config, a HelmRelease or an Application), not of a List holding it."""
    root = resource.doc.top.root
    if scalar(get(root, "kind")) != resource.kind:
        return None
    if scalar(get_in(root, "metadata", "name")) != resource.name:
        return None
    found = get_in(root, "metadata", "annotations")
    return found if isinstance(found, MappingNode) else None


def suppressions(resource: Resource) -> tuple[dict[str, str], list[Finding]]:
    """The rules a resource suppresses, each with its reason, and an XPN044 finding for each
    ignore-check annotation that suppresses nothing (an unknown rule, no reason)."""
    annotations = _own_annotations(resource)
    if annotations is None:
        return {}, []
    reasons: dict[str, str] = {}
    problems: list[Finding] = []
    for key_node, value_node in annotations.value:
        key = scalar(key_node) or ""
        if not key.startswith(IGNORE_CHECK):
            continue
        rule_id = key[len(IGNORE_CHECK) :]
        reason = scrub(str(value_node.value)).strip() if isinstance(value_node, ScalarNode) else ""
        why = None
        if rule_id not in rules.RULES:
            guess = selectors.closest(rule_id)
            why = f"{rule_id or 'nothing'} is not a rule (the closest is {guess})"
            if rule_id.upper() in rules.RULES:
                why = f"{rule_id} is written {rule_id.upper()}"
        elif not reason or not isinstance(value_node, ScalarNode):
            why = "its value gives no reason; write why the rule does not apply here"
        if why is None:
            reasons[rule_id] = reason
        else:
            problems.append(finding(rules.XPN044, resource, key=key, why=why))
    return reasons, problems


def _key(resource: Resource) -> tuple[int, str]:
    return resource.doc.top.index, resource.ref


def notes(resources: Iterable[Resource], seen: set[tuple[int, str]]) -> list[Finding]:
    """XPN044 for each ignore-check annotation of the resources that suppresses nothing (each
    resource once: `seen` holds those already looked at)."""
    out = []
    for resource in resources:
        if _key(resource) not in seen:
            seen.add(_key(resource))
            out += suppressions(resource)[1]
    return out


def select(policy: Policy, found: Sequence[Finding]) -> Selected:
    """The findings the policy reports, those a resource suppresses marked with the reason."""
    reasons: dict[tuple[int, str], dict[str, str]] = {}
    reported: list[Finding] = []
    hidden: list[Finding] = []
    for f in found:
        if not selectors.selected(f.rule, policy.select, policy.ignore, policy.severity):
            hidden.append(f)
            continue
        reason = None
        if f.resource is not None and f.rule is not rules.XPN044:  # a broken one shows
            key = _key(f.resource)
            if key not in reasons:
                reasons[key] = suppressions(f.resource)[0]
            reason = reasons[key].get(f.rule.id)
        reported.append(f._replace(suppressed=reason) if reason else f)
    return Selected(tuple(reported), tuple(hidden))
