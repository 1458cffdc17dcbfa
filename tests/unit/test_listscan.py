"""listscan reads a ResourceList's bytes all at once; the function must answer what
the item-by-item path answers (scan.resource_list_layout, scan.outline), byte for byte, on every
shape of list and item, and the passes split over ranges must find what one range finds."""

from __future__ import annotations

import functools
import os
import re
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BIN_DIR, ROOT
from tests.resource_lists import documents, transform_text
from xpnet.adapters import krm
from xpnet.errors import XpnetError
from xpnet.io.resource_list import FORK_MIN
from xpnet.yaml import listscan

FN = BIN_DIR / "xpnet-fn"
CASE = ROOT / "tests" / "cases" / "chart-indentation"
# Read at collection: ITEMS, which the tests are parametrized over, holds its documents.
INSTALL = (CASE / "input.yaml").read_text()
HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"


def item(doc: str, dash: str = "- ") -> str:
    lines = doc.splitlines(keepends=True)
    pad = " " * len(dash)
    return dash + lines[0] + "".join(pad + ln if ln.strip() else ln for ln in lines[1:])


CROSSPLANE = [item(d) for d in documents(INSTALL)]


@functools.cache
def function_config() -> str:
    """The golden case's ClusterNetwork as a ResourceList's functionConfig, read once."""
    config = (CASE / "config.yaml").read_text()
    return "functionConfig:\n" + "".join("  " + ln for ln in config.splitlines(True))


# Items in kustomize's shape and every way out of it the exact path reads differently.
ITEMS = [
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    annotations:\n      a: b\n"
    "    name: cm\n  data:\n    k: v\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n",
    # no name in metadata, one under data at metadata's children's indentation
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    labels:\n      a: b\n  data:\n"
    "    name: x\n",
    # metadata's children deeper than the name that follows
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n      labels: {}\n  data:\n    name: x\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n\n    name: cm\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    # a comment\n    name: cm\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm}\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {labels: {}}\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    'name': cm\n",
    '- apiVersion: v1\n  "kind": ConfigMap\n  metadata:\n    name: cm\n',
    "- apiVersion: v1\n  kind: 'ConfigMap'\n  metadata:\n    name: cm\n",
    "- apiVersion: v1\n  kind: ConfigMap # a comment\n  metadata:\n    name: cm\n",
    '- apiVersion: v1\n  kind: "{{ .Values.kind }}"\n  metadata:\n    name: cm\n',
    "- apiVersion: v1\n  kind:\n  metadata:\n    name: cm\n",
    "- apiVersion: v1\n  metadata:\n    name: cm\n",
    "- kind: ConfigMap\n  metadata:\n    name: cm\n",
    "- apiVersion: v1\n  kind: ConfigMap\n",
    "- apiVersion: v1\n  kind: ConfigMapList\n  items: []\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  data:\n    a: b\n  metadata:\n    name: cm\n",
    "- aggregationRule: {}\n  apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRole\n"
    "  metadata:\n    name: cr\n",
    "- {apiVersion: v1, kind: ConfigMap, metadata: {name: flow}}\n",
    "- - a\n  - b\n",
    "-\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n",
    "-   apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: cm\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n  data:\n    x: |\n"
    "      - apiVersion: v1\n      kind: Deployment\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    annotations:\n      a: café\n"
    "    name: cm\n",
    "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n  data:\n    k: 'a\n  b'\n",
    "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n"
    "    template:\n      spec:\n        containers:\n        - name: web\n"
    "          image: crossplane/not-it\n          args: [serve]\n",
    "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n",
    "- apiVersion: pkg.crossplane.io/v1beta1\n  kind: DeploymentRuntimeConfig\n  metadata:\n"
    "    name: default\n",
    "- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n"
    "    name: other\n  spec: {}\n",
    "- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n"
    "    name: xpnet-core\n  spec: {}\n",
    "# a comment at column 0\n",
    "\n",
    *CROSSPLANE,
]


def resource_list(items: list[str], crlf: bool = False, head: str = HEAD) -> bytes:
    text = head + "items:\n" + "".join(items) + function_config()
    return (text.replace("\n", "\r\n") if crlf else text).encode()


def answer(run: object, *args: object) -> tuple[str, ...]:
    try:
        response = run(*args)  # type: ignore[operator]
    except XpnetError as error:
        return ("refused", error.render())
    return (response.stdout, "\n".join(response.stderr), str(response.code))


def same_as_item_by_item(data: bytes) -> None:
    """The function on the bytes answers as the item-by-item path on the text."""
    exact = answer(transform_text, data.decode())
    assert answer(krm.respond, data) == exact


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(range(len(ITEMS))), max_size=12), st.booleans())
def test_the_function_answers_as_item_by_item(picks: list[int], crlf: bool) -> None:
    same_as_item_by_item(resource_list([ITEMS[i] for i in picks], crlf))


