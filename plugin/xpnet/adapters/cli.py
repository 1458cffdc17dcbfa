"""The `xpnet` command line: fix, check, explain the NO_PROXY set, print values and the schema."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from xpnet import __version__, credentials, report
from xpnet.adapters.console import exit_with
from xpnet.errors import XpnetError

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The command's `run`, its module imported only when it runs (one function per command,
    so that parsers built alone and together say the same)."""
    if name not in _RUNS:

        def run(args: argparse.Namespace) -> int:
            import importlib

            module = importlib.import_module(f"xpnet.adapters.commands.{name}")
            code: int = module.run(args)
            return code

        _RUNS[name] = run
    return _RUNS[name]


_RUNS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _config_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        help="ClusterNetwork (or ConfigMap) file; default: $XPNET_CONFIG, else .xpnet.yaml in "
        "this folder or the nearest parent",
    )


def _chart_options(p: argparse.ArgumentParser, version: str, prefix: str = "") -> None:
    """--chart-version (what it decides here) and --namespace of the crossplane chart."""
    p.add_argument("--chart-version", metavar="V", help=prefix + version)
    p.add_argument(
        "--namespace",
        metavar="NS",
        help=f"{prefix}the namespace the chart is installed into (default: the config's, else "
        "crossplane-system)",
    )


