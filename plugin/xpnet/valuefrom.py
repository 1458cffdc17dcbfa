"""Env entries set through valueFrom.configMapKeyRef, read from the ConfigMaps of the same input
as the kubelet reads them: data[key] of the ConfigMap of that name in the pod's namespace, and a
missing key leaves the variable unset (optional) or the container unstarted (kubernetes
pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables). Secrets are never read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from xpnet.credentials import remember
from xpnet.envvars import BYPASS_VARS
from xpnet.errors import XpnetError
from xpnet.install import CrossplaneInstall, EnvBlock, EnvVar, KeyRef, Resource, Role
from xpnet.records import NamedTuple
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    compose,
    get,
    get_in,
    is_null,
    scalar,
    style,
)
from xpnet.yaml.scan import Segment, outline
from xpnet.yaml.splice import NOT_A_STRING

_MISSING = object()  # a key the ConfigMap does not hold


class ConfigMap(NamedTuple):
    name: str
    namespace: str | None
    data: dict[str, str]
    refused: str = ""  # why the API server would not store it: then no key of it is known


def read(segments: Iterable[Segment]) -> dict[str, list[ConfigMap]]:
    """The ConfigMaps among the documents of an input, by name; one xpnet cannot parse is left
    out (the variables it would give stay unknown, as for a ConfigMap of the cluster)."""
    found: dict[str, list[ConfigMap]] = {}
    for segment in segments:
        kind = outline(segment).kind
        if kind != "ConfigMap" and (kind is not None or "ConfigMap" not in segment.text):
            continue
        try:
            root = compose(segment.text, "input", segment.line)
        except XpnetError:
            continue
        if not isinstance(root, MappingNode) or scalar(get(root, "kind")) != "ConfigMap":
            continue
        if scalar(get(root, "apiVersion")) != "v1":
            continue
        name = scalar(get_in(root, "metadata", "name"))
        if not name:
            continue
        data: dict[str, str] = {}
        refused = ""
        node = get(root, "data")
        for key, value in node.value if isinstance(node, MappingNode) else ():
            text, known = _string(key), _string(value)
            if text is None or known is None:
                shown = scalar(key) if isinstance(key, ScalarNode) else "a collection"
                refused = f"data key {shown} or its value is not a string"
                break
            data[text] = known
        namespace = scalar(get_in(root, "metadata", "namespace"))
        found.setdefault(name, []).append(ConfigMap(name, namespace, data, refused))
    return found


def _string(node: Node) -> str | None:
    """A data key or value as the API server stores it: null is "" (Go's JSON decoding of a
    map[string]string), a string is itself; None for what makes kubectl refuse the whole
    ConfigMap: a collection, a number, or a plain scalar that its YAML 1.1 reading
    (sigs.k8s.io/yaml) takes for a bool or number (yes, on, 0x1F; not 1:30, which it keeps)."""
    if is_null(node):
        return ""
    if not isinstance(node, ScalarNode) or not (node.tag or "").endswith(":str"):
        return None
    text = str(node.value)
    if style(node) is None and NOT_A_STRING.match(text) and ":" not in text:
        return None
    return text


def _candidates(
    found: dict[str, list[ConfigMap]], name: str, namespaces: tuple[str | None, ...]
) -> list[ConfigMap]:
    """The ConfigMaps a pod in one of `namespaces` reads by this name: those of its namespace,
    else those written without one (they land where the pod does when both are applied with
    the same -n or kustomize namespace); any of them where the pod's namespace is not known."""
    named = found.get(name, [])
    if None in namespaces:
        return named
    exact = [c for c in named if c.namespace in namespaces]
    return exact or [c for c in named if c.namespace is None]


def _where(configmap: ConfigMap) -> str:
    space = f"{configmap.namespace}/" if configmap.namespace else ""
    return f"ConfigMap {space}{configmap.name}"


def _resolved(var: EnvVar, ref: KeyRef, found: list[ConfigMap]) -> EnvVar:
    if not found:
        origin = f"ConfigMap {ref.name}, which is not in the input"
        return var._replace(origin=origin)
    refused = next((c for c in found if c.refused), None)
    if refused is not None:
        origin = f"{_where(refused)}, which Kubernetes refuses ({refused.refused})"
        return var._replace(origin=origin)
    values = {c.data.get(ref.key, _MISSING) for c in found}
    if len(values) > 1:
        origin = f"ConfigMaps named {ref.name} of the input, which disagree on key {ref.key}"
        return var._replace(origin=origin)
    (value,) = values
    where = f"{_where(found[0])} key {ref.key}"
    if value is _MISSING:
        return var._replace(origin=where, absent=True)
    assert isinstance(value, str)
    if "@" in value:  # what a message about it may quote, noted for scrub()
        remember(value)
    return var._replace(value=value, origin=where)


