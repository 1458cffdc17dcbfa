"""Proxy credentials never reach a diagnostic; with a credentials Secret they never reach the
manifests either."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN_DIR, ROOT
from tests.resource_lists import wrap

PASSWORD = "s3cr3t-Pa55"
BIN = BIN_DIR


@functools.cache
def install() -> str:
    """The credentials-secret golden case's input with this module's password, read once."""
    path = ROOT / "tests" / "cases" / "credentials-secret" / "input.yaml"
    return path.read_text().replace("hunter2", PASSWORD)


CONFIG = f"""\
apiVersion: xpnet.dev/v1alpha1
kind: ClusterNetwork
metadata:
  name: corp
spec:
  proxy:
    httpsProxy: https://bob:{PASSWORD}@proxy.corp.example:3128
    noProxy: ["[fd00::1]:443"]
  cluster:
    podCIDRs: [10.244.0.0/16]
    serviceCIDRs: [10.96.0.0/12]
"""


def run(args: list[str], stdin: str, tmp_path: Path) -> tuple[str, str]:
    done = subprocess.run(
        args,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "XPNET_LOG_FILE": str(tmp_path / "log")},
    )
    log = (tmp_path / "log").read_text() if (tmp_path / "log").exists() else ""
    return done.stdout, done.stderr + log


def xpnet(mode: str, config: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "xpnet"), mode, "-c", str(config), str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def diagnostics(tmp_path: Path, config: str) -> list[str]:
    """stderr, results and logs of every entry point, on success and on failure."""
    (tmp_path / "xpnet.yaml").write_text(config)
    (tmp_path / "install.yaml").write_text(install())
    c = str(tmp_path / "xpnet.yaml")
    out = []
    stdout, stderr = run([str(BIN / "xpnet-fn")], wrap(install(), config), tmp_path)
    out += [stderr, stdout.split("\nresults:\n")[-1]]
    for mode in ("fix", "check"):
        out.append(
            run([str(BIN / "xpnet"), mode, "-c", c, str(tmp_path / "install.yaml")], "", tmp_path)[
                1
            ]
        )
    out.append(
        run(
            [str(BIN / "xpnet"), "check", "-o", "json", "-c", c, str(tmp_path / "install.yaml")],
            "",
            tmp_path,
        )[0]
    )
    out.append(run([str(BIN / "xpnet-helm"), f"--config={c}"], install(), tmp_path)[1])
    out.append(run([str(BIN / "xpnet"), "noproxy", "--explain", "-c", c], "", tmp_path)[0])
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    "breakage",
    ["", "podCIDRs: [10.244.0.0/99]", "httpsProxy: ftp://bob:" + PASSWORD + "@proxy:1"],
    ids=["valid", "bad-cidr", "bad-url"],
)
def test_password_never_appears_in_diagnostics(breakage: str, tmp_path: Path) -> None:
    config = CONFIG
    if breakage.startswith("podCIDRs"):
        config = config.replace("podCIDRs: [10.244.0.0/16]", breakage)
    elif breakage:
        config = config.replace(
            f"httpsProxy: https://bob:{PASSWORD}@proxy.corp.example:3128", breakage
        )
    texts = diagnostics(tmp_path, config)
    assert any(t.strip() for t in texts)
    for text in texts:
        assert PASSWORD not in text
    if not breakage:
        joined = "\n".join(texts)
        assert "XPN015" in joined and "XPN006" in joined


def test_secret_mode_keeps_the_password_out_of_the_manifests(tmp_path: Path) -> None:
    config = CONFIG.replace(f"https://bob:{PASSWORD}@", "http://").replace(
        "    noProxy:", "    credentialsSecret: {name: proxy-credentials}\n    noProxy:"
    )
    (tmp_path / "xpnet.yaml").write_text(config)
    target = tmp_path / "install.yaml"
    target.write_text(install())
    done = xpnet("fix", tmp_path / "xpnet.yaml", target)
    assert done.returncode == 0, done.stderr
    fixed = target.read_text()
    assert PASSWORD not in fixed and PASSWORD not in done.stderr
    assert "$(XPNET_PROXY_PASSWORD)" in fixed and "secretKeyRef" in fixed
    check = xpnet("check", tmp_path / "xpnet.yaml", target)
    assert "XPN015" not in check.stdout


def test_inline_credentials_warn_but_fix_succeeds(tmp_path: Path) -> None:
    (tmp_path / "xpnet.yaml").write_text(CONFIG.replace("https://", "http://"))
    target = tmp_path / "install.yaml"
    target.write_text(install())
    done = xpnet("fix", tmp_path / "xpnet.yaml", target)
    assert done.returncode == 0
    assert "XPN015" in done.stderr and PASSWORD not in done.stderr
    assert PASSWORD in target.read_text(), "the manifests carry the URL the user configured"
    check = xpnet("check", tmp_path / "xpnet.yaml", target)
    assert check.returncode == 0 and "XPN015" in check.stdout


def test_a_crash_prints_its_traceback_without_the_password() -> None:
    program = (
        "from xpnet import credentials\n"
        "from xpnet.adapters.console import exit_with\n"
        "credentials.remember('http://bob:Cr4shS3cret@proxy:3128')\n"
        "def main():\n"
        "    raise ValueError('while reading http://bob:Cr4shS3cret@proxy:3128: Cr4shS3cret')\n"
        "exit_with(main)\n"
    )
    done = subprocess.run(
        [str(BIN / "python"), "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "ValueError" in done.stderr and "Traceback" in done.stderr
    assert "Cr4shS3cret" not in done.stderr


# Every way a password is written into a proxy URL that a client reads as credentials.
INLINE_FORMS = [
    "http://us%40er:p@ss/w?rd#x@proxy:3128",
    "user:pass@proxy:3128",
    "http://bob:p@ss@proxy:3128",
    "http://bob:pa/ss@proxy:3128",
    "http://bob:pa%2Fss@proxy:3128",
    "http://bob:pä😀@proxy:3128",
    "HTTP://bob:pass@PROXY:3128/",
    "http://token@proxy:3128",
    "https://bob:pass@proxy:3128",
    "socks5://bob:pass@proxy:1080",
    " http://bob:pass@proxy:3128 ",
    "http://$(XPNET_PROXY_USERNAME):literal@proxy:3128",
]


@pytest.mark.parametrize("url", INLINE_FORMS)
@pytest.mark.parametrize(
    "var", ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "grpc_proxy", "ALL_PROXY"]
)
def test_the_inline_credentials_rule_fires_for_every_form(url: str, var: str) -> None:
    from tests.secret_leaks import config, manifests
    from xpnet.adapters.streams import run_streams
    from xpnet.config import load_config, with_mode
    from xpnet.yaml.nodes import compose, to_data
    from xpnet.yaml.stream import Source

    text = config("config:httpsProxy", "http://proxy.corp.example:3128", False)
    conf = with_mode(load_config(to_data(compose(text, "c"), "c"), "c"), "check")
    install = manifests(f"core:{var}", url)
    findings = run_streams(conf, [Source("install.yaml", install)]).outcome.findings
    fired = [f for f in findings if f.rule.id == "XPN015" and f.var == var]
    assert fired, [f"{f.rule.id} {f.var} {f.message}" for f in findings]
    shown = " ".join(f.message for f in findings)
    assert not any(s in shown for s in (":pass@", "p@ss", "pa/ss", "pa%2Fss", "token@", "literal"))


def test_secret_references_are_not_inline() -> None:
    from xpnet.credentials import inline

    assert not inline("http://$(XPNET_PROXY_USERNAME):$(XPNET_PROXY_PASSWORD)@proxy:3128")
