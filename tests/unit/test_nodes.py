"""Composing with positions (yaml/nodes.py): what the fast paths must keep."""

from __future__ import annotations

import pytest

from xpnet.errors import InputError
from xpnet.yaml import nodes


@pytest.mark.parametrize("pure", [False, True])
def test_merge_keys_are_known_by_their_tag_however_written(
    pure: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nodes, "PURE", pure)
    root = nodes.raw_compose('a: &a {x: 1}\nb:\n  !!merge foo: *a\n  <<: *a\n  "<<": 1\n')
    assert root is not None
    keys = root.value[1][1].value
    assert [(k.value, nodes.is_merge(k)) for k, _ in keys] == [
        ("foo", True),
        ("<<", True),
        ("<<", False),
    ]


def test_identical_documents_are_composed_once() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same-text-" + "x" * 20 + "}\n"
    first = nodes.compose(text, "a.yaml", 1)
    assert nodes.compose(text, "b.yaml", 40) is first  # marks are relative to the text
    for source in ("a.yaml", "b.yaml"):  # errors are not kept: each names its own file
        with pytest.raises(InputError) as raised:
            nodes.compose("a: [1\n", source)
        assert raised.value.source == source
