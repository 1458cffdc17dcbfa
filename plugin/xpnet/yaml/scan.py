"""Find resources in YAML text without parsing it: item and document boundaries, kinds."""

from __future__ import annotations

import re

from xpnet.records import NamedTuple

# Kinds xpnet may rewrite; a resource of any other kind passes through as its original bytes.
TARGET_KINDS = frozenset(
    {
        "Deployment",
        "DeploymentRuntimeConfig",
        "ControllerConfig",
        "HelmRelease",  # Flux: the chart values
        "Application",  # Argo CD: likewise
        "ApplicationSet",  # Argo CD: the Application it generates
        "List",  # kustomize reads its items one by one (so does xpnet), as any kind ending in List
        "NetworkPolicy",  # xpnet's own, when spec.networkPolicy is enabled
    }
)


def is_target(kind: str) -> bool:
    """A kind xpnet may rewrite, or a list of resources that can hold one."""
    return kind in TARGET_KINDS or kind.endswith("List")


_ANY_TARGET = re.compile(r"\b(" + "|".join(sorted(TARGET_KINDS)) + r")\b")
# A block mapping's key at the start of a line (group 1: its name), and indentation that holds
# a tab; listscan matches the same over bytes.
LINE_KEY = r"([A-Za-z_][\w./-]*)[ \t]*:(?=[ \t\r\n]|\Z)"
TAB_IN_INDENT = r" *\t"
# Patterns for line starts begin with a literal "\n" and run over "\n" + text: sre then scans
# for the literal, ~10x faster than "^" with re.M on megabytes of kustomize output.
# A match's start() in the padded text is the line's start offset in the original text.
_TOP_KEY = re.compile(r"\n" + LINE_KEY)
_INDENT_TAB = re.compile(r"\n" + TAB_IN_INDENT)
_MARKER = re.compile(r"\n(---|\.\.\.)(?=[ \t\r\n]|\Z)")
_FIRST_DASH = re.compile(r"^( *)-(?=[ \r\n]|$)", re.M)
_ITEM: dict[int, re.Pattern[str]] = {}
# The top-level keys of a ResourceList (the KRM functions specification).
RESOURCE_LIST_KEYS = frozenset({"apiVersion", "kind", "items", "functionConfig", "results"})


class Segment(NamedTuple):
    """One resource's text: whole[start:end], with a list item's dash blanked. The text is cut
    from the whole when asked for, so a large input is not held twice."""

    start: int
    end: int
    whole: str
    line: int  # 1-based line of `start` in the whole text
    dash: int | None = None  # column of the blanked list dash, restored by `unmask`

    @property
    def text(self) -> str:
        chunk = self.whole[self.start : self.end]
        if self.dash is None:
            return chunk
        return chunk[: self.dash] + " " + chunk[self.dash + 1 :]

    def unmask(self, text: str) -> str:
        """Put the list dash back into (an edited copy of) this segment's text."""
        if self.dash is None:
            return text
        return text[: self.dash] + "-" + text[self.dash + 1 :]


class ResourceListLayout(NamedTuple):
    """Where the parts of a block-style ResourceList are."""

    keys: dict[str, tuple[int, int]]  # top-level key → (start, end) of its lines
    items: tuple[Segment, ...]


