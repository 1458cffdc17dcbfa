"""The corporate CA next to the proxy: what fix wires into each container, what
check judges, and which roots each runtime reads with a given env. Pure: config + install in,
edits and findings out.

The core gets exactly the chart's registryCaBundleConfig wiring (a ConfigMap volume ca-certs,
mounted at /certs, CA_BUNDLE_PATH=/certs/<key>; chart templates/deployment.yaml), which Crossplane
adds to the system pool for package pulls (cmd/crossplane/core/certs.go). A runtime config's
package-runtime container gets a read-only mount and the variable that adds a CA for what it
runs (measured in tests/differential/test_trust_runtimes.py; docs/how-to/corporate-ca.md)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from xpnet.config import ClusterNetwork, Trust
from xpnet.errors import InputError
from xpnet.install import (
    DEPLOYMENT_PODSPEC,
    RUNTIME_CONFIG_PODSPEC,
    EnvBlock,
    Resource,
    Role,
)
from xpnet.records import NamedTuple
from xpnet.system_roots import GO_CERT_DIRS, SYSTEM_TRUST_DIRS
from xpnet.yaml.nodes import Node, SequenceNode, get, get_in, scalar, to_data, walk

CORE_VOLUME = "ca-certs"  # the chart's names (registryCaBundleConfig)
CORE_MOUNT = "/certs"
CORE_VAR = "CA_BUNDLE_PATH"
CHART_VALUES_KEY = "registryCaBundleConfig"
# Where the chart puts its entries: after these, before anything else.
CORE_VAR_AFTER = ("LEADER_ELECTION",)
CORE_CACHES = ("package-cache", "function-cache")
RUNTIME_VOLUME = "xpnet-ca-bundle"
# Per runtime (xpnet.dev/runtime), the variables fix writes to make it trust the bundle, and
# whether each points at the mount's directory or at the bundle file. Go's and Node's add the
# CA to the public roots; Python has none that adds (REPLACING, XPN027).
WRITTEN: dict[str, tuple[tuple[str, str], ...]] = {
    "go": (("SSL_CERT_DIR", "dir"),),  # replaces only the directory list: the bundle file stays
    "node": (("NODE_EXTRA_CA_CERTS", "file"),),
    "python": (("SSL_CERT_FILE", "file"), ("REQUESTS_CA_BUNDLE", "file")),  # both replace
}
REPLACING: dict[str, tuple[str, ...]] = {"python": ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")}
TRUST_VARS = (
    CORE_VAR,
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
)
# Variables holding a colon-separated list of directories: Go splits SSL_CERT_DIR on ":" and
# reads every directory of it, skipping those that do not exist
# (https://github.com/golang/go/blob/master/src/crypto/x509/root_unix.go), as OpenSSL does. So
# fix adds its directory to a list already there instead of replacing the list; every other
# trust variable names one file.
DIR_LISTS = ("SSL_CERT_DIR",)


class ItemEdit(NamedTuple):
    """Make one item of a list (a volume, a volume mount) or one mapping (chart values'
    registryCaBundleConfig) hold `item`: added when missing, its differing fields set."""

    resource: Resource
    path: tuple[str | int, ...]  # the mapping holding `key`, or the container list
    container: str | None  # with it: the container of the list at `path` that holds `key`
    key: str  # volumes, volumeMounts, registryCaBundleConfig
    item: dict[str, Any]
    match: str | None  # the field naming the item in the list; None: `key` holds `item` itself
    after: tuple[str, ...] = ()  # a new item goes after the last item with one of these names
    what: str = ""  # for messages: "volume ca-certs"


class Wiring(NamedTuple):
    """Where one resource's pods see the bundle."""

    podspec: tuple[str, ...]  # the mapping holding `volumes`
    container: str | None  # the container holding `volumeMounts` (None: a ControllerConfig)
    containers: tuple[str, ...]  # the container list's path


def _wiring(resource: Resource) -> Wiring | None:
    path: tuple[str, ...]
    if resource.role is Role.CORE:
        path = DEPLOYMENT_PODSPEC
        return Wiring(path, "crossplane", (*path, "containers"))
    if resource.role is Role.RUNTIME_CONFIG:
        path = RUNTIME_CONFIG_PODSPEC
        return Wiring(path, "package-runtime", (*path, "containers"))
    if resource.role is Role.CONTROLLER_CONFIG:
        return Wiring(("spec",), None, ())
    return None


