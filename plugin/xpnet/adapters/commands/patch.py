"""`xpnet patch`: kustomize patches that set what `xpnet fix` writes, for a kustomization or a
Flux HelmRelease's post-renderers."""

from __future__ import annotations

import argparse
import sys

from xpnet import patches, report
from xpnet.adapters.commands import config
from xpnet.adapters.streams import run_streams
from xpnet.config import with_mode
from xpnet.errors import InputError
from xpnet.io.streams import Source, read_sources


def run(args: argparse.Namespace) -> int:
    settings = with_mode(config(args), "fix")
    if args.files:
        sources = read_sources(args.files)
        what = ", ".join(args.files)
    else:
        namespace = args.namespace or settings.spec.crossplane.namespace
        sources = [Source("chart defaults", patches.chart_defaults(args.chart_version, namespace))]
        version = f" {args.chart_version}" if args.chart_version else " (version unknown)"
        what = f"the crossplane chart{version} with default values"
    outcome = run_streams(settings, sources).outcome
    for finding in report.arranged(outcome.findings):
        print(report.stderr_line(report.finding_line(finding, with_file=True)), file=sys.stderr)
    if outcome.failed:
        print(report.stderr_line("no patches printed"), file=sys.stderr)
        return report.exit_code(outcome.findings)
    if not any(p.install.core for p in outcome.plans):
        raise InputError(
            what,
            ["no Crossplane core Deployment found: give the rendered chart (helm template ...)"],
        )
    items = patches.patches(outcome.plans)
    print(
        f"# kustomize patches from xpnet (ClusterNetwork {settings.metadata.name}) for {what}:\n"
        "# for a kustomization's `patches:` or a Flux HelmRelease's "
        "`postRenderers[].kustomize.patches`."
    )
    if not items:
        print("# Nothing to patch: the Deployments already have the one right set.")
    sys.stdout.write(patches.render(items))
    return 0
