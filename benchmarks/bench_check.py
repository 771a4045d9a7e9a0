"""`listwatch check` of N table watches where nothing changed, against merely reading
the same files (the N CSVs and the N stored snapshots) in the same interpreter.

    python benchmarks/bench_check.py [--watches 20] [--rows 10000] [--runs 5]

Prints a Markdown table: medians of --runs, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READ_ONLY = """
import csv, json, sys
from pathlib import Path
root = Path(sys.argv[1])
for path in sorted(root.glob("lists/*.csv")):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
for path in sorted(root.glob(".listwatch/watches/*/snapshots/*.json")):
    json.loads(path.read_text("utf-8"))
"""


def median_time(cmd: list[str], cwd: Path, runs: int, before=None) -> float:
    times = []
    for i in range(runs):
        if before:
            before(i)
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=20)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    listwatch = shutil.which("listwatch")
    root = Path(tempfile.mkdtemp(prefix="bench-check-"))
    try:
        (root / "lists").mkdir()
        config = []
        for w in range(args.watches):
            with open(root / "lists" / f"list{w}.csv", "w", newline="", encoding="utf-8") as f:
                out = csv.writer(f)
                out.writerow(["id", "name", "country", "program"])
                out.writerows((f"E{w}-{i}", f"Entity {i} of list {w}", "Country", "SDGT")
                              for i in range(args.rows))
            config.append(f'[[watch]]\nname = "list{w}"\nsource = "table"\n'
                          f'location = "lists/list{w}.csv"\n')
        (root / "listwatch.toml").write_text("\n".join(config), encoding="utf-8")
        subprocess.run([listwatch, "check"], cwd=root, check=True, stdout=subprocess.DEVNULL)

        floor = median_time([sys.executable, "-c", READ_ONLY, str(root)], root, args.runs)
        startup = median_time([listwatch, "--help"], root, args.runs)
        check = median_time([listwatch, "check"], root, args.runs)

        def touch(run: int) -> None:
            """New bytes, same rows in the same order (a re-export): parsed, nothing changed."""
            for path in (root / "lists").glob("*.csv"):
                text = path.read_text(encoding="utf-8").rstrip("\n") + "\n" * (1 + run % 2)
                path.write_text(text, encoding="utf-8")
        reexport = median_time([listwatch, "check"], root, args.runs, before=touch)

        def reorder(run: int) -> None:
            """Rewrite every CSV with its rows in another order: new bytes, same list."""
            for path in (root / "lists").glob("*.csv"):
                head, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
                path.write_text(head + "".join(sorted(rows, reverse=run % 2 == 0)),
                                encoding="utf-8")
        reparse = median_time([listwatch, "check"], root, args.runs, before=reorder)
        print(f"`check` of {args.watches} table watches x {args.rows:,} rows, nothing changed "
              f"(median of {args.runs})\n")
        print("| what | seconds | ratio to reading the files |")
        print("| --- | ---: | ---: |")
        print(f"| read {args.watches} CSVs + {args.watches} stored snapshots (baseline) "
              f"| {floor:.2f} | 1.00x |")
        print(f"| `listwatch check`, documents unchanged (parse skipped) | {check:.2f} | "
              f"{check / floor:.2f}x |")
        print(f"| `listwatch check`, same rows re-exported (parsed, validated, diffed) | "
              f"{reexport:.2f} | {reexport / floor:.2f}x |")
        print(f"| `listwatch check`, rows reordered (every row's provenance changed) | "
              f"{reparse:.2f} | {reparse / floor:.2f}x |")
        print(f"| of which start-up (`listwatch --help`) | {startup:.2f} | "
              f"{startup / floor:.2f}x |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
