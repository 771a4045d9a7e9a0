"""listwatch.fetching.Context against a real HTTP server on 127.0.0.1 and local files."""

from __future__ import annotations

import base64
import gzip
import hashlib
import socket
import time

import pytest
from servers import Route

from listwatch.errors import NotModified, SourceError
from listwatch.fetching import USER_AGENT, Context, display, is_url, location_key

ETAG = '"v1-abc"'
MODIFIED = "Wed, 21 Oct 2026 07:28:00 GMT"


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    return text


def test_user_agent_and_content(http_server):
    url = http_server.route("/list.csv", Route(body=b"id,name\n1,A\n",
                                               content_type="text/csv; charset=utf-8"))
    ctx = Context()
    doc = ctx.get(url)
    assert doc.content == b"id,name\n1,A\n" and doc.text() == "id,name\n1,A\n"
    assert doc.content_type == "text/csv; charset=utf-8"
    assert doc.sha256 == hashlib.sha256(b"id,name\n1,A\n").hexdigest()
    assert ctx.primary is doc and ctx.documents == [doc]
    request = http_server.requests[-1]
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("listwatch/")
    assert "gzip" in request.headers["Accept-Encoding"]
    assert "If-None-Match" not in request.headers


def test_accept_header(http_server):
    url = http_server.route("/r", Route(body=b"x"))
    Context().get(url, accept="application/pdf")
    assert http_server.requests[-1].headers["Accept"] == "application/pdf"


def test_charset_from_server(http_server):
    url = http_server.route("/latin", Route(body="café".encode("latin-1"),
                                            content_type="text/plain; charset=iso-8859-1"))
    assert Context().get(url).text() == "café"
    bad = http_server.route("/bad", Route(body=b"\xff\xfe", content_type="text/plain"))
    with pytest.raises(SourceError, match=r"not UTF-8 text \(is it a binary file\?\)"):
        Context().get(bad).text()


def test_redirect_is_followed(http_server):
    final = http_server.route("/new/list.json", Route(body=b"[]"))
    start = http_server.route("/old", Route(redirect=final, status=301))
    ctx = Context()
    doc = ctx.get(start)
    assert doc.content == b"[]" and doc.location == final
    assert [r.path for r in http_server.requests] == ["/old", "/new/list.json"]


@pytest.mark.parametrize("status, reason", [(404, "Not Found"), (500, "Internal Server Error"),
                                            (403, "Forbidden"), (410, "Gone")])
def test_http_errors(http_server, status, reason):
    url = http_server.route("/e", Route(body=b"<html>error page</html>", status=status))
    with pytest.raises(SourceError) as err:
        Context().get(url)
    assert one_line(err.value) == f"{url}: HTTP {status} {reason}"


def test_timeout(http_server):
    url = http_server.route("/slow", Route(body=b"late", delay=2))
    start = time.monotonic()
    with pytest.raises(SourceError) as err:
        Context(timeout=0.5).get(url)
    assert time.monotonic() - start < 1.9
    assert one_line(err.value) == f"{url}: no complete answer within 0.5 s"


def test_connection_refused():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match="cannot connect") as err:
        Context(timeout=2).get(f"http://127.0.0.1:{port}/x")
    one_line(err.value)


def test_size_cap_plain(http_server):
    url = http_server.route("/big", Route(body=b"x" * 5000))
    with pytest.raises(SourceError) as err:
        Context(max_bytes=4999).get(url)
    assert "4999-byte limit" in one_line(err.value)
    assert Context(max_bytes=5000).get(url).content == b"x" * 5000


def test_gzip_is_decompressed(http_server):
    body = b"id,name\n" + b"".join(b"%d,Name %d\n" % (i, i) for i in range(20000))
    url = http_server.route("/z.csv", Route(body=body, gzip=True))
    doc = Context().get(url)
    assert doc.content == body
    assert doc.sha256 == hashlib.sha256(body).hexdigest()  # of the document, not the transfer


