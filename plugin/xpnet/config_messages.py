"""The configuration's error messages: each pydantic error said in words, with the field's path
as the user wrote it (ClusterNetwork or ConfigMap form), the problem and the fix. Told the model
by its caller, so that the model can use these without this module importing it."""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Iterable, Mapping
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from xpnet.clusternetwork import CONFIGMAP_PATHS

if TYPE_CHECKING:
    from pydantic import ValidationError
    from pydantic.fields import FieldInfo
    from pydantic_core import ErrorDetails

# Where a new user finds each cluster value: in the schema's descriptions and in the messages.
WHERE_TO_LOOK = {
    "podCIDRs": (
        "kube-controller-manager's --cluster-cidr; kubectl get nodes "
        "-o jsonpath='{.items[*].spec.podCIDR}' shows each node's part of it"
    ),
    "serviceCIDRs": (
        "kube-apiserver's --service-cluster-ip-range; kubectl get servicecidrs "
        "on Kubernetes 1.33 and later"
    ),
    "nodeCIDRs": "the networks of the nodes' addresses in kubectl get nodes -o wide",
    "apiServerAddresses": (
        "the server of kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}'"
    ),
}


Loc = tuple[int | str, ...]  # a field's path as pydantic gives it: keys and list indexes


def closest(word: object, choices: Iterable[str]) -> str | None:
    """The choice a misspelt word most likely meant (case does not count), if one is close."""
    if not isinstance(word, str):
        return None
    by_lower = {choice.lower(): choice for choice in choices}
    match = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def _keys(model: type[BaseModel]) -> dict[str, str]:
    """The keys a model accepts (field names and aliases), each with its field's name."""
    keys = {}
    for name, info in model.model_fields.items():
        keys[name] = name
        for alias in (info.alias, info.validation_alias):
            if isinstance(alias, str):
                keys[alias] = name
    return keys


