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
