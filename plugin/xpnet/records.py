"""`NamedTuple` for xpnet's own record classes: typing's, as far as mypy can tell, and at run time
the same collections.namedtuple without typing's check of every annotation. With postponed
annotations that check compiles each field's annotation string, ~0.2 ms a class: ~50 classes
were a tenth of xpnet-fn's start on a chart."""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

__all__ = ["NamedTuple"]

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    # What the class body defines that is not a field or a method to copy onto the tuple class.
    _OWN = frozenset({"__module__", "__qualname__", "__annotations__", "__orig_bases__"})

    class _Records(type):
        def __new__(
            cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]
        ) -> type[tuple[Any, ...]]:
            annotations = namespace.get("__annotations__", {})
            fields = list(annotations)
            defaults = [namespace[f] for f in fields if f in namespace]
            if any(f not in namespace for f in fields[len(fields) - len(defaults) :]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            record = collections.namedtuple(
                name, fields, defaults=defaults, module=namespace["__module__"]
            )
            record.__qualname__ = namespace.get("__qualname__", name)
            record.__annotations__ = dict(annotations)
            for key, value in namespace.items():
                if key not in _OWN and key not in fields:
                    setattr(record, key, value)
            return record

    NamedTuple = type.__new__(_Records, "NamedTuple", (), {})
