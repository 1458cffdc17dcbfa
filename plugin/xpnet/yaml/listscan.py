"""A block-style ResourceList read as bytes, every item at once (20,000 items).

scan.resource_list_layout and scan.outline look at one item after another; at 20,000 items
that is most of a run. Here a few whole-input passes (sre's literal-prefix search, no per-item
Python) find the list's keys, its items, and, for the shape kustomize and Helm write (the
item's dash line says `apiVersion: `, its next line is its root kind, a plain word, the next
its metadata, whose first child is at the next indentation and which has a name there), the
item's kind. Those lines are the item's first root apiVersion, kind and metadata, which are
what scan.outline reads, so an item proven so has what it requires and the same kind; every
other item, every item whose kind xpnet may rewrite, and the last are left to the exact
per-item path (`Scan.look`). Where the list itself is not in the shape (a marker, tabs in
indentation, items not at column 0, an unknown key, a previous function's results), `scan`
answers None and the caller takes scan.resource_list_layout's path, which gives the same
answers.

The passes take ranges, so that they can run in two processes (adapters.krm)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from xpnet.records import NamedTuple
from xpnet.yaml.scan import LINE_KEY, RESOURCE_LIST_KEYS, TAB_IN_INDENT, TARGET_KINDS

# Every line that starts at column 0 ("\n" then not a space), and where that line opens an item
# in kustomize's and Helm's shape, the item's root kind (a plain word): its dash line says
# `apiVersion: `, the next line is its kind, the next its metadata, whose first child is at the
# next indentation, and lines of that block (so indented, or deeper) lead to its name. One pass
# for both: sre's literal-prefix search visits each newline once.
_LINE_0 = re.compile(
    rb"\n(?:- apiVersion: [^\r\n]*\r?\n  kind[ \t]*:[ \t]+([A-Za-z0-9]+)[ \t]*\r?\n"
    rb"  metadata[ \t]*:[ \t]*\r?\n(?=    [^ \t\r\n#])(?:    [^\n]*\n)*?"
    rb"    name[ \t]*:(?=[ \t\r\n])|[^ \n])"
)
_KEY = re.compile(LINE_KEY.encode())
_INDENT_TAB = re.compile(rb"(?:\A|\n)" + TAB_IN_INDENT.encode())
_LIST_KEYS = frozenset(k.encode() for k in RESOURCE_LIST_KEYS)
_TARGETS = frozenset(k.encode() for k in TARGET_KINDS)
_DASH_END = (b" ", b"\r", b"\n", b"")


class Hits(NamedTuple):
    """What the passes found in a range (offsets in the whole input)."""

    dashes: list[int]  # each dash at column 0 that opens a list item
    others: list[int]  # the "\n" before every other line at column 0 (-1: the first line)
    look: list[int]  # the dashes whose items are to be read one by one (see `hits`)


def hits(data: bytes, start: int = 0, end: int | None = None) -> Hits:
    """The passes over data[start:end]. A range starts at a "\\n" (or 0) and ends one byte
    after one (or at the end), so that ranges cut by `split` find together what one range
    finds. Items to read one by one: those not in kustomize's shape, and those whose kind
    xpnet may rewrite (a Deployment only when it says "crossplane", as scan.may_need_change
    asks). An item here runs to the next dash or to the range's end: the caller reads the
    last item of the list (which runs to the list's next key) one by one whatever this says."""
    stop = len(data) if end is None else end
    dashes: list[int] = []
    others: list[int] = [-1] if start == 0 and data[:1] not in (b"", b" ", b"\n") else []
    look: list[int] = []
    targets: list[tuple[int, bytes]] = []
    dash = dashes.append  # 20,000 items: every lookup in this loop counts
    for m in _LINE_0.finditer(data, start, stop):
        kind = m[1]
        if kind is not None:
            p = m.start() + 1
            dash(p)
            if kind in _TARGETS or kind.endswith(b"List"):
                targets.append((p, kind))
            continue
        p = m.start()
        if data[p + 1] == 45 and data[p + 2 : p + 3] in _DASH_END:
            dash(p + 1)
            look.append(p + 1)
        else:
            others.append(p)
    if targets:
        said = _saying(data, dashes, stop, b"crossplane")
        look += [s for s, kind in targets if kind != b"Deployment" or s in said]
        look.sort()
    return Hits(dashes, others, look)


def _saying(data: bytes, dashes: list[int], stop: int, word: bytes) -> set[int]:
    """The items (their dashes) whose text has `word`: bytes.find (faster than sre on a word)
    from one item to the next, an item's later mentions skipped."""
    said = set()
    at = data.find(word, dashes[0], stop)
    while at >= 0:
        i = bisect_right(dashes, at) - 1
        said.add(dashes[i])
        at = data.find(word, dashes[i + 1] if i + 1 < len(dashes) else stop, stop)
    return said


def split(data: bytes, parts: int) -> list[tuple[int, int]]:
    """Ranges for `hits`, cut before an item's dash line (no pattern spans one)."""
    cuts = [0]
    for k in range(1, parts):
        at = data.find(b"\n- ", len(data) * k // parts)
        if at < 0 or at <= cuts[-1]:
            break
        cuts.append(at)
    ends = [c + 1 for c in cuts[1:]] + [len(data)]
    return list(zip(cuts, ends, strict=True))


def join(parts: list[Hits]) -> Hits:
    out = Hits([], [], [])
    for part in parts:
        for mine, theirs in zip(out, part, strict=True):
            mine.extend(theirs)
    return out


class Scan(NamedTuple):
    keys: dict[str, tuple[int, int]]  # the list's keys → (start, end) of their lines
    starts: list[int]  # each item's dash
    end: int  # where the last item ends
    look: list[int]  # the items to read one by one, in order (scan.outline, may_need_change)

    def item(self, index: int) -> tuple[int, int]:
        last = index + 1 == len(self.starts)
        return self.starts[index], self.end if last else self.starts[index + 1]


def _blank_or_comment(data: bytes, start: int, end: int) -> bool | None:
    """Whether data[start:end] is blank and comment lines (None: not ASCII, ask the exact path)."""
    chunk = data[start:end]
    if not chunk.isascii():
        return None
    return all(not s.strip() or s.strip().startswith("#") for s in chunk.decode().splitlines())


def scan(data: bytes, found: Hits | None = None) -> Scan | None:
    """The list's keys and items as scan.resource_list_layout finds them, and the items to read
    one by one: those not proven in kustomize's shape, those whose kind xpnet may rewrite (a
    Deployment only when it says "crossplane") and the last. None where the exact path must
    decide (the caller then takes it), never a different answer. `found`: the passes' hits,
    when they ran elsewhere."""
    found = hits(data) if found is None else found
    size = len(data)
    if not data or data[:1] in b" \t\r\n#" or data.startswith(b"\xef\xbb\xbf"):
        return None  # a first line the exact path reads (indentation, a comment, a BOM)
    if b"\t" in data and _INDENT_TAB.search(data):
        return None
    keys: list[tuple[str, int]] = []
    for p in found.others:
        c = data[p + 1]
        if c == 45:  # "-" not opening an item: a marker, or nothing
            if data[p + 2 : p + 4] == b"--" and data[p + 4 : p + 5] in b" \t\r\n":
                return None  # a document marker ("" is in every bytes: the end)
            continue
        if c in (35, 13):  # a comment, a blank line's "\r"
            continue
        if c == 46 and data[p + 2 : p + 4] == b".." and data[p + 4 : p + 5] in b" \t\r\n":
            return None  # a document end marker
        key = _KEY.match(data, p + 1)
        if key is None:
            eol = data.find(b"\n", p + 1)
            if not data[p + 1 : eol if eol >= 0 else size].isascii():
                return None  # a key with letters outside ASCII: ask the exact path
            continue
        if key.group(1) not in _LIST_KEYS:
            return None
        keys.append((key.group(1).decode(), p + 1))
    if not keys or keys[0][1] != 0:
        return None
    spans: dict[str, tuple[int, int]] = {}
    for i, (name, start) in enumerate(keys):
        if name in spans:
            return None
        spans[name] = (start, keys[i + 1][1] if i + 1 < len(keys) else size)
    if "items" not in spans:
        return Scan(spans, [], 0, [])
    start, end = spans["items"]
    header = data.find(b"\n", start, end)
    header = end if header < 0 else header + 1
    rest = data[data.index(b":", start) + 1 : header].split(b"#", 1)[0].strip()
    if rest:
        return Scan(spans, [], 0, []) if rest == b"[]" else None
    dashes = found.dashes
    first, last = bisect_left(dashes, header), bisect_left(dashes, end)
    starts = dashes[first:last]
    if not starts or not _blank_or_comment(data, header, starts[0]):
        return None  # no item at column 0, or something before the first: the exact path
    look = found.look[bisect_left(found.look, header) : bisect_left(found.look, starts[-1])]
    look = [bisect_left(starts, s) for s in look] + [len(starts) - 1]
    return Scan(spans, starts, end, look)
