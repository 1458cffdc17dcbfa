"""Check mode: the rule catalogue judges an install as it is, one small function per rule, and
every variable fix would change is an error too (XPN016). Pure: config + install in, findings out.

Adding a rule: its entry in rules.py (id, severity, title, fix) and a function here in LINTS."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterator

from xpnet import noproxy, rules, trust
from xpnet.config import ClusterNetwork
from xpnet.credentials import inline, redact
from xpnet.envvars import BYPASS_VARS, NO_PROXY_VARS, SIX, UPPER
from xpnet.install import SKIP, CrossplaneInstall, EnvBlock, Resource, Role
from xpnet.plan import (
    FUNCTION_PORT,
    SAMPLE_FUNCTION,
    EnvEdit,
    Finding,
    Plan,
    entry_differences,
    finding,
    install_findings,
    plan_edits,
    targets,
)
from xpnet.records import NamedTuple
from xpnet.rules import Rule, Severity
from xpnet.runtimes import decide
from xpnet.runtimes.go import effective
from xpnet.trust import TRUST_VARS, ItemEdit
from xpnet.versions import GRPC_GO_HOST, GRPC_GO_POD_IP, FunctionMatch
from xpnet.yaml.splice import flow

# The variables clients read a proxy URL from, upper-cased: curl, Python and Node read all_proxy
# too (https://curl.se/libcurl/c/CURLOPT_PROXY.html), gRPC C-core grpc_proxy
# (https://github.com/grpc/grpc/blob/master/doc/environment_variables.md).
PROXY_URL_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "GRPC_PROXY", "ALL_PROXY")


class Container(NamedTuple):
    """One env block under judgement, with what the rules need to know around it."""

    config: ClusterNetwork
    install: CrossplaneInstall
    resource: Resource
    block: EnvBlock
    env: dict[str, str]  # the plain values
    reference: dict[str, str]  # per variable, the value the other containers agree on

    def finding(self, rule: Rule, var: str | None, **fields: object) -> Finding:
        return finding(rule, self.resource, self.block, var, **fields)

    @property
    def core(self) -> bool:
        return self.resource.role is Role.CORE and self.block.main

    def unknown(self, *names: str) -> bool:
        """Whether one of these is set through valueFrom to a value xpnet cannot read (XPN010
        or XPN047 says so), or may be set by an envFrom source it cannot read: then no rule may
        say it is not set."""
        for name in names:
            found = self.block.get(name)
            if found is None and self.block.unread_from:  # an envFrom source may set it
                return True
            if found is not None and found.from_ref and found.value is None:
                return True
        return False


def _same(var: str, a: str, b: str) -> bool:
    """Equal values; NO_PROXY lists as sets of entries (their order decides nothing)."""
    if var in BYPASS_VARS:
        return set(noproxy.split(a)) == set(noproxy.split(b))
    return a == b


def xpn002_xpn012_cases(c: Container) -> Iterator[Finding]:
    for upper in UPPER:
        lower = upper.lower()
        if upper in c.env and lower in c.env and not _same(upper, c.env[upper], c.env[lower]):
            yield c.finding(rules.XPN002, upper, lower=lower)
        elif (upper in c.env) != (lower in c.env) and not c.unknown(upper, lower):
            have, missing = (upper, lower) if upper in c.env else (lower, upper)
            yield c.finding(rules.XPN012, missing, have=have, missing=missing)


def xpn001_differs_between_containers(c: Container) -> Iterator[Finding]:
    """One set per install, plus the entries a runtime config declares for itself."""
    extras = c.resource.extra_no_proxy
    for var, value in c.env.items():
        if var not in c.reference:
            continue
        expected = c.reference[var]
        if extras and var in NO_PROXY_VARS:
            expected = noproxy.extend(expected, extras)
        if not _same(var, value, expected):
            yield c.finding(rules.XPN001, var)


def xpn005_http_without_https(c: Container) -> Iterator[Finding]:
    if c.unknown("HTTPS_PROXY", "https_proxy"):
        return
    if not effective(c.env, "HTTPS_PROXY") and effective(c.env, "HTTP_PROXY"):
        yield c.finding(rules.XPN005, "HTTPS_PROXY")


def xpn011_core_without_https(c: Container) -> Iterator[Finding]:
    if c.unknown("HTTPS_PROXY", "https_proxy"):
        return
    if not effective(c.env, "HTTPS_PROXY") and c.core:
        yield c.finding(rules.XPN011, "HTTPS_PROXY", proxy=redact(c.config.https_proxy or ""))


def xpn015_inline_password(c: Container) -> Iterator[Finding]:
    """Every variable a client reads a proxy URL from (grpc_proxy and all_proxy too), in
    either case; $(VAR) references to a Secret are not inline. The configuration's own URL
    with credentials is one problem, said once about the configuration (plan.config_findings)."""
    urls = (c.config.http_proxy, c.config.https_proxy, c.config.spec.proxy.grpcProxy)
    own = {u for u in urls if u and inline(u)}
    for var, value in c.env.items():
        if var.upper() in PROXY_URL_NAMES and inline(value) and value not in own:
            yield c.finding(rules.XPN015, var, what="carries credentials inline")


def _unjudged(c: Container) -> bool:
    """Whether Go's proxy or bypass list comes from a valueFrom xpnet cannot read (Go reads
    the upper-case variable when it is set, else the lower-case one)."""
    proxy = c.unknown("HTTPS_PROXY") or (not c.env.get("HTTPS_PROXY") and c.unknown("https_proxy"))
    bypass = c.unknown("NO_PROXY") or (not c.env.get("NO_PROXY") and c.unknown("no_proxy"))
    return proxy or bypass


def xpn003_api_server(c: Container) -> Iterator[Finding]:
    """client-go dials the kubernetes Service IP (docs/explanation/no-proxy-by-runtime.md)."""
    if not effective(c.env, "HTTPS_PROXY") or _unjudged(c):
        return
    for cidr in c.config.spec.cluster.serviceCIDRs:
        ip = noproxy.first_ip(cidr)
        host = f"[{ip}]" if ":" in ip else ip
        if not decide("go", c.env, f"https://{host}:443").direct:
            yield c.finding(rules.XPN003, "NO_PROXY", ip=ip, cidr=cidr)


def _network_covered(no_proxy: str, cidr: str) -> str | None:
    """The entry that sends every address of `cidr` direct under Go's rules, if any."""
    net = ipaddress.ip_network(cidr)
    for raw in no_proxy.split(","):
        entry = raw.strip()
        if entry == "*":
            return entry
        try:
            candidate = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if candidate.version == net.version and net.subnet_of(candidate):  # type: ignore[arg-type]
            return entry
    return None


