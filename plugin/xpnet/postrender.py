"""A Flux HelmRelease's spec.postRenderers: the kustomize patches and image overrides that
change the chart's Deployments after Helm renders them, and before they are applied
(https://fluxcd.io/flux/components/helm/helmreleases/#post-renderers). Flux builds them as a
kustomization over the render (helm-controller internal/postrender/kustomize.go); a
strategic-merge patch merges containers and env entries by name
(https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/patches/). What xpnet
cannot follow is said, naming the field, never passed over."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from xpnet.errors import InputError
from xpnet.install import EnvVar
from xpnet.records import NamedTuple
from xpnet.yaml.nodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    compose_values,
    get,
    get_in,
    is_null,
    scalar,
    style,
)
from xpnet.yaml.scan import split_stream
from xpnet.yaml.stream import Document

PODSPEC = ("spec", "template", "spec")
CONTAINER_LISTS = ("initContainers", "containers")
# Pod fields xpnet judges beside env: the core's hostNetwork and dnsPolicy (XPN013)
POD_FIELDS = ("hostNetwork", "dnsPolicy")
# JSON pointers (RFC 6901) whose change can reach what xpnet judges of a Deployment: these, what
# holds them, and within a container its env, envFrom, image and name.
_JUDGED = tuple("/" + "/".join((*PODSPEC, k)) for k in (*CONTAINER_LISTS, *POD_FIELDS))
_CONTAINER_PART = re.compile(r"^/spec/template/spec/(?:initContainers|containers)/[^/]+(/[^/]+)?")
# kustomize's image matcher (api/image/image.go IsImageMatched): the name as a pattern, then an
# optional digest marker and tag.
_IMAGE_SUFFIX = r"(@sha256)?(:[a-zA-Z0-9_.{}-]*)?"


class Target(NamedTuple):
    """A Deployment the chart renders."""

    role: str  # "core" or "rbac"
    name: str
    namespace: str | None
    container: str = "crossplane"  # its main container: the chart's name as rendered


class Found(NamedTuple):
    """What a post-renderer says of one rendered field, or why xpnet cannot follow it."""

    rule: str  # XPN040 / XPN041 / XPN042
    field: str
    line: int
    what: str


class PostRender(NamedTuple):
    """The env entries the patches set, by (Deployment role, container, init), in the order
    kustomize applies them; the core image and pod fields they change; what cannot be followed."""

    env: dict[tuple[str, str, bool], list[EnvVar]]
    image: str | None  # the core image once patched, None when unchanged
    image_field: str
    pod: dict[str, tuple[str | None, str]]  # hostNetwork/dnsPolicy → (value, field)
    found: list[Found]


def _line(doc: Document, node: Node) -> int:
    return doc.segment.line + int(node.start_mark.line)


def _field(at: tuple[str | int, ...]) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in at).replace(".[", "[")


def _selected(selector: MappingNode | None, patch: Node | None, target: Target) -> bool | None:
    """Whether a patch applies to a Deployment: its target's fields (name and namespace are
    regular expressions), else the patch's own kind and name; None when xpnet cannot tell (a
    label or annotation selector)."""
    if selector is not None:
        for key, want in (("group", "apps"), ("version", "v1"), ("kind", "Deployment")):
            given = scalar(get(selector, key))
            if given and given != want:
                return False
        for key, have in (("name", target.name), ("namespace", target.namespace or "")):
            pattern = scalar(get(selector, key))
            if pattern:
                matched = go_match(pattern, have)
                if matched is None:
                    return None
                if not matched:
                    return False
        if scalar(get(selector, "labelSelector")) or scalar(get(selector, "annotationSelector")):
            return None
        return True
    # Without a target kustomize matches the patch's own id, namespace included: a patch
    # without one matches no Deployment of the render, which is namespaced.
    return _names(patch, target) and scalar(get_in(patch, "metadata", "namespace")) == (
        target.namespace
    )


def _names(patch: Node | None, target: Target) -> bool:
    """Whether a patch names a Deployment by its kind and name."""
    group = (scalar(get(patch, "apiVersion")) or "").rpartition("/")[0]
    return (
        scalar(get(patch, "kind")) == "Deployment"
        and group in ("", "apps")
        and scalar(get_in(patch, "metadata", "name")) == target.name
    )


class _Reader:
    """The post-renderers of one HelmRelease, read in order."""

    def __init__(
        self, doc: Document, ref: str, targets: tuple[Target, ...], image: str | None
    ) -> None:
        self.doc = doc
        self.ref = ref
        self.targets = targets
        self.image = image
        self.changed_image: str | None = None
        self.image_field = ""
        self.env: dict[tuple[str, str, bool], list[EnvVar]] = {}
        self.pod: dict[str, tuple[str | None, str]] = {}
        self.found: list[Found] = []
        self.base = doc.segment.line  # the file line of line 0 of the text being read

    def say(self, rule: str, field: str, node: Node, what: str) -> None:
        self.found.append(Found(rule, field, self.line(node), what))

    def line(self, node: Node) -> int:
        """A node's line in the file: in a patch written as a string, from the string's start."""
        return self.base + int(node.start_mark.line)

    def cannot(self, field: str, node: Node, what: str) -> None:
        self.say("XPN041", field, node, what)

    def renderer(self, node: Node, at: tuple[str | int, ...]) -> None:
        kustomize = get(node, "kustomize")
        if kustomize is None or is_null(kustomize):
            return
        if not isinstance(kustomize, MappingNode):
            raise _refuse(
                self.doc, kustomize, self.ref, _field((*at, "kustomize")), "must be a mapping"
            )
        for key in ("patches", "patchesStrategicMerge", "patchesJson6902", "images"):
            items = get(kustomize, key)
            if items is None or is_null(items):
                continue
            where = (*at, "kustomize", key)
            if not isinstance(items, SequenceNode):
                raise _refuse(self.doc, items, self.ref, _field(where), "must be a list")
            for i, item in enumerate(items.value):
                here = (*where, i)
                if key == "images":
                    self.image_override(item, here)
                elif key == "patchesStrategicMerge":  # v2beta1: inline objects, no target
                    self.patch(None, item, here, inline=True)
                else:
                    if not isinstance(item, MappingNode):
                        raise _refuse(self.doc, item, self.ref, _field(here), "must be a mapping")
                    selector = get(item, "target")
                    if selector is not None and not isinstance(selector, MappingNode):
                        raise _refuse(
                            self.doc, selector, self.ref, _field((*here, "target")), "not a map"
                        )
                    body = get(item, "patch")
                    if body is None:
                        continue
                    self.patch(selector, body, (*here, "patch"), inline=key == "patchesJson6902")

    def image_override(self, item: Node, at: tuple[str | int, ...]) -> None:
        """kustomize's images: a new name, tag or digest for every image the name matches
        (api/filters/imagetag/updater.go)."""
        pattern = scalar(get(item, "name"))
        current = self.current_image
        if not pattern or current is None:
            return
        matched = go_match(f"(?:{pattern}){_IMAGE_SUFFIX}", current)
        if matched is None:
            self.cannot(_field((*at, "name")), item, "is a pattern xpnet cannot read")
            return
        if not matched:
            return
        name, tag, digest = _split_image(current)
        name = scalar(get(item, "newName")) or name
        new_tag, new_digest = scalar(get(item, "newTag")), scalar(get(item, "digest"))
        if new_tag or new_digest:
            tag, digest = new_tag, new_digest
        self.changed_image = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
        self.image_field = _field(at)

    @property
    def current_image(self) -> str | None:
        return self.changed_image or self.image

    def patch(
        self, selector: MappingNode | None, body: Node, at: tuple[str | int, ...], inline: bool
    ) -> None:
        field = _field(at)
        for root in self.documents(body, field, inline):
            if isinstance(root, SequenceNode):
                self.json_patch(selector, root, body, field)
            elif isinstance(root, MappingNode):
                self.merge_patch(selector, root, field)
            elif root is not None and not is_null(root):
                raise _refuse(
                    self.doc, body, self.ref, field, "must be a patch (a mapping or a list)"
                )

    def documents(self, body: Node, field: str, inline: bool) -> Iterator[Node | None]:
        if inline or not isinstance(body, ScalarNode):
            self.base = self.doc.segment.line
            yield body
            return
        text = str(body.value)
        first = _line(self.doc, body) + (1 if style(body) in ("|", ">") else 0)
        for segment in split_stream(text):
            try:
                root = compose_values(segment.text, self.doc.source, first + segment.line - 1)
            except InputError as error:
                problem = "; ".join(error.problems)
                raise _refuse(self.doc, body, self.ref, field, f"is not YAML ({problem})") from None
            self.base = first + segment.line - 1
            yield root

    def matching(
        self, selector: MappingNode | None, patch: Node | None
    ) -> tuple[list[Target], bool]:
        """The Deployments a patch applies to, and whether one of them is only perhaps."""
        hits, unsure = [], False
        for target in self.targets:
            selected = _selected(selector, patch, target)
            if selected is None:
                unsure = True
            if selected is not False:
                hits.append(target)
        return hits, unsure

    def json_patch(
        self, selector: MappingNode | None, ops: SequenceNode, body: Node, field: str
    ) -> None:
        if selector is None:
            return  # kustomize refuses a JSON patch without a target: nothing is rendered
        hits, _ = self.matching(selector, None)
        if not hits:
            return
        for op in ops.value:
            for key in ("path", "from"):
                pointer = scalar(get(op, key))
                if pointer is not None and _judged(pointer):
                    names = ", ".join(t.name for t in hits)
                    self.cannot(
                        field,
                        op if isinstance(op, MappingNode) else body,
                        f"a JSON patch of Deployment {names} changes {pointer}, which xpnet "
                        "does not follow; write the change as a strategic-merge patch "
                        "(xpnet patch prints one) or in the chart values",
                    )
                    return

    def merge_patch(self, selector: MappingNode | None, patch: MappingNode, field: str) -> None:
        hits, unsure = self.matching(selector, patch)
        if not hits:
            if selector is None and any(_names(patch, t) for t in self.targets):
                namespace = next(t.namespace for t in self.targets if _names(patch, t))
                self.cannot(
                    field,
                    patch,
                    f"names its Deployment without the namespace {namespace} it is rendered "
                    "into: kustomize matches no resource and fails, and so does the release; add "
                    "metadata.namespace or a target",
                )
            return
        podspec = get_in(patch, *PODSPEC)
        touches = _directive(patch, PODSPEC) or (
            isinstance(podspec, MappingNode)
            and any(get(podspec, k) is not None for k in (*CONTAINER_LISTS, *POD_FIELDS))
        )
        if not touches:
            return
        if unsure:
            names = ", ".join(t.name for t in hits)
            self.cannot(
                field,
                patch,
                f"its target selects by label or annotation, and xpnet cannot tell whether it "
                f"patches Deployment {names}: name the Deployment in the target",
            )
            return
        directive = _directive(patch, PODSPEC)
        if directive is not None:
            self.cannot(field, directive, _DIRECTIVE)
            return
        assert isinstance(podspec, MappingNode)
        for target in hits:
            for key in POD_FIELDS:
                node = get(podspec, key)
                if node is not None and target.role == "core":
                    self.pod[key] = (None if is_null(node) else scalar(node), field)
            for key in CONTAINER_LISTS:
                self.containers(target, get(podspec, key), key == "initContainers", field)

    def containers(self, target: Target, node: Node | None, init: bool, field: str) -> None:
        if node is None:
            return
        if not isinstance(node, SequenceNode):
            self.cannot(field, node, "replaces a container list with something else")
            return
        for item in node.value:
            name = scalar(get(item, "name"))
            if not isinstance(item, MappingNode) or name is None:
                self.cannot(field, item, "a container without a name cannot be merged")
                continue
            if any(scalar(k) == "$patch" for k, _ in item.value):
                self.cannot(field, item, _DIRECTIVE)
                continue
            image = scalar(get(item, "image"))
            if image and target.role == "core" and name == target.container and not init:
                self.changed_image, self.image_field = image, field
            self.entries(target, name, init, get(item, "env"), field)

    def entries(
        self, target: Target, container: str, init: bool, node: Node | None, field: str
    ) -> None:
        if node is None:
            return
        if not isinstance(node, SequenceNode):
            self.cannot(field, node, f"container {container}: env must be a list to be merged")
            return
        found = self.env.setdefault((target.role, container, init), [])
        for item in node.value:
            name = scalar(get(item, "name"))
            if not isinstance(item, MappingNode) or name is None:
                self.cannot(field, item, f"container {container}: an env entry needs a name")
                continue
            if any((scalar(k) or "").startswith("$") for k, _ in item.value):
                self.cannot(field, item, _DIRECTIVE)
                continue
            value_node = get(item, "value")
            source = get(item, "valueFrom")
            from_ref = source is not None and not is_null(source)
            if value_node is None or is_null(value_node):
                value: str | None = None if from_ref else ""
            elif isinstance(value_node, ScalarNode) and (value_node.tag or "").endswith(":str"):
                value = str(value_node.value)
            else:
                self.cannot(
                    field, value_node, f"container {container}: {name} must be a string; quote it"
                )
                continue
            owner = f"{field} (container {container})"
            found.append(EnvVar(name, value, from_ref, self.line(item), owner=owner))


_DIRECTIVE = (
    "uses a strategic-merge directive ($patch, $retainKeys, $setElementOrder), which xpnet does "
    "not follow; set the variables by name instead"
)


def _directive(patch: MappingNode, path: tuple[str, ...]) -> Node | None:
    """A `$...` directive on the way to the pod spec or in it, which can drop what it holds."""
    node: Node | None = patch
    for key in ("", *path):
        if key:
            node = get(node, key)
        if not isinstance(node, MappingNode):
            return None
        for k, _ in node.value:
            if (scalar(k) or "").startswith("$"):
                return k  # type: ignore[no-any-return]
    return None


def _split_image(image: str) -> tuple[str, str | None, str | None]:
    """An image reference's name, tag and digest."""
    name, _, digest = image.partition("@")
    head, _, last = name.rpartition("/")
    tag = None
    if ":" in last:
        last, tag = last.split(":", 1)
        name = f"{head}/{last}" if head else last
    return name, tag or None, digest or None


