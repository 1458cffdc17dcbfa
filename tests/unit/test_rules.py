"""Every rule of the catalogue has a failing and a passing example; docs/rules.md is current."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ROOT, UPDATE_GOLDEN
from xpnet.adapters.streams import run_streams
from xpnet.config import load_config, with_mode
from xpnet.rules import CATALOGUE, markdown
from xpnet.yaml.stream import Source

GOOD = (  # what fix writes for this config
    "localhost,127.0.0.1,::1,10.96.0.1,kubernetes.default.svc,kubernetes.default.svc.cluster.local,"
    ".svc,.cluster.local,crossplane-system,.crossplane-system,10.244.0.0/16,10.96.0.0/12"
)
PROXY = "http://proxy:3128"
SIX = {
    "HTTP_PROXY": PROXY,
    "HTTPS_PROXY": PROXY,
    "NO_PROXY": GOOD,
    "http_proxy": PROXY,
    "https_proxy": PROXY,
    "no_proxy": GOOD,
}


def config(
    crossplane: dict[str, str] | None = None,
    network_policy: dict[str, Any] | None = None,
    trust: dict[str, Any] | None = None,
    **proxy: Any,
) -> Any:
    cluster: dict[str, Any] = {"podCIDRs": ["10.244.0.0/16"], "serviceCIDRs": ["10.96.0.0/12"]}
    if network_policy:  # the policies need the API server's own address
        cluster["apiServerAddresses"] = ["192.168.10.5"]
    return with_mode(
        load_config(
            {
                "apiVersion": "xpnet.dev/v1alpha1",
                "kind": "ClusterNetwork",
                "metadata": {"name": "c"},
                "spec": {
                    "proxy": {"httpsProxy": PROXY, **proxy},
                    "cluster": cluster,
                    "crossplane": crossplane or {},
                    "networkPolicy": network_policy or {},
                    **({"trust": trust} if trust else {}),
                },
            },
            "c",
        ),
        "check",
    )


def env(values: dict[str, str], indent: str) -> str:
    return "".join(f"{indent}- name: {k}\n{indent}  value: '{v}'\n" for k, v in values.items())


def install(
    main: dict[str, str],
    init: dict[str, str] | None = None,
    tag: str = "v2.1.0",
    extra: str = "",
    pod: str = "",
) -> str:
    init_block = ""
    if init is not None:
        init_block = (
            "      initContainers:\n      - name: init\n        image: x\n"
            "        env:\n" + env(init, "        ")
        )
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n"
        f"  namespace: crossplane-system\nspec:\n  template:\n    spec:\n{pod}{init_block}"
        f"      containers:\n      - name: crossplane\n        image: crossplane:{tag}\n"
        "        args: [core, start]\n        env:\n" + env(main, "        ") + extra
    )


def drc(containers: str) -> str:
    return (
        "---\napiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\n"
        "metadata:\n  name: rt\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
        "      template:\n        spec:\n          containers:\n" + containers
    )


def with_(**changes: str | None) -> dict[str, str]:
    out = dict(SIX)
    for k, v in changes.items():
        if v is None:
            out.pop(k)
        else:
            out[k] = v
    return out


def helmrelease(chart: str, version: str, values: dict[str, Any]) -> str:
    """A Flux HelmRelease (JSON is YAML)."""
    return json.dumps(
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "cp", "namespace": "flux-system"},
            "spec": {
                "targetNamespace": "crossplane-system",
                "chart": {"spec": {"chart": chart, "version": version}},
                "values": values,
            },
        }
    )


# rule → (failing manifests, passing manifests, config options)
EXAMPLES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "XPN001": (
        install(SIX, init=with_(NO_PROXY=GOOD + ",x", no_proxy=GOOD + ",x")),
        install(SIX, init=SIX),
        {},
    ),
    "XPN002": (install(with_(no_proxy="localhost")), install(SIX), {}),
    "XPN003": (
        install(
            with_(
                NO_PROXY=GOOD.replace("10.96.0.1,", "").replace(",10.96.0.0/12", ""),
                no_proxy=GOOD.replace("10.96.0.1,", "").replace(",10.96.0.0/12", ""),
            )
        ),
        install(SIX),
        {},
    ),
    "XPN004": (
        install(with_(NO_PROXY=".svc,10.96.0.1", no_proxy=".svc,10.96.0.1")),
        install(SIX),
        {},
    ),
    "XPN005": (install(with_(HTTPS_PROXY=None, https_proxy=None)), install(SIX), {}),
    "XPN006": (install(SIX), install(SIX), {"httpsProxy": "https://proxy:3128"}),
    "XPN007": (
        install(with_(NO_PROXY=GOOD + ",[fd00::1]", no_proxy=GOOD + ",[fd00::1]")),
        install(with_(NO_PROXY=GOOD + ",fd00::1", no_proxy=GOOD + ",fd00::1")),
        {},
    ),
    "XPN008": (install(with_(NO_PROXY=GOOD + ",*", no_proxy=GOOD + ",*")), install(SIX), {}),
    "XPN009": (
        install(SIX) + "---\napiVersion: pkg.crossplane.io/v1alpha1\n"
        "kind: ControllerConfig\nmetadata:\n  name: cc\n",
        install(SIX),
        {},
    ),
    "XPN010": (
        install(SIX, extra="        - name: HTTPS_PROXY_X\n          value: x\n").replace(
            "        - name: HTTP_PROXY\n          value: 'http://proxy:3128'\n",
            "        - name: HTTP_PROXY\n          valueFrom: {secretKeyRef: {name: s, key: k}}\n",
        ),
        install(SIX),
        {},
    ),
    "XPN011": (install({"LEADER_ELECTION": "true"}), install(SIX), {}),
    "XPN012": (install(with_(no_proxy=None)), install(SIX), {}),
    "XPN013": (
        install(SIX, pod="      hostNetwork: true\n"),
        install(SIX, pod="      hostNetwork: true\n      dnsPolicy: ClusterFirstWithHostNet\n"),
        {},
    ),
    "XPN014": (
        install(SIX)
        + drc(
            "          - name: sidecar\n            env:\n"
            + env({"HTTPS_PROXY": PROXY}, "            ")
        ),
        install(SIX)
        + drc("          - name: package-runtime\n            env:\n" + env(SIX, "            ")),
        {},
    ),
    "XPN015": (
        install(with_(HTTPS_PROXY="http://u:pw@proxy:3128", https_proxy="http://u:pw@proxy:3128")),
        install(SIX),
        {},
    ),
    "XPN016": (
        install(with_(HTTP_PROXY="http://old:1", http_proxy="http://old:1")),
        install(SIX),
        {},
    ),
    "XPN017": (
        install(SIX).replace("namespace: crossplane-system", "namespace: upbound-system"),
        install(SIX),
        {"crossplane": {"namespace": "crossplane-system"}},
    ),
    "XPN018": (
        install(SIX)
        + "---\n"
        + install(SIX).replace("namespace: crossplane-system", "namespace: other")
        + drc("          - name: package-runtime\n            env:\n" + env(SIX, "            ")),
        install(SIX)
        + drc("          - name: package-runtime\n            env:\n" + env(SIX, "            ")),
        {},
    ),
    "XPN019": (
        install(SIX, init={"HTTPS_PROXY": "http://old:1"})
        .replace("        env:\n", "        env: &e\n", 1)
        .replace(
            "        args: [core, start]\n        env:\n" + env(SIX, "        "),
            "        args: [core, start]\n        env: *e\n",
        ),
        install(SIX, init=SIX),
        {},
    ),
    "XPN020": (
        helmrelease("podinfo", "6.5.0", {}),
        helmrelease("crossplane", "2.1.8", {"extraEnvVarsCrossplane": SIX}),
        {},
    ),
    "XPN021": (
        helmrelease(
            "crossplane",
            "1.20.11",
            {"extraEnvVarsCrossplane": SIX, "extraEnvVarsCrossplaneInit": SIX},
        ),
        helmrelease(
            "crossplane",
            "2.1.8",
            {"extraEnvVarsCrossplane": SIX, "extraEnvVarsCrossplaneInit": SIX},
        ),
        {},
    ),
    "XPN022": (
        helmrelease("crossplane", "2.1.8", {}),
        install(SIX),
        {"credentialsSecret": {"name": "proxy-credentials"}},
    ),
    "XPN023": (
        install(SIX)
        + drc(
            "          - name: package-runtime\n            env:\n" + env(SIX, "            ")
        ).replace("  name: rt\n", '  name: rt\n  annotations:\n    xpnet.dev/skip: "true"\n'),
        install(SIX)
        + drc("          - name: package-runtime\n            env:\n" + env(SIX, "            ")),
        {},
    ),
}


def xpnet_policies(port: int) -> str:
    """The four policies install(SIX) gets with NETPOL, xpnet-core-egress's proxy port changed."""
    from xpnet import netpol

    found = netpol.policies(config(network_policy=NETPOL), "crossplane-system", {"app": "cp"})
    texts = [netpol.render(p) for p in found]
    texts[1] = texts[1].replace("port: 3128", f"port: {port}")
    return "".join(f"---\n{t}" for t in texts)


