"""Chart values against the real crossplane chart of each release and real Helm 3:
`xpnet check` on a HelmRelease, an Application or a values file gives the same findings as on
what `helm template` renders from the same values; the values `xpnet fix` writes render into
manifests that pass `xpnet check`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN_DIR, ROOT, require, tools

EXAMPLE = ROOT / "examples" / "chart-values"
CONFIG = EXAMPLE / "xpnet.yaml"
VERSIONS = ("1.19.3", "1.20.11", "2.1.8", "2.3.4")
NAMESPACE = "crossplane-system"
PROXY = "http://proxy.corp.example:3128"
# What users write by hand: only HTTPS_PROXY, and a NO_PROXY without the API server or the
# function endpoints (crossplane#5499); a `.` key the chart renders with `_`.
HAND_WRITTEN: dict[str, Any] = {
    "args": ["--debug"],
    "extraEnvVarsCrossplane": {"HTTPS.PROXY": PROXY, "NO_PROXY": "localhost,.svc"},
    "extraEnvVarsRBACManager": {"NO_PROXY": "localhost"},
}


def xpnet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "xpnet"), *args], capture_output=True, text=True, timeout=60
    )


def helmrelease(version: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "crossplane", "namespace": "flux-system"},
        "spec": {
            "targetNamespace": NAMESPACE,
            "chart": {"spec": {"chart": "crossplane", "version": version}},
            "values": values,
        },
    }


def application(version: str, values: dict[str, Any], as_string: bool) -> dict[str, Any]:
    helm = {"values": yaml.safe_dump(values)} if as_string else {"valuesObject": values}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "crossplane", "namespace": "argocd"},
        "spec": {
            "destination": {"namespace": NAMESPACE},
            "sources": [
                {"repoURL": "https://git.example/values.git", "ref": "values"},
                {
                    "chart": "crossplane",
                    "repoURL": "https://charts.crossplane.io/stable",
                    "targetRevision": version,
                    "helm": helm,
                },
            ],
        },
    }


KINDS = ("values-file", "HelmRelease", "Application-values", "Application-valuesObject")


def write_input(kind: str, version: str, path: Path) -> list[str]:
    """The input file of one kind; the xpnet arguments that read it. From chart v2 the init
    container's map is there too, with a proxy set."""
    values = dict(HAND_WRITTEN)
    if not version.startswith("1."):
        values["extraEnvVarsCrossplaneInit"] = {"https_proxy": PROXY}
    if kind == "values-file":
        path.write_text(yaml.safe_dump(values))
        return ["--values", str(path), "--chart-version", version, "--namespace", NAMESPACE]
    if kind == "HelmRelease":
        doc = helmrelease(version, values)
    else:
        doc = application(version, values, as_string=kind == "Application-values")
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return [str(path)]


def values_of(kind: str, path: Path) -> dict[str, Any]:
    """The values the pipeline hands to Helm, read from the input as the tool reads it."""
    data = yaml.safe_load(path.read_text())
    if kind == "values-file":
        return data  # type: ignore[no-any-return]
    if kind == "HelmRelease":
        return data["spec"]["values"]  # type: ignore[no-any-return]
    helm = data["spec"]["sources"][1]["helm"]
    if kind == "Application-values":
        return yaml.safe_load(helm["values"])  # type: ignore[no-any-return]
    return helm["valuesObject"]  # type: ignore[no-any-return]


