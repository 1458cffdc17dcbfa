"""`xpnet discover`: a ClusterNetwork from saved cluster objects, every value with its
source; fixtures in tests/fixtures/discover/ take their shapes from the real APIs (Node,
ServiceCIDR, kubeadm/kube-proxy/kubelet configs, OpenShift Network/Proxy, k3s config, EKS, EC2,
AKS and GKE CLI output)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, ROOT
from xpnet import discover as discovery
from xpnet.adapters import cli
from xpnet.config import CONFIGMAP_KEYS, load_config
from xpnet.discover import saving
from xpnet.yaml.nodes import compose, to_data

FIXTURES = ROOT / "tests" / "fixtures" / "discover"
XPNET = BIN_DIR / "xpnet"
PROXY = "http://proxy.corp.example:3128"


def run(*files: str, proxy: str | None = PROXY, form: discovery.write.Format = "clusternetwork"):
    saved: list[discovery.read.Saved] = []
    for number, name in enumerate(files):
        path = Path(name) if "/" in name else FIXTURES / name
        saved += discovery.read.objects(str(path), path.read_text(), number, len(saved))
    return discovery.configuration(saved, proxy, form=form)


def config(found: discovery.Discovered):
    assert found.text is not None, found.problems
    return load_config(to_data(compose(found.text, "out"), "out"), "out")


def xpnet(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(XPNET), *args], capture_output=True, text=True, input=stdin, timeout=60
    )


# Done when: four saved `kubectl get` outputs → discover → a config check accepts.


def test_four_saved_outputs_give_a_config_that_check_accepts(
    tmp_path: Path, shared_crossplane: Path
) -> None:
    chart = shared_crossplane / "chart-v1.20.11-proxy.yaml"
    inputs = [str(FIXTURES / n) for n in ("nodes.yaml", "kubernetes-service.yaml")]
    inputs += [str(FIXTURES / "kubeadm-config.yaml"), str(chart)]
    done = xpnet("discover", *inputs)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = tmp_path / "clusternetwork.yaml"
    out.write_text(done.stdout)
    found = load_config(to_data(compose(done.stdout, "out"), "out"), "out")
    assert list(found.spec.cluster.podCIDRs) == ["10.244.0.0/16"]
    assert list(found.spec.cluster.serviceCIDRs) == ["10.96.0.0/12"]
    assert list(found.spec.cluster.nodeCIDRs) == ["192.168.10.0/27"]
    assert found.spec.cluster.domain == "cluster.local"
    assert found.spec.proxy.httpsProxy == "http://proxy.example.com:3128"
    assert list(found.spec.proxy.noProxy) == ["10.0.0.0/8"]  # the chart's own extra entry
    assert found.spec.crossplane.namespace == "crossplane-system"
    assert found.spec.crossplane.version == "auto"
    assert "now 1.20.11" in done.stdout
    for value in ("httpsProxy", "noProxy", "podCIDRs", "serviceCIDRs", "nodeCIDRs", "domain"):
        block = done.stdout.split(f"    {value}:")[0].rsplit("\n    ", 3)
        assert any("# " in part for part in block), f"{value} has no comment"

    # check reads the config (its findings are the chart's, which fix then repairs)
    checked = xpnet("check", "-c", str(out), str(chart))
    assert checked.returncode == 1, checked.stderr
    assert "XPN016" in checked.stdout and "ClusterNetwork" not in checked.stderr
    fixed = tmp_path / "chart.yaml"
    fixed.write_text(chart.read_text())
    assert xpnet("fix", "-c", str(out), str(fixed)).returncode == 0
    again = xpnet("check", "-c", str(out), str(fixed))
    assert again.returncode == 0, again.stdout
    assert "10.244.0.0/16" in fixed.read_text() and "10.96.0.1" in fixed.read_text()


# Each source, on its fixture.


def test_kubeadm_cluster_sources_agree_and_are_each_named() -> None:
    found = run(
        "nodes.yaml",
        "kube-proxy.yaml",
        "kubeadm-config.yaml",
        "kubelet-config.yaml",
        "control-plane.yaml",
        "kubernetes-service.yaml",
    )
    got = config(found)
    assert list(got.spec.cluster.podCIDRs) == ["10.244.0.0/16"]
    assert list(got.spec.cluster.serviceCIDRs) == ["10.96.0.0/12"]
    text = found.text or ""
    for origin in (
        "ConfigMap/kube-system/kube-proxy data.config.conf clusterCIDR",
        "data.ClusterConfiguration networking.podSubnet",
        "containers[name=kube-controller-manager] --cluster-cidr",
        "containers[name=kube-apiserver] --service-cluster-ip-range",
        "ConfigMap/kube-system/kubelet-config data.kubelet clusterDomain",
        "covers the 2 nodes' spec.podCIDRs",
    ):
        assert origin in " ".join(text.replace("#   ", "").split()), origin


def test_servicecidr_objects_are_the_live_ranges_and_may_extend_kubeadms() -> None:
    got = config(run("servicecidrs.yaml", "kubeadm-config.yaml", "nodes.yaml"))
    assert list(got.spec.cluster.serviceCIDRs) == ["10.96.0.0/12", "10.112.0.0/16"]


def test_nodes_alone_give_an_approximate_pod_network_with_a_warning() -> None:
    found = run("nodes.yaml", "kubernetes-service.yaml")
    got = config(found)
    assert list(got.spec.cluster.podCIDRs) == ["10.244.0.0/23"]
    assert "APPROXIMATE" in (found.text or "")
    assert any("podCIDRs 10.244.0.0/23" in n and "kube-proxy" in n for n in found.notes)


def test_the_kubernetes_service_ip_gives_a_service_cidr_said_to_be_a_guess() -> None:
    found = run("nodes.yaml", "kubernetes-service.yaml", "kube-proxy.yaml")
    assert list(config(found).spec.cluster.serviceCIDRs) == ["10.96.0.0/12"]
    assert "GUESS" in (found.text or "") and "kubeadm's default serviceSubnet" in (found.text or "")
    assert any("GUESS" in n and "kubectl get servicecidrs" in n for n in found.notes)


def test_a_service_ip_outside_every_known_default_gives_a_16(tmp_path: Path) -> None:
    service = (FIXTURES / "kubernetes-service.yaml").read_text().replace("10.96.0.1", "10.55.7.1")
    path = tmp_path / "svc.yaml"
    path.write_text(service)
    found = run(str(path), "kube-proxy.yaml")
    assert list(config(found).spec.cluster.serviceCIDRs) == ["10.55.0.0/16"]


def test_openshift_network_and_proxy() -> None:
    found = run("openshift.yaml", proxy=None)
    got = config(found)
    assert list(got.spec.cluster.podCIDRs) == ["10.128.0.0/14"]
    assert list(got.spec.cluster.serviceCIDRs) == ["172.30.0.0/16"]
    assert got.spec.proxy.httpsProxy == PROXY
    assert list(got.spec.cluster.apiServerAddresses) == ["api-int.ocp.corp.example"]
    # status.noProxy without what xpnet computes itself
    assert list(got.spec.proxy.noProxy) == [".corp.example", "10.0.0.0/16", "169.254.169.254"]
    trusted = [n for n in found.notes if "openshift-config/user-ca-bundle" in n]
    assert trusted and "spec.trust.caBundle" in trusted[0], found.notes


def test_k3s_config_file_dual_stack() -> None:
    got = config(run("k3s-config.yaml"))
    assert list(got.spec.cluster.podCIDRs) == ["10.42.0.0/16", "2001:cafe:42::/56"]
    assert list(got.spec.cluster.serviceCIDRs) == ["10.43.0.0/16", "2001:cafe:43::/112"]
    assert got.spec.cluster.domain == "k3s.local"


def test_eks_needs_the_vpc_for_pods_and_says_so() -> None:
    alone = run("eks.json")
    assert alone.text is None
    assert any(
        "podCIDRs: not found here" in p and "--vpc-ids vpc-0a1b2c3d4e5f60004" in p
        for p in alone.problems
    )
    got = config(run("eks.json", "vpc.json"))
    assert list(got.spec.cluster.serviceCIDRs) == ["172.20.0.0/16"]
    # the disassociated block is left out
    assert list(got.spec.cluster.podCIDRs) == ["192.168.0.0/16", "100.64.0.0/16"]
    assert list(got.spec.cluster.nodeCIDRs) == ["192.168.0.0/16", "100.64.0.0/16"]
    assert got.spec.cluster.cloud == "aws"  # its metadata endpoints bypass the proxy


def test_aks_and_gke_cli_output() -> None:
    aks = config(run("aks.json"))
    assert list(aks.spec.cluster.podCIDRs) == ["10.244.0.0/16"]
    assert list(aks.spec.cluster.serviceCIDRs) == ["10.0.0.0/16"]
    gke = config(run("gke.json"))
    assert list(gke.spec.cluster.podCIDRs) == ["10.8.0.0/14"]
    assert list(gke.spec.cluster.serviceCIDRs) == ["34.118.224.0/20"]
    assert (aks.spec.cluster.cloud, gke.spec.cluster.cloud) == ("azure", "gcp")
    mixed = run("aks.json", "gke.json")
    assert mixed.text is None and any("cloud" in p for p in mixed.problems), mixed.problems


def test_configmap_form_uses_the_configmap_keys() -> None:
    found = run("gke.json", form="configmap")
    data = to_data(compose(found.text or "", "out"), "out")
    assert data["kind"] == "ConfigMap"
    assert data["data"]["podCIDRs"] == "10.8.0.0/14"
    assert set(data["data"]) <= set(CONFIGMAP_KEYS)
    assert list(config(found).spec.cluster.serviceCIDRs) == ["34.118.224.0/20"]


def test_json_lists_and_stdin(tmp_path: Path) -> None:
    import json

    items = [to_data(compose((FIXTURES / "kubeadm-config.yaml").read_text(), "x"), "x")]
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    done = xpnet(
        "discover", "--proxy", PROXY, str(listed), "-", stdin=(FIXTURES / "nodes.yaml").read_text()
    )
    assert done.returncode == 0, done.stderr
    assert "<stdin>: Node/cp-1" in " ".join(done.stdout.replace("#   ", "").split())


# Bad input: refused with the file, object, field and the fix; nothing on stdout.


def test_conflicting_sources_are_an_error_listing_both(tmp_path: Path) -> None:
    other = (FIXTURES / "kubeadm-config.yaml").read_text().replace("10.96.0.0/12", "10.100.0.0/16")
    path = tmp_path / "old-kubeadm.yaml"
    path.write_text(other)
    done = xpnet("discover", "--proxy", PROXY, str(FIXTURES / "control-plane.yaml"), str(path))
    assert done.returncode == 1 and done.stdout == ""
    assert "serviceCIDRs: the sources disagree: 10.96.0.0/12 from" in done.stderr
    assert "--service-cluster-ip-range" in done.stderr and "10.100.0.0/16 from" in done.stderr
    assert str(path) in done.stderr and "Traceback" not in done.stderr


def test_a_node_range_outside_the_pod_network_is_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "kube-proxy.yaml"
    path.write_text(
        (FIXTURES / "kube-proxy.yaml").read_text().replace("10.244.0.0/16", "10.50.0.0/16")
    )
    found = run("nodes.yaml", "kubernetes-service.yaml", str(path))
    assert found.text is None
    assert any(
        "Node/cp-1 spec.podCIDRs" in p and "outside the pod network" in p for p in found.problems
    )


def test_a_service_ip_outside_the_service_network_is_a_conflict() -> None:
    found = run("kubernetes-service.yaml", "aks.json")
    assert found.text is None
    assert any("10.96.0.1" in p and "outside the service network" in p for p in found.problems)


def test_differing_proxy_urls_are_a_conflict_unless_proxy_is_given(
    shared_crossplane: Path,
) -> None:
    chart = str(shared_crossplane / "chart-v1.20.11-proxy.yaml")
    found = run("openshift.yaml", chart, proxy=None)
    problem = next(p for p in found.problems if p.startswith("httpsProxy: the sources disagree"))
    assert "Proxy/cluster spec.httpsProxy" in problem and "env HTTPS_PROXY" in problem
    chosen = config(run("openshift.yaml", chart, proxy="http://chosen:3128"))
    assert chosen.spec.proxy.httpsProxy == "http://chosen:3128"


def test_proxy_credentials_are_never_repeated_in_messages(
    tmp_path: Path, shared_crossplane: Path
) -> None:
    chart = tmp_path / "chart.yaml"
    text = (shared_crossplane / "chart-v1.20.11-proxy.yaml").read_text()
    chart.write_text(text.replace("http://proxy.example", "http://user:s3cret@proxy.example"))
    found = run("openshift.yaml", str(chart), proxy=None)
    assert found.problems and "s3cret" not in "".join(found.problems + found.notes)
    assert "http://***@proxy.example.com:3128" in "".join(found.problems)


def test_nodes_without_pod_cidrs_say_where_to_look(tmp_path: Path) -> None:
    nodes = (FIXTURES / "nodes.yaml").read_text()
    nodes = "\n".join(
        line for line in nodes.splitlines() if "podCIDR" not in line and "- 10.244" not in line
    )
    path = tmp_path / "calico-nodes.yaml"
    path.write_text(nodes)
    found = run(str(path), "kubernetes-service.yaml")
    assert found.text is None
    problem = next(p for p in found.problems if p.startswith("podCIDRs"))
    assert "not found here" in problem and "ippools.crd.projectcalico.org" in problem
    assert "Node/cp-1" in problem


def test_missing_values_say_which_command_to_save() -> None:
    found = run("kubelet-config.yaml", proxy=None)
    joined = "\n".join(found.problems)
    assert saving.SAVE["nodes"] in joined and saving.SAVE["servicecidrs"] in joined
    assert "--proxy URL" in joined


def test_unknown_kinds_are_ignored_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\nfoo: bar\n")
    found = run(str(path), "k3s-config.yaml")
    assert found.text is not None
    assert any(
        "ignored" in n and "Secret" in n and "a mapping without kind" in n for n in found.notes
    )


def test_bad_values_name_their_source(tmp_path: Path) -> None:
    path = tmp_path / "k3s.yaml"
    path.write_text('cluster-cidr: "10.42.0.0/16,bogus"\nservice-cidr: 10.43.0.0/16\n')
    found = run(str(path))
    assert any(
        f"{path}: k3s/RKE2 config cluster-cidr: 'bogus' is not a CIDR" in p for p in found.problems
    )
    refused = run("k3s-config.yaml", proxy="proxy.corp.example:3128")
    assert refused.text is None
    assert any("xpnet would refuse" in p and "http://" in p for p in refused.problems)


def test_invalid_yaml_is_refused_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("kind: Node\nmetadata: [\n")
    done = xpnet("discover", str(path))
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    assert str(path) in done.stderr


# Documentation: every source's command in --help and in the README.


def test_help_and_readme_name_every_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["discover", "--help"])
    out = capsys.readouterr().out
    readme = (ROOT / "docs" / "how-to" / "discover.md").read_text()
    for key, _ in saving.SOURCES:
        assert saving.SAVE[key] in out, key
        assert saving.SAVE[key] in readme, key


@pytest.mark.parametrize(
    ("name", "said"),
    [("Corp_Proxy", "did you mean corp-proxy?"), ("a..b", "e.g. corp-proxy"), ("x" * 254, "253")],
)
def test_a_name_the_api_server_would_refuse_is_a_usage_error(name: str, said: str) -> None:
    done = xpnet("discover", "--proxy", PROXY, "--name", name, str(FIXTURES / "nodes.yaml"))
    assert done.returncode == 2 and said in done.stderr and done.stdout == "", done.stderr
    assert "Traceback" not in done.stderr


# The CA bundle an install already trusts becomes spec.trust.

CORPORATE_CA = ROOT / "examples" / "corporate-ca" / "expected.yaml"


def test_the_cores_ca_bundle_wiring_becomes_spec_trust() -> None:
    """The chart's registryCaBundleConfig wiring (volume ca-certs at /certs, CA_BUNDLE_PATH) as
    fix writes it."""
    found = run("kubeadm-config.yaml", str(CORPORATE_CA))
    bundle = config(found).spec.trust
    assert bundle is not None and bundle.caBundle.configMapRef is not None
    assert (bundle.caBundle.configMapRef.name, bundle.caBundle.configMapRef.key) == (
        "corp-ca",
        "ca.crt",
    )
    assert found.text is not None and "container crossplane env CA_BUNDLE_PATH" in found.text
    configmap = run("kubeadm-config.yaml", str(CORPORATE_CA), form="configmap")
    assert configmap.text is not None
    assert '  caBundleConfigMap: "corp-ca"\n  caBundleKey: "ca.crt"\n' in configmap.text
    assert config(configmap).spec.trust == bundle


def test_a_mounted_secret_and_chart_values_give_spec_trust(tmp_path: Path) -> None:
    core = CORPORATE_CA.read_text().split("\n---\n")[0]
    assert "kind: Deployment" in core
    secret = core.replace(
        "configMap:\n          items:\n          - key: ca.crt\n            path: ca.crt\n"
        "          name: corp-ca",
        "secret:\n          secretName: corp-ca-secret",
    )
    assert secret != core, "the example's volume changed shape"
    (tmp_path / "core.yaml").write_text(secret)
    bundle = config(run("kubeadm-config.yaml", str(tmp_path / "core.yaml"))).spec.trust
    assert bundle is not None and bundle.caBundle.secretRef is not None
    assert bundle.caBundle.secretRef.name == "corp-ca-secret"
    assert bundle.caBundle.secretRef.key == "ca.crt"

    release = ROOT / "examples" / "chart-values" / "helmrelease.yaml"
    text = release.read_text()
    assert "    extraEnvVarsCrossplane:\n" in text
    text = text.replace(
        "    extraEnvVarsCrossplane:\n",
        "    registryCaBundleConfig: {name: corp-ca, key: ca.pem}\n    extraEnvVarsCrossplane:\n",
    )
    (tmp_path / "release.yaml").write_text(text)
    bundle = config(run("kubeadm-config.yaml", str(tmp_path / "release.yaml"))).spec.trust
    assert bundle is not None and bundle.caBundle.configMapRef is not None
    assert bundle.caBundle.configMapRef.key == "ca.pem"


def test_an_install_without_ca_wiring_gives_no_spec_trust() -> None:
    chart = ROOT / "examples" / "corporate-ca" / "crossplane.yaml"
    assert config(run("kubeadm-config.yaml", str(chart))).spec.trust is None


def test_a_no_proxy_entry_the_configuration_refuses_is_left_out_with_a_warning(
    tmp_path: Path,
) -> None:
    core = CORPORATE_CA.read_text().split("\n---\n")[0]
    assert "        - name: NO_PROXY\n          value: " in core
    core = core.replace(
        "        - name: NO_PROXY\n          value: ",
        "        - name: NO_PROXY\n          value: 10.0.0.*,",
    )
    (tmp_path / "core.yaml").write_text(core)
    found = run("kubeadm-config.yaml", str(tmp_path / "core.yaml"))
    assert "10.0.0.*" not in (found.text or "")
    assert any("'10.0.0.*' has a wildcard inside" in n for n in found.notes), found.notes
