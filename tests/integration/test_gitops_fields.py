"""Every field of a Flux HelmRelease, an Argo CD Application or ApplicationSet, a `kind: List` and
the crossplane chart's values, against the real tool chain: `xpnet check` on the source gives
the verdict of `xpnet check` on what real Helm renders from it (plus real kustomize where Flux
post-renders and where kustomize flattens a List), or names the field it cannot follow (XPN041)
or cannot see (XPN040, XPN042). FIELDS is the README's table ("Helm values"), case for case.

Where a tool's own logic runs before Helm, the test does what its source does: Flux merges
valuesFrom and spec.values (helm-controller internal/chartutil/values.go) and builds a
kustomization of its post-renderers (internal/postrender/kustomize.go); Argo CD builds the helm
template command (argo-cd util/helm/cmd.go) and fills an ApplicationSet's list generator in."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, require, tools
from xpnet.adapters.streams import run_streams
from xpnet.config import load_config, with_mode
from xpnet.install import Role
from xpnet.releases import CORE_KEY, INIT_KEY, RBAC_KEY
from xpnet.yaml.stream import ChartValues, Source

NS = "crossplane-system"
PROXY = "http://proxy.corp.example:3128"
NOTICES = ("XPN040", "XPN041", "XPN042", "XPN020")
HAND = {"HTTPS.PROXY": PROXY, "NO_PROXY": "localhost,.svc"}  # what users write by hand


def fixed_values(namespace: str = NS) -> dict[str, str]:
    """What xpnet fix writes into extraEnvVarsCrossplane for the example config."""
    entries = (
        "localhost,127.0.0.1,::1,10.96.0.1,kubernetes.default.svc,"
        "kubernetes.default.svc.cluster.local,.svc,.cluster.local,"
        f"{namespace},.{namespace},10.244.0.0/16,10.96.0.0/12,.corp.example"
    )
    return {
        "HTTP_PROXY": PROXY,
        "HTTPS_PROXY": PROXY,
        "NO_PROXY": entries,
        "http_proxy": PROXY,
        "https_proxy": PROXY,
        "no_proxy": entries,
    }


GOOD = fixed_values()


class Tools:
    """The real programs and charts one test uses, and its scratch folder."""

    def __init__(self, helm: Path, helm4: Path | None, kustomize: Path, charts: Path, tmp: Path):
        self.helm, self.helm4, self.kustomize, self.charts, self.tmp = (
            helm,
            helm4,
            kustomize,
            charts,
            tmp,
        )
        self.count = 0

    def file(self, text: str, suffix: str = ".yaml") -> Path:
        self.count += 1
        path = self.tmp / f"f{self.count}{suffix}"
        path.write_text(text)
        return path

    def chart(self, name: str, version: str, alias: str | None = None) -> Path:
        """The crossplane chart of a release, or a parent chart depending on it."""
        crossplane = self.charts / f"crossplane-{version}"
        if name == "crossplane":
            return crossplane
        parent = self.tmp / f"{name}-{alias or 'crossplane'}"
        if not parent.exists():
            (parent / "charts").mkdir(parents=True)
            dependency = {"name": "crossplane", "version": version, "repository": "file://x"}
            if alias:
                dependency["alias"] = alias
            chart = {"apiVersion": "v2", "name": name, "version": "0.1.0"}
            chart["dependencies"] = [dependency]
            (parent / "Chart.yaml").write_text(yaml.safe_dump(chart))
            shutil.copytree(crossplane, parent / "charts" / "crossplane")
        return parent

    def template(self, chart: Path, name: str, namespace: str | None, args: list[str]) -> str:
        command = [str(self.helm), "template", name, str(chart), *args]
        if namespace:
            command += ["--namespace", namespace]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def build(self, kustomization: dict[str, Any], resources: dict[str, str]) -> str:
        """kustomize build of a kustomization over the given files."""
        self.count += 1
        folder = self.tmp / f"k{self.count}"
        folder.mkdir()
        for name, text in resources.items():
            (folder / name).write_text(text)
        (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
        done = subprocess.run(
            [str(self.kustomize), "build", str(folder)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


def merge(base: Any, over: Any) -> Any:
    """Flux's transform.MergeMaps: maps merged key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(out[k], v) if k in out else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def flux_render(t: Tools, hr: dict[str, Any], objects: dict[str, dict[str, str]]) -> str:
    """What helm-controller installs for a HelmRelease: valuesFrom (from `objects`, by name)
    merged under spec.values, the chart's valuesFiles first, then its post-renderers."""
    spec = hr["spec"]
    # A chartRef's source is not in the document: here the crossplane chart 2.3.4.
    chart_spec = spec.get("chart", {}).get("spec") or {"chart": "crossplane", "version": "2.3.4"}
    result: dict[str, Any] = {}
    for ref in spec.get("valuesFrom", []):
        data = objects[ref["name"]][ref.get("valuesKey", "values.yaml")]
        if ref.get("targetPath"):  # strvals.ParseInto(path=data): a plain string here
            keys = ref["targetPath"].split(".")
            at = result
            for key in keys[:-1]:
                at = at.setdefault(key, {})
            at[keys[-1]] = data
            continue
        result = merge(result, yaml.safe_load(data))
    result = merge(result, spec.get("values") or {})
    files = [str(t.file(text)) for text in objects.get("chart-source", {}).values()]
    chart = t.chart(chart_spec["chart"], chart_spec.get("version", "2.3.4"), objects.get("alias"))
    args = [a for f in files for a in ("-f", f)] + ["-f", str(t.file(yaml.safe_dump(result)))]
    namespace = spec.get("targetNamespace") or hr["metadata"].get("namespace")
    name = spec.get("releaseName") or hr["metadata"]["name"]
    rendered = t.template(chart, name, namespace, args)
    for renderer in spec.get("postRenderers", []):
        kustomize = renderer.get("kustomize", {})
        kustomization: dict[str, Any] = {"resources": ["helm-output.yaml"]}
        for key in ("patches", "images"):
            if key in kustomize:
                kustomization[key] = kustomize[key]
        if "patchesJson6902" in kustomize:  # v2beta1: operations, given to kustomize as text
            kustomization["patchesJson6902"] = [
                {**p, "patch": json.dumps(p["patch"])} for p in kustomize["patchesJson6902"]
            ]
        if "patchesStrategicMerge" in kustomize:  # v2beta1: objects, given to kustomize as text
            kustomization["patchesStrategicMerge"] = [
                json.dumps(p) for p in kustomize["patchesStrategicMerge"]
            ]
        rendered = t.build(kustomization, {"helm-output.yaml": rendered})
    return rendered


