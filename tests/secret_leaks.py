"""Running every xpnet command and output format on inputs that hold a proxy password somewhere,
and searching what each prints for any part of that password (used by the secret tests)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from tests.conftest import ROOT
from tests.resource_lists import wrap

DISCOVER = ROOT / "tests" / "fixtures" / "discover"
PLAIN_PROXY = "http://proxy.corp.example:3128"

# Where a proxy URL can reach xpnet: the config (ClusterNetwork or ConfigMap form), the
# manifests' env (in either case, proxy and NO_PROXY variables, a tagged non-string value),
# chart values (HelmRelease, Application, a values file), and the command line.
SLOTS = (
    "config:httpsProxy",
    "config:httpProxy",
    "config:grpcProxy",
    "config:noProxy",
    "configmap:httpsProxy",
    "core:HTTPS_PROXY",
    "core:https_proxy",
    "core:grpc_proxy",
    "core:ALL_PROXY",
    "core:NO_PROXY",
    "core:tagged",
    "rbac:HTTP_PROXY",
    "drc:HTTPS_PROXY",
    "controllerconfig:HTTPS_PROXY",
    "helmrelease:HTTPS_PROXY",
    "postrenderer:HTTPS_PROXY",
    "application:HTTPS_PROXY",
    "application-object:HTTPS_PROXY",
    "application-parameter:HTTPS_PROXY",
    "configmap-ref:HTTPS_PROXY",
    "configmap-envfrom:HTTPS_PROXY",
    "values:HTTPS_PROXY",
    "openshift:httpsProxy",
    "arg:--proxy",
    "arg:--host",
)


class Secret(NamedTuple):
    """A password and the random runs of letters and digits it is made of: none of them may
    appear in a diagnostic, in any letter case (NO_PROXY entries are lower-cased)."""

    password: str
    parts: tuple[str, ...]


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON is YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _env(slot: str, name: str, url: str) -> str:
    if slot == "core:tagged" and name == "HTTPS_PROXY":
        return f"        - name: HTTPS_PROXY\n          value: !custom {q(url)}\n"
    return f"        - name: {name}\n          value: {q(url)}\n"


def _configmap(slot: str, url: str) -> str:
    """A ConfigMap of the input that the core's env reads (valueFrom or envFrom)."""
    if not slot.startswith("configmap-"):
        return ""
    return f"""\
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: proxy
  namespace: crossplane-system
data:
  HTTPS_PROXY: {q(url)}
"""


def _core_env(slot: str, env: str) -> str:
    """The core container's env (and envFrom), reading the ConfigMap for those slots."""
    if slot == "configmap-ref:HTTPS_PROXY":
        return (
            "        env:\n        - name: HTTPS_PROXY\n          valueFrom:\n"
            "            configMapKeyRef: {name: proxy, key: HTTPS_PROXY}\n"
        )
    if slot == "configmap-envfrom:HTTPS_PROXY":
        return (
            "        envFrom:\n        - configMapRef: {name: proxy}\n"
            "        env:\n        - name: NO_PROXY\n          value: localhost\n"
        )
    return "        env:\n" + env


def manifests(slot: str, url: str) -> str:
    """A Crossplane install whose env holds `url` where `slot` says."""
    where, _, var = slot.partition(":")

    def env(resource: str, default: str, default_value: str = PLAIN_PROXY) -> str:
        if where == resource:
            name = "HTTPS_PROXY" if var == "tagged" else var
            out = _env(slot, name, url)
            if name != default:
                out += _env("", default, default_value)
            return out
        return _env("", default, default_value)

    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crossplane
  namespace: crossplane-system
  labels: {{app: crossplane}}
spec:
  selector: {{matchLabels: {{app: crossplane}}}}
  template:
    metadata: {{labels: {{app: crossplane, release: crossplane}}}}
    spec:
      containers:
      - name: crossplane
        image: xpkg.crossplane.io/crossplane/crossplane:v1.19.2
        args: [core, start]
{_core_env(slot, env("core", "HTTPS_PROXY"))}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crossplane-rbac-manager
  namespace: crossplane-system
spec:
  template:
    spec:
      containers:
      - name: crossplane
        image: xpkg.crossplane.io/crossplane/crossplane:v1.19.2
        args: [rbac, start]
        env:
{env("rbac", "NO_PROXY", "localhost")}---
apiVersion: pkg.crossplane.io/v1beta1
kind: DeploymentRuntimeConfig
metadata:
  name: default
spec:
  deploymentTemplate:
    spec:
      selector: {{}}
      template:
        spec:
          containers:
          - name: package-runtime
            env:
{_indent(env("drc", "HTTP_PROXY"), 4)}---
apiVersion: pkg.crossplane.io/v1alpha1
kind: ControllerConfig
metadata:
  name: old