def _judged(pointer: str) -> bool:
    """Whether a JSON patch path can change what xpnet judges of a Deployment."""
    path = pointer.replace("~1", "/").replace("~0", "~").rstrip("/")
    if any(j == path or j.startswith(path + "/") for j in _JUDGED):
        return True  # the field itself, or something that holds it (the root: "")
    if any(path.startswith(f"/spec/template/spec/{k}/") for k in POD_FIELDS):
        return True
    part = _CONTAINER_PART.match(path)
    if part is None:
        return False
    inner = part.group(1)
    return inner is None or inner in ("/env", "/envFrom", "/image", "/name")


def _refuse(doc: Document, node: Node, ref: str, field: str, problem: str) -> InputError:
    return InputError(doc.source, [f"line {_line(doc, node)}: {ref}: {field}: {problem}"])


def read(
    doc: Document,
    ref: str,
    node: Node | None,
    at: tuple[str | int, ...],
    targets: tuple[Target, ...],
    image: str | None,
) -> PostRender:
    """What the post-renderers at `at` (spec.postRenderers) of the HelmRelease `ref` do to the
    chart's Deployments."""
    reader = _Reader(doc, ref, targets, image)
    if node is not None and not is_null(node):
        if not isinstance(node, SequenceNode):
            raise _refuse(doc, node, ref, _field(at), "must be a list")
        for i, item in enumerate(node.value):
            reader.renderer(item, (*at, i))
    return PostRender(
        reader.env, reader.changed_image, reader.image_field, reader.pod, reader.found
    )


