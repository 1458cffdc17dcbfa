"""Find the Crossplane install in a set of parsed resources
(docs/explanation/crossplane-install.md)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from xpnet import entries
from xpnet.credentials import redact, remember
from xpnet.envvars import NO_PROXY_VARS, PROXY_VARS
from xpnet.errors import InputError
from xpnet.records import NamedTuple
from xpnet.versions import CrossplaneVersion, from_image, from_text, unknown
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    get,
    get_in,
    is_null,
    scalar,
)
from xpnet.yaml.stream import Document

DEFAULT_NAMESPACE = "crossplane-system"
# The container the package manager fills (docs/explanation/function-calls.md).
RUNTIME_CONTAINER = "package-runtime"
DEPLOYMENT_PODSPEC = ("spec", "template", "spec")
RUNTIME_CONFIG_PODSPEC = ("spec", "deploymentTemplate", "spec", "template", "spec")
# Keys the DeploymentRuntimeConfig CRD requires beside what xpnet creates, selector and template
# (docs/explanation/crossplane-install.md): where a holder is created, these are created too.
REQUIRED_SIBLINGS: dict[tuple[str | int, ...], dict[str, Any]] = {
    RUNTIME_CONFIG_PODSPEC[:3]: {"selector": {}},
}
# Per-runtime-config overrides, read from a DeploymentRuntimeConfig's or
# ControllerConfig's metadata.annotations: leave it alone, or give it NO_PROXY entries of its own.
SKIP = "xpnet.dev/skip"
EXTRA_NO_PROXY = "xpnet.dev/extra-no-proxy"
# What the package-runtime container runs: which variable adds a CA for it.
RUNTIME = "xpnet.dev/runtime"
RUNTIME_KINDS = ("go", "python", "node")


class Role(enum.Enum):
    CORE = "core"
    RBAC_MANAGER = "rbac-manager"
    RUNTIME_CONFIG = "runtime-config"
    CONTROLLER_CONFIG = "controller-config"
    OTHER = "other"  # a HelmRelease or Application for another chart: reported, left alone
    TEMPLATE = "template"  # a chart's template (Go template actions): reported, left alone


class KeyRef(NamedTuple):
    """An entry's valueFrom.configMapKeyRef: the ConfigMap of the pod's namespace and its key."""

    name: str
    key: str
    optional: bool  # a missing ConfigMap or key leaves the variable unset instead of failing


LEFT_ALONE = frozenset({Role.OTHER, Role.TEMPLATE})


class EnvVar(NamedTuple):
    name: str
    # None when left empty or set through valueFrom, unless valuefrom.resolve read it from a
    # ConfigMap of the input
    value: str | None
    from_ref: bool
    line: int = 0  # 1-based line of the entry in the file, for messages
    key: str | None = None  # in chart values: the key as written (`HTTPS.PROXY` → HTTPS_PROXY)
    # Chart values: the field that sets it after the values xpnet edits (an Argo CD parameter,
    # a Flux post-renderer patch); fix cannot change it there.
    owner: str | None = None
    ref: KeyRef | None = None
    origin: str = ""  # set by valuefrom.resolve: where the value was (or was not) found
    absent: bool = False  # the ConfigMap in the input lacks the key: the variable is not set
    # set by valuefrom.resolve: the $(VAR) references of a value that xpnet cannot read
    unresolved: tuple[str, ...] = ()


class EnvFrom(NamedTuple):
    """One envFrom source: every key of a ConfigMap or Secret, as a variable prefix + key."""

    kind: str  # ConfigMap or Secret
    name: str
    prefix: str


class EnvBlock(NamedTuple):
    """One container's env (or a ControllerConfig's spec.env, or a chart's extraEnvVars*
    value), as found."""

    container: str | None  # None for a ControllerConfig and chart values
    init: bool
    main: bool  # the core's `crossplane` container, or a runtime config's package-runtime
    exists: bool  # False for a package-runtime container still to be created
    env: tuple[EnvVar, ...]
    holder_path: tuple[str | int, ...]  # where the container list (or the env holder) is
    field_path: str  # for messages: spec.template.spec.containers[name=crossplane].env
    line: int  # 1-based line in the file, for messages
    env_key: str = "env"  # the key holding the env under the holder
    keyed: bool = False  # chart values: a mapping NAME: value, not a list of {name, value}
    locked: str | None = None  # why fix cannot rewrite this block (None: it can)
    env_from: tuple[EnvFrom, ...] = ()
    # Set by valuefrom.resolve: the envFrom sources xpnet cannot read (a Secret, a ConfigMap
    # not in the input), which may set any variable env does not.
    unread_from: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        """How messages name the block beside its resource."""
        if self.keyed:
            return self.env_key
        return f"container {self.container}" if self.container is not None else None

    def get(self, name: str) -> EnvVar | None:
        return next((e for e in self.env if e.name == name), None)

    def line_of(self, name: str | None) -> int:
        """Where a variable is written, else where the container is."""
        found = self.get(name) if name else None
        return found.line if found is not None and found.line else self.line

    def values(self) -> dict[str, str]:
        return {e.name: e.value for e in self.env if e.value is not None}

    @property
    def sets_proxy(self) -> bool:
        return any(self.get(n) for n in PROXY_VARS)

    @property
    def sets_no_proxy(self) -> bool:
        return any(self.get(n) for n in NO_PROXY_VARS)


class Notice(NamedTuple):
    """A finding a reader makes about a resource: chart values from a field xpnet cannot see
    or follow. The block names the field and its line."""

    rule: str
    block: EnvBlock
    what: str


class Resource(NamedTuple):
    role: Role
    api_version: str
    kind: str
    name: str
    namespace: str | None
    blocks: tuple[EnvBlock, ...]
    doc: Document
    image: str | None = None
    host_network: bool = False
    dns_policy: str | None = None
    # Chart values (a HelmRelease, an Application, a values file): the Crossplane version the
    # chart renders and the namespace the release installs into.
    version: CrossplaneVersion | None = None
    runs_in: str | None = None
    release: tuple[int, tuple[str | int, ...]] | None = None  # which release of a document
    chart_version: str | None = None
    ignored: tuple[str, ...] = ()  # values keys this chart version does not read
    note: str | None = None  # for Role.OTHER: why it is left alone
    skip: bool = False  # annotated xpnet.dev/skip: "true": neither rewritten nor judged
    extra_no_proxy: tuple[str, ...] = ()  # xpnet.dev/extra-no-proxy: NO_PROXY for it alone
    runtime: str = "go"  # xpnet.dev/runtime: what a runtime config's containers run
    notices: tuple[Notice, ...] = ()  # chart values: fields xpnet cannot see or follow

    @property
    def pods_namespace(self) -> str | None:
        """Where the resource's pods run."""
        return self.runs_in or self.namespace

    @property
    def ref(self) -> str:
        if not self.name:  # a chart values file
            return self.kind
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"


