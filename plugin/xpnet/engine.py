"""The one pipeline every adapter runs: parsed documents + config → installs → plans →
rewritten and verified texts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from xpnet import rules
from xpnet.apply import rewrite
from xpnet.config import ClusterNetwork
from xpnet.errors import InputError
from xpnet.install import discover
from xpnet.lint import plan_check
from xpnet.plan import EnvEdit, Finding, Plan, config_findings, finding, plan_fix
from xpnet.report import OK, exit_code
from xpnet.verify import verify
from xpnet.yaml.stream import Document


@dataclass(frozen=True)
class Outcome:
    plans: tuple[Plan, ...]  # one per install
    findings: tuple[Finding, ...]
    texts: dict[int, str]  # Document.index → the document's new text, for changed ones only

    @property
    def failed(self) -> bool:
        return exit_code(self.findings) != OK

    @property
    def edits(self) -> tuple[EnvEdit, ...]:
        return tuple(e for p in self.plans for e in p.edits)


def _by_document(edits: Sequence[EnvEdit]) -> list[list[EnvEdit]]:
    by_doc: dict[int, list[EnvEdit]] = defaultdict(list)
    for edit in edits:
        by_doc[edit.resource.doc.index].append(edit)
    return list(by_doc.values())


def _rewrite(doc_edits: list[EnvEdit]) -> str:
    """One document's new text, read back and compared with what was intended."""
    doc = doc_edits[0].resource.doc
    text = rewrite(doc, doc_edits)
    verify(doc, doc_edits, text)
    return text


def apply(edits: Sequence[EnvEdit]) -> dict[int, str]:
    """Each changed document's new text (Document.index → text), verified."""
    return {group[0].resource.doc.index: _rewrite(group) for group in _by_document(edits)}


def _refusals(edits: Sequence[EnvEdit]) -> list[Finding]:
    """Check mode: what fix would refuse to rewrite, as findings (XPN019)."""
    out = []
    for group in _by_document(edits):
        try:
            _rewrite(group)
        except InputError as error:
            problem = "; ".join(error.problems)
            out.append(finding(rules.XPN019, group[0].resource, problem=problem))
    return out


def run(config: ClusterNetwork, docs: Sequence[Document]) -> Outcome:
    crossplane = config.spec.crossplane
    installs = discover(docs, crossplane.namespace, crossplane.version)
    check = config.spec.policy.mode == "check"
    plans = tuple((plan_check if check else plan_fix)(config, i) for i in installs)
    findings = config_findings(config) + [f for p in plans for f in p.findings]
    edits = [e for p in plans for e in p.edits]
    if check:
        return Outcome(plans, tuple(findings + _refusals(edits)), {})
    outcome = Outcome(plans, tuple(findings), {})
    if outcome.failed:  # an error in fix mode: nothing is written
        return outcome
    return Outcome(plans, tuple(findings), apply(edits))
