"""`history` and `report` over a long series (20 editions of a 1,000-entry list) against
merely loading the same 20 stored snapshots with orjson, in the same interpreter.

    python benchmarks/bench_history.py [--editions 20] [--entries 1000] [--runs 7]

Each edition of the generated list drops ~4% of the entries, adds as many, renames ~1%
(same domain, new name and id), moves ~0.5% of the physical markets to another country and
changes a field of ~2%. Prints a Markdown table: medians of --runs after one warm-up, and
the median ratio to the baseline timed right before each run. The baseline runs with the
garbage collector off (listwatch pauses it too), so neither pays for the collector.

The first three rows run again over an unchanged store: what the previous run found is
kept in the store's cache. The "after a change" rows run on the cache as `check` leaves it
when it stores the last edition: what a walk over the 19 before found, and the diff of the
new pair (`check` and `import` keep the diffs they make). The cold row deletes the whole
cache, as for a store filled before any of it was kept.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson  # noqa: E402

from listwatch.diff import diff_files  # noqa: E402
from listwatch.history import as_json, history, remember_pair  # noqa: E402
from listwatch.html import render  # noqa: E402
from listwatch.reporting import build, markdown  # noqa: E402
from listwatch.snapshot import make  # noqa: E402
from listwatch.store import Store  # noqa: E402

COUNTRIES = ["China", "India", "Brazil", "Mexico", "Vietnam", "Thailand", "Turkey", "Hong Kong"]


def series(editions: int, entries: int, seed: int = 1) -> list[list[dict]]:
    rng = random.Random(seed)
    serial = 0

    def new() -> dict:
        nonlocal serial
        serial += 1
        if rng.random() < 0.4:
            country = rng.choice(COUNTRIES)
            return {"id": f"physical/{country.lower()}/m{serial}", "name": f"Market {serial}",
                    "category": "physical", "country": country, "urls": [],
                    "provenance": {"page": rng.randint(30, 60)}}
        return {"id": f"online/site{serial}", "name": f"SITE {serial}", "category": "online",
                "urls": [f"site{serial}.example"], "provenance": {"page": rng.randint(5, 30)}}

    current = [new() for _ in range(entries)]
    out = [current]
    for _ in range(editions - 1):
        nxt = [dict(e) for e in current if rng.random() > 0.04]
        nxt += [new() for _ in range(entries - len(nxt))]
        for i, e in enumerate(nxt):
            roll = rng.random()
            if roll < 0.01 and e["category"] == "online":      # renamed, same domain
                serial += 1
                nxt[i] = {**e, "id": f"online/site{serial}", "name": f"SITE {serial} HOSTED"}
            elif roll < 0.015 and e["category"] == "physical":  # moved
                country = rng.choice([c for c in COUNTRIES if c != e["country"]])
                nxt[i] = {**e, "country": country,
                          "id": f"physical/{country.lower()}/{e['id'].rsplit('/', 1)[1]}"}
            elif roll < 0.035:
                nxt[i] = {**e, "aliases": [f"alias {rng.randint(1, 99)}"]}
        current = nxt
        out.append(current)
    return out


def timed(task) -> float:
    """Time ``task``: a function, or ``(setup, function)`` with the setup not timed."""
    setup, fn = task if isinstance(task, tuple) else (None, task)
    if setup:
        setup()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(tasks: dict, runs: int) -> dict[str, tuple[float, float]]:
    """Median time of each task and median ratio to the baseline timed right before it
    (the build machine is shared: load drifts, so each ratio compares like with like)."""
    times: dict[str, list[float]] = {name: [] for name in tasks}
    ratios: dict[str, list[float]] = {name: [] for name in tasks}
    for task in tasks.values():
        timed(task)  # warm-up: imports, caches
    for _ in range(runs):
        for name, task in tasks.items():
            base = timed(tasks["baseline"])
            t = timed(task)
            times[name].append(t)
            ratios[name].append(t / base)
    return {name: (statistics.median(times[name]), statistics.median(ratios[name]))
            for name in tasks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=20)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-history-"))
    try:
        store = Store(root)
        cache = root / "watches" / "nml" / "cache"
        after_check = root / "after-check"
        for k, entries in enumerate(series(args.editions, args.entries)):
            year = 2000 + k
            if k == args.editions - 1:  # what was kept before the last edition came
                history(store, "nml")
            store.save("nml", make({"id": "nml", "edition": str(year)}, entries,
                                   {"plugin": "bench", "retrieved_at": f"{year}-12-01T00:00:00Z",
                                    "location": f"https://example.org/{year}.pdf"}, []))
        paths = store.snapshots("nml")
        # ... and the diff `check` keeps when it stores it: the cache right after that check
        remember_pair(store, "nml", paths[-2], paths[-1], diff_files(paths[-2], paths[-1]))
        shutil.copytree(cache, after_check)

        def baseline():
            gc.disable()
            try:
                for path in paths:
                    orjson.loads(path.read_bytes())
            finally:
                gc.enable()

        def run_history():
            rows, _ = history(store, "nml")
            as_json(rows)  # what `history --format json` prints

        def run_html():
            render(build(store, "nml"))

        def run_markdown():
            markdown(build(store, "nml"))

        rows, editions = history(store, "nml")
        print(f"{len(editions)} editions × {args.entries} entries; {len(rows)} history rows, "
              f"{sum(bool(r['former']) for r in rows)} followed through a rename or move\n")

        def changed():  # the cache as `check` left it after storing the last edition
            shutil.rmtree(cache)
            shutil.copytree(after_check, cache)

        def cold():  # as for a store filled before diffs were kept
            shutil.rmtree(cache, ignore_errors=True)

        tasks = {"baseline": baseline,
                 "`history --format json` (rows + JSON out)": run_history,
                 "`report --html` (data + HTML)": run_html,
                 "`report` (data + Markdown)": run_markdown,
                 "first `history --format json` after a change": (changed, run_history),
                 "first `report --html` after a change": (changed, run_html),
                 "first `report` (Markdown) after a change": (changed, run_markdown)}
        results = interleaved(tasks, args.runs)
        cold = interleaved({"baseline": baseline,
                            "cold `history` (no diffs kept)": (cold, run_history)}, 3)
        base = results["baseline"][0]
        print(f"| what | time | baseline: orjson, the {len(paths)} snapshots | ratio |")
        print("| --- | ---: | ---: | ---: |")
        for name, (t, ratio) in [*results.items(), *cold.items()]:
            if name != "baseline":
                print(f"| {name} | {t * 1000:.1f} ms | {base * 1000:.1f} ms | {ratio:.2f}x |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
