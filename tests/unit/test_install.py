"""install.py: which resources make up which install (one install per core)."""

from __future__ import annotations

import pytest

from tests.unit_helpers import DRC, core, installs, rbac
from xpnet.errors import InputError
from xpnet.install import Role


def test_one_core_takes_everything_of_the_run() -> None:
    (install,) = installs(core() + "---\n" + rbac(), DRC)
    assert [r.role for r in install.resources] == [
        Role.CORE,
        Role.RBAC_MANAGER,
        Role.RUNTIME_CONFIG,
    ]
    assert install.namespaces == ("crossplane-system",) and install.version.text == "2.1.0"


def test_each_file_with_a_core_is_its_own_install() -> None:
    a, b = installs(core(tag="v2.1.0") + "---\n" + DRC, core("upbound-system", "v1.19.2"))
    assert a.namespaces == ("crossplane-system",) and a.version.text == "2.1.0"
    assert b.namespaces == ("upbound-system",) and b.version.text == "1.19.2"
    assert [r.kind for r in a.resources] == ["Deployment", "DeploymentRuntimeConfig"]


def test_runtime_configs_without_their_install_cover_every_install() -> None:
    a, b, shared = installs(core(), core("other"), DRC)
    assert shared.covers == (a.core, b.core)
    assert shared.namespaces == ("crossplane-system", "other")
    assert shared.version.text is None


def test_the_rbac_manager_joins_the_core_of_its_namespace() -> None:
    a, b = installs(core() + "---\n" + core("other") + "---\n" + rbac("other"))
    assert [r.role for r in b.resources] == [Role.CORE, Role.RBAC_MANAGER]
    assert [r.role for r in a.resources] == [Role.CORE]


def test_without_a_core_the_configured_namespace_is_used() -> None:
    (install,) = installs(DRC, namespace="xp")
    assert install.namespaces == ("xp",) and install.core is None
    assert installs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n") == ()


def test_containers_that_are_not_a_list_are_refused() -> None:
    text = DRC + "spec:\n  deploymentTemplate:\n    spec:\n      template:\n        spec:\n"
    with pytest.raises(InputError, match="containers must be a list of containers"):
        installs(text + "          containers: {package-runtime: {}}\n")
