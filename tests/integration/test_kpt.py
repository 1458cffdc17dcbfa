"""Real kpt runs xpnet-fn as an exec KRM function: `kpt fn eval --exec` and a Kptfile pipeline
with xpnet as mutator and as validator. No network; kpt's HOME is a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN_DIR, ROOT, tools

FN = ROOT / "kustomize" / "xpnet-fn"  # the wrapper that runs .venv/bin/xpnet-fn
VENV_FN = BIN_DIR / "xpnet-fn"
XPNET = BIN_DIR / "xpnet"
EXAMPLE = ROOT / "examples" / "kpt"
CROSSPLANE_119 = ROOT / "examples" / "crossplane-1.19"

# What kpt prints for xpnet's result on the core container (an edit) and for one finding: kpt's
# own line format ([severity] apiVersion/kind/namespace/name field.path: message) over the
# `results:` xpnet writes.
EDIT_LINE = (
    "[info] apps/v1/Deployment/crossplane-system/crossplane "
    "spec.template.spec.containers[name=crossplane].env: "
    "container crossplane: set HTTP_PROXY, NO_PROXY, http_proxy, https_proxy, no_proxy"
)
FINDING_LINE = (
    "[error] apps/v1/Deployment/crossplane-system/crossplane "
    "spec.template.spec.containers[name=crossplane].env[name=NO_PROXY].value: "
    "container crossplane: NO_PROXY: XPN004 does not cover function pods in 10.244.0.0/16: "
    "Crossplane 1.19.2 (grpc-go 1.68.0) matches the resolved pod IP; add 10.244.0.0/16"
)
CORE = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "name": "crossplane",
    "namespace": "crossplane-system",
}


def run_kpt(
    kpt: Path, *args: str | Path, home: Path, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [str(kpt), *map(str, args)],
        cwd=cwd,
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def by_name(text: str) -> dict[tuple[str, str, str], Any]:
    """The Crossplane resources of a stream, by kind, namespace and name (order and style aside)."""
    docs = [d for d in yaml.safe_load_all(text) if d]
    return {
        (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]): d
        for d in docs
        if d["kind"] not in ("Kptfile", "ClusterNetwork")
    }


def results(folder: Path) -> list[dict[str, Any]]:
    """Every result of every function in kpt's results.yaml."""
    data = yaml.safe_load((folder / "results.yaml").read_text())
    return [r for item in data["items"] for r in item.get("results") or []]


