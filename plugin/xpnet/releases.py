"""Chart values as an install (issue 11): a Flux HelmRelease, an Argo CD Application or a plain
values file of the crossplane chart becomes the resources its rendering holds, with the chart's
extraEnvVars* maps as their env blocks.

The chart renders each key of those maps, `.` replaced by `_`, as an env entry after its
built-in ones, and no built-in entry is a proxy variable (FACTS.md §8; the chart sources in
shared/crossplane/charts): so the maps alone decide the proxy settings of the rendered
containers, and the same rules judge them."""

from __future__ import annotations

import re

from xpnet.credentials import redact
from xpnet.envvars import BYPASS_VARS, PROXY_URL_VARS
from xpnet.errors import InputError
from xpnet.install import EnvBlock, EnvVar, Resource, Role, classify
from xpnet.records import NamedTuple
from xpnet.versions import CrossplaneVersion, from_text, unknown
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    get,
    get_in,
    is_merge,
    is_null,
    merged_sources,
    raw_compose,
    scalar,
    style,
)
from xpnet.yaml.scan import Segment
from xpnet.yaml.stream import Document

CHART = "crossplane"
CORE_KEY = "extraEnvVarsCrossplane"
INIT_KEY = "extraEnvVarsCrossplaneInit"  # read from chart v2.0 (FACTS.md §8)
RBAC_KEY = "extraEnvVarsRBACManager"
ENV_KEYS = (CORE_KEY, INIT_KEY, RBAC_KEY)
FIRST_INIT_CHART = 2
_EXACT = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$")
_STR = "tag:yaml.org,2002:str"
_CHECKED = (*PROXY_URL_VARS, *BYPASS_VARS)


class Release(NamedTuple):
    """One rendering of the crossplane chart: where its values are and what is known of it."""

    kind: str
    api_version: str
    name: str
    namespace: str | None  # the resource's own
    runs_in: str | None  # where the chart installs (Crossplane's namespace)
    chart_version: str | None  # exact, else None
    version: CrossplaneVersion  # what the core image will be
    doc: Document  # the document holding the values (the inner one for a values string)
    path: tuple[str | int, ...]  # the values mapping in `doc`
    field: str  # the same, for messages
    values: MappingNode | None  # None when absent (fix creates it)
    line: int

    @property
    def ref(self) -> str:
        if not self.name:
            return self.kind
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{where}{self.name}"


def _line(doc: Document, node: Node) -> int:
    return doc.segment.line + int(node.start_mark.line)


def _refuse(doc: Document, node: Node, where: str, problem: str) -> InputError:
    return InputError(doc.source, [f"line {_line(doc, node)}: {where}: {problem}"])


def exact(text: str | None) -> str | None:
    """A version that names one release (`1.20.1`, `v2.1.8`), else None (a range, `*`, a
    branch)."""
    return text.strip() if text and _EXACT.match(text.strip()) else None


def chart_major(version: str | None) -> int | None:
    return int(version.lstrip("v").split(".")[0]) if version else None


def _version(
    values: MappingNode | None, chart: str | None, where: str, *more: MappingNode | None
) -> CrossplaneVersion:
    """The chart renders image.tag, else v<appVersion> (= the chart version for Crossplane's
    charts); image.ignoreTag drops the tag. `more`: values merged under `values`."""
    image = next((i for v in (values, *more) if (i := get(v, "image")) is not None), None)
    if scalar(get(image, "ignoreTag")) == "true":
        return unknown(f"{where}: image.ignoreTag renders the image without a tag")
    tag = scalar(get(image, "tag"))
    if tag:
        return from_text(tag, f"{where}.image.tag")
    if chart:
        return from_text(chart, f"chart version {chart}")
    return unknown(f"{where}: no exact chart version and no image.tag")


def _pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    """A mapping's key/value pairs as YAML means them: merged ones first, own ones win."""
    out: list[tuple[Node, Node]] = []
    for merged in reversed(merged_sources(node)):
        out += _pairs(merged)
    own = [(k, v) for k, v in node.value if not is_merge(k)]
    names = {scalar(k) for k, _ in own}
    return [(k, v) for k, v in out if scalar(k) not in names] + own


