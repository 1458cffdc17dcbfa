"""How each client runtime picks its trusted roots from environment variables, measured with
real clients (trust.py, trust_runner.py): a corporate test CA signs a registry, a public test CA
signs a second server and sits only in the system bundle of a distroless-like /etc/ssl/certs
(one file, ca-certificates.crt), and the corporate CA is mounted as a ConfigMap would be, at
/certs (where Crossplane's chart mounts registryCaBundleConfig; CA_BUNDLE_PATH=/certs/<key>).

A cell is (corporate registry trusted, public server trusted). Against the runtime's own "none"
cell, a variable that makes corp True and keeps public ADDS the corporate CA, one that makes corp
True and loses public REPLACES the roots, and one that changes nothing is ignored."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.differential.trust import PUBLIC_URL, REGISTRY_URL, run_trust, shared_mount_points

Cell = tuple[bool, bool]
CORP_PEM = "/certs/corp.pem"
CONFIGMAP = {"/certs": {"corp.pem": "CORP_CA_PEM"}}
# The same CA under its OpenSSL subject-hash name, as `c_rehash` would name it: OpenSSL looks a
# directory up by that name only (a ConfigMap key can be named so).
HASHED = {"/certs": {"CORP_CA_HASH.0": "CORP_CA_PEM"}}

# Each column: the variable set, and the ConfigMap mounted at /certs.
COLUMNS: dict[str, tuple[dict[str, str], dict[str, dict[str, str]]]] = {
    "none": ({}, CONFIGMAP),
    "SSL_CERT_FILE": ({"SSL_CERT_FILE": CORP_PEM}, CONFIGMAP),
    "SSL_CERT_DIR": ({"SSL_CERT_DIR": "/certs"}, CONFIGMAP),
    "SSL_CERT_DIR (hashed name)": ({"SSL_CERT_DIR": "/certs"}, HASHED),
    "REQUESTS_CA_BUNDLE": ({"REQUESTS_CA_BUNDLE": CORP_PEM}, CONFIGMAP),
    "NODE_EXTRA_CA_CERTS": ({"NODE_EXTRA_CA_CERTS": CORP_PEM}, CONFIGMAP),
    "CA_BUNDLE_PATH": ({"CA_BUNDLE_PATH": CORP_PEM}, CONFIGMAP),
    # What fix writes where SSL_CERT_DIR is there already: the user's directories, then the
    # mount path (a directory that does not exist first, one holding the public CA second).
    "SSL_CERT_DIR list": ({"SSL_CERT_DIR": "/opt/absent:/certs"}, CONFIGMAP),
    "SSL_CERT_DIR list with the user's roots": (
        {"SSL_CERT_DIR": "/opt/public:/certs"},
        {**CONFIGMAP, "/opt/public": {"public.pem": "PUBLIC_CA_PEM"}},
    ),
}

# Go's default bundle files and directories on Linux (src/crypto/x509/root_linux.go, Go 1.26).
GO_DEFAULT_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
GO_DEFAULT_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs")


def no_bundle() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Mounts that leave Go no default bundle: /etc/ssl/certs empty, and every other default
    file or directory that exists on this machine emptied too."""
    mounts: dict[str, dict[str, str]] = {"/etc/ssl/certs": {}}
    mounts |= {d: {} for d in GO_DEFAULT_DIRS[1:] if Path(d).is_dir()}
    files = {f: "" for f in GO_DEFAULT_FILES[1:] if Path(f).is_file()}
    return mounts, files


def public_in_certifi() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """certifi's bundle with the public CA appended, bind-mounted over it: requests' own default
    roots then include the public CA, so its column says whether a variable keeps them."""
    import certifi

    return {}, {certifi.where(): Path(certifi.where()).read_text() + "PUBLIC_CA_PEM"}


def distroless() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    return {}, {}


# Each row: the client, and the extra layout its cases run in.
ROWS = {
    "go": ("go", distroless),
    "go, no bundle in the default dirs": ("go", no_bundle),
    "crossplane-core": ("crossplane-core", distroless),
    "crossplane-core, no bundle in the default dirs": ("crossplane-core", no_bundle),
    "python-ssl": ("python-ssl", distroless),
    "python-requests": ("python-requests", distroless),
    "python-requests, public CA in certifi": ("python-requests", public_in_certifi),
    "node": ("node", distroless),
}

