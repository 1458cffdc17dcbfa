"""No part of a proxy password in any diagnostic of any command, in any output format: a
property over generated passwords (every character a URL's user information can hold,
percent-escapes, non-ASCII), URL shapes (with and without a scheme, malformed, refused) and the
places a URL can come from; in data the user asked for (manifests, values, a config) only as
the value of a proxy setting."""

from __future__ import annotations

import os
import string
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.secret_leaks import SLOTS, Secret, leaks, runs

# Random enough that a part never occurs in xpnet's own words, whatever the case.
PART = st.text(string.ascii_letters + string.digits, min_size=8, max_size=12).filter(
    lambda p: any(c.isdigit() for c in p) and any(c.isalpha() for c in p)
)
# What a password may hold between its parts: every reserved character of a URL, white space,
# quotes and backslashes (YAML and JSON escape them), percent-escapes, non-ASCII, $(.
JOINERS = [
    "@", ":", "/", "?", "#", "%", "%2F", "%40", "%3A", "%25", "%zz", "[", "]", "!", "$", "&",
    "'", '"', "(", ")", "*", "+", ",", ";", "=", "~", "-", ".", "_", " ", "\\", "\t", "ä", "€",
    "😀", "$(", "%C3%A4", "://", "@@",
]  # fmt: skip


@st.composite
def secrets(draw: Any) -> Secret:
    parts = draw(st.lists(PART, min_size=1, max_size=3))
    joiners = draw(
        st.lists(st.sampled_from(JOINERS), min_size=len(parts) + 1, max_size=len(parts) + 1)
    )
    edges = draw(st.tuples(st.booleans(), st.booleans()))
    text = joiners[0] if edges[0] else ""
    for part, joiner in zip(parts, joiners[1:], strict=True):
        text += part + joiner
    if not edges[1]:
        text = text[: -len(joiners[-1])]
    return Secret(text, tuple(parts))


# How the password is written into a URL: raw, percent-encoded (the valid form), without a
# scheme, as a token (user only), with a path, another scheme, no host, an https:// proxy.
SHAPES = [
    "http://{user}:{password}@proxy.corp.example:3128",
    "http://{user}:{encoded}@proxy.corp.example:3128",
    "{user}:{password}@proxy.corp.example:3128",
    "{user}:{encoded}@proxy.corp.example:3128",
    "http://{encoded}@proxy.corp.example:3128",
    "https://{user}:{encoded}@proxy.corp.example:3128",
    "HTTP://{user}:{password}@PROXY.corp.example:3128/",
    "http://{user}:{encoded}@proxy.corp.example:3128/path?q=1",
    "ftp://{user}:{password}@proxy.corp.example:21",
    "http://{user}:{password}@",
    "http://{user}:{encoded}@10.20.0.10:99999",
    " http://{user}:{encoded}@proxy.corp.example:3128 ",
]
USERS = ["bob", "us%40er", "alice.smith", "", "Us3r"]


# XPNET_SECRET_EXAMPLES=2000 searches harder (about 0.3 s an example).
@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("XPNET_SECRET_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    secret=secrets(),
    shape=st.sampled_from(SHAPES),
    user=st.sampled_from(USERS),
    slot=st.sampled_from(SLOTS),
    netpol=st.booleans(),
)
def test_no_part_of_a_password_in_any_diagnostic(
    secret: Secret, shape: str, user: str, slot: str, netpol: bool
) -> None:
    url = shape.format(user=user, password=secret.password, encoded=quote(secret.password, safe=""))
    with tempfile.TemporaryDirectory() as tmp:
        found = [
            leak for output in runs(Path(tmp), slot, url, netpol) for leak in leaks(output, secret)
        ]
    assert not found, f"{slot} {url!r}:\n" + "\n".join(found)
