"""`xpnet check --jobs N` runs N checks side by side (adapters/parallel.py): its output, in
every format, and its exit code are byte for byte those of one run (no --jobs), also where it
must fall back to one run."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN_DIR, ROOT
from tests.unit_helpers import CONFIG_DATA
from xpnet import report
from xpnet.adapters import parallel
from xpnet.adapters.streams import run_streams
from xpnet.config import load_config, with_mode
from xpnet.errors import XpnetError
from xpnet.yaml.stream import Source

CHART = ROOT / "tests" / "fixtures" / "crossplane" / "chart-v1.20.11-proxy.yaml"
BIN = BIN_DIR / "xpnet"
DRC = (
    "---\napiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\n"
    "metadata:\n  name: rt{i}\nspec: {{}}\n"
)


def renders(folder: Path, n: int, change: dict[int, str] | None = None) -> list[str]:
    """N renders of the real chart, one per cluster, each with its own instance label; files
    in `change` get that text instead."""
    text = CHART.read_text()
    paths = []
    for i in range(n):
        path = folder / f"cluster-{i:03}.yaml"
        body = text.replace(
            "app.kubernetes.io/instance: crossplane", f"app.kubernetes.io/instance: c{i}"
        )
        path.write_text((change or {}).get(i, body))
        paths.append(str(path))
    return paths


def check(folder: Path, files: list[str], output: str, jobs: str | None) -> tuple[int, str, str]:
    env = {"PATH": "/usr/bin:/bin", "XPNET_CACHE_DIR": str(folder / "cache")}
    more = ["--jobs", jobs] if jobs else []
    done = subprocess.run(
        [str(BIN), "check", "-c", str(folder / "xpnet.yaml"), "-o", output, *more, *files],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return done.returncode, done.stdout, done.stderr


def same_as_one_run(folder: Path, files: list[str]) -> int:
    (folder / "xpnet.yaml").write_text(yaml.safe_dump(CONFIG_DATA))
    codes = set()
    for output in ("text", "json", "sarif"):
        one = check(folder, files, output, None)
        for jobs in ("2", "3"):
            assert check(folder, files, output, jobs) == one, (output, jobs)
        codes.add(one[0])
    (code,) = codes
    return code


@pytest.mark.parametrize("fixed", [False, True], ids=["as rendered", "fixed"])
def test_many_renders_give_one_runs_output(tmp_path: Path, fixed: bool) -> None:
    files = renders(tmp_path, 12)
    if fixed:
        (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(CONFIG_DATA))
        done = subprocess.run(
            [str(BIN), "fix", "-c", str(tmp_path / "xpnet.yaml"), *files], capture_output=True
        )
        assert done.returncode == 0, done.stderr
    assert same_as_one_run(tmp_path, files) == (0 if fixed else 1)


def test_runtime_configs_in_files_without_a_core_fall_back_to_one_run(tmp_path: Path) -> None:
    """A file of runtime configs joins the installs of other files: only one run over every
    file groups it right (here: with several cores it is a shared group, XPN018)."""
    files = renders(tmp_path, 12, {10: DRC.format(i=10), 11: DRC.format(i=11)})
    assert same_as_one_run(tmp_path, files) == 1
    assert "XPN018" in check(tmp_path, files, "text", "2")[1]


def test_an_rbac_manager_without_its_core_falls_back_to_one_run(tmp_path: Path) -> None:
    text = CHART.read_text()
    rbac_only = "---\n".join(
        d
        for d in text.split("---\n")
        if "name: crossplane-rbac-manager\n" in d and "Deployment" in d
    )
    files = renders(tmp_path, 12, {11: rbac_only})
    assert same_as_one_run(tmp_path, files) == 1


BROKEN = (  # a core Deployment whose YAML does not parse
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: crossplane\n        args: [core, start\n"
)


def test_a_refused_file_in_either_half_gives_one_runs_error(tmp_path: Path) -> None:
    for index in (1, 10):
        files = renders(tmp_path, 12, {index: BROKEN})
        code = same_as_one_run(tmp_path, files)
        assert code == 1
        out = check(tmp_path, files, "text", "2")
        assert f"cluster-{index:03}.yaml" in out[2] and "Traceback" not in out[2]


def test_refusals_keep_one_runs_order(tmp_path: Path) -> None:
    """XPN019 (what fix would refuse) comes after every install's findings in one run."""
    from tests.unit.test_rules import EXAMPLES

    shared = EXAMPLES["XPN019"][0]  # an env list shared through an anchor: fix would refuse
    files = renders(tmp_path, 12, {2: shared, 9: shared})
    same_as_one_run(tmp_path, files)
    assert check(tmp_path, files, "text", "2")[1].count("XPN019") == 2