IGNORED_BY_GO = {"REQUESTS_CA_BUNDLE": (False, True), "NODE_EXTRA_CA_CERTS": (False, True)}

# The measured table: (corporate registry trusted, public server trusted).
EXPECTED: dict[str, dict[str, Cell]] = {
    # Go (crypto/x509 root_unix.go): SSL_CERT_FILE replaces its list of bundle *files*,
    # SSL_CERT_DIR its list of *directories*, and every file in /etc/ssl/certs is read.
    # ca-certificates.crt is both the first default file and a file of the first default
    # directory, so with it in place either variable ADDS the corporate CA. Any file name will
    # do in a directory.
    "go": {
        "none": (False, True),
        "SSL_CERT_FILE": (True, True),
        "SSL_CERT_DIR": (True, True),
        "SSL_CERT_DIR (hashed name)": (True, True),
        **IGNORED_BY_GO,
        "CA_BUNDLE_PATH": (False, True),
        "SSL_CERT_DIR list": (True, True),
    },
    # No bundle file in any default place: SSL_CERT_FILE (and SSL_CERT_DIR) now REPLACE. Go
    # reads every directory of an SSL_CERT_DIR list (crypto/x509 root_unix.go splits it on
    # ":"), skipping one that does not exist: the user's directory in front of xpnet's keeps
    # the roots it holds, which is why fix appends to a list instead of replacing it.
    "go, no bundle in the default dirs": {
        "none": (False, False),
        "SSL_CERT_FILE": (True, False),
        "SSL_CERT_DIR": (True, False),
        "SSL_CERT_DIR list": (True, False),
        "SSL_CERT_DIR list with the user's roots": (True, True),
    },
    # Core's package pulls are Go: SSL_CERT_FILE/SSL_CERT_DIR work as for Go, and CA_BUNDLE_PATH
    # appends to x509.SystemCertPool() (cmd/crossplane/core/certs.go): it ADDS.
    "crossplane-core": {
        "none": (False, True),
        "SSL_CERT_FILE": (True, True),
        "SSL_CERT_DIR": (True, True),
        "SSL_CERT_DIR (hashed name)": (True, True),
        **IGNORED_BY_GO,
        "CA_BUNDLE_PATH": (True, True),
    },
    # CA_BUNDLE_PATH adds to whatever the system pool is: with no bundle, the public roots are
    # gone with or without it.
    "crossplane-core, no bundle in the default dirs": {
        "none": (False, False),
        "CA_BUNDLE_PATH": (True, False),
    },
    # OpenSSL's default verify paths: SSL_CERT_FILE REPLACES the bundle file (the public CA is
    # lost). SSL_CERT_DIR replaces the directory, which OpenSSL reads by subject-hash name only:
    # a ConfigMap key named corp.pem is never found (ignored), one named <hash>.0 is, and the
    # bundle file still loads, so that one ADDS.
    "python-ssl": {
        "none": (False, True),
        "SSL_CERT_FILE": (True, False),
        "SSL_CERT_DIR": (False, True),
        "SSL_CERT_DIR (hashed name)": (True, True),
        "REQUESTS_CA_BUNDLE": (False, True),
        "NODE_EXTRA_CA_CERTS": (False, True),
        "CA_BUNDLE_PATH": (False, True),
    },
    # requests verifies against certifi's bundle, never the system one: public is False in every
    # column here, which says only that /etc/ssl/certs is not read (SSL_CERT_FILE/DIR ignored).
    # It also shows the clients start clean: this machine exports REQUESTS_CA_BUNDLE and
    # NODE_EXTRA_CA_CERTS as /etc/ssl/certs/ca-certificates.crt, which in the namespace holds the
    # public CA; inherited, they would make "none" (False, True) here and for node.
    # REQUESTS_CA_BUNDLE makes the corporate CA trusted; whether it adds or replaces is the
    # next row's question.
    "python-requests": {
        "none": (False, False),
        "SSL_CERT_FILE": (False, False),
        "SSL_CERT_DIR": (False, False),
        "SSL_CERT_DIR (hashed name)": (False, False),
        "REQUESTS_CA_BUNDLE": (True, False),
        "NODE_EXTRA_CA_CERTS": (False, False),
        "CA_BUNDLE_PATH": (False, False),
    },
    # With the public CA in certifi's bundle: REQUESTS_CA_BUNDLE REPLACES certifi's roots.
    "python-requests, public CA in certifi": {
        "none": (False, True),
        "SSL_CERT_FILE": (False, True),
        "REQUESTS_CA_BUNDLE": (True, False),
    },
    # Node trusts its compiled-in Mozilla roots, not /etc/ssl/certs (without --use-openssl-ca
    # or --use-system-ca): public is False everywhere, which proves only that. NODE_EXTRA_CA_CERTS
    # makes the corporate CA trusted; that it ADDS to the compiled-in roots is Node's documented
    # behaviour, not measured here (no offline server has a certificate from a Mozilla root).
    "node": {
        "none": (False, False),
        "SSL_CERT_FILE": (False, False),
        "SSL_CERT_DIR": (False, False),
        "SSL_CERT_DIR (hashed name)": (False, False),
        "REQUESTS_CA_BUNDLE": (False, False),
        "NODE_EXTRA_CA_CERTS": (True, False),
        "CA_BUNDLE_PATH": (False, False),
    },
}


