from __future__ import annotations

import pytest
from servers import HTTPServer

import listwatch
from listwatch.plugins import Plugins, make_plugins, register

BUILTINS = ("listwatch_table", "listwatch_ustr_nml", "listwatch_feed")


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
