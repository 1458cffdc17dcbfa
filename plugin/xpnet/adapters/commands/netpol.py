"""`xpnet netpol`: the NetworkPolicies of spec.networkPolicy for the installs in FILE."""

from __future__ import annotations

import argparse
import sys

from xpnet import engine, netpol, report
from xpnet.errors import ConfigError
from xpnet.io.config import find_config, read_config
from xpnet.io.streams import STDIN, documents, read_sources


def run(args: argparse.Namespace) -> int:
    path = find_config(args.config)
    settings = read_config(path)
    if not settings.spec.networkPolicy.enabled:
        raise ConfigError(
            path, ["spec.networkPolicy.enabled: is false; set it to true to generate policies"]
        )
    inputs = documents(read_sources(args.files or [STDIN]))
    installs = engine.find(settings, inputs.docs)
    names = ", ".join(s.name for s in inputs.sources)
    texts, found = netpol.for_installs(settings, installs, names)
    # What the manifests' NO_PROXY sends direct must pass these policies, as in check and fix.
    for finding in found:
        print(report.stderr_line(report.finding_line(finding, True)), file=sys.stderr)
    if report.exit_code(found) != report.OK:
        return report.FAILED
    sys.stdout.write("".join(f"---\n{t}" for t in texts))
    return 0