def _inputs_options(p: argparse.ArgumentParser) -> None:
    """What fix and check read: manifests and releases as FILE, chart values with --values."""
    p.add_argument(
        "--values",
        action="append",
        metavar="FILE",
        help="a values file of the crossplane Helm chart (repeatable; - for stdin)",
    )
    _chart_options(
        p,
        "the chart version the values files are for (decides which keys the chart reads and, "
        "without image.tag, the Crossplane version)",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0 when no input holds a Crossplane resource (pre-commit passes every YAML "
        "file); without it that run fails, as a wrong file list would",
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="manifests, Flux HelmReleases, Argo CD Applications; a folder: the YAML files under "
        "it (in a git work tree those git lists, .gitignore respected; hidden folders skipped)",
    )


def _selection_options(p: argparse.ArgumentParser) -> None:
    """Which findings to report, as ruff spells it; each replaces its spec.policy field."""
    p.add_argument(
        "--select",
        type=_rule_selectors,
        metavar="RULES",
        help="report only these rules: ids or prefixes, comma-separated (XPN016,XPN02); "
        "default: spec.policy.select, else every rule",
    )
    p.add_argument(
        "--ignore",
        type=_rule_selectors,
        metavar="RULES",
        help="do not report these rules (ids or prefixes, comma-separated); the more specific "
        "of --select and --ignore wins; default: spec.policy.ignore",
    )
    p.add_argument(
        "--severity",
        choices=("info", "warning", "error"),
        help="report findings of this severity and above (default: spec.policy.severity, "
        "else info: all)",
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print the findings only: no summary line, nothing when there are none",
    )


def _rule_selectors(value: str) -> tuple[str, ...]:
    """Comma-separated rule ids or prefixes, each naming a rule, else a usage error."""
    from xpnet import selectors

    parsed = selectors.parse(value)
    if not parsed:
        raise argparse.ArgumentTypeError("give rule ids or prefixes, e.g. XPN016,XPN02")
    problems = [p for s in parsed if (p := selectors.problem(s))]
    if problems:
        raise argparse.ArgumentTypeError("; ".join(problems))
    return parsed


EXIT_CODES = "exit codes: 0 ok, 1 error findings or refused input (nothing written), 2 usage error"


def _fix(sub: Commands) -> None:
    p = sub.add_parser("fix", help="rewrite manifests in place (FILE - for stdin to stdout)")
    _config_option(p)
    p.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    p.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    _selection_options(p)
    _inputs_options(p)
    p.set_defaults(func=_command("fix"))


def _check(sub: Commands) -> None:
    p = sub.add_parser("check", help="report findings; exit 1 on errors")
    _config_option(p)
    p.add_argument(
        "-o",
        "--output",
        choices=("text", "json", "sarif"),
        default="text",
        help="text (default), json, or sarif (SARIF 2.1.0, for code scanning)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="check the files in N processes side by side (many renders, one per cluster); the "
        "output is one process's, which checks again alone where files depend on each other "
        "(default: 1)",
    )
    _selection_options(p)
    _inputs_options(p)
    p.set_defaults(func=_command("check"))


def _jobs(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes (1 or more)")
    return int(value)


def _explain(sub: Commands) -> None:
    from xpnet.runtimes import RUNTIMES

    p = sub.add_parser(
        "explain",
        help="for each container, destination and runtime: direct or proxy, and which entry "
        "decided (before and after the fix)",
    )
    _config_option(p)
    p.add_argument(
        "--function",
        action="append",
        metavar="NAME",
        help="a function name to check (repeatable; default: the Functions among the FILEs, "
        "else function-example)",
    )
    p.add_argument(
        "--registry",
        default="xpkg.crossplane.io",
        metavar="HOST",
        help="the package registry (default xpkg.crossplane.io)",
    )
    p.add_argument("--host", action="append", metavar="URL", help="another destination")
    p.add_argument(
        "--runtime",
        action="append",
        metavar="NAME",
        choices=RUNTIMES,
        help="only this runtime (repeatable; default all)",
    )
    p.add_argument(
        "--ca-bundle",
        metavar="PEM",
        help="a local copy of the CA bundle (spec.trust.caBundle): checked to be PEM, and "
        "its certificates counted (xpnet never reads the cluster)",
    )
    p.add_argument(
        "--long",
        action="store_true",
        help="every container before and after the fix, with the entry that decided, and the "
        "trusted roots (default: a line per destination and runtime)",
    )
    p.add_argument("-o", "--output", choices=("text", "json"), default="text")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_command("explain"))


def _render(sub: Commands) -> None:
    p = sub.add_parser(
        "render",
        help="filter a stream from stdin to stdout in the config's mode (Helm post-renderer, "
        "legacy kustomize plugin)",
    )
    _config_option(p)
    p.set_defaults(func=_command("render"))


def _patch(sub: Commands) -> None:
    p = sub.add_parser(
        "patch",
        help="print kustomize patches that set the env on the chart's Deployments (for Flux "
        "postRenderers and kustomizations); input: the rendered chart, or the chart defaults",
    )
    _config_option(p)
    _chart_options(p, "the chart version whose default Deployments to patch", "without FILE: ")
    p.add_argument("files", nargs="*", metavar="FILE", help="the rendered chart (- for stdin)")
    p.set_defaults(func=_command("patch"))


def _noproxy(sub: Commands) -> None:
    p = sub.add_parser("noproxy", help="print the computed NO_PROXY value")
    _config_option(p)
    p.add_argument("--explain", action="store_true", help="one entry a line, with its reason")
    p.set_defaults(func=_command("noproxy"))


def _netpol(sub: Commands) -> None:
    p = sub.add_parser(
        "netpol",
        help="print the NetworkPolicies of spec.networkPolicy for the install in FILE (- or "
        "none for stdin)",
    )
    _config_option(p)
    p.add_argument("files", nargs="*", metavar="FILE", help="the install's manifests")
    p.set_defaults(func=_command("netpol"))


def _values(sub: Commands) -> None:
    p = sub.add_parser("values", help="print the settings as Helm values for the Crossplane chart")
    _config_option(p)
    _chart_options(p, "the chart version (the values are the same for every version)")
    p.set_defaults(func=_command("values"))


def _discover(sub: Commands) -> None:
    from xpnet.discover import saving  # data only: what discover reads and how to save it

    p = sub.add_parser(
        "discover",
        help="print a commented ClusterNetwork from saved cluster objects (kubectl get -o yaml, "
        "cloud CLI JSON; FILE - or none for stdin); connects to nothing",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=saving.help_text(),
    )
    p.add_argument("--proxy", metavar="URL", help="the proxy URL (default: the install's env)")
    p.add_argument(
        "--format",
        choices=("clusternetwork", "configmap"),
        default="clusternetwork",
        help="clusternetwork (default) or configmap (the same settings as ConfigMap data)",
    )
    p.add_argument(
        "--credentials-secret",
        metavar="NAME",
        help="write spec.proxy.credentialsSecret with this Secret and proxy URLs without their "
        "user name and password (discover never copies a password it reads)",
    )
    p.add_argument(
        "--name", default="discovered", type=_object_name, metavar="NAME", help="metadata.name"
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="saved objects (- for stdin)")
    p.set_defaults(func=_command("discover"))


def _object_name(value: str) -> str:
    """A metadata.name the API server accepts (a DNS subdomain), else a usage error."""
    import re

    from xpnet.config_model import DNS_NAME_PATTERN

    if len(value) <= 253 and re.match(DNS_NAME_PATTERN, value):
        return value
    guess = value.strip().lower().replace("_", "-")
    valid = len(guess) <= 253 and re.match(DNS_NAME_PATTERN, guess)
    hint = f"did you mean {guess}?" if valid else "e.g. corp-proxy"
    raise argparse.ArgumentTypeError(
        f"{value!r} is not a valid name: lower case letters, digits and '-', in parts joined by "
        f"'.', at most 253 characters; {hint}"
    )


def _schema(sub: Commands) -> None:
    p = sub.add_parser("schema", help="print the ClusterNetwork JSON Schema")
    p.set_defaults(func=_command("schema"))


def _fn(sub: Commands) -> None:
    p = sub.add_parser("fn", help="run as a KRM function (ResourceList on stdin)")
    p.set_defaults(func=_command("fn"))


def _completion(sub: Commands) -> None:
    from xpnet.adapters import completion

    p = sub.add_parser(
        "completion",
        help='print a shell completion script: eval "$(xpnet completion bash)" in ~/.bashrc',
    )
    p.add_argument("shell", choices=completion.SHELLS)
    p.set_defaults(func=_print_completion)


def _print_completion(args: argparse.Namespace) -> int:
    from xpnet.adapters import completion

    return completion.print_script(parser(), args.shell)


# Each command's arguments, by name.
COMMANDS: dict[str, Callable[[Commands], None]] = {
    "fix": _fix,
    "check": _check,
    "explain": _explain,
    "render": _render,
    "patch": _patch,
    "noproxy": _noproxy,
    "netpol": _netpol,
    "values": _values,
    "discover": _discover,
    "schema": _schema,
    "fn": _fn,
    "completion": _completion,
}


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; `only`: just that command's (the one being run: building all of them
    costs a pre-commit or kustomize `xpnet fix` ~6 ms)."""
    top = argparse.ArgumentParser(
        prog="xpnet",
        description="Correct, consistent HTTP(S) proxy settings for Crossplane installs.",
    )
    top.add_argument("--version", action="version", version=f"xpnet {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, add in COMMANDS.items():
        if only in (None, name):
            add(sub)
    for action in sub._choices_actions:  # every command's --help: what it does, exit codes
        command = sub.choices[action.dest]
        command.description = command.description or f"xpnet {action.dest}: {action.help}."
        own = command.epilog  # discover's: where each value comes from
        command.epilog = f"{own}\n\n{EXIT_CODES}" if own else EXIT_CODES
    top.epilog = EXIT_CODES
    return top


def main(argv: list[str] | None = None) -> int:
    credentials.forget()  # a run knows only its own inputs' secrets
    argv = sys.argv[1:] if argv is None else argv
    top = parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = top.parse_args(argv)
    if args.command in ("fix", "check") and not args.files and not args.values:
        top.error(f"{args.command}: give at least one FILE or --values FILE")
    try:
        code: int = args.func(args)
        return code
    except XpnetError as error:
        print(report.stderr_line(f"{error.render()}"), file=sys.stderr)
        return 1


def entry() -> None:
    """The console script."""
    exit_with(main)