def _env(release: Release, key: str) -> tuple[EnvVar, ...]:
    """An extraEnvVars* map as the env entries the chart renders from it."""
    doc, where = release.doc, f"{release.ref}: {_field(release, key)}"
    node = get(release.values, key)
    if node is None or is_null(node):
        return ()
    if not isinstance(node, MappingNode):
        raise _refuse(
            doc,
            node,
            where,
            "must be a map of NAME: value (the chart renders each key as an env entry); an env "
            "list belongs in a manifest",
        )
    found: dict[str, EnvVar] = {}
    for k, v in _pairs(node):
        text = k.value if isinstance(k, ScalarNode) and (k.tag or "").endswith(":str") else None
        if text is None:
            shown = scalar(k) if isinstance(k, ScalarNode) else "a collection"
            raise _refuse(doc, k, where, f"the key {shown} is not a string; quote it")
        name = text.replace(".", "_")  # the chart: {{ $key | replace "." "_" }}
        if name in found:
            raise _refuse(
                doc,
                k,
                where,
                f"{found[name].key} and {text} both render as {name}; keep one",
            )
        if is_null(v):
            value: str | None = ""
        elif isinstance(v, ScalarNode) and (v.tag or "").endswith(":str"):
            value = str(v.value)
        elif name in _CHECKED:
            shown = redact(str(scalar(v))) if isinstance(v, ScalarNode) else "a collection"
            raise _refuse(doc, v, where, f"{text}: {shown} is not a string; quote it")
        else:
            value = scalar(v)
        found[name] = EnvVar(name, value, False, _line(doc, k), key=text)
    return tuple(found.values())


def _field(release: Release, key: str) -> str:
    return f"{release.field}.{key}" if release.field else key


def _block(release: Release, key: str, *, init: bool) -> EnvBlock:
    node = get(release.values, key)
    where = node if node is not None else release.values
    return EnvBlock(
        container=None,
        init=init,
        main=not init,
        exists=True,
        env=_env(release, key),
        holder_path=release.path,
        field_path=_field(release, key),
        line=_line(release.doc, where) if where is not None else release.line,
        env_key=key,
        keyed=True,
    )


def _resources(release: Release) -> tuple[Resource, ...]:
    """The core and RBAC manager Deployments the release renders, as far as env goes."""
    major = chart_major(release.chart_version)
    blocks = [_block(release, CORE_KEY, init=False)]
    ignored: tuple[str, ...] = ()
    if major is None or major >= FIRST_INIT_CHART:
        blocks.append(_block(release, INIT_KEY, init=True))
    elif get(release.values, INIT_KEY) is not None:
        ignored = (INIT_KEY,)

    def resource(role: Role, blocks: list[EnvBlock]) -> Resource:
        return Resource(
            role=role,
            api_version=release.api_version,
            kind=release.kind,
            name=release.name,
            namespace=release.namespace,
            blocks=tuple(blocks),
            doc=release.doc,
            version=release.version,
            runs_in=release.runs_in,
            release=(release.doc.top.index, release.path),
            ignored=ignored if role is Role.CORE else (),
            chart_version=release.chart_version,
        )

    return (
        resource(Role.CORE, blocks),
        resource(Role.RBAC_MANAGER, [_block(release, RBAC_KEY, init=False)]),
    )


def _other(doc: Document, what: str) -> tuple[Resource, ...]:
    root = doc.root
    return (
        Resource(
            role=Role.OTHER,
            api_version=scalar(get(root, "apiVersion")) or "",
            kind=scalar(get(root, "kind")) or "",
            name=scalar(get_in(root, "metadata", "name")) or "",
            namespace=scalar(get_in(root, "metadata", "namespace")),
            blocks=(),
            doc=doc,
            note=what,
        ),
    )


