"""`xpnet fn`: the KRM function (xpnet-fn) under the xpnet command."""

from __future__ import annotations

import argparse

from xpnet.adapters import krm


def run(_: argparse.Namespace) -> int:
    return krm.main()