NETPOL = {"enabled": True, "proxyCIDRs": ["10.20.0.10/32"]}
LABELLED = "  template:\n    metadata:\n      labels:\n        app: cp\n"
EXAMPLES["XPN024"] = (
    install(SIX).replace("  template:\n", LABELLED) + xpnet_policies(3129),
    install(SIX).replace("  template:\n", LABELLED) + xpnet_policies(3128),
    {"network_policy": NETPOL},
)
EXAMPLES["XPN025"] = (
    install(SIX),
    install(SIX).replace("  template:\n", LABELLED),
    {"network_policy": NETPOL},
)


TRUST = {"caBundle": {"configMapRef": {"name": "corp-ca", "key": "ca.crt"}}}
CA_VOLUME = (
    "      volumes:\n      - name: ca-certs\n        configMap:\n          name: corp-ca\n"
    "          items:\n          - {key: ca.crt, path: ca.crt}\n"
)
CA_MOUNT = "        volumeMounts:\n        - {mountPath: /certs, name: ca-certs}\n"
CA_ENV = {"CA_BUNDLE_PATH": "/certs/ca.crt"}
WIRED = install({**SIX, **CA_ENV}, extra=CA_MOUNT + CA_VOLUME)


def runtime_drc(runtime: str, variables: dict[str, str], mount: str = "/etc/xpnet/ca") -> str:
    """A runtime config with the bundle mounted at `mount` and these trust variables."""
    return (
        drc(
            "          - name: package-runtime\n            env:\n"
            + env({**SIX, **variables}, "            ")
            + "            volumeMounts:\n"
            + f"            - {{mountPath: {mount}, name: xpnet-ca-bundle, readOnly: true}}\n"
        )
        + "          volumes:\n          - name: xpnet-ca-bundle\n            configMap:\n"
        "              name: corp-ca\n              items: [{key: ca.crt, path: ca.crt}]\n"
    ).replace("  name: rt\n", f"  name: rt\n  annotations:\n    xpnet.dev/runtime: {runtime}\n")