def _bare(annotation: Any) -> Any:
    """A field's type without the Annotated, Optional and list around it."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated or origin is list:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is UnionType:
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model whose fields are the keys at `loc` (list indexes skipped)."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = _field(model, part) if model else None
        bare = _bare(info.annotation) if info else None
        model = bare if isinstance(bare, type) and issubclass(bare, BaseModel) else None
    return model


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    name = _keys(model).get(key)
    return model.model_fields[name] if name else None


def _field_at(root: type[BaseModel], loc: Loc) -> tuple[str, FieldInfo | None]:
    """The key and field a location points into (a list item: the list's field)."""
    while loc and isinstance(loc[-1], int):
        loc = loc[:-1]
    if not loc:
        return "", None
    parent = _model_at(root, loc[:-1])
    key = str(loc[-1])
    return key, _field(parent, key) if parent else None


def _home_of(key: object, model: type[BaseModel], loc: Loc = ()) -> Loc | None:
    """Where a field named `key` lives in the model (case does not count), if anywhere."""
    for name, info in model.model_fields.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return loc
        bare = _bare(info.annotation)
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            found = _home_of(key, bare, (*loc, name))
            if found is not None:
                return found
    return None


def _flow(value: Any) -> str:
    """A value as the user would type it in YAML flow style."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = re.fullmatch(r"[A-Za-z0-9./_-][A-Za-z0-9./:_-]*", text)
    if plain and not re.fullmatch(r"[0-9.]+|true|false|null|yes|no|on|off", text, re.I):
        return text
    return json.dumps(text)


def _configmap_key(loc: Loc) -> str | None:
    for key, (path, _) in CONFIGMAP_PATHS.items():
        if loc[1 : 1 + len(path)] == path:
            return key
    return None


def _example(root: type[BaseModel], loc: Loc, configmap: bool, where: bool = False) -> str:
    """`e.g. key: value` for the field at `loc` as the user writes it (and where to look)."""
    key, info = _field_at(root, loc)
    if info is None or not info.examples:
        return ""
    example = info.examples[0]
    if configmap:
        text = ",".join(example) if isinstance(example, list) else str(example)
        written = f"{_configmap_key(loc) or key}: {json.dumps(text)}"
    elif isinstance(loc[-1], int) and isinstance(example, list):  # one item of a list
        written = json.dumps(example[0])
    else:
        written = f"{key}: {_flow(example)}"
    look = WHERE_TO_LOOK.get(key) if where else None
    return f"e.g. {written}" + (f" ({look})" if look else "")


def _or_default(info: FieldInfo | None) -> str:
    """`, or remove the line …` for a field that has a default."""
    if info is None or info.is_required():
        return ""
    default = info.get_default(call_default_factory=True)
    if isinstance(default, str):
        return f", or remove the line for the default {default}"
    return ", or remove the line" + ("" if default is None else " for the default")


def got(value: Any) -> str:
    """A wrong value, described; a string with '@' (credentials, maybe) is not repeated."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string" if "@" in value else f"the string {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime.date):
        return f"the date {value}"
    return f"a {type(value).__name__}"


def _takes(root: type[BaseModel], loc: Loc) -> str:
    """What the mapping at `loc` takes, e.g. `cluster takes podCIDRs, serviceCIDRs, …`."""
    model = _model_at(root, loc)
    names = ", ".join(model.model_fields) if model else ""
    where = next((str(p) for p in reversed(loc) if isinstance(p, str)), "a ClusterNetwork")
    return f"{where} takes {names}"


def _unknown_field(root: type[BaseModel], loc: Loc) -> str:
    parent, key = loc[:-1], loc[-1]
    model = _model_at(root, parent)
    guess = closest(key, _keys(model)) if model else None
    if guess:
        return f"unknown field; did you mean {guess}?"
    home = _home_of(key, root)
    if home is not None and home != parent:
        where = f"under {'.'.join(map(str, home))}" if home else "at the top of the document"
        return f"unknown field here; {key} belongs {where}"
    return f"unknown field; {_takes(root, parent)}"


def _wrong_type(root: type[BaseModel], item: ErrorDetails, configmap: bool) -> str:
    loc, value = tuple(item["loc"]), item["input"]
    key, info = _field_at(root, loc)
    model = _model_at(root, loc)
    expected = {"string_type": "a string", "list_type": "a list"}.get(item["type"], "a mapping")
    if model is not None:
        expected += f" ({', '.join(model.model_fields)})"
    problem = f"must be {expected}, got {got(value)}"
    if value is None:
        example = _example(root, loc, configmap, where=True)
        return f"{problem}; give one{', ' + example if example else ''}{_or_default(info)}"
    if item["type"] == "list_type" and isinstance(value, str) and "@" not in value:
        entries = [p.strip() for p in value.split(",") if p.strip()]
        return f"{problem}; write it as a list: {key}: {_flow(entries)}"
    if item["type"] == "string_type" and isinstance(value, bool | int | float | datetime.date):
        kind = got(value).split()[1]  # "the number 1.19" → number
        problem += f" (YAML reads this unquoted value as a {kind}: quote it)"
    example = _example(root, loc, configmap)
    return f"{problem}; {example}" if example else problem


def _choices(root: type[BaseModel], item: ErrorDetails) -> str:
    key, info = _field_at(root, tuple(item["loc"]))
    choices = [str(c) for c in get_args(_bare(info.annotation))] if info else []
    problem = f"must be {' or '.join(choices)}, got {got(item['input'])}"
    guess = closest(item["input"], choices)
    if guess:
        return f"{problem}; did you mean {guess}?"
    return f"{problem}; write {' or '.join(f'{key}: {c}' for c in choices)}{_or_default(info)}"


def _too_short(root: type[BaseModel], cidr: object, item: ErrorDetails, configmap: bool) -> str:
    loc = tuple(item["loc"])
    example = _example(root, loc, configmap, where=True)
    _, info = _field_at(root, loc)
    if isinstance(item["input"], list):
        what = "CIDR" if info and get_args(info.annotation) == (cidr,) else "entry"
        return f"the list is empty; give at least one {what}, {example}"
    return f"must not be empty; {example}{_or_default(info)}"


def _message(
    root: type[BaseModel], cidr: object, item: ErrorDetails, configmap: bool
) -> tuple[Loc, str]:
    """The location to name and the sentence for one pydantic error."""
    loc, kind = tuple(item["loc"]), item["type"]
    if kind == "extra_forbidden":
        return loc, _unknown_field(root, loc)
    if kind == "missing":
        missing = "required key is missing" if configmap else "required field is missing"
        example = _example(root, loc, configmap, where=True)
        return loc, f"{missing}; add it, {example}" if example else missing
    if kind in ("string_type", "list_type", "model_type", "dict_type", "model_attributes_type"):
        return loc, _wrong_type(root, item, configmap)
    if kind == "literal_error":
        return loc, _choices(root, item)
    if kind in ("bool_type", "bool_parsing"):
        key, info = _field_at(root, loc)
        data_key = _configmap_key(loc) if configmap else None
        if data_key is not None:  # ConfigMap values are strings
            fix = f'write {data_key}: "true" or {data_key}: "false"{_or_default(info)}'
        else:
            fix = f"write {key}: true or {key}: false{_or_default(info)}"
        return loc, f"must be true or false, got {got(item['input'])}; {fix}"
    if kind in ("too_short", "string_too_short"):
        return loc, _too_short(root, cidr, item, configmap)
    if kind == "invalid_key":
        key = item["input"]
        return loc[:-1], f"the key {key!r} is not a field name; {_takes(root, loc[:-1])}"
    return loc, item["msg"].removeprefix("Value error, ")


def _location(loc: Loc, configmap: bool) -> str:
    if configmap and loc[:1] == ("spec",):
        key = _configmap_key(loc)
        if key is None:  # a rule over several keys (no proxy given)
            return "data"
        path, _ = CONFIGMAP_PATHS[key]
        rest = loc[1 + len(path) :]
        return f"data.{key}" + "".join(f"[{p}]" for p in rest if isinstance(p, int))
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def explain(
    error: ValidationError, root: type[BaseModel], cidr: object, configmap: bool
) -> list[str]:
    """One line per error of `root` (the ClusterNetwork model): `path: problem; fix`. `cidr` is
    the CIDR item type, whose empty lists ask for a CIDR rather than an entry."""
    items = error.errors()
    # A misspelt field is also reported missing: the "did you mean" line says both.
    meant = {
        (*item["loc"][:-1], guess)
        for item in items
        if item["type"] == "extra_forbidden"
        and (model := _model_at(root, tuple(item["loc"][:-1])))
        and (guess := closest(item["loc"][-1], _keys(model)))
    }
    lines = []
    for item in items:
        if item["type"] == "missing" and tuple(item["loc"]) in meant:
            continue
        loc, message = _message(root, cidr, item, configmap)
        lines.append(f"{_location(loc, configmap)}: {message}")
    return lines


def as_written(problem: str, configmap: bool) -> str:
    """A spec.networkPolicy problem named as the user wrote the field: in the ConfigMap form by
    its data key, and told that extraEgress needs the ClusterNetwork form."""
    head, sep, rest = problem.partition(": ")
    found = re.fullmatch(r"spec((?:\.\w+)+)((?:\[\d+\])*)", head)
    if not configmap or found is None:
        return problem
    loc: Loc = ("spec", *found.group(1)[1:].split("."))
    loc += tuple(int(i) for i in re.findall(r"\d+", found.group(2)))
    if _configmap_key(loc) is not None:
        head = _location(loc, True)
    if "extraEgress" in rest:
        rest += " (extraEgress needs the ClusterNetwork form: a ConfigMap has no key for it)"
    return head + sep + rest
