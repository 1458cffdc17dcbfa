"""`xpnet-helm`: a Helm 3 post-renderer, and the command behind the Helm 4 plugin.

Helm sends every rendered manifest on stdin and installs what comes back on stdout. Helm 3 drops
every resource on empty output, and Helm 4 discards the plugin's stderr
(docs/explanation/pipelines.md), so output is never empty and every failure is also appended to a
log file.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from xpnet import __version__

if TYPE_CHECKING:  # the pipeline is imported while stdin is read (adapters.scripts)
    from pathlib import Path

DESCRIPTION = """\
Helm post-renderer: Helm sends the rendered manifests on stdin; xpnet-helm writes them back on
stdout with the HTTP(S) proxy variables (NO_PROXY and the rest) of the Crossplane install set.

Helm 3:
  helm install|upgrade|template ... --post-renderer /path/to/xpnet-helm \\
    --post-renderer-args=--config=FILE
Helm 4 runs it through the xpnet plugin (helm-plugin/xpnet in xpnet's repository):
  helm plugin install /path/to/xpnet/helm-plugin/xpnet
  helm install|upgrade|template ... --post-renderer xpnet --post-renderer-args=--config=FILE
Helm 4 throws a plugin's stderr away: every failure is also appended to $XPNET_LOG_FILE, by
default ${{XDG_STATE_HOME:-~/.local/state}}/xpnet/helm-post-renderer.log; here:
  {log}"""

EXIT_CODES = """\
exit codes:
  0  done: the manifests on stdout (warnings, if any, on stderr)
  1  error findings, or input or configuration refused: nothing on stdout, the reason on
     stderr and in the log file
  2  usage: an unknown argument"""


def log_path() -> Path:
    """$XPNET_LOG_FILE, else $XDG_STATE_HOME/xpnet/helm-post-renderer.log (~/.local/state)."""
    from pathlib import Path

    if os.environ.get("XPNET_LOG_FILE"):
        return Path(os.environ["XPNET_LOG_FILE"])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "xpnet" / "helm-post-renderer.log"


def _log(lines: list[str]) -> str | None:
    import time

    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            handle.write(f"{stamp} xpnet-helm failed (pid {os.getpid()}):\n")
            handle.writelines(f"  {part}\n" for line in lines for part in line.splitlines())
    except OSError:
        return None
    return str(path)


def usual_config(argv: list[str]) -> tuple[bool, str | None]:
    """The --config of the invocations Helm makes, read without argparse (importing it is a
    tenth of a post-renderer's start-up): (True, FILE or None), or (False, None) for
    anything else, which argparse then reads (and explains)."""
    if not argv:
        return True, None
    if len(argv) == 1 and argv[0].startswith("--config=") and len(argv[0]) > 9:
        return True, argv[0][9:]
    if len(argv) == 2 and argv[0] in ("-c", "--config") and argv[1] and argv[1][0] != "-":
        return True, argv[1]
    return False, None


def _parse(argv: list[str]) -> str | None:
    import argparse

    parser = argparse.ArgumentParser(
        prog="xpnet-helm",
        description=DESCRIPTION.format(log=log_path()),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        help="the ClusterNetwork (or ConfigMap) file; default: $XPNET_CONFIG, else .xpnet.yaml "
        "in this folder or the nearest parent",
    )
    parser.add_argument("--version", action="version", version=f"xpnet-helm {__version__}")
    for arg in argv:
        flag, space, rest = arg.strip().partition(" ")
        if space and flag in ("-c", "--config"):
            # Helm hands each --post-renderer-args value over as one argument, spaces included
            # (https://helm.sh/docs/topics/advanced/#post-rendering), so "--config FILE" arrives
            # as one word; Helm 4 drops stderr, hence the log too.
            hint = (
                f"{arg!r} reached xpnet-helm as one argument: Helm passes each "
                f"--post-renderer-args value as written; write "
                f"--post-renderer-args=--config={rest.strip()}"
            )
            _log([hint])
            parser.error(hint)
    config: str | None = parser.parse_args(argv).config
    return config


def main(argv: list[str] | None = None, data: bytes | None = None) -> int:
    """The post-renderer; `data`: stdin's bytes (read here when not given)."""
    from xpnet import credentials, report
    from xpnet.adapters.streams import filter_bytes

    credentials.forget()  # a run knows only its own inputs' secrets
    argv = sys.argv[1:] if argv is None else argv
    usual, config = usual_config(argv)
    if not usual:
        config = _parse(argv)

    out, lines, code = filter_bytes(sys.stdin.buffer.read() if data is None else data, config)
    for line in lines:
        print(line, file=sys.stderr)
    if code != 0:
        where = _log(lines)
        if where:
            print(report.stderr_line(f"the reason is also in {where}"), file=sys.stderr)
        return code
    sys.stdout.write(out)
    return 0


def entry() -> None:
    """Run the post-renderer (the console script is adapters.scripts.xpnet_helm)."""
    from xpnet.adapters.console import exit_with

    exit_with(main)
