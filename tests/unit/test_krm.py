"""The KRM function adapter: ResourceList in, ResourceList out, errors readable, exit codes."""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import BIN_DIR, ROOT
from tests.resource_lists import transform, wrap
from xpnet import __version__
from xpnet.adapters import console, krm
from xpnet.errors import InputError
from xpnet.yaml import nodes

FN = BIN_DIR / "xpnet-fn"
CASE = ROOT / "tests" / "cases" / "chart-indentation"


@functools.cache
def config() -> str:
    """The golden case's ClusterNetwork, read once, when a test needs it."""
    return (CASE / "config.yaml").read_text()


@functools.cache
def install() -> str:
    """The golden case's rendered chart."""
    return (CASE / "input.yaml").read_text()


def fn(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(FN)], input=stdin, capture_output=True, timeout=60)


def load(text: str) -> dict:  # type: ignore[type-arg]
    data = YAML(typ="safe", pure=True).load(text)
    assert isinstance(data, dict)
    return data


def test_results_name_each_change_with_resource_and_field() -> None:
    out = load(transform(wrap(install(), config())).stdout)
    infos = [r for r in out["results"] if r["severity"] == "info"]
    assert {r["resourceRef"]["name"] for r in infos} == {"crossplane", "crossplane-rbac-manager"}
    core_init = next(r for r in infos if "crossplane-init" in r["field"]["path"])
    assert core_init["resourceRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "crossplane",
        "namespace": "crossplane-system",
    }
    assert (
        core_init["field"]["path"] == "spec.template.spec.initContainers[name=crossplane-init].env"
    )
    assert core_init["message"].startswith("container crossplane-init: set HTTP_PROXY, HTTPS_PROXY")


def test_annotations_and_untouched_items_are_kept_byte_for_byte() -> None:
    items = (
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    annotations:\n"
        "      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: a.yaml\n"
        "      config.k8s.io/id: '1'\n    name: x\n  data:\n    k: |\n      - a\n      b: c\n"
    )
    text = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        + items
        + "functionConfig:\n"
        + "".join("  " + line + "\n" for line in config().splitlines())
    )
    response = transform(text)
    assert response.code == 0
    body, results = response.stdout.split("results:\n")
    assert body == text  # nothing to do: the same bytes, and a result that says so
    assert "no Crossplane resources found" in results and "severity: info" in results


def test_no_anchors_in_the_output() -> None:
    out = transform(wrap(install(), config())).stdout
    assert "&" not in out.replace("&&", "") and "*" not in out


def test_invalid_config_fails_with_field_path_and_no_change() -> None:
    bad = config().replace("10.244.0.0/16", "10.244.0.0/33")
    done = fn(wrap(install(), bad).encode())
    assert done.returncode == 1
    stderr = done.stderr.decode()
    assert "functionConfig corp: spec.cluster.podCIDRs[0]: '10.244.0.0/33' is not a valid" in stderr
    assert "Traceback" not in stderr
    out = load(done.stdout.decode())
    assert out["results"][0]["severity"] == "error"
    assert "http://old-proxy:3128" in done.stdout.decode(), "items pass through unchanged"


def test_missing_function_config() -> None:
    done = fn(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n")
    assert done.returncode == 1
    assert b"no functionConfig" in done.stderr


def test_malformed_item_is_refused_with_line_and_column() -> None:
    broken = install().replace("        - core\n", "        - [core\n", 1)
    assert broken != install()
    text = wrap(broken, config())
    done = fn(text.encode())
    assert done.returncode == 1
    assert b"items[0]: line " in done.stderr and b"column" in done.stderr
    assert b"Traceback" not in done.stderr


def test_duplicate_env_names_are_refused() -> None:
    dup = install().replace(
        "          - name: HTTPS_PROXY\n",
        "          - name: HTTPS_PROXY\n            value: x\n          - name: HTTPS_PROXY\n",
        1,
    )
    done = fn(wrap(dup, config()).encode())
    assert done.returncode == 1
    assert b"env variable HTTPS_PROXY is set twice" in done.stderr


def test_non_utf8_input() -> None:
    done = fn(b"kind: ResourceList\nitems: []\n# \xff\n")
    assert done.returncode == 1
    assert b"not UTF-8" in done.stderr


def test_json_resource_list_takes_the_sure_path() -> None:
    data = load(wrap(install(), config()))
    done = fn(json.dumps(data).encode())
    assert done.returncode == 0, done.stderr
    out = load(done.stdout.decode())
    core = out["items"][0]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in core["env"]}
    assert env["NO_PROXY"] == env["no_proxy"] and "10.244.0.0/16" in env["NO_PROXY"]