def two_runs(files: list[str]) -> tuple[Any, Any]:
    """parallel.check's result (None: it fell back) and, where one run succeeds, one run's,
    rendered as JSON records."""
    config = with_mode(load_config(CONFIG_DATA, "corp"), "check")
    sources = [Source(f, Path(f).read_text()) for f in files]

    def run(part: list[Source]) -> tuple[Any, list[int]]:
        outcome = run_streams(config, part).outcome
        found = {r.doc.stream for p in outcome.plans for r in p.install.resources}
        return outcome, [i for i in range(len(part)) if i not in found]

    both = parallel.check(config, sources, run, report.finding_data, 3)
    try:
        outcome, empty = run(sources)
    except XpnetError:
        return both, None
    return both, ([(f.rule.id, report.finding_data(f)) for f in outcome.findings], empty)


def test_the_two_runs_are_used_where_they_are_one_run_and_not_elsewhere(tmp_path: Path) -> None:
    """The output tests above would pass with no second process at all: here the split itself
    answers (and equals one run) for self-contained renders, and declines otherwise."""
    files = renders(tmp_path, 12, {3: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"})
    both, one = two_runs(files)
    assert both == one and both[1] == [3]
    for change in ({10: DRC.format(i=10)}, {1: BROKEN}, {11: BROKEN}):
        assert two_runs(renders(tmp_path, 12, change))[0] is None, change


def test_a_configmap_read_from_another_file_falls_back_to_one_run(tmp_path: Path) -> None:
    """A core's HTTPS_PROXY reads a ConfigMap that another file holds (valuefrom.py reads the
    ConfigMaps of every file of a run): only one run over every file reads it."""
    core = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n"
        "  namespace: crossplane-system\nspec:\n  template:\n    spec:\n      containers:\n"
        "      - name: crossplane\n        image: crossplane:v2.1.0\n        args: [core, start]\n"
        "        env:\n        - name: HTTPS_PROXY\n"
        "          valueFrom: {configMapKeyRef: {name: proxy, key: url}}\n"
    )
    configmap = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\n"
        "  namespace: crossplane-system\ndata:\n  url: http://old.proxy:3128\n"
    )
    files = renders(tmp_path, 12, {2: core, 10: configmap})
    assert two_runs(files)[0] is None
    assert same_as_one_run(tmp_path, files) == 1
    assert "XPN046" in check(tmp_path, files, "text", "2")[1]


@pytest.mark.parametrize("jobs", [2, 3, 5, 12, 20])
def test_the_files_are_split_in_order_and_none_is_lost(jobs: int) -> None:
    sizes = [5, 1, 1, 40, 1, 1, 1, 3, 2, 2, 9, 1]
    sources = [Source(f"f{i}", "x" * size) for i, size in enumerate(sizes)]
    parts = parallel._parts(sources, jobs)
    assert [s for p in parts for s in p] == sources
    assert 1 < len(parts) <= jobs and all(parts)


def test_jobs_must_be_a_number_of_processes(tmp_path: Path) -> None:
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(CONFIG_DATA))
    for wrong in ("0", "two", "-1"):
        done = subprocess.run(
            [str(BIN), "check", "-c", str(tmp_path / "xpnet.yaml"), "--jobs", wrong, str(CHART)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and "number of processes" in done.stderr, wrong


def test_a_selection_and_suppressions_give_one_runs_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """spec.policy leaves out a configuration finding (XPN015) and a rule; some files suppress
    another rule on their core: the parts still add up to one run's findings."""
    from xpnet.adapters.cli import main

    suppress = "ignore-check.xpnet.dev/XPN016: 'rolled out next week'"
    head = "kind: Deployment\nmetadata:\n  name: crossplane\n"
    text = CHART.read_text()
    assert head in text
    change = {i: text.replace(head, f"{head}  annotations:\n    {suppress}\n", 1) for i in (1, 4)}
    files = renders(tmp_path, 6, change)
    data = {**CONFIG_DATA, "spec": {**CONFIG_DATA["spec"]}}
    data["spec"]["proxy"] = {"httpsProxy": "http://user:secret@proxy:3128"}  # XPN015
    data["spec"]["policy"] = {"ignore": ["XPN015", "XPN012"]}
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(data))

    def run(output: str, *jobs: str) -> tuple[int, str]:
        code = main(["check", "-c", str(tmp_path / "xpnet.yaml"), "-o", output, *jobs, *files])
        return code, capsys.readouterr().out

    for output in ("text", "json", "sarif"):
        assert run(output, "--jobs", "3") == run(output), output
    out = run("text", "--jobs", "3")[1]
    assert "XPN015" not in out and "XPN012" not in out and " suppressed in 6 files" in out
