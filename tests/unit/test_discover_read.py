"""The reader of `xpnet discover` on its own: a fuzz target that gives it any text, YAML- and
JSON-like, whole saved files cut anywhere, and checks it answers with objects read into evidence
or refuses with a message (never another exception)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from xpnet.discover import read
from xpnet.errors import XpnetError

FIXTURES = ROOT / "tests" / "fixtures" / "discover"
HOSTILE = ROOT / "tests" / "adversarial" / "discover"
PROXY = "http://proxy.corp.example:3128"
SAVED = [
    p.read_text(errors="replace")
    for folder in (FIXTURES, HOSTILE)
    for p in sorted(folder.iterdir())
    if p.suffix in (".yaml", ".json")
]

# Text made of what YAML and JSON are made of, so that most of it parses as something.
YAMLISH = st.text(
    alphabet="{}[]:,-#&*!|>'\"%@ \t\n\r\ufeffkind:NodeListitems0123.abc/", max_size=200
)


@st.composite
def cut(draw: st.DrawFn) -> str:
    """A saved file cut short, or with a piece of other text put in anywhere."""
    text = draw(st.sampled_from(SAVED))
    at = draw(st.integers(0, len(text)))
    return (
        text[:at] + draw(st.one_of(st.just(""), YAMLISH)) + text[draw(st.integers(at, len(text))) :]
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=200), YAMLISH, cut()), proxy=st.sampled_from([None, PROXY]))
def test_any_text_is_read_into_evidence_or_refused(text: str, proxy: str | None) -> None:
    try:
        objects = read.objects("saved.yaml", text)
        reading, _ = read.evidence(objects, proxy)
    except XpnetError as error:
        assert error.render().startswith("saved.yaml")
        return
    assert all(s.file == "saved.yaml" for s in objects)
    assert all(e.origin for e in reading.evidence)
