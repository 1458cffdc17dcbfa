"""The chart-values readers under generated GitOps objects (hypothesis): HelmReleases,
Applications, ApplicationSets and Lists with every field the readers look at, holding nulls,
lists, numbers, templates, duplicate keys, post-renderer patches and parameters of any shape.
Every run answers or refuses naming the file (never a traceback), a second fix changes nothing,
and the proxy password in the inputs and the config is in no message."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xpnet.adapters.streams import run_streams
from xpnet.config import load_config, with_mode
from xpnet.credentials import forget
from xpnet.errors import XpnetError
from xpnet.yaml.stream import ChartValues, Source

PASSWORD = "Fz9-pw-secret"
URL = f"http://bob:{PASSWORD}@proxy.corp.example:3128"
CONFIG = {
    "apiVersion": "xpnet.dev/v1alpha1",
    "kind": "ClusterNetwork",
    "metadata": {"name": "fuzz"},
    "spec": {
        "proxy": {"httpsProxy": URL},
        "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
    },
}
ENV_KEYS = ["extraEnvVarsCrossplane", "extraEnvVarsCrossplaneInit", "extraEnvVarsRBACManager"]
NAMES = ["HTTPS_PROXY", "HTTPS.PROXY", "NO_PROXY", "no_proxy", "http_proxy", "GRPC_PROXY", "A"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([URL, "localhost,.svc", "", "{{.np}}", "v1.19.2", "null", "x"]),
)
leaves = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=2)
    ),
    max_leaves=4,
)
env_maps = st.one_of(scalars, st.dictionaries(st.sampled_from(NAMES), leaves, max_size=4))


@st.composite
def chart_values(draw: Any, depth: int = 0) -> Any:
    values: dict[str, Any] = {k: draw(env_maps) for k in draw(st.sets(st.sampled_from(ENV_KEYS)))}
    optional = {
        "image": st.one_of(
            scalars,
            st.fixed_dictionaries(
                {}, optional={"tag": scalars, "ignoreTag": scalars, "repository": scalars}
            ),
        ),
        "hostNetwork": scalars,
        "dnsPolicy": scalars,
        "nameOverride": scalars,
        "rbacManager": st.one_of(scalars, st.fixed_dictionaries({"deploy": scalars})),
        "sidecarsCrossplane": st.one_of(
            scalars,
            st.lists(
                st.fixed_dictionaries(
                    {"name": st.sampled_from(["s", "t"])},
                    optional={
                        "env": st.one_of(
                            scalars,
                            st.lists(
                                st.fixed_dictionaries(
                                    {"name": st.sampled_from(NAMES)}, optional={"value": scalars}
                                ),
                                max_size=3,
                            ),
                        )
                    },
                ),
                max_size=2,
            ),
        ),
        "extraObjects": st.lists(
            st.sampled_from(
                [
                    {
                        "apiVersion": "pkg.crossplane.io/v1beta1",
                        "kind": "DeploymentRuntimeConfig",
                        "metadata": {"name": "d"},
                    },
                    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
                    "x",
                ]
            ),
            max_size=2,
        ),
    }
    for key in draw(st.sets(st.sampled_from(sorted(optional)), max_size=3)):
        values[key] = draw(optional[key])
    if depth == 0 and draw(st.booleans()):
        values = {draw(st.sampled_from(["crossplane", "xp"])): draw(chart_values(1)), "replicas": 1}
    return values


def patch_text(draw: Any) -> Any:
    env = draw(
        st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(NAMES)},
                optional={"value": scalars, "$patch": st.just("delete")},
            ),
            max_size=3,
        )
    )
    container = {
        "name": draw(st.sampled_from(["crossplane", "crossplane-init", "other"])),
        "env": env,
    }
    if draw(st.booleans()):
        container["image"] = draw(st.sampled_from(["x/crossplane:v1.19.2", "x@sha256:" + "a" * 64]))
    smp = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": draw(st.sampled_from(["crossplane", "crossplane-rbac-manager"])),
            "namespace": draw(st.sampled_from(["crossplane-system", "other"])),
        },
        "spec": {
            "template": {
                "spec": {draw(st.sampled_from(["containers", "initContainers"])): [container]}
            }
        },
    }
    json6902 = [
        {
            "op": "add",
            "path": draw(
                st.sampled_from(
                    [
                        "/spec/replicas",
                        "/spec/template/spec/containers/0/env/-",
                        "",
                        "/spec/template",
                    ]
                )
            ),
            "value": draw(scalars),
        }
    ]
    return draw(
        st.sampled_from(
            [
                yaml.safe_dump(smp),
                yaml.safe_dump(json6902),
                smp,
                "a: [b",
                "- - -",
                yaml.safe_dump(smp) + "---\n" + yaml.safe_dump(smp),
            ]
        )
    )


@st.composite
def post_renderers(draw: Any) -> Any:
    patches = []
    for _ in range(draw(st.integers(0, 2))):
        patch: dict[str, Any] = {"patch": patch_text(draw)}
        if draw(st.booleans()):
            patch["target"] = draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "kind": st.sampled_from(["Deployment", "Service"]),
                        "name": st.sampled_from(["crossplane", "cross.*", "(", ""]),
                        "labelSelector": st.just("a=b"),
                        "namespace": st.sampled_from(["crossplane-system", "x"]),
                    },
                )
            )
        patches.append(patch)
    kustomize: dict[str, Any] = {"patches": patches}
    if draw(st.booleans()):
        kustomize["images"] = [
            {
                "name": draw(
                    st.sampled_from(["xpkg.crossplane.io/crossplane/crossplane", "(", "x"])
                ),
                "newTag": draw(scalars),
            }
        ]
    return draw(st.one_of(st.just([{"kustomize": kustomize}]), scalars))


@st.composite
def helm_release(draw: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "chart": {
            "spec": {
                "chart": draw(st.sampled_from(["crossplane", "platform", "repo/crossplane"])),
                "version": draw(st.sampled_from(["2.3.4", "1.19.3", ">=1", "{{.v}}"])),
            }
        },
        "values": draw(st.one_of(chart_values(), scalars)),
    }
    if draw(st.booleans()):
        spec["targetNamespace"] = draw(st.sampled_from(["xp", "crossplane-system"]))
    if draw(st.booleans()):
        spec["valuesFrom"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"kind": st.sampled_from(["ConfigMap", "Secret"]), "name": st.just("v")},
                    optional={
                        "targetPath": st.sampled_from(
                            ["extraEnvVarsCrossplane.NO_PROXY", "image.tag", "a..b", "x"]
                        )
                    },
                ),
                max_size=2,
            )
        )
    if draw(st.booleans()):
        spec["postRenderers"] = draw(post_renderers())
    if draw(st.booleans()):
        spec["chartRef"] = {"kind": "OCIRepository", "name": "crossplane"}
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "cp", "namespace": "flux-system"},
        "spec": spec,
    }


@st.composite
def argo_source(draw: Any) -> dict[str, Any]:
    helm: dict[str, Any] = {}
    form = draw(st.sampled_from(["object", "string", "both", "duplicates", "garbage", "none"]))
    values = draw(chart_values())
    if form in ("object", "both"):
        helm["valuesObject"] = values
    if form in ("string", "both"):
        helm["values"] = yaml.safe_dump(values)
    if form == "duplicates":
        helm["values"] = yaml.safe_dump(values) + yaml.safe_dump(draw(chart_values()))
    if form == "garbage":
        helm["values"] = draw(
            st.sampled_from(["a: [b", "- x", "a: &a [*a]", "{{.x}}: y", "x: !!binary AAAA"])
        )
    if draw(st.booleans()):
        helm["parameters"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "name": st.sampled_from(
                            [
                                "image.tag",
                                "extraEnvVarsCrossplane.NO_PROXY",
                                "extraEnvVarsCrossplane",
                                "crossplane.image.tag",
                                "a..b",
                                "sidecarsCrossplane[0].env[0].value",
                                "extraEnvVarsCrossplane.HTTPS\\.PROXY",
                            ]
                        ),
                        "value": st.sampled_from([URL, "null", "{a,b}", "v1.19.2", "a\\,b"]),
                    },
                    optional={"forceString": st.booleans()},
                ),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        helm["fileParameters"] = [
            {
                "name": draw(
                    st.sampled_from(["extraEnvVarsCrossplane.NO_PROXY", "image.tag", "x"])
                ),
                "path": "f",
            }
        ]
    if draw(st.booleans()):
        helm["valueFiles"] = ["a.yaml"]
    if draw(st.booleans()):
        helm["namespace"] = draw(st.sampled_from(["xp", "{{cluster}}"]))
    source = {
        "chart": draw(st.sampled_from(["crossplane", "platform", "{{chart}}"])),
        "targetRevision": draw(st.sampled_from(["2.3.4", "{{v}}", "1.20.11"])),
        "helm": draw(st.one_of(st.just(helm), scalars)),
    }
    if draw(st.booleans()):
        source["plugin"] = {"name": "cmp"}
    return source


@st.composite
def application(draw: Any) -> dict[str, Any]:
    sources = draw(st.lists(argo_source(), min_size=1, max_size=2))
    spec: dict[str, Any] = {
        "destination": {
            "namespace": draw(st.sampled_from(["crossplane-system", "{{cluster}}", None]))
        }
    }
    if len(sources) == 1 and draw(st.booleans()):
        spec["source"] = sources[0]
    else:
        spec["sources"] = [{"repoURL": "r", "ref": "values"}, *sources]
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "cp", "namespace": "argocd"},
        "spec": spec,
    }
    if draw(st.booleans()):
        template = {"metadata": {"name": "cp-{{cluster}}"}, "spec": spec}
        appset: dict[str, Any] = {
            "generators": [{"list": {"elements": [{"cluster": "a"}]}}],
            "template": template,
        }
        if draw(st.booleans()):
            appset["templatePatch"] = draw(
                st.sampled_from(["spec:\n  source: {}\n", "metadata: {}\n"])
            )
        if draw(st.booleans()):
            appset["generators"][0]["list"]["template"] = {
                "spec": {"destination": {"namespace": "x"}}
            }
        return {**app, "kind": "ApplicationSet", "spec": appset}
    return app


documents = st.one_of(helm_release(), application())


@st.composite
def streams(draw: Any) -> str:
    docs = draw(st.lists(documents, min_size=1, max_size=2))
    if draw(st.booleans()):
        docs = [
            {
                "apiVersion": "v1",
                "kind": draw(st.sampled_from(["List", "HelmReleaseList"])),
                "items": docs,
            }
        ]
    return "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs)


def outcome(text: str, mode: str, values: bool = False) -> tuple[str | None, list[str]]:
    """The output text (None when refused or failed) and every message a run says."""
    forget()
    config = with_mode(load_config(CONFIG, "fuzz.yaml"), mode)
    source = Source("in.yaml", text)
    try:
        if values:
            run = run_streams(config, [], values=[source], chart=ChartValues("2.3.4", "xp"))
        else:
            run = run_streams(config, [source])
    except XpnetError as error:
        return None, [error.render()]
    messages = [f.message for f in run.outcome.findings]
    return (None if run.outcome.failed else run.outputs["in.yaml"]), messages


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@FUZZ
@given(streams())
def test_gitops_objects_are_read_or_refused_and_fix_is_stable(text: str) -> None:
    _, said = outcome(text, "check")
    fixed, said_fix = outcome(text, "fix")
    for message in said + said_fix:
        assert PASSWORD not in message, message
        assert "Traceback" not in message
    if fixed is not None:
        again, _ = outcome(fixed, "fix")
        assert again == fixed, "a second fix changes something"


@pytest.mark.slow
@FUZZ
@given(chart_values())
def test_values_files_are_read_or_refused_and_fix_is_stable(values: Any) -> None:
    text = yaml.safe_dump(values)
    _, said = outcome(text, "check", values=True)
    fixed, said_fix = outcome(text, "fix", values=True)
    assert all(PASSWORD not in m for m in said + said_fix)
    if fixed is not None:
        assert outcome(fixed, "fix", values=True)[0] == fixed
