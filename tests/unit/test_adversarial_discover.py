"""`xpnet discover` under attack: the hostile files of tests/adversarial/discover/ (see the README
there), a fuzzer that puts every shape at every path of the saved objects it reads, the
secret-leak property, the wrong answers it must not give (a range too wide to stand for a
network, a password copied from an object), and a differential test against YAML as kubectl
reads it (sigs.k8s.io/yaml)."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.conftest import ROOT, require, tools
from xpnet.adapters import cli
from xpnet.config import load_config
from xpnet.yaml.nodes import compose, to_data

HERE = ROOT / "tests" / "adversarial" / "discover"
FIXTURES = ROOT / "tests" / "fixtures" / "discover"
PROXY = "http://proxy.corp.example:3128"
CASES = sorted(p for p in HERE.iterdir() if p.suffix in (".yaml", ".json"))
# Files that are well-formed: read as any other.
READABLE = {"bom.yaml", "crlf.yaml"}
# What stderr must say about a file (beyond its name).
EXPECT = {
    "node-spec-str.yaml": "Node/a spec: a scalar value where a mapping is expected",
    "node-spec-list.yaml": "Node/a spec: a list where a mapping is expected",
    "pod-cmd-str.yaml": "Pod/a spec.containers[0].command: a scalar value where a list of strings",
    "cm-data-list.yaml": "ConfigMap/a data: a list where a mapping is expected",
    "cm-networking-str.yaml": "data.c networking: a scalar value where a mapping is expected",
    "cc-networking-str.yaml": "ClusterConfiguration networking: a scalar value where a mapping",
    "ocp-proxy-list.yaml": "Proxy/cluster spec.httpsProxy: a list where a string is expected",
    "scidr-map.yaml": "ServiceCIDR/kubernetes spec.cidrs: a mapping where a list of strings",
    "vpc-str.json": "Vpcs[1]: a scalar value where a mapping is expected",
    "eks-str.json": "cluster.kubernetesNetworkConfig: a scalar value where a mapping",
    "gke-str.json": "ipAllocationPolicy: a scalar value where a mapping is expected",
    "json-true-podcidr.json": "Node/a spec.podCIDRs[1]: null where a string is expected",
    "duplicate-keys.json": "duplicate key 'kind'",
    "deep-array.json": "nests more than 200 levels",
    "deep-object.json": "nests more than 200 levels",
    "deep-yaml.yaml": "nests more than 200 levels",
    "alias-bomb.yaml": "expands to more than",
    "recursive-alias.yaml": "recursive anchor",
    "nonutf8.yaml": "not UTF-8",
    "empty.yaml": "holds no object",
    "comment.yaml": "holds no object",
    "wide-node-span.yaml": "0.0.0.0/0, too wide to stand for the pod network",
    "bad-cidr-with-password.yaml": "'http://***@10.0.0.0/8' is not a CIDR",
}
KUBEADM = FIXTURES / "kubeadm-config.yaml"


def discover(*argv: str) -> tuple[object, str, str]:
    """`xpnet discover ARGV` in this process: exit code, stdout, stderr (a traceback as text)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: object = cli.main(["discover", *argv])
        except SystemExit as exit:
            code = exit.code
        except Exception as error:  # reported as a failure with what it was
            code = f"Traceback: {type(error).__name__}: {error}"
    return code, out.getvalue(), err.getvalue()


def loaded(text: str) -> Any:
    return load_config(to_data(compose(text, "out"), "out"), "out")


# Hostile files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_a_hostile_file_is_refused_naming_file_object_and_field(path: Path) -> None:
    if path.name in READABLE:
        code, out, err = discover("--proxy", PROXY, str(path), str(KUBEADM))
        assert code == 0, err
        assert "10.244.0.0/16" in out and "covers the node's spec.podCIDRs" in out
        return
    code, out, err = discover("--proxy", PROXY, str(path))
    assert code == 1 and out == "", (code, err)
    assert "Traceback" not in err
    assert str(path) in err
    assert path.name not in EXPECT or EXPECT[path.name] in err, err
    assert "hunter2pw" not in err


def test_every_hostile_file_is_described() -> None:
    readme = (HERE / "README.md").read_text()
    assert set(EXPECT) | READABLE <= {p.name for p in CASES}
    assert "Wrong answers" in readme and "Secrets" in readme


# Shapes: every path of the saved objects discover reads, every shape --------------------------


