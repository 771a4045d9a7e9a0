#!/usr/bin/env python3
"""Benchmarks of the listwatch core, each against a baseline measured in the same run.

    python benchmarks/bench_core.py                  # everything, full sizes (~3 min here)
    python benchmarks/bench_core.py --quick          # 100,000-entry diff, fewer repeats
    python benchmarks/bench_core.py diff --entries 200000 --repeat 5
    python benchmarks/bench_core.py help validate

Sections:

help      ``listwatch --help`` against ``python -c "import click"`` (goal <= 1.3x), and the
          heavy modules ``--help`` imports (``python -X importtime``): none may be.
diff      ``listwatch diff`` of two canonical N-entry snapshots (1% added, 1% removed,
          1% changed) against loading both with orjson and the garbage collector off
          (goal <= 1x time); peak RSS against the two files' size (goal <= 0.5x).
validate  ``listwatch validate`` of a 100,000-entry snapshot (goal <= 1 s), against the
          reference validator (jsonschema, pure Python) on the same file.

Every figure is the median of ``--repeat`` runs of a fresh process (wall clock; peak RSS
from ``wait4``). Prints a Markdown table at the end, ready for the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
#: Children run as on a user's machine: Python writes .pyc files (a sandbox may set
#: PYTHONDONTWRITEBYTECODE, which would recompile the editable-installed listwatch on every
#: start; pip compiles .pyc files when it installs a wheel). Warm-up runs write them.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
HEAVY = ("jsonschema", "jsonschema_rs", "referencing", "apprise", "feedparser", "pypdfium2",
         "numpy", "rapidfuzz", "listwatch_table", "listwatch_feed", "listwatch_ustr_nml")


def listwatch_exe() -> str:
    """The console script next to this interpreter (not a pyenv shim, which adds ~30 ms)."""
    here = Path(PY).parent / "listwatch"
    found = str(here) if here.exists() else shutil.which("listwatch")
    if not found:
        sys.exit("the listwatch console script is not installed (pip install -e .)")
    return found


def run(cmd: list[str], stdout=subprocess.DEVNULL) -> tuple[float, int, int]:
    """Run once: (wall seconds, peak RSS in bytes, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss * 1024, proc.returncode


def measure(cmd: list[str], repeat: int, ok=(0,)) -> tuple[float, int]:
    """Median wall time and median peak RSS of ``repeat`` runs."""
    walls, peaks = [], []
    for _ in range(repeat):
        wall, peak, code = run(cmd)
        if code not in ok:
            sys.exit(f"{' '.join(cmd)} exited {code}")
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), int(statistics.median(peaks))


def measure_interleaved(cmds: list[list[str]], repeat: int) -> list[float]:
    """Median wall time of each command, the commands run in turn, so that a change in
    the machine's load during the benchmark hits all of them alike."""
    walls: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeat):
        for cmd, out in zip(cmds, walls):
            wall, _, code = run(cmd)
            if code != 0:
                sys.exit(f"{' '.join(cmd)} exited {code}")
            out.append(wall)
    return [statistics.median(w) for w in walls]


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


# -- help ------------------------------------------------------------------------------------

def bench_help(repeat: int) -> list[dict]:
    exe = listwatch_exe()
    measure([exe, "--help"], 2)  # warm the page cache and .pyc files
    measure([PY, "-c", "import click"], 2)
    help_s, click_s, bare_s = measure_interleaved(
        [[exe, "--help"], [PY, "-c", "import click"], [PY, "-c", "pass"]], repeat)
    trace = subprocess.run([PY, "-X", "importtime", exe, "--help"], capture_output=True,
                           text=True, check=True, env=CHILD_ENV).stderr
    modules = {}
    for line in trace.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            modules[m.group(4)] = int(m.group(2))
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    top = sorted(((us, name) for name, us in modules.items() if "." not in name),
                 reverse=True)[:6]
    print(f"help: listwatch --help {help_s * 1000:.0f} ms, import click {click_s * 1000:.0f} ms,"
          f" python -c pass {bare_s * 1000:.0f} ms")
    print("  slowest top-level imports of --help: " +
          ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in top))
    print(f"  heavy modules imported by --help: {', '.join(heavy) or 'none'}")
    return [{
        "what": "`listwatch --help`",
        "value": f"{help_s * 1000:.0f} ms",
        "baseline": f'`python -c "import click"` {click_s * 1000:.0f} ms',
        "ratio": help_s / click_s, "goal": 1.3,
    }, {
        "what": "heavy modules imported by `--help`",
        "value": ", ".join(heavy) or "none",
        "baseline": "jsonschema, apprise, feedparser, pypdfium2, numpy, rapidfuzz, plugins",
        "ratio": None, "goal": None, "met": not heavy,
    }]


# -- data ------------------------------------------------------------------------------------

SYLLABLES = ["ka", "lo", "mi", "zu", "ter", "bax", "qui", "ron", "sel", "vo", "ny", "pha",
             "dra", "gel", "tor", "wix", "mun", "ostr", "ely", "bri", "cha", "dor", "fen"]
