"""Chart values as an install: a Flux HelmRelease, an Argo CD Application or ApplicationSet, a
values file of the crossplane chart or of a chart that depends on it (its values under the
dependency's name), also inside a `kind: List`, becomes the resources its rendering holds, with
the chart's extraEnvVars* maps as their env blocks.

The chart renders each key of those maps, `.` replaced by `_`, as an env entry after its
built-in ones, and no built-in entry is a proxy variable
(https://github.com/crossplane/crossplane/tree/main/cluster/charts/crossplane/templates): the
maps, the sidecars and what is applied after the values (Argo CD parameters, Flux
post-renderers) decide the proxy settings of the rendered containers, and the same rules judge
them. Every field of the tools is read, or named in a finding (XPN040-XPN042) where xpnet cannot
see or follow it; docs/how-to/helm-values.md lists each field and the decision."""

from __future__ import annotations

import re
from collections.abc import Iterator

from xpnet import postrender, strvals
from xpnet.credentials import redact
from xpnet.envvars import BYPASS_VARS, PROXY_URL_VARS
from xpnet.errors import InputError
from xpnet.install import EnvBlock, EnvVar, Notice, Resource, Role, classify
from xpnet.install import _env as env_entries  # a container's env list, as in a manifest
from xpnet.records import NamedTuple
from xpnet.versions import CrossplaneVersion, from_image, from_text, unknown
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    compose_values,
    get,
    get_in,
    is_merge,
    is_null,
    merged_sources,
    scalar,
    style,
    walk,
)
from xpnet.yaml.scan import Segment
from xpnet.yaml.stream import Document

CHART = "crossplane"
CORE_KEY = "extraEnvVarsCrossplane"
INIT_KEY = "extraEnvVarsCrossplaneInit"  # read from chart v2.0
RBAC_KEY = "extraEnvVarsRBACManager"
ENV_KEYS = (CORE_KEY, INIT_KEY, RBAC_KEY)
SIDECARS = "sidecarsCrossplane"  # containers beside the core's, rendered as written
EXTRA_OBJECTS = "extraObjects"  # manifests rendered with the chart
FIRST_INIT_CHART = 2
FIRST_SIDECARS_CHART = (2, 2)  # sidecarsCrossplane: crossplane/crossplane#7007, chart v2.2
# Top-level keys of the crossplane chart's values (its values.yaml, e.g.
# tests/fixtures/crossplane/charts/crossplane-2.1.8/values.yaml; docs/how-to/helm-values.md):
# a file holding them and no `kind` is chart values, not a manifest.
VALUES_KEYS = (
    *ENV_KEYS,
    SIDECARS,
    "image",
    "args",
    "registryCaBundleConfig",
    "rbacManager",
    "packageCache",
    "functionCache",
    "resourcesCrossplane",
    "securityContextCrossplane",
    "podSecurityContextCrossplane",
    "extraVolumesCrossplane",
    "extraVolumeMountsCrossplane",
)
_TOP_KEY = re.compile(r"(?m)^([A-Za-z][A-Za-z0-9]*)[ \t]*:")
# image.repository's default: the Upbound registry before chart 1.20.
REPOSITORY = "xpkg.crossplane.io/crossplane/crossplane"
OLD_REPOSITORY = "xpkg.upbound.io/crossplane/crossplane"
# Values paths xpnet reads beside the env maps; a value set where xpnet cannot see it changes
# the version (the first ones) or what the chart renders (the others).
VERSION_PATHS = (("image", "tag"), ("image", "ignoreTag"), ("image", "repository"))
SCALAR_PATHS = (("nameOverride",), ("hostNetwork",), ("dnsPolicy",), ("rbacManager", "deploy"))
_EXACT = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$")
_STR = "tag:yaml.org,2002:str"
_CHECKED = (*PROXY_URL_VARS, *BYPASS_VARS)
# YAML 1.1 spellings of false, which Helm's parser (sigs.k8s.io/yaml) reads as false.
_FALSE = frozenset({"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"})
TEMPLATE = "{{"  # an ApplicationSet fills these in per generated Application
SUBSTITUTE = "${"  # Flux's post-build substitution fills these in
_SUBCHART_DEPTH = 8  # how deep a chart's dependencies are looked for in its values

Path = tuple[str | int, ...]


class Setting(NamedTuple):
    """A value set after the values mapping, as `--set` does (an Argo CD parameter or file
    parameter); its path is relative to the crossplane chart's values."""

    path: Path
    value: strvals.Value | None  # None: in a file xpnet cannot read
    owner: str  # the field that sets it
    line: int


class Release(NamedTuple):
    """One rendering of the crossplane chart: where its values are and what is known of it."""

    kind: str
    api_version: str
    name: str
    namespace: str | None  # the resource's own
    runs_in: str | None  # where the chart installs (Crossplane's namespace)
    chart_version: str | None  # exact, else None
    doc: Document  # the document holding the values (the inner one for a values string)
    path: Path  # the values mapping in `doc`
    field: str  # the same, for messages
    values: MappingNode | None  # None when absent (fix creates it)
    line: int
    settings: tuple[Setting, ...] = ()
    # Why values xpnet cannot see may set image.tag, which then decides the version.
    unseen: str | None = None
    locked: str | None = None  # why fix cannot rewrite the values
    templated: bool = False  # an ApplicationSet's template: `{{...}}` is filled in later
    substituted: bool = False  # Flux: `${VAR}` is filled in by postBuild before applying
    outer: Document | None = None  # the document of the HelmRelease, for its post-renderers
    post_at: Path | None = None  # where its spec.postRenderers are
    notices: tuple[Notice, ...] = ()
    chart_name: str = CHART  # as rendered: see _Source

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


def _dotted(at: Path) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in at).replace(".[", "[")


def notice(rule: str, field: str, line: int, what: str) -> Notice:
    """A finding about a field of chart values; the block only names the field and its line."""
    block = EnvBlock(
        container=None,
        init=False,
        main=False,
        exists=True,
        env=(),
        holder_path=(),
        field_path=field,
        line=line,
        env_key=field,
        keyed=True,
    )
    return Notice(rule, block, what)


