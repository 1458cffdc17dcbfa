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


def apply(edits: Sequence[EnvEdit]) -> dict[int, str]:
    """Each changed document's new text, read back and compared with what was intended."""
    by_doc: dict[int, list[EnvEdit]] = defaultdict(list)
    for edit in edits:
        by_doc[edit.resource.doc.index].append(edit)
    texts = {}
    for index, doc_edits in by_doc.items():
        doc = doc_edits[0].resource.doc
        texts[index] = rewrite(doc, doc_edits)
        verify(doc, doc_edits, texts[index])
    return texts


def _refusals(edits: Sequence[EnvEdit]) -> list[Finding]:
    """Check mode: what fix would refuse to rewrite, as findings (XPN019)."""
    out = []
    by_doc: dict[int, list[EnvEdit]] = defaultdict(list)
    for edit in edits:
        by_doc[edit.resource.doc.index].append(edit)
    for doc_edits in by_doc.values():
        try:
            apply(doc_edits)
        except InputError as error:
            problem = "; ".join(error.problems)
            out.append(finding(rules.XPN019, doc_edits[0].resource, problem=problem))
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