def test_gzip_bomb_is_capped(http_server):
    bomb = b"\0" * 50_000_000  # ~50 KB on the wire
    url = http_server.route("/bomb", Route(body=bomb, gzip=True))
    assert len(gzip.compress(bomb)) < 100_000
    with pytest.raises(SourceError) as err:
        Context(max_bytes=1_000_000).get(url)
    assert "1000000-byte limit" in one_line(err.value)


def test_gzip_just_under_the_cap(http_server):
    body = b"a" * 100_000
    url = http_server.route("/z", Route(body=body, gzip=True))
    assert Context(max_bytes=100_000).get(url).content == body
    with pytest.raises(SourceError, match="limit"):
        Context(max_bytes=99_999).get(url)


def test_corrupt_gzip(http_server):
    url = http_server.route("/c", Route(body=b"this is not gzip at all",
                                        headers={"Content-Encoding": "gzip"}))
    with pytest.raises(SourceError) as err:
        Context().get(url)
    assert one_line(err.value) == f"{url}: corrupt gzip data"


# -- conditional GET ---------------------------------------------------------------------------

@pytest.fixture
def cached(http_server):
    return http_server.route("/c.pdf", Route(body=b"%PDF", etag=ETAG, last_modified=MODIFIED))


def test_validators_are_recorded(http_server, cached):
    ctx = Context()
    ctx.get(cached)
    assert ctx.new_validators == {location_key(cached): {"etag": ETAG, "last_modified": MODIFIED}}
    plain = http_server.route("/plain", Route(body=b"x"))
    ctx.get(plain)
    assert location_key(plain) not in ctx.new_validators


def test_conditional_get_304(http_server, cached):
    ctx = Context(conditional=True, validators={location_key(cached): {
        "etag": ETAG, "last_modified": MODIFIED}})
    with pytest.raises(NotModified):
        ctx.get(cached)
    headers = http_server.requests[-1].headers
    assert headers["If-None-Match"] == ETAG and headers["If-Modified-Since"] == MODIFIED


def test_conditional_get_changed_document(http_server, cached):
    ctx = Context(conditional=True, validators={location_key(cached): {"etag": '"v0-old"'}})
    assert ctx.get(cached).content == b"%PDF"
    assert http_server.requests[-1].headers["If-None-Match"] == '"v0-old"'
    assert ctx.new_validators[location_key(cached)]["etag"] == ETAG


def test_conditional_get_last_modified_only(http_server):
    url = http_server.route("/lm", Route(body=b"x", last_modified=MODIFIED))
    ctx = Context(conditional=True, validators={location_key(url): {"last_modified": MODIFIED}})
    with pytest.raises(NotModified):
        ctx.get(url)
    assert "If-None-Match" not in http_server.requests[-1].headers


def test_no_conditional_headers_unless_asked(http_server, cached):
    known = {location_key(cached): {"etag": ETAG, "last_modified": MODIFIED}}
    assert Context(conditional=False, validators=known).get(cached).content == b"%PDF"
    headers = http_server.requests[-1].headers
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers
    assert Context(conditional=True, validators={}).get(cached).content == b"%PDF"
    headers = http_server.requests[-1].headers
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers


# -- secrets in URLs ---------------------------------------------------------------------------

SECRET = "s3cr3t-Pa55"


def test_credentials_are_sent_as_basic_auth(http_server):
    url = http_server.route("/private", Route(body=b"ok"))
    with_auth = url.replace("http://", f"http://alice:{SECRET}@")
    assert Context().get(with_auth).content == b"ok"
    sent = http_server.requests[-1].headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()


def test_credentials_not_forwarded_on_redirect(http_server):
    final = http_server.route("/elsewhere", Route(body=b"ok"))
    start = http_server.route("/go", Route(redirect=final))
    Context().get(start.replace("http://", f"http://alice:{SECRET}@"))
    assert "Authorization" in http_server.requests[0].headers
    assert "Authorization" not in http_server.requests[1].headers


