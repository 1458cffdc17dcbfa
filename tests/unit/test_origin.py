"""Which file a KRM functionConfig came from: annotations, or the kustomization it runs beside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.resource_lists import transform, wrap
from xpnet.errors import ConfigError
from xpnet.io.origin import config_file

CONFIG = """\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp-proxy
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: xpnet-fn
spec:
  proxy: {httpsProxy: "http://proxy:3128"}
  cluster: {podCIDRs: [], serviceCIDRs: [10.96.0.0/12]}
"""
# What kustomize v5.6.0 and v5.7.1 send as the functionConfig (dumped from a real build).
SENT: dict[str, Any] = {
    "apiVersion": "xpnet.dev/v1alpha1",
    "kind": "ClusterNetwork",
    "metadata": {
        "name": "corp-proxy",
        "annotations": {
            "config.kubernetes.io/function": "exec:\n  path: xpnet-fn\n",
            "config.kubernetes.io/local-config": "true",
        },
    },
    "spec": {},
}


def annotated(**annotations: str) -> dict[str, Any]:
    meta = SENT["metadata"]
    return SENT | {"metadata": meta | {"annotations": meta["annotations"] | annotations}}


def test_a_path_annotation_names_the_file() -> None:
    assert config_file(annotated(**{"config.kubernetes.io/path": "fn/xpnet.yaml"}), None) == (
        "fn/xpnet.yaml"
    )
    internal = annotated(**{"internal.config.kubernetes.io/path": "a.yaml"})
    assert config_file(internal, None) == "a.yaml"


def test_kustomize_origin_annotation_names_the_file() -> None:
    origin = {"config.kubernetes.io/origin": "path: ../base/xpnet.yaml\n"}
    assert config_file(annotated(**origin), None) == "../base/xpnet.yaml"
    remote = {"config.kubernetes.io/origin": "path: xpnet.yaml\nrepo: github.com/a/b\nref: v1\n"}
    assert config_file(annotated(**remote), None) == "xpnet.yaml in github.com/a/b@v1"


def test_nothing_to_go_by() -> None:
    assert config_file(SENT, None) is None
    assert config_file(annotated(**{"config.kubernetes.io/origin": "[broken"}), None) is None
    assert config_file(None, Path("/nonexistent")) is None
    assert config_file(SENT, Path("/nonexistent")) is None


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_found_among_the_kustomization_transformers(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "kustomization.yaml": "resources: [a.yaml]\ntransformers:\n- other.yaml\n- fn/x.yaml\n",
            "other.yaml": CONFIG.replace("corp-proxy", "other"),
            "fn/x.yaml": CONFIG,
        },
    )
    assert config_file(SENT, tmp_path) == str(tmp_path / "fn" / "x.yaml")
    # The found file is preferred to the origin, which is relative to a folder unknown here.
    origin = {"config.kubernetes.io/origin": "path: ../base/fn/x.yaml\n"}
    assert config_file(annotated(**origin), tmp_path) == str(tmp_path / "fn" / "x.yaml")


def test_found_in_a_transformer_folder(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Kustomization": "transformers: [fns]\n",
            "fns/kustomization.yml": "resources:\n- xpnet.yaml\n",
            "fns/xpnet.yaml": "# comment\n---\n" + CONFIG,
        },
    )
    assert config_file(SENT, tmp_path) == str(tmp_path / "fns" / "xpnet.yaml")


def test_found_inline_in_the_kustomization(tmp_path: Path) -> None:
    inline = "".join("  " + line + "\n" for line in CONFIG.splitlines())
    write(tmp_path, {"kustomization.yaml": "transformers:\n- |-\n" + inline})
    assert config_file(SENT, tmp_path) == str(tmp_path / "kustomization.yaml")


@pytest.mark.parametrize(
    "files",
    [
        {
            "kustomization.yaml": "transformers: [a.yaml, b.yaml]\n",
            "a.yaml": CONFIG,
            "b.yaml": CONFIG,
        },
        {"kustomization.yaml": "transformers: [a.yaml]\n", "a.yaml": CONFIG.replace("corp", "c")},
        {"kustomization.yaml": "transformers: [missing.yaml, '../../..']\n"},
        {"kustomization.yaml": "transformers: a.yaml\n", "a.yaml": CONFIG},
        {"kustomization.yaml": "transformers: [a.yaml]\n", "a.yaml": "a: [\n"},
        {"kustomization.yaml": "[not, a, mapping]\n"},
        {"kustomization.yaml": "transformers: [\n"},
    ],
    ids=["two", "other name", "missing", "not a list", "broken file", "list", "broken"],
)
def test_not_found_when_unsure(tmp_path: Path, files: dict[str, str]) -> None:
    assert config_file(SENT, write(tmp_path, files)) is None


def test_config_errors_through_the_function_name_the_file(tmp_path: Path) -> None:
    write(tmp_path, {"kustomization.yaml": "transformers: [xpnet.yaml]\n", "xpnet.yaml": CONFIG})
    text = wrap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", CONFIG)
    with pytest.raises(ConfigError) as raised:
        transform(text, tmp_path)
    assert str(raised.value).startswith(
        f"{tmp_path / 'xpnet.yaml'}: functionConfig corp-proxy: spec.cluster.podCIDRs: "
        "the list is empty; give at least one CIDR"
    )
    with pytest.raises(ConfigError, match=r"^functionConfig corp-proxy: spec\.cluster"):
        transform(text, tmp_path / "elsewhere")