spec:
  env:
{_indent(env("controllerconfig", "HTTP_PROXY"), -6)}{_configmap(slot, url)}"""


def _indent(text: str, by: int) -> str:
    if by >= 0:
        return "".join(" " * by + line for line in text.splitlines(keepends=True))
    return "".join(line[-by:] for line in text.splitlines(keepends=True))


def release(slot: str, url: str) -> str:
    """A HelmRelease, an Argo CD Application or a values file holding `url` (empty for other
    slots)."""
    if slot == "helmrelease:HTTPS_PROXY":
        return f"""\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: crossplane
  namespace: flux-system
spec:
  targetNamespace: crossplane-system
  chart:
    spec:
      chart: crossplane
      version: "2.1.8"
  values:
    extraEnvVarsCrossplane:
      HTTPS_PROXY: {q(url)}
"""
    if slot == "postrenderer:HTTPS_PROXY":
        patch = _indent(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n"
            "  namespace: crossplane-system\nspec:\n  template:\n    spec:\n      containers:\n"
            f"      - name: crossplane\n        env:\n        - name: HTTPS_PROXY\n"
            f"          value: {q(url)}\n",
            12,
        )
        return f"""\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: crossplane
  namespace: flux-system
spec:
  targetNamespace: crossplane-system
  chart:
    spec:
      chart: crossplane
      version: "2.1.8"
  values:
    extraEnvVarsCrossplane:
      HTTPS_PROXY: {q(PLAIN_PROXY)}
  postRenderers:
  - kustomize:
      patches:
      - patch: |
{patch}"""
    if slot in ("application-object:HTTPS_PROXY", "application-parameter:HTTPS_PROXY"):
        inside = slot == "application-object:HTTPS_PROXY"
        helm = "      valuesObject:\n        extraEnvVarsCrossplane:\n"
        helm += f"          HTTPS_PROXY: {q(url if inside else PLAIN_PROXY)}\n"
        if not inside:
            helm += "      parameters:\n      - name: extraEnvVarsCrossplane.HTTPS_PROXY\n"
            helm += f"        value: {q(url)}\n"
        return f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: crossplane
  namespace: argocd
spec:
  destination:
    namespace: crossplane-system
  source:
    chart: crossplane
    repoURL: https://charts.crossplane.io/stable
    targetRevision: 1.19.3
    helm:
{helm}"""
    if slot == "application:HTTPS_PROXY":
        return f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: crossplane
  namespace: argocd
spec:
  destination:
    namespace: crossplane-system
  source:
    chart: crossplane
    repoURL: https://charts.crossplane.io/stable
    targetRevision: 1.19.3
    helm:
      values: |
        extraEnvVarsCrossplane:
          HTTPS_PROXY: {q(url)}
"""
    if slot == "values:HTTPS_PROXY":
        return f"extraEnvVarsCrossplane:\n  HTTPS_PROXY: {q(url)}\n"
    return ""


def config(slot: str, url: str, netpol: bool) -> str:
    """A ClusterNetwork (or its ConfigMap form) with `url` where `slot` says."""
    proxy = {"httpsProxy": PLAIN_PROXY}
    extra: list[str] = []
    where, _, field = slot.partition(":")
    if where == "config" and field == "noProxy":
        extra = [url]
    elif where in ("config", "configmap"):
        proxy[field] = url
    policy = "  networkPolicy: {enabled: true, proxyCIDRs: [10.20.0.10/32]}\n" if netpol else ""
    if where == "configmap":
        data = "".join(f"  {k}: {q(v)}\n" for k, v in proxy.items())
        return f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: corp
data:
{data}  podCIDRs: "10.244.0.0/16"
  serviceCIDRs: "10.96.0.0/12"
  apiServerAddresses: "192.168.10.5"
"""
    lines = "".join(f"    {k}: {q(v)}\n" for k, v in proxy.items())
    return f"""\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp
spec:
  proxy:
{lines}    noProxy: [{", ".join(q(e) for e in extra)}]
  cluster:
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
    apiServerAddresses: [192.168.10.5]
{policy}"""


def openshift(slot: str, url: str) -> str:
    """OpenShift's cluster Proxy object, for discover."""
    proxy = url if slot == "openshift:httpsProxy" else PLAIN_PROXY
    return f"""\
apiVersion: config.openshift.io/v1
kind: Proxy
metadata:
  name: cluster
spec:
  httpsProxy: {q(proxy)}
  noProxy: .corp.example
"""


class Output(NamedTuple):
    """What one run printed: `data` is what the user asked for (manifests, values, a config),
    where the password may stand as the value of a proxy setting and nowhere else; every other
    stream is diagnostics, where no part of it may stand at all."""

    what: str
    code: object
    data: str
    diagnostics: str


@contextlib.contextmanager
def _captured(stdin: bytes) -> Iterator[tuple[io.TextIOWrapper, io.StringIO]]:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    try:
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = old


