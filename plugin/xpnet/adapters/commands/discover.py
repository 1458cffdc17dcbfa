"""`xpnet discover`: a ClusterNetwork (or ConfigMap) from saved cluster objects."""

from __future__ import annotations

import argparse
import sys

from xpnet import credentials, report
from xpnet import discover as discovery
from xpnet.io.streams import STDIN, read_sources, shown


def run(args: argparse.Namespace) -> int:
    credentials.remember(args.proxy or "")
    saved: list[discovery.read.Saved] = []
    for number, source in enumerate(read_sources(args.files or [STDIN])):
        name = shown(source)
        objects = discovery.read.objects(name, source.text, number, len(saved))
        if not objects:
            print(
                report.stderr_line(f"{name}: holds no object (empty, or only comments)"),
                file=sys.stderr,
            )
        saved += objects
    credentials.remember([s.data for s in saved])  # proxy URLs of OpenShift's Proxy, env, ...
    found = discovery.configuration(
        saved, args.proxy, args.name, args.format, args.credentials_secret
    )
    for note in found.notes:
        print(report.stderr_line(note), file=sys.stderr)
    for problem in found.problems:
        print(report.stderr_line(problem), file=sys.stderr)
    if found.text is None:
        print(report.stderr_line("no configuration was printed"), file=sys.stderr)
        return 1
    sys.stdout.write(found.text)
    return 0
