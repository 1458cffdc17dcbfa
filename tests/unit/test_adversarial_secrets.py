"""Hostile inputs that once printed a proxy password, or could: tests/adversarial/secrets/.
cases.yaml puts URLs where a slot says and runs every command and output format in this
process; each other file is a configuration or a manifest run through the entry points that
read it (the CLI, the KRM function, the Helm post-renderer as console scripts)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import BIN_DIR, ROOT
from tests.resource_lists import wrap
from tests.secret_leaks import ALLOWED_LINE, SLOTS, Output, config, manifests, runs

HERE = ROOT / "tests" / "adversarial" / "secrets"
BIN = BIN_DIR
# Read at collection: the tests are parametrized over the cases, named by their slot.
CASES: list[dict[str, Any]] = YAML(typ="safe").load((HERE / "cases.yaml").read_text())
FILES = sorted(p for p in HERE.glob("*.yaml") if p.name != "cases.yaml")


def hidden(output: Output, never: list[str], given: frozenset[str] = frozenset()) -> list[str]:
    """What `output` shows of `never`; data may hold it as a proxy setting's value or in a
    line of the input given back as it was (`given`, stripped)."""
    found = []
    for secret in never:
        if secret.lower() in output.diagnostics.lower():
            found.append(f"{output.what}: diagnostics hold {secret!r}:\n{output.diagnostics}")
        for line in output.data.splitlines():
            if line.strip() in given:
                continue
            if secret.lower() in line.lower() and not ALLOWED_LINE.match(line):
                found.append(f"{output.what}: data line {line!r} holds {secret!r}")
    if "Traceback" in output.diagnostics or output.code not in (0, 1):
        found.append(f"{output.what}: exit {output.code}:\n{output.diagnostics}")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[f"{c['slot']}-{i}" for i, c in enumerate(CASES)])
def test_a_hostile_url_in_every_command(case: dict[str, Any], tmp_path: Path) -> None:
    assert case["slot"] in SLOTS
    found = [
        leak
        for netpol in (False, True)
        for output in runs(tmp_path, case["slot"], case["url"], netpol)
        for leak in hidden(output, case["never"])
    ]
    assert not found, "\n".join(found)


def header(path: Path) -> tuple[dict[str, str], str]:
    """The file's `# key: value` header and the rest."""
    text = path.read_text()
    fields = dict(re.findall(r"^# (\w+): (.*)$", text, re.M))
    return fields, re.sub(r"\A(?:#.*\n)+", "", text)


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_a_hostile_file_through_the_console_scripts(path: Path, tmp_path: Path) -> None:
    fields, text = header(path)
    never = [s.strip() for s in fields["never"].split(",")]
    plain = config("config:httpsProxy", "http://proxy.corp.example:3128", False)
    install = manifests("core:HTTPS_PROXY", "http://proxy.corp.example:3128")
    if fields["as"] == "config":
        conf, install_text = text, install
    else:
        conf, install_text = plain, text
    (tmp_path / "xpnet.yaml").write_text(conf)
    (tmp_path / "install.yaml").write_text(install_text)
    (tmp_path / "log").unlink(missing_ok=True)
    env = {"PATH": "/usr/bin:/bin", "XPNET_LOG_FILE": str(tmp_path / "log")}
    c, target = str(tmp_path / "xpnet.yaml"), str(tmp_path / "install.yaml")

    def run(args: list[str], stdin: str = "", data: bool = False) -> Output:
        done = subprocess.run(
            args, input=stdin, capture_output=True, text=True, timeout=60, env=env
        )
        log = (tmp_path / "log").read_text() if (tmp_path / "log").exists() else ""
        out, _, results = done.stdout.partition("\nresults:\n")  # xpnet-fn: items, results
        if not data:
            out, results = "", done.stdout
        return Output(" ".join(args[:2]), done.returncode, out, results + done.stderr + log)

    outputs = [
        run([str(BIN / "xpnet"), "check", "-o", form, "-c", c, target])
        for form in ("text", "json", "sarif")
    ]
    outputs.append(run([str(BIN / "xpnet"), "explain", "-c", c, target]))
    outputs.append(run([str(BIN / "xpnet-helm"), f"--config={c}"], install_text, data=True))
    outputs.append(run([str(BIN / "xpnet-fn")], wrap(install_text, conf), data=True))
    given = frozenset(line.strip() for line in (conf + install_text).splitlines())
    found = [leak for output in outputs for leak in hidden(output, never, given)]
    assert not found, "\n".join(found)
    assert any(o.code == 1 for o in outputs), "the hostile file was not refused anywhere"
