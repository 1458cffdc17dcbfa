"""`xpnet discover`: a ClusterNetwork from saved cluster objects, in three steps. `read`: every
source read into evidence that names its file, object and field; `resolve`: the evidence
resolved per value (sources that disagree are a problem, never silently resolved); `write`: the
config written with a comment per value, then read back and validated. Pure: no file is opened
and nothing is connected to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xpnet.discover import read, resolve, write


@dataclass(frozen=True)
class Discovered:
    """The config text (None when refused), the notes for stderr and the problems."""

    text: str | None
    notes: tuple[str, ...]
    problems: tuple[str, ...]


def configuration(
    saved: Sequence[read.Saved],
    proxy: str | None = None,
    name: str = "discovered",
    form: write.Format = "clusternetwork",
    credentials_secret: str | None = None,
) -> Discovered:
    """The ClusterNetwork (or its ConfigMap form) that the saved objects describe; `proxy` and
    `credentials_secret`: what --proxy and --credentials-secret say."""
    reading, installs = read.evidence(saved, proxy)
    spec = resolve.cluster_network(reading, installs, proxy, credentials_secret)
    if spec is None:
        return Discovered(None, tuple(reading.notes), tuple(reading.problems))
    text = write.document(spec, name, form, [s.file for s in saved])
    problems = write.verify(text, spec)
    return Discovered(None if problems else text, tuple(reading.notes), tuple(problems))
