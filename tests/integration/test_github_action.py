"""The GitHub Action (action.yml) and its example workflow: valid against the schemas that
check-jsonschema ships for GitHub, and the check step's script run for real, with bash as the
runner runs `shell: bash`, on the repository's examples."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import BIN_DIR, ROOT

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / "examples" / "github-actions" / "xpnet.yml"
EXAMPLES = ROOT / "examples"
VENV_BIN = BIN_DIR
# What the runner runs for `shell: bash`, the script being a file it writes.
BASH = ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail"]
INPUT = re.compile(r"\$\{\{ inputs\.([a-z-]+) \}\}")


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def check_step(action: dict[str, Any]) -> dict[str, Any]:
    [step] = [s for s in action["runs"]["steps"] if s.get("id") == "check"]
    return step


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with a schema it ships (no network: the schemas are in the package)."""
    return subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", f"vendor.{schema}", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("schema", "path"), [("github-actions", ACTION), ("github-workflows", WORKFLOW)]
)
def test_valid_against_githubs_schema(schema: str, path: Path) -> None:
    result = check_jsonschema(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_action(tmp_path: Path) -> None:
    action = load(ACTION)
    del check_step(action)["shell"]  # a composite action's run step needs its shell
    broken = tmp_path / "action.yml"
    broken.write_text(yaml.safe_dump(action, sort_keys=False))
    result = check_jsonschema("github-actions", broken)
    assert result.returncode == 1, result.stdout + result.stderr


def test_action_shape() -> None:
    action = load(ACTION)
    inputs = action["inputs"]
    assert set(inputs) == {"files", "config", "output", "sarif-file", "jobs", "python-version"}
    assert all(spec["description"] for spec in inputs.values())
    assert [name for name, spec in inputs.items() if spec.get("required")] == ["files"]
    assert action["outputs"]["sarif-file"]["value"] == "${{ steps.check.outputs.sarif-file }}"
    assert action["branding"]
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert steps[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], "inputs reach scripts only through env:"
    assert '"$GITHUB_ACTION_PATH"' in steps[1]["run"], "installs the action's own checkout"


def test_example_workflow_uses_the_action_as_documented() -> None:
    workflow = load(WORKFLOW)
    assert workflow["permissions"]["security-events"] == "write"
    triggers = workflow[True]  # `on` is YAML 1.1's true for PyYAML
    assert set(triggers) == {"push", "pull_request"}
    steps = workflow["jobs"]["check"]["steps"]
    [xpnet] = [s for s in steps if s.get("uses") == "./"]
    assert set(xpnet["with"]) <= set(load(ACTION)["inputs"])
    assert xpnet["with"]["output"] == "sarif"
    [upload] = [
        s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")
    ]
    assert upload["uses"].endswith("@v3")
    assert upload["if"].startswith("always()")
    assert upload["with"]["sarif_file"] == f"${{{{ steps.{xpnet['id']}.outputs.sarif-file }}}}"
    comments = WORKFLOW.read_text()
    assert "<owner>/xpnet@<tag>" in comments and "not published yet" in comments


@dataclass
class StepRun:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


def run_check_step(workspace: Path, runner: Path, **given: str) -> StepRun:
    """The check step's script as the runner runs it, its env: filled from the inputs given
    (underscores for dashes) and the action's defaults."""
    action = load(ACTION)
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    inputs |= {name.replace("_", "-"): value for name, value in given.items()}
    step = check_step(action)
    runner.mkdir(exist_ok=True)
    script = runner / "step.sh"
    script.write_text(step["run"])
    output = runner / "github_output"
    output.write_text("")
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(runner),
        "GITHUB_OUTPUT": str(output),
    }
    for name, value in step["env"].items():
        match = INPUT.fullmatch(value)
        assert match, f"{name}: the step's env carries inputs only"
        env[name] = inputs[match[1]]
    result = subprocess.run(
        [*BASH, str(script)], cwd=workspace, env=env, capture_output=True, text=True, timeout=120
    )
    lines = output.read_text().splitlines()
    assert all(re.fullmatch(r"[a-z-]+=.*", line) for line in lines), lines
    outputs = dict(line.split("=", 1) for line in lines)
    return StepRun(result.returncode, result.stdout, result.stderr, outputs)


def copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


@pytest.fixture
def sarif_schema() -> dict[str, object]:
    folder = ROOT / "tests" / "fixtures" / "sarif"
    schema: dict[str, object] = json.loads((folder / "sarif-schema-2.1.0.json").read_text())
    return schema


