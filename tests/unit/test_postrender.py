"""A Flux HelmRelease's post-renderers as kustomize applies them to the chart's Deployments
(tests/integration/test_gitops_fields.py holds the same cases to real Helm and kustomize)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.test_releases import GOOD, _install, findings_of, fix, flux, rule_ids, run, text_of
from xpnet.postrender import go_match

VALUES = {"extraEnvVarsCrossplane": GOOD}


def smp(container: str, env: dict[str, str], name: str = "crossplane", init: bool = False) -> str:
    key = "initContainers" if init else "containers"
    entries = "".join(f"        - {{name: {k}, value: '{v}'}}\n" for k, v in env.items())
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
        "  namespace: crossplane-system\nspec:\n  template:\n"
        f"    spec:\n      {key}:\n      - name: {container}\n        env:\n{entries}"
    )


def renderers(*patches: dict[str, Any], images: list[dict[str, str]] | None = None) -> Any:
    kustomize: dict[str, Any] = {"patches": list(patches)}
    if images:
        kustomize["images"] = images
    return [{"kustomize": kustomize}]


def released(values: Any = VALUES, **spec: Any) -> str:
    return text_of(flux(values, **spec))


def test_a_patch_is_merged_into_the_env_by_name_and_judged_where_it_is_written() -> None:
    text = released(postRenderers=renderers({"patch": smp("crossplane", {"NO_PROXY": "x"})}))
    found = [(r, v) for r, v, _ in findings_of(text)]
    assert ("XPN003", "NO_PROXY") in found and ("XPN002", "NO_PROXY") in found
    line = next(f for f in run(text, mode="check").outcome.findings if f.rule.id == "XPN003")
    assert line.block is not None and line.block.line_of("NO_PROXY") > text.count("\n") - 4
    fixed = run(text)  # a patch wins over the values: fix says so and writes nothing
    assert fixed.outcome.failed and {f.rule.id for f in fixed.outcome.findings} == {"XPN043"}


def test_a_patch_that_sets_what_fix_sets_needs_no_values() -> None:
    patch = {"patch": smp("crossplane", GOOD)}
    text = released({"replicas": 1}, postRenderers=renderers(patch))
    assert rule_ids(text) == set()
    assert fix(text) == text


@pytest.mark.parametrize(
    "target, applies",
    [
        ({"kind": "Deployment", "name": "crossplane"}, True),
        ({"name": "cross.*"}, True),
        ({"kind": "Deployment", "name": "crossplane", "namespace": "crossplane-system"}, True),
        ({"kind": "Deployment", "name": "crossplane", "namespace": "other"}, False),
        ({"kind": "Service"}, False),
        ({"group": "batch"}, False),
        ({"name": "crossplane-rbac-manager"}, False),
    ],
)
def test_a_target_selects_the_deployments_as_kustomize_does(
    target: dict[str, str], applies: bool
) -> None:
    patch = {"target": target, "patch": smp("crossplane", {"NO_PROXY": "x"}, name="any")}
    assert ("XPN003" in rule_ids(released(postRenderers=renderers(patch)))) == applies


@pytest.mark.parametrize(
    "patch, said",
    [
        (
            {"target": {"labelSelector": "app=crossplane"}, "patch": smp("crossplane", {"A": "b"})},
            "label or annotation",
        ),
        (
            {
                "target": {"kind": "Deployment", "name": "crossplane"},
                "patch": "- op: replace\n  path: /spec/template/spec/containers/0/env/0/value\n"
                "  value: x\n",
            },
            "JSON patch",
        ),
        (
            {
                "target": {"kind": "Deployment"},
                "patch": "- {op: remove, path: /spec/template/spec/containers/0}\n",
            },
            "JSON patch",
        ),
        (
            {
                "patch": smp("crossplane", {}).replace(
                    "  template:\n", "  $patch: replace\n  template:\n"
                )
            },
            "directive",
        ),
        (
            {
                "patch": smp("crossplane", {"A": "b"}).replace(
                    "- {name: A", "- {$patch: delete, name: A"
                )
            },
            "directive",
        ),
    ],
    ids=["label selector", "json env", "json container", "replace", "delete"],
)
def test_what_a_patch_does_that_xpnet_cannot_follow_is_named(
    patch: dict[str, Any], said: str
) -> None:
    text = released(postRenderers=renderers(patch))
    found = [m for r, _, m in findings_of(text) if r == "XPN041"]
    assert len(found) == 1 and said in found[0]


def test_patches_that_touch_nothing_xpnet_judges_are_passed_over() -> None:
    replicas = {
        "target": {"kind": "Deployment", "name": "crossplane"},
        "patch": "- {op: replace, path: /spec/replicas, value: 2}\n"
        "- {op: add, path: /spec/template/spec/containers/0/resources, value: {}}\n",
    }
    labels = {
        "patch": "apiVersion: apps/v1\nkind: Deployment\n"
        "metadata:\n  name: crossplane\n  namespace: crossplane-system\n  labels: {a: b}\n"
    }
    assert rule_ids(released(postRenderers=renderers(replicas, labels))) == set()


def test_images_and_a_patched_image_decide_the_version() -> None:
    images = [{"name": "xpkg.crossplane.io/crossplane/crossplane", "newTag": "v1.19.2"}]
    assert _install(released(postRenderers=renderers(images=images))).version.text == "1.19.2"
    images = [{"name": "xpkg.crossplane.io/crossplane/crossplane", "digest": "sha256:" + "a" * 64}]
    assert _install(released(postRenderers=renderers(images=images))).version.text is None
    images = [{"name": "other/image", "newTag": "v1.19.2"}]
    assert _install(released(postRenderers=renderers(images=images))).version.text == "2.3.4"
    patch = smp("crossplane", {}).replace("        env:\n", "        image: x/crossplane:v1.20.1\n")
    assert _install(released(postRenderers=renderers({"patch": patch}))).version.text == "1.20.1"


def test_v2beta1_inline_strategic_merge_patches() -> None:
    inline = yaml.safe_load(smp("crossplane", {"NO_PROXY": "x"}))
    spec = {"postRenderers": [{"kustomize": {"patchesStrategicMerge": [inline]}}]}
    assert "XPN003" in rule_ids(released(**spec))


def test_several_documents_in_one_patch_string() -> None:
    two = smp("crossplane", {"A": "b"}) + "---\n" + smp("crossplane", {"NO_PROXY": "x"})
    assert "XPN003" in rule_ids(released(postRenderers=renderers({"patch": two})))


def test_a_patch_on_a_container_the_values_cannot_reach() -> None:
    patch = smp("crossplane-init", {"HTTPS_PROXY": "http://p:1"}, "crossplane-rbac-manager", True)
    text = released(postRenderers=renderers({"patch": patch}))
    assert ("XPN003", "NO_PROXY") in {(r, v) for r, v, _ in findings_of(text)}
    fixed = run(text)
    assert fixed.outcome.failed and {"XPN019", "XPN043"} <= {
        f.rule.id for f in fixed.outcome.findings
    }


def test_a_patched_host_network_is_judged() -> None:
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\n"
        "metadata: {name: crossplane, namespace: crossplane-system}\n"
        "spec:\n  template:\n    spec:\n      hostNetwork: true\n"
    )
    assert "XPN013" in rule_ids(released(postRenderers=renderers({"patch": patch})))


def test_a_patch_without_the_namespace_matches_nothing_and_fails_the_release() -> None:
    """kustomize matches a patch without a target by its id, namespace included."""
    patch = smp("crossplane", {"NO_PROXY": "x"}).replace("  namespace: crossplane-system\n", "")
    found = [
        m
        for r, _, m in findings_of(released(postRenderers=renderers({"patch": patch})))
        if r == "XPN041"
    ]
    assert len(found) == 1 and "without the namespace crossplane-system" in found[0]


# Patterns from a small grammar that Python's re and Go's regexp read alike, and texts over the
# same letters: the matcher agrees with re.fullmatch on every pair.
_ATOMS = st.sampled_from(["a", "b", "-", ".", "[ab]", "[^a]", "\\w", "\\d", "(?:a|b-)", "(a)"])
_PATTERNS = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["*", "+", "?", "*?", "{2}", "{1,3}"])).map(
            lambda p: f"(?:{p[0]}){p[1]}"
        ),
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda p: f"(?:{p[0]}|{p[1]})"),
    ),
    max_leaves=6,
)


@given(_PATTERNS, st.text("ab-1.", max_size=8))
def test_go_match_agrees_with_a_backtracking_matcher(pattern: str, text: str) -> None:
    assert go_match(pattern, text) == (re.fullmatch(pattern, text) is not None)


@pytest.mark.parametrize("pattern", ["(.*.*.*)*Z", "(x*x*x*)*Z", "(a|a)*b", "(.*)*(.*)*(.*)*Z"])
def test_a_pattern_that_backtracks_for_minutes_is_answered_at_once(pattern: str) -> None:
    started = time.monotonic()
    assert go_match(pattern, "crossplane-rbac-manager" * 10) is False
    # Backtracking took minutes: a bound far above a busy machine's worst is enough to tell.
    assert time.monotonic() - started < 10


def test_a_post_renderer_with_such_a_pattern_is_read_at_once() -> None:
    """A target name and an image name that would backtrack: the release is judged at once."""
    patch = {"target": {"kind": "Deployment", "name": "(.*.*.*)*Z"}, "patch": smp("x", {})}
    images = [{"name": "(x*x*x*)*Z", "newTag": "v1.19.0"}]
    started = time.monotonic()
    assert "XPN041" not in rule_ids(released(postRenderers=renderers(patch, images=images)))
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("pattern", ["(?i)crossplane", "a(?=b)", "(a)\\1", "[[:alpha:]]+", "x{,2}"])
def test_a_pattern_xpnet_cannot_read_is_named(pattern: str) -> None:
    assert go_match(pattern, "crossplane") is None
    images = [{"name": pattern, "newTag": "v1.19.0"}]
    assert "XPN041" in rule_ids(released(postRenderers=renderers(images=images)))