def exact(text: str | None) -> str | None:
    """A version that names one release (`1.20.1`, `v2.1.8`), else None (a range, `*`, a
    branch)."""
    return text.strip() if text and _EXACT.match(text.strip()) else None


def chart_major(version: str | None) -> int | None:
    return int(version.lstrip("v").split(".")[0]) if version else None


def _pairs(node: MappingNode) -> list[tuple[Node, Node]]:
    """A mapping's key/value pairs as YAML means them: merged ones first, own ones win."""
    out: list[tuple[Node, Node]] = []
    for merged in reversed(merged_sources(node)):
        out += _pairs(merged)
    own = [(k, v) for k, v in node.value if not is_merge(k)]
    names = {scalar(k) for k, _ in own}
    return [(k, v) for k, v in out if scalar(k) not in names] + own


def _truthy(node: Node | None) -> bool | None:
    """A value as a chart's `if` takes it; None when absent (the chart's default applies). A
    null deletes the default, which leaves nothing: false."""
    if node is None:
        return None
    if is_null(node):
        return False
    if isinstance(node, ScalarNode):
        tag = node.tag or ""
        text = str(node.value)
        if tag.endswith(":str") and style(node) is not None:
            return text != ""
        if text in _FALSE or (tag.endswith(":bool") and text.lower() == "false"):
            return False
        if tag.endswith((":int", ":float")):
            return text.lstrip("+-0.") != ""
        return text != ""
    return bool(node.value)


class _Values:
    """The crossplane chart's values of one release as the chart sees them: the mapping, then
    the settings applied after it (last one wins)."""

    def __init__(self, release: Release) -> None:
        self.values = release.values
        self.settings = {s.path: s for s in release.settings}

    def setting(self, path: Path) -> Setting | None:
        return self.settings.get(path)

    def node(self, path: Path) -> Node | None:
        node: Node | None = self.values
        for key in path:
            if not isinstance(key, str):
                return None
            node = get(node, key)
        return node

    def text(self, path: Path) -> str | None:
        """A scalar as the chart renders it; None when absent, null or unknown."""
        found = self.setting(path)
        if found is not None:
            return found.value.text if found.value is not None else None
        node = self.node(path)
        return scalar(node) if isinstance(node, ScalarNode) else None

    def truthy(self, path: Path) -> bool | None:
        found = self.setting(path)
        if found is not None:
            if found.value is None:
                return None
            if found.value.text is None:
                return False
            text = found.value.text
            return text != "" if found.value.is_string else text not in ("false", "0")
        return _truthy(self.node(path))


def _version(release: Release, values: _Values, image: str | None) -> CrossplaneVersion:
    """The chart renders image.tag, else v<appVersion> (= the chart version for Crossplane's
    charts); image.ignoreTag drops the tag; a post-renderer may change the image."""
    where = f"{release.ref}: {release.field or 'the values'}"
    if image is not None:
        return from_image(image)
    for path in VERSION_PATHS[:2]:
        found = values.setting(path)
        if found is not None and found.value is None:
            return unknown(f"{found.owner} sets {'.'.join(map(str, path))} from a file")
    if values.truthy(("image", "ignoreTag")):
        return unknown(f"{where}: image.ignoreTag renders the image without a tag")
    tag = values.text(("image", "tag"))
    if tag:
        return from_text(tag, f"{where}.image.tag")
    if release.unseen:
        return unknown(release.unseen)
    if release.chart_version:
        return from_text(release.chart_version, f"chart version {release.chart_version}")
    return unknown(f"{where}: no exact chart version and no image.tag")


def _image(release: Release, values: _Values) -> str | None:
    """The core image the chart renders, where it is known (for post-renderer image edits)."""
    repository = values.text(("image", "repository"))
    if not repository:
        numbers = re.match(r"v?(\d+)\.(\d+)", release.chart_version or "")
        old = numbers is not None and (int(numbers[1]), int(numbers[2])) < (1, 20)
        repository = OLD_REPOSITORY if old else REPOSITORY
    if values.truthy(("image", "ignoreTag")):
        return repository
    tag = values.text(("image", "tag"))
    if not tag and release.chart_version:
        tag = f"v{release.chart_version.lstrip('v')}"
    return f"{repository}:{tag}" if tag else None


def _env(release: Release, values: _Values, key: str, notices: list[Notice]) -> tuple[EnvVar, ...]:
    """An extraEnvVars* map, with the settings made after it, as the env entries the chart
    renders from it."""
    doc, where = release.doc, f"{release.ref}: {_field(release, key)}"
    node = get(release.values, key)
    entries: dict[str, tuple[Node | None, str | None, Setting | None]] = {}
    if node is not None and not is_null(node):
        if not isinstance(node, MappingNode):
            raise _refuse(
                doc,
                node,
                where,
                "must be a map of NAME: value (the chart renders each key as an env entry); an "
                "env list belongs in a manifest",
            )
        for key_node, v in _pairs(node):
            text = (
                key_node.value
                if isinstance(key_node, ScalarNode) and (key_node.tag or "").endswith(":str")
                else None
            )
            if text is None:
                shown = scalar(key_node) if isinstance(key_node, ScalarNode) else "a collection"
                raise _refuse(doc, key_node, where, f"the key {shown} is not a string; quote it")
            entries[text] = (key_node, _value(doc, text, v, where), None)
    for later in release.settings:
        if len(later.path) == 2 and later.path[0] == key:
            name = str(later.path[1])
            if later.value is None:
                entries.pop(name, None)  # a file's content: unknown, and said (XPN041)
            elif not later.value.is_list:
                # null leaves the entry with an empty value (Helm keeps a null that the chart's
                # defaults do not hold)
                entries[name] = (None, later.value.text or "", later)
    found: dict[str, EnvVar] = {}
    for text, (k, value, setting) in entries.items():
        name = text.replace(".", "_")  # the chart: {{ $key | replace "." "_" }}
        if name in found:
            problem = f"{found[name].key} and {text} both render as {name}; keep one"
            if k is None:
                raise InputError(doc.source, [f"{where}: {problem}"])
            raise _refuse(doc, k, where, problem)
        unknown_value = _placeholder(release, text + (value or ""))
        if unknown_value:
            line = _line(doc, k) if k is not None else release.line
            what = f"{name} is {unknown_value}: xpnet cannot know its value"
            notices.append(notice("XPN041", _field(release, key), line, what))
            continue
        line = setting.line if setting is not None else _line(doc, k) if k is not None else 0
        owner = setting.owner if setting is not None else None
        found[name] = EnvVar(name, value, False, line, key=text, owner=owner)
    return tuple(found.values())


