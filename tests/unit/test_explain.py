"""explain.py: per container, destination and runtime, before and after the fix."""

from __future__ import annotations

from tests.unit_helpers import config, core, installs
from xpnet.explain import destinations, explain
from xpnet.plan import plan_fix
from xpnet.runtimes import GRPC_RUNTIMES, RUNTIMES

HTTP_RUNTIMES = [r for r in RUNTIMES if r not in GRPC_RUNTIMES]


def test_a_2_1_function_call_goes_to_the_proxy_before_and_direct_after() -> None:
    env = "        env:\n        - name: HTTPS_PROXY\n          value: http://p:1\n"
    (install,) = installs(core(env=env))
    cfg = config()
    verdicts = explain(cfg, plan_fix(cfg, install), destinations(cfg, install), ["grpc-go-1.71"])
    calls = {v.when: v.decision for v in verdicts if v.destination.label.startswith("function")}
    assert not calls["before"].direct and calls["after"].direct
    assert "crossplane-system" in calls["after"].reason


def test_cloud_endpoints_are_destinations_and_go_direct_after_the_fix() -> None:
    env = "        env:\n        - name: HTTP_PROXY\n          value: http://p:1\n"
    (install,) = installs(core(env=env))
    for cloud in ("aws", "azure", "gcp"):
        cfg = config(cluster={"cloud": cloud})
        where = destinations(cfg, install)
        metadata = [d for d in where if d.label.startswith(f"{cloud} ")]
        assert metadata and metadata[0].target.startswith("http://169.254.169.254/")
        verdicts = explain(cfg, plan_fix(cfg, install), metadata)
        after = [v for v in verdicts if v.when == "after"]
        imds = [v for v in after if "169.254.169.254" in v.destination.target]
        assert {v.runtime for v in imds} == set(HTTP_RUNTIMES)  # every runtime, by its rules
        assert all(v.decision.direct and "169.254.169.254" in v.decision.reason for v in imds)
        before = [v for v in verdicts if v.when == "before" and v.runtime == "go"]
        assert before and not any(v.decision.direct for v in before)
    assert not [d for d in destinations(config(), install) if d.target.startswith("http://")]


def test_every_ipv4_and_name_endpoint_is_direct_for_every_runtime() -> None:
    """The IPv6 ones are for Go, curl and requests: urllib and Node compare the bracketed
    host, which no entry Go can use matches (README: Scoping)."""
    env = "        env:\n        - name: HTTPS_PROXY\n          value: http://p:1\n"
    (install,) = installs(core(env=env))
    for cloud in ("aws", "azure", "gcp"):
        cfg = config(cluster={"cloud": cloud})
        where = [d for d in destinations(cfg, install) if d.label.startswith(f"{cloud} ")]
        for v in explain(cfg, plan_fix(cfg, install), where):
            ipv6 = "[" in v.destination.target
            if v.when == "after" and (not ipv6 or v.runtime in ("go", "curl", "python-requests")):
                assert v.decision.direct, (cloud, v.destination.target, v.runtime)
