"""The bodies of the `xpnet` commands: each reads its inputs, runs the engine and hands what it
found to the reporter; cli.py parses the arguments and dispatches. What only some commands use
is imported in them: `xpnet fix` runs once per pre-commit hook and build."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import Any

from xpnet import __version__, credentials, noproxy, releases, report, rules, trust
from xpnet.adapters.streams import filter_bytes, find_config, read_config, run_streams
from xpnet.config import ClusterNetwork, json_schema, with_mode
from xpnet.engine import Outcome
from xpnet.envvars import BYPASS_VARS, GRPC, SIX
from xpnet.errors import ConfigError, InputError
from xpnet.install import DEFAULT_NAMESPACE, find_installs, note_credentials
from xpnet.plan import SAMPLE_FUNCTION, Finding, plan_fix, variables
from xpnet.records import NamedTuple
from xpnet.releases import resources
from xpnet.yaml import stream
from xpnet.yaml.splice import render_block
from xpnet.yaml.stream import ChartValues, Source

STDIN = "-"


def _sources(files: list[str]) -> list[Source]:
    sources = []
    for name in files:
        if name == STDIN:
            text, bom = stream.decode("<stdin>", sys.stdin.buffer.read())
            sources.append(stream.Source(STDIN, text, bom))
        else:
            sources.append(stream.read(name))
    return sources


def _inputs(args: argparse.Namespace) -> tuple[list[Source], list[Source], ChartValues]:
    """The manifests and the chart values files (`--values`) of a command line."""
    chart = ChartValues(args.chart_version, args.namespace)
    return _sources(args.files), _sources(args.values or []), chart


def _config(args: argparse.Namespace) -> ClusterNetwork:
    return read_config(find_config(args.config))


def _empty_sources(sources: list[Source], outcome: Outcome) -> list[str]:
    """The inputs in which no Crossplane resource was found."""
    found = {r.doc.stream for p in outcome.plans for r in p.install.resources}
    return [
        "<stdin>" if s.name == STDIN else s.name for i, s in enumerate(sources) if i not in found
    ]


def _say_empty(sources: list[Source], empty: list[str]) -> None:
    if empty and len(empty) == len(sources):
        shown = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
        print(report.stderr_line(f"{shown}: {report.NOTHING_FOUND}"), file=sys.stderr)


def fix_cmd(args: argparse.Namespace) -> int:
    config = with_mode(_config(args), "fix")
    manifests, values, chart = _inputs(args)
    result = run_streams(config, manifests, values=values, chart=chart, append=True)
    sources = manifests + values
    outcome = result.outcome
    for finding in outcome.findings:
        print(
            report.stderr_line(f"{report.finding_line(finding, with_file=True)}"), file=sys.stderr
        )
    empty = _empty_sources(sources, outcome)
    _say_empty(sources, empty)
    if outcome.failed:
        print(
            report.stderr_line(
                f"{report.summary(outcome.findings, len(sources), len(empty))}; nothing was written"
            ),
            file=sys.stderr,
        )
        return report.exit_code(outcome.findings)
    changed, piped = [], 0
    for source in sources:
        new = result.outputs[source.name]
        if source.name == STDIN:
            sys.stdout.write(new)
            piped += new != ("\ufeff" if source.bom else "") + source.text
        elif new != ("\ufeff" if source.bom else "") + source.text:
            changed.append((source, new))
    if args.diff:
        import difflib

        for source, new in changed:
            old = ("\ufeff" if source.bom else "") + source.text
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"a/{source.name}",
                    f"b/{source.name}",
                )
            )
    elif not args.dry_run:
        stream.write_all([(source.name, new) for source, new in changed])
    verb = "would fix" if args.diff or args.dry_run else "fixed"
    for edit in outcome.edits:
        print(
            report.stderr_line(f"{verb} {report.edit_line(edit, with_file=True)}"), file=sys.stderr
        )
    for item in outcome.items:
        print(
            report.stderr_line(f"{verb} {report.item_line(item, with_file=True)}"), file=sys.stderr
        )
    for stream_index, doc in zip(outcome.added_to, outcome.added, strict=True):
        found = re.search(r"(?m)^ *name: *(\S+)", doc)
        what = f"NetworkPolicy {found.group(1)}" if found else "a NetworkPolicy"
        name = "<stdout>" if sources[stream_index].name == STDIN else sources[stream_index].name
        print(
            report.stderr_line(f"{verb} {name}: added {what} (spec.networkPolicy)"), file=sys.stderr
        )
    count = len(changed) + piped
    done = f"{verb} {len(outcome.edits)} env blocks in {count} {'file' if count == 1 else 'files'}"
    print(
        report.stderr_line(
            f"{done if count else 'nothing to fix'}; "
            f"{report.summary(outcome.findings, len(sources), len(empty))}"
        ),
        file=sys.stderr,
    )
    return 0


class _Rendered(NamedTuple):
    rule: rules.Rule
    out: Any  # a line, a JSON record or a SARIF result


def check_cmd(args: argparse.Namespace) -> int:
    import json

    from xpnet.adapters import parallel

    config = with_mode(_config(args), "check")
    manifests, values, chart = _inputs(args)
    sources = manifests + values
    render: Callable[[Finding], Any] = {
        "json": report.finding_data,
        "sarif": report.sarif_result,
    }.get(args.output, lambda f: report.finding_line(f, with_file=True))

    def run(part: list[Source]) -> tuple[Outcome, list[int]]:
        outcome = run_streams(config, part, values=values, chart=chart).outcome
        found = {r.doc.stream for p in outcome.plans for r in p.install.resources}
        return outcome, [i for i in range(len(part) + len(values)) if i not in found]

    # Many files (a render per cluster): two runs side by side where that is exactly one run.
    both = None
    if not values and parallel.worth_it(config, manifests):
        both = parallel.check(config, manifests, run, render)
    if both is None:
        outcome, missing = run(manifests)
        both = ([(f.rule.id, render(f)) for f in outcome.findings], missing)
    findings = [_Rendered(rules.RULES[rule], out) for rule, out in both[0]]
    empty = ["<stdin>" if sources[i].name == STDIN else sources[i].name for i in both[1]]
    _say_empty(sources, empty)
    if args.output == "json":
        print(json.dumps([f.out for f in findings], indent=2))
    elif args.output == "sarif":
        print(json.dumps(report.sarif_log([f.out for f in findings], __version__), indent=2))
    else:
        for finding in findings:
            print(finding.out)
        print(report.summary(findings, len(sources), len(empty)))
    return report.exit_code(findings)


def bundle_summary(path: str) -> str:
    """A local copy of the CA bundle, checked to be PEM (explain --ca-bundle)."""
    # A ConfigMap or Secret holds at most 1 MiB
    # (https://kubernetes.io/docs/concepts/configuration/configmap/): more, or a device that
    # never ends, cannot be the bundle, and is not read to its end.
    limit = 1024 * 1024
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(limit + 1)
    except OSError as error:
        raise InputError(path, [f"cannot read it: {error.strerror}"]) from None
    if len(text) > limit:
        raise InputError(
            path, ["larger than the 1 MiB a ConfigMap or Secret holds: give the bundle's PEM"]
        )
    count = trust.certificates(text, path)
    return f"{path}: {count} certificate{'s' if count != 1 else ''} (PEM)"


def _destination(value: str, option: str, as_url: str) -> str:
    """A destination to explain without its credentials (explain sends nothing), refused with
    its option where no client could parse it; `as_url` makes it a URL ({} for the value)."""
    from xpnet.runtimes import parse_target

    bare = credentials.without(value.strip())
    try:
        parse_target(as_url.format(bare))
    except ValueError:
        raise InputError(
            option,
            [f"{credentials.redact(value)!r} is not a host[:port] or URL, e.g. vault.corp:8200"],
        ) from None
    return bare


def explain_cmd(args: argparse.Namespace) -> int:
    import json

    from xpnet import explain
    from xpnet.runtimes import RUNTIMES
    from xpnet.valuefrom import resolve

    credentials.remember([args.registry, *(args.host or [])])  # URLs may carry credentials
    hosts = [
        _destination(h, "--host", "{}" if "://" in h else "https://{}") for h in args.host or []
    ]
    registry = _destination(args.registry, "--registry", "https://{}:443")
    if args.ca_bundle:
        bundle_summary(args.ca_bundle)  # refused before anything is explained
    config = with_mode(_config(args), "fix")
    sources = _sources(args.files)
    docs = stream.load(sources)
    crossplane = config.spec.crossplane
    runtimes = args.runtime or list(RUNTIMES)
    sections = []
    installs = find_installs(docs, crossplane.namespace, crossplane.version, resources)
    # Variables read from ConfigMaps of the same input are explained with their values.
    installs = resolve(installs, lambda: (s for source in sources for s in source.segments))
    note_credentials(r for i in installs for r in i.resources)  # values from ConfigMaps
    plans = [plan_fix(config, install) for install in installs]
    for plan in plans:
        install = plan.install
        where = explain.destinations(
            config, install, args.function or [SAMPLE_FUNCTION], registry, hosts
        )
        sections.append((install, explain.explain(config, plan, where, runtimes)))
    if args.output == "json":
        print(json.dumps(report.explain_data(sections), indent=2))
        return 0
    if not sections:
        print(
            report.stderr_line(f"{', '.join(args.files)}: {report.NOTHING_FOUND}"), file=sys.stderr
        )
    for line in report.explain_lines(sections):
        print(line)
    lines = [t for plan in plans for t in explain.trust(config, plan)]
    if lines:
        print("\nTrusted roots after the fix (a runtime config's xpnet.dev/runtime):")
        if args.ca_bundle:
            print(f"  {bundle_summary(args.ca_bundle)}")
    for t in lines:
        label = f" {t.block.label}" if t.block.label else ""
        print(f"  {t.resource.ref}{label} {t.runtime}: {'; '.join(t.reads)}")
    return 0


def values_cmd(args: argparse.Namespace) -> int:
    config = _config(args)
    if config.spec.proxy.credentialsSecret is not None:
        raise ConfigError(
            f"ClusterNetwork {config.metadata.name}",
            [
                "spec.proxy.credentialsSecret needs secretKeyRef variables before the proxy "
                "variables, and the chart's extraEnvVars* values are plain strings rendered in "
                "key order: use xpnet as a Helm post-renderer (xpnet-helm) or run xpnet fix on "
                "the rendered manifests instead"
            ],
        )
    namespace = args.namespace or config.spec.crossplane.namespace or DEFAULT_NAMESPACE
    nps = noproxy.compute(config, namespace)
    every = variables(config, nps)
    names = SIX + (GRPC if config.spec.proxy.grpcProxy else ())
    values = {name: every[name] for name in names}
    print(
        "# Helm values for the Crossplane chart, from xpnet "
        f"(ClusterNetwork {config.metadata.name}): what `xpnet fix` writes.\n"
        "# The init container (extraEnvVarsCrossplaneInit, chart v2.0+) and the RBAC manager only\n"
        "# talk to the API server; give them the same values if you set a proxy on them.\n"
        "# DeploymentRuntimeConfigs for providers and functions are not chart values: run\n"
        "# `xpnet fix` on them."
    )
    chart = {
        "extraEnvVarsCrossplane": values,
        "extraEnvVarsCrossplaneInit": values,
        "extraEnvVarsRBACManager": {k: v for k, v in values.items() if k in BYPASS_VARS},
    }
    major = releases.chart_major(releases.exact(args.chart_version))
    if major is not None and major < releases.FIRST_INIT_CHART:
        del chart[releases.INIT_KEY]
    bundle = config.spec.trust.caBundle if config.spec.trust else None
    if bundle is not None and bundle.configMapRef is None:
        raise ConfigError(
            f"ClusterNetwork {config.metadata.name}",
            [
                "spec.trust.caBundle: the chart's registryCaBundleConfig takes a ConfigMap, and "
                "secretRef names a Secret: give configMapRef, or run xpnet fix on the rendered "
                "manifests instead"
            ],
        )
    if bundle is not None and bundle.configMapRef is not None:  # /certs, CA_BUNDLE_PATH
        ref = bundle.configMapRef
        chart[trust.CHART_VALUES_KEY] = {"name": ref.name, "key": ref.key}
    for line in render_block(chart, 0, None):
        print(line)
    return 0


def patch_cmd(args: argparse.Namespace) -> int:
    from xpnet import patches

    config = with_mode(_config(args), "fix")
    if args.files:
        sources = _sources(args.files)
        what = ", ".join(args.files)
    else:
        namespace = args.namespace or config.spec.crossplane.namespace
        sources = [Source("chart defaults", patches.chart_defaults(args.chart_version, namespace))]
        version = f" {args.chart_version}" if args.chart_version else " (version unknown)"
        what = f"the crossplane chart{version} with default values"
    outcome = run_streams(config, sources).outcome
    for finding in outcome.findings:
        print(report.stderr_line(report.finding_line(finding, with_file=True)), file=sys.stderr)
    if outcome.failed:
        print(report.stderr_line("no patches printed"), file=sys.stderr)
        return report.exit_code(outcome.findings)
    if not any(p.install.core for p in outcome.plans):
        raise InputError(
            what,
            ["no Crossplane core Deployment found: give the rendered chart (helm template ...)"],
        )
    items = patches.patches(outcome.plans)
    print(
        f"# kustomize patches from xpnet (ClusterNetwork {config.metadata.name}) for {what}:\n"
        "# for a kustomization's `patches:` or a Flux HelmRelease's "
        "`postRenderers[].kustomize.patches`."
    )
    if not items:
        print("# Nothing to patch: the Deployments already have the one right set.")
    sys.stdout.write(patches.render(items))
    return 0


def render_cmd(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read()
    if not data.strip():
        # In `helm template ... | xpnet render` an empty stream means the command before the
        # pipe failed; printing an empty stream would let a GitOps tool prune everything.
        raise InputError(
            "<stdin>",
            [
                "is empty: nothing to render; did the command before the pipe fail? (nothing "
                "was printed; as a Helm post-renderer use xpnet-helm, which passes empty "
                "renders through)"
            ],
        )
    out, lines, code = filter_bytes(data, args.config)
    for line in lines:
        print(line, file=sys.stderr)
    sys.stdout.write(out)
    return code


def schema_cmd(_: argparse.Namespace) -> int:
    import json

    print(json.dumps(json_schema(), indent=2))
    return 0


def noproxy_cmd(args: argparse.Namespace) -> int:
    config = _config(args)
    nps = noproxy.compute(config, config.spec.crossplane.namespace or DEFAULT_NAMESPACE)
    if args.explain:
        for entry in nps.entries:
            print(f"{entry.value:40} {entry.reason}")
    else:
        print(nps.value)
    return 0


def netpol_cmd(args: argparse.Namespace) -> int:
    """`xpnet netpol`: the NetworkPolicies of spec.networkPolicy for the installs in FILE."""
    from xpnet import netpol  # only this command needs it here

    path = find_config(args.config)
    config = read_config(path)
    if not config.spec.networkPolicy.enabled:
        raise ConfigError(
            path, ["spec.networkPolicy.enabled: is false; set it to true to generate policies"]
        )
    sources = _sources(args.files or [STDIN])
    crossplane = config.spec.crossplane
    docs = stream.load(sources)
    installs = find_installs(docs, crossplane.namespace, crossplane.version, resources)
    texts = []
    used = []
    values = [i.core for i in installs if i.core is not None and i.core.kind != "Deployment"]
    for install in installs:
        if install.core is None or install.core.kind != "Deployment":
            continue
        labels = netpol.core_labels(install.core)
        if labels is None:
            what = netpol.unlabelled(install.core)
            raise InputError(install.core.doc.source, [rules.XPN025.say(what=what)])
        policies = netpol.policies(config, install.namespaces[0], labels)
        texts += [netpol.render(p) for p in policies]
        used.append(install)
    if not texts:
        names = ", ".join(s.name for s in sources)
        if values:  # chart values only: the chart must be rendered first
            raise InputError(names, [rules.XPN025.say(what=netpol.unlabelled(values[0]))])
        raise InputError(
            names,
            ["no Crossplane core Deployment: xpnet netpol reads the core's pod labels from it"],
        )
    # What the manifests' NO_PROXY sends direct must pass these policies, as in check and fix.
    found = netpol.destination_findings(config, [plan_fix(config, i) for i in used])
    for finding in found:
        print(report.stderr_line(report.finding_line(finding, True)), file=sys.stderr)
    if report.exit_code(found) != report.OK:
        return report.FAILED
    sys.stdout.write("".join(f"---\n{t}" for t in texts))
    return 0


def fn_cmd(_: argparse.Namespace) -> int:
    from xpnet.adapters import krm

    return krm.main()


def discover_cmd(args: argparse.Namespace) -> int:
    from xpnet import discover as discovery  # only this command reads saved cluster objects

    credentials.remember(args.proxy or "")
    saved: list[discovery.Saved] = []
    for number, source in enumerate(_sources(args.files or [STDIN])):
        name = "<stdin>" if source.name == STDIN else source.name
        objects = discovery.read(name, source.text, number, len(saved))
        if not objects:
            print(
                report.stderr_line(f"{name}: holds no object (empty, or only comments)"),
                file=sys.stderr,
            )
        saved += objects
    credentials.remember([s.data for s in saved])  # proxy URLs of OpenShift's Proxy, env, ...
    found = discovery.discover(saved, args.proxy, args.name, args.format, args.credentials_secret)
    for note in found.notes:
        print(report.stderr_line(note), file=sys.stderr)
    for problem in found.problems:
        print(report.stderr_line(problem), file=sys.stderr)
    if found.text is None:
        print(report.stderr_line("no configuration was printed"), file=sys.stderr)
        return 1
    sys.stdout.write(found.text)
    return 0
