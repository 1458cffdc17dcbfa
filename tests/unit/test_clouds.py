"""clouds.py: one row of endpoints per cloud the configuration accepts, each with its source."""

from __future__ import annotations

import ipaddress
from typing import get_args

from xpnet.clouds import ENDPOINTS
from xpnet.config import Cloud
from xpnet.entries import problem
from xpnet.runtimes import parse_target


def test_every_cloud_the_configuration_accepts_has_endpoints() -> None:
    assert tuple(ENDPOINTS) == get_args(Cloud)


def test_every_endpoint_is_a_usable_entry_with_a_source_and_a_request_to_it() -> None:
    for cloud, endpoints in ENDPOINTS.items():
        assert endpoints[0].value == "169.254.169.254", cloud  # every cloud's metadata address
        for endpoint in endpoints:
            assert problem(endpoint.value) is None
            assert endpoint.what and "/" in endpoint.source.split()[0]  # a page or repo path
            assert parse_target(endpoint.url).host == endpoint.value


def test_the_addresses_are_link_local_or_the_azure_platform_address() -> None:
    for endpoints in ENDPOINTS.values():
        for endpoint in endpoints:
            try:
                address = ipaddress.ip_address(endpoint.value)
            except ValueError:
                assert endpoint.value == "metadata.google.internal"
                continue
            assert (
                address.is_link_local
                or address in ipaddress.ip_network("fd00:ec2::/64")
                or str(address) == "168.63.129.16"
            )
