"""`xpnet check` over many files on two cores (one check over 200 chart renders, one
per cluster overlay, spent nearly all its time composing each render's core and RBAC manager).

The files are split in two runs of contiguous files; a forked child checks the second while
this process checks the first. The result is used only where it is exactly what one run over
every file gives: each file's resources belong to installs of that file alone (a core in the
file, an RBAC manager with a core of its namespace there), NetworkPolicies are off (they are
planned over every install), and no file is refused. Then the findings are the configuration's
(once), each run's plan findings in file order, and each run's refusals (XPN019) in file order,
as one run orders them. Anything else, and the files are checked again in one run."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from xpnet.adapters import forked
from xpnet.config import ClusterNetwork
from xpnet.engine import Outcome
from xpnet.errors import XpnetError
from xpnet.install import Role
from xpnet.plan import Finding, config_findings
from xpnet.records import NamedTuple
from xpnet.valuefrom import reads
from xpnet.yaml.stream import Source

MIN_FILES = 8
MIN_CHARS = 256 * 1024  # below this a fork costs more than it saves
JOBS = "XPNET_JOBS"  # XPNET_JOBS=1: always one run


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
    n = len(config_findings(config))
    rest = findings[n:]
    cut = len(rest)
    while cut and rest[cut - 1].rule.id == "XPN019":
        cut -= 1
    out = [(f.rule.id, render(f)) for f in findings]
    own = self_contained(outcome)
    return Part(own, out[:n], out[n : n + cut], out[n + cut :], empty)


def worth_it(config: ClusterNetwork, sources: Sequence[Source]) -> bool:
    if os.environ.get(JOBS) == "1" or not hasattr(os, "fork"):
        return False
    if config.spec.networkPolicy.enabled or len(sources) < MIN_FILES:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores >= 2 and sum(len(s.text) for s in sources) >= MIN_CHARS


Check = Callable[[list[Source]], tuple[Outcome, list[int]]]


def check(
    config: ClusterNetwork,
    sources: list[Source],
    run: Check,
    render: Callable[[Finding], Any],
) -> tuple[list[tuple[str, Any]], list[int]] | None:
    """The rendered findings and the indexes of sources without Crossplane resources, from two
    runs side by side; None when they would not be exactly one run's (check again in one)."""
    total = sum(len(s.text) for s in sources)
    size, half = 0, len(sources) // 2
    for i, source in enumerate(sources):
        size += len(source.text)
        if size * 2 >= total:
            half = max(1, min(i + 1, len(sources) - 1))
            break
    import pickle  # only a run that splits needs it

    first, second = sources[:half], sources[half:]

    def second_run() -> bytes:
        outcome, empty = run(second)
        return pickle.dumps(_part(outcome, config, render, empty))

    answer = forked.start(second_run)
    try:
        outcome, empty = run(first)
        mine: Part | None = _part(outcome, config, render, empty)
    except XpnetError:
        mine = None  # one run says it again, naming the first refused file
    data = answer()
    if mine is None or data is None:
        return None
    theirs: Part = pickle.loads(data)
    if not (mine.own and theirs.own) or mine.config != theirs.config:
        return None
    rendered = mine.config + mine.plans + theirs.plans + mine.refusals + theirs.refusals
    return rendered, mine.empty + [half + i for i in theirs.empty]
