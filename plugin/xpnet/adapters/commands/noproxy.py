"""`xpnet noproxy`: the NO_PROXY value xpnet computes, and with --explain why each entry."""

from __future__ import annotations

import argparse

from xpnet import noproxy
from xpnet.adapters.commands import config
from xpnet.install import DEFAULT_NAMESPACE


def run(args: argparse.Namespace) -> int:
    settings = config(args)
    nps = noproxy.compute(settings, settings.spec.crossplane.namespace or DEFAULT_NAMESPACE)
    if args.explain:
        for entry in nps.entries:
            print(f"{entry.value:40} {entry.reason}")
    else:
        print(nps.value)
    return 0
