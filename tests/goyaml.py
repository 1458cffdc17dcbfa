"""YAML read as kubectl reads it: sigs.k8s.io/yaml through tests/goyaml (built by scripts/tools.py);
with `v3`, as kustomize and kpt read it (yaml.v3: YAML 1.2, where sigs.k8s.io/yaml follows 1.1).

A second parser beside libyaml. Each stream is split into documents like kubectl apply -f splits
them (apimachinery's YAMLReader) and each document converted with yaml.YAMLToJSONStrict, so the
values keep the types Go gives them; empty, comment-only and null documents are dropped.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import tools


def go_load(
    texts: list[str], binary: Path | None = None, v3: bool = False
) -> list[list[Any] | str]:
    """Per stream, its documents as Go reads them, or Go's error message; one process per batch."""
    done = subprocess.run(
        [str(binary or tools.goyaml_path()), *(["v3"] if v3 else [])],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        encoding="utf-8",  # Go writes UTF-8 whatever the locale
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"goyaml exited {done.returncode}: {done.stderr[-2000:]}")
    results = json.loads(done.stdout)
    assert len(results) == len(texts), (len(results), len(texts))
    return [r["docs"] if "docs" in r else r["error"] for r in results]