def render(helm: Path, chart: Path, values: dict[str, Any], tmp: Path) -> Path:
    values_file = tmp / "rendered-values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    done = subprocess.run(
        [str(helm), "template", "crossplane", str(chart), "-n", NAMESPACE, "-f", str(values_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = tmp / "rendered.yaml"
    out.write_text(done.stdout)
    return out


Finding = tuple[str, str, str | None, str]


def findings(*args: str) -> tuple[int, list[Finding]]:
    """The exit code and the findings: (which Deployment, rule, variable, message)."""
    done = xpnet("check", "-c", str(CONFIG), "-o", "json", *args)
    assert done.returncode in (0, 1), done.stderr
    out = []
    for f in json.loads(done.stdout):
        field, resource = f["field"] or "", f["resource"] or ""
        if "RBACManager" in field or "rbac-manager" in resource:
            which = "rbac-manager"
        elif "CrossplaneInit" in field or f["container"] == "crossplane-init":
            which = "init"
        else:
            which = "core"
        out.append((which, f["rule"], f["variable"], f["message"]))
    return done.returncode, sorted(out)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_values_check_and_fix_agree_with_the_rendered_chart(
    helm3: Path, shared_crossplane: Path, tmp_path: Path, version: str, kind: str
) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(shared_crossplane / "charts" / f"crossplane-{version}", chart)
    source = tmp_path / "input.yaml"
    args = write_input(kind, version, source)

    code, before = findings(*args)
    rendered = render(helm3, chart, values_of(kind, source), tmp_path)
    rendered_code, rendered_before = findings(str(rendered))
    assert (code, rendered_code) == (1, 1)
    assert before == rendered_before  # the same verdict, finding for finding
    assert ("rbac-manager", "XPN012", "no_proxy") in {f[:3] for f in before}
    if not version.startswith("1."):
        assert ("init", "XPN012", "HTTPS_PROXY") in {f[:3] for f in before}
    assert any(rule == "XPN003" for _, rule, _, _ in before)

    fixed = xpnet("fix", "-c", str(CONFIG), *args)
    assert fixed.returncode == 0, fixed.stderr
    text = source.read_text()
    core = values_of(kind, source)["extraEnvVarsCrossplane"]
    assert "HTTPS.PROXY" in core and "HTTPS_PROXY" not in core  # the key as written kept
    assert findings(*args) == (0, [])
    rendered = render(helm3, chart, values_of(kind, source), tmp_path)
    assert findings(str(rendered)) == (0, [])

    again = xpnet("fix", "-c", str(CONFIG), *args)
    assert again.returncode == 0 and "nothing to fix" in again.stderr
    assert source.read_text() == text


@pytest.mark.parametrize("version", VERSIONS)
def test_image_tag_overrides_the_chart_version(
    helm3: Path, shared_crossplane: Path, tmp_path: Path, version: str
) -> None:
    """image.tag v1.19.2 on any chart: grpc-go 1.68 matches the pod IP, in values and render."""
    values = {"image": {"tag": "v1.19.2"}, "extraEnvVarsCrossplane": {"HTTPS_PROXY": PROXY}}
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    args = ["--values", str(path), "--chart-version", version]
    _, before = findings(*args)
    chart = shared_crossplane / "charts" / f"crossplane-{version}"
    rendered = render(helm3, chart, values, tmp_path)
    _, after = findings(str(rendered))
    assert before == after
    assert any(r == "XPN004" and "1.19.2" in m and "pod IP" in m for _, r, _, m in before)


def test_the_examples_fix_into_values_that_render_clean(
    helm3: Path, shared_crossplane: Path, tmp_path: Path
) -> None:
    """The bundled HelmRelease (chart 2.1.8) and Application (values string, chart 1.19.3)."""
    for name, kind, version in (
        ("helmrelease.yaml", "HelmRelease", "2.1.8"),
        ("application.yaml", "Application", "1.19.3"),
    ):
        target = tmp_path / name
        shutil.copy(EXAMPLE / name, target)
        assert xpnet("check", "-c", str(CONFIG), str(target)).returncode == 1
        done = xpnet("fix", "-c", str(CONFIG), str(target))
        assert done.returncode == 0, done.stderr
        data = yaml.safe_load(target.read_text())
        if kind == "HelmRelease":
            values = data["spec"]["values"]
        else:
            values = yaml.safe_load(data["spec"]["source"]["helm"]["values"])
            assert target.read_text().count("values: |") == 1  # still a literal block string
        chart = shared_crossplane / "charts" / f"crossplane-{version}"
        rendered = render(helm3, chart, values, tmp_path)
        assert findings(str(rendered)) == (0, [])


@pytest.mark.parametrize("source", ("chart defaults", "rendered with hand-written values"))
@pytest.mark.parametrize("version", VERSIONS)
def test_patches_in_a_real_kustomize_build_pass_check(
    helm3: Path, shared_crossplane: Path, tmp_path: Path, version: str, source: str
) -> None:
    """`xpnet patch` into a kustomization's `patches:` over the plain chart render (what a Flux
    HelmRelease's postRenderers do): the build passes `xpnet check`."""
    kustomize = require(tools.kustomize_path(tools.KUSTOMIZE_VERSIONS[-1]), "kustomize")
    chart = shared_crossplane / "charts" / f"crossplane-{version}"
    hand_written = source != "chart defaults"
    rendered = render(helm3, chart, HAND_WRITTEN if hand_written else {}, tmp_path)
    if hand_written:
        done = xpnet("patch", "-c", str(CONFIG), str(rendered))
    else:
        done = xpnet("patch", "-c", str(CONFIG), "--chart-version", version)
    assert done.returncode == 0, done.stderr
    items = yaml.safe_load(done.stdout)
    assert [i["target"]["name"] for i in items] == (
        ["crossplane", "crossplane-rbac-manager"] if hand_written else ["crossplane"]
    )
    assert findings(str(rendered))[0] == 1
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump({"resources": [rendered.name], "patches": items})
    )
    built = subprocess.run(
        [str(kustomize), "build", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    (tmp_path / "built.yaml").write_text(built.stdout)
    assert findings(str(tmp_path / "built.yaml")) == (0, [])
    assert built.stdout.count("kind: Deployment") == 2


def test_the_readme_commands_of_this_section_run_on_the_examples() -> None:
    """The shell lines of the chart-values how-to run as written (from the repository root):
    the examples are unfixed, so check fails with findings, fix --diff and patch succeed."""
    page = (ROOT / "docs" / "how-to" / "helm-values.md").read_text()
    section = page.split("# Helm values", 1)[1].split("\n## ", 1)[0]
    commands = [
        line
        for block in section.split("```sh\n")[1:]
        for line in block.split("```", 1)[0].splitlines()
        if line.strip()
    ]
    assert len(commands) == 4
    env = {"PATH": f"{BIN_DIR}:/usr/bin:/bin"}
    for command in commands:
        done = subprocess.run(
            command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        expected = 1 if command.startswith("xpnet check") else 0
        assert done.returncode == expected, (command, done.stderr)
        assert "Traceback" not in done.stderr and done.stdout.strip(), command


@pytest.mark.parametrize("version", VERSIONS)
def test_xpnet_values_pass_check_as_values_and_rendered(
    helm3: Path, shared_crossplane: Path, tmp_path: Path, version: str
) -> None:
    """What `xpnet values` prints is what `check` and `fix` expect of values, for every chart:
    the render passes check and fix changes nothing in it (the init container and the RBAC
    manager, which talk to the API server only, get no proxy from either)."""
    done = xpnet("values", "-c", str(CONFIG), "--chart-version", version)
    assert done.returncode == 0, done.stderr
    values = yaml.safe_load(done.stdout)
    assert set(values) == {"extraEnvVarsCrossplane"}
    path = tmp_path / "values.yaml"
    path.write_text(done.stdout)
    assert findings("--values", str(path), "--chart-version", version) == (0, [])
    chart = shared_crossplane / "charts" / f"crossplane-{version}"
    rendered = render(helm3, chart, values, tmp_path)
    assert findings(str(rendered)) == (0, [])
    before = rendered.read_bytes()
    fixed = xpnet("fix", "-c", str(CONFIG), str(rendered))
    assert fixed.returncode == 0, fixed.stderr
    assert rendered.read_bytes() == before, "fix changed the render of xpnet values"


def test_a_gitops_repository_built_by_kustomize_gets_fixed_values(
    kustomize: Path, tmp_path: Path
) -> None:
    """A repository of a HelmRelease and an Application built by real kustomize with the KRM
    function (what CI does before Flux or Argo CD see it): both come out fixed and checked."""
    for name in ("helmrelease.yaml", "application.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    config = yaml.safe_load(CONFIG.read_text())
    function = f"exec:\n  path: {ROOT / 'kustomize' / 'xpnet-fn'}\n"
    config["metadata"]["annotations"] = {"config.kubernetes.io/function": function}
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [helmrelease.yaml, application.yaml]\ntransformers: [xpnet.yaml]\n"
    )
    built = subprocess.run(
        [str(kustomize), "build", "--enable-alpha-plugins", "--enable-exec", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    out = tmp_path / "built.yaml"
    out.write_text(built.stdout)
    assert findings(str(out)) == (0, [])
    app = next(d for d in yaml.safe_load_all(built.stdout) if d["kind"] == "Application")
    assert isinstance(app["spec"]["source"]["helm"]["values"], str)