def _source(trust: Trust) -> dict[str, Any]:
    """A volume's source: the bundle's one key, at a file of the same name."""
    ref = trust.caBundle.ref
    items = [{"key": ref.key, "path": ref.key}]
    if trust.caBundle.configMapRef is not None:
        return {"configMap": {"name": ref.name, "items": items}}
    return {"secret": {"secretName": ref.name, "items": items}}


def variables(trust: Trust, resource: Resource) -> tuple[tuple[str, str], ...]:
    """The trust variables of a resource's main container, with their values."""
    key = trust.caBundle.ref.key
    if resource.role is Role.CORE:
        return ((CORE_VAR, f"{CORE_MOUNT}/{key}"),)
    if resource.role in (Role.RUNTIME_CONFIG, Role.CONTROLLER_CONFIG):
        runtime = resource.runtime
        return tuple(
            (name, trust.mountPath if to == "dir" else f"{trust.mountPath}/{key}")
            for name, to in WRITTEN[runtime]
        )
    return ()


def with_dir(have: str, folder: str) -> str:
    """A directory list (SSL_CERT_DIR) that holds `folder`: `have` itself when it does, else
    `have` with `folder` added at its end."""
    if any(p.rstrip("/") == folder.rstrip("/") for p in have.split(":") if p):
        return have
    return f"{have.rstrip(':')}:{folder}" if have.strip(":") else folder


