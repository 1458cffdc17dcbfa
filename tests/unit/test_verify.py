"""verify.py: the data a document means, types kept, and where two differ."""

from __future__ import annotations

import pytest

from xpnet import verify
from xpnet.verify import data, difference, load
from xpnet.yaml.nodes import compose


def test_data_keeps_types_and_marks_yaml_1_1_lookalikes() -> None:
    got = data(compose("a: 1\nb: '1'\nc: true\nd: ~\ne: yes\nf: 'yes'\n", "t"))
    assert got == {
        "a": ("tag:yaml.org,2002:int", "1"),
        "b": "1",
        "c": ("tag:yaml.org,2002:bool", "true"),
        "d": None,
        "e": ("1.1", "yes"),  # a string to ruamel's YAML 1.2, a boolean to kubectl
        "f": "yes",
    }


def test_merge_keys_are_resolved_and_own_keys_win() -> None:
    got = data(compose("base: &b {p: 1, q: 2}\nuse:\n  <<: *b\n  q: 3\n", "t"))
    assert got["use"] == {"p": ("tag:yaml.org,2002:int", "1"), "q": ("tag:yaml.org,2002:int", "3")}
    # a plain `y` key is `true` to YAML 1.1 readers: marked, so writing one would be a difference
    assert list(data(compose("y: 1\n", "t"))) == [("1.1", "y")]


def test_difference_names_the_place_and_the_type() -> None:
    assert difference({"a": [1]}, {"a": [1]}) is None
    assert difference({"a": [("int", "1")]}, {"a": ["1"]}) == ".a[0]: tuple became str"
    assert difference({"a": 1}, {"a": 1, "b": 2}) == ".b: added"
    assert difference([1, 2], [1]) == ": 2 items became 1"


def test_a_duplicate_key_in_the_output_is_unreadable() -> None:
    with pytest.raises(verify._Unreadable, match=r"^the key 'a' is there twice$"):
        load("a: 1\na: 2\n")
