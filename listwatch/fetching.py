"""Core-owned I/O for sources: one fetcher with timeouts, a size cap, gzip,
redirects, a User-Agent and conditional GET, so no plugin writes its own.
"""

from __future__ import annotations

import functools
import hashlib
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import NotModified, SourceError
from .version import __version__

# http.client, urllib.request, socket and zlib (~30 ms) are imported when a URL is
# fetched: a local file, the common case of a scheduled check on disk, never pays.

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
USER_AGENT = f"listwatch/{__version__} (+https://pypi.org/project/listwatch/)"


@dataclass
class Document:
    """Bytes of one fetched document, with what the server said about them."""

    location: str
    content: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    requested: str = ""

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def text(self) -> str:
        """Decode as the server's charset, else UTF-8 (BOM tolerated)."""
        charset = "utf-8-sig"
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset)
        except (UnicodeDecodeError, LookupError):
            shown = "UTF-8" if charset == "utf-8-sig" else charset
            raise SourceError(f"{self.location}: not {shown} text (is it a binary file?)") \
                from None


def location_key(location: str) -> str:
    """How a location is named in the store's state: a digest, so that a token in a
    URL (``?key=…``, ``user:password@``) is never written to disk."""
    return hashlib.sha256(location.encode("utf-8")).hexdigest()[:32]


def is_url(location: str) -> bool:
    return location.split(":", 1)[0].lower() in ("http", "https") and ":" in location


def display(location: str) -> str:
    """The location as messages and stored snapshots show it: without user:password,
    without the values of query keys that name secrets, and with every value that
    came from ``${NAME}`` masked wherever it sits (:func:`listwatch.alerts.secrets.redact`)."""
    from .alerts.secrets import redact

    if not is_url(location):
        return redact(location)
    try:
        parts = urllib.parse.urlsplit(location)
        port = parts.port
    except ValueError:  # a malformed URL (bad port, broken IPv6 brackets)
        return redact(re.sub(r"(?<=://)[^/?#]*@", "", redact(location)).split("?", 1)[0])
    netloc = (f"[{parts.hostname}]" if ":" in (parts.hostname or "") else
              parts.hostname or "") + (f":{port}" if port else "")
    # masked before the query is decoded and re-joined, and again after
    query = "&".join(f"{k}=…" if k.lower() in _SECRET_KEYS else f"{k}={v}"
                     for k, v in urllib.parse.parse_qsl(redact(parts.query),
                                                        keep_blank_values=True))
    return redact(urllib.parse.urlunsplit((parts.scheme, netloc, redact(parts.path), query,
                                           "")))


_SECRET_KEYS = {"key", "api_key", "apikey", "token", "access_token", "secret", "password",
                "pass", "sig", "signature"}


