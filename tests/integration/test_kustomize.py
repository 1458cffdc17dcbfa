"""The real standalone kustomize runs xpnet-fn as an exec KRM function."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from tests.conftest import BIN_DIR, ROOT, UPDATE_GOLDEN

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "kustomization.yaml").exists())
FN = ROOT / "kustomize" / "xpnet-fn"
VENV_FN = BIN_DIR / "xpnet-fn"


def build(kustomize: Path, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(kustomize), "build", "--enable-alpha-plugins", "--enable-exec", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def xpnet_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("xpnet: ")]


def kustomization(directory: Path, resources: list[str], config: str | None, fn: Path = FN) -> Path:
    """A kustomization around `resources` with a ClusterNetwork transformer config (or none)."""
    listed = "".join(f"- {r}\n" for r in resources)
    transformers = ""
    if config is not None:
        (directory / "xpnet.yaml").write_text(re.sub(r"path: \S+", f"path: {fn}", config))
        transformers = "transformers:\n- xpnet.yaml\n"
    (directory / "kustomization.yaml").write_text(f"resources:\n{listed}{transformers}")
    return directory


def load_all(text: str) -> list[dict[str, Any]]:
    return [d for d in YAML(typ="safe", pure=True).load_all(text) if d]


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_builds_as_expected_and_is_idempotent(
    kustomize: Path, example: Path, tmp_path: Path
) -> None:
    done = build(kustomize, example)
    expected_err = example / "expected-stderr.txt"
    if UPDATE_GOLDEN and done.returncode != 0:
        expected_err.write_text("\n".join(xpnet_lines(done.stderr)) + "\n")
    if expected_err.exists():
        assert done.returncode == 1, done.stderr
        assert "\n".join(xpnet_lines(done.stderr)) + "\n" == expected_err.read_text()
        assert done.stdout == ""
        return
    assert done.returncode == 0, done.stderr
    expected = example / "expected.yaml"
    if UPDATE_GOLDEN:
        expected.write_text(done.stdout)
    assert done.stdout == expected.read_text()

    # A second pass over the output changes nothing.
    shutil.copy(expected, tmp_path / "input.yaml")
    kustomization(tmp_path, ["input.yaml"], (example / "xpnet.yaml").read_text())
    again = build(kustomize, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == expected.read_text()


CHART_CONFIG = """\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: xpnet-fn
spec:
  proxy:
    httpsProxy: http://proxy.example.com:3128
    noProxy: [.corp.example]
  cluster:
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
"""
DRC = """\
apiVersion: pkg.crossplane.io/v1beta1
kind: DeploymentRuntimeConfig
metadata:
  name: default
---
apiVersion: pkg.crossplane.io/v1beta1
kind: DeploymentRuntimeConfig
metadata:
  name: provider
spec:
  deploymentTemplate:
    spec:
      selector: {}
      template: {}
---
apiVersion: pkg.crossplane.io/v1alpha1
kind: ControllerConfig
metadata:
  name: legacy
