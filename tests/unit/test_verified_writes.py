"""Issue 9's reproduced cases, each a regression test: what xpnet writes reads back as intended
with libyaml and with Go's sigs.k8s.io/yaml (what kubectl uses), or xpnet refuses clearly; and
check fails wherever fix would change something."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN_DIR
from tests.goyaml import go_load
from tests.resource_lists import transform, unwrap, wrap
from tests.unit_helpers import CONFIG_DATA, PROXY, config
from xpnet import verify
from xpnet.adapters.streams import run_streams
from xpnet.errors import InputError, XpnetError
from xpnet.yaml.stream import Source

BIN = BIN_DIR
CONFIG_YAML = yaml.safe_dump(CONFIG_DATA)
NO_PROXY = (
    "localhost,127.0.0.1,::1,10.96.0.1,kubernetes.default.svc,kubernetes.default.svc.cluster.local,"
    ".svc,.cluster.local,crossplane-system,.crossplane-system,10.244.0.0/16,10.96.0.0/12"
)
SIX = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


def fix(text: str, **spec: Any) -> str:
    return run_streams(config("fix", **spec), [Source("in.yaml", text)]).outputs["in.yaml"]


def check(*texts: str, **spec: Any) -> tuple[bool, list[str]]:
    sources = [Source(f"in{i}.yaml", t) for i, t in enumerate(texts)]
    outcome = run_streams(config("check", **spec), sources).outcome
    return outcome.failed, [f.rule.id for f in outcome.findings]


def core(env: str, tag: str = "v2.1.0", pod: str = "") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n"
        "  namespace: crossplane-system\nspec:\n  replicas: 1\n  template:\n    spec:\n"
        f"{pod}      containers:\n      - name: crossplane\n"
        f"        image: xpkg.crossplane.io/crossplane/crossplane:{tag}\n"
        "        args: [core, start]\n        ports:\n        - containerPort: 8081\n" + env
    )


def xpnet(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The xpnet command, run in a folder."""
    return subprocess.run([str(BIN / "xpnet"), *args], capture_output=True, text=True, cwd=cwd)


def both_parsers(goyaml: Path, *texts: str) -> list[list[Any]]:
    """Each stream's documents as libyaml and as Go read them; they must agree."""
    go = go_load(list(texts), goyaml)
    out = []
    for text, from_go in zip(texts, go, strict=True):
        assert not isinstance(from_go, str), f"Go's parser refuses the output: {from_go}"
        from_libyaml = [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]
        assert verify.difference(from_libyaml, from_go) is None, (from_libyaml, from_go)
        out.append(from_libyaml)
    return out


def env_of(doc: dict[str, Any], container: str = "crossplane") -> dict[str, Any]:
    spec = doc["spec"]["template"]["spec"]
    found = next(c for c in spec.get("containers", []) if c["name"] == container)
    return {e["name"]: e.get("value") for e in found.get("env") or []}


def assert_fixed(goyaml: Path, text: str, **spec: Any) -> list[Any]:
    """Fix the text: both parsers read the input's data back with only proxy variables
    changed, the core has the full set, a second run and check change nothing."""
    out = fix(text, **spec)
    before, after = both_parsers(goyaml, text, out)
    for old, new in zip(before, after, strict=True):
        assert verify.difference(_without_proxy(old), _without_proxy(new)) is None
    main = env_of(next(d for d in after if _is_core(d)))
    assert main["NO_PROXY"] == main["no_proxy"] and all(main[n] for n in SIX)
    assert fix(out, **spec) == out, "a second run changes something"
    assert check(out, **spec)[0] is False, check(out, **spec)
    assert_fixed_by_krm(goyaml, text, out)
    return after


def assert_fixed_by_krm(goyaml: Path, text: str, by_files: str) -> None:
    """The KRM function gives the same data as the file path, and a second run changes
    nothing."""
    response = transform(wrap(text, CONFIG_YAML))
    assert response.code == 0, response.stderr
    items = unwrap(response.stdout.split("\nresults:\n")[0] + "\n")
    from_krm, from_files = both_parsers(goyaml, items, by_files)
    assert verify.difference(from_krm, from_files) is None
    again = transform(response.stdout)
    assert 'severity: "info"' not in again.stdout and "severity: info" not in again.stdout


