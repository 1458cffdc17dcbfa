"""`xpnet render`: stdin to stdout, as the Helm post-renderer does, for a pipe."""

from __future__ import annotations

import argparse
import sys

from xpnet.adapters.streams import filter_bytes
from xpnet.errors import InputError


def run(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read()
    if not data.strip():
        # In `helm template ... | xpnet render` an empty stream means the command before the
        # pipe failed; printing an empty stream would let a GitOps tool prune everything.
        raise InputError(
            "<stdin>",
            [
                "is empty: nothing to render; did the command before the pipe fail? (nothing "
                "was printed; as a Helm post-renderer use xpnet-helm, which passes empty "
                "renders through)"
            ],
        )
    out, lines, code = filter_bytes(data, args.config)
    for line in lines:
        print(line, file=sys.stderr)
    sys.stdout.write(out)
    return code
