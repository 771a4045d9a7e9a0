"""HTTP(S) GET for the core fetcher (``fetching.Context``), strict where urllib is lenient.

- One deadline bounds the whole download (connect, headers, body, every redirect): a
  socket timeout bounds each read, so a server dripping a byte a second would hold a run
  for as long as it likes. A timer shuts the download's sockets when time is up.
- Redirects lead only to http(s) (urllib also follows ``ftp://``), and a loop is one line.
- A body shorter than its Content-Length, a broken chunked transfer or a gzip stream
  without its end is a failed fetch, never a shorter document.
- The decompressed size is capped while reading.

Only URLs pay for importing this (http.client, urllib.request, ssl: ~30 ms).
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from email.message import Message

from .errors import NotModified, SourceError

MAX_REDIRECTS = 10
CHUNK = 65536


@dataclass
class Answer:
    content: bytes
    headers: Message
    url: str  # after redirects


@dataclass
class Limits:
    """What a download may take, and the lines that say it took too much."""

    timeout: float
    max_bytes: int
    too_large: str  # the whole message, e.g. "<url>: larger than the 64 MiB limit (…)"


def download(url: str, headers: dict[str, str], shown: str, limits: Limits,
             authorization: str | None = None) -> Answer:
    """GET ``url`` within ``limits``; :class:`SourceError` (one line naming ``shown``)
    or :class:`NotModified` for a 304."""
    deadline = _Deadline(limits.timeout)
    late = SourceError(f"{shown}: no complete answer within {limits.timeout:g} s")
    request = urllib.request.Request(url, headers=headers)
    if authorization:  # unredirected: never sent on to where a redirect points
        request.add_unredirected_header("Authorization", authorization)
    opener = urllib.request.build_opener(_Redirects(shown), _HTTPHandler(deadline),
                                         _HTTPSHandler(deadline))
    deadline.start()
    try:
        try:
            response = opener.open(request, timeout=limits.timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304:
                raise NotModified(shown) from None
            reason = (str(exc.reason).splitlines() or [""])[0]
            raise SourceError(f"{shown}: HTTP {exc.code} {reason}") from None
        except urllib.error.URLError as exc:
            if deadline.expired or isinstance(exc.reason, TimeoutError):
                raise late from None
            text = getattr(exc.reason, "strerror", None) or str(exc.reason)
            raise SourceError(f"{shown}: cannot connect: {text}") from None
        except (OSError, http.client.HTTPException) as exc:
            if deadline.expired or isinstance(exc, TimeoutError):
                raise late from None
            raise SourceError(f"{shown}: connection broke off: {exc}") from None
        except ValueError as exc:
            raise SourceError(f"{shown}: {exc}") from None
        with response:
            try:
                content = _read_body(response, shown, limits)
            except SourceError:
                if deadline.expired:
                    raise late from None
                raise
            return Answer(content, response.headers, response.geturl())
    finally:
        deadline.cancel()


def _read_body(response, shown: str, limits: Limits) -> bytes:
    gz = response.headers.get("Content-Encoding", "").lower() in ("gzip", "x-gzip")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gz else None
    chunks: list[bytes] = []
    total = wire = 0
    try:
        while True:
            raw = response.read(CHUNK)
            if not raw:
                break
            wire += len(raw)
            data = inflater.decompress(raw, limits.max_bytes + 1 - total) if inflater else raw
            total += len(data)
            if total > limits.max_bytes or (inflater and inflater.unconsumed_tail):
                raise SourceError(limits.too_large)
            chunks.append(data)
        if inflater:
            chunks.append(inflater.flush())
    except zlib.error:
        raise SourceError(f"{shown}: corrupt gzip data") from None
    except http.client.IncompleteRead:
        raise SourceError(f"{shown}: download cut short (the connection closed in the middle "
                          "of the transfer)") from None
    except (OSError, http.client.HTTPException) as exc:
        raise SourceError(f"{shown}: connection broke off: {exc}") from None
    missing = getattr(response, "length", None)  # what Content-Length promised and never came
    if missing:
        raise SourceError(f"{shown}: download cut short: {wire} of {wire + missing} bytes "
                          "arrived")
    if inflater and wire and not inflater.eof:
        raise SourceError(f"{shown}: the gzip stream is cut short (an incomplete download?)")
    return b"".join(chunks)


class _Deadline:
    """Shuts every socket of one download when its time is up: that wakes a read
    blocked on a dripping server, wherever it is (headers, body, a redirect)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Shut the connection down, not the descriptor: a socket already closed has no
    descriptor any more (so one reused by another download is never touched)."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _watched(http_class, deadline: _Deadline):
    """A connection factory for ``do_open`` whose sockets the deadline can shut."""
    def make(host, **kwargs):
        conn = http_class(host, **kwargs)
        connect = conn.connect

        def watched_connect() -> None:
            connect()
            # for https, after the TLS handshake: that is one call, which the socket
            # timeout (at most the deadline) bounds as a whole
            deadline.watch(conn.sock)

        conn.connect = watched_connect
        return conn
    return make


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req):
        return self.do_open(_watched(http.client.HTTPConnection, self._deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req):
        return self.do_open(_watched(http.client.HTTPSConnection, self._deadline), req,
                            context=self._context)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """urllib's redirects, refusing every scheme but http(s), with one-line errors."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def http_error_302(self, req, fp, code, msg, headers):
        target = headers.get("location") or headers.get("uri")
        if target:
            new = urllib.parse.urljoin(req.full_url, target.strip())
            scheme = urllib.parse.urlsplit(new).scheme.lower()
            if scheme not in ("http", "https"):
                fp.close()
                what = f"{scheme}://" if new[len(scheme):].startswith("://") else f"{scheme}:"
                raise SourceError(f"{self.shown}: redirect to {what} refused; only http(s) "
                                  "redirects are followed")
            visited = getattr(req, "redirect_dict", {})
            if visited.get(new, 0) >= self.max_repeats or len(visited) >= self.max_redirections:
                fp.close()
                raise SourceError(f"{self.shown}: too many redirects (a redirect loop?)")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302