def expand(value: str, known: Mapping[str, str | None]) -> tuple[str, tuple[str, ...]]:
    """A value as the kubelet expands it: $(NAME) replaced by NAME's value, $$ read as $; with
    the names whose value is not known (None or not in `known`), left as written."""
    out: list[str] = []
    unknown: list[str] = []
    at = 0
    while (cursor := value.find("$", at)) != -1 and cursor + 1 < len(value):
        out.append(value[at:cursor])
        follows = value[cursor + 1]
        close = value.find(")", cursor + 2) if follows == "(" else -1
        if follows == "$":
            out.append("$")
        elif close != -1:
            name = value[cursor + 2 : close]
            found = known.get(name)
            if found is None:
                unknown.append(name)
                found = f"$({name})"
            out.append(found)
            cursor = close - 1
        else:
            out.append("$" + follows)
        at = cursor + 2
    out.append(value[at:])
    return "".join(out), tuple(dict.fromkeys(unknown))


def _expanded(env: tuple[EnvVar, ...], keyed: bool, known: dict[str, str | None]) -> list[EnvVar]:
    """The NO_PROXY variables with their $(VAR) references expanded from the entries before
    them, where all are known: xpnet reads and merges their entries (lower-cased, which would
    break a reference); with a reference it cannot read, the variable is unknown."""
    out = list(env)
    # Chart values are rendered sorted by name after the chart's own entries.
    order = sorted(range(len(env)), key=lambda i: env[i].name) if keyed else range(len(env))
    for i in order:
        var = env[i]
        if var.name in BYPASS_VARS and var.value and not var.from_ref and "$" in var.value:
            value, unknown = expand(var.value, known)
            if unknown:
                var = var._replace(value=None, from_ref=True, unresolved=unknown)
            else:
                var = var._replace(value=value)
        out[i] = var
        known[var.name] = None if var.absent else var.value
    return out


def _block(
    block: EnvBlock, found: dict[str, list[ConfigMap]], spaces: tuple[str | None, ...]
) -> EnvBlock:
    env = tuple(
        _resolved(v, v.ref, _candidates(found, v.ref.name, spaces)) if v.ref else v
        for v in block.env
    )
    if not block.env_from:
        if any(v.value and "$" in v.value for v in env):
            env = tuple(_expanded(env, block.keyed, {}))
        return block._replace(env=env)
    # envFrom: every key of each source, prefixed; a later source wins over an earlier one, and
    # env over them all (envFrom in https://kubernetes.io/docs/reference/kubernetes-api/
    # workload-resources/pod-v1/#environment-variables).
    written = {v.name for v in env}
    added: dict[str, EnvVar] = {}
    unread = []
    for source in block.env_from:
        candidates = _candidates(found, source.name, spaces) if source.kind == "ConfigMap" else []
        datas = {tuple(sorted(c.data.items())) for c in candidates}
        if not candidates or len(datas) > 1 or any(c.refused for c in candidates):
            unread.append(f"{source.kind} {source.name}")
            continue
        origin = f"envFrom {_where(candidates[0])}"
        for key, value in candidates[0].data.items():
            name = source.prefix + key
            if name not in written:
                if "@" in value:
                    remember(value)
                added[name] = EnvVar(name, value, False, block.line, origin=origin)
    if any(v.value and "$" in v.value for v in env):
        # envFrom's variables come first; an unread source may hold any name, so none is known.
        known: dict[str, str | None] = {} if unread else {n: v.value for n, v in added.items()}
        env = tuple(_expanded(env, block.keyed, known))
    return block._replace(env=env + tuple(added.values()), unread_from=tuple(unread))


def _namespaces(resource: Resource, install: CrossplaneInstall) -> tuple[str | None, ...]:
    """Where the resource's pods run: a Deployment's own namespace, a runtime config's pods in
    Crossplane's."""
    if resource.role in (Role.RUNTIME_CONFIG, Role.CONTROLLER_CONFIG):
        return install.namespaces
    return (resource.pods_namespace,)


def reads(resource: Resource) -> bool:
    """Whether an env entry or envFrom source of the resource reads a ConfigMap or Secret."""
    return any(b.env_from or any(v.ref for v in b.env) for b in resource.blocks)


def _refers(resource: Resource) -> bool:
    """Whether a NO_PROXY value of the resource may hold a $(VAR) reference."""
    return any(
        v.value and "$" in v.value and v.name in BYPASS_VARS for b in resource.blocks for v in b.env
    )


def needed(installs: Iterable[CrossplaneInstall]) -> bool:
    """Whether any env entry or envFrom source of the installs reads a ConfigMap or Secret, or
    a NO_PROXY value refers to another variable."""
    return any(reads(r) or _refers(r) for i in installs for r in i.resources)


def resolve(
    installs: tuple[CrossplaneInstall, ...], segments: Callable[[], Iterable[Segment]]
) -> tuple[CrossplaneInstall, ...]:
    """The installs with every configMapKeyRef entry read from the input's ConfigMaps where it
    can be; the input's documents are looked at only when some entry needs them."""
    if not needed(installs):
        return installs
    found = read(segments())
    new: dict[int, Resource] = {}
    for install in installs:
        for resource in install.resources:
            if reads(resource) or _refers(resource):
                spaces = _namespaces(resource, install)
                blocks = tuple(_block(b, found, spaces) for b in resource.blocks)
                new[id(resource)] = resource._replace(blocks=blocks)

    def swap(resource: Resource) -> Resource:
        return new.get(id(resource), resource)

    return tuple(
        install._replace(
            resources=tuple(swap(r) for r in install.resources),
            core=swap(install.core) if install.core is not None else None,
            covers=tuple(swap(c) for c in install.covers),
        )
        for install in installs
    )
