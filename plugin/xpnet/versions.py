"""Crossplane version → what grpc-go matches against NO_PROXY for function calls.

Source: docs/explanation/function-calls.md (grpc-go version from go.mod at each Crossplane tag;
grpc-go PRs #7857/#7881 moved the proxy check from resolved addresses to the unresolved target in
1.71).
"""

from __future__ import annotations

import enum
import re

from xpnet.records import NamedTuple


class FunctionMatch(enum.Enum):
    """What NO_PROXY must match for Crossplane's gRPC calls to its Functions."""

    POD_IP = "pod-ip"  # grpc-go <= 1.70 checks each resolved address
    HOST = "host"  # grpc-go >= 1.71 checks the unresolved <function>.<namespace> host
    UNKNOWN = "unknown"  # cover both


# (first Crossplane version, grpc-go it ships, what NO_PROXY must match): the table of
# docs/explanation/function-calls.md.
GRPC_GO_BY_CROSSPLANE: tuple[tuple[tuple[int, int], str, FunctionMatch], ...] = (
    ((1, 14), "1.59.0", FunctionMatch.POD_IP),
    ((1, 15), "1.61.0", FunctionMatch.POD_IP),
    ((1, 17), "1.63.2", FunctionMatch.POD_IP),
    ((1, 18), "1.67.1", FunctionMatch.POD_IP),
    ((1, 19), "1.68.0", FunctionMatch.POD_IP),
    ((1, 20), "1.71.1", FunctionMatch.HOST),
)
# Functions went beta in 1.14; before that there is nothing to call.
FIRST_KNOWN = GRPC_GO_BY_CROSSPLANE[0][0]
LAST_KNOWN = GRPC_GO_BY_CROSSPLANE[-1][0]

# The first grpc-go release that checks the unresolved target (the PRs above), and the first
# Crossplane release that ships one (the table): the boundary in words, for messages.
GRPC_GO_HOST_SINCE = (1, 71)
CROSSPLANE_HOST_SINCE = next(
    first for first, _, how in GRPC_GO_BY_CROSSPLANE if how is FunctionMatch.HOST
)


def _dotted(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


GRPC_GO_HOST = f"grpc-go >= {_dotted(GRPC_GO_HOST_SINCE)}"
GRPC_GO_POD_IP = f"grpc-go <= {GRPC_GO_HOST_SINCE[0]}.{GRPC_GO_HOST_SINCE[1] - 1}"
CROSSPLANE_HOST = f"Crossplane >= {_dotted(CROSSPLANE_HOST_SINCE)}"
CROSSPLANE_POD_IP = f"Crossplane < {_dotted(CROSSPLANE_HOST_SINCE)}"

_TAG = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$")


class CrossplaneVersion(NamedTuple):
    """A detected or configured Crossplane version and what it means for NO_PROXY."""

    text: str | None  # "1.19.2", or None when unknown
    source: str  # where it came from, for explain and messages
    grpc_go: str | None
    match: FunctionMatch

    def describe(self) -> str:
        if self.text is None:
            return f"unknown ({self.source})"
        return f"{self.text} ({self.source}; grpc-go {self.grpc_go})"


def image_tag(image: str) -> str | None:
    """The tag of an image reference, None for digest-only or untagged references."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        return None
    return last.rsplit(":", 1)[1] or None


def from_text(text: str, source: str) -> CrossplaneVersion:
    """Interpret a version string or image tag; anything unusable means unknown."""
    m = _TAG.match(text.strip())
    if not m:
        return CrossplaneVersion(
            None, f"{source}: {text!r} is not a version", None, FunctionMatch.UNKNOWN
        )
    major, minor, patch = (int(g) for g in m.groups())
    if (major, minor) < FIRST_KNOWN:
        return CrossplaneVersion(
            None,
            f"{source}: {text!r} is older than {_dotted(FIRST_KNOWN)} or a placeholder",
            None,
            FunctionMatch.UNKNOWN,
        )
    grpc_go, match = GRPC_GO_BY_CROSSPLANE[0][1:]
    for first, go, how in GRPC_GO_BY_CROSSPLANE:
        if (major, minor) >= first:
            grpc_go, match = go, how
    if (major, minor) > LAST_KNOWN:  # newer than the table: at least its last grpc-go
        grpc_go = ">= " + ".".join(grpc_go.split(".")[:2])
    return CrossplaneVersion(f"{major}.{minor}.{patch}", source, grpc_go, match)


def unknown(source: str) -> CrossplaneVersion:
    return CrossplaneVersion(None, source, None, FunctionMatch.UNKNOWN)


def from_image(image: str | None) -> CrossplaneVersion:
    """Detect the version from the core image reference."""
    if not image:
        return unknown("no Crossplane core image found")
    tag = image_tag(image)
    if tag is None:
        return unknown(f"image {image!r} has no tag")
    return from_text(tag, f"image tag of {image}")