class CrossplaneInstall(NamedTuple):
    """What gets one consistent set of proxy variables: a core Deployment and what goes with
    it, or cluster-scoped runtime configs that several installs in one run share."""

    resources: tuple[Resource, ...]
    namespaces: tuple[str, ...]  # where functions run: the core's; several for a shared group
    version: CrossplaneVersion
    core: Resource | None = None
    covers: tuple[Resource, ...] = ()  # for a shared group: the cores whose installs it serves

    @property
    def namespace(self) -> str:
        return self.namespaces[0]


def _line(doc: Document, node: Node) -> int:
    return doc.segment.line + int(node.start_mark.line)


def _mappings_on(doc: Document, path: tuple[str, ...], ref: str) -> None:
    """Refuse a runtime config where a field on the way to what xpnet reads or writes (its env,
    its annotations) is there but not a mapping: Kubernetes refuses it, and adding the env would
    mean replacing what the user wrote."""
    node: Node | None = doc.root
    for i, key in enumerate(path):
        node = get(node, key)
        if node is None or is_null(node):
            return
        if not isinstance(node, MappingNode):
            shown = redact(scalar(node) or "")
            shape = "a list" if isinstance(node, SequenceNode) else f"the value {shown!r}"
            raise InputError(
                doc.source,
                [
                    f"line {_line(doc, node)}: {ref}: {'.'.join(path[: i + 1])}: {shape} where a "
                    "mapping is expected (Kubernetes refuses it); correct it or remove it"
                ],
            )