@functools.cache
def _fixture_objects() -> list[tuple[str, Any]]:
    """The fixtures' objects as plain data, with the suffix they are saved under; read once,
    when a test draws from them."""
    out = []
    for path in sorted(FIXTURES.iterdir()):
        text = path.read_text()
        if path.suffix == ".json":
            out.append((".json", json.loads(text)))
        else:
            out += [(".yaml", d) for d in YAML(typ="safe").load_all(text) if d is not None]
    return out


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path in a tree, the root included."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from paths(value, (*prefix, i))


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = replaced(data[path[0]], path[1:], value)
    return copy


SHAPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(string.printable, max_size=20),
    st.just("x" * 100_000),
    st.just("10.244.0.0/16,fd00::/48"),
    st.just("http://user:hunter2pw@proxy.corp.example:3128"),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.integers()), max_size=3),
)


@st.composite
def mutated(draw: Any) -> tuple[str, Any]:
    suffix, data = draw(st.sampled_from(_fixture_objects()))
    every = list(paths(data))
    for _ in range(draw(st.integers(1, 3))):
        data = replaced(data, draw(st.sampled_from(every)), draw(SHAPES))
        every = list(paths(data))
    return suffix, data


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=mutated(), as_json=st.booleans())
def test_any_shape_at_any_path_gives_an_answer_or_a_clear_error(
    case: tuple[str, Any], as_json: bool, tmp_path: Path
) -> None:
    _, data = case
    path = tmp_path / f"saved{'.json' if as_json else '.yaml'}"
    if as_json:
        path.write_text(json.dumps(data))
    else:
        stream = io.StringIO()
        YAML(typ="safe").dump(data, stream)
        path.write_text(stream.getvalue())
    code, out, err = discover("--proxy", PROXY, str(path), str(KUBEADM))
    assert code in (0, 1), (code, err[-3000:])
    assert "Traceback" not in err
    assert "hunter2pw" not in err + out
    if code == 1:
        assert out == "" and str(path) in err + str(KUBEADM), err
    else:
        loaded(out)


def test_json_and_yaml_give_the_same_answer(tmp_path: Path) -> None:
    for path in sorted(FIXTURES.glob("*.yaml")):
        documents = [d for d in YAML(typ="safe").load_all(path.read_text()) if d is not None]
        as_json = tmp_path / f"{path.stem}.json"
        as_json.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": documents}))
        yaml_run = discover("--proxy", PROXY, str(path), str(KUBEADM))
        json_run = discover("--proxy", PROXY, str(as_json), str(KUBEADM))
        assert yaml_run[0] == json_run[0], (path, yaml_run[2], json_run[2])
        if yaml_run[0] == 0:
            assert loaded(yaml_run[1]) == loaded(json_run[1]), path


# Differential: YAML as kubectl reads it ------------------------------------------------------


def test_discover_reads_saved_yaml_as_kubectl_does(tmp_path: Path) -> None:
    """Each fixture and readable hostile file, read by sigs.k8s.io/yaml (what kubectl and the
    API server use) and given to discover as JSON, gives the answer the YAML gives."""
    from tests.goyaml import go_load

    binary = require(tools.goyaml_path(), "the sigs.k8s.io/yaml reader (tests/goyaml)")
    every = sorted(FIXTURES.glob("*.yaml")) + sorted(HERE.glob("*.yaml"))
    paths_ = [p for p in every if p.name != "nonutf8.yaml"]  # not text: nothing to compare
    texts = [p.read_text() for p in paths_]
    compared = 0
    for path, go in zip(paths_, go_load(texts, binary), strict=True):
        if isinstance(go, str):  # Go refuses it: so must discover
            assert discover("--proxy", PROXY, str(path))[0] == 1, path
            continue
        as_json = tmp_path / f"{path.stem}.json"
        as_json.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": go}))
        ours = discover("--proxy", PROXY, str(path), str(KUBEADM))
        theirs = discover("--proxy", PROXY, str(as_json), str(KUBEADM))
        assert ours[0] == theirs[0], (path, ours[2], theirs[2])
        if ours[0] == 0:
            assert loaded(ours[1]) == loaded(theirs[1]), path
            compared += 1
    assert compared >= 8


# Secrets ---------------------------------------------------------------------------------------

