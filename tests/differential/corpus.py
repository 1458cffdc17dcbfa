"""The (environment, target) corpus the simulator is checked on against the real programs.

Proxy URLs point at closed ports on 127.0.0.1, one port per variable, so the port a client
picks tells which variable decided. Every target carries an explicit port."""

from __future__ import annotations

import itertools
import random

PORTS = {
    "HTTP_PROXY": 11,
    "http_proxy": 12,
    "HTTPS_PROXY": 13,
    "https_proxy": 14,
    "ALL_PROXY": 15,
    "all_proxy": 16,
    "Https_Proxy": 17,
}

PROXY_SETS: list[tuple[str, ...]] = [
    ("HTTPS_PROXY",),
    ("https_proxy",),
    ("HTTPS_PROXY", "https_proxy"),
    ("HTTP_PROXY",),
    ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"),
    ("ALL_PROXY",),
    ("all_proxy", "https_proxy"),
    ("Https_Proxy",),
]
ENTRIES = [
    "*",
    ".svc",
    "svc",
    "*.svc",
    ".cluster.local",
    "crossplane-system",
    ".crossplane-system",
    "10.0.0.0/8",
    "10.96.0.1",
    "10.96.0.1:443",
    "10.96.0.0/12",
    "fd00::/8",
    "[fd00::1]",
    "fd00::1",
    "[fd00::1]:443",
    "example.com",
    ".example.com",
    "*.example.com",
    "EXAMPLE.com",
    "example.com.",
    "example.com:443",
    "localhost",
    "127.0.0.1",
    "10.0.0.0/8:443",
    "xn--bcher-kva.example",
    " spaced.example ",
    "a b",
    "sub.example.com",
    ".com",
    "0.0.1",
    "bücher.example",
]
TARGETS = [
    "https://fn.crossplane-system:9443",
    "https://crossplane-system:9443",
    "https://kubernetes.default.svc:443",
    "https://a.svc:443",
    "https://svc:443",
    "https://10.96.0.1:443",
    "https://10.244.3.4:9443",
    "https://[fd00::1]:443",
    "https://[fd00::2]:443",
    "https://example.com:443",
    "https://sub.example.com:443",
    "https://notexample.com:443",
    "https://example.com.:443",
    "https://localhost:443",
    "https://127.0.0.1:443",
    "http://example.com:80",
    "https://xn--bcher-kva.example:443",
    "https://spaced.example:443",
    "https://b:443",
    "https://bücher.example:443",
]


def environments(count: int = 40, seed: int = 7) -> list[dict[str, str]]:
    """Deterministic environments: proxy variables in several cases, NO_PROXY values drawn
    from ENTRIES, in upper case, lower case, both, or both with different values."""
    rng = random.Random(seed)
    envs = []
    shapes = itertools.cycle(["upper", "lower", "both", "differ", "empty-upper"])
    for i in range(count):
        env = {name: f"http://127.0.0.1:{PORTS[name]}" for name in PROXY_SETS[i % len(PROXY_SETS)]}
        value = ",".join(rng.sample(ENTRIES, rng.randint(1, 4)))
        other = ",".join(rng.sample(ENTRIES, rng.randint(1, 3)))
        shape = next(shapes)
        if shape == "upper":
            env["NO_PROXY"] = value
        elif shape == "lower":
            env["no_proxy"] = value
        elif shape == "both":
            env["NO_PROXY"] = env["no_proxy"] = value
        elif shape == "differ":
            env["NO_PROXY"], env["no_proxy"] = value, other
        else:
            env["NO_PROXY"], env["no_proxy"] = "", value
        envs.append(env)
    return envs
