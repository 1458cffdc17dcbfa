"""The Helm post-renderer adapter (`xpnet-helm`) in process: its help, version and usage errors.

Real Helm 3 and Helm 4 run it in tests/integration/test_helm.py."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from xpnet import __version__
from xpnet.adapters import helm


class NoStdin:
    """Fails the test if the program reads stdin."""

    @property
    def buffer(self) -> io.BytesIO:
        raise AssertionError("stdin was read")


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", NoStdin())
    with pytest.raises(SystemExit) as done:
        helm.main(args)
    out, err = capsys.readouterr()
    assert isinstance(done.value.code, int)
    return done.value.code, out, err


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_says_what_it_is_how_helm_calls_it_and_its_exit_codes(
    flag: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("XPNET_LOG_FILE", f"{tmp_path}/xpnet.log")
    code, out, err = run([flag], monkeypatch, capsys)
    assert (code, err) == (0, "")
    assert out.startswith("usage: xpnet-helm [-h] [-c FILE] [--version]\n\nHelm post-renderer: ")
    assert "--post-renderer /path/to/xpnet-helm \\\n    --post-renderer-args=--config=FILE" in out
    assert "--post-renderer xpnet --post-renderer-args=--config=FILE" in out
    assert "helm plugin install /path/to/xpnet/helm-plugin/xpnet\n" in out
    assert (ROOT / "helm-plugin" / "xpnet" / "plugin.yaml").is_file(), "the path the help names"
    assert f"here:\n  {tmp_path}/xpnet.log\n" in out
    codes = out[out.index("exit codes:\n") :].splitlines()[1:]
    assert [line.split()[0] for line in codes if not line.startswith("    ")] == ["0", "1", "2"]


def test_version(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"], monkeypatch, capsys) == (0, f"xpnet-helm {__version__}\n", "")


def test_an_unknown_argument_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["--bogus"], monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err.endswith("xpnet-helm: error: unrecognized arguments: --bogus\n")


@pytest.mark.parametrize("arg", ["--config xpnet.yaml", "-c xpnet.yaml", " --config  xpnet.yaml"])
def test_config_and_its_file_as_one_argument_gets_the_form_helm_needs(
    arg: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Helm's `--post-renderer-args "--config xpnet.yaml"` arrives as one argument."""
    monkeypatch.setenv("XPNET_LOG_FILE", f"{tmp_path}/xpnet.log")
    code, out, err = run([arg], monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err.endswith("write --post-renderer-args=--config=xpnet.yaml\n")
    assert "--post-renderer-args=--config=xpnet.yaml" in (tmp_path / "xpnet.log").read_text()


def test_the_packaged_plugin_says_when_xpnet_helm_is_missing(tmp_path: Path) -> None:
    """Installed from a package (no checkout beside it) and without xpnet-helm on PATH, the
    plugin's wrapper says why, on stderr and in the log Helm 4 users are pointed to."""
    plugin = tmp_path / "plugins" / "xpnet"
    shutil.copytree(ROOT / "helm-plugin" / "xpnet", plugin)
    log = tmp_path / "post-renderer.log"
    done = subprocess.run(
        [str(plugin / "xpnet-post-renderer")],
        input="",
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XPNET_LOG_FILE": str(log)},
        timeout=30,
    )
    assert done.returncode == 1
    assert "xpnet-helm is not on PATH" in done.stderr
    assert "xpnet-helm is not on PATH" in log.read_text()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--config=x.yaml"],
        ["--config", "x.yaml"],
        ["-c", "x.yaml"],
        ["--config="],
        ["-cx.yaml"],
        ["--config=a", "b"],
        ["-c", "-x"],
    ],
)
def test_the_usual_arguments_are_read_as_argparse_reads_them(args: list[str]) -> None:
    """Helm's invocations skip argparse (start-up); they must mean the same."""
    usual, config = helm.usual_config(args)
    if usual:
        assert config == helm._parse(args)
    else:
        assert args not in ([], ["--config=x.yaml"], ["--config", "x.yaml"], ["-c", "x.yaml"])
