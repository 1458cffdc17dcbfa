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
from xpnet.io.streams import Source, shown
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

    def render(finding: Finding) -> tuple[str | None, Any]:
        return finding.suppressed, shape(finding)

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
    findings = [_Rendered(rules.RULES[rule], *out) for rule, out in both[0]]
    empty = [shown(sources[i]) for i in both[1]]
    say_empty(sources, empty)
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
    return report.exit_code(findings)