def env_for(
    config: ClusterNetwork, resource: Resource, block: EnvBlock
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """The trust variables fix writes into a block (a directory list keeps the directories it
    has) and where new ones go; none for chart values (registryCaBundleConfig renders
    CA_BUNDLE_PATH) or without spec.trust."""
    trust = config.spec.trust
    if trust is None or not block.main or block.keyed or resource.skip:
        return (), ()
    pairs = []
    for name, value in variables(trust, resource):
        have = block.get(name)
        if name in DIR_LISTS and have is not None and have.value:
            value = with_dir(have.value, value)
        pairs.append((name, value))
    after = ((CORE_VAR, CORE_VAR_AFTER),) if resource.role is Role.CORE else ()
    return tuple(pairs), after


class Conflict(NamedTuple):
    """A one-file trust variable already naming another bundle (XPN045)."""

    name: str
    have: str
    where: str
    want: str


def conflicts(config: ClusterNetwork, resource: Resource, block: EnvBlock) -> list[Conflict]:
    """The one-file trust variables of a block that already name a bundle xpnet did not wire
    (not on its own mount, nor from spec.trust's ConfigMap or Secret): fix leaves them, since
    pointing them at the corporate bundle would drop that one."""
    trust = config.spec.trust
    if trust is None:
        return []
    pairs, _ = env_for(config, resource, block)
    if not pairs:
        return []
    found = mounts(resource, block)
    by_name = {v.get("name"): v for v in volumes(resource)}
    core = resource.role is Role.CORE
    own_path = CORE_MOUNT if core else trust.mountPath
    out = []
    for name, want in pairs:
        have = block.get(name)
        if name in DIR_LISTS or have is None or have.from_ref or not have.value:
            continue
        if have.value == want:
            continue
        mount = mount_of(have.value, found)
        if mount is None:
            where = "a file of the image (no volume is mounted there)"
            out.append(Conflict(name, have.value, where, want))
            continue
        volume_name = str(mount.get("name"))
        volume = by_name.get(volume_name) or {}
        ours = volume_name == CORE_VOLUME if core else volume_name.startswith(RUNTIME_VOLUME)
        if ours or str(mount["mountPath"]).rstrip("/") == own_path.rstrip("/"):
            continue
        if _sources(volume, trust.caBundle.ref.name, bool(trust.caBundle.configMapRef)):
            continue
        where = f"on volume {volume_name} mounted at {mount['mountPath']}"
        out.append(Conflict(name, have.value, where, want))
    return out


def _sources(volume: dict[str, Any], name: str, config_map: bool) -> bool:
    """Whether a volume shows keys of the ConfigMap (or Secret) `name`."""
    want = "configMap" if config_map else "secret"
    for kind, spec in _volume_source_specs(volume):
        found = spec.get("secretName" if kind == "secret-volume" else "name")
        if kind.split("-")[0] == want and found == name:
            return True
    return False


def _container(root: Node, wiring: Wiring) -> Node | None:
    seq = get_in(root, *wiring.containers)
    if not isinstance(seq, SequenceNode):
        return None
    return next((i for i in seq.value if scalar(get(i, "name")) == wiring.container), None)


def _list(node: Node | None, source: str) -> list[dict[str, Any]]:
    """The volumes or mounts of a list, as data; a name that is not a string (the API server
    refuses it) is its text, so that it still takes its place and its path."""
    found = to_data(node, source) if node is not None else None
    if not isinstance(found, list):
        return []
    items = [i for i in found if isinstance(i, dict)]
    for item in items:
        if "name" in item and not isinstance(item["name"], str):
            item["name"] = str(item["name"])
    return items


def same(have: Any, want: Any) -> bool:
    """Data as read (every scalar a string) against data as written."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(same(have.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(have) == len(want)
            and all(same(h, w) for h, w in zip(have, want, strict=True))
        )
    if isinstance(want, bool):
        return bool(have == str(want).lower())
    return bool(have == want)


def _kind(volume: dict[str, Any]) -> str | None:
    return next((k for k in volume if k != "name"), None)


def items_for(config: ClusterNetwork, resource: Resource) -> tuple[list[ItemEdit], list[str]]:
    """The volumes, mounts (or chart values) that wire the bundle into one resource, and why
    that cannot be done where it cannot (XPN030)."""
    trust = config.spec.trust
    wiring = _wiring(resource)
    if trust is None or wiring is None or resource.skip:
        return [], []
    keyed = next((b for b in resource.blocks if b.keyed and b.main), None)
    if resource.role is Role.CORE and keyed is not None:
        return _chart_values(trust, resource, keyed)
    if any(b.keyed for b in resource.blocks):
        return [], []
    root, source = resource.doc.root, resource.doc.source
    volumes = _list(get_in(root, *wiring.podspec, "volumes"), source)
    container = _container(root, wiring) if wiring.container else root
    mount_holder = get_in(container, "spec") if wiring.container is None else container
    mounts = _list(get(mount_holder, "volumeMounts"), source)
    wanted = _source(trust)
    core = resource.role is Role.CORE
    mount_path = CORE_MOUNT if core else trust.mountPath
    out: list[ItemEdit] = []
    problems: list[str] = []
    by_name = {v.get("name"): v for v in volumes}
    if core:
        name = CORE_VOLUME
        have = by_name.get(name)
        if have is not None and _kind(have) != _kind(wanted) and not _shows_bundle(have, trust):
            problems.append(
                f"its volume {name} is a {_kind(have)} volume; the chart's registryCaBundleConfig "
                f"names the CA bundle's volume {name}: rename that volume"
            )
    else:
        reuse = next(
            (v["name"] for v in volumes if _shows_bundle(v, trust) and v.get("name")), None
        )
        taken = set(by_name)
        candidates = [RUNTIME_VOLUME] + [f"{RUNTIME_VOLUME}-{n}" for n in range(2, 100)]
        name = reuse or next(n for n in candidates if n not in taken)
        have = by_name.get(name)
    volume = {"name": name, **wanted}
    after = CORE_CACHES if core else ()
    # A volume that already shows the bundle's key (all of its keys, or more items) stays as
    # it is: another mount of it may use what it shows besides.
    if not problems and not (have is not None and _shows_bundle(have, trust)):
        out.append(
            ItemEdit(
                resource, wiring.podspec, None, "volumes", volume, "name", after, f"volume {name}"
            )
        )
    mount: dict[str, Any] = {"mountPath": mount_path, "name": name}
    if not core:
        mount["readOnly"] = True
    at_path = next(
        (m for m in mounts if (m.get("mountPath") or "").rstrip("/") == mount_path), None
    )
    sub_path = at_path.get("subPath") or at_path.get("subPathExpr") if at_path else None
    if at_path is not None and sub_path:
        return [], [
            f"the mount at {mount_path} (volume {at_path.get('name')}) has subPath {sub_path}: "
            f"it shows one file or folder of the volume there, so {mount_path}/"
            f"{trust.caBundle.ref.key} is not the bundle; remove subPath from that mount"
        ]
    if at_path is not None and _shows_bundle(by_name.get(at_path.get("name")), trust):
        return [], []  # the user's own wiring already shows the bundle where xpnet points
    if at_path is not None and at_path.get("name") != name:
        other = str(at_path.get("name"))
        if not other.startswith(RUNTIME_VOLUME):
            fix = (
                "the chart mounts the CA bundle there: move that mount"
                if core
                else "choose another spec.trust.mountPath"
            )
            problems.append(f"{mount_path} is already the mount path of volume {other}; {fix}")
    if not problems and not (at_path is not None and same(at_path, mount)):
        holder = wiring.containers if wiring.container else wiring.podspec
        out.append(
            ItemEdit(
                resource,
                holder,
                wiring.container,
                "volumeMounts",
                mount,
                "mountPath",
                after,
                f"mount {mount_path}",
            )
        )
    if problems:
        return [], problems
    return out, []


def _shows_bundle(volume: dict[str, Any] | None, trust: Trust) -> bool:
    """Whether a volume shows the bundle's key at a file of the same name (as xpnet's own
    volume does), through a ConfigMap or Secret volume or a projected one."""
    if volume is None:
        return False
    ref = trust.caBundle.ref
    kind = "configMap" if trust.caBundle.configMapRef is not None else "secret"
    for source_kind, source in _volume_source_specs(volume):
        name = source.get("secretName" if source_kind == "secret-volume" else "name")
        if source_kind.split("-")[0] != kind or name != ref.name:
            continue
        items = source.get("items")
        if not items or any(
            isinstance(i, dict) and i.get("key") == ref.key and i.get("path") == ref.key
            for i in items
        ):
            return True
    return False


def _volume_source_specs(volume: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each ConfigMap or Secret a volume shows, with its spec: (configMap, spec),
    (secret-volume, spec) for a Secret volume (secretName), (secret, spec) projected."""
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(volume.get("configMap"), dict):
        out.append(("configMap", volume["configMap"]))
    if isinstance(volume.get("secret"), dict):
        out.append(("secret-volume", volume["secret"]))
    projected = volume.get("projected")
    sources = projected.get("sources") if isinstance(projected, dict) else None
    for source in sources if isinstance(sources, list) else []:
        for kind in ("configMap", "secret"):
            if isinstance(source, dict) and isinstance(source.get(kind), dict):
                out.append((kind, source[kind]))
    return out


