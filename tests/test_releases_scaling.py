"""The chart-values readers scale linearly in every dimension of a GitOps repository: releases
in a List or as documents, entries of a values map or string, parameters, post-renderer
patches. Quadrupling a dimension may at most about quadruple the time (the bound, 6.25, is two
doublings of 2.5; a quadratic step reads 16); times are the smallest of a few runs."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.unit_helpers import PROXY, config
from xpnet.adapters.streams import run_streams
from xpnet.yaml.stream import Source

BOUND = 6.25
RUNS = 3


def release(i: int, **spec: Any) -> dict[str, Any]:
    values = spec.pop("values", {"extraEnvVarsCrossplane": {"HTTPS_PROXY": PROXY}})
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": f"cp{i}", "namespace": "flux-system"},
        "spec": {
            "targetNamespace": f"ns{i}",
            "chart": {"spec": {"chart": "crossplane", "version": "2.3.4"}},
            "values": values,
            **spec,
        },
    }


def application(helm: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "cp", "namespace": "argocd"},
        "spec": {
            "destination": {"namespace": "crossplane-system"},
            "source": {"chart": "crossplane", "targetRevision": "2.3.4", "helm": helm},
        },
    }


def patch(i: int) -> dict[str, str]:
    return {
        "patch": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: crossplane, "
        f"namespace: ns0}}\nspec:\n  template:\n    spec:\n      containers:\n"
        f"      - name: crossplane\n        env:\n        - {{name: V{i}, value: x}}\n"
    }


def text(dimension: str, n: int) -> str:
    """The input with `n` of a dimension."""
    dump = yaml.safe_dump
    env = {f"K{i}": "v" for i in range(n)}
    if dimension == "releases in a List":
        items = [release(i) for i in range(n)]
        return dump({"apiVersion": "v1", "kind": "List", "items": items})
    if dimension == "releases as documents":
        return "---\n".join(dump(release(i)) for i in range(n))
    if dimension == "entries of a values map":
        return dump(release(0, values={"extraEnvVarsCrossplane": env}))
    if dimension == "entries of a values string":
        return dump(application({"values": dump({"extraEnvVarsCrossplane": env})}))
    if dimension == "keys given twice in a values string":
        twice = "".join(f"extraEnvVarsCrossplane: {{K{i}: v}}\n" for i in range(n))
        return dump(application({"values": twice}))
    if dimension == "parameters":
        params = [{"name": f"extraEnvVarsCrossplane.K{i}", "value": "v"} for i in range(n)]
        return dump(application({"valuesObject": {}, "parameters": params}))
    patches = [patch(i) for i in range(n)]
    return dump(release(0, postRenderers=[{"kustomize": {"patches": patches}}]))


DIMENSIONS = [
    "releases in a List",
    "releases as documents",
    "entries of a values map",
    "entries of a values string",
    "keys given twice in a values string",
    "parameters",
    "post-renderer patches",
]


def smallest(run: Callable[[], object]) -> float:
    """The best of a few runs, the cycle collector off while it runs: its passes grow with
    the objects alive, which is the measuring process's, not xpnet's work."""
    best = float("inf")
    for _ in range(RUNS):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


@pytest.mark.parametrize("dimension", DIMENSIONS)
@pytest.mark.parametrize("mode", ["check", "fix"])
def test_the_readers_scale_linearly(dimension: str, mode: str) -> None:
    n = 100 if "releases" in dimension or "patches" in dimension else 2000
    if "values" in dimension:
        n = 8000  # reading a value is quick: a size that measures above the noise
    small, large = (text(dimension, size) for size in (n, 4 * n))

    def run(text: str) -> Callable[[], object]:
        return lambda: run_streams(config(mode), [Source("in.yaml", text)])

    took = smallest(run(small)), smallest(run(large))
    assert took[1] / took[0] <= BOUND, (
        f"{dimension}: {n} took {took[0]:.3f} s, {4 * n} {took[1]:.3f} s"
    )