def _env(doc: Document, node: Node | None, where: str) -> tuple[EnvVar, ...]:
    if node is None:
        return ()
    if not isinstance(node, SequenceNode):
        if isinstance(node, MappingNode) or scalar(node) is not None:
            raise InputError(doc.source, [f"line {_line(doc, node)}: {where}: env must be a list"])
        return ()
    found: dict[str, EnvVar] = {}
    for item in node.value:
        name = scalar(get(item, "name")) if isinstance(item, MappingNode) else None
        if name is None:
            raise InputError(
                doc.source,
                [f"line {_line(doc, item)}: {where}: every env entry needs a name"],
            )
        if name in found:
            raise InputError(
                doc.source,
                [
                    f"line {_line(doc, item)}: {where}: env variable {name} is set twice; "
                    "remove one so that it is clear which value applies"
                ],
            )
        value_node = get(item, "value")
        if value_node is None:
            value = None
        elif is_null(value_node):
            value = ""
        elif isinstance(value_node, ScalarNode) and (value_node.tag or "").endswith(":str"):
            value = str(value_node.value)
        else:
            shown = (
                redact(str(scalar(value_node)))
                if isinstance(value_node, ScalarNode)
                else "a collection"
            )
            raise InputError(
                doc.source,
                [
                    f"line {_line(doc, value_node)}: {where}: env {name}: value {shown} is not a "
                    "string (Kubernetes refuses it); quote it"
                ],
            )
        source = get(item, "valueFrom")
        ref = None
        if source is not None and not is_null(source):
            if value:  # the API server refuses both (ValidateEnv)
                raise InputError(
                    doc.source,
                    [
                        f"line {_line(doc, item)}: {where}: env {name} has both value and "
                        "valueFrom, which Kubernetes refuses; keep one"
                    ],
                )
            ref = _key_ref(doc, source, f"{where}: env {name}: valueFrom")
        found[name] = EnvVar(name, value, source is not None, _line(doc, item), ref=ref)
    return tuple(found.values())


# The sources an env entry's valueFrom may name; the API server takes exactly one
# (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#environment-variables).
VALUE_SOURCES = ("configMapKeyRef", "secretKeyRef", "fieldRef", "resourceFieldRef", "fileKeyRef")


def _key_ref(doc: Document, source: Node, where: str) -> KeyRef | None:
    """The configMapKeyRef of a valueFrom, None for another source; shapes the API server
    refuses are refused here, naming the field."""
    line = _line(doc, source)
    if not isinstance(source, MappingNode):
        raise InputError(
            doc.source,
            [f"line {line}: {where} must be a mapping holding one of {', '.join(VALUE_SOURCES)}"],
        )
    named = [k for k in VALUE_SOURCES if get(source, k) is not None]
    if len(named) > 1:
        raise InputError(
            doc.source,
            [f"line {line}: {where} names {' and '.join(named)}; Kubernetes takes exactly one"],
        )
    ref = get(source, "configMapKeyRef")
    if ref is None:
        return None
    name, key = scalar(get(ref, "name")), scalar(get(ref, "key"))
    if not isinstance(ref, MappingNode) or not name or not key:
        raise InputError(
            doc.source,
            [
                f"line {_line(doc, ref)}: {where}.configMapKeyRef needs a name and a key, "
                "e.g. {name: proxy, key: HTTPS_PROXY}"
            ],
        )
    return KeyRef(name, key, scalar(get(ref, "optional")) == "true")


def _env_from(doc: Document, node: Node | None, where: str) -> tuple[EnvFrom, ...]:
    """A container's envFrom sources (a list; Kubernetes refuses anything else)."""
    if node is None or is_null(node):
        return ()
    if not isinstance(node, SequenceNode):
        raise InputError(
            doc.source, [f"line {_line(doc, node)}: {where}: envFrom must be a list of sources"]
        )
    out = []
    for item in node.value:
        prefix = scalar(get(item, "prefix")) or ""
        for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            name = scalar(get(get(item, key), "name"))
            if name:
                out.append(EnvFrom(kind, name, prefix))
    return tuple(out)