def _placeholder(release: Release, text: str) -> str | None:
    """What fills a value in after xpnet reads it, when one does."""
    if release.templated and TEMPLATE in text:
        return "a template that Argo CD fills in for each generated Application"
    if release.substituted and SUBSTITUTE in text:
        return (
            "a variable that Flux substitutes before it applies the HelmRelease (a "
            "Kustomization's spec.postBuild, https://fluxcd.io/flux/components/kustomize/"
            "kustomizations/#post-build-variable-substitution)"
        )
    return None


def _value(doc: Document, text: str, node: Node, where: str) -> str | None:
    """The env value the chart renders from a map value (`quote`)."""
    name = text.replace(".", "_")
    if is_null(node):
        return ""
    if isinstance(node, ScalarNode) and (node.tag or "").endswith(":str"):
        return str(node.value)
    if name in _CHECKED:
        shown = redact(str(scalar(node))) if isinstance(node, ScalarNode) else "a collection"
        raise _refuse(doc, node, where, f"{text}: {shown} is not a string; quote it")
    return scalar(node)


def _field(release: Release, key: str) -> str:
    return f"{release.field}.{key}" if release.field else key


def _merged(env: tuple[EnvVar, ...], later: list[EnvVar]) -> tuple[EnvVar, ...]:
    """Env entries with a strategic-merge patch's entries merged in by name (kustomize keeps an
    entry's place and appends new ones)."""
    out = {e.name: e for e in env}
    for var in later:
        out[var.name] = var
    return tuple(out.values())


def _block(
    release: Release,
    values: _Values,
    key: str,
    notices: list[Notice],
    *,
    init: bool,
    patched: list[EnvVar],
) -> EnvBlock:
    node = get(release.values, key)
    where = node if node is not None else release.values
    return EnvBlock(
        container=None,
        init=init,
        main=not init,
        exists=True,
        env=_merged(_env(release, values, key, notices), patched),
        holder_path=release.path,
        field_path=_field(release, key),
        line=_line(release.doc, where) if where is not None else release.line,
        env_key=key,
        keyed=True,
        locked=release.locked or _locked(release, key),
    )


def _locked(release: Release, key: str) -> str | None:
    """Why fix cannot write a map: a file parameter sets one of its entries."""
    for s in release.settings:
        if s.path[:1] == (key,) and s.value is None:
            return f"{s.owner} sets {'.'.join(map(str, s.path))} from a file xpnet cannot read"
    return None


def _sidecars(
    release: Release, notices: list[Notice], patched: dict[tuple[str, str, bool], list[EnvVar]]
) -> list[EnvBlock]:
    """sidecarsCrossplane: containers the chart renders into the core's pod as written (through
    `tpl`, so a `{{` in them is a template)."""
    node = get(release.values, SIDECARS)
    numbers = re.match(r"v?(\d+)\.(\d+)", release.chart_version or "")
    older = numbers is not None and (int(numbers[1]), int(numbers[2])) < FIRST_SIDECARS_CHART
    if node is None or is_null(node) or older:
        return []
    field = _field(release, SIDECARS)
    if not isinstance(node, SequenceNode):
        raise _refuse(release.doc, node, f"{release.ref}: {field}", "must be a list of containers")
    blocks = []
    for item in node.value:
        name = scalar(get(item, "name"))
        if name is None:
            continue
        where = f"{release.ref}: {field}[name={name}]"
        env = env_entries(release.doc, get(item, "env"), where)
        if any(TEMPLATE in (e.value or "") for e in env):
            notices.append(
                notice(
                    "XPN041",
                    f"{field}[name={name}].env",
                    _line(release.doc, item),
                    "the chart renders sidecars through tpl, and an env value holds a template "
                    "({{...}}) that xpnet cannot evaluate",
                )
            )
        blocks.append(
            EnvBlock(
                container=name,
                init=False,
                main=False,
                exists=True,
                env=_merged(env, patched.pop(("core", name, False), [])),
                holder_path=(*release.path, SIDECARS),
                field_path=f"{field}[name={name}].env",
                line=_line(release.doc, item),
                locked=release.locked,
            )
        )
    return blocks


def _extra_objects(release: Release, notices: list[Notice]) -> None:
    """extraObjects: manifests the chart renders; a Crossplane one among them is judged in the
    render, and xpnet does not read manifests inside values."""
    node = get(release.values, EXTRA_OBJECTS)
    if not isinstance(node, SequenceNode):
        return
    field = _field(release, EXTRA_OBJECTS)
    for i, item in enumerate(node.value):
        if not isinstance(item, MappingNode):
            continue
        inside = Document(
            release.doc.index, release.doc.segment, item, release.doc.source, release.doc.stream
        )
        try:
            found = classify(inside)
        except InputError:
            found = None
        if found is not None and found.role is not Role.OTHER:
            notices.append(
                notice(
                    "XPN041",
                    f"{field}[{i}]",
                    _line(release.doc, item),
                    f"{found.kind} {found.name} is rendered from the chart values, where xpnet "
                    "does not read manifests: keep it as a manifest of its own, where xpnet "
                    "checks and fixes it",
                )
            )


