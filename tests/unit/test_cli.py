from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, ROOT
from xpnet import __version__

XPNET = BIN_DIR / "xpnet"


def xpnet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(XPNET), *args], capture_output=True, text=True, timeout=60)


def test_version() -> None:
    assert xpnet("--version").stdout.strip() == f"xpnet {__version__}"


def test_schema_prints_the_published_schema() -> None:
    done = xpnet("schema")
    assert json.loads(done.stdout) == json.loads(
        (ROOT / "schemas" / "clusternetwork.schema.json").read_text()
    )


@pytest.mark.slow
def test_noproxy(tmp_path: Path) -> None:
    config = ROOT / "tests" / "cases" / "chart-indentation" / "config.yaml"
    done = xpnet("noproxy", "-c", str(config))
    assert done.returncode == 0
    assert done.stdout.startswith("localhost,127.0.0.1,::1,10.96.0.1,")
    explained = xpnet("noproxy", "-c", str(config), "--explain").stdout
    assert "grpc-go <= 1.70" in explained


@pytest.mark.slow
def test_bad_config_and_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: ClusterNetwork\napiVersion: xpnet.dev/v1alpha1\nmetadata: {name: x}\n")
    done = xpnet("noproxy", "-c", str(bad))
    assert done.returncode == 1
    assert f"{bad}:" in done.stderr and "spec: required field is missing" in done.stderr
    assert "Traceback" not in done.stderr
    missing = xpnet("noproxy", "-c", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1 and "cannot read the config file" in missing.stderr
    assert xpnet("frobnicate").returncode == 2
    assert xpnet().returncode == 2


CASE = ROOT / "tests" / "cases" / "chart-indentation"


def workdir(tmp_path: Path) -> Path:
    (tmp_path / "install.yaml").write_text((CASE / "input.yaml").read_text())
    (tmp_path / ".xpnet.yaml").write_text((CASE / "config.yaml").read_text())
    return tmp_path


def run_in(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(XPNET), *args], capture_output=True, text=True, cwd=cwd, input=stdin, timeout=60
    )


