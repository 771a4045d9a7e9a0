"""Benchmark the ``ustr-nml`` source on a generated 40-60-page report (not a test).

    python benchmarks/bench_nml.py [-n RUNS] [--pdf REPORT.pdf] [--no-bytecode]

Times, as whole processes and interleaved (median of N runs each):

- ``listwatch``: ``python -m listwatch fetch ustr-nml REPORT.pdf`` (the whole CLI: startup,
  plugin loading, PDF text and font pass and parsing in the isolated child process,
  snapshot validation, output);
- ``in-process``: the same CLI with the parse in its own process (no child): what the
  isolation costs a whole fetch;
- ``floor``: the same interpreter importing pypdfium2 and taking every page's plain text;
- ``pdftotext``: poppler's ``pdftotext -layout`` (when installed; only for comparison).

Also the in-process time of the source alone, the isolated parse against the in-process one
(the per-parse cost of the child process), and the precision/recall of market names on
every generated edition. Python byte-code is cached in a temporary PYTHONPYCACHEPREFIX (and a
warm-up run fills it) so every command starts like an installed program does;
``--no-bytecode`` keeps the environment's PYTHONDONTWRITEBYTECODE instead.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

FLOOR = ("import sys, pypdfium2 as p; d = p.PdfDocument(sys.argv[1]); "
         "[g.get_textpage().get_text_range() for g in d]")
UNISOLATED = ("import sys; from listwatch_ustr_nml import isolate; "
              "isolate.read_report = lambda content, *a, **k: isolate.read_in_process(content); "
              "sys.argv[0] = 'listwatch'; from listwatch.cli import main; main()")


def run(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): "
                         f"{done.stderr.decode(errors='replace').strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=15)
    parser.add_argument("--pdf", help="a report PDF (default: generate the 2021 edition)")
    parser.add_argument("--no-bytecode", action="store_true")
    args = parser.parse_args()

    from fixtures import make_reports

    work = Path(tempfile.mkdtemp(prefix="bench-nml-"))
    try:
        truths = None
        if args.pdf:
            pdf = Path(args.pdf)
        else:
            truths = make_reports.make_all(work / "reports", workers=2)
            pdf = Path(truths[2021]["path"])
        import pypdfium2

        pages = len(pypdfium2.PdfDocument(str(pdf)))
        env = dict(os.environ)
        if not args.no_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        py = sys.executable
        cli = [py, "-m", "listwatch", "fetch", "ustr-nml", str(pdf)]
        if not _has_cli():
            cli = [py, "-c", "import sys; from listwatch.fetching import Context; "
                   "from listwatch_ustr_nml import NotoriousMarkets; "
                   "NotoriousMarkets().fetch(sys.argv[1], {}, Context())", str(pdf)]
        commands = {"listwatch": cli, "floor": [py, "-c", FLOOR, str(pdf)]}
        if cli[1] == "-m":
            commands["in-process"] = [py, "-c", UNISOLATED, *cli[3:]]
        if shutil.which("pdftotext"):
            commands["pdftotext"] = ["pdftotext", "-layout", str(pdf), str(work / "out.txt")]
        for cmd in commands.values():      # warm-up: byte-code cache, disk cache
            run(cmd, env)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                w, c = run(cmd, env)
                wall[name].append(w)
                cpu[name].append(c)

        print(f"{pdf.name}: {pages} pages, {args.runs} runs each, medians "
              f"(byte-code {'off' if args.no_bytecode else 'cached'})")
        if cli[1] != "-m":
            print("  (no listwatch CLI installed: timing `python -c` calling the source)")
        for label, times in (("wall", wall), ("cpu", cpu)):
            median = {name: statistics.median(values) for name, values in times.items()}
            print(f"  {label} time:")
            for name, value in median.items():
                spread = f"min {min(times[name]):.3f} max {max(times[name]):.3f}"
                print(f"    {name:10s} {value:7.3f} s   ({spread})")
            print(f"    listwatch / floor      = {median['listwatch'] / median['floor']:.2f}x "
                  "(goal <= 2x)")
            if "in-process" in median:
                print(f"    isolation              = +"
                      f"{(median['listwatch'] - median['in-process']) * 1000:.0f} ms "
                      f"(in-process / floor = {median['in-process'] / median['floor']:.2f}x)")
            if "pdftotext" in median:
                print(f"    floor / pdftotext      = "
                      f"{median['floor'] / median['pdftotext']:.2f}x")
                print(f"    listwatch / pdftotext  = "
                      f"{median['listwatch'] / median['pdftotext']:.2f}x")
        in_process(pdf)
        if truths:
            accuracy(truths)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _has_cli() -> bool:
    try:
        import listwatch.cli  # noqa: F401
    except ImportError:
        return False
    return True


def in_process(pdf: Path, runs: int = 10) -> None:
    import pypdfium2
    from listwatch_ustr_nml import isolate
    from listwatch_ustr_nml.parse import parse
    from listwatch_ustr_nml.pdf import open_pdf, read_pages

    content = pdf.read_bytes()
    read, parsing, plain, here, child = [], [], [], [], []
    for _ in range(runs):
        t0 = _cpu()
        isolate.read_in_process(content)
        t1 = _cpu()
        isolate.read_report(content)
        here.append(t1 - t0)
        child.append(_cpu() - t1)
        t0 = time.perf_counter()
        doc = open_pdf(content)
        pages = read_pages(doc)
        doc.close()
        t1 = time.perf_counter()
        parse(pages)
        t2 = time.perf_counter()
        d = pypdfium2.PdfDocument(content)
        [g.get_textpage().get_text_range() for g in d]
        d.close()
        t3 = time.perf_counter()
        read.append(t1 - t0)
        parsing.append(t2 - t1)
        plain.append(t3 - t2)
    print(f"  in process: text+font pass {statistics.median(read) * 1000:.0f} ms, parse "
          f"{statistics.median(parsing) * 1000:.0f} ms; plain text alone "
          f"{statistics.median(plain) * 1000:.0f} ms")
    print(f"  CPU time of one parse (text, fonts, parse, stream check): in process "
          f"{statistics.median(here) * 1000:.0f} ms, in the isolated child "
          f"{statistics.median(child) * 1000:.0f} ms (+"
          f"{(statistics.median(child) - statistics.median(here)) * 1000:.0f} ms per parse: "
          "interpreter start, imports, JSON)")


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def accuracy(truths: dict) -> None:
    from listwatch_ustr_nml import NotoriousMarkets

    from listwatch.fetching import Context

    tp = fp = fn = 0
    for _year, truth in sorted(truths.items()):
        draft = NotoriousMarkets().fetch(truth["path"], {}, Context())
        got = {(e["category"], e["name"]) for e in draft.entries}
        want = {(e["category"], e["name"]) for e in truth["entries"]}
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    print(f"market names on {len(truths)} generated editions: {tp + fn} expected, {tp} found, "
          f"precision {tp / max(1, tp + fp):.1%}, recall {tp / max(1, tp + fn):.1%}")


if __name__ == "__main__":
    main()