def _setting_notices(release: Release, notices: list[Notice]) -> None:
    """What xpnet cannot follow among the settings: one that replaces a whole map or reaches
    inside an entry, a list of sidecars or objects, or a file's content where it decides."""
    for s in release.settings:
        path, shown = s.path, ".".join(map(str, s.path))
        head = path[:1]
        if head and head[0] in ENV_KEYS:
            if len(path) == 2 and isinstance(path[1], str):
                if s.value is None:
                    what = f"sets {shown} from a file, which xpnet cannot read"
                elif s.value.is_list:
                    what = f"sets {shown} to a list; the chart renders env values as strings"
                else:
                    continue
            else:
                what = f"sets {shown}, which is not one NAME: value entry of the map"
        elif path in VERSION_PATHS:
            if s.value is None:
                what = (
                    f"sets {shown} from a file, which xpnet cannot read: the Crossplane "
                    "version is unknown, so NO_PROXY must cover what every version matches"
                )
                notices.append(notice("XPN040", s.owner, s.line, what))
            continue
        elif path in SCALAR_PATHS:
            if s.value is not None:
                continue
            what = f"sets {shown} from a file, which xpnet cannot read"
        elif path in (("image",), ("rbacManager",)) or head in ((SIDECARS,), (EXTRA_OBJECTS,)):
            what = f"sets {shown}, which xpnet does not follow; set it in the values instead"
        else:
            continue
        notices.append(notice("XPN041", s.owner, s.line, what))


def _resources(release: Release) -> tuple[Resource, ...]:
    """The core and RBAC manager Deployments the release renders, as far as env goes."""
    notices = list(release.notices)
    values = _Values(release)
    _setting_notices(release, notices)
    _extra_objects(release, notices)
    main, init_name = release.chart_name, f"{release.chart_name}-init"
    core_name = (values.text(("nameOverride",)) or main)[:63].rstrip("-")
    rbac = values.truthy(("rbacManager", "deploy")) is not False
    targets = [postrender.Target("core", core_name, release.runs_in, main)]
    if rbac:
        rbac_name = f"{core_name}-rbac-manager"
        targets.append(postrender.Target("rbac", rbac_name, release.runs_in, main))
    post = postrender.PostRender({}, None, "", {}, [])
    if release.outer is not None and release.post_at is not None:
        node = walk(release.outer.root, release.post_at)
        post = postrender.read(
            release.outer,
            release.ref,
            node,
            release.post_at,
            tuple(targets),
            _image(release, values),
        )
    notices += [notice(f.rule, f.field, f.line, f.what) for f in post.found]
    version = _version(release, values, post.image)
    if post.image is not None and version.text is None:
        version = unknown(f"{post.image_field}: {version.source}")
    patched = dict(post.env)
    major = chart_major(release.chart_version)
    blocks = [
        _block(
            release,
            values,
            CORE_KEY,
            notices,
            init=False,
            patched=patched.pop(("core", main, False), []),
        )
    ]
    ignored: tuple[str, ...] = ()
    if major is None or major >= FIRST_INIT_CHART:
        blocks.append(
            _block(
                release,
                values,
                INIT_KEY,
                notices,
                init=True,
                patched=patched.pop(("core", init_name, True), []),
            )
        )
    elif get(release.values, INIT_KEY) is not None:
        ignored = (INIT_KEY,)
    blocks += _sidecars(release, notices, patched)
    rbac_blocks = []
    if rbac:
        rbac_blocks.append(
            _block(
                release,
                values,
                RBAC_KEY,
                notices,
                init=False,
                patched=patched.pop(("rbac", main, False), []),
            )
        )
    for (role, container, init), env in patched.items():  # containers the values do not set
        field = (env[0].owner if env else None) or "spec.postRenderers"
        block = EnvBlock(
            container=container,
            init=init,
            main=False,
            exists=True,
            env=tuple({e.name: e for e in env}.values()),
            holder_path=(),
            field_path=field,
            line=env[0].line if env else release.line,
            locked=f"{field} sets this container's env, and the chart values cannot",
        )
        (blocks if role == "core" else rbac_blocks).append(block)
    host_network = values.truthy(("hostNetwork",)) is True
    dns_policy = values.text(("dnsPolicy",))
    if "hostNetwork" in post.pod:
        host_network = post.pod["hostNetwork"][0] == "true"
    if "dnsPolicy" in post.pod:
        dns_policy = post.pod["dnsPolicy"][0]

    def resource(role: Role, blocks: list[EnvBlock], found: list[Notice]) -> Resource:
        return Resource(
            role=role,
            api_version=release.api_version,
            kind=release.kind,
            name=release.name,
            namespace=release.namespace,
            blocks=tuple(blocks),
            doc=release.doc,
            version=version,
            runs_in=release.runs_in,
            release=(release.doc.top.index, release.path),
            ignored=ignored if role is Role.CORE else (),
            chart_version=release.chart_version,
            host_network=host_network if role is Role.CORE else False,
            dns_policy=dns_policy if role is Role.CORE else None,
            notices=tuple(found),
        )

    out = [resource(Role.CORE, blocks, notices)]
    if rbac:
        out.append(resource(Role.RBAC_MANAGER, rbac_blocks, []))
    return tuple(out)


def _other(
    doc: Document, root: MappingNode, what: str, found: tuple[Notice, ...] = ()
) -> tuple[Resource, ...]:
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
            notices=found,
        ),
    )


def _mapping(doc: Document, node: Node | None, where: str) -> MappingNode | None:
    if node is None or is_null(node):
        return None
    if not isinstance(node, MappingNode):
        raise _refuse(doc, node, where, "chart values must be a mapping")
    return node


def _mentions_env(values: Node | None) -> bool:
    return any(get(values, k) is not None for k in ENV_KEYS)


def _chart_name(text: str | None) -> str | None:
    return text.rstrip("/").rsplit("/", 1)[-1] if text else None


def subchart(values: MappingNode | None) -> tuple[Path, MappingNode] | None:
    """Where a parent chart's values for its crossplane dependency are: a `crossplane` key, or
    the first mapping (depth first, a few levels down) that holds an extraEnvVars* key (a
    dependency under an alias; https://helm.sh/docs/chart_template_guide/subcharts_and_globals/)."""
    if values is None:
        return None
    named = get(values, CHART)
    if isinstance(named, MappingNode):
        return (CHART,), named
    stack: list[tuple[Path, MappingNode]] = [((), values)]
    seen: set[int] = set()
    while stack:
        at, node = stack.pop()
        if id(node) in seen or len(at) > _SUBCHART_DEPTH:
            continue
        seen.add(id(node))
        if at and _mentions_env(node):
            return at, node
        for k, v in reversed(_pairs(node)):
            key = scalar(k)
            if key is not None and key != "global" and isinstance(v, MappingNode):
                stack.append(((*at, key), v))
    return None


