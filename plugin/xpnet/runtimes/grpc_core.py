"""gRPC C-core (grpcio, Ruby, C++): grpc/grpc doc/core/default_http_proxy_mapper.md; checked
against grpcio 1.85.3 (tests/differential), which, unlike every other runtime here, gives `*` no
special meaning: no_proxy=* still sends everything to the proxy."""

from __future__ import annotations

import re
from collections.abc import Mapping

from xpnet.runtimes import Decision, Target
from xpnet.runtimes.matching import in_cidr, ip, suffix

WHO = "gRPC C-core"


def decide(env: Mapping[str, str], target: Target, resolved: str | None) -> Decision:
    # Lower case only; the first variable that is set wins, even when empty.
    name = next((n for n in ("grpc_proxy", "https_proxy", "http_proxy") if n in env), None)
    if name is None or not env[name]:
        return Decision(
            None, f"{WHO}: direct: none of grpc_proxy, https_proxy, http_proxy (lower case) is set"
        )
    value = env[name]
    if not re.match(r"(?i)http://", value):
        return Decision(None, f"{WHO}: direct: {name} is not an http:// URL, which C-core ignores")
    bypass_name = "no_grpc_proxy" if "no_grpc_proxy" in env else "no_proxy"
    host = target.host
    for raw in env.get(bypass_name, "").split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if ip(host) is not None and "/" in entry:
            if in_cidr(host, entry):
                return Decision(
                    None, f"{WHO}: direct: {bypass_name} entry {entry!r} contains {host}"
                )
            continue
        if suffix(host, entry.lstrip(".")):
            return Decision(
                None,
                f"{WHO}: direct: {bypass_name} entry {entry!r} matches "
                f"{host} (the target name before resolution)",
            )
    return Decision(value, f"{WHO}: proxy from {name}: no {bypass_name} entry matches {host}")
