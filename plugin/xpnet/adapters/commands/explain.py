"""`xpnet explain`: what each client runtime of each install does with each destination after
the fix, and which roots it trusts."""

from __future__ import annotations

import argparse
import json
import sys

from xpnet import credentials, engine, explain, report
from xpnet.adapters.commands import config
from xpnet.config import with_mode
from xpnet.io.streams import documents, read_sources, read_upto
from xpnet.plan import SAMPLE_FUNCTION, plan_fix
from xpnet.runtimes import RUNTIMES


def run(args: argparse.Namespace) -> int:
    credentials.remember([args.registry, *(args.host or [])])  # URLs may carry credentials
    hosts = [
        explain.destination(h, "--host", "{}" if "://" in h else "https://{}")
        for h in args.host or []
    ]
    registry = explain.destination(args.registry, "--registry", "https://{}:443")
    if args.ca_bundle:
        explain.bundle_summary(args.ca_bundle, read_upto)  # refused before anything is explained
    settings = with_mode(config(args), "fix")
    inputs = documents(read_sources(args.files))
    runtimes = args.runtime or list(RUNTIMES)
    # Variables read from ConfigMaps of the same input are explained with their values.
    installs = engine.find(settings, inputs.docs, inputs.segments)
    plans = [plan_fix(settings, install) for install in installs]
    # The Functions of the inputs, unless named; a stand-in when there are none.
    functions = args.function or explain.functions(inputs.sources) or [SAMPLE_FUNCTION]
    sections = []
    for plan in plans:
        where = explain.destinations(settings, plan.install, functions, registry, hosts)
        sections.append((plan.install, explain.explain(settings, plan, where, runtimes)))
    if args.output == "json":
        print(json.dumps(report.explain_data(sections), indent=2))
        return 0
    if not sections:
        print(
            report.stderr_line(f"{', '.join(args.files)}: {report.NOTHING_FOUND}"), file=sys.stderr
        )
    if not args.long:
        for line in report.explain_summary(sections):
            print(line)
        if sections:
            print("\n(after the fix, over every container; --long: each container before and after")
            print("the fix, with the entry that decided, and the trusted roots)")
        return 0
    for line in report.explain_lines(sections):
        print(line)
    lines = [t for plan in plans for t in explain.trust(settings, plan)]
    if lines:
        print("\nTrusted roots after the fix (a runtime config's xpnet.dev/runtime):")
        if args.ca_bundle:
            print(f"  {explain.bundle_summary(args.ca_bundle, read_upto)}")
    for t in lines:
        label = f" {t.block.label}" if t.block.label else ""
        print(f"  {t.resource.ref}{label} {t.runtime}: {'; '.join(t.reads)}")
    return 0
