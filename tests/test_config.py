"""The ClusterNetwork model, its ConfigMap form, and the published schema agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import ROOT, UPDATE_GOLDEN
from xpnet.config import ClusterNetwork, json_schema, load_config
from xpnet.errors import ConfigError

SCHEMA_FILE = ROOT / "schemas" / "clusternetwork.schema.json"


def doc(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "proxy": {"httpsProxy": "http://proxy.corp.example:3128"},
        "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
    }
    for key, value in spec.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged = {**base[key], **value}
            base[key] = {k: v for k, v in merged.items() if v is not None}
        else:
            base[key] = value
    return {
        "apiVersion": "xpnet.dev/v1alpha1",
        "kind": "ClusterNetwork",
        "metadata": {"name": "corp"},
        "spec": base,
    }


VALID = [
    doc(),
    doc(proxy={"httpProxy": "http://user:pa%20ss@proxy:8080", "httpsProxy": None}),
    doc(proxy={"httpsProxy": "http://[fd00::1]:3128/", "noProxy": [" .corp ", "10.0.0.0/8"]}),
    doc(cluster={"podCIDRs": ["10.244.0.0/16", "fd00:10:244::/56"], "nodeCIDRs": []}),
    doc(cluster={"domain": "k8s.internal", "apiServerAddresses": ["api-int.corp"]}),
    doc(crossplane={"namespace": "upbound-system", "version": "v1.19.2"}),
    doc(crossplane={"version": "unknown"}, policy={"mode": "check", "existingEntries": "replace"}),
    doc(proxy={"grpcProxy": "http://proxy:3128"}),
]

INVALID = {
    "unknown field": (doc(proxy={"httpsProxy": "http://p:1", "noproxy": []}), "spec.proxy.noproxy"),
    "no proxy": (doc(proxy={"httpsProxy": None, "noProxy": ["a"]}), "spec.proxy"),
    "proxy without host": (doc(proxy={"httpsProxy": "http://:3128"}), "spec.proxy.httpsProxy"),
    "socks proxy": (doc(proxy={"httpsProxy": "socks5://p:1"}), "spec.proxy.httpsProxy"),
    "proxy with path": (doc(proxy={"httpsProxy": "http://p:1/x"}), "spec.proxy.httpsProxy"),
    "bad cidr": (doc(cluster={"podCIDRs": ["10.244.0.300/16"]}), "spec.cluster.podCIDRs[0]"),
    "not a cidr": (doc(cluster={"serviceCIDRs": ["10.96.0.1"]}), "spec.cluster.serviceCIDRs[0]"),
    "ipv6 prefix": (doc(cluster={"podCIDRs": ["fd00::/129"]}), "spec.cluster.podCIDRs[0]"),
    "no pod cidr": (doc(cluster={"podCIDRs": []}), "spec.cluster.podCIDRs"),
    "no cluster": (doc(cluster=None), "spec.cluster"),
    "entry with comma": (doc(proxy={"noProxy": ["a,b"]}), "spec.proxy.noProxy[0]"),
    "entry with space": (doc(proxy={"noProxy": ["a b"]}), "spec.proxy.noProxy[0]"),
    "idn entry": (doc(proxy={"noProxy": ["bücher.example"]}), "spec.proxy.noProxy[0]"),
    "zone id entry": (doc(proxy={"noProxy": ["fe80::1%eth0"]}), "spec.proxy.noProxy[0]"),
    "idn proxy": (doc(proxy={"httpsProxy": "http://prøxy.example:1"}), "spec.proxy.httpsProxy"),
    "zone id proxy": (
        doc(proxy={"httpsProxy": "http://[fe80::1%25eth0]:3128"}),
        "spec.proxy.httpsProxy",
    ),
    "bad domain": (doc(cluster={"domain": "Cluster_Local"}), "spec.cluster.domain"),
    "bad namespace": (doc(crossplane={"namespace": "a.b"}), "spec.crossplane.namespace"),
    "bad version": (doc(crossplane={"version": "latest"}), "spec.crossplane.version"),
    "bad mode": (doc(policy={"mode": "repair"}), "spec.policy.mode"),
    "wrong apiVersion": (doc() | {"apiVersion": "xpnet.dev/v1"}, "apiVersion"),
}
# The schema cannot say what these say (CIDR host bits; IPv6 syntax beyond its characters).
MODEL_ONLY = {
    "host bits": (doc(cluster={"podCIDRs": ["10.244.0.1/16"]}), "did you mean 10.244.0.0/16"),
    "ipv6 syntax": (doc(cluster={"podCIDRs": ["fd00:::1::/64"]}), "not a valid IPv4 or IPv6"),
}


def schema_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))


def test_published_schema_is_generated_from_the_model() -> None:
    if UPDATE_GOLDEN:
        SCHEMA_FILE.write_text(json.dumps(json_schema(), indent=2) + "\n")
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema(), (
        "schemas/clusternetwork.schema.json is stale: run `xpnet schema > "
        "schemas/clusternetwork.schema.json` (or the tests with XPNET_UPDATE_GOLDEN=1)"
    )


def undocumented(schema: dict[str, Any]) -> list[str]:
    """Every property of the schema, at any depth, that has no description of its own."""
    found = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if not (isinstance(prop, dict) and prop.get("description")):
                    found.append(f"{path}.properties.{name}")
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    walk(schema, "$")
    return found


def test_schema_is_valid_and_documents_every_field() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    # Its own description: an editor shows the property's, not the one behind its $ref.
    assert undocumented(schema) == []
    assert all(model.get("description") for model in schema["$defs"].values())


def test_the_description_walk_finds_a_missing_one() -> None:
    schema = {"properties": {"a": {"anyOf": [{"properties": {"b": {"$ref": "#/$defs/B"}}}]}}}
    assert undocumented(schema) == ["$.properties.a", "$.properties.a.anyOf[0].properties.b"]


@pytest.mark.parametrize("config", VALID)
def test_model_and_schema_accept_valid_configs(config: dict[str, Any]) -> None:
    assert isinstance(load_config(config, "c.yaml"), ClusterNetwork)
    schema_validator().validate(config)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_model_and_schema_reject_invalid_configs(name: str) -> None:
    config, where = INVALID[name]
    with pytest.raises(ConfigError) as raised:
        load_config(config, "c.yaml")
    assert any(p.startswith(f"{where}:") for p in raised.value.problems), raised.value.problems
    assert list(schema_validator().iter_errors(config)), f"the schema accepts {name}"


@pytest.mark.parametrize("name", sorted(MODEL_ONLY))
def test_model_only_rejections(name: str) -> None:
    config, message = MODEL_ONLY[name]
    with pytest.raises(ConfigError, match=message):
        load_config(config, "c.yaml")


def test_error_names_file_field_and_reason() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(doc(cluster={"podCIDRs": ["10.244.0.1/16"]}), "xpnet.yaml")
    assert str(raised.value) == (
        "xpnet.yaml: spec.cluster.podCIDRs[0]: '10.244.0.1/16' has host bits set: "
        "did you mean 10.244.0.0/16?"
    )


def test_idn_and_zone_messages_say_what_to_write() -> None:
    with pytest.raises(ConfigError, match=r"write its ASCII form xn--bcher-kva\.example"):
        load_config(doc(proxy={"noProxy": ["bücher.example"]}), "c")
    with pytest.raises(ConfigError, match="zone ID"):
        load_config(doc(proxy={"httpsProxy": "http://[fe80::1%25eth0]:3128"}), "c")


def test_defaults() -> None:
    config = load_config(doc(proxy={"httpsProxy": None, "httpProxy": "http://p:1"}), "c")
    assert config.https_proxy == config.http_proxy == "http://p:1"
    assert config.spec.cluster.domain == "cluster.local"
    assert config.spec.crossplane.version == "auto"
    assert config.spec.crossplane.namespace is None
    assert config.spec.policy.mode == "fix"
    assert config.spec.policy.existingEntries == "merge"


def test_configmap_form_maps_to_the_same_model() -> None:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "corp"},
        "data": {
            "httpsProxy": "http://proxy.corp.example:3128",
            "noProxy": ".corp, 10.20.0.0/16,",
            "podCIDRs": "10.244.0.0/16,fd00:10:244::/56",
            "serviceCIDRs": "10.96.0.0/12",
            "domain": "k8s.internal",
            "mode": "check",
        },
    }
    config = load_config(configmap, "cm.yaml")
    assert config.spec.proxy.noProxy == [".corp", "10.20.0.0/16"]
    assert config.spec.cluster.podCIDRs == ["10.244.0.0/16", "fd00:10:244::/56"]
    assert config.spec.policy.mode == "check"
    assert config.spec.cluster.domain == "k8s.internal"


def test_configmap_errors_name_data_keys() -> None:
    bad = {"kind": "ConfigMap", "data": {"httpsProxy": "http://p:1", "podCIDRs": "x"}}
    with pytest.raises(ConfigError) as raised:
        load_config(bad, "cm.yaml")
    assert raised.value.problems[0].startswith("data.podCIDRs[0]: ")
    assert "data.serviceCIDRs: required field is missing" in raised.value.problems
    with pytest.raises(ConfigError, match=r"data\.podCidrs: unknown key"):
        load_config({"kind": "ConfigMap", "data": {"podCidrs": "x"}}, "cm.yaml")


def test_other_kinds_are_refused() -> None:
    with pytest.raises(ConfigError, match="expected ClusterNetwork"):
        load_config({"kind": "Secret"}, "x.yaml")
    with pytest.raises(ConfigError, match="must be a ClusterNetwork or a ConfigMap"):
        load_config(["a"], "x.yaml")


def test_examples_validate_against_the_schema() -> None:
    from ruamel.yaml import YAML

    for path in sorted(Path(ROOT / "examples").glob("*/xpnet.yaml")):
        config = YAML(typ="safe", pure=True).load(path.read_text())
        if config["kind"] == "ClusterNetwork":
            schema_validator().validate(config)
        load_config(config, str(path))
