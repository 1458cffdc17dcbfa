"""spec.trust: what fix wires into the core, runtime configs and ControllerConfigs, in
every input style people and tools write, read back by libyaml and Go's sigs.k8s.io/yaml; a
second run and check change nothing; check fails wherever fix would wire something."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_verified_writes import both_parsers, xpnet
from tests.unit_helpers import CONFIG_DATA, config, core
from xpnet.adapters.streams import run_streams
from xpnet.config import load_config, with_mode
from xpnet.errors import ConfigError, InputError
from xpnet.system_roots import GO_CERT_DIRS, SYSTEM_TRUST_DIRS
from xpnet.yaml.stream import Source

TRUST = {"caBundle": {"configMapRef": {"name": "corp-ca", "key": "ca.crt"}}}
CM_VOLUME = {"configMap": {"name": "corp-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
DRC_HEAD = "apiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\n"


def run(text: str, mode: str = "fix", **trust: Any) -> Any:
    return run_streams(config(mode, trust={**TRUST, **trust}), [Source("in.yaml", text)])


def fix(text: str, **trust: Any) -> str:
    result = run(text, **trust)
    assert not result.outcome.failed, [f.message for f in result.outcome.findings]
    return str(result.outputs["in.yaml"])


def check_rules(text: str, **trust: Any) -> tuple[bool, set[str]]:
    outcome = run(text, "check", **trust).outcome
    return outcome.failed, {f.rule.id for f in outcome.findings}


def pod_of(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc["spec"]
    if doc["kind"] == "DeploymentRuntimeConfig":
        spec = spec["deploymentTemplate"]["spec"]
    return spec["template"]["spec"]  # type: ignore[no-any-return]


def wiring(doc: dict[str, Any], container: str) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """A container's env (name → value), its mounts and the pod's volumes."""
    if doc["kind"] == "ControllerConfig":
        spec = doc["spec"]
        env = {e["name"]: e.get("value") for e in spec.get("env") or []}
        return env, spec.get("volumeMounts") or [], spec.get("volumes") or []
    pod = pod_of(doc)
    found = next(c for c in pod["containers"] if c["name"] == container)
    env = {e["name"]: e.get("value") for e in found.get("env") or []}
    return env, found.get("volumeMounts") or [], pod.get("volumes") or []


def assert_wired(goyaml: Path, text: str, **trust: Any) -> list[dict[str, Any]]:
    """Fix: both parsers agree on the output; every runtime config and the core are wired; a
    second run changes nothing and check passes; check on the input failed (XPN026)."""
    failed, found = check_rules(text, **trust)
    assert failed and "XPN026" in found, found
    out = fix(text, **trust)
    _, docs = both_parsers(goyaml, text, out)
    for doc in docs:
        if doc["kind"] == "Deployment":
            env, mounts, volumes = wiring(doc, "crossplane")
            assert env["CA_BUNDLE_PATH"] == "/certs/ca.crt"
            assert {"mountPath": "/certs", "name": "ca-certs"} in mounts
            assert {"name": "ca-certs", **CM_VOLUME} in volumes
        elif doc["kind"] in ("DeploymentRuntimeConfig", "ControllerConfig"):
            env, mounts, volumes = wiring(doc, "package-runtime")
            assert "/etc/xpnet/ca" in env["SSL_CERT_DIR"].split(":"), env
            mount = next(m for m in mounts if m["mountPath"] == "/etc/xpnet/ca")
            assert mount["readOnly"] is True
            assert {"name": mount["name"], **CM_VOLUME} in volumes
    assert fix(out, **trust) == out, "a second run changes something"
    failed, found = check_rules(out, **trust)
    assert not failed and "XPN026" not in found, found
    return docs


STYLES = {
    "block, nothing yet": DRC_HEAD + "metadata:\n  name: default\nspec: {}\n",
    "block, container and volumes": DRC_HEAD
    + "metadata:\n  name: rt\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
    "      template:\n        spec:\n          containers:\n          - name: package-runtime\n"
    "            volumeMounts:\n            - name: data\n              mountPath: /data\n"
    "          volumes:\n          - name: data\n            emptyDir: {}\n",
    "JSON": '{"apiVersion": "pkg.crossplane.io/v1beta1", "kind": "DeploymentRuntimeConfig", '
    '"metadata": {"name": "rt"}, "spec": {"deploymentTemplate": {"spec": {"selector": {}, '
    '"template": {"spec": {"containers": [{"name": "package-runtime", "volumeMounts": '
    '[{"name": "data", "mountPath": "/data"}]}], "volumes": [{"name": "data", "emptyDir": {}}]'
    "}}}}}}\n",
    "flow pod spec": DRC_HEAD
    + "metadata: {name: rt}\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
    "      template: {spec: {containers: [{name: package-runtime}], volumes: []}}\n",
    "anchored containers": DRC_HEAD
    + "metadata:\n  name: rt\nbase: &pod\n  containers:\n  - name: package-runtime\n"
    "spec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n      template:\n"
    "        spec:\n          <<: *pod\n          volumes: []\n",
    "merge key used once": DRC_HEAD
    + "metadata:\n  name: rt\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
    "      template:\n        spec:\n          <<: {containers: [{name: package-runtime}]}\n"
    "          volumes: []\n",
    "ControllerConfig": "apiVersion: pkg.crossplane.io/v1alpha1\nkind: ControllerConfig\n"
    "metadata:\n  name: cc\nspec:\n  env: []\n  volumes:\n  - name: data\n    emptyDir: {}\n",
    "the core": core(env="        env:\n        - name: LEADER_ELECTION\n          value: 'true'\n")
    + "        volumeMounts:\n        - {name: function-cache, mountPath: /cache/xfn}\n"
    "      volumes:\n      - {name: function-cache, emptyDir: {}}\n",
}


@pytest.mark.parametrize("style", [s for s in STYLES if s != "anchored containers"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_fix_wires_the_bundle_in_every_style(goyaml: Path, style: str, newline: str) -> None:
    assert_wired(goyaml, STYLES[style].replace("\n", newline))


def test_anchored_containers_shared_with_another_key_are_refused_clearly() -> None:
    """The containers come through a merge key from a mapping another key holds too: writing
    the mount would change both, so fix refuses naming the anchor (never an internal error)."""
    with pytest.raises(InputError) as raised:
        fix(STYLES["anchored containers"])
    assert "anchor &pod" in str(raised.value) and "internal error" not in str(raised.value)


def test_core_gets_the_charts_order_and_quoting(goyaml: Path) -> None:
    """CA_BUNDLE_PATH right after LEADER_ELECTION, the mount and volume after the caches: what
    the chart renders for registryCaBundleConfig (tests/integration/test_trust_chart.py checks
    it against Helm)."""
    docs = assert_wired(goyaml, STYLES["the core"])
    env, mounts, volumes = wiring(docs[0], "crossplane")
    assert list(env)[:2] == ["LEADER_ELECTION", "CA_BUNDLE_PATH"]
    assert [m["name"] for m in mounts] == ["function-cache", "ca-certs"]
    assert [v["name"] for v in volumes] == ["function-cache", "ca-certs"]


def test_an_existing_ca_certs_configmap_volume_is_pointed_at_the_bundle(goyaml: Path) -> None:
    text = STYLES["the core"].replace(
        "      - {name: function-cache, emptyDir: {}}\n",
        "      - {name: function-cache, emptyDir: {}}\n"
        "      - name: ca-certs\n        configMap: {name: old-ca}\n",
    )
    assert_wired(goyaml, text)


def test_an_existing_block_volume_of_another_configmap_is_replaced(goyaml: Path) -> None:
    """A block mapping's end mark is where the next line's content starts: the old value is
    cut at its own last character (a first version cut into the next volume)."""
    text = STYLES["the core"].replace(
        "      - {name: function-cache, emptyDir: {}}\n",
        "      - name: function-cache\n        emptyDir: {}\n      - name: ca-certs\n"
        "        configMap:\n          name: old-ca\n          items:\n          - key: old.crt\n"
        "            path: old.crt\n      - name: tls-server-certs\n        secret:\n"
        "          secretName: crossplane-tls-server\n",
    )
    docs = assert_wired(goyaml, text)
    _, _, volumes = wiring(docs[0], "crossplane")
    assert [v["name"] for v in volumes] == ["function-cache", "ca-certs", "tls-server-certs"]


def test_a_mount_of_an_old_xpnet_volume_is_pointed_at_the_new_one(goyaml: Path) -> None:
    text = STYLES["block, container and volumes"].replace(
        "            - name: data\n              mountPath: /data\n",
        "            - name: xpnet-ca-bundle-old\n              mountPath: /etc/xpnet/ca\n"
        "              readOnly: false\n",
    )
    docs = assert_wired(goyaml, text)
    _, mounts, _ = wiring(docs[0], "package-runtime")
    assert mounts == [{"name": "xpnet-ca-bundle", "mountPath": "/etc/xpnet/ca", "readOnly": True}]


def test_names_that_are_taken_are_not_reused(goyaml: Path) -> None:
    text = STYLES["block, container and volumes"].replace("name: data", "name: xpnet-ca-bundle")
    docs = assert_wired(goyaml, text)
    _, mounts, volumes = wiring(docs[0], "package-runtime")
    assert [m["name"] for m in mounts] == ["xpnet-ca-bundle", "xpnet-ca-bundle-2"]
    assert {"name": "xpnet-ca-bundle", "emptyDir": {}} in volumes
    assert {"name": "xpnet-ca-bundle-2", **CM_VOLUME} in volumes


@pytest.mark.parametrize(
    ("runtime", "variables"),
    [
        ("go", {"SSL_CERT_DIR": "/etc/xpnet/ca"}),
        ("node", {"NODE_EXTRA_CA_CERTS": "/etc/xpnet/ca/ca.crt"}),
        (
            "python",
            {"SSL_CERT_FILE": "/etc/xpnet/ca/ca.crt", "REQUESTS_CA_BUNDLE": "/etc/xpnet/ca/ca.crt"},
        ),
    ],
)
def test_each_runtime_gets_its_variable(runtime: str, variables: dict[str, str]) -> None:
    text = STYLES["block, nothing yet"].replace(
        "  name: default\n", f"  name: default\n  annotations:\n    xpnet.dev/runtime: {runtime}\n"
    )
    result = run(text)
    warned = {v for f in result.outcome.findings if f.rule.id == "XPN027" for v in f.names}
    assert warned == ({"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"} if runtime == "python" else set())
    out = str(result.outputs["in.yaml"])
    for name, value in variables.items():
        assert f"- name: {name}\n" in out and f"value: {value}\n" in out
    # complete: true says the bundle holds the public roots: no warning.
    complete = {**TRUST["caBundle"], "complete": True}
    assert not {f.rule.id for f in run(text, caBundle=complete).outcome.findings} & {"XPN027"}
    # check after fix: the replacing variables are still warned about, nothing fails.
    failed, found = check_rules(out)
    assert not failed and ("XPN027" in found) == (runtime == "python")


def test_secret_bundle_and_mount_path() -> None:
    secret = {"configMapRef": None, "secretRef": {"name": "corp-ca", "key": "ca.pem"}}
    out = fix(STYLES["block, nothing yet"], caBundle=secret, mountPath="/opt/ca")
    assert "secretName: corp-ca" in out and "mountPath: /opt/ca\n" in out
    assert "value: /opt/ca\n" in out


def test_a_mount_path_taken_by_another_volume_is_refused_with_the_fix() -> None:
    text = STYLES["block, container and volumes"].replace("/data", "/etc/xpnet/ca")
    result = run(text)
    assert result.outcome.failed
    (found,) = [f for f in result.outcome.findings if f.rule.id == "XPN030"]
    assert "/etc/xpnet/ca is already the mount path of volume data" in found.message
    assert "spec.trust.mountPath" in found.message
    assert check_rules(text)[0]


def test_bad_runtime_annotation_is_refused() -> None:
    text = STYLES["block, nothing yet"].replace(
        "  name: default\n", "  name: default\n  annotations:\n    xpnet.dev/runtime: rust\n"
    )
    with pytest.raises(InputError) as raised:
        run(text)
    assert "line 6: DeploymentRuntimeConfig/default: annotation xpnet.dev/runtime" in str(
        raised.value
    )
    assert "go, python, node" in str(raised.value)


HELMRELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: crossplane\n"
    "  namespace: flux-system\nspec:\n  targetNamespace: crossplane-system\n  chart:\n"
    "    spec:\n      chart: crossplane\n      version: 1.20.11\n  values:\n"
    "    extraEnvVarsCrossplane:\n      HTTPS_PROXY: http://proxy.corp.example:3128\n"
)


def test_chart_values_get_registry_ca_bundle_config(goyaml: Path) -> None:
    assert "XPN026" in check_rules(HELMRELEASE)[1]
    out = fix(HELMRELEASE)
    (doc,) = both_parsers(goyaml, out)[0]
    assert doc["spec"]["values"]["registryCaBundleConfig"] == {"name": "corp-ca", "key": "ca.crt"}
    assert "CA_BUNDLE_PATH" not in out  # the chart renders it from registryCaBundleConfig
    assert fix(out) == out
    assert not check_rules(out)[0]


def test_chart_values_cannot_name_a_secret() -> None:
    secret = {"configMapRef": None, "secretRef": {"name": "corp-ca", "key": "ca.pem"}}
    result = run(HELMRELEASE, caBundle=secret)
    assert result.outcome.failed
    assert any(
        f.rule.id == "XPN030" and "registryCaBundleConfig takes a ConfigMap" in f.message
        for f in result.outcome.findings
    )


def test_explain_shows_the_roots_each_runtime_reads_and_checks_a_local_bundle(
    tmp_path: Path,
) -> None:
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(trust_config()))
    text = STYLES["block, nothing yet"] + "---\n" + STYLES["the core"]
    (tmp_path / "in.yaml").write_text(text)
    (tmp_path / "ca.pem").write_text(PEM)
    done = xpnet(
        tmp_path, "explain", "--long", "-c", "xpnet.yaml", "--ca-bundle", "ca.pem", "in.yaml"
    )
    assert done.returncode == 0, done.stderr
    assert "ca.pem: 1 certificate (PEM)" in done.stdout
    assert (
        "DeploymentRuntimeConfig/default container package-runtime go: the first of Go's "
        "default bundle files that exists"
    ) in done.stdout
    assert "every file in /etc/xpnet/ca (SSL_CERT_DIR)" in done.stdout
    assert "for package pulls also /certs/ca.crt (CA_BUNDLE_PATH)" in done.stdout
    (tmp_path / "bad.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n")
    done = xpnet(tmp_path, "explain", "-c", "xpnet.yaml", "--ca-bundle", "bad.pem", "in.yaml")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "bad.pem: not a PEM bundle: no -----BEGIN CERTIFICATE----- block" in done.stderr
    assert done.stdout == ""
    # a device that never ends is refused once it is larger than a ConfigMap could be
    done = xpnet(tmp_path, "explain", "-c", "xpnet.yaml", "--ca-bundle", "/dev/zero", "in.yaml")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "/dev/zero: larger than the 1 MiB a ConfigMap or Secret holds" in done.stderr


def test_values_set_registry_ca_bundle_config(tmp_path: Path) -> None:
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(trust_config()))
    done = xpnet(tmp_path, "values", "-c", "xpnet.yaml")
    assert done.returncode == 0, done.stderr
    values = yaml.safe_load(done.stdout)
    assert values["registryCaBundleConfig"] == {"name": "corp-ca", "key": "ca.crt"}
    secret = trust_config({"secretRef": {"name": "corp-ca", "key": "ca.crt"}})
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(secret))
    done = xpnet(tmp_path, "values", "-c", "xpnet.yaml")
    assert done.returncode != 0 and "registryCaBundleConfig takes a ConfigMap" in done.stderr


def trust_config(bundle: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(CONFIG_DATA)
    data["spec"]["trust"] = {"caBundle": bundle or TRUST["caBundle"]}
    return data


PEM = (  # a throwaway self-signed certificate: only its shape matters here
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBhTCCASugAwIBAgIUW2Xo2iN1s0tQm7m8aQ1y0m0Jd9kwCgYIKoZIzj0EAwIw\n"
    "-----END CERTIFICATE-----\n"
)


@pytest.mark.parametrize(
    ("trust", "message"),
    [
        (
            {"caBundle": {"configMapRef": {"name": "Corp_CA", "key": "ca.crt"}}},
            "spec.trust.caBundle.configMapRef.name: 'Corp_CA' is not a valid ConfigMap or "
            "Secret name: did you mean corp-ca?",
        ),
        (
            {"caBundle": {"secretRef": {"name": "corp-ca", "key": "ca crt"}}},
            "spec.trust.caBundle.secretRef.key: 'ca crt' is not a valid ConfigMap or Secret "
            "key: use letters, digits, '-', '_' and '.', e.g. ca.crt",
        ),
        (
            {**TRUST, "mountPath": "etc/ca"},
            "spec.trust.mountPath: 'etc/ca' is not an absolute path: write it from /, e.g. "
            "/etc/xpnet/ca",
        ),
        (
            {**TRUST, "mountPath": "/etc/ssl"},
            "spec.trust.mountPath: a mount at /etc/ssl would hide the image's public roots in "
            "/etc/ssl/certs; mount the corporate CA elsewhere, e.g. /etc/xpnet/ca",
        ),
        (  # the container runtime cleans the path: this is /etc/ssl/certs
            {**TRUST, "mountPath": "/etc//ssl/./certs/"},
            "spec.trust.mountPath: a mount at /etc/ssl/certs would hide the image's public roots "
            "in /etc/ssl/certs; mount the corporate CA elsewhere, e.g. /etc/xpnet/ca",
        ),
        (  # Debian's links in /etc/ssl/certs point into it
            {**TRUST, "mountPath": "/usr/share"},
            "spec.trust.mountPath: a mount at /usr/share would hide the image's public roots in "
            "/usr/share/ca-certificates; mount the corporate CA elsewhere, e.g. /etc/xpnet/ca",
        ),
        (
            {"caBundle": {}},
            "spec.trust.caBundle: give exactly one of configMapRef and secretRef",
        ),
    ],
)
def test_bad_trust_configuration_names_the_field_and_the_fix(
    trust: dict[str, Any], message: str
) -> None:
    data = copy.deepcopy(CONFIG_DATA)
    data["spec"]["trust"] = trust
    with pytest.raises(ConfigError) as raised:
        load_config(data, "corp.yaml")
    assert raised.value.problems == [message]


def test_configmap_form_keys() -> None:
    form = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "xpnet"},
        "data": {
            "httpsProxy": "http://proxy:3128",
            "podCIDRs": "10.244.0.0/16",
            "serviceCIDRs": "10.96.0.0/12",
            "caBundleSecret": "corp-ca",
            "caBundleKey": "ca.pem",
            "caBundleComplete": "true",
            "caMountPath": "/opt/ca",
        },
    }
    found = load_config(form, "cm.yaml").spec.trust
    assert found is not None and found.mountPath == "/opt/ca"
    assert found.caBundle.secretRef == ("corp-ca", "ca.pem") and found.caBundle.complete
    form["data"] = {**form["data"], "caBundleConfigMap": "corp-ca"}
    del form["data"]["caBundleSecret"]
    found = load_config(form, "cm.yaml").spec.trust
    assert found is not None and found.caBundle.configMapRef == ("corp-ca", "ca.pem")


def test_trust_without_a_proxy_is_refused_naming_the_proxy() -> None:
    data = trust_config()
    data["spec"]["proxy"] = {}
    with pytest.raises(ConfigError) as raised:
        load_config(data, "corp.yaml")
    assert raised.value.problems == [
        "spec.proxy: no proxy URL: set httpsProxy and/or httpProxy, e.g. httpsProxy: "
        "http://proxy.corp.example:3128"
    ]


def test_two_installs_in_one_run_share_their_runtime_configs(goyaml: Path) -> None:
    """Two cores (two namespaces) and a runtime config both use: each core gets the chart's
    wiring, the shared runtime config one volume and mount; fix then check pass."""
    second = STYLES["the core"].replace("namespace: crossplane-system", "namespace: other")
    text = STYLES["the core"] + "---\n" + second + "---\n" + STYLES["block, nothing yet"]
    docs = assert_wired(goyaml, text)
    assert [d["kind"] for d in docs] == ["Deployment", "Deployment", "DeploymentRuntimeConfig"]
    _, mounts, volumes = wiring(docs[2], "package-runtime")
    assert len(mounts) == 1 and len(volumes) == 1


# Fix adds what the bundle needs and keeps what the user wrote.

CORE_ENVS = {
    "no env": "",
    "an empty env": "        env: []\n",
    "no LEADER_ELECTION": "        env:\n        - name: POD_NAMESPACE\n          value: x\n",
    "LEADER_ELECTION last": "        env:\n        - name: A\n          value: a\n"
    "        - name: LEADER_ELECTION\n          value: 'true'\n",
    "LEADER_ELECTION first": "        env:\n        - name: LEADER_ELECTION\n"
    "          value: 'true'\n        - name: A\n          value: a\n",
    "flow env": "        env: [{name: POD_NAMESPACE, value: x}]\n",
    "proxy set already": "        env:\n        - name: HTTPS_PROXY\n          value: http://old:1\n",
}


@pytest.mark.parametrize("env", CORE_ENVS)
def test_the_core_is_wired_whatever_env_it_has(goyaml: Path, env: str) -> None:
    docs = assert_wired(goyaml, core(env=CORE_ENVS[env]))
    names = list(wiring(docs[0], "crossplane")[0])
    if "LEADER_ELECTION" in names:  # the chart's place, where it can be
        assert names[names.index("LEADER_ELECTION") + 1] == "CA_BUNDLE_PATH"


def drc(env: str = "", mounts: str = "", volumes: str = "", annotations: str = "") -> str:
    """A runtime config whose package-runtime container has these env entries and mounts."""
    head = DRC_HEAD + "metadata:\n  name: rt\n"
    if annotations:
        head += "  annotations:\n" + annotations
    container = "          - name: package-runtime\n"
    container += "            env:\n" + env if env else ""
    container += "            volumeMounts:\n" + mounts if mounts else ""
    return (
        head + "spec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n      template:\n"
        "        spec:\n          containers:\n"
        + container
        + ("          volumes:\n" + volumes if volumes else "")
    )


def env_entry(name: str, value: str) -> str:
    return f"            - name: {name}\n              value: {json.dumps(value)}\n"


@pytest.mark.parametrize(
    ("have", "want"),
    [
        ("/etc/ssl/certs:/opt/more", "/etc/ssl/certs:/opt/more:/etc/xpnet/ca"),
        ("/opt/more:", "/opt/more:/etc/xpnet/ca"),
        ("/opt/a:/etc/xpnet/ca/:/opt/b", "/opt/a:/etc/xpnet/ca/:/opt/b"),  # there already
        ("/etc/xpnet/ca", "/etc/xpnet/ca"),
    ],
)
def test_an_ssl_cert_dir_list_keeps_its_directories(goyaml: Path, have: str, want: str) -> None:
    """Go reads every directory of the colon-separated list (crypto/x509 root_unix.go;
    measured in tests/differential/test_trust_runtimes.py): fix adds its own, keeps the rest."""
    text = drc(env=env_entry("SSL_CERT_DIR", have))
    if have != want:
        assert_wired(goyaml, text)
    out = fix(text)
    assert wiring(yaml.safe_load(out), "package-runtime")[0]["SSL_CERT_DIR"] == want


def test_an_adjusted_volume_and_mount_keep_their_other_fields_and_comments(goyaml: Path) -> None:
    text = core(env="        env: []\n") + (
        "        volumeMounts:\n        - name: ca-certs  # the chart's\n"
        "          mountPath: /certs\n          readOnly: true  # keep me\n"
        "      volumes:\n      - name: ca-certs\n        configMap:\n"
        "          name: old-ca  # the registry's CA\n          defaultMode: 0444\n"
        "          optional: false\n          items:\n          - {key: old.crt, path: old.crt}\n"
    )
    out = fix(text)
    for kept in (
        "- name: ca-certs  # the chart's\n",
        "readOnly: true  # keep me\n",
        "defaultMode: 0444\n",
        "optional: false\n",
    ):
        assert kept in out, out
    assert "name: corp-ca  # the registry's CA\n" in out  # the comment stays on its line
    (doc,) = both_parsers(goyaml, out)[0]
    _, _, volumes = wiring(doc, "crossplane")
    assert volumes[0]["configMap"]["defaultMode"] == 0o444
    assert volumes[0]["configMap"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]
    assert fix(out) == out and not check_rules(out)[0]


SUBPATH_CORE = core(
    env="        env:\n        - name: CA_BUNDLE_PATH\n          value: /certs/ca.crt\n"
)


@pytest.mark.parametrize(
    ("mount", "volume", "why"),
    [
        (  # /certs is the file itself: nothing is below it
            "{name: ca-certs, mountPath: /certs, subPath: ca.crt}",
            "{name: ca-certs, configMap: {name: corp-ca}}",
            "has subPath ca.crt, one file of volume ca-certs: nothing is below it",
        ),
        (  # the key is shown under another file name
            "{name: ca-certs, mountPath: /certs}",
            "{name: ca-certs, configMap: {name: corp-ca, items: [{key: ca.crt, path: b.pem}]}}",
            "volume ca-certs, mounted at /certs, shows no file ca.crt",
        ),
        (
            "{name: ca-certs, mountPath: /etc/other}",
            "{name: ca-certs, configMap: {name: corp-ca}}",
            "and no volume is mounted there",
        ),
    ],
)
def test_check_fails_where_ca_bundle_path_names_no_file(mount: str, volume: str, why: str) -> None:
    text = (
        SUBPATH_CORE
        + f"        volumeMounts:\n        - {mount}\n      volumes:\n      - {volume}\n"
    )
    outcome = run_streams(config("check"), [Source("in.yaml", text)]).outcome
    (found,) = [f for f in outcome.findings if f.rule.id == "XPN028"]
    assert outcome.failed and why in found.message, found.message


def test_a_sub_path_that_names_a_folder_of_the_volume_is_understood() -> None:
    text = SUBPATH_CORE + (
        "        volumeMounts:\n        - {name: v, mountPath: /certs, subPath: dir}\n"
        "      volumes:\n      - {name: v, configMap: {name: corp-ca, items: "
        "[{key: ca.crt, path: dir/ca.crt}]}}\n"
    )
    outcome = run_streams(config("check"), [Source("in.yaml", text)]).outcome
    assert "XPN028" not in {f.rule.id for f in outcome.findings}


def test_fix_refuses_its_own_mount_with_a_sub_path() -> None:
    text = SUBPATH_CORE + (
        "        volumeMounts:\n        - {name: ca-certs, mountPath: /certs, subPath: ca.crt}\n"
        "      volumes:\n      - {name: ca-certs, configMap: {name: corp-ca}}\n"
    )
    result = run(text)
    assert result.outcome.failed and result.outputs["in.yaml"] == text
    (found,) = [f for f in result.outcome.findings if f.rule.id == "XPN030"]
    assert "has subPath ca.crt" in found.message and "remove subPath" in found.message


@pytest.mark.parametrize(
    ("text", "var"),
    [
        (
            drc(
                env=env_entry("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
                annotations="    xpnet.dev/runtime: python\n",
            ),
            "SSL_CERT_FILE",
        ),
        (
            drc(
                env=env_entry("NODE_EXTRA_CA_CERTS", "/etc/extra/ca.pem"),
                mounts="            - {name: extra, mountPath: /etc/extra}\n",
                volumes="          - {name: extra, configMap: {name: extra-ca}}\n",
                annotations="    xpnet.dev/runtime: node\n",
            ),
            "NODE_EXTRA_CA_CERTS",
        ),
        (
            core(env="        env:\n        - name: CA_BUNDLE_PATH\n          value: /reg/ca.crt\n")
            + "        volumeMounts:\n        - {name: reg, mountPath: /reg}\n"
            "      volumes:\n      - {name: reg, configMap: {name: registry-ca}}\n",
            "CA_BUNDLE_PATH",
        ),
    ],
)
def test_a_one_file_variable_naming_another_bundle_is_not_replaced(text: str, var: str) -> None:
    """Pointing it at the corporate bundle would drop the bundle it names: refused (XPN045),
    in fix and in check, naming the variable, the bundle and the way out."""
    result = run(text)
    assert result.outcome.failed and result.outputs["in.yaml"] == text
    (found,) = [f for f in result.outcome.findings if f.rule.id == "XPN045"]
    assert found.var == var and "would drop that bundle" in found.message
    assert "XPN045" in check_rules(text)[1]


def test_a_one_file_variable_of_xpnets_own_wiring_is_pointed_at_the_bundle() -> None:
    """CA_BUNDLE_PATH on the chart's ca-certs volume (an earlier key, say) is xpnet's to set."""
    text = core(
        env="        env:\n        - name: CA_BUNDLE_PATH\n          value: /certs/old.crt\n"
    ) + (
        "        volumeMounts:\n        - {name: ca-certs, mountPath: /certs}\n"
        "      volumes:\n      - {name: ca-certs, configMap: {name: corp-ca, items: "
        "[{key: old.crt, path: old.crt}]}}\n"
    )
    out = fix(text)
    assert "value: /certs/ca.crt\n" in out and fix(out) == out and not check_rules(out)[0]


@pytest.mark.parametrize(
    "volume",
    [
        "{name: mine, configMap: {name: corp-ca}}",  # every key
        "{name: mine, projected: {sources: [{configMap: {name: corp-ca, items: "
        "[{key: ca.crt, path: ca.crt}]}}, {secret: {name: other}}]}}",
    ],
)
def test_the_users_own_wiring_that_shows_the_bundle_is_kept(volume: str) -> None:
    text = drc(
        env=env_entry("SSL_CERT_DIR", "/etc/xpnet/ca"),
        mounts="            - {name: mine, mountPath: /etc/xpnet/ca}\n",
        volumes=f"          - {volume}\n",
    )
    out = fix(text)
    assert "xpnet-ca-bundle" not in out and fix(out) == out
    assert not check_rules(out)[0]


def test_a_volume_showing_the_whole_configmap_is_mounted_not_narrowed() -> None:
    """The core's ca-certs shows every key of corp-ca and is mounted elsewhere: fix mounts it
    at /certs too, and leaves it showing every key (the other mount may read them)."""
    text = core(env="        env: []\n") + (
        "        volumeMounts:\n        - {name: ca-certs, mountPath: /etc/corp}\n"
        "      volumes:\n      - {name: ca-certs, configMap: {name: corp-ca}}\n"
    )
    out = fix(text)
    assert "- {name: ca-certs, configMap: {name: corp-ca}}\n" in out
    assert "mountPath: /certs" in out and fix(out) == out and not check_rules(out)[0]


def test_switching_the_bundle_to_a_secret_is_idempotent(goyaml: Path) -> None:
    before = fix(drc())
    secret = {"configMapRef": None, "secretRef": {"name": "corp-ca", "key": "ca.crt"}}
    after = fix(before, caBundle=secret)
    assert fix(after, caBundle=secret) == after
    assert not check_rules(after, caBundle=secret)[0]
    (doc,) = both_parsers(goyaml, after)[0]
    _, mounts, volumes = wiring(doc, "package-runtime")
    (mount,) = [m for m in mounts if m["mountPath"] == "/etc/xpnet/ca"]
    (volume,) = [v for v in volumes if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == "corp-ca"


def test_only_the_package_runtime_container_is_wired() -> None:
    text = drc().replace(
        "          containers:\n",
        "          containers:\n          - name: sidecar\n            image: x\n",
    )
    out = fix(text)
    docs = list(yaml.safe_load_all(out))
    pod = pod_of(docs[0])
    sidecar = next(c for c in pod["containers"] if c["name"] == "sidecar")
    assert "volumeMounts" not in sidecar and "env" not in sidecar
    assert fix(out) == out


def test_a_controller_config_keeps_its_ssl_cert_dir_list() -> None:
    text = (
        "apiVersion: pkg.crossplane.io/v1alpha1\nkind: ControllerConfig\nmetadata:\n  name: cc\n"
        "spec:\n  env:\n  - name: SSL_CERT_DIR\n    value: /opt/a\n"
    )
    out = fix(text)
    assert "value: /opt/a:/etc/xpnet/ca\n" in out and fix(out) == out


# Hypothesis: runtime configs and cores with generated env, volumes and mounts, friendly and
# hostile. Fix answers or refuses (never an internal error); what it writes, a second run
# leaves as it is and check passes; no proxy password in any message.

PASSWORD = "Pq7-trust-pw"
NAMES = st.sampled_from(["xpnet-ca-bundle", "xpnet-ca-bundle-2", "ca-certs", "data", "[x]"])
PATHS = st.sampled_from(
    ["/etc/xpnet/ca", "/etc/xpnet/ca/", "/certs", "/etc/ssl/certs", "/data", "/etc", "/"]
)
SOURCES = st.sampled_from(
    [
        "{configMap: {name: corp-ca}}",
        "{configMap: {name: corp-ca, items: [{key: ca.crt, path: ca.crt}]}}",
        "{configMap: {name: corp-ca, items: [{key: ca.crt, path: x/ca.crt}]}}",
        "{configMap: {name: other}}",
        "{secret: {secretName: corp-ca}}",
        "{emptyDir: {}}",
        "{projected: {sources: [{configMap: {name: corp-ca}}]}}",
        "{projected: {sources: [{serviceAccountToken: {path: token}}]}}",
        "{projected: {}}",
        "{configMap: {name: corp-ca, items: [{key: ca.crt}]}}",
        "{configMap: [corp-ca]}",
    ]
)
SCALARS = st.sampled_from(
    ["/etc/xpnet/ca", "/opt/a:/etc/xpnet/ca", "/opt/a", "", ":", "/certs/ca.crt", "[a]"]
)


@st.composite
def trust_inputs(draw: st.DrawFn) -> str:
    env = "".join(
        f"            - name: {name}\n              value: {json.dumps(draw(SCALARS))}\n"
        for name in draw(
            st.lists(
                st.sampled_from(["SSL_CERT_DIR", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"]),
                unique=True,
                max_size=2,
            )
        )
    )
    mounts = "".join(
        f"            - {{name: {draw(NAMES)}, mountPath: {draw(PATHS)}"
        + (
            f", subPath: {draw(st.sampled_from(['ca.crt', 'x', '']))}}}\n"
            if draw(st.booleans())
            else "}\n"
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    volumes = "".join(
        f"          - {{name: {name}, {draw(SOURCES)[1:-1]}}}\n"
        for name in draw(st.lists(NAMES, unique=True, max_size=3))
    )
    runtime = draw(
        st.sampled_from(["", "    xpnet.dev/runtime: python\n", "    xpnet.dev/runtime: node\n"])
    )
    text = drc(env=env, mounts=mounts, volumes=volumes, annotations=runtime)
    if draw(st.booleans()):
        text = text.replace(
            "          containers:\n", "          containers:\n          - name: sidecar\n"
        )
    return text


@pytest.mark.slow
@given(trust_inputs(), st.sampled_from(["configMapRef", "secretRef"]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fix_is_idempotent_or_refuses_clearly(text: str, kind: str) -> None:
    bundle = {"configMapRef": None, kind: {"name": "corp-ca", "key": "ca.crt"}}
    proxy = {"httpsProxy": f"http://bob:{PASSWORD}@proxy.corp.example:3128"}
    cfg = config("fix", trust={"caBundle": bundle}, proxy=proxy)
    try:
        result = run_streams(cfg, [Source("in.yaml", text)])
    except InputError as error:
        assert "internal error" not in str(error) and PASSWORD not in str(error), str(error)
        return
    for f in result.outcome.findings:
        assert PASSWORD not in f.message and "internal error" not in f.message, f.message
    if result.outcome.failed:
        return
    out = str(result.outputs["in.yaml"])
    again = run_streams(cfg, [Source("in.yaml", out)])
    assert str(again.outputs["in.yaml"]) == out, "a second run changes something"
    checked = run_streams(with_mode(cfg, "check"), [Source("in.yaml", out)]).outcome
    errors = [
        f"{f.rule.id} {f.message}" for f in checked.findings if f.rule.severity.value == "error"
    ]
    assert not errors, errors


@pytest.mark.parametrize(
    "path",
    [
        "/etc/ssl/certs",
        "//etc/ssl/certs",
        "/etc/./ssl//certs/",
        "/etc/pki",
        "/usr/share/ca-certificates",
        "//usr/share",
    ],
)
def test_a_mount_hiding_the_public_roots_is_seen_however_its_path_is_spelt(path: str) -> None:
    text = DRC_HEAD + (
        "metadata:\n  name: m\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
        "      template:\n        spec:\n          containers:\n          - name: package-runtime\n"
        f"            volumeMounts:\n            - {{name: v, mountPath: '{path}'}}\n"
        "          volumes:\n          - {name: v, emptyDir: {}}\n"
    )
    assert "XPN029" in check_rules(text)[1]


def test_the_system_trust_directories_are_where_images_keep_their_roots() -> None:
    # Go reads every one of its certDirectories (src/crypto/x509/root_linux.go); RHEL's bundle
    # lives under /etc/pki/ca-trust; Debian's /etc/ssl/certs links point into
    # /usr/share/ca-certificates (docs/explanation/trust.md).
    assert GO_CERT_DIRS == ("/etc/ssl/certs", "/etc/pki/tls/certs")
    assert SYSTEM_TRUST_DIRS == (
        "/etc/ssl/certs",
        "/etc/pki/tls/certs",
        "/etc/pki/ca-trust",
        "/usr/share/ca-certificates",
    )


def test_a_mount_elsewhere_under_usr_hides_nothing() -> None:
    text = DRC_HEAD + (
        "metadata:\n  name: m\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
        "      template:\n        spec:\n          containers:\n          - name: package-runtime\n"
        "            volumeMounts:\n            - {name: v, mountPath: '/usr/share/xpnet'}\n"
        "          volumes:\n          - {name: v, emptyDir: {}}\n"
    )
    assert "XPN029" not in check_rules(text)[1]


@pytest.mark.parametrize("mode", ["check", "fix"])
def test_a_bundle_volume_whose_source_is_not_a_mapping_is_judged_not_crashed_on(mode: str) -> None:
    """`configMap: [corp-ca]` names no ConfigMap (the API server refuses the volume): check's
    XPN027 says so instead of failing inside xpnet; fix wires the bundle's volume in its place
    and judges that."""
    from tests.unit.test_rules import TRUST, WIRED, runtime_drc

    text = WIRED + runtime_drc("python", {"SSL_CERT_FILE": "/etc/xpnet/ca/ca.crt"}).replace(
        "            configMap:\n              name: corp-ca\n"
        "              items: [{key: ca.crt, path: ca.crt}]\n",
        "            configMap: [corp-ca]\n",
    )
    assert "configMap: [corp-ca]" in text
    cfg = config(mode, trust=TRUST)
    findings = run_streams(cfg, [Source("in.yaml", text)]).outcome.findings
    said = [f.message for f in findings if f.rule.id == "XPN027"]
    named = "ConfigMap corp-ca" if mode == "fix" else "a ConfigMap volume that names no ConfigMap"
    assert said and named in said[0], said
