"""A chart's templates are its source, not data: xpnet never rewrites or judges a document that
holds Go template actions, says so (XPN065), and exits 0; a template elsewhere in a file (a
ConfigMap's alerting text) does not stop the rest of the file from being fixed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.resource_lists import wrap
from xpnet.yaml.scan import Segment, template_line

CORPUS = ROOT / "tests" / "adversarial" / "templates"
CHART_TEMPLATES = ROOT / "tests" / "fixtures" / "chart" / "templates"
CONFIG = ROOT / "examples" / "crossplane-1.19" / "xpnet.yaml"
BIN = Path(sys.executable).parent
TEMPLATES = sorted(CORPUS.glob("*.yaml"))


def xpnet(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "xpnet"), *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_fix_leaves_a_template_as_it_is_and_says_so(tmp_path: Path, path: Path) -> None:
    shutil.copy(path, tmp_path / path.name)
    done = xpnet("fix", "-c", str(CONFIG), path.name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / path.name).read_bytes() == path.read_bytes()
    assert "XPN065" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_check_does_not_judge_a_template(tmp_path: Path, path: Path) -> None:
    shutil.copy(path, tmp_path / path.name)
    done = xpnet("check", "-c", str(CONFIG), path.name, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{path.name}:{template_line_of(path)}: info:" in done.stdout
    assert "XPN065" in done.stdout and ": error:" not in done.stdout


def template_line_of(path: Path) -> int | None:
    text = path.read_text()
    return template_line(Segment(0, len(text), text, 1))


def test_a_chart_templates_folder_as_pre_commit_hands_it(tmp_path: Path) -> None:
    """Every file of a chart's templates/ folder at once: nothing written, exit 0."""
    folder = tmp_path / "templates"
    shutil.copytree(CHART_TEMPLATES, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    files = sorted(p.name for p in folder.glob("*.yaml"))
    for command in ("fix", "check"):
        done = xpnet(command, "-c", str(CONFIG), *files, cwd=folder)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


RENDERED_WITH_ALERTS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: alerts
data:
  summary: "{{ $labels.instance }} is down"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crossplane
  namespace: crossplane-system
spec:
  selector:
    matchLabels: {app: crossplane}
  template:
    metadata:
      labels: {app: crossplane}
    spec:
      containers:
        - name: crossplane
          image: xpkg.crossplane.io/crossplane/crossplane:v1.19.0
          args: [core, start]
"""


def test_a_template_in_another_document_does_not_stop_the_fix(tmp_path: Path) -> None:
    (tmp_path / "rendered.yaml").write_text(RENDERED_WITH_ALERTS)
    done = xpnet("fix", "-c", str(CONFIG), "rendered.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    fixed = (tmp_path / "rendered.yaml").read_text()
    assert "NO_PROXY" in fixed and "{{ $labels.instance }} is down" in fixed
    assert "XPN065" not in done.stderr


RENDERED = sorted((CORPUS / "rendered").glob("*.yaml"))


@pytest.mark.parametrize("path", RENDERED, ids=[p.name for p in RENDERED])
def test_what_helm_rendered_is_a_manifest_whatever_braces_it_holds(
    tmp_path: Path, path: Path
) -> None:
    """`{{ }}` that a template wrote as data does not make Helm's output a template: check
    judges it, fix and the post-renderer rewrite it, a second fix changes nothing."""
    target = tmp_path / path.name
    shutil.copy(path, target)
    done = xpnet("check", "-c", str(CONFIG), path.name, cwd=tmp_path)
    assert done.returncode == 1 and "XPN016" in done.stdout, done.stdout + done.stderr
    assert "XPN065" not in done.stdout + done.stderr
    done = xpnet("fix", "-c", str(CONFIG), path.name, cwd=tmp_path)
    assert done.returncode == 0 and "XPN065" not in done.stderr, done.stderr
    fixed = target.read_text()
    assert "name: NO_PROXY" in fixed and "'{{ .Level }} {{ .Msg }}'" in fixed
    assert xpnet("check", "-c", str(CONFIG), path.name, cwd=tmp_path).returncode == 0
    assert xpnet("fix", "-c", str(CONFIG), path.name, cwd=tmp_path).returncode == 0
    assert target.read_text() == fixed
    helm = subprocess.run(
        [str(BIN / "xpnet-helm"), "-c", str(CONFIG)],
        input=path.read_text(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert helm.returncode == 0 and helm.stdout == fixed, helm.stderr


def test_the_krm_function_passes_a_template_item_through(tmp_path: Path) -> None:
    body = wrap((CORPUS / "quoted-actions.yaml").read_text(), CONFIG.read_text())
    items = body.split("items:\n", 1)[1].split("functionConfig:", 1)[0]
    done = subprocess.run([str(BIN / "xpnet-fn")], input=body, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert items in done.stdout and "XPN065" in done.stdout


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: b\n", None),
        ("a: '{{ x }}'\n", 1),
        ("a: b\n{{- if x }}\n", 2),
        ("a: '{{'\nb: '}}'\n", None),  # braces on two lines are not one action
        ("a: |\n  {{ .Values.x }}\n", 2),
    ],
)
def test_template_line(text: str, line: int | None) -> None:
    assert template_line(Segment(0, len(text), text, 1)) == line
