"""`xpnet schema`: the ClusterNetwork JSON Schema."""

from __future__ import annotations

import argparse
import json

from xpnet.config import json_schema


def run(_: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
    return 0
