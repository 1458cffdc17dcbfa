"""The sigs.k8s.io/yaml reader (tests/goyaml) reads YAML as kubectl does, quirks included."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.goyaml import go_load


def one(goyaml: Path, text: str) -> Any:
    [result] = go_load([text], goyaml)
    return result


def test_scalar_types_are_kept(goyaml: Path) -> None:
    text = 'a: 1\nb: "1"\nc: true\nd: null\ne: 1.5\nf: 12345678901234567890\n'
    docs = one(goyaml, text)
    assert docs == [{"a": 1, "b": "1", "c": True, "d": None, "e": 1.5, "f": 12345678901234567890}]
    assert isinstance(docs[0]["a"], int) and isinstance(docs[0]["b"], str)


def test_yaml_1_1_booleans_and_octals(goyaml: Path) -> None:
    # go-yaml v2 resolves YAML 1.1 booleans, keys included (libyaml/ruamel's 1.2 would not).
    assert one(goyaml, "y: on\nn: off\nv: yes\nw: Y\no: 0777\n") == [
        {"true": True, "false": False, "v": True, "w": True, "o": 511}
    ]


def test_whole_floats_come_back_as_ints(goyaml: Path) -> None:
    # Go's float64 1.0 is written to JSON as 1, so it is an int on this side.
    assert one(goyaml, "a: 1.0\nb: 1e3\n") == [{"a": 1, "b": 1000}]


def test_infinity_is_an_error(goyaml: Path) -> None:
    assert one(goyaml, "a: .inf\n") == "json: unsupported value: +Inf"


def test_flow_mapping_with_an_unquoted_comma_makes_a_junk_key(goyaml: Path) -> None:
    # No error: ".svc" becomes a key with a null value and value is cut at the comma.
    text = "env:\n- {name: NO_PROXY, value: localhost,.svc}\n"
    assert one(goyaml, text) == [
        {"env": [{"name": "NO_PROXY", "value": "localhost", ".svc": None}]}
    ]
    assert one(goyaml, "{name: X, value: a,b}\n") == [{"name": "X", "value": "a", "b": None}]


def test_a_later_duplicate_key_wins_as_in_kubectl(goyaml: Path) -> None:
    assert one(goyaml, "a: 1\nb: 2\na: 3\n") == [{"a": 3, "b": 2}]


def test_anchors_aliases_and_merge_keys_are_resolved(goyaml: Path) -> None:
    text = "base: &b {p: 1, q: 2}\nother:\n  <<: *b\n  r: 3\nref: *b\n"
    assert one(goyaml, text) == [
        {"base": {"p": 1, "q": 2}, "other": {"p": 1, "q": 2, "r": 3}, "ref": {"p": 1, "q": 2}}
    ]


def test_a_key_overrides_a_merged_one(goyaml: Path) -> None:
    text = "base: &b {p: 1, q: 2}\nother:\n  <<: *b\n  q: 3\n"
    assert one(goyaml, text) == [{"base": {"p": 1, "q": 2}, "other": {"p": 1, "q": 3}}]


def test_crlf_and_bom(goyaml: Path) -> None:
    text = '\ufeffa: 1\r\nb: "two"\r\nc: multi\r\n  line\r\n---\r\nd: 4\r\n'
    assert one(goyaml, text) == [{"a": 1, "b": "two", "c": "multi line"}, {"d": 4}]
    assert one(goyaml, "\ufeff---\na: 1\n") == [{"a": 1}]


def test_separators_with_comments_and_spaces(goyaml: Path) -> None:
    text = "a: 1\n--- # next\nb: 2\n---   \nc: 3\n---\t# tab\nd: 4"
    assert one(goyaml, text) == [{"a": 1}, {"b": 2}, {"c": 3}, {"d": 4}]


def test_separator_followed_by_content_is_an_error(goyaml: Path) -> None:
    assert one(goyaml, "a: 1\n--- {b: 2}\n") == "invalid Yaml document separator: {b: 2}"
    assert one(goyaml, "a: 1\n---foo\n") == "invalid Yaml document separator: foo"
    assert one(goyaml, "a: 1\n----\n") == "invalid Yaml document separator: -"


def test_indented_dashes_are_not_a_separator(goyaml: Path) -> None:
    assert one(goyaml, "a: |\n  x\n  ---\n  y\n") == [{"a": "x\n---\ny\n"}]


def test_empty_comment_and_null_documents_are_dropped(goyaml: Path) -> None:
    text = "# only a comment\n---\n---\na: 1\n---\nnull\n---\n~\n---\n# trailing\n"
    assert one(goyaml, text) == [{"a": 1}]
    assert go_load(["", "---\n", "# c\n"], goyaml) == [[], [], []]


def test_document_end_marker_hides_the_rest_of_the_chunk(goyaml: Path) -> None:
    # Only "---" splits; after "..." YAMLToJSON reads the first document alone.
    assert one(goyaml, "a: 1\n...\nb: 2\n") == [{"a": 1}]


def test_a_malformed_stream_does_not_stop_the_batch(goyaml: Path) -> None:
    results = go_load(["a: 1\n", "a: [1, 2\n", "b: 2\n---\nc: 3\n", "\ta: 1\n"], goyaml)
    assert results[0] == [{"a": 1}]
    assert results[1] == "yaml: line 1: did not find expected ',' or ']'"
    assert results[2] == [{"b": 2}, {"c": 3}]
    assert isinstance(results[3], str)


def test_a_batch_is_one_fast_call(goyaml: Path) -> None:
    texts = [f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n" for i in range(200)]
    start = time.monotonic()
    results = go_load(texts, goyaml)
    assert time.monotonic() - start < 5
    assert [r[0]["metadata"]["name"] for r in results] == [f"cm{i}" for i in range(200)]