def _is_core(doc: Any) -> bool:
    containers = doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return doc.get("kind") == "Deployment" and any("core" in c.get("args", []) for c in containers)


def _without_proxy(data: Any) -> Any:
    """The data with proxy variables, empty env lists and created package-runtime containers
    left out, so that input and output compare equal when only those changed."""
    if isinstance(data, dict):
        out = {k: _without_proxy(v) for k, v in data.items()}
        return {k: v for k, v in out.items() if not (k in ("env", "containers") and not v)}
    if isinstance(data, list):
        items = [_without_proxy(i) for i in data if not _is_proxy_entry(i)]
        return [i for i in items if i != {"name": "package-runtime"}]
    return data


def _is_proxy_entry(item: Any) -> bool:
    names = (*SIX, "grpc_proxy", "no_grpc_proxy")
    return isinstance(item, dict) and item.get("name") in names and set(item) <= {"name", "value"}


# 1. Flow-style env items in a block list: the new value's commas must not split the mapping.
def test_flow_env_items_get_quoted_values(goyaml: Path) -> None:
    text = core("        env:\n        - {name: NO_PROXY, value: localhost}\n")
    after = assert_fixed(goyaml, text)
    assert env_of(after[0])["NO_PROXY"] == NO_PROXY
    assert '- {name: NO_PROXY, value: "localhost,' in fix(text)


def test_flow_env_items_on_a_real_chart(goyaml: Path, shared_crossplane: Path) -> None:
    chart = (shared_crossplane / "chart-v1.20.11-proxy.yaml").read_text()
    flowed = re.sub(
        r"^( *)- name: (\S+)\n +value: (.*)$", r"\1- {name: \2, value: \3}", chart, flags=re.M
    )
    assert "- {name: NO_PROXY, value: " in flowed
    after = assert_fixed(goyaml, flowed)
    rbac = next(d for d in after if d["kind"] == "Deployment" and "rbac" in d["metadata"]["name"])
    assert "10.96.0.1" in env_of(rbac)["NO_PROXY"].split(",")


# 2. Flow and JSON containers keep their types; a created container in a flow DRC too.
def test_json_and_flow_keep_types(goyaml: Path) -> None:
    text = (
        '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "crossplane", '
        '"namespace": "crossplane-system"}, "spec": {"replicas": 1, "template": {"spec": '
        '{"terminationGracePeriodSeconds": 30, "containers": [{"name": "crossplane", "image": '
        '"crossplane:v2.1.0", "args": ["core", "start"], "ports": [{"containerPort": 9443}], '
        '"securityContext": {"runAsNonRoot": true}, "env": [{"name": "A", "value": "1"}]}]}}}}\n'
        "---\n"
        "{apiVersion: pkg.crossplane.io/v1beta1, kind: DeploymentRuntimeConfig, metadata: "
        "{name: x}, spec: {deploymentTemplate: {spec: {selector: {}, template: {spec: "
        "{terminationGracePeriodSeconds: 30}}}}}}\n"
    )
    after = assert_fixed(goyaml, text)
    container = after[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 9443}]
    assert container["securityContext"] == {"runAsNonRoot": True}
    drc = after[1]["spec"]["deploymentTemplate"]["spec"]
    assert drc["template"]["spec"]["terminationGracePeriodSeconds"] == 30
    runtime = drc["template"]["spec"]["containers"][0]
    assert runtime["name"] == "package-runtime" and len(runtime["env"]) == 6


# 3. env: null and env: ~ are replaced, not appended to.
@pytest.mark.parametrize("empty", ["null", "~", "", "[]", "null  # none yet"])
def test_null_env_is_replaced(goyaml: Path, empty: str) -> None:
    after = assert_fixed(goyaml, core(f"        env: {empty}\n".replace(":  ", ": ")))
    assert list(env_of(after[0])) == list(SIX)


# 4. An alias as a proxy value is written out; an anchor used by something else is refused.
def test_alias_value_is_written_out(goyaml: Path) -> None:
    text = core(
        "        env:\n        - name: OTHER\n          value: &v http://old:1\n"
        "        - name: HTTPS_PROXY\n          value: *v\n"
    )
    after = assert_fixed(goyaml, text)
    assert env_of(after[0])["OTHER"] == "http://old:1"
    assert env_of(after[0])["HTTPS_PROXY"] == PROXY


