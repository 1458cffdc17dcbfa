"""yaml/stream.py: bytes in, documents out, and the same bytes back where nothing changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit_helpers import core, rbac
from xpnet.errors import InputError
from xpnet.io import streams as files
from xpnet.yaml import stream
from xpnet.yaml.stream import ChartValues, Source

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n"


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


# decode and read: what a file's bytes are taken to say.


def test_decode_drops_a_bom_and_says_it_was_there() -> None:
    assert stream.decode("a.yaml", "\ufeffkind: A\n".encode()) == ("kind: A\n", True)
    assert stream.decode("a.yaml", b"kind: A\n") == ("kind: A\n", False)
    # Only a leading BOM is one: a U+FEFF further in is the file's own text.
    assert stream.decode("a.yaml", "a: '\ufeff'\n".encode()) == ("a: '\ufeff'\n", False)


def test_decode_refuses_what_is_not_utf8_naming_the_file_and_the_byte() -> None:
    data = "name: caf\u00e9\n".encode("latin-1")  # the é is byte 9, alone, in Latin-1
    with pytest.raises(InputError) as raised:
        stream.decode("values.yaml", data)
    assert raised.value.source == "values.yaml"
    assert raised.value.problems == ["byte 9 is not UTF-8; Kubernetes manifests are UTF-8"]


def test_read_keeps_the_bom_for_the_writer_and_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_bytes("\ufeff".encode() + crlf(CONFIGMAP).encode())
    source = files.read(str(path))
    assert (source.name, source.text, source.bom) == (str(path), crlf(CONFIGMAP), True)
    with pytest.raises(InputError) as raised:
        files.read(str(tmp_path / "nope.yaml"))
    assert raised.value.problems == ["cannot read: No such file or directory"]


# load and Source.render: which documents are parsed, and the text given back.


def test_load_numbers_documents_across_files_and_parses_only_what_can_change() -> None:
    first = Source("a.yaml", core() + "---\n" + CONFIGMAP + "---\n" + rbac())
    second = Source("b.yaml", core(namespace="other"))
    docs = stream.load([first, second])
    # The ConfigMap (index 1) cannot need a change: counted, never parsed.
    assert [(d.index, d.source, d.stream, d.segment.line) for d in docs] == [
        (0, "a.yaml", 0, 1),
        (2, "a.yaml", 0, 18),
        (3, "b.yaml", 1, 1),
    ]
    assert (first.first_index, len(first.segments), second.first_index) == (0, 3, 3)
    assert [d.top is d for d in docs] == [True, True, True]


def test_load_names_documents_by_the_label_when_given() -> None:
    source = Source("in.yaml", CONFIGMAP + "---\n" + core())
    docs = stream.load([source], label=lambda s, seg: f"{s.name} line {seg.line}")
    assert [d.source for d in docs] == ["in.yaml line 5"]  # a document's line is its `---`


def test_load_refuses_a_resource_without_its_identity_naming_the_line() -> None:
    with pytest.raises(InputError) as raised:
        stream.load([Source("in.yaml", CONFIGMAP + "---\nkind: Deployment\nspec: {}\n")])
    assert raised.value.source == "in.yaml"
    assert raised.value.problems == ["line 5: the document has no apiVersion; fix the manifest"]


@pytest.mark.parametrize(
    "text",
    [
        core() + "---\n" + CONFIGMAP + "---\n" + rbac(),
        crlf(core() + "---\n" + CONFIGMAP + "---\n" + rbac()),
        "# leading comment\n---\n" + core() + "...\n---\n\n" + rbac() + "\n# trailing\n",
        core().rstrip("\n"),  # no newline at the end
    ],
    ids=["lf", "crlf", "comments-and-markers", "no-final-newline"],
)
def test_a_run_that_changes_nothing_gives_back_the_same_text(text: str) -> None:
    source = Source("in.yaml", text)
    stream.load([source])
    assert source.render({}) == text
    # A text for an index of another file leaves this one as it was.
    assert source.render({len(source.segments): "kind: Other\n"}) == text


def test_render_splices_only_the_changed_document_and_keeps_crlf_elsewhere() -> None:
    text = crlf(core() + "---\n" + CONFIGMAP + "---\n" + rbac())
    source = Source("in.yaml", text)
    docs = stream.load([source])
    last = docs[-1].segment
    new = text[last.start : last.end].replace("value: localhost", "value: localhost,.svc")
    out = source.render({2: new})
    assert out == text.replace("value: localhost", "value: localhost,.svc")
    assert out.count("\r\n") == text.count("\r\n") and "\n" not in out.replace("\r\n", "")


def test_render_puts_the_bom_back_and_uses_its_own_indices() -> None:
    first = Source("a.yaml", CONFIGMAP)
    second = Source("b.yaml", core(), bom=True)
    stream.load([first, second])
    assert second.render({}) == "\ufeff" + core()
    changed = second.render({1: "kind: X\n", 0: "kind: Y\n"})  # index 0 is a.yaml's
    assert changed == "\ufeffkind: X\n"
    assert first.render({0: "kind: Y\n"}) == "kind: Y\n"


def test_decode_load_render_gives_back_the_bytes_of_a_bom_crlf_file() -> None:
    data = "\ufeff".encode() + crlf(core() + "---\n" + rbac()).encode()
    source = Source("in.yaml", *stream.decode("in.yaml", data))
    stream.load([source])
    assert source.render({}).encode() == data


# load_values: a chart values file (Helm reads one YAML document).

CHART = ChartValues("2.1.8", "xp")


def test_load_values_reads_one_mapping_as_the_chart_values() -> None:
    source = Source("values.yaml", "# values\nextraEnvVarsCrossplane: {A: b}\n")
    doc = stream.load_values(source, 7, 2, CHART)
    assert doc is not None
    assert (doc.index, doc.stream, doc.values, doc.source) == (7, 2, CHART, "values.yaml")
    assert source.first_index == 7 and source.render({}) == source.text


@pytest.mark.parametrize("text", ["", "# nothing set\n", "---\n"])
def test_an_empty_values_file_is_no_document(text: str) -> None:
    assert stream.load_values(Source("values.yaml", text), 0, 0, CHART) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "a: 1\n---\nb: 2\n",
            "line 2: a values file is one YAML document; Helm ignores everything after the "
            "first: remove the `---` and what follows, or split the file",
        ),
        ("- a\n- b\n", "line 1: a chart values file must be a mapping of values"),
    ],
    ids=["two-documents", "a-list"],
)
def test_load_values_refuses_what_helm_would_not_read_as_given(text: str, problem: str) -> None:
    with pytest.raises(InputError) as raised:
        stream.load_values(Source("values.yaml", text), 0, 0, CHART)
    assert (raised.value.source, raised.value.problems) == ("values.yaml", [problem])


# write_all: every file replaced, or none.


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_all_replaces_each_file_keeping_its_mode_and_links(tmp_path: Path) -> None:
    plain, real = tmp_path / "a.yaml", tmp_path / "real.yaml"
    plain.write_text("old a\n")
    plain.chmod(0o640)
    real.write_text("old b\n")
    real.chmod(0o600)
    link = tmp_path / "link.yaml"
    link.symlink_to("real.yaml")
    files.write_all([(str(plain), "new a\r\n"), (str(link), "new b\n")])
    assert plain.read_bytes() == b"new a\r\n"  # written as given: no newline translation
    assert plain.stat().st_mode & 0o777 == 0o640
    assert link.is_symlink() and real.read_text() == "new b\n"
    assert real.stat().st_mode & 0o777 == 0o600
    assert leftovers(tmp_path) == []


def test_a_read_only_file_means_nothing_is_written(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("old a\n")
    second.write_text("old b\n")
    second.chmod(0o444)
    with pytest.raises(InputError) as raised:
        files.write_all([(str(first), "new a\n"), (str(second), "new b\n")])
    assert raised.value.source == str(second)
    assert raised.value.problems == [
        "the file is read-only; nothing was written (make it writable or run with --diff)"
    ]
    assert (first.read_text(), second.read_text()) == ("old a\n", "old b\n")


def test_a_failure_while_writing_removes_the_files_already_written(tmp_path: Path) -> None:
    # The temporary file beside a name this long is longer than a file name may be: the second
    # write fails after the first file's temporary copy was made.
    first = tmp_path / "a.yaml"
    second = tmp_path / ("b" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 5) + ".yaml")
    first.write_text("old a\n")
    second.write_text("old b\n")
    with pytest.raises(InputError) as raised:
        files.write_all([(str(first), "new a\n"), (str(second), "new b\n")])
    assert raised.value.source == str(second)
    assert raised.value.problems == ["cannot write: File name too long; nothing was written"]
    assert (first.read_text(), second.read_text()) == ("old a\n", "old b\n")
    assert leftovers(tmp_path) == []
