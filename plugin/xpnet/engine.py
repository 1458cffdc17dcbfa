"""The one pipeline every adapter runs: parsed documents + config → plan → rewritten texts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from xpnet.config import ClusterNetwork
from xpnet.install import Document, discover
from xpnet.plan import EnvEdit, Plan, plan_check, plan_fix
from xpnet.rules import Severity
from xpnet.yaml.rewrite import rewrite


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    texts: dict[int, str]  # Document.index → the document's new text, for changed ones only

    @property
    def failed(self) -> bool:
        return any(f.rule.severity is Severity.ERROR for f in self.plan.findings)


def run(config: ClusterNetwork, docs: Sequence[Document]) -> Outcome:
    crossplane = config.spec.crossplane
    install = discover(docs, crossplane.namespace, crossplane.version)
    if config.spec.policy.mode == "check":
        return Outcome(plan_check(config, install), {})
    plan = plan_fix(config, install)
    by_doc: dict[int, list[EnvEdit]] = defaultdict(list)
    for edit in plan.edits:
        by_doc[edit.resource.doc.index].append(edit)
    texts = {}
    for edits in by_doc.values():
        doc = edits[0].resource.doc
        texts[doc.index] = rewrite(doc, edits)
    return Outcome(plan, texts)