def kpt_styled_fix(kpt: Path, config: Path, tmp_path: Path) -> str:
    """What `xpnet fix` writes for crossplane-1.19, as kpt writes files (its YAML style: the
    lists of a file indented one way), through a function that changes nothing (cat)."""
    folder = tmp_path / "fixed-by-xpnet-fix"
    folder.mkdir()
    shutil.copy(CROSSPLANE_119 / "crossplane.yaml", folder)
    fixed = subprocess.run(
        [str(XPNET), "fix", "-c", str(config), str(folder / "crossplane.yaml")],
        capture_output=True,
        text=True,
    )
    assert fixed.returncode == 0, fixed.stderr
    cat = shutil.which("cat")
    assert cat is not None
    done = run_kpt(kpt, "fn", "eval", "--exec", cat, folder, home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    return (folder / "crossplane.yaml").read_text()


def test_fn_eval_exec_fixes_the_package_in_place_and_again_changes_nothing(
    kpt: Path, tmp_path: Path
) -> None:
    package = tmp_path / "crossplane"
    package.mkdir()
    shutil.copy(CROSSPLANE_119 / "crossplane.yaml", package)
    config = CROSSPLANE_119 / "xpnet.yaml"
    home = tmp_path / "home"

    done = run_kpt(
        kpt, "fn", "eval", "--exec", VENV_FN, "--fn-config", config, package,
        "--results-dir", tmp_path / "results", home=home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    fixed = (package / "crossplane.yaml").read_text()
    assert by_name(fixed) == by_name((CROSSPLANE_119 / "expected.yaml").read_text())
    assert fixed == kpt_styled_fix(kpt, config, tmp_path)
    check = subprocess.run(
        [str(XPNET), "check", "-c", str(config), str(package / "crossplane.yaml")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0 and "0 errors, 1 warning in 1 file" in check.stdout, check.stdout

    # kpt prints the results xpnet wrote and keeps them, as written, in results.yaml.
    assert EDIT_LINE in done.stderr
    assert {
        "message": "container crossplane: set HTTP_PROXY, NO_PROXY, http_proxy, https_proxy, "
        "no_proxy",
        "severity": "info",
        "resourceRef": CORE,
        "field": {"path": "spec.template.spec.containers[name=crossplane].env"},
    } in results(tmp_path / "results")

    again = run_kpt(
        kpt, "fn", "eval", "--exec", VENV_FN, "--fn-config", config, package,
        "--results-dir", tmp_path / "again", home=home,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (package / "crossplane.yaml").read_text() == fixed
    assert [r["severity"] for r in results(tmp_path / "again")] == ["warning"]  # XPN009 only


def test_fn_render_runs_xpnet_as_mutator_then_validator(kpt: Path, tmp_path: Path) -> None:
    assert (EXAMPLE / "crossplane.yaml").read_bytes() == (
        CROSSPLANE_119 / "crossplane.yaml"
    ).read_bytes()
    package = tmp_path / "kpt"
    shutil.copytree(EXAMPLE, package)
    home = tmp_path / "home"

    refused = run_kpt(kpt, "fn", "render", package, home=home)
    assert refused.returncode == 1
    assert "must run with `--allow-exec` option to allow running function binaries" in (
        refused.stderr
    )
    assert (package / "crossplane.yaml").read_bytes() == (EXAMPLE / "crossplane.yaml").read_bytes()

    # The Kptfile's exec paths are relative to the folder kpt runs in: the repository root.
    done = run_kpt(kpt, "fn", "render", "--allow-exec", package, home=home)
    assert done.returncode == 0, done.stderr
    assert "Successfully executed 2 function(s) in 1 package(s)." in done.stderr
    fixed = (package / "crossplane.yaml").read_text()
    assert fixed == kpt_styled_fix(kpt, EXAMPLE / "xpnet.yaml", tmp_path)

    again = run_kpt(kpt, "fn", "render", "--allow-exec", package, home=home)
    assert again.returncode == 0, again.stderr
    assert (package / "crossplane.yaml").read_text() == fixed

    # Run from the package folder, the same relative paths name nothing.
    elsewhere = run_kpt(kpt, "fn", "render", "--allow-exec", home=home, cwd=package)
    assert elsewhere.returncode == 1
    assert "fork/exec kustomize/xpnet-fn: no such file or directory" in elsewhere.stderr


def test_a_failing_validator_leaves_the_mutators_fix_unwritten(kpt: Path, tmp_path: Path) -> None:
    package = tmp_path / "kpt"
    shutil.copytree(EXAMPLE, package)
    check = package / "xpnet-check.yaml"  # another pod CIDR: the fixed NO_PROXY misses it
    check.write_text(check.read_text().replace("10.244.0.0/16", "10.245.0.0/16"))
    done = run_kpt(kpt, "fn", "render", "--allow-exec", package, home=tmp_path / "home")
    assert done.returncode == 1
    assert '[PASS] "kustomize/xpnet-fn"' in done.stderr
    assert '[FAIL] "kustomize/xpnet-fn"' in done.stderr
    assert "XPN004 does not cover function pods in 10.245.0.0/16" in done.stderr
    assert (package / "crossplane.yaml").read_bytes() == (EXAMPLE / "crossplane.yaml").read_bytes()


def test_the_readme_render_command_works_as_written(kpt: Path, tmp_path: Path) -> None:
    """`kpt fn render --allow-exec -o unwrap examples/kpt` from the repository root prints the
    fixed resources and leaves the example as it is."""
    before = {p.name: p.read_bytes() for p in EXAMPLE.iterdir()}
    done = run_kpt(
        kpt, "fn", "render", "--allow-exec", "-o", "unwrap", "examples/kpt", home=tmp_path / "home"
    )
    assert done.returncode == 0, done.stderr
    assert by_name(done.stdout) == by_name((CROSSPLANE_119 / "expected.yaml").read_text())
    assert {p.name: p.read_bytes() for p in EXAMPLE.iterdir()} == before


def validator_package(folder: Path, crossplane: str) -> Path:
    """A package whose Kptfile lists xpnet (check mode) as its one validator."""
    folder.mkdir()
    (folder / "crossplane.yaml").write_text(crossplane)
    shutil.copy(EXAMPLE / "xpnet-check.yaml", folder)
    (folder / "Kptfile").write_text(
        "apiVersion: kpt.dev/v1\n"
        "kind: Kptfile\n"
        "metadata:\n"
        "  name: crossplane\n"
        "pipeline:\n"
        "  validators:\n"
        f"  - exec: {FN}\n"
        "    configPath: xpnet-check.yaml\n"
    )
    return folder


def test_validator_fails_an_unfixed_package_with_xpnets_findings_and_passes_a_fixed_one(
    kpt: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    unfixed = (CROSSPLANE_119 / "crossplane.yaml").read_text()
    package = validator_package(tmp_path / "unfixed", unfixed)
    done = run_kpt(
        kpt, "fn", "render", "--allow-exec", package, "--results-dir", tmp_path / "results",
        home=home,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert FINDING_LINE in done.stderr  # kpt's [Results] line
    assert "xpnet: error: Deployment/crossplane-system/crossplane: container crossplane: " in (
        done.stderr
    )  # and xpnet's own stderr
    assert "Exit code: 1" in done.stderr
    assert (package / "crossplane.yaml").read_text() == unfixed
    found = results(tmp_path / "results")
    assert {
        "message": FINDING_LINE.split(".value: ", 1)[1],
        "severity": "error",
        "resourceRef": CORE,
        "field": {
            "path": "spec.template.spec.containers[name=crossplane].env[name=NO_PROXY].value"
        },
        "tags": {"rule": "XPN004"},
    } in found
    assert {r["tags"]["rule"] for r in found if r["severity"] == "error"} == {
        "XPN003",
        "XPN004",
        "XPN016",
    }

    fixed = validator_package(
        tmp_path / "fixed", kpt_styled_fix(kpt, EXAMPLE / "xpnet.yaml", tmp_path)
    )
    passed = run_kpt(
        kpt, "fn", "render", "--allow-exec", fixed, "--results-dir", tmp_path / "passed",
        home=home,
    )  # fmt: skip
    assert passed.returncode == 0, passed.stderr
    assert [r["severity"] for r in results(tmp_path / "passed")] == ["warning"]  # XPN009 only


def test_kpt_is_the_pinned_release(kpt: Path, tmp_path: Path) -> None:
    done = run_kpt(kpt, "version", home=tmp_path / "home")
    assert done.stdout.strip() == tools.KPT_VERSION


@pytest.mark.parametrize("name", ["xpnet.yaml", "xpnet-check.yaml"])
def test_the_example_configs_load(name: str) -> None:
    from xpnet.config import load_config

    config = load_config(yaml.safe_load((EXAMPLE / name).read_text()), name)
    assert config.spec.policy.mode == ("check" if name == "xpnet-check.yaml" else "fix")
