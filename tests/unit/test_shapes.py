"""Shapes: no traceback on any shape of any field xpnet reads, through every entry point. Real
documents (tests/cases/*/input.yaml, the examples' manifests and chart values) get the value at
a path the install reader touches (labels, selectors, containers, env, image, args, volumes,
runtime configs' deploymentTemplate, ControllerConfig env, annotations, chart values, the
configuration's fields and its ConfigMap form's data) replaced by null, a scalar, a number, a
bool, a list, a mapping or a very long string. Every command then answers (exit 0) or refuses
(exit 1) naming the file, and fix run on its own output changes nothing.

XPNET_SHAPE_EXAMPLES=2000 searches harder; regressions found here live in
tests/adversarial/shapes/ and run in test_a_found_shape_is_answered_or_refused."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.conftest import ROOT
from tests.resource_lists import wrap

CASES = ROOT / "tests" / "cases"
EXAMPLES = ROOT / "examples"
FOUND = ROOT / "tests" / "adversarial" / "shapes"
PROXY = "http://proxy.corp.example:3128"
KUBEADM = ROOT / "tests" / "fixtures" / "discover" / "kubeadm-config.yaml"  # for discover


def _load_all(path: Path) -> list[Any]:
    return [
        d for d in YAML(typ="safe", pure=True).load_all(path.read_text()) if isinstance(d, dict)
    ]


@functools.cache
def _corpus() -> list[tuple[list[Any], Any]]:
    """(the documents of one input, its configuration) from the golden cases and examples;
    read once, when a test draws from them."""
    out = []
    for case in sorted(CASES.iterdir()):
        if (case / "input.yaml").exists() and (case / "config.yaml").exists():
            config = _load_all(case / "config.yaml")
            docs = _load_all(case / "input.yaml")
            if config and docs:
                out.append((docs, config[0]))
    for folder in sorted(EXAMPLES.iterdir()):
        config_path = folder / "xpnet.yaml"
        if not config_path.exists():
            continue
        config = _load_all(config_path)
        for name in ("crossplane.yaml", "helmrelease.yaml", "application.yaml"):
            if (folder / name).exists() and config:
                out.append((_load_all(folder / name), config[0]))
    return out


# Paths the readers touch that real documents may not have: (kind, path); `*` is any item.
POD = ("spec", "template", "spec")
RUNTIME_POD = ("spec", "deploymentTemplate", "spec", "template", "spec")
TOUCHED: list[tuple[str | None, tuple[str | int, ...]]] = [
    (None, ()),
    (None, ("metadata",)),
    (None, ("metadata", "name")),
    (None, ("metadata", "namespace")),
    (None, ("metadata", "labels")),
    (None, ("metadata", "annotations")),
    (None, ("metadata", "annotations", "xpnet.dev/skip")),
    (None, ("metadata", "annotations", "xpnet.dev/extra-no-proxy")),
    (None, ("metadata", "annotations", "xpnet.dev/runtime")),
    (None, ("kind",)),
    (None, ("apiVersion",)),
    (None, ("spec",)),
    ("Deployment", ("spec", "selector")),
    ("Deployment", ("spec", "selector", "matchLabels")),
    ("Deployment", ("spec", "template")),
    ("Deployment", ("spec", "template", "metadata", "labels")),
    ("Deployment", POD),
    ("Deployment", (*POD, "containers")),
    ("Deployment", (*POD, "initContainers")),
    ("Deployment", (*POD, "volumes")),
    ("Deployment", (*POD, "hostNetwork")),
    ("Deployment", (*POD, "dnsPolicy")),
    ("Deployment", (*POD, "containers", 0)),
    ("Deployment", (*POD, "containers", 0, "env")),
    ("Deployment", (*POD, "containers", 0, "env", 0)),
    ("Deployment", (*POD, "containers", 0, "env", 0, "name")),
    ("Deployment", (*POD, "containers", 0, "env", 0, "value")),
    ("Deployment", (*POD, "containers", 0, "env", 0, "valueFrom")),
    ("Deployment", (*POD, "containers", 0, "image")),
    ("Deployment", (*POD, "containers", 0, "args")),
    ("Deployment", (*POD, "containers", 0, "command")),
    ("Deployment", (*POD, "containers", 0, "name")),
    ("Deployment", (*POD, "containers", 0, "volumeMounts")),
    ("Deployment", (*POD, "containers", 0, "envFrom")),
    ("Deployment", (*POD, "initContainers", 0, "env")),
    ("DeploymentRuntimeConfig", ("spec", "deploymentTemplate")),
    ("DeploymentRuntimeConfig", ("spec", "deploymentTemplate", "spec")),
    ("DeploymentRuntimeConfig", ("spec", "deploymentTemplate", "spec", "selector")),
    ("DeploymentRuntimeConfig", ("spec", "deploymentTemplate", "spec", "template")),
    ("DeploymentRuntimeConfig", RUNTIME_POD),
    ("DeploymentRuntimeConfig", (*RUNTIME_POD, "containers")),
    ("DeploymentRuntimeConfig", (*RUNTIME_POD, "containers", 0)),
    ("DeploymentRuntimeConfig", (*RUNTIME_POD, "containers", 0, "env")),
    ("DeploymentRuntimeConfig", (*RUNTIME_POD, "containers", 0, "name")),
    ("DeploymentRuntimeConfig", (*RUNTIME_POD, "volumes")),
    ("DeploymentRuntimeConfig", (*RUNTIME_POD, "containers", 0, "volumeMounts")),
    ("DeploymentRuntimeConfig", ("spec", "serviceTemplate")),
    ("ControllerConfig", ("spec", "env")),
    ("ControllerConfig", ("spec", "env", 0)),
    ("HelmRelease", ("spec", "values")),
    ("HelmRelease", ("spec", "values", "extraEnvVarsCrossplane")),
    ("HelmRelease", ("spec", "chart", "spec", "version")),
    ("HelmRelease", ("spec", "targetNamespace")),
    ("Application", ("spec", "source", "helm", "values")),
    ("Application", ("spec", "source", "helm", "valuesObject")),
    ("Application", ("spec", "source", "targetRevision")),
    ("Application", ("spec", "destination", "namespace")),
]
# The configuration: the ClusterNetwork's fields, or the ConfigMap form's data.
CONFIG_TOUCHED: list[tuple[str | int, ...]] = [
    ("metadata",),
    ("metadata", "name"),
    ("spec",),
    ("spec", "proxy"),
    ("spec", "proxy", "httpsProxy"),
    ("spec", "proxy", "noProxy"),
    ("spec", "cluster"),
    ("spec", "cluster", "podCIDRs"),
    ("spec", "crossplane"),
    ("spec", "crossplane", "version"),
    ("spec", "networkPolicy"),
    ("data",),
    ("data", "httpsProxy"),
    ("data", "noProxy"),
    ("data", "podCIDRs"),
    ("data", "networkPolicy"),
    ("data", "caBundleComplete"),
]

LONG = "x" * 200_000
SHAPES = st.one_of(
    st.sampled_from([None, "", "x", "null", "~", "true", "0", "-", "*", LONG]),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(
        st.sampled_from(["name", "value", "a", "matchLabels", "env"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=4), st.lists(st.none(), max_size=1)),
        max_size=3,
    ),
    st.just([{"name": "HTTPS_PROXY", "value": 5}]),
    st.just([{"name": ["a"]}]),
    st.just({"name": "crossplane"}),
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from paths(value, (*prefix, i))


def put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of data with `value` at `path`, creating mappings (and list items) on the way."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(key, int):
        items = list(data) if isinstance(data, list) else []
        while len(items) <= key:
            items.append({})
        items[key] = put(items[key], rest, value)
        return items
    mapping = dict(data) if isinstance(data, dict) else {}
    mapping[key] = put(mapping.get(key), rest, value)
    return mapping


@st.composite
def inputs(draw: Any) -> tuple[list[Any], Any]:
    docs, config = draw(st.sampled_from(_corpus()))
    docs = list(docs)
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 5)) == 0:  # the configuration, now and then
            config = put(config, draw(st.sampled_from(CONFIG_TOUCHED)), draw(SHAPES))
            continue
        i = draw(st.integers(0, len(docs) - 1))
        kind = docs[i].get("kind") if isinstance(docs[i], dict) else None
        touched = [p for k, p in TOUCHED if k in (None, kind)]
        if draw(st.booleans()):
            path = draw(st.sampled_from(touched))
        else:
            path = draw(st.sampled_from(list(paths(docs[i]))))
        docs[i] = put(docs[i], path, draw(SHAPES))
    return docs, config


def dump(docs: list[Any]) -> str:
    out = io.StringIO()
    yaml = YAML(typ="safe")
    yaml.width = 4096
    yaml.dump_all(docs, out)
    return out.getvalue()


class Run:
    """One entry point's answer: exit code, stdout, stderr (or results)."""

    def __init__(self, what: str, code: object, out: str, err: str) -> None:
        self.what, self.code, self.out, self.err = what, code, out, err

    def problem(self, names: tuple[str, ...]) -> str | None:
        if "Traceback" in self.err or self.code not in (0, 1):
            return f"{self.what}: exit {self.code}\n{self.err[-4000:]}"
        said = self.err + (self.out if self.what == "check" else "")  # check's findings
        if self.code == 1 and not any(n in said for n in names):
            return f"{self.what}: exit 1 names none of {names}:\n{self.err[-2000:]}"
        return None


