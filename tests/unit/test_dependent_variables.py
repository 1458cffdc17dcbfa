"""NO_PROXY values that refer to other variables, $(VAR), as the kubelet expands them from the
entries before them (https://kubernetes.io/docs/tasks/inject-data-application/
define-interdependent-environment-variables/): xpnet judges and merges the expanded entries,
never lower-cases a reference, and leaves alone (XPN068) a value whose reference it cannot read.
The expansion itself is held to real kustomize, whose `vars` run the same forked algorithm."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.unit.test_valuefrom import GOOD, SIX, configmap, core, found, ref, run, stream
from xpnet.valuefrom import expand


@pytest.mark.parametrize(
    ("value", "known", "expanded", "unknown"),
    [
        ("$(A),.b", {"A": "x"}, "x,.b", ()),
        ("$$(A)", {"A": "x"}, "$(A)", ()),
        ("$$", {}, "$", ()),
        ("a$", {}, "a$", ()),
        ("$(A", {"A": "x"}, "$(A", ()),
        ("$x$(A)", {"A": ""}, "$x", ()),
        ("$(C,$(A)z", {"A": "x"}, "$(C,$(A)z", ("C,$(A",)),
        ("$(A),$(B),$(B)", {"A": "x", "B": None}, "x,$(B),$(B)", ("B",)),
    ],
)
def test_expand_reads_references_as_the_kubelet_does(
    value: str, known: dict[str, str | None], expanded: str, unknown: tuple[str, ...]
) -> None:
    assert expand(value, known) == (expanded, unknown)


@given(st.text(alphabet="$()AB,x", max_size=30), st.dictionaries(st.sampled_from("AB"), st.text()))
def test_expand_fuzz(value: str, known: dict[str, str]) -> None:
    """A fuzz target: any text expands; without references it is itself, $$ aside."""
    expanded, unknown = expand(value, known)
    if "$" not in value:
        assert (expanded, unknown) == (value, ())
    assert all(f"$({n})" in expanded for n in unknown)


BASE = "localhost,.Corp.Example"


def test_a_reference_to_an_earlier_entry_is_expanded_and_merged() -> None:
    """Fix writes the entries the reference stood for (their case as NO_PROXY reads them),
    never a lower-cased $(base_no_proxy), which the kubelet would not expand; a second run and
    check are then content."""
    text = core({"BASE_NO_PROXY": BASE, **SIX, "NO_PROXY": "$(BASE_NO_PROXY)," + GOOD})
    out = run(text).outputs["in.yaml"]
    assert "base_no_proxy)" not in out
    assert f'value: "{GOOD},.corp.example"' in out
    assert run(out).outputs["in.yaml"] == out
    assert not run(out, "check").outcome.failed, found(out)


def test_a_complete_value_through_a_reference_passes_as_written() -> None:
    text = core({"BASE": GOOD, **SIX, "NO_PROXY": "$(BASE)", "no_proxy": "$(BASE)"})
    assert not run(text, "check").outcome.failed, found(text)
    assert run(text).outputs["in.yaml"] == text


def test_a_reference_to_a_configmap_of_the_input_is_read() -> None:
    text = stream(
        core({"BASE": ref(key="BASE"), **SIX, "NO_PROXY": "$(BASE),x.corp", "no_proxy": "$(BASE)"}),
        configmap({"BASE": GOOD}),
    )
    checked = found(text)
    assert ("XPN002", "NO_PROXY") in checked, checked  # no_proxy lacks x.corp
    out = run(text).outputs["in.yaml"]
    assert not run(out, "check").outcome.failed, found(out)


@pytest.mark.parametrize(
    "base",
    [
        None,  # a Service variable, or one no entry defines
        ref(name="in-the-cluster", key="BASE"),
        "valueFrom:\n            secretKeyRef: {name: s, key: BASE}\n",
    ],
)
def test_a_reference_xpnet_cannot_read_is_left_alone(base: str | None) -> None:
    """The value is unknown: a warning names the reference, fix keeps it as written, and no
    rule says NO_PROXY lacks an entry."""
    entries = {"BASE": base} if base else {}
    text = core({**entries, **SIX, "NO_PROXY": "$(BASE),$(KUBERNETES_SERVICE_HOST)"})
    checked = found(text)
    assert "$(BASE)" in checked["XPN068", "NO_PROXY"], checked
    assert not [k for k in checked if k[1] == "NO_PROXY" and k[0] != "XPN068"], checked
    out = run(text).outputs["in.yaml"]
    assert 'value: "$(BASE),$(KUBERNETES_SERVICE_HOST)"' in out
    assert run(out).outputs["in.yaml"] == out


def test_a_later_entry_is_not_seen() -> None:
    """The kubelet expands from the entries before a variable only."""
    env = {**SIX, "NO_PROXY": "$(BASE)", "BASE": GOOD}
    assert ("XPN068", "NO_PROXY") in found(core(env))


# Real kustomize ------------------------------------------------------------------------------


def kustomize_expands(
    kustomize: Path, folder: Path, values: list[str], known: dict[str, str]
) -> list[str]:
    """What kustomize's `vars` make of each value (a variable Z is always declared: without
    any variable kustomize expands nothing)."""
    declared = {**known, "Z": "z"}
    resources = configmap(declared, "vals", None) + (
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: c\n        env:\n"
    )
    resources += "".join(
        f"        - name: V{i}\n          value: {json.dumps(v)}\n" for i, v in enumerate(values)
    )
    (folder / "r.yaml").write_text(resources)
    variables = "".join(
        f"- name: {k}\n  objref: {{kind: ConfigMap, name: vals, apiVersion: v1}}\n"
        f"  fieldref: {{fieldpath: data.{k}}}\n"
        for k in declared
    )
    (folder / "kustomization.yaml").write_text("resources: [r.yaml]\nvars:\n" + variables)
    done = subprocess.run(
        [str(kustomize), "build", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    docs = list(YAML(typ="safe").load_all(done.stdout))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return [str(e.get("value", "")) for e in env]


@pytest.mark.parametrize("known", [{}, {"A": "v1"}, {"A": "a,b", "B": "$x"}])
def test_expand_agrees_with_kustomize_vars(
    kustomize: Path, tmp_path: Path, known: dict[str, str]
) -> None:
    """Generated values over $, (, ), names and commas."""
    rng = random.Random(25)
    parts = ["$", "(", ")", "A", "B", ",", "x", "$(A)", "$(B)", "$$"]
    values = ["".join(rng.choices(parts, k=rng.randint(1, 10))) for _ in range(300)]
    theirs = kustomize_expands(kustomize, tmp_path, values, known)
    ours = [expand(v, {**known, "Z": "z"})[0] for v in values]
    assert [(v, o) for v, o, t in zip(values, ours, theirs, strict=True) if o != t] == []


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="$()AB,x.", max_size=20))
def test_any_reference_text_in_no_proxy(tail: str) -> None:
    """A fuzz target through fix and check: no crash, a second fix changes nothing."""
    text = core({"A": "a.example", **SIX, "NO_PROXY": GOOD + "," + tail})
    out = run(text).outputs["in.yaml"]
    assert run(out).outputs["in.yaml"] == out