def xpn004_function_endpoints(c: Container) -> Iterator[Finding]:
    """What the Crossplane version's grpc-go matches (docs/explanation/function-calls.md)."""
    if not effective(c.env, "HTTPS_PROXY") or not c.core or _unjudged(c):
        return
    version, namespace = c.install.version, c.install.namespace
    if version.match in (FunctionMatch.POD_IP, FunctionMatch.UNKNOWN):
        why = (
            f"Crossplane {version.text} (grpc-go {version.grpc_go}) matches the resolved pod IP"
            if version.text
            else f"the Crossplane version is {version.describe()}, so {GRPC_GO_POD_IP}, which "
            "matches the resolved pod IP, must be covered"
        )
        for cidr in c.config.spec.cluster.podCIDRs:
            if _network_covered(effective(c.env, "NO_PROXY"), cidr) is None:
                what = f"function pods in {cidr}"
                yield c.finding(rules.XPN004, "NO_PROXY", what=what, why=why, add=f"add {cidr}")
    if version.match in (FunctionMatch.HOST, FunctionMatch.UNKNOWN):
        target = f"dns:///{SAMPLE_FUNCTION}.{namespace}:{FUNCTION_PORT}"
        if not decide("grpc-go-1.71", c.env, target).direct:
            why = (
                f"Crossplane {version.text} (grpc-go {version.grpc_go}) matches the host name"
                if version.text
                else f"the Crossplane version is {version.describe()}, so {GRPC_GO_HOST}, which "
                "matches the host name, must be covered"
            )
            domain = c.config.spec.cluster.domain
            yield c.finding(
                rules.XPN004,
                "NO_PROXY",
                what=f"function endpoints <function>.{namespace}:{FUNCTION_PORT}",
                why=why,
                add=f".svc and .{domain} never match it; add .{namespace}",
            )


