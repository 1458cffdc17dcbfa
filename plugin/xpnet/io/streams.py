"""Files and stdin as multi-document YAML streams: read them, give the engine their documents,
and write back what it changed, all files or none."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from xpnet.errors import InputError
from xpnet.records import NamedTuple
from xpnet.yaml.scan import Segment
from xpnet.yaml.splice import block_text
from xpnet.yaml.stream import ChartValues, Document, Source, decode, load, load_values

STDIN = "-"

__all__ = ["STDIN", "ChartValues", "Document", "Segment", "Source", "decode"]


def shown(source: Source) -> str:
    """A source's name in messages: stdin as <stdin>."""
    return "<stdin>" if source.name == STDIN else source.name


_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$", re.M)
_HELM4_FILE = re.compile(r"postrenderer\.helm\.sh/postrender-filename: ['\"]?([^'\"\r\n]+)")


def helm_label(_: Source, segment: Segment) -> str:
    """Name a document by Helm's `# Source:` line or Helm 4's filename annotation."""
    found = _SOURCE.search(segment.text) or _HELM4_FILE.search(segment.text)
    return found.group(1) if found else "stdin"


def helm_position(doc: Document, line: int) -> str:
    """A line of the stream Helm rendered, said as a chart's user reads it: the template and
    the line in the document Helm rendered from it (line 1 follows its `# Source:` comment, or
    under Helm 4 its `---`), and the line of the whole stream only where neither names one."""
    segment = doc.top.segment
    whole, start, end = segment.whole, segment.start, segment.end
    if found := _SOURCE.search(whole, start, end):
        first = segment.line + whole.count("\n", start, found.start()) + 1
    elif found := _HELM4_FILE.search(whole, start, end):
        first = segment.line + (start > 0)  # a segment after a marker starts on its line
    else:
        return f"rendered line {line}"
    return f"{found.group(1)}:{line - first + 1}"


def read_stdin(name: str = STDIN) -> Source:
    text, bom = decode("<stdin>", sys.stdin.buffer.read())
    return Source(name, text, bom)


def read_sources(files: Sequence[str]) -> list[Source]:
    """Each FILE as a source; `-` is stdin; a folder, the YAML files under it."""
    out = []
    for name in files:
        if name == STDIN:
            out.append(read_stdin())
        elif os.path.isdir(name):
            out += [read(path) for path in yaml_files(name)]
        else:
            out.append(read(name))
    return out


YAML_SUFFIXES = (".yaml", ".yml")


def yaml_files(folder: str) -> list[str]:
    """The YAML files under a folder, sorted: inside a git work tree the ones git lists (tracked
    or not, .gitignore respected), elsewhere every one; under hidden folders (.git, .github)
    none. A folder without any is refused: a wrong path must not pass as nothing to check."""
    listed = _git_files(folder)
    if listed is None:
        listed = []
        for root, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            listed += [os.path.join(root, n) for n in names]
    found = sorted(
        path
        for path in listed
        if path.endswith(YAML_SUFFIXES)
        and not any(part.startswith(".") for part in os.path.relpath(path, folder).split(os.sep))
        and os.path.isfile(path)
    )
    if not found:
        raise InputError(folder, ["is a folder without YAML files (*.yaml, *.yml) to read"])
    return found