def cases_for(row: str) -> list[dict[str, Any]]:
    mounts, files = ROWS[row][1]()
    out = []
    for column in EXPECTED[row]:
        env, configmap = COLUMNS[column]
        out.append(
            {
                "env": env,
                "mounts": {**configmap, **mounts},
                "files": files,
                "urls": [REGISTRY_URL, PUBLIC_URL],
            }
        )
    return out


@cache
def runs() -> dict[str, tuple[list[tuple[str, str]], Future[list[dict[str, Any]]]]]:
    """client → the (row, column) of each of its cases, and its run. The clients run side by
    side, one namespace run each with all its rows' cases: a missing client skips (fails under
    CI) its own rows only."""
    cases: dict[str, list[dict[str, Any]]] = {}
    keys: dict[str, list[tuple[str, str]]] = {}
    for row, (client, _) in ROWS.items():
        cases.setdefault(client, []).extend(cases_for(row))
        keys.setdefault(client, []).extend((row, column) for column in EXPECTED[row])
    every = [case for each in cases.values() for case in each]
    with shared_mount_points(every), ThreadPoolExecutor(len(cases)) as pool:
        futures = {client: pool.submit(run_trust, client, each) for client, each in cases.items()}
        wait(futures.values())
    return {client: (keys[client], futures[client]) for client in cases}


def measured(row: str) -> dict[str, list[dict[str, Any]]]:
    """column → the records of row's case in that column (registry, then public)."""
    keys, run = runs()[ROWS[row][0]]
    out: dict[str, list[dict[str, Any]]] = {column: [] for column in EXPECTED[row]}
    for record in run.result():
        case_row, column = keys[record["case"]]
        if case_row == row:
            out[column].append(record)
    return out


@pytest.mark.parametrize("row", list(EXPECTED))
def test_trust_table(row: str) -> None:
    records = measured(row)
    differences, failures = [], []
    for column, expected in EXPECTED[row].items():
        registry, public = records[column]
        got = (registry["ok"], public["ok"])
        if got != expected:
            differences.append(f"{column}: measured {got}, expected {expected}")
        for record in (registry, public):
            # Refused for its authority, through the proxy: not a connection that failed.
            if record["error"] not in (None, "unknown-authority"):
                failures.append(f"{column} {record['url']}: {record['error']}")
            host = record["url"].split("/")[2]
            if record["authority"] != f"{host}:443":
                failures.append(f"{column} {record['url']}: proxy saw {record['authority']}")
    assert not failures, "\n".join(failures)
    assert not differences, f"{row}:\n" + "\n".join(differences)