def test_anchor_used_elsewhere_is_refused_in_fix_and_check() -> None:
    text = core(
        "        env:\n        - name: HTTPS_PROXY\n          value: &v http://old:1\n"
        "        - name: OTHER\n          value: *v\n"
    )
    with pytest.raises(InputError, match=r"carries the YAML anchor &v, which another place uses"):
        fix(text)
    failed, rules = check(text)
    assert failed and "XPN019" in rules


# 5. Merge keys: edited where the merged mapping is used only here, refused where shared.
def test_merge_key_env_used_once_is_edited_in_place(goyaml: Path) -> None:
    text = core("        <<: {env: [{name: A, value: a}, {name: NO_PROXY, value: x}]}\n")
    after = assert_fixed(goyaml, text)
    assert env_of(after[0])["A"] == "a"


def test_merge_key_env_shared_is_refused() -> None:
    text = core("        <<: *base\n").replace(
        "spec:\n  replicas", "base: &base\n  env: [{name: A, value: a}]\nspec:\n  replicas"
    )
    with pytest.raises(InputError, match="shared through the YAML anchor &base"):
        fix(text)
    assert "XPN019" in check(text)[1]


# 6. Two proxy variables sharing one anchored value: both written, no traceback.
def test_two_variables_sharing_an_anchor(goyaml: Path) -> None:
    text = core(
        "        env:\n        - name: HTTPS_PROXY\n          value: &p http://old:1\n"
        "        - name: https_proxy\n          value: *p\n"
        "        - name: HTTP_PROXY\n          value: *p\n"
    )
    after = assert_fixed(goyaml, text)
    assert env_of(after[0])["https_proxy"] == PROXY == env_of(after[0])["HTTP_PROXY"]


# 7. Recursive aliases and deep compact nesting: refused quickly by every entry point.
HOSTILE = {
    "recursive-alias": core("        env: &r [{name: A, value: x, more: *r}]\n"),
    "recursive-merge": core("        env: []\n").replace(
        "metadata:\n", "metadata:\n  labels: &m {<<: *m}\n"
    ),
    "compact-nesting": core("        env:\n        - name: A\n          value: x\n")
    + "extra:\n"
    + "- " * 30_000
    + "a\n",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("entry", ["krm", "helm", "fix", "check"])
def test_hostile_yaml_is_refused_quickly(case: str, entry: str, tmp_path: Path) -> None:
    (tmp_path / "xpnet.yaml").write_text(CONFIG_YAML)
    target = tmp_path / "in.yaml"
    target.write_text(HOSTILE[case])
    if entry == "krm":
        cmd, stdin = [str(BIN / "xpnet-fn")], wrap(HOSTILE[case], CONFIG_YAML).encode()
    elif entry == "helm":
        cmd, stdin = [str(BIN / "xpnet-helm"), "-c", "xpnet.yaml"], HOSTILE[case].encode()
    else:
        cmd, stdin = [str(BIN / "xpnet"), entry, "-c", "xpnet.yaml", "in.yaml"], b""
    started = time.monotonic()
    done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=20, cwd=tmp_path)
    assert time.monotonic() - started < 10
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert "recursive anchor" in stderr or "nests more than 200 levels" in stderr, stderr
    assert "Traceback" not in stderr
    assert target.read_text() == HOSTILE[case]


# 8. A malformed proxy URL in a manifest: findings, never an exception, never the password.
@pytest.mark.slow
def test_malformed_proxy_url_in_a_manifest(tmp_path: Path) -> None:
    text = core(
        "        env:\n        - name: HTTPS_PROXY\n          value: http://u:s3cret@[fd00::1\n"
    )
    failed, rules = check(text)
    assert failed and "XPN016" in rules
    (tmp_path / "xpnet.yaml").write_text(CONFIG_YAML)
    (tmp_path / "in.yaml").write_text(text)
    for command in ("check", "explain"):
        done = xpnet(tmp_path, command, "-c", "xpnet.yaml", "in.yaml")
        assert "Traceback" not in done.stderr and "s3cret" not in done.stdout + done.stderr
        assert done.returncode == (1 if command == "check" else 0), done.stderr