EXAMPLES["XPN026"] = (install({**SIX, **CA_ENV}), WIRED, {"trust": TRUST})
EXAMPLES["XPN027"] = (
    WIRED
    + runtime_drc(
        "python", dict.fromkeys(("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"), "/etc/xpnet/ca/ca.crt")
    ),
    WIRED + runtime_drc("go", {"SSL_CERT_DIR": "/etc/xpnet/ca"}),
    {"trust": TRUST},
)
EXAMPLES["XPN028"] = (install({**SIX, **CA_ENV}), WIRED, {})
EXAMPLES["XPN029"] = (
    install(SIX) + runtime_drc("go", {"SSL_CERT_DIR": "/etc/ssl/certs"}, "/etc/ssl/certs"),
    install(SIX) + runtime_drc("go", {"SSL_CERT_DIR": "/etc/xpnet/ca"}),
    {},
)
EXAMPLES["XPN030"] = (
    install(
        {**SIX, **CA_ENV},
        extra=CA_MOUNT.replace("ca-certs", "data")
        + CA_VOLUME.replace("ca-certs", "data").replace("corp-ca", "other-ca"),
    ),
    WIRED,
    {"trust": TRUST},
)
EXAMPLES["XPN045"] = (
    WIRED + runtime_drc("node", {"NODE_EXTRA_CA_CERTS": "/etc/pki/corp/other.pem"}),
    WIRED + runtime_drc("node", {"NODE_EXTRA_CA_CERTS": "/etc/xpnet/ca/ca.crt"}),
    {"trust": TRUST},
)


def annotated(key: str, value: str) -> str:
    """The install with one annotation on its core Deployment."""
    return install(SIX).replace(
        "  name: crossplane\n", f"  name: crossplane\n  annotations:\n    {key}: {value}\n", 1
    )


EXAMPLES["XPN044"] = (
    annotated("ignore-check.xpnet.dev/XPN099", "'kept on purpose'"),
    annotated("ignore-check.xpnet.dev/XPN009", "'ControllerConfigs go in Q3'"),
    {},
)
EXAMPLES["XPN065"] = (install({**SIX, "HTTPS_PROXY": "{{ .Values.proxy }}"}), install(SIX), {})


def from_configmap(data: dict[str, str]) -> str:
    """The install with HTTPS_PROXY read from a ConfigMap holding `data`."""
    text = install(SIX).replace(
        f"        - name: HTTPS_PROXY\n          value: '{PROXY}'\n",
        "        - name: HTTPS_PROXY\n          valueFrom:\n"
        "            configMapKeyRef: {name: proxy, key: HTTPS_PROXY}\n",
    )
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\n"
    configmap += "  namespace: crossplane-system\ndata:\n"
    return text + "---\n" + configmap + "".join(f"  {k}: '{v}'\n" for k, v in data.items())


EXAMPLES["XPN046"] = (
    from_configmap({"HTTPS_PROXY": "http://old.proxy:3128"}),
    from_configmap({"HTTPS_PROXY": PROXY}),
    {},
)
EXAMPLES["XPN047"] = (
    from_configmap({"HTTP_PROXY": PROXY}),
    from_configmap({"HTTPS_PROXY": PROXY}),
    {},
)