class _Unread(Exception):
    """A pattern construct the matcher below does not read."""


# Go's RE2 classes are ASCII (https://github.com/google/re2/wiki/Syntax).
_CATEGORIES = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_SPACE": "\t\n\f\r ",
    "CATEGORY_WORD": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_",
}


def go_match(pattern: str, text: str) -> bool | None:
    """Whether Go's regexp, as kustomize anchors it (^(?:pattern)$), matches all of `text`;
    None for a pattern that is not valid or that uses flags, assertions or back-references.

    Python's re backtracks (exponentially on `(.*.*)*x`); Go's does not. This reads the parsed
    pattern once per (node, offset) instead: polynomial in the length of the text."""
    import warnings
    from re import _parser  # type: ignore[attr-defined]

    if "[:" in pattern or "{," in pattern or "\\Z" in pattern:
        return None  # POSIX classes, {,n} and \Z: Python reads them otherwise than Go
    try:
        with warnings.catch_warnings():  # "possible nested set": a class read as Go reads it
            warnings.simplefilter("ignore", FutureWarning)
            parsed: Any = _parser.parse(pattern)
        if parsed.state.flags & ~re.UNICODE:
            return None
        _readable(list(parsed))
        return len(text) in _Match(text).sequence(list(parsed), 0)
    except (re.error, _Unread, RecursionError):
        return None


