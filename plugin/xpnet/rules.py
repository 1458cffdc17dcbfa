"""The rule catalogue: one table, the single source of rule IDs, severities, titles, fixes and
messages (templates filled in where a finding is made); docs/rules.md is generated from it."""

from __future__ import annotations

import enum

from xpnet.credentials import scrub
from xpnet.records import NamedTuple


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Rule(NamedTuple):
    id: str
    severity: Severity
    title: str
    fix: str
    message: str  # str.format template; the finding names the resource, container and variable

    def say(self, **fields: object) -> str:
        """The message, filled in; proxy credentials never in it, whatever a field quotes."""
        return scrub(self.message.format(**fields))


_E, _W = Severity.ERROR, Severity.WARNING

XPN001 = Rule(
    "XPN001",
    _W,
    "proxy values differ between containers",
    "run xpnet in fix mode: every rewritten container gets the same values",
    (
        "differs from the value in the other Crossplane containers; run xpnet in fix mode "
        "to give every container the same set"
    ),
)

XPN002 = Rule(
    "XPN002",
    _E,
    "upper- and lower-case variables differ",
    "give both the same value; gRPC C-core reads only the lower-case ones",
    ("differs from {lower}; give both the same value (gRPC C-core reads only the lower-case one)"),
)

XPN003 = Rule(
    "XPN003",
    _E,
    "NO_PROXY does not cover the API server",
    "add the kubernetes Service IP or the service CIDR",
    (
        "does not cover the API server at {ip}:443 (client-go dials the IP, so host names "
        "do not match it): add {ip} or {cidr}"
    ),
)

XPN004 = Rule(
    "XPN004",
    _E,
    "NO_PROXY does not cover the function endpoints",
    "add what the Crossplane version's grpc-go matches",
    ("does not cover {what}: {why}; {add}"),
)

XPN005 = Rule(
    "XPN005",
    _W,
    "HTTP_PROXY without HTTPS_PROXY",
    "set HTTPS_PROXY too: https and gRPC requests use only HTTPS_PROXY",
    ("is not set while HTTP_PROXY is: https and gRPC requests go direct; set it"),
)

XPN006 = Rule(
    "XPN006",
    _W,
    "https:// proxy URL",
    "use http://: gRPC supports plaintext CONNECT proxies only",
    (
        "{url} is an https:// proxy, but gRPC clients speak plaintext CONNECT to their "
        "proxy; use http://"
    ),
)

XPN007 = Rule(
    "XPN007",
    _W,
    "NO_PROXY entry that Go cannot use",
    "rewrite the entry as the message says",
    ("entry {entry!r} {why}"),
)

XPN008 = Rule(
    "XPN008",
    _W,
    "NO_PROXY contains *",
    "remove *: it sends everything direct, package pulls included",
    ("contains *: every destination bypasses the proxy, package pulls included; {what}"),
)

XPN009 = Rule(
    "XPN009",
    _W,
    "ControllerConfig in use",
    "move its settings to a DeploymentRuntimeConfig",
    (
        "ControllerConfig is deprecated, honoured for Providers only, and removed in "
        "Crossplane v2.0; move its settings to a DeploymentRuntimeConfig"
    ),
)

XPN010 = Rule(
    "XPN010",
    _W,
    "proxy or trust variable set through valueFrom from a source xpnet cannot read",
    "set it as a plain value, or give the ConfigMap it names in the same input, so that it can "
    "be checked and kept consistent",
    (
        "is set through valueFrom{source}, so xpnet neither checks nor changes it; set a plain "
        "value to have it kept consistent"
    ),
)

XPN011 = Rule(
    "XPN011",
    _E,
    "Crossplane container without HTTPS_PROXY",
    "set HTTPS_PROXY (run xpnet in fix mode)",
    ("is not set, so package pulls do not go through the proxy; set it to {proxy}"),
)

XPN012 = Rule(
    "XPN012",
    _W,
    "only one case of a proxy variable is set",
    "set both cases: some clients read only the lower-case variable",
    ("{have} is set but {missing} is not; set both (clients differ in the case they read)"),
)

XPN013 = Rule(
    "XPN013",
    _W,
    "hostNetwork without ClusterFirstWithHostNet",
    "set dnsPolicy: ClusterFirstWithHostNet or function names do not resolve",
    (
        "hostNetwork: true without dnsPolicy: ClusterFirstWithHostNet: function names do "
        "not resolve (crossplane#5500); set that dnsPolicy"
    ),
)

