"""apply.py: edits land where the text is, in its style; what an alias shares is handled."""

from __future__ import annotations

import pytest

from tests.unit_helpers import config, core, documents
from xpnet.apply import rewrite
from xpnet.errors import InputError
from xpnet.install import find_installs
from xpnet.plan import plan_fix


def rewritten(text: str) -> str:
    docs = documents(text)
    (install,) = find_installs(docs, None, "auto")
    return rewrite(docs[0], plan_fix(config(), install).edits)


def test_a_flow_item_gets_a_quoted_value_in_place() -> None:
    out = rewritten(core(env="        env:\n        - {name: NO_PROXY, value: localhost}\n"))
    assert '        - {name: NO_PROXY, value: "localhost,127.0.0.1,' in out
    assert out.count("\n        - ") == 6  # five appended in block style after it


def test_json_stays_json_and_keeps_its_types() -> None:
    text = (
        '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "c"}, "spec": '
        '{"replicas": 1, "template": {"spec": {"containers": [{"name": "crossplane", '
        '"args": ["core", "start"]}]}}}}\n'
    )
    out = rewritten(text)
    assert out.startswith(text[:100]) and '"replicas": 1' in out
    assert ', "env": [{"name": "HTTP_PROXY", "value": ' in out


def test_an_alias_value_is_written_out_and_its_anchor_kept() -> None:
    env = (
        "        env:\n        - name: A\n          value: &v http://old:1\n"
        "        - name: HTTPS_PROXY\n          value: *v\n"
    )
    out = rewritten(core(env=env))
    assert "value: &v http://old:1" in out and "*v" not in out


def test_an_env_list_shared_by_an_alias_is_refused() -> None:
    text = core(env="        env: *e\n").replace(
        "      containers:\n",
        "      initContainers:\n      - name: i\n        env: &e\n"
        "        - name: HTTPS_PROXY\n          value: x\n      containers:\n",
    )
    with pytest.raises(InputError, match="shared through the YAML anchor &e"):
        rewritten(text)
