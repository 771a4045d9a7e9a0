"""Core-owned I/O for sources: one fetcher with timeouts, a size cap, gzip,
redirects, a User-Agent and conditional GET, so no plugin writes its own.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import select
import stat
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import NotModified, SourceError
from .version import __version__

# http.client, urllib.request, socket and zlib (~30 ms, in .web) are imported when a URL
# is fetched: a local file, the common case of a scheduled check on disk, never pays.

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 64 * MiB
CHUNK = 1 * MiB  # local reads after the first
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

    @property
    def remote(self) -> bool:
        """Fetched over http(s): its links may lead only to http(s)."""
        return is_url(self.location)

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


_UNITS = {"": 1, "b": 1, "k": KiB, "ki": KiB, "kib": KiB, "kb": 1000,
          "m": MiB, "mi": MiB, "mib": MiB, "mb": 1000 ** 2,
          "g": GiB, "gi": GiB, "gib": GiB, "gb": 1000 ** 3}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(value: int | str, what: str = "size") -> int:
    """Bytes from ``4096``, ``"64MiB"``, ``"1.5 GiB"``, ``"10MB"``: K, M, G and KiB, MiB,
    GiB are powers of 1024, kB, MB and GB of 1000. At least one whole byte."""
    from .errors import ConfigError

    size = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str):
        match = _SIZE.fullmatch(value)
        unit = _UNITS.get(match.group(2).lower()) if match else None
        if match and unit:
            exact = float(match.group(1)) * unit
            size = int(exact) if exact == int(exact) else None
    if size is None or size < 1:
        raise ConfigError(f"{what}: {value!r} is not a size (a number of bytes, or with "
                          "KiB, MiB, GiB, kB, MB or GB)")
    return size


def format_size(size: int) -> str:
    """``64 MiB``, ``1.5 MiB``, ``4999 bytes``: the largest binary unit that says it exactly."""
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if size >= unit and round(size / unit, 1) * unit == size:
            return f"{size / unit:g} {name}"
    return f"{size} bytes"


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

    def get(self, location: str, *, accept: str = "*/*",
            found_in: Document | None = None) -> Document:
        """Fetch a URL or read a local file, within the timeout (a deadline for the whole
        download) and the size cap.

        ``found_in``: the document this location is a link of. A link in a remote
        document may only lead to http(s): a web page must never make listwatch read
        ``file:///etc/passwd``. Locations the user gave (config, command line) may be paths.

        In ``check`` runs a URL fetched before is asked for conditionally; a 304
        raises :class:`NotModified`, which the core reports as "no change".
        """
        if found_in is not None and found_in.remote and not is_url(location):
            link = display(" ".join(location.split())[:200])
            raise SourceError(f"{display(found_in.location)}: links to {link}; only http(s) "
                              "links are followed from a remote document")
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
            content = read_local(path, location, self.timeout, self.max_bytes,
                                 self._too_large(location))
        except FileNotFoundError:
            raise SourceError(f"{location}: no such file") from None
        except IsADirectoryError:
            raise SourceError(f"{location}: is a directory, not a file") from None
        except PermissionError:
            raise SourceError(f"{location}: permission denied") from None
        except OSError as exc:
            raise SourceError(f"{location}: cannot read: {exc.strerror or exc}") from None
        ctype = {".json": "application/json", ".html": "text/html", ".htm": "text/html",
                 ".pdf": "application/pdf", ".xml": "application/xml"}.get(path.suffix.lower(), "")
        return Document(str(path), content, ctype, requested=location)

    def _too_large(self, shown: str) -> str:
        how = "raise the watch's max_bytes" if self.watch else "raise it with --max-bytes"
        return f"{shown}: larger than the {_limit(self.max_bytes)} limit ({how})"

    def _get_url(self, url: str, accept: str) -> Document:
        import base64

        from . import web

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
        authorization = None
        target = url
        if "@" in parts.netloc:  # user:password@host: HTTP Basic auth, never in messages
            userinfo, _, host = parts.netloc.rpartition("@")
            authorization = "Basic " + base64.b64encode(
                urllib.parse.unquote(userinfo).encode("utf-8")).decode("ascii")
            target = urllib.parse.urlunsplit(parts._replace(netloc=host))
        answer = web.download(target, headers, shown, web.Limits(
            self.timeout, self.max_bytes, self._too_large(shown)), authorization)
        ctype = answer.headers.get("Content-Type", "")
        etag, modified = answer.headers.get("ETag"), answer.headers.get("Last-Modified")
        if etag or modified:
            self.new_validators[location_key(url)] = {k: v for k, v in
                                        (("etag", etag), ("last_modified", modified)) if v}
        return Document(answer.url, answer.content, ctype, etag, modified, requested=url)


def read_local(path: Path, shown: str, timeout: float, max_bytes: int, too_large: str) -> bytes:
    """A local file's bytes, with the cap and deadline a download has.

    The cap counts bytes read (``stat`` says 0 for /proc files and devices: /dev/zero
    stops at the cap); a FIFO or device is read without blocking past the deadline.
    OSError (not found, permission, a directory) is the caller's to word.
    """
    deadline = time.monotonic() + timeout
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory")
        regular = stat.S_ISREG(info.st_mode)
        if regular and info.st_size > max_bytes:
            raise SourceError(too_large)
        poll = None
        if not regular and hasattr(select, "poll"):
            poll = select.poll()
            poll.register(fd, select.POLLIN)
        chunks: list[bytes] = []
        total = 0
        want = min(info.st_size, max_bytes) + 1 if regular else CHUNK
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (poll is not None and not poll.poll(left * 1000)):
                raise SourceError(f"{shown}: not read completely within {timeout:g} s")
            try:
                data = os.read(fd, min(want, max_bytes + 1 - total))
            except BlockingIOError:
                continue
            if not data:
                return b"".join(chunks)
            chunks.append(data)
            total += len(data)
            if total > max_bytes:
                raise SourceError(too_large)
            want = CHUNK
    finally:
        os.close(fd)


def _limit(size: int) -> str:
    """``64 MiB``, ``4999-byte``: how a cap reads in "the … limit"."""
    text = format_size(size)
    return text.replace(" bytes", "-byte")
