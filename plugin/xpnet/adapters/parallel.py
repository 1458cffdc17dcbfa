"""`xpnet check --jobs N` over many files (a chart render per cluster overlay spends nearly
all its time composing each render's core and RBAC manager, so N cores check N renders at once).

The files are split in N runs of contiguous files of about the same size; forked children check
all but the first while this process checks the first. The result is used only where it is
exactly what one run over every file gives: each file's resources belong to installs of that file
alone (a core in the file, an RBAC manager with a core of its namespace there), NetworkPolicies
are off (they are planned over every install), and no file is refused. Then the findings are the
configuration's (once), each run's plan findings in file order, and each run's refusals (XPN019)
in file order, as one run orders them. Anything else, and the files are checked again in one
run."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from xpnet.config import ClusterNetwork
from xpnet.engine import Outcome
from xpnet.errors import XpnetError
from xpnet.install import Role
from xpnet.io import forked
from xpnet.io.streams import Source
from xpnet.plan import Finding, config_findings
from xpnet.records import NamedTuple
from xpnet.selection import select
from xpnet.valuefrom import reads


class Part(NamedTuple):
    """One run's findings, rendered for output, in the order one run over every file has."""

    own: bool  # its resources belong to installs of their own file
    config: list[tuple[str, Any]]  # (rule id, rendered finding)
    plans: list[tuple[str, Any]]
    refusals: list[tuple[str, Any]]
    empty: list[int]  # the indexes (in the part) of sources without Crossplane resources


def self_contained(outcome: Outcome) -> bool:
    """Whether each install holds resources of one file only, as one run over more files would
    group them (install.find_installs): a file's runtime configs join a core of that file, and an
    RBAC manager joins the core of its namespace in its own file."""
    cores = [p.install.core for p in outcome.plans if p.install.core is not None]
    for plan in outcome.plans:
        install = plan.install
        anchors = [install.core] if install.core is not None else list(install.covers)
        if not anchors:
            return False  # no core at all: they would join another file's
        streams = {c.doc.stream for c in anchors} | {r.doc.stream for r in install.resources}
        if len(streams) != 1:
            return False
        if any(reads(r) for r in install.resources):
            return False  # the ConfigMap a variable reads may be in the other run's files
        for resource in install.resources:
            if resource.role is Role.RBAC_MANAGER and not any(
                c.doc.stream == resource.doc.stream and c.pods_namespace == resource.pods_namespace
                for c in cores
            ):
                return False
    return True


def _part(
    outcome: Outcome, config: ClusterNetwork, render: Callable[[Finding], Any], empty: list[int]
) -> Part:
    findings = list(outcome.findings)
    n = len(select(config.spec.policy, config_findings(config)).findings)
    rest = findings[n:]
    cut = len(rest)
    while cut and rest[cut - 1].rule.id == "XPN019":
        cut -= 1
    out = [(f.rule.id, render(f)) for f in findings]
    own = self_contained(outcome)
    return Part(own, out[:n], out[n : n + cut], out[n + cut :], empty)


def possible(config: ClusterNetwork, sources: Sequence[Source], jobs: int) -> bool:
    """Whether the files can be checked in several runs at all (NetworkPolicies are planned
    over every install; a platform without fork has one process)."""
    return (
        jobs > 1
        and len(sources) > 1
        and hasattr(os, "fork")
        and not (config.spec.networkPolicy.enabled)
    )


def _parts(sources: list[Source], jobs: int) -> list[list[Source]]:
    """The files in at most `jobs` runs of contiguous files, each about the same size."""
    total = sum(len(s.text) for s in sources) or 1
    parts: list[list[Source]] = [[] for _ in range(min(jobs, len(sources)))]
    size = 0
    for index, source in enumerate(sources):
        left = len(sources) - index  # every part keeps at least one file
        part = min(size * len(parts) // total, len(parts) - 1)
        part = max(part, len(parts) - left)
        parts[part].append(source)
        size += len(source.text)
    return [p for p in parts if p]


Check = Callable[[list[Source]], tuple[Outcome, list[int]]]


def check(
    config: ClusterNetwork,
    sources: list[Source],
    run: Check,
    render: Callable[[Finding], Any],
    jobs: int = 2,
) -> tuple[list[tuple[str, Any]], list[int]] | None:
    """The rendered findings and the indexes of sources without Crossplane resources, from
    `jobs` runs side by side; None when they would not be exactly one run's (check again in
    one)."""
    import pickle  # only a run that splits needs it

    first, *others = _parts(sources, jobs)

    def other_run(part: list[Source]) -> Callable[[], bytes]:
        def work() -> bytes:
            outcome, empty = run(part)
            return pickle.dumps(_part(outcome, config, render, empty))

        return work

    answers = [forked.start(other_run(part)) for part in others]
    try:
        outcome, empty = run(first)
        parts: list[Part | None] = [_part(outcome, config, render, empty)]
    except XpnetError:
        parts = [None]  # one run says it again, naming the first refused file
    for answer in answers:  # every child is waited for, whatever the first run did
        data = answer()
        parts.append(None if data is None else pickle.loads(data))
    done = [p for p in parts if p is not None]
    if len(done) != len(parts) or not all(p.own and p.config == done[0].config for p in done):
        return None
    rendered = done[0].config + [f for p in done for f in p.plans]
    rendered += [f for p in done for f in p.refusals]
    empty_at, offset = [], 0
    for part, files in zip(done, [first, *others], strict=True):
        empty_at += [offset + i for i in part.empty]
        offset += len(files)
    return rendered, empty_at
