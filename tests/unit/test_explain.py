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


FUNCTIONS = (
    "apiVersion: pkg.crossplane.io/v1\nkind: Function\nmetadata:\n  name: function-go-templating\n"
    "---\napiVersion: pkg.crossplane.io/v1beta1\nkind: Function\nmetadata:\n  name: function-kcl\n"
    "---\napiVersion: pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n  name: provider-aws\n"
    "---\napiVersion: example.org/v1\nkind: Function\nmetadata:\n  name: not-crossplanes\n"
)


def test_the_functions_of_the_inputs_are_the_function_destinations() -> None:
    from xpnet.explain import functions
    from xpnet.io.streams import documents as read
    from xpnet.yaml.stream import Source

    sources = [Source("a.yaml", core()), Source("b.yaml", FUNCTIONS)]
    assert functions(read(sources).sources) == ["function-go-templating", "function-kcl"]
    renamed = (
        "---\napiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\n"
        "metadata:\n  name: default\nspec:\n  serviceTemplate:\n    metadata:\n"
        "      name: kcl\n"
    )
    sources = [Source("b.yaml", FUNCTIONS + renamed)]
    assert functions(read(sources).sources) == ["kcl"], "the Service a runtime config names"
    assert functions(read([Source("a.yaml", core())]).sources) == []


def test_runtime_go_judges_function_calls_with_the_installs_grpc_go() -> None:
    """The core is a Go program: its function client is grpc-go, of the version it ships."""
    env = "        env:\n        - name: HTTPS_PROXY\n          value: http://p:1\n"
    for tag, grpc in (("v1.19.2", ["grpc-go-1.70"]), ("v2.1.0", ["grpc-go-1.71"])):
        (install,) = installs(core(tag=tag, env=env))
        cfg = config()
        where = destinations(cfg, install, ["function-kcl"])
        verdicts = explain(cfg, plan_fix(cfg, install), where, ["go"])
        calls = [v for v in verdicts if v.destination.label == "function function-kcl"]
        assert sorted({v.runtime for v in calls}) == grpc, tag
        assert {v.when: v.decision.direct for v in calls} == {"before": False, "after": True}
        assert {v.runtime for v in verdicts if v not in calls} == {"go"}


def test_the_summary_is_a_line_per_destination_kind_and_runtime() -> None:
    from xpnet.report import explain_summary

    env = "        env:\n        - name: HTTPS_PROXY\n          value: http://p:1\n"
    (install,) = installs(core(env=env))
    cfg = config()
    where = destinations(cfg, install, ["function-a", "function-b"])
    verdicts = explain(cfg, plan_fix(cfg, install), where, ["go", "curl"])
    lines = explain_summary([(install, verdicts)])
    assert lines[0].startswith("Crossplane 2.1.0")
    rows = [line.split() for line in lines[1:]]
    assert [r[:-4] if r[-1].endswith(")") else r for r in rows] == [
        ["function", "calls", "grpc-go-1.71", "DIRECT"],
        ["API", "server", "go", "DIRECT"],
        ["API", "server", "curl", "DIRECT"],
        ["package", "registry", "go", "PROXY"],
        ["package", "registry", "curl", "PROXY"],
    ]
    assert lines[1].endswith("DIRECT  (before the fix: PROXY)")