CORE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: crossplane, namespace: crossplane-system}
spec:
  selector: {matchLabels: {app: crossplane}}
  template:
    metadata: {labels: {app: crossplane}}
    spec:
      containers:
        - name: crossplane
          image: xpkg.crossplane.io/crossplane/crossplane:v1.20.1
          args: [core, start]
          env:
            - name: VAR
              value: URL
"""
OPENSHIFT = """\
apiVersion: config.openshift.io/v1
kind: Proxy
metadata: {name: cluster}
spec: {FIELD: URL}
"""
PASSWORD = st.text(string.ascii_letters + string.digits, min_size=10, max_size=14).filter(
    lambda p: any(c.isdigit() for c in p) and any(c.isalpha() for c in p)
)
URLS = [
    "http://bob:{p}@proxy.corp.example:3128",
    "bob:{p}@proxy.corp.example:3128",
    "http://{p}@proxy.corp.example:3128",
    "http://bob:{p}@proxy.corp.example:99999",
    "http://bob:{p}@proxy.corp.example:3128/path",
    "https://bob:{p}@proxy.corp.example:3128",
    "http://bob:{p}@",
]
PLACES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "NO_PROXY", "spec", "status", "--proxy"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    password=PASSWORD,
    url=st.sampled_from(URLS),
    place=st.sampled_from(PLACES),
    secret=st.booleans(),
    form=st.sampled_from(["clusternetwork", "configmap"]),
)
def test_a_password_is_never_in_diagnostics_nor_copied_from_an_object(
    password: str, url: str, place: str, secret: bool, form: str, tmp_path: Path
) -> None:
    url = url.format(p=password)
    files = [str(FIXTURES / "nodes.yaml"), str(KUBEADM)]
    argv = ["--format", form, *(["--credentials-secret", "proxy-creds"] if secret else [])]
    if place == "--proxy":
        argv += ["--proxy", url]
    elif place in ("spec", "status"):
        (tmp_path / "proxy.yaml").write_text(
            OPENSHIFT.replace("FIELD", "httpsProxy").replace("URL", json.dumps(url))
        )
        files.append(str(tmp_path / "proxy.yaml"))
    else:
        (tmp_path / "core.yaml").write_text(
            CORE.replace("VAR", place).replace("URL", json.dumps(url))
        )
        files.append(str(tmp_path / "core.yaml"))
        if place == "NO_PROXY":
            argv += ["--proxy", PROXY]
    code, out, err = discover(*argv, *files)
    assert code in (0, 1) and "Traceback" not in err, err
    assert password.lower() not in err.lower(), err
    if place == "--proxy" and not secret:  # typed by the user: written as given, once
        lines = [line for line in out.splitlines() if password in line]
        assert all(line.strip().startswith("httpsProxy:") for line in lines), out
    else:
        assert password not in out, out


def test_a_password_read_from_an_object_is_refused_or_left_to_a_secret(tmp_path: Path) -> None:
    core = tmp_path / "core.yaml"
    core.write_text(CORE.replace("VAR", "HTTPS_PROXY").replace("URL", "http://u:s3cretpw@p:3128"))
    files = [str(FIXTURES / "nodes.yaml"), str(KUBEADM), str(core)]
    code, out, err = discover(*files)
    assert code == 1 and out == ""
    assert "--credentials-secret NAME" in err and "env HTTPS_PROXY" in err
    code, out, err = discover("--credentials-secret", "proxy-creds", *files)
    assert code == 0, err
    got = loaded(out)
    assert got.spec.proxy.httpsProxy == "http://p:3128"
    assert tuple(got.spec.proxy.credentialsSecret) == ("proxy-creds", "username", "password")
    code, out, err = discover("--proxy", "http://me:typed9pw@p:3128", *files)
    assert code == 0 and "typed9pw" in out and "typed9pw" not in err
    assert "written into the configuration as you typed them" in err


def test_the_credentials_secret_form_of_an_install_is_read_back(tmp_path: Path) -> None:
    """An install that xpnet fix gave a credentialsSecret: the Secret is found again, so that a
    fix with the discovered config keeps the credentials (and never drops them)."""
    env = """\
            - name: XPNET_PROXY_USERNAME
              valueFrom: {secretKeyRef: {name: corp-proxy, key: user}}
            - name: XPNET_PROXY_PASSWORD
              valueFrom: {secretKeyRef: {name: corp-proxy, key: pass}}
            - name: HTTPS_PROXY
              value: http://$(XPNET_PROXY_USERNAME):$(XPNET_PROXY_PASSWORD)@p.corp:3128
