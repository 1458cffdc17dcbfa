"""Fix planning: the edits that give an install the one consistent set, and the findings both
modes share (pure: config + install in, plan out). Check mode's rules are in lint.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from xpnet import noproxy, rules, trust
from xpnet.config import ClusterNetwork
from xpnet.credentials import inline, redact
from xpnet.envvars import (
    BYPASS_VARS,
    GRPC,
    PASSWORD_VAR,
    PROXY_URL_VARS,
    SIX,
    USERNAME_VAR,
)
from xpnet.install import (
    EXTRA_NO_PROXY,
    CrossplaneInstall,
    EnvBlock,
    EnvVar,
    Resource,
    Role,
)
from xpnet.noproxy import NoProxySet
from xpnet.records import NamedTuple
from xpnet.rules import Rule
from xpnet.trust import ItemEdit

SAMPLE_FUNCTION = "function-example"  # any name: the Service lives in Crossplane's namespace
FUNCTION_PORT = "9443"  # docs/explanation/function-calls.md


class Place(NamedTuple):
    """Where in the configuration a finding about it is: the file (None where the reader could
    not know it: `unknown` says why), the 1-based line of the field, and the field."""

    file: str | None
    line: int
    field: str
    unknown: str = ""


class Finding(NamedTuple):
    rule: Rule
    message: str
    resource: Resource | None = None
    block: EnvBlock | None = None
    var: str | None = None
    place: Place | None = None  # a finding about the configuration: where it is written
    suppressed: str | None = None  # why: the resource's ignore-check.xpnet.dev annotation
    variables: tuple[str, ...] = ()  # the variables of one finding about several (var is None)

    @property
    def names(self) -> tuple[str, ...]:
        """Every variable the finding is about."""
        return (self.var,) if self.var is not None else self.variables


def finding(
    rule: Rule,
    resource: Resource | None = None,
    block: EnvBlock | None = None,
    var: str | None = None,
    **fields: object,
) -> Finding:
    """A finding with the rule's own message, filled in."""
    return Finding(rule, rule.say(**fields), resource, block, var)


