"""The `xpnet` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from xpnet import __version__
from xpnet.errors import XpnetError


def read_config(path: str) -> object:
    """Load the ClusterNetwork (or ConfigMap) document of a config file."""
    from xpnet.config import load_config
    from xpnet.errors import ConfigError
    from xpnet.yaml.nodes import compose, to_data

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ConfigError(path, [f"cannot read the config file: {error.strerror}"]) from None
    except UnicodeDecodeError:
        raise ConfigError(path, ["the config file is not UTF-8"]) from None
    return load_config(to_data(compose(text, path)), path)


def _schema(_: argparse.Namespace) -> int:
    from xpnet.config import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def _noproxy(args: argparse.Namespace) -> int:
    from xpnet import noproxy
    from xpnet.config import ClusterNetwork
    from xpnet.install import DEFAULT_NAMESPACE

    config = read_config(args.config)
    assert isinstance(config, ClusterNetwork)
    nps = noproxy.compute(config, config.spec.crossplane.namespace or DEFAULT_NAMESPACE)
    if args.explain:
        for entry in nps.entries:
            print(f"{entry.value:40} {entry.reason}")
    else:
        print(nps.value)
    return 0


def _fn(_: argparse.Namespace) -> int:
    from xpnet.adapters.krm import main as krm_main

    return krm_main()


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="xpnet",
        description="Correct, consistent HTTP(S) proxy settings for Crossplane installs.",
    )
    top.add_argument("--version", action="version", version=f"xpnet {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("noproxy", help="print the computed NO_PROXY value")
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="ClusterNetwork file")
    p.add_argument("--explain", action="store_true", help="one entry a line, with its reason")
    p.set_defaults(func=_noproxy)

    p = sub.add_parser("schema", help="print the ClusterNetwork JSON Schema")
    p.set_defaults(func=_schema)

    p = sub.add_parser("fn", help="run as a KRM function (ResourceList on stdin)")
    p.set_defaults(func=_fn)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except XpnetError as error:
        print(f"xpnet: {error.render()}", file=sys.stderr)
        return 1
