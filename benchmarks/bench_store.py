"""What taking the store's lock costs since it cleans up after killed runs.

    python benchmarks/bench_store.py [--watches 20] [--snapshots 50] [--documents 1000]

``Store.recover()`` (run each time a `check` takes the lock) rolls a killed run's
``.pending`` outbox records forward and removes partial ``.tmp`` files, which means
listing the whole store. Measured on a store of --watches × --snapshots snapshot files
and --documents documents, against the floor: ``os.walk`` of the same tree in the same
process. Prints a Markdown table of medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from listwatch.store import Store  # noqa: E402


def build(root: Path, watches: int, snapshots: int, documents: int) -> None:
    for w in range(watches):
        d = root / "watches" / f"w{w}" / "snapshots"
        d.mkdir(parents=True)
        for i in range(snapshots):
            (d / f"{i:06d}-20260101T000000Z.json").write_text("{}")
        (root / "watches" / f"w{w}" / "state.json").write_text("{}")
    for i in range(documents):
        d = root / "documents" / f"{i % 256:02x}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{i:064x}").write_text("x")
    (root / "outbox").mkdir()


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=20)
    parser.add_argument("--snapshots", type=int, default=50)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        root = Path(tmp)
        build(root, args.watches, args.snapshots, args.documents)
        files = sum(len(f) for _, _, f in os.walk(root))
        store = Store(root)
        walk = timed(lambda: [None for _ in os.walk(root)], args.runs)
        recover = timed(store.recover, args.runs)
    print(f"## Cleaning up after killed runs, a store of {files} files\n")
    print("| what | median (ms) | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| `os.walk` of the store (floor) | {walk * 1000:.1f} | 1.00 |")
    print(f"| `Store.recover()` (each `check` that takes the lock) | {recover * 1000:.1f} | "
          f"{recover / walk:.2f} |")


if __name__ == "__main__":
    main()