def _mapping(doc: Document, node: Node | None, where: str) -> MappingNode | None:
    if node is None or is_null(node):
        return None
    if not isinstance(node, MappingNode):
        raise _refuse(doc, node, where, "chart values must be a mapping")
    return node


def _mentions_env(values: MappingNode | None) -> bool:
    return any(get(values, k) is not None for k in ENV_KEYS)


def _chart_name(text: str | None) -> str | None:
    return text.rstrip("/").rsplit("/", 1)[-1] if text else None


def helm_release(doc: Document) -> tuple[Resource, ...]:
    """A Flux HelmRelease (helm.toolkit.fluxcd.io v2, v2beta1, v2beta2): spec.values; the
    release installs into spec.targetNamespace, else the HelmRelease's own namespace."""
    root = doc.root
    name = scalar(get_in(root, "metadata", "name")) or ""
    namespace = scalar(get_in(root, "metadata", "namespace"))
    ref = f"HelmRelease/{namespace}/{name}" if namespace else f"HelmRelease/{name}"
    values = _mapping(doc, get_in(root, "spec", "values"), f"{ref}: spec.values")
    chart = _chart_name(scalar(get_in(root, "spec", "chart", "spec", "chart")))
    chart_ref = scalar(get_in(root, "spec", "chartRef", "name"))
    ours = chart == CHART or (chart is None and CHART in (chart_ref or ""))
    if not ours and not _mentions_env(values):
        shown = chart or (f"chartRef {chart_ref}" if chart_ref else "not named")
        return _other(doc, f"its chart is {shown}, not {CHART}")
    chart_version = exact(scalar(get_in(root, "spec", "chart", "spec", "version")))
    if chart_ref is not None:
        chart_version = None  # the referenced source says, not this document
    release = Release(
        kind="HelmRelease",
        api_version=scalar(get(root, "apiVersion")) or "",
        name=name,
        namespace=namespace,
        runs_in=scalar(get_in(root, "spec", "targetNamespace")) or namespace,
        chart_version=chart_version,
        version=_version(values, chart_version, f"{ref}: spec.values"),
        doc=doc,
        path=("spec", "values"),
        field="spec.values",
        values=values,
        line=_line(doc, get(root, "spec") or root),
    )
    return _resources(release)


def _inner(doc: Document, node: ScalarNode, path: tuple[str | int, ...], where: str) -> Document:
    """The document written as a YAML string at `node` (Argo CD's helm.values)."""
    text = str(node.value)
    first = _line(doc, node) + (1 if style(node) in ("|", ">") else 0)
    try:
        root = raw_compose(text)
    except Exception as error:
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise _refuse(doc, node, where, f"is not YAML ({problem}); fix the string") from None
    if not isinstance(root, MappingNode):
        raise _refuse(doc, node, where, "must hold a mapping of chart values")
    segment = Segment(0, len(text), text, first)
    return Document(doc.index, segment, root, doc.source, doc.stream, outer=doc, path=path)


