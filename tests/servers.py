"""Real servers on 127.0.0.1 for tests.

The HTTP server is the public one plugin authors get (:mod:`listwatch.testing.server`,
with its misbehaviours: cut-short bodies, broken chunking, drips); :class:`DripServer`
is a bare TCP drip (a TLS handshake that never ends).
"""

from __future__ import annotations

import threading
import time

from listwatch.testing.server import HTTPServer, Request, Route

__all__ = ["DripServer", "HTTPServer", "Request", "Route"]


class DripServer:
    """A bare TCP server that answers every connection with ``data``, one byte every
    ``pause`` seconds: a TLS handshake that never ends, say. ``url(scheme)``; ``stop()``."""

    def __init__(self, data: bytes, pause: float = 1.0) -> None:
        import socket

        self.data, self.pause = data, pause
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, scheme: str = "https", path: str = "/x") -> str:
        return f"{scheme}://127.0.0.1:{self._sock.getsockname()[1]}{path}"

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn) -> None:
        with conn:
            for i in range(len(self.data)):
                if self._stopped.is_set():
                    return
                try:
                    conn.sendall(self.data[i:i + 1])
                except OSError:
                    return
                time.sleep(self.pause)

    def stop(self) -> None:
        self._stopped.set()
        self._sock.close()