HEAD = ('{\n  "listwatch": "snapshot/1",\n'
        '  "list": {"edition":"%s","id":"bench","title":"Benchmark list"},\n'
        '  "source": {"plugin":"table","retrieved_at":"%s","sha256":"%s"},\n'
        '  "warnings": [],\n  "entries": [\n')
LINE = ('    {"aliases":[],"attributes":{"rank":%d},"category":"%s","country":%s,"id":"%s",'
        '"name":"%s","provenance":{"page":%d,"section":"%s"},"urls":[%s]}')


def entry_line(i: int, name: str, extra_url: str = "") -> str:
    category = "online" if i % 3 else "physical"
    country = "null" if category == "online" else '"CN"'
    urls = f'"{name.split()[0].lower()}{i}.example"' + (f',"{extra_url}"' if extra_url else "")
    return LINE % (i, category, country, f"e{i:08d}", name, i // 40 + 1, category, urls)


def write_pair(n: int, old: Path, new: Path, seed: int = 1) -> None:
    """Two canonical snapshots: of every 100 entries one only in OLD (removed), one only
    in NEW (added) and one with an extra URL in NEW (changed). Names are random syllables,
    so few removed/added pairs look like renames."""
    rnd = random.Random(seed)
    choice, randint = rnd.choice, rnd.randint

    def name() -> str:
        return " ".join("".join(choice(SYLLABLES) for _ in range(randint(2, 4))).upper()
                        for _ in range(randint(1, 3)))

    with open(old, "w", encoding="utf-8") as fo, open(new, "w", encoding="utf-8") as fn:
        fo.write(HEAD % ("2025", "2026-01-01T00:00:00Z", "0" * 64))
        fn.write(HEAD % ("2026", "2027-01-01T00:00:00Z", "1" * 64))
        sep_o = sep_n = ""
        for start in range(0, n, 10_000):
            out_o, out_n = [], []
            for i in range(start, min(n, start + 10_000)):
                line = entry_line(i, name())
                r = i % 100
                if r == 0:
                    out_o.append(line)
                elif r == 1:
                    out_n.append(line)
                elif r == 2:
                    out_o.append(line)
                    out_n.append(entry_line(i, name_of(line), f"mirror{i}.example"))
                else:
                    out_o.append(line)
                    out_n.append(line)
            if out_o:
                fo.write(sep_o + ",\n".join(out_o))
                sep_o = ",\n"
            if out_n:
                fn.write(sep_n + ",\n".join(out_n))
                sep_n = ",\n"
        fo.write("\n  ]\n}\n")
        fn.write("\n  ]\n}\n")


def name_of(line: str) -> str:
    return line.split('"name":"', 1)[1].split('"', 1)[0]


def check_canonical(path: Path) -> None:
    """The generator writes exactly what listwatch.snapshot.dumps would."""
    import json

    from listwatch import snapshot

    with open(path, encoding="utf-8") as f:
        head = [next(f) for _ in range(8)]
    doc = json.loads("".join(head[:-1]).rstrip().rstrip(",") + "]}")
    assert snapshot.dumps(doc) == "".join(head[:-1]).rstrip().rstrip(",") + "\n  ]\n}\n", path


# -- diff ------------------------------------------------------------------------------------

ORJSON_LOAD = ("import gc, sys, orjson\ngc.disable()\n"
               "a = orjson.loads(open(sys.argv[1], 'rb').read())\n"
               "b = orjson.loads(open(sys.argv[2], 'rb').read())\n")


def bench_diff(n: int, repeat: int, workdir: Path) -> list[dict]:
    try:
        import orjson  # noqa: F401
    except ImportError:
        sys.exit("the diff baseline needs orjson (pip install -e '.[test]')")
    old, new = workdir / f"old-{n}.json", workdir / f"new-{n}.json"
    if not (old.exists() and new.exists()):
        start = time.perf_counter()
        write_pair(n, old, new)
        print(f"diff: generated 2 x {n:,} entries in {time.perf_counter() - start:.1f} s")
    check_canonical(old)
    check_canonical(new)
    size = old.stat().st_size + new.stat().st_size
    exe = listwatch_exe()
    measure(["cat", str(old), str(new)], 1)  # into the page cache
    diff_cmd = [exe, "diff", str(old), str(new), "--format", "json"]
    base_cmd = [PY, "-c", ORJSON_LOAD, str(old), str(new)]
    walls_d, peaks_d, walls_b, peaks_b = [], [], [], []
    for _ in range(repeat):  # interleaved, so drifting machine load hits both alike
        wall, peak, code = run(diff_cmd)
        if code != 1:
            sys.exit(f"listwatch diff exited {code}, expected 1 (differences)")
        walls_d.append(wall)
        peaks_d.append(peak)
        wall, peak, code = run(base_cmd)
        if code != 0:
            sys.exit(f"orjson baseline exited {code}")
        walls_b.append(wall)
        peaks_b.append(peak)
    diff_s, diff_rss = statistics.median(walls_d), statistics.median(peaks_d)
    base_s, base_rss = statistics.median(walls_b), statistics.median(peaks_b)
    result = subprocess.run(diff_cmd, capture_output=True, text=True, env=CHILD_ENV)
    import json

    counts = json.loads(result.stdout)["counts"]
    print(f"diff: {n:,} entries, files {mib(size)}; listwatch diff {diff_s:.2f} s "
          f"(runs {', '.join(f'{w:.2f}' for w in walls_d)}), peak {mib(diff_rss)}; "
          f"orjson load {base_s:.2f} s (runs {', '.join(f'{w:.2f}' for w in walls_b)}), "
          f"peak {mib(base_rss)}; counts {counts}")
    return [{
        "what": f"`listwatch diff`, 2 x {n:,} entries",
        "value": f"{diff_s:.2f} s",
        "baseline": f"orjson load of both, gc off: {base_s:.2f} s",
        "ratio": diff_s / base_s, "goal": 1.0,
    }, {
        "what": f"`listwatch diff` peak RSS, 2 x {n:,} entries",
        "value": mib(diff_rss),
        "baseline": f"size of the two files: {mib(size)} (orjson load: {mib(base_rss)})",
        "ratio": diff_rss / size, "goal": 0.5,
    }]


# -- validate --------------------------------------------------------------------------------

JSONSCHEMA_VALIDATE = (
    "import json, sys, jsonschema\n"
    "from listwatch.validation import schema\n"
    "doc = json.load(open(sys.argv[1], encoding='utf-8'))\n"
    "errors = list(jsonschema.Draft202012Validator(schema('snapshot')).iter_errors(doc))\n"
    "sys.exit(3 if errors else 0)\n")


def bench_validate(n: int, repeat: int, reference: bool, workdir: Path) -> list[dict]:
    path = workdir / f"validate-{n}.json"
    if not path.exists():
        write_pair(n, path, workdir / f"validate-{n}-other.json")
    check_canonical(path)
    exe = listwatch_exe()
    measure([exe, "validate", str(path)], 1)
    lw_s, _ = measure([exe, "validate", str(path)], repeat)
    rows = [{
        "what": f"`listwatch validate`, {n * 99 // 100:,} entries",
        "value": f"{lw_s:.2f} s",
        "baseline": "goal: 1 s",
        "ratio": lw_s / 1.0, "goal": 1.0,
    }]
    if reference:
        ref_s, _ = measure([PY, "-c", JSONSCHEMA_VALIDATE, str(path)], 1)
        rows[0]["baseline"] = f"jsonschema (pure Python, the reference): {ref_s:.1f} s"
        rows[0]["extra"] = f"{ref_s / lw_s:.0f}x faster than jsonschema"
        print(f"validate: listwatch {lw_s:.2f} s, jsonschema {ref_s:.2f} s")
    else:
        print(f"validate: listwatch {lw_s:.2f} s")
    return rows


# -- report ----------------------------------------------------------------------------------

def table(rows: list[dict]) -> str:
    out = ["| benchmark | listwatch | baseline (same run) | ratio | goal | met |",
           "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        if row["what"].startswith("`listwatch validate`"):
            ratio = row.get("extra", "")
            goal, met = "<= 1 s", row["ratio"] <= row["goal"]
        elif row["goal"] is None:
            goal, met = "none", row["met"]
        else:
            goal, met = f"<= {row['goal']:g}x", row["ratio"] <= row["goal"]
        out.append(f"| {row['what']} | {row['value']} | {row['baseline']} | {ratio} | {goal} "
                   f"| {'yes' if met else '**no**'} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="*", metavar="{help,diff,validate}",
                        help="which benchmarks (default: all)")
    parser.add_argument("--entries", type=int, default=1_000_000,
                        help="entries per snapshot for the diff (default 1,000,000)")
    parser.add_argument("--validate-entries", type=int, default=100_000,
                        help="entries for validate (default 100,000)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per measurement (default: 21 for help, 3 for the rest)")
    parser.add_argument("--quick", action="store_true",
                        help="100,000-entry diff, 10,000-entry validate, fewer repeats")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the slow jsonschema run in the validate section")
    parser.add_argument("--workdir", type=Path,
                        help="keep generated snapshots here (default: a temp dir, removed)")
    args = parser.parse_args()
    sections = args.sections or ["help", "diff", "validate"]
    unknown = set(sections) - {"help", "diff", "validate"}
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if args.quick:
        args.entries = min(args.entries, 100_000)
        args.validate_entries = min(args.validate_entries, 10_000)
    temp = None
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        workdir = args.workdir
    else:
        temp = tempfile.TemporaryDirectory(prefix="listwatch-bench-")
        workdir = Path(temp.name)
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.platform()}")
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        print("# PYTHONDONTWRITEBYTECODE is set here; the measured programs run without it")
    rows: list[dict] = []
    try:
        if "help" in sections:
            rows += bench_help(args.repeat or (9 if args.quick else 21))
        if "diff" in sections:
            rows += bench_diff(args.entries, args.repeat or (2 if args.quick else 3), workdir)
        if "validate" in sections:
            rows += bench_validate(args.validate_entries, args.repeat or 3,
                                   not args.no_reference, workdir)
    finally:
        if temp:
            temp.cleanup()
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