def _captured(what: str, main: Callable[[], object], stdin: bytes = b"") -> Run:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    try:
        try:
            code = main()
        except SystemExit as exit:
            code = exit.code
        except Exception as error:
            import traceback

            code = "Traceback"
            err.write("Traceback\n" + "".join(traceback.format_exception(error)))
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    out.flush()
    buffer = out.buffer
    assert isinstance(buffer, io.BytesIO)
    return Run(what, code, buffer.getvalue().decode("utf-8"), err.getvalue())


def entry_points(tmp: Path, manifests: str, config: str) -> Iterator[Run]:
    """Every entry point that reads manifests and a configuration, in this process."""
    from xpnet.adapters import cli, helm, krm

    (tmp / "in.yaml").write_text(manifests)
    (tmp / "xpnet.yaml").write_text(config)
    c, f = str(tmp / "xpnet.yaml"), str(tmp / "in.yaml")

    def xpnet(*argv: str, stdin: bytes = b"") -> Run:
        return _captured(" ".join(argv[:1]), lambda: cli.main(list(argv)), stdin)

    for form in ("text", "json"):
        yield xpnet("check", "-o", form, "-c", c, f)
    yield xpnet("explain", "-c", c, f)
    yield xpnet("noproxy", "-c", c)
    yield xpnet("values", "-c", c)
    yield xpnet("patch", "-c", c, f)
    yield xpnet("netpol", "-c", c, f)
    yield xpnet("discover", "--proxy", PROXY, f, str(KUBEADM))
    yield xpnet("render", "-c", c, stdin=manifests.encode())
    fixed = xpnet("fix", "-c", c, f)
    yield fixed
    if fixed.code == 0:  # a run on fix's own output changes nothing
        first = (tmp / "in.yaml").read_text()
        again = xpnet("fix", "-c", c, f)
        yield again
        if again.code != 0 or (tmp / "in.yaml").read_text() != first:
            yield Run("fix (second run)", "changed", "", again.err + "\nthe second run changed")
    resource_list = wrap(manifests, config)
    run = _captured("xpnet-fn", lambda: krm.main((), resource_list.encode()))
    items, _, results = run.out.partition("\nresults:\n")
    yield Run("xpnet-fn", run.code, items, run.err + results)
    if run.code == 0 and items.strip():  # the function on its own answer changes no item
        again = _captured("xpnet-fn", lambda: krm.main((), run.out.encode()))
        second = again.out.partition("\nresults:\n")[0]
        if again.code != 0 or second.rstrip("\n") != items.rstrip("\n"):
            yield Run("xpnet-fn (second run)", "changed", "", again.err + "\nitems changed")
    stream = "".join(f"---\n# Source: crossplane/templates/x.yaml\n{d}" for d in _docs(manifests))
    os.environ["XPNET_LOG_FILE"] = str(tmp / "helm.log")  # not the user's log
    try:
        helm_run = _captured("xpnet-helm", lambda: helm.main([f"--config={c}"], stream.encode()))
        yield helm_run
        if helm_run.code == 0 and helm_run.out.strip():  # and the post-renderer on its own
            again = _captured(
                "xpnet-helm", lambda: helm.main([f"--config={c}"], helm_run.out.encode())
            )
            if again.code != 0 or again.out != helm_run.out:
                yield Run("xpnet-helm (second run)", "changed", "", again.err + "\nchanged")
    finally:
        del os.environ["XPNET_LOG_FILE"]