@pytest.mark.parametrize("index", range(len(ITEMS)))
def test_each_item_shape_alone_and_among_others(index: int) -> None:
    for crlf in (False, True):
        same_as_item_by_item(resource_list([ITEMS[index]], crlf))
        same_as_item_by_item(resource_list([ITEMS[0], ITEMS[index], ITEMS[1]], crlf))


LISTS = {
    "indented items": HEAD + "items:\n" + "".join("  " + ln for ln in ITEMS[0].splitlines(True)),
    "no items": HEAD + "items: []\n",
    "items empty": HEAD + "items:\n",
    "a marker": "---\n" + HEAD + "items:\n" + ITEMS[0],
    "an end marker": HEAD + "items:\n" + ITEMS[0] + "...\n",
    "a comment first": "# built\n" + HEAD + "items:\n" + ITEMS[0],
    "a BOM": "\ufeff" + HEAD + "items:\n" + ITEMS[0],
    "a tab in indentation": HEAD + "items:\n" + ITEMS[0] + "- apiVersion: v1\n\tkind: X\n",
    "a tab in a value": HEAD + "items:\n" + ITEMS[0].replace("k: v", "k: a\tb"),
    "results before": HEAD + "results:\n- message: old\nitems:\n" + ITEMS[0] + CROSSPLANE[0],
    "an unknown key": HEAD + "spec: {}\nitems:\n" + ITEMS[0],
    "a key outside ASCII": HEAD + "itéms:\nitems:\n" + ITEMS[0],
    "a text before the first item": HEAD + "items:\nx\n" + ITEMS[0],
    "a dash of another kind": HEAD + "items:\n" + ITEMS[0] + "-x: 1\n",
    "flow": '{"apiVersion": "v1", "kind": "ResourceList", "items": []}\n',
    "a list": "- a\n",
    "duplicate keys": HEAD + "kind: ResourceList\nitems:\n" + ITEMS[0],
}


@pytest.mark.parametrize("name", LISTS)
def test_lists_out_of_shape_answer_as_item_by_item(name: str) -> None:
    text = LISTS[name]
    if "functionConfig" not in text and name not in ("flow", "a list"):
        text += function_config()
    for data in (text.encode(), text.replace("\n", "\r\n").encode()):
        exact = answer(transform_text, data.decode().removeprefix("\ufeff"))
        assert answer(krm.respond, data) == exact


def test_the_list_without_a_newline_at_its_end() -> None:
    text = HEAD + function_config()
    same_as_item_by_item((text.rstrip("\n") + "\nitems:\n" + ITEMS[1]).rstrip("\n").encode())
    same_as_item_by_item(resource_list([ITEMS[1], *CROSSPLANE]).rstrip(b"\n"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(range(len(ITEMS))), min_size=1, max_size=30), st.integers(2, 5))
def test_passes_split_over_ranges_find_what_one_range_finds(picks: list[int], parts: int) -> None:
    data = resource_list([ITEMS[i] for i in picks])
    ranges = listscan.split(data, parts)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert listscan.join([listscan.hits(data, a, b) for a, b in ranges]) == listscan.hits(data)


def test_kustomize_shaped_items_are_read_without_a_look_unless_xpnet_may_change_them() -> None:
    data = resource_list([ITEMS[0]] * 50 + CROSSPLANE + [ITEMS[0]] * 50)
    scanned = listscan.scan(data)
    assert scanned is not None
    kinds = [d.split("kind: ", 1)[1].split("\n", 1)[0] for d in CROSSPLANE]
    looked = [kinds[i - 50] for i in scanned.look if 50 <= i < 50 + len(CROSSPLANE)]
    assert sorted(looked) == sorted(k for k in kinds if k == "Deployment")
    assert scanned.look[-1] == len(scanned.starts) - 1  # the last item, always
    assert len(scanned.look) == len(looked) + 1


