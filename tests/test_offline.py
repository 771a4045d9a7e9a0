"""The suite's own promise: no test reaches an address outside loopback."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest
from conftest import OffLoopback


@pytest.mark.parametrize("address", [("10.255.255.1", 80), ("93.184.215.14", 443),
                                     ("2606:4700::1111", 443)])
def test_a_connection_outside_loopback_fails_before_any_packet(address, loopback_only):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s, pytest.raises(OffLoopback):
        s.connect(address)
    assert loopback_only == [address]
    loopback_only.clear()  # seen: the guard would fail the test otherwise


def test_a_name_lookup_outside_loopback_fails(loopback_only):
    with pytest.raises(OffLoopback):
        socket.getaddrinfo("ustr.gov", 443)
    with pytest.raises(urllib.error.URLError) as failed:
        urllib.request.urlopen("https://ustr.gov/", timeout=1)
    assert isinstance(failed.value.reason, OffLoopback)
    assert len(loopback_only) == 2
    loopback_only.clear()


def test_listwatch_turning_the_refusal_into_a_failed_fetch_still_fails_the_test(tmp_path):
    """A test that reaches out through listwatch sees a SourceError, which it might expect;
    the guard's teardown fails it anyway (checked here from a test run of its own)."""
    import subprocess
    import sys

    (tmp_path / "test_out.py").write_text(
        "import pytest\n"
        "from listwatch.errors import SourceError\n"
        "from listwatch.fetching import Context\n"
        "def test_it():\n"
        "    with pytest.raises(SourceError):\n"
        "        Context().get('https://ustr.gov/x.csv')\n")
    import shutil
    from pathlib import Path

    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    shutil.copy(Path(__file__).with_name("servers.py"), tmp_path / "servers.py")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(tmp_path / "test_out.py")], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1, run.stdout
    assert "outside loopback" in run.stdout


def test_loopback_still_works(http_server):
    from servers import Route

    url = http_server.route("/x", Route(b"ok"))
    assert urllib.request.urlopen(url, timeout=5).read() == b"ok"
