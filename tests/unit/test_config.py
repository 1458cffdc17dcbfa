"""The ClusterNetwork model, its ConfigMap form, and the published schema agree."""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from tests.conftest import ROOT, UPDATE_GOLDEN
from xpnet import clusternetwork, config_model
from xpnet.config import CONFIGMAP_KEYS, ClusterNetwork, json_schema, load_config
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
    "label key": (
        doc(networkPolicy={"metricsNamespaceSelector": {"matchLabels": {"team name": "mon"}}}),
        "'team name' is not a label key",
    ),
    "label value": (
        doc(networkPolicy={"metricsNamespaceSelector": {"matchLabels": {"team": "-mon"}}}),
        "label team: '-mon' is not a label value",
    ),
    "ipv4-mapped": (
        doc(cluster={"podCIDRs": ["::ffff:10.244.0.0/112"]}),
        "IPv4-mapped IPv6 CIDR: write it as IPv4, 10.244.0.0/16",
    ),
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


def configmap(**data: str) -> dict[str, Any]:
    """The ConfigMap form: a proxy and the cluster networks, then `data`."""
    base = {
        "httpsProxy": "http://proxy.corp.example:3128",
        "podCIDRs": "10.244.0.0/16",
        "serviceCIDRs": "10.96.0.0/12",
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "corp"},
        "data": base | data,
    }


def test_configmap_form_maps_to_the_same_model() -> None:
    config = load_config(
        configmap(
            noProxy=".corp, 10.20.0.0/16,",
            podCIDRs="10.244.0.0/16,fd00:10:244::/56",
            domain="k8s.internal",
            mode="check",
        ),
        "cm.yaml",
    )
    assert config.spec.proxy.noProxy == (".corp", "10.20.0.0/16")
    assert config.spec.cluster.podCIDRs == ("10.244.0.0/16", "fd00:10:244::/56")
    assert config.spec.policy.mode == "check"
    assert config.spec.cluster.domain == "k8s.internal"