# 9. Files: a symlink stays a link; one unwritable file means nothing is written.
def test_fix_writes_through_symlinks(tmp_path: Path) -> None:
    (tmp_path / "xpnet.yaml").write_text(CONFIG_YAML)
    real = tmp_path / "real.yaml"
    real.write_text(core("        env: []\n"))
    (tmp_path / "link.yaml").symlink_to("real.yaml")
    done = xpnet(tmp_path, "fix", "-c", "xpnet.yaml", "link.yaml")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.yaml").is_symlink()
    assert "NO_PROXY" in real.read_text()


def test_one_unwritable_file_means_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "xpnet.yaml").write_text(CONFIG_YAML)
    text = core("        env: []\n")
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text.replace("crossplane-system", "other"))
    (tmp_path / "b.yaml").chmod(0o444)
    done = xpnet(tmp_path, "fix", "-c", "xpnet.yaml", "a.yaml", "b.yaml")
    assert done.returncode == 1 and "nothing was written" in done.stderr, done.stderr
    assert (tmp_path / "a.yaml").read_text() == text


# 10. Each file is its own install: a 1.19 file fails next to a 2.1 file.
def test_each_file_is_judged_with_its_own_version() -> None:
    no_pod = NO_PROXY.replace(",10.244.0.0/16", "")
    env = "".join(
        f"        - name: {n}\n          value: '{NO_PROXY if 'NO' in n.upper() else PROXY}'\n"
        for n in SIX
    )
    good_21 = core("        env:\n" + env.replace(NO_PROXY, no_pod))
    old_119 = core("        env:\n" + env.replace(NO_PROXY, no_pod), tag="v1.19.2")
    failed, rules = check(good_21, old_119)
    assert failed and "XPN004" in rules
    assert "XPN004" not in check(good_21)[1]


# 11. The configured namespace must be the core's: reported in both modes, nothing written.
def test_namespace_mismatch() -> None:
    text = core("        env: []\n").replace("crossplane-system", "upbound-system")
    failed, rules = check(text, crossplane={"namespace": "crossplane-system"})
    assert failed and "XPN017" in rules
    outcome = run_streams(
        config("fix", crossplane={"namespace": "crossplane-system"}), [Source("a.yaml", text)]
    )
    assert outcome.outcome.failed and outcome.outputs["a.yaml"] == text


# 12. Check fails on a differing proxy URL; a stale grpc_proxy is fixed and reported; replace
# reports the * it drops; a DRC whose containers is a map is refused.
def test_check_fails_where_fix_would_change_the_url() -> None:
    env = "".join(
        f"        - name: {n}\n          value: '{NO_PROXY if 'NO' in n.upper() else PROXY}'\n"
        for n in SIX
    )
    assert check(core("        env:\n" + env)) == (False, [])
    failed, rules = check(core("        env:\n" + env.replace(PROXY, "http://old:3128")))
    assert failed and rules.count("XPN016") == 1, "one finding for the container's four URLs"


def test_stale_grpc_proxy_follows_https_proxy(goyaml: Path) -> None:
    text = core("        env:\n        - name: grpc_proxy\n          value: http://old:1\n")
    after = assert_fixed(goyaml, text)
    assert env_of(after[0])["grpc_proxy"] == PROXY
    assert "XPN016" in check(text)[1]


def test_replace_reports_the_star_it_drops() -> None:
    text = core("        env:\n        - name: NO_PROXY\n          value: '*'\n")
    failed, rules = check(text, policy={"existingEntries": "replace"})
    assert "XPN008" in rules and failed


def test_runtime_config_containers_as_a_map_is_refused() -> None:
    text = (
        "apiVersion: pkg.crossplane.io/v1beta1\nkind: DeploymentRuntimeConfig\nmetadata:\n"
        "  name: x\nspec:\n  deploymentTemplate:\n    spec:\n      selector: {}\n"
        "      template:\n        spec:\n          containers:\n            package-runtime: {}\n"
    )
    with pytest.raises(InputError, match=r"containers must be a list of containers"):
        fix(text)


