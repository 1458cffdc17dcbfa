"""`xpnet fix`: rewrite manifests in place (or stdin to stdout), all files or none."""

from __future__ import annotations

import argparse
import sys

from xpnet import report
from xpnet.adapters.commands import config, empty_sources, inputs, say_empty, with_selection
from xpnet.adapters.streams import run_streams
from xpnet.config import with_mode
from xpnet.io.streams import STDIN, original, write_all


def run(args: argparse.Namespace) -> int:
    settings = with_selection(with_mode(config(args), "fix"), args)
    manifests, values, chart = inputs(args)
    result = run_streams(settings, manifests, values=values, chart=chart)
    sources = manifests + values
    outcome = result.outcome
    for finding in report.arranged(outcome.reported):
        print(report.stderr_line(report.finding_line(finding, with_file=True)), file=sys.stderr)
    for finding in report.arranged(outcome.withheld):
        print(report.stderr_line(report.withheld_line(finding, with_file=True)), file=sys.stderr)
    empty = empty_sources(sources, outcome)
    unchecked = say_empty(sources, empty, len(manifests), args.allow_empty)
    if outcome.failed:
        summary = report.summary(outcome.findings, len(sources), len(empty))
        if withheld := len(outcome.withheld):
            summary += f" (and {withheld} left out or suppressed)"
        print(report.stderr_line(f"{summary}; nothing was written"), file=sys.stderr)
        return report.FAILED
    changed, piped = [], 0
    for source in sources:
        new = result.outputs[source.name]
        if source.name == STDIN:
            sys.stdout.write(new)
            piped += new != original(source)
        elif new != original(source):
            changed.append((source, new))
    if args.diff:
        import difflib

        for source, new in changed:
            sys.stdout.writelines(
                difflib.unified_diff(
                    original(source).splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"a/{source.name}",
                    f"b/{source.name}",
                )
            )
    elif not args.dry_run:
        write_all([(source.name, new) for source, new in changed])
    if args.quiet:  # the findings only
        return 0
    verb = "would fix" if args.diff or args.dry_run else "fixed"
    for edit in outcome.edits:
        print(
            report.stderr_line(f"{verb} {report.edit_line(edit, with_file=True)}"), file=sys.stderr
        )
    for item in outcome.items:
        print(
            report.stderr_line(f"{verb} {report.item_line(item, with_file=True)}"), file=sys.stderr
        )
    for stream_index, doc in zip(outcome.added_to, outcome.added, strict=True):
        name = "<stdout>" if sources[stream_index].name == STDIN else sources[stream_index].name
        print(report.stderr_line(f"{verb} {name}: {report.added_line(doc)}"), file=sys.stderr)
    count = len(changed) + piped
    done = f"{verb} {len(outcome.edits)} env blocks in {count} {'file' if count == 1 else 'files'}"
    summary = report.summary(outcome.findings, len(sources), len(empty))
    print(report.stderr_line(f"{done if count else 'nothing to fix'}; {summary}"), file=sys.stderr)
    return report.FAILED if unchecked else report.OK
