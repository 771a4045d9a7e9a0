"""A real HTTP server on 127.0.0.1 for tests: documents and feeds, as a source meets them.

Routes are plain data (:class:`Route`); the server honours ETag / Last-Modified
conditional requests, gzip, redirects, error codes and slow answers, and records
every request it received so tests can assert on them. :meth:`HTTPServer.serve`
publishes a file or bytes with an ETag and a Last-Modified date, as most servers do. It
also misbehaves on demand, to test how a source meets a bad network: a body cut short
after promising its Content-Length (``truncate``), chunked transfer with a broken or
missing end (``chunked``), a body or its headers dripped a byte at a time (``drip``,
``drip_headers``), slowness (``delay``), redirects and errors.
Plugin tests get one through the ``listwatch_http`` fixture (docs/plugins.md).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    redirect: str | None = None
    gzip: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    #: send only this many body bytes (after promising them all), then close
    truncate: int | None = None
    #: "ok": chunked transfer; "cut": close inside a chunk; "unterminated": no final 0-chunk
    chunked: str | None = None
    #: seconds between body bytes, sent one at a time
    drip: float = 0.0
    #: seconds between the bytes of the status line and headers
    drip_headers: float = 0.0


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


class HTTPServer:
    """``server.route("/a.pdf", Route(...))``; ``server.url("/a.pdf")``; ``server.requests``.

    Use it as a context manager (``with HTTPServer() as server:``) or call
    :meth:`start` and :meth:`stop`.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append(Request("GET", self.path, dict(self.headers)))
                route = outer.routes.get(self.path) or outer.routes.get(self.path.split("?")[0])
                if route is None:
                    return self._send(404, b"not found", "text/plain", {})
                if route.delay:
                    time.sleep(route.delay)
                if route.redirect:
                    return self._send(route.status if route.status in (301, 302, 303, 307, 308)
                                      else 302, b"", "text/plain", {"Location": route.redirect})
                extra = dict(route.headers)
                if route.etag:
                    extra["ETag"] = route.etag
                if route.last_modified:
                    extra["Last-Modified"] = route.last_modified
                if route.status == 200 and (
                        (route.etag and self.headers.get("If-None-Match") == route.etag) or
                        (route.last_modified and not route.etag and
                         self.headers.get("If-Modified-Since") == route.last_modified)):
                    return self._send(304, b"", route.content_type, extra)
                body = route.body
                if route.gzip:
                    body = gzip.compress(body)
                    extra["Content-Encoding"] = "gzip"
                self._send(route.status, body, route.content_type, extra, route)

            def _send(self, status: int, body: bytes, ctype: str, extra: dict,
                      route: Route | None = None) -> None:
                route = route or Route()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    if route.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                    else:
                        self.send_header("Content-Length",
                                         str(len(body)) if status != 304 else "0")
                    for key, value in extra.items():
                        self.send_header(key, value)
                    if route.drip_headers:
                        head = b"".join(self._headers_buffer) + b"\r\n"
                        self._headers_buffer = []
                        self._drip(head, route.drip_headers)
                    else:
                        self.end_headers()
                    if status == 304:
                        return
                    if route.chunked:
                        return self._send_chunked(body, route.chunked)
                    if route.truncate is not None:
                        self.wfile.write(body[:route.truncate])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    if route.drip:
                        return self._drip(body, route.drip)
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _drip(self, data: bytes, pause: float) -> None:
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(pause)

            def _send_chunked(self, body: bytes, how: str) -> None:
                half = len(body) // 2
                first, second = body[:half], body[half:]
                self.wfile.write(b"%x\r\n" % len(first) + first + b"\r\n")
                if how == "cut":  # the second chunk's size, then only half of it
                    self.wfile.write(b"%x\r\n" % len(second) + second[:len(second) // 2])
                else:
                    self.wfile.write(b"%x\r\n" % len(second) + second + b"\r\n")
                if how == "ok":
                    self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                self.close_connection = how != "ok"

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def serve(self, content: bytes | str | Path, path: str | None = None, *,
              content_type: str | None = None) -> str:
        """Publish ``content`` (bytes, text, or a file to read now) at ``path`` with an
        ETag (from its bytes) and a Last-Modified date; return its URL.

        Publishing new content at the same path changes both validators, so a
        conditional GET after the change downloads it again, as from a real server.
        """
        if isinstance(content, Path):
            path = path or "/" + content.name
            body = content.read_bytes()
        else:
            body = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        path = "/" + (path or "document").lstrip("/")
        digest = hashlib.sha256(body).hexdigest()
        previous = self.routes.get(path)
        stamp = time.time()
        if previous is not None and previous.last_modified:  # strictly later, to the second
            stamp = max(stamp, _seconds(previous.last_modified) + 1)
        ctype = content_type or _CONTENT_TYPES.get(Path(path).suffix.lower(),
                                                   "application/octet-stream")
        return self.route(path, Route(body, content_type=ctype, etag=f'"{digest[:32]}"',
                                      last_modified=formatdate(stamp, usegmt=True)))

    def requests_for(self, path: str) -> list[Request]:
        """The requests the server received for ``path``, oldest first."""
        path = "/" + path.lstrip("/")
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def __enter__(self) -> HTTPServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> HTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


_CONTENT_TYPES = {".xml": "application/xml", ".rss": "application/rss+xml",
                  ".atom": "application/atom+xml", ".json": "application/json",
                  ".jsonl": "application/jsonl", ".csv": "text/csv",
                  ".tsv": "text/tab-separated-values", ".txt": "text/plain",
                  ".html": "text/html", ".htm": "text/html", ".pdf": "application/pdf"}


def _seconds(http_date: str) -> float:
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(http_date).timestamp()