def clean_set(value: str) -> str:
    """Argo CD's cleanSetParameters: every comma escaped, unless the value is a {...} list."""
    if value.startswith("{") and value.endswith("}"):
        return value
    out, previous = [], ""
    for c in value:
        out.append("\\," if c == "," and previous != "\\" else c)
        previous = c
    return "".join(out)


def argo_render(t: Tools, app: dict[str, Any], files: dict[str, str]) -> str:
    """What Argo CD's repo server renders for each Helm source of an Application."""
    out = []
    for source in app["spec"].get("sources") or [app["spec"]["source"]]:
        if "chart" not in source and "path" not in source:
            continue  # a `ref` source: files only
        helm = source.get("helm", {})
        args: list[str] = []
        for p in helm.get("parameters", []):
            flag = "--set-string" if p.get("forceString") else "--set"
            args += [flag, f"{p['name']}={clean_set(p['value'])}"]
        for p in helm.get("fileParameters", []):
            args += ["--set-file", f"{p['name']}={t.file(files[p['path']], '.txt')}"]
        for name in helm.get("valueFiles", []):
            args += ["--values", str(t.file(files[name]))]
        if helm.get("valuesObject") is not None:
            extra = yaml.safe_dump(helm["valuesObject"])
        else:
            extra = helm.get("values", "")
        if extra:
            args += ["--values", str(t.file(extra))]
        chart_name = (source.get("chart") or source["path"]).rstrip("/").rsplit("/", 1)[-1]
        chart = t.chart(chart_name, source["targetRevision"], files.get("alias"))
        namespace = helm.get("namespace") or app["spec"].get("destination", {}).get("namespace")
        name = helm.get("releaseName") or app["metadata"]["name"]
        out.append(t.template(chart, name, namespace, args))
    return "---\n".join(out)


def generate(appset: dict[str, Any]) -> list[dict[str, Any]]:
    """The Applications of an ApplicationSet's list generator (fasttemplate: {{key}})."""
    apps = []
    for element in appset["spec"]["generators"][0]["list"]["elements"]:
        text = json.dumps(appset["spec"]["template"])
        for key, value in element.items():
            text = text.replace("{{" + key + "}}", value)
        app = json.loads(text)
        apps.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **app})
    return apps


Key = tuple[str, str | None, str, str | None]


def verdict(
    text: str, values: ChartValues | None = None, alias: str | None = None
) -> tuple[bool, set[Key], list[Any]]:
    """check's outcome on a text: failed, (role, container, rule, variable) of each finding
    that is about the proxy settings, and the notices (XPN040-XPN042) with their fields. A
    dependency's alias names the chart's containers in the render."""
    example = yaml.safe_load((ROOT / "examples" / "chart-values" / "xpnet.yaml").read_text())
    config = with_mode(load_config(example, "xpnet.yaml"), "check")
    source = Source("in.yaml", text)
    if values is not None:
        result = run_streams(config, [], values=[source], chart=values)
    else:
        result = run_streams(config, [source])
    keys: set[Key] = set()
    notices = []
    for f in result.outcome.findings:
        if f.rule.id in NOTICES:
            notices.append((f.rule.id, f.block.field_path if f.block else None, f.message))
            continue
        role = f.resource.role.value if f.resource is not None else None
        container = None
        if f.block is not None:
            container = f.block.container
            if f.block.keyed and f.block.env_key in (CORE_KEY, RBAC_KEY):
                container = "crossplane"
            elif f.block.keyed and f.block.env_key == INIT_KEY:
                container = "crossplane-init"
        if alias and container in (alias, f"{alias}-init"):
            container = container.replace(alias, "crossplane", 1)
        if f.resource is not None and f.resource.role is Role.RBAC_MANAGER:
            role = "rbac-manager"
        # A value set after the chart values that fix cannot change: XPN043 says why, where
        # the render (which has no values left to edit) says XPN016.
        rule = "XPN016" if f.rule.id == "XPN043" else f.rule.id
        keys.update((str(role), container, rule, var) for var in f.names or (None,))
    return result.outcome.failed, keys, notices


