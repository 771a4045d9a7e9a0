#!/usr/bin/env python3
"""What counting the new snapshot's categories (``to.categories`` of diff/1) costs the
streaming diff of two canonical N-entry snapshots (bench_core's pair: 1% added, 1%
removed, 1% changed), with the count against the same diff with the count switched off,
interleaved in one process; median of ``--repeat`` runs each:

- ``diff_files`` (``listwatch diff``): counted from the new file's lines as they stream;
- ``diff_stored`` (``check``): counted from the new snapshot, already in memory.

    python benchmarks/bench_categories.py --entries 200000 --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import write_pair  # noqa: E402

from listwatch import diff as diffing  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old, new = Path(tmp) / "old.json", Path(tmp) / "new.json"
        write_pair(args.entries, old, new)
        counting = diffing.counting

        def without(blocks, counter, where):
            return blocks

        times: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for label, fn in (("diff_files without count", without),
                              ("diff_files with count", counting)):
                diffing.counting = fn
                start = time.perf_counter()
                d = diffing.diff_files(old, new)
                times.setdefault(label, []).append(time.perf_counter() - start)
        diffing.counting = counting
        assert d["to"]["categories"], "the count ran"
        import json

        from listwatch.snapshot import dumps
        snap = json.loads(new.read_text())
        text = dumps(snap)
        count = diffing.count_categories
        for _ in range(args.repeat):
            for label, fn in (("diff_stored without count", lambda e: diffing.Counter()),
                              ("diff_stored with count", count)):
                diffing.count_categories = fn
                start = time.perf_counter()
                diffing.diff_stored(old, snap, text)
                times.setdefault(label, []).append(time.perf_counter() - start)
        diffing.count_categories = count
    print(f"| {args.entries:,} entries | median s | ratio |")
    print("| --- | --- | --- |")
    for label, values in times.items():
        base = statistics.median(times[label.replace("with count", "without count")])
        print(f"| {label} | {statistics.median(values):.3f} | "
              f"{statistics.median(values) / base:.2f}x |")


if __name__ == "__main__":
    main()