XPN014 = Rule(
    "XPN014",
    _W,
    "DeploymentRuntimeConfig env on a container not named package-runtime",
    "put proxy variables on the package-runtime container; others are sidecars",
    (
        "proxy variables on a sidecar do not reach the provider or function; put them on "
        "the package-runtime container"
    ),
)

XPN015 = Rule(
    "XPN015",
    _W,
    "proxy credentials inline",
    "take them from a Secret instead of writing them into the manifests",
    ("{what}; take the credentials from a Secret (spec.proxy.credentialsSecret)"),
)

XPN016 = Rule(
    "XPN016",
    _E,
    "proxy settings differ from the ones xpnet computes",
    "run xpnet fix: check fails wherever fix would change something",
    ("{difference}; run xpnet fix"),
)

XPN017 = Rule(
    "XPN017",
    _E,
    "configured Crossplane namespace differs from the core Deployment's",
    "set spec.crossplane.namespace to the core's namespace (functions run there) or remove it",
    (
        "runs in namespace {core}, but ClusterNetwork {name} says "
        "spec.crossplane.namespace: {configured}; functions run in the core's namespace, "
        "so NO_PROXY must name .{core}: set spec.crossplane.namespace to {core} or remove "
        "it"
    ),
)

XPN018 = Rule(
    "XPN018",
    _W,
    "runtime configs shared by several Crossplane installs in one run",
    "run xpnet on one install at a time so that cluster-scoped configs get exactly one set",
    (
        "is not tied to one of the {count} Crossplane installs in this run ({cores}), so "
        "it gets NO_PROXY entries for all of them; run xpnet on one install at a time"
    ),
)

XPN019 = Rule(
    "XPN019",
    _E,
    "a proxy setting xpnet fix cannot rewrite safely",
    "write the env block out as the message says (anchors, merge keys); fix refuses it too",
    ("{problem}; xpnet fix refuses it too"),
)

XPN020 = Rule(
    "XPN020",
    Severity.INFO,
    "HelmRelease or Application not for the Crossplane chart",
    "nothing to do: xpnet checks and fixes the values of the crossplane chart only",
    ("{what}; left alone"),
)

XPN021 = Rule(
    "XPN021",
    _W,
    "chart values key that this chart version does not read",
    "move the variables to a key the chart reads, or upgrade the chart",
    ("{key} is not read by the crossplane chart {version} (it exists from v2.0); {what}"),
)

XPN022 = Rule(
    "XPN022",
    _E,
    "proxy credentials from a Secret cannot be written as chart values",
    "render the chart and run xpnet on the manifests (xpnet-helm), or put the proxy URL inline",
    (
        "spec.proxy.credentialsSecret needs secretKeyRef variables before the proxy "
        "variables, and the chart's extraEnvVars* values are plain strings: use xpnet as a Helm "
        "post-renderer (xpnet-helm) or on the rendered manifests"
    ),
)

XPN023 = Rule(
    "XPN023",
    Severity.INFO,
    "runtime config skipped by its xpnet.dev/skip annotation",
    "nothing to do; remove the annotation to have xpnet fix and check its proxy variables",
    (
        '{annotation}: "true": xpnet fix leaves its proxy variables as they are, and check does '
        "not judge them"
    ),
)

XPN024 = Rule(
    "XPN024",
    _E,
    "an xpnet NetworkPolicy is missing or disagrees with spec.networkPolicy",
    "run xpnet fix: it adds missing policies (as the KRM function or Helm post-renderer) and "
    "replaces xpnet's own (labelled app.kubernetes.io/managed-by: xpnet); xpnet netpol prints them",
    ("{what}"),
)

XPN025 = Rule(
    "XPN025",
    _W,
    "no pod labels to choose the core's pods by",
    "give the core Deployment spec.selector.matchLabels and the same pod template labels; for "
    "chart values, render the chart (xpnet as Helm post-renderer, or xpnet netpol on its output)",
    "spec.networkPolicy.enabled, but no NetworkPolicies were generated: {what}",
)

XPN026 = Rule(
    "XPN026",
    _E,
    "the corporate CA bundle is not wired as spec.trust says",
    "run xpnet fix: it adds the volume, the read-only mount and the variable that adds the CA "
    "for the container's runtime (the core: the chart's registryCaBundleConfig wiring)",
    "{what}",
)