class Case:
    """One field: the source xpnet reads, how the tool chain renders it, what is expected."""

    def __init__(
        self,
        tool: str,
        field: str,
        decision: str,
        source: Any,
        render: Callable[[Tools], str],
        expect: str = "same",
        said: str | None = None,
        values: ChartValues | None = None,
        alias: str | None = None,
    ) -> None:
        self.tool, self.field, self.decision = tool, field, decision
        self.source, self.render, self.expect, self.said, self.values = (
            source,
            render,
            expect,
            said,
            values,
        )
        self.alias = alias

    @property
    def id(self) -> str:
        return f"{self.tool}: {self.field}"

    @property
    def row(self) -> str:
        """The README's table row: the field's name in backticks, what qualifies it after."""
        name, _, shape = self.field.partition(" (")
        field = f"`{name}`" + (f" ({shape}" if shape else "")
        return f"| {self.tool} | {field} | {self.decision} |"


def hr(values: Any, version: str = "2.3.4", **spec: Any) -> dict[str, Any]:
    chart = {"chart": spec.pop("chart", "crossplane"), "version": version}
    chart.update(spec.pop("chart_spec", {}))
    body = {"targetNamespace": NS, "chart": {"spec": chart}, "values": values, **spec}
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "crossplane", "namespace": "flux-system"},
        "spec": body,
    }


def app(helm: dict[str, Any], version: str = "2.3.4", **source: Any) -> dict[str, Any]:
    destination = {"namespace": source.pop("namespace", NS)}
    if destination["namespace"] is None:
        del destination["namespace"]
    body = {"chart": source.pop("chart", "crossplane"), "targetRevision": version, "helm": helm}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "crossplane", "namespace": "argocd"},
        "spec": {"destination": destination, "source": {**body, **source}},
    }


def dump(*docs: Any) -> str:
    return "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs)


def flux_case(
    field: str,
    decision: str,
    doc: dict[str, Any],
    objects: dict[str, Any] | None = None,
    **kw: Any,
) -> Case:
    return Case(
        "Flux", field, decision, dump(doc), lambda t: flux_render(t, doc, objects or {}), **kw
    )


def argo_case(
    field: str, decision: str, doc: dict[str, Any], files: dict[str, str] | None = None, **kw: Any
) -> Case:
    return Case(
        "Argo CD", field, decision, dump(doc), lambda t: argo_render(t, doc, files or {}), **kw
    )


def smp(env: dict[str, str], container: str = "crossplane", name: str = "crossplane") -> str:
    entries = "".join(f"        - name: {k}\n          value: '{v}'\n" for k, v in env.items())
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {NS}\n"
        "spec:\n  template:\n"
        f"    spec:\n      containers:\n      - name: {container}\n        env:\n{entries}"
    )


WITH_RBAC = {CORE_KEY: HAND, RBAC_KEY: {"NO_PROXY": "localhost"}}
EVERYTHING_ELSE = {
    "interval": "10m",
    "suspend": False,
    "timeout": "5m",
    "maxHistory": 3,
    "serviceAccountName": "flux",
    "storageNamespace": "flux-system",
    "dependsOn": [{"name": "other"}],
    "install": {"crds": "CreateReplace", "createNamespace": True, "remediation": {"retries": 3}},
    "upgrade": {"crds": "CreateReplace", "remediation": {"retries": 3}},
    "test": {"enable": False},
    "rollback": {"cleanupOnFail": True},
    "uninstall": {"keepHistory": False},
    "driftDetection": {"mode": "enabled"},
    "persistentClient": True,
    "commonMetadata": {"labels": {"team": "platform"}},
    "kubeConfig": {"secretRef": {"name": "remote"}},
    "chart_spec": {
        "sourceRef": {"kind": "HelmRepository", "name": "crossplane"},
        "interval": "1h",
        "reconcileStrategy": "ChartVersion",
        "ignoreMissingValuesFiles": True,
    },
}
APPSET_ELEMENTS = [{"cluster": "a"}]


