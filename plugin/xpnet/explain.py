"""For each rewritten container, destination and runtime: direct or proxy, and why (SPEC §7).
Pure: install and plan in, verdicts out."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from xpnet.clouds import ENDPOINTS
from xpnet.config import ClusterNetwork
from xpnet.install import CrossplaneInstall, EnvBlock, Resource
from xpnet.noproxy import first_ip
from xpnet.plan import FUNCTION_PORT, SAMPLE_FUNCTION, Plan, targets
from xpnet.records import NamedTuple
from xpnet.runtimes import GRPC_RUNTIMES, RUNTIMES, Decision, decide
from xpnet.trust import explained_runtimes, reads

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


def explain(
    config: ClusterNetwork,
    plan: Plan,
    where: Sequence[Destination],
    runtimes: Sequence[str] = RUNTIMES,
) -> list[Verdict]:
    edits = {(id(e.resource), id(e.block)): e for e in plan.edits}
    verdicts = []
    for resource, block, _ in targets(plan.install, config):
        before = block.values()
        edit = edits.get((id(resource), id(block)))
        after = {**before, **dict(edit.values)} if edit else before
        for when, env in (("before", before), ("after", after)):
            for destination in where:
                grpc = destination.target.startswith("dns:///")
                for runtime in (r for r in runtimes if (r in GRPC_RUNTIMES) == grpc):
                    decision = decide(
                        runtime, env, destination.target, resolved=destination.resolved
                    )
                    verdicts.append(Verdict(resource, block, when, destination, runtime, decision))
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
