"""Helm's --set syntax, as Argo CD passes an Application's helm.parameters (`--set name=value`,
`--set-string` with forceString): the values path a name addresses and the value it gives
(helm.sh/helm/v3/pkg/strvals, https://helm.sh/docs/intro/using_helm/#the-format-and-limitations-of---set).
"""

from __future__ import annotations

import re

from xpnet.records import NamedTuple

Path = tuple[str | int, ...]
_INT = re.compile(r"[+-]?[0-9]+")
# strconv.ParseInt's range: a longer number stays a string
_INT64 = (-(2**63), 2**63 - 1)


def path(name: str) -> Path | None:
    """The values path of a --set name: `.` separates keys, `\\` escapes the next character,
    `[n]` indexes a list (`a.b\\.c[0]` is ("a", "b.c", 0)); None for what Helm refuses."""
    out: list[str | int] = []
    key: list[str] = []
    i, n = 0, len(name)
    after_index = False
    while i < n:
        c = name[i]
        if c == "\\":
            if i + 1 >= n:
                return None
            key.append(name[i + 1])
            i += 2
            continue
        if c in ".[":
            if key:
                out.append("".join(key))
                key = []
            elif not after_index:
                return None  # an empty key
            if c == "[":
                close = name.find("]", i)
                digits = name[i + 1 : close] if close > 0 else ""
                if not digits.isdigit():
                    return None
                out.append(int(digits))
                i = close + 1
                after_index = True
                if i < n and name[i] not in ".[":
                    return None  # Helm: unexpected data at end of array index
                continue
            after_index = False
            i += 1
            continue
        if c in "=,":
            return None
        key.append(c)
        after_index = False
        i += 1
    if key:
        out.append("".join(key))
    elif not after_index:
        return None
    return tuple(out) if out else None


class Value(NamedTuple):
    """What a --set value puts into the values: a string as the chart's `quote` renders it, or
    None for null (Helm then deletes the key)."""

    text: str | None
    is_string: bool  # a string, not a bool or number that reads the same once quoted
    is_list: bool = False  # `{a,b}`: a list, not a scalar


def value(text: str, force_string: bool) -> Value:
    """A --set (or, with force_string, --set-string) value as Helm types it; Argo CD escapes
    every comma of a value, unless the value is a `{...}` list."""
    if text.startswith("{") and text.endswith("}"):
        return Value(None, False, True)
    unescaped = re.sub(r"\\(.)", r"\1", text, flags=re.S)
    if force_string:
        return Value(unescaped, True)
    lower = unescaped.lower()
    if lower in ("true", "false"):
        return Value(lower, False)
    if lower == "null":
        return Value(None, False)
    if unescaped == "0" or (
        _INT.fullmatch(unescaped)
        and not unescaped.startswith("0")
        and _INT64[0] <= int(unescaped) <= _INT64[1]
    ):
        return Value(str(int(unescaped)), False)
    return Value(unescaped, True)
