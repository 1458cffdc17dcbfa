"""The hostile NetworkPolicy cases of tests/adversarial/netpol/ (see the README there) through
every path that writes or judges the policies, with LF and with CRLF line ends."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.resource_lists import transform, wrap
from xpnet.adapters import cli
from xpnet.adapters.streams import filter_bytes
from xpnet.errors import XpnetError

CASES = sorted((ROOT / "tests" / "adversarial" / "netpol").glob("*.yaml"))
PASSWORD = "Pw-x7Q9-secret"
NEWLINES = {"LF": "\n", "CRLF": "\r\n"}


def load(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(case.read_text())
    data.setdefault("expect", {})
    return data


def cli_run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(args)
    return code, out.getvalue(), err.getvalue()


def clean(said: str) -> None:
    assert "Traceback" not in said, said
    assert PASSWORD not in said, said


def same_line_ends(text: str, newline: str) -> None:
    bare = text.count("\n") - text.count("\r\n")
    if newline == "\r\n":
        assert bare == 0, f"{bare} LF line ends in a CRLF file"
    else:
        assert "\r\n" not in text


@pytest.fixture(params=CASES, ids=lambda p: p.stem)
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


@pytest.mark.parametrize("ends", NEWLINES)
def test_the_case_through_every_path(case: dict[str, Any], ends: str, tmp_path: Path) -> None:
    newline = NEWLINES[ends]
    expect = case["expect"]
    doc = {"apiVersion": "xpnet.dev/v1alpha1", "kind": "ClusterNetwork", "metadata": {"name": "c"}}
    config_text = json.dumps({**doc, "spec": case["config"]}) + "\n"
    config = tmp_path / "xpnet.yaml"
    config.write_text(config_text)
    source = case["input"].replace("\n", newline)
    target = tmp_path / "crossplane.yaml"
    target.write_bytes(source.encode())
    paths = ["fix", "check", "netpol"]

    if "refused" in expect:
        for command in paths:
            code, out, err = cli_run([command, "-c", str(config), str(target)])
            clean(err)
            assert code == 1 and out == "", (command, out)
            assert all(text in err for text in expect["refused"]), (command, err)
        assert target.read_bytes() == source.encode()  # nothing written
        helm_out, lines, code = filter_bytes(source.encode(), str(config))
        assert (helm_out, code) == ("", 1)
        clean("\n".join(lines))
        with pytest.raises(XpnetError) as refusal:  # krm.main prints it and exits 1
            transform(wrap(case["input"], config_text))
        clean(refusal.value.render())
        assert all(text in refusal.value.render() for text in expect["refused"])
        return

    fails = expect.get("fails", False)
    code, out, said = cli_run(["check", "-c", str(config), str(target)])
    said += out
    clean(said)
    assert code == 1  # the policies are missing, at least
    assert all(rule in said for rule in expect.get("rules", [])), said

    code, _, said = cli_run(["fix", "-c", str(config), str(target)])
    clean(said)
    assert code == (1 if fails else 0), said
    assert all(rule in said for rule in expect.get("rules", [])), said
    fixed = target.read_bytes().decode()
    helm_out, lines, helm_code = filter_bytes(source.encode(), str(config))
    clean("\n".join(lines))
    assert helm_code == code
    answer = transform(wrap(case["input"], config_text))
    clean("\n".join(answer.stderr))
    assert answer.code == code
    netpol_code, printed, said = cli_run(["netpol", "-c", str(config), str(target)])
    clean(said + printed)
    blocked = {"XPN050", "XPN051"} & set(expect.get("rules", [])) or "netpol" in expect
    assert (netpol_code, printed == "") == ((1, True) if blocked else (0, False)), said
    assert expect.get("netpol", "") in said
    if fails:
        assert fixed == source  # nothing written
        return
    same_line_ends(fixed, newline)
    assert fixed == helm_out  # the post-renderer gives what fix writes
    assert PASSWORD not in fixed[fixed.find("kind: NetworkPolicy") :]
    for text in expect.get("contains", []):
        assert text.replace("\n", newline) in fixed, text
    for text in expect.get("absent", []):
        assert text not in fixed, text
    code, out, said = cli_run(["check", "-c", str(config), str(target)])
    said += out
    assert code == 0, said  # what fix wrote passes check
    assert all(rule in said for rule in expect.get("rules", [])), said  # warnings stay said
    code, _, said = cli_run(["fix", "-c", str(config), str(target)])
    assert code == 0 and target.read_bytes().decode() == fixed, said  # a second run: nothing
    again, _, _ = filter_bytes(helm_out.encode(), str(config))
    assert again == helm_out
    out = answer.stdout
    items = yaml.safe_load(out)["items"]
    twice = transform(out)
    assert yaml.safe_load(twice.stdout)["items"] == items
    kinds = [i["kind"] for i in items]
    assert kinds.count("NetworkPolicy") == fixed.count("kind: NetworkPolicy")


@pytest.mark.parametrize("name", ["cloud-aws-dual-stack", "user-labels-kept"])
def test_a_resource_list_in_crlf_gets_its_policies_in_crlf(name: str) -> None:
    """kustomize writes LF; another orchestrator may not: the items added or replaced follow
    the list."""
    case = load(ROOT / "tests" / "adversarial" / "netpol" / f"{name}.yaml")
    doc = {"apiVersion": "xpnet.dev/v1alpha1", "kind": "ClusterNetwork", "metadata": {"name": "c"}}
    config_text = json.dumps({**doc, "spec": case["config"]}) + "\n"
    resource_list = wrap(case["input"], config_text).replace("\n", "\r\n")
    out = transform(resource_list).stdout
    items = out[: out.index("results:")] if "results:" in out else out
    assert items.count("kind: NetworkPolicy") == 4
    assert re.search(r"[^\r]\n", items) is None
    again = transform(out).stdout  # a second run changes no item
    assert again[: again.index("functionConfig:")] == out[: out.index("functionConfig:")]
