"""Runs a real HTTPS client for each case inside network and mount namespaces of its own and
says, per URL, whether the server's certificate was trusted.

    unshare -n -m python trust_runner.py CLIENT [ARG...] < cases.json

CLIENT is "python-ssl" (urllib.request, default ssl context), "python-requests" (requests.get),
"node" (https.get over a CONNECT tunnel made by hand: Node's https has no proxy support), or a
program such as the Go probe (tests/differential/tlsprobe, its flags as ARGs) that takes URLs as
arguments and prints one {"url", "ok", "error"} JSON line per URL.

Inside the namespaces, made afresh per run: loopback only, /etc/hosts and /etc/resolv.conf
replaced; a "corporate" test CA signing https://registry.corp.internal (10.50.0.10:443) and a
"public" test CA signing https://public.example (93.184.216.34:443); /etc/ssl/certs replaced by
a folder holding only ca-certificates.crt (the machine's bundle plus the public CA: the layout of
distroless images); a CONNECT proxy on 127.0.0.1:3128 that tunnels and records the authorities.

A case is {"env": {...}, "mounts": {"/abs/dir": {"name": "content"}}, "files": {"/abs/file":
"content"}, "urls": [...]}. A mount is a folder bind-mounted over the path, as a ConfigMap volume
appears in a container; "files" are single files bind-mounted over a path (a subPath mount).
In names and contents, CORP_CA_PEM and PUBLIC_CA_PEM stand for the CAs' PEM and CORP_CA_HASH for
the corporate CA's OpenSSL subject hash (names of an OpenSSL hashed directory: CORP_CA_HASH.0).
Missing mount points are created for the run and removed after it.

The client starts with exactly the case's env plus PATH, HOME and HTTPS_PROXY/https_proxy: the
machine may export SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS... globally, and a
client that inherited them would measure the machine. Prints one JSON line per (case, url):
{"case", "url", "ok", "error", "authority"} where authority is the CONNECT authority the proxy
received for that URL's host (None: the client did not go through the proxy).
"""

import contextlib
import datetime
import json
import os
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REGISTRY = ("registry.corp.internal", "10.50.0.10")
PUBLIC = ("public.example", "93.184.216.34")
HOSTS = f"127.0.0.1 localhost\n{REGISTRY[1]} {REGISTRY[0]}\n{PUBLIC[1]} {PUBLIC[0]}\n"
PROXY = ("127.0.0.1", 3128)
MACHINE_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
seen: list[str] = []

# The Python clients: the error classes match the Go probe's (x509.UnknownAuthorityError ...).
PYTHON_CLIENT = r"""
import json, sys

def classify(error):
    text = str(error)
    for needle in ("unable to get local issuer certificate", "self-signed certificate in",
                   "self signed certificate in", "unable to get issuer certificate"):
        if needle in text:
            return "unknown-authority"
    if "Hostname mismatch" in text or "doesn't match" in text:
        return "hostname"
    return "other: " + text[:300]

mode, urls = sys.argv[1], sys.argv[2:]
if mode == "requests":
    import requests
else:
    import urllib.request
for url in urls:
    try:
        if mode == "requests":
            ok = requests.get(url, timeout=10).status_code == 200
        else:
            with urllib.request.urlopen(url, timeout=10) as response:
                ok = response.status == 200
        error = None if ok else "other: not 200"
    except Exception as failed:
        ok, error = False, classify(failed)
    print(json.dumps({"url": url, "ok": ok, "error": error}), flush=True)
"""

NODE_CLIENT = r"""
const http = require('http'), https = require('https'), tls = require('tls')
const proxy = new URL(process.env.https_proxy || process.env.HTTPS_PROXY)
const UNKNOWN = ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']
function classify (err) {
  if (UNKNOWN.includes(err.code)) return 'unknown-authority'
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'hostname'
  return 'other: ' + (err.code || '') + ' ' + err.message
}
function get (url) {
  return new Promise(resolve => {
    const u = new URL(url)
    const fail = err => resolve({ ok: false, error: classify(err) })
    const connect = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT',
      path: `${u.hostname}:${u.port || 443}`, timeout: 10000 })
    connect.on('timeout', () => connect.destroy(new Error('timeout')))
    connect.on('error', fail)
    connect.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy()
        return fail(new Error('proxy ' + res.statusCode))
      }
      // The default CA store: no ca option, as https.get's global agent has none.
      const createConnection = () => tls.connect({ socket, servername: u.hostname })
      const req = https.get(url, { createConnection }, r => {
        r.resume()
        const ok = r.statusCode === 200
        r.on('end', () => resolve({ ok, error: ok ? null : 'other: HTTP ' + r.statusCode }))
      })
      req.on('error', fail)
    })
    connect.end()
  })
}
(async () => {
  for (const url of process.argv.slice(1)) console.log(JSON.stringify({ url, ...(await get(url)) }))
})()
"""


