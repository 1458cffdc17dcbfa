"""Real HTTPS clients against a corporate and a public test CA, in namespaces of their own
(tests/differential/trust_runner.py says what the namespace holds and what a case is)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN_DIR, IN_CI, ROOT, require, tools
from tests.differential.trust_runner import create_missing, mount_points, remove_created

HERE = ROOT / "tests" / "differential"
PYTHON = str(BIN_DIR / "python")
REGISTRY_URL = "https://registry.corp.internal/v2/"  # signed by the corporate CA
PUBLIC_URL = "https://public.example/"  # signed by the public CA, in /etc/ssl/certs only
CLIENTS = ("go", "crossplane-core", "python-ssl", "python-requests", "node")


def missing(what: str) -> None:
    (pytest.fail if IN_CI else pytest.skip)(f"REAL TOOL MISSING: {what}")


def client_command(client: str) -> list[str]:
    """trust_runner.py's CLIENT arguments for a client name of CLIENTS."""
    if client in ("go", "crossplane-core"):
        probe = str(
            require(tools.tlsprobe_path(), "the Go TLS probe (tests/differential/tlsprobe)")
        )
        return [probe, "-crossplane-ca-bundle"] if client == "crossplane-core" else [probe]
    if client == "node" and shutil.which("node") is None:
        missing("node")
    if client not in CLIENTS:
        raise ValueError(f"unknown client {client!r}; known: {', '.join(CLIENTS)}")
    return [client]


def run_trust(client: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs client (one of CLIENTS) on every case in one pair of namespaces; one record per
    (case, url) in order: {"case", "url", "ok", "error", "authority"}. ok: the GET succeeded
    through the CONNECT proxy; error: "unknown-authority", "hostname" or "other: ...";
    authority: what the proxy was asked to CONNECT to, None if the client went direct."""
    for tool in ("unshare", "openssl"):
        if shutil.which(tool) is None:
            missing(tool)
    command = client_command(client)
    done = subprocess.run(
        ["unshare", "-n", "-m", PYTHON, str(HERE / "trust_runner.py"), *command],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 and done.stderr.startswith("unshare:"):
        missing(f"network and mount namespaces (run as root): {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


@contextmanager
def shared_mount_points(cases: list[dict[str, Any]]) -> Iterator[None]:
    """Creates the cases' missing mount points for runs of run_trust made side by side, and
    removes them after: a run on its own removes those it created when it ends, under the feet
    of one still running."""
    created: list[Path] = []
    try:
        for target, is_dir in mount_points(cases):
            created += create_missing(target, is_dir)
        yield
    finally:
        remove_created(created)
