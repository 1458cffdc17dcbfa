"""The chart-values readers scale linearly in every dimension of a GitOps repository: releases
in a List or as documents, entries of a values map or string, parameters, post-renderer
patches. Quadrupling a dimension may at most about quadruple the time (the bound, 6.25, is two
doublings of 2.5; a quadratic step reads 16); times are the smallest of a few runs."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN_DIR
from tests.unit_helpers import CONFIG_DATA, PROXY

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
    """The best of a few runs."""
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.slow
@pytest.mark.parametrize("dimension", DIMENSIONS)
@pytest.mark.parametrize("mode", ["check", "fix"])
def test_the_readers_scale_linearly(dimension: str, mode: str, tmp_path: Path) -> None:
    n = 100 if "releases" in dimension or "patches" in dimension else 2000
    if "values" in dimension:
        n = 8000  # reading a value is quick: a size that measures above the noise
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(CONFIG_DATA))

    def run(size: int) -> Callable[[], object]:
        """A run in a new process, as users run xpnet: no cache of an earlier run (composed
        documents, scalar tags) makes one size look cheaper than it is."""
        source = tmp_path / f"in-{size}.yaml"
        source.write_text(text(dimension, size))
        argv = [str(BIN_DIR / "xpnet"), mode, "-c", str(tmp_path / "xpnet.yaml"), str(source)]
        argv += ["--dry-run"] if mode == "fix" else []
        first = subprocess.run(argv, capture_output=True, text=True)
        assert first.returncode in (0, 1) and "Traceback" not in first.stderr, first.stderr[-2000:]
        return lambda: subprocess.run(argv, capture_output=True)

    took = smallest(run(n)), smallest(run(4 * n))
    assert took[1] / took[0] <= BOUND, (
        f"{dimension}: {n} took {took[0]:.3f} s, {4 * n} {took[1]:.3f} s"
    )
