"""What alerts cost: start-up of a `check` that sends nothing, and delivery to many URLs.

    python benchmarks/bench_alerts.py [--runs 7] [--urls 20] [--latency 0.05]

1. Start-up: `listwatch check` of one unchanged table watch never imports apprise.
   Measured three ways: ``python -X importtime -c "import apprise"`` (apprise's own
   cumulative import time), the same `check` with and without apprise preloaded
   (wall time of the process), and importing apprise plus loading its plugins
   (the first ``instantiate()``), which is what a run that sends pays.
   Also what checking the notifier URLs' schemes at load costs (``listwatch.alerts.schemes``):
   reading the cached scheme list (every run with URLs), against listing the schemes in a
   child process that imports apprise (the first run after apprise is installed or upgraded).
2. Delivery: one alert to --urls local ``json://`` webhooks (one receiver on
   127.0.0.1 that answers after --latency seconds, as a real service would), sent
   sequentially (``AppriseAsset(async_mode=False)``), with apprise's default
   parallel dispatch (``notify()``), with ``async_notify()``, and through listwatch's
   own :class:`listwatch.alerts.sender.Sender`.

Prints Markdown tables: medians of --runs, and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from receivers import WebhookReceiver  # noqa: E402

CONFIG = """[store]
path = "store"

[alerts]
notify = ["json://127.0.0.1:9/never-used"]

[[watch]]
name = "t"
source = "table"
location = "{csv}"
"""

PRELOAD = ("import sys, apprise; from listwatch.cli import cli; "
           "cli.main(sys.argv[1:], prog_name='listwatch')")
PLAIN = "import sys; from listwatch.cli import cli; cli.main(sys.argv[1:], prog_name='listwatch')"


def median_run(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def apprise_import_us() -> int:
    """apprise's cumulative import time (µs) from ``-X importtime``."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import apprise"],
                         check=True, capture_output=True, text=True).stderr
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*apprise$", line)
        if m:
            return int(m.group(1))
    raise RuntimeError("apprise not found in -X importtime output")