def xpn027_partial_bundle(c: Container) -> Iterator[Finding]:
    """Python's SSL_CERT_FILE and REQUESTS_CA_BUNDLE replace the roots
    (docs/explanation/trust.md)."""
    for var, path, source in trust.partial_bundles(c.config, c.resource, c.block, c.env):
        yield c.finding(rules.XPN027, var, path=path, source=source, runtime=c.resource.runtime)


def xpn028_bundle_path_unmounted(c: Container) -> Iterator[Finding]:
    if (found := trust.bundle_path_unmounted(c.resource, c.block, c.env)) is not None:
        path, why = found
        folder = path.rsplit("/", 1)[0] or "/"
        yield c.finding(rules.XPN028, trust.CORE_VAR, path=path, why=why, folder=folder)


def xpn029_hiding_mount(c: Container) -> Iterator[Finding]:
    for volume, path, hidden in trust.hiding_mounts(c.resource, c.block):
        yield c.finding(rules.XPN029, None, volume=volume, path=path, hidden=hidden)


LINTS: tuple[Callable[[Container], Iterator[Finding]], ...] = (
    xpn002_xpn012_cases,
    xpn001_differs_between_containers,
    xpn005_http_without_https,
    xpn011_core_without_https,
    xpn015_inline_password,
    xpn003_api_server,
    xpn004_function_endpoints,
    xpn027_partial_bundle,
    xpn028_bundle_path_unmounted,
    xpn029_hiding_mount,
)


def _reference(found: list[tuple[Resource, EnvBlock]]) -> dict[str, str]:
    """Per variable, the core's value, else the most common one (NO_PROXY: among the blocks
    without declared extras, else of the others without them)."""
    reference = {}
    for var in SIX:
        core = next((b.values().get(var) for r, b in found if r.role is Role.CORE and b.main), None)
        scoped = var in NO_PROXY_VARS
        counts = Counter(
            v
            for r, b in found
            if not (scoped and r.extra_no_proxy) and (v := b.values().get(var)) is not None
        )
        if not counts and scoped:
            counts = Counter(
                noproxy.without_extras(v, r.extra_no_proxy)
                for r, b in found
                if (v := b.values().get(var)) is not None
            )
        if core is not None:
            reference[var] = core
        elif counts:
            reference[var] = counts.most_common(1)[0][0]
    return reference


# What fix finds and check reports as it is: wiring that cannot be done, and variables set
# through valueFrom (which fix never changes).
FROM_FIX = (
    rules.XPN010,
    rules.XPN030,
    rules.XPN045,
    rules.XPN046,
    rules.XPN047,
    rules.XPN068,
)


def plan_check(config: ClusterNetwork, install: CrossplaneInstall) -> Plan:
    """Judge the manifests as they are against the rule catalogue, and report every variable
    fix would change (XPN016); the edits are kept so that the engine can tell whether fix
    could make them, but nothing is written."""
    fix = plan_edits(config, install)
    findings = (
        install_findings(install, config)
        + skipped_findings(install)
        + [f for f in fix.findings if f.rule in FROM_FIX]
    )
    found = [(r, b) for r, b, _ in targets(install, config)]
    reference = _reference(found)
    for resource, block in found:
        container = Container(config, install, resource, block, block.values(), reference)
        for lint in LINTS:
            findings += lint(container)
    errors = {
        (id(f.resource), id(f.block), f.var) for f in findings if f.rule.severity is Severity.ERROR
    }
    # One error a variable is enough; XPN043 is what stands for XPN016 where fix cannot write.
    findings += differences(fix, frozenset(errors))
    later = [f for f in fix.findings if f.rule is rules.XPN043]
    findings += [f for f in later if (id(f.resource), id(f.block), f.var) not in errors]
    return Plan(install, fix.no_proxy, fix.edits, tuple(findings))