@pytest.mark.slow
def test_module_entry_points(tmp_path: Path) -> None:
    text = wrap(install(), config()).encode()
    via_module = subprocess.run(
        [str(BIN_DIR / "python"), "-m", "xpnet", "fn"],
        input=text,
        capture_output=True,
        timeout=60,
    )
    assert via_module.returncode == 0
    assert via_module.stdout == fn(text).stdout


@pytest.mark.parametrize("pure", [False, True])
def test_env_shared_through_an_anchor_is_refused_naming_it(
    pure: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\nspec:\n"
        "  template:\n    spec:\n      initContainers:\n      - name: init\n"
        "        env: &common\n        - name: HTTPS_PROXY\n          value: http://p:1\n"
        "      containers:\n      - name: crossplane\n        args: [core, start]\n"
        "        env: *common\n"
    )
    monkeypatch.setattr(nodes, "PURE", pure)
    with pytest.raises(InputError, match="is shared through the YAML anchor &common") as raised:
        transform(wrap(shared, config()))
    assert "write it out here instead of using the alias" in str(raised.value)


class NoStdin:
    """Fails the test if the program reads stdin."""

    @property
    def buffer(self) -> io.BytesIO:
        raise AssertionError("stdin was read")


def run_entry(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """The console script in process: `os._exit` raises instead of ending pytest."""

    def leave(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(sys, "argv", ["xpnet-fn", *args])
    monkeypatch.setattr(sys, "stdin", NoStdin())
    monkeypatch.setattr(console.os, "_exit", leave)
    with pytest.raises(SystemExit) as done:
        krm.entry()
    out, err = capsys.readouterr()
    assert isinstance(done.value.code, int)
    return done.value.code, out, err


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_says_what_it_is_how_it_is_called_and_its_exit_codes(
    flag: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_entry([flag], monkeypatch, capsys)
    assert (code, err) == (0, "")
    assert out.startswith("usage: xpnet-fn [-h] [--version]\n\nxpnet's KRM function: ")
    assert "a ResourceList on stdin" in out
    assert "kustomize build --enable-alpha-plugins --enable-exec DIR" in out
    assert 'config.kubernetes.io/function: "exec: {path: xpnet-fn}"' in out
    codes = out[out.index("exit codes:\n") :].splitlines()[1:]
    assert [line.split()[0] for line in codes] == ["0", "1", "2"]


def test_version(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_entry(["--version"], monkeypatch, capsys)
    assert (code, out, err) == (0, f"xpnet-fn {__version__}\n", "")
    assert __version__ == version("xpnet") == "0.1.0"


def test_any_other_argument_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_entry(["--config=xpnet.yaml"], monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err.endswith("xpnet-fn: error: unrecognized arguments: --config=xpnet.yaml\n")


def test_without_arguments_it_reads_the_resource_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What kustomize and kpt do (and `xpnet fn`, which calls main() as it is)."""
    stdin = io.TextIOWrapper(io.BytesIO(wrap(install(), config()).encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert krm.main() == 0
    assert capsys.readouterr().out == transform(wrap(install(), config())).stdout


STARTUP = """
import sys
from tests.resource_lists import transform
transform(sys.stdin.read())
heavy = ("pydantic", "netaddr", "dataclasses", "inspect", "argparse", "hashlib", "tempfile")
print(" ".join(m for m in heavy if m in sys.modules) or "none")
"""


def test_a_run_with_a_cached_configuration_loads_only_what_it_needs(tmp_path: Path) -> None:
    """Start-up is most of a chart-sized run: once the configuration is cached, the
    function imports neither the validator nor anything else that only some runs need."""
    env = {"XPNET_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    text = wrap(install(), config())
    loaded = [
        subprocess.run(
            [sys.executable, "-c", STARTUP],
            input=text,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for _ in range(2)
    ]
    assert "pydantic" in loaded[0]  # the first run validates
    assert loaded[1] == ["none"]


def test_the_console_script_reads_stdin_while_it_loads_and_answers_arguments_alike() -> None:
    """xpnet-fn reads stdin on a thread while it imports (adapters.scripts); with arguments it reads
    nothing and answers as krm.entry does."""
    text = wrap(install(), config())
    assert fn(text.encode()).stdout.decode() == transform(text).stdout
    version = subprocess.run([str(FN), "--version"], capture_output=True, text=True, timeout=60)
    assert (version.returncode, version.stdout) == (0, f"xpnet-fn {__version__}\n")
    wrong = subprocess.run([str(FN), "-x"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "unrecognized arguments: -x" in wrong.stderr
