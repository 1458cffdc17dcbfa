"""benchmarks/run.py says what it is doing as it goes, and its quick mode finishes."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from types import ModuleType

import pytest

from tests.conftest import ROOT, require, tools

RUN = ROOT / "benchmarks" / "run.py"


def load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # @dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_progress_names_each_step_and_a_failure_its_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = load_run()
    said: list[str] = []
    cat, true = (run.Command("install+100", name, [name], None) for name in ("cat", "true"))
    measured = run.measure([cat, true], 2, say=said.append)
    assert said[:2] == ["install+100: cat: warm-up", "install+100: true: warm-up"]
    for k in (1, 2):  # side by side: a round runs each command once, in its own order
        lines = said[2 * k : 2 * k + 2]
        assert {x.split(": ")[1] for x in lines} == {"cat", "true"}
        assert all(x.endswith(f"round {k}/2") for x in lines)
    assert said[6:] == ["install+100: cat: peak RSS", "install+100: true: peak RSS"]
    again: list[str] = []
    run.measure([cat, true], 2, say=again.append)
    assert again == said  # seeded: every run of the benchmark uses the same orders
    assert len(measured) == 2 and all(m.wall > 0 for m in measured)
    failing = run.Command("install", "xpnet-fn", ["sh", "-c", "echo boom >&2; exit 3"], None)
    with pytest.raises(SystemExit, match="exit 3\nboom"):
        run.measure([failing], 1)
    say = run.Progress(every=0.1)
    say("install+5000: capturing kustomize's ResourceList")
    time.sleep(0.25)
    say.close("done in 1 s")
    lines = capsys.readouterr().err.splitlines()
    assert re.fullmatch(
        r"\[ +\d+\.\d s\] install\+5000: capturing kustomize's ResourceList", lines[0]
    )
    assert "capturing kustomize's ResourceList: still running (0 s)" in lines[1]
    assert lines[-1].endswith("] done in 1 s")


@pytest.mark.slow
def test_quick_mode_prints_progress_and_finishes() -> None:
    require(tools.kustomize_path(tools.KUSTOMIZE_VERSIONS[-1]), "kustomize (the benchmark's)")
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    progress = done.stderr.splitlines()
    assert progress[0].endswith("about a minute on 2 cores; the table is printed at the end")
    assert (
        "quick mode (less precise): sizes 0,100, platform 100, large 0, renders 20" in (progress[0])
    )
    assert all(re.match(r"\[ +\d+\.\d s\] ", line) for line in progress), done.stderr
    for step in (
        "install+100: ruamel round-trip: round 2/2",
        "install+100: kustomize build + xpnet-fn",
        "install+100: xpnet-fn: peak RSS",
        "platform+100: pyyaml load/edit/dump: round 2/2",
        "20 renders, fixed: xpnet check, 20 renders: round 2/2",
        "20 renders, unfixed: xpnet check, one render: round 1/2",
    ):
        assert any(step in line for line in progress), step
    assert re.search(r"done in \d+ s$", progress[-1])
    assert done.stdout.startswith("QUICK MODE: small inputs and few runs, less precise")
    rows = [
        ("install", "bare interpreter (python -c pass)"),
        ("install+100 (0.2 MB)", "xpnet-fn"),
        ("install+100 (0.2 MB)", "pyyaml load/edit/dump"),
        ("install+100 (0.2 MB)", "ruamel round-trip"),
        ("install+100 (0.2 MB)", "kustomize build + cat"),
        ("platform+100 (0.2 MB)", "xpnet-fn"),
        ("20 renders, fixed", "xpnet check, 20 renders"),
    ]
    if tools.helm_path("3").exists():
        rows.append(("install (0.0 MB)", "helm 3 template + xpnet-helm post-renderer"))
    for where, command in rows:
        where = "-" if command.startswith("bare") else re.escape(where)
        assert re.search(rf"^{where} +{re.escape(command)} +\d+\.\d{{3}} ", done.stdout, re.M), (
            command
        )
    assert "targets" not in done.stdout.split("\n", 1)[1]
