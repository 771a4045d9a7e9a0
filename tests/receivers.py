"""Real notification receivers on 127.0.0.1 for the alert tests.

``WebhookReceiver`` takes the POSTs that apprise's ``json://`` and ``form://``
services send (and Slack's, when a test points apprise's Slack webhook address at it:
set ``reply = b"ok"``, Slack's answer). It records every request it read
(``requests``) and, apart from those, the deliveries it *accepted* (``accepted``): answered 2xx without delay.
It can answer with an error status, answer slowly (slower than the client waits:
the client gives up, so the message is not accepted), or be down (its port
refuses connections) and come back on the same port.

``SMTPReceiver`` is an aiosmtpd server that keeps every message it was handed.
"""

from __future__ import annotations

import email
import email.policy
import errno
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def payload(self) -> dict:
        """The JSON document, or the decoded form fields."""
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return self.json
        return self.form


class WebhookReceiver:
    """``with WebhookReceiver() as r: r.url("json", "/hook")``; set ``r.status`` or
    ``r.delay`` to fail; ``r.down()`` / ``r.up()``; ``r.accepted`` are the deliveries.
    ``r.processing`` makes a slow receiver that acts on a message as soon as it has read
    it and answers that many seconds later (the window in which a killed sender cannot
    know it was delivered)."""

    def __init__(self, port: int = 0) -> None:
        self.status = 200
        self.delay = 0.0
        self.processing = 0.0
        self.reply = b"{}"  # e.g. b"ok", what a Slack webhook answers
        self.requests: list[Received] = []
        self.accepted: list[Received] = []
        self.arrived = threading.Event()  # set at each request read
        self._lock = threading.Lock()
        self._port = port or free_port()
        self._fixed = bool(port)
        self._bound = False  # once up, down() and up() keep the port
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------
    def up(self) -> WebhookReceiver:
        if self._server is not None:
            return self
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                form = {}
                if self.headers.get("Content-Type", "").startswith(
                        "application/x-www-form-urlencoded"):
                    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                elif self.headers.get("Content-Type", "").startswith("multipart/form-data"):
                    msg = email.message_from_bytes(
                        b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n"
                        + body, policy=email.policy.HTTP)
                    for part in msg.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        if name and not part.get_filename():
                            form[name] = part.get_content()
                got = Received(self.path, dict(self.headers), body, form)
                status, delay, reply = outer.status, outer.delay, outer.reply
                with outer._lock:
                    outer.requests.append(got)
                outer.arrived.set()
                if delay:
                    time.sleep(delay)  # the client gives up first: not accepted
                elif 200 <= status < 300:
                    with outer._lock:  # before answering: the client may count at once
                        outer.accepted.append(got)
                    time.sleep(outer.processing)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json" if reply[:1] == b"{"
                                     else "text/plain")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass

        for attempt in range(20):
            try:
                server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
                break
            except OSError as exc:  # the free port was taken (an outgoing connection's?)
                if exc.errno != errno.EADDRINUSE or attempt == 19:
                    raise
                if self._fixed or self._bound:
                    time.sleep(0.05)  # the same port again: its URLs are in configs
                else:
                    self._port = free_port()  # no URL handed out for it yet
        self._bound = True
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self._server = server
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    # -- addresses ---------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    def url(self, scheme: str = "json", path: str = "/hook", query: str = "",
            auth: str = "") -> str:
        self._bound = True  # handed out: the port may no longer change
        return (f"{scheme}://{auth + '@' if auth else ''}127.0.0.1:{self._port}{path}"
                f"{'?' + query if query else ''}")

    def count(self, path: str | None = None) -> int:
        return sum(1 for r in self.accepted if path is None or r.path.split("?")[0] == path)


class SMTPReceiver:
    """An aiosmtpd server on 127.0.0.1 keeping each message: ``messages``
    (parsed :class:`EmailMessage`) and ``envelopes`` (``(mail_from, rcpt_tos)``)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = free_port()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content,
                                                      policy=email.policy.default))
        return "250 OK"

    def url(self, query: str = "from=a@example.com&to=b@example.com&mode=insecure") -> str:
        return f"mailto://127.0.0.1:{self.port}?{query}"

    def __enter__(self) -> SMTPReceiver:
        from aiosmtpd.controller import Controller

        for attempt in range(20):
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            try:
                self._controller.start()
                return self
            except OSError as exc:  # the free port was taken before the server bound it
                if exc.errno != errno.EADDRINUSE or attempt == 19:
                    raise
                self.port = free_port()
        return self

    def __exit__(self, *exc) -> None:
        if self._controller is not None:
            self._controller.stop()
