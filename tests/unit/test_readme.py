"""The README and every page of the docs site are tested: every fenced block is run here, checked
here, run by a named test, or marked as illustrative, on the line before the block:

    <!-- run -->                 each line runs from the repository root (xpnet and the real tools
    <!-- run: exit 1 -->         on PATH) and must exit so, with output and no traceback
    <!-- tested: tests/x.py::test_name -->   a test runs it (the test must exist)
    <!-- tested: .ci/run -->     a script that runs its commands
    <!-- illustrative: why -->   not executed (it needs a cluster, a published release, ...)
    <!-- output -->              what a command prints

YAML and JSON blocks without a marker must parse; a ClusterNetwork among them must load."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

import pytest
import yaml

from tests.conftest import BIN_DIR, ROOT, tools
from xpnet.config import load_config

README = ROOT / "README.md"
MARKER = re.compile(r"^<!-- (run|tested|illustrative|output)(?:: (.*?))? -->$")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    lang: str
    body: str
    marker: str | None
    argument: str | None
    page: str = "README.md"  # relative to the repository root


def blocks(text: str, page: str = "README.md") -> list[Block]:
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        found = FENCE.match(lines[i])
        if found is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```"))
        before = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marker = MARKER.match(before)
        out.append(
            Block(
                i + 1,
                found.group(2),
                "\n".join(line[len(found.group(1)) :] for line in lines[i + 1 : end]) + "\n",
                marker.group(1) if marker else None,
                marker.group(2) if marker else None,
                page,
            )
        )
        i = end + 1
    return out


# Read at collection: the tests are parametrized over the blocks, named page:line.
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
BLOCKS = [b for p in PAGES for b in blocks(p.read_text(), str(p.relative_to(ROOT)))]


def _id(block: Block) -> str:
    return f"{block.page}:{block.line}-{block.lang or 'text'}"


@pytest.mark.parametrize("block", BLOCKS, ids=_id)
def test_every_block_is_run_checked_or_marked(block: Block) -> None:
    if block.marker == "tested":
        assert block.argument, f"{block.page} line {block.line}: tested: which test?"
        path, _, name = block.argument.partition("::")
        text = (ROOT / path).read_text()
        if name:
            assert f"def {name}(" in text, f"{block.argument} does not exist"
        else:  # a script that runs the block's commands (.ci/run runs scripts/test)
            for command in block.body.split():
                assert command in text, f"{path} does not run {command}"
        return
    if block.marker in ("run", "illustrative", "output"):
        return
    assert block.lang in ("yaml", "json"), (
        f"{block.page} line {block.line}: a {block.lang or 'plain'} block needs a marker: "
        "<!-- run -->, <!-- tested: ... -->, <!-- illustrative: ... --> or <!-- output -->"
    )
    docs = [d for d in yaml.safe_load_all(block.body) if d is not None]
    assert docs, f"{block.page} line {block.line}: an empty block"
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "ClusterNetwork":
            load_config(doc, f"{block.page} line {block.line}")


RUN = [b for b in BLOCKS if b.marker == "run"]


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN, ids=_id)
def test_run_blocks_run_as_written(block: Block) -> None:
    expected = int(block.argument.removeprefix("exit ")) if block.argument else 0
    kustomize = tools.kustomize_path(tools.KUSTOMIZE_VERSIONS[0])
    tool_dirs = [tools.helm_path("3").parent, kustomize.parent]
    path = os.pathsep.join([str(BIN_DIR), *map(str, tool_dirs), "/usr/bin", "/bin"])
    for command in (c for c in block.body.splitlines() if c.strip() and not c.startswith("#")):
        done = subprocess.run(
            command,
            shell=True,
            cwd=ROOT,
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == expected, (block.line, command, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (block.line, command)
        assert (done.stdout + done.stderr).strip(), (block.line, command, "printed nothing")


def test_the_parser_sees_markers() -> None:
    sample = "x\n<!-- run: exit 1 -->\n```sh\nxpnet check a\n```\n\n```yaml\na: 1\n```\n"
    assert blocks(sample) == [
        Block(3, "sh", "xpnet check a\n", "run", "exit 1"),
        Block(7, "yaml", "a: 1\n", None, None),
    ]
    assert any(b.page == "README.md" for b in BLOCKS), "the README's blocks are checked too"
