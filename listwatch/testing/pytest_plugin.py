"""listwatch's pytest plugin, loaded by pytest through the ``pytest11`` entry point.

Fixtures for testing source plugins (docs/plugins.md, "Testing a source"):

- ``listwatch_http``: a real HTTP server on 127.0.0.1 (:class:`listwatch.testing.HTTPServer`),
  started for the test and stopped after it. ``listwatch_http.serve(content, "/a.csv")``
  publishes a document with an ETag and a Last-Modified date and returns its URL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import HTTPServer


@pytest.fixture
def listwatch_http() -> Iterator[HTTPServer]:
    """A local HTTP server serving documents with ETag and Last-Modified validators."""
    with HTTPServer() as server:
        yield server