def _unseen_sources(found: list[tuple[str, int, str]]) -> str | None:
    """The reason the version is unknown when values xpnet cannot see may set image.tag."""
    if not found:
        return None
    field = found[0][0]
    return f"{field}: values xpnet cannot see may set image.tag"


class _Source(NamedTuple):
    """A release's values as the tool hands them to Helm, found in a resource."""

    doc: Document
    path: Path
    field: str
    values: MappingNode | None
    line: int
    locked: str | None = None
    # The chart's name as it renders it: its containers' (never nameOverride's) and, without
    # nameOverride, its Deployments'; a parent chart's alias for it renames it
    # (https://helm.sh/docs/topics/charts/#alias-field-in-dependencies).
    chart_name: str = CHART


def _umbrella(
    source: _Source, chart: str | None, notices: list[Notice], ref: str
) -> _Source | None:
    """The crossplane dependency's values of a parent chart's release, None when it has none."""
    found = subchart(source.values)
    if found is None:
        return None
    at, node = found
    field = ".".join((source.field, *map(str, at))) if source.field else ".".join(map(str, at))
    notices.append(
        notice(
            "XPN040",
            field,
            _line(source.doc, node),
            f"the chart {chart or '(not named)'} renders crossplane as a dependency; its "
            "own values.yaml may set values for it, which xpnet does not see",
        )
    )
    return source._replace(
        path=(*source.path, *at),
        field=field,
        values=node,
        line=_line(source.doc, node),
        chart_name=str(at[-1]),
    )


def _settings_relative(
    settings: list[Setting], prefix: Path, notices: list[Notice]
) -> list[Setting]:
    """Settings addressed to a parent chart, made relative to its crossplane dependency."""
    out = []
    for s in settings:
        if s.path[: len(prefix)] == prefix and len(s.path) > len(prefix):
            out.append(s._replace(path=s.path[len(prefix) :]))
        elif prefix[: len(s.path)] == s.path:
            what = f"sets {'.'.join(map(str, s.path))}, all of the dependency's values"
            notices.append(notice("XPN041", s.owner, s.line, what))
    return out


def helm_release(doc: Document, root: MappingNode, at: Path = ()) -> tuple[Resource, ...]:
    """A Flux HelmRelease (helm.toolkit.fluxcd.io v2, v2beta1, v2beta2): spec.values over the
    values it cannot see (valuesFrom, the chart's valuesFiles), then its post-renderers; the
    release installs into spec.targetNamespace, else the HelmRelease's own namespace
    (https://fluxcd.io/flux/components/helm/helmreleases/)."""
    name = scalar(get_in(root, "metadata", "name")) or ""
    namespace = scalar(get_in(root, "metadata", "namespace"))
    ref = f"HelmRelease/{namespace}/{name}" if namespace else f"HelmRelease/{name}"
    spec = get(root, "spec")
    values_at = (*at, "spec", "values")
    values = _mapping(doc, get(spec, "values"), f"{ref}: spec.values")
    chart = _chart_name(scalar(get_in(spec, "chart", "spec", "chart")))
    chart_ref = scalar(get_in(spec, "chartRef", "name"))
    notices: list[Notice] = []
    unseen: list[tuple[str, int, str]] = []
    for key in ("valuesFiles", "valuesFile"):
        node = get_in(spec, "chart", "spec", key)
        items = node.value if isinstance(node, SequenceNode) else [node] if node else []
        for i, item in enumerate(items):
            file = scalar(item)
            if not file:
                continue
            field = f"spec.chart.spec.{key}" + (f"[{i}]" if isinstance(node, SequenceNode) else "")
            unseen.append((field, _line(doc, item), f"{file} of the chart's source"))
    from_refs = get(spec, "valuesFrom")
    targeted: list[tuple[str, int, Path, str]] = []
    if isinstance(from_refs, SequenceNode):
        for i, item in enumerate(from_refs.value):
            kind = scalar(get(item, "kind")) or "ConfigMap"
            key = scalar(get(item, "valuesKey")) or "values.yaml"
            what = f"{kind} {scalar(get(item, 'name')) or '?'} key {key}"
            target = scalar(get(item, "targetPath"))
            field = f"spec.valuesFrom[{i}]"
            if target:
                path = strvals.path(target)
                if path is not None:
                    targeted.append((field, _line(doc, item), path, what))
                    continue
            unseen.append((field, _line(doc, item), what))
    line = _line(doc, spec if spec is not None else root)
    sub = _Source(doc, values_at, "spec.values", values, line)
    ours = chart == CHART or (chart is None and CHART in (chart_ref or "")) or _mentions_env(values)
    if not ours:
        found = _umbrella(sub, chart or chart_ref, notices, ref)
        if found is None:
            shown = chart or (f"chartRef {chart_ref}" if chart_ref else "not named")
            return _other(doc, root, f"its chart is {shown}, not {CHART}")
        sub = found
    for field, line, what in unseen:
        notices.append(
            notice(
                "XPN040",
                field,
                line,
                f"the values of {what} are merged under spec.values, and xpnet "
                "cannot see them: spec.values wins for the keys it sets, the rest (an "
                "extraEnvVars* entry, image.tag) is not checked",
            )
        )
    prefix = sub.path[len(values_at) :]
    for field, line, path, what in targeted:
        relative = path[len(prefix) :] if path[: len(prefix)] == prefix else None
        if relative is None:
            continue
        covered = walk(sub.values, relative) is not None
        judged = relative[:1] and (
            relative[0] in ENV_KEYS
            or relative in SCALAR_PATHS
            or relative[0] in (SIDECARS, EXTRA_OBJECTS)
        )
        if judged and not covered:
            notices.append(
                notice(
                    "XPN041",
                    field,
                    line,
                    f"sets {'.'.join(map(str, path))} from {what}, which xpnet "
                    "cannot see, and spec.values does not set it: set it in spec.values",
                )
            )
        elif relative in VERSION_PATHS and not covered:
            unseen.append((field, line, what))
    chart_version = exact(scalar(get_in(spec, "chart", "spec", "version")))
    if chart_ref is not None or chart != CHART:
        chart_version = None  # the referenced source, or the parent chart's version
    runs_in = scalar(get(spec, "targetNamespace")) or namespace
    if runs_in and SUBSTITUTE in runs_in:
        notices.append(
            notice(
                "XPN041",
                "spec.targetNamespace" if get(spec, "targetNamespace") else "metadata.namespace",
                line,
                "the namespace is a variable that Flux substitutes before it applies the "
                "HelmRelease (a Kustomization's spec.postBuild), and NO_PROXY must name "
                "Crossplane's namespace",
            )
        )
    release = Release(
        kind="HelmRelease",
        api_version=scalar(get(root, "apiVersion")) or "",
        name=name,
        namespace=namespace,
        runs_in=runs_in,
        chart_version=chart_version,
        doc=sub.doc,
        path=sub.path,
        field=sub.field,
        values=sub.values,
        line=sub.line,
        unseen=_unseen_sources(unseen),
        outer=doc,
        post_at=(*at, "spec", "postRenderers"),
        notices=tuple(notices),
        chart_name=sub.chart_name,
        substituted=True,
    )
    return _resources(release)


