"""`listwatch check` and `fetch` of a large changed `table`, against merely reading the
files, measured in the same run (issue 15).

A CSV of N rows is stored as the baseline; a re-export with 1% of rows removed, 1%
added, 1% changed and every row moved is then checked. The floor is reading the new
CSV with Python's csv module plus loading the stored snapshot with orjson. Time is
wall-clock of the whole process and its CPU time (user + system: steadier on a shared
machine), memory its peak RSS (``os.wait4``).

    python benchmarks/bench_table.py [--rows 10000 200000 1000000] [--runs 3]

Prints a Markdown table: medians of --runs, and ratios to the floor.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from listwatch.fetching import DEFAULT_MAX_BYTES

FLOOR = """
import csv, sys, orjson
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
with open(sys.argv[2], "rb") as f:
    snapshot = orjson.loads(f.read())
"""

COUNTRIES = ["Iran", "Russia", "Côte d'Ivoire", "North Korea", "Syria", "Venezuela",
             "Myanmar", "Türkiye", ""]
PROGRAMS = ["SDGT", "SDN", "IRGC", "UKRAINE-EO13662", "CYBER2", "RUSSIA-EO14024"]
KINDS = ["Trading", "Holdings", "Shipping", "Société Anonyme", "Handelsgesellschaft"]


def rows_for(n: int, seed: int = 1) -> list[list[str]]:
    r = random.Random(seed)
    return [[f"E{i:07d}", f"Entity {i} {r.choice(KINDS)} Ltd", r.choice(COUNTRIES),
             r.choice(PROGRAMS), "" if i % 3 else f"a.k.a. Company {i}; Reg. {r.randrange(10**6)}"]
            for i in range(n)]


def reexport(rows: list[list[str]], seed: int = 2) -> list[list[str]]:
    """1% removed, 1% added, 1% changed, every row moved."""
    r = random.Random(seed)
    rows = [list(row) for row in rows]
    k = max(1, len(rows) // 100)
    r.shuffle(rows)
    rows = rows[k:]
    for row in rows[:k]:
        row[3] += "-X"
    rows += [[f"N{i:07d}", f"New entity {i}", "Iran", "SDN", ""] for i in range(k)]
    r.shuffle(rows)
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["id", "name", "country", "program", "remarks"])
        out.writerows(rows)


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=null)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def medians(cmd: list[str], cwd: Path, runs: int) -> tuple[float, float, float]:
    found = [measure(cmd, cwd) for _ in range(runs)]
    return (statistics.median(t for t, _, _ in found), statistics.median(c for _, c, _ in found),
            max(m for _, _, m in found))


def bench(n: int, runs: int, listwatch: str) -> list[tuple]:
    root = Path(tempfile.mkdtemp(prefix=f"bench-table-{n}-"))
    try:
        old = rows_for(n)
        write_csv(root / "list.csv", old)
        write_csv(root / "new.csv", reexport(old))
        del old
        (root / "listwatch.toml").write_text(
            '[[watch]]\nname = "big"\nsource = "table"\nlocation = "list.csv"\n'
            'max_bytes = 1_000_000_000\n', encoding="utf-8")
        subprocess.run([listwatch, "check"], cwd=root, check=True, stdout=subprocess.DEVNULL)
        stored = next((root / ".listwatch/watches/big/snapshots").glob("*.json"))
        shutil.copy(root / "new.csv", root / "list.csv")
        floor = medians([sys.executable, "-c", FLOOR, "new.csv", str(stored)], root, runs)
        check = medians([listwatch, "check", "--dry-run"], root, runs)
        found = [(f"read the new CSV + load the stored snapshot (floor), {n:,} rows", *floor,
                  *floor),
                 (f"`check --dry-run`, {n:,} rows, 3% changed, reordered", *check, *floor)]
        if (root / "new.csv").stat().st_size <= DEFAULT_MAX_BYTES:  # fetch has no max_bytes
            fetch = medians([listwatch, "fetch", "table", "new.csv"], root, runs)
            found.append((f"`fetch table`, {n:,} rows", *fetch, *floor))
        return found
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 200_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    listwatch = shutil.which("listwatch") or sys.exit("listwatch is not installed")
    print("| what | wall s | ratio | CPU s | ratio | peak RSS | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in args.rows:
        for what, wall, cpu, mib, floor_wall, floor_cpu, floor_mib in bench(n, args.runs,
                                                                            listwatch):
            print(f"| {what} | {wall:.2f} | {wall / floor_wall:.2f}x | {cpu:.2f} | "
                  f"{cpu / floor_cpu:.2f}x | {mib:.0f} MiB | {mib / floor_mib:.2f}x |",
                  flush=True)


if __name__ == "__main__":
    main()
