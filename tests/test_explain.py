"""explain.py: per container, destination and runtime, before and after the fix."""

from __future__ import annotations

from tests.unit_helpers import config, core, installs
from xpnet.explain import destinations, explain
from xpnet.plan import plan_fix


def test_a_2_1_function_call_goes_to_the_proxy_before_and_direct_after() -> None:
    env = "        env:\n        - name: HTTPS_PROXY\n          value: http://p:1\n"
    (install,) = installs(core(env=env))
    cfg = config()
    verdicts = explain(cfg, plan_fix(cfg, install), destinations(cfg, install), ["grpc-go-1.71"])
    calls = {v.when: v.decision for v in verdicts if v.destination.label.startswith("function")}
    assert not calls["before"].direct and calls["after"].direct
    assert "crossplane-system" in calls["after"].reason
