"""Check mode: the rule catalogue judges the manifests as they are, and every variable fix would
change is an error (XPN016); nothing is changed. `lint` leaves XPN016 out, to see the rules."""

from __future__ import annotations

import pytest

from tests.resource_lists import transform, wrap

CONFIG = """\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp
spec:
  proxy:
    httpsProxy: {proxy}
  cluster:
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
  policy:
    mode: check
"""
GOOD = (  # what fix writes for this config
    "localhost,127.0.0.1,::1,10.96.0.1,kubernetes.default.svc,kubernetes.default.svc.cluster.local,"
    ".svc,.cluster.local,crossplane-system,.crossplane-system,10.244.0.0/16,10.96.0.0/12"
)


def core(tag: str, env: dict[str, str], init_env: dict[str, str] | None = None) -> str:
    def block(values: dict[str, str], indent: str) -> str:
        return "".join(f"{indent}- name: {k}\n{indent}  value: '{v}'\n" for k, v in values.items())

    init = ""
    if init_env is not None:
        init = (
            "      initContainers:\n      - name: crossplane-init\n"
            f"        image: crossplane:{tag}\n        args: [core, init]\n        env:\n"
            + block(init_env, "        ")
        )
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crossplane\n"
        "  namespace: crossplane-system\nspec:\n  template:\n    spec:\n"
        + init
        + "      containers:\n      - name: crossplane\n"
        f"        image: crossplane:{tag}\n        args: [core, start]\n        env:\n"
        + block(env, "        ")
    )


def both(proxy: str, no_proxy: str) -> dict[str, str]:
    return {
        "HTTP_PROXY": proxy,
        "http_proxy": proxy,
        "HTTPS_PROXY": proxy,
        "https_proxy": proxy,
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }


def run(manifest: str, proxy: str = "http://proxy:3128") -> tuple[list[str], int, str, str]:
    text = wrap(manifest, CONFIG.format(proxy=proxy))
    response = transform(text)
    return response.stderr, response.code, response.stdout, text


def rules(lines: list[str]) -> list[str]:
    return [word for line in lines for word in line.split() if word.startswith("XPN")]


def lint(lines: list[str]) -> list[str]:
    return [rule for rule in rules(lines) if rule != "XPN016"]


@pytest.mark.parametrize("tag", ["v1.19.2", "v2.1.0", "v0.0.1"])
def test_a_complete_install_passes_and_is_not_changed(tag: str) -> None:
    stderr, code, stdout, text = run(core(tag, both("http://proxy:3128", GOOD)))
    assert code == 0 and stderr == []
    assert stdout == text


def test_crossplane_1_19_needs_the_pod_cidr() -> None:
    no_proxy = GOOD.replace(",10.244.0.0/16", "")
    stderr, code, _, _ = run(core("v1.19.2", both("http://proxy:3128", no_proxy)))
    assert code == 1
    assert rules(stderr) == ["XPN004", "XPN016"], "one error a variable: no_proxy gets XPN016"
    assert "function pods in 10.244.0.0/16" in stderr[0]
    assert "grpc-go 1.68.0" in stderr[0] and "add 10.244.0.0/16" in stderr[0]


def test_a_covering_cidr_satisfies_the_rule_but_fix_would_still_add_the_pod_cidr() -> None:
    no_proxy = GOOD.replace(",10.244.0.0/16", ",10.0.0.0/8")
    stderr, code, _, _ = run(core("v1.19.2", both("http://proxy:3128", no_proxy)))
    assert lint(stderr) == [], stderr
    assert code == 1 and rules(stderr) == ["XPN016"], "one finding for the container"
    assert "NO_PROXY, no_proxy: XPN016 lacks 10.244.0.0/16; run xpnet fix" in stderr[0]


def test_crossplane_2_needs_the_namespace() -> None:
    no_proxy = GOOD.replace(",crossplane-system,.crossplane-system", "")
    stderr, code, _, _ = run(core("v2.1.0", both("http://proxy:3128", no_proxy)))
    assert code == 1 and lint(stderr) == ["XPN004"]
    assert "add .crossplane-system" in stderr[0]
    # 1.19 does not match the host name, so no rule fails there (fix would still add it).
    assert lint(run(core("v1.19.2", both("http://proxy:3128", no_proxy)))[0]) == []