def make_ca(name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "xpnet tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(
    ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, host: str
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class Site(socketserver.BaseRequestHandler):
    """An HTTPS server that answers any request with 200 ok; the leaf alone is sent."""

    def handle(self) -> None:
        context: ssl.SSLContext = self.server.context  # type: ignore[attr-defined]
        try:
            with context.wrap_socket(self.request, server_side=True) as tls:
                tls.settimeout(10)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = tls.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        except OSError:
            pass  # the client refused the certificate: that is what is measured


def pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


class Tunnel(socketserver.BaseRequestHandler):
    """A CONNECT proxy that records each authority and really tunnels to it."""

    def handle(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        method, authority = head.split(b"\r\n")[0].decode("latin-1").split(" ")[:2]
        seen.append(authority)
        if method != "CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, port = authority.rsplit(":", 1)
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        except OSError:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        upstream.settimeout(None)
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if rest:
            upstream.sendall(rest)
        back = threading.Thread(target=pump, args=(upstream, self.request))
        back.start()
        pump(self.request, upstream)
        back.join()
        upstream.close()


def serve(address: tuple[str, int], handler: type, context: ssl.SSLContext | None = None) -> None:
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    server = socketserver.ThreadingTCPServer(address, handler)
    server.context = context  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True)


def mounted_elsewhere(path: Path) -> bool:
    """Whether path is a mount point in any mount namespace (another run's, say): removing it
    would detach that run's mount."""
    namespaces = set()
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit():
            continue
        try:
            namespace = os.readlink(pid / "ns" / "mnt")
            if namespace in namespaces:
                continue
            namespaces.add(namespace)
            lines = (pid / "mountinfo").read_text().splitlines()
        except OSError:
            continue
        if any(line.split()[4] == str(path) for line in lines):
            return True
    return False


def create_missing(target: Path, is_dir: bool) -> list[Path]:
    """Creates target (a folder, or an empty file) and its missing parents; what it created."""
    created = []
    for path in reversed([p for p in (target, *target.parents) if not p.exists()]):
        try:
            path.touch(exist_ok=False) if path == target and not is_dir else path.mkdir()
        except FileExistsError:
            continue  # a concurrent run made it: that run removes it
        created.append(path)
    return created


def remove_created(created: list[Path]) -> None:
    """Removes what create_missing created, innermost first, unless another run mounts it."""
    for path in reversed(created):
        if mounted_elsewhere(path):
            continue
        with contextlib.suppress(OSError):  # not empty: something else put a file there
            path.rmdir() if path.is_dir() else path.unlink()


def mount_points(cases: list[dict[str, Any]]) -> list[tuple[Path, bool]]:
    """Every case's mount points, each with whether it is a folder."""
    points = [(Path(target), True) for case in cases for target in case.get("mounts", {})]
    return points + [(Path(target), False) for case in cases for target in case.get("files", {})]


class Namespace:
    """The case mounts of one run, and the mount points created for them."""

    def __init__(self, folder: Path, tokens: dict[str, str]) -> None:
        self.folder, self.tokens = folder, tokens
        self.created: list[Path] = []
        self.mounted: list[str] = []
        self.count = 0

    def fill(self, text: str) -> str:
        for token, value in self.tokens.items():
            text = text.replace(token, value)
        return text

    def bind(self, source: Path, target: str, is_dir: bool) -> None:
        self.created += create_missing(Path(target), is_dir)
        run("mount", "--bind", str(source), target)
        self.mounted.append(target)

    def mount(self, case: dict[str, Any]) -> None:
        """Bind-mounts the case's folders and files; undone by unmount()."""
        for target, files in case.get("mounts", {}).items():
            self.count += 1
            source = self.folder / f"mount-{self.count}"
            source.mkdir()
            for name, content in files.items():
                (source / self.fill(name)).write_text(self.fill(content))
            self.bind(source, target, is_dir=True)
        for target, content in case.get("files", {}).items():
            self.count += 1
            source = self.folder / f"file-{self.count}"
            source.write_text(self.fill(content))
            self.bind(source, target, is_dir=False)

    def unmount(self) -> None:
        while self.mounted:
            run("umount", self.mounted.pop())


def client_command(client: list[str], urls: list[str]) -> list[str]:
    if client[0] in ("python-ssl", "python-requests"):
        return [sys.executable, "-c", PYTHON_CLIENT, client[0].removeprefix("python-"), *urls]
    if client[0] == "node":
        return ["node", "-e", NODE_CLIENT, *urls]
    return [*client, *urls]


def measure(folder: Path, client: list[str], cases: list[dict[str, Any]]) -> None:
    """Sets the namespace up in folder, then runs client on each case and prints its lines."""
    corp_key, corp = make_ca("xpnet test corporate CA")
    public_key, public = make_ca("xpnet test public CA")
    (folder / "corp.pem").write_text(pem(corp))
    hashed = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(folder / "corp.pem")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tokens = {"CORP_CA_PEM": pem(corp), "PUBLIC_CA_PEM": pem(public), "CORP_CA_HASH": hashed}

    run("ip", "link", "set", "lo", "up")
    for _, address in (REGISTRY, PUBLIC):
        run("ip", "addr", "add", f"{address}/32", "dev", "lo")
    (folder / "hosts").write_text(HOSTS)
    (folder / "resolv.conf").write_text("")  # no name server: only the hosts file resolves
    run("mount", "--bind", str(folder / "hosts"), "/etc/hosts")
    run("mount", "--bind", str(folder / "resolv.conf"), "/etc/resolv.conf")
    certs = folder / "certs"
    certs.mkdir()
    machine = MACHINE_BUNDLE.read_text() if MACHINE_BUNDLE.exists() else ""
    (certs / "ca-certificates.crt").write_text(machine + pem(public))
    run("mount", "--bind", str(certs), "/etc/ssl/certs")

    for (host, address), ca_key, ca in ((REGISTRY, corp_key, corp), (PUBLIC, public_key, public)):
        leaf_key, leaf = make_leaf(ca_key, ca, host)
        (folder / f"{host}.pem").write_text(pem(leaf))
        (folder / f"{host}.key").write_bytes(
            leaf_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(folder / f"{host}.pem", folder / f"{host}.key")
        serve((address, 443), Site, context)
    serve(PROXY, Tunnel)

    proxy = f"http://{PROXY[0]}:{PROXY[1]}"
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "HTTPS_PROXY": proxy,
        "https_proxy": proxy,
    }
    namespace = Namespace(folder, tokens)
    try:
        for index, case in enumerate(cases):
            namespace.mount(case)
            seen.clear()
            urls = case["urls"]
            done = subprocess.run(
                client_command(client, urls),
                env={**base, **case.get("env", {})},
                capture_output=True,
                text=True,
                timeout=60,
            )
            results = {}
            for line in done.stdout.splitlines():
                if line.startswith("{"):
                    record = json.loads(line)
                    results[record["url"]] = record
            for url in urls:
                record = results.get(url) or {
                    "ok": False,
                    "error": f"other: no result (exit {done.returncode}): {done.stderr[-300:]}",
                }
                host = url.split("://", 1)[1].split("/", 1)[0]
                authority = host if ":" in host else f"{host}:443"
                print(
                    json.dumps(
                        {
                            "case": index,
                            "url": url,
                            "ok": record["ok"],
                            "error": record.get("error") or None,
                            "authority": authority if authority in seen else None,
                        }
                    ),
                    flush=True,
                )
            namespace.unmount()
    finally:
        namespace.unmount()
        remove_created(namespace.created)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="xpnet-trust-") as folder:
        measure(Path(folder), sys.argv[1:], json.load(sys.stdin))


if __name__ == "__main__":
    main()