def _application_source(
    doc: Document, source: MappingNode, at: tuple[str | int, ...], app: dict[str, str | None]
) -> tuple[Resource, ...] | None:
    """One source of an Application, when it is the crossplane chart."""
    field = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in at).replace(".[", "[")
    where = f"{app['ref']}: {field}"
    helm = get(source, "helm")
    obj_node = get(helm, "valuesObject")
    obj = _mapping(doc, obj_node, f"{where}.helm.valuesObject")
    text_node = get(helm, "values")
    inner: Document | None = None
    if text_node is not None and not is_null(text_node):
        if not isinstance(text_node, ScalarNode) or (text_node.tag or "") != _STR:
            raise _refuse(doc, text_node, f"{where}.helm.values", "must be a YAML string")
        if str(text_node.value).strip():
            inner = _inner(doc, text_node, (*at, "helm", "values"), f"{where}.helm.values")
    chart = _chart_name(scalar(get(source, "chart")) or scalar(get(source, "path")))
    mentions = _mentions_env(obj) or (inner is not None and _mentions_env(inner.root))
    if chart != CHART and not mentions:
        return None
    if obj is not None and inner is not None and _mentions_env(inner.root):
        raise _refuse(
            doc,
            text_node or source,
            f"{where}.helm",
            "both helm.values and helm.valuesObject are set and helm.values sets extraEnvVars*; "
            "Argo CD merges them (valuesObject wins): keep the proxy variables in one of them",
        )
    params = get(helm, "parameters")
    for param in params.value if isinstance(params, SequenceNode) else ():
        pname = scalar(get(param, "name")) or ""
        if pname.split(".", 1)[0] in ENV_KEYS:
            raise _refuse(
                doc,
                param,
                f"{where}.helm.parameters",
                f"{pname} is set as a parameter, which overrides values and which xpnet does "
                "not rewrite: move it into helm.valuesObject",
            )
    chart_version = exact(scalar(get(source, "targetRevision")))
    values_doc: Document
    path: tuple[str | int, ...]
    values: MappingNode | None
    if inner is not None and obj is None:
        values_doc, path, values, vfield = inner, (), inner.root, f"{field}.helm.values"
        line = inner.segment.line
    else:
        values_doc, path, values = doc, (*at, "helm", "valuesObject"), obj
        vfield, line = f"{field}.helm.valuesObject", _line(doc, source)
    release = Release(
        kind="Application",
        api_version=app["api_version"] or "",
        name=app["name"] or "",
        namespace=app["namespace"],
        runs_in=app["runs_in"],
        chart_version=chart_version,
        version=_version(obj, chart_version, where, inner.root if inner else None),
        doc=values_doc,
        path=path,
        field=vfield,
        values=values,
        line=line,
    )
    return _resources(release)


def application(doc: Document) -> tuple[Resource, ...]:
    """An Argo CD Application (argoproj.io/v1alpha1): spec.source and each of spec.sources[],
    with helm.valuesObject or helm.values (a YAML string); the destination namespace."""
    root = doc.root
    name = scalar(get_in(root, "metadata", "name"))
    namespace = scalar(get_in(root, "metadata", "namespace"))
    app = {
        "ref": f"Application/{namespace}/{name}" if namespace else f"Application/{name}",
        "api_version": scalar(get(root, "apiVersion")),
        "name": name,
        "namespace": namespace,
        "runs_in": scalar(get_in(root, "spec", "destination", "namespace")),
    }
    found: list[Resource] = []
    single = get_in(root, "spec", "source")
    if isinstance(single, MappingNode):
        found += _application_source(doc, single, ("spec", "source"), app) or ()
    many = get_in(root, "spec", "sources")
    if isinstance(many, SequenceNode):
        for i, item in enumerate(many.value):
            if isinstance(item, MappingNode):
                found += _application_source(doc, item, ("spec", "sources", i), app) or ()
    return tuple(found) or _other(doc, f"no source is the {CHART} chart")


def values_file(doc: Document) -> tuple[Resource, ...]:
    """A chart values file given with --values (and --chart-version, --namespace)."""
    chart = doc.values
    assert chart is not None
    chart_version = exact(chart.chart_version)
    release = Release(
        kind="chart values",
        api_version="",
        name="",
        namespace=None,
        runs_in=chart.namespace,
        chart_version=chart_version,
        version=_version(doc.root, chart_version, "the values"),
        doc=doc,
        path=(),
        field="",
        values=doc.root,
        line=doc.segment.line,
    )
    return _resources(release)


def resources(doc: Document) -> tuple[Resource, ...]:
    """The resources a document holds: chart values become the Deployments they render."""
    if doc.values is not None:
        return values_file(doc)
    root = doc.root
    kind = scalar(get(root, "kind"))
    group = (scalar(get(root, "apiVersion")) or "").split("/", 1)[0]
    if kind == "HelmRelease" and group == "helm.toolkit.fluxcd.io":
        return helm_release(doc)
    if kind == "Application" and group == "argoproj.io":
        return application(doc)
    found = classify(doc)
    return (found,) if found is not None else ()
