"""What `xpnet discover` is given, read into evidence that names its file, object and field: the
objects of each saved file (a file that is not what kubectl or a cloud CLI saves is refused with
its file, object and field), the Crossplane install among them, and the --proxy URL. Pure: no
file is opened and nothing is connected to."""

from __future__ import annotations

from collections.abc import Sequence

from xpnet.discover import saved
from xpnet.discover.saved import FLAG, Evidence, Reading, read_install, read_object
from xpnet.discover.saved import Saved as Saved  # what the discover command reads files into
from xpnet.install import CrossplaneInstall, find_installs
from xpnet.releases import resources


def objects(file: str, text: str, stream: int = 0, first_index: int = 0) -> list[Saved]:
    """The objects of one saved file: YAML or JSON, several documents, List items each on their
    own; `stream` and `first_index`: the file's place among those of one command."""
    return saved.read(file, text, stream, first_index)


def evidence(
    given: Sequence[Saved], proxy: str | None = None
) -> tuple[Reading, tuple[CrossplaneInstall, ...]]:
    """Every object read into evidence (the kinds discover reads nothing in are noted per file),
    the Crossplane installs found among them, and `proxy` (what --proxy says)."""
    reading = Reading()
    install_docs = []
    ignored: dict[str, dict[str, int]] = {}
    for s in given:
        if s.doc is not None and resources(s.doc):
            install_docs.append(s.doc)
        elif not read_object(s, reading):
            kind = s.data.get("kind")
            kind = kind if isinstance(kind, str) and kind else "a mapping without kind"
            counts = ignored.setdefault(s.file, {})
            counts[kind] = counts.get(kind, 0) + 1
    for file, counts in ignored.items():
        kinds = ", ".join(f"{k} ({n})" if n > 1 else k for k, n in sorted(counts.items()))
        reading.notes.append(f"{file}: ignored (discover reads nothing in them): {kinds}")
    installs = find_installs(install_docs, None, "auto", resources)
    for install in installs:
        read_install(install, reading)
    if proxy:
        reading.evidence.append(Evidence("httpsProxy", (proxy,), "--proxy", FLAG))
        reading.evidence.append(Evidence("httpProxy", (proxy,), "--proxy", FLAG))
    return reading, installs
