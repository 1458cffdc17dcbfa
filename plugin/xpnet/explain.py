"""For each rewritten container, destination and runtime: direct or proxy, and why.
Pure: install and plan in, verdicts out."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from xpnet.clouds import ENDPOINTS
from xpnet.config import ClusterNetwork
from xpnet.credentials import redact, without
from xpnet.envvars import GRPC, SIX
from xpnet.errors import InputError
from xpnet.install import CrossplaneInstall, EnvBlock, Resource
from xpnet.noproxy import first_ip
from xpnet.plan import FUNCTION_PORT, SAMPLE_FUNCTION, Plan, targets
from xpnet.records import NamedTuple
from xpnet.runtimes import GRPC_RUNTIMES, RUNTIMES, Decision, decide, parse_target
from xpnet.trust import certificates, explained_runtimes, reads
from xpnet.versions import FunctionMatch
from xpnet.yaml.nodes import compose, to_data
from xpnet.yaml.scan import outline
from xpnet.yaml.stream import Source

DEFAULT_REGISTRY = "xpkg.crossplane.io"


class Destination(NamedTuple):
    label: str
    target: str
    resolved: str | None = None  # the address a dns:/// name resolves to


class Verdict(NamedTuple):
    resource: Resource
    block: EnvBlock
    when: str  # "before" or "after" the fix
    destination: Destination
    runtime: str
    decision: Decision
    # False where the decision hangs on a variable set through valueFrom from a source xpnet
    # cannot read (a Secret, a ConfigMap not in the input): then it is not told.
    known: bool = True


# Stand-ins for a variable xpnet cannot read: the decision with the variable absent and with
# it set tells whether that variable decides anything for a runtime.
_STAND_INS = {"NO_PROXY": "*", "no_proxy": "*", "no_grpc_proxy": "*"}
_PROXY_STAND_IN = "http://valuefrom.invalid:3128"


def _decide(
    runtime: str, env: dict[str, str], unread: Sequence[str], destination: Destination
) -> tuple[Decision, bool]:
    """The decision, and whether it holds whatever the unread variables are: the same with
    them absent, with their proxies stood in, and with everything stood in. The reason told is
    the one with the proxies stood in (they are set), the bypass lists as written."""

    def with_(names: Sequence[str]) -> Decision:
        stood_in = {**env, **{n: _STAND_INS.get(n, _PROXY_STAND_IN) for n in names}}
        return decide(runtime, stood_in, destination.target, resolved=destination.resolved)

    if not unread:
        return with_(()), True
    told = with_([n for n in unread if n not in _STAND_INS])
    if with_(()).proxy == told.proxy == with_(unread).proxy:
        return told, True
    names = ", ".join(unread)
    reason = f"not known: {names} set (or settable) from a source xpnet cannot read"
    return Decision(None, reason), False


def destinations(
    config: ClusterNetwork,
    install: CrossplaneInstall,
    functions: Sequence[str] = (SAMPLE_FUNCTION,),
    registry: str = DEFAULT_REGISTRY,
    hosts: Sequence[str] = (),
) -> list[Destination]:
    """Function endpoints (resolving to a pod IP), the API server by IP, the registry, the
    cloud's metadata and identity endpoints (spec.cluster.cloud), extras."""
    pod = config.spec.cluster.podCIDRs[0]
    pod_ip = str(ipaddress.ip_network(pod, strict=False).network_address + 10)
    out = [
        Destination(
            f"function {name}", f"dns:///{name}.{install.namespace}:{FUNCTION_PORT}", pod_ip
        )
        for name in functions
    ]
    for cidr in config.spec.cluster.serviceCIDRs:
        ip = first_ip(cidr)
        host = f"[{ip}]" if ":" in ip else ip
        out.append(Destination("API server", f"https://{host}:443"))
    out.append(Destination("package registry", f"https://{registry}:443"))
    cloud = config.spec.cluster.cloud
    out += [Destination(f"{cloud} {e.what}", e.url) for e in ENDPOINTS.get(cloud or "", ())]
    out += [Destination("named host", h if "://" in h else f"https://{h}") for h in hosts]
    return out


def functions(sources: Sequence[Source]) -> list[str]:
    """The Functions among the inputs (split into segments), each by the name of the Service
    the core dials: the Function's, or its runtime config's serviceTemplate.metadata.name
    (docs/explanation/function-calls.md)."""
    found: list[tuple[str, str | None]] = []
    services: dict[str, str | None] = {}
    for source in sources:
        for segment in source.segments:
            kind = outline(segment).kind
            if kind not in ("Function", "DeploymentRuntimeConfig"):
                continue
            data = to_data(compose(segment.text, source.name), source.name)
            api, name = _dig(data, "apiVersion"), _dig(data, "metadata", "name")
            if not (isinstance(api, str) and api.startswith("pkg.crossplane.io/")):
                continue
            if not (isinstance(name, str) and name):
                continue  # a name that is not a string names nothing the core could dial
            if kind == "Function":
                found.append((name, _text(data, "spec", "runtimeConfigRef", "name")))
            else:
                services[name] = _text(data, "spec", "serviceTemplate", "metadata", "name")
    # Without runtimeConfigRef a package runs with the runtime config named default.
    named = [services.get(config or "default") or name for name, config in found]
    return list(dict.fromkeys(named))


