"""Turn a plan's env edits into splices of one document's text: only env blocks change.

Edits are made where the text is, in the style it is in: block lines in block collections, JSON
in flow collections (never re-emitting what is already there), through merge keys when the
merged mapping is used only here. What an alias shares with another place is refused, or, for a
value, written out at the place that changes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, NoReturn

from xpnet.envvars import PROXY_URL_VARS
from xpnet.errors import InputError
from xpnet.install import REQUIRED_SIBLINGS
from xpnet.plan import EnvEdit, SecretRef
from xpnet.records import NamedTuple
from xpnet.trust import ItemEdit, same
from xpnet.yaml import splice
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    child,
    get,
    is_flow,
    is_null,
    locate,
    path_counts,
    raw_compose,
    scalar,
    style,
    to_data,
    walk,
)
from xpnet.yaml.scan import Segment
from xpnet.yaml.splice import Splice
from xpnet.yaml.stream import Document

_ANCHOR = re.compile(r"&([^\s,\[\]{}]+)")


def _style(env: Node) -> str | None:
    """The quoting of existing env values (proxy variables first), so that new ones match."""
    pairs: list[tuple[str, Node | None]] = []
    if isinstance(env, SequenceNode):
        pairs = [(scalar(get(i, "name")) or "", get(i, "value")) for i in env.value]
    elif isinstance(env, MappingNode):  # chart values: NAME: value
        pairs = [(scalar(k) or "", v) for k, v in env.value]
    proxy: list[str | None] = []
    other: list[str | None] = []
    for name, value in pairs:
        if isinstance(value, ScalarNode) and style(value) in (None, "'", '"'):
            (proxy if "proxy" in name.lower() else other).append(style(value))
    styles = proxy + other
    return styles[0] if styles else None


def _entry(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value}


def _ref_entry(ref: SecretRef) -> dict[str, Any]:
    return {"name": ref.name, "valueFrom": {"secretKeyRef": {"name": ref.secret, "key": ref.key}}}


def new_entries(edit: EnvEdit) -> Any:
    """A whole new env list: the Secret references first, then the variables; for chart
    values, a map (which cannot hold Secret references: XPN022)."""
    if edit.block.keyed:
        return dict(edit.values)
    return [_ref_entry(r) for r in edit.refs] + [_entry(n, v) for n, v in edit.values]


def _literal(text: str, header: str, indent: int, newline: str) -> str:
    """A string as a literal block scalar: the header line, then each line indented."""
    lines = [(" " * indent + line if line.strip() else "") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return header + newline + "".join(line + newline for line in lines)


def _nest(path: tuple[str | int, ...], at: tuple[str | int, ...], leaf: Any) -> Any:
    """The data to create for the missing `path` below the existing `at`, ending in `leaf`."""
    if not path:
        return leaf
    here = (*at, path[0])
    below = _nest(path[1:], here, leaf)
    if isinstance(below, dict) and here in REQUIRED_SIBLINGS:
        below = {**REQUIRED_SIBLINGS[here], **below}
    return {path[0]: below}


class _ValueEdit(NamedTuple):
    """A proxy variable's `value` scalar to replace."""

    owner: MappingNode  # the env item (or the merged mapping) holding `value`
    key: ScalarNode
    node: ScalarNode
    value: str
    where: str