def test_a_large_list_read_by_two_processes_answers_as_one() -> None:
    """Above FORK_MIN the passes run in two forked processes; the answer is the same bytes as
    one process gives (which the tests above compare with the item-by-item path)."""
    data = resource_list(CROSSPLANE + ITEMS[:2] * (FORK_MIN // 140))
    assert len(data) > FORK_MIN
    forked = subprocess.run([str(FN)], input=data, capture_output=True, timeout=120)
    env = {**os.environ, "XPNET_JOBS": "1"}
    alone = subprocess.run([str(FN)], input=data, capture_output=True, timeout=120, env=env)
    assert forked.returncode == alone.returncode == 0
    assert (forked.stdout, forked.stderr) == (alone.stdout, alone.stderr)
    config_maps = b"\n- apiVersion: v1\n  kind: ConfigMap\n"
    assert forked.stdout.count(config_maps) == data.count(config_maps) > 200_000


def test_a_refused_list_answers_alike_with_a_byte_order_mark() -> None:
    """The input, then the error as a result (main's answer to a refused list), as before
    bytes were read directly: without the mark, as the decoded text had none."""
    text = HEAD + "items:\n" + ITEMS[0]  # no functionConfig
    plain = subprocess.run([str(FN)], input=text.encode(), capture_output=True, timeout=60)
    marked = subprocess.run(
        [str(FN)], input=("\ufeff" + text).encode(), capture_output=True, timeout=60
    )
    assert plain.returncode == marked.returncode == 1
    assert plain.stdout.startswith(text.encode()) and b"no functionConfig" in plain.stdout
    assert (marked.stdout, marked.stderr) == (plain.stdout, plain.stderr)


def stream_document(item_text: str) -> str:
    """An item of ITEMS as a document of a stream (the dash and its indentation taken off)."""
    lines = item_text.splitlines(keepends=True)
    first = lines[0][2:] if lines[0].startswith("- ") else lines[0]
    return first + "".join(ln[2:] if ln.startswith("  ") else ln for ln in lines[1:])


DOCUMENTS = [
    *(stream_document(i) for i in ITEMS if i.startswith(("- ", "#"))),
    "# Source: chart/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    "# Source: x\n# Source: y\napiVersion: v1\nkind: Secret\nmetadata:\n  labels:\n"
    "    a: b\n  name: s\n",
    "  # indented comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\ndata:\n  name: x\n",
    "values: 1\n",
    "",
    *INSTALL.split("---\n"),
]
MARKERS = ["---\n", "--- \n", "---\t\n", "--- # c\n", "...\n---\n", "---\n\n"]


def loaded(text: str, exact: bool) -> tuple[str, ...]:
    """What stream.load makes of a stream: the documents it parsed (index, name, line), or the
    refusal; `exact`: every segment read one by one, as before documents() proved any."""
    from xpnet.yaml import scan, stream

    source = stream.Source("s.yaml", text)
    label = lambda src, seg: f"{src.name}@{seg.start}"  # noqa: E731
    try:
        if exact:
            source.segments = scan.split_stream(text)
            docs = [
                d
                for i, seg in enumerate(source.segments)
                if (d := stream.document(seg, i, label(source, seg), source="s.yaml"))
            ]
        else:
            docs = stream.load([source], label)
    except XpnetError as error:
        return ("refused", error.render())
    return tuple(f"{d.index} {d.source} {d.segment.line}" for d in docs)


@st.composite
def streams(draw: st.DrawFn) -> str:
    """Streams of the documents above between markers of every form, LF or CRLF, with or
    without a marker on the first line."""
    kinds = st.tuples(st.sampled_from(range(len(MARKERS))), st.sampled_from(range(len(DOCUMENTS))))
    text = "".join(MARKERS[m] + DOCUMENTS[d] for m, d in draw(st.lists(kinds, max_size=12)))
    text = text if draw(st.booleans()) else text.removeprefix("---\n")
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_streams_are_read_as_document_by_document(text: str) -> None:
    assert loaded(text, exact=False) == loaded(text, exact=True)


def test_helm_shaped_documents_are_settled_in_one_pass() -> None:
    from xpnet.yaml import scan

    config_map = "# Source: chart/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
    text = INSTALL + "".join(f"---\n{config_map}  name: c{k}\n" for k in range(30))
    segments, kinds = scan.documents(text)
    looked = [s.text for s in segments if scan.needs_look(s, kinds.get(s.start))]
    assert sum(k == "ConfigMap" for k in kinds.values()) >= 30
    assert not any("kind: ConfigMap" in t for t in looked)
    assert any("kind: Deployment" in t and "crossplane" in t for t in looked)


def _split_by_lines(text: str) -> list[tuple[int, int, int]]:
    """Documents between marker lines, found line by line: what scan.documents must find."""
    out, pos, line = [], 0, 1
    for m in re.finditer(r"(?m)^(?:---|\.\.\.)(?=[ \t\r\n]|\Z)", text):
        out.append((pos, m.start(), line))
        line += text.count("\n", pos, m.end())
        pos = m.end()
    out.append((pos, len(text), line))
    return [(s, e, n) for s, e, n in out if s < e and text[s:e].strip()]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_one_pass_finds_every_document_and_settles_only_helm_shapes(text: str) -> None:
    from xpnet.yaml import scan

    segments, kinds = scan.documents(text)
    assert [(s.start, s.end, s.line) for s in segments] == _split_by_lines(text)
    for segment in segments:
        if segment.start in kinds:
            assert scan.outline(segment).kind == kinds[segment.start]
            assert text[: segment.start].endswith("\n---")
    assert set(kinds) <= {s.start for s in segments}