def _chart_values(
    trust: Trust, resource: Resource, block: EnvBlock
) -> tuple[list[ItemEdit], list[str]]:
    """Chart values: registryCaBundleConfig, which renders the same wiring."""
    if trust.caBundle.configMapRef is None:
        problem = (
            "the chart's registryCaBundleConfig takes a ConfigMap, and spec.trust.caBundle "
            "names a Secret: give configMapRef, or fix the rendered manifests instead"
        )
        return [], [problem]
    ref = trust.caBundle.configMapRef
    want = {"name": ref.name, "key": ref.key}
    values = to_data(walk(resource.doc.root, block.holder_path), "values")
    have = values.get(CHART_VALUES_KEY) if isinstance(values, dict) else None
    if same(have, want):
        return [], []
    edit = ItemEdit(
        resource, block.holder_path, None, CHART_VALUES_KEY, want, None, (), CHART_VALUES_KEY
    )
    return [edit], []


def _mount_holder(resource: Resource, block: EnvBlock) -> Node | None:
    wiring = _wiring(resource)
    if wiring is None:
        return None
    if wiring.container is None:
        return get(resource.doc.root, "spec")
    return _container(resource.doc.root, wiring._replace(container=block.container))


def mounts(resource: Resource, block: EnvBlock) -> list[dict[str, Any]]:
    """The volume mounts of a block's container (a ControllerConfig's spec.volumeMounts)."""
    return _list(get(_mount_holder(resource, block), "volumeMounts"), resource.doc.source)


def volumes(resource: Resource) -> list[dict[str, Any]]:
    wiring = _wiring(resource)
    if wiring is None:
        return []
    return _list(get_in(resource.doc.root, *wiring.podspec, "volumes"), resource.doc.source)


