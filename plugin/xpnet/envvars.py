"""The proxy variables xpnet reads and writes, by name and group: the one table of them."""

from __future__ import annotations

# Every rewritten container gets these six, upper and lower case identical: Go reads upper case
# first, gRPC C-core, curl, Python and Node lower case first
# (docs/explanation/no-proxy-by-runtime.md).
UPPER = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
SIX = (*UPPER, "http_proxy", "https_proxy", "no_proxy")
# gRPC C-core's own pair, written when configured and kept consistent where present.
GRPC = ("grpc_proxy", "no_grpc_proxy")
# A container "sets a proxy" when it sets one of these ...
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
# ... and "sets only NO_PROXY" with these.
NO_PROXY_VARS = ("NO_PROXY", "no_proxy")
# The variables holding a proxy URL (where $(VAR) credentials go) and those holding entries.
PROXY_URL_VARS = (*PROXY_VARS, "grpc_proxy")
BYPASS_VARS = (*NO_PROXY_VARS, "no_grpc_proxy")
# Proxy credentials from a Secret (spec.proxy.credentialsSecret).
USERNAME_VAR = "XPNET_PROXY_USERNAME"
PASSWORD_VAR = "XPNET_PROXY_PASSWORD"
