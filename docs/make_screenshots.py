"""Regenerate the README's screenshots: docs/district_report.png and docs/dashboard.png.

    .venv/bin/python docs/make_screenshots.py [--province data/province] [--only report|dashboard]

- The district report: the tiny sample's start of the year exported on three days
  (:mod:`eduwb.sample.days`), each day recorded in a history store as the nightly batch does, then
  `eduwb batch` for district 696 on the last day: its first page, the standing and the progress
  between runs (the school that changed its vnEdu figures after signing included).
- The dashboard: the province sample (`eduwb sample data/province --size province`) with its
  start of the year replaced by its third export day, the three days and the other periods
  recorded in the history, judged as of 17/09/2021, one district drilled down.

Chromium is Debian's (/usr/bin/chromium) through Playwright; nothing is downloaded. Jupyter's,
matplotlib's and eduwb's files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eduwb import batch, store  # noqa: E402
from eduwb.sample.days import write_days  # noqa: E402
from tests.test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, new_page, voila  # noqa: E402
from tests.test_notebooks import jupyter_env  # noqa: E402

YEAR, PERIOD = "2021-2022", "dau_nam"
REPORT_DISTRICT, DASHBOARD_DISTRICT = "696", "691"
DASHBOARD_AS_OF = dt.date(2021, 9, 17)


def record_days(days: Path, history: Path, cache: Path) -> Path:
    """Record each day of ``days`` (oldest first) as a province run; returns the last day."""
    folders = sorted(p for p in days.iterdir() if p.is_dir() and not p.name.startswith("_"))
    for folder in folders:
        store.snapshot(folder, YEAR, PERIOD, cache=cache).record(history)
        print(f"  recorded {folder.name}")
    return folders[-1]


def report(tmp: Path, browser) -> None:
    days, history, cache = tmp / "days", tmp / "history.duckdb", tmp / "cache"
    write_days(days, size="tiny", period=PERIOD, sample=ROOT / "data" / "sample")
    last = record_days(days, history, cache)
    result = batch.run_batch(last, YEAR, tmp / "reports", periods=[PERIOD],
                             districts=[REPORT_DISTRICT], as_of=dt.date(2021, 9, 16),
                             progress=False, history=history)
    assert not result.failed, result.summary()
    page = browser.new_page(viewport={"width": 1000, "height": 2000})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        "file:") else route.abort())  # the page's CDN scripts are not needed to draw it
    page.goto((tmp / "reports" / YEAR / PERIOD / f"{REPORT_DISTRICT}.html").as_uri())
    bottom = page.locator("#sai-lech").bounding_box()["y"]
    page.screenshot(path=str(ROOT / "docs" / "district_report.png"),
                    clip={"x": 0, "y": 0, "width": 1000, "height": bottom - 8})
    page.close()


def dashboard(tmp: Path, province: Path, browser) -> None:
    days, history, cache = tmp / "pdays", tmp / "phistory.duckdb", tmp / "pcache"
    write_days(days, size="province", period=PERIOD, sample=province)
    last = record_days(days, history, cache)
    data = tmp / "province"  # the province as of the last day: its start of the year replaced
    shutil.copytree(last / "danh_muc", data / "danh_muc")
    (data / YEAR).mkdir(parents=True)
    os.symlink(last / YEAR / PERIOD, data / YEAR / PERIOD)
    for period in ("cuoi_hk1", "cuoi_nam"):
        os.symlink(province.resolve() / YEAR / period, data / YEAR / period)
    for period in ("dau_nam", "cuoi_hk1", "cuoi_nam"):
        store.snapshot(data, YEAR, period, cache=cache).record(history)
    with voila(data, tmp, cache=cache, as_of=DASHBOARD_AS_OF, history=history) as url:
        page = new_page(browser, height=2300)
        page.goto(url)
        page.wait_for_selector(".eduwb-tile[data-key=findings]", timeout=90_000)
        select = page.locator(".eduwb-district select")
        labels = [s.replace("\xa0", " ") for s in select.evaluate(
            "s => Array.from(s.options).map(o => o.text)")]
        select.select_option(index=next(i for i, s in enumerate(labels)
                                        if s.startswith(f"{DASHBOARD_DISTRICT} ")))
        page.wait_for_selector("table[data-key=district-history]", timeout=30_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ROOT / "docs" / "dashboard.png"))
        page.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--province", type=Path, default=ROOT / "data" / "province")
    ap.add_argument("--only", choices=("report", "dashboard"))
    args = ap.parse_args()
    if not CHROMIUM.exists():
        print("needs /usr/bin/chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    if args.only != "report" and not (args.province / "danh_muc" / "truong.xlsx").is_file():
        print(f"No province at {args.province}: run `.venv/bin/eduwb sample {args.province} "
              "--size province` first", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as name, sync_playwright() as pw:
        tmp = Path(name)
        os.environ.update(jupyter_env(tmp / "env"))
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        if args.only in (None, "report"):
            report(tmp, browser)
            print("docs/district_report.png")
        if args.only in (None, "dashboard"):
            dashboard(tmp, args.province, browser)
            print("docs/dashboard.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
