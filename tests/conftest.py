from __future__ import annotations

import ipaddress
import socket

import pytest
from servers import HTTPServer

import listwatch
from listwatch.plugins import Plugins, make_plugins, register

BUILTINS = ("listwatch_table", "listwatch_ustr_nml", "listwatch_feed")


class OffLoopback(OSError):
    """A test tried to reach an address outside 127.0.0.0/8 or ::1."""


def _loopback(address) -> bool:
    if not isinstance(address, tuple):  # a Unix socket path
        return True
    host = str(address[0]).split("%")[0]
    if host in ("localhost", ""):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: tests use 127.0.0.1, never names that need DNS
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return ip.is_loopback


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Tests never reach the internet: a connection or lookup outside loopback fails here
    before any packet leaves (subprocesses are held to it by the configs tests give them)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    tried: list = []

    def guard(address) -> None:
        if not _loopback(address):
            tried.append(address)
            raise OffLoopback(f"a test tried to reach {address!r}, outside loopback")

    def connect(self, address):
        guard(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        guard(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None:
            guard((host.decode() if isinstance(host, bytes) else host, 0))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield tried
    # listwatch turns the refusal into a failed fetch, which a test may expect: an attempt
    # fails the test here all the same (tests of the guard itself empty the list)
    assert tried == [], f"this test tried to reach {tried} outside loopback"


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory):
    """The apprise scheme list is cached per test session, not in the user's home."""
    import os

    os.environ["LISTWATCH_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def plugins() -> Plugins:
    """A fresh plugin manager with only the built-in sources, whatever else is installed."""
    import importlib

    plugins = make_plugins(autoload=False, disabled=())
    for name in BUILTINS:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a built-in still being written
            continue
        register(plugins, module, name, package=("listwatch", listwatch.__version__))
    return plugins


@pytest.fixture
def http_server():
    server = HTTPServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def reports(tmp_path_factory) -> dict[int, dict]:
    """Every edition's report PDF (2016-2021) and its ground truth, generated once."""
    from fixtures import make_reports

    return make_reports.make_all(tmp_path_factory.mktemp("nml"), workers=2)


@pytest.fixture(scope="session")
def parsed(reports) -> dict[int, object]:
    """Each edition parsed by the ``ustr-nml`` source (a ``Draft``)."""
    from listwatch_ustr_nml.source import NotoriousMarkets

    from listwatch.fetching import Context

    return {year: NotoriousMarkets().fetch(t["path"], {}, Context())
            for year, t in reports.items()}


@pytest.fixture(scope="session")
def nml_store(tmp_path_factory, parsed):
    """A store holding the six generated editions (2016-2021) of watch ``nml``, as if each
    had been fetched from a URL a year after its edition."""
    from listwatch.snapshot import make
    from listwatch.store import Store

    store = Store(tmp_path_factory.mktemp("nml-store"))
    for year, draft in sorted(parsed.items()):
        source = {"plugin": "ustr-nml", "retrieved_at": f"{year + 1}-02-01T10:00:00Z",
                  "location": f"http://127.0.0.1:9/files/{year}%20Notorious%20Markets.pdf"}
        store.save("nml", make(draft.list, draft.entries, source, draft.warnings))
    return store