def _containers(
    doc: Document, podspec: tuple[str, ...], ref: str, main: str | None
) -> list[EnvBlock]:
    blocks = []
    for key in ("initContainers", "containers"):
        seq = get_in(doc.root, *podspec, key)
        if seq is None or is_null(seq):
            continue
        if not isinstance(seq, SequenceNode):
            raise InputError(
                doc.source,
                [
                    f"line {_line(doc, seq)}: {ref}: {'.'.join(podspec)}.{key} must be a list of "
                    "containers (Kubernetes refuses anything else)"
                ],
            )
        for item in seq.value:
            name = scalar(get(item, "name"))
            if name is None:
                continue
            where = f"{ref}: {key}[name={name}]"
            blocks.append(
                EnvBlock(
                    container=name,
                    init=key == "initContainers",
                    main=key == "containers" and name == main,
                    exists=True,
                    env=_env(doc, get(item, "env"), where),
                    holder_path=(*podspec, key),
                    field_path=".".join(podspec) + f".{key}[name={name}].env",
                    line=_line(doc, item),
                    env_from=_env_from(doc, get(item, "envFrom"), where),
                )
            )
    return blocks


def _annotation(doc: Document, ref: str, key: str) -> tuple[str, int] | None:
    """The value of one of xpnet's annotations and its line, None when absent; a value
    Kubernetes would refuse (not a string) is refused here too."""
    node = get(get_in(doc.root, "metadata", "annotations"), key)
    if node is None:
        return None
    if not isinstance(node, ScalarNode) or not (node.tag or "").endswith(":str"):
        shown = redact(scalar(node) or "") if isinstance(node, ScalarNode) else None
        raise InputError(
            doc.source,
            [
                f"line {_line(doc, node)}: {ref}: annotation {key}: {shown or 'this value'} is "
                f'not a string (Kubernetes refuses it); quote it, e.g. {key}: "{shown or ""}"'
            ],
        )
    return str(node.value), _line(doc, node)


def _overrides(doc: Document, ref: str) -> dict[str, Any]:
    """A runtime config's xpnet.dev/skip and xpnet.dev/extra-no-proxy annotations, checked."""
    found: dict[str, Any] = {}
    if (skip := _annotation(doc, ref, SKIP)) is not None:
        value, line = skip
        if value.strip().lower() not in ("true", "false"):
            raise InputError(
                doc.source,
                [
                    f'line {line}: {ref}: annotation {SKIP}: {value!r} is neither "true" nor '
                    f'"false"; write {SKIP}: "true" to have xpnet leave {ref} alone, or remove '
                    "the annotation"
                ],
            )
        found["skip"] = value.strip().lower() == "true"
    if (extra := _annotation(doc, ref, EXTRA_NO_PROXY)) is not None:
        value, line = extra
        values = [p.strip() for p in value.split(",") if p.strip()]
        fix = "separate entries with commas, without inner spaces"
        problems = [why for v in values if (why := entries.problem(v, fix))]
        if problems:
            raise InputError(
                doc.source,
                [f"line {line}: {ref}: annotation {EXTRA_NO_PROXY}: entry {p}" for p in problems],
            )
        found["extra_no_proxy"] = tuple(dict.fromkeys(v.lower() for v in values))
    if (runtime := _annotation(doc, ref, RUNTIME)) is not None:
        value, line = runtime
        if value.strip().lower() not in RUNTIME_KINDS:
            raise InputError(
                doc.source,
                [
                    f"line {line}: {ref}: annotation {RUNTIME}: {value!r} is not one of "
                    f"{', '.join(RUNTIME_KINDS)}; write what the package's container runs, "
                    "e.g. python for a function written in Python (go is the default)"
                ],
            )
        found["runtime"] = value.strip().lower()
    return found


def _args(container: Node) -> list[str]:
    out = []
    for key in ("command", "args"):
        seq = get(container, key)
        if isinstance(seq, SequenceNode):
            out += [scalar(n) or "" for n in seq.value]
    return out


def _crossplane_image(image: str | None) -> bool:
    """An image of Crossplane itself (`…/crossplane/crossplane:v2.1.0`): its name's last part."""
    name = (image or "").split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[0] == "crossplane"