def appset(helm: dict[str, Any], namespace: str = NS, **spec: Any) -> dict[str, Any]:
    template = app(helm, namespace=namespace)
    template["metadata"] = {"name": "crossplane-{{cluster}}", "namespace": "argocd"}
    del template["apiVersion"], template["kind"]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "crossplane", "namespace": "argocd"},
        "spec": {
            "generators": [{"list": {"elements": APPSET_ELEMENTS}}],
            "template": template,
            **spec,
        },
    }


def appset_case(field: str, decision: str, doc: dict[str, Any], **kw: Any) -> Case:
    def render(t: Tools) -> str:
        return "---\n".join(argo_render(t, a, {}) for a in generate(doc))

    return Case("Argo CD ApplicationSet", field, decision, dump(doc), render, **kw)


def list_render(t: Tools, items: list[dict[str, Any]]) -> str:
    """kustomize flattens the List; each item is then rendered by its own tool."""
    built = t.build(
        {"resources": ["list.yaml"]},
        {"list.yaml": dump({"apiVersion": "v1", "kind": "List", "items": items})},
    )
    out = []
    for doc in yaml.safe_load_all(built):
        if doc["kind"] == "HelmRelease":
            out.append(flux_render(t, doc, {}))
        elif doc["kind"] == "Application":
            out.append(argo_render(t, doc, {}))
    return "---\n".join(out)


def values_case(
    field: str, decision: str, values: dict[str, Any], version: str = "2.3.4", **kw: Any
) -> Case:
    def render(t: Tools) -> str:
        return t.template(
            t.chart("crossplane", version),
            "crossplane",
            NS,
            ["-f", str(t.file(yaml.safe_dump(values)))],
        )

    return Case(
        "chart values",
        field,
        decision,
        yaml.safe_dump(values),
        render,
        values=ChartValues(version, NS),
        **kw,
    )


DRC = {
    "apiVersion": "pkg.crossplane.io/v1beta1",
    "kind": "DeploymentRuntimeConfig",
    "metadata": {"name": "default"},
    "spec": {},
}
SIDECAR = {"name": "helper", "image": "busybox", "env": [{"name": "HTTPS_PROXY", "value": PROXY}]}
CORE_DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "crossplane", "namespace": NS},
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {"name": "crossplane", "image": "x:v2.3.4", "args": ["core", "start"]}
                ]
            }
        }
    },
}