def _blank_or_comment(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith("#")


def _line_starts(pattern: re.Pattern[str], text: str) -> list[tuple[int, re.Match[str]]]:
    """Each (line start, match) of a "\n..." pattern, scanning the text in place (a 50 MB
    ResourceList is not copied); the first line, which has no newline before it, is
    matched on a copy of itself that has one."""
    head = text[: text.find("\n") + 1 or len(text)]
    first = pattern.match("\n" + head)
    found = [(0, first)] if first else []
    return found + [(m.start() + 1, m) for m in pattern.finditer(text)]


def resource_list_layout(text: str) -> ResourceListLayout | None:
    """Split a block-style ResourceList; None when the text is not in the expected shape
    (flow style, JSON, a document marker, tabs): the caller then takes the slow, sure path.
    Scans the text in place: a 50 MB ResourceList is not copied."""
    size = len(text)
    if (
        ("\t" in text and _line_starts(_INDENT_TAB, text))  # tabs inside scalars are fine
        or _line_starts(_MARKER, text)
        or text.lstrip().startswith("{")
    ):
        return None
    keys: dict[str, tuple[int, int]] = {}
    starts = [(m.group(1), at) for at, m in _line_starts(_TOP_KEY, text)]
    if not starts or any(name not in RESOURCE_LIST_KEYS for name, _ in starts):
        return None
    if not all(_blank_or_comment(line) for line in text[: starts[0][1]].splitlines()):
        return None
    for i, (name, start) in enumerate(starts):
        if name in keys:
            return None
        keys[name] = (start, starts[i + 1][1] if i + 1 < len(starts) else size)
    if "items" not in keys:
        return ResourceListLayout(keys, ())
    start, end = keys["items"]
    header_end = text.find("\n", start, end)
    header_end = end if header_end < 0 else header_end + 1
    rest = text[text.index(":", start) + 1 : header_end].split("#", 1)[0].strip()
    if rest:
        return ResourceListLayout(keys, ()) if rest == "[]" else None
    dash = _FIRST_DASH.search(text, header_end, end)  # stops at the first item
    if dash is None:
        if all(_blank_or_comment(line) for line in text[header_end:end].splitlines()):
            return ResourceListLayout(keys, ())
        return None
    indent = len(dash.group(1))
    if not all(_blank_or_comment(line) for line in text[header_end : dash.start()].splitlines()):
        return None
    item = _ITEM.get(indent) or _ITEM.setdefault(
        indent, re.compile(rf"\n {{{indent}}}-(?=[ \r\n]|\Z)")
    )
    item_starts = [m.start() + 1 for m in item.finditer(text, header_end - 1, end)]
    items = []
    line = text.count("\n", 0, dash.start()) + 1
    for i, s in enumerate(item_starts):
        e = item_starts[i + 1] if i + 1 < len(item_starts) else end
        items.append(Segment(s, e, text, line, indent))
        line += text.count("\n", s, e)
    return ResourceListLayout(keys, tuple(items))


_CONTENT = re.compile(r"\S")


def split_stream(text: str) -> list[Segment]:
    """The documents of a multi-document stream, each the text between two markers (scanned
    in place: a large stream is neither copied nor cut into pieces to find them)."""
    return documents(text)[0]


# A marker line and, after a `---` line and comment lines (`# Source: ...`), a document in the
# shape Helm writes: its first root apiVersion, then its kind (a plain word), then its
# metadata, whose first child is at the next indentation and which has a name there: the lines
# outline() reads. No marker can be inside what the second part spans (comment lines and lines
# indented under metadata), so one pass finds every marker.
_MARKER_OR_HELM = re.compile(
    r"\n(---|\.\.\.)(?=[ \t\r\n]|\Z)"
    r"(?:(?<=---)[ \t]*\r?\n(?:#[^\r\n]*\r?\n)*apiVersion: [^\r\n]*\r?\n"
    r"kind[ \t]*:[ \t]+([A-Za-z0-9]+)[ \t]*\r?\nmetadata[ \t]*:[ \t]*\r?\n(?=  [^ \t\r\n#])"
    r"(?:  [^\n]*\n)*?  name[ \t]*:(?=[ \t\r\n]))?"
)


def documents(text: str) -> tuple[list[Segment], dict[int, str]]:
    """split_stream's segments, and those proven resources in Helm's shape, by their start,
    with their kind: what outline() would find, in the same pass over the stream instead of a
    look at each document."""
    first = _MARKER.match("\n" + text[:4])  # the first line: no newline before it
    pos = first.end() - 1 if first else 0
    segments: list[Segment] = []
    kinds: dict[int, str] = {}
    line = 1
    for m in _MARKER_OR_HELM.finditer(text):
        start, end = m.start() + 1, m.end(1)
        segments.append(Segment(pos, start, text, line))
        line += text.count("\n", pos, end)
        pos = end
        if m.group(2) is not None:
            kinds[end] = m.group(2)
    segments.append(Segment(pos, len(text), text, line))
    kept = [
        s
        for s in segments
        if s.start < s.end and (s.start in kinds or _CONTENT.search(text, s.start, s.end))
    ]
    return kept, kinds


# A Go template action as Helm charts write them: `{{ ... }}` on one line, or an opening `{{-`
# (https://pkg.go.dev/text/template#hdr-Actions). A document holding one is a chart's source,
# not the data Kubernetes reads.
_TEMPLATE_ACTION = re.compile(r"\{\{-|\{\{[^\r\n]*?\}\}")


def template_line(segment: Segment) -> int | None:
    """The 1-based line of a document's first Go template action, or None when it has none."""
    found = _TEMPLATE_ACTION.search(segment.whole, segment.start, segment.end)
    if found is None:
        return None
    return segment.line + segment.whole.count("\n", segment.start, found.start())


# What Helm writes on each document it rendered: the `# Source: CHART/templates/FILE` comment of
# `helm template` and of Helm 3's post-renderer input, and the annotation Helm 4 adds for its
# post-renderers (https://helm.sh/docs/topics/advanced/#post-rendering). `{{` in such a document
# is data that a template wrote (an alerting rule, a log format), not an action.
_RENDERED = re.compile(
    r"^# Source: [^\r\n]*/templates/|^[ \t]+postrenderer\.helm\.sh/postrender-filename:", re.M
)


def rendered_by_helm(segment: Segment) -> bool:
    """Whether Helm marked the document as one it rendered."""
    return _RENDERED.search(segment.whole, segment.start, segment.end) is not None


def needs_look(segment: Segment, kind: str | None) -> bool:
    """Whether a document documents() proved (`kind`; None: not proved) is to be read one by one
    (outline, may_need_change): one not proven, or one of a kind xpnet may rewrite."""
    if kind is None or not is_target(kind):
        return kind is None
    return kind != "Deployment" or segment.whole.find("crossplane", segment.start, segment.end) >= 0


_FIRST_CONTENT = re.compile(r"^( *)([^ \r\n#][^\r\n]*)", re.M)
_KEYS: dict[int, re.Pattern[str]] = {}


def _key_pattern(indent: int) -> re.Pattern[str]:
    """Block mapping keys at one indentation, with the rest of their line."""
    pattern = _KEYS.get(indent)
    if pattern is None:
        pattern = _KEYS[indent] = re.compile(
            rf"\n {{{indent}}}(['\"]?)([A-Za-z_][\w./-]*)\1[ \t]*:(?=[ \t\r\n]|\Z)([^\r\n]*)"
        )
    return pattern


class Outline(NamedTuple):
    """What the text of one document says about it, without parsing it."""

    kind: str | None  # None when not a block mapping with a plain kind
    problem: str | None  # why it is not a Kubernetes resource, when it is not
    is_resource: bool  # it has apiVersion or kind at its root


def _root_key(indent: int, key: str) -> re.Pattern[str]:
    """A block mapping key at one indentation, with the rest of its line."""
    pattern = _ROOT_KEYS.get((indent, key))
    if pattern is None:
        pattern = _ROOT_KEYS[(indent, key)] = re.compile(
            rf"\n {{{indent}}}(['\"]?)({re.escape(key)})\1[ \t]*:(?=[ \t\r\n]|\Z)([^\r\n]*)"
        )
    return pattern


_ROOT_KEYS: dict[tuple[int, str], re.Pattern[str]] = {}


def outline(segment: Segment) -> Outline:
    """Root keys, looked up in place (no copy of the document): the kind, and whether
    apiVersion, kind and metadata.name are there."""
    whole, end = segment.whole, segment.end
    # The first line is read from a copy with a list item's dash blanked; later lines in place
    # (a "\n..." pattern from the newline that ends the first line on).
    eol = whole.find("\n", segment.start, end)
    rest = end if eol < 0 else eol  # from here on, patterns start at a newline
    head = segment.text if eol < 0 else segment._replace(end=eol + 1).text
    first = _FIRST_CONTENT.search(head) or _FIRST_CONTENT.search(whole, rest + 1, end)
    if first is None:
        return Outline(None, "is empty", False)
    line = first.group(2)
    if line.startswith("{"):
        return Outline(None, None, True)  # flow style or JSON: parsed if it can be a target
    if line.startswith("[") or line == "-" or line.startswith("- "):
        return Outline(None, "is a list, not a resource (a mapping)", False)
    indent = len(first.group(1))

    def root(key: str) -> re.Match[str] | None:
        """The key at the root: on the first line, else on a later one."""
        pattern = _root_key(indent, key)
        return pattern.match("\n" + head) or pattern.search(whole, rest, end)

    kind_match = root("kind")
    kind = None
    if kind_match is not None:
        value = re.match(r"\s*(['\"]?)([A-Za-z0-9]+)\1\s*(#.*)?$", kind_match.group(3))
        kind = value.group(2) if value else None
    has_api = root("apiVersion") is not None
    if kind_match is None and not has_api:
        any_key = _key_pattern(indent)
        if not (any_key.match("\n" + head) or any_key.search(whole, rest, end)):
            return Outline(None, "is not a mapping", False)
    # A kind that is not a plain word (a template's {{ .Values.kind }}) is not a manifest.
    is_resource = kind is not None or has_api
    if not has_api:
        return Outline(kind, "has no apiVersion", is_resource)
    if kind_match is None:
        return Outline(kind, "has no kind", is_resource)
    if kind is None or kind.endswith("List"):
        return Outline(kind, None, True)
    meta = root("metadata")
    if meta is None:
        return Outline(kind, "has no metadata.name", True)
    inline = meta.group(3).strip()
    if inline.startswith("{"):
        named = re.search(r"[{,]\s*['\"]?name['\"]?\s*:", inline)
        return Outline(kind, None if named else "has no metadata.name", True)
    # metadata's block: its lines up to the next root key
    begin = meta.end() if meta.string is whole else rest
    later = _key_pattern(indent).search(whole, begin, end)
    stop = later.start() if later else end
    child = _FIRST_CONTENT.search(whole, begin, stop)
    if child is None:
        return Outline(kind, "has no metadata.name", True)
    named = _root_key(len(child.group(1)), "name").search(whole, child.start() - 1, stop)
    return Outline(kind, None if named else "has no metadata.name", True)


# A Crossplane Deployment has a container named crossplane that runs `core start` or `rbac start`
# (install.py); a Deployment whose text lacks any of these words is not one, however often it
# says "crossplane" (platform repositories: images, labels, names).
_CORE_OR_RBAC = re.compile(r"\b(?:core|rbac)\b")
_START = re.compile(r"\bstart\b")


def _may_be_crossplane_deployment(segment: Segment) -> bool:
    whole, start, end = segment.whole, segment.start, segment.end
    return (
        whole.find("crossplane", start, end) >= 0
        and _START.search(whole, start, end) is not None
        and _CORE_OR_RBAC.search(whole, start, end) is not None
    )


def may_need_change(segment: Segment, found: Outline | None = None) -> bool:
    """Whether a resource can be one xpnet rewrites or checks (false positives are fine)."""
    kind = (found or outline(segment)).kind
    if kind is None:
        # Not recognisable from the text (flow style, JSON): parse it if it can be a target.
        kinds = set(_ANY_TARGET.findall(segment.whole, segment.start, segment.end))
        return bool(kinds - {"Deployment"}) or (
            bool(kinds) and _may_be_crossplane_deployment(segment)
        )
    if not is_target(kind):
        return False
    if kind == "NetworkPolicy":  # only xpnet's own (xpnet-...) are looked at
        return segment.whole.find("xpnet-", segment.start, segment.end) >= 0
    return kind != "Deployment" or _may_be_crossplane_deployment(segment)


def shape_problem(found: Outline, strict: bool) -> str | None:
    """What keeps a document from being a Kubernetes resource. `strict` (ResourceList items)
    requires one; otherwise a document with neither apiVersion nor kind is simply not a
    manifest (a values file, a list) and passes."""
    if strict or found.is_resource:
        return found.problem
    return None