@pytest.mark.parametrize("case", ["404", "500", "timeout", "refused", "bad-port", "bad-ipv6",
                                  "cap"])
def test_credentials_never_in_error_messages(http_server, case):
    http_server.route("/500", Route(status=500))
    http_server.route("/slow", Route(body=b"x", delay=2))
    http_server.route("/big", Route(body=b"x" * 100))
    port = http_server.port
    url = {
        "404": f"http://bob:{SECRET}@127.0.0.1:{port}/missing?token={SECRET}",
        "500": f"http://bob:{SECRET}@127.0.0.1:{port}/500",
        "timeout": f"http://bob:{SECRET}@127.0.0.1:{port}/slow?api_key={SECRET}",
        "refused": f"http://bob:{SECRET}@127.0.0.1:1/x",
        "bad-port": f"http://bob:{SECRET}@127.0.0.1:99999/x",
        "bad-ipv6": f"http://bob:{SECRET}@[::1/x?token={SECRET}",
        "cap": f"https://bob:{SECRET}@127.0.0.1:{port}/big".replace("https", "http"),
    }[case]
    with pytest.raises(SourceError) as err:
        Context(timeout=0.5, max_bytes=10).get(url)
    message = one_line(err.value)
    assert SECRET not in message and "bob" not in message
    assert "127.0.0.1" in message or "::1" in message


def test_display():
    assert display(f"https://u:{SECRET}@example.org:8443/a/b?token={SECRET}&page=2#frag") == \
        "https://example.org:8443/a/b?token=…&page=2"
    assert display("http://[::1]:8080/x") == "http://[::1]:8080/x"
    assert display("/tmp/list.csv") == "/tmp/list.csv"
    assert SECRET not in display(f"http://u:{SECRET}@h:99999/x")
    assert is_url("HTTPS://example.org") and is_url("http://x")
    assert not is_url("/tmp/http://x") and not is_url("file:///tmp/x") and not is_url("C:\\x")


# -- local files -------------------------------------------------------------------------------

def test_local_file(tmp_path):
    path = tmp_path / "list.json"
    path.write_bytes(b'[{"id": 1}]')
    doc = Context().get(str(path))
    assert doc.content == b'[{"id": 1}]' and doc.content_type == "application/json"
    assert doc.location == str(path)
    assert Context().get(path.as_uri()).content == b'[{"id": 1}]'


def test_local_file_with_space_as_file_url(tmp_path):
    path = tmp_path / "my list.csv"
    path.write_text("id,name\n")
    assert Context().get(path.as_uri()).content == b"id,name\n"


def test_missing_file(tmp_path):
    with pytest.raises(SourceError) as err:
        Context().get(str(tmp_path / "nope.csv"))
    assert one_line(err.value) == f"{tmp_path / 'nope.csv'}: no such file"


def test_directory(tmp_path):
    with pytest.raises(SourceError) as err:
        Context().get(str(tmp_path))
    assert one_line(err.value) == f"{tmp_path}: is a directory, not a file"


def test_local_file_over_the_cap(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 101)
    with pytest.raises(SourceError) as err:
        Context(max_bytes=100).get(str(path))
    assert one_line(err.value) == f"{path}: larger than the 100-byte limit (raise it with " \
        "--max-bytes)"
    path.write_bytes(b"x" * 100)
    assert Context(max_bytes=100).get(str(path)).content == b"x" * 100


def test_unreadable_file(tmp_path):
    """A path through a regular file cannot be read (as root too, unlike chmod 0)."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(SourceError, match=r"not-a-dir/list.csv: cannot read: Not a directory"):
        Context().get(str(blocker / "list.csv"))


def test_warnings_collected():
    ctx = Context()
    ctx.warn("first")
    ctx.warn("second")
    assert ctx.warnings == ["first", "second"]