def test_cloud_in_both_forms() -> None:
    data = {"httpsProxy": "http://p:1", "podCIDRs": "10.244.0.0/16", "serviceCIDRs": "10.96.0.0/12"}
    configmap = {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": data | {"cloud": "gcp"}}
    assert load_config(configmap, "cm.yaml").spec.cluster.cloud == "gcp"
    assert load_config({"kind": "ConfigMap", "data": data}, "cm.yaml").spec.cluster.cloud is None
    with pytest.raises(ConfigError) as raised:
        load_config({"kind": "ConfigMap", "data": data | {"cloud": "AWS"}}, "cm.yaml")
    assert raised.value.problems == [
        "data.cloud: must be aws or azure or gcp, got the string 'AWS'; did you mean aws?"
    ]
    doc = {
        "apiVersion": "xpnet.dev/v1alpha1",
        "kind": "ClusterNetwork",
        "metadata": {"name": "c"},
        "spec": {
            "proxy": {"httpsProxy": "http://p:1"},
            "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]},
        },
    }
    doc["spec"]["cluster"]["cloud"] = "eks"  # type: ignore[index]
    with pytest.raises(ConfigError) as raised:
        load_config(doc, "c.yaml")
    assert raised.value.problems == [
        "spec.cluster.cloud: must be aws or azure or gcp, got the string 'eks'; write cloud: aws "
        "or cloud: azure or cloud: gcp, or remove the line"
    ]


def test_configmap_form_turns_network_policies_on() -> None:
    def policy(enabled: str) -> Any:
        cidrs = "10.20.0.10/32, fd00:20::10/128"
        data = configmap(
            apiServerAddresses="192.168.10.5", networkPolicy=enabled, networkPolicyProxyCIDRs=cidrs
        )
        return load_config(data, "cm.yaml").spec.networkPolicy

    assert policy("true").enabled is True
    assert policy("true").proxyCIDRs == ("10.20.0.10/32", "fd00:20::10/128")
    assert policy("false").enabled is False
    with pytest.raises(ConfigError, match=r"data\.networkPolicy: .*networkPolicy: \"true\""):
        policy("maybe")


def test_configmap_errors_name_data_keys() -> None:
    bad = {"kind": "ConfigMap", "data": {"httpsProxy": "http://p:1", "podCIDRs": "x"}}
    with pytest.raises(ConfigError) as raised:
        load_config(bad, "cm.yaml")
    assert raised.value.problems[0].startswith("data.podCIDRs[0]: ")
    assert raised.value.problems[1].startswith(
        'data.serviceCIDRs: required key is missing; add it, e.g. serviceCIDRs: "10.96.0.0/12"'
    )
    with pytest.raises(ConfigError, match=r"data\.podCidrs: unknown key; did you mean podCIDRs\?"):
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


# What a new user meets: each pydantic error type said with the field, the problem and the fix.
PODS_HINT = (
    " (kube-controller-manager's --cluster-cidr; kubectl get nodes "
    "-o jsonpath='{.items[*].spec.podCIDR}' shows each node's part of it)"
)
MESSAGES = {
    "too short list": (
        doc(cluster={"podCIDRs": []}),
        "spec.cluster.podCIDRs: the list is empty; give at least one CIDR, "
        "e.g. podCIDRs: [10.244.0.0/16]" + PODS_HINT,
    ),
    "missing field": (
        doc(cluster={"podCIDRs": None}),
        "spec.cluster.podCIDRs: required field is missing; add it, e.g. podCIDRs: [10.244.0.0/16]"
        + PODS_HINT,
    ),
    "missing section": (
        doc(cluster=None),
        "spec.cluster: required field is missing; add it, e.g. "
        "cluster: {podCIDRs: [10.244.0.0/16], serviceCIDRs: [10.96.0.0/12]}",
    ),
    "empty string": (
        doc() | {"metadata": {"name": ""}},
        "metadata.name: must not be empty; e.g. name: corp-proxy",
    ),
    "empty string with a default": (
        doc(proxy={"credentialsSecret": {"name": "s", "usernameKey": ""}}),
        "spec.proxy.credentialsSecret.usernameKey: must not be empty; "
        "e.g. usernameKey: username, or remove the line for the default username",
    ),
    "string for a list": (
        doc(cluster={"podCIDRs": "10.244.0.0/16, fd00:10:244::/56"}),
        "spec.cluster.podCIDRs: must be a list, got the string '10.244.0.0/16, fd00:10:244::/56'; "
        "write it as a list: podCIDRs: [10.244.0.0/16, fd00:10:244::/56]",
    ),
    "mapping for a list": (
        doc(proxy={"noProxy": {"a": 1}}),
        "spec.proxy.noProxy: must be a list, got a mapping; "
        "e.g. noProxy: [.corp.example, 10.20.0.0/16]",
    ),
    "number for a string": (
        doc(crossplane={"version": 1.19}),
        "spec.crossplane.version: must be a string, got the number 1.19 "
        '(YAML reads this unquoted value as a number: quote it); e.g. version: "1.19.2"',
    ),
    "boolean for a string": (
        doc(proxy={"httpsProxy": True}),
        "spec.proxy.httpsProxy: must be a string, got the boolean true "
        "(YAML reads this unquoted value as a boolean: quote it); "
        "e.g. httpsProxy: http://proxy.corp.example:3128",
    ),
    "number in a list": (
        doc(cluster={"serviceCIDRs": [10]}),
        "spec.cluster.serviceCIDRs[0]: must be a string, got the number 10 "
        '(YAML reads this unquoted value as a number: quote it); e.g. "10.96.0.0/12"',
    ),
    "list for a string": (
        doc(cluster={"domain": ["a"]}),
        "spec.cluster.domain: must be a string, got a list; e.g. domain: cluster.local",
    ),
    "null with a default": (
        doc(cluster={"domain": None}) | {},
        None,  # doc() drops None: built below
    ),
    "string for a mapping": (
        doc(proxy="http://proxy:3128"),
        "spec.proxy: must be a mapping (httpProxy, httpsProxy, noProxy, grpcProxy, "
        "credentialsSecret), got the string 'http://proxy:3128'; "
        "e.g. proxy: {httpsProxy: http://proxy.corp.example:3128}",
    ),
    "null for a mapping": (
        doc() | {"spec": None},
        "spec: must be a mapping (proxy, cluster, crossplane, policy, networkPolicy, trust), got "
        "nothing (null); "
        "give one, e.g. spec: {proxy: {httpsProxy: http://proxy.corp.example:3128}, "
        "cluster: {podCIDRs: [10.244.0.0/16], serviceCIDRs: [10.96.0.0/12]}}",
    ),
    "credentials never repeated": (
        doc(proxy={"credentialsSecret": "http://user:secret@proxy:3128"}),
        "spec.proxy.credentialsSecret: must be a mapping (name, usernameKey, passwordKey), "
        "got a string; e.g. credentialsSecret: {name: proxy-credentials}",
    ),
    "choice": (
        doc(policy={"mode": "repair"}),
        "spec.policy.mode: must be fix or check, got the string 'repair'; "
        "write mode: fix or mode: check, or remove the line for the default fix",
    ),
    "misspelt choice": (
        doc(policy={"existingEntries": "merg"}),
        "spec.policy.existingEntries: must be merge or replace, got the string 'merg'; "
        "did you mean merge?",
    ),
    "apiVersion": (
        doc() | {"apiVersion": "xpnet.dev/v1"},
        "apiVersion: must be xpnet.dev/v1alpha1, got the string 'xpnet.dev/v1'; "
        "did you mean xpnet.dev/v1alpha1?",
    ),
    "key not a string": (
        doc(cluster={3: "x"}),
        "spec.cluster: the key 3 is not a field name; cluster takes podCIDRs, serviceCIDRs, "
        "nodeCIDRs, domain, apiServerAddresses, cloud",
    ),
    "no proxy": (
        doc(proxy={"httpsProxy": None}),
        "spec.proxy: no proxy URL: set httpsProxy and/or httpProxy, "
        "e.g. httpsProxy: http://proxy.corp.example:3128",
    ),
    "prefix too long": (
        doc(cluster={"podCIDRs": ["10.244.0.0/33"]}),
        "spec.cluster.podCIDRs[0]: '10.244.0.0/33' is not a valid IPv4 or IPv6 CIDR: "
        "/33 is longer than an IPv4 address (at most /32)",
    ),
    "not a CIDR at all": (
        doc(cluster={"podCIDRs": ["pods/16"]}),
        "spec.cluster.podCIDRs[0]: 'pods/16' is not a valid IPv4 or IPv6 CIDR: "
        "write address/prefix, e.g. 10.244.0.0/16 or fd00:10:244::/56",
    ),
    "proxy without scheme": (
        doc(proxy={"httpsProxy": "proxy.corp.example:3128"}),
        "spec.proxy.httpsProxy: proxy URL must start with http:// (or https://): "
        "did you mean http://proxy.corp.example:3128?",
    ),
    "proxy with a path": (
        doc(proxy={"httpsProxy": "http://proxy:3128/pac"}),
        "spec.proxy.httpsProxy: proxy URL must be scheme://host[:port] with no path "
        "(credentials, if any, before the host as user:password@); did you mean "
        "http://proxy:3128?",
    ),
    "proxy with a path and credentials": (
        doc(proxy={"httpsProxy": "http://user:secret@proxy:3128/pac"}),
        "spec.proxy.httpsProxy: proxy URL must be scheme://host[:port] with no path "
        "(credentials, if any, before the host as user:password@)",
    ),
    "proxy port": (
        doc(proxy={"httpsProxy": "http://proxy:0"}),
        "spec.proxy.httpsProxy: proxy URL has an invalid port: use 1-65535, "
        "e.g. http://proxy.corp.example:3128",
    ),
    "domain in capitals": (
        doc(cluster={"domain": "Cluster.Local"}),
        "spec.cluster.domain: 'Cluster.Local' is not a valid DNS domain: "
        "did you mean cluster.local?",
    ),
    "namespace": (
        doc(crossplane={"namespace": "crossplane.system"}),
        "spec.crossplane.namespace: 'crossplane.system' is not a valid namespace name: "
        "use lower case letters, digits and '-', e.g. crossplane-system",
    ),
    "secret name": (
        doc(proxy={"credentialsSecret": {"name": "proxy creds!"}}),
        "spec.proxy.credentialsSecret.name: 'proxy creds!' is not a valid Secret name: "
        "use lower case letters, digits and '-', in parts joined by '.', "
        "e.g. proxy-credentials",
    ),
    "version": (
        doc(crossplane={"version": "latest"}),
        "spec.crossplane.version: 'latest' is not a version: use auto (read the core image's "
        "tag), unknown (cover every version) or a Crossplane version such as 1.19.2",
    ),
    "credentials twice": (
        doc(
            proxy={
                "httpsProxy": "http://u:p@proxy:3128",
                "credentialsSecret": {"name": "proxy-credentials"},
            }
        ),
        "spec.proxy: credentialsSecret is set, so the proxy URLs must not carry credentials "
        "themselves: remove user:password@ from them",
    ),
    "kind misspelt": (
        doc() | {"kind": "Clusternetwork"},
        "kind: expected ClusterNetwork (apiVersion xpnet.dev/v1alpha1) or ConfigMap, "
        "got the string 'Clusternetwork'; did you mean ClusterNetwork?",
    ),
    "unknown field": (
        doc(cluster={"flavour": "kind"}),
        "spec.cluster.flavour: unknown field; cluster takes podCIDRs, serviceCIDRs, nodeCIDRs, "
        "domain, apiServerAddresses, cloud",
    ),
    "unknown top-level field": (
        doc() | {"status": {}},
        "status: unknown field; a ClusterNetwork takes apiVersion, kind, metadata, spec",
    ),
    "field in the wrong section": (
        doc() | {"spec": {**doc()["spec"], "mode": "check"}},
        "spec.mode: unknown field here; mode belongs under spec.policy",
    ),
    "spec forgotten": (
        {k: v for k, v in doc().items() if k != "spec"} | {"cluster": doc()["spec"]["cluster"]},
        None,  # two lines, checked below
    ),
}
del MESSAGES["null with a default"], MESSAGES["spec forgotten"]


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_each_message_names_field_problem_and_fix(name: str) -> None:
    config, message = MESSAGES[name]
    with pytest.raises(ConfigError) as raised:
        load_config(config, "c.yaml")
    assert raised.value.problems == [message]
    assert "secret" not in str(raised.value)


def test_null_where_a_default_exists_offers_both() -> None:
    config = doc()
    config["spec"]["cluster"]["domain"] = None
    with pytest.raises(ConfigError) as raised:
        load_config(config, "c.yaml")
    assert raised.value.problems == [
        "spec.cluster.domain: must be a string, got nothing (null); give one, "
        "e.g. domain: cluster.local, or remove the line for the default cluster.local"
    ]


@pytest.mark.parametrize(
    ("misspelt", "where", "meant"),
    [
        ({"cluster": {"podCIRDs": ["10.244.0.0/16"]}}, "spec.cluster.podCIRDs", "podCIDRs"),
        ({"proxy": {"httpProxies": "http://p:1"}}, "spec.proxy.httpProxies", "httpProxy"),
        ({"proxy": {"noproxy": ["a"]}}, "spec.proxy.noproxy", "noProxy"),
        ({"clustr": "from cluster"}, "spec.clustr", "cluster"),
        ({"crossplan": {}}, "spec.crossplan", "crossplane"),
        ({"policy": {"mdoe": "check"}}, "spec.policy.mdoe", "mode"),
        (
            {"proxy": {"credentialsSecret": {"nmae": "s"}}},
            "spec.proxy.credentialsSecret.nmae",
            "name",
        ),
        ({"top": {"metdata": {"name": "x"}}}, "metdata", "metadata"),
        ({"top": {"Spec": "from spec"}}, "Spec", "spec"),
    ],
)
def test_misspelt_fields_get_a_did_you_mean_at_every_level(
    misspelt: dict[str, Any], where: str, meant: str
) -> None:
    config = doc()
    top = misspelt.pop("top", {})
    for key, value in misspelt.items():
        if value == "from cluster":
            config["spec"][key] = config["spec"].pop("cluster")
        elif isinstance(value, dict) and key in config["spec"]:
            config["spec"][key] = {**config["spec"][key], **value}
            if key == "cluster":
                del config["spec"]["cluster"]["podCIDRs"]
        else:
            config["spec"][key] = value
    for key, value in top.items():
        if value == "from spec":
            config[key] = config.pop("spec")
        else:
            config.pop(key.replace("metdata", "metadata"))
            config[key] = value
    with pytest.raises(ConfigError) as raised:
        load_config(config, "c.yaml")
    # One line: the field it meant is not reported missing as well.
    assert raised.value.problems == [f"{where}: unknown field; did you mean {meant}?"]


def test_fields_outside_spec_are_pointed_under_it() -> None:
    config = {k: v for k, v in doc().items() if k != "spec"} | doc()["spec"]
    with pytest.raises(ConfigError) as raised:
        load_config(config, "c.yaml")
    assert raised.value.problems[1:] == [
        "proxy: unknown field here; proxy belongs under spec",
        "cluster: unknown field here; cluster belongs under spec",
    ]
    assert raised.value.problems[0].startswith("spec: required field is missing; add it, e.g. ")


def test_configmap_messages() -> None:
    configmap = {
        "kind": "ConfigMap",
        "data": {
            "httpsProxy": "proxy:3128",
            "podCIDRs": " , ",
            "domain": "Cluster_Local",
            "mode": "chek",
            "credentialsUsernameKey": "user",
        },
    }
    with pytest.raises(ConfigError) as raised:
        load_config(configmap, "cm.yaml")
    assert raised.value.problems == [
        "data.httpsProxy: proxy URL must start with http:// (or https://): "
        "did you mean http://proxy:3128?",
        "data.credentialsSecret: required key is missing; add it, e.g. credentialsSecret: "
        '"proxy-credentials"',
        "data.podCIDRs: the list is empty; give at least one CIDR, "
        'e.g. podCIDRs: "10.244.0.0/16"' + PODS_HINT,
        "data.serviceCIDRs: required key is missing; add it, e.g. serviceCIDRs: "
        '"10.96.0.0/12" (kube-apiserver\'s --service-cluster-ip-range; kubectl get servicecidrs '
        "on Kubernetes 1.33 and later)",
        "data.domain: 'Cluster_Local' is not a valid DNS domain: did you mean cluster-local?",
        "data.mode: must be fix or check, got the string 'chek'; did you mean check?",
    ]
    with pytest.raises(ConfigError) as raised:
        load_config({"kind": "ConfigMap", "data": {"podCIDRs": "10.244.0.0/16"}}, "cm.yaml")
    assert raised.value.problems[0] == (
        "data: no proxy URL: set httpsProxy and/or httpProxy, "
        "e.g. httpsProxy: http://proxy.corp.example:3128"
    )


def test_configmap_keys_get_a_did_you_mean() -> None:
    data = {"podCIRDs": "x", "HTTPS_PROXY": "x", "no_proxy": "x", "flavour": "x", "mode": 1}
    with pytest.raises(ConfigError) as raised:
        load_config({"kind": "ConfigMap", "data": data}, "cm.yaml")
    assert raised.value.problems == [
        "data.podCIRDs: unknown key; did you mean podCIDRs?",
        "data.HTTPS_PROXY: unknown key; did you mean httpsProxy?",
        "data.no_proxy: unknown key; did you mean noProxy?",
        "data.flavour: unknown key; the keys are " + ", ".join(CONFIGMAP_KEYS),
        "data.mode: ConfigMap values must be strings, got the number 1; quote it",
    ]


def field_paths(
    model: type[BaseModel] = config_model.ClusterNetwork, at: tuple[str, ...] = ()
) -> list[Any]:
    """Every field of the model, at any depth, with its path."""
    paths = []
    for name, info in model.model_fields.items():
        paths.append(((*at, name), info))
        inner = info.annotation
        for arg in (inner, *typing.get_args(inner)):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                paths += field_paths(arg, (*at, name))
    return paths


def set_at(config: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    node = config
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node.get(part), dict | None) else node
    node[path[-1]] = value
    return config


# pydantic's own wording, which must never reach a user.
RAW = re.compile(
    r"Input should|should have|after validation|Field required|Extra inputs|Value error|"
    r"Keys should|Assertion failed|\bInput\b|\btype=|pydantic"
)
# Each message says what to do: one of these.
FIX = re.compile(
    r"e\.g\.|did you mean|\buse\b|write|remove|give|set |\badd\b|drop it|takes|belongs|quote"
)
BAD_VALUES = [None, True, 1.19, 0, "", "x y", "http://u:secret@h", [], [None], [""], {}, {"z": 1}]


@pytest.mark.parametrize(
    ("path", "value"),
    [(p, v) for p, _ in field_paths() for v in BAD_VALUES],
    ids=lambda x: ".".join(x) if isinstance(x, tuple) else repr(x)[:12],
)
def test_every_field_refuses_bad_values_in_words(path: tuple[str, ...], value: Any) -> None:
    config = set_at(doc(proxy={"credentialsSecret": {"name": "proxy-credentials"}}), path, value)
    try:
        load_config(config, "c.yaml")
    except ConfigError as error:
        for problem in error.problems:
            assert not RAW.search(problem), problem
            assert FIX.search(problem), f"says no fix: {problem}"
            assert problem.split(":")[0].replace("[", ".").split(".")[0] in {
                "apiVersion",
                "kind",
                "metadata",
                "spec",
            }, f"names no field: {problem}"
        if path[-1] in (
            "spec",
            "proxy",
            "httpProxy",
            "httpsProxy",
            "grpcProxy",
            "credentialsSecret",
        ):
            assert "secret@" not in str(error)


def test_every_example_is_a_valid_value() -> None:
    """The messages suggest each field's example: it must be accepted where suggested."""
    for path, info in field_paths():
        for example in info.examples or []:
            config = set_at(doc(proxy={"credentialsSecret": {"name": "s"}}), path, example)
            if path[:3] == ("spec", "networkPolicy", "extraEgress") and len(path) == 4:
                item = {"cidr": "10.30.0.0/24", path[3]: example}  # a field of a list's item
                config = set_at(doc(), path[:3], [item])
            if path[:2] == ("spec", "trust") and len(path) > 2:  # a field of a whole bundle
                ref = {"name": "corp-ca", "key": "ca.crt"}
                bundle = {"secretRef" if "secretRef" in path else "configMapRef": ref}
                config = set_at(set_at(doc(), path[:2], {"caBundle": bundle}), path, example)
            if path[:2] == ("spec", "networkPolicy"):  # what enabled policies need
                config["spec"]["cluster"]["apiServerAddresses"] = ["192.168.10.5"]
                config["spec"]["networkPolicy"].setdefault("proxyCIDRs", ["10.20.0.10/32"])
            assert isinstance(load_config(config, "c.yaml"), ClusterNetwork), path


# The validated-configuration cache.


def test_the_records_have_the_models_fields() -> None:
    """xpnet reads configurations through the records in clusternetwork; they name every field
    of the model (a field added to the model only would be validated and then dropped)."""
    names = ("ClusterNetwork", "Spec", "Proxy", "Cluster", "Crossplane", "Policy")
    for name in (*names, "Trust", "CaBundle", "BundleRef"):
        model = getattr(config_model, name)
        record = getattr(clusternetwork, name)
        # where the configuration was read is the reader's, not a field of the model
        fields = tuple(
            f for f in record._fields if not (name == "ClusterNetwork" and f == "origin")
        )
        assert fields == tuple(model.model_fields), name
    assert clusternetwork.CredentialsSecret._fields == tuple(
        config_model.CredentialsSecret.model_fields
    )
    for name in ("NetworkPolicy", "ExtraEgress", "LabelSelector"):
        model = getattr(config_model, name)
        assert getattr(clusternetwork, name)._fields == tuple(model.model_fields), name
    assert "name" in config_model.Metadata.model_fields


@pytest.mark.parametrize("config", VALID)
def test_a_cached_configuration_equals_a_validated_one(
    config: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XPNET_CACHE_DIR", str(tmp_path / "cache"))
    first = load_config(config, "c.yaml")
    (entry,) = (tmp_path / "cache").iterdir()
    assert entry.stat().st_mode & 0o077 == 0  # a proxy URL may carry a password
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0
    assert load_config(config, "c.yaml") == first
    monkeypatch.setenv("XPNET_NO_CACHE", "1")
    assert load_config(config, "c.yaml") == first


LOAD_TWICE = """
import sys
from xpnet.config import load_config
config = {
    "apiVersion": "xpnet.dev/v1alpha1", "kind": "ClusterNetwork", "metadata": {"name": "c"},
    "spec": {"proxy": {"httpsProxy": "http://p:3128"},
             "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]}},
}
print(load_config(config, "c.yaml").spec.cluster.podCIDRs, "pydantic" in sys.modules,
      "netaddr" in sys.modules)
"""


def test_a_cached_configuration_needs_neither_pydantic_nor_netaddr(tmp_path: Path) -> None:
    env = {**os.environ, "XPNET_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", LOAD_TWICE], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [
        ["('10.244.0.0/16',)", "True", "True"],
        ["('10.244.0.0/16',)", "False", "False"],
    ]


def test_entries_that_are_not_this_configurations_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XPNET_CACHE_DIR", str(tmp_path))
    config = doc()
    expected = load_config(config, "c.yaml")
    (entry,) = tmp_path.iterdir()
    for damaged in (
        b"",
        b"not marshal",
        entry.read_bytes()[:-7],
        marshal.dumps((b"another key", {"spec": {}})),  # a checksum collision
        marshal.dumps((marshal.loads(entry.read_bytes())[0], {"spec": {}})),  # not the data
    ):
        entry.write_bytes(damaged)
        assert load_config(config, "c.yaml") == expected
    # an invalid configuration is never cached, and says so again the second time
    bad = doc(proxy={"httpsProxy": "socks5://p:1"})
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"spec\.proxy\.httpsProxy"):
            load_config(bad, "c.yaml")
    assert len(list(tmp_path.iterdir())) == 1


def test_an_unwritable_cache_is_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XPNET_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot exist
    assert load_config(doc(), "c.yaml").spec.proxy.httpsProxy == "http://proxy.corp.example:3128"


def test_the_cache_follows_xdg_and_can_be_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def entries_under(folder: Path) -> list[Path]:
        return [entry.parent for entry in folder.rglob("config-*")]

    monkeypatch.delenv("XPNET_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_config(doc(), "c.yaml")
    assert entries_under(tmp_path / "xdg") == [tmp_path / "xdg" / "xpnet"]
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    load_config(doc(), "c.yaml")
    assert entries_under(tmp_path / "home") == [tmp_path / "home" / ".cache" / "xpnet"]
    monkeypatch.setenv("XPNET_NO_CACHE", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    load_config(doc(), "c.yaml")
    assert not (tmp_path / "elsewhere").exists()


CONCURRENT = """
from xpnet.config import load_config
for i in range(20):
    domain = f"d{i % 4}.example"
    config = {
        "apiVersion": "xpnet.dev/v1alpha1", "kind": "ClusterNetwork", "metadata": {"name": "c"},
        "spec": {"proxy": {"httpsProxy": "http://p:3128"},
                 "cluster": {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"],
                             "domain": domain}},
    }
    assert load_config(config, "c.yaml").spec.cluster.domain == domain
"""


def test_concurrent_runs_share_the_cache_safely(tmp_path: Path) -> None:
    env = {**os.environ, "XPNET_CACHE_DIR": str(tmp_path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT], env=env, cwd=ROOT) for _ in range(6)
    ]
    assert [p.wait() for p in procs] == [0] * 6
    assert sorted(p.name.startswith("config-") for p in tmp_path.iterdir()) == [True] * 4