def test_unknown_version_requires_both_forms() -> None:
    no_pod = GOOD.replace(",10.244.0.0/16", "")
    no_ns = GOOD.replace(",crossplane-system,.crossplane-system", "")
    assert lint(run(core("v0.0.1", both("http://proxy:3128", no_pod)))[0]) == ["XPN004"]
    assert lint(run(core("v0.0.1", both("http://proxy:3128", no_ns)))[0]) == ["XPN004"]


def test_api_server_must_be_covered_by_ip_in_every_container() -> None:
    no_proxy = GOOD.replace(",10.96.0.1", "").replace(",10.96.0.0/12", "")
    stderr, code, _, _ = run(
        core(
            "v2.1.0", both("http://proxy:3128", GOOD), init_env={"HTTPS_PROXY": "http://p:1"}
        ).replace(GOOD, no_proxy, 2)
    )
    assert code == 1
    assert "XPN003" in rules(stderr)
    init = [line for line in stderr if "container crossplane-init" in line]
    assert any("XPN003" in line and "10.96.0.1:443" in line for line in init)


def test_case_mismatch_is_an_error_and_one_case_missing_a_warning() -> None:
    env = both("http://proxy:3128", GOOD) | {"no_proxy": "localhost"}
    stderr, code, _, _ = run(core("v2.1.0", env))
    assert code == 1 and "XPN002" in rules(stderr)
    env = both("http://proxy:3128", GOOD)
    del env["https_proxy"]
    stderr, code, _, _ = run(core("v2.1.0", env))
    assert code == 1 and rules(stderr) == ["XPN012", "XPN016"]
    assert "https_proxy" in stderr[0] and "https_proxy: XPN016 is not set" in stderr[1]


def test_values_differing_between_containers_are_reported() -> None:
    stderr, code, _, _ = run(
        core(
            "v2.1.0",
            both("http://proxy:3128", GOOD),
            init_env=both("http://other:3128", GOOD + ",extra"),
        )
    )
    assert code == 1, "fix would make them equal"
    lines = [line for line in stderr if "XPN001" in line]
    assert len(lines) == 1 and "crossplane-init" in lines[0], "one finding for the container"
    assert all(name in lines[0] for name in ("HTTP_PROXY", "https_proxy", "NO_PROXY", "no_proxy"))


def test_missing_proxy_and_http_only() -> None:
    stderr, code, _, _ = run(
        core("v2.1.0", {"HTTP_PROXY": "http://p:1", "http_proxy": "http://p:1"})
    )
    assert code == 1
    assert set(lint(stderr)) == {"XPN005", "XPN011"}


def test_https_proxy_url_and_inline_credentials_never_leak() -> None:
    secret = "s3cr3t-pw"
    url = f"http://user:{secret}@proxy:3128"
    stderr, _, stdout, _ = run(core("v2.1.0", both(url, GOOD)), proxy=f"https://user:{secret}@p:1")
    assert "XPN006" in rules(stderr) and "XPN015" in rules(stderr)
    assert secret not in "\n".join(stderr)
    assert secret not in stdout.split("\nresults:\n")[1]


@pytest.mark.parametrize(
    "entry", ["*.corp.example", ".corp.example", "[fd00::1]:443", "fd00::1", "registry:5000"]
)
def test_an_entry_the_configuration_accepts_is_one_check_accepts_after_fix(entry: str) -> None:
    """The other direction of the configuration's refusal of unusable entries: what fix
    writes, check never calls unusable (XPN007, XPN008)."""
    config = CONFIG.format(proxy=f"http://proxy:3128\n    noProxy: ['{entry}']")
    fixed = transform(wrap(core("v2.1.0", {}), config.replace("mode: check", "mode: fix")))
    assert fixed.code == 0, fixed.stderr
    assert entry in fixed.stdout
    checked = transform(fixed.stdout.replace("mode: fix", "mode: check"))
    assert (checked.code, checked.stderr) == (0, [])
