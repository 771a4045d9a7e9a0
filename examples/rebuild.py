"""Rebuild the bundled example: report PDFs, the seeded store and example snapshots.

    python examples/rebuild.py      (delete examples/reports/*.pdf first to remake them)

The example store holds last year's snapshots (the 2019 report, an older feed and
an older entity list), so `listwatch --config examples/listwatch.toml check --dry-run`
shows real changes against this year's bundled documents.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fixtures.make_reports import index_html, make_report  # noqa: E402

# Locations relative to this folder, so the stored snapshots name no path of this machine.
SEED = """
[store]
path = "store"

[[watch]]
name = "nml"
source = "ustr-nml"
location = "reports/nml-2019.pdf"

[[watch]]
name = "nml-news"
source = "feed"
location = "feeds/trade-news-previous.xml"

[[watch]]
name = "entities"
source = "table"
location = "data/entities-previous.csv"
"""


def main() -> None:
    reports = HERE / "reports"
    reports.mkdir(exist_ok=True)
    for year in (2019, 2020):  # PDFs carry their creation time: only missing ones are made
        if not (reports / f"nml-{year}.pdf").exists():
            make_report(year, reports / f"nml-{year}.pdf")
    (reports / "index.html").write_bytes(index_html([
        ("nml-2019.pdf", "2019 Review of Notorious Markets for Counterfeiting and Piracy"),
        ("nml-2020.pdf", "2020 Review of Notorious Markets for Counterfeiting and Piracy"),
    ]))
    store = HERE / "store"
    shutil.rmtree(store, ignore_errors=True)
    seed = HERE / "rebuild-seed.toml"
    seed.write_text(SEED, encoding="utf-8")
    try:
        subprocess.run(["listwatch", "--config", str(seed), "check"], check=True)
    finally:
        seed.unlink()
    (store / ".lock").unlink(missing_ok=True)
    for path in store.rglob("state.json"):
        path.unlink()  # machine-specific paths; not needed by the example
    snapshots = HERE / "snapshots"
    snapshots.mkdir(exist_ok=True)
    for year in (2019, 2020):
        with open(snapshots / f"nml-{year}.json", "w", encoding="utf-8") as out:
            subprocess.run(["listwatch", "fetch", "ustr-nml", f"reports/nml-{year}.pdf"],
                           check=True, stdout=out, cwd=HERE)


if __name__ == "__main__":
    main()
