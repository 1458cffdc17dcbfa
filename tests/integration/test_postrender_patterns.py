"""The patterns of a Flux post-renderer (a patch target's name and namespace, an image override's
name) are matched as real kustomize matches them: postrender.go_match against kustomize's own
verdict, each pattern in one build, and a pattern that makes a backtracking matcher run for
minutes answered at once (Go's regexp does not backtrack)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import yaml

from xpnet.postrender import _IMAGE_SUFFIX, go_match

NAMES = ["crossplane", "crossplane-rbac-manager", "xp"]
IMAGE = "xpkg.crossplane.io/crossplane/crossplane:v2.3.4"
PATTERNS = [
    "crossplane",
    "crossplane.*",
    "cross",
    ".*rbac.*",
    "crossplane|xp",
    "(crossplane)(-rbac-manager)?",
    "x[a-p]",
    "x[^q]",
    "[[:alpha:]]+",
    "\\w+",
    "\\w+-\\w+-\\w+",
    "cross{0,2}plane",
    "c.{9}",
    ".*?plane",
    "(.*.*.*)*Z",
    "(x*x*x*)*Z",
    "(a|a)*b",
    "xpkg\\.crossplane\\.io/crossplane/crossplane",
    "xpkg.crossplane.io/crossplane/.*",
    "crossplane/crossplane",
    "(?i)CROSSPLANE",
    "a(?=b)",
    "(a)\\1",
    "[",
]


def deployment(name: str) -> dict[str, object]:
    labels = {"app": name}
    container = {"name": "crossplane", "image": IMAGE}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [container]}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "crossplane-system"},
        "spec": {"selector": {"matchLabels": labels}, "template": template},
    }


def build(kustomize: Path, folder: Path, kustomization: dict[str, object]) -> str | None:
    """kustomize's output, or None when it refuses the kustomization."""
    folder.mkdir()
    docs = [deployment(n) for n in NAMES]
    (folder / "deployments.yaml").write_text(yaml.safe_dump_all(docs))
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    done = subprocess.run(
        [str(kustomize), "build", str(folder)], capture_output=True, text=True, timeout=60
    )
    return done.stdout if done.returncode == 0 else None


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_target_name_selects_what_kustomize_selects(
    kustomize: Path, tmp_path: Path, pattern: str
) -> None:
    patch = [{"op": "add", "path": "/metadata/labels", "value": {"patched": "yes"}}]
    target = {"kind": "Deployment", "name": pattern}
    patches = [{"target": target, "patch": yaml.safe_dump(patch)}]
    out = build(kustomize, tmp_path / "k", {"resources": ["deployments.yaml"], "patches": patches})
    started = time.monotonic()
    ours = {name: go_match(pattern, name) for name in NAMES}
    assert time.monotonic() - started < 1
    if out is None:  # kustomize refuses the pattern: xpnet cannot read it either
        assert set(ours.values()) == {None}, ours
        return
    theirs = {d["metadata"]["name"]: "labels" in d["metadata"] for d in yaml.safe_load_all(out)}
    assert {n: v for n, v in ours.items() if v is not None} == {
        n: v for n, v in theirs.items() if ours[n] is not None
    }


@pytest.mark.parametrize("pattern", PATTERNS)
def test_an_image_name_matches_what_kustomize_matches(
    kustomize: Path, tmp_path: Path, pattern: str
) -> None:
    images = [{"name": pattern, "newTag": "v1.19.0"}]
    out = build(kustomize, tmp_path / "k", {"resources": ["deployments.yaml"], "images": images})
    ours = go_match(f"(?:{pattern}){_IMAGE_SUFFIX}", IMAGE)
    if out is None or ours is None:
        return  # xpnet names a pattern it cannot read (XPN041)
    first = next(yaml.safe_load_all(out))
    image = first["spec"]["template"]["spec"]["containers"][0]["image"]
    assert ours == image.endswith(":v1.19.0"), image