def _duplicates(root: Node) -> list[tuple[str, int, int]]:
    """Drop the earlier of two equal keys in every mapping, as Helm reads values (the last one
    wins); each dropped key with its line and the line of the one kept (0-based)."""
    out = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            last: dict[str, int] = {}
            for i, (k, _) in enumerate(node.value):
                if isinstance(k, ScalarNode) and not is_merge(k):
                    last[str(k.value)] = i
            kept = []
            for i, (k, v) in enumerate(node.value):
                name = str(k.value) if isinstance(k, ScalarNode) and not is_merge(k) else None
                if name is not None and last[name] != i:
                    winner = node.value[last[name]][0]
                    out.append((name, int(k.start_mark.line), int(winner.start_mark.line)))
                    continue
                kept.append((k, v))
                stack.append(v)
            node.value[:] = kept
    return out


def _inner(
    doc: Document, node: ScalarNode, path: Path, where: str
) -> tuple[Document | None, list[tuple[str, int, int]]]:
    """The document written as a YAML string at `node` (Argo CD's helm.values), read as Helm
    reads it, under the limits of any document; the keys it gives twice."""
    # Helm's reader drops a leading byte order mark, and the parser's marks do not count it: the
    # values are read (and rewritten) without it.
    text = str(node.value).removeprefix("\ufeff")
    first = _line(doc, node) + (1 if style(node) in ("|", ">") else 0)
    try:
        root = compose_values(text, doc.source, first)
    except InputError as error:
        problems = "; ".join(error.problems)
        raise _refuse(doc, node, where, f"is not YAML ({problems}); fix the string") from None
    if root is None or is_null(root):
        return None, []  # comments only: no values
    if not isinstance(root, MappingNode):
        raise _refuse(doc, node, where, "must hold a mapping of chart values")
    duplicates = _duplicates(root)
    segment = Segment(0, len(text), text, first)
    inner = Document(doc.index, segment, root, doc.source, doc.stream, outer=doc, path=path)
    return inner, [(k, a + first, b + first) for k, a, b in duplicates]


def _settings(doc: Document, helm: Node | None, field: str, notices: list[Notice]) -> list[Setting]:
    """An Argo CD source's helm.parameters (--set, or --set-string with forceString) and
    helm.fileParameters (--set-file, whose content xpnet cannot read), in Helm's order."""
    plain: list[Setting] = []
    strings: list[Setting] = []
    files: list[Setting] = []
    for key in ("parameters", "fileParameters"):
        items = get(helm, key)
        if not isinstance(items, SequenceNode):
            continue
        for i, item in enumerate(items.value):
            name = scalar(get(item, "name"))
            if not name:
                continue
            owner = f"{field}.helm.{key}[{i}]"
            path = strvals.path(name)
            line = _line(doc, item)
            if path is None:
                if any(k in name for k in (*ENV_KEYS, "image")):
                    what = f"xpnet cannot read the name {name!r} as Helm's --set does"
                    notices.append(notice("XPN041", owner, line, what))
                continue
            if key == "fileParameters":
                files.append(Setting(path, None, owner, line))
                continue
            force = scalar(get(item, "forceString")) == "true"
            value = strvals.value(scalar(get(item, "value")) or "", force)
            (strings if force else plain).append(Setting(path, value, owner, line))
    return [*plain, *strings, *files]


class _App(NamedTuple):
    """What a source of an Argo CD Application needs of the Application around it."""

    ref: str
    kind: str
    api_version: str
    name: str | None
    namespace: str | None
    runs_in: str | None
    templated: bool