def test_fix_rewrites_in_place_byte_for_byte(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    (work / "install.yaml").chmod(0o640)
    done = run_in(work, "fix", "install.yaml")
    assert done.returncode == 0, done.stderr
    assert (work / "install.yaml").read_text() == (CASE / "expected.yaml").read_text()
    assert (work / "install.yaml").stat().st_mode & 0o777 == 0o640
    assert "xpnet: fixed install.yaml:24: Deployment/crossplane-system/crossplane" in done.stderr
    assert sorted(p.name for p in work.iterdir()) == [".xpnet.yaml", "install.yaml"]
    assert done.stderr.endswith(
        "xpnet: fixed 3 env blocks in 1 file; 0 errors, 0 warnings in 1 file\n"
    )
    again = run_in(work, "fix", "install.yaml")
    assert again.returncode == 0
    assert again.stderr == "xpnet: nothing to fix; 0 errors, 0 warnings in 1 file\n"


def test_diff_and_dry_run_write_nothing(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    diff = run_in(work, "fix", "--diff", "install.yaml")
    assert diff.returncode == 0
    assert diff.stdout.startswith("--- a/install.yaml\n+++ b/install.yaml\n")
    assert "+          - name: HTTP_PROXY\n" in diff.stdout
    dry = run_in(work, "fix", "--dry-run", "install.yaml")
    assert "would fix install.yaml:24" in dry.stderr and dry.stdout == ""
    assert (work / "install.yaml").read_text() == (CASE / "input.yaml").read_text()


def test_stdin_to_stdout(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    done = run_in(work, "fix", "-", stdin=(CASE / "input.yaml").read_text())
    assert done.stdout == (CASE / "expected.yaml").read_text()


def test_read_only_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    other = work / "other.yaml"
    other.write_text((CASE / "input.yaml").read_text().replace("crossplane-rbac-manager", "x"))
    (work / "install.yaml").chmod(0o444)
    done = run_in(work, "fix", "other.yaml", "install.yaml")
    assert done.returncode == 1
    assert "install.yaml: the file is read-only; nothing was written" in done.stderr
    assert other.read_text() == (CASE / "input.yaml").read_text().replace(
        "crossplane-rbac-manager", "x"
    ), "no file is written when any cannot be"


@pytest.mark.slow
def test_check_text_and_json(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    text = run_in(work, "check", "install.yaml")
    assert text.returncode == 1
    assert text.stdout.splitlines()[0].startswith(  # by file, line and rule
        "install.yaml:13: error: Deployment/crossplane-system/crossplane: "
        "container crossplane-init: NO_PROXY: XPN003 "
    )
    assert text.stdout.splitlines()[-1] == "5 errors, 3 warnings in 1 file"
    data = json.loads(run_in(work, "check", "-o", "json", "install.yaml").stdout)
    api = next(f for f in data if f["rule"] == "XPN003")
    assert api["file"] == "install.yaml" and api["line"] == 13
    assert api["severity"] == "error" and api["container"] == "crossplane-init"
    assert api["field"].endswith("initContainers[name=crossplane-init].env[name=NO_PROXY].value")
    fixed = work / "fixed.yaml"
    fixed.write_text((CASE / "expected.yaml").read_text())
    assert run_in(work, "check", "fixed.yaml").returncode == 0


@pytest.mark.slow
def test_config_lookup(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    sub = work / "deep" / "er"
    sub.mkdir(parents=True)
    assert run_in(sub, "noproxy").returncode == 0
    (work / ".xpnet.yaml").unlink()
    missing = run_in(sub, "noproxy")
    assert missing.returncode == 1 and "no configuration" in missing.stderr
    assert "xpnet: xpnet:" not in missing.stderr and missing.stderr.count("xpnet: ") == 1
    env_config = subprocess.run(
        [str(XPNET), "noproxy"],
        capture_output=True,
        text=True,
        cwd=sub,
        env={"XPNET_CONFIG": str(CASE / "config.yaml"), "PATH": "/usr/bin:/bin"},
    )
    assert env_config.returncode == 0


def test_values_for_the_chart(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    done = run_in(workdir(tmp_path), "values")
    values = YAML(typ="safe", pure=True).load(done.stdout)
    core = values["extraEnvVarsCrossplane"]
    assert core["HTTPS_PROXY"] == core["https_proxy"] == "http://proxy.corp.example:3128"
    assert core["NO_PROXY"] == core["no_proxy"] and "10.244.0.0/16" in core["NO_PROXY"]
    # The init container and the RBAC manager talk to the API server only: fix leaves them be.
    assert set(values) == {"extraEnvVarsCrossplane"}
    assert "fix sets no proxy on them" in done.stdout


@pytest.mark.slow
def test_render_refuses_an_empty_stream_and_never_prints_empty_output(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    for empty in ("", "\n  \n"):
        done = run_in(work, "render", stdin=empty)
        assert (done.returncode, done.stdout) == (1, "")
        assert "xpnet: <stdin>: is empty: nothing to render; did the command before" in done.stderr
    assert run_in(work, "render", stdin="# only a comment\n").stdout == "# only a comment\n"
    done = run_in(work, "render", stdin=(CASE / "input.yaml").read_text())
    assert done.stdout == (CASE / "expected.yaml").read_text()


def test_non_manifest_files_pass_quietly_with_allow_empty(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    (work / "chart.yaml").write_text("kind: {{ .Values.kind }}\nname: {{ x }}\n")
    (work / "data.yaml").write_text("- a\n- b: [1\n")
    files = ("chart.yaml", "data.yaml", ".xpnet.yaml")
    done = run_in(work, "check", "--allow-empty", *files)
    assert done.returncode == 0
    assert done.stdout == "0 errors, 0 warnings in 3 files (3 without Crossplane resources)\n"
    assert done.stderr == (
        "xpnet: chart.yaml, data.yaml, .xpnet.yaml: no Crossplane resources found (a core or "
        "RBAC manager Deployment, a DeploymentRuntimeConfig or a ControllerConfig); nothing to do\n"
    )
    # Without it nothing was checked, and a CI job with a wrong file list must not pass.
    for command in ("check", "fix"):
        done = run_in(work, command, *files)
        assert done.returncode == 1, command
        assert "nothing was checked (--allow-empty accepts inputs without any)" in done.stderr


def test_a_values_file_given_as_a_manifest_is_named(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    (work / "values.yaml").write_text(
        "image:\n  tag: v2.1.8\nargs: [--debug]\nextraEnvVarsCrossplane:\n  A: b\n"
    )
    done = run_in(work, "check", "values.yaml")
    assert done.returncode == 1
    assert (
        "xpnet: values.yaml: holds values of the crossplane Helm chart (image, args, "
        "extraEnvVarsCrossplane), not manifests: pass it as --values values.yaml\n"
    ) in done.stderr
    # A Kubernetes object is never taken for values, whatever keys it has.
    (work / "cm.yaml").write_text("kind: ConfigMap\nimage: x\n")
    assert "Helm chart" not in run_in(work, "check", "--allow-empty", "cm.yaml").stderr


def test_a_folder_is_walked_for_its_yaml_files(tmp_path: Path) -> None:
    """Outside a git work tree every YAML file not under a hidden folder; inside one, what git
    lists (.gitignore respected); a folder without any is refused."""
    work = workdir(tmp_path)
    manifests = work / "manifests"
    (manifests / "nested").mkdir(parents=True)
    (manifests / ".hidden").mkdir()
    (manifests / "ignored").mkdir()
    (manifests / "nested" / "install.yml").write_text((CASE / "input.yaml").read_text())
    for other in (manifests / ".hidden" / "x.yaml", manifests / "ignored" / "y.yaml"):
        other.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (manifests / "notes.txt").write_text("not: [yaml\n")  # read, it would be refused
    done = run_in(work, "check", "manifests")
    assert "manifests/nested/install.yml:" in done.stdout
    assert done.stdout.splitlines()[-1].endswith(" in 2 files (1 without Crossplane resources)")
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    (work / ".gitignore").write_text("ignored/\n")
    done = run_in(work, "check", "manifests")
    assert done.stdout.splitlines()[-1].endswith(" in 1 file"), "git ignores ignored/"
    (work / "empty").mkdir()
    refused = run_in(work, "check", "empty")
    assert refused.returncode == 1
    assert "xpnet: empty: is a folder without YAML files (*.yaml, *.yml) to read" in refused.stderr


@pytest.mark.slow
def test_hostile_yaml_is_refused_quickly(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    levels = "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    bomb = work / "bomb.yaml"
    bomb.write_text("apiVersion: xpnet.dev/v1alpha1\nkind: ClusterNetwork\na: &a [x]\n" + levels)
    done = run_in(work, "noproxy", "-c", str(bomb))
    assert done.returncode == 1 and "expands to more than 100000 nodes" in done.stderr
    deep = work / "deep.yaml"
    deep.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: crossplane}\n"
        "spec: {template: {spec: {containers: [{name: crossplane, args: [core, start]}]}}}\nx: "
        + "[" * 50_000
        + "]" * 50_000
        + "\n"
    )
    done = run_in(work, "check", "deep.yaml")
    assert done.returncode == 1 and "nests more than 200 levels deep" in done.stderr


@pytest.mark.slow
def test_a_50_mb_input_goes_through_the_fast_path(tmp_path: Path) -> None:
    """Documents that cannot need a change are never parsed, so size costs little."""
    work = workdir(tmp_path)
    filler = "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n"
        f"  blob: |\n    {'x' * 1000}\n    ---\n    {'y' * 1000}\n"
        for i in range(25_000)
    )
    big = (CASE / "input.yaml").read_text() + filler
    assert len(big) > 50_000_000
    start = time.perf_counter()
    done = run_in(work, "fix", "-", stdin=big)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert done.stdout == (CASE / "expected.yaml").read_text() + filler
    print(f"50 MB through xpnet fix: {elapsed:.1f} s")  # a figure, not an assertion


@pytest.mark.slow
def test_explain_tells_each_runtime_why_before_and_after(tmp_path: Path) -> None:
    example = ROOT / "examples" / "crossplane-1.19"
    done = run_in(
        tmp_path,
        "explain",
        "-c",
        str(example / "xpnet.yaml"),
        str(example / "crossplane.yaml"),
        "-o",
        "json",
    )
    assert done.returncode == 0, done.stderr
    verdicts = json.loads(done.stdout)
    core = [
        v
        for v in verdicts
        if v["container"] == "crossplane"
        and v["target"].startswith("dns:///")
        and v["runtime"] == "grpc-go-1.70"
    ]
    before = next(v for v in core if v["when"] == "before")
    after = next(v for v in core if v["when"] == "after")
    assert before["decision"] == "PROXY" and after["decision"] == "DIRECT"
    assert "10.244.0.0/16" in after["reason"]
    runtimes = {v["runtime"] for v in verdicts}
    assert len(runtimes) == 11
    # what the seed analysis' other remedies would do for this install
    remedies = {
        v["runtime"]: v
        for v in verdicts
        if v["container"] == "crossplane"
        and v["when"] == "before"
        and v["target"].startswith("dns:///")
        and v["runtime"].startswith("grpc-go-")
    }
    assert remedies["grpc-go-noproxy"]["decision"] == "DIRECT"
    assert "WithNoProxy" in remedies["grpc-go-noproxy"]["reason"]
    assert "passthrough" in remedies["grpc-go-passthrough"]["reason"]
    text = run_in(
        tmp_path,
        "explain",
        "-c",
        str(example / "xpnet.yaml"),
        str(example / "crossplane.yaml"),
        "--runtime",
        "grpc-go-1.71",
        "--long",
    )
    assert "(after the fix)" in text.stdout and "grpc-go-1.71" in text.stdout
    assert "Crossplane 1.19.2" in text.stdout.splitlines()[0]


def test_explain_is_short_by_default_and_uses_the_inputs_functions(tmp_path: Path) -> None:
    example = ROOT / "examples" / "crossplane-1.19"
    (tmp_path / "functions.yaml").write_text(
        "apiVersion: pkg.crossplane.io/v1\nkind: Function\nmetadata:\n  name: function-kcl\n"
    )
    args = ["explain", "-c", str(example / "xpnet.yaml"), str(example / "crossplane.yaml")]
    short = run_in(tmp_path, *args, "functions.yaml")
    assert short.returncode == 0, short.stderr
    rows = short.stdout.split("\n\n")[0].splitlines()[1:]
    assert "  function calls               grpc-go-1.70         DIRECT" in rows[0]
    assert len(rows) == len({tuple(r.split()[:3]) for r in rows}), "a line a kind and runtime"
    long = run_in(tmp_path, *args, "functions.yaml", "--long").stdout
    assert "dns:///function-kcl.crossplane-system:9443" in long
    assert "function-example" not in long and "(before the fix)" in long
    go = run_in(tmp_path, *args, "--function", "function-x", "--runtime", "go", "--long").stdout
    assert "dns:///function-x.crossplane-system:9443" in go and "grpc-go-1.70" in go


def test_a_command_run_alone_parses_as_it_does_among_all() -> None:
    """main() builds only the command it runs: its help, and how it reads arguments,
    are those of the full command line."""
    from xpnet.adapters import cli

    full = cli.parser()
    for name in cli.COMMANDS:
        alone = cli.parser(name)
        assert alone._subparsers is not None and full._subparsers is not None
        (mine,) = [a for a in alone._subparsers._group_actions if a.dest == "command"]
        (theirs,) = [a for a in full._subparsers._group_actions if a.dest == "command"]
        assert list(mine.choices) == [name]  # type: ignore[arg-type]
        command, whole = mine.choices[name], theirs.choices[name]  # type: ignore[index]
        assert command.format_help() == whole.format_help()
        args = ["-c", "x.yaml", "a.yaml"] if name in ("fix", "check", "explain") else []
        if name == "completion":
            args = ["bash"]
        assert vars(alone.parse_args([name, *args])) == vars(full.parse_args([name, *args]))