_READ = {"LITERAL", "NOT_LITERAL", "ANY", "IN", "AT", "SUBPATTERN", "BRANCH"}
_READ_AT = {"AT_BEGINNING", "AT_BEGINNING_STRING", "AT_END", "AT_END_STRING"}


def _readable(items: list[Any]) -> None:
    """Raise _Unread for anything in the pattern that is not RE2 or that _Match does not read
    (look-arounds, back-references, word boundaries, inline flags), wherever it is."""
    stack = list(items)
    while stack:
        item = stack.pop()
        op, arg = str(item[0]), item[1]
        if op == "AT" and str(arg) not in _READ_AT:
            raise _Unread
        if op == "IN":
            _in_class(arg, "a")  # raises for a category it does not know
        elif op == "SUBPATTERN":
            if arg[1] or arg[2]:
                raise _Unread
            stack += list(arg[3])
        elif op == "BRANCH":
            stack += [item for option in arg[1] for item in option]
        elif op in ("MAX_REPEAT", "MIN_REPEAT"):
            if int(arg[0]) > 1000:  # RE2's limit on a repetition count
                raise _Unread
            stack += list(arg[2])
        elif op not in _READ:
            raise _Unread


class _Match:
    """The offsets where a part of a parsed pattern can end, from a given offset in `text`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.memo: dict[tuple[int, int], frozenset[int]] = {}

    def sequence(self, items: list[Any], start: int) -> frozenset[int]:
        here = frozenset({start})
        for item in items:
            here = frozenset(end for at in here for end in self.item(item, at))
            if not here:
                break
        return here

    def item(self, item: Any, at: int) -> frozenset[int]:
        key = (id(item), at)
        if key not in self.memo:
            self.memo[key] = self._item(item, at)
        return self.memo[key]

    def _item(self, item: Any, at: int) -> frozenset[int]:
        op, arg = str(item[0]), item[1]
        text = self.text
        char = text[at] if at < len(text) else None
        if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            if char is None:
                return frozenset()
            if op == "LITERAL":
                hit = ord(char) == arg
            elif op == "NOT_LITERAL":
                hit = ord(char) != arg
            elif op == "ANY":
                hit = char != "\n"
            else:
                hit = _in_class(arg, char)
            return frozenset({at + 1}) if hit else frozenset()
        if op == "AT":
            if str(arg) in ("AT_BEGINNING", "AT_BEGINNING_STRING"):
                return frozenset({at}) if at == 0 else frozenset()
            if str(arg) in ("AT_END", "AT_END_STRING"):
                return frozenset({at}) if at == len(text) else frozenset()
            raise _Unread
        if op == "SUBPATTERN":
            _group, add, remove, body = arg
            if add or remove:
                raise _Unread
            return self.sequence(list(body), at)
        if op == "BRANCH":
            return frozenset(end for option in arg[1] for end in self.sequence(list(option), at))
        if op in ("MAX_REPEAT", "MIN_REPEAT"):
            return self.repeat(arg, at)
        raise _Unread  # back-references, look-arounds, atomic groups: not RE2

    def repeat(self, arg: Any, at: int) -> frozenset[int]:
        low, high, body = int(arg[0]), int(arg[1]), list(arg[2])
        if low > 1000:  # RE2's limit on a repetition count
            raise _Unread
        ends: set[int] = {at} if low == 0 else set()
        frontier, count = {at}, 0
        while frontier and count != high:
            count += 1
            reached = {end for start in frontier for end in self.sequence(body, start)}
            if count < low:
                frontier = reached
                continue
            frontier = reached - ends  # an offset met again ends where it ended before
            ends |= reached
        return frozenset(ends)


def _in_class(items: Any, char: str) -> bool:
    negate, hit = False, False
    for op, arg in items:
        kind = str(op)
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            hit = hit or ord(char) == arg
        elif kind == "RANGE":
            hit = hit or arg[0] <= ord(char) <= arg[1]
        elif kind == "CATEGORY":
            name = str(arg)
            base = name.replace("CATEGORY_NOT_", "CATEGORY_")
            if base not in _CATEGORIES:
                raise _Unread
            hit = hit or ((char in _CATEGORIES[base]) != name.startswith("CATEGORY_NOT_"))
        else:
            raise _Unread
    return hit != negate
