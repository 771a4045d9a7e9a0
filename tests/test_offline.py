"""The suite's own promise: no test reaches an address outside loopback."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest
from conftest import OffLoopback


@pytest.mark.parametrize("address", [("10.255.255.1", 80), ("93.184.215.14", 443),
                                     ("2606:4700::1111", 443)])
def test_a_connection_outside_loopback_fails_before_any_packet(address):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s, pytest.raises(OffLoopback):
        s.connect(address)


def test_a_name_lookup_outside_loopback_fails():
    with pytest.raises(OffLoopback):
        socket.getaddrinfo("ustr.gov", 443)
    with pytest.raises(urllib.error.URLError) as failed:
        urllib.request.urlopen("https://ustr.gov/", timeout=1)
    assert isinstance(failed.value.reason, OffLoopback)


def test_loopback_still_works(http_server):
    from servers import Route

    url = http_server.route("/x", Route(b"ok"))
    assert urllib.request.urlopen(url, timeout=5).read() == b"ok"
