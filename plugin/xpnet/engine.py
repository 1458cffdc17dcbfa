"""The one pipeline every adapter runs: parsed documents + config → installs → plans →
rewritten and verified texts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from xpnet import rules, selection
from xpnet.apply import rewrite
from xpnet.config import ClusterNetwork
from xpnet.errors import InputError
from xpnet.install import (
    CrossplaneInstall,
    Resource,
    find_installs,
    note_credentials,
    template,
)
from xpnet.plan import EnvEdit, Finding, Plan, collapse, config_findings, finding, plan_fix
from xpnet.records import NamedTuple
from xpnet.releases import resources
from xpnet.rules import Severity
from xpnet.trust import ItemEdit
from xpnet.valuefrom import resolve
from xpnet.verify import verify
from xpnet.yaml.nodes import Node, SequenceNode, get, scalar
from xpnet.yaml.scan import Segment
from xpnet.yaml.stream import Document


class Outcome(NamedTuple):
    plans: tuple[Plan, ...]  # one per install
    findings: tuple[Finding, ...]
    texts: dict[int, str]  # Document.index → the document's new text, for changed ones only
    added: tuple[str, ...] = ()  # new documents to append: NetworkPolicies
    added_to: tuple[int, ...] = ()  # for each: the input stream of its install's core
    # Fix mode: errors that spec.policy leaves out or a resource suppresses. They still stop fix
    # from writing: an error in fix mode is a change fix cannot make or would make wrong
    # (docs/how-to/filter-findings.md#what-an-ignored-error-does-in-fix-mode).
    withheld: tuple[Finding, ...] = ()

    @property
    def reported(self) -> tuple[Finding, ...]:
        """The findings a run shows: those it found, less the suppressed ones."""
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def failed(self) -> bool:
        """Whether an error was found: then nothing is written (report.exit_code says 1)."""
        return bool(self.withheld) or any(f.rule.severity is Severity.ERROR for f in self.reported)

    @property
    def edits(self) -> tuple[EnvEdit, ...]:
        return tuple(e for p in self.plans for e in p.edits)

    @property
    def items(self) -> tuple[ItemEdit, ...]:
        return tuple(i for p in self.plans for i in p.items)


Edit = EnvEdit | ItemEdit


def _by_document(edits: Sequence[Edit]) -> list[list[Edit]]:
    """The edits of each document of the input (with those of documents written inside it)."""
    by_doc: dict[int, list[Edit]] = defaultdict(list)
    for edit in edits:
        by_doc[edit.resource.doc.top.index].append(edit)
    return list(by_doc.values())


def _split(edits: list[Edit]) -> tuple[list[EnvEdit], list[ItemEdit]]:
    env = [e for e in edits if isinstance(e, EnvEdit)]
    return env, [e for e in edits if isinstance(e, ItemEdit)]


def _rewrite(doc_edits: list[Edit], read_back: bool = True) -> str:
    """One document's new text, read back and compared with what was intended; a document
    written as a string inside it (Argo CD's helm.values) is rewritten and verified first."""
    top = doc_edits[0].resource.doc.top
    inner: dict[int, list[Edit]] = defaultdict(list)
    for edit in doc_edits:
        if edit.resource.doc is not top:
            inner[id(edit.resource.doc)].append(edit)
    strings = {}
    for group in inner.values():
        doc = group[0].resource.doc
        env, items = _split(group)
        text = rewrite(doc, env, items=items)
        if read_back:
            verify(doc, env, text, items=items)
        strings[doc.path] = text
    env, items = _split([e for e in doc_edits if e.resource.doc is top])
    text = rewrite(top, env, strings, items)
    if read_back:
        verify(top, env, text, strings, doc_edits[0].resource.ref, items)
    return text


def apply(edits: Sequence[Edit]) -> dict[int, str]:
    """Each changed document's new text (Document.index → text), verified."""
    return {group[0].resource.doc.top.index: _rewrite(group) for group in _by_document(edits)}


def _refusals(edits: Sequence[Edit]) -> list[Finding]:
    """Check mode: what fix would refuse to rewrite, as findings (XPN019). Nothing is written
    and every edit already fails the check (XPN016), so the read-back that guards what fix
    writes is left to fix: it was half of checking 200 renders."""
    out = []
    for group in _by_document(edits):
        try:
            _rewrite(group, read_back=False)
        except InputError as error:
            problem = "; ".join(error.problems)
            out.append(finding(rules.XPN019, group[0].resource, problem=problem))
    return out


# Kinds whose fields hold Go templates as data: an ApplicationSet's template is filled in by
# Argo CD (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/GoTemplate/).
TEMPLATED_KINDS = frozenset({"ApplicationSet"})


def _templated_data(root: Node) -> bool:
    """Whether a document's template actions are data: an ApplicationSet, or a List holding one
    (kustomize reads a List's items one by one)."""
    kind = scalar(get(root, "kind")) or ""
    items = get(root, "items")
    if kind.endswith("List") and isinstance(items, SequenceNode):
        return any(scalar(get(i, "kind")) in TEMPLATED_KINDS for i in items.value)
    return kind in TEMPLATED_KINDS


def _resources(doc: Document) -> tuple[Resource, ...]:
    """The resources a document holds; a chart's template (Go template actions) is only reported."""
    if doc.template is not None and not _templated_data(doc.root):
        return (template(doc),)
    return resources(doc)


def find(
    config: ClusterNetwork,
    docs: Sequence[Document],
    segments: Callable[[], Iterable[Segment]] | None = None,
) -> tuple[CrossplaneInstall, ...]:
    """The Crossplane installs the documents hold; with `segments` (every document of the
    input), variables read from ConfigMaps of the input are resolved."""
    crossplane = config.spec.crossplane
    installs = find_installs(docs, crossplane.namespace, crossplane.version, _resources)
    if segments is not None:
        installs = resolve(installs, segments)
        note_credentials(r for i in installs for r in i.resources)  # values from ConfigMaps
    return installs


def run(
    config: ClusterNetwork,
    docs: Sequence[Document],
    segments: Callable[[], Iterable[Segment]] | None = None,
) -> Outcome:
    """`segments`: every document of the input, for the ConfigMaps that valueFrom entries
    name (asked for only when an entry does)."""
    # lint and netpol are imported only where a run needs them: a start that spends less
    # to import them is the chart-alone target's (benchmarks/RESULTS.md).
    installs = find(config, docs, segments)
    check = config.spec.policy.mode == "check"
    if check:
        from xpnet.lint import plan_check

        plans = tuple(plan_check(config, i) for i in installs)
    else:
        plans = tuple(plan_fix(config, i) for i in installs)
    seen: set[tuple[int, str]] = set()
    findings = config_findings(config) + [
        f for p in plans for f in (*p.findings, *selection.notes(p.install.resources, seen))
    ]
    edits: list[Edit] = [*(e for p in plans for e in p.edits), *(i for p in plans for i in p.items)]
    replace: dict[int, str] = {}
    added: tuple[str, ...] = ()
    streams: tuple[int, ...] = ()
    if config.spec.networkPolicy.enabled:
        from xpnet import netpol

        policies = netpol.plan(config, plans, docs)
        findings += policies.findings
        replace, added, streams = policies.replace, policies.added, policies.streams
    findings = collapse(findings)
    policy = config.spec.policy
    if check:
        return Outcome(plans, selection.select(policy, findings + _refusals(edits)).findings, {})
    chosen = selection.select(policy, findings)
    withheld = tuple(
        f
        for f in (*chosen.hidden, *(f for f in chosen.findings if f.suppressed))
        if f.rule.severity is Severity.ERROR
    )
    outcome = Outcome(plans, chosen.findings, {}, withheld=withheld)
    if outcome.failed:  # an error in fix mode: nothing is written
        return outcome
    return Outcome(plans, chosen.findings, apply(edits) | replace, added, streams)