spec: {}
"""
REQUIRED_ALWAYS = [
    "localhost",
    "127.0.0.1",
    "10.96.0.1",
    ".svc",
    ".cluster.local",
    "10.244.0.0/16",
    "10.96.0.0/12",
    ".corp.example",
    "crossplane-system",
    ".crossplane-system",
]


@functools.cache
def crd_schema(path: Path) -> dict[str, Any]:
    crd = YAML(typ="safe", pure=True).load(path.read_text())
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def containers(doc: dict[str, Any], podspec: tuple[str, ...]) -> list[dict[str, Any]]:
    node: Any = doc
    for key in podspec:
        node = (node or {}).get(key)
    return [*(node or {}).get("initContainers", []), *(node or {}).get("containers", [])]


@pytest.mark.parametrize(
    "chart",
    [
        "chart-head-default.yaml",
        "chart-head-proxy.yaml",
        "chart-v1.20.11-proxy.yaml",
        "chart-v1.20.11-as-v1.19.2-proxy.yaml",
    ],
)
def test_real_charts(kustomize: Path, shared_crossplane: Path, chart: str, tmp_path: Path) -> None:
    (tmp_path / "chart.yaml").write_text((shared_crossplane / chart).read_text())
    (tmp_path / "drc.yaml").write_text(DRC)
    kustomization(tmp_path, ["chart.yaml", "drc.yaml"], None)
    plain = build(kustomize, tmp_path)
    assert plain.returncode == 0, plain.stderr
    kustomization(tmp_path, ["chart.yaml", "drc.yaml"], CHART_CONFIG, fn=VENV_FN)
    done = build(kustomize, tmp_path)
    assert done.returncode == 0, done.stderr
    docs = load_all(done.stdout)

    # Everything xpnet does not rewrite comes out exactly as a plain kustomize build emits it.
    unrelated = [
        d
        for d in plain.stdout.split("---\n")
        if "kind: Deployment" not in d
        and "kind: DeploymentRuntimeConfig" not in d
        and "kind: ControllerConfig" not in d
    ]
    assert len(unrelated) > 20
    assert [d for d in done.stdout.split("---\n") if d in unrelated] == unrelated

    core = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "crossplane"
    )
    main = next(
        c for c in containers(core, ("spec", "template", "spec")) if c["name"] == "crossplane"
    )
    env = {e["name"]: e.get("value") for e in main["env"]}
    for upper in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        assert env[upper] == env[upper.lower()]
    entries = env["NO_PROXY"].split(",")
    for entry in REQUIRED_ALWAYS:
        assert entry in entries
    no_proxy_values = set()
    for doc in docs:
        podspec = ("spec", "template", "spec")
        if doc["kind"] == "DeploymentRuntimeConfig":
            podspec = ("spec", "deploymentTemplate", "spec", "template", "spec")
        for c in containers(doc, podspec):
            values = {e["name"]: e.get("value") for e in c.get("env", [])}
            no_proxy_values |= {values[k] for k in ("NO_PROXY", "no_proxy") if k in values}
        if doc["kind"] == "ControllerConfig":
            values = {e["name"]: e.get("value") for e in doc["spec"]["env"]}
            no_proxy_values |= {values["NO_PROXY"], values["no_proxy"]}
    assert no_proxy_values == {env["NO_PROXY"]}, "one set for the whole install"

    drc_schema = crd_schema(shared_crossplane / "crd-deploymentruntimeconfigs.yaml")
    cc_schema = crd_schema(shared_crossplane / "crd-controllerconfigs-v1.20.11.yaml")
    written = [d for d in docs if d["kind"] in ("DeploymentRuntimeConfig", "ControllerConfig")]
    assert len(written) == 3
    for doc in written:
        schema = drc_schema if doc["kind"] == "DeploymentRuntimeConfig" else cc_schema
        jsonschema.validate(doc, schema)

    (tmp_path / "chart.yaml").write_text(done.stdout)
    (tmp_path / "drc.yaml").write_text("")
    again = build(kustomize, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == done.stdout


def test_example_runtime_configs_validate_against_the_real_crds(shared_crossplane: Path) -> None:
    drc_schema = crd_schema(shared_crossplane / "crd-deploymentruntimeconfigs.yaml")
    cc_schema = crd_schema(shared_crossplane / "crd-controllerconfigs-v1.20.11.yaml")
    checked = 0
    for expected in ROOT.glob("examples/*/expected.yaml"):
        for doc in load_all(expected.read_text()):
            if doc["kind"] == "DeploymentRuntimeConfig":
                jsonschema.validate(doc, drc_schema)
                checked += 1
            elif doc["kind"] == "ControllerConfig":
                jsonschema.validate(doc, cc_schema)
                checked += 1
    assert checked >= 4


def test_check_mode_fails_the_build_naming_resource_container_and_entry(
    kustomize: Path, tmp_path: Path
) -> None:
    example = ROOT / "examples" / "check-incomplete"
    done = build(kustomize, example)
    assert done.returncode != 0
    lines = xpnet_lines(done.stderr)
    assert any(
        "Deployment/crossplane-system/crossplane: container crossplane: NO_PROXY: XPN004" in line
        and "add .crossplane-system" in line
        for line in lines
    )
    assert any("XPN003" in line and "add 10.96.0.1" in line for line in lines)


def test_config_errors_name_the_config_file(kustomize: Path, tmp_path: Path) -> None:
    """kustomize passes no path: the file is found beside the kustomization, or from its origin."""
    base, overlay = tmp_path / "base", tmp_path / "overlay"
    (base / "fn").mkdir(parents=True)
    overlay.mkdir()
    (base / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    bad = CHART_CONFIG.replace("podCIDRs:", "podCIRDs:").replace("path: xpnet-fn", f"path: {FN}")
    (base / "fn" / "xpnet.yaml").write_text(bad)
    (base / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\ntransformers: [fn/xpnet.yaml]\n"
    )
    (overlay / "kustomization.yaml").write_text(
        "resources: [../base]\nbuildMetadata: [originAnnotations]\n"
    )
    for folder in (base, overlay):
        done = build(kustomize, folder)
        assert done.returncode != 0
        assert xpnet_lines(done.stderr) == [
            f"xpnet: {base / 'fn' / 'xpnet.yaml'}: functionConfig corp: "
            "spec.cluster.podCIRDs: unknown field; did you mean podCIDRs?"
        ], done.stderr


NETPOL_CONFIG = (
    CHART_CONFIG.replace(
        "    serviceCIDRs: [10.96.0.0/12]\n",
        "    serviceCIDRs: [10.96.0.0/12]\n    apiServerAddresses: [192.168.10.5]\n",
    )
    # What NO_PROXY sends direct must pass the policies: the config's .corp.example is declared
    # with its addresses, and the chart's 10.0.0.0/8 (blocked outside the cluster) is dropped.
    + "  networkPolicy:\n    enabled: true\n    proxyCIDRs: [10.20.0.10/32]\n"
    + "    extraEgress:\n    - {cidr: 10.50.0.0/16, ports: [443], hosts: [.corp.example]}\n"
    + "  policy:\n    existingEntries: replace\n"
)
NETPOL_SCHEMA = (
    ROOT / "tests" / "fixtures" / "networkpolicy" / "networkpolicy-networking-v1.schema.json"
)


def test_network_policies_through_real_kustomize(
    kustomize: Path, shared_crossplane: Path, goyaml: Path, tmp_path: Path
) -> None:
    """Issue 13 through the real tool: with spec.networkPolicy.enabled the build gains xpnet's
    four policies, valid NetworkPolicies as libyaml and Go read them; building the output again
    adds none and changes nothing."""
    from tests.goyaml import go_load

    (tmp_path / "chart.yaml").write_text(
        (shared_crossplane / "chart-v1.20.11-proxy.yaml").read_text()
    )
    kustomization(tmp_path, ["chart.yaml"], NETPOL_CONFIG, fn=VENV_FN)
    done = build(kustomize, tmp_path)
    assert done.returncode == 0, done.stderr
    policies = [d for d in load_all(done.stdout) if d["kind"] == "NetworkPolicy"]
    assert sorted(p["metadata"]["name"] for p in policies) == [
        "xpnet-core-egress",
        "xpnet-function-egress",
        "xpnet-function-ingress",
        "xpnet-provider-egress",
    ]
    schema = json.loads(NETPOL_SCHEMA.read_text())
    for policy in policies:
        jsonschema.validate(policy, schema)
        assert policy["metadata"]["namespace"] == "crossplane-system"
    (go_docs,) = go_load([done.stdout], goyaml)
    assert isinstance(go_docs, list)
    assert [d for d in go_docs if d["kind"] == "NetworkPolicy"] == policies
    (tmp_path / "chart.yaml").write_text(done.stdout)
    again = build(kustomize, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == done.stdout