XPN027 = Rule(
    "XPN027",
    _W,
    "a variable that replaces the trusted roots points at a bundle of only the corporate CA",
    "put the public roots into the bundle too (then set spec.trust.caBundle.complete: true); "
    "Python's SSL_CERT_FILE and requests' REQUESTS_CA_BUNDLE replace the roots, they do not add",
    (
        "points at {path}, mounted from {source}; a {runtime} program reads it instead of the "
        "public roots, so every public endpoint fails with an unknown certificate authority "
        "unless that bundle holds the public roots too"
    ),
)

XPN028 = Rule(
    "XPN028",
    _E,
    "CA_BUNDLE_PATH names no file of a mounted volume",
    "mount the CA bundle's ConfigMap where CA_BUNDLE_PATH points, without subPath (the chart: "
    "registryCaBundleConfig mounts it at /certs)",
    (
        "is {path}, {why}: the core cannot read its CA bundle for package pulls; mount the "
        "ConfigMap at {folder} (without subPath, with the key as a file of that name) or set "
        "registryCaBundleConfig"
    ),
)

XPN029 = Rule(
    "XPN029",
    _W,
    "a mount hides the image's trusted roots",
    "mount the CA bundle in a directory of its own (spec.trust.mountPath, default /etc/xpnet/ca) "
    "and point the runtime's variable at it",
    (
        "mounts volume {volume} at {path}, which hides the image's {hidden}: the public roots "
        "(and any bundle there) are gone for this container"
    ),
)

XPN030 = Rule(
    "XPN030",
    _E,
    "the corporate CA bundle cannot be wired here",
    "follow the message: a volume or mount path is taken, or chart values cannot name a Secret",
    "{problem}",
)

XPN044 = Rule(
    "XPN044",
    _W,
    "an ignore-check.xpnet.dev annotation that suppresses nothing",
    "name one rule of docs/rules.md after ignore-check.xpnet.dev/ and give the reason as its "
    'value, e.g. ignore-check.xpnet.dev/XPN009: "moved to a DeploymentRuntimeConfig in Q3"',
    "annotation {key}: {why}; the findings it means to suppress are reported",
)

XPN045 = Rule(
    "XPN045",
    _E,
    "a trust variable that names one bundle file already points at another bundle",
    "put the corporate CA into that bundle and name it in spec.trust.caBundle, or remove the "
    "variable so that xpnet can point it at the corporate bundle",
    (
        "is {have}, {where}; it names one bundle file, so pointing it at {want} would drop "
        "that bundle: put the corporate CA into it and name it in spec.trust.caBundle, or "
        "remove the variable"
    ),
)

XPN046 = Rule(
    "XPN046",
    _E,
    "a variable set through valueFrom holds another value than the one xpnet sets",
    "change the key of the ConfigMap (xpnet does not rewrite ConfigMaps, which other "
    "workloads may read), or write the value in place of valueFrom",
    (
        "is set through valueFrom from {origin}, and that value {difference}; xpnet does not "
        "rewrite ConfigMaps (other workloads may read them): change key {key} there, or write "
        "the value in place of valueFrom"
    ),
)

XPN047 = Rule(
    "XPN047",
    _E,
    "valueFrom names a ConfigMap key that the ConfigMap does not hold",
    "add the key to the ConfigMap, or fix the name of the key in configMapKeyRef",
    (
        "is set through valueFrom from {origin}, which that ConfigMap in the input does not "
        "hold: {outcome}; add the key or fix configMapKeyRef.key"
    ),
)

XPN050 = Rule(
    "XPN050",
    _E,
    "NO_PROXY sends a destination direct that the NetworkPolicies block",
    "allow it with spec.networkPolicy.extraEgress (its CIDR and ports), or remove the NO_PROXY "
    "entry so that it goes through the proxy",
    (
        "{where}{entry} sends {destination} direct, and the xpnet NetworkPolicies block it "
        "(outside the cluster they allow {allowed} only): {fix}"
    ),
)

XPN051 = Rule(
    "XPN051",
    _E,
    "NO_PROXY sends a host name direct that no NetworkPolicy can be shown to allow",
    "declare its addresses: spec.networkPolicy.extraEgress {cidr, hosts: [name]}, or remove "
    "the NO_PROXY entry",
    (
        "{where}{entry} sends {destination} direct, and a NetworkPolicy judges addresses, not "
        "names: nothing says where it resolves, so the xpnet NetworkPolicies (outside the "
        "cluster: {allowed}) may block it; {fix}"
    ),
)