def _deployment_role(root: MappingNode) -> tuple[Role, Node] | None:
    """The core runs `crossplane core start`, the RBAC manager `crossplane rbac start`;
    nameOverride renames Deployments, never containers (docs/explanation/crossplane-install.md).
    The chart names its containers after the chart, which a parent chart's alias for it renames
    (https://helm.sh/docs/topics/charts/#alias-field-in-dependencies): a container of another
    name that runs Crossplane's image is the same container."""
    seq = get_in(root, *DEPLOYMENT_PODSPEC, "containers")
    if not isinstance(seq, SequenceNode):
        return None
    for item in seq.value:
        named = scalar(get(item, "name"))
        if named != "crossplane" and not _crossplane_image(scalar(get(item, "image"))):
            continue
        args = _args(item)
        for i in range(len(args) - 1):
            if args[i : i + 2] == ["core", "start"]:
                return Role.CORE, item
            if args[i : i + 2] == ["rbac", "start"]:
                return Role.RBAC_MANAGER, item
    return None


def classify(doc: Document) -> Resource | None:
    """The Crossplane resource a document is, or None when xpnet has nothing to do with it."""
    root = doc.root
    kind = scalar(get(root, "kind"))
    api_version = scalar(get(root, "apiVersion")) or ""
    name = scalar(get_in(root, "metadata", "name")) or ""
    namespace = scalar(get_in(root, "metadata", "namespace"))
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    if kind == "Deployment" and group == "apps":
        found = _deployment_role(root)
        if found is None:
            return None
        role, container = found
        ref = f"Deployment/{namespace}/{name}" if namespace else f"Deployment/{name}"
        podspec = get_in(root, *DEPLOYMENT_PODSPEC)
        return Resource(
            role=role,
            api_version=api_version,
            kind=kind,
            name=name,
            namespace=namespace,
            blocks=tuple(_containers(doc, DEPLOYMENT_PODSPEC, ref, scalar(get(container, "name")))),
            doc=doc,
            image=scalar(get(container, "image")),
            host_network=scalar(get(podspec, "hostNetwork")) == "true",
            dns_policy=scalar(get(podspec, "dnsPolicy")),
        )
    if group != "pkg.crossplane.io":
        return None
    if kind == "DeploymentRuntimeConfig":
        ref = f"DeploymentRuntimeConfig/{name}"
        _mappings_on(doc, RUNTIME_CONFIG_PODSPEC, ref)
        _mappings_on(doc, ("metadata", "annotations"), ref)
        blocks = _containers(doc, RUNTIME_CONFIG_PODSPEC, ref, RUNTIME_CONTAINER)
        if not any(b.main for b in blocks):
            blocks.append(
                EnvBlock(
                    container=RUNTIME_CONTAINER,
                    init=False,
                    main=True,
                    exists=False,
                    env=(),
                    holder_path=(*RUNTIME_CONFIG_PODSPEC, "containers"),
                    field_path=".".join(RUNTIME_CONFIG_PODSPEC)
                    + f".containers[name={RUNTIME_CONTAINER}].env",
                    line=_line(doc, root),
                )
            )
        return Resource(
            Role.RUNTIME_CONFIG,
            api_version,
            kind,
            name,
            None,
            tuple(blocks),
            doc,
            **_overrides(doc, ref),
        )
    if kind == "ControllerConfig":
        ref = f"ControllerConfig/{name}"
        _mappings_on(doc, ("spec",), ref)
        _mappings_on(doc, ("metadata", "annotations"), ref)
        block = EnvBlock(
            container=None,
            init=False,
            main=True,
            exists=True,
            env=_env(doc, get_in(root, "spec", "env"), ref),
            holder_path=("spec",),
            field_path="spec.env",
            line=_line(doc, root),
            env_from=_env_from(doc, get_in(root, "spec", "envFrom"), ref),
        )
        return Resource(
            Role.CONTROLLER_CONFIG,
            api_version,
            kind,
            name,
            None,
            (block,),
            doc,
            **_overrides(doc, ref),
        )
    return None


def template(doc: Document) -> Resource:
    """A document holding Go template actions, as a resource that is only reported."""
    root = doc.root
    kind = scalar(get(root, "kind")) or "document"
    name = scalar(get_in(root, "metadata", "name")) or ""
    namespace = scalar(get_in(root, "metadata", "namespace"))
    api_version = scalar(get(root, "apiVersion")) or ""
    return Resource(Role.TEMPLATE, api_version, kind, name, namespace, (), doc)