def _application_source(
    doc: Document, source: MappingNode, at: Path, app: _App, field_prefix: Path
) -> tuple[Resource, ...] | None:
    """One source of an Application, when it renders the crossplane chart."""
    field = _dotted(at[len(field_prefix) :])
    where = f"{app.ref}: {field}"
    helm = get(source, "helm")
    notices: list[Notice] = []
    obj = _mapping(doc, get(helm, "valuesObject"), f"{where}.helm.valuesObject")
    text_node = get(helm, "values")
    inner: Document | None = None
    duplicates: list[tuple[str, int, int]] = []
    if text_node is not None and not is_null(text_node):
        if not isinstance(text_node, ScalarNode) or (text_node.tag or "") != _STR:
            raise _refuse(doc, text_node, f"{where}.helm.values", "must be a YAML string")
        text = str(text_node.value)
        if obj is not None and text.strip():
            notices.append(
                notice(
                    "XPN042",
                    f"{field}.helm.values",
                    _line(doc, text_node),
                    "ignored: Argo CD passes helm.valuesObject instead when both are set",
                )
            )
        elif app.templated and TEMPLATE in text:
            notices.append(
                notice(
                    "XPN041",
                    f"{field}.helm.values",
                    _line(doc, text_node),
                    "a template that Argo CD fills in for each "
                    "generated Application: write the values as helm.valuesObject",
                )
            )
        elif text.strip():
            inner, duplicates = _inner(
                doc, text_node, (*at, "helm", "values"), f"{where}.helm.values"
            )
    base = obj if obj is not None else (inner.root if inner is not None else None)
    chart = _chart_name(scalar(get(source, "chart")) or scalar(get(source, "path")))
    if app.templated and chart and TEMPLATE in chart:
        chart = None
    settings = _settings(doc, helm, field, notices)
    mentions = _mentions_env(base) or any(s.path[:1] and s.path[0] in ENV_KEYS for s in settings)
    if (
        chart != CHART
        and not mentions
        and subchart(base if isinstance(base, MappingNode) else None) is None
    ):
        return None
    templated_text = obj is None and inner is None and text_node is not None and app.templated
    if inner is not None and obj is None:
        src = _Source(inner, (), f"{field}.helm.values", inner.root, inner.segment.line)
        for key, dropped, kept in duplicates:
            notices.append(
                notice(
                    "XPN042",
                    f"{field}.helm.values",
                    dropped,
                    f"the key {key} at line {dropped} is given "
                    f"again at line {kept}; Helm uses the last one, and so does xpnet",
                )
            )
        if duplicates:
            src = src._replace(
                locked=f"{field}.helm.values gives a key twice (line {duplicates[0][1]}): "
                "remove the earlier one so that xpnet fix can rewrite the string"
            )
    else:
        src = _Source(
            doc,
            (*at, "helm", "valuesObject"),
            f"{field}.helm.valuesObject",
            obj,
            _line(doc, source),
        )
        if templated_text and TEMPLATE in str(getattr(text_node, "value", "")):
            src = src._replace(locked=f"{field}.helm.values is a template xpnet cannot read")
    chart_version = exact(scalar(get(source, "targetRevision")))
    if chart != CHART and not mentions:
        found = _umbrella(src, chart, notices, app.ref)
        if found is None:
            return None
        prefix = found.path[len(src.path) :]
        settings = _settings_relative(settings, prefix, notices)
        src, chart_version = found, None
    unseen: list[tuple[str, int, str]] = []
    plugin = get(source, "plugin")
    if plugin is not None and not is_null(plugin):
        name = scalar(get(plugin, "name")) or "(not named)"
        notices.append(
            notice(
                "XPN040",
                f"{field}.plugin",
                _line(doc, plugin),
                f"Argo CD renders this source with the Config Management Plugin {name}, not "
                "Helm: xpnet judges the values as Helm renders them, and cannot see what the "
                "plugin does to them",
            )
        )
    files = get(helm, "valueFiles")
    for i, item in enumerate(files.value if isinstance(files, SequenceNode) else []):
        file = scalar(item)
        if not file:
            continue
        here = f"{field}.helm.valueFiles[{i}]"
        unseen.append((here, _line(doc, item), file))
        notices.append(
            notice(
                "XPN040",
                here,
                _line(doc, item),
                f"Helm reads {file} before helm.values(Object), and xpnet "
                "cannot see it: the inline values win for the keys they set, the rest (an "
                "extraEnvVars* entry, image.tag) is not checked; check the file with --values",
            )
        )
    runs_in = app.runs_in
    helm_namespace = scalar(get(helm, "namespace"))
    if helm_namespace:
        runs_in = helm_namespace
    if app.templated and runs_in and TEMPLATE in runs_in:
        notices.append(
            notice(
                "XPN041",
                f"{field}.helm.namespace"
                if helm_namespace
                else "spec.template.spec.destination.namespace",
                _line(doc, source),
                "the namespace is a template that Argo CD fills in for each generated "
                "Application, and NO_PROXY must name Crossplane's namespace",
            )
        )
    if app.templated and chart_version is None:
        revision = scalar(get(source, "targetRevision"))
        if revision and TEMPLATE in revision:
            unseen.append((f"{field}.targetRevision", _line(doc, source), "a template"))
    release = Release(
        kind=app.kind,
        api_version=app.api_version,
        name=app.name or "",
        namespace=app.namespace,
        runs_in=runs_in,
        chart_version=chart_version,
        doc=src.doc,
        path=src.path,
        field=src.field,
        values=src.values,
        line=src.line,
        settings=tuple(settings),
        unseen=_unseen_sources(unseen),
        locked=src.locked,
        templated=app.templated,
        notices=tuple(notices),
        chart_name=src.chart_name,
    )
    return _resources(release)


def _sources(
    doc: Document, spec: Node | None, at: Path, app: _App, field_prefix: Path
) -> list[Resource]:
    found: list[Resource] = []
    single = get(spec, "source")
    if isinstance(single, MappingNode):
        found += _application_source(doc, single, (*at, "spec", "source"), app, field_prefix) or ()
    many = get(spec, "sources")
    if isinstance(many, SequenceNode):
        for i, item in enumerate(many.value):
            if isinstance(item, MappingNode):
                where = (*at, "spec", "sources", i)
                found += _application_source(doc, item, where, app, field_prefix) or ()
    return found


def _app(root: MappingNode, spec: Node | None, kind: str, templated: bool) -> _App:
    name = scalar(get_in(root, "metadata", "name"))
    namespace = scalar(get_in(root, "metadata", "namespace"))
    destination = scalar(get_in(spec, "destination", "namespace"))
    return _App(
        ref=f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}",
        kind=kind,
        api_version=scalar(get(root, "apiVersion")) or "",
        name=name,
        namespace=namespace,
        # Helm renders into the default namespace when Argo CD passes none.
        runs_in=destination or "default",
        templated=templated,
    )


def application(doc: Document, root: MappingNode, at: Path = ()) -> tuple[Resource, ...]:
    """An Argo CD Application (argoproj.io/v1alpha1): spec.source and each of spec.sources[]
    as Argo CD renders them (util/helm/cmd.go: valueFiles, then helm.valuesObject or else
    helm.values, then parameters and fileParameters); the destination namespace."""
    spec = get(root, "spec")
    app = _app(root, spec, "Application", templated=False)
    found = _sources(doc, spec, at, app, at)
    return tuple(found) or _other(doc, root, f"no source is the {CHART} chart")


