"""Issue 12 against real Helm 3 and the real charts: what `xpnet fix` wires into a rendered core
for spec.trust is exactly what the chart renders for registryCaBundleConfig (so a later switch
to chart values changes nothing), and a values-aware fix sets registryCaBundleConfig so that the
chart renders the same. Read by libyaml and by Go's sigs.k8s.io/yaml."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN_DIR, require, tools
from tests.goyaml import go_load
from tests.integration.test_chart_values import NAMESPACE, PROXY, VERSIONS, render
from tests.unit.test_trust import trust_config
from xpnet import verify

CONFIG = trust_config()  # the shared test ClusterNetwork (proxy PROXY) with spec.trust
VALUES: dict[str, Any] = {"extraEnvVarsCrossplane": {"HTTPS_PROXY": PROXY}}
CA_VALUES = {**VALUES, "registryCaBundleConfig": {"name": "corp-ca", "key": "ca.crt"}}


def xpnet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "xpnet"), *args], capture_output=True, text=True, timeout=60
    )


def read(goyaml: Path, path: Path) -> list[Any]:
    """The documents as libyaml and Go read them; they must agree."""
    text = path.read_text()
    (from_go,) = go_load([text], goyaml)
    assert not isinstance(from_go, str), from_go
    from_libyaml = [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]
    assert verify.difference(from_libyaml, from_go) is None
    return from_libyaml


@pytest.mark.parametrize("version", VERSIONS)
def test_fix_wires_what_the_chart_renders_for_registry_ca_bundle_config(
    helm3: Path, goyaml: Path, shared_crossplane: Path, tmp_path: Path, version: str
) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(shared_crossplane / "charts" / f"crossplane-{version}", chart)
    config = tmp_path / "xpnet.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    plain = render(helm3, chart, VALUES, tmp_path).rename(tmp_path / "plain.yaml")
    with_ca = render(helm3, chart, CA_VALUES, tmp_path).rename(tmp_path / "with-ca.yaml")

    check = xpnet("check", "-c", str(config), str(plain))
    assert check.returncode == 1 and "XPN026" in check.stdout + check.stderr
    for path in (plain, with_ca):
        done = xpnet("fix", "-c", str(config), str(path))
        assert done.returncode == 0, done.stderr
    # The chart's own wiring needs nothing from xpnet: only proxy variables were set there.
    assert "CA_BUNDLE_PATH" not in xpnet("fix", "-c", str(config), str(with_ca)).stderr
    assert verify.difference(read(goyaml, plain), read(goyaml, with_ca)) is None
    for path in (plain, with_ca):
        assert xpnet("check", "-c", str(config), str(path)).returncode == 0

    # Values-aware: the fixed values render what fix made of the plain render.
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(VALUES))
    done = xpnet("fix", "-c", str(config), "--values", str(values), "--chart-version", version)
    assert done.returncode == 0, done.stderr
    fixed_values = yaml.safe_load(values.read_text())
    assert fixed_values["registryCaBundleConfig"] == {"name": "corp-ca", "key": "ca.crt"}
    rendered = render(helm3, chart, fixed_values, tmp_path)
    assert verify.difference(read(goyaml, rendered), read(goyaml, plain)) is None
    assert xpnet("check", "-c", str(config), str(rendered)).returncode == 0
    assert NAMESPACE in rendered.read_text()


@pytest.mark.parametrize("version", VERSIONS)
def test_fix_points_the_charts_wiring_of_another_bundle_at_the_corporate_one(
    helm3: Path, goyaml: Path, shared_crossplane: Path, tmp_path: Path, version: str
) -> None:
    """A render whose registryCaBundleConfig names another ConfigMap and key: the chart's own
    wiring is xpnet's to adjust (CA_BUNDLE_PATH on the ca-certs mount is not a bundle of the
    user's, XPN045), and what fix makes of it is what the chart renders for spec.trust's."""
    chart = tmp_path / "chart"
    shutil.copytree(shared_crossplane / "charts" / f"crossplane-{version}", chart)
    config = tmp_path / "xpnet.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    old_values = {**VALUES, "registryCaBundleConfig": {"name": "old-ca", "key": "old.crt"}}
    old = render(helm3, chart, old_values, tmp_path).rename(tmp_path / "old.yaml")
    with_ca = render(helm3, chart, CA_VALUES, tmp_path).rename(tmp_path / "with-ca.yaml")
    for path in (old, with_ca):
        done = xpnet("fix", "-c", str(config), str(path))
        assert done.returncode == 0, done.stderr
    assert verify.difference(read(goyaml, old), read(goyaml, with_ca)) is None
    assert xpnet("check", "-c", str(config), str(old)).returncode == 0


@pytest.mark.parametrize("version", VERSIONS)
def test_patches_wire_the_bundle_in_a_real_kustomize_build(
    helm3: Path, goyaml: Path, shared_crossplane: Path, tmp_path: Path, version: str
) -> None:
    """`xpnet patch` with spec.trust over the plain render, built by real kustomize: the core
    gets the volume and mount with CA_BUNDLE_PATH (a strategic merge patch merges volumes by
    name and mounts by mountPath), and the build passes check."""
    kustomize = require(tools.kustomize_path(tools.KUSTOMIZE_VERSIONS[-1]), "kustomize")
    chart = tmp_path / "chart"
    shutil.copytree(shared_crossplane / "charts" / f"crossplane-{version}", chart)
    config = tmp_path / "xpnet.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    plain = render(helm3, chart, VALUES, tmp_path).rename(tmp_path / "plain.yaml")
    done = xpnet("patch", "-c", str(config), str(plain))
    assert done.returncode == 0, done.stderr
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump({"resources": [plain.name], "patches": yaml.safe_load(done.stdout)})
    )
    built = subprocess.run(
        [str(kustomize), "build", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stderr
    (tmp_path / "built.yaml").write_text(built.stdout)
    docs = read(goyaml, tmp_path / "built.yaml")
    core = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "crossplane"
    )
    pod = core["spec"]["template"]["spec"]
    main = next(c for c in pod["containers"] if c["name"] == "crossplane")
    assert {"mountPath": "/certs", "name": "ca-certs"} in main["volumeMounts"]
    assert {"name": "ca-certs", "configMap": CA_VOLUME} in pod["volumes"]
    check = xpnet("check", "-c", str(config), str(tmp_path / "built.yaml"))
    assert check.returncode == 0, check.stdout + check.stderr


CA_VOLUME = {"name": "corp-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}
