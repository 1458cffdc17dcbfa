"""Multi-document YAML texts: split them into documents, splice new texts back byte for byte
(xpnet.io reads and writes the files)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from ruamel.yaml.error import StreamMark

from xpnet.errors import InputError
from xpnet.records import NamedTuple
from xpnet.yaml.nodes import MappingNode, compose
from xpnet.yaml.scan import (
    Outline,
    Segment,
    documents,
    may_need_change,
    needs_look,
    outline,
    rendered_by_helm,
    shape_problem,
    split_stream,
    template_line,
)

BOM = "\ufeff"


class ChartValues(NamedTuple):
    """What is known of a chart values file given on the command line (`--values`)."""

    chart_version: str | None
    namespace: str | None


class Document:
    """A parsed resource and the text it came from (what the rewriter splices into)."""

    __slots__ = (
        "index",
        "outer",
        "path",
        "root",
        "segment",
        "source",
        "stream",
        "template",
        "values",
    )

    def __init__(
        self,
        index: int,  # position of the resource in the input
        segment: Segment,
        root: MappingNode,
        source: str,  # the file it came from, for messages
        stream: int = 0,  # which input file or stream: each is planned as its own install
        values: ChartValues | None = None,  # a chart values file, not a resource
        # A document written as a YAML string inside another one (Argo CD's helm.values): that
        # document and the path of the string in it.
        outer: Document | None = None,
        path: tuple[str | int, ...] = (),
        template: int | None = None,  # the line of a Go template action: a chart's source
    ) -> None:
        self.index = index
        self.segment = segment
        self.root = root
        self.source = source
        self.stream = stream
        self.values = values
        self.outer = outer
        self.path = path
        self.template = template

    @property
    def top(self) -> Document:
        """The document of the input stream this one is, or is written inside."""
        return self.outer.top if self.outer is not None else self


class Source:
    """One input file (or stdin) and the documents xpnet parsed from it."""

    __slots__ = ("bom", "first_index", "name", "segments", "text")

    def __init__(self, name: str, text: str, bom: bool = False) -> None:
        self.name = name
        self.text = text
        self.bom = bom
        self.segments: list[Segment] = []
        self.first_index = 0  # Document.index of this source's first segment

    def render(self, texts: dict[int, str]) -> str:
        """The file's new text: changed documents spliced in, every other byte as it was."""
        first, count = self.first_index, len(self.segments)
        out, pos = [BOM] if self.bom else [], 0
        for index in sorted(i for i in texts if first <= i < first + count):
            segment = self.segments[index - first]
            out += [self.text[pos : segment.start], texts[index]]
            pos = segment.end
        if not pos:
            return out[0] + self.text if out else self.text
        out.append(self.text[pos:])
        return "".join(out)


def decode(name: str, data: bytes) -> tuple[str, bool]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            name, [f"byte {error.start} is not UTF-8; Kubernetes manifests are UTF-8"]
        ) from None
    return (text[1:], True) if text.startswith(BOM) else (text, False)


def document(
    segment: Segment,
    index: int,
    name: str | Callable[[], str],
    *,
    source: str,
    stream: int = 0,
    strict: bool = False,
    found: Outline | None = None,
) -> Document | None:
    """One document of a stream (or item of a ResourceList, `strict`: it must be a resource),
    parsed when it can need a change; refused when it is not a Kubernetes resource. `name`
    (for messages) is asked for only when the document is parsed; `found`: its outline, when
    the caller has it."""
    found = outline(segment) if found is None else found
    if problem := shape_problem(found, strict=strict):
        what = "item" if strict else "document"
        raise InputError(source, [f"line {segment.line}: the {what} {problem}; fix the manifest"])
    if not may_need_change(segment, found):
        return None
    name = name() if callable(name) else name
    if (template := template_line(segment)) is not None and not rendered_by_helm(segment):
        # A chart's template is not data: whatever it parses to (often nothing), it is only
        # reported, never rewritten.
        try:
            root = compose(segment.text, name, segment.line)
        except InputError:
            root = None
        if not isinstance(root, MappingNode):  # positioned at the template action
            mark = StreamMark(name, 0, template - segment.line, 0)
            root = MappingNode("tag:yaml.org,2002:map", [], start_mark=mark, end_mark=mark)
        return Document(index, segment, root, name, stream, template=template)
    root = compose(segment.text, name, segment.line)
    return Document(index, segment, root, name, stream) if isinstance(root, MappingNode) else None


def load(
    sources: list[Source], label: Callable[[Source, Segment], str] | None = None
) -> list[Document]:
    """Split every source into documents and parse those that can need a change; `label`
    names a document in messages (default: its source's name)."""
    docs: list[Document] = []
    index = 0
    for number, source in enumerate(sources):
        source.segments, kinds = documents(source.text)
        source.first_index = index
        for segment in source.segments:
            if needs_look(segment, kinds.get(segment.start)):
                name = partial(label, source, segment) if label else source.name
                doc = document(segment, index, name, source=source.name, stream=number)
                if doc is not None:
                    docs.append(doc)
            index += 1
    return docs


def load_values(source: Source, index: int, number: int, chart: ChartValues) -> Document | None:
    """A chart values file as one document (Helm reads a values file as one YAML document)."""
    source.segments = split_stream(source.text)
    source.first_index = index
    filled = [s for s in source.segments if s.text.strip()]
    if len(filled) > 1:
        raise InputError(
            source.name,
            [
                f"line {filled[1].line}: a values file is one YAML document; Helm ignores "
                "everything after the first: remove the `---` and what follows, or split the file"
            ],
        )
    if not filled:
        return None
    segment = filled[0]
    root = compose(segment.text, source.name, segment.line)
    if root is None:
        return None
    if not isinstance(root, MappingNode):
        raise InputError(
            source.name,
            [f"line {segment.line}: a chart values file must be a mapping of values"],
        )
    offset = source.segments.index(segment)
    return Document(index + offset, segment, root, source.name, number, values=chart)