def _generator_templates(node: Node | None, at: str, depth: int = 0) -> Iterator[tuple[str, Node]]:
    """Each generator's own `template` (also in matrix and merge generators), which Argo CD
    merges over spec.template for the Applications of that generator."""
    if depth > 6 or not isinstance(node, SequenceNode):
        return
    for i, gen in enumerate(node.value):
        if not isinstance(gen, MappingNode):
            continue
        for k, v in gen.value:
            kind = scalar(k)
            here = f"{at}[{i}].{kind}"
            template = get(v, "template")
            if template is not None:
                yield f"{here}.template", template
            yield from _generator_templates(get(v, "generators"), f"{here}.generators", depth + 1)


def application_set(doc: Document, root: MappingNode, at: Path = ()) -> tuple[Resource, ...]:
    """An Argo CD ApplicationSet: its spec.template as the Application it generates; `{{...}}`
    is filled in per Application, so a value holding one is unknown
    (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Template/)."""
    spec = get(root, "spec")
    template = get(spec, "template")
    tspec = get(template, "spec")
    app = _app(root, tspec, "ApplicationSet", templated=True)
    found = _sources(doc, tspec, (*at, "spec", "template"), app, (*at,))
    if not found:
        return _other(doc, root, f"the Applications it generates do not render the {CHART} chart")
    notices: list[Notice] = []
    patch = get(spec, "templatePatch")
    if patch is not None and re.search(
        r"\b(source|sources|destination|helm)\b", scalar(patch) or ""
    ):
        notices.append(
            notice(
                "XPN041",
                "spec.templatePatch",
                _line(doc, patch),
                "changes the source or destination of each "
                "generated Application, which xpnet does not follow",
            )
        )
    for field, node in _generator_templates(get(spec, "generators"), "spec.generators"):
        touched = get(get(node, "spec"), "source") or get(get(node, "spec"), "sources")
        if touched is not None or get_in(node, "spec", "destination") is not None:
            notices.append(
                notice(
                    "XPN041",
                    field,
                    _line(doc, node),
                    "overrides the template's source or destination for its "
                    "Applications, which xpnet does not follow",
                )
            )
    if notices:
        first = found[0]
        found[0] = first._replace(notices=(*first.notices, *notices))
    return tuple(found)


def values_file(doc: Document) -> tuple[Resource, ...]:
    """A chart values file given with --values (and --chart-version, --namespace): the
    crossplane chart's, or a parent chart's with crossplane's values under its name."""
    chart = doc.values
    assert chart is not None
    chart_version = exact(chart.chart_version)
    notices: list[Notice] = []
    src = _Source(doc, (), "", doc.root, doc.segment.line)
    if not _mentions_env(doc.root):
        found = _umbrella(src, None, notices, "chart values")
        if found is not None:
            src, chart_version = found, None
    release = Release(
        kind="chart values",
        api_version="",
        name="",
        namespace=None,
        runs_in=chart.namespace,
        chart_version=chart_version,
        doc=src.doc,
        path=src.path,
        field=src.field,
        values=src.values,
        line=src.line,
        notices=tuple(notices),
        chart_name=src.chart_name,
    )
    return _resources(release)


def _is_list(root: Node) -> bool:
    """kustomize flattens any kind ending in List that has items (api/resource/factory.go)."""
    kind = scalar(get(root, "kind")) or ""
    return kind.endswith("List") and isinstance(get(root, "items"), SequenceNode)


def _item(doc: Document, root: MappingNode, at: Path, depth: int = 0) -> tuple[Resource, ...]:
    kind = scalar(get(root, "kind"))
    group = (scalar(get(root, "apiVersion")) or "").split("/", 1)[0]
    if kind == "HelmRelease" and group == "helm.toolkit.fluxcd.io":
        return helm_release(doc, root, at)
    if kind == "Application" and group == "argoproj.io":
        return application(doc, root, at)
    if kind == "ApplicationSet" and group == "argoproj.io":
        return application_set(doc, root, at)
    if at and _is_list(root) and depth < 8:
        return _list(doc, root, at, depth + 1)
    if not at:
        found = classify(doc)
        return (found,) if found is not None else ()
    inside = Document(doc.index, doc.segment, root, doc.source, doc.stream)
    try:
        crossplane = classify(inside)
    except InputError:
        crossplane = None
    if crossplane is None or crossplane.role is Role.OTHER:
        return ()
    field = _dotted(at)
    what = (
        f"{crossplane.kind} {crossplane.name} inside a {scalar(get(doc.root, 'kind'))}: "
        "xpnet reads Crossplane manifests as documents of their own; write each item as a "
        "document (kustomize build does)"
    )
    return _other(
        doc,
        doc.root,
        "a List of Crossplane manifests",
        (notice("XPN041", field, _line(doc, root), what),),
    )


def _list(doc: Document, root: MappingNode, at: Path, depth: int = 0) -> tuple[Resource, ...]:
    items = get(root, "items")
    assert isinstance(items, SequenceNode)
    out: list[Resource] = []
    for i, item in enumerate(items.value):
        if isinstance(item, MappingNode):
            out += _item(doc, item, (*at, "items", i), depth)
    return tuple(out)


def resources(doc: Document) -> tuple[Resource, ...]:
    """The resources a document holds: chart values become the Deployments they render; the
    items of a List are read as kustomize reads them, one by one."""
    if doc.values is not None:
        return values_file(doc)
    if _is_list(doc.root):
        return _list(doc, doc.root, ())
    return _item(doc, doc.root, ())


def values_keys(text: str) -> list[str]:
    """The crossplane chart's values keys a YAML text holds at its top level, when it is no
    Kubernetes object (no top-level `kind`): then it is chart values, which go with --values."""
    keys = _TOP_KEY.findall(text)
    if "kind" in keys:
        return []
    return [k for k in dict.fromkeys(keys) if k in VALUES_KEYS]