def _version(core: Resource | None, configured: str) -> CrossplaneVersion:
    if configured == "auto":
        if core is not None and core.version is not None:
            return core.version
        return from_image(core.image if core else None)
    if configured == "unknown":
        return unknown("ClusterNetwork spec.crossplane.version: unknown")
    return from_text(configured, "ClusterNetwork spec.crossplane.version")


def _classified(doc: Document) -> tuple[Resource, ...]:
    found = classify(doc)
    return (found,) if found is not None else ()


def note_credentials(resources: Iterable[Resource]) -> None:
    """Note the proxy credentials in the resources' env values for scrub(): what a message
    about them may quote (call it again for values read later, from ConfigMaps)."""
    for value in (e.value for r in resources for b in r.blocks for e in b.env):
        if value and "@" in value:
            remember(value)


def find_installs(
    docs: Iterable[Document],
    namespace: str | None,
    version: str,
    kinds: Callable[[Document], Iterable[Resource]] = _classified,
) -> tuple[CrossplaneInstall, ...]:
    """The installs in a run, each with its resources in input order, its namespace and its
    Crossplane version: a core Deployment is an install; the RBAC manager joins the
    core of its namespace (in its own file or stream first); cluster-scoped runtime configs
    join the one install of their file or stream, else of the run, and with several
    candidates a group that covers them all. Without any core, everything is one install.
    `kinds` turns a document into the resources it holds."""
    resources = [r for d in docs for r in kinds(d)]
    note_credentials(resources)
    cores = [r for r in resources if r.role is Role.CORE]
    if not cores:
        if not resources:
            return ()
        ns = namespace or DEFAULT_NAMESPACE
        return (CrossplaneInstall(tuple(resources), (ns,), _version(None, version)),)
    members: dict[int, list[Resource]] = {id(c): [] for c in cores}
    shared: dict[tuple[int, ...], list[Resource]] = {}
    # The cores by stream, release and namespace, looked up per resource: a run of thousands of
    # releases (a GitOps repository, a List) stays linear.
    by_stream: dict[int, list[Resource]] = {}
    by_release: dict[Any, list[Resource]] = {}
    by_namespace: dict[tuple[int | None, str | None], list[Resource]] = {}
    for c in cores:
        by_stream.setdefault(c.doc.stream, []).append(c)
        if c.release:
            by_release.setdefault(c.release, []).append(c)
        by_namespace.setdefault((c.doc.stream, c.pods_namespace), []).append(c)
        by_namespace.setdefault((None, c.pods_namespace), []).append(c)
    for resource in resources:
        if resource.role is Role.CORE:
            members[id(resource)].append(resource)
            continue
        same_stream = by_stream.get(resource.doc.stream, [])
        candidates = same_stream or cores
        same_doc = by_release.get(resource.release, []) if resource.release else []
        if same_doc:  # chart values: one release renders both
            candidates = same_doc
        elif resource.role is Role.RBAC_MANAGER:
            runs_in = resource.pods_namespace
            stream = resource.doc.stream if same_stream else None
            by_ns = by_namespace.get((stream, runs_in), []) or by_namespace.get((None, runs_in), [])
            candidates = by_ns if len(by_ns) == 1 else candidates
        if len(candidates) == 1 or resource.role in LEFT_ALONE:  # nothing to share
            members[id(candidates[0])].append(resource)
        else:
            shared.setdefault(tuple(id(c) for c in candidates), []).append(resource)
    by_id = {id(c): c for c in cores}
    installs = [
        CrossplaneInstall(
            tuple(members[id(c)]),
            (c.pods_namespace or namespace or DEFAULT_NAMESPACE,),
            _version(c, version),
            core=c,
        )
        for c in cores
    ]
    for key, group in shared.items():
        covered = tuple(by_id[k] for k in key)
        spaces = tuple(
            dict.fromkeys(c.pods_namespace or namespace or DEFAULT_NAMESPACE for c in covered)
        )
        installs.append(
            CrossplaneInstall(
                tuple(group),
                spaces,
                unknown("several Crossplane installs in one run"),
                covers=covered,
            )
        )
    return tuple(installs)
