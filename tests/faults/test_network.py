"""The network and local-read seam under attack: downloads cut short, links and redirects
that lead off the web, servers that drip, FIFOs and endless devices.

Everything runs against the real server in tests/servers.py on 127.0.0.1 and real files;
time bounds are generous behaviour bounds (a 2 s deadline must not take a minute), not
benchmarks.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from receivers import WebhookReceiver
from servers import DripServer, Route

from listwatch import fetching
from listwatch.errors import ConfigError, SourceError
from listwatch.fetching import Context

LISTWATCH = shutil.which("listwatch") or pytest.fail("the listwatch executable is not installed")
MiB = 1024 * 1024
BODY = b"id,name\n" + b"".join(b"%d,Market %03d\n" % (i, i) for i in range(1, 101))


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and text.strip(), repr(text)
    return text


def fails(url: str, **kw) -> str:
    """The one-line SourceError a fetch of ``url`` ends in."""
    with pytest.raises(SourceError) as err:
        Context(**kw).get(url)
    return one_line(err.value)


def lw(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([LISTWATCH, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def store_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


# -- 1. a download cut short is a failed fetch ---------------------------------------------------

def test_body_shorter_than_its_content_length(http_server):
    url = http_server.route("/cut.csv", Route(body=BODY, truncate=len(BODY) * 7 // 10))
    message = fails(url)
    assert message.startswith(f"{url}: ") and "cut short" in message
    assert f"{len(BODY) * 7 // 10} of {len(BODY)} bytes" in message


def test_body_cut_to_nothing(http_server):
    url = http_server.route("/none", Route(body=BODY, truncate=0))
    assert fails(url).startswith(f"{url}: ")


@pytest.mark.parametrize("how", ["cut", "unterminated"])
def test_broken_chunked_transfer(http_server, how):
    url = http_server.route("/chunked", Route(body=BODY, chunked=how))
    message = fails(url)
    assert message.startswith(f"{url}: ") and "cut short" in message


def test_whole_chunked_transfer_is_read(http_server):
    url = http_server.route("/chunked", Route(body=BODY, chunked="ok"))
    assert Context().get(url).content == BODY


def test_gzip_stream_cut_short(http_server):
    packed = gzip.compress(BODY)
    url = http_server.route("/z", Route(body=packed[:len(packed) // 2],
                                        headers={"Content-Encoding": "gzip"}))
    message = fails(url)
    assert message == f"{url}: the gzip stream is cut short (an incomplete download?)"


def test_gzip_without_its_trailer(http_server):
    """The data inflates completely, but the CRC and length trailer never came."""
    packed = gzip.compress(BODY)
    url = http_server.route("/z", Route(body=packed[:-8], headers={"Content-Encoding": "gzip"}))
    assert "gzip stream is cut short" in fails(url)


def test_gzip_body_cut_short_on_the_wire(http_server):
    url = http_server.route("/z", Route(body=BODY * 50, gzip=True, truncate=200))
    assert "cut short" in fails(url)


@pytest.fixture
def watched_table(tmp_path, http_server):
    """A table watch over HTTP with its baseline stored, and a webhook that hears changes."""
    route = Route(body=BODY, content_type="text/csv")
    url = http_server.route("/list.csv", route)
    with WebhookReceiver() as hook:
        (tmp_path / "listwatch.toml").write_text(f'''
[[watch]]
name = "markets"
source = "table"
location = "{url}"
notify = ["{hook.url("json", "/hook")}"]
''', encoding="utf-8")
        first = lw(tmp_path, "check")
        assert first.returncode == 0, first.stderr
        assert "baseline stored: 100 entries" in first.stdout
        yield tmp_path, route, url, hook


@pytest.mark.parametrize("fault", ["truncate", "chunked", "gzip"])
def test_check_over_a_download_cut_short_stores_and_sends_nothing(watched_table, fault):
    project, route, url, hook = watched_table
    before = store_digest(project / ".listwatch")
    # cut at a line end: a whole-looking table, 30 of 100 rows "removed" (under the guard's 50%)
    shorter = BODY[:BODY.rindex(b"\n", 0, len(BODY) * 7 // 10) + 1]
    if fault == "truncate":
        route.truncate = len(shorter)
    elif fault == "chunked":
        route.chunked = "cut"
    else:
        route.body = gzip.compress(BODY)[:len(shorter) // 3]
        route.headers = {"Content-Encoding": "gzip"}
    run = lw(project, "check")
    assert run.returncode == 3, (run.stdout, run.stderr)
    lines = [line for line in run.stderr.splitlines() if url in line]
    assert len(lines) == 1 and "cut short" in lines[0], run.stderr
    assert run.stdout.startswith("markets: FAILED: ")  # the report names it too
    assert "removed" not in run.stdout
    assert store_digest(project / ".listwatch") == before
    assert hook.requests == []
    # the whole document again: no change, nothing sent
    route.truncate, route.chunked, route.body, route.headers = None, None, BODY, {}
    again = lw(project, "check")
    assert again.returncode == 0, again.stderr
    assert "no change" in again.stdout and hook.requests == []


# -- 2. links and redirects lead only to http(s) -------------------------------------------------

def test_redirect_to_ftp_is_refused(http_server):
    url = http_server.route("/to-ftp", Route(redirect="ftp://127.0.0.1:1/list.csv"))
    assert fails(url, timeout=3) == (f"{url}: redirect to ftp:// refused; only http(s) "
                                     "redirects are followed")


@pytest.mark.parametrize("target, scheme", [("file:///etc/passwd", "file://"),
                                            ("file:///dev/zero", "file://"),
                                            ("data:,hello", "data:")])
def test_redirect_off_the_web_is_refused(http_server, target, scheme):
    url = http_server.route("/away", Route(redirect=target))
    message = fails(url)
    assert message == f"{url}: redirect to {scheme} refused; only http(s) redirects are followed"


def test_redirect_loop_is_one_line(http_server):
    a = http_server.url("/a")
    http_server.route("/a", Route(redirect=http_server.url("/b")))
    http_server.route("/b", Route(redirect=a))
    assert fails(a) == f"{a}: too many redirects (a redirect loop?)"


def test_redirect_chain_within_the_web_is_followed(http_server):
    final = http_server.route("/final", Route(body=b"ok"))
    hop = http_server.route("/hop", Route(redirect=final, status=307))
    start = http_server.route("/start", Route(redirect=hop, status=308))
    assert Context().get(start).content == b"ok"


def test_a_link_in_a_remote_document_is_http_only(http_server, tmp_path):
    secret = tmp_path / "local.txt"
    secret.write_bytes(b"LOCAL-ONLY-CONTENT")
    page_url = http_server.route("/page", Route(body=b"<html></html>",
                                                content_type="text/html"))
    ctx = Context()
    page = ctx.get(page_url)
    for link in (secret.as_uri(), str(secret), "file:///dev/zero", "ftp://127.0.0.1:1/x"):
        with pytest.raises(SourceError) as err:
            ctx.get(link, found_in=page)
        message = one_line(err.value)
        assert message.startswith(f"{page_url}: links to ") and "LOCAL-ONLY" not in message
        assert "only http(s) links are followed from a remote document" in message
    assert ctx.documents == [page]
    linked = http_server.route("/linked", Route(body=b"fine"))
    assert ctx.get(linked, found_in=page).content == b"fine"


def test_a_link_in_a_local_document_may_be_local(tmp_path):
    page = tmp_path / "index.html"
    page.write_bytes(b"<html></html>")
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF-1.4")
    ctx = Context()
    doc = ctx.get(str(page))
    assert ctx.get(str(target), found_in=doc).content == b"%PDF-1.4"
    assert ctx.get(target.as_uri(), found_in=doc).content == b"%PDF-1.4"


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory) -> Path:
    from fixtures import make_reports

    path = tmp_path_factory.mktemp("nml") / "2021 Notorious Markets List.pdf"
    make_reports.make_report(2021, path)
    return path


def _index(links: list[str]) -> bytes:
    from fixtures import make_reports

    return make_reports.index_html([(href, "2021 Review of Notorious Markets for "
                                           "Counterfeiting and Piracy (PDF)") for href in links])


@pytest.mark.parametrize("target", ["pdf", "passwd", "zero"])
def test_remote_index_page_cannot_make_ustr_nml_read_local_files(http_server, report_pdf,
                                                                   plugins, target):
    from listwatch.sources import collect_sources, run

    link = {"pdf": report_pdf.as_uri(), "passwd": "file:///etc/passwd",
            "zero": "file:///dev/zero"}[target]
    page = http_server.route("/nml", Route(body=_index([link]), content_type="text/html"))
    reg = collect_sources(plugins)["ustr-nml"]
    start = time.monotonic()
    with pytest.raises(SourceError) as err:
        run(reg, page, {}, Context(timeout=5))
    assert time.monotonic() - start < 5
    message = one_line(err.value)
    assert message.startswith(f"{page}: links to ")
    assert "only http(s) links are followed" in message and "root:" not in message


def test_remote_index_page_linking_a_remote_report_still_works(http_server, report_pdf,
                                                                plugins):
    from listwatch.sources import collect_sources, run

    pdf = http_server.route("/files/2021 Notorious Markets List.pdf".replace(" ", "%20"),
                            Route(body=report_pdf.read_bytes(), content_type="application/pdf"))
    page = http_server.route("/nml", Route(body=_index(["/files/2021%20Notorious%20Markets"
                                                        "%20List.pdf"]),
                                           content_type="text/html"))
    snap = run(collect_sources(plugins)["ustr-nml"], page, {}, Context())
    assert snap["list"]["edition"] == "2021" and snap["entries"]
    assert http_server.requests[-1].path == pdf.split(str(http_server.port))[1]


# -- 3. the timeout is a deadline for the whole fetch --------------------------------------------

def test_a_dripping_body_fails_at_the_deadline(http_server):
    url = http_server.route("/drip", Route(body=b"x" * 100, drip=1.0))
    start = time.monotonic()
    message = fails(url, timeout=2)
    took = time.monotonic() - start
    assert took < 6, f"a 2 s deadline took {took:.1f} s"
    assert message.startswith(f"{url}: ") and "within 2 s" in message


def test_dripping_headers_fail_at_the_deadline(http_server):
    url = http_server.route("/drip-head", Route(body=b"x", drip_headers=0.5))
    start = time.monotonic()
    message = fails(url, timeout=2)
    assert time.monotonic() - start < 6
    assert message == f"{url}: no complete answer within 2 s"


def test_a_dripping_tls_handshake_fails_at_the_deadline():
    """A TLS record header promising 16 KiB, then a byte a second: each read is quick, the
    handshake never ends. (Python bounds a handshake as one call; this keeps it so.)"""
    server = DripServer(b"\x16\x03\x03\x40\x00" + b"\x02" * 60, pause=1.0)
    try:
        url = server.url("https")
        start = time.monotonic()
        message = fails(url, timeout=2)
        assert time.monotonic() - start < 6
        assert message == f"{url}: no complete answer within 2 s"
    finally:
        server.stop()


def test_a_slow_but_steady_download_within_the_deadline_succeeds(http_server):
    url = http_server.route("/drip", Route(body=b"abcd", drip=0.1))
    assert Context(timeout=5).get(url).content == b"abcd"


def test_fetch_command_timeout_bounds_a_drip(http_server, tmp_path):
    url = http_server.route("/drip.csv", Route(body=BODY, drip=1.0))
    start = time.monotonic()
    run = lw(tmp_path, "fetch", "table", url, "--timeout", "2")
    took = time.monotonic() - start
    assert run.returncode == 3, run.stderr
    assert took < 10, f"took {took:.1f} s"  # 2 s deadline + interpreter start-up
    assert run.stderr.strip().splitlines() == [f"error: {url}: no complete answer within 2 s"]


def test_check_with_a_dripping_server_ends_at_the_watch_timeout(http_server, tmp_path):
    """The store lock is held for the deadline, not for as long as the server likes."""
    url = http_server.route("/drip.csv", Route(body=BODY, drip=1.0))
    (tmp_path / "listwatch.toml").write_text(f'''
[[watch]]
name = "slow"
source = "table"
location = "{url}"
timeout = 2
''', encoding="utf-8")
    start = time.monotonic()
    run = lw(tmp_path, "check")
    took = time.monotonic() - start
    assert run.returncode == 3, run.stderr
    assert took < 10, f"took {took:.1f} s"  # 2 s deadline + interpreter start-up
    assert f"{url}: no complete answer within 2 s" in run.stdout + run.stderr


def test_a_fifo_without_a_writer_does_not_block(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(SourceError) as err:
        Context(timeout=1).get(str(fifo))
    assert time.monotonic() - start < 4
    assert one_line(err.value) == f"{fifo}: not read completely within 1 s"


def test_a_fifo_with_a_writer_is_read(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "wb") as f:
            f.write(BODY)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    assert Context(timeout=5).get(str(fifo)).content == BODY
    writer.join(5)


def test_dev_zero_stops_at_the_cap():
    start = time.monotonic()
    with pytest.raises(SourceError) as err:
        Context(max_bytes=4 * MiB, timeout=10).get("/dev/zero")
    assert time.monotonic() - start < 5
    assert one_line(err.value) == ("/dev/zero: larger than the 4 MiB limit "
                                   "(raise it with --max-bytes)")


def test_a_local_file_that_grows_past_its_stat_size_is_capped(tmp_path):
    """/proc files report size 0; the cap counts bytes read, not what stat says."""
    path = Path("/proc/self/status")
    if not path.exists():
        pytest.skip("no /proc on this system")
    with pytest.raises(SourceError, match="larger than the 16-byte limit"):
        Context(max_bytes=16).get(str(path))


# -- 4. ustr-nml is deterministic -----------------------------------------------------------------

def test_ustr_nml_is_deterministic(plugins):
    from listwatch.sources import collect_sources, is_deterministic

    reg = collect_sources(plugins)["ustr-nml"]
    assert is_deterministic(reg.source, {}) and is_deterministic(reg.source, {"edition": "2021"})


def test_second_check_over_the_same_pdf_does_not_parse_it_again(tmp_path, report_pdf):
    shutil.copy(report_pdf, tmp_path / "report.pdf")
    (tmp_path / "listwatch.toml").write_text('''
[[watch]]
name = "nml"
source = "ustr-nml"
location = "report.pdf"
''', encoding="utf-8")
    first = lw(tmp_path, "check")
    assert first.returncode == 0, first.stderr
    assert "baseline stored" in first.stdout
    again = lw(tmp_path, "check")
    assert again.returncode == 0, again.stderr
    assert "no change (same document as last run)" in again.stdout


# -- 5. sizes in MiB, and `fetch` sets the timeout and the cap ------------------------------------

@pytest.mark.parametrize("text, size", [("1000", 1000), ("64MiB", 64 * MiB), ("64 MiB", 64 * MiB),
                                        ("64M", 64 * MiB), ("10MB", 10_000_000),
                                        ("2KiB", 2048), ("2k", 2048), ("1GiB", 1024 * MiB),
                                        ("512b", 512), (4096, 4096), ("1.5MiB", 3 * MiB // 2)])
def test_parse_size(text, size):
    assert fetching.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MiB", "-1", "0", "12 parsecs", "1e9", "0.1b", True, 1.5])
def test_parse_size_refuses(text):
    with pytest.raises(ConfigError) as err:
        fetching.parse_size(text)
    assert "size" in one_line(err.value)


def test_format_size():
    assert fetching.format_size(64 * MiB) == "64 MiB"
    assert fetching.format_size(2048) == "2 KiB"
    assert fetching.format_size(4999) == "4999 bytes"
    assert fetching.format_size(1536 * 1024) == "1.5 MiB"


def test_size_cap_message_in_mib(http_server, tmp_path):
    url = http_server.route("/big", Route(body=b"x" * (MiB + 1)))
    assert fails(url, max_bytes=MiB) == (f"{url}: larger than the 1 MiB limit "
                                         "(raise it with --max-bytes)")
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (MiB + 1))
    with pytest.raises(SourceError) as err:
        Context(watch="sdn", max_bytes=MiB).get(str(big))
    assert one_line(err.value) == (f"{big}: larger than the 1 MiB limit "
                                   "(raise the watch's max_bytes)")


def test_fetch_command_max_bytes(tmp_path):
    (tmp_path / "list.csv").write_bytes(BODY)
    ok = lw(tmp_path, "fetch", "table", "list.csv", "--max-bytes", "64MiB", "--timeout", "5")
    assert ok.returncode == 0, ok.stderr
    small = lw(tmp_path, "fetch", "table", "list.csv", "--max-bytes", "1KiB")
    assert small.returncode == 3
    assert "list.csv: larger than the 1 KiB limit (raise it with --max-bytes)" in small.stderr
    bad = lw(tmp_path, "fetch", "table", "list.csv", "--max-bytes", "lots")
    assert bad.returncode == 2 and "lots" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    neg = lw(tmp_path, "fetch", "table", "list.csv", "--timeout", "0")
    assert neg.returncode == 2, neg.stderr


def test_config_max_bytes_as_a_size(tmp_path):
    (tmp_path / "list.csv").write_bytes(BODY)
    config = tmp_path / "listwatch.toml"
    config.write_text('''
[[watch]]
name = "t"
source = "table"
location = "list.csv"
max_bytes = "1 KiB"
''', encoding="utf-8")
    run = lw(tmp_path, "check")
    assert run.returncode == 3
    assert "list.csv: larger than the 1 KiB limit (raise the watch's max_bytes)" in \
        run.stdout + run.stderr
    config.write_text(config.read_text().replace('"1 KiB"', '"1MiB"'))
    assert lw(tmp_path, "check").returncode == 0
    config.write_text(config.read_text().replace('"1MiB"', '"a lot"'))
    bad = lw(tmp_path, "check")
    assert bad.returncode == 2 and "max_bytes" in bad.stderr and "a lot" in bad.stderr