def _docs(stream: str) -> list[str]:
    return [d for d in re.split(r"^---[ \t]*\n", stream, flags=re.M) if d.strip()]


# A refusal that names no file still names where: the configuration's field, an item, the
# line of standard input (render and the post-renderer read the stream there).
FIELDS = (
    "-: line ",
    "spec.",
    "data.",
    "metadata",
    "items[",
    "ResourceList",
    "functionConfig",
    "ClusterNetwork",
)


def check_all(tmp: Path, docs: list[Any], config: Any) -> list[str]:
    manifests, config_text = dump(docs), dump([config])
    names = (str(tmp / "in.yaml"), str(tmp / "xpnet.yaml"), "stdin", "templates/x.yaml")
    for d in docs:
        metadata = d.get("metadata") if isinstance(d, dict) else None
        if isinstance(metadata, dict):
            kind, name = d.get("kind"), metadata.get("name")
            names += (f"{kind}/{name}", f"{kind}/{metadata.get('namespace')}/{name}")
    found = []
    for run in entry_points(tmp, manifests, config_text):
        problem = run.problem((*names, *FIELDS))
        if problem:
            found.append(problem)
    return found


@settings(
    max_examples=int(os.environ.get("XPNET_SHAPE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=inputs())
def test_any_shape_at_any_path_through_every_entry_point(
    case: tuple[list[Any], Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    docs, config = case
    tmp = tmp_path_factory.mktemp("shape")
    found = check_all(tmp, docs, config)
    assert not found, "\n".join(found) + "\n\ninput:\n" + json.dumps([docs, config])[:3000]


FOUND_CASES = sorted(FOUND.glob("*.yaml")) if FOUND.is_dir() else []


@pytest.mark.parametrize("case", FOUND_CASES, ids=[c.stem for c in FOUND_CASES])
def test_a_found_shape_is_answered_or_refused(case: Path, tmp_path: Path) -> None:
    """Each file: the manifests, then a document holding the configuration under `config:`."""
    docs = _load_all(case)
    config = docs[-1]["config"]
    found = check_all(tmp_path, docs[:-1], config)
    assert not found, "\n".join(found)


def test_the_corpus_covers_every_kind_the_reader_reads() -> None:
    kinds = {d.get("kind") for docs, _ in _corpus() for d in docs}
    assert {"Deployment", "DeploymentRuntimeConfig", "ControllerConfig"} <= kinds
    assert {"HelmRelease", "Application"} <= kinds
    forms = {c.get("kind") for _, c in _corpus()}
    assert {"ClusterNetwork", "ConfigMap"} <= forms
    with contextlib.suppress(FileNotFoundError):
        assert all(p.suffix == ".yaml" for p in FOUND.iterdir() if p.name != "README.md")
