"""Proxy and trust variables set through valueFrom: a configMapKeyRef whose ConfigMap is in the
same input is read (valuefrom.py) and judged like a literal; one xpnet cannot read is said to be
set, never "not set"; fix never rewrites a ConfigMap. The same through every reader (streams,
both ResourceList paths), and no proxy password in any diagnostic."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.resource_lists import transform, transform_text, wrap
from tests.unit_helpers import CONFIG_DATA, PROXY, config
from xpnet import credentials, valuefrom
from xpnet.adapters.streams import run_streams
from xpnet.errors import InputError
from xpnet.install import find_installs
from xpnet.yaml.stream import Source, load

NS = "crossplane-system"
GOOD = (
    "localhost,127.0.0.1,::1,10.96.0.1,kubernetes.default.svc,kubernetes.default.svc.cluster.local,"
    ".svc,.cluster.local,crossplane-system,.crossplane-system,10.244.0.0/16,10.96.0.0/12"
)


def ref(name: str = "proxy", key: str = "HTTPS_PROXY", optional: str = "") -> str:
    extra = f", optional: {optional}" if optional else ""
    return f"valueFrom:\n            configMapKeyRef: {{name: {name}, key: {key}{extra}}}\n"


def core(entries: dict[str, str], namespace: str | None = NS) -> str:
    """The core with env entries: a value, or `valueFrom:...` as ref() writes it."""
    env = "".join(
        f"        - name: {k}\n          "
        + (v if v.startswith("valueFrom:") else f"value: {json.dumps(v)}\n")
        for k, v in entries.items()
    )
    space = f"  namespace: {namespace}\n" if namespace else ""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n{space}"
        "spec:\n  template:\n    spec:\n      containers:\n      - name: crossplane\n"
        "        image: crossplane:v2.1.0\n        args: [core, start]\n        env:\n" + env
    )


def configmap(data: dict[str, str], name: str = "proxy", namespace: str | None = NS) -> str:
    space = f"  namespace: {namespace}\n" if namespace else ""
    body = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in data.items())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{space}data:\n{body}"


def stream(*docs: str) -> str:
    return "---\n".join(docs)


def run(text: str, mode: str = "fix", **spec: Any) -> Any:
    return run_streams(config(mode, **spec), [Source("in.yaml", text)])


def found(text: str, mode: str = "check", **spec: Any) -> dict[tuple[str, str | None], str]:
    """(rule, variable) → message of every finding of a run, for each variable it names."""
    outcome = run(text, mode, **spec).outcome
    return {(f.rule.id, v): f.message for f in outcome.findings for v in f.names or (None,)}


SIX = {
    "HTTP_PROXY": PROXY,
    "HTTPS_PROXY": PROXY,
    "NO_PROXY": GOOD,
    "http_proxy": PROXY,
    "https_proxy": PROXY,
    "no_proxy": GOOD,
}


def test_a_value_read_from_a_configmap_of_the_input_is_judged_like_a_literal() -> None:
    """Upper and lower case disagree: an error (XPN002), as for literals; fix cannot change a
    ConfigMap, so it refuses (XPN046), naming the ConfigMap and key."""
    text = stream(
        core({**SIX, "HTTPS_PROXY": ref()}), configmap({"HTTPS_PROXY": "http://old:3128"})
    )
    checked = found(text)
    assert ("XPN002", "HTTPS_PROXY") in checked
    assert "ConfigMap crossplane-system/proxy key HTTPS_PROXY" in checked["XPN046", "HTTPS_PROXY"]
    assert not any(" not set" in m for m in checked.values()), checked
    result = run(text)
    assert result.outcome.failed and result.outputs["in.yaml"] == text


def test_an_equal_value_passes_and_fix_leaves_the_entry_alone() -> None:
    text = stream(core({**SIX, "HTTPS_PROXY": ref()}), configmap({"HTTPS_PROXY": PROXY}))
    assert not run(text, "check").outcome.failed, found(text)
    # The ConfigMap's NO_PROXY in another order, with the entries fix adds: the order decides
    # nothing, and fix writes the lower-case one from the same set.
    entries = GOOD.split(",")
    text = stream(
        core({**SIX, "NO_PROXY": ref(key="NO_PROXY"), "no_proxy": "localhost"}),
        configmap({"NO_PROXY": ",".join(reversed(entries))}),
    )
    out = run(text).outputs["in.yaml"]
    assert "key: NO_PROXY}" in out
    assert not run(out, "check").outcome.failed, found(out)
    assert run(out).outputs["in.yaml"] == out


def test_a_configmap_missing_entries_is_named_and_its_entries_are_kept_elsewhere() -> None:
    text = stream(
        core({**SIX, "NO_PROXY": ref(key="NO_PROXY")}),
        configmap({"NO_PROXY": "localhost,.corp.example"}),
    )
    result = run(text)
    (message,) = [f.message for f in result.outcome.findings if f.rule.id == "XPN046"]
    assert "lacks 127.0.0.1, ::1, 10.96.0.1" in message and "key NO_PROXY there" in message
    assert result.outputs["in.yaml"] == text  # an error: nothing written
    # The entry already present is merged into the one set the other variables get.
    assert ".corp.example" in result.outcome.plans[0].no_proxy.value


@pytest.mark.parametrize(
    ("optional", "outcome"),
    [("", "the container does not start"), ("true", "not set at all (optional: true)")],
)
def test_a_key_the_configmap_lacks_is_an_error(optional: str, outcome: str) -> None:
    text = stream(core({**SIX, "HTTPS_PROXY": ref(optional=optional)}), configmap({"X": "y"}))
    for mode in ("fix", "check"):
        messages = found(text, mode)
        assert outcome in messages["XPN047", "HTTPS_PROXY"]
        assert ("XPN011", "HTTPS_PROXY") not in messages


def test_a_value_xpnet_cannot_read_is_set_never_not_set() -> None:
    """A Secret, a ConfigMap of the cluster: XPN010 says where it comes from, and no rule says
    the variable is missing (no XPN011, XPN012, XPN005, XPN016 "is not set")."""
    for entry, source in [
        (ref(name="elsewhere"), " from ConfigMap elsewhere, which is not in the input"),
        ("valueFrom:\n            secretKeyRef: {name: s, key: k}\n", ""),
    ]:
        env = {"HTTP_PROXY": PROXY, "HTTPS_PROXY": entry, "https_proxy": entry, "NO_PROXY": GOOD}
        checked = found(core(env))
        message = checked["XPN010", "HTTPS_PROXY"]
        assert message.startswith(f"is set through valueFrom{source}, so xpnet"), message
        for rule in ("XPN011", "XPN012", "XPN005"):
            assert not any(r == rule and v in ("HTTPS_PROXY", "https_proxy") for r, v in checked)
        assert not any(
            "not set" in m for (r, v), m in checked.items() if v in ("HTTPS_PROXY", "https_proxy")
        ), checked


@pytest.mark.parametrize(
    ("configmaps", "resolved"),
    [
        ([configmap({"HTTPS_PROXY": PROXY}, namespace="other")], False),  # another namespace
        ([configmap({"HTTPS_PROXY": PROXY}, namespace=None)], True),  # lands with the pod
        (
            [configmap({"HTTPS_PROXY": PROXY}), configmap({"HTTPS_PROXY": "http://x:1"}, "proxy")],
            False,  # two disagree: not guessed
        ),
        (
            [
                configmap({"HTTPS_PROXY": "http://x:1"}, namespace=None),
                configmap({"HTTPS_PROXY": PROXY}),
            ],
            True,  # its own namespace first
        ),
    ],
)
def test_which_configmap_a_pod_reads(configmaps: list[str], resolved: bool) -> None:
    text = stream(core({**SIX, "HTTPS_PROXY": ref()}), *configmaps)
    installs = valuefrom.resolve(
        find_installs(load([Source("in.yaml", text)]), None, "auto"),
        lambda: (s for src in [Source("in.yaml", text)] for s in _segments(src)),
    )
    (var,) = [v for v in installs[0].resources[0].blocks[0].env if v.name == "HTTPS_PROXY"]
    assert (var.value == PROXY) is resolved, var


def _segments(source: Source) -> list[Any]:
    load([source])
    return source.segments


def test_a_runtime_config_reads_crossplanes_namespace() -> None:
    drc = (
        "apiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\nmetadata:\n"
        "  name: rt\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
        "      template:\n        spec:\n          containers:\n          - name: package-runtime\n"
        "            env:\n            - name: HTTPS_PROXY\n              valueFrom:\n"
        "                configMapKeyRef: {name: proxy, key: HTTPS_PROXY}\n"
    )
    text = stream(core(SIX), drc, configmap({"HTTPS_PROXY": "http://old:3128"}))
    assert "XPN046" in {r for r, _ in found(text)}
    text = stream(core(SIX), drc, configmap({"HTTPS_PROXY": PROXY}))
    out = run(text).outputs["in.yaml"]
    assert not run(out, "check").outcome.failed, found(out)


def test_trust_variables_read_from_a_configmap() -> None:
    trust = {"caBundle": {"configMapRef": {"name": "corp-ca", "key": "ca.crt"}}}
    env = {**SIX, "CA_BUNDLE_PATH": ref(key="CA")}
    wrong = stream(core(env), configmap({"CA": "/certs/other.crt"}))
    assert "XPN046" in {r for r, _ in found(wrong, trust=trust)}
    right = stream(core(env), configmap({"CA": "/certs/ca.crt"}))
    out = run(right, trust=trust).outputs["in.yaml"]
    assert "key: CA}" in out and "mountPath: /certs" in out
    assert not run(out, "check", trust=trust).outcome.failed


@pytest.mark.parametrize("reader", ["stream", "resource list, fast path", "resource list, text"])
def test_every_reader_resolves(reader: str) -> None:
    text = stream(
        core({**SIX, "HTTPS_PROXY": ref()}), configmap({"HTTPS_PROXY": "http://old:3128"})
    )
    if reader == "stream":
        assert "XPN046" in {r for r, _ in found(text, "fix")}
        return
    resource_list = wrap(text, yaml.safe_dump(CONFIG_DATA))
    answer = (transform if reader.endswith("fast path") else transform_text)(resource_list)
    assert answer.code == 1 and "XPN046" in "\n".join(answer.stderr), answer.stderr


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("valueFrom: proxy\n", "valueFrom must be a mapping holding one of configMapKeyRef"),
        (
            'value: "http://x:1"\n          valueFrom: {configMapKeyRef: {name: a, key: b}}\n',
            "has both value and valueFrom, which Kubernetes refuses",
        ),
        ("valueFrom: {configMapKeyRef: {name: a}}\n", "configMapKeyRef needs a name and a key"),
        (
            "valueFrom: {configMapKeyRef: {name: a, key: b}, secretKeyRef: {name: a, key: b}}\n",
            "names configMapKeyRef and secretKeyRef; Kubernetes takes exactly one",
        ),
    ],
)
def test_shapes_kubernetes_refuses_are_refused_naming_the_field(entry: str, problem: str) -> None:
    text = core({"HTTPS_PROXY": PROXY}).replace(
        f"value: {json.dumps(PROXY)}\n", entry.replace("          ", "          ")
    )
    with pytest.raises(InputError) as raised:
        run(text)
    message = str(raised.value)
    assert "containers[name=crossplane]: env HTTPS_PROXY" in message and problem in message


PASSWORD = "Zq8-secret-pw"


def test_a_password_in_a_configmap_never_reaches_a_diagnostic() -> None:
    leaked = f"http://bob:{PASSWORD}@other.proxy:8080"
    text = stream(
        core({**SIX, "HTTPS_PROXY": ref(), "NO_PROXY": ref(key="NO_PROXY")}),
        configmap({"HTTPS_PROXY": leaked, "NO_PROXY": f"localhost,{leaked}"}),
    )
    for mode in ("fix", "check"):
        for finding in run(text, mode).outcome.findings:
            assert PASSWORD not in finding.message, finding.message
    answer = transform(wrap(text, yaml.safe_dump(CONFIG_DATA)))
    assert PASSWORD not in "\n".join(answer.stderr)
    assert PASSWORD not in answer.stdout.split("\nresults:\n")[-1]


# Hypothesis: the reader over generated ConfigMaps and env shapes. Each case is answered or
# refused with an InputError; a value read is the one its ConfigMap holds; a read never
# leaks a password into a message.

KEYS = st.sampled_from(["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "A", "B.c"])
VALUES = st.one_of(
    st.sampled_from([PROXY, f"http://u:{PASSWORD}@p:1", "localhost,.svc", "", "x y"]),
    st.text(alphabet=string.ascii_letters + string.digits + ":/.,@-_ ", max_size=20),
)
SCALARS = st.one_of(VALUES.map(json.dumps), st.sampled_from(["1", "true", "null", "[a]", "{}"]))


@st.composite
def inputs(draw: st.DrawFn) -> tuple[str, dict[tuple[str | None, str], dict[str, str]]]:
    """A core reading HTTPS_PROXY and NO_PROXY from ConfigMaps, and ConfigMaps; with what a
    kubelet would read: (namespace, name) → data, for the unambiguous string-only ones."""
    names = st.sampled_from(["proxy", "other"])
    spaces = st.sampled_from([NS, None, "elsewhere"])
    maps = draw(
        st.lists(st.tuples(names, spaces, st.dictionaries(KEYS, SCALARS, max_size=4)), max_size=3)
    )
    docs = []
    for name, space, data in maps:
        head = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
        head += f"  namespace: {space}\n" if space else ""
        body = "".join(f"  {json.dumps(k)}: {v}\n" for k, v in data.items())
        docs.append(head + ("data:\n" + body if body else "data: {}\n"))
    env = {}
    for var in ("HTTPS_PROXY", "NO_PROXY", "no_proxy"):
        if draw(st.booleans()):
            optional = draw(st.sampled_from(["", "true", "false"]))
            env[var] = ref(draw(names), draw(KEYS), optional)
        elif draw(st.booleans()):
            env[var] = GOOD if var != "HTTPS_PROXY" else PROXY
    deployment = core(env) if env else core({"X": "y"})
    if draw(st.booleans()):  # envFrom too: every key of a ConfigMap, or an unread Secret
        kind = draw(st.sampled_from(["configMapRef", "secretRef"]))
        prefix = draw(st.sampled_from(["", "X_", "HTTPS_"]))
        source = f"        - {{prefix: '{prefix}', {kind}: {{name: {draw(names)}}}}}\n"
        deployment = with_env_from(deployment, source)
    order = draw(st.permutations([deployment, *docs]))
    known: dict[tuple[str | None, str], dict[str, str]] = {}
    for name, space, data in maps:
        # null reads as "" (Go's JSON decoding of a map[string]string value)
        known[(space, name)] = {k: yaml.safe_load(v) or "" for k, v in data.items()}
    return stream(*order), known


@pytest.mark.slow
@given(inputs())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_reader_fuzz(case: tuple[str, dict[tuple[str | None, str], dict[str, str]]]) -> None:
    text, maps = case
    credentials.forget()
    for mode in ("fix", "check"):
        try:
            result = run(text, mode)
        except InputError as error:
            assert error.problems and PASSWORD not in str(error)
            return
        for f in result.outcome.findings:
            assert PASSWORD not in f.message, f.message
    source = Source("in.yaml", text)
    docs = load([source])
    for install in valuefrom.resolve(find_installs(docs, None, "auto"), lambda: source.segments):
        for var in (v for r in install.resources for b in r.blocks for v in b.env if v.ref):
            assert var.ref is not None
            if var.value is None:
                continue
            # Read: exactly one candidate ConfigMap held it, as a string.
            holders = [
                data
                for (space, name), data in maps.items()
                if name == var.ref.name and space in (NS, None)
            ]
            assert any(h.get(var.ref.key) == var.value for h in holders), (var, holders)
        for var in (v for r in install.resources for b in r.blocks for v in b.env):
            if var.origin.startswith("envFrom"):  # a key of a ConfigMap of the input
                assert any(var.value in d.values() for d in maps.values()), var


def test_explain_never_tells_a_decision_that_hangs_on_an_unread_variable() -> None:
    """HTTPS_PROXY from a Secret: Go's decisions depend on it and are not told ("?"), never
    "neither HTTPS_PROXY nor https_proxy is set"; one that does not (WithNoProxy) is."""
    from xpnet import explain
    from xpnet.plan import plan_fix

    secret = "valueFrom:\n            secretKeyRef: {name: s, key: k}\n"
    text = core({"HTTPS_PROXY": secret, "https_proxy": secret, "NO_PROXY": GOOD})
    cfg = config("fix")
    (install,) = find_installs(load([Source("in.yaml", text)]), None, "auto")
    plan = plan_fix(cfg, install)
    where = explain.destinations(cfg, install, ["function-example"], None, [])
    verdicts = explain.explain(cfg, plan, where)
    by = {(v.when, v.runtime, v.destination.label): v for v in verdicts}
    assert not any("is set" in v.decision.reason for v in verdicts if not v.known)
    assert not any("neither HTTPS_PROXY nor https_proxy" in v.decision.reason for v in verdicts)
    unknown = [v for v in verdicts if v.when == "before" and v.runtime == "go"]
    assert unknown and not any(v.known for v in unknown if "registry" in v.destination.label)
    assert any(v.known for (w, r, _), v in by.items() if r == "grpc-go-noproxy")


def with_env_from(text: str, sources: str) -> str:
    return text.replace("        env:\n", f"        envFrom:\n{sources}        env:\n", 1)


def test_env_from_a_configmap_of_the_input_is_read() -> None:
    """envFrom sets every key of the ConfigMap (prefixed); env wins over it. A value there is
    judged (an upper/lower mismatch is an error) and fix overrides it with an env entry."""
    text = stream(
        with_env_from(core({"HTTP_PROXY": PROXY}), "        - configMapRef: {name: proxy}\n"),
        configmap({"HTTPS_PROXY": "http://old:3128", "https_proxy": PROXY, "HTTP_PROXY": "x"}),
    )
    checked = found(text)
    assert ("XPN002", "HTTPS_PROXY") in checked
    assert not any("not set" in m for (_, v), m in checked.items() if v == "HTTPS_PROXY")
    out = run(text).outputs["in.yaml"]
    (doc, _) = yaml.safe_load_all(out)
    env = doc["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "HTTPS_PROXY", "value": PROXY} in env
    assert not run(out, "check").outcome.failed
    assert run(out).outputs["in.yaml"] == out
    prefixed = stream(
        with_env_from(core(SIX), "        - {prefix: X_, configMapRef: {name: proxy}}\n"),
        configmap({"HTTPS_PROXY": "http://old:3128"}),
    )
    assert not run(prefixed, "check").outcome.failed  # X_HTTPS_PROXY is not a proxy variable


def test_env_from_a_source_xpnet_cannot_read_may_set_anything() -> None:
    text = with_env_from(core({"NO_PROXY": GOOD}), "        - secretRef: {name: proxy}\n")
    checked = found(text)
    assert not {r for r, _ in checked} & {"XPN011", "XPN012", "XPN005"}, checked
    assert "Secret proxy may set it through envFrom" in checked["XPN016", "HTTPS_PROXY"]
    assert not any("not set" in m for m in checked.values()), checked
    out = run(text).outputs["in.yaml"]  # fix writes env entries, which win over envFrom
    assert not run(out, "check").outcome.failed
