"""Rebuild the bundled example: report PDFs, the seeded store and example snapshots.

    python examples/rebuild.py

The example store holds last year's snapshots (the 2019 report, an older feed and
an older entity list), so `listwatch --config examples/listwatch.toml check --dry-run`
shows real changes against this year's bundled documents.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fixtures.make_reports import index_html, make_report  # noqa: E402

SEED = """
[store]
path = "{store}"

[[watch]]
name = "nml"
source = "ustr-nml"
location = "{here}/reports/nml-2019.pdf"

[[watch]]
name = "nml-news"
source = "feed"
location = "{here}/feeds/trade-news-previous.xml"

[[watch]]
name = "entities"
source = "table"
location = "{here}/data/entities-previous.csv"
"""


def main() -> None:
    reports = HERE / "reports"
    reports.mkdir(exist_ok=True)
    for year in (2019, 2020):
        make_report(year, reports / f"nml-{year}.pdf")
    (reports / "index.html").write_bytes(index_html([
        ("nml-2019.pdf", "2019 Review of Notorious Markets for Counterfeiting and Piracy"),
        ("nml-2020.pdf", "2020 Review of Notorious Markets for Counterfeiting and Piracy"),
    ]))
    store = HERE / "store"
    shutil.rmtree(store, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed.toml"
        seed.write_text(SEED.format(store=store, here=HERE), encoding="utf-8")
        subprocess.run(["listwatch", "--config", str(seed), "check"], check=True)
    (store / ".lock").unlink(missing_ok=True)
    for path in store.rglob("state.json"):
        path.unlink()  # machine-specific paths; not needed by the example
    snapshots = HERE / "snapshots"
    snapshots.mkdir(exist_ok=True)
    for year in (2019, 2020):
        with open(snapshots / f"nml-{year}.json", "w", encoding="utf-8") as out:
            subprocess.run(["listwatch", "fetch", "ustr-nml", str(reports / f"nml-{year}.pdf")],
                           check=True, stdout=out)


if __name__ == "__main__":
    main()