"""
    core = tmp_path / "core.yaml"
    core.write_text(CORE.split("            - name: VAR")[0] + env)
    code, out, err = discover(str(FIXTURES / "nodes.yaml"), str(KUBEADM), str(core))
    assert code == 0, err
    got = loaded(out)
    assert got.spec.proxy.httpsProxy == "http://p.corp:3128"
    assert tuple(got.spec.proxy.credentialsSecret) == ("corp-proxy", "user", "pass")
    config = tmp_path / "xpnet.yaml"
    config.write_text(out)
    fixed = cli.main(["fix", "-c", str(config), str(core)])
    assert fixed == 0
    text = core.read_text()
    assert "secretKeyRef: {name: corp-proxy, key: pass}" in text
    assert "$(XPNET_PROXY_USERNAME):$(XPNET_PROXY_PASSWORD)@p.corp:3128" in text


# Wrong answers --------------------------------------------------------------------------------

NODE = """\
- apiVersion: v1
  kind: Node
  metadata: {{name: n{i}}}
  spec: {{podCIDR: {pods}}}
  status: {{addresses: [{{type: InternalIP, address: {ip}}}, {{type: ExternalIP, address: {ext}}}]}}
"""


def nodes(tmp_path: Path, *rows: tuple[str, str]) -> str:
    text = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        NODE.format(i=i, pods=pods, ip=ip, ext="203.0.113.9") for i, (pods, ip) in enumerate(rows)
    )
    path = tmp_path / "nodes.yaml"
    path.write_text(text)
    return str(path)


def test_a_range_past_one_private_block_is_unknown_never_guessed(tmp_path: Path) -> None:
    listed = nodes(tmp_path, ("10.244.0.0/24", "10.0.0.5"), ("10.244.1.0/24", "172.16.0.5"))
    code, out, err = discover("--proxy", PROXY, listed, str(KUBEADM))
    assert code == 0, err  # the node range is optional: left out, and said so
    got = loaded(out)
    assert list(got.spec.cluster.nodeCIDRs) == []
    assert "nodeCIDRs left out" in err and "0.0.0.0/0" in err
    assert "Node/n1 status.addresses[type=InternalIP]" in err
    listed = nodes(tmp_path, ("10.244.0.0/24", "10.0.0.5"), ("192.168.1.0/24", "10.0.0.6"))
    code, out, err = discover("--proxy", PROXY, listed, str(FIXTURES / "servicecidrs.yaml"))
    assert code == 1 and "0.0.0.0/0, too wide to stand for the pod network" in err


def test_public_node_addresses_in_one_16_give_an_approximate_range(tmp_path: Path) -> None:
    listed = nodes(tmp_path, ("10.244.0.0/24", "34.89.1.5"), ("10.244.1.0/24", "34.89.7.9"))
    code, out, err = discover("--proxy", PROXY, listed, str(KUBEADM))
    assert code == 0, err
    assert list(loaded(out).spec.cluster.nodeCIDRs) == ["34.89.0.0/21"]
    assert "203.0.113" not in out  # ExternalIPs are not where pods reach nodes


def test_a_node_range_across_two_adjacent_pod_ranges_is_inside(tmp_path: Path) -> None:
    kube_proxy = tmp_path / "kube-proxy.yaml"
    kube_proxy.write_text(
        "kind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/25,10.244.0.128/25\n"
    )
    listed = nodes(tmp_path, ("10.244.0.0/24", "10.0.0.5"))
    code, out, err = discover(
        "--proxy", PROXY, listed, str(kube_proxy), str(FIXTURES / "servicecidrs.yaml")
    )
    assert code == 0, err
    assert list(loaded(out).spec.cluster.podCIDRs) == ["10.244.0.0/25", "10.244.0.128/25"]


def test_many_disagreeing_nodes_give_one_short_problem(tmp_path: Path) -> None:
    rows = [(f"10.50.{i}.0/24", f"10.0.0.{i}") for i in range(200)]
    code, _, err = discover("--proxy", PROXY, nodes(tmp_path, *rows), str(KUBEADM))
    assert code == 1
    problems = [line for line in err.splitlines() if "outside the pod network" in line]
    assert len(problems) == 1 and "and those of 190 more" in problems[0]
    assert len(problems[0]) < 3000
