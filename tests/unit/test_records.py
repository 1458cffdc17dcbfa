"""xpnet.records.NamedTuple makes the classes typing.NamedTuple makes (cheaper)."""

from __future__ import annotations

import pickle
import typing

import pytest

from xpnet.records import NamedTuple


class Made(NamedTuple):
    """A record."""

    name: str
    count: int = 0
    tags: tuple[str, ...] = ()

    @property
    def double(self) -> int:
        return self.count * 2

    def label(self) -> str:
        return f"{self.name}:{self.count}"


class Typed(typing.NamedTuple):
    """A record."""

    name: str
    count: int = 0
    tags: tuple[str, ...] = ()


def test_a_record_is_the_tuple_typing_makes() -> None:
    made, typed = Made("a", 2), Typed("a", 2)
    assert made == typed == ("a", 2, ())
    assert Made._fields == Typed._fields
    assert Made._field_defaults == Typed._field_defaults
    assert Made.__doc__ == Typed.__doc__
    assert Made.__module__ == Typed.__module__ and Made.__qualname__ == "Made"
    assert list(Made.__annotations__) == list(Typed.__annotations__)
    assert repr(made) == repr(typed).replace("Typed", "Made")
    assert made._replace(count=3) == ("a", 3, ())
    assert made.double == 4 and made.label() == "a:2"
    assert pickle.loads(pickle.dumps(made)) == made
    assert type(pickle.loads(pickle.dumps(made))) is Made
    with pytest.raises(AttributeError):
        made.name = "b"  # type: ignore[misc]


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="without a default follows"):

        class Wrong(NamedTuple):  # type: ignore[misc]
            first: int = 0
            second: int  # type: ignore[misc]