class _Rewriter:
    """The splices for one document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.text = doc.segment.text
        # Without an anchor (&) in the text no node is reached twice: nothing to count.
        self.paths = path_counts(doc.root) if "&" in self.text else {}
        self.splices: list[Splice] = []
        self.values: list[_ValueEdit] = []

    def refuse(self, node: Node, problem: str) -> NoReturn:
        line = self.doc.segment.line + int(node.start_mark.line)
        raise InputError(self.doc.source, [f"line {line}: {problem}"])

    def _anchor(self, node: Node) -> str:
        """The anchor that shares a node: its own, else the nearest one before it that an
        alias uses (an ancestor's)."""
        found = _ANCHOR.match(self.text, node.start_mark.index)
        if found is None:
            used = [
                m
                for m in _ANCHOR.finditer(self.text, 0, node.start_mark.index)
                if f"*{m.group(1)}" in self.text
            ]
            found = used[-1] if used else None
        return f" &{found.group(1)}" if found else ""

    def unshared(self, node: Node, what: str) -> None:
        """Refuse to edit a node that an alias also puts somewhere else."""
        if self.paths.get(id(node), 1) > 1:
            self.refuse(
                node,
                f"{what} is shared through the YAML anchor{self._anchor(node)} with another "
                "place; editing it would change that place too: write it out here instead of "
                "using the alias",
            )

    def edit(self, edit: EnvEdit) -> None:
        holder = self._holder(edit)
        if holder is None:
            self._create(edit)
            return
        where = f"{edit.resource.ref}: {edit.block.field_path}"
        env_key = edit.block.env_key
        found = locate(holder, env_key)
        if found is None:
            self.unshared(holder, where.removesuffix(f".{env_key}"))
            self.splices.append(
                splice.add_to_mapping(self.text, holder, {env_key: new_entries(edit)}, None)
            )
            return
        owner, key, seq = found
        if is_null(seq) or (is_flow(seq) and not seq.value):
            self.unshared(owner, where)
            self.unshared(seq, where)
            self.splices += splice.set_value(
                self.text, key, seq, new_entries(edit), None, is_flow(owner)
            )
            return
        if edit.block.keyed:
            if not isinstance(seq, MappingNode):
                self.refuse(seq, f"{where} must be a map")
            self.unshared(seq, where)
            self._env_map(seq, edit, where)
            return
        if not isinstance(seq, SequenceNode):
            self.refuse(seq, f"{where} must be a list")
        self.unshared(seq, where)
        self._env(seq, edit, where)

    def _env_map(self, env: MappingNode, edit: EnvEdit, where: str) -> None:
        """Chart values: replace the value of each variable's key, add missing keys."""
        new: dict[str, Any] = {}
        for name, value in edit.values:
            var = edit.block.get(name)
            found = locate(env, var.key) if var is not None and var.key else None
            if found is None:
                new[name] = value
                continue
            owner, key, node = found
            if isinstance(node, ScalarNode) and (scalar(node) or "") != value:
                self.unshared(owner, f"{where}.{var.key if var else name}")
                self.values.append(_ValueEdit(owner, key, node, value, f"{where}.{name}"))
        if new:
            self.splices.append(splice.add_to_mapping(self.text, env, new, _style(env)))

    def replace_string(self, path: tuple[str | int, ...], text: str) -> None:
        """Write a new YAML string (a document written inside this one) at `path`: a literal
        block where the old one was a block scalar, else a JSON string."""
        parent = walk(self.doc.root, path[:-1])
        last = path[-1]
        found = locate(parent, last) if isinstance(last, str) else None
        if found is None or not isinstance(found[2], ScalarNode):
            self.refuse(self.doc.root, f"internal error: no string at {path}")
        owner, _, node = found
        self.unshared(node, ".".join(map(str, path)))
        start, end = int(node.start_mark.index), int(node.end_mark.index)
        old = self.text[start:end]
        newline = splice.newline_of(self.text)
        if style(node) in ("|", ">") and not is_flow(owner) and "\n" in old:
            header = old[: old.index("\n")].rstrip("\r")
            header = "|" + header[1:] if header.startswith(">") else header
            body = old[old.index("\n") + 1 :]
            first = next((ln for ln in body.splitlines() if ln.strip()), "")
            indent = len(first) - len(first.lstrip(" "))
            rendered = _literal(text, header.rstrip(), indent, newline)
            if not old.endswith("\n"):
                rendered = rendered.removesuffix(newline)
        else:
            rendered = splice.flow(text)
        self.splices.append(Splice(start, end, rendered))

    def _env(self, seq: SequenceNode, edit: EnvEdit, where: str) -> None:
        quoting = _style(seq)
        names = [scalar(get(i, "name")) for i in seq.value]
        refs = [_ref_entry(r) for r in edit.refs if r.name not in names]
        first_proxy = next((seq.value[k] for k, n in enumerate(names) if n in PROXY_URL_VARS), None)
        if refs and first_proxy is not None:  # before it: $(VAR) only sees earlier entries
            self.unshared(first_proxy, f"{where} entry {scalar(get(first_proxy, 'name'))}")
            self.splices.append(
                splice.insert_items_before(self.text, seq, first_proxy, refs, quoting)
            )
            refs = []
        new: list[dict[str, Any]] = refs
        after = dict(edit.after)
        for name, value in edit.values:
            item = next((i for i in seq.value if scalar(get(i, "name")) == name), None)
            # Without the entry to follow, a new one goes at the end with the others (as
            # verify.intended places it), whatever variables the container already has.
            if item is None and name in after and any(n in after[name] for n in names):
                self._insert_after(seq, after[name], _entry(name, value), quoting)
                continue
            if item is None:
                new.append(_entry(name, value))
                continue
            entry = f"{where} entry {name}"
            found = locate(item, "value")
            if found is None:
                if get(item, "valueFrom") is None:
                    self.unshared(item, entry)
                    self.splices.append(
                        splice.add_to_mapping(self.text, item, {"value": value}, quoting)
                    )
                continue
            owner, key, node = found
            if isinstance(node, ScalarNode) and (scalar(node) or "") != value:
                self.unshared(owner, entry)
                self.values.append(_ValueEdit(owner, key, node, value, entry))
        if new:
            self.splices.append(splice.append_items(self.text, seq, new, quoting))

    def _insert_after(
        self, seq: SequenceNode, names: tuple[str, ...], item: dict[str, Any], quoting: str | None
    ) -> None:
        """Insert a new item after the last item named one of `names`, else at the end."""
        found = [k for k, i in enumerate(seq.value) if scalar(get(i, "name")) in names]
        if found and found[-1] + 1 < len(seq.value):
            following = seq.value[found[-1] + 1]
            self.splices.append(
                splice.insert_items_before(self.text, seq, following, [item], quoting)
            )
        else:
            self.splices.append(splice.append_items(self.text, seq, [item], quoting))

    def item(self, edit: ItemEdit) -> None:
        """Make the item (a volume, a mount) or the mapping of an ItemEdit hold its data."""
        holder = walk(self.doc.root, edit.path)
        if edit.container is not None:
            holder = next(
                (
                    i
                    for i in (holder.value if isinstance(holder, SequenceNode) else ())
                    if scalar(get(i, "name")) == edit.container
                ),
                None,
            )
        where = f"{edit.resource.ref}: {'.'.join(map(str, edit.path))}"
        if not isinstance(holder, MappingNode):
            self.refuse(self.doc.root, f"{where} is not a mapping")
        found = locate(holder, edit.key)
        if found is None:
            self.unshared(holder, where)
            data = edit.item if edit.match is None else [edit.item]
            self.splices.append(splice.add_to_mapping(self.text, holder, {edit.key: data}, None))
            return
        owner, key, node = found
        where = f"{where}.{edit.key}"
        if edit.match is None:
            if isinstance(node, MappingNode) and node.value:
                self._fields(node, edit.item, where)
                return
        elif isinstance(node, SequenceNode) and node.value:
            self.unshared(node, where)
            want = str(edit.item[edit.match]).rstrip("/")
            existing = next(
                (i for i in node.value if (scalar(get(i, edit.match)) or "").rstrip("/") == want),
                None,
            )
            if existing is not None:
                self._fields(existing, edit.item, f"{where} {edit.what}")
            else:
                self._insert_after(node, edit.after, edit.item, None)
            return
        if not (is_null(node) or (is_flow(node) and not node.value)):
            self.refuse(node, f"{where} must be a {'mapping' if edit.match is None else 'list'}")
        self.unshared(owner, where)
        data = edit.item if edit.match is None else [edit.item]
        self.splices += splice.set_value(self.text, key, node, data, None, is_flow(owner))

    def _fields(self, node: Node, item: dict[str, Any], where: str) -> None:
        """Set the fields of an existing mapping that differ from `item`, add missing ones."""
        if not isinstance(node, MappingNode):
            self.refuse(node, f"{where} must be a mapping")
        missing = {}
        for name, value in item.items():
            found = locate(node, name)
            if found is None:
                missing[name] = value
                continue
            owner, key, old = found
            if same(to_data(old, self.doc.source), value):
                continue
            if isinstance(value, dict) and isinstance(old, MappingNode) and old.value:
                # Into it, field by field: what xpnet does not set stays, comments too.
                self._fields(old, value, f"{where}.{name}")
                continue
            self.unshared(owner, f"{where}.{name}")
            if isinstance(value, str | bool) and isinstance(old, ScalarNode):
                if isinstance(value, bool):
                    start, end = int(old.start_mark.index), int(old.end_mark.index)
                    self.splices.append(Splice(start, end, str(value).lower()))
                else:
                    self.splices.append(
                        splice.replace_value(self.text, key, old, value, is_flow(owner))
                    )
            else:
                self.splices += splice.set_value(self.text, key, old, value, None, is_flow(owner))
        if missing:
            self.unshared(node, where)
            self.splices.append(splice.add_to_mapping(self.text, node, missing, None))

    def _holder(self, edit: EnvEdit) -> MappingNode | None:
        node: Node | None = self.doc.root
        for key in edit.block.holder_path:
            node = child(node, key)
        if edit.block.container is None:
            return node if isinstance(node, MappingNode) else None
        if isinstance(node, SequenceNode):
            for item in node.value:
                if scalar(get(item, "name")) == edit.block.container:
                    return item if isinstance(item, MappingNode) else None
        return None

    def _create(self, edit: EnvEdit) -> None:
        """Create a missing holder (a runtime config's package-runtime container, say)."""
        env = new_entries(edit)
        path = edit.block.holder_path
        env_key = edit.block.env_key
        leaf: Any = (
            [{"name": edit.block.container, env_key: env}]
            if edit.block.container
            else {env_key: env}
        )
        node: Node = self.doc.root
        later: list[Splice] = []  # siblings go after what is created deeper at the same offset
        for i, key in enumerate(path):
            at = path[:i]
            if isinstance(key, int):  # a list item that exists (a source of an Application)
                item = child(node, key)
                if item is None:
                    break
                node = item
                continue
            missing: dict[str, Any] = {}
            if at in REQUIRED_SIBLINGS and isinstance(node, MappingNode):
                missing = {k: v for k, v in REQUIRED_SIBLINGS[at].items() if get(node, k) is None}
            found = locate(node, key)
            if found is None:
                if not isinstance(node, MappingNode):
                    break
                self.unshared(
                    node, f"{edit.resource.ref}: {'.'.join(map(str, at)) or 'the document'}"
                )
                created = {**missing, key: _nest(path[i + 1 :], path[: i + 1], leaf)}
                self.splices += [splice.add_to_mapping(self.text, node, created, None), *later]
                return
            if missing and isinstance(node, MappingNode):
                self.unshared(node, f"{edit.resource.ref}: {'.'.join(map(str, at))}")
                later.append(splice.add_to_mapping(self.text, node, missing, None))
            owner, k, value = found
            if is_null(value) or (is_flow(value) and not value.value):
                rest = _nest(path[i + 1 :], path[: i + 1], leaf)
                if not is_null(value) and isinstance(value, SequenceNode) != isinstance(rest, list):
                    # `[]` where a mapping belongs (or `{}` for a list): Kubernetes refuses it,
                    # and writing the env there would replace what the user wrote.
                    want = "a list" if isinstance(rest, list) else "a mapping"
                    got = "list" if isinstance(value, SequenceNode) else "mapping"
                    where = ".".join(map(str, path[: i + 1]))
                    self.refuse(
                        value, f"{edit.resource.ref}: {where}: an empty {got} where {want} belongs"
                    )
                if isinstance(rest, dict):
                    rest = {**REQUIRED_SIBLINGS.get(path[: i + 1], {}), **rest}
                self.unshared(owner, f"{edit.resource.ref}: {'.'.join(map(str, path[: i + 1]))}")
                self.splices += splice.set_value(self.text, k, value, rest, None, is_flow(owner))
                self.splices += later
                return
            node = value
        else:
            where = f"{edit.resource.ref}: {'.'.join(map(str, path))}"
            if isinstance(node, SequenceNode):
                self.unshared(node, where)
                self.splices += [splice.append_items(self.text, node, leaf, None), *later]
                return
            if isinstance(node, MappingNode):
                self.unshared(node, where)
                self.splices += [splice.add_to_mapping(self.text, node, leaf, None), *later]
                return
        where = ".".join(map(str, path))
        self.refuse(node, f"{edit.resource.ref}: {where} is not a mapping or list")

    def result(self) -> str:
        """The new text: value edits resolved against aliases, then every splice applied."""
        changing = Counter(id(v.node) for v in self.values)
        for v in self.values:
            flow = is_flow(v.owner)
            alias = splice.alias_at(self.text, v.key.end_mark.index, v.node)
            if alias is not None:  # this place names another's value: write the new one here
                rendered = splice.render_scalar(v.value, None, flow)
                self.splices.append(Splice(alias[0], alias[1], rendered))
                continue
            if self.paths.get(id(v.node), 1) > changing[id(v.node)]:
                self.refuse(
                    v.node,
                    f"{v.where}: its value carries the YAML anchor{self._anchor(v.node)}, which "
                    "another place uses; changing it here would change that place too: write "
                    "the value out there instead of the alias",
                )
            self.splices.append(splice.replace_value(self.text, v.key, v.node, v.value, flow))
        try:
            return splice.apply(self.text, self.splices)
        except splice.Overlap:
            self.refuse(
                self.doc.root,
                "two proxy settings are written in the same place of this document (through "
                "YAML anchors or merge keys); write each env block out",
            )


def rewrite(
    doc: Document,
    edits: Iterable[EnvEdit],
    strings: dict[tuple[str | int, ...], str] | None = None,
    items: Iterable[ItemEdit] = (),
) -> str:
    """The document's text with its env edits applied, and the new text of documents written
    as strings inside it (`strings`: path → text); every other byte as it was."""
    rewriter = _Rewriter(doc)
    for edit in edits:
        rewriter.edit(edit)
    for path, text in (strings or {}).items():
        rewriter.replace_string(path, text)
    text = rewriter.result()
    items = list(items)
    if not items:
        return text
    # Volumes and mounts go into the text the env edits made, so that a container or pod spec
    # they created is there to hold them, one at a time: two additions at one offset (a new
    # key after a list that another adds to) would have to be ordered by what closes what
    # (a document has at most a mount, a volume and a values key to add).
    for item in items:
        root = raw_compose(text)
        if not isinstance(root, MappingNode):
            raise InputError(doc.source, ["internal error: the rewritten text is not a mapping"])
        segment = Segment(0, len(text), text, doc.segment.line)
        rewriter = _Rewriter(Document(doc.index, segment, root, doc.source))
        rewriter.item(item)
        text = rewriter.result()
    return text