def collapse(findings: list[Finding]) -> list[Finding]:
    """One finding per problem: findings of one rule about one container (or resource) that
    say the same thing of several variables become one listing them; repeats go. The first
    one's place in the order is kept."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for found in findings:
        # The configuration's findings (no resource) are never merged: their variable is kept.
        var = found.var if found.resource is None else None
        key = (found.rule.id, id(found.resource), id(found.block), found.message, var)
        groups.setdefault(key, []).append(found)
    out = []
    for group in groups.values():
        names = tuple(dict.fromkeys(n for f in group for n in f.names))
        first = group[0]
        if len(names) > 1:
            out.append(first._replace(var=None, variables=names))
        else:
            out.append(first)
    return out


class SecretRef(NamedTuple):
    """An env variable taken from a Secret key (proxy credentials)."""

    name: str
    secret: str
    key: str


class EnvEdit(NamedTuple):
    """Set these variables (in this order for new entries) in one env block; `refs` go before
    the first proxy variable, since Kubernetes expands $(VAR) only from earlier entries."""

    resource: Resource
    block: EnvBlock
    values: tuple[tuple[str, str], ...]
    changed: tuple[str, ...]  # the names whose value is added or changed
    refs: tuple[SecretRef, ...] = ()
    # New entries placed after an existing one, as the chart places them (CA_BUNDLE_PATH after
    # LEADER_ELECTION), instead of at the end: name → the names to follow, last one found wins.
    after: tuple[tuple[str, tuple[str, ...]], ...] = ()


class Plan(NamedTuple):
    install: CrossplaneInstall
    no_proxy: NoProxySet
    edits: tuple[EnvEdit, ...]
    findings: tuple[Finding, ...]
    items: tuple[ItemEdit, ...] = ()
    # What fix would change where it cannot write (EnvBlock.locked): check reports it (XPN016).
    locked: tuple[EnvEdit, ...] = ()


def _full_set(resource: Resource, block: EnvBlock) -> bool:
    """Which containers get all six variables."""
    if resource.role in (Role.RUNTIME_CONFIG, Role.CONTROLLER_CONFIG, Role.CORE) and block.main:
        return True
    return resource.role in (Role.CORE, Role.RBAC_MANAGER) and block.sets_proxy


def _written(resource: Resource, block: EnvBlock, config: ClusterNetwork) -> tuple[str, ...]:
    """The variables xpnet writes in a block, in the order new entries are added."""
    grpc_configured = config.spec.proxy.grpcProxy is not None
    extra = tuple(n for n in GRPC if grpc_configured or block.get(n))
    if _full_set(resource, block):
        return SIX + extra
    if resource.role in (Role.CORE, Role.RBAC_MANAGER) and block.sets_no_proxy:
        return ("NO_PROXY", "no_proxy", *extra)
    return ()


def targets(
    install: CrossplaneInstall, config: ClusterNetwork
) -> Iterator[tuple[Resource, EnvBlock, tuple[str, ...]]]:
    """The env blocks xpnet writes (or checks), with the variables it writes there; a runtime
    config annotated xpnet.dev/skip has none."""
    for resource in install.resources:
        if resource.skip:
            continue
        for block in resource.blocks:
            names = _written(resource, block, config)
            if names:
                yield resource, block, names


def _existing(install: CrossplaneInstall, config: ClusterNetwork) -> list[tuple[str, str]]:
    found = []
    for resource, block, _ in targets(install, config):
        for var in BYPASS_VARS:
            env = block.get(var)
            if env is not None and env.value:
                where = f"already in {resource.ref}" + (
                    f" container {block.container}" if block.container else ""
                )
                found += [
                    (entry, f"{where} {var}")
                    for entry in noproxy.split(env.value)
                    if entry not in resource.extra_no_proxy  # its own, not the install's
                ]
    return found


def scoped(nps: NoProxySet, resource: Resource) -> NoProxySet:
    """The install's set plus the entries a runtime config declares for itself
    (xpnet.dev/extra-no-proxy): what its NO_PROXY holds."""
    if not resource.extra_no_proxy:
        return nps
    reason = f"{resource.ref}: annotation {EXTRA_NO_PROXY}"
    return nps.extended(resource.extra_no_proxy, "runtime-config", reason)


def _with_credentials(url: str | None, config: ClusterNetwork) -> str:
    """The proxy URL, with $(VAR) references to the credentials Secret when one is set."""
    secret = config.spec.proxy.credentialsSecret
    if not url or secret is None:
        return url or ""
    parts = urlsplit(url)
    netloc = f"$({USERNAME_VAR}):$({PASSWORD_VAR})@{parts.netloc}"
    return parts._replace(netloc=netloc).geturl()


def _refs(config: ClusterNetwork) -> tuple[SecretRef, ...]:
    secret = config.spec.proxy.credentialsSecret
    if secret is None:
        return ()
    return (
        SecretRef(USERNAME_VAR, secret.name, secret.usernameKey),
        SecretRef(PASSWORD_VAR, secret.name, secret.passwordKey),
    )


def variables(config: ClusterNetwork, nps: NoProxySet) -> dict[str, str]:
    """The value of every variable xpnet writes: what `fix` writes and `values` prints.
    grpc_proxy, where it is not configured but present, follows https_proxy (gRPC C-core
    prefers it to https_proxy, so a stale one would win)."""
    http = _with_credentials(config.http_proxy, config)
    https = _with_credentials(config.https_proxy, config)
    grpc = _with_credentials(config.spec.proxy.grpcProxy, config) or https
    return {
        "HTTP_PROXY": http,
        "HTTPS_PROXY": https,
        "NO_PROXY": nps.value,
        "http_proxy": http,
        "https_proxy": https,
        "no_proxy": nps.value,
        "grpc_proxy": grpc,
        "no_grpc_proxy": nps.value,
    }


def entry_findings(install: CrossplaneInstall, config: ClusterNetwork) -> list[Finding]:
    replace = config.spec.policy.existingEntries == "replace"
    out = []
    for resource, block, _ in targets(install, config):
        for var in BYPASS_VARS:
            env = block.get(var)
            for entry in noproxy.split(env.value) if env and env.value else ():
                if entry == "*":
                    what = (
                        "existingEntries: replace drops it"
                        if replace
                        else "remove it (xpnet keeps entries already present)"
                    )
                    out.append(finding(rules.XPN008, resource, block, var, what=what))
                elif (why := noproxy.go_cannot_use(entry)) and not replace:
                    out.append(finding(rules.XPN007, resource, block, var, entry=entry, why=why))
    return out


def resource_findings(install: CrossplaneInstall, config: ClusterNetwork) -> list[Finding]:
    out = []
    core = install.core
    configured = config.spec.crossplane.namespace
    running = core.pods_namespace if core is not None else None
    if core is not None and configured and running and running != configured:
        out.append(
            finding(
                rules.XPN017,
                core,
                core=running,
                name=config.metadata.name,
                configured=configured,
            )
        )
    if install.covers:
        cores = ", ".join(c.ref for c in install.covers)
        for resource in (r for r in install.resources if not r.skip):
            out.append(finding(rules.XPN018, resource, count=len(install.covers), cores=cores))
    secret = config.spec.proxy.credentialsSecret is not None
    for resource in install.resources:
        if resource.skip:  # left alone: XPN023 in check mode says so
            continue
        if resource.role is Role.OTHER:
            out.append(finding(rules.XPN020, resource, what=resource.note))
        out += [
            finding(rules.RULES[n.rule], resource, n.block, what=n.what) for n in resource.notices
        ]
        if resource.role is Role.TEMPLATE:
            out.append(finding(rules.XPN065, resource, line=resource.doc.template))
        for key in resource.ignored:
            what = "the init container gets no env from it; it only talks to the API server"
            version = f"v{resource.chart_version.lstrip('v')}" if resource.chart_version else ""
            out.append(finding(rules.XPN021, resource, key=key, version=version, what=what))
        if secret and resource.role is Role.CORE and any(b.keyed for b in resource.blocks):
            out.append(finding(rules.XPN022, resource))
        if resource.role is Role.CONTROLLER_CONFIG:
            out.append(finding(rules.XPN009, resource))
        if (
            resource.role is Role.CORE
            and resource.host_network
            and (resource.dns_policy != "ClusterFirstWithHostNet")
        ):
            out.append(finding(rules.XPN013, resource))
        for block in resource.blocks:
            if (
                resource.role is Role.RUNTIME_CONFIG
                and not block.main
                and (block.sets_proxy or block.sets_no_proxy)
            ):
                out.append(finding(rules.XPN014, resource, block))
    return out


_PROXY_FIELDS = ("httpProxy", "httpsProxy", "grpcProxy")


def _place(config: ClusterNetwork, matches: Callable[[str], bool]) -> Place | None:
    """Where the first proxy field whose value `matches` is written, where the reader said."""
    origin = config.origin() if callable(config.origin) else config.origin
    if origin is None:
        return None
    proxy = config.spec.proxy
    written = [f for f in _PROXY_FIELDS if (v := getattr(proxy, f)) and matches(v)]
    field = f"spec.proxy.{written[0]}" if written else "spec.proxy"
    return Place(origin.file, origin.line_of(field), field, origin.unknown)


def config_findings(config: ClusterNetwork) -> list[Finding]:
    """Findings about the configuration itself, reported once a run, each placed at the field
    it is about."""
    out = []
    proxy = config.spec.proxy
    for url in dict.fromkeys((config.http_proxy, config.https_proxy, proxy.grpcProxy)):
        if url and urlsplit(url).scheme == "https":
            found = finding(rules.XPN006, url=redact(url))
            out.append(found._replace(place=_place(config, url.__eq__)))
    if any(u and inline(u) for u in (proxy.httpProxy, proxy.httpsProxy, proxy.grpcProxy)):
        what = (
            f"the proxy URL of ClusterNetwork {config.metadata.name} carries credentials, so "
            "the manifests will too"
        )
        out.append(finding(rules.XPN015, what=what)._replace(place=_place(config, inline)))
    return out


def plan_fix(config: ClusterNetwork, install: CrossplaneInstall) -> Plan:
    """The edits that give every rewritten container the one consistent set."""
    found = install_findings(install, config)
    plan = plan_edits(config, install)
    return plan._replace(findings=(*found, *plan.findings))


def install_findings(install: CrossplaneInstall, config: ClusterNetwork) -> list[Finding]:
    """What both modes report about the manifests as they are."""
    return entry_findings(install, config) + resource_findings(install, config)


def plan_edits(config: ClusterNetwork, install: CrossplaneInstall) -> Plan:
    """The edits, with only the findings made while planning them (what fix cannot write, or
    need not: valueFrom, a later owner, a lock, trust wiring)."""
    nps = noproxy.compute(config, install.namespaces, _existing(install, config))
    findings: list[Finding] = []
    install_values = variables(config, nps)
    edits: list[EnvEdit] = []
    locked: list[EnvEdit] = []
    secret = config.spec.proxy.credentialsSecret is not None
    for resource, block, names in targets(install, config):
        if block.keyed and secret:  # XPN022: chart values cannot hold secretKeyRef entries
            continue
        values_of = (
            variables(config, scoped(nps, resource)) if resource.extra_no_proxy else install_values
        )
        values = []
        pairs, after = trust.env_for(config, resource, block)
        conflicts = trust.conflicts(config, resource, block) if pairs else []
        for c in conflicts:
            fields = {"have": c.have, "where": c.where, "want": c.want}
            findings.append(finding(rules.XPN045, resource, block, c.name, **fields))
        skipped = {c.name for c in conflicts}
        for name, want in [*((n, values_of[n]) for n in names), *pairs]:
            env = block.get(name)
            if env is not None and env.from_ref:
                findings += value_from(resource, block, env, want)
            elif name not in skipped:
                values.append((name, want))
        # Set after the values (an Argo CD parameter, a Flux post-renderer patch): fix cannot
        # change it there, so a value other than the one fix sets is an error, not an edit.
        owned = [(n, v, e.owner) for n, v in values if (e := block.get(n)) and e.owner]
        findings += [
            finding(rules.XPN043, resource, block, n, owner=owner)
            for n, v, owner in owned
            if block.values().get(n) != v
        ]
        values = [(n, v) for n, v in values if not any(n == o for o, _, _ in owned)]
        refs = _refs(config) if any(n in PROXY_URL_VARS for n, _ in values) else ()
        changed = tuple(r.name for r in refs if block.get(r.name) is None)
        changed += tuple(n for n, v in values if (e := block.get(n)) is None or e.value != v)
        edit = EnvEdit(resource, block, tuple(values), changed, refs, after)
        if changed and block.locked:
            findings.append(finding(rules.XPN019, resource, block, problem=block.locked))
            locked.append(edit)
        elif changed:
            edits.append(edit)
    items: list[ItemEdit] = []
    for resource in install.resources:
        wiring, problems = trust.items_for(config, resource)
        items += wiring
        findings += [finding(rules.XPN030, resource, problem=p) for p in problems]
    findings += trust_findings(install, config)
    return Plan(install, nps, tuple(edits), tuple(findings), tuple(items), tuple(locked))


def value_from(resource: Resource, block: EnvBlock, env: EnvVar, want: str) -> list[Finding]:
    """A variable set through valueFrom, which fix cannot change, against the value it sets:
    fine when equal, else XPN046; XPN047 when its ConfigMap lacks the key; XPN010 when xpnet
    cannot read it (a Secret, a ConfigMap not in the input)."""
    if env.absent and env.ref is not None:
        outcome = (
            "the variable is not set at all (optional: true)"
            if env.ref.optional
            else "the container does not start (CreateContainerConfigError)"
        )
        fields = {"origin": env.origin, "outcome": outcome}
        return [finding(rules.XPN047, resource, block, env.name, **fields)]
    if env.unresolved:
        shown = ", ".join(f"$({redact(n)})" for n in env.unresolved)
        return [finding(rules.XPN068, resource, block, env.name, references=shown)]
    if env.value is None or env.ref is None:
        source = f" from {env.origin}" if env.origin else ""
        return [finding(rules.XPN010, resource, block, env.name, source=source)]
    if env.name in BYPASS_VARS:
        parts = entry_differences(env.value, want)
        if not parts:  # the order of the entries decides nothing
            return []
        difference = "; ".join(parts)
    elif env.value == want:
        return []
    else:
        difference = f"is {redact(env.value)!r}, not {redact(want)!r}"
    fields = {"origin": env.origin, "difference": difference, "key": env.ref.key}
    return [finding(rules.XPN046, resource, block, env.name, **fields)]


def trust_findings(install: CrossplaneInstall, config: ClusterNetwork) -> list[Finding]:
    """XPN027 where fix wires a bundle of only the corporate CA through variables that replace
    the roots (a Python runtime)."""
    bundle = config.spec.trust.caBundle if config.spec.trust else None
    if bundle is None or bundle.complete:
        return []
    out = []
    for resource, block, _ in targets(install, config):
        pairs, _ = trust.env_for(config, resource, block)
        for name, path in pairs:
            if name in trust.REPLACING.get(resource.runtime, ()):
                source = f"{'ConfigMap' if bundle.configMapRef else 'Secret'} {bundle.ref.name}"
                fields = {"path": path, "source": source, "runtime": resource.runtime}
                out.append(finding(rules.XPN027, resource, block, name, **fields))
    return out


def _shown(entries: list[str]) -> str:
    return ", ".join(entries[:6]) + (f" and {len(entries) - 6} more" if len(entries) > 6 else "")


def entry_differences(have: str, want: str) -> list[str]:
    """How a NO_PROXY value's entries differ from the ones fix sets, in words: what it lacks,
    what it has besides; empty when they are the same entries in any order."""
    had, wanted = noproxy.split(have), noproxy.split(want)
    # Sets for membership: a list test per entry is quadratic in long NO_PROXY values.
    had_set, wanted_set = set(had), set(wanted)
    parts = []
    if missing := [e for e in wanted if e not in had_set]:
        parts.append(f"lacks {_shown(missing)}")
    if extra := [e for e in had if e not in wanted_set]:
        parts.append(f"has {_shown(extra)}, which existingEntries: replace drops")
    return parts