XPN052 = Rule(
    "XPN052",
    _W,
    "NO_PROXY names an in-cluster destination the NetworkPolicies do not allow",
    "allow it with a NetworkPolicy of your own (NetworkPolicies add up), or remove the entry",
    (
        "{where}{entry} sends {destination} direct; inside the cluster the xpnet "
        "NetworkPolicies let the Crossplane pods reach only the API server, cluster DNS and "
        "(the core) the function pods: {fix}"
    ),
)

XPN065 = Rule(
    "XPN065",
    Severity.INFO,
    "a chart template, not a manifest",
    (
        "nothing to do for the template itself; check what the chart renders: "
        "pipe helm template's output into xpnet check -c CONFIG -"
    ),
    (
        "holds a Go template action at line {line}: it is a chart's source, not what Kubernetes "
        "reads, so xpnet neither rewrites nor judges it"
    ),
)

XPN040 = Rule(
    "XPN040",
    _W,
    "chart values come from a place xpnet cannot read",
    "check those values too (xpnet check --values FILE), or keep the proxy settings in the "
    "values xpnet reads (spec.values, helm.valuesObject or helm.values)",
    "{what}",
)

XPN041 = Rule(
    "XPN041",
    _E,
    "the proxy settings depend on a field xpnet cannot follow",
    "keep the proxy settings in the chart values xpnet reads, or check what the tool renders "
    "(xpnet-helm, or xpnet check on the rendered manifests)",
    "{what}",
)

XPN042 = Rule(
    "XPN042",
    _W,
    "chart values the tool ignores",
    "remove them, or move what they say to where the tool reads it",
    "{what}",
)

XPN043 = Rule(
    "XPN043",
    _E,
    "a proxy variable set after the chart values differs from what xpnet fix sets",
    "change it where it is set (xpnet values prints the value), or remove it there",
    (
        "is set by {owner}, which wins over the chart values xpnet fix rewrites, and differs "
        "from what fix would set: change it there (xpnet values prints it) or remove it"
    ),
)

XPN068 = Rule(
    "XPN068",
    _W,
    "a NO_PROXY value refers to a variable whose value xpnet cannot read",
    "write the entries in place of the reference, or set the variable it names as a plain "
    "value (or from a ConfigMap of the input) before it",
    (
        "refers to {references}, which Kubernetes expands from an earlier entry, envFrom or "
        "a Service variable whose value is not in the input, so xpnet neither checks nor "
        "changes it; write the entries in place of the reference"
    ),
)

CATALOGUE: tuple[Rule, ...] = (
    XPN001,
    XPN002,
    XPN003,
    XPN004,
    XPN005,
    XPN006,
    XPN007,
    XPN008,
    XPN009,
    XPN010,
    XPN011,
    XPN012,
    XPN013,
    XPN014,
    XPN015,
    XPN016,
    XPN017,
    XPN018,
    XPN019,
    XPN020,
    XPN021,
    XPN022,
    XPN023,
    XPN024,
    XPN025,
    XPN026,
    XPN027,
    XPN028,
    XPN029,
    XPN030,
    XPN040,
    XPN041,
    XPN042,
    XPN043,
    XPN044,
    XPN045,
    XPN046,
    XPN047,
    XPN050,
    XPN051,
    XPN052,
    XPN065,
    XPN068,
)
RULES: dict[str, Rule] = {r.id: r for r in CATALOGUE}
DOCS = "docs/rules.md"  # relative to the repository root: xpnet has no published site yet


def help_uri(rule: Rule) -> str:
    """Where a rule is documented (docs/rules.md has an anchor per rule)."""
    return f"{DOCS}#{rule.id.lower()}"


def markdown() -> str:
    """docs/rules.md: generated from the catalogue (a test fails when the file is stale)."""
    lines = [
        "# xpnet rules",
        "",
        "Generated from `plugin/xpnet/rules.py`; do not edit. `xpnet check` reports these;",
        "only error findings fail it. Findings print as",
        "`FILE:LINE: severity: Kind/namespace/name: container C: VAR: XPNnnn message`",
        "(`-o json` and `-o sarif` give the same as data; SARIF links each rule here).",
        "",
        "| ID | severity | what | fix |",
        "|---|---|---|---|",
    ]
    lines += [
        f'| <a id="{r.id.lower()}"></a>{r.id} | {r.severity.value} | {r.title} | {r.fix} |'
        for r in CATALOGUE
    ]
    return "\n".join(lines) + "\n"
