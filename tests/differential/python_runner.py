"""Reads {"env": {...}, "targets": [...]} on stdin; prints what CPython's urllib and requests
choose for each target (proxy host:port, or DIRECT). Run in a process of its own per env."""

import json
import os
import sys
import urllib.request
from urllib.parse import urlsplit

import requests.utils

data = json.load(sys.stdin)
for key in list(os.environ):
    if key.lower().endswith("_proxy"):
        del os.environ[key]
os.environ.update(data["env"])


def host_port(proxy: str | None) -> str:
    if not proxy:
        return "DIRECT"
    parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    return parts.netloc.rsplit("@", 1)[-1]


for target in data["targets"]:
    parts = urlsplit(target)
    proxies = urllib.request.getproxies()
    chosen = proxies.get(parts.scheme)
    if chosen and urllib.request.proxy_bypass(parts.netloc):
        chosen = None
    env_proxies = requests.utils.get_environ_proxies(target)
    by_requests = requests.utils.select_proxy(target, env_proxies)
    print(
        json.dumps(
            {
                "target": target,
                "python-urllib": host_port(chosen),
                "python-requests": host_port(by_requests),
            }
        )
    )