FIELDS: list[Case] = [
    # Flux HelmRelease (helm.toolkit.fluxcd.io/v2)
    flux_case("spec.values", "read", hr(WITH_RBAC)),
    flux_case(
        "spec.chart.spec.chart",
        "read: crossplane, or a parent chart with its values under the dependency's name "
        "(XPN040: the parent's own values.yaml is not seen)",
        hr({"crossplane": {CORE_KEY: HAND}}, chart="platform"),
    ),
    flux_case(
        "spec.chart.spec.version",
        "read: an exact version decides what NO_PROXY needs",
        hr(
            {CORE_KEY: GOOD | {"NO_PROXY": "localhost,10.96.0.1,.crossplane-system"}},
            version="1.19.3",
        ),
    ),
    flux_case(
        "spec.chart.spec.valuesFiles",
        "warned (XPN040): files of the chart's source, merged under spec.values",
        hr(
            {CORE_KEY: GOOD, "image": {"tag": "v2.3.4"}},
            chart_spec={"valuesFiles": ["values-prod.yaml"]},
        ),
        {"chart-source": {"values-prod.yaml": "replicas: 2\n"}},
        expect="warned",
        said="spec.chart.spec.valuesFiles[0]",
    ),
    flux_case(
        "spec.targetNamespace",
        "read: Crossplane's namespace (else the HelmRelease's own)",
        hr({CORE_KEY: fixed_values("crossplane-system")}, targetNamespace="xp"),
    ),
    flux_case(
        "spec.releaseName",
        "no effect: the Deployments are named after the chart (or nameOverride)",
        hr({CORE_KEY: HAND}, releaseName="other"),
    ),
    flux_case(
        "spec.valuesFrom",
        "warned (XPN040): merged under spec.values, which wins for the keys it sets; the "
        "Crossplane version is unknown unless spec.values sets image.tag",
        hr(
            {CORE_KEY: GOOD, "image": {"tag": "v2.3.4"}},
            valuesFrom=[{"kind": "ConfigMap", "name": "cm"}],
        ),
        {"cm": {"values.yaml": "replicas: 2\n"}},
        expect="warned",
        said="spec.valuesFrom[0]",
    ),
    flux_case(
        "spec.valuesFrom[].targetPath",
        "refused (XPN041) where it sets what xpnet judges and spec.values does not",
        hr(
            {CORE_KEY: {k: v for k, v in GOOD.items() if k != "NO_PROXY"}},
            valuesFrom=[
                {
                    "kind": "ConfigMap",
                    "name": "cm",
                    "valuesKey": "np",
                    "targetPath": "extraEnvVarsCrossplane.NO_PROXY",
                }
            ],
        ),
        {"cm": {"np": "localhost"}},
        expect="refused",
        said="spec.valuesFrom[0]",
    ),
    flux_case(
        "spec.postRenderers[].kustomize.patches (strategic merge)",
        "read: env entries merged by name into the container; a patched image decides the version",
        hr(
            {CORE_KEY: GOOD},
            postRenderers=[{"kustomize": {"patches": [{"patch": smp({"NO_PROXY": "localhost"})}]}}],
        ),
    ),
    flux_case(
        "spec.postRenderers[].kustomize.patches (target)",
        "read: group, version, kind, name and namespace as kustomize selects (names are Go "
        "regular expressions); a label or annotation selector that reaches env, or a pattern "
        "Go reads otherwise than xpnet (flags, POSIX classes), is refused (XPN041)",
        hr(
            {CORE_KEY: GOOD, RBAC_KEY: {"NO_PROXY": GOOD["NO_PROXY"]}},
            postRenderers=[
                {
                    "kustomize": {
                        "patches": [
                            {
                                "target": {"kind": "Deployment", "name": ".*-rbac-manager"},
                                "patch": smp({"NO_PROXY": "x"}, name="any"),
                            }
                        ]
                    }
                }
            ],
        ),
    ),
    flux_case(
        "spec.postRenderers[].kustomize.patches (JSON 6902)",
        "refused (XPN041) where an operation reaches env, envFrom, image or a container; others "
        "pass",
        hr(
            {CORE_KEY: GOOD},
            postRenderers=[
                {
                    "kustomize": {
                        "patches": [
                            {
                                "target": {"kind": "Deployment", "name": "crossplane"},
                                "patch": (
                                    "- op: add\n  path: /spec/template/spec/containers/0/env/-\n"
                                    "  value: {name: no_proxy, value: localhost}\n"
                                ),
                            }
                        ]
                    }
                }
            ],
        ),
        expect="refused",
        said="spec.postRenderers[0].kustomize.patches[0].patch",
    ),
    flux_case(
        "spec.postRenderers[].kustomize.patches ($patch directives)",
        "refused (XPN041): a directive can drop what it holds",
        hr(
            {CORE_KEY: GOOD},
            postRenderers=[
                {
                    "kustomize": {
                        "patches": [
                            {
                                "patch": smp({"A": "b"}).replace(
                                    "        - name: A\n",
                                    "        - $patch: delete\n          name: NO_PROXY\n        "
                                    "- name: A\n",
                                )
                            }
                        ]
                    }
                }
            ],
        ),
        expect="refused",
        said="spec.postRenderers[0].kustomize.patches[0].patch",
    ),
    flux_case(
        "spec.postRenderers[].kustomize.images",
        "read: a new tag or digest of the core image decides the version (a name pattern xpnet "
        "cannot read: XPN041)",
        hr(
            {CORE_KEY: GOOD | {"NO_PROXY": "localhost,10.96.0.1,.crossplane-system"}},
            postRenderers=[
                {
                    "kustomize": {
                        "images": [
                            {
                                "name": "xpkg.crossplane.io/crossplane/crossplane",
                                "newTag": "v1.19.2",
                            }
                        ]
                    }
                }
            ],
        ),
    ),
    flux_case(
        "spec.postRenderers[].kustomize.patchesStrategicMerge (v2beta1)",
        "read, as patches",
        {
            **hr(
                {CORE_KEY: GOOD},
                postRenderers=[
                    {
                        "kustomize": {
                            "patchesStrategicMerge": [yaml.safe_load(smp({"NO_PROXY": "x"}))]
                        }
                    }
                ],
            ),
            "apiVersion": "helm.toolkit.fluxcd.io/v2beta1",
        },
    ),
    flux_case(
        "spec (interval, kubeConfig, install, upgrade, test, rollback, uninstall, "
        "driftDetection, commonMetadata, chart.spec.sourceRef, chart.spec.reconcileStrategy, "
        "chart.spec.ignoreMissingValuesFiles, ...)",
        "no effect on the env the chart renders",
        hr({CORE_KEY: HAND}, **EVERYTHING_ELSE),
    ),
    flux_case(
        "spec.values (${VAR} of a Kustomization's postBuild)",
        "refused (XPN041) in a value xpnet judges or the namespace: known only once Flux "
        "substitutes it",
        hr({CORE_KEY: GOOD | {"NO_PROXY": "${no_proxy}"}}),
        expect="refused",
        said="spec.values.extraEnvVarsCrossplane",
    ),
    flux_case(
        "spec.chartRef",
        "read: the chart it names; the version is unknown, so NO_PROXY must cover what every "
        "version matches",
        {
            **hr({CORE_KEY: GOOD}),
            "spec": {
                "targetNamespace": NS,
                "chartRef": {"kind": "OCIRepository", "name": "crossplane"},
                "values": {CORE_KEY: GOOD},
            },
        },
    ),
    flux_case(
        "spec.postRenderers[].kustomize.patchesJson6902 (v2beta1)",
        "refused (XPN041) where an operation reaches env, envFrom, image or a container",
        {
            **hr(
                {CORE_KEY: GOOD},
                postRenderers=[
                    {
                        "kustomize": {
                            "patchesJson6902": [
                                {
                                    "target": {"kind": "Deployment", "name": "crossplane"},
                                    "patch": [
                                        {
                                            "op": "replace",
                                            "path": "/spec/template/spec/containers/0/image",
                                            "value": (
                                                "xpkg.crossplane.io/crossplane/crossplane:v1.19.2"
                                            ),
                                        }
                                    ],
                                }
                            ]
                        }
                    }
                ],
            ),
            "apiVersion": "helm.toolkit.fluxcd.io/v2beta1",
        },
        expect="refused",
        said="spec.postRenderers[0].kustomize.patchesJson6902[0].patch",
    ),
    # Argo CD Application (argoproj.io/v1alpha1)
    argo_case("spec.source.helm.valuesObject", "read", app({"valuesObject": WITH_RBAC})),
    argo_case(
        "spec.source.helm.values",
        "read as Helm reads a values file",
        app({"values": yaml.safe_dump(WITH_RBAC)}),
    ),
    argo_case(
        "spec.source.helm.values (a key given twice)",
        "read: the last one, as Helm 3 and 4 do (XPN042 names the other; fix refuses to rewrite "
        "the string)",
        app(
            {
                "values": yaml.safe_dump({CORE_KEY: GOOD})
                + f"{CORE_KEY}: {{HTTPS_PROXY: '{PROXY}'}}\n"
            }
        ),
        expect="warned",
        said="spec.source.helm.values",
    ),
    argo_case(
        "spec.source.helm.values (beside valuesObject)",
        "warned (XPN042): Argo CD passes valuesObject alone",
        app({"valuesObject": {CORE_KEY: HAND}, "values": yaml.safe_dump({CORE_KEY: GOOD})}),
        expect="warned",
        said="spec.source.helm.values",
    ),
    argo_case(
        "spec.source.helm.parameters",
        "read: --set after the values (forceString: --set-string); fix refuses to change one "
        "(XPN043)",
        app(
            {
                "valuesObject": {CORE_KEY: GOOD},
                "parameters": [
                    {"name": "image.tag", "value": "v1.19.2"},
                    {
                        "name": "extraEnvVarsCrossplane.NO_PROXY",
                        "value": "localhost,10.96.0.1,.crossplane-system",
                    },
                    {"name": "extraEnvVarsCrossplane.LOG", "value": "true", "forceString": True},
                ],
            }
        ),
    ),
    argo_case(
        "spec.source.helm.parameters (a whole map, a list, sidecars)",
        "refused (XPN041)",
        app(
            {
                "valuesObject": {CORE_KEY: GOOD},
                "parameters": [{"name": "extraEnvVarsCrossplane.no_proxy", "value": "{a,b}"}],
            }
        ),
        expect="refused",
        said="spec.source.helm.parameters[0]",
    ),
    argo_case(
        "spec.source.helm.fileParameters",
        "refused (XPN041) where the file sets what xpnet judges; an image.tag from a file makes "
        "the version unknown (XPN040)",
        app(
            {
                "valuesObject": {CORE_KEY: GOOD},
                "fileParameters": [{"name": "extraEnvVarsCrossplane.NO_PROXY", "path": "np"}],
            }
        ),
        {"np": "localhost"},
        expect="refused",
        said="spec.source.helm.fileParameters[0]",
    ),
    argo_case(
        "spec.source.helm.valueFiles",
        "warned (XPN040): read by Helm before the inline values, which win for the keys they set",
        app(
            {
                "valuesObject": {CORE_KEY: GOOD, "image": {"tag": "v2.3.4"}},
                "valueFiles": ["values-prod.yaml"],
                "ignoreMissingValueFiles": True,
            }
        ),
        {"values-prod.yaml": "replicas: 2\n"},
        expect="warned",
        said="spec.source.helm.valueFiles[0]",
    ),
    argo_case(
        "spec.source.helm.namespace",
        "read: the namespace Helm renders into",
        app({"valuesObject": {CORE_KEY: fixed_values("crossplane-system")}, "namespace": "xp"}),
    ),
    argo_case(
        "spec.destination.namespace",
        "read (absent: Helm renders into default)",
        app({"valuesObject": {CORE_KEY: GOOD}}, namespace=None),
    ),
    argo_case(
        "spec.source.targetRevision",
        "read: an exact version decides what NO_PROXY needs",
        app(
            {
                "valuesObject": {
                    CORE_KEY: GOOD | {"NO_PROXY": "localhost,10.96.0.1,.crossplane-system"}
                }
            },
            version="1.20.11",
        ),
    ),
    argo_case(
        "spec.source.chart (a parent chart)",
        "read: values under the dependency's name or alias (XPN040: the parent's own values.yaml "
        "is not seen)",
        app({"valuesObject": {"xp": {CORE_KEY: HAND}}}, chart="platform"),
        {"alias": "xp"},
        alias="xp",
    ),
    argo_case(
        "spec.sources[]",
        "read: each source that renders the chart; a ref source holds files only",
        {
            **app({}),
            "spec": {
                "destination": {"namespace": NS},
                "sources": [
                    {"repoURL": "https://git.example/values.git", "ref": "values"},
                    {
                        "chart": "crossplane",
                        "targetRevision": "2.3.4",
                        "helm": {"valuesObject": WITH_RBAC},
                    },
                ],
            },
        },
    ),
    argo_case(
        "spec.source.helm (releaseName, skipCrds, skipSchemaValidation, skipTests, "
        "passCredentials, kubeVersion, apiVersions, version)",
        "no effect on the env the chart renders",
        app(
            {
                "valuesObject": {CORE_KEY: HAND},
                "releaseName": "other",
                "skipCrds": True,
                "skipTests": True,
                "passCredentials": False,
                "version": "v3",
            }
        ),
    ),
    argo_case(
        "spec.source.plugin",
        "warned (XPN040): a Config Management Plugin renders the source, not Helm; xpnet judges "
        "the values as Helm renders them",
        app({"valuesObject": {CORE_KEY: GOOD}}, plugin={"name": "helm-with-extras"}),
        expect="warned",
        said="spec.source.plugin",
    ),
    argo_case(
        "spec (project, syncPolicy, ignoreDifferences, info, revisionHistoryLimit)",
        "no effect on what Helm renders",
        {
            **app({"valuesObject": {CORE_KEY: HAND}}),
            "spec": {
                **app({"valuesObject": {CORE_KEY: HAND}})["spec"],
                "project": "platform",
                "syncPolicy": {
                    "automated": {"prune": True},
                    "syncOptions": ["ServerSideApply=true"],
                },
                "ignoreDifferences": [
                    {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}
                ],
                "info": [{"name": "team", "value": "platform"}],
                "revisionHistoryLimit": 3,
            },
        },
    ),
    # Argo CD ApplicationSet
    appset_case(
        "spec.template", "read as the Application it generates", appset({"valuesObject": WITH_RBAC})
    ),
    appset_case(
        "spec.template ({{...}} of fasttemplate or goTemplate in a value xpnet judges, or in the "
        "namespace)",
        "refused (XPN041): known only per generated Application",
        appset({"valuesObject": {CORE_KEY: GOOD}}, namespace="{{cluster}}"),
        expect="refused",
        said="spec.template.spec.destination.namespace",
    ),
    appset_case(
        "spec.templatePatch",
        "refused (XPN041) where it changes the source or destination",
        appset(
            {"valuesObject": {CORE_KEY: GOOD}},
            goTemplate=True,
            templatePatch="spec:\n  source:\n    helm:\n      valuesObject: {}\n",
        ),
        expect="refused",
        said="spec.templatePatch",
    ),
    appset_case(
        "spec.generators[].*.template",
        "refused (XPN041) where it overrides the source or destination",
        {
            **appset({"valuesObject": {CORE_KEY: GOOD}}),
            "spec": {
                **appset({"valuesObject": {CORE_KEY: GOOD}})["spec"],
                "generators": [
                    {
                        "list": {
                            "elements": APPSET_ELEMENTS,
                            "template": {
                                "metadata": {},
                                "spec": {"destination": {"namespace": "x"}, "project": "default"},
                            },
                        }
                    }
                ],
            },
        },
        expect="refused",
        said="spec.generators[0].list.template",
    ),
    appset_case(
        "spec (syncPolicy, strategy, preservedFields, ignoreApplicationDifferences, "
        "goTemplateOptions)",
        "no effect on what Helm renders",
        appset(
            {"valuesObject": {CORE_KEY: HAND}},
            syncPolicy={"preserveResourcesOnDeletion": True},
            strategy={"type": "RollingSync", "rollingSync": {"steps": []}},
            preservedFields={"annotations": ["a"]},
            ignoreApplicationDifferences=[{"jsonPointers": ["/spec/source/targetRevision"]}],
            goTemplateOptions=["missingkey=error"],
        ),
    ),
    # kind: List
    Case(
        "kustomize",
        "kind: List (items)",
        "read item by item, as kustomize flattens it",
        dump(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    hr({CORE_KEY: HAND}),
                    app({"valuesObject": {CORE_KEY: GOOD}}, namespace="other")
                    | {"metadata": {"name": "second", "namespace": "argocd"}},
                ],
            }
        ),
        lambda t: list_render(
            t,
            [
                hr({CORE_KEY: HAND}),
                app({"valuesObject": {CORE_KEY: GOOD}}, namespace="other")
                | {"metadata": {"name": "second", "namespace": "argocd"}},
            ],
        ),
    ),
    Case(
        "kustomize",
        "kind: List (a Crossplane manifest as an item)",
        "refused (XPN041): write it as a document of its own",
        dump({"apiVersion": "v1", "kind": "List", "items": [CORE_DEPLOYMENT]}),
        lambda t: t.build(
            {"resources": ["l.yaml"]},
            {"l.yaml": dump({"apiVersion": "v1", "kind": "List", "items": [CORE_DEPLOYMENT]})},
        ),
        expect="refused",
        said="items[0]",
    ),
    # The crossplane chart's values, whatever carries them
    values_case(
        "extraEnvVarsCrossplane, extraEnvVarsCrossplaneInit, extraEnvVarsRBACManager",
        "read (Init from chart 2.0, XPN021 before)",
        {CORE_KEY: HAND, INIT_KEY: {"https_proxy": PROXY}, RBAC_KEY: {"NO_PROXY": "localhost"}},
    ),
    values_case(
        "image.tag, image.ignoreTag, image.repository",
        "read: the version the chart renders; the repository, which post-renderer images match",
        {
            CORE_KEY: GOOD | {"NO_PROXY": "localhost,10.96.0.1,.crossplane-system"},
            "image": {"tag": "v1.19.2"},
        },
    ),
    values_case("hostNetwork, dnsPolicy", "read (XPN013)", {CORE_KEY: GOOD, "hostNetwork": True}),
    values_case(
        "rbacManager.deploy",
        "read: false renders no RBAC manager",
        {CORE_KEY: GOOD, RBAC_KEY: {"NO_PROXY": "x"}, "rbacManager": {"deploy": False}},
    ),
    values_case(
        "nameOverride",
        "read: the Deployments' names, which post-renderer targets select",
        {CORE_KEY: HAND, "nameOverride": "xp"},
    ),
    values_case(
        "sidecarsCrossplane",
        "read from chart 2.2 (a {{...}} in an env value: XPN041)",
        {CORE_KEY: GOOD, "sidecarsCrossplane": [SIDECAR]},
    ),
    values_case(
        "extraObjects",
        "refused (XPN041) for a Crossplane manifest: keep it as a manifest of its own",
        {CORE_KEY: GOOD, "extraObjects": [DRC]},
        expect="refused",
        said="extraObjects[0]",
    ),
]