def skipped_findings(install: CrossplaneInstall) -> list[Finding]:
    """XPN023 for every runtime config annotated xpnet.dev/skip (check mode: fix just leaves
    them alone)."""
    return [finding(rules.XPN023, r, annotation=SKIP) for r in install.resources if r.skip]


def _difference(edit: EnvEdit, name: str) -> str:
    """What fix would change in one variable, in words (XPN016); credentials redacted."""
    env = edit.block.get(name)
    want = dict(edit.values).get(name)
    if env is None and edit.block.unread_from:
        return f"is not in env ({', '.join(edit.block.unread_from)} may set it through envFrom)"
    if env is None or want is None:
        return "is not set"
    old = env.value or ""
    if name in BYPASS_VARS:
        parts = entry_differences(old, want) or [
            "lists its entries in another order or spelling than the one set"
        ]
        return "; ".join(parts)
    return f"is {redact(old)!r}, not {redact(want)!r}"


Covered = frozenset[tuple[int, int, str | None]]


def differences(plan: Plan, covered: Covered = frozenset()) -> list[Finding]:
    """What fix would change, one finding per container (XPN016: every variable it would set)
    and one per resource for spec.trust's wiring (XPN026): check fails wherever fix would
    change something. `covered`: (resource, block, variable) another error already names."""
    out = []
    trust_parts: dict[int, tuple[Resource, EnvBlock | None, list[str], list[str]]] = {}
    for edit in (*plan.edits, *plan.locked):
        names = [n for n in edit.changed if (id(edit.resource), id(edit.block), n) not in covered]
        proxy = [(n, _difference(edit, n)) for n in names if n not in TRUST_VARS]
        if proxy:
            out.append(_proxy_difference(edit, proxy))
        for name in (n for n in names if n in TRUST_VARS):
            what = f"{_difference(edit, name)}; spec.trust wants {dict(edit.values)[name]!r}"
            part = trust_parts.setdefault(id(edit.resource), (edit.resource, edit.block, [], []))
            part[2].append(name)
            part[3].append(what)
    for item in plan.items:
        if (id(item.resource), id(None), None) in covered:
            continue
        part = trust_parts.setdefault(id(item.resource), (item.resource, None, [], []))
        part[3].append(_item_difference(item))
    for resource, block, names, parts in trust_parts.values():
        if len(parts) == 1:
            var = names[0] if names else None
            out.append(finding(rules.XPN026, resource, block if var else None, var, what=parts[0]))
            continue
        named = [f"{n} {p}" for n, p in zip(names, parts, strict=False)] + parts[len(names) :]
        what = "; ".join(named)
        about = finding(rules.XPN026, resource, block, None, what=what)
        out.append(about._replace(variables=tuple(names)))
    return out


def _proxy_difference(edit: EnvEdit, proxy: list[tuple[str, str]]) -> Finding:
    """XPN016 for one container: its variables grouped by what fix would change in them."""
    by_difference: dict[str, list[str]] = {}
    for name, difference in proxy:
        by_difference.setdefault(difference, []).append(name)
    names = tuple(n for n, _ in proxy)
    if len(by_difference) == 1:
        difference = proxy[0][1]
    else:
        difference = "; ".join(f"{', '.join(n)} {_plural(d, n)}" for d, n in by_difference.items())
    if len(names) == 1:
        return finding(rules.XPN016, edit.resource, edit.block, names[0], difference=difference)
    about = finding(rules.XPN016, edit.resource, edit.block, None, difference=difference)
    return about._replace(variables=names)


# The verbs _difference and plan.entry_differences start their words with, for several variables.
_PLURALS = (("is ", "are "), ("lacks ", "lack "), ("has ", "have "), ("lists its ", "list their "))


def _plural(difference: str, names: list[str]) -> str:
    if len(names) > 1:
        for one, several in _PLURALS:
            if difference.startswith(one):
                return several + difference.removeprefix(one)
    return difference


def _item_difference(item: ItemEdit) -> str:
    where = f"container {item.container}: " if item.container else ""
    wanted = flow(item.item)
    return f"{where}{item.key}: {item.what} is missing or differs; spec.trust wants {wanted}"