def _under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def mount_of(path: str, found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The mount a file path is on (the deepest one)."""
    on = [m for m in found if isinstance(m.get("mountPath"), str) and _under(path, m["mountPath"])]
    return max(on, key=lambda m: len(m["mountPath"]), default=None)


def partial_bundles(
    config: ClusterNetwork, resource: Resource, block: EnvBlock, env: dict[str, str]
) -> Iterator[tuple[str, str, str]]:
    """XPN027: (variable, path, source) for each variable that replaces the roots of the
    resource's runtime and points into a ConfigMap or Secret volume not declared complete."""
    names = REPLACING.get(resource.runtime, ())
    if not names or resource.role not in (Role.RUNTIME_CONFIG, Role.CONTROLLER_CONFIG):
        return
    found, by_name = mounts(resource, block), {v.get("name"): v for v in volumes(resource)}
    bundle = config.spec.trust.caBundle if config.spec.trust else None
    for name in names:
        path = env.get(name)
        mount = mount_of(path, found) if path else None
        volume = by_name.get(mount.get("name")) if mount else None
        if not path or volume is None or _kind(volume) not in ("configMap", "secret"):
            continue
        source = volume[_kind(volume) or ""]
        # A source that is not a mapping (`configMap: [corp-ca]`) names no object (the API
        # server refuses such a volume).
        ref = (source.get("name") or source.get("secretName")) if isinstance(source, dict) else None
        if bundle is not None and bundle.complete and ref == bundle.ref.name:
            continue
        what = "ConfigMap" if _kind(volume) == "configMap" else "Secret"
        yield name, path, f"{what} {ref}" if ref else f"a {what} volume that names no {what}"


def bundle_path_unmounted(
    resource: Resource, block: EnvBlock, env: dict[str, str]
) -> tuple[str, str] | None:
    """XPN028: CA_BUNDLE_PATH of the core, and why, when no mounted volume shows a file there."""
    path = env.get(CORE_VAR)
    if resource.role is not Role.CORE or not block.main or block.keyed or not path:
        return None
    why = missing_file(path, mounts(resource, block), volumes(resource))
    return None if why is None else (path, why)


def _shown(volume: dict[str, Any]) -> tuple[set[str], bool] | None:
    """The files a volume shows, where that is known from the manifest: the paths its items
    (and other projections) name, and whether a ConfigMap or Secret without items shows a
    file per key besides; None for any other volume (emptyDir, a claim, hostPath, CSI...)."""
    paths: set[str] = set()
    whole = False
    specs = _volume_source_specs(volume)
    projected = volume.get("projected")
    if not specs and not isinstance(projected, dict):
        return None
    for _, spec in specs:
        items = spec.get("items")
        if not items:
            whole = True
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                paths.add(item["path"].strip("/"))
    sources = projected.get("sources") if isinstance(projected, dict) else None
    for source in sources if isinstance(sources, list) else []:
        for kind, spec in source.items() if isinstance(source, dict) else ():
            if kind in ("configMap", "secret") or not isinstance(spec, dict):
                continue
            if isinstance(spec.get("path"), str):  # serviceAccountToken, clusterTrustBundle
                paths.add(spec["path"].strip("/"))
            for item in spec.get("items") or [] if isinstance(spec.get("items"), list) else []:
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    paths.add(item["path"].strip("/"))  # downwardAPI
    return paths, whole


def missing_file(
    path: str, found: list[dict[str, Any]], declared: list[dict[str, Any]]
) -> str | None:
    """Why no file is at `path` in a container with these mounts and pod volumes, None when
    one is (or may be: a volume whose files the manifest does not say). A mount with subPath
    shows that one file or folder of the volume at its mount path
    (https://kubernetes.io/docs/concepts/storage/volumes/#using-subpath)."""
    mount = mount_of(path, found)
    if mount is None:
        return "and no volume is mounted there"
    at, name = str(mount["mountPath"]), mount.get("name")
    if mount.get("subPathExpr"):
        return None
    below = path[len(at.rstrip("/")) :].strip("/")
    sub = str(mount.get("subPath") or "").strip("/")
    inside = "/".join(p for p in (sub, below) if p)
    volume = next((v for v in declared if v.get("name") == name), None)
    if volume is None:
        return f"and volume {name}, mounted at {at}, is not a volume of the pod"
    if not inside:
        return f"which is the folder volume {name} is mounted at, not a file"
    shown = _shown(volume)
    if shown is None:
        return None
    paths, whole = shown
    if inside in paths or (whole and "/" not in inside):
        return None
    if sub and below and (sub in paths or (whole and "/" not in sub)):
        return (
            f"and the mount at {at} has subPath {sub}, one file of volume {name}: nothing is "
            "below it"
        )
    return f"and volume {name}, mounted at {at}, shows no file {inside}"


def clean_path(path: str) -> str:
    """A mount path as the container runtime mounts it (//etc/./ssl/ is /etc/ssl)."""
    return posixpath.normpath(re.sub("/+", "/", path))


# The first folder of each system trust directory: a document that names none has no mount
# that hides one (what hiding_mounts looks for before it parses any mount).
_TRUST_TOPS = tuple(sorted({"/" + d.split("/")[1] for d in SYSTEM_TRUST_DIRS}))


def hiding_mounts(resource: Resource, block: EnvBlock) -> Iterator[tuple[str, str, str]]:
    """XPN029: (volume, mount path, hidden directory) for mounts at or above a system trust
    directory; the main container's only: the one that talks to registries and APIs."""
    segment = resource.doc.segment
    if block.keyed or not block.main:
        return
    if all(segment.whole.find(top, segment.start, segment.end) < 0 for top in _TRUST_TOPS):
        return  # no mount path here can reach a trust directory
    for mount in mounts(resource, block):
        path = mount.get("mountPath")
        if not isinstance(path, str) or not path.startswith("/"):
            continue
        hidden = next((d for d in SYSTEM_TRUST_DIRS if _under(d, clean_path(path))), None)
        if hidden:
            yield str(mount.get("name")), path, hidden


# Which roots each runtime reads with a given env (measured by
# tests/differential/test_trust_runtimes.py): `xpnet explain`'s trust lines.
GO_FILES = (
    "the first of Go's default bundle files that exists (/etc/ssl/certs/ca-certificates.crt, ...)"
)
GO_DIRS = ":".join(GO_CERT_DIRS)


def reads(runtime: str, env: dict[str, str]) -> list[str]:
    """What a runtime trusts with this env, in words, one item per source of roots."""
    if runtime in ("go", "crossplane-core"):
        out = [
            f"bundle file {env['SSL_CERT_FILE']} (SSL_CERT_FILE)"
            if env.get("SSL_CERT_FILE")
            else GO_FILES,
            f"every file in {env.get('SSL_CERT_DIR') or GO_DIRS}"
            + (" (SSL_CERT_DIR)" if env.get("SSL_CERT_DIR") else ""),
        ]
        if runtime == "crossplane-core" and env.get(CORE_VAR):
            out.append(f"for package pulls also {env[CORE_VAR]} ({CORE_VAR})")
        return out
    if runtime == "python-ssl":
        return [
            f"{env['SSL_CERT_FILE']} instead of OpenSSL's default bundle (SSL_CERT_FILE)"
            if env.get("SSL_CERT_FILE")
            else "OpenSSL's default bundle (/usr/lib/ssl/cert.pem)",
            f"hash-named files (<hash>.0) in {env['SSL_CERT_DIR']} (SSL_CERT_DIR)"
            if env.get("SSL_CERT_DIR")
            else "hash-named files in OpenSSL's default directory (/usr/lib/ssl/certs)",
        ]
    if runtime == "python-requests":
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            if env.get(name):
                return [f"{env[name]} only, instead of certifi's bundle ({name})"]
        return ["certifi's bundle only (not the system bundle)"]
    extra = env.get("NODE_EXTRA_CA_CERTS")
    return ["its built-in roots"] + ([f"and {extra} (NODE_EXTRA_CA_CERTS)"] if extra else [])


def explained_runtimes(resource: Resource) -> tuple[str, ...]:
    """The runtimes a trust line is shown for: the core's, or a runtime config's."""
    if resource.role is Role.CORE:
        return ("crossplane-core",)
    if resource.role in (Role.RUNTIME_CONFIG, Role.CONTROLLER_CONFIG):
        return {"go": ("go",), "python": ("python-ssl", "python-requests"), "node": ("node",)}[
            resource.runtime
        ]
    return ()


def certificates(text: str, source: str) -> int:
    """How many PEM certificates a bundle holds; a file that holds none is refused."""
    import binascii  # explain --ca-bundle only
    import re

    pem = r"-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----"
    found = 0
    for match in re.finditer(pem, text):
        try:
            binascii.a2b_base64(match.group(1).encode())
        except binascii.Error:
            raise InputError(
                source, [f"a certificate is not valid base64 ({match.start()})"]
            ) from None
        found += 1
    if not found:
        raise InputError(
            source,
            [
                "not a PEM bundle: no -----BEGIN CERTIFICATE----- block; give the CA "
                "certificates in PEM, as the ConfigMap key holds them (openssl x509 -inform der "
                "-in ca.der -out ca.pem converts DER)"
            ],
        )
    return found
