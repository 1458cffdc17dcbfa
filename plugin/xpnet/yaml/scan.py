"""Find resources in YAML text without parsing it: item and document boundaries, kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinds xpnet may rewrite; a resource of any other kind passes through as its original bytes.
TARGET_KINDS = frozenset({"Deployment", "DeploymentRuntimeConfig", "ControllerConfig"})

_ANY_TARGET = re.compile(r"\b(" + "|".join(sorted(TARGET_KINDS)) + r")\b")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w./-]*)[ \t]*:(?=[ \t]|\r?$)", re.M)
_RESOURCE_LIST_KEYS = frozenset({"apiVersion", "kind", "items", "functionConfig", "results"})


@dataclass(frozen=True)
class Segment:
    """One resource's text: text[start:end] of the whole, with a list item's dash blanked."""

    start: int
    end: int
    text: str
    line: int  # 1-based line of `start` in the whole text
    dash: int | None = None  # column of the blanked list dash, restored by `unmask`

    def unmask(self, text: str) -> str:
        """Put the list dash back into (an edited copy of) this segment's text."""
        if self.dash is None:
            return text
        return text[: self.dash] + "-" + text[self.dash + 1 :]


@dataclass(frozen=True)
class ResourceListLayout:
    """Where the parts of a block-style ResourceList are."""

    keys: dict[str, tuple[int, int]]  # top-level key → (start, end) of its lines
    items: tuple[Segment, ...]


def _blank_or_comment(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith("#")


def resource_list_layout(text: str) -> ResourceListLayout | None:
    """Split a block-style ResourceList; None when the text is not in the expected shape
    (flow style, JSON, a document marker, tabs): the caller then takes the slow, sure path."""
    if "\t" in text or re.search(r"^(---|\.\.\.)", text, re.M) or text.lstrip().startswith("{"):
        return None
    keys: dict[str, tuple[int, int]] = {}
    starts = [(m.group(1), m.start()) for m in _TOP_KEY.finditer(text)]
    if not starts or any(name not in _RESOURCE_LIST_KEYS for name, _ in starts):
        return None
    if not all(_blank_or_comment(line) for line in text[: starts[0][1]].splitlines()):
        return None
    for i, (name, start) in enumerate(starts):
        if name in keys:
            return None
        keys[name] = (start, starts[i + 1][1] if i + 1 < len(starts) else len(text))
    if "items" not in keys:
        return ResourceListLayout(keys, ())
    start, end = keys["items"]
    header_end = text.find("\n", start)
    header_end = end if header_end < 0 else header_end + 1
    rest = text[text.index(":", start) + 1 : header_end].split("#", 1)[0].strip()
    if rest:
        return ResourceListLayout(keys, ()) if rest == "[]" else None
    body = text[header_end:end]
    dash = re.search(r"^( *)-(?=[ \r\n]|$)", body, re.M)
    if dash is None:
        if all(_blank_or_comment(line) for line in body.splitlines()):
            return ResourceListLayout(keys, ())
        return None
    indent = len(dash.group(1))
    if not all(_blank_or_comment(line) for line in body[: dash.start()].splitlines()):
        return None
    item_starts = [
        header_end + m.start() for m in re.finditer(rf"^ {{{indent}}}-(?=[ \r\n]|$)", body, re.M)
    ]
    items = []
    first_line = text.count("\n", 0, header_end) + 1
    line = first_line + body.count("\n", 0, dash.start())
    for i, s in enumerate(item_starts):
        e = item_starts[i + 1] if i + 1 < len(item_starts) else end
        chunk = text[s:e]
        masked = chunk[:indent] + " " + chunk[indent + 1 :]
        items.append(Segment(s, e, masked, line, indent))
        line += chunk.count("\n")
    return ResourceListLayout(keys, tuple(items))


_DOC_MARKER = re.compile(r"^(---|\.\.\.)(?=[ \t]|\r?$)", re.M)


def split_stream(text: str) -> list[Segment]:
    """The documents of a multi-document stream, each the text between two markers."""
    segments = []
    pos, line = 0, 1
    for m in _DOC_MARKER.finditer(text):
        segments.append(Segment(pos, m.start(), text[pos : m.start()], line))
        line += text.count("\n", pos, m.end())
        pos = m.end()
    segments.append(Segment(pos, len(text), text[pos:], line))
    return [s for s in segments if s.text.strip()]


def root_kind(segment: Segment) -> str | None:
    """The kind of a block-style resource from its text alone, None when not found."""
    first = re.search(r"^( *)[^ \r\n#]", segment.text, re.M)
    if first is None:
        return None
    indent = len(first.group(1))
    m = re.search(
        rf"^ {{{indent}}}kind[ \t]*:[ \t]*(['\"]?)([A-Za-z0-9]+)\1[ \t]*(#.*)?\r?$",
        segment.text,
        re.M,
    )
    return m.group(2) if m else None


def may_need_change(segment: Segment) -> bool:
    """Whether a resource can be one xpnet rewrites or checks (false positives are fine)."""
    kind = root_kind(segment)
    if kind is None:
        # Not recognisable from the text (flow style, JSON): parse it if it can be a target.
        return _ANY_TARGET.search(segment.text) is not None
    if kind not in TARGET_KINDS:
        return False
    return kind != "Deployment" or "crossplane" in segment.text
