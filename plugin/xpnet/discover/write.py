"""The discovered ClusterNetwork (or its ConfigMap form) written as text with a comment per value
saying where it came from, then read back as xpnet reads a config and compared value by value.
Pure: no file is opened."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Literal

from xpnet.config import API_VERSION, CONFIGMAP_KEYS, KIND, ClusterNetwork, load_config
from xpnet.credentials import scrub
from xpnet.discover.resolve import LISTS, Spec
from xpnet.errors import ConfigError, InputError
from xpnet.yaml.nodes import compose, to_data

Format = Literal["clusternetwork", "configmap"]
FORMATS: tuple[Format, ...] = ("clusternetwork", "configmap")

# Where the ConfigMap form keeps the parts of spec.proxy.credentialsSecret.
_SECRET_KEYS = ("credentialsSecret", "credentialsUsernameKey", "credentialsPasswordKey")


def _scalar(text: str) -> str:
    plain = re.fullmatch(r"[A-Za-z0-9./_-][A-Za-z0-9./:_@$()-]*", text)
    risky = re.fullmatch(r"[-+0-9.:_]+|true|false|null|yes|no|on|off|y|n|~", text, re.I)
    return text if plain and not risky else json.dumps(text)


def _comment(lines: Iterable[str], indent: str) -> list[str]:
    """Comment lines of at most 100 characters where the words allow (a path is not broken).
    Names and keys read from objects are in them: credentials there are masked as in messages."""
    out = []
    for line in lines:
        lead = "  " if line.startswith("  ") else ""
        out += textwrap.wrap(
            scrub(line.strip()),
            width=100,
            initial_indent=f"{indent}# {lead}",
            subsequent_indent=f"{indent}#   {lead}",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return out


def _clusternetwork(spec: Spec, name: str, header: Sequence[str]) -> str:
    out = _comment(header, "")
    out += [
        f"apiVersion: {API_VERSION}",
        f"kind: {KIND}",
        "metadata:",
        f"  name: {_scalar(name)}",
        "spec:",
    ]
    for section, values in (
        ("proxy", spec.proxy),
        ("cluster", spec.cluster),
        ("crossplane", spec.crossplane),
    ):
        out.append(f"  {section}:")
        for key, value in values.items():
            out += _comment(value.reasons, "    ")
            if key in LISTS:
                out.append(f"    {key}:")
                out += [f"      - {_scalar(item)}" for item in value.items]
            elif key == "credentialsSecret":
                secret, user, password = value.items
                out += [
                    f"    {key}:",
                    f"      name: {_scalar(secret)}",
                    f"      usernameKey: {_scalar(user)}",
                    f"      passwordKey: {_scalar(password)}",
                ]
            else:
                out.append(f"    {key}: {_scalar(value.items[0])}")
    if "caBundle" in spec.trust:
        value = spec.trust["caBundle"]
        kind, bundle, key = value.items
        out += ["  trust:", *_comment(value.reasons, "    "), "    caBundle:"]
        out += [
            f"      {kind}Ref:",
            f"        name: {_scalar(bundle)}",
            f"        key: {_scalar(key)}",
        ]
    return "\n".join(out) + "\n"


def _configmap_form(spec: Spec, name: str, header: Sequence[str]) -> str:
    out = _comment(header, "")
    out += ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {_scalar(name)}", "data:"]
    for values in (spec.proxy, spec.cluster, spec.crossplane):
        for key, value in values.items():
            assert key in CONFIGMAP_KEYS, key
            out += _comment(value.reasons, "  ")
            if key == "credentialsSecret":
                pairs = zip(_SECRET_KEYS, value.items, strict=True)
                out += [f"  {k}: {json.dumps(v)}" for k, v in pairs]
            else:
                out.append(f"  {key}: {json.dumps(','.join(value.items))}")
    if "caBundle" in spec.trust:
        value = spec.trust["caBundle"]
        kind, bundle, key = value.items
        out += _comment(value.reasons, "  ")
        name_key = "caBundleConfigMap" if kind == "configMap" else "caBundleSecret"
        out += [f"  {name_key}: {json.dumps(bundle)}", f"  caBundleKey: {json.dumps(key)}"]
    return "\n".join(out) + "\n"


def document(spec: Spec, name: str, form: Format, files: Sequence[str]) -> str:
    """The text of `spec` in the form asked for, under a header naming the files read."""
    header = (
        f"xpnet discover: the ClusterNetwork that {', '.join(dict.fromkeys(files)) or 'nothing'} "
        "describe (read offline: xpnet connected to nothing).",
        "Each value's source is in the comment above it; check those marked GUESS or "
        "APPROXIMATE before you use it.",
    )
    write = _clusternetwork if form == "clusternetwork" else _configmap_form
    return write(spec, name, header)


_PATHS = {
    "httpsProxy": "spec.proxy.httpsProxy",
    "httpProxy": "spec.proxy.httpProxy",
    "noProxy": "spec.proxy.noProxy",
    "credentialsSecret": "spec.proxy.credentialsSecret",
    "podCIDRs": "spec.cluster.podCIDRs",
    "serviceCIDRs": "spec.cluster.serviceCIDRs",
    "nodeCIDRs": "spec.cluster.nodeCIDRs",
    "domain": "spec.cluster.domain",
    "cloud": "spec.cluster.cloud",
    "apiServerAddresses": "spec.cluster.apiServerAddresses",
    "namespace": "spec.crossplane.namespace",
    "version": "spec.crossplane.version",
    "caBundle": "spec.trust.caBundle",
}


def verify(text: str, spec: Spec) -> list[str]:
    """Read the written text back as xpnet reads a config and compare every value; the
    problems say which value was refused and where it came from."""
    source = "the discovered configuration"
    try:
        config = load_config(to_data(compose(text, source), source), source)
    except (ConfigError, InputError) as error:
        every = {**spec.proxy, **spec.cluster, **spec.crossplane, **spec.trust}
        problems = []
        for problem in error.problems:
            keys = [k for k in every if re.search(rf"\b{k}\b", problem)]
            origins = "; ".join(r for k in keys for r in every[k].reasons if r.startswith("from"))
            problems.append(
                f"xpnet would refuse what discover found: {problem}"
                + (f" ({origins}); correct the source or give --proxy URL" if origins else "")
            )
        return problems
    found = {
        "httpsProxy": config.spec.proxy.httpsProxy,
        "httpProxy": config.spec.proxy.httpProxy,
        "noProxy": config.spec.proxy.noProxy,
        "credentialsSecret": tuple(config.spec.proxy.credentialsSecret or ()),
        "podCIDRs": config.spec.cluster.podCIDRs,
        "serviceCIDRs": config.spec.cluster.serviceCIDRs,
        "nodeCIDRs": config.spec.cluster.nodeCIDRs,
        "domain": config.spec.cluster.domain,
        "cloud": config.spec.cluster.cloud,
        "apiServerAddresses": config.spec.cluster.apiServerAddresses,
        "namespace": config.spec.crossplane.namespace,
        "version": config.spec.crossplane.version,
        "caBundle": _bundle_read_back(config),
    }
    problems = []
    for key, value in {**spec.proxy, **spec.cluster, **spec.crossplane, **spec.trust}.items():
        read_back = found[key]
        got = list(read_back) if isinstance(read_back, list | tuple) else [read_back]
        if got != list(value.items):
            problems.append(
                f"{_PATHS[key]}: written as {', '.join(value.items)} but read back as "
                f"{', '.join(map(str, got))}; this is a bug in xpnet discover: please report it"
            )
    return problems


def _bundle_read_back(config: ClusterNetwork) -> tuple[str, ...]:
    bundle = config.spec.trust.caBundle if config.spec.trust else None
    if bundle is None:
        return ()
    if bundle.configMapRef is not None:
        return ("configMap", bundle.configMapRef.name, bundle.configMapRef.key)
    assert bundle.secretRef is not None  # the model takes exactly one
    return ("secret", bundle.secretRef.name, bundle.secretRef.key)
