"""Coverage-guided fuzzing of xpnet's readers with atheris (not part of the test suite).

    scripts/fuzz [yaml|krm|noproxy|config|credentials] [SECONDS]

Each target feeds arbitrary bytes to one reader; anything but success or an XpnetError (a
refusal with a message) is a crash that atheris reports with the input that caused it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from xpnet import credentials, noproxy
    from xpnet.adapters.krm import transform
    from xpnet.adapters.streams import run_streams
    from xpnet.config import load_config
    from xpnet.errors import XpnetError
    from xpnet.runtimes.go import no_proxy_match
    from xpnet.yaml import stream
    from xpnet.yaml.nodes import compose, to_data

ROOT = Path(__file__).resolve().parent.parent
CONFIG = load_config(
    {
        "apiVersion": "xpnet.dev/v1alpha1",
        "kind": "ClusterNetwork",
        "metadata": {"name": "fuzz"},
        "spec": {
            "proxy": {"httpsProxy": "http://proxy:3128"},
            "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
        },
    },
    "fuzz",
)


def yaml_target(data: bytes) -> None:
    try:
        text, bom = stream.decode("fuzz", data)
        run_streams(CONFIG, [stream.Source("fuzz", text, bom)])
    except XpnetError:
        pass


def krm_target(data: bytes) -> None:
    try:
        transform(data.decode("utf-8"))
    except (XpnetError, UnicodeDecodeError):
        pass


def noproxy_target(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    value = fdp.ConsumeUnicodeNoSurrogates(200)
    host = fdp.ConsumeUnicodeNoSurrogates(60)
    for entry in noproxy.split(value):
        noproxy.go_cannot_use(entry)
    no_proxy_match(value, host, str(fdp.ConsumeIntInRange(0, 70000)))


def config_target(data: bytes) -> None:
    try:
        text, _ = stream.decode("fuzz", data)
        load_config(to_data(compose(text, "fuzz"), "fuzz"), "fuzz")
    except XpnetError:
        pass


def credentials_target(data: bytes) -> None:
    """The proxy URL credentials reader: any text is read, and redacting twice is redacting."""
    fdp = atheris.FuzzedDataProvider(data)
    url = fdp.ConsumeUnicodeNoSurrogates(200)
    message = fdp.ConsumeUnicodeNoSurrogates(200)
    credentials.forget()
    credentials.remember([url, {url: message}])
    redacted = credentials.redact(url)
    assert credentials.redact(redacted) == redacted
    credentials.inline(url)
    credentials.ambiguous(url)
    scrubbed = credentials.scrub(message)
    assert credentials.scrub(scrubbed) == scrubbed


TARGETS = {
    "yaml": yaml_target,
    "krm": krm_target,
    "noproxy": noproxy_target,
    "config": config_target,
    "credentials": credentials_target,
}


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in TARGETS else "yaml"
    args = [sys.argv[0], *sys.argv[2:]]
    atheris.Setup(args, TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
