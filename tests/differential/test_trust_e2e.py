"""Issue 12's proof, end to end: the env and mounts `xpnet fix` writes for spec.trust, given to
real clients in namespaces of their own (trust_runner.py): behind a TLS-intercepting proxy (a
registry whose certificate a corporate CA signed, reached through a CONNECT proxy), the core,
a Go provider, a Python and a Node function trust the registry after the fix and not before, and
the Go ones still trust a server signed by a CA that is only in the image's system bundle.

A container's mounts are reproduced from the manifest: each volumeMount of a ConfigMap volume
of the bundle becomes a folder at its mountPath holding the volume's items (key → path)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.differential.trust import PUBLIC_URL, REGISTRY_URL, run_trust, shared_mount_points
from tests.unit.test_trust import trust_config
from xpnet.adapters.streams import run_streams
from xpnet.config import load_config
from xpnet.yaml.stream import Source

CHART = ROOT / "tests" / "fixtures" / "crossplane" / "chart-v1.20.11-proxy.yaml"
PROXY = "http://127.0.0.1:3128"  # trust_runner.py's recording CONNECT proxy
BUNDLE = "CORP_CA_PEM"  # the ConfigMap's content: the corporate CA only
COMPLETE = "PUBLIC_CA_PEM\nCORP_CA_PEM"  # ... with the public roots too (complete: true)


def runtime_config(name: str, runtime: str) -> str:
    return (
        "---\napiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\n"
        f"metadata:\n  name: {name}\n  annotations:\n    xpnet.dev/runtime: {runtime}\n"
        "spec: {}\n"
    )


def manifests() -> str:
    """The rendered chart and a runtime config of each runtime, read when a test runs."""
    return (
        CHART.read_text()
        + runtime_config("provider-go", "go")
        + runtime_config("function-python", "python")
        + runtime_config("function-node", "node")
    )


def config(complete: bool = False) -> Any:
    """The shared test ClusterNetwork with the proxy at the recorder and the four lines a user
    adds (spec.trust)."""
    data = trust_config(
        {"configMapRef": {"name": "corp-ca", "key": "ca.crt"}, "complete": complete}
    )
    data["spec"]["proxy"] = {"httpsProxy": PROXY}
    return load_config(data, "corp.yaml")


def fixed(complete: bool = False) -> list[dict[str, Any]]:
    result = run_streams(config(complete), [Source("in.yaml", manifests())])
    assert not result.outcome.failed, [f.message for f in result.outcome.findings]
    return [d for d in yaml.safe_load_all(result.outputs["in.yaml"]) if d]


def podspec(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc["spec"]
    if doc["kind"] == "DeploymentRuntimeConfig":
        spec = spec["deploymentTemplate"]["spec"]
    return spec["template"]["spec"]  # type: ignore[no-any-return]


def case(docs: list[dict[str, Any]], name: str, container: str, content: str) -> dict[str, Any]:
    """One container's env (plain values) and the bundle's mounts, as its pod would see them."""
    kinds = ("Deployment", "DeploymentRuntimeConfig")
    doc = next(d for d in docs if d["kind"] in kinds and d["metadata"]["name"] == name)
    pod = podspec(doc)
    found = next(c for c in pod["containers"] if c["name"] == container)
    env = {e["name"]: e["value"] for e in found.get("env") or [] if "value" in e}
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    mounts = {}
    for mount in found.get("volumeMounts") or []:
        source = volumes.get(mount["name"], {}).get("configMap") or {}
        if source.get("name") == "corp-ca":
            mounts[mount["mountPath"]] = {i["path"]: content for i in source["items"]}
    return {"env": env, "mounts": mounts, "urls": [REGISTRY_URL, PUBLIC_URL]}


# (document, container, client) → (registry trusted, public server trusted) after the fix.
# Python's variables replace the roots: with a bundle of only the corporate CA, the public
# server fails (XPN027 warns); with complete: true it does not.
CONTAINERS = {
    ("crossplane", "crossplane", "crossplane-core"): (True, True),
    ("provider-go", "package-runtime", "go"): (True, True),
    ("function-python", "package-runtime", "python-ssl"): (True, False),
    ("function-python", "package-runtime", "python-requests"): (True, False),
    ("function-node", "package-runtime", "node"): (True, False),  # Node: its own roots only
}


def unfixed() -> list[dict[str, Any]]:
    """The same input with the proxy wired but no trust: what the user had before."""
    result = run_streams(
        config()._replace(spec=config().spec._replace(trust=None)), [Source("in.yaml", manifests())]
    )
    return [d for d in yaml.safe_load_all(result.outputs["in.yaml"]) if d]


@pytest.mark.parametrize(("name", "container", "client"), list(CONTAINERS))
def test_what_fix_writes_makes_real_clients_trust_the_corporate_ca(
    name: str, container: str, client: str
) -> None:
    after, before = fixed(), unfixed()
    cases = [
        case(before, name, container, BUNDLE),
        case(after, name, container, BUNDLE),
        case(fixed(complete=True), name, container, COMPLETE),
    ]
    assert cases[1]["mounts"], "fix mounted no bundle"
    with shared_mount_points(cases):
        records = run_trust(client, cases)
    got = {(r["case"], r["url"]): r for r in records}
    assert all(r["authority"] for r in records), "a client did not go through the proxy"
    registry, public = CONTAINERS[(name, container, client)]
    # Before: the registry's certificate is refused (what users see: unknown authority).
    assert not got[(0, REGISTRY_URL)]["ok"]
    assert got[(0, REGISTRY_URL)]["error"] == "unknown-authority"
    assert got[(1, REGISTRY_URL)]["ok"] is registry, got[(1, REGISTRY_URL)]
    assert got[(1, PUBLIC_URL)]["ok"] is public, got[(1, PUBLIC_URL)]
    # A bundle with the public roots too: every runtime trusts both.
    assert got[(2, REGISTRY_URL)]["ok"] and got[(2, PUBLIC_URL)]["ok"], records


def test_a_go_runtimes_own_cert_dir_still_counts_after_the_fix() -> None:
    """The user's SSL_CERT_DIR names a directory of public roots (an image with no bundle file
    at Go's default paths): fix appends its mount path to the list, and a real Go client then
    trusts the registry and the public server; the list replaced would lose the public one."""
    from tests.differential.test_trust_runtimes import no_bundle

    drc = runtime_config("provider-go", "go").replace(
        "spec: {}\n",
        "spec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n      template:\n"
        "        spec:\n          containers:\n          - name: package-runtime\n"
        "            env:\n            - {name: SSL_CERT_DIR, value: /opt/public}\n",
    )
    result = run_streams(config(), [Source("in.yaml", CHART.read_text() + drc)])
    assert not result.outcome.failed, [f.message for f in result.outcome.findings]
    docs = [d for d in yaml.safe_load_all(result.outputs["in.yaml"]) if d]
    kept = case(docs, "provider-go", "package-runtime", BUNDLE)
    assert kept["env"]["SSL_CERT_DIR"] == "/opt/public:/etc/xpnet/ca"
    mounts, files = no_bundle()
    kept["mounts"] |= {"/opt/public": {"public.pem": "PUBLIC_CA_PEM"}, **mounts}
    kept["files"] = files
    replaced = {**kept, "env": {**kept["env"], "SSL_CERT_DIR": "/etc/xpnet/ca"}}
    with shared_mount_points([kept, replaced]):
        records = run_trust("go", [kept, replaced])
    got = {(r["case"], r["url"]): r["ok"] for r in records}
    assert got == {
        (0, REGISTRY_URL): True,
        (0, PUBLIC_URL): True,
        (1, REGISTRY_URL): True,
        (1, PUBLIC_URL): False,
    }, records
