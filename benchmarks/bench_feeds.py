"""`listwatch check` of N feed watches served on 127.0.0.1, nothing changed:
all answers 304 (conditional GET), then all 200 (full download and parse), each
with the default concurrent fetching (--jobs 8) and one at a time (--jobs 1).

    python benchmarks/bench_feeds.py [--watches 50] [--items 40] [--latency 0.05] [--runs 3]

The server waits --latency seconds before each answer, as a remote host would.
Prints a Markdown table of medians and the speed-up of concurrent fetching.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from bench_check import median_time  # noqa: E402  (this folder is on sys.path)
from servers import HTTPServer, Route  # noqa: E402


def rss(feed: int, items: int) -> bytes:
    body = "".join(
        f"<item><title>Story {i} of feed {feed} on notorious markets</title>"
        f"<link>https://news.example.org/{feed}/{i}</link><guid>f{feed}-{i}</guid>"
        f"<pubDate>Tue, 30 Jan 2024 09:00:00 GMT</pubDate>"
        f"<description>Counterfeit goods and piracy, item {i}.</description></item>"
        for i in range(items))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
            f"<link>https://news.example.org/</link>{body}</channel></rss>").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watches", type=int, default=50)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    listwatch = shutil.which("listwatch")
    server = HTTPServer().start()
    root = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    try:
        watches = []
        for n in range(args.watches):
            server.route(f"/feed{n}.xml", Route(body=rss(n, args.items),
                                                content_type="application/rss+xml",
                                                etag=f'"v{n}"', delay=args.latency))
            # max_age_days makes the feed non-deterministic: a 200 is always parsed
            watches.append(f'[[watch]]\nname = "feed{n}"\nsource = "feed"\n'
                           f'location = "{server.url(f"/feed{n}.xml")}"\n'
                           f"options = {{max_age_days = 100000}}\n")
        (root / "listwatch.toml").write_text("\n".join(watches), encoding="utf-8")
        subprocess.run([listwatch, "check"], cwd=root, check=True, stdout=subprocess.DEVNULL)

        rows = []
        for label in ("all 304 (conditional GET)", "all 200 (downloaded and parsed)"):
            if label.startswith("all 200"):
                for route in server.routes.values():
                    route.etag = None  # no validators: every answer is a full 200
            concurrent = median_time([listwatch, "check"], root, args.runs)
            serial = median_time([listwatch, "check", "--jobs", "1"], root, args.runs)
            rows.append((label, concurrent, serial))
        print(f"`check` of {args.watches} feed watches ({args.items} items each, "
              f"{args.latency * 1000:.0f} ms server latency), nothing changed; "
              f"median of {args.runs}\n")
        print("| answers | --jobs 8 (default) | --jobs 1 | speed-up |")
        print("| --- | ---: | ---: | ---: |")
        for label, concurrent, serial in rows:
            print(f"| {label} | {concurrent:.2f} s | {serial:.2f} s | "
                  f"{serial / concurrent:.1f}x |")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
