"""engine.py: check reports what fix would refuse; an error finding in fix mode writes nothing."""

from __future__ import annotations

from tests.unit_helpers import config, core, documents
from xpnet.engine import run

SHARED = core(env="        env: *e\n").replace(
    "      containers:\n",
    "      initContainers:\n      - name: init\n        env: &e\n"
    "        - name: HTTPS_PROXY\n          value: http://old:1\n      containers:\n",
)


def test_check_turns_a_refusal_of_fix_into_xpn019() -> None:
    outcome = run(config("check"), documents(SHARED))
    assert "XPN019" in {f.rule.id for f in outcome.findings} and outcome.failed
    assert outcome.texts == {}


def test_fix_with_an_error_finding_writes_nothing() -> None:
    text = core("upbound-system", env="        env: []\n")
    outcome = run(config("fix", crossplane={"namespace": "crossplane-system"}), documents(text))
    assert outcome.failed and outcome.texts == {} and outcome.edits


def test_fix_gives_the_changed_documents_only() -> None:
    outcome = run(
        config(),
        documents(core(env="        env: []\n"), "apiVersion: v1\nkind: X\nmetadata: {name: x}\n"),
    )
    assert list(outcome.texts) == [0] and not outcome.failed