@dataclass
class Context:
    """What a source's ``fetch`` gets besides location and options.

    ``get`` reads URLs and local paths; ``latest`` reads another watch's stored
    snapshot (for options such as ``mentions_of``).
    """

    watch: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    conditional: bool = False
    latest: Callable[[str], dict[str, Any] | None] = lambda watch: None
    #: location -> sha256 of the documents behind the last accepted snapshot; with
    #: ``skip_unchanged`` a document with the same bytes raises NotModified, so a
    #: deterministic source is not parsed again for nothing.
    known_documents: dict[str, str] = field(default_factory=dict)
    skip_unchanged: bool = False
    #: set by the core from the source's Draft (items before the source's filters)
    unfiltered: int | None = None
    warnings: list[str] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    new_validators: dict[str, dict[str, str]] = field(default_factory=dict)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def get(self, location: str, *, accept: str = "*/*") -> Document:
        """Fetch a URL or read a local file, within the timeout and size cap.

        In ``check`` runs a URL fetched before is asked for conditionally; a 304
        raises :class:`NotModified`, which the core reports as "no change".
        """
        if is_url(location):
            doc = self._get_url(location, accept)
        else:
            doc = self._read_file(location)
        self.documents.append(doc)
        if self.skip_unchanged and self.known_documents.get(location_key(location)) == doc.sha256:
            raise NotModified(location, "same document as last run")
        return doc

    def fetched(self) -> dict[str, str]:
        """location -> sha256 of every document read in this run."""
        return {location_key(d.requested): d.sha256 for d in self.documents}

    @property
    def primary(self) -> Document | None:
        """The document the snapshot was made from: the last one fetched."""
        return self.documents[-1] if self.documents else None

    def _read_file(self, location: str) -> Document:
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(location).path)
                    if location.startswith("file:") else location)
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise SourceError(f"{location}: is a directory, not a file")
            if size > self.max_bytes:
                raise SourceError(f"{location}: {size} bytes is over the "
                                  f"{self.max_bytes}-byte limit")
            content = path.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"{location}: no such file") from None
        except PermissionError:
            raise SourceError(f"{location}: permission denied") from None
        except OSError as exc:
            raise SourceError(f"{location}: cannot read: {exc.strerror or exc}") from None
        ctype = {".json": "application/json", ".html": "text/html", ".htm": "text/html",
                 ".pdf": "application/pdf", ".xml": "application/xml"}.get(path.suffix.lower(), "")
        return Document(str(path), content, ctype, requested=location)

    def _get_url(self, url: str, accept: str) -> Document:
        import base64
        import socket
        import urllib.error
        import urllib.request

        shown = display(url)
        headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip"}
        known = self.validators.get(location_key(url), {}) if self.conditional else {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        try:
            parts = urllib.parse.urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            raise SourceError(f"{shown}: not a valid URL: {exc}") from None
        credentials = None
        if "@" in parts.netloc:  # user:password@host: HTTP Basic auth, never in messages
            userinfo, _, host = parts.netloc.rpartition("@")
            credentials = base64.b64encode(
                urllib.parse.unquote(userinfo).encode("utf-8")).decode("ascii")
            target = urllib.parse.urlunsplit(parts._replace(netloc=host))
        else:
            target = url
        request = urllib.request.Request(target, headers=headers)
        if credentials:  # unredirected: never sent on to where a redirect points
            request.add_unredirected_header("Authorization", f"Basic {credentials}")
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                raise NotModified(shown) from None
            raise SourceError(f"{shown}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise SourceError(f"{shown}: no answer within {self.timeout:g} s") from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise SourceError(f"{shown}: cannot connect: {text}") from None
        except TimeoutError:
            raise SourceError(f"{shown}: no answer within {self.timeout:g} s") from None
        except (OSError, ValueError) as exc:
            raise SourceError(f"{shown}: {exc}") from None
        with response:
            content = self._read_capped(response, shown)
            info = response.headers
            ctype = info.get("Content-Type", "")
            etag, modified = info.get("ETag"), info.get("Last-Modified")
            final = response.geturl()
        if etag or modified:
            self.new_validators[location_key(url)] = {k: v for k, v in
                                        (("etag", etag), ("last_modified", modified)) if v}
        return Document(final, content, ctype, etag, modified, requested=url)

    def _read_capped(self, response, shown: str) -> bytes:
        import http.client
        import zlib

        gz = response.headers.get("Content-Encoding", "").lower() in ("gzip", "x-gzip")
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gz else None
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                raw = response.read(65536)
                if not raw:
                    break
                data = inflater.decompress(raw, self.max_bytes + 1 - total) if inflater else raw
                total += len(data)
                if total > self.max_bytes or (inflater and inflater.unconsumed_tail):
                    raise SourceError(f"{shown}: more than the {self.max_bytes}-byte limit "
                                      "(raise max_bytes for this watch if that is expected)")
                chunks.append(data)
            if inflater:
                chunks.append(inflater.flush())
        except zlib.error:
            raise SourceError(f"{shown}: corrupt gzip data") from None
        except TimeoutError:
            raise SourceError(f"{shown}: no answer within {self.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise SourceError(f"{shown}: connection broke off: {exc}") from None
        return b"".join(chunks)
