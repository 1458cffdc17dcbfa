"""Where Linux images keep their public root certificates: what a mount must not hide
(docs/explanation/trust.md)."""

from __future__ import annotations

# Go's default certificate directories on Linux, every one read
# (certDirectories in https://go.dev/src/crypto/x509/root_linux.go); OpenSSL's default
# directory is one of them too: /usr/lib/ssl/certs links to /etc/ssl/certs on Debian, and
# OPENSSLDIR is /etc/pki/tls on Fedora and RHEL.
GO_CERT_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs")

# A mount at or above one of these hides the image's public roots: Go's directories; the
# folder of RHEL's bundle (/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem, one of Go's
# certFiles in root_linux.go, and what /etc/pki/tls/certs/ca-bundle.crt links to); and the
# certificates Debian's ca-certificates installs, which the per-CA and hash-named links in
# /etc/ssl/certs (OpenSSL's CApath there, so Python's ssl) point into.
SYSTEM_TRUST_DIRS = (*GO_CERT_DIRS, "/etc/pki/ca-trust", "/usr/share/ca-certificates")