def startup(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp:
        root = Path(tmp)
        (root / "list.csv").write_text("id,name\na,Alpha\nb,Beta\n")
        config = root / "listwatch.toml"
        config.write_text(CONFIG.format(csv=root / "list.csv"))
        args = ["--config", str(config), "check"]
        subprocess.run([sys.executable, "-c", PLAIN, *args], check=True,
                       stdout=subprocess.DEVNULL)  # the baseline
        plain = median_run([sys.executable, "-c", PLAIN, *args], runs)
        preload = median_run([sys.executable, "-c", PRELOAD, *args], runs)
        probe = ("import sys; from listwatch.cli import cli; "
                 f"cli.main({args!r}, standalone_mode=False); "
                 "print('apprise' in sys.modules)")
        imported = subprocess.run([sys.executable, "-c", probe], check=True,
                                  capture_output=True, text=True).stdout.split()[-1]
    imports = [apprise_import_us() / 1e6 for _ in range(runs)]
    load = median_run([sys.executable, "-c", "import apprise; "
                       "apprise.Apprise.instantiate('json://127.0.0.1:9/x')"], runs)
    python = median_run([sys.executable, "-c", "pass"], runs)
    print("## Start-up: `listwatch check` with no change\n")
    print(f"apprise imported by that check: **{imported}**\n")
    print("| what | median (s) | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| `check`, no change (apprise not imported) | {plain:.3f} | 1.00 |")
    print(f"| same `check` with apprise preloaded | {preload:.3f} | {preload / plain:.2f} |")
    print(f"| saved per run (difference) | {preload - plain:.3f} | |")
    print(f"| `-X importtime`: apprise cumulative | {statistics.median(imports):.3f} | |")
    print(f"| import apprise + first instantiate() (process, minus bare python "
          f"{python:.3f}) | {load - python:.3f} | |")
    print()
    schemes(runs)


def schemes(runs: int) -> None:
    """The scheme check at config load: warm cache vs. a cold one (child process)."""
    import os

    from listwatch.alerts import schemes as mod
    from listwatch.config import Config, Watch

    config = Config(path=Path("listwatch.toml"), store=Path("."),
                    notify=["json://127.0.0.1:9/x", "mailto://127.0.0.1:25?to=a@b.example"],
                    on_error=["slack://T/B/C"],
                    watches=[Watch("w", "table", "x.csv", notify=["discord://1/2"])])
    with tempfile.TemporaryDirectory(prefix="bench-schemes-") as tmp:
        os.environ["LISTWATCH_CACHE_DIR"] = tmp
        cold = []
        for _ in range(max(1, runs // 2)):
            mod._known = None
            (Path(tmp) / mod.CACHE_NAME).unlink(missing_ok=True)
            start = time.perf_counter()
            mod.check_config(config)
            cold.append(time.perf_counter() - start)
        warm = []
        for _ in range(runs * 20):
            mod._known = None  # a new process: the cache file is read again
            start = time.perf_counter()
            mod.check_config(config)
            warm.append(time.perf_counter() - start)
        del os.environ["LISTWATCH_CACHE_DIR"]
    print("## Notifier URL schemes checked at config load\n")
    print("| what | median | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| cold: schemes listed by a child process importing apprise (once per apprise "
          f"install) | {statistics.median(cold) * 1000:.0f} ms | 1.00 |")
    print(f"| warm: the cached list read (each run with URLs) | "
          f"{statistics.median(warm) * 1e6:.0f} µs | "
          f"{statistics.median(warm) / statistics.median(cold):.5f} |")
    print()


async def _async(a, **kw):
    return await a.async_notify(**kw)


def delivery(runs: int, n: int, latency: float) -> None:
    import apprise

    from listwatch.alerts.secrets import Redactor
    from listwatch.alerts.sender import Job, Sender
    from listwatch.config import Config

    with WebhookReceiver() as hook:
        hook.delay = 0  # accepted-or-not does not matter here; latency below
        urls = [hook.url("json", f"/hook{i}") for i in range(n)]
        results: dict[str, list[float]] = {}

        def timed(name: str, fn) -> None:
            for _ in range(runs):
                before = len(hook.requests)
                start = time.perf_counter()
                ok = fn()
                results.setdefault(name, []).append(time.perf_counter() - start)
                assert ok and len(hook.requests) - before == n, (name, ok)

        def build(async_mode: bool):
            a = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=async_mode))
            for u in urls:
                a.add(u)
            return a

        seq, par = build(False), build(True)
        seq.notify(body="warm", title="warm")  # plugin load, connection set-up
        hook.requests.clear()
        # the receiver answers after `latency`, like a real service over the network
        hook.delay = latency
        timed("sequential (async_mode=False)", lambda: bool(seq.notify(body="b", title="t")))
        timed("apprise notify() (parallel, default)",
              lambda: bool(par.notify(body="b", title="t")))
        timed("apprise async_notify()",
              lambda: bool(asyncio.run(_async(par, body="b", title="t"))))
        config = Config(path=None, store=Path("."), alert_timeout=10)
        sender = Sender(config, Redactor(urls))

        def via_sender() -> bool:
            jobs = [Job(u, lambda svc: ("t", "b", "text", None)) for u in urls]
            for _ in sender.send(jobs):
                pass
            return all(j.ok for j in jobs)
        timed("listwatch Sender (one notify() per message)", via_sender)
        sender.close()
    base = statistics.median(results["sequential (async_mode=False)"])
    print(f"## Delivery: one alert to {n} local json:// webhooks "
          f"(receiver latency {latency * 1000:.0f} ms)\n")
    print("| how | median (s) | speed-up vs sequential |")
    print("| --- | ---: | ---: |")
    for name, times in results.items():
        med = statistics.median(times)
        print(f"| {name} | {med:.3f} | {base / med:.1f}x |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--urls", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    startup(args.runs)
    delivery(args.runs, args.urls, 0.0)
    delivery(args.runs, args.urls, args.latency)


if __name__ == "__main__":
    main()
