#!/usr/bin/env python3
"""Turn an example's ClusterNetwork into a legacy-plugin config in place: drop the
config.kubernetes.io/function annotation (kubectl kustomize cannot run exec functions and skips
a transformer that names one without a word), so that kustomize finds the plugin by apiVersion
and kind. Used by scripts/run-example on a copy of the example."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ANNOTATION = re.compile(
    r"^(?P<indent> +)config\.kubernetes\.io/function: *\|[^\n]*\n(?:(?P=indent) +\S[^\n]*\n)*",
    re.M,
)


def main(path: str) -> int:
    file = Path(path)
    text = file.read_text()
    if "kind: ClusterNetwork" not in text:
        print(
            f"run-example: {path} is not a ClusterNetwork; the legacy plugin needs one "
            "(run scripts/setup to build kustomize for the exec function)",
            file=sys.stderr,
        )
        return 1
    text = ANNOTATION.sub("", text)
    text = re.sub(r"^  annotations:\n(?=\S|  \S)", "", text, flags=re.M)
    file.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
