"""Parsing an untrusted PDF in a child process, so that a runaway or a crash cannot take
the run down.

PDFium is C++: a decompression bomb (a 1 MB file whose stream inflates to 1 GiB) makes it
allocate until the machine runs out of memory, and a malformed file can make it abort the
whole process (SIGABRT: no message, no other watch finishes). So the report is read and
parsed in a fresh interpreter that limits itself with ``resource.setrlimit`` before it loads
PDFium: address space (``parser_memory``, default 1 GiB, or less if the parent already has
a lower limit) and CPU time (``parser_seconds``, default 60 s); the parent adds a wall-clock
deadline (twice the CPU limit plus 10 s) and kills it past that. The child sends back the
parsed report as JSON (never pickle: the parent trusts no object built from the document).
Whatever happens to the child — a signal, the memory or time limit, an exception — becomes
one :class:`BadDocument` line.

The child's start is the cost of the isolation (the parent no longer loads PDFium), so it
starts lean: ``python -I -S`` (no ``site``, no editable-install finders) with the roots of
the packages it needs and the parent's ``sys.path`` after its own standard library, and the
plugin package without its ``__init__`` (hook registration, pluggy, the Source class). See
the README's performance table; ``python benchmarks/bench_nml.py`` measures it.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time

from .text import BadDocument

DEFAULT_MEMORY_MIB = 1024
DEFAULT_SECONDS = 60
#: Test hook, standing in for a document that crashes or runs away inside PDFium: once
#: it has read the document the child sends itself a signal (``SIGABRT``, ``SIGKILL``…),
#: or spins (``spin``: the CPU limit), sleeps (``hang``: the deadline) or allocates
#: (``memory``: the memory limit).
TEST_HOOK = "_LISTWATCH_NML_TEST_CHILD"
_BOOT = ("import sys, json, types; "
         "sys.path += [p for p in json.loads(sys.argv[1]) if p not in sys.path]; "
         "pkg = types.ModuleType('listwatch_ustr_nml'); pkg.__path__ = [sys.argv[2]]; "
         "sys.modules[pkg.__name__] = pkg; "
         "from listwatch_ustr_nml.isolate import child; child(sys.argv[3:])")
_MEMORY_FAILED = 75     # the child's exit status after a MemoryError


def read_report(content: bytes, memory_mib: int = DEFAULT_MEMORY_MIB,
                seconds: float = DEFAULT_SECONDS, wall: float | None = None):
    """:func:`read_in_process` in a limited child process: a :class:`text.Report`, or
    :class:`BadDocument` (the document's own problem, or what stopped the parser).
    ``wall`` defaults to twice ``seconds`` plus 10."""
    import resource
    import signal
    import subprocess

    from .text import Report

    inherited = resource.getrlimit(resource.RLIMIT_AS)[0]   # a container's, a ulimit's
    if inherited != resource.RLIM_INFINITY:
        memory_mib = min(memory_mib, inherited >> 20)
    cmd = [sys.executable, "-I", "-S", "-c", _BOOT, json.dumps(_child_path()),
           os.path.dirname(__file__), str(memory_mib), str(seconds)]
    wall = seconds * 2 + 10 if wall is None else wall
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        out, err, timed_out = _exchange(proc, content, start + wall)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe:
                pipe.close()
    code = proc.returncode
    limit = f"{memory_mib / 1024:g} GiB" if memory_mib % 1024 == 0 else f"{memory_mib} MiB"
    if timed_out:
        raise BadDocument(f"the PDF parser was killed: it took longer than {wall:g} s")
    # PDFium aborts when an allocation fails; a peak near the limit says why
    if code == _MEMORY_FAILED or (code < 0 and usage.ru_maxrss << 10 >= memory_mib << 19):
        raise BadDocument(f"the PDF parser was killed: it used more than {limit} of memory "
                          "(a decompression bomb?)")
    if code == -signal.SIGXCPU:
        raise BadDocument(f"the PDF parser was killed: it used more than {seconds:g} s of "
                          "CPU time")
    if code < 0:
        raise BadDocument(f"the PDF parser crashed ({_signal_name(-code)}); the document is "
                          "probably malformed")
    try:
        answer = json.loads(out)
    except ValueError:
        last = (err.decode("utf-8", "replace").strip().splitlines() or [""])[-1][:200]
        raise BadDocument(f"the PDF parser failed (exit status {code}"
                          f"{': ' + last if last else ''})") from None
    if "bad" in answer:
        raise BadDocument(answer["bad"])
    if "crash" in answer:
        raise BadDocument(f"the PDF parser crashed: {answer['crash']}")
    r = answer["report"]
    return Report(r["title"], r["edition"], r["published"], r["entries"], r["warnings"],
                  r["doubts"])


def read_in_process(content: bytes):
    """PDF bytes → :class:`text.Report` (or :class:`BadDocument`) in this process: what
    the child runs. Damaged compressed streams are the first doubts."""
    from .parse import parse
    from .pdf import damaged_streams, open_pdf, read_pages

    doc = open_pdf(content)
    try:
        pages = read_pages(doc)
    finally:
        doc.close()
    report = parse(pages)
    report.doubts[:0] = damaged_streams(content)
    return report


@functools.cache
def _child_path() -> list[str]:
    """What the child adds to its standard library path: the roots of the packages it
    imports (an editable install finds them through a finder that ``-S`` does not load),
    then the parent's ``sys.path`` (never the current directory)."""
    from importlib.util import find_spec

    roots = []
    for name in ("listwatch", "pypdfium2", "pypdfium2_raw"):
        spec = find_spec(name)
        if spec and spec.submodule_search_locations:
            roots.append(os.path.dirname(list(spec.submodule_search_locations)[0]))
    return list(dict.fromkeys(roots + [p for p in sys.path if p]))


def _exchange(proc, content: bytes, deadline: float
              ) -> tuple[bytes, bytes, bool]:
    """Send the document, read the answer until the child closes its pipes or the deadline
    passes (then kill it). No threads: ``check`` calls this from its own pool."""
    import selectors

    assert proc.stdin and proc.stdout and proc.stderr
    chunks: dict[int, list[bytes]] = {proc.stdout.fileno(): [], proc.stderr.fileno(): []}
    view, sent, stdin = memoryview(content), 0, proc.stdin.fileno()
    with selectors.DefaultSelector() as sel:
        os.set_blocking(stdin, False)
        sel.register(stdin, selectors.EVENT_WRITE)
        for fd in chunks:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                return b"", b"", True
            for key, _ in sel.select(left):
                fd = key.fd
                if fd == stdin:
                    try:
                        sent += os.write(fd, view[sent:sent + 65536])
                    except BrokenPipeError:
                        sent = len(content)
                    if sent >= len(content):
                        sel.unregister(fd)
                        proc.stdin.close()
                    continue
                data = os.read(fd, 65536)
                if data:
                    chunks[fd].append(data)
                else:
                    sel.unregister(fd)
    return (b"".join(chunks[proc.stdout.fileno()]), b"".join(chunks[proc.stderr.fileno()]),
            False)


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# --- the child ------------------------------------------------------------------------------

def child(argv: list[str]) -> None:
    """Limit this process, read PDF bytes from stdin, print the report as JSON."""
    memory_mib, seconds = int(argv[0]), float(argv[1])
    _limit(memory_mib << 20, seconds)
    try:
        content = sys.stdin.buffer.read()
        if os.environ.get(TEST_HOOK):
            _misbehave(os.environ[TEST_HOOK])
        report = read_in_process(content)
        answer: dict = {"report": {
            "title": report.title, "edition": report.edition, "published": report.published,
            "entries": report.entries, "warnings": report.warnings, "doubts": report.doubts}}
    except BadDocument as exc:
        answer = {"bad": str(exc)}
    except MemoryError:
        os._exit(_MEMORY_FAILED)
    except Exception as exc:  # noqa: BLE001 - a parser bug: one line to the parent
        answer = {"crash": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()


def _misbehave(how: str) -> None:
    import signal

    if how == "spin":
        while True:
            pass
    if how == "hang":
        time.sleep(3600)
    if how == "memory":
        hog = []
        while True:
            hog.append(bytearray(1 << 24))
    os.kill(os.getpid(), getattr(signal, how))


def _limit(memory: int, seconds: float) -> None:
    """Lower the soft limits (hard limits stay: a lower one cannot be raised again)."""
    import math
    import resource

    for which, value in ((resource.RLIMIT_AS, memory),
                         (resource.RLIMIT_CPU, math.ceil(seconds)),
                         (resource.RLIMIT_CORE, 0)):
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        if soft == resource.RLIM_INFINITY or value < soft:
            try:
                resource.setrlimit(which, (value, hard))
            except (ValueError, OSError):  # not enforced on this platform
                pass