def _text(data: object, *path: str) -> str | None:
    """A string at `path`, else None (any other value names nothing)."""
    found = _dig(data, *path)
    return found if isinstance(found, str) and found else None


def _dig(data: object, *path: str) -> object:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def grpc_runtimes(runtimes: Sequence[str], install: CrossplaneInstall) -> list[str]:
    """The runtimes that judge a function call: the gRPC ones asked for and, when `go` is, the
    grpc-go the install's Crossplane ships (its function client is Go's grpc-go; both sides
    of the change when the version is unknown)."""
    chosen = [r for r in runtimes if r in GRPC_RUNTIMES]
    if "go" in runtimes:
        own = {
            FunctionMatch.POD_IP: ("grpc-go-1.70",),
            FunctionMatch.HOST: ("grpc-go-1.71",),
        }.get(install.version.match, ("grpc-go-1.70", "grpc-go-1.71"))
        chosen += [r for r in own if r not in chosen]
    return chosen


def explain(
    config: ClusterNetwork,
    plan: Plan,
    where: Sequence[Destination],
    runtimes: Sequence[str] = RUNTIMES,
) -> list[Verdict]:
    edits = {(id(e.resource), id(e.block)): e for e in plan.edits}
    grpc_ones = grpc_runtimes(runtimes, plan.install)
    verdicts = []
    for resource, block, _ in targets(plan.install, config):
        before = block.values()
        edit = edits.get((id(resource), id(block)))
        after = {**before, **dict(edit.values)} if edit else before
        unread = [e.name for e in block.env if e.from_ref and e.value is None]
        if block.unread_from:  # an envFrom source xpnet cannot read may set any of them
            unread += [n for n in (*SIX, *GRPC) if block.get(n) is None]
        for when, env in (("before", before), ("after", after)):
            for destination in where:
                grpc = destination.target.startswith("dns:///")
                judges = grpc_ones if grpc else [r for r in runtimes if r not in GRPC_RUNTIMES]
                for runtime in judges:
                    decision, known = _decide(runtime, env, unread, destination)
                    verdicts.append(
                        Verdict(resource, block, when, destination, runtime, decision, known)
                    )
    return verdicts


class TrustLine(NamedTuple):
    resource: Resource
    block: EnvBlock
    runtime: str
    reads: tuple[str, ...]


def trust(config: ClusterNetwork, plan: Plan) -> list[TrustLine]:
    """For each rewritten main container, which roots its runtime trusts after the fix."""
    edits = {(id(e.resource), id(e.block)): e for e in plan.edits}
    out = []
    for resource, block, _ in targets(plan.install, config):
        if not block.main or block.keyed:
            continue
        edit = edits.get((id(resource), id(block)))
        env = {**block.values(), **(dict(edit.values) if edit else {})}
        for runtime in explained_runtimes(resource):
            out.append(TrustLine(resource, block, runtime, tuple(reads(runtime, env))))
    return out


def bundle_summary(path: str, read_upto: Callable[[str, int], str]) -> str:
    """A local copy of the CA bundle (`read_upto`: its first characters), checked to be PEM
    (explain --ca-bundle)."""
    # A ConfigMap or Secret holds at most 1 MiB
    # (https://kubernetes.io/docs/concepts/configuration/configmap/): more, or a device that
    # never ends, cannot be the bundle, and is not read to its end.
    limit = 1024 * 1024
    text = read_upto(path, limit + 1)
    if len(text) > limit:
        raise InputError(
            path, ["larger than the 1 MiB a ConfigMap or Secret holds: give the bundle's PEM"]
        )
    count = certificates(text, path)
    return f"{path}: {count} certificate{'s' if count != 1 else ''} (PEM)"


def destination(value: str, option: str, as_url: str) -> str:
    """A destination to explain without its credentials (explain sends nothing), refused with
    its option where no client could parse it; `as_url` makes it a URL ({} for the value)."""
    bare = without(value.strip())
    try:
        parse_target(as_url.format(bare))
    except ValueError:
        raise InputError(
            option,
            [f"{redact(value)!r} is not a host[:port] or URL, e.g. vault.corp:8200"],
        ) from None
    return bare
