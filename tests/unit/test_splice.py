from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.goyaml import go_load
from xpnet.yaml import splice
from xpnet.yaml.nodes import compose, get

TRICKY = [
    "http://proxy:3128",
    "localhost,127.0.0.1,::1,10.0.0.0/8",
    "::1",
    "*",
    "*.corp",
    "true",
    "no",
    "123",
    "1.5",
    "10.96.0.1",
    "a: b",
    "a #b",
    "#x",
    "x:",
    "",
    " lead",
    "it's",
    'quote"d',
    "tab\there",
    "new\nline",
    "ünï",
]


@pytest.mark.parametrize("style", [None, "'", '"'])
@pytest.mark.parametrize("value", TRICKY)
def test_rendered_scalars_read_back_as_the_same_string(value: str, style: str | None) -> None:
    rendered = splice.render_scalar(value, style)
    assert YAML(typ="safe", pure=True).load(f"k: {rendered}\n") == {"k": value}


def test_plain_stays_plain_where_safe() -> None:
    assert splice.render_scalar("http://proxy:3128", None) == "http://proxy:3128"
    assert splice.render_scalar("10.96.0.1", None) == '"10.96.0.1"'
    assert splice.render_scalar("x", "'") == "'x'"


def test_apply_refuses_overlaps_and_keeps_order_at_one_offset() -> None:
    assert splice.apply("abc", [splice.Splice(1, 1, "X"), splice.Splice(1, 1, "Y")]) == "aXYbc"
    with pytest.raises(ValueError, match="overlapping"):
        splice.apply("abcd", [splice.Splice(0, 2, ""), splice.Splice(1, 3, "")])


def _doc(text: str):  # type: ignore[no-untyped-def]
    node = compose(text, "t")
    assert node is not None
    return node


def test_append_items_follows_existing_indentation() -> None:
    text = "env:\n    -   name: A\n        value: b  # c\nnext: 1\n"
    seq = get(_doc(text), "env")
    out = splice.apply(text, [splice.append_items(text, seq, [{"name": "X", "value": "v"}], None)])
    assert out == (
        "env:\n    -   name: A\n        value: b  # c\n    -   name: X\n        value: v\nnext: 1\n"
    )


def test_add_to_mapping_at_end_of_nested_block() -> None:
    text = "a:\n  b:\n    c: |\n      x\n\n# comment\nz: 1\n"
    node = get(_doc(text), "a")
    out = splice.apply(text, [splice.add_to_mapping(text, node, {"env": []}, None)])
    assert out == "a:\n  b:\n    c: |\n      x\n\n  env: []\n# comment\nz: 1\n"


def test_set_value_turns_empty_flow_into_block() -> None:
    text = "spec: {}  # keep\nother: 1\n"
    root = _doc(text)
    key, value = root.value[0]
    out = splice.apply(text, splice.set_value(text, key, value, {"a": {"b": "c"}}, None, False))
    assert out == "spec:  # keep\n  a:\n    b: c\nother: 1\n"


def test_crlf_is_kept() -> None:
    text = "env:\r\n- name: A\r\n  value: b\r\n"
    seq = get(_doc(text), "env")
    out = splice.apply(text, [splice.append_items(text, seq, [{"name": "X", "value": "v"}], None)])
    assert out == "env:\r\n- name: A\r\n  value: b\r\n- name: X\r\n  value: v\r\n"


@given(st.text())
def test_double_quoted_is_json_without_importing_json(value: str) -> None:
    written = splice.double_quoted(value)
    assert json.loads(written) == value
    raw = {chr(c) for c in (*range(0x7F, 0xA0), 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)}
    assert not raw & set(written)  # YAML folds or refuses them raw: escaped


def test_double_quoted_reads_back_in_go(goyaml: Path) -> None:
    """Line breaks YAML knows beyond \\n and characters it refuses raw are escaped, so that
    kubectl's and kustomize's readers read the string that was meant."""
    values = ["a\x85b", "a\u2028b", "a\u2029b", "a\x7fb", "a\x9fb", "\ufeffa", "a\ufffeb", "é😀"]
    texts = [f"{splice.double_quoted(v)}: {splice.double_quoted(v)}\n" for v in values]
    for v3 in (False, True):
        assert go_load(texts, goyaml, v3=v3) == [[{v: v}] for v in values]


def test_the_block_writer_writes_each_scalar_so_that_it_reads_back_with_its_type() -> None:
    # netpol writes its policies with it: ports are integers, an empty selector is {}.
    data = {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"ports": [{"port": 9443, "protocol": "TCP"}], "to": [{}]}],
        "readOnly": True,
        "1234": "10.96.0.1",
        "nested": [["a", 1]],
    }
    text = "".join(line + "\n" for line in splice.render_block(data, 0, None))
    assert yaml.safe_load(text) == data


def test_block_text_is_read_back_before_it_is_used() -> None:
    """Every document xpnet writes from data (NetworkPolicies, `xpnet values`) goes through
    block_text: what reads back as other data (here a float, which the writer never writes)
    is refused, not printed."""
    from xpnet.errors import InputError
    from xpnet.yaml.splice import block_text

    good = {"a": "1.5", "b": [1, True, {}], "c": {"d": "true"}}
    assert block_text(good, "x", 2).startswith('  a: "1.5"\n')
    with pytest.raises(InputError) as refused:
        block_text({"a": 1.5}, "xpnet values")
    assert refused.value.source == "xpnet values"
    assert "does not read back as written" in refused.value.problems[0]
