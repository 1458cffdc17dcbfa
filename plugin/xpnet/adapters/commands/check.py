"""`xpnet check`: report findings, as text, JSON or SARIF; exit 1 on errors."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from functools import partial
from typing import Any

from xpnet import __version__, report, rules
from xpnet.adapters.commands import config, inputs, say_empty, with_selection
from xpnet.adapters.streams import run_streams
from xpnet.config import with_mode
from xpnet.engine import Outcome
from xpnet.io.streams import Source
from xpnet.plan import Finding
from xpnet.records import NamedTuple


class _Rendered(NamedTuple):
    rule: rules.Rule
    suppressed: str | None  # the reason a resource gives
    out: Any  # a line, a JSON record or a SARIF result


def run(args: argparse.Namespace) -> int:
    settings = with_selection(with_mode(config(args), "check"), args)
    manifests, values, chart = inputs(args)
    sources = manifests + values
    shapes: dict[str, Callable[[Finding], Any]] = {
        "json": report.finding_data,
        "sarif": partial(report.sarif_result, root=os.getcwd()),
    }
    shape = shapes.get(args.output, partial(report.finding_line, with_file=True))

    def render(finding: Finding) -> tuple[report.Order, str | None, Any]:
        return report.order(finding), finding.suppressed, shape(finding)

    def check(part: list[Source]) -> tuple[Outcome, list[int]]:
        outcome = run_streams(settings, part, values=values, chart=chart).outcome
        found = {r.doc.stream for p in outcome.plans for r in p.install.resources}
        return outcome, [i for i in range(len(part) + len(values)) if i not in found]

    # Many files (a render per cluster): runs side by side where that is exactly one run.
    both = None
    if args.jobs > 1 and not values:
        from xpnet.adapters import parallel

        if parallel.possible(settings, manifests, args.jobs):
            both = parallel.check(settings, manifests, check, render, args.jobs)
    if both is None:
        outcome, missing = check(manifests)
        both = ([(f.rule.id, render(f)) for f in outcome.findings], missing)
    # Sorted by file, line and rule as one run would (several runs each sort their own), and
    # a finding said twice (a configuration finding of every run) said once.
    seen: set[str] = set()
    findings = []
    for rule, (_, suppressed, out) in sorted(both[0], key=lambda found: found[1][0]):
        if (key := json.dumps(out, sort_keys=True)) not in seen:
            seen.add(key)
            findings.append(_Rendered(rules.RULES[rule], suppressed, out))
    empty = both[1]
    unchecked = say_empty(sources, empty, len(manifests), args.allow_empty)
    if args.output == "json":
        print(json.dumps([f.out for f in findings], indent=2))
    elif args.output == "sarif":
        print(json.dumps(report.sarif_log([f.out for f in findings], __version__), indent=2))
    else:
        for finding in findings:
            if not finding.suppressed:  # counted in the summary, shown in JSON and SARIF
                print(finding.out)
        if not args.quiet:
            print(report.summary(findings, len(sources), len(empty)))
    return report.FAILED if unchecked else report.exit_code(findings)