def sarif_results(path: Path, schema: dict[str, object]) -> list[dict[str, Any]]:
    log = json.loads(path.read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    results: list[dict[str, Any]] = log["runs"][0]["results"]
    return results


def test_passing_install_exits_0_and_writes_sarif(
    tmp_path: Path, sarif_schema: dict[str, object]
) -> None:
    """examples/dual-stack's fixed output with its configuration, found as .xpnet.yaml."""
    workspace = tmp_path / "workspace"
    copy(EXAMPLES / "dual-stack" / "xpnet.yaml", workspace / ".xpnet.yaml")
    copy(EXAMPLES / "dual-stack" / "expected.yaml", workspace / "deploy" / "crossplane.yaml")

    run = run_check_step(workspace, tmp_path / "runner", files="deploy/*.yaml", output="sarif")

    assert run.code == 0, run.stderr
    assert "0 errors, 0 warnings in 1 file" in run.stdout
    assert run.outputs == {"sarif-file": "xpnet.sarif"}
    assert sarif_results(workspace / "xpnet.sarif", sarif_schema) == []


def test_failing_install_exits_1_and_still_writes_sarif(
    tmp_path: Path, sarif_schema: dict[str, object]
) -> None:
    """examples/check-incomplete: the job fails, and the SARIF is there for upload-sarif."""
    workspace = tmp_path / "workspace"
    copy(EXAMPLES / "check-incomplete" / "xpnet.yaml", workspace / "config" / "xpnet.yaml")
    copy(EXAMPLES / "check-incomplete" / "crossplane.yaml", workspace / "crossplane.yaml")

    run = run_check_step(
        workspace,
        tmp_path / "runner",
        files="  crossplane.yaml\n",
        config="config/xpnet.yaml",
        output="sarif",
        sarif_file="reports/xpnet.sarif",
    )

    assert run.code == 1
    assert "crossplane.yaml:28: error: Deployment/crossplane-system/crossplane" in run.stdout
    assert "3 errors, 0 warnings in 1 file" in run.stdout, "the findings are in the log too"
    assert run.outputs == {"sarif-file": "reports/xpnet.sarif"}
    results = sarif_results(workspace / "reports" / "xpnet.sarif", sarif_schema)
    assert sorted({r["ruleId"] for r in results}) == ["XPN003", "XPN004", "XPN016"]
    assert {r["level"] for r in results} == {"error"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"crossplane.yaml"}, "relative to the workspace, as code scanning wants"


def test_text_output_keeps_the_exit_code_and_writes_no_sarif(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    copy(EXAMPLES / "check-incomplete" / "xpnet.yaml", workspace / ".xpnet.yaml")
    copy(EXAMPLES / "check-incomplete" / "crossplane.yaml", workspace / "crossplane.yaml")

    run = run_check_step(workspace, tmp_path / "runner", files="crossplane.yaml")

    assert run.code == 1
    assert "3 errors, 0 warnings in 1 file" in run.stdout
    assert run.outputs == {}
    assert not (workspace / "xpnet.sarif").exists()


def test_inputs_are_data_not_code(tmp_path: Path, sarif_schema: dict[str, object]) -> None:
    """Names with spaces come through globs whole; `$(...)`, backquotes and `;` in any input
    run nothing and name files literally."""
    workspace = tmp_path / "workspace"
    copy(EXAMPLES / "dual-stack" / "xpnet.yaml", workspace / "conf dir" / "xpnet.yaml")
    copy(
        EXAMPLES / "dual-stack" / "expected.yaml", workspace / "deploy" / "a b" / "my install.yaml"
    )
    sarif = "out/$(touch pwned-sarif) `touch pwned-tick`; touch pwned-semicolon.sarif"

    run = run_check_step(
        workspace,
        tmp_path / "runner",
        files="deploy/**/my*.yaml",
        config="conf dir/xpnet.yaml",
        output="sarif",
        sarif_file=sarif,
    )

    assert run.code == 0, run.stderr
    assert "0 errors, 0 warnings in 1 file" in run.stdout
    assert run.outputs == {"sarif-file": sarif}
    assert sarif_results(workspace / sarif, sarif_schema) == []

    injected = run_check_step(
        workspace,
        tmp_path / "runner",
        files="deploy/a?b/*.yaml $(touch pwned-files)",
        config="$(touch pwned-config)",
    )
    assert injected.code == 1
    assert "$(touch pwned-config): cannot read the config file" in injected.stderr
    assert not list(tmp_path.rglob("pwned*")), "nothing ran"


def test_refused_input_leaves_no_sarif_and_no_output(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    copy(EXAMPLES / "dual-stack" / "xpnet.yaml", workspace / ".xpnet.yaml")

    run = run_check_step(workspace, tmp_path / "runner", files="deploy/*.yaml", output="sarif")

    assert run.code == 1
    assert "deploy/*.yaml: cannot read" in run.stderr, "a pattern matching nothing is named"
    assert run.outputs == {}
    assert not (workspace / "xpnet.sarif").exists()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"files": "x.yaml", "output": "json"}, "output must be text or sarif, not json"),
        ({"files": " \n "}, "the files input names no file"),
        ({"files": "x.yaml", "output": "sarif", "sarif_file": ""}, "sarif-file is empty"),
        ({"files": "x.yaml", "output": "sarif", "sarif_file": "a\nb=c"}, "holds a line break"),
        ({"files": "x.yaml", "jobs": "0"}, "jobs must be a number of processes, not 0"),
        ({"files": "x.yaml", "jobs": "$(id)"}, "jobs must be a number of processes"),
    ],
)
def test_bad_inputs_are_usage_errors(tmp_path: Path, given: dict[str, str], message: str) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    run = run_check_step(workspace, tmp_path / "runner", **given)
    assert (run.code, run.stdout, run.outputs) == (2, "", {}), "refused before xpnet runs"
    assert message in run.stderr


def test_jobs_check_the_files_side_by_side_with_one_process_s_findings(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    copy(EXAMPLES / "check-incomplete" / "xpnet.yaml", workspace / ".xpnet.yaml")
    for cluster in ("a", "b", "c"):
        copy(EXAMPLES / "check-incomplete" / "crossplane.yaml", workspace / f"{cluster}.yaml")
    runs = [
        run_check_step(workspace, tmp_path / f"runner-{jobs}", files="*.yaml", jobs=jobs)
        for jobs in ("1", "3")
    ]
    assert runs[0].code == runs[1].code == 1
    assert runs[0].stdout == runs[1].stdout and "9 errors, 0 warnings in 3 files" in runs[0].stdout
