from __future__ import annotations

import pytest

from xpnet import versions
from xpnet.versions import FunctionMatch, from_image, from_text, image_tag


@pytest.mark.parametrize(
    ("image", "version", "match"),
    [
        ("xpkg.crossplane.io/crossplane/crossplane:v1.19.2", "1.19.2", FunctionMatch.POD_IP),
        ("xpkg.upbound.io/upbound/crossplane:v1.17.3-up.1", "1.17.3", FunctionMatch.POD_IP),
        ("crossplane:v1.14.0", "1.14.0", FunctionMatch.POD_IP),
        ("crossplane:1.19.2", "1.19.2", FunctionMatch.POD_IP),
        ("crossplane:v1.20.0", "1.20.0", FunctionMatch.HOST),
        ("xpkg.crossplane.io/crossplane/crossplane:v2.1.0", "2.1.0", FunctionMatch.HOST),
        ("crossplane:v2.1.0-rc.1", "2.1.0", FunctionMatch.HOST),
        ("registry:5000/crossplane:v1.18.1@sha256:abcd", "1.18.1", FunctionMatch.POD_IP),
        ("crossplane@sha256:abcd", None, FunctionMatch.UNKNOWN),
        ("xpkg.crossplane.io/crossplane/crossplane:v0.0.1", None, FunctionMatch.UNKNOWN),
        ("crossplane:v1.13.9", None, FunctionMatch.UNKNOWN),
        ("crossplane:latest", None, FunctionMatch.UNKNOWN),
        ("registry:5000/crossplane", None, FunctionMatch.UNKNOWN),
        (None, None, FunctionMatch.UNKNOWN),
    ],
)
def test_version_from_image(image: str | None, version: str | None, match: FunctionMatch) -> None:
    detected = from_image(image)
    assert detected.text == version
    assert detected.match is match


def test_grpc_go_versions_follow_the_table() -> None:
    assert from_text("1.19.9", "x").grpc_go == "1.68.0"
    assert from_text("1.20.11", "x").grpc_go == "1.71.1"
    assert from_text("v1.15.0", "x").grpc_go == "1.61.0"
    assert from_text("2.1.0", "x").grpc_go == ">= 1.71"  # past the table: its last grpc-go on


def test_the_boundary_in_words_comes_from_the_table() -> None:
    # grpc-go 1.71 moved the check to the unresolved target; Crossplane 1.20 ships it
    # (docs/explanation/function-calls.md).
    assert versions.GRPC_GO_HOST == "grpc-go >= 1.71"
    assert versions.GRPC_GO_POD_IP == "grpc-go <= 1.70"
    assert versions.CROSSPLANE_HOST == "Crossplane >= 1.20"
    assert versions.CROSSPLANE_POD_IP == "Crossplane < 1.20"
    first_host = from_text(f"{versions.CROSSPLANE_HOST.split()[-1]}.0", "x")
    assert first_host.match is FunctionMatch.HOST
    last_pod_ip = from_text("1.19.99", "x")
    assert last_pod_ip.match is FunctionMatch.POD_IP


def test_image_tag() -> None:
    assert image_tag("localhost:5000/a/b:v1") == "v1"
    assert image_tag("localhost:5000/a/b") is None
    assert image_tag("a/b@sha256:00") is None
