"""How client runtimes decide between the proxy and a direct connection
(docs/explanation/no-proxy-by-runtime.md).

`decide(runtime, env, target, resolved=None)` answers for one runtime, one environment and one
target; tests/differential proves each model against the real program.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from xpnet.records import NamedTuple


class Decision(NamedTuple):
    """proxy: the proxy URL as the runtime would use it (scheme added), None for direct."""

    proxy: str | None
    reason: str

    @property
    def direct(self) -> bool:
        return self.proxy is None


class Target(NamedTuple):
    scheme: str  # https, http, or the gRPC resolver scheme (dns, passthrough)
    host: str  # lower case, IPv6 without brackets
    port: str
    grpc: bool


def parse_target(target: str) -> Target:
    """An URL (https://host:port) or a gRPC target (dns:///host:port, passthrough:///…,
    host:port)."""
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        port = str(parts.port or (443 if parts.scheme == "https" else 80))
        return Target(parts.scheme, (parts.hostname or "").lower(), port, False)
    scheme = "dns"
    endpoint = target
    if "://" in target:
        scheme, _, rest = target.partition("://")
        endpoint = rest.lstrip("/") if rest.startswith("/") else rest.partition("/")[2]
    host, port = endpoint, "443"
    if endpoint.startswith("["):
        host, _, after = endpoint[1:].partition("]")
        port = after[1:] if after.startswith(":") else "443"
    elif endpoint.count(":") == 1:
        host, port = endpoint.split(":")
    return Target(scheme, host.lower(), port, True)


# Runtime name → (module of xpnet.runtimes, function): the one list of the models. The modules
# import this package, so they are imported when first asked for.
_MODELS = {
    "go": ("go", "decide"),
    "grpc-go-1.70": ("go", "decide_grpc_1_70"),
    "grpc-go-1.71": ("go", "decide_grpc_1_71"),
    "grpc-core": ("grpc_core", "decide"),
    # Crossplane changed as the seed analysis proposes: what each would change.
    "grpc-go-noproxy": ("go", "decide_grpc_noproxy"),
    "grpc-go-passthrough": ("go", "decide_grpc_passthrough"),
    "curl": ("curl", "decide"),
    "python-requests": ("python", "decide_requests"),
    "python-urllib": ("python", "decide_urllib"),
    "node-proxy-from-env": ("node", "decide_proxy_from_env"),
    "node-undici": ("node", "decide_undici"),
}
RUNTIMES = tuple(_MODELS)


def _model(runtime: str) -> Callable[..., Decision]:
    module, function = _MODELS[runtime]
    found: Callable[..., Decision] = getattr(
        importlib.import_module(f"xpnet.runtimes.{module}"), function
    )
    return found


GRPC_RUNTIMES = (
    "grpc-go-1.70",
    "grpc-go-1.71",
    "grpc-core",
    "grpc-go-noproxy",
    "grpc-go-passthrough",
)


def decide(
    runtime: str, env: Mapping[str, str], target: str, *, resolved: str | None = None
) -> Decision:
    """Whether `runtime`, with this environment, sends a request for `target` through a proxy.
    `resolved` is the address a dns:/// name resolved to (what grpc-go <= 1.70 matches)."""
    if runtime not in _MODELS:
        raise ValueError(f"unknown runtime {runtime!r}; known: {', '.join(RUNTIMES)}")
    parsed = parse_target(target)
    if parsed.grpc != (runtime in GRPC_RUNTIMES):  # the same host:port as the other kind sees it
        parsed = Target(
            "dns" if parsed.grpc is False else "https", parsed.host, parsed.port, not parsed.grpc
        )
    return _model(runtime)(env, parsed, resolved)
