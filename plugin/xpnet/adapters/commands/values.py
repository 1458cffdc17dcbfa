"""`xpnet values`: Helm values for the Crossplane chart that set what `xpnet fix` writes."""

from __future__ import annotations

import argparse
import sys

from xpnet.adapters.commands import config
from xpnet.chart_values import chart_values
from xpnet.io.streams import yaml_text


def run(args: argparse.Namespace) -> int:
    settings = config(args)
    values = chart_values(settings, args.namespace)
    print(
        "# Helm values for the Crossplane chart, from xpnet "
        f"(ClusterNetwork {settings.metadata.name}): what `xpnet fix` writes.\n"
        "# The init container (extraEnvVarsCrossplaneInit, chart v2.0+) and the RBAC manager\n"
        "# (extraEnvVarsRBACManager) talk to the API server only: fix sets no proxy on them,\n"
        "# nor do these values. If you set a proxy on them, give them these variables too.\n"
        "# DeploymentRuntimeConfigs for providers and functions are not chart values: run\n"
        "# `xpnet fix` on them."
    )
    sys.stdout.write(yaml_text(values, "xpnet values"))
    return 0
