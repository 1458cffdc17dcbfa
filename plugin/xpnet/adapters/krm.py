"""The KRM function (`xpnet-fn`): a ResourceList on stdin, the same list rewritten on stdout.

kustomize ignores `results` and fails only on a non-zero exit, showing stderr
(docs/explanation/pipelines.md): so results go to stdout for kpt, readable lines to stderr, and
errors exit 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from xpnet import __version__, credentials
from xpnet.errors import XpnetError
from xpnet.io import resource_list
from xpnet.io.resource_list import SOURCE, Request, Response

if TYPE_CHECKING:  # imported where used: what comes before the fork is on every run's path
    from pathlib import Path

DESCRIPTION = """\
xpnet's KRM function: a ResourceList on stdin; on stdout the same list, the HTTP(S) proxy
variables (NO_PROXY and the rest) of its Crossplane install set, with results.

kustomize or kpt runs it as an exec function: list a ClusterNetwork under a kustomization's
transformers:, annotated
  config.kubernetes.io/function: "exec: {path: xpnet-fn}"
then
  kustomize build --enable-alpha-plugins --enable-exec DIR
Its configuration is that ClusterNetwork (or a ConfigMap with the same settings), the list's
functionConfig, never an argument. By hand: xpnet-fn < resource-list.yaml"""

EXIT_CODES = """\
exit codes:
  0  done (warnings, if any, on stderr)
  1  error findings, or input or configuration refused: the reason on stderr
  2  usage: an argument other than --help or --version"""


def answer(request: Request) -> Response:
    """The function on a ResourceList as read: the engine's run, answered."""
    from xpnet import report
    from xpnet.engine import run

    outcome = run(request.config, request.docs, request.segments)
    results, stderr = report.krm_results(outcome, SOURCE)
    code = report.FAILED if outcome.failed else report.OK
    return resource_list.answer(request, outcome.texts, outcome.added, results, stderr, code)


def respond(
    data: bytes, workdir: str | Path | None = None, found: resource_list.Hits | None = None
) -> Response:
    """The function on a ResourceList's bytes (UTF-8, checked by the caller); `found`: the
    passes' hits, when they ran elsewhere."""
    return answer(resource_list.read(data, workdir, found))


def _refuse_arguments(argv: Sequence[str]) -> None:
    """--help and --version exit 0, any other argument 2 (argparse: imported for people only)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="xpnet-fn",
        description=DESCRIPTION,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"xpnet-fn {__version__}")
    parser.parse_args(argv)


def main(argv: Sequence[str] = (), data: bytes | None = None) -> int:
    """Run the function; `argv` are the command's arguments (kustomize and kpt pass none),
    `data` stdin's bytes when read already (adapters.scripts)."""
    if argv:
        _refuse_arguments(argv)
    credentials.forget()  # a run knows only its own inputs' secrets
    data = sys.stdin.buffer.read() if data is None else data
    try:
        resource_list.check_encoding(data)
    except XpnetError as error:
        from xpnet import report

        sys.stderr.write(report.stderr_line(f"{error.render()}\n"))
        return 1
    found = resource_list.passes(data)
    try:
        from xpnet import engine  # noqa: F401  # the pipeline, imported while the passes run

        response = respond(data, os.getcwd(), found())
    except XpnetError as error:
        from xpnet import report

        response = resource_list.refused(data, error, [report.stderr_line(error.render())])
    sys.stdout.flush()
    response.write(sys.stdout.buffer)
    sys.stdout.buffer.flush()
    for line in response.stderr:
        sys.stderr.write(line + "\n")
    return response.code


def entry() -> None:
    """The console script."""
    from xpnet.adapters.console import exit_with

    exit_with(lambda: main(sys.argv[1:]))