def _text(out: io.TextIOWrapper) -> str:
    out.flush()
    buffer = out.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


def _run(main: Callable[[], object], stdin: bytes = b"") -> tuple[object, str, str]:
    with _captured(stdin) as (out, err):
        try:
            code = main()
        except SystemExit as exit:  # argparse's usage errors
            code = exit.code
    return code, _text(out), err.getvalue()


def runs(tmp: Path, slot: str, url: str, netpol: bool) -> Iterator[Output]:
    """Every command and output format, in this process (as the console scripts run them)."""
    from xpnet.adapters import cli, helm, krm

    install, chart = manifests(slot, url), release(slot, url)
    (tmp / "xpnet.yaml").write_text(config(slot, url, netpol))
    (tmp / "install.yaml").write_text(install)
    (tmp / "openshift.yaml").write_text(openshift(slot, url))
    c = str(tmp / "xpnet.yaml")
    inputs = [str(tmp / "install.yaml")]
    values: list[str] = []
    if slot == "values:HTTPS_PROXY":
        (tmp / "values.yaml").write_text(chart)
        values = ["--values", str(tmp / "values.yaml"), "--chart-version", "2.1.8"]
    elif chart:
        (tmp / "release.yaml").write_text(chart)
        inputs.append(str(tmp / "release.yaml"))
    host = ["--host", url] if slot == "arg:--host" else []
    proxy = ["--proxy", url] if slot == "arg:--proxy" else []

    def xpnet(what: str, *argv: str, stdin: bytes = b"", data: bool = False) -> Output:
        code, out, err = _run(lambda: cli.main(list(argv)), stdin)
        return Output(what, code, out if data else "", err if data else out + err)

    for form in ("text", "json", "sarif"):
        yield xpnet(f"check -o {form}", "check", "-o", form, "-c", c, *inputs, *values)
    yield xpnet("fix --dry-run", "fix", "--dry-run", "-c", c, *inputs, *values)
    yield xpnet("fix --diff", "fix", "--diff", "-c", c, *inputs, *values, data=True)
    yield xpnet("fix -", "fix", "-c", c, "-", stdin=install.encode(), data=True)
    for form in ("text", "json"):
        yield xpnet(f"explain -o {form}", "explain", "-o", form, "-c", c, *inputs, *host)
    yield xpnet("noproxy", "noproxy", "-c", c)
    yield xpnet("noproxy --explain", "noproxy", "--explain", "-c", c)
    yield xpnet("values", "values", "-c", c, data=True)
    yield xpnet("patch", "patch", "-c", c, inputs[0], data=True)
    yield xpnet("netpol", "netpol", "-c", c, inputs[0])
    yield xpnet("render", "render", "-c", c, stdin=install.encode(), data=True)
    saved = [str(DISCOVER / "nodes.yaml"), str(DISCOVER / "kubeadm-config.yaml")]
    for form in ("clusternetwork", "configmap"):
        yield xpnet(
            f"discover --format {form}",
            "discover",
            "--format",
            form,
            *proxy,
            *saved,
            *inputs,
            str(tmp / "openshift.yaml"),
            data=True,
        )
    items = install + ("---\n" + chart if chart and not values else "")
    resource_list = wrap(items, config(slot, url, netpol))
    code, out, err = _run(lambda: krm.main((), resource_list.encode()))
    items, _, results = out.partition("\nresults:\n")
    yield Output("xpnet-fn", code, items, err + results)
    log = tmp / "helm.log"
    os.environ["XPNET_LOG_FILE"] = str(log)
    try:
        code, out, err = _run(lambda: helm.main([f"--config={c}"], install.encode()))
    finally:
        del os.environ["XPNET_LOG_FILE"]
    yield Output("xpnet-helm", code, out, err + (log.read_text() if log.exists() else ""))


# A line where the password may stand in data: the value of a proxy setting (an env entry's
# value, a chart value or config field named *proxy*), in a diff too.
ALLOWED_LINE = re.compile(
    r"""^[ +-]?\s*(?:-\s+)?["']?(?:value|[A-Za-z_.]*proxy[A-Za-z_]*)["']?\s*:\s""", re.I
)


def leaks(output: Output, secret: Secret) -> list[str]:
    """Every place a part of the password stands where it must not."""
    found = []
    diagnostics = output.diagnostics.lower()
    for part in secret.parts:
        if part.lower() in diagnostics:
            found.append(f"{output.what}: diagnostics hold {part!r}:\n{output.diagnostics}")
    for line in output.data.splitlines():
        if any(p.lower() in line.lower() for p in secret.parts) and not ALLOWED_LINE.match(line):
            found.append(f"{output.what}: data line {line!r} holds the password")
    if "Traceback" in output.diagnostics or output.code not in (0, 1):
        found.append(f"{output.what}: exit {output.code}:\n{output.diagnostics}")
    return found