# 13. Say when nothing was found; severities and a summary; lines point at the variable.
@pytest.mark.slow
def test_nothing_found_severity_summary_and_lines(tmp_path: Path) -> None:
    (tmp_path / "xpnet.yaml").write_text(CONFIG_YAML)
    (tmp_path / "none.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (tmp_path / "in.yaml").write_text(
        core(
            "        env:\n        - name: A\n          value: a\n"
            "        - name: HTTPS_PROXY\n          value: http://old:1\n"
        )
    )
    none = xpnet(tmp_path, "check", "-c", "xpnet.yaml", "none.yaml")
    assert none.returncode == 1 and "none.yaml: no Crossplane resources found" in none.stderr
    assert "nothing was checked" in none.stderr
    none = xpnet(tmp_path, "check", "-c", "xpnet.yaml", "--allow-empty", "none.yaml")
    assert none.returncode == 0 and "nothing to do" in none.stderr
    done = xpnet(tmp_path, "check", "-c", "xpnet.yaml", "in.yaml", "none.yaml")
    lines = done.stdout.splitlines()
    assert any(  # one finding for the container, at the first of its variables that is set
        line.startswith("in.yaml:19: error: ") and "HTTPS_PROXY is 'http://old:1'" in line
        for line in lines
    ), lines
    assert lines[-1] == "3 errors, 1 warning in 2 files (1 without Crossplane resources)"
    krm = transform(wrap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", CONFIG_YAML))
    assert krm.code == 0 and "no Crossplane resources found" in krm.stderr[0]
    assert 'message: "no Crossplane resources found' in krm.stdout.split("\nresults:\n")[1]


# Verification turns a splicer bug into a refusal.
def test_a_wrong_splice_is_refused_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from xpnet import engine

    monkeypatch.setattr(engine, "rewrite", lambda doc, *_: doc.segment.text + "oops: 1\n")
    with pytest.raises(XpnetError, match="internal error: the rewritten document does not read"):
        fix(core("        env: []\n"))


# values prints exactly what fix writes.
@pytest.mark.slow
def test_values_is_what_fix_writes(tmp_path: Path) -> None:
    data = yaml.safe_load(CONFIG_YAML)
    data["spec"]["proxy"]["grpcProxy"] = "http://grpc.corp.example:3128"
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(data))
    done = xpnet(tmp_path, "values", "-c", "xpnet.yaml")
    values = yaml.safe_load(done.stdout)["extraEnvVarsCrossplane"]
    written = fix(core("        env: []\n"), proxy={"grpcProxy": "http://grpc.corp.example:3128"})
    assert values == env_of(yaml.safe_load(written))
    data["spec"]["proxy"]["credentialsSecret"] = {"name": "proxy-creds"}
    (tmp_path / "xpnet.yaml").write_text(yaml.safe_dump(data))
    refused = xpnet(tmp_path, "values", "-c", "xpnet.yaml")
    assert refused.returncode == 1 and "post-renderer" in refused.stderr


# The nesting bound holds for every form, before any parser sees the input (item 7).
NESTING = {
    "block mapping": lambda n: (
        "deep:\n" + "".join(" " * i + f"k{i}:\n" for i in range(n)) + " " * n + "v\n"
    ),
    "block sequence": lambda n: (
        "deep:\n" + "".join(" " * i + "-\n" for i in range(n)) + " " * n + "a\n"
    ),
    "compact sequence": lambda n: "deep:\n" + "- " * n + "a\n",
    "flow sequence": lambda n: "deep: " + "[" * n + "]" * n + "\n",
    "flow mapping": lambda n: "deep: " + "{a: " * n + "1" + "}" * n + "\n",
    "block and flow": lambda n: (
        "deep:\n" + "- " * (n // 2) + "[" * (n // 2) + "]" * (n // 2) + "\n"
    ),
}


@pytest.mark.parametrize("form", sorted(NESTING))
def test_nesting_is_bounded_in_every_form(form: str) -> None:
    text = core("        env: []\n") + NESTING[form](150)
    assert "NO_PROXY" in fix(text)
    for n in (250, 5_000):
        with pytest.raises(InputError, match="nests more than 200 levels deep"):
            fix(core("        env: []\n") + NESTING[form](n))