EXAMPLES["XPN068"] = (
    install({"BASE": GOOD, **with_(NO_PROXY="$(BASE)", no_proxy="$(BASE)")}).replace(
        "        - name: BASE\n          value: '" + GOOD + "'\n",
        "        - name: BASE\n          valueFrom: {secretKeyRef: {name: s, key: k}}\n",
    ),
    install({"BASE": GOOD, **with_(NO_PROXY="$(BASE)", no_proxy="$(BASE)")}),
    {},
)


def with_entry(entry: str) -> str:
    """The labelled install with its four policies and one more NO_PROXY entry in its core."""
    core = install(with_(NO_PROXY=f"{GOOD},{entry}", no_proxy=f"{GOOD},{entry}"))
    return core.replace("  template:\n", LABELLED) + xpnet_policies(3128)


PASSING = install(SIX).replace("  template:\n", LABELLED) + xpnet_policies(3128)
EXAMPLES["XPN050"] = (with_entry("10.50.0.0/16"), PASSING, {"network_policy": NETPOL})
EXAMPLES["XPN051"] = (with_entry(".corp.example"), PASSING, {"network_policy": NETPOL})
EXAMPLES["XPN052"] = (with_entry("vault.vault.svc"), PASSING, {"network_policy": NETPOL})


def gitops(spec: dict[str, Any], kind: str = "Application") -> str:
    """An Argo CD Application (or a Flux HelmRelease) of the crossplane chart 2.1.8."""
    if kind == "HelmRelease":
        body = {"targetNamespace": "crossplane-system", **spec}
        body.setdefault("chart", {"spec": {"chart": "crossplane", "version": "2.1.8"}})
        group = "helm.toolkit.fluxcd.io/v2"
    else:
        body = {
            "destination": {"namespace": "crossplane-system"},
            "source": {"chart": "crossplane", "targetRevision": "2.1.8", **spec},
        }
        group = "argoproj.io/v1alpha1"
    meta = {"name": "cp", "namespace": "gitops"}
    return json.dumps({"apiVersion": group, "kind": kind, "metadata": meta, "spec": body})


ALL = {"extraEnvVarsCrossplane": SIX, "extraEnvVarsCrossplaneInit": SIX}
EXAMPLES["XPN040"] = (
    gitops({"helm": {"valuesObject": ALL, "valueFiles": ["values-prod.yaml"]}}),
    gitops({"helm": {"valuesObject": ALL}}),
    {},
)
EXAMPLES["XPN041"] = (
    gitops(
        {
            "helm": {
                "valuesObject": ALL,
                "fileParameters": [{"name": "extraEnvVarsCrossplane.NO_PROXY", "path": "np"}],
            }
        }
    ),
    gitops({"helm": {"valuesObject": ALL}}),
    {},
)
EXAMPLES["XPN042"] = (
    gitops({"helm": {"valuesObject": ALL, "values": "replicas: 2\n"}}),
    gitops({"helm": {"valuesObject": ALL}}),
    {},
)


def patched(no_proxy: str) -> str:
    """A HelmRelease whose post-renderer sets the core's NO_PROXY after the chart values."""
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\n"
        "metadata: {name: crossplane, namespace: crossplane-system}\nspec:\n"
        "  template:\n    spec:\n      containers:\n      - name: crossplane\n        env:\n"
        f"        - {{name: NO_PROXY, value: '{no_proxy}'}}\n"
    )
    renderers = [{"kustomize": {"patches": [{"patch": patch}]}}]
    return gitops({"values": ALL, "postRenderers": renderers}, "HelmRelease")


EXAMPLES["XPN043"] = (patched("localhost"), patched(GOOD), {"mode": "fix"})


def rules_found(text: str, options: dict[str, Any]) -> set[str]:
    options = dict(options)
    mode = options.pop("mode", "check")
    result = run_streams(with_mode(config(**options), mode), [Source("x.yaml", text)])
    return {f.rule.id for f in result.outcome.findings}


def test_every_rule_has_examples() -> None:
    assert sorted(EXAMPLES) == [r.id for r in CATALOGUE]


@pytest.mark.parametrize("rule", sorted(EXAMPLES))
def test_rule_fails_and_passes(rule: str) -> None:
    failing, passing, options = EXAMPLES[rule]
    assert rule in rules_found(failing, options)
    if rule != "XPN006":  # a config-level rule: its passing example is the default config
        assert rule not in rules_found(passing, options)
    else:
        assert rule not in rules_found(passing, {})


def test_docs_rules_md_is_generated_from_the_catalogue() -> None:
    path = ROOT / "docs" / "rules.md"
    if UPDATE_GOLDEN:
        path.write_text(markdown())
    assert path.read_text() == markdown(), "docs/rules.md is stale: XPNET_UPDATE_GOLDEN=1"