def _git_files(folder: str) -> list[str] | None:
    """What `git ls-files` lists under a folder (tracked, and untracked but not ignored); None
    outside a git work tree or without git."""
    import subprocess  # only a folder argument needs it

    command = ["git", "-C", folder, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    try:
        done = subprocess.run(command, capture_output=True, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return [
        os.path.join(folder, p) for p in done.stdout.decode("utf-8", "replace").split("\0") if p
    ]


class Inputs(NamedTuple):
    """What a run reads: its sources (manifests, then chart values files) and their documents."""

    sources: list[Source]
    values: list[Source]
    docs: list[Document]

    @property
    def every(self) -> list[Source]:
        return [*self.sources, *self.values]

    def segments(self) -> Iterator[Segment]:
        """Every document of the manifests, for the ConfigMaps valueFrom entries name."""
        return (s for source in self.sources for s in source.segments)


def documents(
    sources: list[Source],
    label: Callable[[Source, Segment], str] | None = None,
    values: list[Source] | None = None,
    chart: ChartValues | None = None,
) -> Inputs:
    """The documents of every source; `values` are chart values files (of the chart `chart`
    describes), after the manifests."""
    docs = load(sources, label)
    index = sum(len(s.segments) for s in sources)
    for number, source in enumerate(values or [], start=len(sources)):
        doc = load_values(source, index, number, chart or ChartValues(None, None))
        index += len(source.segments)
        if doc is not None:
            docs.append(doc)
    return Inputs(sources, values or [], docs)


def outputs(
    inputs: Inputs,
    texts: dict[int, str],
    added: Sequence[str] = (),
    added_to: Sequence[int] = (),
) -> dict[str, str]:
    """Each source's new text (source name -> text, for every source): changed documents
    spliced in, and each new document (`added`: NetworkPolicies) at the end of the stream
    `added_to` names."""
    every = inputs.every
    out = {s.name: s.render(texts) for s in every}
    by_stream: dict[int, list[str]] = {}
    for stream_index, doc in zip(added_to, added, strict=True):
        by_stream.setdefault(stream_index, []).append(doc)
    for stream_index, docs in by_stream.items():
        name = every[stream_index].name
        out[name] = appended(out[name], docs)
    return out


def appended(text: str, docs: Sequence[str]) -> str:
    """A stream with more documents at its end, in the stream's line ends (read once)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith("\n"):
        text += newline
    return text + "".join(f"---\n{doc}" for doc in docs).replace("\n", newline)


def original(source: Source) -> str:
    """A source's text as it was read, its byte order mark included."""
    return ("\ufeff" if source.bom else "") + source.text


def yaml_text(data: dict[str, Any], what: str) -> str:
    """A mapping as a block-style YAML document, as xpnet writes them, read back and compared
    with `data` first (`what` names it in the refusal)."""
    return block_text(data, what)


def read(path: str) -> Source:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise InputError(path, [f"cannot read: {error.strerror}"]) from None
    text, bom = decode(path, data)
    return Source(path, text, bom)


def check_writable(paths: list[str]) -> None:
    """Refuse before anything is written when any file cannot be replaced."""
    # The owner's write bit too: root may write anything, but a read-only file says "leave me".
    for path in paths:
        folder = os.path.dirname(path) or "."
        if not os.access(path, os.W_OK) or not os.stat(path).st_mode & 0o200:
            problem = "the file is read-only"
        elif not os.access(folder, os.W_OK | os.X_OK):
            problem = f"its folder {folder} is not writable (xpnet replaces files atomically)"
        else:
            continue
        raise InputError(
            path, [f"{problem}; nothing was written (make it writable or run with --diff)"]
        )


def _new_file_beside(real: str) -> tuple[int, str]:
    """A new file next to `real` (mode 0600, never one that exists), as tempfile.mkstemp makes
    it, without importing tempfile and with it shutil, random, bz2 and lzma."""
    folder, name = os.path.split(real)
    while True:
        tmp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}")
        try:
            return os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), tmp
        except FileExistsError:
            continue


def write_all(changes: list[tuple[str, str]]) -> None:
    """Replace files all or nothing: each is written to a temporary file beside it (through a
    symlink, beside its target, so the link stays a link) and only when all of them are
    written are they renamed over the originals, keeping each file's mode."""
    targets = [(name, os.path.realpath(name), text) for name, text in changes]
    check_writable([real for _, real, _ in targets])
    temps: list[str] = []
    current = ""
    try:
        for name, real, text in targets:
            current = name
            mode = os.stat(real).st_mode & 0o7777
            fd, tmp = _new_file_beside(real)
            temps.append(tmp)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
    except OSError as error:
        for tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        message = f"cannot write: {error.strerror}; nothing was written"
        raise InputError(current, [message]) from None
    for (name, real, _), tmp in zip(targets, temps, strict=True):
        try:
            os.replace(tmp, real)
        except OSError as error:
            raise InputError(name, [f"cannot write: {error.strerror}"]) from None


def read_upto(path: str, size: int) -> str:
    """A file's first `size` characters (UTF-8, undecodable bytes replaced): for a file that
    is small when it is the right one, never read to the end of one that is not."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(size)
    except OSError as error:
        raise InputError(path, [f"cannot read it: {error.strerror}"]) from None