def test_every_field_is_decided_once() -> None:
    ids = [c.id for c in FIELDS]
    assert len(ids) == len(set(ids))
    for case in FIELDS:
        word = case.decision.split(" ", 1)[0].rstrip(":,")
        assert word in ("read", "refused", "warned", "no"), case.id
        assert (case.expect == "refused") == word.startswith("refused"), case.id


def test_the_readme_lists_every_field_with_its_decision() -> None:
    """The chart-values how-to: one table row per field, as FIELDS says."""
    page = (ROOT / "docs" / "how-to" / "helm-values.md").read_text()
    section = page.split("# Helm values", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows[1:] == [c.row for c in FIELDS]


@pytest.fixture
def real(helm3: Path, shared_crossplane: Path, tmp_path: Path) -> Tools:
    kustomize = require(tools.kustomize_path(tools.KUSTOMIZE_VERSIONS[-1]), "kustomize")
    helm4 = tools.helm_path("4")
    return Tools(
        helm3, helm4 if helm4.exists() else None, kustomize, shared_crossplane / "charts", tmp_path
    )


@pytest.mark.parametrize("case", FIELDS, ids=[c.id for c in FIELDS])
def test_the_verdict_on_the_source_is_the_verdict_on_the_render(real: Tools, case: Case) -> None:
    rendered = case.render(real)  # the tool chain takes the input, whatever xpnet says
    failed, keys, notices = verdict(case.source, case.values)
    said = [n for n in notices if n[0] != "XPN020"]
    if case.expect == "refused":
        assert failed and any(r == "XPN041" and case.said in (f or "") for r, f, _ in said), said
        return
    rendered_failed, rendered_keys, _ = verdict(rendered, alias=case.alias)
    assert (failed, keys) == (rendered_failed, rendered_keys)
    if case.expect == "warned":
        assert any(r in ("XPN040", "XPN042") and case.said in (f or "") for r, f, _ in said), said
    else:
        assert all(r != "XPN041" for r, _, _ in said), said


def test_helm_3_and_4_keep_the_last_of_two_equal_keys(real: Tools) -> None:
    """What the values-string reader matches: both Helm majors, the whole value replaced."""
    values = f"{CORE_KEY}:\n  HTTPS_PROXY: first\n  NO_PROXY: a\n{CORE_KEY}:\n  HTTPS_PROXY: last\n"
    chart = real.chart("crossplane", "2.3.4")
    for helm in (real.helm, real.helm4):
        if helm is None:
            continue
        out = subprocess.run(
            [str(helm), "template", "x", str(chart), "-f", str(real.file(values))],
            capture_output=True,
            text=True,
            timeout=120,
        )
        core = next(
            d
            for d in yaml.safe_load_all(out.stdout)
            if d and d["kind"] == "Deployment" and d["metadata"]["name"] == "crossplane"
        )
        env = {
            e["name"]: e.get("value")
            for e in core["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        assert env["HTTPS_PROXY"] == "last" and "NO_PROXY" not in env, helm
